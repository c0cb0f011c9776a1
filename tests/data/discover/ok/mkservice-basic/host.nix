{ atelier, ... }:
{
  imports = [
    (atelier.lib.mkService {
      name = "app";
      extraConfig = cfg: {
        atelier.services.app.data = {
          sqlite = "${cfg.dataDir}/app.db";
          files = [ "${cfg.dataDir}/uploads" ];
          exclude = [ "*.log" ];
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
