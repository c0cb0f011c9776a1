//! Repository locks: removing the locks that restic processes of this host
//! left when they died, and how often a locked repository is retried.

use std::ffi::OsString;

use serde::Deserialize;

use super::Restic;

/// A restic lock file (`restic cat lock ID`).
#[derive(Debug, Deserialize)]
struct LockFile {
    time: chrono::DateTime<chrono::Utc>,
    #[serde(default)]
    exclusive: bool,
    #[serde(default)]
    hostname: String,
    #[serde(default)]
    pid: i32,
}

/// The host name restic writes into its locks (`os.Hostname()`).
fn local_hostname() -> Option<String> {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
}

/// Does process `pid` of this host run, and could it be the one that took a
/// lock at `locked`? A process that started after the lock (its pid reused,
/// e.g. after a reboot) cannot hold it. When unsure: alive.
fn holder_alive(pid: i32, locked: &chrono::DateTime<chrono::Utc>) -> bool {
    use nix::errno::Errno;
    if pid <= 0 {
        return true;
    }
    if let Err(Errno::ESRCH) = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None) {
        return false;
    }
    match process_start(pid) {
        // restic writes the lock after it started; a second of slack for
        // clock granularity.
        Some(start) => start <= *locked + chrono::Duration::seconds(1),
        None => true,
    }
}

/// When process `pid` started (`/proc/PID/stat` field 22 and the boot
/// time of `/proc/stat`).
fn process_start(pid: i32) -> Option<chrono::DateTime<chrono::Utc>> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces and parentheses: fields start after
    // the last `)`; starttime is field 22, the 20th after it.
    let after = &stat[stat.rfind(')')? + 1..];
    let ticks: u64 = after.split_whitespace().nth(19)?.parse().ok()?;
    let btime: i64 = std::fs::read_to_string("/proc/stat")
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("btime "))?
        .trim()
        .parse()
        .ok()?;
    let hz = nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK)
        .ok()
        .flatten()
        .filter(|h| *h > 0)
        .unwrap_or(100);
    let ms = i64::try_from(ticks).ok()?.checked_mul(1000)? / hz;
    chrono::DateTime::from_timestamp(btime, 0).map(|b| b + chrono::Duration::milliseconds(ms))
}

pub(super) fn lock_retries() -> u32 {
    std::env::var("ATELIER_RESTIC_LOCK_RETRIES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5)
}

impl Restic {
    /// Removes the repository locks left by restic processes of this host
    /// that no longer run (a `kill -9`, a crash, a reboot), and says so.
    /// Never a lock of a live process or of another host. Returns how many
    /// were removed; any failure here only means none were.
    pub fn clear_stale_locks(&self) -> usize {
        let no_lock = |a: &[&str]| -> Vec<OsString> {
            let mut v: Vec<OsString> = a.iter().map(OsString::from).collect();
            v.push("--no-lock".into());
            v
        };
        let Ok(out) = self.run_once("list locks", &no_lock(&["list", "locks"])) else {
            return 0;
        };
        let ids: Vec<String> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_hexdigit()))
            .map(str::to_owned)
            .collect();
        let this_host = local_hostname();
        let mut stale: Vec<(String, LockFile)> = Vec::new();
        let mut foreign_stale_by_age = false;
        for id in ids {
            let Ok(out) = self.run_once("read a lock", &no_lock(&["cat", "lock", &id])) else {
                continue;
            };
            let Ok(lock) = serde_json::from_slice::<LockFile>(&out.stdout) else {
                continue;
            };
            if Some(lock.hostname.as_str()) == this_host.as_deref() {
                if !holder_alive(lock.pid, &lock.time) {
                    stale.push((id, lock));
                }
            } else if chrono::Utc::now().signed_duration_since(lock.time)
                > chrono::Duration::minutes(30)
            {
                // `restic unlock` would remove this one too.
                foreign_stale_by_age = true;
            }
        }
        if stale.is_empty() {
            return 0;
        }
        let removed: Vec<&(String, LockFile)> = match self.local_path() {
            // A local repository: remove exactly these lock files.
            Some(dir) => stale
                .iter()
                .filter(|(id, _)| std::fs::remove_file(dir.join("locks").join(id)).is_ok())
                .collect(),
            None if foreign_stale_by_age => {
                self.note(format!(
                    "{} stale lock(s) of this host were left in place: `restic unlock` would also remove another host's lock older than 30 minutes; check that host, then run `atelier-backup restic --repository {} -- unlock`",
                    stale.len(),
                    self.name
                ));
                Vec::new()
            }
            None => {
                if self
                    .run_once("remove stale locks", &["unlock".into()])
                    .is_err()
                {
                    return 0;
                }
                let left: Vec<String> = self
                    .run_once("list locks", &no_lock(&["list", "locks"]))
                    .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
                    .unwrap_or_default()
                    .lines()
                    .map(|l| l.trim().to_owned())
                    .collect();
                stale.iter().filter(|(id, _)| !left.contains(id)).collect()
            }
        };
        for (id, lock) in &removed {
            self.note(format!(
                "removed a stale {}lock of PID {} from {} (that process no longer runs on this host; lock {})",
                if lock.exclusive { "exclusive " } else { "" },
                lock.pid,
                lock.time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                &id[..id.len().min(8)]
            ));
        }
        removed.len()
    }
}

#[cfg(test)]
mod tests {
    use std::process::Command;

    use super::*;

    #[test]
    fn a_lock_holder_is_alive_only_if_it_started_before_the_lock() {
        let me = i32::try_from(std::process::id()).unwrap();
        let now = chrono::Utc::now();
        assert!(holder_alive(me, &now));
        // This process started long after a lock of 2001: its pid was reused.
        let old = chrono::DateTime::parse_from_rfc3339("2001-01-01T00:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        assert!(!holder_alive(me, &old));
        // A pid that does not exist.
        let mut child = Command::new("true").spawn().unwrap();
        let gone = i32::try_from(child.id()).unwrap();
        child.wait().unwrap();
        assert!(!holder_alive(gone, &now));
    }
}
