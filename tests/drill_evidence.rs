//! `drill` restores into scratch (temp dir + scratch PostgreSQL database),
//! runs the service's check against it, leaves live data untouched, drops the
//! scratch database and records evidence that `evidence --json` shows.
// "SQLite" and "PostgreSQL" are names, not code.
#![allow(clippy::doc_markdown)]

mod common;
#[path = "common/tree.rs"]
mod tree;

use atelier::plan::{PostgresDatabase, Service};
use common::{PgCluster, World};
use tree::tree_hash;

#[test]
fn drill_checks_a_scratch_copy_and_records_evidence() {
    let mut w = World::new();
    let pg = PgCluster::start(w.path());
    w.manifest.postgres = pg.connection();
    let _repo = w.add_local_repo("default");
    let d = w.data_dir("wiki");
    std::fs::create_dir_all(d.join("pages")).unwrap();
    std::fs::write(d.join("pages/home.md"), "# home\n").unwrap();
    let db = d.join("wiki.db");
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY); INSERT INTO t VALUES (1),(2),(3);")
        .unwrap();
    pg.psql("postgres", "CREATE DATABASE wikidb");
    pg.psql(
        "wikidb",
        "CREATE TABLE k (v text); INSERT INTO k VALUES ('x');",
    );
    let report = w.path().join("check-report");
    // The check proves it sees the scratch copies, not the live ones.
    let check = format!(
        r#"set -e
case "$ATELIER_DRILL_SQLITE" in "$ATELIER_DRILL_DIR"/*) ;; *) echo "sqlite copy not in scratch" >&2; exit 5;; esac
test "$(sqlite3 "$ATELIER_DRILL_SQLITE" 'SELECT count(*) FROM t')" = 3
test -f "$ATELIER_DRILL_FILES_0/home.md"
test "$PGDATABASE" != wikidb
test "$(psql -X -At -d "$PGDATABASE" -c 'SELECT v FROM k')" = x
echo "$PGDATABASE" > {}"#,
        report.display()
    );
    w.add_service(
        "wiki",
        Service {
            files: vec![d.join("pages").display().to_string()],
            sqlite: vec![db.display().to_string()],
            postgres: vec![PostgresDatabase {
                name: "wikidb".into(),
                ..Default::default()
            }],
            check: Some(check),
            units: vec!["wiki.service".into()],
            ..common::files_service(&[], &["default"])
        },
    );
    w.systemctl.define("wiki.service", "exec sleep 1000\n");
    w.systemctl.start("wiki.service");
    w.run_ok(&["run", "wiki"]);
    let live = (tree_hash(&d), pg.psql("wikidb", "SELECT v FROM k"));

    // Nothing drilled yet.
    let out = w.run(&["--json", "evidence"]).1;
    let ev: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(ev["wiki"]["lastDrill"].is_null());

    let (code, _, err) = w.run(&["drill", "wiki"]);
    assert_eq!(code, 0, "{err}");
    let scratch_db = std::fs::read_to_string(&report)
        .expect("check ran")
        .trim()
        .to_owned();
    assert!(scratch_db.contains("atelier_drill"), "{scratch_db}");
    assert_eq!(
        (tree_hash(&d), pg.psql("wikidb", "SELECT v FROM k")),
        live,
        "drill touched live data"
    );
    assert_eq!(
        pg.psql(
            "postgres",
            &format!("SELECT count(*) FROM pg_database WHERE datname = '{scratch_db}'")
        )
        .trim(),
        "0",
        "scratch database not dropped"
    );
    assert!(
        !w.systemctl.calls().iter().any(|c| c.starts_with("stop")),
        "a drill must not stop units"
    );

    let (code, out, err) = w.run(&["--json", "evidence"]);
    assert_eq!(code, 0, "{err}");
    let ev: serde_json::Value = serde_json::from_str(&out).unwrap();
    let wiki = &ev["wiki"];
    assert_eq!(wiki["lastDrill"]["result"], "success", "{wiki}");
    assert_eq!(wiki["lastDrill"]["checkExit"], 0);
    assert!(wiki["lastDrill"]["restoreSeconds"].as_f64().unwrap() > 0.0);
    assert_eq!(wiki["repositoryType"], "local");
    assert_eq!(wiki["retention"]["daily"], 7);
    assert!(wiki["newestSnapshot"].as_str().unwrap().len() == 64);
    assert!(wiki["newestSnapshotAgeSeconds"].as_i64().unwrap() >= 0);
    assert!(
        !out.contains(
            &w.manifest.repositories["default"]
                .repository
                .clone()
                .unwrap()
        ),
        "repository location leaked"
    );
    assert!(!out.contains(common::PASSWORD));

    // A failing check is a failed drill, and evidence says so.
    w.manifest.services.get_mut("wiki").unwrap().check = Some("exit 4".into());
    let (code, _, err) = w.run(&["drill", "--all"]);
    assert_eq!(code, 1, "{err}");
    let ev: serde_json::Value = serde_json::from_str(&w.run(&["--json", "evidence"]).1).unwrap();
    assert_eq!(ev["wiki"]["lastDrill"]["result"], "failed");
    assert_eq!(ev["wiki"]["lastDrill"]["checkExit"], 4);

    // A scratch directory inside live data is refused.
    let (code, _, err) = w.run(&[
        "drill",
        "wiki",
        "--scratch",
        &d.join("pages/tmp").display().to_string(),
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("live location"), "{err}");
    assert_eq!(tree_hash(&d), live.0);
}
