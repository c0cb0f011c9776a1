{ atelier, ... }:
{
  imports = [ atelier.nixosModules.default ];
  atelier.backup = {
    enable = true;
    repositories.default = {
      repository = "/mnt/backup/restic";
      passwordFile = "/run/keys/restic";
    };
    services.photos = {
      paths = [ "/srv/photos" ];
      schedule = "04:00";
    };
  };
}
