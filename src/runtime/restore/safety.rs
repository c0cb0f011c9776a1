//! The `pre-restore` safety snapshot of a service's live data.

use std::path::{Path, PathBuf};

use super::{pg_of, Env};
use crate::plan::Service;
use crate::runtime::restore_restic::Restic;
use crate::runtime::snapshot_desc;
use crate::runtime::swap;

/// The `pre-restore` safety snapshot: the service's current data, in the same
/// layout as a regular backup (files at their paths, SQLite online copies,
/// `pg_dump -Fc -Z 0`, dumps through `backupCmd`). Returns `None` when there
/// is no live data to save (a blank machine).
pub fn safety_snapshot(
    env: &Env,
    restic: &Restic,
    name: &str,
    service: &Service,
) -> anyhow::Result<Option<String>> {
    capture(env, restic, name, service, &["pre-restore"])
}

/// A snapshot of the service's current data with `extra_tags` (see [`safety_snapshot`]).
pub fn capture(
    env: &Env,
    restic: &Restic,
    name: &str,
    service: &Service,
    extra_tags: &[&str],
) -> anyhow::Result<Option<String>> {
    let pg = pg_of(env.manifest);
    let mut paths: Vec<PathBuf> = service
        .files
        .iter()
        .map(PathBuf::from)
        .filter(|p| p.exists())
        .collect();
    let live_sqlite: Vec<&String> = service
        .sqlite
        .iter()
        .filter(|p| Path::new(p).exists())
        .collect();
    let mut live_pg = Vec::new();
    for db in &service.postgres {
        if pg.exists(&db.name).unwrap_or(false) {
            live_pg.push(db.name.clone());
        }
    }
    if paths.is_empty() && live_sqlite.is_empty() && live_pg.is_empty() && service.dumps.is_empty()
    {
        return Ok(None);
    }
    // Only what is live is saved (a blank machine has nothing), online, with
    // the same staging steps and self-description as `run`. The staging
    // directory ends in `/staging/<name>` like a regular one, but is private
    // to this capture so that a concurrent `run` cannot clear it.
    let live = Service {
        sqlite: live_sqlite.into_iter().cloned().collect(),
        postgres: service
            .postgres
            .iter()
            .filter(|d| live_pg.contains(&d.name))
            .cloned()
            .collect(),
        stop_for_backup: false,
        // Without the service's excludes: what a backup leaves out is
        // exactly what the safety snapshot must hold.
        exclude: Vec::new(),
        ..service.clone()
    };
    let private_root = env
        .state_dir
        .join("staging")
        .join(format!("{name}.capture-{}", std::process::id()));
    let _cleanup = RemoveOnDrop(private_root.clone());
    let staging = crate::runtime::staging::Staging::create(&private_root, name)?;
    let created = chrono::Utc::now().to_rfc3339();
    let mut desc =
        crate::runtime::backup::new_description(env.manifest, name, &live, &staging, &created);
    let explain = |e: anyhow::Error| staging.explain(e, &live.sqlite).context("safety snapshot");
    crate::runtime::backup::stage_sqlite(name, &live, &staging, &mut desc).map_err(explain)?;
    crate::runtime::backup::stage_postgres(env.manifest, name, &live, &staging, &mut desc)
        .map_err(explain)?;
    crate::runtime::backup::stage_dumps(name, &live, &staging, &mut desc).map_err(explain)?;
    std::fs::write(
        staging.path().join(snapshot_desc::DESCRIPTION_FILE),
        desc.to_json(),
    )
    .map_err(|e| explain(e.into()))?;
    paths.push(staging.path().to_path_buf());
    let mut tags = vec!["atelier".to_owned(), format!("service:{name}")];
    tags.extend(extra_tags.iter().map(|t| (*t).to_owned()));
    tags.extend(service.kinds().iter().map(|k| format!("type:{k}")));
    let id = restic.backup(
        &paths,
        &crate::runtime::backup::excludes(&live),
        &tags,
        &env.manifest.host,
    )?;
    // Known to the retention record, so that the next `run` need not start
    // a `forget` only because of this snapshot (super::retention).
    let mut tracker = crate::runtime::retention::Tracker::open(env.state_dir, restic.driver());
    tracker.record_created(&id, &env.manifest.host, &tags);
    if let Err(e) = tracker.save() {
        eprintln!("atelier-backup: cannot save the retention record: {e:#}");
    }
    Ok(Some(id))
}

/// Removes a directory when dropped (every path out of a capture).
struct RemoveOnDrop(PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        swap::remove_any(&self.0);
    }
}

/// Whether any of the service's files, SQLite databases or PostgreSQL databases exist.
pub(super) fn has_live_data(env: &Env, service: &Service) -> bool {
    let pg = pg_of(env.manifest);
    service
        .files
        .iter()
        .chain(&service.sqlite)
        .any(|p| Path::new(p).exists())
        || service
            .postgres
            .iter()
            .any(|d| pg.exists(&d.name).unwrap_or(false))
}
