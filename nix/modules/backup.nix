# atelier.backup.*: host-wide settings (DESIGN.md §2.5), manual registrations
# (§2.2), the package, and the checks on repositories and secrets.
#
# The units and /etc/atelier/backup-manifest.json are written by the generated
# module (generated/<host>.nix), which reads these options.
{
  config,
  lib,
  pkgs,
  ...
}:

let
  inherit (lib) mkOption types;
  atelierTypes = import ../lib/types.nix { inherit lib; };
  cfg = config.atelier.backup;

  repository = types.submodule (
    { name, ... }:
    {
      options = {
        repository = mkOption {
          type = types.nullOr types.str;
          default = null;
          description = "The restic repository itself (a local path, `rest:http://…`, `s3:…`, `b2:…`). Exactly one of `repository` and `repositoryFile`.";
          example = "/var/backup/restic";
        };
        repositoryFile = mkOption {
          type = types.nullOr atelierTypes.secretPath;
          default = null;
          description = "File whose first line is the repository, for locations that embed credentials. Read at run time; never put in the Nix store.";
          example = "/run/agenix/restic/repo";
        };
        passwordFile = mkOption {
          type = types.nullOr atelierTypes.secretPath;
          default = null;
          description = "File holding the repository password. Read at run time; it must not be in the Nix store (use your secret manager's path).";
          example = lib.literalExpression "config.age.secrets.restic-password.path";
        };
        environmentFile = mkOption {
          type = types.nullOr atelierTypes.secretPath;
          default = null;
          description = "File of `KEY=value` lines exported to restic (cloud credentials such as `B2_ACCOUNT_ID`). Read at run time.";
          example = "/run/agenix/restic/env";
        };
        initialize = mkOption {
          type = types.bool;
          default = false;
          description = "Run `restic init` when the repository `${name}` does not exist yet. Off by default: a missing repository usually means a wrong location or credentials.";
        };
        timeout = mkOption {
          type = types.nullOr (types.strMatching "[[:space:]]*[0-9].*");
          default = null;
          description = "How long one restic process on the repository `${name}` may run before it is stopped and reported (a duration such as `\"90s\"`, `\"30m\"`, `\"6h\"`; null: 24 hours). Bounds calls to an unreachable server, which restic 0.17 and later retry for a long time. `ATELIER_RESTIC_TIMEOUT` overrides it for every repository.";
          example = "30m";
        };
      };
    }
  );

  scheduleOption =
    what: default:
    mkOption {
      type = types.nullOr types.str;
      inherit default;
      description = "systemd `OnCalendar=` of ${what}; null disables it.";
      example = "Sun *-*-* 04:00:00";
    };

  pingOption =
    what:
    mkOption {
      type = types.nullOr atelierTypes.secretPath;
      default = null;
      description = "File whose first line is the healthchecks-style ping URL of `atelier-backup ${what}` (`/start`, success, `/fail`), read at run time.";
      example = "/run/agenix/healthchecks-${what}";
    };

  secretChecks = lib.concatLists (
    lib.mapAttrsToList (
      repoName: repo:
      map (field: atelierTypes.secretProblem "atelier.backup.repositories.${repoName}.${field}" repo.${field}) [
        "passwordFile"
        "repositoryFile"
        "environmentFile"
      ]
    ) cfg.repositories
  );

  allServiceRepositories = lib.mapAttrsToList (n: s: {
    option = "atelier.services.${n}.data.repositories";
    value = s.data.repositories;
  }) (lib.filterAttrs (_: s: s.enable or false) (config.atelier.services or { }))
  ++ lib.mapAttrsToList (n: s: {
    option = "atelier.backup.services.${n}.repositories";
    value = s.repositories;
  }) cfg.services;

  unknownRepositoryUses = lib.concatMap (
    use:
    map (r: "${use.option} names repository \"${r}\", which is not defined (defined: ${
      lib.concatStringsSep ", " (lib.attrNames cfg.repositories)
    }). Add atelier.backup.repositories.${r} or fix the name.") (
      lib.filter (r: !(cfg.repositories ? ${r})) (if use.value == null then [ ] else use.value)
    )
  ) allServiceRepositories;
in
{
  options.atelier.backup = {
    enable = lib.mkEnableOption "atelier backups of the services' declared data with restic";

    package = mkOption {
      type = types.package;
      default = pkgs.atelier or (throw "atelier.backup.package: pkgs has no `atelier`; import atelier's flake module (nixosModules.default sets it) or add overlays.default to nixpkgs.overlays.");
      defaultText = lib.literalExpression "atelier.packages.\${system}.default";
      description = "The atelier package; its `atelier-backup` runs the units and is installed system-wide (with restic, SQLite and the PostgreSQL client tools on its PATH).";
    };

    repositories = mkOption {
      type = types.attrsOf repository;
      default = { };
      description = "restic repositories, by name. Services go to all of them unless they list `repositories`. Secrets are paths of files read at run time.";
      example = lib.literalExpression ''
        {
          default = {
            repositoryFile = config.age.secrets.restic-repo.path;
            passwordFile = config.age.secrets.restic-password.path;
            environmentFile = config.age.secrets.restic-env.path;
          };
        }
      '';
    };

    schedule = mkOption {
      type = types.str;
      default = "02:00";
      description = "systemd `OnCalendar=` of each service's backup (overridable per service).";
      example = "*-*-* 03:30:00";
    };

    randomizedDelay = mkOption {
      type = types.str;
      default = "2h";
      description = "systemd `RandomizedDelaySec=` of the backup timers, to spread the services' backups.";
      example = "30m";
    };

    staleAfter = mkOption {
      type = types.nullOr types.str;
      default = null;
      description = "`atelier-backup status` calls a service stale (and exits non-zero) when its newest snapshot is older than this (`26h`, `90m`, `2days`; overridable per service); null = the service's schedule period + randomizedDelay + 1h.";
      example = "26h";
    };

    retention = mkOption {
      type = atelierTypes.retention;
      default = {
        last = 3;
        daily = 7;
        weekly = 5;
        monthly = 12;
      };
      description = "`restic forget` policy per service (overridable per service); applied by the prune units. Only positive values exist: a negative keep count forgets wrongly in restic before 0.16.";
    };

    prune.schedule = scheduleOption "`atelier-backup prune` (forget + prune by the retention policy), per repository" "Sun *-*-* 04:00:00";

    check.schedule = scheduleOption "`atelier-backup check` (restic check with a rotating data subset), per repository" "Sun *-*-* 05:30:00";

    drill.schedule = scheduleOption "`atelier-backup drill --all` (restore into scratch, verify, record evidence)" "*-*-01 06:00:00";

    onFailure = mkOption {
      type = types.nullOr types.lines;
      default = null;
      description = ''
        Shell command run as root by `atelier-on-failure@.service`, which is
        `OnFailure=` of every backup, prune, check and drill unit, when one of
        them fails. It gets `ATELIER_FAILED_UNIT` (the unit),
        `ATELIER_FAILED_SERVICE` (the service of a backup unit, else empty),
        `ATELIER_FAILED_REPOSITORY` (the repository of a prune or check unit,
        else empty) and `ATELIER_JOURNAL` (the failed run's last journal lines).
      '';
      example = lib.literalExpression ''
        '''
          ''${pkgs.curl}/bin/curl -fsS --data-binary "$ATELIER_JOURNAL" "https://ntfy.sh/my-backups?title=$ATELIER_FAILED_UNIT"
        '''
      '';
    };

    inhibitSleep = mkOption {
      type = types.bool;
      default = true;
      description = "Run backups under `systemd-inhibit --what=sleep:shutdown --mode=block`, so that the machine neither sleeps nor shuts down in the middle of one.";
    };

    monitoring.pingUrlFile = mkOption {
      type = types.nullOr atelierTypes.secretPath;
      default = null;
      description = ''
        File whose first line is a healthchecks-style ping URL (it holds a
        token, so it is read at run time). Every backup pings `<url>/start`
        before, `<url>` after success and `<url>/fail` after failure, with a
        short summary or the error as the POST body. A service's own
        `monitoring.pingUrlFile` overrides it. A failing ping is logged and
        never fails the backup.
      '';
      example = "/run/agenix/healthchecks-backup";
    };

    prune.pingUrlFile = pingOption "prune";
    check.pingUrlFile = pingOption "check";
    drill.pingUrlFile = pingOption "drill";

    postgres = {
      host = mkOption {
        type = types.nullOr types.str;
        default = null;
        description = "Socket directory or host of the PostgreSQL server; null = libpq's default. `PGHOST` overrides it.";
        example = "/run/postgresql";
      };
      port = mkOption {
        type = types.nullOr types.port;
        default = null;
        description = "Port of the PostgreSQL server; null = libpq's default. `PGPORT` overrides it.";
      };
      runAs = mkOption {
        type = types.str;
        default = "postgres";
        description = "OS user `pg_dump`, `pg_restore` and `psql` run as.";
      };
    };

    services = mkOption {
      type = types.attrsOf atelierTypes.manualService;
      default = { };
      description = "Manual registrations for services that do not use `lib.mkService`. Their snapshots carry the `service:<name>` tag like every other.";
      example = lib.literalExpression ''
        {
          myservice = {
            paths = [ "/var/lib/myservice" ];
            exclude = [ "*.log" "cache/*" ];
            stopUnits = [ "myservice.service" ];
          };
        }
      '';
    };
  };

  config = lib.mkIf cfg.enable {
    assertions = [
      {
        assertion = cfg.repositories != { };
        message = ''
          atelier.backup.enable is true but no repository is configured. Add one, for example:
            atelier.backup.repositories.default = {
              repository = "/var/backup/restic";              # or repositoryFile = "/run/agenix/restic/repo";
              passwordFile = "/run/agenix/restic/password";   # a file outside the Nix store
            };'';
      }
    ]
    ++ lib.mapAttrsToList (n: r: {
      assertion = (r.repository == null) != (r.repositoryFile == null);
      message = "atelier.backup.repositories.${n}: set exactly one of `repository` and `repositoryFile`.";
    }) cfg.repositories
    ++ lib.mapAttrsToList (n: r: {
      assertion = r.passwordFile != null;
      message = "atelier.backup.repositories.${n}.passwordFile is not set: restic needs the repository password. Point it at a file outside the Nix store (e.g. config.age.secrets.restic-password.path).";
    }) cfg.repositories
    ++ map (message: {
      assertion = false;
      inherit message;
    }) (lib.filter (m: m != null) secretChecks ++ unknownRepositoryUses);

    environment.systemPackages = [ cfg.package ];

    # OnFailure= of every atelier unit (generated module) starts this with the
    # failed unit's name as instance.
    systemd.services."atelier-on-failure@" = lib.mkIf (cfg.onFailure != null) {
      description = "atelier failure notification for %i";
      restartIfChanged = false;
      scriptArgs = "%i";
      script = ''
        unit="$1"
        ATELIER_FAILED_UNIT="$unit"
        ATELIER_FAILED_SERVICE=""
        ATELIER_FAILED_REPOSITORY=""
        case "$unit" in
          restic-backups-*.service) ATELIER_FAILED_SERVICE="''${unit#restic-backups-}" ;;
          atelier-prune-*.service) ATELIER_FAILED_REPOSITORY="''${unit#atelier-prune-}" ;;
          atelier-check-*.service) ATELIER_FAILED_REPOSITORY="''${unit#atelier-check-}" ;;
        esac
        ATELIER_FAILED_SERVICE="''${ATELIER_FAILED_SERVICE%.service}"
        ATELIER_FAILED_REPOSITORY="''${ATELIER_FAILED_REPOSITORY%.service}"
        # The failed run's lines: its own output and systemd's about it
        # (--sync: journald has stored what the unit wrote before it died).
        # The unit's own lines can reach journald a moment after systemd's
        # "Failed" line (its stdout stream is read asynchronously): ask again
        # a few times until a line of the unit itself is there.
        id="$(systemctl show -p InvocationID --value "$unit" || true)"
        for _ in 1 2 3 4 5; do
          journalctl --sync || true
          if [ -n "$id" ]; then
            ATELIER_JOURNAL="$(journalctl --no-pager -o short-iso -n 40 "_SYSTEMD_INVOCATION_ID=$id" + "INVOCATION_ID=$id" 2>&1 || true)"
          else
            ATELIER_JOURNAL="$(journalctl --no-pager -o short-iso -n 40 -u "$unit" 2>&1 || true)"
          fi
          if printf '%s\n' "$ATELIER_JOURNAL" | grep -v -e ' systemd\[1\]: ' -e '^-- ' | grep -q .; then
            break
          fi
          sleep 1
        done
        export ATELIER_FAILED_UNIT ATELIER_FAILED_SERVICE ATELIER_FAILED_REPOSITORY ATELIER_JOURNAL
        ${cfg.onFailure}
      '';
      serviceConfig.Type = "oneshot";
    };

    # atelier-backup's run records, drill evidence and lock (ATELIER_STATE_DIR).
    systemd.tmpfiles.rules = [ "d /var/lib/atelier 0700 root root - -" ];
  };
}
