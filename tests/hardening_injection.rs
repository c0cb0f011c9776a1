//! Injection (issue 6, item 2): names, paths, tags, hook environments and
//! database names full of shell and SQL metacharacters are executed for real
//! (`atelier-backup run`, `restore`) and the tests observe that nothing
//! unintended ran: canary files that a `$(touch …)` or backtick expansion
//! would create never appear, data comes back byte-identical, restic sees
//! each tag as one argument. Plus two faults missing from
//! `hardening_faults.rs`: PostgreSQL down, SQLite write-locked.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{tree_hashes, World};

/// A path component carrying every metacharacter of the brief; `canary` is
/// the absolute file a shell expansion of it would create.
fn evil(canary: &Path) -> String {
    let c = canary.display();
    format!("sp ace 'q' \"dq\" $(touch {c}) `touch {c}` ;x\nnl ${{x}} '' ..é✓")
}

/// A world with a local repository `default` and a data directory
/// `data/app` holding one file `f`; also the absolute path of a canary
/// (`CANARY` in the world) that a shell expansion would create.
fn canary_world() -> (World, common::Repo, PathBuf, PathBuf) {
    let mut w = World::new();
    let repo = w.add_local_repo("default");
    let canary = w.path().join("CANARY");
    let d = w.data_dir("app");
    std::fs::write(d.join("f"), "x").unwrap();
    (w, repo, d, canary)
}

fn sqlite_rows(db: &Path) -> Vec<String> {
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    let mut st = conn.prepare("SELECT x FROM t ORDER BY rowid").unwrap();
    st.query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn make_db(db: &Path, rows: &[&str]) {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.execute_batch("CREATE TABLE t(x TEXT)").unwrap();
    for r in rows {
        conn.execute("INSERT INTO t VALUES (?1)", [r]).unwrap();
    }
}

/// A `sqlite3` shell on `db` fed through a pipe, so a test can open a
/// transaction, keep it open across a run, and finish it later. `send`
/// returns once the shell has executed the statements (it prints a marker).
struct SqliteShell {
    child: std::process::Child,
    stdin: Option<std::process::ChildStdin>,
    lines: std::io::Lines<std::io::BufReader<std::process::ChildStdout>>,
}

impl SqliteShell {
    fn open(db: &Path) -> Self {
        use std::io::BufRead as _;
        let mut shell = Command::new("sqlite3")
            .arg(db)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let stdin = shell.stdin.take();
        let lines = std::io::BufReader::new(shell.stdout.take().unwrap()).lines();
        Self {
            child: shell,
            stdin,
            lines,
        }
    }

    fn send(&mut self, sql: &str) {
        use std::io::Write as _;
        let stdin = self.stdin.as_mut().unwrap();
        stdin
            .write_all(format!("{sql}\n.print done-marker\n").as_bytes())
            .unwrap();
        stdin.flush().unwrap();
        assert_eq!(self.lines.next().unwrap().unwrap(), "done-marker");
    }
}

impl Drop for SqliteShell {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn paths_with_metacharacters_back_up_and_restore_byte_identical() {
    let mut w = World::new();
    let repo = w.add_local_repo("default");
    let canary = w.path().join("CANARY");
    let name = evil(&canary);
    // Files: a directory named with every metacharacter, `..`-looking
    // children and a nested `$(…)` directory (its `/` makes it a subdir).
    let d = w.path().join("data").join(&name);
    std::fs::create_dir_all(d.join("..x")).unwrap();
    std::fs::create_dir_all(d.join("...")).unwrap();
    std::fs::write(d.join("..x/f;1 `id`"), "one").unwrap();
    std::fs::write(d.join(".../${HOME}"), vec![0u8, 1, 2, 255]).unwrap();
    let f = d.join("inner").join(&name);
    std::fs::create_dir_all(f.parent().unwrap()).unwrap();
    std::fs::write(&f, "named like its parent").unwrap();
    // SQLite: the database file itself has the metacharacter name.
    let dbdir = w.path().join("db").join(&name);
    std::fs::create_dir_all(&dbdir).unwrap();
    let db = dbdir.join(format!("{name}.db"));
    std::fs::create_dir_all(db.parent().unwrap()).unwrap();
    make_db(&db, &["a'b", "c\"d", "$(touch x)"]);
    let mut svc = common::files_service(&[&d], &["default"]);
    svc.sqlite = vec![db.display().to_string()];
    w.add_service("app", svc);
    let before = tree_hashes(&d);
    let db_before = std::fs::read(&db).unwrap();

    w.run_ok(&["run", "app"]);
    assert_eq!(w.last_record("app")["result"], "success");
    assert_eq!(repo.snapshots_tagged("service:app").len(), 1);

    let dir = w.path().join("inspect");
    let (code, _out, err) = w.run(&[
        "restore",
        "app",
        "latest",
        "--inspect",
        &dir.display().to_string(),
    ]);
    assert_eq!(code, 0, "{err}\n{:?}", repo.snapshots());
    let strip = |p: &Path| dir.join(p.strip_prefix("/").unwrap());
    assert_eq!(tree_hashes(&strip(&d)), before, "restored files differ");
    assert_eq!(
        sqlite_rows(&strip(&db)),
        ["a'b", "c\"d", "$(touch x)"],
        "restored database differs"
    );
    // Live data untouched; no expansion ran anywhere (run, restore, restic).
    assert_eq!(tree_hashes(&d), before);
    assert_eq!(std::fs::read(&db).unwrap(), db_before);
    assert!(!canary.exists(), "a shell expanded a path");
    assert!(!w.path().join("x").exists());
}

#[test]
fn tags_reach_restic_as_single_arguments_or_are_rejected() {
    let (mut w, repo, d, canary) = canary_world();
    let tags = [
        "two words".to_owned(),
        "semi;colon".to_owned(),
        format!("$(touch {})", canary.display()),
        format!("`touch {}`", canary.display()),
        "quo'te\"s ${x} ''".to_owned(),
        "--dry-run".to_owned(),
        "ünï✓".to_owned(),
    ];
    let mut svc = common::files_service(&[&d], &["default"]);
    svc.tags = tags.to_vec();
    w.add_service("app", svc);
    w.run_ok(&["run", "app"]);
    // `--dry-run` as a tag must not have turned into restic's flag.
    let snaps = repo.snapshots_tagged("service:app");
    assert_eq!(snaps.len(), 1, "{snaps:?}");
    for t in &tags {
        assert_eq!(repo.snapshots_tagged(t).len(), 1, "tag {t:?} not intact");
    }
    // Atelier's own listing shows them intact too.
    let out = w.run_ok(&["--json", "list", "app"]);
    for t in &tags {
        assert!(
            out.contains(&serde_json::to_string(t).unwrap()),
            "list --json lacks {t:?}: {out}"
        );
    }
    assert!(!canary.exists());

    // A comma would be split by restic: rejected as configuration (exit 2),
    // naming the service and the tag, with nothing written to the repository.
    w.manifest.services.get_mut("app").unwrap().tags = vec!["a,b".into()];
    let (code, _o, err) = w.run(&["run", "app"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("services.app.tags") && err.contains("a,b"),
        "{err}"
    );
    assert_eq!(repo.snapshots().len(), 1);
}

/// Hook text is a shell script by contract; what atelier passes to it (the
/// service name in `ATELIER_SERVICE`) is data and must not be re-interpreted.
#[test]
fn hooks_run_once_and_do_not_reinterpret_their_environment() {
    let mut w = World::new();
    let repo = w.add_local_repo("default");
    // Relative canaries: the name cannot hold a `/` (it is a state dir
    // component), so atelier and the hooks run in the temp dir, where an
    // expansion would create them.
    let name = "we ird;'q'\"dq\"$(touch CANARY1)`touch CANARY2`${x}''..é";
    let d = w.data_dir("app");
    std::fs::write(d.join("f"), "x").unwrap();
    let log = w.path().join("hooks.log");
    let mut svc = common::files_service(&[&d], &["default"]);
    // The label is part of the hook text (ATELIER_HOOK is only set for
    // backup hooks); the name and result come from the environment.
    let record = |label: &str| {
        format!(
            "printf '%s|%s|%s\\n' {label} \"$ATELIER_SERVICE\" \"${{ATELIER_BACKUP_RESULT:-}}\" >> '{}'",
            log.display()
        )
    };
    svc.hooks.pre_backup = Some(record("preBackup"));
    svc.hooks.post_backup = Some(record("postBackup"));
    svc.hooks.pre_restore = Some(record("preRestore"));
    svc.hooks.post_restore = Some(record("postRestore"));
    w.add_service(name, svc);
    let out = w.output_in_root(&["run", name]);
    common::assert_success(&out);
    let got = std::fs::read_to_string(&log).unwrap();
    assert_eq!(
        got,
        format!("preBackup|{name}|\npostBackup|{name}|success\n"),
        "each hook runs exactly once, with the name intact"
    );
    assert_eq!(repo.snapshots_tagged(&format!("service:{name}")).len(), 1);
    // Restore hooks: once each, same intact name; the data comes back.
    std::fs::write(d.join("f"), "changed").unwrap();
    let out = w.output_in_root(&["restore", name, "--in-place", "--yes"]);
    common::assert_success(&out);
    assert_eq!(std::fs::read_to_string(d.join("f")).unwrap(), "x");
    let got = std::fs::read_to_string(&log).unwrap();
    let restore_lines: Vec<&str> = got.lines().skip(2).collect();
    assert_eq!(
        restore_lines,
        [
            format!("preRestore|{name}|"),
            format!("postRestore|{name}|")
        ],
        "{got}"
    );
    for c in ["CANARY1", "CANARY2"] {
        assert!(!w.path().join(c).exists(), "{c}: a shell expanded the name");
    }
    assert!(
        !Path::new("/CANARY1").exists() && !Path::new("/CANARY2").exists(),
        "an expansion ran in /"
    );
}

#[test]
fn postgres_database_name_with_quotes_and_semicolons() {
    use atelier::plan::{PostgresDatabase, Service};
    let mut w = World::new();
    let repo = w.add_local_repo("default");
    let pg = common::PgCluster::start(w.path());
    let db = "we\"ird'; DROP DATABASE victim; -- é";
    let ident = format!("\"{}\"", db.replace('"', "\"\""));
    pg.psql("postgres", "CREATE DATABASE victim");
    pg.psql("victim", "CREATE TABLE v(x int); INSERT INTO v VALUES (42)");
    pg.psql("postgres", &format!("CREATE DATABASE {ident}"));
    pg.psql(
        db,
        "CREATE TABLE items(id int PRIMARY KEY, s text); \
         INSERT INTO items VALUES (1, 'a''b'), (2, '$(x)');",
    );
    w.manifest.postgres = pg.connection();
    w.add_service(
        "app",
        Service {
            postgres: vec![PostgresDatabase {
                name: db.into(),
                ..PostgresDatabase::default()
            }],
            repositories: vec!["default".into()],
            ..Service::default()
        },
    );
    let q = "SELECT string_agg(id || '=' || s, ',' ORDER BY id) FROM items";
    let before = pg.psql(db, q);
    w.run_ok(&["run", "app"]);
    assert_eq!(repo.snapshots_tagged("service:app").len(), 1);
    pg.psql(
        db,
        "DELETE FROM items WHERE id = 1; INSERT INTO items VALUES (3, 'new')",
    );
    let (code, _o, err) = w.run(&["restore", "app", "--in-place", "--yes"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(pg.psql(db, q), before);
    // Nothing else was dropped or touched.
    assert_eq!(pg.psql("victim", "SELECT x FROM v").trim(), "42");
    let dbs = pg.psql(
        "postgres",
        "SELECT string_agg(datname, '|' ORDER BY datname) FROM pg_database",
    );
    assert_eq!(
        dbs.trim(),
        format!("postgres|template0|template1|victim|{db}")
            .split('|')
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect::<Vec<_>>()
            .join("|")
    );
}

/// `pg_ctl start` for a cluster `PgCluster::start` created and we stopped.
fn pg_ctl(pg: &common::PgCluster, action: &str) {
    let mut c = pg.tool("pg_ctl");
    c.args(["-w", "-D"]).arg(pg.dir.join("data"));
    if action == "start" {
        c.arg("-l").arg(pg.dir.join("log")).arg("-o").arg(format!(
            "-k {} -c listen_addresses='' -p {} -c fsync=off",
            pg.socket_dir.display(),
            pg.port
        ));
    } else {
        c.args(["-m", "fast"]);
    }
    common::sh(c.arg(action));
}

#[test]
fn postgres_down_during_run_fails_clearly_and_next_run_succeeds() {
    use atelier::plan::{PostgresDatabase, Service};
    let mut w = World::new();
    let repo = w.add_local_repo("default");
    let pg = common::PgCluster::start(w.path());
    pg.psql("postgres", "CREATE DATABASE shop");
    pg.psql("shop", "CREATE TABLE t(x int); INSERT INTO t VALUES (1)");
    w.manifest.postgres = pg.connection();
    let d = w.data_dir("shop");
    std::fs::write(d.join("f"), "x").unwrap();
    let before = tree_hashes(&d);
    w.add_service(
        "shop",
        Service {
            postgres: vec![PostgresDatabase {
                name: "shop".into(),
                ..PostgresDatabase::default()
            }],
            files: vec![d.display().to_string()],
            repositories: vec!["default".into()],
            ..Service::default()
        },
    );
    pg_ctl(&pg, "stop");
    let (code, _o, err) = w.run(&["run", "shop"]);
    assert_eq!(code, 1, "{err}");
    let rec = w.last_record("shop");
    assert_eq!(rec["result"], "failed");
    let msg = rec["error"].as_str().unwrap();
    let socket = pg.socket_dir.display().to_string();
    for m in [msg, err.as_str()] {
        assert!(m.contains("shop"), "does not name the database: {m}");
        assert!(m.contains(&socket), "does not name the server: {m}");
    }
    assert!(repo.snapshots().is_empty(), "a snapshot was written");
    assert_eq!(tree_hashes(&d), before);
    pg_ctl(&pg, "start");
    w.run_ok(&["run", "shop"]);
    assert_eq!(w.last_record("shop")["result"], "success");
    assert_eq!(repo.snapshots_tagged("service:shop").len(), 1);
}

/// A separate `sqlite3` process holds a write transaction (`BEGIN
/// IMMEDIATE` plus an uncommitted row) for the whole run. The online copy
/// must either succeed with the committed data only, or fail clearly; the
/// live file is untouched either way.
#[test]
fn sqlite_locked_by_a_long_write_transaction() {
    for wal in [false, true] {
        let mut w = World::new();
        let repo = w.add_local_repo("default");
        let db = w.path().join("app.db");
        make_db(&db, &["committed 1", "committed 2"]);
        if wal {
            let c = rusqlite::Connection::open(&db).unwrap();
            c.pragma_update(None, "journal_mode", "WAL").unwrap();
        }
        let mut svc = common::files_service(&[], &["default"]);
        svc.sqlite = vec![db.display().to_string()];
        w.add_service("app", svc);

        let mut holder = SqliteShell::open(&db);
        holder.send("BEGIN IMMEDIATE; INSERT INTO t VALUES ('uncommitted');");
        // The lock is real: another writer is refused.
        let other = rusqlite::Connection::open(&db).unwrap();
        // rusqlite waits 5 s by default; the refusal is immediate.
        other.busy_timeout(std::time::Duration::ZERO).unwrap();
        assert!(other.execute("INSERT INTO t VALUES ('x')", []).is_err());
        drop(other);

        let (code, _o, err) = w.run(&["run", "app"]);
        if code == 0 {
            let dir = w.path().join("inspect");
            w.run_ok(&[
                "restore",
                "app",
                "latest",
                "--inspect",
                &dir.display().to_string(),
            ]);
            let copy = dir.join(db.strip_prefix("/").unwrap());
            assert_eq!(
                sqlite_rows(&copy),
                ["committed 1", "committed 2"],
                "wal={wal}: the copy must hold exactly the committed rows"
            );
        } else {
            assert_eq!(code, 1, "{err}");
            assert!(
                err.contains(&db.display().to_string()) && err.contains("locked"),
                "wal={wal}: unclear error: {err}"
            );
            assert!(repo.snapshots().is_empty());
        }
        // The transaction is still the holder's: commit it, nothing lost.
        holder.send("COMMIT;");
        drop(holder);
        assert_eq!(
            sqlite_rows(&db),
            ["committed 1", "committed 2", "uncommitted"],
            "wal={wal}"
        );
    }
}

/// `BEGIN EXCLUSIVE` in rollback-journal mode blocks readers too: the online
/// copy cannot proceed, so the run must fail within the SQLite busy timeout
/// with an error that names the file and says it is locked; the next run,
/// after the holder commits, succeeds.
#[test]
fn sqlite_exclusively_locked_fails_clearly_then_next_run_succeeds() {
    let mut w = World::new();
    let repo = w.add_local_repo("default");
    let db = w.path().join("app.db");
    make_db(&db, &["committed"]);
    let mut svc = common::files_service(&[], &["default"]);
    svc.sqlite = vec![db.display().to_string()];
    w.add_service("app", svc);
    let mut holder = SqliteShell::open(&db);
    holder.send("BEGIN EXCLUSIVE; INSERT INTO t VALUES ('pending');");

    let (code, _o, err) = w.run(&["run", "app"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains(&db.display().to_string()) && err.contains("locked"),
        "unclear error: {err}"
    );
    assert!(
        !err.contains("not a readable SQLite database"),
        "a locked database is reported as unreadable: {err}"
    );
    assert_eq!(w.last_record("app")["result"], "failed");
    assert!(repo.snapshots().is_empty());

    holder.send("COMMIT;");
    drop(holder);
    assert_eq!(sqlite_rows(&db), ["committed", "pending"]);
    w.run_ok(&["run", "app"]);
    assert_eq!(repo.snapshots_tagged("service:app").len(), 1);
}

/// Unit names with metacharacters in a hand-written manifest (atelier-gen
/// would have refused them with `invalid-unit-name`): every command refuses
/// the manifest when it loads it, naming the field, before anything reaches
/// `systemctl` — the fake systemctl records no call at all and no canary
/// appears. Names read back from state (the stopped-units marker) are
/// filtered too, and a service name that cannot form its unit name is
/// refused by `backup` (the unit path) but still backed up by `run`.
#[test]
fn unit_names_with_metacharacters_never_reach_systemctl() {
    use atelier::plan::PostgresDatabase;
    let (mut w, repo, d, canary) = canary_world();
    let c = canary.display();
    w.running_unit("app.service");
    let calls_before = w.systemctl.calls();
    let hostile = [
        "app worker.service".to_owned(),
        format!("app.service; touch {c}"),
        format!("x;touch {c};.service"),
        format!("$(touch {c}).service"),
        format!("`touch {c}`.service"),
        format!("app\ntouch {c}\n.service"),
        "app'q\".service".to_owned(),
        "--now.service".to_owned(),
        "touch CANARY2 #.service".to_owned(),
    ];
    let commands: [&[&str]; 6] = [
        &["run", "app"],
        &["backup", "app"],
        &["restore", "app", "latest", "--in-place", "--yes"],
        &["dr", "--yes"],
        &["drill", "app"],
        &["status"],
    ];
    for unit in &hostile {
        for (field, in_pg) in [
            ("services.app.units[1]", false),
            ("services.app.postgres[0].stopOnRestore[0]", true),
        ] {
            let mut svc = common::files_service(&[&d], &["default"]);
            svc.stop_for_backup = true;
            if in_pg {
                svc.units = vec!["app.service".into()];
                svc.postgres = vec![PostgresDatabase {
                    name: "appdb".into(),
                    stop_on_restore: vec![unit.clone()],
                    ..PostgresDatabase::default()
                }];
            } else {
                svc.units = vec!["app.service".into(), unit.clone()];
            }
            w.add_service("app", svc);
            for args in commands {
                let out = w.output_in_root(args);
                let err = String::from_utf8_lossy(&out.stderr);
                assert_eq!(out.status.code(), Some(2), "{args:?} {unit:?}: {err}");
                assert!(
                    err.contains(field) && err.contains("not a valid systemd unit name"),
                    "{args:?} {unit:?}: the error names the field: {err}"
                );
            }
        }
    }
    assert_eq!(w.systemctl.calls(), calls_before, "systemctl was called");
    assert!(!canary.exists() && !w.path().join("CANARY2").exists());
    assert!(w.systemctl.is_running("app.service"));
    assert_eq!(repo.snapshots().len(), 0);

    // A valid manifest, but the stopped-units marker of a "killed run" holds
    // a hostile name: the run ignores it, says so, and still works.
    let mut svc = common::files_service(&[&d], &["default"]);
    svc.units = vec!["app.service".into()];
    svc.stop_for_backup = true;
    w.add_service("app", svc);
    let marker = w.state_dir().join("runs/app/stopped-units.json");
    std::fs::create_dir_all(marker.parent().unwrap()).unwrap();
    std::fs::write(
        &marker,
        serde_json::to_vec(&[format!("$(touch {c}).service"), "app.service".into()]).unwrap(),
    )
    .unwrap();
    let out = w.output_in_root(&["run", "app"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("not valid unit names"), "{err}");
    assert!(!marker.exists());
    let calls = w.systemctl.calls();
    assert!(
        calls.iter().all(|l| !l.contains("touch")),
        "a hostile name reached systemctl: {calls:?}"
    );
    assert!(!canary.exists());
    assert!(w.systemctl.is_running("app.service"));
    assert_eq!(repo.snapshots_tagged("service:app").len(), 1);

    // `backup` starts restic-backups-<name>.service: a service name that
    // cannot form a unit name is refused before systemctl; `run` (what the
    // unit would execute) works with the same name.
    let name = "we ird;$(touch CANARY3)`touch CANARY4`";
    w.manifest.services.clear();
    w.add_service(name, common::files_service(&[&d], &["default"]));
    let calls_before = w.systemctl.calls();
    let out = w.output_in_root(&["backup", name]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("cannot form the unit name"), "{err}");
    assert_eq!(w.systemctl.calls(), calls_before);
    let out = w.output_in_root(&["backup", "--direct", name]);
    common::assert_success(&out);
    for f in ["CANARY2", "CANARY3", "CANARY4"] {
        assert!(!w.path().join(f).exists(), "{f}");
    }
}
