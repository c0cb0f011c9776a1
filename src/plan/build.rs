//! Declarations → Plan. Every check that needs the whole host (duplicates,
//! overlaps, repositories) happens here; per-value checks are in `validate`.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::manifest::{
    Dump, Hooks, MaintenanceMonitoring, Manifest, Monitoring, PostgresConnection, PostgresCreate,
    PostgresDatabase, Repository, Retention, Schedule, Service, MANIFEST_VERSION,
};
use super::validate::{self as v, location};
use crate::diagnostic::{Diagnostic, Span};
use crate::discover::model::{
    HostDecl, HostSettingsDecl, Known, Located, Origin, RepositoryDecl, RetentionDecl, ServiceDecl,
};

/// `atelier-gen <version>`, the `generator` field and the header's name.
pub fn generator() -> String {
    format!("atelier-gen {}", env!("CARGO_PKG_VERSION"))
}

/// Schedules of the per-repository and host-wide maintenance units.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Maintenance {
    pub prune: String,
    pub check: String,
    pub drill: String,
}

impl Default for Maintenance {
    fn default() -> Self {
        Self {
            prune: "weekly".into(),
            check: "monthly".into(),
            drill: "monthly".into(),
        }
    }
}

/// What atelier-gen resolved for one host: the manifest (DESIGN.md §4.4) plus
/// what only the generated module needs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Plan {
    pub manifest: Manifest,
    pub maintenance: Maintenance,
    pub origins: BTreeMap<String, Origin>,
    /// JSON pointers (RFC 6901) into the manifest whose values only Nix knows;
    /// `plan --json` prints them as null.
    pub unresolved: BTreeSet<String>,
}

impl Plan {
    /// The manifest as JSON, with eval-time values as null.
    pub fn to_json_value(&self) -> serde_json::Value {
        let mut value = serde_json::to_value(&self.manifest).expect("manifest serializes");
        for pointer in &self.unresolved {
            if let Some(slot) = value.pointer_mut(pointer) {
                *slot = serde_json::Value::Null;
            }
        }
        value
    }
}

impl Plan {
    /// Writes what [`Plan::to_json_value`] gives, pretty-printed; without
    /// eval-time values it serializes the manifest directly (the same bytes,
    /// without building a JSON tree first).
    pub fn write_json(&self, w: impl std::io::Write) -> serde_json::Result<()> {
        if self.unresolved.is_empty() {
            serde_json::to_writer_pretty(w, &self.manifest)
        } else {
            serde_json::to_writer_pretty(w, &self.to_json_value())
        }
    }
}

/// The plan, or the errors that prevent it; warnings in both cases.
pub struct Outcome {
    pub plan: Option<Plan>,
    /// With errors: the plan of the services that could be planned (what
    /// `plan --json` prints next to the diagnostics).
    pub partial: Option<Plan>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Outcome {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

fn pointer_escape(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

struct Builder {
    diags: Vec<Diagnostic>,
    unresolved: BTreeSet<String>,
}

impl Builder {
    /// An eval-time string: the known value, or "" recorded as unresolved
    /// (`pointer` is only built then).
    fn eval_time(
        &mut self,
        pointer: impl FnOnce() -> String,
        v: Option<&Located<String>>,
    ) -> Option<String> {
        match v.map(|l| &l.value) {
            None => None,
            Some(Known::Value(s)) => Some(s.clone()),
            Some(Known::Unknown(_)) => {
                self.unresolved.insert(pointer());
                Some(String::new())
            }
        }
    }

    /// `atelier.backup.postgres`: known values go into the plan; the
    /// generated module reads the options again at rebuild time, so a value
    /// only Nix knows is recorded as unresolved rather than refused.
    fn postgres_connection(&mut self, s: &HostSettingsDecl) -> PostgresConnection {
        let mut conn = PostgresConnection::default();
        if let Some(h) = self.eval_time(|| "/postgres/host".to_owned(), s.postgres_host.as_ref()) {
            conn.host = Some(h);
        }
        if let Some(r) = self.eval_time(|| "/postgres/runAs".to_owned(), s.postgres_run_as.as_ref())
        {
            conn.run_as = r;
        }
        match s.postgres_port.as_ref().map(|l| (&l.value, l.span.clone())) {
            None => {}
            Some((Known::Unknown(_), _)) => {
                self.unresolved.insert("/postgres/port".to_owned());
            }
            Some((Known::Value(p), span)) => match u16::try_from(*p) {
                Ok(p) if p > 0 => conn.port = Some(p),
                _ => self.diags.push(
                    Diagnostic::error(
                        "type-error",
                        format!("atelier.backup.postgres.port = {p} is not a TCP port"),
                        span,
                    )
                    .with_note("use a number from 1 to 65535, or null for libpq's default"),
                ),
            },
        }
        conn
    }

    fn retention(&mut self, what: &str, r: &RetentionDecl) -> Option<Retention> {
        let mut out = Retention {
            last: None,
            hourly: None,
            daily: None,
            weekly: None,
            monthly: None,
            yearly: None,
        };
        let mut ok = true;
        for (key, value) in &r.keep {
            let Some(n) = v::required(what, &format!("retention.{key}"), value, &mut self.diags)
            else {
                ok = false;
                continue;
            };
            let Ok(n) = u32::try_from(n) else {
                self.diags.push(
                    Diagnostic::error(
                        "invalid-retention",
                        format!("{what}: retention.{key} = {n} must be a non-negative number"),
                        value.span.clone(),
                    )
                    .with_note("negative keep-values make restic before 0.16 forget snapshots it should keep"),
                );
                ok = false;
                continue;
            };
            let slot = match key.as_str() {
                "last" => &mut out.last,
                "hourly" => &mut out.hourly,
                "daily" => &mut out.daily,
                "weekly" => &mut out.weekly,
                "monthly" => &mut out.monthly,
                "yearly" => &mut out.yearly,
                _ => unreachable!("discovery reports other retention keys as unknown"),
            };
            *slot = Some(n);
        }
        ok.then_some(out)
    }

    fn repository(&mut self, r: &RepositoryDecl) -> Repository {
        let base = format!("/repositories/{}", pointer_escape(&r.name));
        let repository = self.eval_time(|| format!("{base}/repository"), r.repository.as_ref());
        let repository_file = self.eval_time(
            || format!("{base}/repositoryFile"),
            r.repository_file.as_ref(),
        );
        let password_file =
            self.eval_time(|| format!("{base}/passwordFile"), r.password_file.as_ref());
        let environment_file = self.eval_time(
            || format!("{base}/environmentFile"),
            r.environment_file.as_ref(),
        );
        if r.repository.is_some() == r.repository_file.is_some() {
            self.diags.push(
                Diagnostic::error(
                    "invalid-repository",
                    format!(
                        "repository `{}`: set exactly one of `repository` and `repositoryFile`",
                        r.name
                    ),
                    r.span.clone(),
                )
                .with_note("`repository` is the location itself; `repositoryFile` a file holding it (for locations with credentials)"),
            );
        }
        if r.password_file.is_none() {
            self.diags.push(
                Diagnostic::error(
                    "invalid-repository",
                    format!("repository `{}`: `passwordFile` is missing", r.name),
                    r.span.clone(),
                )
                .with_note("give the path of a file holding the restic password, e.g. \"/run/agenix/restic-password\"; never the password itself"),
            );
        }
        let initialize = match r.initialize.as_ref().map(|l| &l.value) {
            Some(Known::Value(b)) => *b,
            Some(Known::Unknown(_)) => {
                self.unresolved.insert(format!("{base}/initialize"));
                false
            }
            None => false,
        };
        let timeout = self.repository_timeout(r, &base);
        Repository {
            repository,
            repository_file,
            password_file,
            environment_file,
            initialize,
            timeout,
        }
    }

    /// `timeout` of a repository: a positive duration (the bound of one
    /// restic process), else an error at its definition. A value only Nix
    /// knows is left to the generated module (which writes it into the
    /// manifest, where `atelier-backup` checks it again).
    fn repository_timeout(&mut self, r: &RepositoryDecl, base: &str) -> Option<String> {
        let t = r.timeout.as_ref()?;
        let Known::Value(text) = &t.value else {
            return self.eval_time(|| format!("{base}/timeout"), Some(t));
        };
        if let Err(e) = super::manifest::parse_timeout(text) {
            self.diags.push(
                Diagnostic::error(
                    "invalid-timeout",
                    format!("repository `{}`: timeout `{text}`: {e}", r.name),
                    t.span.clone(),
                )
                .with_note("write it like \"30m\", \"6h\" or \"90s\": how long one restic call on this repository may run before it is stopped"),
            );
            return None;
        }
        Some(text.clone())
    }
}

/// Builds and validates the plan of one host. On any error the plan is
/// `None` (and `partial` has what could be planned).
pub fn build(decl: &HostDecl) -> Outcome {
    let mut b = Builder {
        diags: Vec::new(),
        unresolved: BTreeSet::new(),
    };
    let settings = &decl.settings;
    for k in &settings.unknown_keys {
        b.diags.push(v::unknown_key(k));
    }

    // Repositories.
    let mut repositories = BTreeMap::new();
    if let Some(unknown) = &settings.repositories_unknown {
        let reason = match &unknown.value {
            Known::Unknown(r) => r.clone(),
            Known::Value(()) => "not an attribute set".into(),
        };
        b.diags.push(Diagnostic::error(
            "unresolved-value",
            format!("atelier.backup.repositories is not known statically: {reason}"),
            unknown.span.clone(),
        ).with_note("the repository names must be literal; their settings (paths of secrets) may come from config"));
    }
    for r in &settings.repositories {
        if !v::is_valid_name_component(&r.name) {
            b.diags.push(Diagnostic::error(
                "invalid-unit-name",
                format!("repository name `{}` cannot be part of the unit names atelier-prune-<repo> / atelier-check-<repo>", r.name),
                r.span.clone(),
            ).with_note("use ASCII letters, digits, `-`, `_` and `.`"));
        }
        let repo = b.repository(r);
        repositories.insert(r.name.clone(), repo);
    }

    // Host-wide defaults.
    let host_schedule = settings
        .schedule
        .as_ref()
        .and_then(|s| v::required("atelier.backup", "schedule", s, &mut b.diags))
        .unwrap_or_else(|| Schedule::default().on_calendar);
    let host_delay = match &settings.randomized_delay {
        Some(d) => v::required("atelier.backup", "randomizedDelay", d, &mut b.diags),
        None => Schedule::default().randomized_delay,
    };
    let host_stale_after = settings
        .stale_after
        .as_ref()
        .and_then(|d| stale_after("atelier.backup", d, &mut b.diags));
    let host_retention = settings
        .retention
        .as_ref()
        .and_then(|r| b.retention("atelier.backup", r))
        .unwrap_or_default();
    let mut maintenance = Maintenance::default();
    for (slot, decl, what) in [
        (
            &mut maintenance.prune,
            &settings.prune_schedule,
            "prune.schedule",
        ),
        (
            &mut maintenance.check,
            &settings.check_schedule,
            "check.schedule",
        ),
        (
            &mut maintenance.drill,
            &settings.drill_schedule,
            "drill.schedule",
        ),
    ] {
        if let Some(s) = decl
            .as_ref()
            .and_then(|d| v::required("atelier.backup", what, d, &mut b.diags))
        {
            *slot = s;
        }
    }

    let postgres = b.postgres_connection(settings);

    // Services: disabled ones only warn; duplicates are errors.
    let mut first_seen: BTreeMap<&str, &ServiceDecl> = BTreeMap::new();
    let mut services = BTreeMap::new();
    let mut origins = BTreeMap::new();
    // (service, path, span) of every data path, for the overlap check.
    let mut all_paths: Vec<(String, String, Option<Span>)> = Vec::new();
    let mut all_databases: BTreeMap<String, (String, Option<Span>)> = BTreeMap::new();
    for s in &decl.services {
        if !s.enabled {
            if s.has_data() {
                b.diags.push(
                    Diagnostic::warning(
                        "disabled-service",
                        format!(
                            "service `{}` declares data but is not enabled on host `{}`; it is not backed up here",
                            s.name, decl.host
                        ),
                        s.span.clone(),
                    )
                    .with_note(format!("enable it with `atelier.services.{}.enable = true;` if this host runs it", s.name)),
                );
            }
            continue;
        }
        if let Some(first) = first_seen.get(s.name.as_str()) {
            b.diags.push(
                Diagnostic::error(
                    "duplicate-service",
                    format!(
                        "service `{}` is declared twice on host `{}` ({} and {})",
                        s.name,
                        decl.host,
                        first.origin.describe(),
                        s.origin.describe()
                    ),
                    s.span.clone(),
                )
                .with_note(format!(
                    "first declared at {}",
                    location(first.span.as_ref())
                ))
                .with_note("rename one of them; each service gets its own units and snapshots"),
            );
            continue;
        }
        first_seen.insert(&s.name, s);
        if let Some(service) = build_service(
            &mut b,
            decl,
            s,
            &repositories,
            &host_schedule,
            host_delay.as_ref(),
            &host_retention,
            host_stale_after.as_ref(),
            &mut all_paths,
            &mut all_databases,
        ) {
            origins.insert(s.name.clone(), s.origin);
            services.insert(s.name.clone(), service);
        }
    }

    overlap_check(&mut b.diags, &all_paths);
    repository_check(&mut b.diags, &all_paths, &settings.repositories, &decl.host);

    let has_errors = b.diags.iter().any(Diagnostic::is_error);
    let plan = Plan {
        manifest: Manifest {
            version: MANIFEST_VERSION,
            host: decl.host.clone(),
            generator: Some(generator()),
            repositories,
            services,
            postgres,
            // Ping URL files are module options, resolved by Nix at rebuild time.
            monitoring: MaintenanceMonitoring::default(),
        },
        maintenance,
        origins,
        unresolved: b.unresolved,
    };
    let (plan, partial) = if has_errors {
        (None, Some(plan))
    } else {
        (Some(plan), None)
    };
    Outcome {
        plan,
        partial,
        diagnostics: b.diags,
    }
}

#[allow(clippy::too_many_arguments)]
fn build_service(
    b: &mut Builder,
    host: &HostDecl,
    s: &ServiceDecl,
    repositories: &BTreeMap<String, Repository>,
    host_schedule: &str,
    host_delay: Option<&String>,
    host_retention: &Retention,
    host_stale_after: Option<&String>,
    all_paths: &mut Vec<(String, String, Option<Span>)>,
    all_databases: &mut BTreeMap<String, (String, Option<Span>)>,
) -> Option<Service> {
    let errors_before = b.diags.iter().filter(|d| d.is_error()).count();
    let name = &s.name;
    let svc_ctx = format!("service `{name}`");
    if !v::is_valid_name_component(name) {
        b.diags.push(
            Diagnostic::error(
                "invalid-unit-name",
                format!("service name `{name}` cannot be part of the unit name restic-backups-{name}.service"),
                s.span.clone(),
            )
            .with_note("use ASCII letters, digits, `-`, `_` and `.`, not starting with `-` or `.`"),
        );
    }
    for k in &s.unknown_keys {
        b.diags.push(v::unknown_key(k));
    }
    let base = || format!("/services/{}", pointer_escape(name));

    let sqlite: Vec<(String, Option<Span>)> = s
        .sqlite
        .iter()
        .filter_map(|p| {
            v::data_path(name, "sqlite", p, s.data_dir.as_ref(), &mut b.diags)
                .map(|x| (x, p.span.clone()))
        })
        .collect();
    let files: Vec<(String, Option<Span>)> = s
        .files
        .iter()
        .filter_map(|p| {
            v::data_path(name, "files", p, s.data_dir.as_ref(), &mut b.diags)
                .map(|x| (x, p.span.clone()))
        })
        .collect();
    let mut exclude: Vec<String> = s
        .exclude
        .iter()
        .filter_map(|e| v::required(&svc_ctx, "exclude pattern", e, &mut b.diags))
        .collect();

    // A SQLite file inside a files entry is copied consistently and its live
    // file (with -wal/-shm) kept out of the file set.
    for (db, db_span) in &sqlite {
        for (dir, dir_span) in &files {
            if v::contains(dir, db) {
                b.diags.push(
                    Diagnostic::warning(
                        "sqlite-in-files",
                        format!(
                            "service `{name}`: files entry `{dir}` contains the SQLite database `{db}`; \
                             it is excluded from the file set (with its -wal/-shm) and copied consistently instead"
                        ),
                        dir_span.clone(),
                    )
                    .with_note(format!("the database is declared at {}", location(db_span.as_ref()))),
                );
                for suffix in ["", "-wal", "-shm", "-journal"] {
                    let pattern = v::glob_escape(&format!("{db}{suffix}"));
                    if !exclude.contains(&pattern) {
                        exclude.push(pattern);
                    }
                }
            }
        }
    }

    for (p, span) in sqlite.iter().chain(&files) {
        all_paths.push((name.clone(), p.clone(), span.clone()));
    }

    let mut postgres = Vec::new();
    for pg in &s.postgres {
        let Some(db) = v::required(&svc_ctx, "postgres database name", &pg.name, &mut b.diags)
        else {
            continue;
        };
        if db.is_empty() {
            b.diags.push(Diagnostic::error(
                "empty-path",
                format!("service `{name}`: empty PostgreSQL database name"),
                pg.name.span.clone(),
            ));
            continue;
        }
        if let Some((other, other_span)) = all_databases.get(&db) {
            b.diags.push(
                Diagnostic::error(
                    "overlapping-data",
                    format!("service `{name}`: PostgreSQL database `{db}` is also backed up by service `{other}`"),
                    pg.name.span.clone(),
                )
                .with_note(format!("`{other}` declares it at {}", location(other_span.as_ref())))
                .with_note("each database must belong to exactly one service, or a restore of one would overwrite the other's data"),
            );
            continue;
        }
        all_databases.insert(db.clone(), (name.clone(), pg.name.span.clone()));
        let mut create = PostgresCreate::default();
        if let Some(e) = &pg.create_enable {
            if let Some(en) = v::required(&svc_ctx, "postgres create.enable", e, &mut b.diags) {
                create.enable = en;
            }
        }
        for (k, val) in &pg.create_options {
            if let Some(x) =
                v::required(&svc_ctx, &format!("postgres create.{k}"), val, &mut b.diags)
            {
                if let Err(m) = v::check_postgres_create_option(k, &x) {
                    b.diags.push(
                        Diagnostic::error(
                            "invalid-create-option",
                            format!("service `{name}`: PostgreSQL database `{db}`: {m}"),
                            val.span.clone(),
                        )
                        .with_note("create options are the keywords of CREATE DATABASE (PostgreSQL 15); a restore would otherwise stop at them"),
                    );
                    continue;
                }
                create.options.insert(k.clone(), x);
            }
        }
        let stop_on_restore = pg
            .stop_on_restore
            .iter()
            .filter_map(|u| v::unit(name, "stopOnRestore", u, &mut b.diags))
            .collect();
        postgres.push(PostgresDatabase {
            name: db,
            create,
            stop_on_restore,
        });
    }

    let mut dumps = BTreeMap::new();
    for d in &s.dumps {
        let dp = || format!("{}/dumps/{}", base(), pointer_escape(&d.name));
        if !v::is_valid_name_component(&d.name) {
            b.diags.push(Diagnostic::error(
                "invalid-dump-name",
                format!("service `{name}`: dump name `{}` must be a plain file name (ASCII letters, digits, `-_.`)", d.name),
                d.span.clone(),
            ));
        }
        for (field, val) in [("backupCmd", &d.backup_cmd), ("restoreCmd", &d.restore_cmd)] {
            if val.is_none() {
                b.diags.push(
                    Diagnostic::error(
                        "missing-dump-command",
                        format!("service `{name}`: dump `{}` has no `{field}`", d.name),
                        d.span.clone(),
                    )
                    .with_note("the dump contract needs backupCmd (writes the dump to stdout) and restoreCmd (reads it on stdin)"),
                );
            }
        }
        let backup_cmd = b
            .eval_time(|| format!("{}/backupCmd", dp()), d.backup_cmd.as_ref())
            .unwrap_or_default();
        let restore_cmd = b
            .eval_time(|| format!("{}/restoreCmd", dp()), d.restore_cmd.as_ref())
            .unwrap_or_default();
        let user = b.eval_time(|| format!("{}/user", dp()), d.user.as_ref());
        let backup_name = match &d.backup_name {
            Some(n) => {
                let bn = v::required(&svc_ctx, "dump backupName", n, &mut b.diags);
                if let Some(bn) = &bn {
                    if bn.is_empty() || bn.contains('/') || bn == "." || bn == ".." {
                        b.diags.push(Diagnostic::error(
                            "invalid-dump-name",
                            format!(
                                "service `{name}`: backupName `{bn}` must be a plain file name"
                            ),
                            n.span.clone(),
                        ));
                    }
                }
                bn
            }
            None => None,
        };
        dumps.insert(
            d.name.clone(),
            Dump {
                backup_cmd,
                restore_cmd,
                user,
                backup_name,
            },
        );
    }

    let units = match &s.stop_units {
        Some(list) => list
            .iter()
            .filter_map(|u| v::unit(name, "stopUnits", u, &mut b.diags))
            .collect(),
        None if s.origin == Origin::MkService => vec![format!("{name}.service")],
        None => Vec::new(),
    };
    let stop_for_backup = s
        .stop_for_backup
        .as_ref()
        .and_then(|x| v::required(&svc_ctx, "stopForBackup", x, &mut b.diags))
        .unwrap_or(false);

    let hooks = Hooks {
        pre_backup: b.eval_time(
            || format!("{}/hooks/preBackup", base()),
            s.hooks.pre_backup.as_ref(),
        ),
        post_backup: b.eval_time(
            || format!("{}/hooks/postBackup", base()),
            s.hooks.post_backup.as_ref(),
        ),
        pre_restore: b.eval_time(
            || format!("{}/hooks/preRestore", base()),
            s.hooks.pre_restore.as_ref(),
        ),
        post_restore: b.eval_time(
            || format!("{}/hooks/postRestore", base()),
            s.hooks.post_restore.as_ref(),
        ),
    };
    let check = b.eval_time(|| format!("{}/check", base()), s.check.as_ref());

    let mut tags = vec![format!("service:{name}")];
    for t in &s.tags {
        if let Some(t) = v::required(&svc_ctx, "tag", t, &mut b.diags) {
            if t.is_empty() || t.contains(',') {
                b.diags.push(Diagnostic::error("invalid-tag", format!("service `{name}`: tag `{t}` must be non-empty and contain no comma (restic splits tags at commas)"), None));
            } else if !tags.contains(&t) {
                tags.push(t);
            }
        }
    }

    let repos = match &s.repositories {
        Some(list) => {
            let mut out = Vec::new();
            for r in list {
                let Some(r_name) = v::required(&svc_ctx, "repository name", r, &mut b.diags) else {
                    continue;
                };
                if !repositories.contains_key(&r_name)
                    && host.settings.repositories_unknown.is_none()
                {
                    let known: Vec<&str> = repositories.keys().map(String::as_str).collect();
                    b.diags.push(
                        Diagnostic::error(
                            "unknown-repository",
                            format!("service `{name}`: repository `{r_name}` is not defined in atelier.backup.repositories"),
                            r.span.clone(),
                        )
                        .with_note(if known.is_empty() { "no repositories are defined on this host".to_owned() } else { format!("defined: {}", known.join(", ")) }),
                    );
                } else if !out.contains(&r_name) {
                    out.push(r_name);
                }
            }
            out
        }
        None => repositories.keys().cloned().collect(),
    };
    if repos.is_empty() && repositories.is_empty() && host.settings.repositories_unknown.is_none() {
        b.diags.push(
            Diagnostic::error(
                "no-repository",
                format!("service `{name}` has data but host `{}` defines no repository", host.host),
                s.span.clone(),
            )
            .with_note("add one: atelier.backup.repositories.default = { repository = \"/srv/restic\"; passwordFile = \"/run/agenix/restic-password\"; };"),
        );
    }

    let on_calendar = s
        .schedule
        .as_ref()
        .and_then(|x| v::required(&svc_ctx, "schedule", x, &mut b.diags))
        .unwrap_or_else(|| host_schedule.to_owned());
    let randomized_delay = match &s.randomized_delay {
        Some(d) => v::required(&svc_ctx, "randomizedDelay", d, &mut b.diags),
        None => host_delay.cloned(),
    };
    let retention = s
        .retention
        .as_ref()
        .and_then(|r| b.retention(&svc_ctx, r))
        .unwrap_or_else(|| host_retention.clone());
    let stale = match &s.stale_after {
        Some(d) => stale_after(&svc_ctx, d, &mut b.diags),
        None => host_stale_after.cloned(),
    };

    let data_dir = s.data_dir.as_ref().and_then(|d| {
        let p = b.eval_time(|| format!("{}/dataDir", base()), Some(d));
        p.filter(|p| !p.is_empty())
    });
    let user = s
        .user
        .as_ref()
        .and_then(|u| b.eval_time(|| format!("{}/user", base()), Some(u)));
    let group = s
        .group
        .as_ref()
        .and_then(|g| b.eval_time(|| format!("{}/group", base()), Some(g)));

    let errors_after = b.diags.iter().filter(|d| d.is_error()).count();
    (errors_after == errors_before).then(|| Service {
        source: s.span.as_ref().map(Span::location),
        data_dir,
        user,
        group,
        units,
        stop_for_backup,
        sqlite: sqlite.into_iter().map(|(p, _)| p).collect(),
        postgres,
        files: files.into_iter().map(|(p, _)| p).collect(),
        exclude,
        dumps,
        hooks,
        check,
        tags,
        repositories: repos,
        schedule: Schedule {
            on_calendar,
            randomized_delay,
        },
        retention,
        stale_after: stale,
        monitoring: Monitoring::default(),
    })
}

/// `staleAfter` (of a service or `atelier.backup`): a duration `status`
/// understands (`26h`, `90m`, `2days`), else an error at its definition.
fn stale_after(ctx: &str, d: &Located<String>, diags: &mut Vec<Diagnostic>) -> Option<String> {
    let span = v::required(ctx, "staleAfter", d, diags)?;
    if humantime::parse_duration(&span).is_err() {
        diags.push(
            Diagnostic::error(
                "invalid-stale-after",
                format!("{ctx}: staleAfter `{span}` is not a duration"),
                d.span.clone(),
            )
            .with_note("write it like 26h, 90m or 2days"),
        );
        return None;
    }
    Some(span)
}

/// (service, path, where it was declared) of one data path.
type DataPath = (String, String, Option<Span>);

/// Two services must not back up the same bytes: a restore of one would
/// overwrite the other's data. Sorted by path components, every descendant
/// of a path follows it directly, so only those runs are compared.
fn overlap_check(diags: &mut Vec<Diagnostic>, all: &[DataPath]) {
    let normal: Vec<String> = all.iter().map(|e| v::normal_path(&e.1)).collect();
    let mut sorted: Vec<(Vec<&str>, &DataPath)> = normal
        .iter()
        .zip(all)
        .map(|(n, e)| (v::components(n), e))
        .collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    let mut reported = BTreeSet::new();
    for (i, (outer, (sa, pa, spa))) in sorted.iter().enumerate() {
        for (inner, (sb, pb, spb)) in &sorted[i + 1..] {
            if !(inner.len() >= outer.len() && inner[..outer.len()] == outer[..]) {
                break;
            }
            if sa == sb {
                continue;
            }
            let key = (sa.min(sb).clone(), sa.max(sb).clone());
            if !reported.insert(key) {
                continue;
            }
            diags.push(
                Diagnostic::error(
                    "overlapping-data",
                    format!("service `{sb}`: data path `{pb}` overlaps `{pa}` of service `{sa}`"),
                    spb.clone(),
                )
                .with_note(format!("`{sa}` declares `{pa}` at {}", location(spa.as_ref())))
                .with_note("each path must belong to exactly one service, or a restore of one would overwrite the other's data; narrow one of the paths"),
            );
        }
    }
}

/// No data path may hold (or lie inside) a repository on this host or the
/// state directory: an in-place restore replaces the whole data path with
/// its copy in the snapshot, which would take every snapshot written since
/// (of every service) or atelier's own journal and staging with it.
fn repository_check(
    diags: &mut Vec<Diagnostic>,
    all: &[DataPath],
    repositories: &[RepositoryDecl],
    host: &str,
) {
    // (decl, directory, where `repository` is set)
    let repos: Vec<(&RepositoryDecl, String, Option<Span>)> = repositories
        .iter()
        .filter_map(|r| {
            let l = r.repository.as_ref()?;
            match &l.value {
                Known::Value(loc) => {
                    v::repository_local_path(loc, host).map(|p| (r, p, l.span.clone()))
                }
                Known::Unknown(_) => None,
            }
        })
        .collect();
    for (r, repo, repo_span) in &repos {
        let relation = if v::contains(repo, v::STATE_DIR) {
            "contains"
        } else if v::contains(v::STATE_DIR, repo) {
            "is inside"
        } else {
            continue;
        };
        diags.push(
            Diagnostic::error(
                "repository-in-data",
                format!(
                    "repository `{}` ({repo}) {relation} atelier's state directory {}",
                    r.name,
                    v::STATE_DIR
                ),
                repo_span.clone(),
            )
            .with_note("the state directory holds staging copies, locks and restore journals that atelier clears and rewrites; keep the repository outside it"),
        );
    }
    for (service, path, span) in all {
        for (r, repo, repo_span) in &repos {
            let relation = if v::contains(path, repo) {
                "contains"
            } else if v::contains(repo, path) {
                "is inside"
            } else {
                continue;
            };
            diags.push(
                Diagnostic::error(
                    "repository-in-data",
                    format!("service `{service}`: data path `{path}` {relation} repository `{}` ({repo})", r.name),
                    span.clone(),
                )
                .with_note(format!("repository `{}` is set at {}", r.name, location(repo_span.as_ref())))
                .with_note("an in-place restore replaces the whole data path with its copy in the snapshot, and would replace the repository too, losing every snapshot taken since, of every service; keep the repository outside every data path"),
            );
        }
        let relation = if v::contains(path, v::STATE_DIR) {
            "contains"
        } else if v::contains(v::STATE_DIR, path) {
            "is inside"
        } else {
            continue;
        };
        diags.push(
            Diagnostic::error(
                "state-dir-in-data",
                format!(
                    "service `{service}`: data path `{path}` {relation} atelier's state directory {}",
                    v::STATE_DIR
                ),
                span.clone(),
            )
            .with_note("the state directory holds run records, locks, staging and restore journals; an in-place restore of the data path would replace them; narrow the data path"),
        );
    }
}
