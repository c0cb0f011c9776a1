# Backup settings shared by every host: one local repository, the nightly
# schedule and the retention policy. Secrets are paths (agenix), never values.
{ ... }:
{
  atelier.backup = {
    enable = true;
    repositories.local = {
      repository = "/srv/restic";
      passwordFile = "/run/agenix/restic-password";
      initialize = true;
    };
    schedule = "02:00";
    randomizedDelay = "2h";
    retention = {
      last = 3;
      daily = 7;
      weekly = 5;
      monthly = 12;
    };
    prune.schedule = "Sun 04:00";
    check.schedule = "monthly";
    drill.schedule = "Mon *-*-1..7 05:00";
  };
}
