{ atelier, ... }:
{
  imports = [
    (atelier.lib.mkService {
      name = "notes";
      extraConfig = cfg: {
        atelier.services.notes.data.sqlite = "${cfg.dataDir}/notes.db";
      };
    })
  ];
  atelier.services.notes.enable = true;
  atelier.backup = {
    enable = true;
    repositories.default = {
      repository = "/srv/restic";
      passwordFile = "/run/keys/restic";
    };
  };
}
