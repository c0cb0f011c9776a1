{ lib, ... }:
{
  imports = [ ../services/wiki.nix ];
  atelier.services.wiki.enable = true;
  atelier.services.blog = {
    enable = true;
    theme = "dark";
  };
  atelier.services.photos = {
    enable = true;
    dataDir = "/srv/photos";
  };
  atelier.backup = {
    enable = true;
    repositories.default = {
      repository = "/srv/restic";
      passwordFile = "/run/keys/restic";
    };
  };
}
