# A photo library: its catalogue is SQLite, the originals are plain files.
{ atelier, pkgs, ... }:
{
  imports = [
    (atelier.lib.mkService {
      name = "photos";
      description = "Photo library";
      extraConfig = cfg: {
        systemd.services.photos = {
          wantedBy = [ "multi-user.target" ];
          serviceConfig = {
            ExecStart = "${pkgs.photoprism}/bin/photoprism start";
            User = cfg.user;
            StateDirectory = "photos";
          };
        };

        atelier.services.photos.data = {
          sqlite = "${cfg.dataDir}/catalogue/index.db";
          files = [
            "${cfg.dataDir}/originals"
            "${cfg.dataDir}/sidecar"
          ];
          exclude = [
            "*.tmp"
            ".thumbnails"
          ];
          check = "${pkgs.sqlite}/bin/sqlite3 ${cfg.dataDir}/catalogue/index.db 'select count(*) from photos'";
        };
      };
    })
  ];
}
