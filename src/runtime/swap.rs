//! Crash-safe swap of staged data into live locations.
//!
//! Every in-place restore writes an intent journal to
//! `$ATELIER_STATE_DIR/restore-journal/<id>.json` *before* it touches live data
//! and updates its phase durably (write, fsync, rename, fsync dir):
//!
//! * `prepared`  — staged copies exist, nothing live touched: recovery discards them.
//! * `swapping`  — renames in progress (`live → backup`, `staged → live`, each atomic):
//!   recovery rolls every entry back, so the old data is complete again.
//! * `committed` — all new data is in place: recovery finishes the cleanup.
//!
//! Units stopped for the restore are recorded and started again by recovery.
//! `ATELIER_TEST_CRASH_AT=<step>` makes the process SIGKILL itself at a named
//! step (see [`crash_point`]) so tests can crash it deterministically.
// "SQLite" and "PostgreSQL" are names, not code.
#![allow(clippy::doc_markdown)]

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use serde::{Deserialize, Serialize};

use super::restore_pg::Pg;
use super::terminal::ShowPath as _;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    Prepared,
    Swapping,
    Committed,
}

/// One live path replaced by a staged one (`staged: None` = the live path is
/// removed, e.g. a stale SQLite `-wal`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FileSwap {
    pub live: PathBuf,
    pub staged: Option<PathBuf>,
    pub backup: PathBuf,
    pub had_live: bool,
    /// Inode of the staged copy: after a crash it tells whether the live path
    /// already holds the new data (renames keep inodes).
    #[serde(default)]
    pub staged_ino: Option<u64>,
}

fn ino(path: &Path) -> Option<u64> {
    use std::os::unix::fs::MetadataExt as _;
    path.symlink_metadata().ok().map(|m| m.ino())
}

/// Atomically exchanges two paths (Linux `renameat2(RENAME_EXCHANGE)`): the
/// live location always holds one complete version, old or new.
fn exchange(a: &Path, b: &Path) -> anyhow::Result<()> {
    nix::fcntl::renameat2(
        nix::fcntl::AT_FDCWD,
        a,
        nix::fcntl::AT_FDCWD,
        b,
        nix::fcntl::RenameFlags::RENAME_EXCHANGE,
    )
    .with_context(|| format!("cannot exchange {} and {}", a.shown(), b.shown()))
}

/// A database replaced by a fully restored staging database (renames).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DbSwap {
    pub db: String,
    pub staging_db: String,
    pub old_db: String,
    pub had_live: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Journal {
    pub id: String,
    pub service: String,
    pub snapshot: String,
    pub phase: Phase,
    pub files: Vec<FileSwap>,
    pub databases: Vec<DbSwap>,
    pub pg: Option<Pg>,
    /// Directories holding staged copies, removed at the end either way.
    pub staging_dirs: Vec<PathBuf>,
    pub units_stopped: Vec<String>,
    pub systemctl: String,
}

/// What recovery of an interrupted restore did.
#[derive(Debug, Clone, Serialize)]
pub struct Recovered {
    pub service: String,
    pub snapshot: String,
    pub outcome: &'static str,
    pub units_started: Vec<String>,
}

pub fn journal_dir(state_dir: &Path) -> PathBuf {
    state_dir.join("restore-journal")
}

/// Kills the process with SIGKILL when `ATELIER_TEST_CRASH_AT` names `step`.
/// Steps: `after-safety-snapshot`, `after-stage`, `after-units-stopped`,
/// `mid-swap` (after the first rename of live data), `after-swap` (all renamed,
/// not committed), `after-commit` (committed, old data not yet removed).
pub fn crash_point(step: &str) {
    if std::env::var("ATELIER_TEST_CRASH_AT").is_ok_and(|s| s == step) {
        let _ = nix::sys::signal::raise(nix::sys::signal::Signal::SIGKILL);
        std::process::abort();
    }
}

fn fsync_dir(dir: &Path) {
    if let Ok(f) = std::fs::File::open(dir) {
        let _ = f.sync_all();
    }
}

impl Journal {
    pub fn path(&self, state_dir: &Path) -> PathBuf {
        journal_dir(state_dir).join(format!("{}.json", self.id))
    }

    /// Durable write: temp file, fsync, rename, fsync of the directory.
    pub fn save(&self, state_dir: &Path) -> anyhow::Result<()> {
        use std::io::Write as _;
        let dir = journal_dir(state_dir);
        std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.shown()))?;
        let path = self.path(state_dir);
        let tmp = dir.join(format!(".{}.tmp", self.id));
        let mut f =
            std::fs::File::create(&tmp).with_context(|| format!("cannot write {}", tmp.shown()))?;
        f.write_all(serde_json::to_string_pretty(self)?.as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, &path)?;
        fsync_dir(&dir);
        Ok(())
    }

    pub fn set_phase(&mut self, state_dir: &Path, phase: Phase) -> anyhow::Result<()> {
        self.phase = phase;
        self.save(state_dir)
    }

    pub fn remove(&self, state_dir: &Path) {
        let _ = std::fs::remove_file(self.path(state_dir));
        fsync_dir(&journal_dir(state_dir));
    }

    /// Performs the swap: files first, then databases. Each step is atomic;
    /// a crash in between is undone by [`Journal::rollback`].
    pub fn swap(&mut self, state_dir: &Path) -> anyhow::Result<()> {
        self.set_phase(state_dir, Phase::Swapping)?;
        let mut first = true;
        // Side files to remove (stale SQLite -wal/-shm) go first, so the new
        // database never meets the old WAL.
        let order: Vec<&FileSwap> = self
            .files
            .iter()
            .filter(|f| f.staged.is_none())
            .chain(self.files.iter().filter(|f| f.staged.is_some()))
            .collect();
        for f in order {
            let live_exists = f.live.symlink_metadata().is_ok();
            match &f.staged {
                None => {
                    if live_exists {
                        std::fs::rename(&f.live, &f.backup)
                            .with_context(|| format!("cannot move {} aside", f.live.shown()))?;
                    }
                }
                Some(staged) => {
                    if live_exists {
                        exchange(staged, &f.live)?;
                        if first {
                            crash_point("mid-swap");
                            first = false;
                        }
                        // The staged path now holds the old data: keep it as the backup.
                        std::fs::rename(staged, &f.backup)?;
                    } else {
                        if let Some(parent) = f.live.parent() {
                            std::fs::create_dir_all(parent)?;
                        }
                        std::fs::rename(staged, &f.live).with_context(|| {
                            format!(
                                "cannot move the restored copy {} into {}",
                                staged.shown(),
                                f.live.shown()
                            )
                        })?;
                    }
                }
            }
            if let Some(parent) = f.live.parent() {
                fsync_dir(parent);
            }
        }
        if let Some(pg) = &self.pg {
            for d in &self.databases {
                if d.had_live && pg.exists(&d.db)? {
                    pg.rename(&d.db, &d.old_db)?;
                    if first {
                        crash_point("mid-swap");
                        first = false;
                    }
                }
                pg.rename(&d.staging_db, &d.db)?;
            }
        }
        crash_point("after-swap");
        Ok(())
    }

    /// Makes the new data permanent and removes the old copies.
    pub fn commit(&mut self, state_dir: &Path) -> anyhow::Result<()> {
        self.set_phase(state_dir, Phase::Committed)?;
        crash_point("after-commit");
        self.finish_cleanup();
        Ok(())
    }

    fn finish_cleanup(&self) {
        for f in &self.files {
            remove_any(&f.backup);
        }
        if let Some(pg) = &self.pg {
            for d in &self.databases {
                let _ = pg.drop_if_exists(&d.old_db);
                let _ = pg.drop_if_exists(&d.staging_db);
            }
        }
        for d in &self.staging_dirs {
            remove_any(d);
        }
    }

    /// Puts the old data back, whatever step was interrupted. Idempotent.
    pub fn rollback(&self) -> anyhow::Result<()> {
        let mut errors = Vec::new();
        if let Some(pg) = &self.pg {
            for d in self.databases.iter().rev() {
                let r = (|| -> anyhow::Result<()> {
                    if pg.exists(&d.old_db)? {
                        pg.drop_if_exists(&d.db)?;
                        pg.rename(&d.old_db, &d.db)?;
                    } else if !d.had_live && !pg.exists(&d.staging_db)? {
                        // the staging database was renamed into place: it is the new one
                        pg.drop_if_exists(&d.db)?;
                    }
                    pg.drop_if_exists(&d.staging_db)?;
                    Ok(())
                })();
                if let Err(e) = r {
                    errors.push(format!("database {}: {e:#}", d.db));
                }
            }
        }
        for f in self.files.iter().rev() {
            let r = (|| -> anyhow::Result<()> {
                match &f.staged {
                    None => {
                        if f.backup.symlink_metadata().is_ok() {
                            remove_any(&f.live);
                            std::fs::rename(&f.backup, &f.live)?;
                        }
                    }
                    Some(staged) => {
                        let live_is_new = f.staged_ino.is_some() && ino(&f.live) == f.staged_ino;
                        if live_is_new {
                            // The old data is at the backup, or still at the staged path
                            // when the crash came between the exchange and the rename.
                            let old = [&f.backup, staged]
                                .into_iter()
                                .find(|p| p.symlink_metadata().is_ok());
                            match old {
                                Some(old) if f.had_live => {
                                    exchange(old, &f.live)?;
                                    remove_any(old);
                                }
                                _ => remove_any(&f.live),
                            }
                        } else if f.backup.symlink_metadata().is_ok()
                            && f.live.symlink_metadata().is_err()
                        {
                            std::fs::rename(&f.backup, &f.live)?;
                        }
                        remove_any(&f.backup);
                    }
                }
                if let Some(parent) = f.live.parent() {
                    fsync_dir(parent);
                }
                Ok(())
            })();
            if let Err(e) = r {
                errors.push(format!("{}: {e:#}", f.live.shown()));
            }
        }
        for d in &self.staging_dirs {
            remove_any(d);
        }
        if errors.is_empty() {
            Ok(())
        } else {
            anyhow::bail!("rollback incomplete: {}", errors.join("; "))
        }
    }

    pub fn start_units(&self) -> Vec<String> {
        if self.units_stopped.is_empty() {
            return Vec::new();
        }
        let _ = super::restore::systemctl(&self.systemctl, "start", &self.units_stopped);
        self.units_stopped.clone()
    }
}

pub fn remove_any(path: &Path) {
    match path.symlink_metadata() {
        Ok(m) if m.is_dir() => {
            let _ = std::fs::remove_dir_all(path);
        }
        Ok(_) => {
            let _ = std::fs::remove_file(path);
        }
        Err(_) => {}
    }
}

/// Whether an interrupted restore of `service` awaits recovery (a backup
/// taken now could capture a half-swapped state).
pub fn pending(state_dir: &Path, service: &str) -> bool {
    std::fs::read_dir(journal_dir(state_dir)).is_ok_and(|rd| {
        rd.filter_map(Result::ok)
            .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
            .filter_map(|e| std::fs::read(e.path()).ok())
            .filter_map(|b| serde_json::from_slice::<Journal>(&b).ok())
            .any(|j| j.service == service)
    })
}

/// Finishes or undoes every interrupted restore found in the state dir
/// (optionally only those of `service`). Reports what it did on stderr.
pub fn recover(state_dir: &Path, service: Option<&str>) -> anyhow::Result<Vec<Recovered>> {
    let dir = journal_dir(state_dir);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(Vec::new());
    };
    let mut done = Vec::new();
    let mut paths: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    for path in paths {
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            // Another dr job's restore finished and removed its journal
            // since the listing: nothing to recover there.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => {
                return Err(anyhow::Error::new(e)
                    .context(format!("cannot read restore journal {}", path.shown())))
            }
        };
        let journal: Journal = serde_json::from_str(&text).with_context(|| {
            format!(
                "unreadable restore journal {}: inspect it and remove it by hand",
                path.shown()
            )
        })?;
        if service.is_some_and(|s| s != journal.service) {
            continue;
        }
        let outcome = match journal.phase {
            Phase::Prepared => {
                journal.rollback()?;
                "discarded the staged copy; live data was never touched"
            }
            Phase::Swapping => {
                journal.rollback().with_context(|| {
                    format!(
                        "an interrupted restore of `{}` could not be rolled back; journal kept at {}",
                        journal.service,
                        path.shown()
                    )
                })?;
                "rolled back to the data from before the restore"
            }
            Phase::Committed => {
                journal.finish_cleanup();
                "completed: the restored data is in place"
            }
        };
        let units_started = journal.start_units();
        journal.remove(state_dir);
        eprintln!(
            "recovered an interrupted restore of `{}` (snapshot {}): {outcome}{}",
            journal.service,
            journal.snapshot,
            if units_started.is_empty() {
                String::new()
            } else {
                format!("; started {}", units_started.join(", "))
            }
        );
        done.push(Recovered {
            service: journal.service.clone(),
            snapshot: journal.snapshot.clone(),
            outcome,
            units_started,
        });
    }
    Ok(done)
}
