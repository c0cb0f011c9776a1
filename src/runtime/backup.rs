//! The backup procedure of one service (`atelier-backup run SERVICE`),
//! DESIGN.md §4.2–4.3:
//!
//! service lock → preBackup → staging: SQLite copies (online, or with the
//! units stopped), `pg_dump`s, dump-contract outputs, self-description →
//! per repository: repository lock, `restic backup`, retention scoped to this
//! service → units started again (every path) → staging removed →
//! postBackup (told the result) → state record and metrics.

#![allow(clippy::result_large_err)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::Context as _;

use crate::plan::{Manifest, Service};

use super::describe::{
    self, Description, DumpFile, Owner, PostgresDump, PostgresDumps, SqliteCopy,
};
use super::restic::{BackupRequest, ErrorKind, Restic, INCOMPLETE_TAG};
use super::staging::Staging;
use super::state::{now_rfc3339, Outcome, RepositoryResult, RunRecord};
use super::terminal::ShowPath as _;
use super::units::{StoppedUnits, Systemctl};
use super::{hooks, interrupt, lock, metrics, ping, postgres, progress, sqlite, user};

/// Settings of the runtime taken from the environment and global flags.
#[derive(Debug, Clone)]
pub struct Env {
    pub restic: String,
    pub systemctl: String,
    pub state_dir: PathBuf,
    pub progress: bool,
}

impl Env {
    /// restic bound to `repo`, with its cache under the state directory.
    pub fn restic(&self, manifest: &Manifest, repo: &str) -> anyhow::Result<Restic> {
        Ok(self.restic_for(manifest, repo)?)
    }

    /// [`Self::restic`] with restic's own error type.
    pub fn restic_for(
        &self,
        manifest: &Manifest,
        repo: &str,
    ) -> Result<Restic, super::restic::ResticError> {
        Ok(Restic::for_repository(&self.restic, manifest, repo)?
            .with_cache_dir(self.state_dir.join("cache"))
            .with_version_cache(self.state_dir.join("restic-version.json"))
            .with_progress(self.progress))
    }

    pub fn locks_dir(&self) -> PathBuf {
        self.state_dir.join("locks")
    }

    /// Holds the per-repository lock (bounded wait, clear message).
    pub fn lock_repository(&self, repo: &str, what: &str) -> anyhow::Result<lock::Lock> {
        lock::acquire(
            &self.locks_dir(),
            &format!("repository-{repo}"),
            what,
            lock::default_timeout(),
        )
    }
}

/// The tags of a service's snapshots (DESIGN.md §4.3): `atelier`,
/// `service:<name>`, one `type:<kind>` per kind present, the user's tags.
pub fn snapshot_tags(name: &str, service: &Service) -> anyhow::Result<Vec<String>> {
    let mut tags = vec!["atelier".to_owned(), format!("service:{name}")];
    for k in service.kinds() {
        tags.push(format!("type:{k}"));
    }
    for t in &service.tags {
        if t == INCOMPLETE_TAG {
            anyhow::bail!(
                "service `{name}`: the tag `{INCOMPLETE_TAG}` is reserved: atelier marks the snapshots of unfinished runs with it; rename the tag"
            );
        }
        if t.contains(',') || t.trim().is_empty() {
            anyhow::bail!(
                "service `{name}`: tag {t:?} is empty or contains a comma, which restic would split; rename the tag"
            );
        }
        if !tags.contains(t) {
            tags.push(t.clone());
        }
    }
    Ok(tags)
}

/// Runs one backup of `name`. `Err` only for configuration errors (unknown
/// service); every runtime failure is in the returned record (`result =
/// failed`, `error`), which is also saved with its metrics.
pub fn run_service(manifest: &Manifest, name: &str, env: &Env) -> anyhow::Result<RunRecord> {
    let Some(service) = manifest.services.get(name) else {
        return Err(super::config_error::service_not_in_manifest(manifest, name).into());
    };
    interrupt::install();
    let pinger = ping::Pinger::from_file(
        service.monitoring.ping_url_file.as_deref(),
        &format!("backup of `{name}`"),
    );
    pinger.start();
    let started = now_rfc3339();
    let t0 = Instant::now();
    let mut record = RunRecord {
        service: name.to_owned(),
        host: manifest.host.clone(),
        started,
        finished: String::new(),
        duration_seconds: 0.0,
        result: Outcome::Failed,
        error: None,
        repositories: service
            .repositories
            .iter()
            .map(|r| (r.clone(), RepositoryResult::default()))
            .collect(),
    };
    let mut result = perform(manifest, name, service, env, &mut record);
    if let Some(script) = &service.hooks.post_backup {
        let outcome = if result.is_ok() { "success" } else { "failed" };
        let hook = hooks::run(
            name,
            "postBackup",
            script,
            &[("ATELIER_BACKUP_RESULT", outcome)],
        );
        if let (Err(e), Ok(())) = (hook, &result) {
            result = Err(e);
        }
    }
    record.finished = now_rfc3339();
    record.duration_seconds = t0.elapsed().as_secs_f64();
    match &result {
        Ok(()) => record.result = Outcome::Success,
        Err(e) => {
            record.result = Outcome::Failed;
            record.error = Some(match interrupt::received() {
                // Whatever step failed, the cause was the signal.
                Some(sig) if !format!("{e:#}").contains("interrupted by") => {
                    format!("interrupted by {sig}: {e:#}")
                }
                _ => format!("{e:#}"),
            });
        }
    }
    if let Err(e) = record.save(&env.state_dir) {
        eprintln!("atelier-backup: cannot save the run record: {e:#}");
    }
    if let Err(e) = write_metrics(&env.state_dir, &record) {
        eprintln!("atelier-backup: cannot write metrics: {e:#}");
    }
    match &record.error {
        None => pinger.success(&ping::backup_summary(&record)),
        Some(e) => pinger.fail(e),
    }
    Ok(record)
}

fn perform(
    manifest: &Manifest,
    name: &str,
    service: &Service,
    env: &Env,
    record: &mut RunRecord,
) -> anyhow::Result<()> {
    let _service_lock = lock::acquire(
        &env.locks_dir(),
        &format!("service-{name}"),
        &format!("run {name}"),
        lock::default_timeout(),
    )?;
    // A crash in the middle of an in-place restore leaves a journal; a
    // backup now could capture half-swapped data and look good.
    if super::swap::pending(&env.state_dir, name) {
        anyhow::bail!(
            "service `{name}`: an interrupted in-place restore awaits recovery (journal in {}); no backup is taken over half-swapped data — run `atelier-backup restore {name} --in-place` to finish or undo it, then back up again",
            super::swap::journal_dir(&env.state_dir).shown()
        );
    }
    if service.repositories.is_empty() {
        anyhow::bail!("service `{name}` has no repositories; add one to its `repositories`");
    }
    let systemctl = Systemctl::new(&env.systemctl);
    restart_left_stopped(&env.state_dir, name, &systemctl)?;
    let tags = snapshot_tags(name, service)?;
    if !service.postgres.is_empty() {
        // A bad ATELIER_PG_LOCK_TIMEOUT is reported before any hook or unit stop.
        postgres::lock_wait_timeout().with_context(|| format!("service `{name}`"))?;
    }
    // A repository that cannot even be set up (an unreadable
    // `environmentFile`, a bad `timeout`) fails alone; the others go on.
    let mut failures = Vec::new();
    let mut restics = Vec::new();
    for repo in &service.repositories {
        match env.restic(manifest, repo) {
            Ok(r) => restics.push(r),
            Err(e) => {
                let e = e.context(format!("service `{name}`: repository `{repo}`"));
                let entry = record.repositories.entry(repo.clone()).or_default();
                entry.result = Some(Outcome::Failed);
                entry.error = Some(format!("{e:#}"));
                failures.push(format!("{e:#}"));
            }
        }
    }
    if restics.is_empty() {
        anyhow::bail!("{}", failures.join("\n"));
    }

    if let Some(script) = &service.hooks.pre_backup {
        hooks::run(name, "preBackup", script, &[])?;
    }

    let missing: Vec<&String> = service
        .files
        .iter()
        .filter(|p| std::fs::symlink_metadata(p).is_err())
        .collect();
    if !missing.is_empty() {
        anyhow::bail!(
            "service `{name}`: these `files` paths do not exist: {}; create them or remove them from the declaration",
            missing.iter().map(|s| s.shown().to_string()).collect::<Vec<_>>().join(", ")
        );
    }

    let staging = Staging::create(&env.state_dir, name)?;
    let mut desc = new_description(manifest, name, service, &staging, &record.started);

    // stopForBackup: the guard starts the units again on every path out.
    // The marker outlives a SIGKILL (where no guard runs): the next run
    // starts what this one had stopped. Declared first, dropped last.
    let mut marker = StoppedMarker::new(&env.state_dir, name);
    let mut stopped: Option<StoppedUnits> = None;
    if service.stop_for_backup {
        let mut active = Vec::new();
        for u in &service.units {
            if systemctl.is_active(u)? {
                active.push(u.clone());
            }
        }
        marker.write(&active)?;
        stopped = Some(
            systemctl
                .stop_active(&service.units)
                .with_context(|| format!("service `{name}`: stopping its units for the backup"))?,
        );
    }
    interrupt::check()?;
    stage_sqlite(name, service, &staging, &mut desc)
        .map_err(|e| staging.explain(e, &service.sqlite))?;
    interrupt::check()?;
    // With databases, the units are needed stopped only for their copies;
    // a service with only files stays stopped through the restic backup.
    if !service.sqlite.is_empty() {
        if let Some(guard) = stopped.take() {
            guard
                .start()
                .with_context(|| format!("service `{name}`: starting its units again"))?;
        }
    }
    stage_postgres(manifest, name, service, &staging, &mut desc)
        .map_err(|e| staging.explain(e, &service.sqlite))?;
    interrupt::check()?;
    stage_dumps(name, service, &staging, &mut desc)
        .map_err(|e| staging.explain(e, &service.sqlite))?;
    interrupt::check()?;
    std::fs::write(staging.path().join(describe::FILE_NAME), desc.to_json())
        .context("writing the snapshot self-description")
        .map_err(|e| staging.explain(e, &service.sqlite))?;

    let mut paths: Vec<PathBuf> = service.files.iter().map(PathBuf::from).collect();
    paths.push(staging.path().to_path_buf());
    let request = BackupRequest {
        paths,
        excludes: excludes(service),
        tags: tags.clone(),
        host: manifest.host.clone(),
    };

    for restic in &restics {
        if let Err(e) = interrupt::check() {
            failures.push(format!("{e:#}"));
            break;
        }
        let repo = restic.name().to_owned();
        let res = backup_to(env, name, service, restic, &request, &manifest.host);
        let entry = record.repositories.entry(repo.clone()).or_default();
        match res {
            Ok(r) => *entry = r,
            Err((r, e)) => {
                *entry = r;
                entry.error = Some(format!("{e:#}"));
                failures.push(format!("{e:#}"));
            }
        }
        entry.notes = restic.take_notes();
    }
    if let Some(guard) = stopped.take() {
        guard
            .start()
            .with_context(|| format!("service `{name}`: starting its units again"))?;
    }
    drop(staging);
    if failures.is_empty() {
        Ok(())
    } else {
        anyhow::bail!("{}", failures.join("\n"))
    }
}

/// `runs/<service>/stopped-units.json`: units a run stopped and has not
/// started yet. Removed when the run ends (after its units guard).
struct StoppedMarker {
    path: PathBuf,
    written: bool,
}

impl StoppedMarker {
    fn path(state_dir: &Path, service: &str) -> PathBuf {
        state_dir
            .join("runs")
            .join(service)
            .join("stopped-units.json")
    }

    fn new(state_dir: &Path, service: &str) -> Self {
        Self {
            path: Self::path(state_dir, service),
            written: false,
        }
    }

    fn write(&mut self, units: &[String]) -> anyhow::Result<()> {
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.shown()))?;
        }
        std::fs::write(&self.path, serde_json::to_vec(units)?)
            .with_context(|| format!("writing {}", self.path.shown()))?;
        self.written = true;
        Ok(())
    }
}

impl Drop for StoppedMarker {
    fn drop(&mut self) {
        if self.written {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Starts the units an earlier run stopped and never started (it was
/// killed), so that a SIGKILL leaves the service down only until the next run.
fn restart_left_stopped(state_dir: &Path, name: &str, systemctl: &Systemctl) -> anyhow::Result<()> {
    let path = StoppedMarker::path(state_dir, name);
    let Ok(bytes) = std::fs::read(&path) else {
        return Ok(());
    };
    let units: Vec<String> = serde_json::from_slice(&bytes).unwrap_or_default();
    // Written by an earlier run from the (validated) manifest; anything else
    // in it did not come from atelier and never reaches systemctl.
    let (units, foreign): (Vec<String>, Vec<String>) = units
        .into_iter()
        .partition(|u| crate::plan::validate::is_valid_unit_name(u));
    if !foreign.is_empty() {
        eprintln!(
            "atelier-backup: ignoring {foreign:?} in {}: not valid unit names",
            path.shown()
        );
    }
    let mut down = Vec::new();
    for u in units {
        if !systemctl.is_active(&u)? {
            down.push(u);
        }
    }
    if !down.is_empty() {
        eprintln!(
            "atelier-backup: an earlier run of `{name}` was interrupted; starting {} again",
            down.join(" ")
        );
        systemctl.start(&down).with_context(|| {
            format!("service `{name}`: starting units an interrupted run left stopped")
        })?;
    }
    std::fs::remove_file(&path).with_context(|| format!("removing {}", path.shown()))?;
    Ok(())
}

type RepoFailure = (RepositoryResult, anyhow::Error);

fn backup_to(
    env: &Env,
    name: &str,
    service: &Service,
    restic: &Restic,
    request: &BackupRequest,
    host: &str,
) -> Result<RepositoryResult, RepoFailure> {
    let repo = restic.name();
    let mut result = RepositoryResult {
        result: Some(Outcome::Failed),
        ..RepositoryResult::default()
    };
    let _lock = match env.lock_repository(repo, &format!("run {name}")) {
        Ok(l) => l,
        Err(e) => return Err((result, e)),
    };
    let bar = progress::Bar::new(env.progress, &format!("{name} → {repo}"));
    // The snapshot is written as incomplete and marked complete below, once
    // restic succeeded: a run killed in between leaves it marked.
    let mut tagged = request.clone();
    tagged.tags.push(INCOMPLETE_TAG.to_owned());
    let request = &tagged;
    let mut outcome = restic.backup(request, &mut |s| bar.update(s));
    // `initialize = true`: the backup's own failure tells that the
    // repository does not exist yet (no separate restic process, with its
    // own key derivation, to ask first); then init and back up again.
    if restic.repository().initialize {
        if let Err(f) = &outcome {
            if f.error.kind == ErrorKind::NoRepository {
                if let Err(e) = restic.init() {
                    bar.finish();
                    return Err((
                        result,
                        anyhow::Error::new(e).context(format!("service `{name}`")),
                    ));
                }
                outcome = restic.backup(request, &mut |s| bar.update(s));
            }
        }
    }
    bar.finish();
    let summary = match outcome {
        Ok(s) => s,
        Err(failure) => {
            let mut err = failure.error;
            if err.kind == ErrorKind::SomeFilesUnreadable {
                // Never leave an incomplete snapshot that looks good.
                if let Some(p) = &failure.partial {
                    if !p.snapshot_id.is_empty() {
                        if let Err(e) = restic.forget_ids(std::slice::from_ref(&p.snapshot_id)) {
                            err.hint = format!(
                                "the incomplete snapshot {} could not be removed ({}); remove it with `atelier-backup restic --repository {repo} -- forget {}`",
                                p.snapshot_id, e.detail, p.snapshot_id
                            );
                        }
                    }
                }
            }
            return Err((
                result,
                anyhow::Error::new(err).context(format!("service `{name}`: backup to `{repo}`")),
            ));
        }
    };
    let id = match restic.mark_complete(&summary.snapshot_id, host, &format!("service:{name}")) {
        Ok(id) => id,
        Err(e) => {
            result.snapshot_id = Some(summary.snapshot_id.clone());
            return Err((
                result,
                anyhow::Error::new(e).context(format!(
                    "service `{name}`: snapshot {} was saved to `{repo}` but could not be marked complete; it stays tagged `{INCOMPLETE_TAG}` (never used for a restore) and the next run removes it",
                    summary.snapshot_id
                )),
            ));
        }
    };
    let mut request = request.clone();
    request.tags.retain(|t| t != INCOMPLETE_TAG);
    let request = &request;
    result.snapshot_id = Some(id);
    result.bytes_added = summary.data_added;
    result.total_bytes = summary.total_bytes_processed;
    result.files_new = summary.files_new;
    result.files_changed = summary.files_changed;
    result.total_files = summary.total_files_processed;
    if let Err(e) = apply_retention(env, name, service, restic, request, host, &mut result) {
        return Err((
            result,
            anyhow::Error::new(e).context(format!(
                "service `{name}`: the snapshot was saved but the retention policy failed on `{repo}`"
            )),
        ));
    }
    result.result = Some(Outcome::Success);
    Ok(result)
}

/// Retention after a backup: `forget` scoped to the service's own snapshots
/// (tag `service:<name>`, the manifest's host), left out when it provably
/// cannot remove anything (see [`super::retention`]).
fn apply_retention(
    env: &Env,
    name: &str,
    service: &Service,
    restic: &Restic,
    request: &BackupRequest,
    host: &str,
    result: &mut RepositoryResult,
) -> Result<(), super::restic::ResticError> {
    if super::restic::keep_args(&service.retention).is_empty() {
        result.retention = Some("no retention policy: nothing is forgotten".into());
        return Ok(());
    }
    let filter = super::retention::Filter::service(host, name);
    let mut tracker = super::retention::Tracker::open(&env.state_dir, restic);
    if let Some(id) = &result.snapshot_id {
        tracker.record_created(id, &request.host, &request.tags);
    }
    let outcome = match tracker.can_skip_forget(&filter, &service.retention) {
        Ok(note) => {
            result.retention = Some(note);
            Ok(())
        }
        Err(reason) => {
            match restic.forget_policy_parsed(
                std::slice::from_ref(&filter.tag),
                host,
                &service.retention,
                false,
            ) {
                Ok((groups, complete)) => {
                    if complete {
                        tracker.learn_forget(&filter, &groups);
                    } else {
                        tracker.forget_not_understood();
                    }
                    result.forgotten = groups
                        .iter()
                        .flat_map(|g| g.remove.iter().flatten().map(|s| s.short_id.clone()))
                        .collect();
                    result.retention = Some(format!("forget ran: {reason}"));
                    // Snapshots of runs that never finished form their own
                    // group, which the policy would keep: they go (no run of
                    // this service is under way: the service lock is held).
                    let incomplete: Vec<&super::restic::Snapshot> = groups
                        .iter()
                        .flat_map(|g| g.keep.iter().flatten())
                        .filter(|s| s.is_incomplete())
                        .collect();
                    let ids: Vec<String> = incomplete.iter().map(|s| s.id.clone()).collect();
                    match restic.forget_ids(&ids) {
                        Ok(()) => {
                            for s in &incomplete {
                                restic.note(format!(
                                    "removed snapshot {} of {}: its run never finished (tagged `{}`)",
                                    s.short_id,
                                    s.time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                                    super::restic::INCOMPLETE_TAG
                                ));
                                result.forgotten.push(s.short_id.clone());
                            }
                            Ok(())
                        }
                        Err(e) => Err(e),
                    }
                }
                Err(e) => Err(e),
            }
        }
    };
    if outcome.is_ok() {
        result.snapshots = tracker.count(&filter);
    }
    if let Err(e) = tracker.save() {
        eprintln!("atelier-backup: cannot save the retention record of `{name}`: {e:#}");
    }
    outcome
}

/// The self-description of a snapshot of `service` staged in `staging`
/// (databases and dumps are added by the `stage_*` steps).
pub(crate) fn new_description(
    manifest: &Manifest,
    name: &str,
    service: &Service,
    staging: &Staging,
    created: &str,
) -> Description {
    Description {
        format: describe::FORMAT,
        atelier: format!("atelier-backup {}", env!("CARGO_PKG_VERSION")),
        service: name.to_owned(),
        host: manifest.host.clone(),
        created: created.to_owned(),
        staging: staging.path().display().to_string(),
        files: service
            .files
            .iter()
            .filter_map(|p| Owner::of(Path::new(p)))
            .collect(),
        exclude: service.exclude.clone(),
        units: service.units.clone(),
        data_dir: service.data_dir.clone(),
        user: service.user.clone(),
        group: service.group.clone(),
        ..Description::default()
    }
}

/// restic `--exclude` patterns: the service's own, plus each live SQLite
/// database with its `-wal`/`-shm`/`-journal` (they are staged as copies).
pub(crate) fn excludes(service: &Service) -> Vec<String> {
    let mut excludes = service.exclude.clone();
    for db in &service.sqlite {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            excludes.push(escape_pattern(&format!("{db}{suffix}")));
        }
    }
    excludes
}

/// The service's own exclude patterns: without those atelier-gen adds for
/// its SQLite databases (they are copied consistently, not left out).
pub(crate) fn user_excludes(service: &Service) -> Vec<String> {
    let sqlite: Vec<String> = service
        .sqlite
        .iter()
        .flat_map(|db| {
            ["", "-wal", "-shm", "-journal"].map(|suffix| escape_pattern(&format!("{db}{suffix}")))
        })
        .collect();
    service
        .exclude
        .iter()
        .filter(|p| !sqlite.contains(p))
        .cloned()
        .collect()
}

pub(crate) fn stage_sqlite(
    name: &str,
    service: &Service,
    staging: &Staging,
    desc: &mut Description,
) -> anyhow::Result<()> {
    if service.sqlite.is_empty() {
        return Ok(());
    }
    let dir = staging.subdir("sqlite")?;
    for (i, db) in service.sqlite.iter().enumerate() {
        let src = Path::new(db);
        let base = src
            .file_name()
            .map_or_else(|| "db".to_owned(), |b| sanitize(&b.to_string_lossy()));
        let staged = format!("sqlite/{i}-{base}");
        let dst = dir.join(format!("{i}-{base}"));
        let method = if service.stop_for_backup {
            sqlite::checkpoint_and_copy(src, &dst)
        } else {
            sqlite::online_copy(src, &dst)
        };
        method
            .with_context(|| format!("service `{name}`: copying SQLite database {}", db.shown()))?;
        desc.sqlite.push(SqliteCopy {
            path: db.clone(),
            staged,
            method: if service.stop_for_backup {
                "stopped".into()
            } else {
                "online".into()
            },
            owner: Owner::of(src),
        });
    }
    Ok(())
}

pub(crate) fn stage_postgres(
    manifest: &Manifest,
    name: &str,
    service: &Service,
    staging: &Staging,
    desc: &mut Description,
) -> anyhow::Result<()> {
    if service.postgres.is_empty() {
        return Ok(());
    }
    let conn = &manifest.postgres;
    let dir = staging.subdir("postgres")?;
    let server_version = postgres::server_version(conn, &service.postgres[0].name)
        .with_context(|| format!("service `{name}`: connecting to PostgreSQL"))?;
    let mut databases = Vec::new();
    let mut used = std::collections::BTreeSet::new();
    for (i, db) in service.postgres.iter().enumerate() {
        let mut file = format!("{}.dump", sanitize(&db.name));
        if !used.insert(file.clone()) {
            file = format!("{}-{i}.dump", sanitize(&db.name));
            used.insert(file.clone());
        }
        let info = postgres::database_info(conn, &db.name)
            .with_context(|| format!("service `{name}`: reading database `{}`", db.name))?;
        let state = postgres::database_state(conn, &db.name)
            .with_context(|| format!("service `{name}`: reading database `{}`", db.name))?;
        postgres::dump(conn, &db.name, &dir.join(&file))
            .with_context(|| format!("service `{name}`"))?;
        databases.push(PostgresDump {
            name: db.name.clone(),
            staged: format!("postgres/{file}"),
            format: "custom".into(),
            compression: 0,
            create: db.create.enable,
            create_options: postgres::create_options(&db.create.options, &info),
            stop_on_restore: db.stop_on_restore.clone(),
            database_state: Some(state),
        });
    }
    desc.postgres = Some(PostgresDumps {
        server_version,
        databases,
    });
    Ok(())
}

/// The dump contract: `backupCmd`'s stdout is the dump. A failing command
/// fails the run before restic runs, so no truncated dump is ever stored.
pub(crate) fn stage_dumps(
    name: &str,
    service: &Service,
    staging: &Staging,
    desc: &mut Description,
) -> anyhow::Result<()> {
    if service.dumps.is_empty() {
        return Ok(());
    }
    let dir = staging.subdir("dumps")?;
    for (dump_name, dump) in &service.dumps {
        let backup_name = sanitize(dump.backup_name.as_deref().unwrap_or(dump_name));
        let dst = dir.join(&backup_name);
        let out =
            std::fs::File::create(&dst).with_context(|| format!("creating {}", dst.shown()))?;
        let mut cmd = Command::new("sh");
        cmd.arg("-c").arg(&dump.backup_cmd);
        cmd.env("ATELIER_SERVICE", name)
            .env("ATELIER_DUMP", dump_name);
        cmd.stdin(Stdio::null()).stdout(out).stderr(Stdio::piped());
        if let Some(u) = &dump.user {
            user::run_as(&mut cmd, u)
                .with_context(|| format!("service `{name}`: dump `{dump_name}`"))?;
        }
        super::child::die_with_parent(&mut cmd);
        let output = cmd.output().with_context(|| {
            format!("service `{name}`: cannot run backupCmd of dump `{dump_name}`")
        })?;
        let stderr = String::from_utf8_lossy(&output.stderr);
        if !stderr.trim().is_empty() {
            eprint!("{stderr}");
        }
        if !output.status.success() {
            let last = stderr
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("no message");
            anyhow::bail!(
                "service `{name}`: backupCmd of dump `{dump_name}` failed ({}): {last}; no snapshot was taken — fix the command and run again",
                output.status
            );
        }
        let bytes = std::fs::metadata(&dst).map_or(0, |m| m.len());
        desc.dumps.push(DumpFile {
            name: dump_name.clone(),
            staged: format!("dumps/{backup_name}"),
            backup_name,
            user: dump.user.clone(),
            restore_cmd: dump.restore_cmd.clone(),
            bytes,
        });
    }
    Ok(())
}

/// A file name safe inside the staging directory.
fn sanitize(s: &str) -> String {
    let out: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '+' | '@') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if out.is_empty() || out.starts_with('.') {
        format!("_{out}")
    } else {
        out
    }
}

/// Escapes a literal path for restic's `--exclude` (Go `filepath.Match`).
fn escape_pattern(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for c in path.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn write_metrics(state_dir: &Path, r: &RunRecord) -> anyhow::Result<()> {
    use metrics::Sample;
    let svc = || ("service", r.service.clone());
    #[allow(clippy::cast_precision_loss)]
    let finished = chrono::DateTime::parse_from_rfc3339(&r.finished)
        .map_or(0.0, |t| t.timestamp_millis() as f64 / 1000.0);
    let mut samples = vec![
        Sample {
            name: "atelier_backup_success",
            help: "1 if the last backup of the service succeeded, else 0",
            labels: vec![svc()],
            value: if r.result == Outcome::Success {
                1.0
            } else {
                0.0
            },
        },
        Sample {
            name: "atelier_backup_last_run_timestamp_seconds",
            help: "When the last backup of the service finished",
            labels: vec![svc()],
            value: finished,
        },
        Sample {
            name: "atelier_backup_last_success_timestamp_seconds",
            help:
                "When the last successful backup of the service finished (a failed run leaves it)",
            labels: vec![svc()],
            value: metrics::last_backup_success(state_dir, r),
        },
        Sample {
            name: "atelier_backup_duration_seconds",
            help: "Duration of the last backup of the service",
            labels: vec![svc()],
            value: r.duration_seconds,
        },
    ];
    for (repo, res) in &r.repositories {
        let labels = || vec![svc(), ("repository", repo.clone())];
        samples.push(Sample {
            name: "atelier_backup_repository_success",
            help: "1 if the last backup of the service to the repository succeeded",
            labels: labels(),
            value: if res.result == Some(Outcome::Success) {
                1.0
            } else {
                0.0
            },
        });
        #[allow(clippy::cast_precision_loss)]
        {
            samples.push(Sample {
                name: "atelier_backup_bytes_added",
                help: "Bytes added to the repository by the last backup",
                labels: labels(),
                value: res.bytes_added as f64,
            });
            if let Some(n) = res.snapshots {
                samples.push(Sample {
                    name: "atelier_backup_snapshots",
                    help: "Snapshots of the service in the repository after the last backup (local repositories)",
                    labels: labels(),
                    value: n as f64,
                });
            }
            samples.push(Sample {
                name: "atelier_backup_total_bytes",
                help: "Bytes processed by the last backup",
                labels: labels(),
                value: res.total_bytes as f64,
            });
        }
    }
    metrics::write(state_dir, &format!("backup-{}", r.service), &samples)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_are_escaped() {
        assert_eq!(escape_pattern("/a/b[1]*.db"), "/a/b\\[1\\]\\*.db");
        assert_eq!(sanitize("my db/x"), "my_db_x");
        assert_eq!(sanitize(".."), "_..");
    }

    #[test]
    fn tags_follow_design() {
        let s = Service {
            sqlite: vec!["/x.db".into()],
            files: vec!["/y".into()],
            tags: vec!["service:a".into(), "nightly".into()],
            ..Service::default()
        };
        assert_eq!(
            snapshot_tags("a", &s).unwrap(),
            [
                "atelier",
                "service:a",
                "type:sqlite",
                "type:files",
                "nightly"
            ]
        );
    }
}
