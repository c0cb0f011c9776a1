{ atelier, config, pkgs, lib, ... }:
{
  imports = [
    (atelier.lib.mkService {
      name = "x";
      extraConfig = cfg: {
        atelier.services.x.data = {
          files = [ "/srv/x" ];
        };
      };
    })
    (atelier.lib.mkService {
      name = "y";
      extraConfig = cfg: {
        atelier.services.y.data = {
          sqlite = "/srv/y/y.db";
        };
      };
    })
  ];
  atelier.services.x.enable = true;
  atelier.services.y.enable = true;
  atelier.backup = {
    enable = true;
    repositories.default = {
      repository = "/srv/x/restic";
      passwordFile = "/run/keys/restic";
    };
    repositories.mirror = {
      repository = "sftp:backup@localhost:/srv/y/../y";
      passwordFile = "/run/keys/restic";
    };
    repositories.offsite = {
      repository = "sftp:backup@nas.example:/srv/x";
      passwordFile = "/run/keys/restic";
    };
  };
}
