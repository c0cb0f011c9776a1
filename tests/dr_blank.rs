//! `dr` on a blank data root and an empty state directory: every service of
//! a multi-service manifest (files, SQLite, PostgreSQL with create options, a
//! dump contract) comes back from the repository alone and is verified.
// "SQLite" and "PostgreSQL" are names, not code.
#![allow(clippy::doc_markdown)]

mod common;
#[path = "common/tree.rs"]
mod tree;

use std::collections::BTreeMap;

use atelier::plan::{Dump, PostgresCreate, PostgresDatabase, Service};
use common::{PgCluster, World};
use tree::{sqlite_rows, tree_hash};

#[test]
fn dr_restores_every_service_on_a_blank_machine() {
    let mut w = World::new();
    let pg = PgCluster::start(w.path());
    w.manifest.postgres = pg.connection();
    let _repo = w.add_local_repo("default");
    let root = w.path().join("data");

    // notes: files + SQLite
    let notes = w.data_dir("notes");
    std::fs::create_dir_all(notes.join("attachments")).unwrap();
    std::fs::write(notes.join("attachments/a.pdf"), vec![7u8; 5000]).unwrap();
    let notes_db = notes.join("notes.db");
    {
        let c = rusqlite::Connection::open(&notes_db).unwrap();
        c.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t VALUES (1,'n1'),(2,'n2');").unwrap();
    }
    w.add_service(
        "notes",
        Service {
            files: vec![notes.join("attachments").display().to_string()],
            sqlite: vec![notes_db.display().to_string()],
            units: vec!["notes.service".into()],
            ..common::files_service(&[], &["default"])
        },
    );
    // shop: PostgreSQL with create options
    pg.psql(
        "postgres",
        "CREATE DATABASE shop ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0",
    );
    pg.psql("shop", "CREATE TABLE orders (id int primary key, item text); INSERT INTO orders SELECT g, 'item ' || g FROM generate_series(1, 500) g;");
    let mut options = BTreeMap::new();
    options.insert("LC_COLLATE".to_owned(), "C".to_owned());
    options.insert("ENCODING".to_owned(), "UTF8".to_owned());
    w.add_service(
        "shop",
        Service {
            postgres: vec![PostgresDatabase {
                name: "shop".into(),
                create: PostgresCreate {
                    enable: true,
                    options,
                },
                stop_on_restore: vec![],
            }],
            units: vec!["shop.service".into()],
            ..common::files_service(&[], &["default"])
        },
    );
    // directory: the generic dump contract
    let ldap = w.data_dir("ldap");
    std::fs::write(ldap.join("db.ldif"), "dn: dc=example\nobjectClass: top\n").unwrap();
    w.add_service(
        "directory",
        Service {
            dumps: [(
                "ldap".to_owned(),
                Dump {
                    backup_cmd: format!("cat {}", ldap.join("db.ldif").display()),
                    restore_cmd: format!("mkdir -p {d} && cat > {d}/db.ldif", d = ldap.display()),
                    user: None,
                    backup_name: Some("ldap.ldif".into()),
                },
            )]
            .into(),
            ..common::files_service(&[], &["default"])
        },
    );
    for s in ["notes.service", "shop.service"] {
        w.systemctl.define(s, "exec sleep 1000\n");
    }
    for s in ["notes", "shop", "directory"] {
        w.run_ok(&["run", s]);
    }
    let attachments = tree_hash(&notes.join("attachments"));
    let notes_rows = sqlite_rows(&notes_db);
    let ldif = std::fs::read(ldap.join("db.ldif")).unwrap();

    // The machine burns down: data root, database and state directory gone.
    std::fs::remove_dir_all(&root).unwrap();
    std::fs::remove_dir_all(w.state_dir()).unwrap();
    pg.psql("postgres", "DROP DATABASE shop");

    // --plan changes nothing.
    let (code, _, err) = w.run(&["dr", "--plan"]);
    assert_eq!(code, 0, "{err}");
    for needle in [
        "notes",
        "shop",
        "directory",
        "drop and recreate PostgreSQL database shop",
        "nothing was changed",
    ] {
        assert!(err.contains(needle), "plan lacks {needle}:\n{err}");
    }
    assert!(!root.exists());
    assert_eq!(
        pg.psql(
            "postgres",
            "SELECT count(*) FROM pg_database WHERE datname = 'shop'"
        )
        .trim(),
        "0"
    );

    let (code, out, err) = w.run(&["--json", "--yes", "dr", "--jobs", "2"]);
    assert_eq!(code, 0, "{out}\n{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let rows = v["services"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    for r in rows {
        assert_eq!(r["restored"], true, "{r}");
        assert_eq!(r["verified"], true, "{r}");
        assert_eq!(r["failed"], false, "{r}");
    }
    assert_eq!(tree_hash(&notes.join("attachments")), attachments);
    assert_eq!(sqlite_rows(&notes_db), notes_rows);
    assert_eq!(std::fs::read(ldap.join("db.ldif")).unwrap(), ldif);
    assert_eq!(
        pg.psql("shop", "SELECT count(*), sum(id) FROM orders")
            .trim(),
        "500|125250"
    );
    assert_eq!(
        pg.psql(
            "postgres",
            "SELECT datcollate FROM pg_database WHERE datname = 'shop'"
        )
        .trim(),
        "C"
    );
    // Units of the restored services were started.
    assert!(w.systemctl.is_running("notes.service") && w.systemctl.is_running("shop.service"));
    // No restore leftovers in PostgreSQL.
    assert_eq!(
        pg.psql(
            "postgres",
            "SELECT count(*) FROM pg_database WHERE datname LIKE '%atelier%'"
        )
        .trim(),
        "0"
    );
}
