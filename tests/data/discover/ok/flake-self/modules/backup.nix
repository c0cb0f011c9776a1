{ isFlake, ... }:
{
  atelier.backup = {
    enable = isFlake;
    repositories.default = {
      repository = "/srv/restic";
      passwordFile = "/run/keys/restic";
    };
  };
}
