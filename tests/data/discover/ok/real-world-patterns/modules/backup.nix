{ config, ... }:
{
  atelier.backup = {
    enable = true;
    repositories.default = {
      repository = "/srv/restic";
      passwordFile = config.sops.secrets.restic.path;
    };
  };
}
