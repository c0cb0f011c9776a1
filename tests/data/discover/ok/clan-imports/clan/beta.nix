{ atelier, site, ... }:
{
  imports = [ atelier.nixosModules.default ];
  atelier.backup = {
    enable = true;
    repositories.default = {
      repository = "/srv/restic";
      passwordFile = "/run/keys/restic";
    };
    services.photos = {
      paths = [ "/srv/photos" "/srv/${site}" ];
      schedule = "04:00";
    };
  };
}
