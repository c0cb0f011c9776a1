//! `atelier-backup run SERVICE` against real restic repositories, SQLite
//! under write load, the fake systemctl, dump commands and a REST server.

mod common;

use std::path::Path;

use atelier::plan::{Dump, Service};
use common::{files_service, sh, RestServer, World, Writer};

/// The paths stored in a snapshot (`restic ls --json`-free: plain `ls`).
fn ls(repo: &common::Repo, snapshot: &str) -> Vec<String> {
    sh(repo.restic().args(["ls", snapshot]))
        .lines()
        .skip(1)
        .map(str::to_owned)
        .collect()
}

#[test]
fn files_with_excludes_and_tags() {
    let mut w = World::new();
    let repo = w.add_local_repo("default");
    let data = w.data_dir("app");
    std::fs::create_dir_all(data.join("uploads/cache")).unwrap();
    std::fs::write(data.join("uploads/a.jpg"), b"jpeg").unwrap();
    std::fs::write(data.join("uploads/debug.log"), b"noise").unwrap();
    std::fs::write(data.join("uploads/cache/x.bin"), b"cache").unwrap();
    // A name restic would treat as a pattern or comment in --files-from.
    let odd = data.join("#notes [1]*");
    std::fs::write(&odd, b"odd").unwrap();
    let mut svc = files_service(&[&data.join("uploads"), &odd], &["default"]);
    svc.exclude = vec!["*.log".into(), "cache".into()];
    svc.tags = vec!["nightly".into()];
    w.add_service("app", svc);

    w.run_ok(&["run", "app"]);

    let snaps = repo.snapshots();
    assert_eq!(snaps.len(), 1);
    let s = &snaps[0];
    let tags: Vec<&str> = s["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert_eq!(tags.len(), 4, "{tags:?}");
    for t in ["atelier", "service:app", "type:files", "nightly"] {
        assert!(tags.contains(&t), "missing tag {t}: {tags:?}");
    }
    assert_eq!(s["hostname"], "testhost");
    let files = ls(&repo, s["id"].as_str().unwrap());
    let has = |p: &Path| files.iter().any(|f| Path::new(f) == p);
    assert!(has(&data.join("uploads/a.jpg")), "{files:?}");
    assert!(has(&odd), "{files:?}");
    assert!(
        !has(&data.join("uploads/debug.log")),
        "excluded *.log stored: {files:?}"
    );
    assert!(
        !has(&data.join("uploads/cache/x.bin")),
        "excluded cache stored: {files:?}"
    );
    // Staging is cleaned up after the run, and a record exists.
    assert!(!w.state_dir().join("staging/app").exists());
    let rec: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(w.state_dir().join("runs/app/last.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(rec["result"], "success");
    assert!(
        rec["repositories"]["default"]["snapshotId"]
            .as_str()
            .unwrap()
            .len()
            >= 8
    );
    let prom = std::fs::read_to_string(w.state_dir().join("metrics/backup-app.prom")).unwrap();
    assert!(
        prom.contains("atelier_backup_success{service=\"app\"} 1"),
        "{prom}"
    );
}

#[test]
fn sqlite_online_copy_under_continuous_writes() {
    let mut w = World::new();
    let repo = w.add_local_repo("default");
    let data = w.data_dir("notes");
    let db = data.join("app.db");
    let writer = Writer::start(&db, 200);
    // Every row committed before the backup began is at or below this id.
    let before: i64 = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row("SELECT max(id) FROM rows", [], |r| r.get(0))
        .unwrap();
    assert!(before >= 200);
    w.add_service(
        "notes",
        Service {
            sqlite: vec![db.display().to_string()],
            files: vec![data.display().to_string()],
            repositories: vec!["default".into()],
            ..Service::default()
        },
    );
    w.run_ok(&["run", "notes"]);
    let stats = writer.stop();

    assert_eq!(stats.failures, 0, "writer saw failed writes: {stats:?}");
    // Online mode must never block the writer for a second (WAL: readers do
    // not block writers). Measured inside the writer, per commit.
    assert_eq!(stats.blocked_over_1s, 0, "writes blocked > 1s: {stats:?}");
    assert!(stats.max_latency_ms < 1000.0, "{stats:?}");

    let snaps = repo.snapshots();
    assert_eq!(snaps.len(), 1);
    let id = snaps[0]["id"].as_str().unwrap();
    let tags = snaps[0]["tags"].to_string();
    assert!(
        tags.contains("type:sqlite") && tags.contains("type:files"),
        "{tags}"
    );
    // The live database and its -wal/-shm are not in the snapshot.
    let files = ls(&repo, id);
    for suffix in ["", "-wal", "-shm"] {
        let live = format!("{}{suffix}", db.display());
        assert!(!files.contains(&live), "live {live} was stored");
    }
    // The self-description says where the copy goes back to.
    let staging = w.state_dir().join("staging/notes");
    let desc: serde_json::Value = serde_json::from_slice(
        &repo.dump(id, &format!("{}/atelier-snapshot.json", staging.display())),
    )
    .unwrap();
    assert_eq!(desc["service"], "notes");
    assert_eq!(desc["sqlite"][0]["path"], db.display().to_string());
    assert_eq!(desc["sqlite"][0]["method"], "online");
    let staged = desc["sqlite"][0]["staged"].as_str().unwrap();

    let target = w.path().join("restored");
    repo.restore(id, &target);
    let copy = target.join(staging.strip_prefix("/").unwrap()).join(staged);
    let conn = rusqlite::Connection::open(&copy).unwrap();
    let ok: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(ok, "ok");
    let present: i64 = conn
        .query_row("SELECT count(*) FROM rows WHERE id <= ?1", [before], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(
        present, before,
        "rows committed before the backup are missing"
    );
}

#[test]
fn stop_for_backup_restarts_units_on_success_and_on_failure() {
    let mut w = World::new();
    let repo = w.add_local_repo("default");
    let data = w.data_dir("wiki");
    let db = data.join("wiki.db");
    sh(std::process::Command::new("sqlite3")
        .arg(&db)
        .arg("PRAGMA journal_mode=WAL; CREATE TABLE t(x); INSERT INTO t VALUES (1),(2),(3);"));
    // The "service": a real process holding the database open.
    w.systemctl.define(
        "wiki.service",
        &format!(
            "exec {} sqlite-writer {} {} --interval-ms 20 --ready-after 1",
            common::writer_program(),
            db.display(),
            data.join("never-stop").display()
        ),
    );
    w.systemctl.define("wiki-worker.service", "exec sleep 600");
    w.systemctl.start("wiki.service");
    w.systemctl.start("wiki-worker.service");
    let pid_before = w.systemctl.pid("wiki.service").unwrap();
    w.add_service(
        "wiki",
        Service {
            sqlite: vec![db.display().to_string()],
            stop_for_backup: true,
            units: vec!["wiki.service".into(), "wiki-worker.service".into()],
            repositories: vec!["default".into()],
            ..Service::default()
        },
    );

    w.run_ok(&["run", "wiki"]);
    let calls = w.systemctl.calls();
    let stops: Vec<&String> = calls.iter().filter(|c| c.starts_with("stop")).collect();
    let starts: Vec<&String> = calls
        .iter()
        .filter(|c| c.starts_with("start wiki.service wiki-worker"))
        .collect();
    assert_eq!(stops.len(), 1, "{calls:?}");
    assert_eq!(starts.len(), 1, "{calls:?}");
    assert!(w.systemctl.is_running("wiki.service"));
    assert!(w.systemctl.is_running("wiki-worker.service"));
    assert_ne!(
        w.systemctl.pid("wiki.service").unwrap(),
        pid_before,
        "not really restarted"
    );
    assert_eq!(repo.snapshots().len(), 1);

    // restic fails (wrong password): the run fails, the units run again.
    std::fs::write(&repo.password_file, "wrong password\n").unwrap();
    let (code, _out, err) = w.run(&["run", "wiki"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("wrong password"), "{err}");
    assert!(err.contains("passwordFile"), "hint missing: {err}");
    let events = w.systemctl.events();
    let last_two: Vec<&String> = events.iter().rev().take(2).collect();
    assert!(
        last_two.iter().all(|e| e.starts_with("started")),
        "{events:?}"
    );
    assert!(w.systemctl.is_running("wiki.service"));
    assert!(w.systemctl.is_running("wiki-worker.service"));

    // The copy itself fails while the units are stopped: started again too.
    std::fs::write(&repo.password_file, format!("{}\n", common::PASSWORD)).unwrap();
    let bogus = data.join("not-a-db.db");
    std::fs::write(
        &bogus,
        b"this is not a database, just text padded out to be long enough to read",
    )
    .unwrap();
    w.manifest
        .services
        .get_mut("wiki")
        .unwrap()
        .sqlite
        .push(bogus.display().to_string());
    let (code, _out, err) = w.run(&["run", "wiki"]);
    assert_eq!(code, 1);
    assert!(err.contains("not-a-db.db"), "{err}");
    assert!(
        w.systemctl.is_running("wiki.service"),
        "{:?}",
        w.systemctl.calls()
    );
    assert!(w.systemctl.is_running("wiki-worker.service"));
    assert_eq!(repo.snapshots().len(), 1, "a failed run left a snapshot");
}

#[test]
fn dump_contract_success_and_failure() {
    let mut w = World::new();
    let repo = w.add_local_repo("default");
    let mut svc = Service {
        repositories: vec!["default".into()],
        ..Service::default()
    };
    svc.dumps.insert(
        "ldap".into(),
        Dump {
            backup_cmd: "printf 'dn: dc=example\\n'; echo \"service=$ATELIER_SERVICE\"".into(),
            restore_cmd: "cat > /dev/null".into(),
            // As root the command runs as an unprivileged user, like a real dump.
            user: common::is_root().then(|| "nobody".to_owned()),
            backup_name: Some("ldap.ldif".into()),
        },
    );
    w.add_service("dir", svc);
    w.run_ok(&["run", "dir"]);
    let snaps = repo.snapshots();
    assert_eq!(snaps.len(), 1);
    assert!(snaps[0]["tags"].to_string().contains("type:dump"));
    let staging = w.state_dir().join("staging/dir");
    let id = snaps[0]["id"].as_str().unwrap();
    let stored = repo.dump(id, &format!("{}/dumps/ldap.ldif", staging.display()));
    assert_eq!(
        String::from_utf8(stored).unwrap(),
        "dn: dc=example\nservice=dir\n"
    );
    let desc: serde_json::Value = serde_json::from_slice(
        &repo.dump(id, &format!("{}/atelier-snapshot.json", staging.display())),
    )
    .unwrap();
    assert_eq!(desc["dumps"][0]["backupName"], "ldap.ldif");
    assert_eq!(desc["dumps"][0]["staged"], "dumps/ldap.ldif");

    // A backupCmd that writes half a dump and fails: the run fails and no
    // new snapshot appears.
    w.manifest
        .services
        .get_mut("dir")
        .unwrap()
        .dumps
        .get_mut("ldap")
        .unwrap()
        .backup_cmd = "echo 'dn: partial'; echo 'slapcat: database is broken' >&2; exit 4".into();
    let (code, _out, err) = w.run(&["run", "dir"]);
    assert_eq!(code, 1);
    assert!(err.contains("backupCmd of dump `ldap` failed"), "{err}");
    assert!(err.contains("slapcat: database is broken"), "{err}");
    assert_eq!(
        repo.snapshots().len(),
        1,
        "a failed dump produced a snapshot"
    );
    let rec = std::fs::read_to_string(w.state_dir().join("runs/dir/last.json")).unwrap();
    assert!(rec.contains("\"failed\""), "{rec}");
}

#[test]
fn rest_repository_and_two_repositories_for_one_service() {
    let mut w = World::new();
    let local = w.add_local_repo("local");
    let server = RestServer::start(&w.path().join("rest-root"));
    let rest = common::Repo::init(w.path(), "rest", server.url.clone());
    w.manifest
        .repositories
        .insert("offsite".into(), rest.manifest_entry());
    let data = w.data_dir("app");
    std::fs::write(data.join("f.txt"), b"hello").unwrap();
    w.add_service("app", files_service(&[&data], &["local", "offsite"]));

    let out = w.run_ok(&["--json", "run", "app"]);
    let rec: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(rec["result"], "success");
    for repo in [&local, &rest] {
        let snaps = repo.snapshots();
        assert_eq!(snaps.len(), 1, "{}", repo.url);
        assert!(snaps[0]["tags"].to_string().contains("service:app"));
    }
    // One failing repository fails the run but the other still gets its snapshot.
    drop(server);
    // restic 0.18 retries a refused connection for about 15 minutes.
    w.manifest.repositories.get_mut("offsite").unwrap().timeout = Some("30s".into());
    let (code, _o, err) = w.run(&["run", "app"]);
    assert_eq!(code, 1);
    assert!(err.contains("offsite"), "{err}");
    assert!(
        err.contains("connection refused") || err.contains("not reachable"),
        "{err}"
    );
    assert_eq!(local.snapshots().len(), 2);
}

#[test]
fn missing_repository_is_explained() {
    let mut w = World::new();
    let repo = w.add_local_repo("default");
    std::fs::remove_dir_all(&repo.url).unwrap();
    let data = w.data_dir("app");
    w.add_service("app", files_service(&[&data], &["default"]));
    let (code, _o, err) = w.run(&["run", "app"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("Is there a repository") || err.contains("unable to open config file"),
        "{err}"
    );
    assert!(err.contains("initialize = true"), "{err}");
    // With initialize = true the repository is created.
    w.manifest
        .repositories
        .get_mut("default")
        .unwrap()
        .initialize = true;
    w.run_ok(&["run", "app"]);
    assert_eq!(repo.snapshots().len(), 1);
}

#[test]
fn unreadable_file_fails_the_run_and_leaves_no_snapshot() {
    // A write-only sysfs file cannot be read even by root: real restic exits 3.
    let unreadable = Path::new("/sys/bus/pci/rescan");
    if std::fs::read(unreadable).is_ok() || !unreadable.exists() {
        eprintln!("SKIP: no unreadable sysfs file here to make restic exit 3");
        return;
    }
    let mut w = World::new();
    let repo = w.add_local_repo("default");
    let data = w.data_dir("app");
    std::fs::write(data.join("ok.txt"), b"fine").unwrap();
    w.add_service("app", files_service(&[&data, unreadable], &["default"]));
    let (code, _o, err) = w.run(&["run", "app"]);
    assert_eq!(code, 1, "exit 3 must fail the run: {err}");
    assert!(err.contains("/sys/bus/pci/rescan"), "{err}");
    assert!(err.contains("restic exit 3"), "{err}");
    assert!(
        repo.snapshots().is_empty(),
        "the incomplete snapshot was kept"
    );
}

#[test]
fn hooks_run_around_the_backup_and_learn_the_result() {
    let mut w = World::new();
    let repo = w.add_local_repo("default");
    let data = w.data_dir("app");
    let log = w.path().join("hooks.log");
    let mut svc = files_service(&[&data], &["default"]);
    svc.hooks.pre_backup = Some(format!(
        "echo \"pre $ATELIER_SERVICE\" >> {0}; echo generated > {1}/generated.txt",
        log.display(),
        data.display()
    ));
    svc.hooks.post_backup = Some(format!(
        "echo \"post $ATELIER_BACKUP_RESULT\" >> {}",
        log.display()
    ));
    w.add_service("app", svc);
    w.run_ok(&["run", "app"]);
    let snaps = repo.snapshots();
    assert_eq!(snaps.len(), 1);
    // What preBackup produced is in the snapshot.
    let files = ls(&repo, snaps[0]["id"].as_str().unwrap());
    assert!(
        files.iter().any(|f| f.ends_with("generated.txt")),
        "{files:?}"
    );

    // A failing preBackup fails the run, takes no snapshot, and postBackup
    // still runs and is told.
    w.manifest.services.get_mut("app").unwrap().hooks.pre_backup =
        Some("echo nope >&2; exit 3".into());
    let (code, _o, err) = w.run(&["run", "app"]);
    assert_eq!(code, 1);
    assert!(err.contains("preBackup hook failed"), "{err}");
    assert_eq!(repo.snapshots().len(), 1);
    let text = std::fs::read_to_string(&log).unwrap();
    assert_eq!(text, "pre app\npost success\npost failed\n");
}

#[test]
fn concurrent_runs_on_one_repository_are_serialised() {
    let mut w = World::new();
    let repo = w.add_local_repo("default");
    for name in ["a", "b", "c"] {
        let d = w.data_dir(name);
        std::fs::write(d.join("f"), name).unwrap();
        w.add_service(name, files_service(&[&d], &["default"]));
    }
    w.write_manifest();
    let children: Vec<_> = ["a", "b", "c"]
        .iter()
        .map(|n| {
            w.cmd()
                .args(["run", n])
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(repo.snapshots().len(), 3);
    sh(repo.restic().args(["check"]));
}

#[test]
fn a_held_repository_lock_times_out_with_a_clear_message() {
    use fs4::fs_std::FileExt;
    let mut w = World::new();
    let repo = w.add_local_repo("default");
    let d = w.data_dir("a");
    w.add_service("a", files_service(&[&d], &["default"]));
    let locks = w.state_dir().join("locks");
    std::fs::create_dir_all(&locks).unwrap();
    let f = std::fs::File::create(locks.join("repository-default.lock")).unwrap();
    assert!(f.try_lock_exclusive().unwrap());
    let out = w
        .cmd()
        .env("ATELIER_LOCK_TIMEOUT", "1s")
        .args(["run", "a"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("waited 1s for the lock"), "{err}");
    assert!(err.contains("ATELIER_LOCK_TIMEOUT"), "{err}");
    assert!(repo.snapshots().is_empty());
    FileExt::unlock(&f).unwrap();
    w.run_ok(&["run", "a"]);
}

#[test]
fn run_refuses_while_an_interrupted_restore_awaits_recovery() {
    use atelier::runtime::swap::{journal_dir, Journal, Phase};
    let mut w = World::new();
    let repo = w.add_local_repo("default");
    let d = w.data_dir("a");
    w.add_service("a", files_service(&[&d], &["default"]));
    let journal = Journal {
        id: "test".into(),
        service: "a".into(),
        snapshot: "0123abcd".into(),
        phase: Phase::Swapping,
        files: Vec::new(),
        databases: Vec::new(),
        pg: None,
        staging_dirs: Vec::new(),
        units_stopped: Vec::new(),
        systemctl: "systemctl".into(),
    };
    let dir = journal_dir(&w.state_dir());
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("test.json"),
        serde_json::to_string(&journal).unwrap(),
    )
    .unwrap();
    let (code, _o, err) = w.run(&["run", "a"]);
    assert_eq!(code, 1);
    assert!(err.contains("interrupted in-place restore"), "{err}");
    assert!(repo.snapshots().is_empty());
    std::fs::remove_file(dir.join("test.json")).unwrap();
    w.run_ok(&["run", "a"]);
    assert_eq!(repo.snapshots().len(), 1);
}

#[test]
fn progress_status_lines_only_when_asked_for() {
    use atelier::runtime::restic::{BackupRequest, Restic};
    let mut w = World::new();
    let _repo = w.add_local_repo("default");
    let data = w.data_dir("big");
    // Incompressible data, so the backup lasts a few status ticks.
    let mut seed = 0x2545_F491_4F6C_DD1D_u64;
    for i in 0..48 {
        let mut buf = vec![0u8; 1 << 20];
        for chunk in buf.chunks_mut(8) {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            chunk.copy_from_slice(&seed.to_le_bytes());
        }
        std::fs::write(data.join(format!("f{i}")), buf).unwrap();
    }
    let req = BackupRequest {
        paths: vec![data.clone()],
        excludes: Vec::new(),
        tags: vec!["test".into()],
        host: "testhost".into(),
    };
    let quiet = Restic::for_repository("restic", &w.manifest, "default").unwrap();
    let mut n = 0;
    let summary = quiet.backup(&req, &mut |_| n += 1).unwrap();
    assert_eq!(n, 0, "status lines without progress");
    assert!(summary.total_bytes_processed >= 48 << 20);
    // With progress on, into a fresh repository so every byte is read again.
    let fresh = common::Repo::local(w.path(), "fresh");
    w.manifest
        .repositories
        .insert("fresh".into(), fresh.manifest_entry());
    let loud_fresh = Restic::for_repository("restic", &w.manifest, "fresh")
        .unwrap()
        .with_progress(true);
    let mut seen = Vec::new();
    loud_fresh
        .backup(&req, &mut |s| seen.push(s.clone()))
        .unwrap();
    assert!(!seen.is_empty(), "no status lines with progress on");
    // How far each tick got depends on the machine's speed; what a progress
    // bar relies on is that every line is a well-formed fraction.
    for s in &seen {
        assert!(s.percent_done.is_finite() && s.percent_done >= 0.0, "{s:?}");
    }
}
