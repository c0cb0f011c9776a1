{ atelier, config, pkgs, lib, ... }:
{
  imports = [
    (atelier.lib.mkService {
      name = "app";
      extraConfig = cfg: {
        atelier.services.app.data = {
          files = [ "${cfg.dataDir}/files" ];
          # Backed up weekly: stale only after more than a week.
          schedule = "weekly";
          staleAfter = "8days";
        };
      };
    })
    (atelier.lib.mkService {
      name = "notes";
      extraConfig = cfg: {
        atelier.services.notes.data = {
          files = [ "${cfg.dataDir}/files" ];
        };
      };
    })
  ];
  atelier.services.app.enable = true;
  atelier.services.notes.enable = true;
  atelier.backup = {
    enable = true;
    # Every service without its own staleAfter.
    staleAfter = "30h";
    services.legacy = {
      paths = [ "/srv/legacy" ];
      staleAfter = "2days";
    };
    repositories.default = {
      repository = "/srv/restic";
      passwordFile = "/run/keys/restic";
    };
  };
}
