//! `restore demo --from prod`: production's snapshot lands in the demo
//! service's own locations (files, SQLite, PostgreSQL), production untouched.
// "SQLite" and "PostgreSQL" are names, not code.
#![allow(clippy::doc_markdown)]

mod common;
#[path = "common/tree.rs"]
mod tree;

use atelier::plan::{PostgresDatabase, Service};
use common::{PgCluster, World};
use tree::{sqlite_rows, tree_hash};

#[test]
fn clone_production_into_demo() {
    let mut w = World::new();
    let pg = PgCluster::start(w.path());
    w.manifest.postgres = pg.connection();
    let repo = w.add_local_repo("default");
    let mut svc = |name: &str, rows: i64| {
        let d = w.data_dir(name);
        std::fs::create_dir_all(d.join("uploads")).unwrap();
        std::fs::write(d.join(format!("uploads/{name}.txt")), name.repeat(50)).unwrap();
        let db = d.join("app.db");
        let c = rusqlite::Connection::open(&db).unwrap();
        c.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);")
            .unwrap();
        for i in 0..rows {
            c.execute("INSERT INTO t VALUES (?1, ?2)", rusqlite::params![i, name])
                .unwrap();
        }
        pg.psql("postgres", &format!("CREATE DATABASE {name}db"));
        pg.psql(
            &format!("{name}db"),
            &format!("CREATE TABLE k (v text); INSERT INTO k VALUES ('{name}');"),
        );
        w.add_service(
            name,
            Service {
                files: vec![d.join("uploads").display().to_string()],
                sqlite: vec![db.display().to_string()],
                postgres: vec![PostgresDatabase {
                    name: format!("{name}db"),
                    ..Default::default()
                }],
                ..common::files_service(&[], &["default"])
            },
        );
        d
    };
    let prod = svc("prod", 30);
    let demo = svc("demo", 2);
    w.run_ok(&["run", "prod"]);
    let prod_state = (
        tree_hash(&prod.join("uploads")),
        sqlite_rows(&prod.join("app.db")),
    );

    let (code, _, err) = w.run(&["restore", "demo", "--from", "prod", "--in-place", "--yes"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        tree_hash(&demo.join("uploads")),
        prod_state.0,
        "demo files are not production's"
    );
    assert_eq!(sqlite_rows(&demo.join("app.db")), prod_state.1);
    assert_eq!(pg.psql("demodb", "SELECT v FROM k").trim(), "prod");
    // Production untouched, its database too.
    assert_eq!(
        (
            tree_hash(&prod.join("uploads")),
            sqlite_rows(&prod.join("app.db"))
        ),
        prod_state
    );
    assert_eq!(pg.psql("proddb", "SELECT v FROM k").trim(), "prod");
    // The demo's own data went into a pre-restore snapshot of demo.
    let pre = repo.snapshots_tagged("pre-restore");
    assert_eq!(pre.len(), 1);
    assert!(
        pre[0]["tags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t == "service:demo"),
        "{pre:?}"
    );
}
