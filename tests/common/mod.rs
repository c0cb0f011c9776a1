//! Shared support for the runtime tests (and rt2's restore tests): real
//! restic repositories in temp dirs, manifests, a throwaway PostgreSQL
//! cluster, a REST server (`rclone serve restic`), the fake `systemctl` that
//! really stops and starts test processes and records the calls, and the
//! SQLite writer process. Everything started here is stopped in `Drop`.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use atelier::plan::{Manifest, PostgresConnection, Repository, Retention, Service};

#[path = "../support/pg.rs"]
pub mod pg;
pub mod systemd;

pub const PASSWORD: &str = "correct horse battery staple 7f3a";

/// A temp directory readable by the `postgres` user (tests run as root).
pub fn tempdir() -> tempfile::TempDir {
    let d = tempfile::Builder::new()
        .prefix("atelier-test-")
        .tempdir()
        .expect("tempdir");
    std::fs::set_permissions(d.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    d
}

/// Writes `text` to `path` as an executable script (mode 0755).
pub fn write_script(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// A restic wrapper `dir/restic-logging` that appends every call's
/// arguments to `dir/restic-calls.log` (one line per process) and runs the
/// real restic. Returns (wrapper, log); use the wrapper as `ATELIER_RESTIC`.
pub fn logging_restic(dir: &Path) -> (PathBuf, PathBuf) {
    let log = dir.join("restic-calls.log");
    let wrapper = dir.join("restic-logging");
    write_script(
        &wrapper,
        &format!(
            "#!/bin/sh\necho \"$*\" >> '{}'\nexec restic \"$@\"\n",
            log.display()
        ),
    );
    (wrapper, log)
}

/// sha256 of every file under `dir`, keyed by the path relative to `dir`,
/// sorted by path.
pub fn tree_hashes(dir: &Path) -> Vec<(PathBuf, String)> {
    use sha2::Digest as _;
    let mut v: Vec<_> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let h = hex::encode(sha2::Sha256::digest(std::fs::read(e.path()).unwrap()));
            (e.path().strip_prefix(dir).unwrap().to_owned(), h)
        })
        .collect();
    v.sort();
    v
}

/// A retention policy of only `--keep-last n`.
pub fn keep_last(n: u32) -> Retention {
    Retention {
        last: Some(n),
        hourly: None,
        daily: None,
        weekly: None,
        monthly: None,
        yearly: None,
    }
}

/// Asserts that a command succeeded, showing its stderr otherwise.
pub fn assert_success(out: &Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

pub fn is_root() -> bool {
    nix::unistd::Uid::current().is_root()
}

/// Runs a command and returns stdout; panics with stderr on failure.
pub fn sh(cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A restic repository with a password file. `url` is a local path or a
/// `rest:` URL.
pub struct Repo {
    pub url: String,
    pub password_file: PathBuf,
    /// Backend settings restic needs (`RCLONE_CONFIG_*`, S3 keys), also
    /// written to `environment_file` for atelier.
    pub env: Vec<(String, String)>,
    pub environment_file: Option<PathBuf>,
}

impl Repo {
    /// Initializes a local repository in `dir/<name>`.
    pub fn local(dir: &Path, name: &str) -> Self {
        let url = dir.join(name).display().to_string();
        Self::init(dir, name, url)
    }

    /// Initializes a repository at `url`, password in `dir/<name>.pw`.
    pub fn init(dir: &Path, name: &str, url: String) -> Self {
        let password_file = dir.join(format!("{name}.pw"));
        std::fs::write(&password_file, format!("{PASSWORD}\n")).unwrap();
        let repo = Self {
            url,
            password_file,
            env: Vec::new(),
            environment_file: None,
        };
        sh(repo.restic().args(["init"]));
        repo
    }

    /// Initializes a repository at `url` whose backend needs `env` (for
    /// atelier in the environment file `dir/<name>.env`).
    pub fn init_with_env(dir: &Path, name: &str, url: String, env: &[(&str, &str)]) -> Self {
        let password_file = dir.join(format!("{name}.pw"));
        std::fs::write(&password_file, format!("{PASSWORD}\n")).unwrap();
        let environment_file = dir.join(format!("{name}.env"));
        let mut lines = String::new();
        for (k, v) in env {
            lines.push_str(k);
            lines.push('=');
            lines.push_str(v);
            lines.push('\n');
        }
        std::fs::write(&environment_file, lines).unwrap();
        let repo = Self {
            url,
            password_file,
            env: env
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            environment_file: Some(environment_file),
        };
        sh(repo.restic().args(["init"]));
        repo
    }

    /// restic on this repository (for assertions, not through atelier).
    pub fn restic(&self) -> Command {
        let mut c = Command::new("restic");
        c.env("RESTIC_REPOSITORY", &self.url)
            .env("RESTIC_PASSWORD_FILE", &self.password_file)
            .env(
                "RESTIC_CACHE_DIR",
                std::env::temp_dir().join("atelier-test-restic-cache"),
            )
            .env_remove("RESTIC_PASSWORD")
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null());
        c
    }

    pub fn manifest_entry(&self) -> Repository {
        Repository {
            repository: Some(self.url.clone()),
            password_file: Some(self.password_file.display().to_string()),
            environment_file: self
                .environment_file
                .as_ref()
                .map(|f| f.display().to_string()),
            ..Repository::default()
        }
    }

    /// `restic snapshots --json` parsed.
    pub fn snapshots(&self) -> Vec<serde_json::Value> {
        let out = sh(self.restic().args(["snapshots", "--json"]));
        let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
        v.as_array().cloned().unwrap_or_default()
    }

    /// Snapshots carrying `tag`.
    pub fn snapshots_tagged(&self, tag: &str) -> Vec<serde_json::Value> {
        self.snapshots()
            .into_iter()
            .filter(|s| {
                s["tags"]
                    .as_array()
                    .is_some_and(|t| t.iter().any(|x| x == tag))
            })
            .collect()
    }

    /// `restic dump SNAPSHOT PATH`.
    pub fn dump(&self, snapshot: &str, path: &str) -> Vec<u8> {
        let out = self
            .restic()
            .args(["dump", snapshot, path])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "restic dump {path}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    }

    /// `restic restore SNAPSHOT --target DIR`.
    pub fn restore(&self, snapshot: &str, target: &Path) {
        sh(self
            .restic()
            .args(["restore", snapshot, "--target"])
            .arg(target));
    }
}

/// A test world: a temp root, a state dir, a manifest file, the fake
/// systemctl, and helpers to run `atelier-backup`.
pub struct World {
    // Dropped first (fields drop in order): it reads its pid files, which
    // live under `root`, to kill the unit processes it started.
    pub systemctl: FakeSystemctl,
    pub root: tempfile::TempDir,
    pub manifest: Manifest,
}

impl World {
    pub fn new() -> Self {
        let root = tempdir();
        let systemctl = FakeSystemctl::new(&root.path().join("systemd"));
        let manifest = Manifest {
            version: 1,
            host: "testhost".into(),
            generator: Some("tests".into()),
            repositories: BTreeMap::new(),
            services: BTreeMap::new(),
            postgres: PostgresConnection::default(),
            monitoring: atelier::plan::MaintenanceMonitoring::default(),
        };
        Self {
            systemctl,
            root,
            manifest,
        }
    }

    /// A world with a local repository `default` and one files-only
    /// service `name` backing up the (empty) data directory `data/<name>`.
    /// Returns the world, the repository and the data directory.
    pub fn with_files_service(name: &str) -> (Self, Repo, PathBuf) {
        let mut w = Self::new();
        let repo = w.add_local_repo("default");
        let d = w.data_dir(name);
        w.add_service(name, files_service(&[&d], &["default"]));
        (w, repo, d)
    }

    pub fn path(&self) -> &Path {
        self.root.path()
    }

    pub fn state_dir(&self) -> PathBuf {
        self.path().join("state")
    }

    pub fn manifest_path(&self) -> PathBuf {
        self.path().join("manifest.json")
    }

    /// A fresh local repository registered under `name`.
    pub fn add_local_repo(&mut self, name: &str) -> Repo {
        let repo = Repo::local(self.root.path(), &format!("repo-{name}"));
        self.manifest
            .repositories
            .insert(name.into(), repo.manifest_entry());
        repo
    }

    pub fn add_service(&mut self, name: &str, service: Service) {
        self.manifest.services.insert(name.into(), service);
    }

    /// A data directory `data/<name>` with files.
    pub fn data_dir(&self, name: &str) -> PathBuf {
        let d = self.path().join("data").join(name);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    /// Writes the manifest atomically (temp file + rename): a command
    /// started earlier may be reading it right now.
    pub fn write_manifest(&self) {
        let text = self.manifest.to_json_pretty();
        if std::fs::read_to_string(self.manifest_path()).is_ok_and(|t| t == text) {
            return;
        }
        let tmp = self
            .path()
            .join(format!(".manifest.{}.tmp", std::process::id()));
        std::fs::write(&tmp, text).unwrap();
        std::fs::rename(&tmp, self.manifest_path()).unwrap();
    }

    /// `atelier-backup` with this world's manifest, state dir and systemctl.
    pub fn cmd(&self) -> Command {
        self.write_manifest();
        let mut c = Command::new(env!("CARGO_BIN_EXE_atelier-backup"));
        c.env("ATELIER_MANIFEST", self.manifest_path())
            .env("ATELIER_STATE_DIR", self.state_dir())
            .env("ATELIER_SYSTEMCTL", self.systemctl.program())
            .env("ATELIER_LOCK_TIMEOUT", "60s")
            .env_remove("RESTIC_PASSWORD")
            .env_remove("RESTIC_REPOSITORY")
            .stdin(Stdio::null());
        c
    }

    /// Runs `atelier-backup ARGS`; returns (exit code, stdout, stderr).
    pub fn run(&self, args: &[&str]) -> (i32, String, String) {
        let out = self.cmd().args(args).output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// `atelier-backup ARGS` with `ATELIER_RESTIC` set to `restic` (a
    /// wrapper); returns its output.
    pub fn output_with_restic(&self, restic: &Path, args: &[&str]) -> Output {
        self.cmd()
            .env("ATELIER_RESTIC", restic)
            .args(args)
            .output()
            .unwrap()
    }

    /// `atelier-backup ARGS` run in the world's root directory (where a
    /// relative canary would appear); returns its output.
    pub fn output_in_root(&self, args: &[&str]) -> Output {
        self.cmd()
            .current_dir(self.path())
            .args(args)
            .output()
            .unwrap()
    }

    /// The last run record of service `svc` (`runs/<svc>/last.json`).
    pub fn last_record(&self, svc: &str) -> serde_json::Value {
        let p = self.state_dir().join(format!("runs/{svc}/last.json"));
        serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap()
    }

    /// Defines unit `name` as a long-running process and starts it.
    pub fn running_unit(&self, name: &str) {
        self.systemctl.define(name, "exec sleep 1000\n");
        self.systemctl.start(name);
    }

    /// `run` that must succeed.
    pub fn run_ok(&self, args: &[&str]) -> String {
        let (code, out, err) = self.run(args);
        assert_eq!(
            code, 0,
            "atelier-backup {args:?} failed\nstdout:\n{out}\nstderr:\n{err}"
        );
        out
    }

    /// Every file under the state dir, concatenated (for secret checks).
    pub fn state_text(&self) -> String {
        let mut s = String::new();
        for e in walkdir::WalkDir::new(self.state_dir())
            .into_iter()
            .filter_map(Result::ok)
        {
            if e.file_type().is_file() && !e.path().starts_with(self.state_dir().join("cache")) {
                if let Ok(t) = std::fs::read(e.path()) {
                    s.push_str(&String::from_utf8_lossy(&t));
                }
            }
        }
        s
    }
}

/// A service with only `files`.
pub fn files_service(paths: &[&Path], repos: &[&str]) -> Service {
    Service {
        files: paths.iter().map(|p| p.display().to_string()).collect(),
        repositories: repos.iter().map(|r| (*r).to_owned()).collect(),
        ..Service::default()
    }
}

/// The fake `systemctl` (`ATELIER_SYSTEMCTL`): a shell script that records
/// every call in `calls.log` and really stops and starts processes. A unit
/// `U` is defined by `units/U.cmd` (a shell script); `start` runs it in the
/// background in its own session and keeps its pid in `units/U.pid`; `stop`
/// terminates that session and waits until it is gone; `is-active` tells
/// whether it runs. A unit with `units/U.oneshot` runs in the foreground
/// and `start` returns its exit code (like a oneshot service).
pub struct FakeSystemctl {
    pub dir: PathBuf,
}

const FAKE_SYSTEMCTL: &str = r#"#!/bin/bash
dir="$(cd "$(dirname "$0")" && pwd)"
verb="$1"; shift
echo "$verb $*" >> "$dir/calls.log"
alive() { [ -e "/proc/$1" ] && ! grep -q '^[0-9]* ([^)]*) Z' "/proc/$1/stat" 2>/dev/null; }
case "$verb" in
  is-active)
    pidf="$dir/units/$1.pid"
    if [ -f "$pidf" ] && alive "$(cat "$pidf")"; then echo active; exit 0; fi
    echo inactive; exit 3 ;;
  stop)
    for u in "$@"; do
      pidf="$dir/units/$u.pid"
      if [ -f "$pidf" ]; then
        pid="$(cat "$pidf")"
        kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
        while alive "$pid"; do sleep 0.02; done
        rm -f "$pidf"
        echo "stopped $u" >> "$dir/events.log"
      fi
    done ;;
  start)
    for u in "$@"; do
      cmdf="$dir/units/$u.cmd"
      [ -f "$cmdf" ] || { echo "Failed to start $u: Unit $u not found." >&2; exit 5; }
      if [ -f "$dir/units/$u.oneshot" ]; then
        bash "$cmdf" || { echo "Job for $u failed because the control process exited with error code." >&2; exit 1; }
        continue
      fi
      setsid bash "$cmdf" </dev/null >>"$dir/units/$u.out" 2>&1 &
      echo $! > "$dir/units/$u.pid"
      echo "started $u" >> "$dir/events.log"
    done ;;
  *) echo "fake systemctl: unsupported verb $verb" >&2; exit 2 ;;
esac
"#;

impl FakeSystemctl {
    pub fn new(dir: &Path) -> Self {
        std::fs::create_dir_all(dir.join("units")).unwrap();
        let program = dir.join("systemctl");
        std::fs::write(&program, FAKE_SYSTEMCTL).unwrap();
        std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755)).unwrap();
        Self {
            dir: dir.to_owned(),
        }
    }

    pub fn program(&self) -> PathBuf {
        self.dir.join("systemctl")
    }

    /// Defines unit `name` running `script` (bash).
    pub fn define(&self, name: &str, script: &str) {
        std::fs::write(self.dir.join("units").join(format!("{name}.cmd")), script).unwrap();
    }

    /// Defines a oneshot unit (start blocks and returns its exit code).
    pub fn define_oneshot(&self, name: &str, script: &str) {
        self.define(name, script);
        std::fs::write(self.dir.join("units").join(format!("{name}.oneshot")), "").unwrap();
    }

    /// `systemctl start name` through the fake.
    pub fn start(&self, name: &str) {
        sh(Command::new(self.program()).args(["start", name]));
    }

    pub fn pid(&self, name: &str) -> Option<i32> {
        std::fs::read_to_string(self.dir.join("units").join(format!("{name}.pid")))
            .ok()
            .and_then(|s| s.trim().parse().ok())
    }

    pub fn is_running(&self, name: &str) -> bool {
        Command::new(self.program())
            .args(["is-active", name])
            .output()
            .is_ok_and(|o| o.status.success())
    }

    /// Recorded calls, one per line (`stop a.service`, …).
    pub fn calls(&self) -> Vec<String> {
        std::fs::read_to_string(self.dir.join("calls.log"))
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    /// What really happened (`stopped U`, `started U`).
    pub fn events(&self) -> Vec<String> {
        std::fs::read_to_string(self.dir.join("events.log"))
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

impl Drop for FakeSystemctl {
    fn drop(&mut self) {
        if let Ok(rd) = std::fs::read_dir(self.dir.join("units")) {
            for e in rd.filter_map(Result::ok) {
                if e.path().extension().is_some_and(|x| x == "pid") {
                    if let Some(pid) = std::fs::read_to_string(e.path())
                        .ok()
                        .and_then(|s| s.trim().parse::<i32>().ok())
                    {
                        let _ = nix::sys::signal::killpg(
                            nix::unistd::Pid::from_raw(pid),
                            nix::sys::signal::Signal::SIGKILL,
                        );
                    }
                }
            }
        }
    }
}

/// A running SQLite writer process (`atelier-bench sqlite-writer`).
pub struct Writer {
    child: Option<Child>,
    stop_file: PathBuf,
    lines: Option<std::io::Lines<BufReader<std::process::ChildStdout>>>,
}

pub fn writer_program() -> &'static str {
    env!("CARGO_BIN_EXE_atelier-bench")
}

impl Writer {
    /// Starts a writer on `db` and waits until it has committed `ready` rows.
    pub fn start(db: &Path, ready: u64) -> Self {
        let stop_file = db.with_extension("stop");
        let _ = std::fs::remove_file(&stop_file);
        let mut child = Command::new(writer_program())
            .arg("sqlite-writer")
            .arg(db)
            .arg(&stop_file)
            .args(["--interval-ms", "2", "--ready-after", &ready.to_string()])
            .stdout(Stdio::piped())
            .stdin(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let first = lines.next().expect("writer output").unwrap();
        assert_eq!(first, "ready");
        Self {
            child: Some(child),
            stop_file,
            lines: Some(lines),
        }
    }

    /// Stops the writer and returns its statistics.
    pub fn stop(mut self) -> atelier::runtime::writer::WriterStats {
        std::fs::write(&self.stop_file, "").unwrap();
        let line = self.lines.take().unwrap().next().expect("stats").unwrap();
        let _ = self.child.take().unwrap().wait();
        serde_json::from_str(&line).unwrap()
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// A free TCP port on 127.0.0.1.
/// A port free now and never handed out before in this process: tests of
/// one binary run in parallel, and two servers given the same port would
/// see one of them fail to listen while the other answers for it (and then
/// goes away with its own test).
pub fn free_port() -> u16 {
    static GIVEN: std::sync::Mutex<Vec<u16>> = std::sync::Mutex::new(Vec::new());
    let mut given = GIVEN
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    loop {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        if !given.contains(&port) {
            given.push(port);
            return port;
        }
    }
}

fn wait_for_port(port: u16, child: &mut Child, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("{what} exited early: {status}");
        }
        assert!(Instant::now() < deadline, "{what} did not listen on {port}");
        std::thread::sleep(Duration::from_millis(50));
    }
    // What answered must be this server, not another process on that port.
    std::thread::sleep(Duration::from_millis(100));
    if let Ok(Some(status)) = child.try_wait() {
        panic!("{what} exited early: {status} (port {port} taken by another process?)");
    }
}

/// `rclone serve restic` on 127.0.0.1 serving `dir`.
pub struct RestServer {
    child: Child,
    pub url: String,
}

impl RestServer {
    pub fn start(dir: &Path) -> Self {
        Self::start_on(dir, free_port())
    }

    /// On a given port (a server coming back where it was).
    pub fn start_on(dir: &Path, port: u16) -> Self {
        Self::start_with(dir, port, &[])
    }

    /// On a given port with further `rclone serve restic` options (such
    /// as `--user U --pass P` for basic auth).
    pub fn start_with(dir: &Path, port: u16, options: &[&str]) -> Self {
        std::fs::create_dir_all(dir).unwrap();
        let mut child = Command::new("rclone")
            .args(["serve", "restic", "--addr", &format!("127.0.0.1:{port}")])
            .args(options)
            .arg(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("rclone (apt-get install rclone)");
        wait_for_port(port, &mut child, "rclone serve restic");
        Self {
            child,
            url: format!("rest:http://127.0.0.1:{port}/"),
        }
    }
}

impl RestServer {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for RestServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An S3 server on 127.0.0.1 (moto's `moto_server`), or `None` with a
/// visible SKIP message when it is not installed. Any access key works.
pub struct S3Server {
    child: Child,
    pub endpoint: String,
}

impl S3Server {
    pub fn start() -> Option<Self> {
        let port = free_port();
        let child = Command::new("moto_server")
            .args(["-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let Ok(mut child) = child else {
            eprintln!(
                "SKIP: moto_server (pip install 'moto[server]') is not installed: no S3 server"
            );
            return None;
        };
        wait_for_port(port, &mut child, "moto_server");
        Some(Self {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
        })
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A throwaway PostgreSQL cluster listening only on a unix socket in a temp
/// dir, run as `postgres` when the tests run as root (`support::pg::Cluster`,
/// which `atelier-bench` uses too, with panics instead of errors).
pub struct PgCluster(pg::Cluster);

impl std::ops::Deref for PgCluster {
    type Target = pg::Cluster;
    fn deref(&self) -> &pg::Cluster {
        &self.0
    }
}

impl PgCluster {
    pub fn start(parent: &Path) -> Self {
        Self(pg::Cluster::start(parent).unwrap_or_else(|e| panic!("{e:#}")))
    }

    /// `psql -d db -c sql`, tuples only, unaligned.
    pub fn psql(&self, db: &str, sql: &str) -> String {
        self.0.psql(db, sql).unwrap_or_else(|e| panic!("{e:#}"))
    }

    /// What the manifest's `postgres` section says for this cluster.
    pub fn connection(&self) -> PostgresConnection {
        PostgresConnection {
            host: Some(self.socket_dir.display().to_string()),
            port: Some(self.port),
            run_as: self.run_as.clone().unwrap_or_else(|| {
                nix::unistd::User::from_uid(nix::unistd::Uid::current())
                    .unwrap()
                    .unwrap()
                    .name
            }),
        }
    }
}

/// One HTTP request a [`PingServer`] received.
#[derive(Debug, Clone)]
pub struct Ping {
    pub method: String,
    pub path: String,
    pub body: String,
}

/// A healthchecks-like HTTP server on 127.0.0.1 that records every request
/// and answers `200 OK`.
pub struct PingServer {
    pub port: u16,
    pings: std::sync::Arc<std::sync::Mutex<Vec<Ping>>>,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl PingServer {
    pub fn start() -> Self {
        use std::io::{Read as _, Write as _};
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let pings = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (p, s) = (pings.clone(), stop.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if s.load(std::sync::atomic::Ordering::SeqCst) {
                    break;
                }
                let Ok(mut conn) = conn else { continue };
                let mut reader = BufReader::new(conn.try_clone().unwrap());
                let mut request_line = String::new();
                if reader.read_line(&mut request_line).is_err() {
                    continue;
                }
                let mut length = 0usize;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    if let Some((k, v)) = line.split_once(':') {
                        if k.eq_ignore_ascii_case("content-length") {
                            length = v.trim().parse().unwrap_or(0);
                        }
                    }
                }
                let mut body = vec![0; length];
                let _ = reader.read_exact(&mut body);
                let mut parts = request_line.split_whitespace();
                p.lock().unwrap().push(Ping {
                    method: parts.next().unwrap_or_default().to_owned(),
                    path: parts.next().unwrap_or_default().to_owned(),
                    body: String::from_utf8_lossy(&body).into_owned(),
                });
                let _ = conn.write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nOK",
                );
            }
        });
        Self { port, pings, stop }
    }

    pub fn url(&self, token: &str) -> String {
        format!("http://127.0.0.1:{}/ping/{token}", self.port)
    }

    pub fn pings(&self) -> Vec<Ping> {
        self.pings.lock().unwrap().clone()
    }
}

impl Drop for PingServer {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        let _ = std::net::TcpStream::connect(("127.0.0.1", self.port));
    }
}
