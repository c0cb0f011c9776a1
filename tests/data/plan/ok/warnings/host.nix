{ atelier, config, pkgs, lib, ... }:
{
  imports = [
    (atelier.lib.mkService {
      name = "app";
      extraConfig = cfg: {
        atelier.services.app.data = {
          sqlite = "${cfg.dataDir}/db/app.sqlite";
          files = [ "${cfg.dataDir}" ];
        };
      };
    })
    (atelier.lib.mkService {
      name = "unused";
      extraConfig = cfg: {
        atelier.services.unused.data = {
          files = [ "${cfg.dataDir}/files" ];
        };
      };
    })
  ];
  atelier.services.app.enable = true;
  atelier.backup = {
    enable = true;
    repositories.default = {
      repository = "/srv/restic";
      passwordFile = "/run/keys/restic";
    };
  };
}
