//! The manifest schema (DESIGN.md §4.4) — the contract between `atelier-gen`,
//! the NixOS module and `atelier-backup`.
//!
//! Fields may be added, never renamed or dropped. Unknown fields are an error
//! (with the field's path); missing optional fields take their defaults.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

/// The manifest format version this build reads and writes.
pub const MANIFEST_VERSION: u32 = 1;

/// Default location of the manifest on a host.
pub const DEFAULT_MANIFEST_PATH: &str = "/etc/atelier/backup-manifest.json";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Manifest {
    pub version: u32,
    pub host: String,
    #[serde(default)]
    pub generator: Option<String>,
    #[serde(default)]
    pub repositories: BTreeMap<String, Repository>,
    #[serde(default)]
    pub services: BTreeMap<String, Service>,
    /// How `atelier-backup` reaches PostgreSQL (socket directory, port, the
    /// OS user `pg_dump`/`pg_restore`/`psql` run as).
    #[serde(default)]
    pub postgres: PostgresConnection,
    /// Dead-man's-switch pings of `prune`, `check` and `drill`.
    #[serde(default)]
    pub monitoring: MaintenanceMonitoring,
}

/// Where a healthchecks-style ping URL is read from at run time (DESIGN.md
/// §4.4): `<url>/start`, `<url>` on success, `<url>/fail` on failure.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Monitoring {
    /// A file whose first line is the URL (it holds a token).
    #[serde(default)]
    pub ping_url_file: Option<String>,
}

impl Monitoring {
    pub fn is_empty(&self) -> bool {
        self.ping_url_file.is_none()
    }
}

/// The pings of the maintenance commands.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct MaintenanceMonitoring {
    #[serde(default)]
    pub prune: Monitoring,
    #[serde(default)]
    pub check: Monitoring,
    #[serde(default)]
    pub drill: Monitoring,
}

impl MaintenanceMonitoring {
    pub fn is_empty(&self) -> bool {
        self.prune.is_empty() && self.check.is_empty() && self.drill.is_empty()
    }
}

/// Where a repository lives and how to open it. Secrets are file paths read
/// at run time, never values.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Repository {
    /// The repository literally (a local path, `rest:http://…`, `s3:…`).
    #[serde(default)]
    pub repository: Option<String>,
    /// A file whose first line is the repository (may hold credentials).
    #[serde(default)]
    pub repository_file: Option<String>,
    #[serde(default)]
    pub password_file: Option<String>,
    /// `KEY=value` lines (cloud credentials) exported to restic.
    #[serde(default)]
    pub environment_file: Option<String>,
    /// Run `restic init` when the repository does not exist yet.
    #[serde(default)]
    pub initialize: bool,
    /// How long one restic process on this repository may run before it is
    /// stopped (humantime, e.g. `30m`, `6h`; default 24h;
    /// `ATELIER_RESTIC_TIMEOUT` overrides it for every repository).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<String>,
}

/// A repository's `timeout`: a positive humantime duration (atelier-gen
/// checks it at plan time, `atelier-backup` again when it reads the manifest).
pub fn parse_timeout(text: &str) -> Result<std::time::Duration, String> {
    match humantime::parse_duration(text.trim()) {
        Ok(d) if d.is_zero() => Err("a timeout of zero would stop every restic call".into()),
        Ok(d) => Ok(d),
        Err(e) => Err(format!("not a duration ({e})")),
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Service {
    /// `file:line:col` of the declaration (for messages).
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub data_dir: Option<String>,
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default)]
    pub group: Option<String>,
    /// Units stopped for `stopForBackup` and around an in-place restore.
    #[serde(default)]
    pub units: Vec<String>,
    #[serde(default)]
    pub stop_for_backup: bool,
    #[serde(default)]
    pub sqlite: Vec<String>,
    #[serde(default)]
    pub postgres: Vec<PostgresDatabase>,
    #[serde(default)]
    pub files: Vec<String>,
    #[serde(default)]
    pub exclude: Vec<String>,
    #[serde(default)]
    pub dumps: BTreeMap<String, Dump>,
    #[serde(default)]
    pub hooks: Hooks,
    /// Command run against a restored copy; exit 0 = healthy.
    #[serde(default)]
    pub check: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default = "default_repositories")]
    pub repositories: Vec<String>,
    #[serde(default)]
    pub schedule: Schedule,
    #[serde(default)]
    pub retention: Retention,
    /// `status` calls the service stale when its newest snapshot is older
    /// than this (humantime: `26h`, `90m`); default derived from `schedule`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stale_after: Option<String>,
    /// Resolved pings of this service's backups (its own, else the host's).
    #[serde(default)]
    pub monitoring: Monitoring,
}

fn default_repositories() -> Vec<String> {
    vec!["default".to_owned()]
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PostgresDatabase {
    pub name: String,
    #[serde(default)]
    pub create: PostgresCreate,
    /// Units stopped while this database is restored (besides the service's).
    #[serde(default)]
    pub stop_on_restore: Vec<String>,
}

/// How a database is recreated on restore.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PostgresCreate {
    /// Drop and recreate the database before `pg_restore`.
    #[serde(default = "yes")]
    pub enable: bool,
    /// `CREATE DATABASE` options: `OWNER`, `ENCODING`, `LC_COLLATE`,
    /// `LC_CTYPE`, `LOCALE`, `TEMPLATE`, …
    #[serde(default)]
    pub options: BTreeMap<String, String>,
}

impl Default for PostgresCreate {
    fn default() -> Self {
        Self {
            enable: true,
            options: BTreeMap::new(),
        }
    }
}

fn yes() -> bool {
    true
}

/// The generic dump contract: `backupCmd` writes the dump to stdout, it is
/// stored as `backupName`; `restoreCmd` reads it back on stdin.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Dump {
    pub backup_cmd: String,
    pub restore_cmd: String,
    #[serde(default)]
    pub user: Option<String>,
    /// File name of the stored dump (defaults to the dump's attribute name).
    #[serde(default)]
    pub backup_name: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Hooks {
    #[serde(default)]
    pub pre_backup: Option<String>,
    #[serde(default)]
    pub post_backup: Option<String>,
    #[serde(default)]
    pub pre_restore: Option<String>,
    #[serde(default)]
    pub post_restore: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Schedule {
    /// systemd `OnCalendar=` expression.
    pub on_calendar: String,
    /// systemd time span for `RandomizedDelaySec=`.
    #[serde(default)]
    pub randomized_delay: Option<String>,
}

impl Default for Schedule {
    fn default() -> Self {
        Self {
            on_calendar: "02:00".to_owned(),
            randomized_delay: Some("2h".to_owned()),
        }
    }
}

/// `restic forget --keep-*` policy. Only positive values are ever passed to
/// restic (negative values forget wrongly before restic 0.16).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Retention {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hourly: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub daily: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weekly: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monthly: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub yearly: Option<u32>,
}

impl Default for Retention {
    fn default() -> Self {
        Self {
            last: Some(3),
            hourly: None,
            daily: Some(7),
            weekly: Some(5),
            monthly: Some(12),
            yearly: None,
        }
    }
}

/// How `atelier-backup` connects to PostgreSQL. `PGHOST`/`PGPORT` in the
/// environment override `host`/`port`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PostgresConnection {
    /// Socket directory or host name; `None` = libpq's default.
    #[serde(default)]
    pub host: Option<String>,
    #[serde(default)]
    pub port: Option<u16>,
    /// OS user the PostgreSQL client tools run as when atelier runs as root.
    #[serde(default = "postgres_user")]
    pub run_as: String,
}

fn postgres_user() -> String {
    "postgres".to_owned()
}

impl Default for PostgresConnection {
    fn default() -> Self {
        Self {
            host: None,
            port: None,
            run_as: postgres_user(),
        }
    }
}

/// A manifest that could not be read, with the file and the field path.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error("cannot read manifest {path}: {source}\n  hint: pass --manifest PATH or set ATELIER_MANIFEST; on a host it is written by nixos-rebuild from the generated module")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("invalid manifest {path}: at `{field}`: {message}")]
    Invalid {
        path: String,
        field: String,
        message: String,
    },
}

impl Manifest {
    /// Parses a manifest, reporting the JSON path of the first bad field.
    pub fn from_json(text: &str, origin: &str) -> Result<Self, ManifestError> {
        let de = &mut serde_json::Deserializer::from_str(text);
        let manifest: Manifest =
            serde_path_to_error::deserialize(de).map_err(|e| ManifestError::Invalid {
                path: origin.to_owned(),
                field: e.path().to_string(),
                message: e.inner().to_string(),
            })?;
        manifest.validate(origin)?;
        Ok(manifest)
    }

    pub fn load(path: &Path) -> Result<Self, ManifestError> {
        let text = std::fs::read_to_string(path).map_err(|source| ManifestError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Self::from_json(&text, &path.display().to_string())
    }

    /// Cross-field checks serde cannot express.
    fn validate(&self, origin: &str) -> Result<(), ManifestError> {
        let invalid = |field: String, message: String| ManifestError::Invalid {
            path: origin.to_owned(),
            field,
            message,
        };
        if self.version != MANIFEST_VERSION {
            return Err(invalid(
                "version".into(),
                format!(
                    "manifest version {} is not supported by this atelier-backup (expects {MANIFEST_VERSION}); rebuild the host with a matching atelier",
                    self.version
                ),
            ));
        }
        for (name, repo) in &self.repositories {
            if repo.repository.is_some() == repo.repository_file.is_some() {
                return Err(invalid(
                    format!("repositories.{name}"),
                    "set exactly one of `repository` and `repositoryFile`".into(),
                ));
            }
        }
        for (name, service) in &self.services {
            // The name is a directory under the state dir (runs/, staging/):
            // it must stay one path component.
            if name.is_empty() || name == "." || name == ".." || name.contains(['/', '\0']) {
                return Err(invalid(
                    format!("services.{name}"),
                    format!("service name {name:?} cannot be a directory name under the state directory; rename the service (atelier-gen allows ASCII letters, digits, `-`, `_` and `.`)"),
                ));
            }
            // Unit names reach `systemctl`: the same rule as atelier-gen's
            // `invalid-unit-name`, so a hand-written manifest cannot smuggle
            // in what a declaration could not.
            let unit_fields = service
                .units
                .iter()
                .enumerate()
                .map(|(i, u)| (format!("services.{name}.units[{i}]"), u))
                .chain(service.postgres.iter().enumerate().flat_map(|(i, db)| {
                    db.stop_on_restore.iter().enumerate().map(move |(j, u)| {
                        (
                            format!("services.{name}.postgres[{i}].stopOnRestore[{j}]"),
                            u,
                        )
                    })
                }));
            for (field, unit) in unit_fields {
                if !crate::plan::validate::is_valid_unit_name(unit) {
                    return Err(invalid(
                        field,
                        format!(
                            "{unit:?} is not a valid systemd unit name; {}",
                            crate::plan::validate::unit_name_rule()
                        ),
                    ));
                }
            }
            // Checked here, not first when a restore builds CREATE DATABASE
            // (after the safety snapshot).
            for (i, db) in service.postgres.iter().enumerate() {
                for (key, value) in &db.create.options {
                    crate::plan::validate::check_postgres_create_option(key, value).map_err(
                        |m| {
                            invalid(
                                format!("services.{name}.postgres[{i}].create.options.{key}"),
                                m,
                            )
                        },
                    )?;
                }
            }
            let data_paths = service
                .files
                .iter()
                .enumerate()
                .map(|(i, p)| (format!("services.{name}.files[{i}]"), p))
                .chain(
                    service
                        .sqlite
                        .iter()
                        .enumerate()
                        .map(|(i, p)| (format!("services.{name}.sqlite[{i}]"), p)),
                );
            for (field, path) in data_paths {
                self.check_data_path(path)
                    .map_err(|message| invalid(field, message))?;
            }
            if let Some(span) = &service.stale_after {
                if humantime::parse_duration(span).is_err() {
                    return Err(invalid(
                        format!("services.{name}.staleAfter"),
                        format!("`{span}` is not a duration (examples: 26h, 90m, 2days)"),
                    ));
                }
            }
            // A configuration error (exit 2) before anything runs, not a
            // failed backup: restic splits `--tag a,b` into two tags.
            if let Some(t) = service
                .tags
                .iter()
                .find(|t| t.is_empty() || t.contains(','))
            {
                return Err(invalid(
                    format!("services.{name}.tags"),
                    format!("tag {t:?} is empty or contains a comma, which restic would split; rename the tag"),
                ));
            }
            for repo in &service.repositories {
                if !self.repositories.contains_key(repo) {
                    return Err(invalid(
                        format!("services.{name}.repositories"),
                        format!(
                            "repository `{repo}` is not defined (known: {})",
                            self.repositories
                                .keys()
                                .cloned()
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// A data path must be absolute and in normal form (restic restores and
    /// compares it so; two spellings would hide an overlap), and must
    /// neither hold nor lie inside a repository on this host (an in-place
    /// restore would replace the repository with its copy in the snapshot).
    fn check_data_path(&self, path: &str) -> Result<(), String> {
        use crate::plan::validate::{contains, normal_path, repository_local_path};
        if !path.starts_with('/') {
            return Err(format!(
                "data path {path:?} is not absolute; write the full path, e.g. \"/var/lib/<service>/…\""
            ));
        }
        let normal = normal_path(path);
        if normal != path {
            return Err(format!(
                "data path {path:?} is not in normal form; write {normal:?} (no `.`, `..`, `//` or trailing `/`)"
            ));
        }
        for (repo_name, repo) in &self.repositories {
            let Some(location) = repo.repository.as_deref() else {
                continue;
            };
            let Some(repo_path) = repository_local_path(location, &self.host) else {
                continue;
            };
            let relation = if contains(path, &repo_path) {
                "contains"
            } else if contains(&repo_path, path) {
                "is inside"
            } else {
                continue;
            };
            return Err(format!(
                "data path {path:?} {relation} repository `{repo_name}` ({repo_path}); an in-place restore of the data would replace repository files with their copy in the snapshot, losing every snapshot taken since; keep the repository outside every data path"
            ));
        }
        Ok(())
    }

    /// Pretty JSON with a trailing newline; deterministic (sorted maps).
    pub fn to_json_pretty(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("manifest serializes");
        s.push('\n');
        s
    }
}

impl Service {
    /// The `type:<kind>` tags of DESIGN.md §4.3, one per kind present.
    pub fn kinds(&self) -> Vec<&'static str> {
        let mut kinds = Vec::new();
        if !self.sqlite.is_empty() {
            kinds.push("sqlite");
        }
        if !self.postgres.is_empty() {
            kinds.push("postgres");
        }
        if !self.files.is_empty() {
            kinds.push("files");
        }
        if !self.dumps.is_empty() {
            kinds.push("dump");
        }
        kinds
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = r#"{
  "version": 1,
  "host": "terebithia",
  "generator": "atelier-gen 0.1.0",
  "repositories": {
    "default": { "repository": null, "repositoryFile": "/run/agenix/restic/repo",
                 "passwordFile": "/run/agenix/restic/password", "environmentFile": "/run/agenix/restic/env" }
  },
  "services": {
    "myapp": {
      "source": "services/myapp.nix:12:5",
      "dataDir": "/var/lib/myapp",
      "user": "myapp",
      "units": ["myapp.service"],
      "stopForBackup": false,
      "sqlite": ["/var/lib/myapp/data/app.db"],
      "postgres": [{ "name": "myapp", "create": {} }],
      "files": ["/var/lib/myapp/uploads"],
      "exclude": ["*.log"],
      "dumps": { "ldap": { "backupCmd": "...", "restoreCmd": "...", "user": "root" } },
      "hooks": { "preBackup": null, "postBackup": null, "preRestore": null, "postRestore": null },
      "check": null,
      "tags": ["service:myapp"],
      "repositories": ["default"],
      "schedule": { "onCalendar": "02:00", "randomizedDelay": "2h" },
      "retention": { "last": 3, "daily": 7, "weekly": 5, "monthly": 12 }
    }
  }
}"#;

    #[test]
    fn design_example_parses_and_round_trips() {
        let m = Manifest::from_json(EXAMPLE, "example.json").unwrap();
        let svc = &m.services["myapp"];
        assert_eq!(svc.sqlite, ["/var/lib/myapp/data/app.db"]);
        assert!(svc.postgres[0].create.enable);
        assert_eq!(svc.kinds(), ["sqlite", "postgres", "files", "dump"]);
        let again = Manifest::from_json(&m.to_json_pretty(), "again").unwrap();
        assert_eq!(m, again);
    }

    #[test]
    fn unknown_field_names_its_path() {
        let bad = EXAMPLE.replace("\"stopForBackup\"", "\"stopForBackupp\"");
        let err = Manifest::from_json(&bad, "m.json").unwrap_err().to_string();
        assert!(err.contains("services.myapp"), "{err}");
        assert!(err.contains("stopForBackupp"), "{err}");
        assert!(err.contains("m.json"), "{err}");
    }

    #[test]
    fn unit_names_follow_the_generator_rule() {
        for (bad, field) in [
            ("\"units\": [\"myapp.service\"]", "services.myapp.units[1]"),
            (
                "\"create\": {} }",
                "services.myapp.postgres[0].stopOnRestore[0]",
            ),
        ] {
            for unit in [
                "a b.service",
                "x;touch /tmp/c.service",
                "$(touch c).service",
                "`touch c`.service",
                "a\nb.service",
                "a'\"q.service",
                "--now.service",
            ] {
                let u = serde_json::to_string(unit).unwrap();
                let text = if field.ends_with("units[1]") {
                    EXAMPLE.replace(bad, &format!("\"units\": [\"myapp.service\", {u}]"))
                } else {
                    EXAMPLE.replace(
                        bad,
                        &format!("\"create\": {{}}, \"stopOnRestore\": [{u}] }}"),
                    )
                };
                let err = Manifest::from_json(&text, "m.json")
                    .unwrap_err()
                    .to_string();
                assert!(err.contains(field), "{err}");
                assert!(err.contains("not a valid systemd unit name"), "{err}");
            }
        }
    }

    #[test]
    fn service_names_stay_one_path_component() {
        for name in ["..", "a/b", "../../etc", ""] {
            let text = EXAMPLE.replace(
                "\"myapp\": {",
                &format!("{}: {{", serde_json::to_string(name).unwrap()),
            );
            let err = Manifest::from_json(&text, "m.json")
                .unwrap_err()
                .to_string();
            assert!(err.contains("cannot be a directory name"), "{name}: {err}");
        }
    }

    #[test]
    fn unknown_create_option_is_rejected_at_load() {
        let bad = EXAMPLE.replace(
            "\"create\": {}",
            "\"create\": { \"options\": { \"OWNERR\": \"x\" } }",
        );
        let err = Manifest::from_json(&bad, "m.json").unwrap_err().to_string();
        assert!(err.contains("m.json"), "{err}");
        assert!(
            err.contains("services.myapp.postgres[0].create.options.OWNERR"),
            "{err}"
        );
        assert!(
            err.contains("accepted keys: OWNER, TEMPLATE, ENCODING"),
            "{err}"
        );
        let bad = EXAMPLE.replace(
            "\"create\": {}",
            "\"create\": { \"options\": { \"CONNECTION_LIMIT\": \"5; DROP\" } }",
        );
        let err = Manifest::from_json(&bad, "m.json").unwrap_err().to_string();
        assert!(err.contains("CONNECTION_LIMIT must be an integer"), "{err}");
        let ok = EXAMPLE.replace(
            "\"create\": {}",
            "\"create\": { \"options\": { \"connection limit\": \"5\", \"lc_collate\": \"C\" } }",
        );
        Manifest::from_json(&ok, "m.json").unwrap();
    }

    #[test]
    fn data_paths_are_absolute_and_normal() {
        for (bad, normal) in [
            ("/var/lib/myapp/../myapp/uploads", "/var/lib/myapp/uploads"),
            ("/var/lib//myapp/uploads", "/var/lib/myapp/uploads"),
            ("/var/lib/myapp/./uploads", "/var/lib/myapp/uploads"),
            ("/var/lib/myapp/uploads/", "/var/lib/myapp/uploads"),
        ] {
            let text = EXAMPLE.replace("\"/var/lib/myapp/uploads\"", &format!("{bad:?}"));
            let err = Manifest::from_json(&text, "m.json")
                .unwrap_err()
                .to_string();
            assert!(err.contains("services.myapp.files[0]"), "{err}");
            assert!(err.contains(&format!("write {normal:?}")), "{err}");
        }
        let text = EXAMPLE.replace("\"/var/lib/myapp/data/app.db\"", "\"data/app.db\"");
        let err = Manifest::from_json(&text, "m.json")
            .unwrap_err()
            .to_string();
        assert!(err.contains("services.myapp.sqlite[0]"), "{err}");
        assert!(err.contains("not absolute"), "{err}");
    }

    #[test]
    fn a_repository_inside_or_above_data_is_rejected() {
        for (repo, field) in [
            ("/var/lib/myapp/uploads/restic", "services.myapp.files[0]"),
            (
                "local:/var/lib/myapp/uploads/restic",
                "services.myapp.files[0]",
            ),
            (
                "sftp:backup@localhost:/var/lib/myapp/data",
                "services.myapp.sqlite[0]",
            ),
            (
                "sftp://u@terebithia:22//var/lib/myapp/data",
                "services.myapp.sqlite[0]",
            ),
        ] {
            let text = EXAMPLE.replace(
                "\"repository\": null, \"repositoryFile\": \"/run/agenix/restic/repo\"",
                &format!("\"repository\": {repo:?}"),
            );
            let err = Manifest::from_json(&text, "m.json")
                .unwrap_err()
                .to_string();
            assert!(err.contains(field), "{repo}: {err}");
            assert!(err.contains("repository `default`"), "{repo}: {err}");
        }
        // Elsewhere, or on another host: fine.
        for repo in ["/srv/restic", "sftp:backup@nas:/var/lib/myapp/uploads"] {
            let text = EXAMPLE.replace(
                "\"repository\": null, \"repositoryFile\": \"/run/agenix/restic/repo\"",
                &format!("\"repository\": {repo:?}"),
            );
            Manifest::from_json(&text, "m.json").unwrap();
        }
    }

    #[test]
    fn undefined_repository_is_rejected() {
        let bad = EXAMPLE.replace(
            "\"repositories\": [\"default\"]",
            "\"repositories\": [\"b2\"]",
        );
        let err = Manifest::from_json(&bad, "m.json").unwrap_err().to_string();
        assert!(err.contains("services.myapp.repositories"), "{err}");
        assert!(err.contains("b2"), "{err}");
    }
}
