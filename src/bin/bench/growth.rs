//! `atelier-bench growth` (P6): how much the repository grows when a
//! database changes a little, against bare restic doing the same by hand.
//!
//! SQLite: a database of `--db-mib` MiB (one table, random 200-byte rows),
//! backed up once by `atelier-backup run` and once by bare `restic backup`
//! of a `sqlite3 .backup` copy (into a copy of the same freshly initialized
//! repository: same chunker polynomial, so the same chunk boundaries); then
//! `--percent` % of the rows, spread over the table, get new values and
//! both back up again. Printed: the growth of `restic stats --mode
//! raw-data` and of the repository's bytes on disk, against the bytes of
//! the changed rows and of the changed 4 KiB pages.
//!
//! PostgreSQL: the same with a database of similar size; atelier stores
//! `pg_dump -Fc -Z 0`; bare restic backs up, each into its own repository
//! copy, a plain dump (`-Fp`), a custom dump without compression (`-Fc -Z
//! 0`, atelier's format) and one with `pg_dump`'s default compression (`-Fc`).

use std::path::Path;
use std::process::Command;

use super::{check, dir_bytes, load, mib, output, value, Bench, Pg, HOST};

struct Opts {
    db_mib: u64,
    percent: u64,
    dir: Option<std::path::PathBuf>,
    skip: Vec<String>,
}

fn parse(args: &[String]) -> anyhow::Result<Opts> {
    let mut o = Opts {
        db_mib: 200,
        percent: 1,
        dir: None,
        skip: Vec::new(),
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--db-mib" => o.db_mib = value(&mut it, a)?.parse()?,
            "--percent" => o.percent = value(&mut it, a)?.parse()?,
            "--dir" => o.dir = Some(value(&mut it, a)?.into()),
            "--skip" => o.skip.push(value(&mut it, a)?),
            other => anyhow::bail!(
                "unknown option {other}; options: --db-mib N --percent N (1..=100) --dir DIR --skip sqlite|postgres"
            ),
        }
    }
    anyhow::ensure!(
        (1..=100).contains(&o.percent),
        "--percent must be between 1 and 100"
    );
    Ok(o)
}

/// (raw-data bytes of `restic stats`, bytes of the repository on disk).
fn size(b: &Bench, repo: &Path) -> anyhow::Result<(u64, u64)> {
    let v: serde_json::Value = serde_json::from_str(&output(
        b.restic(repo, "cache-stats")
            .args(["stats", "--mode", "raw-data", "--json"]),
    )?)?;
    Ok((v["total_size"].as_u64().unwrap_or(0), dir_bytes(repo)))
}

/// Growth between two sizes.
fn delta(before: (u64, u64), after: (u64, u64)) -> (u64, u64) {
    (
        after.0.saturating_sub(before.0),
        after.1.saturating_sub(before.1),
    )
}

/// Bytes of the 4 KiB pages that differ between two files.
fn changed_pages(a: &Path, b: &Path) -> anyhow::Result<u64> {
    let (a, b) = (std::fs::read(a)?, std::fs::read(b)?);
    let pages = a.len().max(b.len()).div_ceil(4096);
    let page = |v: &[u8], i: usize| {
        v.get(i * 4096..((i + 1) * 4096).min(v.len()))
            .map(<[u8]>::to_vec)
    };
    Ok((0..pages).filter(|&i| page(&a, i) != page(&b, i)).count() as u64 * 4096)
}

fn line(what: &str, growth: (u64, u64), base: (u64, u64)) -> String {
    format!(
        "{what}: +{:.2} MiB raw-data, +{:.2} MiB on disk ({:.3}x / {:.3}x bare)",
        mib(growth.0),
        mib(growth.1),
        growth.0 as f64 / base.0.max(1) as f64,
        growth.1 as f64 / base.1.max(1) as f64,
    )
}

pub fn main(args: &[String]) -> anyhow::Result<()> {
    let o = parse(args)?;
    let b = Bench::new(o.dir.as_deref())?;
    eprintln!("# growth bench in {} (load {})", b.root.display(), load());
    if !o.skip.iter().any(|s| s == "sqlite") {
        sqlite(&b, &o)?;
    }
    if !o.skip.iter().any(|s| s == "postgres") {
        postgres(&b, &o)?;
    }
    Ok(())
}

fn bare_backup(b: &Bench, repo: &Path, dir: &Path) -> anyhow::Result<()> {
    check(
        b.restic(repo, "cache-bare")
            .args(["backup", "--host", HOST])
            .arg(dir),
    )
}

fn sqlite(b: &Bench, o: &Opts) -> anyhow::Result<()> {
    let repo = b.init("repo-sqlite")?;
    let bare_repo = b.copy_repo(&repo, "repo-sqlite-bare")?;
    let empty = (size(b, &repo)?, size(b, &bare_repo)?);
    let data = b.root.join("data-sqlite");
    std::fs::create_dir_all(&data)?;
    let db = data.join("app.db");
    // ~216 bytes per row in the file (200-byte blob, rowid, cell and page overhead).
    let rows = o.db_mib * 1024 * 1024 / 216;
    {
        let c = rusqlite::Connection::open(&db)?;
        c.execute_batch(
            "PRAGMA journal_mode=WAL; CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB NOT NULL);",
        )?;
        c.execute(
            "INSERT INTO t(v) SELECT randomblob(200) FROM (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ?1) SELECT x FROM c)",
            [i64::try_from(rows)?],
        )?;
        c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")?;
    }
    let manifest = b.manifest(
        "manifest-sqlite",
        &repo,
        &serde_json::json!({ "app": {
            "sqlite": [db.display().to_string()],
            "repositories": ["default"],
        }}),
        None,
    )?;
    let bare_dir = b.root.join("bare-sqlite");
    std::fs::create_dir_all(&bare_dir)?;
    let copy = bare_dir.join("app.db");
    let before_copy = b.root.join("app-before.db");
    let dot_backup = |to: &Path| {
        let _ = std::fs::remove_file(to);
        check(
            Command::new("sqlite3")
                .arg(&db)
                .arg(format!(".backup '{}'", to.display())),
        )
    };
    // First backup.
    check(b.atelier(&manifest, "state-sqlite").args(["run", "app"]))?;
    dot_backup(&copy)?;
    bare_backup(b, &bare_repo, &bare_dir)?;
    std::fs::copy(&copy, &before_copy)?;
    let first = (size(b, &repo)?, size(b, &bare_repo)?);
    // Change `percent` % of the rows, spread over the table.
    let step = 100 / o.percent;
    let changed_rows = {
        let c = rusqlite::Connection::open(&db)?;
        let n = c.execute(
            "UPDATE t SET v = randomblob(200) WHERE id % ?1 = 0",
            [i64::try_from(step)?],
        )?;
        c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")?;
        n as u64
    };
    check(b.atelier(&manifest, "state-sqlite").args(["run", "app"]))?;
    dot_backup(&copy)?;
    bare_backup(b, &bare_repo, &bare_dir)?;
    let second = (size(b, &repo)?, size(b, &bare_repo)?);
    let pages = changed_pages(&before_copy, &copy)?;
    let db_bytes = std::fs::metadata(&copy)?.len();
    let atelier = delta(first.0, second.0);
    let bare = delta(first.1, second.1);
    println!(
        "SQLite {:.0} MiB, {} of {rows} rows ({} %) changed = {:.2} MiB of rows in {:.2} MiB of 4 KiB pages (load {}):",
        mib(db_bytes),
        changed_rows,
        o.percent,
        mib(changed_rows * 200),
        mib(pages),
        load()
    );
    println!(
        "  first backup: atelier +{:.2} MiB raw-data, bare +{:.2} MiB",
        mib(delta(empty.0, first.0).0),
        mib(delta(empty.1, first.1).0)
    );
    println!("  {}", line("atelier-backup run", atelier, bare));
    println!(
        "  bare restic of a `sqlite3 .backup` copy: +{:.2} MiB raw-data, +{:.2} MiB on disk",
        mib(bare.0),
        mib(bare.1)
    );
    println!(
        "  growth / changed pages: atelier {:.2}x, bare {:.2}x (target atelier/bare <= 1.05)",
        atelier.0 as f64 / pages.max(1) as f64,
        bare.0 as f64 / pages.max(1) as f64
    );
    // The same number of rows changed, but next to each other (one id range).
    std::fs::copy(&copy, &before_copy)?;
    {
        let c = rusqlite::Connection::open(&db)?;
        let from = i64::try_from(rows / 2)?;
        c.execute(
            "UPDATE t SET v = randomblob(200) WHERE id > ?1 AND id <= ?1 + ?2",
            [from, i64::try_from(changed_rows)?],
        )?;
        c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")?;
    }
    check(b.atelier(&manifest, "state-sqlite").args(["run", "app"]))?;
    dot_backup(&copy)?;
    bare_backup(b, &bare_repo, &bare_dir)?;
    let third = (size(b, &repo)?, size(b, &bare_repo)?);
    let pages = changed_pages(&before_copy, &copy)?;
    let atelier = delta(second.0, third.0);
    let bare = delta(second.1, third.1);
    println!(
        "  then {changed_rows} rows changed in one id range ({:.2} MiB of 4 KiB pages):",
        mib(pages)
    );
    println!("  {}", line("atelier-backup run", atelier, bare));
    println!(
        "  bare restic of a `sqlite3 .backup` copy: +{:.2} MiB raw-data, +{:.2} MiB on disk",
        mib(bare.0),
        mib(bare.1)
    );
    Ok(())
}

fn postgres(b: &Bench, o: &Opts) -> anyhow::Result<()> {
    let pgroot = b.root.join("pgroot");
    std::fs::create_dir_all(&pgroot)?;
    let pg = Pg::start(&pgroot)?;
    let repo = b.init("repo-pg")?;
    let formats: [(&str, &[&str]); 3] = [
        ("plain (-Fp)", &["-Fp"]),
        (
            "custom, uncompressed (-Fc -Z 0, atelier's format)",
            &["-Fc", "-Z", "0"],
        ),
        ("custom, default compression (-Fc)", &["-Fc"]),
    ];
    let bare_repos: Vec<_> = (0..formats.len())
        .map(|i| b.copy_repo(&repo, &format!("repo-pg-bare-{i}")))
        .collect::<anyhow::Result<_>>()?;
    let rows = o.db_mib * 1024 * 1024 / 260;
    pg.psql("postgres", "CREATE DATABASE growthdb")?;
    pg.psql(
        "growthdb",
        &format!("CREATE TABLE t (id bigint PRIMARY KEY, v text NOT NULL); INSERT INTO t SELECT g, repeat(md5(random()::text), 6) FROM generate_series(1, {rows}) g;"),
    )?;
    let manifest = b.manifest(
        "manifest-pg",
        &repo,
        &serde_json::json!({ "db": {
            "postgres": [{ "name": "growthdb" }],
            "repositories": ["default"],
        }}),
        Some(&pg),
    )?;
    let dump = |i: usize, args: &[&str]| -> anyhow::Result<()> {
        let dir = b.root.join(format!("bare-pg-{i}"));
        std::fs::create_dir_all(&dir)?;
        let out = pg
            .tool("pg_dump")
            .args(args)
            .args(["-d", "growthdb"])
            .output()?;
        anyhow::ensure!(
            out.status.success(),
            "pg_dump {args:?}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
        std::fs::write(dir.join("growthdb.dump"), &out.stdout)?;
        bare_backup(b, &bare_repos[i], &dir)
    };
    let sizes = || -> anyhow::Result<Vec<(u64, u64)>> {
        std::iter::once(&repo)
            .chain(&bare_repos)
            .map(|r| size(b, r))
            .collect()
    };
    let empty = sizes()?;
    check(b.atelier(&manifest, "state-pg").args(["run", "db"]))?;
    for (i, (_, args)) in formats.iter().enumerate() {
        dump(i, args)?;
    }
    let first = sizes()?;
    let step = 100 / o.percent;
    let changed = pg.psql(
        "growthdb",
        &format!("UPDATE t SET v = repeat(md5(random()::text), 6) WHERE id % {step} = 0; SELECT count(*) FROM t WHERE id % {step} = 0;"),
    )?;
    check(b.atelier(&manifest, "state-pg").args(["run", "db"]))?;
    for (i, (_, args)) in formats.iter().enumerate() {
        dump(i, args)?;
    }
    let second = sizes()?;
    let growth: Vec<(u64, u64)> = first
        .iter()
        .zip(&second)
        .map(|(a, b)| delta(*a, *b))
        .collect();
    let changed: u64 = changed
        .trim()
        .lines()
        .last()
        .unwrap_or("0")
        .parse()
        .unwrap_or(0);
    println!(
        "PostgreSQL {rows} rows, {changed} ({} %) updated = {:.2} MiB of row text (load {}):",
        o.percent,
        mib(changed * 192),
        load()
    );
    println!(
        "  {}; first backup +{:.2} MiB raw-data",
        line("atelier-backup run (-Fc -Z 0)", growth[0], growth[2]),
        mib(delta(empty[0], first[0]).0)
    );
    for (i, (what, _)) in formats.iter().enumerate() {
        let dump_size = std::fs::metadata(b.root.join(format!("bare-pg-{i}/growthdb.dump")))?.len();
        println!(
            "  bare restic, {what}: dump {:.1} MiB, first backup +{:.2} MiB raw-data; growth +{:.2} MiB raw-data, +{:.2} MiB on disk",
            mib(dump_size),
            mib(delta(empty[i + 1], first[i + 1]).0),
            mib(growth[i + 1].0),
            mib(growth[i + 1].1)
        );
    }
    Ok(())
}
