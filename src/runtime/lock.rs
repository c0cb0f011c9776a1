//! Advisory file locks (per repository, per service) with a bounded wait.
//!
//! restic has its own repository lock, but two atelier runs on one host that
//! share a repository would only find out inside restic (and restic < 0.16
//! cannot wait for it). A local `flock` serialises them and says who holds it.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use fs4::fs_std::FileExt;

use super::terminal::ShowPath as _;

/// Held lock; released on drop.
#[derive(Debug)]
pub struct Lock {
    file: File,
    path: PathBuf,
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = FileExt::unlock(&self.file);
    }
}

impl Lock {
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// How long to wait for a lock: `ATELIER_LOCK_TIMEOUT` (humantime, e.g.
/// `30s`, `2h`), default 1 hour — long enough for another service's nightly
/// backup to the same repository, short enough to show a hang as failure.
pub fn default_timeout() -> Duration {
    std::env::var("ATELIER_LOCK_TIMEOUT")
        .ok()
        .and_then(|v| humantime::parse_duration(&v).ok())
        .unwrap_or(Duration::from_secs(3600))
}

/// Takes the exclusive lock `dir/<name>.lock`, waiting up to `timeout`.
/// `what` describes the holder ("run myapp") and is written into the file so
/// a waiting process can say who has it.
pub fn acquire(dir: &Path, name: &str, what: &str, timeout: Duration) -> anyhow::Result<Lock> {
    std::fs::create_dir_all(dir)
        .map_err(|e| anyhow::anyhow!("cannot create lock directory {}: {e}", dir.shown()))?;
    let path = dir.join(format!("{name}.lock"));
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(|e| anyhow::anyhow!("cannot open lock file {}: {e}", path.shown()))?;
    let start = Instant::now();
    loop {
        if file.try_lock_exclusive()? {
            file.set_len(0)?;
            file.rewind()?;
            let _ = write!(
                file,
                "pid {} `{what}` since {}",
                std::process::id(),
                chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            );
            let _ = file.flush();
            return Ok(Lock { file, path });
        }
        if start.elapsed() >= timeout {
            let mut holder = String::new();
            let _ = File::open(&path).and_then(|mut f| f.read_to_string(&mut holder));
            anyhow::bail!(
                "{what}: waited {} for the lock {} held by {}; another atelier-backup is working on it — try again when it has finished (ATELIER_LOCK_TIMEOUT sets the wait)",
                humantime::format_duration(Duration::from_secs(timeout.as_secs())),
                path.shown(),
                if holder.trim().is_empty() { "another process" } else { holder.trim() }
            );
        }
        // Polling a non-blocking flock: a blocking flock cannot time out.
        std::thread::sleep(Duration::from_millis(200));
    }
}
