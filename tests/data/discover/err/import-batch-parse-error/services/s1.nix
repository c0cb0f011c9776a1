{ atelier, ... }:
{
  imports = [
    (atelier.lib.mkService {
      name = "s1";
      extraConfig = cfg: {
        atelier.services.s1.data.files = [ "${cfg.dataDir}/files" ];
      };
    })
  ];
  atelier.services.s1.enable = true;
}
