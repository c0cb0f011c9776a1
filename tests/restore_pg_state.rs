//! PostgreSQL restores keep what the dump alone does not hold: the
//! database's privileges, per-database (and per-role-in-database) settings,
//! comment and owner come back with an in-place restore, `dr` and `--from`;
//! roles the dump needs and the server lacks are named, with the SQL to
//! create them, before anything is touched.
// "PostgreSQL" is a name, not code.
#![allow(clippy::doc_markdown)]

mod common;

use atelier::plan::{PostgresCreate, PostgresDatabase, Service};
use common::{PgCluster, World};

/// Everything database-level about `db`, in a comparable form.
fn database_state(pg: &PgCluster, db: &str) -> String {
    pg.psql("postgres", &state_sql(db))
}

/// The query of [`database_state`].
fn state_sql(db: &str) -> String {
    format!(
            "SELECT concat_ws(E'\\n',
               'owner=' || pg_get_userbyid(d.datdba),
               'acl=' || coalesce((SELECT string_agg(format('%s:%s:%s', coalesce(nullif(pg_get_userbyid(a.grantee), '-'), 'PUBLIC'), a.privilege_type, a.is_grantable), ',' ORDER BY 1)
                                   FROM aclexplode(d.datacl) a WHERE a.grantee <> 0), '')
                 || ';public=' || coalesce((SELECT string_agg(a.privilege_type, ',' ORDER BY 1) FROM aclexplode(d.datacl) a WHERE a.grantee = 0), CASE WHEN d.datacl IS NULL THEN 'default' ELSE '' END),
               'comment=' || coalesce(shobj_description(d.oid, 'pg_database'), '<none>'),
               'settings=' || coalesce((SELECT string_agg(format('%s:%s', coalesce(r.rolname, '*'), s.setconfig::text), ' ' ORDER BY 1)
                                        FROM pg_db_role_setting s LEFT JOIN pg_roles r ON r.oid = s.setrole WHERE s.setdatabase = d.oid), '<none>'),
               'connlimit=' || d.datconnlimit)
             FROM pg_database d WHERE d.datname = '{db}'"
    )
}

fn shop_service(create: bool) -> Service {
    Service {
        postgres: vec![PostgresDatabase {
            name: "shop".into(),
            create: PostgresCreate {
                enable: create,
                ..PostgresCreate::default()
            },
            stop_on_restore: vec![],
        }],
        ..common::files_service(&[], &["default"])
    }
}

/// `shop` owned by `app`, closed to PUBLIC, open to `reader`, with settings,
/// a role-in-database setting, a comment and a connection limit.
fn seed_shop(pg: &PgCluster) {
    pg.psql("postgres", "CREATE ROLE app; CREATE ROLE reader");
    pg.psql("postgres", "CREATE DATABASE shop OWNER app");
    pg.psql(
        "shop",
        "CREATE TABLE items (id int PRIMARY KEY, name text); ALTER TABLE items OWNER TO app;
         INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 20) g;
         GRANT SELECT ON items TO reader;",
    );
    for sql in [
        "REVOKE CONNECT, TEMPORARY ON DATABASE shop FROM PUBLIC",
        "GRANT CONNECT ON DATABASE shop TO reader",
        "GRANT CREATE ON DATABASE shop TO reader WITH GRANT OPTION",
        "ALTER DATABASE shop SET work_mem = '7MB'",
        "ALTER DATABASE shop SET search_path = \"$user\", public, \"odd, name\"",
        "ALTER ROLE reader IN DATABASE shop SET statement_timeout = '42s'",
        "COMMENT ON DATABASE shop IS 'the shop''s data'",
        "ALTER DATABASE shop CONNECTION LIMIT 17",
    ] {
        pg.psql("postgres", sql);
    }
}

#[test]
fn in_place_restore_and_dr_bring_back_database_privileges_settings_and_comment() {
    let mut w = World::new();
    let pg = PgCluster::start(w.path());
    w.manifest.postgres = pg.connection();
    let repo = w.add_local_repo("default");
    seed_shop(&pg);
    let before = database_state(&pg, "shop");
    assert!(before.contains("reader:CONNECT"), "{before}");
    assert!(before.contains(";public=\n"), "{before}");
    w.add_service("shop", shop_service(true));
    w.run_ok(&["run", "shop"]);
    let snap = repo.snapshots()[0]["id"].as_str().unwrap().to_owned();

    // Someone opens the database to everyone and drops its settings.
    for sql in [
        "GRANT ALL ON DATABASE shop TO PUBLIC",
        "ALTER DATABASE shop RESET ALL",
        "ALTER ROLE reader IN DATABASE shop RESET ALL",
        "COMMENT ON DATABASE shop IS NULL",
        "ALTER DATABASE shop CONNECTION LIMIT -1",
    ] {
        pg.psql("postgres", sql);
    }
    assert_ne!(database_state(&pg, "shop"), before);
    w.run_ok(&["--yes", "restore", "shop", &snap, "--in-place"]);
    assert_eq!(database_state(&pg, "shop"), before, "in-place restore");
    assert_eq!(pg.psql("shop", "SELECT count(*) FROM items").trim(), "20");

    // dr on a server that lost the database.
    pg.psql("postgres", "DROP DATABASE shop");
    let (code, _, err) = w.run(&["dr", "--plan"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("privileges, settings and comment"),
        "dr --plan does not say the database-level state comes back: {err}"
    );
    let (code, out, err) = w.run(&["--yes", "dr"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert_eq!(database_state(&pg, "shop"), before, "dr");

    // create.enable = false: restored into a database created without
    // options; the recorded owner and state are applied to it too.
    w.add_service("shop", shop_service(false));
    pg.psql("postgres", "ALTER DATABASE shop OWNER TO postgres");
    pg.psql("postgres", "GRANT ALL ON DATABASE shop TO PUBLIC");
    w.run_ok(&["--yes", "restore", "shop", &snap, "--in-place"]);
    assert_eq!(database_state(&pg, "shop"), before, "create.enable = false");
}

#[test]
fn clone_with_from_carries_the_privileges_and_settings() {
    let mut w = World::new();
    let pg = PgCluster::start(w.path());
    w.manifest.postgres = pg.connection();
    let _repo = w.add_local_repo("default");
    seed_shop(&pg);
    w.add_service("shop", shop_service(true));
    w.run_ok(&["run", "shop"]);
    pg.psql("postgres", "CREATE DATABASE demo");
    let mut demo = shop_service(true);
    demo.postgres[0].name = "demo".into();
    w.add_service("demo", demo);
    w.run_ok(&["--yes", "restore", "demo", "--from", "shop", "--in-place"]);
    let got = database_state(&pg, "demo");
    // The demo keeps its own owner (the runAs user); privileges the source
    // owner had are its owner's.
    assert!(got.starts_with("owner=postgres\n"), "{got}");
    for needle in [
        "reader:CONNECT:f",
        "reader:CREATE:t",
        ";public=\n",
        "comment=the shop's data",
        "*:{work_mem=7MB",
        "reader:{statement_timeout=42s}",
        "connlimit=17",
    ] {
        assert!(got.contains(needle), "lacks {needle}: {got}");
    }
    assert_eq!(pg.psql("demo", "SELECT count(*) FROM items").trim(), "20");
}

#[test]
fn missing_roles_are_named_with_their_sql_before_anything_is_touched() {
    let mut w = World::new();
    let pg = PgCluster::start(w.path());
    w.manifest.postgres = pg.connection();
    let repo = w.add_local_repo("default");
    seed_shop(&pg);
    w.add_service("shop", shop_service(true));
    w.run_ok(&["run", "shop"]);
    let before = database_state(&pg, "shop");

    // Another server: the roles are gone; a live (empty) shop exists.
    pg.psql("postgres", "DROP DATABASE shop");
    pg.psql("postgres", "DROP ROLE reader; DROP ROLE app");
    pg.psql("postgres", "CREATE DATABASE shop");
    pg.psql(
        "shop",
        "CREATE TABLE live (x int); INSERT INTO live VALUES (1)",
    );

    let sql = "CREATE ROLE \"app\"; CREATE ROLE \"reader\";";
    let (code, _, err) = w.run(&["restore", "shop", "--in-place", "--dry-run"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("app") && err.contains("reader"), "{err}");
    assert!(err.contains(sql), "dry run lacks the SQL: {err}");

    let (code, _, err) = w.run(&["--yes", "restore", "shop", "--in-place"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains(sql), "{err}");
    assert!(err.contains("nothing was changed"), "{err}");
    assert!(
        repo.snapshots_tagged("pre-restore").is_empty(),
        "a safety snapshot was taken before the roles were checked"
    );
    assert_eq!(
        pg.psql(
            "postgres",
            "SELECT count(*) FROM pg_database WHERE datname LIKE 'shop\\_\\_atelier%'"
        )
        .trim(),
        "0",
        "a staging database was created"
    );
    assert_eq!(pg.psql("shop", "SELECT count(*) FROM live").trim(), "1");

    let (code, _, err) = w.run(&["dr", "--plan"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains(sql), "dr --plan lacks the SQL: {err}");
    let (code, out, err) = w.run(&["--json", "--yes", "dr"]);
    assert_eq!(code, 1, "{out}\n{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let e = v["services"][0]["error"].as_str().unwrap();
    assert!(e.contains(sql) && e.contains("create"), "{e}");
    assert_eq!(pg.psql("shop", "SELECT count(*) FROM live").trim(), "1");

    // With the roles created, the restore brings everything back.
    pg.psql("postgres", sql);
    w.run_ok(&["--yes", "restore", "shop", "--in-place"]);
    assert_eq!(database_state(&pg, "shop"), before);
}

/// A snapshot written before `databaseState` existed (the field removed from
/// a fresh one's self-description) still restores in place: nothing
/// database-level is applied, and only the `OWNER` create option is a
/// needed role.
#[test]
fn snapshot_without_database_state_restores_as_before() {
    let mut w = World::new();
    let pg = PgCluster::start(w.path());
    w.manifest.postgres = pg.connection();
    let repo = w.add_local_repo("default");
    seed_shop(&pg);
    w.add_service("shop", shop_service(true));
    w.run_ok(&["run", "shop"]);
    let snap = repo.snapshots()[0].clone();

    // Rewrite the staging directory without `databaseState` and store it
    // as the service's snapshot again, at the same path and with the same tags.
    let staging = w.state_dir().join("staging/shop");
    let out = w.path().join("old-layout");
    repo.restore(snap["id"].as_str().unwrap(), &out);
    let restored = out.join(staging.strip_prefix("/").unwrap());
    let desc_path = restored.join("atelier-snapshot.json");
    let mut desc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&desc_path).unwrap()).unwrap();
    for db in desc["postgres"]["databases"].as_array_mut().unwrap() {
        assert!(db
            .as_object_mut()
            .unwrap()
            .remove("databaseState")
            .is_some());
    }
    std::fs::write(&desc_path, serde_json::to_vec_pretty(&desc).unwrap()).unwrap();
    std::fs::create_dir_all(staging.parent().unwrap()).unwrap();
    std::fs::rename(&restored, &staging).unwrap();
    let mut backup = repo.restic();
    backup.args(["backup", "--json", "--host", "testhost"]);
    for t in snap["tags"].as_array().unwrap() {
        backup.args(["--tag", t.as_str().unwrap()]);
    }
    common::sh(backup.arg(&staging));
    std::fs::remove_dir_all(&staging).unwrap();
    let old = repo
        .snapshots()
        .into_iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .find(|id| id != snap["id"].as_str().unwrap())
        .unwrap();

    pg.psql("postgres", "GRANT ALL ON DATABASE shop TO PUBLIC");
    pg.psql("shop", "DELETE FROM items");
    let (code, _, err) = w.run(&["restore", "shop", &old, "--in-place", "--dry-run"]);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("recorded owner, privileges"), "{err}");
    w.run_ok(&["--yes", "restore", "shop", &old, "--in-place"]);
    assert_eq!(pg.psql("shop", "SELECT count(*) FROM items").trim(), "20");
    // As before this change: the owner comes from the create options, the
    // rest of the database-level state is not in such a snapshot.
    let got = database_state(&pg, "shop");
    assert!(got.starts_with("owner=app\n"), "{got}");
    assert!(got.contains(";public=default\n"), "{got}");

    // Its needed roles: only the OWNER option's.
    pg.psql("postgres", "DROP DATABASE shop");
    pg.psql("postgres", "DROP OWNED BY reader; DROP ROLE reader");
    let (code, _, err) = w.run(&["restore", "shop", &old, "--in-place", "--dry-run"]);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("CREATE ROLE"), "{err}");
    pg.psql("postgres", "DROP OWNED BY app; DROP ROLE app");
    let (code, _, err) = w.run(&["--yes", "restore", "shop", &old, "--in-place"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("CREATE ROLE \"app\";"), "{err}");
}

/// A drill restores the way a restore would: the scratch database gets the
/// recorded privileges, settings, comment, connection limit and owner (the
/// check sees them), and roles the dump needs that the server lacks fail
/// the drill, named with the SQL to create them, before a scratch database
/// is created.
#[test]
fn drill_applies_database_state_and_reports_missing_roles() {
    let mut w = World::new();
    let pg = PgCluster::start(w.path());
    w.manifest.postgres = pg.connection();
    let _repo = w.add_local_repo("default");
    seed_shop(&pg);
    let before = database_state(&pg, "shop");
    // The check records the scratch database's state with the query above.
    let query = w.path().join("state.sql");
    let seen = w.path().join("seen");
    std::fs::write(&query, state_sql("@DB@").replace("'@DB@'", ":'db'")).unwrap();
    let mut svc = shop_service(false);
    svc.check = Some(format!(
        "psql -X -At -v ON_ERROR_STOP=1 -d postgres -v db=\"$PGDATABASE\" -f '{}' > '{}'",
        query.display(),
        seen.display()
    ));
    w.add_service("shop", svc);
    w.run_ok(&["run", "shop"]);

    let (code, out, err) = w.run(&["--json", "drill", "shop"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert_eq!(
        std::fs::read_to_string(&seen).unwrap().trim_end(),
        before.trim_end(),
        "the scratch database lacks the recorded database-level state"
    );

    // Another server: the roles are gone.
    pg.psql("postgres", "DROP DATABASE shop");
    pg.psql("postgres", "DROP ROLE reader; DROP ROLE app");
    let sql = "CREATE ROLE \"app\"; CREATE ROLE \"reader\";";
    let (code, out, err) = w.run(&["--json", "drill", "shop"]);
    assert_eq!(code, 1, "{out}\n{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let e = v["shop"]["error"].as_str().unwrap();
    assert!(
        e.contains(sql) && e.contains("app") && e.contains("reader"),
        "{e}"
    );
    assert_eq!(
        pg.psql(
            "postgres",
            "SELECT count(*) FROM pg_database WHERE datname LIKE '%atelier\\_drill%'"
        )
        .trim(),
        "0",
        "a scratch database was created or left behind"
    );
    // With the roles created, the drill succeeds again.
    pg.psql("postgres", sql);
    w.run_ok(&["drill", "shop"]);
}
