//! Faults during `atelier-backup run`. Each case ends with: live data
//! untouched (hashes), units in their original state, a state record and an
//! exit code that say what failed, and the next run succeeding.

mod common;

use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use atelier::plan::{Dump, Service};
use common::{tree_hashes, World};

/// Data directory with a few files and a SQLite database.
fn service_data(w: &World, name: &str) -> (PathBuf, PathBuf) {
    let d = w.data_dir(name);
    std::fs::write(d.join("a.txt"), "alpha").unwrap();
    std::fs::create_dir_all(d.join("sub dir")).unwrap();
    std::fs::write(d.join("sub dir/b.bin"), vec![7u8; 100_000]).unwrap();
    let db = w.path().join(format!("{name}.db"));
    common::sh(
        std::process::Command::new("sqlite3")
            .arg(&db)
            .arg("create table t(x); insert into t values ('live');"),
    );
    (d, db)
}

/// Waits (bounded) until `path` exists: the fault is injected at a known step.
fn wait_for(path: &Path) {
    for _ in 0..2400 {
        if path.exists() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(25));
    }
    panic!("{} never appeared", path.display());
}

#[test]
fn repository_disappears_mid_backup() {
    let mut w = World::new();
    let server = common::RestServer::start(&w.path().join("rest"));
    let url = server.url.clone();
    let repo = common::Repo::init(w.path(), "rest", url.clone());
    // restic 0.18 retries a refused connection for about 15 minutes: the
    // repository's timeout bounds it.
    let mut entry = repo.manifest_entry();
    entry.timeout = Some("30s".into());
    w.manifest.repositories.insert("default".into(), entry);
    let (d, db) = service_data(&w, "app");
    let before = tree_hashes(&d);
    // Kill the REST server from inside the run, after the lock and the
    // repository setup, right before the data is staged and uploaded.
    let pid_file = w.path().join("rclone.pid");
    let mut svc = common::files_service(&[&d], &["default"]);
    svc.sqlite = vec![db.display().to_string()];
    svc.hooks.pre_backup = Some(format!("kill -KILL \"$(cat '{}')\"", pid_file.display()));
    w.add_service("app", svc);
    std::fs::write(&pid_file, server.pid().to_string()).unwrap();
    let (code, out, err) = w.run(&["--json", "run", "app"]);
    assert_eq!(code, 1, "{err}");
    let rec = w.last_record("app");
    assert_eq!(rec["result"], "failed");
    let out: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(out["result"], "failed");
    let msg = rec["error"].as_str().unwrap();
    // restic names the refused connection, or (0.18, which retries a
    // refused connection) the repository's timeout stops it first.
    assert!(
        msg.contains("127.0.0.1")
            || msg.to_lowercase().contains("connect")
            || msg.contains("the repository `default` did not answer in time"),
        "{msg}"
    );
    assert_eq!(tree_hashes(&d), before, "live data changed");
    // The repository comes back (same directory, same port): next run works.
    drop(server);
    let port: u16 = url
        .rsplit(':')
        .next()
        .unwrap()
        .trim_end_matches('/')
        .parse()
        .unwrap();
    let _server = common::RestServer::start_on(&w.path().join("rest"), port);
    w.manifest.services.get_mut("app").unwrap().hooks.pre_backup = None;
    w.run_ok(&["run", "app"]);
    assert_eq!(w.last_record("app")["result"], "success");
    assert_eq!(repo.snapshots_tagged("service:app").len(), 1);
}

#[test]
fn password_file_missing_or_unreadable() {
    let mut w = World::new();
    let repo = w.add_local_repo("default");
    let (d, _db) = service_data(&w, "app");
    let before = tree_hashes(&d);
    w.add_service("app", common::files_service(&[&d], &["default"]));
    let pw = repo.password_file.clone();
    let saved = std::fs::read(&pw).unwrap();
    // Missing.
    std::fs::remove_file(&pw).unwrap();
    let (code, _o, err) = w.run(&["run", "app"]);
    assert_ne!(code, 0);
    assert!(
        err.contains(&pw.display().to_string()),
        "error does not name the file: {err}"
    );
    // Unreadable even for root: a directory where the file should be.
    std::fs::create_dir(&pw).unwrap();
    let (code, _o, err) = w.run(&["run", "app"]);
    assert_ne!(code, 0);
    assert!(err.contains(&pw.display().to_string()), "{err}");
    assert_eq!(w.last_record("app")["result"], "failed");
    assert_eq!(tree_hashes(&d), before);
    std::fs::remove_dir(&pw).unwrap();
    std::fs::write(&pw, saved).unwrap();
    assert_eq!(repo.snapshots().len(), 0);
    w.run_ok(&["run", "app"]);
    assert_eq!(w.last_record("app")["result"], "success");
}

/// A `systemctl` wrapper that fails one verb for one unit while a flag file
/// exists, and otherwise delegates to the fake systemctl.
fn flaky_systemctl(w: &World, verb: &str, unit: &str, flag: &Path) -> PathBuf {
    let p = w.path().join(format!("systemctl-flaky-{verb}"));
    common::write_script(
        &p,
        &format!(
            "#!/bin/bash\nif [ -e '{flag}' ] && [ \"$1\" = {verb} ] && [[ \" $* \" == *' {unit} '* ]]; then echo \"Job for {unit} failed (injected)\" >&2; exit 1; fi\nexec '{real}' \"$@\"\n",
            flag = flag.display(),
            real = w.systemctl.program().display()
        ),
    );
    p
}

/// `atelier-backup run app` with `systemctl` as `ATELIER_SYSTEMCTL`;
/// returns its exit code and stderr.
fn run_app_with_systemctl(w: &World, systemctl: &Path) -> (Option<i32>, String) {
    let o = w
        .cmd()
        .env("ATELIER_SYSTEMCTL", systemctl)
        .args(["run", "app"])
        .output()
        .unwrap();
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// Service `app` backing up `d` and the SQLite database `db`, with its unit
/// `app.service` running now and stopped for the backup.
fn stopping_service(w: &World, d: &Path, db: &Path) -> Service {
    w.running_unit("app.service");
    let mut svc = common::files_service(&[d], &["default"]);
    svc.sqlite = vec![db.display().to_string()];
    svc.units = vec!["app.service".into()];
    svc.stop_for_backup = true;
    svc
}

#[test]
fn units_that_fail_to_stop_or_start() {
    let mut w = World::new();
    let repo = w.add_local_repo("default");
    let (d, db) = service_data(&w, "app");
    let before = tree_hashes(&d);
    let svc = stopping_service(&w, &d, &db);
    w.add_service("app", svc);
    let flag = w.path().join("fail-now");
    std::fs::write(&flag, "").unwrap();

    // Stop fails: no backup, the unit keeps running.
    let stop_fails = flaky_systemctl(&w, "stop", "app.service", &flag);
    let (code, err) = run_app_with_systemctl(&w, &stop_fails);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("app.service"), "{err}");
    assert!(w.systemctl.is_running("app.service"));
    assert_eq!(w.last_record("app")["result"], "failed");
    assert_eq!(repo.snapshots().len(), 0);

    // Start fails after the copy: the run fails and says so; the unit is
    // started again by the next run's operator action (here: the flag
    // removed) and the next run succeeds.
    let start_fails = flaky_systemctl(&w, "start", "app.service", &flag);
    let (code, err) = run_app_with_systemctl(&w, &start_fails);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("app.service") && err.contains("start"),
        "{err}"
    );
    let rec = w.last_record("app");
    assert_eq!(rec["result"], "failed");
    assert!(
        rec["error"].as_str().unwrap().contains("app.service"),
        "{rec}"
    );
    assert_eq!(tree_hashes(&d), before);
    std::fs::remove_file(&flag).unwrap();
    w.systemctl.start("app.service");
    w.run_ok(&["run", "app"]);
    assert!(w.systemctl.is_running("app.service"));
    assert_eq!(w.last_record("app")["result"], "success");
}

/// A service whose dump blocks (after its units were stopped) until
/// released, telling the test through a marker file that it got there.
fn blocking_service(w: &mut World, marker: &Path, release: &Path) -> PathBuf {
    let (d, db) = service_data(w, "app");
    let mut svc = stopping_service(w, &d, &db);
    svc.dumps.insert(
        "slow".into(),
        Dump {
            backup_cmd: format!(
                "touch '{m}'; while [ ! -e '{r}' ]; do sleep 0.05; done; echo dumped",
                m = marker.display(),
                r = release.display()
            ),
            restore_cmd: "cat >/dev/null".into(),
            user: None,
            backup_name: None,
        },
    );
    // stopForBackup with databases restarts units after the copy; keep them
    // stopped through the dump with files only.
    svc.sqlite.clear();
    w.add_service("app", svc);
    d
}

fn spawn_run(w: &World) -> std::process::Child {
    w.cmd()
        .args(["run", "app"])
        .process_group(0)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// A run of `app` held inside its dump (its unit stopped) until `release`
/// exists; `before` hashes the live data.
struct BlockedRun {
    w: World,
    repo: common::Repo,
    d: PathBuf,
    before: Vec<(PathBuf, String)>,
    release: PathBuf,
    child: std::process::Child,
}

impl BlockedRun {
    /// Starts `atelier-backup run app` and waits until it is in the dump.
    fn start() -> Self {
        let mut w = World::new();
        let repo = w.add_local_repo("default");
        let marker = w.path().join("in-dump");
        let release = w.path().join("release");
        let d = blocking_service(&mut w, &marker, &release);
        let before = tree_hashes(&d);
        let child = spawn_run(&w);
        wait_for(&marker);
        Self {
            w,
            repo,
            d,
            before,
            release,
            child,
        }
    }

    /// Sends `signal` to the run's whole process group, as systemd does.
    fn signal(&self, signal: nix::sys::signal::Signal) {
        let pgid = nix::unistd::Pid::from_raw(i32::try_from(self.child.id()).unwrap());
        nix::sys::signal::killpg(pgid, signal).unwrap();
    }
}

#[test]
fn sigterm_during_run_restarts_units_and_records_it() {
    let run = BlockedRun::start();
    assert!(
        !run.w.systemctl.is_running("app.service"),
        "unit should be stopped during the dump"
    );
    // Like systemd: SIGTERM to the whole group.
    run.signal(nix::sys::signal::Signal::SIGTERM);
    let BlockedRun {
        w,
        repo,
        d,
        before,
        release,
        child,
    } = run;
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    let rec = w.last_record("app");
    assert_eq!(rec["result"], "failed");
    assert!(rec["error"].as_str().unwrap().contains("SIGTERM"), "{rec}");
    assert!(
        w.systemctl.is_running("app.service"),
        "unit left stopped after SIGTERM"
    );
    assert_eq!(repo.snapshots().len(), 0);
    assert_eq!(tree_hashes(&d), before);
    std::fs::write(&release, "").unwrap();
    w.run_ok(&["run", "app"]);
    assert_eq!(repo.snapshots().len(), 1);
    assert!(w.systemctl.is_running("app.service"));
}

#[test]
fn sigkill_during_run_then_the_next_run_recovers() {
    let run = BlockedRun::start();
    run.signal(nix::sys::signal::Signal::SIGKILL);
    let BlockedRun {
        w,
        repo,
        d,
        before,
        release,
        mut child,
    } = run;
    let status = child.wait().unwrap();
    assert_eq!(status.code(), None);
    assert_eq!(tree_hashes(&d), before);
    assert_eq!(repo.snapshots().len(), 0);
    // Nothing can run inside a SIGKILLed process: the next run finds the
    // leftovers (stale staging, the units it had stopped) and recovers.
    std::fs::write(&release, "").unwrap();
    let (code, _o, err) = w.run(&["run", "app"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(w.last_record("app")["result"], "success");
    assert_eq!(repo.snapshots().len(), 1);
    assert!(
        w.systemctl.is_running("app.service"),
        "units stopped by the killed run were not started again:\n{err}"
    );
}

/// A tmpfs mounted on a directory for the test's lifetime; unmounted on drop
/// (also when the test panics).
struct Tmpfs {
    dir: PathBuf,
}

impl Tmpfs {
    /// `Err(reason)` when mounting is not possible here (not root, no
    /// permission in this container): the caller skips visibly.
    fn mount(dir: &Path, size: &str) -> Result<Self, String> {
        if !common::is_root() {
            return Err("not root".into());
        }
        std::fs::create_dir_all(dir).unwrap();
        let out = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size},mode=0700")])
            .arg("tmpfs")
            .arg(dir)
            .output()
            .map_err(|e| format!("cannot run mount: {e}"))?;
        if out.status.success() {
            Ok(Self {
                dir: dir.to_owned(),
            })
        } else {
            Err(format!(
                "mount -t tmpfs failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ))
        }
    }

    fn remount(&self, size: &str) {
        common::sh(
            std::process::Command::new("mount")
                .args(["-o", &format!("remount,size={size}")])
                .arg(&self.dir),
        );
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let ok = std::process::Command::new("umount")
            .arg(&self.dir)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            let _ = std::process::Command::new("umount")
                .arg("-l")
                .arg(&self.dir)
                .status();
        }
    }
}

/// Rows of table `t` and the result of `PRAGMA integrity_check`.
fn db_state(db: &Path) -> (Vec<(i64, Vec<u8>)>, String) {
    let c = rusqlite::Connection::open(db).unwrap();
    let ok: String = c
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    let mut st = c.prepare("SELECT id, v FROM t ORDER BY id").unwrap();
    let rows = st
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    (rows, ok)
}

#[test]
fn disk_full_in_staging() {
    let mut w = World::new();
    let repo = w.add_local_repo("default");
    let d = w.data_dir("app");
    std::fs::write(d.join("a.txt"), "alpha").unwrap();
    let before_files = tree_hashes(&d);
    // A 4 MiB database (incompressible rows, WAL mode with uncheckpointed
    // pages) that cannot fit into a 2 MiB staging filesystem.
    let db = w.path().join("app.db");
    {
        let c = rusqlite::Connection::open(&db).unwrap();
        c.execute_batch(
            "PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0; CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB);",
        )
        .unwrap();
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for i in 0..1024 {
            let blob: Vec<u8> = (0..4096)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    x.to_le_bytes()[0]
                })
                .collect();
            c.execute("INSERT INTO t VALUES (?1, ?2)", rusqlite::params![i, blob])
                .unwrap();
        }
    }
    let (rows_before, ok) = db_state(&db);
    assert_eq!(ok, "ok");
    assert_eq!(rows_before.len(), 1024);

    w.running_unit("app.service");
    let mut svc = common::files_service(&[&d], &["default"]);
    svc.sqlite = vec![db.display().to_string()];
    svc.units = vec!["app.service".into()];
    w.add_service("app", svc);

    // The staging directory is `ATELIER_STATE_DIR/staging/<service>`; its
    // parent is where an operator would mount a dedicated filesystem.
    let staging_root = w.state_dir().join("staging");
    let tmpfs = match Tmpfs::mount(&staging_root, "2m") {
        Ok(t) => t,
        Err(why) => {
            eprintln!("SKIP: disk_full_in_staging: cannot mount a tmpfs ({why})");
            return;
        }
    };
    let staging = staging_root.join("app");

    // Online copy, then with the units stopped for the copy.
    for stop_for_backup in [false, true] {
        w.manifest.services.get_mut("app").unwrap().stop_for_backup = stop_for_backup;
        let calls_before = w.systemctl.calls().len();
        let (code, out, err) = w.run(&["--json", "run", "app"]);
        let ctx = format!("stopForBackup={stop_for_backup}\nstderr:\n{err}");
        assert_eq!(code, 1, "{ctx}");
        let lower = err.to_lowercase();
        assert!(lower.contains("no space left"), "{ctx}");
        assert!(err.contains(&staging.display().to_string()), "{ctx}");
        assert!(
            lower.contains("free space") && lower.contains("atelier_state_dir"),
            "the error says what to do: {ctx}"
        );
        let out: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(out["result"], "failed", "{ctx}");
        let rec = w.last_record("app");
        assert_eq!(rec["result"], "failed", "{ctx}");
        let msg = rec["error"].as_str().unwrap();
        assert!(
            msg.contains("no space left") && msg.contains(&staging.display().to_string()),
            "{msg}"
        );
        assert!(
            rec["repositories"]["default"]["snapshotId"].is_null(),
            "{rec}"
        );
        assert_eq!(repo.snapshots().len(), 0, "a snapshot was created: {ctx}");
        assert!(!staging.exists(), "staging left behind: {ctx}");
        assert_eq!(
            std::fs::read_dir(&staging_root).unwrap().count(),
            0,
            "the staging filesystem is not empty: {ctx}"
        );
        assert_eq!(db_state(&db), (rows_before.clone(), "ok".into()), "{ctx}");
        assert_eq!(tree_hashes(&d), before_files, "{ctx}");
        assert!(w.systemctl.is_running("app.service"), "{ctx}");
        let calls: Vec<String> = w.systemctl.calls()[calls_before..].to_vec();
        let stops = calls.iter().filter(|c| c.starts_with("stop ")).count();
        let starts = calls.iter().filter(|c| c.starts_with("start ")).count();
        if stop_for_backup {
            assert_eq!((stops, starts), (1, 1), "{calls:?}");
        } else {
            assert_eq!((stops, starts), (0, 0), "{calls:?}");
        }
        assert!(
            !w.state_dir().join("runs/app/stopped-units.json").exists(),
            "{ctx}"
        );
    }

    // With room, the next run succeeds and the snapshot holds every row.
    tmpfs.remount("64m");
    let (code, _o, err) = w.run(&["run", "app"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(w.last_record("app")["result"], "success");
    let snaps = repo.snapshots_tagged("service:app");
    assert_eq!(snaps.len(), 1);
    assert!(!staging.exists());
    assert!(w.systemctl.is_running("app.service"));
    let copy = w.path().join("from-snapshot.db");
    let staged = staging.join("sqlite/0-app.db");
    std::fs::write(
        &copy,
        repo.dump(
            snaps[0]["id"].as_str().unwrap(),
            &staged.display().to_string(),
        ),
    )
    .unwrap();
    assert_eq!(db_state(&copy), (rows_before, "ok".into()));
    drop(tmpfs);
}
