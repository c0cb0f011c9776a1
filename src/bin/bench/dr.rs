//! `atelier-bench dr` (P5): how long `atelier-backup dr` takes for a whole
//! host against bare `restic restore` of the same snapshots.
//!
//! K services (default 10 × 50 MiB of incompressible 1 MiB files; the first
//! also has a SQLite database, the second a PostgreSQL database) are backed
//! up by `atelier-backup run` into one local repository. Then, in each
//! round: (a) bare `restic restore` of every service's snapshot one after
//! another, (b) `dr --yes --jobs 1` onto an empty data root, a dropped
//! database and an empty state directory, (c) the bare restores with J at a
//! time, (d) `dr --jobs J`. Each timed step ends with `sync` (restic does
//! not fsync; dr makes its swaps durable), and starts after an untimed
//! `sync`. After every dr every restored byte is checked: sha256 of every
//! file, SQLite `integrity_check` and a hash of all rows, the plain
//! `pg_dump` of the database.
//!
//! dr runs restic through a wrapper (`ATELIER_RESTIC`) that logs each
//! process's subcommand and duration: the profile printed per dr.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use sha2::{Digest, Sha256};

use super::{check, file_hashes, fill, load, output, secs, value, Bench, Pg};

struct Opts {
    services: usize,
    mib: u64,
    db_mib: u64,
    jobs: usize,
    rounds: usize,
    dir: Option<PathBuf>,
}

fn parse(args: &[String]) -> anyhow::Result<Opts> {
    let mut o = Opts {
        services: 10,
        mib: 50,
        db_mib: 32,
        jobs: 4,
        rounds: 1,
        dir: None,
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--services" => o.services = value(&mut it, a)?.parse()?,
            "--mib" => o.mib = value(&mut it, a)?.parse()?,
            "--db-mib" => o.db_mib = value(&mut it, a)?.parse()?,
            "--jobs" => o.jobs = value(&mut it, a)?.parse::<usize>()?.max(1),
            "--rounds" => o.rounds = value(&mut it, a)?.parse::<usize>()?.max(1),
            "--dir" => o.dir = Some(PathBuf::from(value(&mut it, a)?)),
            other => anyhow::bail!(
                "unknown option {other}; options: --services N (>= 2) --mib N (files per service) --db-mib N --jobs N --rounds N --dir DIR"
            ),
        }
    }
    anyhow::ensure!(
        o.services >= 2,
        "--services must be at least 2 (the first has the SQLite, the second the PostgreSQL database)"
    );
    Ok(o)
}

const SUBCOMMANDS: &[&str] = &[
    "backup",
    "restore",
    "snapshots",
    "dump",
    "stats",
    "cat",
    "forget",
    "init",
    "version",
    "ls",
    "check",
    "prune",
    "unlock",
    "key",
    "find",
    "diff",
];

/// One round's times: bare sequential, bare parallel, dr --jobs 1, dr --jobs J.
type Round = (Duration, Duration, Duration, Duration);

/// What must come back, per service.
struct Expected {
    files: BTreeMap<String, Vec<(PathBuf, String)>>,
    sqlite_rows: String,
    pg_dump: String,
}

fn svc(i: usize) -> String {
    format!("svc{i:02}")
}

/// Count and a hash of every row of table `t`, after `integrity_check`.
fn sqlite_digest(db: &Path) -> anyhow::Result<String> {
    let c = rusqlite::Connection::open(db)?;
    let ok: String = c.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
    anyhow::ensure!(ok == "ok", "{}: integrity_check says {ok}", db.display());
    let mut st = c.prepare("SELECT id, v FROM t ORDER BY id")?;
    let mut rows = st.query([])?;
    let mut h = Sha256::new();
    let mut n = 0u64;
    while let Some(r) = rows.next()? {
        h.update(r.get::<_, i64>(0)?.to_le_bytes());
        h.update(r.get_ref(1)?.as_blob()?);
        n += 1;
    }
    Ok(format!("{n} rows, {}", hex::encode(h.finalize())))
}

fn make_sqlite(db: &Path, mib: u64) -> anyhow::Result<()> {
    let c = rusqlite::Connection::open(db)?;
    c.execute_batch(
        "PRAGMA journal_mode=WAL; CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB NOT NULL);",
    )?;
    let rows = mib * 1024 * 1024 / 256;
    c.execute(
        "INSERT INTO t(v) SELECT randomblob(200) FROM (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ?1) SELECT x FROM c)",
        [i64::try_from(rows)?],
    )?;
    Ok(())
}

/// The restic wrapper that logs `subcommand milliseconds` per process.
fn wrapper(root: &Path) -> anyhow::Result<(PathBuf, PathBuf)> {
    let log = root.join("restic-calls.log");
    let path = root.join("restic-logged");
    std::fs::write(
        &path,
        format!(
            "#!/bin/sh\ns=$(date +%s%N)\nrestic \"$@\"\nrc=$?\ne=$(date +%s%N)\necho \"$(( (e - s) / 1000000 )) $*\" >> '{}'\nexit $rc\n",
            log.display()
        ),
    )?;
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o755))?;
    Ok((path, log))
}

/// Per subcommand: number of processes and their summed wall time.
fn profile(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let mut by: BTreeMap<&str, (usize, u64)> = BTreeMap::new();
    for line in text.lines() {
        let mut words = line.split_whitespace();
        let ms: u64 = words.next().and_then(|w| w.parse().ok()).unwrap_or(0);
        let sub = words.find(|w| SUBCOMMANDS.contains(w)).unwrap_or("?");
        let e = by.entry(sub).or_default();
        e.0 += 1;
        e.1 += ms;
    }
    let total: usize = by.values().map(|v| v.0).sum();
    let parts: Vec<String> = by
        .iter()
        .map(|(k, (n, ms))| format!("{k} {n}x {:.2}s", *ms as f64 / 1000.0))
        .collect();
    format!("{total} restic processes: {}", parts.join(", "))
}

fn sync() -> anyhow::Result<()> {
    check(&mut Command::new("sync"))
}

/// Runs `f` on every item with `jobs` threads; the wall time.
fn parallel<T: Sync>(
    items: &[T],
    jobs: usize,
    f: impl Fn(&T) -> anyhow::Result<()> + Sync,
) -> anyhow::Result<Duration> {
    let next = Mutex::new(0usize);
    let errors = Mutex::new(Vec::new());
    let t = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..jobs.min(items.len()) {
            s.spawn(|| loop {
                let i = {
                    let mut n = next.lock().expect("next");
                    *n += 1;
                    *n - 1
                };
                let Some(item) = items.get(i) else { break };
                if let Err(e) = f(item) {
                    errors.lock().expect("errors").push(format!("{e:#}"));
                }
            });
        }
    });
    let errors = errors.into_inner().expect("errors");
    anyhow::ensure!(errors.is_empty(), "{}", errors.join("; "));
    sync()?;
    Ok(t.elapsed())
}

pub fn main(args: &[String]) -> anyhow::Result<()> {
    let o = parse(args)?;
    let b = Bench::new(o.dir.as_deref())?;
    let root = &b.root;
    eprintln!("# dr bench in {} (load {})", root.display(), load());
    let pg = Pg::start(root)?;
    let repo = b.init("repo")?;
    let data = root.join("data");

    // Services and their data.
    let mut seed = 0x9E37_79B9_7F4A_7C15_u64;
    let mut buf = vec![0u8; 1024 * 1024];
    let mut services = serde_json::Map::new();
    for i in 0..o.services {
        let name = svc(i);
        let files = data.join(&name).join("files");
        for f in 0..o.mib {
            let d = files.join(format!("{:02}", f % 8));
            std::fs::create_dir_all(&d)?;
            fill(&mut buf, &mut seed);
            std::fs::write(d.join(format!("blob-{f}.bin")), &buf)?;
        }
        let mut s = serde_json::json!({
            "files": [files.display().to_string()],
            "repositories": ["default"],
        });
        if i == 0 {
            let db = data.join(&name).join("app.db");
            make_sqlite(&db, o.db_mib)?;
            s["sqlite"] = serde_json::json!([db.display().to_string()]);
        }
        if i == 1 {
            pg.psql("postgres", "CREATE DATABASE benchdb")?;
            let rows = o.db_mib * 1024 * 1024 / 260;
            pg.psql(
                "benchdb",
                &format!("CREATE TABLE t (id bigint PRIMARY KEY, v text NOT NULL); INSERT INTO t SELECT g, repeat(md5(g::text), 6) FROM generate_series(1, {rows}) g;"),
            )?;
            s["postgres"] = serde_json::json!([{ "name": "benchdb" }]);
        }
        services.insert(name, s);
    }
    let manifest = b.manifest(
        "manifest",
        &repo,
        &serde_json::Value::Object(services),
        Some(&pg),
    )?;

    let t = Instant::now();
    for i in 0..o.services {
        check(b.atelier(&manifest, "state").args(["run", &svc(i)]))?;
    }
    eprintln!(
        "# backed up {} services ({} MiB files each, {} MiB SQLite, {} MiB PostgreSQL) in {:.1}s",
        o.services,
        o.mib,
        o.db_mib,
        o.db_mib,
        secs(t.elapsed())
    );
    let expected = Expected {
        files: (0..o.services)
            .map(|i| Ok((svc(i), file_hashes(&data.join(svc(i)).join("files"))?)))
            .collect::<anyhow::Result<_>>()?,
        sqlite_rows: sqlite_digest(&data.join(svc(0)).join("app.db"))?,
        pg_dump: pg.dump_hash("benchdb")?,
    };

    // The snapshot of each service.
    let list: Vec<serde_json::Value> = serde_json::from_str(&output(
        b.restic(&repo, "cache-list").args(["snapshots", "--json"]),
    )?)?;
    let mut snapshots: Vec<(String, String)> = Vec::new();
    for s in &list {
        let tags: Vec<&str> = s["tags"]
            .as_array()
            .map(|t| t.iter().filter_map(|v| v.as_str()).collect())
            .unwrap_or_default();
        if let Some(name) = tags.iter().find_map(|t| t.strip_prefix("service:")) {
            snapshots.push((
                name.to_owned(),
                s["id"].as_str().unwrap_or_default().to_owned(),
            ));
        }
    }
    snapshots.sort();
    anyhow::ensure!(
        snapshots.len() == o.services,
        "expected {} snapshots, found {}",
        o.services,
        snapshots.len()
    );

    let (logged, log) = wrapper(root)?;
    let bare = |target: &Path, cache: &str, (name, id): &(String, String)| {
        check(
            b.restic(&repo, cache)
                .args(["restore", id, "--target"])
                .arg(target.join(name)),
        )
    };
    let mut rounds = Vec::new();
    for round in 0..o.rounds {
        // (a) bare, one after another (a fresh cache dir, like dr's empty state dir).
        let target = root.join("bare");
        let _ = std::fs::remove_dir_all(&target);
        sync()?;
        let cache = format!("cache-bare-seq-{round}");
        let l = load();
        let seq = parallel(&snapshots, 1, |s| bare(&target, &cache, s))?;
        eprintln!("bare restore, sequential: {:.2}s (load {l})", secs(seq));

        // (b) dr --jobs 1
        let dr1 = dr(&b, &pg, &manifest, &logged, &log, 1, round, &expected)?;

        // (c) bare, J at a time.
        let _ = std::fs::remove_dir_all(&target);
        sync()?;
        let cache = format!("cache-bare-par-{round}");
        let l = load();
        let par = parallel(&snapshots, o.jobs, |s| bare(&target, &cache, s))?;
        eprintln!(
            "bare restore, {} at a time: {:.2}s (load {l})",
            o.jobs,
            secs(par)
        );
        let _ = std::fs::remove_dir_all(&target);

        // (d) dr --jobs J
        let drj = dr(&b, &pg, &manifest, &logged, &log, o.jobs, round, &expected)?;
        rounds.push((seq, par, dr1, drj));
    }
    let median = |f: &dyn Fn(&Round) -> Duration| {
        let mut v: Vec<Duration> = rounds.iter().map(f).collect();
        v.sort();
        v[v.len() / 2]
    };
    let (seq, par, dr1, drj) = (
        median(&|r| r.0),
        median(&|r| r.1),
        median(&|r| r.2),
        median(&|r| r.3),
    );
    let total = o.services as u64 * o.mib + 2 * o.db_mib;
    println!(
        "dr, {} services (~{total} MiB), median of {} round(s){}, load now {}:",
        o.services,
        o.rounds,
        if o.rounds % 2 == 0 {
            " (the slower middle one)"
        } else {
            ""
        },
        load()
    );
    println!(
        "  dr --jobs 1 / bare sequential = {:.3} ({:.2}s / {:.2}s; target <= 1.1)",
        secs(dr1) / secs(seq),
        secs(dr1),
        secs(seq)
    );
    println!(
        "  dr --jobs {j} / bare sequential = {:.3} ({:.2}s / {:.2}s; target < 1)",
        secs(drj) / secs(seq),
        secs(drj),
        secs(seq),
        j = o.jobs
    );
    println!(
        "  dr --jobs {j} / bare {j} at a time = {:.3} ({:.2}s / {:.2}s)",
        secs(drj) / secs(par),
        secs(drj),
        secs(par),
        j = o.jobs
    );
    println!(
        "  every restored file, the SQLite and the PostgreSQL database verified after each dr"
    );
    Ok(())
}

/// One `dr --yes --jobs N` onto an empty data root, a dropped database and
/// an empty state directory; checks every restored byte; its wall time.
#[allow(clippy::too_many_arguments)]
fn dr(
    b: &Bench,
    pg: &Pg,
    manifest: &Path,
    logged: &Path,
    log: &Path,
    jobs: usize,
    round: usize,
    expected: &Expected,
) -> anyhow::Result<Duration> {
    let data = b.root.join("data");
    std::fs::remove_dir_all(&data).context("emptying the data root")?;
    pg.psql("postgres", "DROP DATABASE IF EXISTS benchdb")?;
    let state = format!("state-dr{jobs}-{round}");
    let _ = std::fs::remove_file(log);
    sync()?;
    let l = load();
    let t = Instant::now();
    let out = b
        .atelier(manifest, &state)
        .env("ATELIER_RESTIC", logged)
        .args(["--json", "--yes", "dr", "--jobs", &jobs.to_string()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .output()?;
    sync()?;
    let took = t.elapsed();
    anyhow::ensure!(
        out.status.success(),
        "dr --jobs {jobs} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let rows = v["services"].as_array().context("dr --json: no services")?;
    anyhow::ensure!(
        rows.iter().all(|r| r["verified"] == true),
        "dr did not verify every service: {v}"
    );
    eprintln!(
        "dr --jobs {jobs}: {:.2}s (load {l}); {}",
        secs(took),
        profile(log)
    );
    // Every byte.
    for (name, files) in &expected.files {
        let got = file_hashes(&data.join(name).join("files"))?;
        anyhow::ensure!(&got == files, "dr --jobs {jobs}: files of {name} differ");
    }
    let rows = sqlite_digest(&data.join(svc(0)).join("app.db"))?;
    anyhow::ensure!(
        rows == expected.sqlite_rows,
        "dr --jobs {jobs}: SQLite rows differ: {rows} vs {}",
        expected.sqlite_rows
    );
    anyhow::ensure!(
        pg.dump_hash("benchdb")? == expected.pg_dump,
        "dr --jobs {jobs}: the PostgreSQL dump differs"
    );
    Ok(took)
}
