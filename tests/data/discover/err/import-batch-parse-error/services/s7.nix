{ atelier, ... }:
{
  imports = [
    (atelier.lib.mkService {
      name = "s7";
      extraConfig = cfg: {
        atelier.services.s7.data.files = [ "${cfg.dataDir}/files" ];
      };
    })
  ];
  atelier.services.s7.enable = true;
}
