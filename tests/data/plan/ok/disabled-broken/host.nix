{ atelier, ... }:
{
  imports = [
    (atelier.lib.mkService {
      name = "app";
      extraConfig = cfg: { atelier.services.app.data.files = [ "${cfg.dataDir}/a" ]; };
    })
    # Never enabled here, and its config cannot be evaluated on this host:
    # Nix would not evaluate it either, so it is only a warning.
    (atelier.lib.mkService {
      name = "other";
      extraConfig = cfg: { atelier.services.other.data.files = throw "only on the big host"; };
    })
    (atelier.lib.mkService {
      name = "typo";
      extraConfig = cfg: { atelier.services.typo.data.filez = [ "/x" ]; };
    })
  ];
  atelier.services.app.enable = true;
  atelier.backup.repositories.default = {
    repository = "/srv/restic";
    passwordFile = "/run/keys/restic";
  };
}
