{ atelier, config, pkgs, lib, ... }:
{
  imports = [

  ];
  atelier.backup.services."my app".paths = [ "/srv/app" ];
  atelier.backup = {
    enable = true;
    repositories.default = {
      repository = "/srv/restic";
      passwordFile = "/run/keys/restic";
    };
  };
}
