{ atelier, config, ... }:
{
  imports = [
    (atelier.lib.mkService {
      name = "notes";
      extraConfig = cfg: { atelier.services.notes.data.sqlite = "${cfg.dataDir}/notes.db"; };
    })
    (atelier.lib.mkService {
      name = "mail";
      extraConfig = cfg: {
        atelier.services.mail.data = {
          files = [ "${cfg.dataDir}/maildir" ];
          schedule = "hourly";
          randomizedDelay = "5m";
          retention = { hourly = 24; daily = 30; };
          repositories = [ "nas" "cloud" ];
          tags = [ "mail" "important" ];
        };
      };
    })
  ];
  atelier.services.notes.enable = true;
  atelier.services.mail.enable = true;
  # The host overrides a data option of a service it imports.
  atelier.services.notes.data.schedule = "03:30";

  atelier.backup = {
    enable = true;
    repositories.nas = {
      repository = "rest:http://nas.lan:8000/";
      passwordFile = "/run/agenix/restic-nas";
      initialize = true;
      # One restic call may run this long (the server may be down).
      timeout = "2h";
    };
    repositories.cloud = {
      repositoryFile = "/run/agenix/restic-cloud-repo";
      # Only Nix knows this path: it is null in the plan, filled in at rebuild time.
      passwordFile = config.age.secrets.restic-cloud.path;
      environmentFile = "/run/agenix/restic-cloud-env";
    };
    schedule = "01:15";
    randomizedDelay = "30m";
    retention = { last = 5; daily = 10; weekly = 4; monthly = 6; yearly = 2; };
    prune.schedule = "Sat 05:00";
    check.schedule = "Sun 06:00";
    drill.schedule = "monthly";
  };
}
