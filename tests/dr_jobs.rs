//! `dr --jobs N`: services restored in parallel; a service that fails is
//! reported and rolled back, the others run to the end and are verified
//! (real restic, SQLite and PostgreSQL).
// "SQLite" and "PostgreSQL" are names, not code.
#![allow(clippy::doc_markdown)]

mod common;
#[path = "common/tree.rs"]
mod tree;

use atelier::plan::{Dump, PostgresDatabase, Service};
use common::{PgCluster, World};
use tree::{sqlite_rows, tree_hash};

fn sqlite_db(path: &std::path::Path, rows: &[(i64, &str)]) {
    let c = rusqlite::Connection::open(path).unwrap();
    c.execute_batch("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT)")
        .unwrap();
    for (id, v) in rows {
        c.execute(
            "INSERT OR REPLACE INTO t VALUES (?1, ?2)",
            rusqlite::params![id, v],
        )
        .unwrap();
    }
}

#[test]
fn dr_jobs_one_service_fails_the_other_is_restored_and_verified() {
    let mut w = World::new();
    let pg = PgCluster::start(w.path());
    w.manifest.postgres = pg.connection();
    let _repo = w.add_local_repo("default");

    // good: files + SQLite + PostgreSQL, lost entirely before dr.
    let good = w.data_dir("good");
    std::fs::create_dir_all(good.join("files")).unwrap();
    for i in 0..20u8 {
        std::fs::write(
            good.join(format!("files/f{i}")),
            vec![i; 3000 + usize::from(i)],
        )
        .unwrap();
    }
    let good_db = good.join("good.db");
    sqlite_db(&good_db, &[(1, "g1"), (2, "g2"), (3, "g3")]);
    pg.psql("postgres", "CREATE DATABASE shop");
    pg.psql(
        "shop",
        "CREATE TABLE orders (id int primary key, item text); INSERT INTO orders SELECT g, 'item ' || g FROM generate_series(1, 300) g;",
    );
    w.add_service(
        "good",
        Service {
            files: vec![good.join("files").display().to_string()],
            sqlite: vec![good_db.display().to_string()],
            postgres: vec![PostgresDatabase {
                name: "shop".into(),
                ..PostgresDatabase::default()
            }],
            units: vec!["good.service".into()],
            ..common::files_service(&[], &["default"])
        },
    );

    // bad: files + SQLite + a dump whose restoreCmd fails (exit 1) after
    // writing into the live directory.
    let bad = w.data_dir("bad");
    std::fs::create_dir_all(bad.join("files")).unwrap();
    std::fs::write(bad.join("files/a.txt"), "bad v1").unwrap();
    let bad_db = bad.join("bad.db");
    sqlite_db(&bad_db, &[(1, "b1")]);
    w.add_service(
        "bad",
        Service {
            files: vec![bad.join("files").display().to_string()],
            sqlite: vec![bad_db.display().to_string()],
            dumps: [(
                "ldap".to_owned(),
                Dump {
                    backup_cmd: "echo 'dn: dc=example'".into(),
                    restore_cmd: format!(
                        "cat > {} && echo 'restore of ldap refused on purpose' >&2 && exit 1",
                        bad.join("files/partial.ldif").display()
                    ),
                    user: None,
                    backup_name: Some("ldap.ldif".into()),
                },
            )]
            .into(),
            units: vec!["bad.service".into()],
            ..common::files_service(&[], &["default"])
        },
    );
    for s in ["good.service", "bad.service"] {
        w.systemctl.define(s, "exec sleep 1000\n");
    }
    w.run_ok(&["run", "good"]);
    w.run_ok(&["run", "bad"]);
    let good_files = tree_hash(&good.join("files"));
    let good_rows = sqlite_rows(&good_db);
    let shop_rows = pg.psql(
        "shop",
        "SELECT count(*), sum(id), md5(string_agg(item, ',' ORDER BY id)) FROM orders",
    );

    // good is lost; bad has moved on since its snapshot (live data newer
    // than the snapshot, which a failed restore must leave as it was).
    std::fs::remove_dir_all(&good).unwrap();
    pg.psql("postgres", "DROP DATABASE shop");
    std::fs::write(bad.join("files/a.txt"), "bad v2 (live)").unwrap();
    sqlite_db(&bad_db, &[(2, "b2 live")]);
    let bad_files = tree_hash(&bad.join("files"));
    let bad_rows = sqlite_rows(&bad_db);
    w.systemctl.start("bad.service");

    let (code, out, err) = w.run(&["--json", "--yes", "dr", "--jobs", "2"]);
    assert_eq!(code, 1, "one service failed, so dr exits 1\n{out}\n{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let rows = v["services"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "{out}");
    let row = |name: &str| {
        rows.iter()
            .find(|r| r["service"] == name)
            .unwrap_or_else(|| panic!("no row for {name}: {out}"))
    };
    let g = row("good");
    assert_eq!(g["restored"], true, "{g}");
    assert_eq!(g["verified"], true, "{g}");
    assert_eq!(g["failed"], false, "{g}");
    let b = row("bad");
    assert_eq!(b["failed"], true, "{b}");
    assert_eq!(b["verified"], false, "{b}");
    let error = b["error"].as_str().unwrap_or_default();
    assert!(
        error.contains("ldap") && error.contains("refused on purpose"),
        "the error names the failing dump and its output: {b}"
    );

    // good: every byte back and verified.
    assert_eq!(tree_hash(&good.join("files")), good_files);
    assert_eq!(sqlite_rows(&good_db), good_rows);
    assert_eq!(
        pg.psql(
            "shop",
            "SELECT count(*), sum(id), md5(string_agg(item, ',' ORDER BY id)) FROM orders"
        ),
        shop_rows
    );
    assert!(w.systemctl.is_running("good.service"));

    // bad: the live data is as it was before dr, and its unit runs again.
    assert_eq!(tree_hash(&bad.join("files")), bad_files, "bad's live files");
    assert_eq!(sqlite_rows(&bad_db), bad_rows, "bad's live database");
    assert!(w.systemctl.is_running("bad.service"));

    // The table (without --json) names the failure too.
    let (code, _, err) = w.run(&["--yes", "dr", "--jobs", "2"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.lines()
            .any(|l| l.contains("bad") && l.contains("refused on purpose")),
        "{err}"
    );
    assert_eq!(tree_hash(&bad.join("files")), bad_files, "bad's live files");
}

/// dr lists each repository's snapshots once for all services (every restic
/// process pays the key derivation), and still restores each service from
/// its own latest snapshot, not from a pre-restore safety snapshot.
#[test]
fn dr_lists_snapshots_once_per_repository() {
    let mut w = World::new();
    let _repo = w.add_local_repo("default");
    let mut dirs = Vec::new();
    for name in ["a", "b", "c"] {
        let d = w.data_dir(name);
        std::fs::write(d.join("v.txt"), format!("{name} v1")).unwrap();
        w.add_service(name, common::files_service(&[&d], &["default"]));
        w.run_ok(&["run", name]);
        std::fs::write(d.join("v.txt"), format!("{name} v2")).unwrap();
        w.run_ok(&["run", name]);
        dirs.push((d, format!("{name} v2")));
    }
    for (d, _) in &dirs {
        std::fs::write(d.join("v.txt"), "live, newer than every snapshot").unwrap();
    }
    let (restic, log) = common::logging_restic(w.path());
    let out = w.output_with_restic(&restic, &["--json", "--yes", "dr", "--jobs", "2"]);
    common::assert_success(&out);
    let calls = std::fs::read_to_string(&log).unwrap();
    let lists = calls
        .lines()
        .filter(|l| l.split_whitespace().any(|w| w == "snapshots"))
        .count();
    assert_eq!(lists, 1, "one snapshots call for three services:\n{calls}");
    for (d, want) in &dirs {
        assert_eq!(&std::fs::read_to_string(d.join("v.txt")).unwrap(), want);
    }
    // A second dr (safety snapshots now exist) still restores the latest
    // backups. Its listing is held back, so every service first restores
    // what restic resolves as `latest` (the first dr's safety snapshot,
    // newer than the backup), sees that it is not the backup the listing
    // names, discards it and restores the backup.
    let out = w
        .cmd()
        .env("ATELIER_TEST_LISTING_DELAY_MS", "3000")
        .args(["--yes", "dr", "--jobs", "3"])
        .output()
        .unwrap();
    common::assert_success(&out);
    for (d, want) in &dirs {
        assert_eq!(&std::fs::read_to_string(d.join("v.txt")).unwrap(), want);
    }
    let err = String::from_utf8_lossy(&out.stderr);
    for name in ["a", "b", "c"] {
        assert!(
            err.lines()
                .any(|l| l.contains(&format!("{name}: restic's latest was not snapshot"))),
            "{name} restored restic's latest first, then the listed backup:\n{err}"
        );
    }
}

/// dr on a blank machine starts one restic process per service: one
/// `snapshots` per repository and one `restore` per service (its whole
/// snapshot: files, database copies and the self-description, so no `dump`).
/// The restored files are verified against restic's backup summary in the
/// snapshot (restic 0.17+); without one (restic 0.14) against the
/// snapshot's file list, one `find` per repository. Every byte comes back
/// (hidden files, symlinks and nested directories included).
#[test]
fn dr_starts_one_restic_process_per_service_on_a_blank_machine() {
    let mut w = World::new();
    let repo = w.add_local_repo("default");
    let root = w.path().join("data");
    let mut trees = Vec::new();
    for name in ["a", "b", "c"] {
        let d = w.data_dir(name);
        std::fs::create_dir_all(d.join("sub/deeper")).unwrap();
        std::fs::write(d.join("v.txt"), format!("{name} v1")).unwrap();
        std::fs::write(d.join(".hidden"), format!("{name} hidden")).unwrap();
        std::fs::write(d.join("sub/deeper/x.bin"), vec![3u8; 70_000]).unwrap();
        std::os::unix::fs::symlink("v.txt", d.join("link")).unwrap();
        w.add_service(name, common::files_service(&[&d], &["default"]));
        w.run_ok(&["run", name]);
        trees.push((d.clone(), tree_hash(&d)));
    }
    let notes = w.data_dir("notes");
    std::fs::create_dir_all(notes.join("attachments")).unwrap();
    std::fs::write(notes.join("attachments/a.pdf"), vec![7u8; 5000]).unwrap();
    let notes_db = notes.join("notes.db");
    sqlite_db(&notes_db, &[(1, "n1"), (2, "n2")]);
    w.add_service(
        "notes",
        Service {
            files: vec![notes.join("attachments").display().to_string()],
            sqlite: vec![notes_db.display().to_string()],
            ..common::files_service(&[], &["default"])
        },
    );
    w.run_ok(&["run", "notes"]);
    let attachments = tree_hash(&notes.join("attachments"));
    let notes_rows = sqlite_rows(&notes_db);

    // The machine burns down: data root and state directory gone.
    std::fs::remove_dir_all(&root).unwrap();
    std::fs::remove_dir_all(w.state_dir()).unwrap();

    let summaries = repo
        .snapshots()
        .iter()
        .all(|s| s["summary"]["total_files_processed"].is_u64());
    let (restic, log) = common::logging_restic(w.path());
    let out = w.output_with_restic(&restic, &["--json", "--yes", "dr", "--jobs", "2"]);
    common::assert_success(&out);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for r in v["services"].as_array().unwrap() {
        assert_eq!(r["verified"], true, "{r}");
    }
    for (d, want) in &trees {
        assert_eq!(&tree_hash(d), want, "{}", d.display());
        assert_eq!(
            std::fs::read_link(d.join("link")).unwrap().to_str(),
            Some("v.txt")
        );
    }
    assert_eq!(tree_hash(&notes.join("attachments")), attachments);
    assert_eq!(sqlite_rows(&notes_db), notes_rows);

    let calls = std::fs::read_to_string(&log).unwrap();
    let count = |verb: &str| {
        calls
            .lines()
            .filter(|l| l.split_whitespace().any(|w| w == verb))
            .count()
    };
    assert_eq!(count("snapshots"), 1, "{calls}");
    assert_eq!(count("ls"), 0, "no `ls` per service:\n{calls}");
    assert_eq!(
        count("find"),
        usize::from(!summaries),
        "a content listing only without restic's backup summaries (restic < 0.17):\n{calls}"
    );
    assert_eq!(
        count("dump"),
        0,
        "notes' self-description comes with its restore:\n{calls}"
    );
    // a, b, c: their snapshots; notes: its files, SQLite copy and self-description together.
    assert_eq!(count("restore"), 4, "{calls}");
    let others: Vec<&str> = calls
        .lines()
        .filter(|l| {
            !["snapshots", "find", "dump", "restore", "version"]
                .iter()
                .any(|v| l.split_whitespace().any(|w| w == *v))
        })
        .collect();
    assert!(others.is_empty(), "unexpected restic processes: {others:?}");
}

/// `dr --jobs 1` is a pipeline: while one service, restored and verified,
/// goes live (its preRestore hook here waits until it sees the next
/// service's `restic restore` start, at most two minutes), the next one is
/// already being restored. Still never two restores at once, and services go
/// live strictly one after another, in order.
#[test]
fn dr_jobs_1_restores_the_next_service_while_one_goes_live() {
    let mut w = World::new();
    let _repo = w.add_local_repo("default");
    let log = w.path().join("events.log");
    let wrapper = w.path().join("restic-events");
    common::write_script(
        &wrapper,
        &format!(
            "#!/bin/sh\necho \"start $$ $*\" >> '{l}'\nrestic \"$@\"\nrc=$?\necho \"end $$\" >> '{l}'\nexit $rc\n",
            l = log.display()
        ),
    );
    let mut dirs = Vec::new();
    for name in ["a", "b", "c"] {
        let d = w.data_dir(name);
        std::fs::write(d.join("v.txt"), format!("{name} v1")).unwrap();
        let mut s = common::files_service(&[&d], &["default"]);
        let wait = if name == "a" {
            format!(
                "i=0; while [ \"$(grep -c '^start .* restore ' '{l}')\" -lt 2 ] && [ $i -lt 1200 ]; do sleep 0.1; i=$((i+1)); done; \
                 if [ $i -lt 1200 ]; then echo 'live a, next restore running' >> '{l}'; else echo 'live a, no next restore' >> '{l}'; fi",
                l = log.display()
            )
        } else {
            format!("echo 'live {name}' >> '{}'", log.display())
        };
        s.hooks.pre_restore = Some(wait);
        s.hooks.post_restore = Some(format!("echo 'up {name}' >> '{}'", log.display()));
        w.add_service(name, s);
        w.run_ok(&["run", name]);
        dirs.push(d);
    }
    let root = w.path().join("data");
    std::fs::remove_dir_all(&root).unwrap();
    std::fs::remove_dir_all(w.state_dir()).unwrap();
    std::fs::write(&log, "").unwrap();

    let out = w.output_with_restic(&wrapper, &["--json", "--yes", "dr", "--jobs", "1"]);
    common::assert_success(&out);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for r in v["services"].as_array().unwrap() {
        assert_eq!(r["verified"], true, "{r}");
    }
    for (d, name) in dirs.iter().zip(["a", "b", "c"]) {
        assert_eq!(
            std::fs::read_to_string(d.join("v.txt")).unwrap(),
            format!("{name} v1")
        );
    }
    let events = std::fs::read_to_string(&log).unwrap();
    // Never two restores at once.
    let mut open: Vec<&str> = Vec::new();
    let mut restores = 0;
    for l in events.lines() {
        let words: Vec<&str> = l.split_whitespace().collect();
        match words.as_slice() {
            ["start", pid, rest @ ..] if rest.contains(&"restore") => {
                open.push(pid);
                restores += 1;
                assert!(open.len() <= 1, "two restores at once:\n{events}");
            }
            ["end", pid] => open.retain(|p| p != pid),
            _ => {}
        }
    }
    assert_eq!(restores, 3, "{events}");
    assert!(
        events.contains("live a, next restore running"),
        "b's restore must run while a goes live:\n{events}"
    );
    // Live strictly in order: a up before b goes live, b up before c.
    let at = |what: &str| {
        events
            .lines()
            .position(|l| l.starts_with(what))
            .unwrap_or_else(|| panic!("no {what:?}:\n{events}"))
    };
    assert!(at("live a") < at("up a"), "{events}");
    assert!(at("up a") < at("live b"), "{events}");
    assert!(at("live b") < at("up b"), "{events}");
    assert!(at("up b") < at("live c"), "{events}");
    assert!(at("live c") < at("up c"), "{events}");
}
