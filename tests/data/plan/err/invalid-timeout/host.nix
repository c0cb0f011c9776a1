{ atelier, config, pkgs, lib, ... }:
{
  imports = [
    (atelier.lib.mkService {
      name = "app";
      extraConfig = cfg: {
        atelier.services.app.data.files = [ "${cfg.dataDir}/files" ];
      };
    })
  ];
  atelier.services.app.enable = true;
  atelier.backup = {
    enable = true;
    repositories.default = {
      repository = "rest:http://nas.lan:8000/";
      passwordFile = "/run/keys/restic";
      timeout = "half an hour";
    };
    repositories.offsite = {
      repository = "/srv/restic";
      passwordFile = "/run/keys/restic";
      timeout = "0s";
    };
  };
}
