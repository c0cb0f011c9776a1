//! The one place that runs restic.
//!
//! Credentials reach restic only through the child's environment
//! (`RESTIC_REPOSITORY` / `RESTIC_REPOSITORY_FILE`, `RESTIC_PASSWORD_FILE`, and
//! the `KEY=value` lines of the repository's `environmentFile`), never through
//! its command line, and this module never prints them. Failures are
//! classified from restic's stderr (restic 0.14 exits 1 for nearly everything)
//! and from the exit codes newer versions use (3, 10, 11, 12).

// A ResticError carries restic's redacted stderr on purpose (state records,
// logs); failures are rare, so its size on the error path does not matter.
#![allow(clippy::result_large_err)]

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use crate::plan::{Manifest, Repository, Retention};
use crate::runtime::{child, envfile};

use error::config_error;
use lock::lock_retries;

mod error;
mod json;
mod lock;
mod process;
mod version;

pub use error::{classify, stderr_text, BackupFailure, ErrorKind, ResticError};
pub use json::{BackupStatus, BackupSummary, ForgetGroup, Snapshot};
pub use process::{parse_timeout, timeout_for, DEFAULT_TIMEOUT};
pub use version::Version;

/// Variables a caller's environment might carry that would silently change
/// which repository or password restic uses; they are removed from the child.
pub(super) const SCRUBBED_VARS: &[&str] = &[
    "RESTIC_REPOSITORY",
    "RESTIC_REPOSITORY_FILE",
    "RESTIC_PASSWORD",
    "RESTIC_PASSWORD_FILE",
    "RESTIC_PASSWORD_COMMAND",
    "RESTIC_KEY_HINT",
];

/// `run` backs up with this extra tag and removes it (`restic tag
/// --remove`) only once restic succeeded and atelier has the result: a
/// snapshot that still carries it belongs to a run that was killed or failed
/// after restic wrote it. It is never "latest", retention removes it, and
/// `list`/`status` show it as incomplete (docs/architecture.md, "Backup
/// procedure").
pub const INCOMPLETE_TAG: &str = "incomplete";

/// What to back up.
#[derive(Debug, Clone, Default)]
pub struct BackupRequest {
    /// Passed through `--files-from-raw` (NUL-separated: no glob or `#`
    /// interpretation, and a newline inside a path stays part of it).
    pub paths: Vec<PathBuf>,
    /// `--exclude` patterns.
    pub excludes: Vec<String>,
    pub tags: Vec<String>,
    pub host: String,
}

/// restic, bound to one repository of the manifest.
#[derive(Debug)]
pub struct Restic {
    program: String,
    name: String,
    repo: Repository,
    env: Vec<(String, String)>,
    cache_dir: Option<PathBuf>,
    version_cache: Option<PathBuf>,
    progress: bool,
    version: OnceLock<Version>,
    /// How long one restic process may run (see [`timeout_for`]).
    timeout: Duration,
    /// What atelier did on its own (stale locks removed), for run records.
    notes: Mutex<Vec<String>>,
}

impl Restic {
    /// Binds restic to repository `name` of the manifest. Reads the
    /// environment file now, so a missing one fails before any work is done.
    pub fn for_repository(
        program: &str,
        manifest: &Manifest,
        name: &str,
    ) -> Result<Self, ResticError> {
        let Some(repo) = manifest.repositories.get(name) else {
            return Err(config_error(
                name,
                "open repository",
                format!(
                    "repository `{name}` is not defined in the manifest (known: {})",
                    manifest
                        .repositories
                        .keys()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                "use one of the repository names under `atelier.backup.repositories`",
            ));
        };
        Self::new(program, name, repo)
    }

    pub fn new(program: &str, name: &str, repo: &Repository) -> Result<Self, ResticError> {
        let env = match &repo.environment_file {
            Some(path) => envfile::read(Path::new(path)).map_err(|e| {
                config_error(
                    name,
                    "read the repository's environment file",
                    e,
                    "check `environmentFile` of the repository (KEY=value lines)",
                )
            })?,
            None => Vec::new(),
        };
        let timeout = timeout_for(name, repo)?;
        if repo.repository.is_none() && repo.repository_file.is_none() {
            return Err(config_error(
                name,
                "open repository",
                "neither `repository` nor `repositoryFile` is set".into(),
                "set one of them in `atelier.backup.repositories`",
            ));
        }
        Ok(Self {
            program: program.to_owned(),
            name: name.to_owned(),
            repo: repo.clone(),
            env,
            cache_dir: None,
            version_cache: None,
            progress: false,
            version: OnceLock::new(),
            timeout,
            notes: Mutex::new(Vec::new()),
        })
    }

    /// Lowers the bound of every restic call to at most `limit` (`status`
    /// and `list` must answer even when a repository does not).
    #[must_use]
    pub fn with_timeout_at_most(mut self, limit: Duration) -> Self {
        self.timeout = self.timeout.min(limit);
        self
    }

    /// How long one restic process may run before it is stopped.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// What atelier did on its own to this repository since the last call
    /// (e.g. "removed a stale lock of PID 123 …"); for the run record.
    pub fn take_notes(&self) -> Vec<String> {
        std::mem::take(
            &mut *self
                .notes
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }

    /// Tells the user (stderr) and keeps it for the run record.
    pub fn note(&self, text: String) {
        eprintln!("atelier-backup: repository `{}`: {text}", self.name);
        self.notes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(text);
    }

    /// Keeps restic's cache under atelier's state directory (systemd units
    /// may run without a usable `$HOME`).
    #[must_use]
    pub fn with_cache_dir(mut self, dir: PathBuf) -> Self {
        self.cache_dir = Some(dir);
        self
    }

    /// Remembers `restic version` in `path` for the same binary (path, size,
    /// modification time, inode): one process less on every run. A script
    /// (`#!`, e.g. a wrapper that runs another restic) is always asked.
    #[must_use]
    pub fn with_version_cache(mut self, path: PathBuf) -> Self {
        self.version_cache = Some(path);
        self
    }

    /// Asks restic for status lines (`RESTIC_PROGRESS_FPS`) to draw progress bars.
    #[must_use]
    pub fn with_progress(mut self, on: bool) -> Self {
        self.progress = on;
        self
    }

    /// The repository's name in the manifest.
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn repository(&self) -> &Repository {
        &self.repo
    }

    /// The repository's environment file, as restic gets it (`KEY=value`).
    pub fn env(&self) -> &[(String, String)] {
        &self.env
    }

    /// The repository's directory when it is a local one (`/path` or
    /// `local:/path`, given literally or in `repositoryFile`).
    pub fn local_path(&self) -> Option<PathBuf> {
        let location = match (&self.repo.repository, &self.repo.repository_file) {
            (Some(r), _) => r.trim().to_owned(),
            (None, Some(f)) => std::fs::read_to_string(f).ok()?.trim().to_owned(),
            (None, None) => return None,
        };
        let path = location.strip_prefix("local:").unwrap_or(&location);
        if path.is_empty() || repository_type(path) != "local" {
            return None;
        }
        Some(PathBuf::from(path))
    }

    /// A kind label for evidence: `local`, `rest`, `s3`, `sftp`, `b2`, … or
    /// `file` when only a repository file is known (its content may be secret).
    pub fn repository_type(&self) -> String {
        match &self.repo.repository {
            Some(r) => repository_type(r),
            None => match &self.repo.repository_file {
                Some(f) => std::fs::read_to_string(f)
                    .ok()
                    .and_then(|s| s.lines().next().map(repository_type))
                    .unwrap_or_else(|| "unknown".into()),
                None => "unknown".into(),
            },
        }
    }

    /// Does the repository exist and open with the password? `Ok(false)`
    /// when restic says there is no repository.
    pub fn exists(&self) -> Result<bool, ResticError> {
        match self.run("open the repository", ["cat", "config"]) {
            Ok(_) => Ok(true),
            Err(e) if e.kind == ErrorKind::NoRepository => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// `restic init`.
    pub fn init(&self) -> Result<(), ResticError> {
        self.run("initialize the repository", ["init"]).map(|_| ())
    }

    /// Makes sure the repository exists: initializes it when the manifest
    /// allows (`initialize = true`), otherwise explains how.
    pub fn ensure_initialized(&self) -> Result<(), ResticError> {
        if self.exists()? {
            return Ok(());
        }
        if self.repo.initialize {
            return self.init();
        }
        Err(self.error(
            ErrorKind::NoRepository,
            "open the repository",
            None,
            "",
            Some("the repository does not exist".into()),
        ))
    }

    /// `restic snapshots --json`, filtered by tags (all must match) and host.
    pub fn snapshots(
        &self,
        tags: &[String],
        host: Option<&str>,
    ) -> Result<Vec<Snapshot>, ResticError> {
        let mut args: Vec<String> = vec!["snapshots".into(), "--json".into()];
        if !tags.is_empty() {
            args.push("--tag".into());
            args.push(tags.join(","));
        }
        if let Some(h) = host {
            args.push("--host".into());
            args.push(h.into());
        }
        let out = self.run("list snapshots", &args)?;
        let text = String::from_utf8_lossy(&out.stdout);
        let trimmed = text.trim();
        if trimmed.is_empty() || trimmed == "null" {
            return Ok(Vec::new());
        }
        serde_json::from_str(trimmed).map_err(|e| {
            self.error(
                ErrorKind::Other,
                "list snapshots",
                None,
                "",
                Some(format!("cannot parse `restic snapshots --json`: {e}")),
            )
        })
    }

    /// `restic backup --json`. Status lines go to `on_status` (when progress
    /// was asked for). Exit 3 ("some files could not be read") is an error
    /// of kind [`ErrorKind::SomeFilesUnreadable`] whose snapshot id, if any,
    /// is returned in the summary of the error path through `partial`.
    pub fn backup(
        &self,
        req: &BackupRequest,
        on_status: &mut dyn FnMut(&BackupStatus),
    ) -> Result<BackupSummary, BackupFailure> {
        let action = "back up";
        let mut list = tempfile::NamedTempFile::new().map_err(|e| {
            BackupFailure::plain(self.error(
                ErrorKind::Other,
                action,
                None,
                "",
                Some(format!("cannot write the file list: {e}")),
            ))
        })?;
        {
            use std::io::Write;
            use std::os::unix::ffi::OsStrExt;
            let f = list.as_file_mut();
            for p in &req.paths {
                f.write_all(p.as_os_str().as_bytes())
                    .and_then(|()| f.write_all(b"\0"))
                    .map_err(|e| {
                        BackupFailure::plain(self.error(
                            ErrorKind::Other,
                            action,
                            None,
                            "",
                            Some(format!("cannot write the file list: {e}")),
                        ))
                    })?;
            }
        }
        // Known before it is needed (remembered per binary, so usually no
        // process): whether a lock can be waited for with --retry-lock.
        let has_retry_lock = self.version().is_ok_and(Version::has_retry_lock);
        let mut attempt = 0;
        let mut cleared = false;
        loop {
            let failure = match self.backup_once(req, list.path(), attempt > 0, on_status) {
                Ok(summary) => {
                    let _ = list.close();
                    return Ok(summary);
                }
                Err(f) => f,
            };
            if failure.error.kind != ErrorKind::Locked {
                let _ = list.close();
                return Err(failure);
            }
            // A stale lock of this host is removed, then the backup is tried
            // again (waiting with --retry-lock where restic has it).
            if !cleared {
                cleared = true;
                if self.clear_stale_locks() > 0 {
                    attempt += 1;
                    continue;
                }
            }
            if attempt == 0 && has_retry_lock {
                attempt += 1;
                continue;
            }
            if !has_retry_lock && attempt < lock_retries() {
                attempt += 1;
                std::thread::sleep(Duration::from_secs(2 * u64::from(attempt)));
                continue;
            }
            let _ = list.close();
            return Err(failure);
        }
    }

    /// One `restic backup` process; `wait_for_lock` adds `--retry-lock`
    /// where restic has it (0.16+).
    fn backup_once(
        &self,
        req: &BackupRequest,
        list: &Path,
        wait_for_lock: bool,
        on_status: &mut dyn FnMut(&BackupStatus),
    ) -> Result<BackupSummary, BackupFailure> {
        let action = "back up";
        let mut cmd = self.command();
        // --quiet: without it, restic 0.14 prints JSON status lines at 60 per
        // second even when nobody watches; RESTIC_PROGRESS_FPS (set by
        // `with_progress`) brings them back when a bar is drawn.
        cmd.arg("backup").arg("--json").arg("--quiet");
        cmd.arg("--files-from-raw").arg(list);
        cmd.arg("--host").arg(&req.host);
        for t in &req.tags {
            cmd.arg("--tag").arg(t);
        }
        for e in &req.excludes {
            cmd.arg("--exclude").arg(e);
        }
        if wait_for_lock {
            if let Ok(v) = self.version() {
                if v.has_retry_lock() {
                    // Within the bound of the whole process.
                    let wait = Duration::from_secs(300)
                        .min(self.timeout / 2)
                        .max(Duration::from_secs(1));
                    cmd.arg("--retry-lock").arg(format!("{}s", wait.as_secs()));
                }
            }
        }
        let mut summary = None;
        let mut item_errors = Vec::new();
        let mut on_line = |line: &[u8]| {
            let Ok(v) = serde_json::from_slice::<serde_json::Value>(line) else {
                return;
            };
            match v.get("message_type").and_then(|m| m.as_str()) {
                Some("status") => {
                    if let Ok(s) = serde_json::from_value::<BackupStatus>(v) {
                        on_status(&s);
                    }
                }
                Some("summary") => {
                    summary = serde_json::from_value::<BackupSummary>(v).ok();
                }
                Some("error") => {
                    let item = v.get("item").and_then(|i| i.as_str()).unwrap_or("?");
                    item_errors.push(item.to_owned());
                }
                _ => {}
            }
        };
        let out = child::run(&mut cmd, Some(self.timeout), &mut on_line)
            .map_err(|e| BackupFailure::plain(self.spawn_error(action, &e)))?;
        if out.timed_out {
            return Err(BackupFailure::plain(
                self.timeout_error(action, &out.stderr),
            ));
        }
        let status = out.status;
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        if status.success() {
            return summary.ok_or_else(|| {
                BackupFailure::plain(self.error(
                    ErrorKind::Other,
                    action,
                    status.code(),
                    &stderr,
                    Some("restic printed no JSON summary".into()),
                ))
            });
        }
        let mut err = self.error(ErrorKind::Other, action, status.code(), &stderr, None);
        if status.code() == Some(3) {
            err.kind = ErrorKind::SomeFilesUnreadable;
            let stderr = stderr_text(&stderr);
            let first = stderr
                .lines()
                .find(|l| l.to_ascii_lowercase().contains("error"))
                .map(str::to_owned)
                .or_else(|| item_errors.first().map(|i| format!("cannot read {i}")))
                .unwrap_or_else(|| "some source files could not be read".into());
            err.detail = self.redact(&first);
            err.hint = "the snapshot is incomplete and was removed; make every path readable by root (or exclude it) and run the backup again".into();
        }
        Err(BackupFailure {
            error: err,
            partial: summary,
        })
    }

    /// `restic forget` of the snapshots matching `tags` and `host`, keeping
    /// what `policy` says in each group of `--group-by host,tags`: the tag
    /// filter selects one service, and grouping by tags keeps its
    /// `pre-restore` safety snapshots apart from its regular ones (each kind
    /// is its own group under the same policy; docs/architecture.md,
    /// "Retention"). Zero or unset `keep` values are not passed; a policy
    /// without any positive value forgets nothing and runs nothing.
    pub fn forget_policy(
        &self,
        tags: &[String],
        host: &str,
        policy: &Retention,
        prune: bool,
    ) -> Result<Vec<ForgetGroup>, ResticError> {
        Ok(self.forget_policy_parsed(tags, host, policy, prune)?.0)
    }

    /// [`Self::forget_policy`], and whether restic's whole output was
    /// understood (every line a JSON array of groups, or no output when no
    /// snapshot matched) — only then does it describe every matching snapshot.
    pub fn forget_policy_parsed(
        &self,
        tags: &[String],
        host: &str,
        policy: &Retention,
        prune: bool,
    ) -> Result<(Vec<ForgetGroup>, bool), ResticError> {
        let keep = keep_args(policy);
        if keep.is_empty() {
            return Ok((Vec::new(), false));
        }
        let mut args: Vec<String> = vec![
            "forget".into(),
            "--json".into(),
            "--group-by".into(),
            "host,tags".into(),
            "--host".into(),
            host.into(),
        ];
        if !tags.is_empty() {
            args.push("--tag".into());
            args.push(tags.join(","));
        }
        args.extend(keep);
        let out = self.run("apply the retention policy", &args)?;
        let mut groups: Vec<ForgetGroup> = Vec::new();
        if prune {
            self.prune()?;
        }
        let text = String::from_utf8_lossy(&out.stdout);
        let mut complete = true;
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            match serde_json::from_str::<Vec<ForgetGroup>>(line) {
                Ok(g) => groups.extend(g),
                Err(_) => complete = false,
            }
        }
        Ok((groups, complete))
    }

    /// Removes [`INCOMPLETE_TAG`] from snapshot `id` (full or restic 0.14's
    /// short id), which rewrites it: returns the new full id. restic ≥ 0.17
    /// prints it (`tag --json`); before, it is the snapshot whose `original`
    /// is `id` (found in the local `snapshots/` directory when it is one, else
    /// with `restic snapshots`).
    pub fn mark_complete(
        &self,
        id: &str,
        host: &str,
        service_tag: &str,
    ) -> Result<String, ResticError> {
        let action = format!("mark snapshot {id} complete");
        let before = super::retention::list_without_key(self);
        let out = self.run(&action, ["tag", "--json", "--remove", INCOMPLETE_TAG, id])?;
        for line in String::from_utf8_lossy(&out.stdout).lines() {
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(line) {
                if let Some(new) = v.get("new_snapshot_id").and_then(|n| n.as_str()) {
                    return Ok(new.to_owned());
                }
            }
        }
        if let Some(before) = before {
            if let Some(after) = super::retention::list_without_key(self) {
                let new: Vec<&String> = after.iter().filter(|a| !before.contains(a)).collect();
                if let [one] = new.as_slice() {
                    return Ok((*one).clone());
                }
            }
        }
        self.snapshots(&[service_tag.to_owned()], Some(host))?
            .into_iter()
            .find(|s| s.original.as_deref().is_some_and(|o| o.starts_with(id)))
            .map(|s| s.id)
            .ok_or_else(|| {
                self.error(
                    ErrorKind::Other,
                    &action,
                    None,
                    "",
                    Some(format!(
                        "restic tag did not say which snapshot replaced {id}"
                    )),
                )
            })
    }

    /// `restic forget ID…` (removes exactly these snapshots).
    pub fn forget_ids(&self, ids: &[String]) -> Result<(), ResticError> {
        if ids.is_empty() {
            return Ok(());
        }
        let mut args = vec!["forget".to_owned()];
        args.extend(ids.iter().cloned());
        self.run("forget snapshots", &args).map(|_| ())
    }

    /// `restic prune`.
    pub fn prune(&self) -> Result<String, ResticError> {
        let out = self.run("prune unreferenced data", ["prune"])?;
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// `restic check [--read-data-subset n/N]`.
    pub fn check(&self, subset: Option<(u32, u32)>) -> Result<String, ResticError> {
        let mut args = vec!["check".to_owned()];
        if let Some((n, total)) = subset {
            args.push(format!("--read-data-subset={n}/{total}"));
        }
        let out = self.run("check the repository", &args)?;
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// `restic dump SNAPSHOT PATH` into memory (small files such as the
    /// self-description).
    pub fn dump(&self, snapshot: &str, path: &str) -> Result<Vec<u8>, ResticError> {
        let out = self.run(
            &format!("read {path} from snapshot {snapshot}"),
            ["dump", snapshot, path],
        )?;
        Ok(out.stdout)
    }

    /// `restic restore SNAPSHOT --target DIR [--include P…]`.
    pub fn restore(
        &self,
        snapshot: &str,
        target: &Path,
        includes: &[String],
    ) -> Result<(), ResticError> {
        let mut args: Vec<OsString> = vec![
            "restore".into(),
            snapshot.into(),
            "--target".into(),
            target.as_os_str().to_owned(),
        ];
        for i in includes {
            args.push("--include".into());
            args.push(i.into());
        }
        self.run(&format!("restore snapshot {snapshot}"), &args)
            .map(|_| ())
    }

    /// Replaces every secret this driver knows (environment file values,
    /// the literal repository's URL password) with `<redacted>`.
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for (_, v) in &self.env {
            if v.len() >= 4 {
                out = out.replace(v.as_str(), "<redacted>");
            }
        }
        if let Some(r) = &self.repo.repository {
            if let Some(pw) = url_password(r) {
                out = out.replace(pw, "<redacted>");
            }
        }
        out
    }
}

/// `--keep-*` arguments for the positive values of a policy.
pub fn keep_args(policy: &Retention) -> Vec<String> {
    let mut out = Vec::new();
    for (flag, value) in [
        ("--keep-last", policy.last),
        ("--keep-hourly", policy.hourly),
        ("--keep-daily", policy.daily),
        ("--keep-weekly", policy.weekly),
        ("--keep-monthly", policy.monthly),
        ("--keep-yearly", policy.yearly),
    ] {
        if let Some(v) = value.filter(|v| *v > 0) {
            out.push(flag.to_owned());
            out.push(v.to_string());
        }
    }
    out
}

fn repository_type(r: &str) -> String {
    let r = r.trim();
    match r.split_once(':') {
        Some((scheme, _)) if !scheme.contains('/') && scheme.len() > 1 => scheme.to_owned(),
        _ => "local".to_owned(),
    }
}

/// The password part of `scheme://user:password@host/…`, if any.
fn url_password(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split('/').next()?;
    let userinfo = authority.rsplit_once('@')?.0;
    let pw = userinfo.split_once(':')?.1;
    (!pw.is_empty()).then_some(pw)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keep_args_skip_zero() {
        let p = Retention {
            last: Some(2),
            hourly: Some(0),
            daily: None,
            weekly: Some(1),
            monthly: None,
            yearly: None,
        };
        assert_eq!(keep_args(&p), ["--keep-last", "2", "--keep-weekly", "1"]);
    }

    #[test]
    fn url_password_found() {
        assert_eq!(
            url_password("rest:https://u:s3cret@h:8000/x"),
            Some("s3cret")
        );
        assert_eq!(url_password("/srv/repo"), None);
        assert_eq!(repository_type("rest:http://127.0.0.1:8000/"), "rest");
        assert_eq!(repository_type("/srv/repo"), "local");
    }
}
