//! The in-place restore: stage, verify, stop units, swap (journaled), dumps'
//! restoreCmd, commit, start units.

use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _};

use super::directory::scratch_db_name;
use super::fetch::{record_staging, restore_together, staging_beside, take};
use super::host::{chown_like, chown_tree, is_active, shell, systemctl, user_ids};
use super::planning::{kept_entries, side, Planned};
use super::safety::{has_live_data, safety_snapshot};
use super::verify::{count_files, verify_files, verify_sqlite};
use super::{pg_of, Env, Outcome, Request};
use crate::plan::Service;
use crate::runtime::restore_restic::{Restic, Snapshot};
use crate::runtime::swap::{self, crash_point, DbSwap, FileSwap, Journal, Phase};
use crate::runtime::terminal::ShowPath as _;

fn token() -> String {
    format!(
        "{}-{}",
        chrono::Utc::now().format("%Y%m%dT%H%M%S"),
        std::process::id()
    )
}

/// The atomic exchange needs the staged copy on the live path's filesystem;
/// a location that is itself a mount point cannot be swapped.
fn same_filesystem(live: &Path, staged: &Path) -> anyhow::Result<()> {
    if let (Ok(l), Ok(s)) = (
        std::fs::symlink_metadata(live),
        std::fs::symlink_metadata(staged),
    ) {
        if l.dev() != s.dev() {
            bail!(
                "{} is a mount point (another filesystem than its parent directory), so it cannot be swapped atomically; restore with --inspect DIR and copy the data in, or declare the directories inside it as the files locations",
                live.shown()
            );
        }
    }
    Ok(())
}

/// A restore's journal (saved before anything is staged), its token and
/// its private directory under the state directory.
pub(super) struct Staging {
    journal: Journal,
    tok: String,
    tmp_dir: PathBuf,
}

impl Staging {
    fn new(env: &Env, name: &str, snapshot_id: &str, service: &Service) -> Self {
        // The service name keeps parallel dr jobs sharing a parent directory apart.
        let tok = format!("{name}-{}", token());
        let mut journal = Journal {
            id: tok.clone(),
            service: name.to_owned(),
            snapshot: snapshot_id.to_owned(),
            phase: Phase::Prepared,
            files: Vec::new(),
            databases: Vec::new(),
            pg: if service.postgres.is_empty() {
                None
            } else {
                Some(pg_of(env.manifest))
            },
            staging_dirs: Vec::new(),
            units_stopped: Vec::new(),
            systemctl: env.systemctl.to_owned(),
        };
        let tmp_dir = env.state_dir.join("restore-tmp").join(&journal.id);
        journal.staging_dirs.push(tmp_dir.clone());
        Self {
            journal,
            tok,
            tmp_dir,
        }
    }
}

/// The whole snapshot of an in-place restore, restored into staging before
/// planning (`dr`): its files, database copies and self-description come
/// from one `restic restore`, so the description costs no `restic dump`.
pub(super) struct Early {
    staging: Staging,
    /// Where the snapshot was restored: a snapshot path `P` is at `pre/P`.
    pub(super) pre: PathBuf,
    /// The number of regular files restored, equal to the one restic's
    /// backup summary records in the snapshot (restic 0.17+); `None` when
    /// the snapshot has no summary (each files location is then checked
    /// against the snapshot's listing).
    pub(super) files_checked: Option<u64>,
    /// The snapshot id restic said it restored, for a [`Whole::Latest`]
    /// restore not yet confirmed.
    restored: Option<String>,
}

impl Early {
    /// Removes what was staged and the journal: nothing live was touched.
    pub(super) fn discard(self, env: &Env) {
        let _ = self.staging.journal.rollback();
        self.staging.journal.remove(env.state_dir);
    }
}

/// What [`stage_whole_snapshot`] restores.
pub(super) enum Whole<'a> {
    /// A snapshot resolved from the repository's listing.
    Snapshot(&'a Snapshot),
    /// The latest snapshot of `host` carrying `tag`, as restic resolves
    /// `latest` itself (dr, while its listing still runs in the background):
    /// taken only once [`Early::confirm`] finds it is the snapshot the
    /// listing resolves.
    Latest { host: &'a str, tag: String },
}

impl Early {
    /// For a [`Whole::Latest`] restore: whether restic restored `snap`, the
    /// snapshot resolved from the listing; if so it becomes this staging's
    /// snapshot and is counted as [`stage_whole_snapshot`] counts a resolved
    /// one (an error when the count differs: the caller discards the
    /// staging, live data untouched).
    pub(super) fn confirm(&mut self, env: &Env, snap: &Snapshot) -> anyhow::Result<bool> {
        let Some(id) = self.restored.take() else {
            return Ok(false);
        };
        if !snap.id.starts_with(&id) {
            return Ok(false);
        }
        self.staging.journal.snapshot.clone_from(&snap.id);
        self.staging.journal.save(env.state_dir)?;
        self.files_checked = count_against_summary(&self.pre, snap)?;
        Ok(true)
    }
}

/// Restores every path of a snapshot with one `restic restore` into the
/// staging directory the first item of the plan would use (beside the first
/// files location, else the first SQLite database, else the restore's
/// directory in the state directory), with the journal saved first so a
/// crash leaves nothing unexplained. When the snapshot records restic's
/// backup summary, the restored regular files must be exactly as many
/// (for [`Whole::Latest`], in [`Early::confirm`]).
pub(super) fn stage_whole_snapshot(
    env: &Env,
    restic: &Restic,
    which: &Whole,
    name: &str,
    service: &Service,
) -> anyhow::Result<Early> {
    let snapshot_id = match which {
        Whole::Snapshot(snap) => snap.id.as_str(),
        Whole::Latest { .. } => "latest",
    };
    let mut staging = Staging::new(env, name, snapshot_id, service);
    let restored = (|| -> anyhow::Result<(PathBuf, Option<u64>, Option<String>)> {
        staging.journal.save(env.state_dir)?;
        let (dir, stage) = if let Some(first) = service.files.first() {
            let parent = Path::new(first)
                .parent()
                .context("a files location must not be /")?;
            let stage = staging_beside(parent, &staging.tok);
            (stage.clone(), stage)
        } else if let Some(first) = service.sqlite.first() {
            let parent = Path::new(first)
                .parent()
                .context("a SQLite path must have a directory")?;
            let stage = staging_beside(parent, &staging.tok);
            (stage.join("fetch"), stage)
        } else {
            (staging.tmp_dir.clone(), staging.tmp_dir.clone())
        };
        record_staging(&mut staging.journal, env, &stage)?;
        std::fs::create_dir_all(&dir)?;
        match which {
            Whole::Snapshot(snap) => {
                (env.progress)(&format!(
                    "{name}: restoring snapshot {} ({} paths) into staging with one restic restore",
                    snap.short_id,
                    snap.paths.len()
                ));
                restic.restore(&snap.id, &dir, &snap.paths)?;
                crash_point("after-whole-snapshot");
                let files = count_against_summary(&dir, snap)?;
                Ok((dir, files, None))
            }
            Whole::Latest { host, tag } => {
                (env.progress)(&format!(
                    "{name}: restoring its latest snapshot into staging with one restic restore while the repository is listed"
                ));
                let id = restic.restore_latest(host, tag, &dir)?;
                crash_point("after-whole-snapshot");
                Ok((dir, None, id))
            }
        }
    })();
    match restored {
        Ok((pre, files_checked, restored)) => Ok(Early {
            staging,
            pre,
            files_checked,
            restored,
        }),
        Err(e) => {
            let _ = staging.journal.rollback();
            staging.journal.remove(env.state_dir);
            Err(e)
        }
    }
}

/// The regular files restored below `dir`, which must be as many as
/// restic's backup summary in `snap` records (`None`: the snapshot has no
/// summary, restic before 0.17).
fn count_against_summary(dir: &Path, snap: &Snapshot) -> anyhow::Result<Option<u64>> {
    let Some(want) = snap.files else {
        return Ok(None);
    };
    let got = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .count() as u64;
    if got != want {
        bail!(
            "verification of the restored snapshot {} failed: it holds {got} regular files, restic's backup summary {want}; live data untouched",
            snap.short_id
        );
    }
    Ok(Some(want))
}

// The restore's request, its resolved snapshot and plan, and what dr
// already staged: one call site (mod.rs), no struct would be used twice.
#[allow(clippy::too_many_arguments)]
pub(super) fn in_place(
    env: &Env,
    req: &Request,
    restic: &Restic,
    snap: &Snapshot,
    service: &Service,
    planned: &[Planned],
    outcome: &mut Outcome,
    early: Option<Early>,
) -> anyhow::Result<()> {
    let name = req.service.as_str();
    let pg = pg_of(env.manifest);
    if req.safety_snapshot {
        if let Err(e) = take_safety_snapshot(env, restic, name, service, outcome) {
            if let Some(early) = early {
                early.discard(env);
            }
            return Err(e);
        }
    }
    crash_point("after-safety-snapshot");
    let early_pre = early.as_ref().map(|e| e.pre.clone());
    let summary_checked = early.as_ref().and_then(|e| e.files_checked);
    let Staging {
        mut journal,
        tok,
        tmp_dir,
    } = match early {
        Some(e) => e.staging,
        None => Staging::new(env, name, &snap.id, service),
    };
    let short: String = snap.short_id.chars().take(8).collect();
    let (svc_uid, svc_gid) = user_ids(service, name);
    let mut dumps_to_feed: Vec<(String, PathBuf, String, Option<String>)> = Vec::new();
    // (live, staged) files locations: the excluded live files go along.
    let mut carry: Vec<(PathBuf, PathBuf)> = Vec::new();

    // Stage and verify; on any error, discard what was staged: nothing live changed.
    let staged = (|| -> anyhow::Result<()> {
        // The journal exists before any staging so a crash leaves nothing behind unexplained.
        journal.save(env.state_dir)?;
        let pre = match early_pre {
            Some(pre) => Some(pre),
            None => restore_together(restic, snap, planned, &tok, &tmp_dir, &mut journal, env)?,
        };
        let pre = pre.as_deref();
        for (p, item) in planned.iter().zip(outcome.items.iter_mut()) {
            match p {
                Planned::File { source, live } => {
                    let parent = live.parent().context("a files location must not be /")?;
                    std::fs::create_dir_all(parent)?;
                    let stage = staging_beside(parent, &tok);
                    record_staging(&mut journal, env, &stage)?;
                    (env.progress)(&format!("restoring {} into staging", live.shown()));
                    let got = take(restic, snap, source, &stage, pre)?;
                    same_filesystem(live, &got)?;
                    if req.from.is_some() {
                        chown_tree(&got, svc_uid, svc_gid)?;
                    }
                    item.detail = match summary_checked {
                        // The whole snapshot was restored and counted against
                        // restic's backup summary (see `stage_whole_snapshot`).
                        Some(n) => format!(
                            "{} files; the restored snapshot's {n} regular files match restic's backup summary",
                            count_files(&got)
                        ),
                        None => verify_files(restic, snap, source, &got).with_context(|| {
                            format!(
                                "verification of the restored copy of {} failed; live data untouched",
                                live.shown()
                            )
                        })?,
                    };
                    item.verified = Some(true);
                    carry.push((live.clone(), got.clone()));
                    let base = live
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    journal.files.push(FileSwap {
                        live: live.clone(),
                        backup: parent.join(format!(".atelier-old-{tok}-{base}")),
                        had_live: live.symlink_metadata().is_ok(),
                        staged_ino: Some(std::fs::symlink_metadata(&got)?.ino()),
                        staged: Some(got),
                    });
                }
                Planned::Sqlite {
                    source,
                    live,
                    owner,
                } => {
                    let parent = live
                        .parent()
                        .context("a SQLite path must have a directory")?;
                    std::fs::create_dir_all(parent)?;
                    let stage = staging_beside(parent, &tok);
                    record_staging(&mut journal, env, &stage)?;
                    (env.progress)(&format!("restoring {} into staging", live.shown()));
                    let got = take(restic, snap, source, &stage.join("fetch"), pre)?;
                    let base = live
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    let staged_file = stage.join(&base);
                    std::fs::rename(&got, &staged_file)?;
                    (env.progress)(&format!("verifying {}", live.shown()));
                    item.detail =
                        verify_sqlite(&staged_file, Some(env.state_dir)).with_context(|| {
                            format!(
                            "verification of the restored copy of {} failed; live data untouched",
                            live.shown()
                        )
                        })?;
                    item.verified = Some(true);
                    for s in ["-wal", "-shm", "-journal"] {
                        swap::remove_any(&side(&staged_file, s));
                    }
                    // Ownership and mode: the live file's, else the recorded ones, else the service user's.
                    let (uid, gid, mode) = match std::fs::metadata(live) {
                        Ok(md) => (Some(md.uid()), Some(md.gid()), Some(md.mode() & 0o7777)),
                        Err(_) if req.from.is_none() => {
                            (owner.0.or(svc_uid), owner.1.or(svc_gid), owner.2)
                        }
                        Err(_) => (svc_uid, svc_gid, owner.2),
                    };
                    chown_like(&staged_file, uid, gid, mode)?;
                    journal.files.push(FileSwap {
                        live: live.clone(),
                        backup: parent.join(format!(".atelier-old-{tok}-{base}")),
                        had_live: live.symlink_metadata().is_ok(),
                        staged_ino: Some(std::fs::symlink_metadata(&staged_file)?.ino()),
                        staged: Some(staged_file),
                    });
                    for s in ["-wal", "-shm", "-journal"] {
                        let l = side(live, s);
                        if l.symlink_metadata().is_ok() {
                            journal.files.push(FileSwap {
                                live: l,
                                staged: None,
                                backup: parent.join(format!(".atelier-old-{tok}-{base}{s}")),
                                had_live: true,
                                staged_ino: None,
                            });
                        }
                    }
                }
                Planned::Postgres {
                    source,
                    db,
                    create,
                    options,
                    state,
                    cloning,
                } => {
                    (env.progress)(&format!("restoring the dump of {db}"));
                    let dump = take(restic, snap, source, &tmp_dir, pre)?;
                    let n = pg.list_dump(&dump).with_context(|| {
                        format!("verification of the dump of {db} failed; live data untouched")
                    })?;
                    let staging_db = scratch_db_name(db, &format!("__atelier_new_{short}"));
                    let old_db = scratch_db_name(db, &format!("__atelier_old_{short}"));
                    pg.drop_if_exists(&staging_db)?;
                    // The staging database is created with the create options, so the
                    // rename gives exactly "dropped and recreated with its options".
                    let opts = if *create {
                        options.clone()
                    } else {
                        BTreeMap::new()
                    };
                    journal.databases.push(DbSwap {
                        db: db.clone(),
                        staging_db: staging_db.clone(),
                        old_db,
                        had_live: pg.exists(db)?,
                    });
                    journal.save(env.state_dir)?;
                    pg.create(&staging_db, &opts)?;
                    let owner = opts
                        .iter()
                        .find(|(k, _)| k.eq_ignore_ascii_case("owner"))
                        .map(|(_, v)| v.as_str());
                    pg.restore_dump(&dump, &staging_db, owner)
                        .with_context(|| {
                            format!("pg_restore of {db} into staging failed; live data untouched")
                        })?;
                    let tables = pg.table_count(&staging_db)?;
                    if let Some(st) = state {
                        // The rename into place keeps all of it (it is keyed by the database).
                        pg.apply_database_state(&staging_db, st, !*cloning && owner.is_none(), &opts)
                            .with_context(|| {
                                format!("giving the restored {db} its recorded privileges, settings and comment failed; live data untouched")
                            })?;
                    }
                    item.verified = Some(true);
                    item.detail =
                        format!("pg_restore --list: {n} entries; {tables} tables restored");
                }
                Planned::Dump {
                    source,
                    name: dname,
                    restore_cmd,
                    user,
                } => {
                    let dump = take(restic, snap, source, &tmp_dir, pre)?;
                    let len = std::fs::metadata(&dump)?.len();
                    if let Some(u) = user.as_deref() {
                        if let Some(uu) = nix::unistd::User::from_name(u).ok().flatten() {
                            let _ = nix::unistd::chown(&dump, Some(uu.uid), None);
                            let _ = nix::unistd::chown(&tmp_dir, Some(uu.uid), None);
                        }
                    }
                    item.verified = Some(true);
                    item.detail = format!("{len} bytes");
                    dumps_to_feed.push((dname.clone(), dump, restore_cmd.clone(), user.clone()));
                }
            }
        }
        journal.save(env.state_dir)?;
        Ok(())
    })();
    if let Err(e) = staged {
        let _ = journal.rollback();
        journal.remove(env.state_dir);
        return Err(e);
    }
    crash_point("after-stage");
    let waiting = std::time::Instant::now();
    (env.go_live)(name);
    super::waited(waiting.elapsed());

    // Live part: stop units (the journal records it so a crash restarts them).
    let mut units: Vec<String> = service.units.clone();
    for db in &service.postgres {
        for u in &db.stop_on_restore {
            if !units.contains(u) {
                units.push(u.clone());
            }
        }
    }
    let hook_env = vec![
        ("ATELIER_SERVICE".to_owned(), name.to_owned()),
        ("ATELIER_SNAPSHOT".to_owned(), snap.id.clone()),
    ];
    // Only running units are stopped and started again, unless dr brings all up.
    let running: Vec<String> = units
        .iter()
        .filter(|u| is_active(env.systemctl, u))
        .cloned()
        .collect();
    let to_stop = running.clone();
    let units = if req.start_all_units { units } else { running };
    (env.progress)(&format!(
        "{name}: stopping {}",
        if to_stop.is_empty() {
            "no units (none running)".into()
        } else {
            to_stop.join(", ")
        }
    ));
    journal.units_stopped.clone_from(&units);
    journal.save(env.state_dir)?;
    let live_result = (|| -> anyhow::Result<()> {
        systemctl(env.systemctl, "stop", &to_stop)?;
        crash_point("after-units-stopped");
        if let Some(h) = &service.hooks.pre_restore {
            shell(
                h,
                None,
                None,
                &hook_env,
                &format!("preRestore hook of `{name}`"),
            )?;
        }
        // With the units stopped, the excluded files are final: they join
        // the restored tree (the live tree is only read).
        for (live, staged) in &carry {
            let kept =
                crate::runtime::exclude::carry_over(live, staged, &kept_entries(service, live))
                    .with_context(|| {
                        format!(
                            "cannot carry the files excluded from backups over from {}",
                            live.shown()
                        )
                    })?;
            if kept > 0 {
                (env.progress)(&format!(
                    "{name}: kept {kept} files matching exclude patterns from {}",
                    live.shown()
                ));
            }
        }
        (env.progress)(&format!("{name}: swapping the restored data in"));
        journal.swap(env.state_dir)?;
        for (dname, file, cmd, user) in &dumps_to_feed {
            (env.progress)(&format!("{name}: feeding dump `{dname}` to its restoreCmd"));
            shell(
                cmd,
                user.as_deref(),
                Some(file),
                &hook_env,
                &format!("restoreCmd of dump `{dname}`"),
            )?;
        }
        journal.commit(env.state_dir)?;
        Ok(())
    })();
    if let Err(e) = &live_result {
        (env.progress)(&format!("{name}: {e:#}; rolling back"));
        if let Err(rb) = journal.rollback() {
            let _ = post_and_start(env, service, name, &units, &hook_env);
            return Err(anyhow::anyhow!(
                "restore of `{name}` failed: {e:#}; rollback also failed: {rb:#}; the journal is kept at {}; run `atelier-backup restore {name} --in-place` again to retry recovery",
                journal.path(env.state_dir).shown()
            ));
        }
    }
    journal.remove(env.state_dir);
    let post = post_and_start(env, service, name, &units, &hook_env);
    if let Err(e) = live_result {
        let dumps_note = if dumps_to_feed.is_empty() {
            ""
        } else {
            " (a dump's restoreCmd may already have changed its target)"
        };
        return Err(e.context(format!(
            "restore of `{name}` failed and was rolled back: the old data is in place{dumps_note}"
        )));
    }
    post?;
    Ok(())
}

/// The `pre-restore` safety snapshot of what is live (none on a blank machine).
fn take_safety_snapshot(
    env: &Env,
    restic: &Restic,
    name: &str,
    service: &Service,
    outcome: &mut Outcome,
) -> anyhow::Result<()> {
    (env.progress)(&format!("{name}: taking the pre-restore safety snapshot"));
    let repo_lock = crate::runtime::lock::acquire(
        &env.state_dir.join("locks"),
        &format!("repository-{}", restic.name),
        &format!("pre-restore snapshot of {name}"),
        crate::runtime::lock::default_timeout(),
    )?;
    let taken = safety_snapshot(env, restic, name, service);
    drop(repo_lock);
    match taken {
        Ok(id) => outcome.safety_snapshot = id,
        // A blank machine (disaster recovery): nothing live to save, e.g. a
        // dump's backupCmd has nothing to read yet.
        Err(e) if !has_live_data(env, service) => {
            (env.progress)(&format!("{name}: no live data, no safety snapshot ({e:#})"));
        }
        Err(e) => {
            return Err(e.context(format!(
                "restore of `{name}` stopped before touching live data: the safety snapshot failed"
            )))
        }
    }
    Ok(())
}

fn post_and_start(
    env: &Env,
    service: &Service,
    name: &str,
    units: &[String],
    hook_env: &[(String, String)],
) -> anyhow::Result<()> {
    let hook = match &service.hooks.post_restore {
        Some(h) => shell(
            h,
            None,
            None,
            hook_env,
            &format!("postRestore hook of `{name}`"),
        ),
        None => Ok(()),
    };
    (env.progress)(&format!(
        "{name}: starting {}",
        if units.is_empty() {
            "no units".into()
        } else {
            units.join(", ")
        }
    ));
    let start = systemctl(env.systemctl, "start", units);
    hook.and(start)
}
