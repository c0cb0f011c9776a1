{ atelier, ... }:
{
  imports = [
    (atelier.lib.mkService {
      name = "s9";
      extraConfig = cfg: {
        atelier.services.s9.data.files = [ "${cfg.dataDir}/files" ];
      };
    })
  ];
  atelier.services.s9.enable = true;
}
