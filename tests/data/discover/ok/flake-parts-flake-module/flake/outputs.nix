# A module file as a definition of `flake`.
{ lib, ... }:
{
  config.backupModule = {
    atelier.backup = {
      enable = true;
      repositories.default = {
        repository = "/srv/restic";
        passwordFile = "/run/keys/restic";
      };
      retention.daily = lib.mkDefault 7;
    };
  };
}
