{ atelier, ... }:
{
  imports = [
    (atelier.lib.mkService {
      name = "one";
      extraConfig = cfg: { atelier.services.one.data.postgres = "one"; };
    })
    (atelier.lib.mkService {
      name = "many";
      extraConfig = cfg: { atelier.services.many.data.postgres = [ "many_a" "many_b" ]; };
    })
    (atelier.lib.mkService {
      name = "cloud";
      extraConfig = cfg: {
        atelier.services.cloud.data.postgres = [
          {
            name = "cloud";
            create = {
              OWNER = "cloud";
              ENCODING = "UTF8";
              TEMPLATE = "template0";
              LC_COLLATE = "C";
              LC_CTYPE = "C";
              CONNECTION_LIMIT = 20;
            };
            stopOnRestore = [ "phpfpm-cloud.service" "cloud-cron.timer" ];
          }
          {
            name = "cloud_files";
            create = {
              enable = true;
              options = {
                OWNER = "cloud";
                TEMPLATE = "template0";
                CONNECTION_LIMIT = 5;
              };
            };
          }
          {
            name = "cloud_logs";
            create.enable = false;
            restore.stopOnRestore = [ "cloud-logger.service" ];
          }
        ];
      };
    })
  ];
  atelier.services.one.enable = true;
  atelier.services.many.enable = true;
  atelier.services.cloud.enable = true;
  atelier.backup = {
    enable = true;
    repositories.default = {
      repository = "/srv/restic";
      passwordFile = "/run/keys/restic";
    };
  };
}
