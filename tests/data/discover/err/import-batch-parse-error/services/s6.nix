{ atelier, ... }:
{
  imports = [
    (atelier.lib.mkService {
      name = "s6";
      extraConfig = cfg: {
        atelier.services.s6.data.files = [ "${cfg.dataDir}/files" ];
      };
    })
  ];
  atelier.services.s6.enable = true;
}
