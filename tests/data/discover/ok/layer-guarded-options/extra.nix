# Imported only where the host gives `layer.extra`.
{ atelier }:
{
  imports = [
    (atelier.lib.mkService {
      name = "notes";
      extraConfig = cfg: { atelier.services.notes.data.files = [ "${cfg.dataDir}/store" ]; };
    })
  ];
  atelier.services.notes.enable = true;
}
