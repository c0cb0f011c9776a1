//! PostgreSQL through `run`: a throwaway cluster (`initdb` + `pg_ctl` on a unix
//! socket in a temp dir) with two databases; backup, drop, `pg_restore` from
//! the snapshot gives identical table contents.

mod common;

use atelier::plan::{PostgresDatabase, Service};
use common::{sh, PgCluster, World};

const CONTENT_QUERY: &str =
    "SELECT string_agg(format('%s|%s|%s', id, name, note), E'\\n' ORDER BY id) FROM items";

fn seed(pg: &PgCluster, db: &str, rows: u32) {
    pg.psql("postgres", &format!("CREATE DATABASE {db}"));
    pg.psql(
        db,
        &format!(
            "CREATE TABLE items (id serial PRIMARY KEY, name text NOT NULL, note text);
             INSERT INTO items (name, note) SELECT 'item ' || g, md5(g::text) FROM generate_series(1, {rows}) g;
             INSERT INTO items (name, note) VALUES ('quote''s and ünïcode', NULL);"
        ),
    );
}

#[test]
fn two_databases_backup_drop_restore_identical() {
    let mut w = World::new();
    let repo = w.add_local_repo("default");
    let pg = PgCluster::start(w.path());
    seed(&pg, "shop", 500);
    seed(&pg, "shop_audit", 50);
    let before: Vec<String> = ["shop", "shop_audit"]
        .iter()
        .map(|db| pg.psql(db, CONTENT_QUERY))
        .collect();
    w.manifest.postgres = pg.connection();
    w.add_service(
        "shop",
        Service {
            postgres: vec![
                PostgresDatabase {
                    name: "shop".into(),
                    ..PostgresDatabase::default()
                },
                PostgresDatabase {
                    name: "shop_audit".into(),
                    ..PostgresDatabase::default()
                },
            ],
            repositories: vec!["default".into()],
            ..Service::default()
        },
    );
    w.run_ok(&["run", "shop"]);

    // PGHOST/PGPORT in the environment override the manifest's settings.
    let good = w.manifest.postgres.clone();
    w.manifest.postgres.host = Some("/nonexistent-socket-dir".into());
    w.manifest.postgres.port = Some(1);
    let out = w
        .cmd()
        .env("PGHOST", good.host.as_deref().unwrap())
        .env("PGPORT", good.port.unwrap().to_string())
        .args(["run", "shop"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    w.manifest.postgres = good;
    let all = repo.snapshots();
    assert_eq!(all.len(), 2);
    sh(repo
        .restic()
        .args(["forget", all[1]["id"].as_str().unwrap()]));

    let snaps = repo.snapshots();
    assert_eq!(snaps.len(), 1);
    assert!(snaps[0]["tags"].to_string().contains("type:postgres"));
    let id = snaps[0]["id"].as_str().unwrap().to_owned();
    let staging = w.state_dir().join("staging/shop");
    let desc: serde_json::Value = serde_json::from_slice(
        &repo.dump(&id, &format!("{}/atelier-snapshot.json", staging.display())),
    )
    .unwrap();
    let pgdesc = &desc["postgres"];
    assert!(pgdesc["serverVersion"]
        .as_str()
        .unwrap()
        .starts_with(char::is_numeric));
    assert_eq!(pgdesc["databases"].as_array().unwrap().len(), 2);
    assert_eq!(pgdesc["databases"][0]["format"], "custom");
    assert_eq!(pgdesc["databases"][0]["compression"], 0);
    assert_eq!(pgdesc["databases"][0]["createOptions"]["ENCODING"], "UTF8");
    assert_eq!(pgdesc["databases"][0]["createOptions"]["OWNER"], "postgres");

    // Disaster: both databases are gone.
    for db in ["shop", "shop_audit"] {
        pg.psql("postgres", &format!("DROP DATABASE {db}"));
    }
    // Restore from the snapshot alone: the description says how.
    let target = w.path().join("restore");
    std::fs::create_dir_all(&target).unwrap();
    repo.restore(&id, &target);
    sh(std::process::Command::new("chmod")
        .args(["-R", "a+rX"])
        .arg(&target));
    for (i, db) in ["shop", "shop_audit"].iter().enumerate() {
        let d = &pgdesc["databases"][i];
        assert_eq!(d["name"], *db);
        let opts = d["createOptions"].as_object().unwrap();
        let clause: Vec<String> = opts
            .iter()
            .map(|(k, v)| format!("{k} = '{}'", v.as_str().unwrap()))
            .collect();
        pg.psql(
            "postgres",
            &format!(
                "CREATE DATABASE {db} TEMPLATE template0 {}",
                clause.join(" ")
            ),
        );
        let dump = target
            .join(staging.strip_prefix("/").unwrap())
            .join(d["staged"].as_str().unwrap());
        sh(pg
            .tool("pg_restore")
            .args(["--exit-on-error", "--no-owner", "-d", db])
            .arg(&dump));
        assert_eq!(
            pg.psql(db, CONTENT_QUERY),
            before[i],
            "contents of {db} differ"
        );
    }
}

#[test]
fn unreachable_server_fails_the_run_without_a_snapshot() {
    let mut w = World::new();
    let repo = w.add_local_repo("default");
    let sock = w.path().join("no-server");
    std::fs::create_dir_all(&sock).unwrap();
    w.manifest.postgres.host = Some(sock.display().to_string());
    w.manifest.postgres.port = Some(5999);
    if !common::is_root() {
        w.manifest.postgres.run_as = nix::unistd::User::from_uid(nix::unistd::Uid::current())
            .unwrap()
            .unwrap()
            .name;
    }
    w.add_service(
        "shop",
        Service {
            postgres: vec![PostgresDatabase {
                name: "shop".into(),
                ..PostgresDatabase::default()
            }],
            repositories: vec!["default".into()],
            ..Service::default()
        },
    );
    let (code, _, err) = w.run(&["run", "shop"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("service `shop`") && err.contains("PostgreSQL"),
        "{err}"
    );
    assert!(repo.snapshots().is_empty());
}

/// Another session holds `LOCK TABLE items IN ACCESS EXCLUSIVE MODE`: the
/// backup gives up after the lock wait (`ATELIER_PG_LOCK_TIMEOUT`) with a
/// message naming the database and the locked table, instead of hanging.
#[test]
fn held_table_lock_fails_the_run_naming_database_and_lock() {
    use std::io::{BufRead as _, Write as _};
    let mut w = World::new();
    let repo = w.add_local_repo("default");
    let pg = PgCluster::start(w.path());
    seed(&pg, "shop", 10);
    w.manifest.postgres = pg.connection();
    w.add_service(
        "shop",
        Service {
            postgres: vec![PostgresDatabase {
                name: "shop".into(),
                ..PostgresDatabase::default()
            }],
            repositories: vec!["default".into()],
            ..Service::default()
        },
    );
    // The holder: an open transaction that took the lock and says so.
    let mut holder = pg
        .tool("psql")
        .args(["-X", "-A", "-t", "-q", "-d", "shop"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = holder.stdin.take().unwrap();
    stdin
        .write_all(b"BEGIN;\nLOCK TABLE items IN ACCESS EXCLUSIVE MODE;\nSELECT 'locked';\n")
        .unwrap();
    stdin.flush().unwrap();
    let mut lines = std::io::BufReader::new(holder.stdout.take().unwrap()).lines();
    assert_eq!(lines.next().unwrap().unwrap(), "locked");

    let mut child = w
        .cmd()
        .env("ATELIER_PG_LOCK_TIMEOUT", "2s")
        .args(["run", "shop"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // A guard against hanging forever, not a timing assertion.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            drop(stdin);
            let _ = holder.wait();
            panic!("atelier-backup run waited on the table lock for 2 minutes");
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let out = child.wait_with_output().unwrap();
    drop(stdin);
    holder.wait().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    for needle in [
        "database `shop`",
        "lock",
        "items",
        "ATELIER_PG_LOCK_TIMEOUT",
    ] {
        assert!(err.contains(needle), "lacks {needle}: {err}");
    }
    assert!(repo.snapshots().is_empty());

    // A bad value is a clear error, not an endless wait, given before the
    // preBackup hook runs.
    let canary = w.path().join("pre-backup-ran");
    w.manifest
        .services
        .get_mut("shop")
        .unwrap()
        .hooks
        .pre_backup = Some(format!("touch {}", canary.display()));
    let (code, _, err) = {
        let out = w
            .cmd()
            .env("ATELIER_PG_LOCK_TIMEOUT", "soon")
            .args(["run", "shop"])
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    assert_ne!(code, Some(0), "{err}");
    assert!(
        err.contains("ATELIER_PG_LOCK_TIMEOUT") && err.contains("soon"),
        "{err}"
    );
    assert!(
        !canary.exists(),
        "preBackup ran before the bad value was noticed"
    );
}

/// A `create.options` key PostgreSQL does not know is a configuration error
/// (exit 2, field path, accepted keys) when the manifest is loaded — not a
/// failure halfway through a restore, after the safety snapshot.
#[test]
fn unknown_create_option_is_refused_before_any_restore_step() {
    let mut w = World::new();
    let repo = w.add_local_repo("default");
    let pg = PgCluster::start(w.path());
    seed(&pg, "shop", 10);
    w.manifest.postgres = pg.connection();
    let mut service = Service {
        postgres: vec![PostgresDatabase {
            name: "shop".into(),
            ..PostgresDatabase::default()
        }],
        repositories: vec!["default".into()],
        ..Service::default()
    };
    w.add_service("shop", service.clone());
    w.run_ok(&["run", "shop"]);
    service.postgres[0]
        .create
        .options
        .insert("OWNR".into(), "postgres".into());
    w.add_service("shop", service);
    let (code, _, err) = w.run(&["--yes", "restore", "shop", "--in-place"]);
    assert_eq!(code, 2, "{err}");
    for needle in [
        "services.shop.postgres[0].create.options.OWNR",
        "accepted keys: OWNER, TEMPLATE",
    ] {
        assert!(err.contains(needle), "lacks {needle}: {err}");
    }
    assert!(repo.snapshots_tagged("pre-restore").is_empty());
    assert_eq!(repo.snapshots().len(), 1);
}
