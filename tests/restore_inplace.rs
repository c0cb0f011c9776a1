//! `restore --in-place` against real restic repositories, SQLite and the fake
//! systemctl: byte-exact trees (modes included), stale -wal/-shm, undo with
//! the pre-restore snapshot, dry run, refusal without --yes, wrong password,
//! unreachable repository, failing preRestore hook.
// "SQLite" and "PostgreSQL" are names, not code.
#![allow(clippy::doc_markdown)]

mod common;
#[path = "common/tree.rs"]
mod tree;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use atelier::plan::Service;
use common::World;
use tree::{sqlite_rows, tree_hash};

struct App {
    w: World,
    repo: common::Repo,
    uploads: PathBuf,
    config: PathBuf,
    db: PathBuf,
}

fn set_mode(p: &Path, m: u32) {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap();
}

/// A service with a files tree (modes, symlink, binary, empty file), a
/// single-file location and a SQLite database; one snapshot taken (state A).
fn app() -> App {
    let mut w = World::new();
    let repo = w.add_local_repo("default");
    let data = w.data_dir("app");
    let uploads = data.join("uploads");
    std::fs::create_dir_all(uploads.join("sub/deeper")).unwrap();
    std::fs::write(uploads.join("a.txt"), b"alpha\n").unwrap();
    std::fs::write(uploads.join("run.sh"), b"#!/bin/sh\necho hi\n").unwrap();
    set_mode(&uploads.join("run.sh"), 0o755);
    std::fs::write(
        uploads.join("sub/secret.bin"),
        (0u8..=255).cycle().take(70_000).collect::<Vec<u8>>(),
    )
    .unwrap();
    set_mode(&uploads.join("sub/secret.bin"), 0o600);
    std::fs::write(uploads.join("sub/deeper/empty"), b"").unwrap();
    set_mode(&uploads.join("sub/deeper"), 0o700);
    std::os::unix::fs::symlink("../a.txt", uploads.join("sub/link")).unwrap();
    let config = data.join("config.toml");
    std::fs::write(&config, b"port = 1\n").unwrap();
    set_mode(&config, 0o640);
    let db = data.join("app.db");
    {
        let c = rusqlite::Connection::open(&db).unwrap();
        c.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);")
            .unwrap();
        for i in 1..=100 {
            c.execute(
                "INSERT INTO t VALUES (?1, ?2)",
                rusqlite::params![i, format!("a{i}")],
            )
            .unwrap();
        }
    }
    w.systemctl.define("app.service", "exec sleep 1000\n");
    w.systemctl.start("app.service");
    w.add_service(
        "app",
        Service {
            files: vec![uploads.display().to_string(), config.display().to_string()],
            sqlite: vec![db.display().to_string()],
            units: vec!["app.service".into()],
            ..common::files_service(&[], &["default"])
        },
    );
    w.run_ok(&["run", "app"]);
    App {
        w,
        repo,
        uploads,
        config,
        db,
    }
}

fn state(a: &App) -> (String, String, Vec<(i64, String)>) {
    (
        tree_hash(&a.uploads),
        tree_hash(&a.config),
        sqlite_rows(&a.db),
    )
}

/// State B: files changed, deleted, added, a mode changed; the database has
/// 100 more rows that are only in its WAL (the writer died: -wal and -shm stay).
fn mutate(a: &App) {
    std::fs::write(a.uploads.join("a.txt"), b"beta\n").unwrap();
    std::fs::remove_file(a.uploads.join("sub/secret.bin")).unwrap();
    std::fs::write(a.uploads.join("new.txt"), b"new").unwrap();
    set_mode(&a.uploads.join("run.sh"), 0o700);
    std::fs::write(&a.config, b"port = 2\n").unwrap();
    let c = rusqlite::Connection::open(&a.db).unwrap();
    c.execute_batch("PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0;")
        .unwrap();
    for i in 101..=200 {
        c.execute(
            "INSERT INTO t VALUES (?1, ?2)",
            rusqlite::params![i, format!("b{i}")],
        )
        .unwrap();
    }
    // Leave the WAL behind as a crashed writer would.
    std::mem::forget(c);
}

fn side(p: &Path, s: &str) -> PathBuf {
    PathBuf::from(format!("{}{s}", p.display()))
}

#[test]
fn in_place_restore_is_byte_exact_removes_stale_wal_and_can_be_undone() {
    let a = app();
    let state_a = state(&a);
    mutate(&a);
    assert!(
        side(&a.db, "-wal").exists() && side(&a.db, "-shm").exists(),
        "test setup: stale WAL expected"
    );
    let state_b = state(&a);
    assert_eq!(state_b.2.len(), 200);
    assert_ne!(state_a.0, state_b.0);

    let (code, _out, err) =
        a.w.run(&["restore", "app", "latest", "--in-place", "--yes"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("pre-restore"), "{err}");
    assert!(
        !side(&a.db, "-wal").exists(),
        "stale -wal left next to the restored database"
    );
    assert!(
        !side(&a.db, "-shm").exists(),
        "stale -shm left next to the restored database"
    );
    assert_eq!(
        state(&a),
        state_a,
        "restored data differs from the snapshot"
    );
    // Units were stopped and started again, and really run again.
    let calls = a.w.systemctl.calls();
    let stop = calls
        .iter()
        .position(|c| c == "stop app.service")
        .expect("stopped");
    assert!(
        calls[stop..].iter().any(|c| c == "start app.service"),
        "{calls:?}"
    );
    assert!(a.w.systemctl.is_running("app.service"));
    // No leftovers next to the live data.
    let leftovers: Vec<_> = std::fs::read_dir(a.uploads.parent().unwrap())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with(".atelier"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // The safety snapshot holds state B and is never "latest".
    let pre = a.repo.snapshots_tagged("pre-restore");
    assert_eq!(pre.len(), 1);
    let pre_id = pre[0]["id"].as_str().unwrap().to_owned();
    let (code, out, err) = a.w.run(&[
        "--json",
        "restore",
        "app",
        "latest",
        "--in-place",
        "--dry-run",
    ]);
    assert_eq!(code, 0, "{err}");
    let plan: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_ne!(
        plan["snapshot"],
        pre_id.as_str(),
        "latest picked the pre-restore snapshot"
    );

    // Undo: restore the pre-restore snapshot by its short id.
    let short = &pre_id[..8];
    a.w.run_ok(&["restore", "app", short, "--in-place", "--yes"]);
    assert_eq!(
        state(&a),
        state_b,
        "undo did not bring back the data from before the restore"
    );
}

#[test]
fn dry_run_and_missing_confirmation_change_nothing() {
    let a = app();
    mutate(&a);
    let before = (
        tree_hash(&a.uploads),
        tree_hash(&a.config),
        std::fs::read(&a.db).unwrap(),
        std::fs::read(side(&a.db, "-wal")).unwrap(),
    );
    let (code, _, err) = a.w.run(&["restore", "app", "--in-place", "--dry-run"]);
    assert_eq!(code, 0, "{err}");
    for needle in [
        a.uploads.display().to_string(),
        a.config.display().to_string(),
        a.db.display().to_string(),
        format!("{}-wal", a.db.display()),
        "nothing was changed".into(),
    ] {
        assert!(
            err.contains(&needle),
            "dry run does not mention {needle}:\n{err}"
        );
    }
    // Without --yes and without a terminal: refused, exit 2, says what it would replace.
    let (code, _, err) = a.w.run(&["restore", "app", "--in-place"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("--yes") && err.contains(&a.uploads.display().to_string()),
        "{err}"
    );
    let after = (
        tree_hash(&a.uploads),
        tree_hash(&a.config),
        std::fs::read(&a.db).unwrap(),
        std::fs::read(side(&a.db, "-wal")).unwrap(),
    );
    assert!(before == after, "live data changed");
    assert!(a.repo.snapshots_tagged("pre-restore").is_empty());
    assert!(!a.w.systemctl.calls().iter().any(|c| c.starts_with("stop")));
}

#[test]
fn wrong_password_or_unreachable_repository_changes_nothing_live() {
    let mut a = app();
    mutate(&a);
    let before = (
        tree_hash(&a.uploads),
        tree_hash(&a.config),
        std::fs::read(&a.db).unwrap(),
    );

    std::fs::write(&a.repo.password_file, "not the password\n").unwrap();
    let (code, _, err) = a.w.run(&["restore", "app", "--in-place", "--yes"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("wrong password"), "{err}");

    let port = common::free_port();
    let repo = a.w.manifest.repositories.get_mut("default").unwrap();
    repo.repository = Some(format!("rest:http://127.0.0.1:{port}/"));
    // restic 0.18 retries a refused connection for about 15 minutes.
    repo.timeout = Some("30s".into());
    let (code, _, err) = a.w.run(&["restore", "app", "--in-place", "--yes"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("127.0.0.1")
            || err.contains("connection refused")
            || err.contains("repository"),
        "{err}"
    );

    let after = (
        tree_hash(&a.uploads),
        tree_hash(&a.config),
        std::fs::read(&a.db).unwrap(),
    );
    assert!(before == after, "live data changed");
    assert!(
        !a.w.systemctl.calls().iter().any(|c| c.starts_with("stop")),
        "units were stopped"
    );
    assert!(a.w.systemctl.is_running("app.service"));
}

#[test]
fn failing_pre_restore_hook_rolls_back_and_starts_units() {
    let mut a = app();
    mutate(&a);
    let marker = a.w.path().join("post-restore-ran");
    let svc = a.w.manifest.services.get_mut("app").unwrap();
    svc.hooks.pre_restore = Some("echo 'cannot quiesce' >&2; exit 3".into());
    svc.hooks.post_restore = Some(format!("touch {}", marker.display()));
    let before = state(&a);
    let (code, _, err) = a.w.run(&["restore", "app", "--in-place", "--yes"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("preRestore") && err.contains("cannot quiesce"),
        "{err}"
    );
    assert!(err.contains("rolled back"), "{err}");
    assert_eq!(state(&a), before);
    assert!(
        marker.exists(),
        "postRestore did not run on the failure path"
    );
    let calls = a.w.systemctl.calls();
    assert!(
        calls.iter().any(|c| c == "stop app.service")
            && calls.last().unwrap() == "start app.service",
        "{calls:?}"
    );
    assert!(a.w.systemctl.is_running("app.service"));
}

#[test]
fn inspect_restores_into_a_directory_and_touches_nothing_live() {
    let a = app();
    mutate(&a);
    let before = (tree_hash(&a.uploads), std::fs::read(&a.db).unwrap());
    let a_rows: Vec<(i64, String)> = (1..=100).map(|i| (i, format!("a{i}"))).collect();
    let dir = a.w.path().join("inspect");
    let (code, out, err) = a.w.run(&[
        "--json",
        "restore",
        "app",
        "--inspect",
        &dir.display().to_string(),
    ]);
    assert_eq!(code, 0, "{err}");
    let o: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(o["verified"], true, "{o}");
    let strip = |p: &Path| dir.join(p.strip_prefix("/").unwrap());
    assert_eq!(
        std::fs::read(strip(&a.uploads).join("a.txt")).unwrap(),
        b"alpha\n"
    );
    assert_eq!(sqlite_rows(&strip(&a.db)), a_rows);
    assert_eq!(
        (tree_hash(&a.uploads), std::fs::read(&a.db).unwrap()),
        before
    );
    assert!(a.w.systemctl.calls().iter().all(|c| !c.starts_with("stop")));
    assert!(a.repo.snapshots_tagged("pre-restore").is_empty());
    // Inspecting into live data is refused.
    let (code, _, err) = a.w.run(&[
        "restore",
        "app",
        "--inspect",
        &a.uploads.join("x").display().to_string(),
    ]);
    assert_ne!(code, 0);
    assert!(err.contains("overlaps the live location"), "{err}");
}

#[test]
fn a_unit_that_was_not_running_is_not_started_by_a_restore() {
    let a = app();
    a.w.systemctl.define("worker.service", "exec sleep 1000\n");
    let mut w = a.w;
    w.manifest
        .services
        .get_mut("app")
        .unwrap()
        .units
        .push("worker.service".into());
    let (code, _, err) = w.run(&["restore", "app", "--in-place", "--yes"]);
    assert_eq!(code, 0, "{err}");
    assert!(w.systemctl.is_running("app.service"));
    assert!(
        !w.systemctl.is_running("worker.service"),
        "{:?}",
        w.systemctl.calls()
    );
}

#[test]
fn restore_from_a_chosen_repository() {
    let a = app();
    let mut w = a.w;
    let _offsite = w.add_local_repo("offsite");
    w.manifest.services.get_mut("app").unwrap().repositories =
        vec!["default".into(), "offsite".into()];
    w.run_ok(&["run", "app"]);
    std::fs::write(a.uploads.join("a.txt"), b"changed").unwrap();
    // The first repository is unusable; the second one still restores.
    std::fs::write(&a.repo.password_file, "wrong\n").unwrap();
    let (code, _, err) = w.run(&["restore", "app", "--in-place", "--yes"]);
    assert_eq!(code, 1, "{err}");
    let (code, _, err) = w.run(&[
        "restore",
        "app",
        "--in-place",
        "--yes",
        "--repository",
        "nowhere",
    ]);
    assert_eq!(code, 1);
    assert!(
        err.contains("not backed up to repository `nowhere`"),
        "{err}"
    );
    // The safety snapshot goes to the repository restored from.
    w.run_ok(&[
        "restore",
        "app",
        "--in-place",
        "--yes",
        "--repository",
        "offsite",
    ]);
    assert_eq!(std::fs::read(a.uploads.join("a.txt")).unwrap(), b"alpha\n");
}
