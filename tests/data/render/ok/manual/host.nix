{ pkgs, ... }:
{
  atelier.backup.services.wordpress = {
    paths = [ "/srv/wordpress/wp-content" "/etc/wordpress" ];
    exclude = [ "*.tmp" "cache/*" ];
    tags = [ "php" ];
    preBackup = "${pkgs.systemd}/bin/systemctl stop phpfpm-wordpress";
    postBackup = "systemctl start phpfpm-wordpress";
    stopUnits = [ "phpfpm-wordpress.service" ];
    schedule = "04:00";
  };
  atelier.backup = {
    enable = true;
    repositories.default = {
      repository = "/srv/restic";
      passwordFile = "/run/keys/restic";
    };
  };
}
