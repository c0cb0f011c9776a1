# Host settings of the real-systemd test host. tests/systemd_real.rs replaces
# @SCHEDULE@ (the backups' OnCalendar=) before atelier-gen reads the copy.
{ pkgs, ... }:
{
  networking.hostName = "realhost";

  atelier.backup = {
    enable = true;
    schedule = "@SCHEDULE@";
    randomizedDelay = "1s";
    repositories.default = {
      repository = "/var/lib/atelier-repo";
      passwordFile = "/var/lib/atelier-keys/password";
      initialize = true;
    };
    # Never created: ledger's backups fail after ledger.service was stopped.
    repositories.missing = {
      repository = "/var/lib/atelier-missing-repo";
      passwordFile = "/var/lib/atelier-keys/password";
    };
  };

  atelier.services.notes.enable = true;
  atelier.services.ledger.enable = true;

  # The services themselves: notes writes a row into its SQLite database
  # every 0.2 s; both log their starts and stops.
  systemd.services.notes = {
    wantedBy = [ "multi-user.target" ];
    serviceConfig = {
      User = "notes";
      Group = "notes";
    };
    script = ''
      db=/var/lib/notes/notes.db
      echo "notes start" >> /var/lib/notes/events.log
      ${pkgs.sqlite}/bin/sqlite3 "$db" 'PRAGMA journal_mode=WAL; CREATE TABLE IF NOT EXISTS notes(id INTEGER PRIMARY KEY, body TEXT NOT NULL)' >/dev/null
      trap 'echo "notes stop" >> /var/lib/notes/events.log; exit 0' TERM
      while true; do
        ${pkgs.sqlite}/bin/sqlite3 "$db" "INSERT INTO notes(body) VALUES (datetime('now'))"
        sleep 0.2 & wait $!
      done
    '';
  };
  systemd.services.ledger = {
    wantedBy = [ "multi-user.target" ];
    serviceConfig = {
      User = "ledger";
      Group = "ledger";
    };
    script = ''
      echo "ledger start" >> /var/lib/ledger/events.log
      trap 'echo "ledger stop" >> /var/lib/ledger/events.log; exit 0' TERM
      while true; do
        sleep 1 & wait $!
      done
    '';
  };
}
