# A PHP CMS that predates mkService: registered by hand.
{ pkgs, ... }:
{
  atelier.backup.services.legacy-cms = {
    paths = [
      "/srv/www/legacy-cms/uploads"
      "/etc/legacy-cms"
    ];
    exclude = [
      "*.tmp"
      "cache/*"
    ];
    tags = [ "php" ];
    preBackup = "${pkgs.systemd}/bin/systemctl stop phpfpm-legacy-cms.service";
    postBackup = "${pkgs.systemd}/bin/systemctl start phpfpm-legacy-cms.service";
    stopUnits = [ "phpfpm-legacy-cms.service" ];
  };
}
