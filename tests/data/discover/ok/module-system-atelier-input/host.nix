{ config, lib, ... }:
{
  atelier.services.app.enable = config.site.enable;
  atelier.services.worker.dataDir = lib.mkForce "/srv/worker";
  atelier.services.uploads = {
    enable = config.atelier.services.app.enable;
    keepUploads = true;
  };
  atelier.backup = {
    enable = true;
    repositories.default = {
      repository = "/srv/restic";
      passwordFile = "/run/keys/restic";
    };
  };
}
