# Option types shared by nix/modules (atelier.backup.*) and nix/lib/mkService.nix
# (atelier.services.<name>). One definition, so that a service declared through
# mkService and one registered by hand are checked the same way.
{ lib }:

let
  inherit (lib) mkOption types;

  absolutePath = types.addCheck types.str (lib.hasPrefix "/") // {
    name = "absolutePath";
    description = "absolute path";
    descriptionClass = "noun";
  };

  # One path or a list of them; always a list once merged.
  pathList = types.coercedTo absolutePath lib.singleton (types.listOf absolutePath);

  # A systemd unit name as NixOS checks it in `after`/`wants` (a suffix is required,
  # so that "myapp" is rejected instead of silently meaning nothing to systemctl).
  unitName =
    types.strMatching "[a-zA-Z0-9@%:_.\\-]+[.](service|socket|device|mount|automount|swap|target|path|timer|scope|slice)"
    // {
      description = "systemd unit name (with its suffix, e.g. `myapp.service`)";
      descriptionClass = "noun";
    };

  # Secrets are paths of files read at run time. A string keeps the file out
  # of the store; a path literal (`./secret`) would be copied into it the moment
  # it is interpolated, so it is accepted by the type and rejected by an
  # assertion that explains why (see secretProblem).
  secretPath = types.either types.str types.path // {
    description = "absolute path of a file outside the Nix store (a string, not a path literal)";
    descriptionClass = "noun";
  };

  # Why a secret option's value is unacceptable, or null when it is fine.
  secretProblem =
    optionPath: value:
    if value == null then
      null
    else if builtins.isPath value then
      "${optionPath} = ${toString value} is a Nix path literal; it would be copied into the world-readable Nix store. Write it as a string (\"/run/secrets/...\") pointing at a file deployed by your secret manager (agenix, sops-nix)."
    else if lib.hasPrefix builtins.storeDir (toString value) then
      "${optionPath} = \"${value}\" is inside the Nix store, which every local user can read. Point it at a file outside the store, deployed by your secret manager (e.g. config.age.secrets.restic-password.path or config.sops.secrets.\"restic/password\".path)."
    else if !(lib.hasPrefix "/" value) then
      "${optionPath} = \"${value}\" is not an absolute path. Give the absolute path of the file that holds the secret."
    else
      null;

  retentionKeep =
    what:
    mkOption {
      type = types.nullOr types.ints.positive;
      default = null;
      description = "Keep the last N ${what} snapshots (`restic forget --keep-${what}`); null = not used.";
    };

  retentionOptions = {
    last = mkOption {
      type = types.nullOr types.ints.positive;
      default = null;
      description = "Keep the N most recent snapshots (`restic forget --keep-last`); null = not used.";
    };
    hourly = retentionKeep "hourly";
    daily = retentionKeep "daily";
    weekly = retentionKeep "weekly";
    monthly = retentionKeep "monthly";
    yearly = retentionKeep "yearly";
  };

  # The host-wide policy; a per-service override replaces it as a whole.
  retention = types.submodule { options = retentionOptions; };

  hookOption =
    when:
    mkOption {
      type = types.nullOr types.lines;
      default = null;
      description = "Shell commands run ${when}, as root, by atelier-backup. A failure aborts the operation.";
      example = "systemctl stop myapp-worker.service";
    };

  hooks = types.submodule {
    options = {
      preBackup = hookOption "before the backup";
      postBackup = hookOption "after the backup, whatever its outcome";
      preRestore = hookOption "before the restored data is swapped in (the service's units are already stopped)";
      postRestore = hookOption "after the restored data is in place, before the units start again";
    };
  };

  postgresCreate = types.submodule {
    options = {
      enable = mkOption {
        type = types.bool;
        default = true;
        description = "Drop and recreate the database before `pg_restore` on restore.";
      };
      options = mkOption {
        type = types.attrsOf (types.coercedTo types.int toString types.str);
        default = { };
        description = "`CREATE DATABASE` options used when recreating it.";
        example = {
          OWNER = "nextcloud";
          TEMPLATE = "template0";
          ENCODING = "UTF8";
          LC_COLLATE = "C";
          LC_CTYPE = "C";
        };
      };
    };
  };

  # `create = { OWNER = "x"; TEMPLATE = "template0"; }` (the clan spelling, see
  # reference/clan-backups.txt) means the options directly.
  postgresCreateType =
    types.coercedTo (types.addCheck (types.attrsOf types.anything) (
      v: v != { } && !(v ? enable) && !(v ? options)
    )) (options: { inherit options; }) postgresCreate;

  postgresDatabase = types.submodule {
    options = {
      name = mkOption {
        type = types.strMatching "[^[:space:]\"]+" // {
          description = "PostgreSQL database name (no whitespace or quotes)";
        };
        description = "Name of the database to dump with `pg_dump -Fc` and restore with `pg_restore`.";
        example = "nextcloud";
      };
      create = mkOption {
        type = postgresCreateType;
        default = { };
        description = "How the database is recreated on restore.";
      };
      stopOnRestore = mkOption {
        type = types.listOf unitName;
        default = [ ];
        description = "Units stopped while this database is restored, besides the service's own `stopUnits`.";
        example = [
          "phpfpm-nextcloud.service"
          "nextcloud-cron.timer"
        ];
      };
    };
  };

  isSingleDatabase = v: builtins.isAttrs v && builtins.isString (v.name or null);

  # "db" | { name; create; ... } | [ "db" { name = ...; } ] | { db = { create = ...; }; }
  # all become a list of database submodules.
  postgresList =
    types.coercedTo
      (types.addCheck (types.either types.str (types.attrsOf types.anything)) (v: !(builtins.isList v)))
      (
        v:
        if builtins.isString v then
          [ { name = v; } ]
        else if isSingleDatabase v then
          [ v ]
        else
          lib.mapAttrsToList (name: db: { inherit name; } // db) v
      )
      (types.listOf (types.coercedTo types.str (name: { inherit name; }) postgresDatabase));

  dump = types.submodule (
    { name, ... }:
    {
      options = {
        backupCmd = mkOption {
          type = types.str;
          description = "Command whose standard output is the dump. A non-zero exit fails the backup.";
          example = "slapcat -n 1";
        };
        restoreCmd = mkOption {
          type = types.str;
          description = "Command that reads the dump on standard input and restores it.";
          example = "slapadd -n 1";
        };
        user = mkOption {
          type = types.nullOr types.str;
          default = null;
          description = "User both commands run as; null = root.";
        };
        backupName = mkOption {
          type = types.nullOr types.str;
          default = null;
          description = "File name the dump is stored under in the snapshot; null = `${name}`.";
        };
      };
    }
  );

  # Per-service overrides of the host-wide settings, shared by data blocks and
  # manual registrations.
  overrideOptions = {
    tags = mkOption {
      type = types.listOf types.str;
      default = [ ];
      description = "Extra restic tags on this service's snapshots (`atelier` and `service:<name>` are always added).";
    };
    schedule = mkOption {
      type = types.nullOr types.str;
      default = null;
      description = "systemd `OnCalendar=` of this service's backup; null = `atelier.backup.schedule`.";
      example = "*-*-* 00/6:00:00";
    };
    randomizedDelay = mkOption {
      type = types.nullOr types.str;
      default = null;
      description = "systemd `RandomizedDelaySec=` of this service's backup timer; null = `atelier.backup.randomizedDelay`.";
      example = "5m";
    };
    staleAfter = mkOption {
      type = types.nullOr types.str;
      default = null;
      description = "`atelier-backup status` calls this service stale (and exits non-zero) when its newest snapshot is older than this (`26h`, `90m`, `2days`); null = `atelier.backup.staleAfter`.";
      example = "3days";
    };
    retention = mkOption {
      type = types.nullOr retention;
      default = null;
      description = "Retention of this service's snapshots; replaces `atelier.backup.retention` as a whole. null = the host's.";
      example = {
        daily = 14;
        monthly = 6;
      };
    };
    repositories = mkOption {
      type = types.nullOr (types.listOf types.str);
      default = null;
      description = "Names of the `atelier.backup.repositories` this service is backed up to; null = all of them.";
      example = [
        "local"
        "b2"
      ];
    };
  };

  hookOptions = {
    preBackup = hookOption "before the backup";
    postBackup = hookOption "after the backup, whatever its outcome";
    preRestore = hookOption "before the restored data is swapped in";
    postRestore = hookOption "after the restored data is in place";
  };

  # The `data` block of atelier.services.<name> (DESIGN.md §2.1). A submodule,
  # so that `sqlite = 5;` or a misspelt key fails naming the option path.
  data = types.submodule {
    options = {
      sqlite = mkOption {
        type = pathList;
        default = [ ];
        description = "SQLite database files, copied online and consistently (backup API) unless `stopForBackup` is set. Their `-wal`/`-shm` files are never backed up as plain files.";
        example = "/var/lib/myapp/data/app.db";
      };
      postgres = mkOption {
        type = postgresList;
        default = [ ];
        description = "PostgreSQL databases, dumped with `pg_dump -Fc -Z 0` and restored with `pg_restore`: a name, a list of names or `{ name; create; stopOnRestore; }` sets, or an attribute set of those keyed by name.";
        example = lib.literalExpression ''{ nextcloud = { create.options.OWNER = "nextcloud"; stopOnRestore = [ "phpfpm-nextcloud.service" ]; }; }'';
      };
      files = mkOption {
        type = pathList;
        default = [ ];
        description = "Files and directories backed up as they are.";
        example = [ "/var/lib/myapp/uploads" ];
      };
      exclude = mkOption {
        type = types.listOf types.str;
        default = [ ];
        description = "restic `--exclude` patterns applied to `files`.";
        example = [
          "*.log"
          "cache/*"
        ];
      };
      stopForBackup = mkOption {
        type = types.bool;
        default = false;
        description = "Stop `stopUnits` during the backup (checkpoint, copy, start again whatever happened) instead of copying SQLite online.";
      };
      stopUnits = mkOption {
        type = types.listOf unitName;
        default = [ ];
        description = "Units stopped for `stopForBackup` and around an in-place restore.";
        example = [
          "myapp.service"
          "myapp-worker.service"
        ];
      };
      dumps = mkOption {
        type = types.attrsOf dump;
        default = { };
        description = "Generic dumps: `backupCmd` writes to stdout, `restoreCmd` reads the same bytes on stdin.";
        example = lib.literalExpression ''{ ldap = { backupCmd = "slapcat -n 1"; restoreCmd = "slapadd -n 1"; user = "openldap"; }; }'';
      };
      hooks = mkOption {
        type = hooks;
        default = { };
        description = "Shell hooks around backup and restore.";
      };
      check = mkOption {
        type = types.nullOr types.str;
        default = null;
        description = "Command run against a restored copy during drills; exit 0 = healthy.";
        example = "sqlite3 \"$ATELIER_RESTORED/var/lib/myapp/data/app.db\" 'select count(*) from notes'";
      };
    }
    // overrideOptions;
  };

  # atelier.services.<name>.monitoring / atelier.backup.services.<name>.monitoring.
  monitoring = types.submodule {
    options.pingUrlFile = mkOption {
      type = types.nullOr secretPath;
      default = null;
      description = "File whose first line is this service's healthchecks-style ping URL; overrides `atelier.backup.monitoring.pingUrlFile`. Read at run time.";
      example = "/run/agenix/healthchecks-myapp";
    };
  };

  # atelier.backup.services.<name> (DESIGN.md §2.2).
  manualService = types.submodule {
    options = {
      paths = mkOption {
        type = pathList;
        description = "Files and directories to back up.";
        example = [ "/var/lib/myservice" ];
      };
      exclude = mkOption {
        type = types.listOf types.str;
        default = [ ];
        description = "restic `--exclude` patterns.";
        example = [
          "*.log"
          "cache/*"
        ];
      };
      stopUnits = mkOption {
        type = types.listOf unitName;
        default = [ ];
        description = "Units stopped around an in-place restore.";
      };
      monitoring = mkOption {
        type = monitoring;
        default = { };
        description = "Dead-man's-switch pings of this service's backups.";
      };
    }
    // hookOptions
    // overrideOptions;
  };
in
{
  inherit
    monitoring
    absolutePath
    pathList
    unitName
    secretPath
    secretProblem
    retention
    retentionOptions
    data
    manualService
    ;
}
