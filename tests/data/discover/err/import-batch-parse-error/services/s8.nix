{ atelier, ... }:
{
  imports = [
    (atelier.lib.mkService {
      name = "s8";
      extraConfig = cfg: {
        atelier.services.s8.data.files = [ "${cfg.dataDir}/files" ];
      };
    })
  ];
  atelier.services.s8.enable = true;
}
