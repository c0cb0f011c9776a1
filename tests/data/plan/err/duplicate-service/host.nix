{ atelier, config, pkgs, lib, ... }:
{
  imports = [
    (atelier.lib.mkService {
      name = "app";
      extraConfig = cfg: {
        atelier.services.app.data = {
          files = [ "${cfg.dataDir}/files" ];
        };
      };
    })
  ];
  atelier.services.app.enable = true;
  atelier.backup.services.app.paths = [ "/srv/app" ];
  atelier.backup = {
    enable = true;
    repositories.default = {
      repository = "/srv/restic";
      passwordFile = "/run/keys/restic";
    };
  };
}
