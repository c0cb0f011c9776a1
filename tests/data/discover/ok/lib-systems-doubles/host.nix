{ atelier, ... }:
{
  imports = [
    (atelier.lib.mkService {
      name = "photos";
      extraConfig = cfg: {
        atelier.services.photos.data.files = [ "${cfg.dataDir}/library" ];
      };
    })
  ];
  atelier.services.photos.enable = true;
  atelier.backup = {
    enable = true;
    repositories.default = {
      repository = "/srv/restic";
      passwordFile = "/run/keys/restic";
    };
  };
}
