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

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::plan::{Manifest, Repository, Retention};

use super::{child, envfile};

/// Variables a caller's environment might carry that would silently change
/// which repository or password restic uses; they are removed from the child.
const SCRUBBED_VARS: &[&str] = &[
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

/// `restic version`, e.g. 0.14.0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Version {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
}

impl Version {
    /// Parses the first line of `restic version` (`restic 0.14.0 compiled with …`).
    pub fn parse(text: &str) -> Option<Self> {
        let word = text.split_whitespace().nth(1)?;
        let mut nums = word
            .split(|c: char| !c.is_ascii_digit())
            .filter(|s| !s.is_empty())
            .map(|s| s.parse::<u32>().ok());
        Some(Self {
            major: nums.next()??,
            minor: nums.next()??,
            patch: nums.next().flatten().unwrap_or(0),
        })
    }

    pub fn at_least(self, major: u32, minor: u32) -> bool {
        (self.major, self.minor) >= (major, minor)
    }

    /// `--retry-lock` exists (0.16+); older versions retry in our loop.
    pub fn has_retry_lock(self) -> bool {
        self.at_least(0, 16)
    }

    /// `backup --stdin-from-command` exists (0.17+).
    pub fn has_stdin_from_command(self) -> bool {
        self.at_least(0, 17)
    }

    /// `backup --json` reports the full snapshot id (0.15+; 0.14 gives 8 chars).
    pub fn reports_full_snapshot_id(self) -> bool {
        self.at_least(0, 15)
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// `restic version` remembered for one binary.
#[derive(Debug, Serialize, Deserialize)]
struct CachedVersion {
    binary: String,
    version: Version,
}

/// Identifies the restic binary `program` (searched on `PATH` like
/// `Command` does): canonical path, size, modification time, device and
/// inode. `None` for scripts and anything that cannot be examined.
fn binary_fingerprint(program: &str) -> Option<String> {
    use std::io::Read as _;
    use std::os::unix::fs::MetadataExt as _;
    let path = if program.contains('/') {
        PathBuf::from(program)
    } else {
        std::env::split_paths(&std::env::var_os("PATH")?)
            .map(|d| d.join(program))
            .find(|p| p.is_file())?
    };
    let path = std::fs::canonicalize(path).ok()?;
    let mut head = [0u8; 2];
    std::fs::File::open(&path)
        .ok()?
        .read_exact(&mut head)
        .ok()?;
    if &head == b"#!" {
        return None;
    }
    let m = std::fs::metadata(&path).ok()?;
    Some(format!(
        "{}:{}:{}.{}:{}:{}",
        path.display(),
        m.len(),
        m.mtime(),
        m.mtime_nsec(),
        m.dev(),
        m.ino()
    ))
}

/// What kind of failure restic reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorKind {
    WrongPassword,
    NoRepository,
    Locked,
    Network,
    /// Exit 3: the snapshot was written but some source files were not read.
    SomeFilesUnreadable,
    /// The restic program itself could not be started.
    NotInstalled,
    /// Bad repository settings in the manifest (missing files, …).
    Config,
    /// restic did not finish within the repository's `timeout` and was stopped.
    Timeout,
    Other,
}

/// A restic failure: what was being done, to which repository, and the
/// stderr line that explains it, plus what to do.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{action} (repository `{repository}`): {detail}{}\n  hint: {hint}", exit_note(*.exit_code))]
pub struct ResticError {
    pub kind: ErrorKind,
    pub action: String,
    pub repository: String,
    pub exit_code: Option<i32>,
    /// The stderr line that explains the failure (secrets redacted).
    pub detail: String,
    pub hint: String,
    /// All of restic's stderr, secrets redacted (for logs and state records).
    pub stderr: String,
}

fn exit_note(code: Option<i32>) -> String {
    code.map(|c| format!(" (restic exit {c})"))
        .unwrap_or_default()
}

/// One snapshot as `restic snapshots --json` prints it (0.14 fields; newer
/// fields such as `summary` are kept when present).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub id: String,
    #[serde(default)]
    pub short_id: String,
    pub time: chrono::DateTime<chrono::FixedOffset>,
    #[serde(default)]
    pub parent: Option<String>,
    #[serde(default)]
    pub tree: Option<String>,
    #[serde(default)]
    pub paths: Vec<String>,
    #[serde(default)]
    pub hostname: String,
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub program_version: Option<String>,
    /// The id before `restic tag` rewrote the snapshot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original: Option<String>,
    #[serde(default)]
    pub summary: Option<serde_json::Value>,
}

impl Snapshot {
    /// The service this snapshot belongs to (its `service:<name>` tag).
    pub fn service(&self) -> Option<&str> {
        self.tags.iter().find_map(|t| t.strip_prefix("service:"))
    }

    pub fn has_tag(&self, tag: &str) -> bool {
        self.tags.iter().any(|t| t == tag)
    }

    /// Safety snapshots taken before a restore are never "latest".
    pub fn is_pre_restore(&self) -> bool {
        self.has_tag("pre-restore")
    }

    /// A snapshot whose run never finished (see [`INCOMPLETE_TAG`]).
    pub fn is_incomplete(&self) -> bool {
        self.has_tag(INCOMPLETE_TAG)
    }

    /// The staging directory of `service` inside this snapshot (where
    /// `atelier-snapshot.json` lives), see docs/architecture.md "Snapshot layout".
    pub fn staging_path(&self, service: &str) -> Option<&str> {
        let suffix = format!("/staging/{service}");
        self.paths
            .iter()
            .map(String::as_str)
            .find(|p| p.ends_with(&suffix))
    }

    /// Total bytes of the snapshot when restic recorded a summary (0.17+).
    pub fn total_bytes(&self) -> Option<u64> {
        self.summary
            .as_ref()?
            .get("total_bytes_processed")?
            .as_u64()
    }
}

/// restic's `backup --json` summary line.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BackupSummary {
    pub files_new: u64,
    pub files_changed: u64,
    pub files_unmodified: u64,
    pub dirs_new: u64,
    pub dirs_changed: u64,
    pub dirs_unmodified: u64,
    pub data_blobs: i64,
    pub tree_blobs: i64,
    pub data_added: u64,
    pub total_files_processed: u64,
    pub total_bytes_processed: u64,
    pub total_duration: f64,
    /// Short (8 chars) on restic 0.14, full from 0.15.
    pub snapshot_id: String,
}

/// restic's `backup --json` status line (only printed with progress on).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct BackupStatus {
    pub percent_done: f64,
    pub total_files: u64,
    pub files_done: u64,
    pub total_bytes: u64,
    pub bytes_done: u64,
}

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

/// One group of `forget --json` output.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct ForgetGroup {
    pub tags: Option<Vec<String>>,
    pub host: String,
    pub keep: Option<Vec<Snapshot>>,
    pub remove: Option<Vec<Snapshot>>,
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

    /// `restic version`, asked once per process, and remembered across
    /// processes for the same restic binary (see [`Self::with_version_cache`]).
    pub fn version(&self) -> Result<Version, ResticError> {
        if let Some(v) = self.version.get() {
            return Ok(*v);
        }
        let fingerprint = self
            .version_cache
            .as_ref()
            .and_then(|_| binary_fingerprint(&self.program));
        if let (Some(path), Some(fp)) = (&self.version_cache, &fingerprint) {
            let cached = std::fs::read(path)
                .ok()
                .and_then(|b| serde_json::from_slice::<CachedVersion>(&b).ok())
                .filter(|c| c.binary == *fp);
            if let Some(c) = cached {
                let _ = self.version.set(c.version);
                return Ok(c.version);
            }
        }
        let mut cmd = Command::new(&self.program);
        cmd.arg("version").stdin(Stdio::null());
        child::die_with_parent(&mut cmd);
        let out = child::run(&mut cmd, Some(self.timeout), &mut |_| {})
            .map_err(|e| self.spawn_error("ask restic for its version", &e))?;
        if out.timed_out {
            return Err(self.timeout_error("ask restic for its version", &out.stderr));
        }
        let text = String::from_utf8_lossy(&out.stdout);
        let v = Version::parse(&text).ok_or_else(|| {
            self.error(
                ErrorKind::Other,
                "ask restic for its version",
                out.status.code(),
                &String::from_utf8_lossy(&out.stderr),
                Some(format!(
                    "unexpected `restic version` output: {}",
                    text.trim()
                )),
            )
        })?;
        let _ = self.version.set(v);
        if let (Some(path), Some(fp)) = (&self.version_cache, fingerprint) {
            let _ = super::state::write_json_atomic(
                path,
                &CachedVersion {
                    binary: fp,
                    version: v,
                },
            );
        }
        Ok(v)
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
    fn run_once(
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

    fn timeout_error(&self, action: &str, stderr: &[u8]) -> ResticError {
        let stderr = self.redact(&stderr_text(&String::from_utf8_lossy(stderr)));
        // What it was retrying says why (restic ≥ 0.17 retries a refused
        // connection for minutes); what it printed when stopped does not.
        let lines: Vec<&str> = stderr.lines().map(str::trim).collect();
        let last = lines
            .iter()
            .rev()
            .find(|l| l.contains("retrying") || l.contains("dial tcp"))
            .or_else(|| {
                lines.iter().rev().find(|l| {
                    !l.is_empty()
                        && !l.contains("signal terminated")
                        && !l.contains("context canceled")
                })
            })
            .map(|l| format!("; its last message: {l}"))
            .unwrap_or_default();
        ResticError {
            kind: ErrorKind::Timeout,
            action: action.to_owned(),
            repository: self.name.clone(),
            exit_code: None,
            detail: format!(
                "restic did not finish within {} and was stopped{last}",
                humantime::format_duration(self.timeout)
            ),
            hint: self.hint(ErrorKind::Timeout),
            stderr,
        }
    }

    fn spawn_error(&self, action: &str, e: &std::io::Error) -> ResticError {
        let (kind, hint) = if e.kind() == std::io::ErrorKind::NotFound {
            (
                ErrorKind::NotInstalled,
                "install restic or set ATELIER_RESTIC to its path".to_owned(),
            )
        } else {
            (ErrorKind::Other, "check ATELIER_RESTIC".to_owned())
        };
        ResticError {
            kind,
            action: action.to_owned(),
            repository: self.name.clone(),
            exit_code: None,
            detail: format!("cannot run `{}`: {e}", self.program),
            hint,
            stderr: String::new(),
        }
    }

    /// Builds a classified error from restic's stderr. `detail` overrides
    /// the explaining line.
    fn error(
        &self,
        fallback: ErrorKind,
        action: &str,
        exit_code: Option<i32>,
        stderr: &str,
        detail: Option<String>,
    ) -> ResticError {
        let stderr = self.redact(&stderr_text(stderr));
        let (mut kind, line) = classify(exit_code, &stderr);
        if kind == ErrorKind::Other {
            kind = fallback;
        }
        let detail = detail.unwrap_or_else(|| {
            line.unwrap_or_else(|| match exit_code {
                Some(c) => format!("restic failed with exit code {c} and no message"),
                None => "restic was killed by a signal".into(),
            })
        });
        ResticError {
            kind,
            action: action.to_owned(),
            repository: self.name.clone(),
            exit_code,
            detail: self.redact(&detail),
            hint: self.hint(kind),
            stderr,
        }
    }

    fn hint(&self, kind: ErrorKind) -> String {
        let n = &self.name;
        match kind {
            ErrorKind::WrongPassword => format!(
                "the password in `passwordFile` ({}) does not open repository `{n}`; check that the secret is the repository's password",
                self.repo.password_file.as_deref().unwrap_or("unset")
            ),
            ErrorKind::NoRepository => format!(
                "repository `{n}` does not exist or is not reachable at that location; create it with `atelier-backup restic --repository {n} -- init` or set `initialize = true` for it"
            ),
            ErrorKind::Locked => format!(
                "another restic process holds a lock on `{n}`; wait for it, or if none is running remove stale locks with `atelier-backup restic --repository {n} -- unlock`"
            ),
            ErrorKind::Network => format!(
                "the server of repository `{n}` is not reachable; check the network, the URL and the credentials in `environmentFile`"
            ),
            ErrorKind::SomeFilesUnreadable => "make every path readable (or exclude it) and run the backup again".into(),
            ErrorKind::NotInstalled => "install restic or set ATELIER_RESTIC to its path".into(),
            ErrorKind::Config => "fix the repository settings in the manifest".into(),
            ErrorKind::Timeout => format!(
                "the repository `{n}` did not answer in time (unreachable server, or a stale lock restic waits for); check it with `atelier-backup restic --repository {n} -- snapshots`; the bound is the repository's `timeout` (or ATELIER_RESTIC_TIMEOUT)"
            ),
            ErrorKind::Other => format!(
                "run `atelier-backup restic --repository {n} -- snapshots` to see restic's full output"
            ),
        }
    }
}

/// A failed `backup`: the error, and the summary restic printed if it wrote
/// a (partial) snapshot anyway (exit 3).
#[derive(Debug)]
pub struct BackupFailure {
    pub error: ResticError,
    pub partial: Option<BackupSummary>,
}

impl BackupFailure {
    fn plain(error: ResticError) -> Self {
        Self {
            error,
            partial: None,
        }
    }
}

fn config_error(repo: &str, action: &str, detail: String, hint: &str) -> ResticError {
    ResticError {
        kind: ErrorKind::Config,
        action: action.to_owned(),
        repository: repo.to_owned(),
        exit_code: None,
        detail,
        hint: hint.to_owned(),
        stderr: String::new(),
    }
}

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

/// A positive humantime duration.
pub fn parse_timeout(text: &str) -> Result<Duration, String> {
    match humantime::parse_duration(text.trim()) {
        Ok(d) if d.is_zero() => Err("a timeout of zero would stop every restic call".into()),
        Ok(d) => Ok(d),
        Err(e) => Err(format!("not a duration ({e})")),
    }
}

/// restic ≥ 0.17 prints errors as JSON lines on stderr under `--json`
/// (`{"message_type":"exit_error","code":1,"message":"Fatal: …"}`, and
/// `{"message_type":"error","error":{"message":…},"item":…}`): they become
/// their text, so messages read the same with every version.
pub fn stderr_text(stderr: &str) -> String {
    let mut out = String::with_capacity(stderr.len());
    for line in stderr.lines() {
        let text = line
            .trim()
            .starts_with('{')
            .then(|| serde_json::from_str::<serde_json::Value>(line.trim()).ok())
            .flatten()
            .and_then(|v| {
                let kind = v.get("message_type")?.as_str()?.to_owned();
                let message = v
                    .get("message")
                    .and_then(|m| m.as_str())
                    .or_else(|| v.pointer("/error/message").and_then(|m| m.as_str()))
                    .map(str::to_owned);
                match (kind.as_str(), message) {
                    ("error", m) => {
                        let item = v.get("item").and_then(|i| i.as_str()).unwrap_or("");
                        let during = v.get("during").and_then(|i| i.as_str()).unwrap_or("");
                        Some(format!(
                            "error: {during} {item}: {}",
                            m.unwrap_or_else(|| "(no message)".into())
                        ))
                    }
                    (_, Some(m)) => Some(m),
                    _ => None,
                }
            });
        match text {
            Some(t) => out.push_str(&t),
            None => out.push_str(line),
        }
        out.push('\n');
    }
    out
}

fn lock_retries() -> u32 {
    std::env::var("ATELIER_RESTIC_LOCK_RETRIES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5)
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

/// Classifies restic's stderr and exit code; returns the kind and the line
/// that explains it.
pub fn classify(exit_code: Option<i32>, stderr: &str) -> (ErrorKind, Option<String>) {
    const PATTERNS: &[(&str, ErrorKind)] = &[
        ("wrong password or no key found", ErrorKind::WrongPassword),
        (
            "is there a repository at the following location",
            ErrorKind::NoRepository,
        ),
        ("repository does not exist", ErrorKind::NoRepository),
        ("unable to open config file", ErrorKind::NoRepository),
        ("repository is already locked", ErrorKind::Locked),
        ("unable to create lock", ErrorKind::Locked),
        ("connection refused", ErrorKind::Network),
        ("no such host", ErrorKind::Network),
        ("network is unreachable", ErrorKind::Network),
        ("i/o timeout", ErrorKind::Network),
        ("connection reset", ErrorKind::Network),
        ("tls handshake", ErrorKind::Network),
        ("dial tcp", ErrorKind::Network),
        ("temporary failure in name resolution", ErrorKind::Network),
    ];
    let lines: Vec<&str> = stderr
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    for (pat, kind) in PATTERNS {
        if let Some(line) = lines.iter().find(|l| l.to_ascii_lowercase().contains(pat)) {
            return (*kind, Some(explaining_line(&lines, line)));
        }
    }
    let kind = match exit_code {
        Some(3) => ErrorKind::SomeFilesUnreadable,
        Some(10) => ErrorKind::NoRepository,
        Some(11) => ErrorKind::Locked,
        Some(12) => ErrorKind::WrongPassword,
        _ => ErrorKind::Other,
    };
    let line = lines
        .iter()
        .rev()
        .find(|l| l.starts_with("Fatal:"))
        .or_else(|| {
            lines
                .iter()
                .rev()
                .find(|l| l.to_ascii_lowercase().contains("error"))
        })
        .or_else(|| lines.last())
        .map(|l| (*l).to_owned());
    (kind, line)
}

/// The `Fatal:` line is usually the one that explains; fall back to the
/// line that matched.
fn explaining_line(lines: &[&str], matched: &str) -> String {
    if matched.starts_with("Fatal:") {
        return matched.to_owned();
    }
    lines
        .iter()
        .find(|l| l.starts_with("Fatal:"))
        .map_or_else(|| matched.to_owned(), |f| format!("{f} ({matched})"))
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
    fn version_parses() {
        let v = Version::parse("restic 0.14.0 compiled with go1.19.8 on linux/amd64\n").unwrap();
        assert_eq!(v.to_string(), "0.14.0");
        assert!(!v.has_retry_lock());
        let v = Version::parse("restic 0.17.1 compiled with go1.23").unwrap();
        assert!(v.has_stdin_from_command());
    }

    #[test]
    fn binary_fingerprint_changes_with_the_binary_and_skips_scripts() {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("restic");
        std::fs::write(&bin, b"\x7fELF one").unwrap();
        let p = bin.to_str().unwrap();
        let a = binary_fingerprint(p).unwrap();
        assert_eq!(binary_fingerprint(p).unwrap(), a);
        // A new binary in its place (an upgrade writes a new file).
        let tmp = dir.path().join("restic.new");
        std::fs::write(&tmp, b"\x7fELF two!").unwrap();
        std::fs::rename(&tmp, &bin).unwrap();
        assert_ne!(binary_fingerprint(p).unwrap(), a);
        std::fs::write(&bin, b"#!/bin/sh\nexec restic \"$@\"\n").unwrap();
        assert_eq!(binary_fingerprint(p), None);
        assert_eq!(binary_fingerprint("/nonexistent/restic"), None);
    }

    #[test]
    fn classifies_restic_014_messages() {
        let (k, l) = classify(
            Some(1),
            "Fatal: unable to open config file: Stat: stat /x/config: no such file or directory\nIs there a repository at the following location?\n/x\n",
        );
        assert_eq!(k, ErrorKind::NoRepository);
        assert!(l.unwrap().starts_with("Fatal: unable to open config file"));
        let (k, _) = classify(Some(1), "Fatal: wrong password or no key found\n");
        assert_eq!(k, ErrorKind::WrongPassword);
        let (k, _) = classify(
            Some(1),
            "unable to create lock in backend: repository is already locked by PID 1\n",
        );
        assert_eq!(k, ErrorKind::Locked);
        let (k, _) = classify(Some(1), "Fatal: create repository at rest:http://127.0.0.1:1/ failed: Post \"http://127.0.0.1:1/?create=true\": dial tcp 127.0.0.1:1: connect: connection refused\n");
        assert_eq!(k, ErrorKind::Network);
        assert_eq!(classify(Some(12), "").0, ErrorKind::WrongPassword);
    }

    #[test]
    fn json_errors_of_newer_restic_become_text() {
        let text = stderr_text(
            "{\"message_type\":\"exit_error\",\"code\":1,\"message\":\"Fatal: unable to open config file: x\\nIs there a repository at the following location?\\nrest:http://u:***@h/\"}\nplain line\n",
        );
        assert_eq!(
            text,
            "Fatal: unable to open config file: x\nIs there a repository at the following location?\nrest:http://u:***@h/\nplain line\n"
        );
        assert_eq!(classify(Some(1), &text).0, ErrorKind::NoRepository);
        let text = stderr_text(
            "{\"message_type\":\"error\",\"error\":{\"message\":\"permission denied\"},\"during\":\"archival\",\"item\":\"/x\"}",
        );
        assert_eq!(text, "error: archival /x: permission denied\n");
    }

    #[test]
    fn timeouts_parse() {
        assert_eq!(parse_timeout("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_timeout(" 2h "), Ok(Duration::from_secs(7200)));
        assert!(parse_timeout("0s").is_err());
        assert!(parse_timeout("soon").is_err());
    }

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
