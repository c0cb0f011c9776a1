{ atelier, ... }:
{
  imports = [
    (atelier.lib.mkService {
      name = "s2";
      extraConfig = cfg: {
        atelier.services.s2.data.files = [ "${cfg.dataDir}/files" ];
      };
    })
  ];
  atelier.services.s2.enable = true;
}
