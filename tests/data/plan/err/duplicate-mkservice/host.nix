{ atelier, ... }:
{
  imports = [
    (atelier.lib.mkService {
      name = "app";
      extraConfig = cfg: { atelier.services.app.data.files = [ "${cfg.dataDir}/a" ]; };
    })
    # A copy-pasted module that forgot to change the name.
    (atelier.lib.mkService {
      name = "app";
      extraConfig = cfg: { atelier.services.app.data.files = [ "${cfg.dataDir}/b" ]; };
    })
  ];
  atelier.services.app.enable = true;
  atelier.backup.repositories.default = {
    repository = "/srv/restic";
    passwordFile = "/run/keys/restic";
  };
}
