//! The runtime's smaller sharp edges (issue 18), each against real restic
//! and SQLite through the built binary: an interrupted restore shows in
//! `status` and a dry run leaves it alone; integrity failures are
//! summarized; paths with control characters are escaped in human output
//! and exact in JSON; snapshots of a service removed from the manifest can
//! be listed and inspected.
// "SQLite" is a name, not code.
#![allow(clippy::doc_markdown)]

mod common;
#[path = "common/tree.rs"]
mod tree;

use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};

use atelier::plan::Service;
use common::{sh, World};
use tree::{sqlite_rows, tree_hash};

fn journals(w: &World) -> Vec<PathBuf> {
    std::fs::read_dir(w.state_dir().join("restore-journal"))
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "json"))
                .collect()
        })
        .unwrap_or_default()
}

fn sqlite_db(path: &Path, rows: i64) {
    let mut c = rusqlite::Connection::open(path).unwrap();
    c.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); CREATE INDEX tv ON t(v);")
        .unwrap();
    let tx = c.transaction().unwrap();
    for i in 0..rows {
        tx.execute(
            "INSERT INTO t VALUES (?1, ?2)",
            rusqlite::params![i, format!("{i:060}")],
        )
        .unwrap();
    }
    tx.commit().unwrap();
}

/// Overwrites part of the last pages of a SQLite file: `PRAGMA
/// integrity_check` then reports the maximum of 100 problems.
fn corrupt(path: &Path) {
    use std::io::{Seek, SeekFrom, Write};
    let len = std::fs::metadata(path).unwrap().len();
    let pages = len / 4096;
    assert!(pages > 50, "database too small to corrupt: {pages} pages");
    let mut f = std::fs::OpenOptions::new().write(true).open(path).unwrap();
    for p in pages - 40..pages - 2 {
        f.seek(SeekFrom::Start(p * 4096 + 2000)).unwrap();
        f.write_all(&[0xA5; 300]).unwrap();
    }
    f.sync_all().unwrap();
}

/// A files + SQLite service `app` with a running unit, backed up once,
/// then changed; a restore of it is killed mid-swap.
fn interrupted_restore() -> (World, PathBuf, PathBuf) {
    let mut w = World::new();
    let _repo = w.add_local_repo("default");
    let data = w.data_dir("app");
    let uploads = data.join("uploads");
    std::fs::create_dir_all(&uploads).unwrap();
    for i in 0..10 {
        std::fs::write(uploads.join(format!("f{i}")), format!("backed up {i}")).unwrap();
    }
    let db = data.join("app.db");
    sqlite_db(&db, 3);
    w.running_unit("app.service");
    w.add_service(
        "app",
        Service {
            files: vec![uploads.display().to_string()],
            sqlite: vec![db.display().to_string()],
            units: vec!["app.service".into()],
            ..common::files_service(&[], &["default"])
        },
    );
    w.run_ok(&["run", "app"]);
    for i in 0..10 {
        std::fs::write(uploads.join(format!("f{i}")), format!("newer {i}")).unwrap();
    }
    let out = w
        .cmd()
        .args(["restore", "app", "latest", "--in-place", "--yes"])
        .env("ATELIER_TEST_CRASH_AT", "mid-swap")
        .output()
        .unwrap();
    assert_eq!(
        out.status.signal(),
        Some(9),
        "not killed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(journals(&w).len(), 1, "the crash leaves one journal");
    (w, uploads, db)
}

#[test]
fn status_reports_an_interrupted_restore_until_it_is_recovered() {
    let (w, _uploads, _db) = interrupted_restore();

    let (code, out, err) = w.run(&["status", "app"]);
    assert_eq!(code, 1, "a pending restore is not ok: {out}{err}");
    assert!(out.contains("restore-pending"), "{out}");
    assert!(
        out.contains("atelier-backup restore app --in-place") && out.contains("atelier-backup dr"),
        "status says what to do: {out}"
    );
    assert!(!out.contains(" ok "), "{out}");

    let (code, out, _) = w.run(&["--json", "status"]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["app"]["status"], "restore-pending", "{v:#}");
    let pending = v["app"]["restorePending"].as_array().unwrap();
    assert_eq!(pending.len(), 1, "{v:#}");
    assert_eq!(pending[0]["phase"], "swapping", "{v:#}");
    assert!(pending[0]["journal"]
        .as_str()
        .unwrap()
        .contains("restore-journal"));
    assert!(v["app"]["problems"][0]
        .as_str()
        .unwrap()
        .contains("interrupted restore"));

    // Recovery (a restore that then fails on an unknown snapshot id) clears it.
    let (code, _, err) = w.run(&["restore", "app", "ffffffff", "--in-place", "--yes"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("recovered an interrupted restore of `app`"),
        "{err}"
    );
    let (code, out, _) = w.run(&["--json", "status", "app"]);
    assert_eq!(code, 0, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["app"]["status"], "ok", "{v:#}");
    assert_eq!(v["app"]["restorePending"], serde_json::json!([]));
}

#[test]
fn dry_run_neither_recovers_nor_claims_otherwise() {
    let (w, uploads, db) = interrupted_restore();
    let journal = journals(&w);
    let before = (
        tree_hash(uploads.parent().unwrap()),
        std::fs::read(&journal[0]).unwrap(),
    );

    let (code, _, err) = w.run(&["restore", "app", "latest", "--in-place", "--dry-run"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        !err.contains("recovered an interrupted restore"),
        "a dry run recovered: {err}"
    );
    assert!(
        err.contains("interrupted restore") && err.contains("pending"),
        "the dry run says a recovery would come first: {err}"
    );
    assert!(err.contains("nothing was changed"), "{err}");
    let (code, out, err) = w.run(&[
        "--json",
        "restore",
        "app",
        "latest",
        "--in-place",
        "--dry-run",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["recovery_pending"], true, "{v:#}");
    // dr --plan is a dry run of every service.
    let (code, _, err) = w.run(&["dr", "--plan"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        !err.contains("recovered an interrupted restore"),
        "dr --plan recovered: {err}"
    );
    assert!(err.contains("interrupted restore"), "{err}");

    // Nothing changed: the journal and the (half-swapped) data are as the crash left them.
    assert_eq!(journals(&w), journal);
    let after = (
        tree_hash(uploads.parent().unwrap()),
        std::fs::read(&journal[0]).unwrap(),
    );
    assert!(after == before, "a dry run changed the data or the journal");

    // The real restore recovers, then restores.
    w.run_ok(&["restore", "app", "latest", "--in-place", "--yes"]);
    assert!(journals(&w).is_empty());
    assert_eq!(sqlite_rows(&db).len(), 3);
}

/// Fewer lines than SQLite's 100 problems, the count of the rest, and
/// (restore) the full list in a file.
fn assert_summarized(err: &str) {
    assert!(
        err.lines().count() < 20,
        "{} lines of stderr:\n{err}",
        err.lines().count()
    );
    assert!(err.contains("100 or more problems"), "{err}");
    assert!(err.contains("… and 95 more"), "{err}");
}

#[test]
fn integrity_failures_are_summarized() {
    let mut w = World::new();
    let repo = w.add_local_repo("default");
    let data = w.data_dir("shop");
    let db = data.join("shop.db");
    sqlite_db(&db, 20_000);
    w.add_service(
        "shop",
        Service {
            sqlite: vec![db.display().to_string()],
            ..common::files_service(&[], &["default"])
        },
    );
    w.run_ok(&["run", "shop"]);
    let good = repo.snapshots_tagged("service:shop");
    let id = good[0]["id"].as_str().unwrap().to_owned();

    // A snapshot whose SQLite copy is damaged (bit rot in the repository's
    // source, say): the staging directory of the good snapshot, corrupted
    // and backed up again under the same path.
    let staging = good[0]["paths"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap().to_owned())
        .find(|p| p.ends_with("/staging/shop"))
        .expect("staging path in the snapshot");
    sh(repo
        .restic()
        .args(["restore", &id, "--target", "/", "--include", &staging]));
    let copy = walkdir::WalkDir::new(&staging)
        .into_iter()
        .filter_map(Result::ok)
        .find(|e| e.path().extension().is_some_and(|x| x == "db"))
        .expect("the staged copy")
        .into_path();
    corrupt(&copy);
    sh(repo.restic().args([
        "backup",
        "--host",
        "testhost",
        "--tag",
        "atelier,service:shop,type:sqlite",
        &staging,
    ]));
    std::fs::remove_dir_all(&staging).unwrap();

    let dir = w.path().join("inspect");
    let (code, _, err) = w.run(&[
        "restore",
        "shop",
        "latest",
        "--inspect",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("FAILED"), "{err}");
    assert_summarized(&err);
    let report = err
        .split("full report: ")
        .nth(1)
        .and_then(|r| r.split(')').next())
        .unwrap_or_else(|| panic!("no full report named:\n{err}"));
    let full = std::fs::read_to_string(report).unwrap();
    assert!(full.lines().count() > 100, "{full}");

    // A backup of a damaged live database: the same summary.
    corrupt(&db);
    let (code, _, err) = w.run(&["run", "shop"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("integrity_check"), "{err}");
    assert_summarized(&err);
}

#[test]
fn control_characters_in_paths_are_escaped_for_humans_and_exact_in_json() {
    let mut w = World::new();
    let _repo = w.add_local_repo("default");
    let data = w.data_dir("odd");
    let odd = data.join("new\nline\tand tab");
    std::fs::create_dir_all(&odd).unwrap();
    std::fs::write(odd.join("f"), "x").unwrap();
    w.add_service(
        "odd",
        Service {
            files: vec![odd.display().to_string()],
            ..common::files_service(&[], &["default"])
        },
    );
    w.run_ok(&["run", "odd"]);
    let escaped = odd.display().to_string().escape_debug().to_string();
    assert!(escaped.contains("\\n") && escaped.contains("\\t"));

    let (code, _, err) = w.run(&["restore", "odd", "latest", "--in-place", "--dry-run"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains(&format!("replace files {escaped}")),
        "dry run:\n{err}"
    );
    assert!(!err.contains('\t') && !err.contains("new\nline"), "{err}");
    let (code, out, _) = w.run(&[
        "--json",
        "restore",
        "odd",
        "latest",
        "--in-place",
        "--dry-run",
    ]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["items"][0]["target"], odd.display().to_string());

    let (code, _, err) = w.run(&["dr", "--plan"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains(&escaped), "dr --plan:\n{err}");
    assert!(!err.contains('\t') && !err.contains("new\nline"), "{err}");

    let (code, _, err) = w.run(&["restore", "odd", "latest", "--in-place", "--yes"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains(&escaped), "report:\n{err}");
    assert!(!err.contains('\t') && !err.contains("new\nline"), "{err}");
    assert_eq!(std::fs::read_to_string(odd.join("f")).unwrap(), "x");

    // An error naming such a path does not carry a raw tab or escape sequence.
    let missing = data.join("gone\t\u{1b}[31mred.db");
    w.add_service(
        "gone",
        Service {
            sqlite: vec![missing.display().to_string()],
            ..common::files_service(&[], &["default"])
        },
    );
    let (code, _, err) = w.run(&["run", "gone"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("gone\\t\\u{1b}[31mred.db"), "{err}");
    assert!(!err.contains('\t') && !err.contains('\u{1b}'), "{err}");
}

/// A newline in a data path cannot split an error into lines (or forge
/// one): the path is printed quoted and escaped, on the error's own line.
#[test]
fn newlines_in_paths_of_errors_stay_on_one_line() {
    let mut w = World::new();
    let _repo = w.add_local_repo("default");
    let data = w.data_dir("nl");
    let kept = data.join("kept");
    std::fs::create_dir_all(&kept).unwrap();
    std::fs::write(kept.join("f"), "x").unwrap();
    let odd = data.join("new\nline");
    let escaped = format!("\"{}\"", odd.display().to_string().escape_debug());
    let one_line = |err: &str, what: &str| {
        assert!(!err.contains("new\nline"), "{what}: raw newline:\n{err}");
        assert!(
            err.lines().any(|l| l.contains(&escaped)),
            "{what}: no escaped path {escaped}:\n{err}"
        );
    };

    // A backup fails: the declared path does not exist.
    w.add_service(
        "nl",
        Service {
            files: vec![kept.display().to_string(), odd.display().to_string()],
            ..common::files_service(&[], &["default"])
        },
    );
    let (code, _, err) = w.run(&["run", "nl"]);
    assert_eq!(code, 1, "{err}");
    one_line(&err, "run");

    // A restore fails: the snapshot does not hold the path.
    w.manifest.services.get_mut("nl").unwrap().files = vec![kept.display().to_string()];
    w.run_ok(&["run", "nl"]);
    w.manifest.services.get_mut("nl").unwrap().files =
        vec![kept.display().to_string(), odd.display().to_string()];
    let (code, _, err) = w.run(&["restore", "nl", "latest", "--in-place", "--yes"]);
    assert_ne!(code, 0, "{err}");
    one_line(&err, "restore");
    assert_eq!(std::fs::read_to_string(kept.join("f")).unwrap(), "x");
}

#[test]
fn snapshots_of_a_removed_service_can_be_listed_and_inspected() {
    let mut w = World::new();
    let _repo = w.add_local_repo("default");
    let _other = w.add_local_repo("offsite");
    let old = w.data_dir("old");
    std::fs::create_dir_all(old.join("files")).unwrap();
    std::fs::write(old.join("files/a.txt"), "kept").unwrap();
    let db = old.join("old.db");
    sqlite_db(&db, 4);
    w.add_service(
        "old",
        Service {
            files: vec![old.join("files").display().to_string()],
            sqlite: vec![db.display().to_string()],
            ..common::files_service(&[], &["offsite"])
        },
    );
    let new = w.data_dir("new");
    std::fs::create_dir_all(new.join("files")).unwrap();
    let new_db = new.join("new.db");
    sqlite_db(&new_db, 1);
    w.add_service(
        "new",
        Service {
            files: vec![new.join("files").display().to_string()],
            sqlite: vec![new_db.display().to_string()],
            ..common::files_service(&[], &["offsite"])
        },
    );
    w.run_ok(&["run", "old"]);
    let files_hash = tree_hash(&old.join("files"));
    let rows = sqlite_rows(&db);
    // The service leaves the manifest (and the machine).
    w.manifest.services.remove("old");
    std::fs::remove_dir_all(&old).unwrap();

    let (code, out, err) = w.run(&["--json", "list", "old"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let snaps = v.as_array().unwrap();
    assert_eq!(snaps.len(), 1, "{v:#}");
    assert_eq!(snaps[0]["service"], "old");
    assert_eq!(snaps[0]["repository"], "offsite");
    let id = snaps[0]["short_id"].as_str().unwrap().to_owned();
    let (code, out, err) = w.run(&["list", "old"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains(&id) && err.contains("not in the manifest"),
        "{out}{err}"
    );
    let (code, _, err) = w.run(&["list", "old", "--repository", "default"]);
    assert_eq!(code, 2, "none in that repository: {err}");

    // `list` without a service shows it too, marked removed (and the
    // declared service's snapshots as before).
    w.run_ok(&["run", "new"]);
    let (code, out, err) = w.run(&["--json", "list"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let by = |svc: &str| -> Vec<&serde_json::Value> {
        v.as_array()
            .unwrap()
            .iter()
            .filter(|s| s["service"] == svc)
            .collect()
    };
    assert_eq!(by("old").len(), 1, "{v:#}");
    assert_eq!(by("old")[0]["removed"], true);
    assert!(!by("new").is_empty() && by("new").iter().all(|s| s["removed"] == false));
    let (code, out, err) = w.run(&["list"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("old (removed)") && out.contains(&id) && err.contains("removed"),
        "{out}{err}"
    );

    // A drill of the removed service: its snapshot describes itself.
    let (code, out, err) = w.run(&["--json", "drill", "old"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["old"]["result"], "success", "{v:#}");
    assert_eq!(v["old"]["verified"], true, "{v:#}");
    assert!(v["old"]["snapshot"].as_str().unwrap().starts_with(&id));
    assert!(!old.exists(), "a drill never writes to live locations");

    let dir = w.path().join("inspect-old");
    let (code, _, err) = w.run(&["restore", "old", &id, "--inspect", dir.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let under = |p: &Path| dir.join(p.strip_prefix("/").unwrap());
    assert_eq!(tree_hash(&under(&old.join("files"))), files_hash);
    assert_eq!(sqlite_rows(&under(&db)), rows);
    let dir2 = w.path().join("inspect-latest");
    let (code, _, err) = w.run(&[
        "restore",
        "old",
        "latest",
        "--repository",
        "offsite",
        "--inspect",
        dir2.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(sqlite_rows(&dir2.join(db.strip_prefix("/").unwrap())), rows);

    // In place: no live locations are known.
    let (code, _, err) = w.run(&["restore", "old", &id, "--in-place", "--yes"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("not in the manifest")
            && err.contains("--inspect")
            && err.contains("--from old"),
        "{err}"
    );
    assert!(!db.exists());
    // Into a declared service's locations with --from.
    let (code, _, err) = w.run(&[
        "restore",
        "new",
        &id,
        "--from",
        "old",
        "--in-place",
        "--yes",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        tree_hash(&new.join("files")),
        tree_hash(&under(&old.join("files")))
    );
    assert_eq!(sqlite_rows(&new_db), rows);
}
