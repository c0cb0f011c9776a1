{ atelier, ... }:
{
  imports = [
    (atelier.lib.mkService {
      name = "journal";
      extraConfig = cfg: {
        atelier.services.journal.data.sqlite = "${cfg.dataDir}/journal.db";
      };
    })
  ];
  atelier.services.journal.enable = true;
  atelier.backup = {
    enable = true;
    repositories.default = {
      repository = "/srv/restic";
      passwordFile = "/run/keys/restic";
    };
  };
}
