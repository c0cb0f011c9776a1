{ atelier, ... }:
{
  imports = [
    (atelier.lib.mkService {
      name = "feeds";
      extraConfig = cfg: {
        atelier.services.feeds.data.sqlite = "${cfg.dataDir}/feeds.db";
      };
    })
  ];
  atelier.services.feeds.enable = true;
  atelier.backup = {
    enable = true;
    repositories.default = {
      repository = "/srv/restic";
      passwordFile = "/run/keys/restic";
    };
  };
}
