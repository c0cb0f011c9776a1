//! A failure after the swap (here: a dump's restoreCmd) rolls everything
//! back — files, SQLite and the PostgreSQL database renamed back — and the
//! units are started again.

mod common;
#[path = "common/tree.rs"]
mod tree;

use atelier::plan::{Dump, PostgresDatabase, Service};
use common::{PgCluster, World};
use tree::{sqlite_rows, tree_hash};

#[test]
fn failing_restore_cmd_rolls_back_files_sqlite_and_postgres() {
    let mut w = World::new();
    let pg = PgCluster::start(w.path());
    w.manifest.postgres = pg.connection();
    let _repo = w.add_local_repo("default");
    let d = w.data_dir("crm");
    std::fs::create_dir_all(d.join("docs")).unwrap();
    std::fs::write(d.join("docs/a"), "snapshot version").unwrap();
    let db = d.join("crm.db");
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute_batch(
            "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t VALUES (1, 'snap');",
        )
        .unwrap();
    pg.psql("postgres", "CREATE DATABASE crm");
    pg.psql(
        "crm",
        "CREATE TABLE c (v text); INSERT INTO c VALUES ('snapshot');",
    );
    let flag = w.path().join("restore-cmd-fails");
    w.add_service(
        "crm",
        Service {
            files: vec![d.join("docs").display().to_string()],
            sqlite: vec![db.display().to_string()],
            postgres: vec![PostgresDatabase {
                name: "crm".into(),
                ..Default::default()
            }],
            dumps: [(
                "cache".to_owned(),
                Dump {
                    backup_cmd: "echo cached".into(),
                    restore_cmd: format!(
                        "test ! -e {} || {{ echo 'cache server refused the load' >&2; exit 7; }}",
                        flag.display()
                    ),
                    user: None,
                    backup_name: None,
                },
            )]
            .into(),
            units: vec!["crm.service".into()],
            ..common::files_service(&[], &["default"])
        },
    );
    w.systemctl.define("crm.service", "exec sleep 1000\n");
    w.systemctl.start("crm.service");
    w.run_ok(&["run", "crm"]);

    // Live data moves on.
    std::fs::write(d.join("docs/a"), "live version").unwrap();
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute("UPDATE t SET v = 'live'", [])
        .unwrap();
    pg.psql("crm", "UPDATE c SET v = 'live'");
    let live = (
        tree_hash(&d.join("docs")),
        sqlite_rows(&db),
        pg.psql("crm", "SELECT v FROM c"),
    );

    std::fs::write(&flag, "").unwrap();
    let (code, _, err) = w.run(&["restore", "crm", "--in-place", "--yes"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("cache server refused the load"), "{err}");
    assert!(err.contains("rolled back"), "{err}");
    assert_eq!(
        (
            tree_hash(&d.join("docs")),
            sqlite_rows(&db),
            pg.psql("crm", "SELECT v FROM c")
        ),
        live
    );
    assert_eq!(
        pg.psql(
            "postgres",
            "SELECT count(*) FROM pg_database WHERE datname LIKE 'crm\\_\\_atelier%'"
        )
        .trim(),
        "0"
    );
    let events = w.systemctl.events();
    let stopped = events
        .iter()
        .rposition(|e| e == "stopped crm.service")
        .expect("stopped");
    assert!(
        events[stopped..].iter().any(|e| e == "started crm.service"),
        "{events:?}"
    );

    // Once the dump target accepts it, the same restore goes through.
    std::fs::remove_file(&flag).unwrap();
    w.run_ok(&["restore", "crm", "--in-place", "--yes"]);
    assert_eq!(
        std::fs::read_to_string(d.join("docs/a")).unwrap(),
        "snapshot version"
    );
    assert_eq!(pg.psql("crm", "SELECT v FROM c").trim(), "snapshot");
    assert_eq!(sqlite_rows(&db), vec![(1, "snap".to_owned())]);
}

/// SIGKILL in the middle of the database swap (old database renamed away,
/// new one not yet in place) and after it: the next run puts the old
/// database back, under its name, and leaves no staging database.
#[test]
fn crash_during_the_database_swap_is_rolled_back() {
    use std::os::unix::process::ExitStatusExt;
    let mut w = World::new();
    let pg = PgCluster::start(w.path());
    w.manifest.postgres = pg.connection();
    let _repo = w.add_local_repo("default");
    pg.psql("postgres", "CREATE DATABASE ledger");
    pg.psql(
        "ledger",
        "CREATE TABLE l (v text); INSERT INTO l VALUES ('snapshot');",
    );
    w.add_service(
        "ledger",
        Service {
            postgres: vec![PostgresDatabase {
                name: "ledger".into(),
                ..Default::default()
            }],
            ..common::files_service(&[], &["default"])
        },
    );
    w.run_ok(&["run", "ledger"]);
    pg.psql("ledger", "UPDATE l SET v = 'live'");
    for step in ["mid-swap", "after-swap"] {
        let out = w
            .cmd()
            .args(["restore", "ledger", "--in-place", "--yes"])
            .env("ATELIER_TEST_CRASH_AT", step)
            .output()
            .unwrap();
        assert_eq!(
            out.status.signal(),
            Some(9),
            "{step}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let (code, _, err) = w.run(&["restore", "ledger", "ffffffff", "--in-place", "--yes"]);
        assert_eq!(code, 1);
        assert!(err.contains("rolled back"), "{step}: {err}");
        assert_eq!(
            pg.psql("ledger", "SELECT v FROM l").trim(),
            "live",
            "{step}"
        );
        assert_eq!(
            pg.psql(
                "postgres",
                "SELECT count(*) FROM pg_database WHERE datname LIKE 'ledger\\_\\_atelier%'"
            )
            .trim(),
            "0",
            "{step}: staging or old database left behind"
        );
    }
}
