{ atelier, config, pkgs, lib, ... }:
{
  imports = [

  ];
  atelier.backup.services.legacy = { paths = [ "/srv/legacy" ]; excludes = [ "*.tmp" ]; };
  atelier.backup = {
    enable = true;
    repositories.default = {
      repository = "/srv/restic";
      passwordFile = "/run/keys/restic";
    };
  };
}
