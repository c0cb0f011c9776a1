{ atelier, role, ... }:
{
  imports = [
    (atelier.lib.mkService {
      name = "notes";
      extraConfig = cfg: {
        atelier.services.notes.data.sqlite = "${cfg.dataDir}/notes.db";
      };
    })
  ];
  atelier.services.notes.enable = role == "notes";
  atelier.backup = {
    enable = true;
    repositories.default = {
      repository = "/srv/restic";
      passwordFile = "/run/keys/restic";
    };
  };
}
