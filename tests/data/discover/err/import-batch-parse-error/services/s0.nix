{ atelier, ... }:
{
  imports = [
    (atelier.lib.mkService {
      name = "s0";
      extraConfig = cfg: {
        atelier.services.s0.data.files = [ "${cfg.dataDir}/files" ];
      };
    })
  ];
  atelier.services.s0.enable = true;
}
