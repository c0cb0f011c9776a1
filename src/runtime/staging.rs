//! The staging directory of a service, `ATELIER_STATE_DIR/staging/<service>/`:
//! database copies, dumps and the self-description are written here, backed
//! up together with the service's files, and removed afterwards.

use std::path::{Path, PathBuf};

use super::terminal::human_bytes;
use super::terminal::ShowPath as _;

/// The staging directory of `service`.
pub fn dir(state_dir: &Path, service: &str) -> PathBuf {
    state_dir.join("staging").join(service)
}

/// A freshly created, empty staging directory; removed on drop.
#[derive(Debug)]
pub struct Staging {
    path: PathBuf,
}

impl Staging {
    /// Creates `state_dir/staging/<service>` (mode 0700: it holds database
    /// contents), removing leftovers of an interrupted run.
    pub fn create(state_dir: &Path, service: &str) -> anyhow::Result<Self> {
        let path = dir(state_dir, service);
        if path.exists() {
            std::fs::remove_dir_all(&path)
                .map_err(|e| anyhow::anyhow!("cannot clear old staging {}: {e}", path.shown()))?;
        }
        std::fs::create_dir_all(&path)
            .map_err(|e| anyhow::anyhow!("cannot create staging {}: {e}", path.shown()))?;
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o700))?;
            if let Some(parent) = path.parent() {
                std::fs::set_permissions(parent, std::fs::Permissions::from_mode(0o700))?;
            }
        }
        Ok(Self { path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// `err` unchanged, unless it says the staging filesystem is full: then
    /// an error that names the staging directory, the room it has, what the
    /// copies need (`databases`: the SQLite files being staged) and what to
    /// do, with `err` as its cause.
    pub fn explain(&self, err: anyhow::Error, databases: &[String]) -> anyhow::Error {
        if !is_no_space(&err) {
            return err;
        }
        // `<state>/staging` (the outermost one: a restore's safety capture
        // stages under `<state>/staging/<name>.capture-<pid>/staging/`).
        let root = self
            .path
            .ancestors()
            .skip(1)
            .filter(|a| a.file_name().is_some_and(|n| n == "staging"))
            .last()
            .or_else(|| self.path.parent())
            .unwrap_or(&self.path);
        let room = match space(root) {
            Some((avail, total)) => format!(
                "{} free of {} on that filesystem",
                human_bytes(avail),
                human_bytes(total)
            ),
            None => "free space unknown".to_owned(),
        };
        let need: u64 = databases
            .iter()
            .flat_map(|db| [db.clone(), format!("{db}-wal")])
            .filter_map(|p| std::fs::metadata(p).ok())
            .map(|m| m.len())
            .sum();
        let need = if need > 0 {
            format!("; its SQLite copies alone need about {}", human_bytes(need))
        } else {
            String::new()
        };
        let msg = format!(
            "no space left in the staging directory {} ({room}{need}): staging holds a full copy of every database and dump of the service before restic reads it. Free space on that filesystem, or give {} more room (mount a larger filesystem there, or set ATELIER_STATE_DIR to a directory on one), then run again. No snapshot was taken; the live data was not changed",
            self.path.shown(),
            root.shown(),
        );
        err.context(msg)
    }

    /// `staging/<sub>`, created.
    pub fn subdir(&self, sub: &str) -> anyhow::Result<PathBuf> {
        let p = self.path.join(sub);
        std::fs::create_dir_all(&p)
            .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", p.shown()))?;
        Ok(p)
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// Whether `err` (or one of its causes) says a filesystem is full: `ENOSPC`,
/// SQLite's `SQLITE_FULL`, or the message a tool printed for either.
pub fn is_no_space(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            if io.raw_os_error() == Some(nix::libc::ENOSPC)
                || io.kind() == std::io::ErrorKind::StorageFull
            {
                return true;
            }
        }
        if let Some(e) = cause.downcast_ref::<rusqlite::Error>() {
            if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DiskFull) {
                return true;
            }
        }
        let text = cause.to_string();
        text.contains("No space left on device") || text.contains("database or disk is full")
    })
}

/// (available, total) bytes of the filesystem holding `path`.
fn space(path: &Path) -> Option<(u64, u64)> {
    let st = nix::sys::statvfs::statvfs(path).ok()?;
    let frag = st.fragment_size();
    Some((
        st.blocks_available().saturating_mul(frag),
        st.blocks().saturating_mul(frag),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_space_is_recognised_through_context() {
        let io = std::io::Error::from_raw_os_error(nix::libc::ENOSPC);
        let e = anyhow::Error::new(io).context("writing x");
        assert!(is_no_space(&e));
        let e = anyhow::anyhow!("copying /a.db failed: database or disk is full").context("svc");
        assert!(is_no_space(&e));
        assert!(!is_no_space(&anyhow::anyhow!("database is locked")));
    }
}
