{ retention }:
{ lib, ... }:
{
  _module.args.profiles.backup = {
    atelier.backup = {
      enable = true;
      repositories.default = {
        repository = "/srv/restic";
        passwordFile = "/run/keys/restic";
      };
      retention.daily = lib.mkDefault retention;
    };
  };
}
