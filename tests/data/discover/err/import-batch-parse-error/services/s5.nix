{ atelier, ... }:
{
  imports = [
    (atelier.lib.mkService {
      name = "s5";
      extraConfig = cfg: {
        atelier.services.s5.data.files = [ "${cfg.dataDir}/files" ];
      };
    })
  ];
  atelier.services.s5.enable = true;
}
