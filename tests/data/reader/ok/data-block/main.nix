# The data block of DESIGN.md §2, with cfg supplied as discovery does.
let
  extraConfig = cfg: {
    atelier.services.myapp.data = {
      sqlite = "${cfg.dataDir}/data/app.db";
      postgres = { name = "myapp"; create = { template = "template0"; }; };
      files = [ "${cfg.dataDir}/uploads" ];
      exclude = [ "*.log" ];
      stopForBackup = false;
      stopUnits = [ "myapp.service" "myapp-worker.service" ];
      dumps.ldap = { backupCmd = "slapcat -n 1"; restoreCmd = "slapadd -n 1"; user = "root"; };
      hooks.preBackup = ''
        echo "starting backup of ${cfg.user}"
      '';
      check = "sqlite3 ${cfg.dataDir}/data/app.db 'PRAGMA integrity_check'";
    };
  };
  name = "myapp";
in
extraConfig { dataDir = "/var/lib/${name}"; user = name; group = name; }
