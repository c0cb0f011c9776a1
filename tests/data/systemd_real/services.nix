# notes: a small real service owning a SQLite file, stopped for its backups.
# ledger: files only, stopped for its backups, backed up to a repository that
# does not exist, so that every run fails while ledger.service is stopped.
# Both write what happens to them into <dataDir>/events.log.
{ atelier, ... }:
{
  imports = [
    (atelier.lib.mkService {
      name = "notes";
      description = "notes, a small SQLite application";
      extraConfig = cfg: {
        atelier.services.notes.data = {
          sqlite = "${cfg.dataDir}/notes.db";
          files = [ "${cfg.dataDir}/attachments" ];
          stopForBackup = true;
          stopUnits = [ "notes.service" ];
          repositories = [ "default" ];
          # The inhibitor locks held while the backup runs.
          hooks.preBackup = "echo preBackup >> ${cfg.dataDir}/events.log; systemd-inhibit --list --no-legend --no-pager > ${cfg.dataDir}/inhibitors.log";
          hooks.postBackup = "echo postBackup $ATELIER_BACKUP_RESULT >> ${cfg.dataDir}/events.log";
          dumps.whoami = {
            backupCmd = "echo dump as $(id -un) | tee -a ${cfg.dataDir}/events.log";
            restoreCmd = "cat >/dev/null";
            user = "notes";
          };
        };
      };
    })
    (atelier.lib.mkService {
      name = "ledger";
      extraConfig = cfg: {
        atelier.services.ledger.data = {
          files = [ "${cfg.dataDir}/books" ];
          stopForBackup = true;
          stopUnits = [ "ledger.service" ];
          repositories = [ "missing" ];
        };
      };
    })
  ];
}
