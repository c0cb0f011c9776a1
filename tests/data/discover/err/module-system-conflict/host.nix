# Two definitions of a scalar option at the same priority, with different
# values: the module system refuses them.
{ atelier, lib, ... }:
{
  imports = [
    (atelier.lib.mkService {
      name = "app";
      extraConfig = cfg: {
        atelier.services.app.data.files = [ "${cfg.dataDir}/files" ];
      };
    })
    { atelier.services.app.dataDir = "/srv/app"; }
  ];
  atelier.services.app = {
    enable = true;
    dataDir = "/data/app";
  };
  atelier.backup = {
    enable = true;
    repositories.default = {
      repository = "/srv/restic";
      passwordFile = "/run/keys/restic";
    };
  };
}
