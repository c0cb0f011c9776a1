{ lib, ... }:
{
  atelier.services.gallery = {
    enable = true;
    dataDir = "/srv/gallery";
    thumbnails.enable = false;
  };
  atelier.services.mail = {
    enable = true;
    dataDir = "/var/mail-ignored";
    spool = lib.mkOverride 900 "/srv/spool";
  };
  site.enable = true;
  site.root = "/srv/site";
  atelier.backup = {
    enable = true;
    repositories.default = {
      repository = "/srv/restic";
      passwordFile = "/run/keys/restic";
    };
  };
}
