//! Running restic: the command with credentials in its environment only,
//! one bounded process (the timeout per repository), retried while the
//! repository is locked.

use std::ffi::{OsStr, OsString};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::plan::Repository;
use crate::runtime::child;

use super::error::{config_error, ErrorKind, ResticError};
use super::lock::lock_retries;
use super::{Restic, SCRUBBED_VARS};

/// The default bound of one restic process when neither the repository's
/// `timeout` nor `ATELIER_RESTIC_TIMEOUT` sets one.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(24 * 3600);

/// How long one restic process on repository `name` may run:
/// `ATELIER_RESTIC_TIMEOUT` (humantime, all repositories), else the
/// repository's `timeout`, else [`DEFAULT_TIMEOUT`].
pub fn timeout_for(name: &str, repo: &Repository) -> Result<Duration, ResticError> {
    if let Ok(v) = std::env::var("ATELIER_RESTIC_TIMEOUT") {
        return parse_timeout(&v).map_err(|e| {
            config_error(
                name,
                "read ATELIER_RESTIC_TIMEOUT",
                format!("ATELIER_RESTIC_TIMEOUT={v:?}: {e}"),
                "set it to a duration such as `90s`, `30m` or `6h`, or unset it",
            )
        });
    }
    match &repo.timeout {
        Some(t) => parse_timeout(t).map_err(|e| {
            config_error(
                name,
                "read the repository's timeout",
                format!("`timeout = {t:?}`: {e}"),
                "set `timeout` of the repository to a duration such as `30m` or `6h`",
            )
        }),
        None => Ok(DEFAULT_TIMEOUT),
    }
}

pub use crate::plan::parse_timeout;

impl Restic {
    /// A `restic` command with this repository's credentials in its
    /// environment and nothing secret in its arguments.
    pub fn command(&self) -> Command {
        let mut cmd = Command::new(&self.program);
        for var in SCRUBBED_VARS {
            cmd.env_remove(var);
        }
        // The environment file first, so the manifest's own settings win.
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        if let Some(r) = &self.repo.repository {
            cmd.env("RESTIC_REPOSITORY", r);
            cmd.env_remove("RESTIC_REPOSITORY_FILE");
        } else if let Some(f) = &self.repo.repository_file {
            cmd.env("RESTIC_REPOSITORY_FILE", f);
            cmd.env_remove("RESTIC_REPOSITORY");
        }
        if let Some(p) = &self.repo.password_file {
            cmd.env("RESTIC_PASSWORD_FILE", p);
        }
        if let Some(dir) = &self.cache_dir {
            if std::env::var_os("RESTIC_CACHE_DIR").is_none() {
                cmd.env("RESTIC_CACHE_DIR", dir);
            }
        }
        if self.progress {
            cmd.env("RESTIC_PROGRESS_FPS", "4");
        } else {
            cmd.env_remove("RESTIC_PROGRESS_FPS");
        }
        cmd.stdin(Stdio::null());
        // A restic left running after a `kill -9` of atelier-backup would
        // save a snapshot nobody records (docs/architecture.md, "Child
        // processes").
        child::die_with_parent(&mut cmd);
        cmd
    }

    /// Runs restic with `args`, capturing its output; a non-zero exit becomes
    /// a classified [`ResticError`] describing `action`.
    pub fn run<I, S>(&self, action: &str, args: I) -> Result<std::process::Output, ResticError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let args: Vec<OsString> = args.into_iter().map(|a| a.as_ref().to_owned()).collect();
        let mut attempt = 0;
        let mut cleared = false;
        loop {
            let err = match self.run_once(action, &args) {
                Ok(out) => return Ok(out),
                Err(e) => e,
            };
            if err.kind != ErrorKind::Locked {
                return Err(err);
            }
            // A lock left by a dead restic of this host never goes away by
            // itself: remove it (only that kind) and try again at once.
            if !cleared {
                cleared = true;
                if self.clear_stale_locks() > 0 {
                    continue;
                }
            }
            // Another host's restic may hold the repository lock briefly;
            // restic < 0.16 has no --retry-lock, so retry here.
            if attempt < lock_retries() {
                attempt += 1;
                std::thread::sleep(Duration::from_secs(2 * u64::from(attempt)));
                continue;
            }
            return Err(err);
        }
    }

    /// One restic process with `args`, bounded by the repository's
    /// timeout; no lock handling.
    pub(super) fn run_once(
        &self,
        action: &str,
        args: &[OsString],
    ) -> Result<std::process::Output, ResticError> {
        let mut cmd = self.command();
        cmd.args(args);
        let out = child::run(&mut cmd, Some(self.timeout), &mut |_| {})
            .map_err(|e| self.spawn_error(action, &e))?;
        if out.timed_out {
            return Err(self.timeout_error(action, &out.stderr));
        }
        if out.status.success() {
            return Ok(std::process::Output {
                status: out.status,
                stdout: out.stdout,
                stderr: out.stderr,
            });
        }
        Err(self.error(
            ErrorKind::Other,
            action,
            out.status.code(),
            &String::from_utf8_lossy(&out.stderr),
            None,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_parse() {
        assert_eq!(parse_timeout("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_timeout(" 2h "), Ok(Duration::from_secs(7200)));
        assert!(parse_timeout("0s").is_err());
        assert!(parse_timeout("soon").is_err());
    }
}
