//! The restore engine shared by `restore`, `dr`, `drill` and the wizard
//! (DESIGN.md §5.1): resolve → safety snapshot → stage on the target's
//! filesystem → verify → stop units, preRestore → atomic swap (journaled, see
//! `swap.rs`) → dumps' restoreCmd → commit → postRestore, start units.
// "SQLite" and "PostgreSQL" are names, not code.
#![allow(clippy::doc_markdown)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context as _};
use serde::Serialize;

use super::restore_pg::Pg;
use super::restore_restic::Restic;
use super::snapshot_desc;
use super::swap;
use crate::plan::Manifest;

mod directory;
mod fetch;
mod host;
mod in_place;
mod planning;
mod safety;
mod verify;

pub use directory::scratch_db_name;
pub use host::{is_active, shell, systemctl};
pub use planning::{live_locations, refuse_live_target, resolve};
pub use safety::{capture, safety_snapshot};
pub use verify::verify_sqlite;

use directory::to_directory;
use in_place::in_place;
use planning::{describe, kept_entries, kind_of, needed_roles, plan, refuse_unswappable, Planned};

thread_local! {
    /// Time this thread's current restore spent waiting for its turn (a
    /// restic data slot, going live after the services before it in `dr`).
    static WAITED: std::cell::Cell<std::time::Duration> = const { std::cell::Cell::new(std::time::Duration::ZERO) };
}

/// Adds `d` to the time the current restore waited for its turn: not its
/// own work, so not in its `duration_ms`.
pub fn waited(d: std::time::Duration) {
    WAITED.with(|w| w.set(w.get() + d));
}

/// The restore's own time since `started`: without its waits for its turn.
fn own_time(started: Instant) -> u128 {
    started
        .elapsed()
        .saturating_sub(WAITED.with(std::cell::Cell::take))
        .as_millis()
}

/// Where the restored data goes.
#[derive(Debug, Clone)]
pub enum Mode {
    /// Replace the service's live data.
    InPlace,
    /// Only restore into this directory.
    Inspect(PathBuf),
    /// A drill: files into this directory, databases into scratch databases
    /// with this suffix (dropped by [`Outcome::cleanup_scratch`]).
    Scratch { dir: PathBuf, db_suffix: String },
}

#[derive(Debug, Clone)]
pub struct Request {
    pub service: String,
    pub snapshot: Option<String>,
    pub from: Option<String>,
    pub mode: Mode,
    pub dry_run: bool,
    /// Take the `pre-restore` safety snapshot (in place only).
    pub safety_snapshot: bool,
    /// Start every unit afterwards, not only those that were running
    /// (disaster recovery brings a blank machine up).
    pub start_all_units: bool,
    /// Repository to restore from (default: the service's first).
    pub repository: Option<String>,
    /// In place (not cloning, not a dry run): restore the whole snapshot
    /// into staging before planning, and read the self-description from
    /// there instead of with a `restic dump` (one restic process per
    /// service). Only where the restore is already confirmed (`dr`): the
    /// data is moved before the plan is shown.
    pub whole_snapshot_first: bool,
}

pub struct Env<'a> {
    pub manifest: &'a Manifest,
    pub state_dir: &'a Path,
    pub restic: &'a str,
    pub systemctl: &'a str,
    /// Progress lines ("restoring …", "verifying …").
    pub progress: &'a (dyn Fn(&str) + Sync),
    /// Asked before live data is replaced; gets the list of what is replaced.
    pub confirm: &'a (dyn Fn(&[String]) -> anyhow::Result<bool> + Sync),
    /// In place, called with the service's name once its copy is staged and
    /// verified, right before anything live changes; returns when it may go
    /// live (`dr` keeps services going live in its order while the next
    /// one's restore already runs). `&|_| {}` elsewhere.
    pub go_live: &'a (dyn Fn(&str) + Sync),
}

/// One thing a restore did or would do.
#[derive(Debug, Clone, Serialize)]
pub struct Item {
    pub kind: &'static str,
    /// Live path or database name (in place), or where the copy went.
    pub target: String,
    /// Path or name in the snapshot.
    pub source: String,
    pub action: String,
    pub verified: Option<bool>,
    pub detail: String,
}

impl Item {
    /// Records a check of the restored copy: verified, with what the check
    /// reports, or not, with the error.
    fn record_check(&mut self, check: anyhow::Result<String>) {
        match check {
            Ok(d) => {
                self.verified = Some(true);
                self.detail = d;
            }
            Err(e) => {
                self.verified = Some(false);
                self.detail = format!("{e:#}");
            }
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub service: String,
    pub from: String,
    pub snapshot: String,
    pub snapshot_time: String,
    pub mode: &'static str,
    pub dry_run: bool,
    /// Dry run in place: an interrupted restore of the service awaits
    /// recovery, which the real restore would do first (a dry run does not).
    pub recovery_pending: bool,
    pub safety_snapshot: Option<String>,
    pub items: Vec<Item>,
    pub verified: bool,
    pub duration_ms: u128,
    /// Scratch databases a drill created (for the check, then dropped).
    pub scratch_databases: Vec<String>,
    pub target_dir: Option<String>,
    /// In place: roles the dumps need that the PostgreSQL server lacks (a
    /// dry run lists them; a restore stops before touching anything).
    pub missing_roles: Vec<MissingRole>,
}

/// A role a dump needs and the server lacks, with what for.
#[derive(Debug, Clone, Serialize)]
pub struct MissingRole {
    pub name: String,
    /// e.g. `shop: database owner, object privileges`.
    pub needed_for: Vec<String>,
}

impl Outcome {
    /// `CREATE ROLE "a"; CREATE ROLE "b";` for the missing roles.
    pub fn create_roles_sql(&self) -> String {
        let names: Vec<String> = self.missing_roles.iter().map(|r| r.name.clone()).collect();
        super::restore_pg::create_roles_sql(&names)
    }

    /// What to do about missing roles, one paragraph; empty when none is missing.
    pub fn missing_roles_text(&self) -> String {
        if self.missing_roles.is_empty() {
            return String::new();
        }
        format!(
            "the PostgreSQL server lacks roles the dumps need: {}; create them first (as the PostgreSQL superuser, adding LOGIN/PASSWORD as your services need): {}",
            self.missing_roles
                .iter()
                .map(|r| format!("{} ({})", r.name, r.needed_for.join("; ")))
                .collect::<Vec<_>>()
                .join(", "),
            self.create_roles_sql()
        )
    }
}

/// The pg connection of a manifest.
pub fn pg_of(manifest: &Manifest) -> Pg {
    Pg::from(&manifest.postgres)
}

/// Runs one restore. In place, any failure before the swap changes nothing
/// live and any failure after it rolls back; units are started again on
/// every path out.
pub fn restore(env: &Env, req: &Request) -> anyhow::Result<Outcome> {
    let started = Instant::now();
    WAITED.with(|w| w.set(std::time::Duration::ZERO));
    let manifest = env.manifest;
    let name = req.service.as_str();
    let service = manifest
        .services
        .get(name)
        .with_context(|| super::config_error::service_not_in_manifest(manifest, name).0)?;
    let source = req.from.clone().unwrap_or_else(|| name.to_owned());
    let cloning = req.from.is_some();
    // The same lock `run` takes: no backup of this service while it is restored.
    let _service_lock = if matches!(req.mode, Mode::InPlace) && !req.dry_run {
        Some(super::lock::acquire(
            &env.state_dir.join("locks"),
            &format!("service-{name}"),
            &format!("restore {name}"),
            super::lock::default_timeout(),
        )?)
    } else {
        None
    };
    if matches!(req.mode, Mode::InPlace) && !req.dry_run {
        swap::recover(env.state_dir, Some(name))?;
    }
    let restic = match &req.repository {
        Some(repo) => {
            if !service.repositories.contains(repo) {
                bail!(
                    "service `{name}` is not backed up to repository `{repo}` (its repositories: {})",
                    service.repositories.join(", ")
                );
            }
            Restic::new(env.restic, manifest, repo, env.state_dir)?
        }
        None => Restic::for_service(env.restic, manifest, name, env.state_dir)?,
    };
    let nested_files = service.files.iter().enumerate().any(|(i, a)| {
        service
            .files
            .iter()
            .enumerate()
            .any(|(j, b)| i != j && Path::new(a).starts_with(b))
    });
    let whole_first = req.whole_snapshot_first
        && matches!(req.mode, Mode::InPlace)
        && !req.dry_run
        && !cloning
        && !nested_files;
    // dr lists the repository in the background: rather than wait for it,
    // the first services restore what restic resolves as latest, and keep
    // it only if it is the snapshot the listing (made when dr started)
    // resolves.
    let speculated =
        if whole_first && req.snapshot.is_none() && super::restore_restic::listing_in_progress() {
            in_place::stage_whole_snapshot(
                env,
                &restic,
                &in_place::Whole::Latest {
                    host: &manifest.host,
                    tag: format!("service:{source}"),
                },
                name,
                service,
            )
            .ok()
        } else {
            None
        };
    (env.progress)(&format!(
        "{name}: resolving snapshot {} of `{source}`",
        req.snapshot.as_deref().unwrap_or("latest")
    ));
    let snap = match resolve(&restic, manifest, &source, req.snapshot.as_deref(), cloning) {
        Ok(snap) => snap,
        Err(e) => {
            if let Some(s) = speculated {
                s.discard(env);
            }
            return Err(e);
        }
    };
    // The whole snapshot first (dr): its self-description comes with it.
    let description_dir = snapshot_desc::staging_path(&snap, &source);
    let mut early = match speculated {
        Some(mut s) if description_dir.is_some() => match s.confirm(env, &snap) {
            Ok(true) => Some(s),
            Ok(false) => {
                (env.progress)(&format!(
                    "{name}: restic's latest was not snapshot {} (listed when dr started): restoring that one",
                    snap.short_id
                ));
                s.discard(env);
                None
            }
            Err(e) => {
                s.discard(env);
                return Err(e);
            }
        },
        Some(s) => {
            s.discard(env);
            None
        }
        None => None,
    };
    if early.is_none() && description_dir.is_some() && whole_first {
        early = Some(in_place::stage_whole_snapshot(
            env,
            &restic,
            &in_place::Whole::Snapshot(&snap),
            name,
            service,
        )?);
    }
    let result = planned_restore(
        env,
        req,
        &restic,
        &snap,
        &mut early,
        description_dir,
        started,
    );
    if let Some(e) = early {
        e.discard(env);
    }
    result
}

/// [`restore`] from planning on; `early` (the whole snapshot staged) is
/// taken by the in-place restore, else discarded by the caller.
fn planned_restore(
    env: &Env,
    req: &Request,
    restic: &Restic,
    snap: &super::restore_restic::Snapshot,
    early: &mut Option<in_place::Early>,
    description_dir: Option<String>,
    started: Instant,
) -> anyhow::Result<Outcome> {
    let manifest = env.manifest;
    let name = req.service.as_str();
    let service = &manifest.services[name];
    let source = req.from.clone().unwrap_or_else(|| name.to_owned());
    let cloning = req.from.is_some();
    // A dry run changes nothing, recovery included: it only reports it.
    let recovery_pending =
        matches!(req.mode, Mode::InPlace) && req.dry_run && swap::pending(env.state_dir, name);
    // Files-only services restore at their own paths: their self-description
    // is only read when cloning (a `restic dump` process saved per service).
    let needs_description = cloning
        || !(service.sqlite.is_empty() && service.postgres.is_empty() && service.dumps.is_empty());
    let loc = match (early.as_ref(), description_dir) {
        (Some(e), Some(dir)) => snapshot_desc::read_restored(&e.pre, &dir, &snap.short_id)?,
        _ if needs_description => snapshot_desc::locate(restic, snap, &source)?,
        _ => None,
    };
    let planned = plan(
        service,
        name,
        loc.as_ref(),
        snap,
        cloning,
        manifest.services.get(&source),
    )?;
    let mode_name = match req.mode {
        Mode::InPlace => "in-place",
        Mode::Inspect(_) => "inspect",
        Mode::Scratch { .. } => "scratch",
    };
    let mut outcome = Outcome {
        service: name.to_owned(),
        from: source.clone(),
        snapshot: snap.id.clone(),
        snapshot_time: snap.time.clone(),
        mode: mode_name,
        dry_run: req.dry_run,
        recovery_pending,
        safety_snapshot: None,
        items: planned
            .iter()
            .map(|p| {
                let (target, action) = describe(p, &req.mode);
                let source = match p {
                    Planned::File { source, .. }
                    | Planned::Sqlite { source, .. }
                    | Planned::Postgres { source, .. }
                    | Planned::Dump { source, .. } => source.clone(),
                };
                Item {
                    kind: kind_of(p),
                    target,
                    source,
                    action,
                    verified: None,
                    detail: String::new(),
                }
            })
            .collect(),
        verified: false,
        duration_ms: 0,
        scratch_databases: Vec::new(),
        target_dir: match &req.mode {
            Mode::Inspect(d) | Mode::Scratch { dir: d, .. } => Some(d.display().to_string()),
            Mode::InPlace => None,
        },
        missing_roles: Vec::new(),
    };
    if planned.is_empty() {
        bail!("service `{name}` declares no data to restore");
    }
    if matches!(req.mode, Mode::InPlace) {
        refuse_unswappable(env, name, &planned)?;
        let patterns = super::backup::user_excludes(service);
        for (p, item) in planned.iter().zip(outcome.items.iter_mut()) {
            if let Planned::File { live, .. } = p {
                let kept = super::exclude::file_count(&kept_entries(service, live));
                if kept > 0 {
                    item.action = format!(
                        "{}; kept: {kept} files matching exclude patterns ({}) are carried over from the live tree",
                        item.action,
                        patterns.join(", ")
                    );
                }
            }
        }
    }
    if let Mode::Inspect(dir) | Mode::Scratch { dir, .. } = &req.mode {
        refuse_live_target(manifest, dir)?;
    }
    // Roles the dumps need, checked before the safety snapshot and staging
    // (a drill too: it restores as a restore would, and must fail where
    // that one would stop).
    if matches!(req.mode, Mode::InPlace | Mode::Scratch { .. }) {
        let mut needed = BTreeMap::new();
        for p in &planned {
            needed_roles(p, &mut needed);
        }
        if !needed.is_empty() {
            let names: Vec<String> = needed.keys().cloned().collect();
            match pg_of(manifest).missing_roles(&names) {
                Ok(missing) => {
                    outcome.missing_roles = missing
                        .into_iter()
                        .map(|name| MissingRole {
                            needed_for: needed.remove(&name).unwrap_or_default(),
                            name,
                        })
                        .collect();
                }
                Err(e) if req.dry_run => (env.progress)(&format!(
                    "{name}: cannot check the PostgreSQL roles the dumps need: {e:#}"
                )),
                Err(e) => {
                    return Err(e.context(format!(
                        "restore of `{name}`: cannot check the PostgreSQL roles the dumps need; nothing was changed"
                    )))
                }
            }
        }
        if !req.dry_run && !outcome.missing_roles.is_empty() {
            if matches!(req.mode, Mode::Scratch { .. }) {
                bail!(
                    "drill of `{name}`: a restore would stop here, nothing was restored: {}\nthen drill again",
                    outcome.missing_roles_text()
                );
            }
            bail!(
                "restore of `{name}` stopped before touching anything, nothing was changed: {}\nthen restore again",
                outcome.missing_roles_text()
            );
        }
    }
    if req.dry_run {
        outcome.duration_ms = own_time(started);
        return Ok(outcome);
    }
    match &req.mode {
        Mode::InPlace => {
            let replaced: Vec<String> = outcome.items.iter().map(|i| i.action.clone()).collect();
            if !(env.confirm)(&replaced)? {
                bail!("restore of `{name}` cancelled: nothing was changed");
            }
            in_place(
                env,
                req,
                restic,
                snap,
                service,
                &planned,
                &mut outcome,
                early.take(),
            )?;
        }
        Mode::Inspect(dir) => to_directory(env, restic, snap, &planned, dir, None, &mut outcome)?,
        Mode::Scratch { dir, db_suffix } => to_directory(
            env,
            restic,
            snap,
            &planned,
            dir,
            Some(db_suffix),
            &mut outcome,
        )?,
    }
    outcome.verified = outcome.items.iter().all(|i| i.verified != Some(false));
    outcome.duration_ms = own_time(started);
    Ok(outcome)
}
