//! Faults during `atelier-backup run`. Each case ends with: live data
//! untouched (hashes), units in their original state, a state record and an
//! exit code that say what failed, and the next run succeeding.

mod common;

use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use atelier::plan::Dump;
use common::World;
use sha2::Digest as _;

/// sha256 of every file under `dir`, sorted by path.
fn hashes(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut v: Vec<_> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let h = hex::encode(sha2::Sha256::digest(std::fs::read(e.path()).unwrap()));
            (e.path().to_owned(), h)
        })
        .collect();
    v.sort();
    v
}

fn last_record(w: &World, svc: &str) -> serde_json::Value {
    let p = w.state_dir().join(format!("runs/{svc}/last.json"));
    serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap()
}

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
    w.manifest
        .repositories
        .insert("default".into(), repo.manifest_entry());
    let (d, db) = service_data(&w, "app");
    let before = hashes(&d);
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
    let rec = last_record(&w, "app");
    assert_eq!(rec["result"], "failed");
    let out: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(out["result"], "failed");
    let msg = rec["error"].as_str().unwrap();
    assert!(
        msg.contains("127.0.0.1") || msg.to_lowercase().contains("connect"),
        "{msg}"
    );
    assert_eq!(hashes(&d), before, "live data changed");
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
    assert_eq!(last_record(&w, "app")["result"], "success");
    assert_eq!(repo.snapshots_tagged("service:app").len(), 1);
}

#[test]
fn password_file_missing_or_unreadable() {
    let mut w = World::new();
    let repo = w.add_local_repo("default");
    let (d, _db) = service_data(&w, "app");
    let before = hashes(&d);
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
    assert_eq!(last_record(&w, "app")["result"], "failed");
    assert_eq!(hashes(&d), before);
    std::fs::remove_dir(&pw).unwrap();
    std::fs::write(&pw, saved).unwrap();
    assert_eq!(repo.snapshots().len(), 0);
    w.run_ok(&["run", "app"]);
    assert_eq!(last_record(&w, "app")["result"], "success");
}

/// A `systemctl` wrapper that fails one verb for one unit while a flag file
/// exists, and otherwise delegates to the fake systemctl.
fn flaky_systemctl(w: &World, verb: &str, unit: &str, flag: &Path) -> PathBuf {
    let p = w.path().join(format!("systemctl-flaky-{verb}"));
    std::fs::write(
        &p,
        format!(
            "#!/bin/bash\nif [ -e '{flag}' ] && [ \"$1\" = {verb} ] && [[ \" $* \" == *' {unit} '* ]]; then echo \"Job for {unit} failed (injected)\" >&2; exit 1; fi\nexec '{real}' \"$@\"\n",
            flag = flag.display(),
            real = w.systemctl.program().display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&p, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    p
}

#[test]
fn units_that_fail_to_stop_or_start() {
    let mut w = World::new();
    let repo = w.add_local_repo("default");
    let (d, db) = service_data(&w, "app");
    let before = hashes(&d);
    w.systemctl.define("app.service", "exec sleep 1000\n");
    w.systemctl.start("app.service");
    let mut svc = common::files_service(&[&d], &["default"]);
    svc.sqlite = vec![db.display().to_string()];
    svc.units = vec!["app.service".into()];
    svc.stop_for_backup = true;
    w.add_service("app", svc);
    let flag = w.path().join("fail-now");
    std::fs::write(&flag, "").unwrap();

    // Stop fails: no backup, the unit keeps running.
    let stop_fails = flaky_systemctl(&w, "stop", "app.service", &flag);
    let o = w
        .cmd()
        .env("ATELIER_SYSTEMCTL", &stop_fails)
        .args(["run", "app"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("app.service"), "{err}");
    assert!(w.systemctl.is_running("app.service"));
    assert_eq!(last_record(&w, "app")["result"], "failed");
    assert_eq!(repo.snapshots().len(), 0);

    // Start fails after the copy: the run fails and says so; the unit is
    // started again by the next run's operator action (here: the flag
    // removed) and the next run succeeds.
    let start_fails = flaky_systemctl(&w, "start", "app.service", &flag);
    let o = w
        .cmd()
        .env("ATELIER_SYSTEMCTL", &start_fails)
        .args(["run", "app"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("app.service") && err.contains("start"),
        "{err}"
    );
    let rec = last_record(&w, "app");
    assert_eq!(rec["result"], "failed");
    assert!(
        rec["error"].as_str().unwrap().contains("app.service"),
        "{rec}"
    );
    assert_eq!(hashes(&d), before);
    std::fs::remove_file(&flag).unwrap();
    w.systemctl.start("app.service");
    w.run_ok(&["run", "app"]);
    assert!(w.systemctl.is_running("app.service"));
    assert_eq!(last_record(&w, "app")["result"], "success");
}

/// A service whose dump blocks (after its units were stopped) until
/// released, telling the test through a marker file that it got there.
fn blocking_service(w: &mut World, marker: &Path, release: &Path) -> PathBuf {
    let (d, db) = service_data(w, "app");
    w.systemctl.define("app.service", "exec sleep 1000\n");
    w.systemctl.start("app.service");
    let mut svc = common::files_service(&[&d], &["default"]);
    svc.sqlite = vec![db.display().to_string()];
    svc.units = vec!["app.service".into()];
    svc.stop_for_backup = true;
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

#[test]
fn sigterm_during_run_restarts_units_and_records_it() {
    let mut w = World::new();
    let repo = w.add_local_repo("default");
    let marker = w.path().join("in-dump");
    let release = w.path().join("release");
    let d = blocking_service(&mut w, &marker, &release);
    let before = hashes(&d);
    let child = spawn_run(&w);
    wait_for(&marker);
    assert!(
        !w.systemctl.is_running("app.service"),
        "unit should be stopped during the dump"
    );
    // Like systemd: SIGTERM to the whole group.
    let pgid = nix::unistd::Pid::from_raw(i32::try_from(child.id()).unwrap());
    nix::sys::signal::killpg(pgid, nix::sys::signal::Signal::SIGTERM).unwrap();
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    let rec = last_record(&w, "app");
    assert_eq!(rec["result"], "failed");
    assert!(rec["error"].as_str().unwrap().contains("SIGTERM"), "{rec}");
    assert!(
        w.systemctl.is_running("app.service"),
        "unit left stopped after SIGTERM"
    );
    assert_eq!(repo.snapshots().len(), 0);
    assert_eq!(hashes(&d), before);
    std::fs::write(&release, "").unwrap();
    w.run_ok(&["run", "app"]);
    assert_eq!(repo.snapshots().len(), 1);
    assert!(w.systemctl.is_running("app.service"));
}

#[test]
fn sigkill_during_run_then_the_next_run_recovers() {
    let mut w = World::new();
    let repo = w.add_local_repo("default");
    let marker = w.path().join("in-dump");
    let release = w.path().join("release");
    let d = blocking_service(&mut w, &marker, &release);
    let before = hashes(&d);
    let mut child = spawn_run(&w);
    wait_for(&marker);
    let pgid = nix::unistd::Pid::from_raw(i32::try_from(child.id()).unwrap());
    nix::sys::signal::killpg(pgid, nix::sys::signal::Signal::SIGKILL).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), None);
    assert_eq!(hashes(&d), before);
    assert_eq!(repo.snapshots().len(), 0);
    // Nothing can run inside a SIGKILLed process: the next run finds the
    // leftovers (stale staging, the units it had stopped) and recovers.
    std::fs::write(&release, "").unwrap();
    let (code, _o, err) = w.run(&["run", "app"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(last_record(&w, "app")["result"], "success");
    assert_eq!(repo.snapshots().len(), 1);
    assert!(
        w.systemctl.is_running("app.service"),
        "units stopped by the killed run were not started again:\n{err}"
    );
}
