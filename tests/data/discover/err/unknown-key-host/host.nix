{ atelier, config, pkgs, lib, ... }:
{
  imports = [
    (atelier.lib.mkService {
      name = "app";
      extraConfig = cfg: {
        atelier.services.app.data = {
          sqlite = "${cfg.dataDir}/app.db";
        };
      };
    })
  ];
  atelier.services.app.enable = true;
  # Host settings are checked like data blocks: a misspelt option would
  # otherwise be dropped without a word (the module system refuses it too).
  atelier.backup = {
    enable = true;
    schedul = "03:00";
    repositories.default = {
      repository = "/srv/restic";
      passwordFile = "/run/keys/restic";
    };
  };
  atelier.backup.prune.shedule = "weekly";
}
