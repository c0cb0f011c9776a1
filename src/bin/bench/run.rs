//! The runtime benchmark (`atelier-bench run`, docs/bench.md). Every figure
//! is printed next to a baseline measured in the same run, on the same
//! machine, so only the ratios mean anything:
//!
//! 1. `atelier-backup run` of a ~1 GiB tree vs bare `restic backup` of the
//!    same tree (first and unchanged second backup, and a steady state where
//!    retention removes a snapshot on every run);
//! 2. p99 commit latency of a SQLite writer during online backups vs with no
//!    backup running, and the downtime of the stop-for-backup mode;
//! 3. `atelier-backup status` for N services × M snapshots: wall time and
//!    number of restic processes vs one `restic snapshots` per service.

#![allow(clippy::cast_precision_loss, clippy::many_single_char_names)]

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use atelier::runtime::writer::WriterStats;

use super::{check, fill};

const PASSWORD: &str = "benchmark password";
const HOST: &str = "bench-host";

struct Opts {
    size_mib: u64,
    services: usize,
    snapshots: usize,
    jobs: usize,
    sqlite_seconds: u64,
    dir: Option<PathBuf>,
    skip: Vec<String>,
}

fn parse(args: &[String]) -> anyhow::Result<Opts> {
    let mut o = Opts {
        size_mib: 1024,
        services: 50,
        snapshots: 20,
        jobs: 2,
        sqlite_seconds: 8,
        dir: None,
        skip: Vec::new(),
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut val = || {
            it.next()
                .cloned()
                .ok_or_else(|| anyhow::anyhow!("{a} needs a value"))
        };
        match a.as_str() {
            "--size-mib" => o.size_mib = val()?.parse()?,
            "--services" => o.services = val()?.parse()?,
            "--snapshots" => o.snapshots = val()?.parse()?,
            "--jobs" => o.jobs = val()?.parse::<usize>()?.max(1),
            "--sqlite-seconds" => o.sqlite_seconds = val()?.parse()?,
            "--dir" => o.dir = Some(PathBuf::from(val()?)),
            "--skip" => o.skip.push(val()?),
            other => anyhow::bail!(
                "unknown option {other}; options: --size-mib N --services N --snapshots N --jobs N --sqlite-seconds N --dir DIR --skip tree|sqlite|status"
            ),
        }
    }
    Ok(o)
}

struct Bench {
    root: PathBuf,
    backup_bin: PathBuf,
    self_bin: PathBuf,
    password_file: PathBuf,
}

impl Bench {
    fn restic(&self, repo: &Path, cache: &str) -> Command {
        let mut c = Command::new("restic");
        c.env("RESTIC_REPOSITORY", repo)
            .env("RESTIC_PASSWORD_FILE", &self.password_file)
            .env("RESTIC_CACHE_DIR", self.root.join(cache))
            .env_remove("RESTIC_PASSWORD")
            .stdin(Stdio::null())
            .stdout(Stdio::null());
        c
    }

    fn init(&self, name: &str) -> anyhow::Result<PathBuf> {
        let repo = self.root.join(name);
        check(self.restic(&repo, "cache-init").arg("init"))?;
        Ok(repo)
    }

    /// Two empty repositories that are copies of one `restic init`: the
    /// same key, hence the same scrypt parameters. restic calibrates them
    /// at init to the machine's speed at that moment, so two separate inits
    /// on a busy machine can differ by a factor of two in the cost of every
    /// later process that opens them.
    fn init_pair(&self, a: &str, b: &str) -> anyhow::Result<(PathBuf, PathBuf)> {
        let first = self.init(a)?;
        let second = self.root.join(b);
        check(Command::new("cp").arg("-a").arg(&first).arg(&second))?;
        Ok((first, second))
    }

    /// Writes a manifest; `services` is the JSON object of services.
    fn manifest(
        &self,
        name: &str,
        repo: &Path,
        services: &serde_json::Value,
    ) -> anyhow::Result<PathBuf> {
        let m = serde_json::json!({
            "version": 1,
            "host": HOST,
            "repositories": { "default": {
                "repository": repo.display().to_string(),
                "passwordFile": self.password_file.display().to_string(),
            }},
            "services": services,
        });
        let path = self.root.join(format!("{name}.json"));
        std::fs::write(&path, serde_json::to_string_pretty(&m)?)?;
        Ok(path)
    }

    fn atelier(&self, manifest: &Path, state: &str) -> Command {
        let mut c = Command::new(&self.backup_bin);
        c.env("ATELIER_MANIFEST", manifest)
            .env("ATELIER_STATE_DIR", self.root.join(state))
            .env_remove("RESTIC_PASSWORD")
            .stdin(Stdio::null())
            .stdout(Stdio::null());
        c
    }
}

fn timed(cmd: &mut Command) -> anyhow::Result<Duration> {
    let t = Instant::now();
    check(cmd)?;
    Ok(t.elapsed())
}

fn make_tree(dir: &Path, size_mib: u64) -> anyhow::Result<(u64, u64)> {
    let mut seed = 0x9E37_79B9_7F4A_7C15_u64;
    let big = size_mib * 9 / 10;
    let small_bytes = (size_mib - big) * 1024 * 1024;
    let mut files = 0;
    let mut bytes = 0;
    let mut buf = vec![0u8; 1024 * 1024];
    for i in 0..big {
        let d = dir.join(format!("big/{:02}", i % 32));
        std::fs::create_dir_all(&d)?;
        fill(&mut buf, &mut seed);
        std::fs::write(d.join(format!("blob-{i}.bin")), &buf)?;
        files += 1;
        bytes += buf.len() as u64;
    }
    let mut small = vec![0u8; 8 * 1024];
    for i in 0..small_bytes / small.len() as u64 {
        let d = dir.join(format!("small/{:03}", i % 256));
        std::fs::create_dir_all(&d)?;
        fill(&mut small, &mut seed);
        std::fs::write(d.join(format!("f{i}.dat")), &small)?;
        files += 1;
        bytes += small.len() as u64;
    }
    Ok((files, bytes))
}

pub fn main(args: &[String]) -> anyhow::Result<()> {
    let o = parse(args)?;
    let base = o.dir.clone().unwrap_or_else(std::env::temp_dir);
    let tmp = tempfile::Builder::new()
        .prefix("atelier-bench-")
        .tempdir_in(&base)?;
    let self_bin = std::env::current_exe()?;
    let backup_bin = self_bin.with_file_name("atelier-backup");
    if !backup_bin.exists() {
        anyhow::bail!(
            "{} not found; build it first (cargo build --release --bins)",
            backup_bin.display()
        );
    }
    let password_file = tmp.path().join("password");
    std::fs::write(&password_file, format!("{PASSWORD}\n"))?;
    let b = Bench {
        root: tmp.path().to_owned(),
        backup_bin,
        self_bin,
        password_file,
    };
    let version = String::from_utf8_lossy(&Command::new("restic").arg("version").output()?.stdout)
        .trim()
        .to_owned();
    println!(
        "atelier-bench: {version}; {} CPUs; work dir {}",
        num_cpus(),
        b.root.display()
    );
    let mut summary = Vec::new();
    if !o.skip.iter().any(|s| s == "tree") {
        summary.extend(bench_tree(&b, o.size_mib)?);
    }
    if !o.skip.iter().any(|s| s == "sqlite") {
        summary.extend(bench_sqlite(&b, o.sqlite_seconds)?);
    }
    if !o.skip.iter().any(|s| s == "status") {
        summary.extend(bench_status(&b, o.services, o.snapshots, o.jobs)?);
    }
    println!("\nsummary");
    for line in summary {
        println!("  {line}");
    }
    Ok(())
}

/// Flushes dirty pages so one measurement does not pay for the previous one.
fn sync() {
    let _ = Command::new("sync").status();
}

fn num_cpus() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
}

/// `atelier-backup --json run SERVICE`, timed; returns the run record.
fn timed_run(
    b: &Bench,
    manifest: &Path,
    state: &str,
    service: &str,
) -> anyhow::Result<(Duration, serde_json::Value)> {
    let t = Instant::now();
    let out = b
        .atelier(manifest, state)
        .args(["--json", "run", service])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()?;
    let elapsed = t.elapsed();
    if !out.status.success() {
        anyhow::bail!(
            "atelier-backup run {service} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok((elapsed, serde_json::from_slice(&out.stdout)?))
}

/// What retention did in a run record: `(snapshots removed, note)`.
fn retention_of(record: &serde_json::Value) -> (usize, String) {
    let r = &record["repositories"]["default"];
    (
        r["forgotten"].as_array().map_or(0, Vec::len),
        r["retention"].as_str().unwrap_or("?").to_owned(),
    )
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn bench_tree(b: &Bench, size_mib: u64) -> anyhow::Result<Vec<String>> {
    println!("\n[1] file tree: atelier-backup run vs bare restic backup");
    let tree = b.root.join("tree");
    let t = Instant::now();
    let (files, bytes) = make_tree(&tree, size_mib)?;
    println!(
        "  generated {files} files, {:.0} MiB in {:.1}s",
        bytes as f64 / 1_048_576.0,
        t.elapsed().as_secs_f64()
    );
    let service = |last: u32| {
        serde_json::json!({ "tree": {
            "files": [tree.display().to_string()],
            "retention": { "last": last },
        }})
    };
    let mut lines = Vec::new();
    // Fresh repositories, both orders: whichever runs second pays for the
    // first one's dirty pages, so each order is measured and reported.
    let mut first_ratios = Vec::new();
    for (i, atelier_first) in [false, true].into_iter().enumerate() {
        let (bare_repo, atelier_repo) =
            b.init_pair(&format!("repo-bare-{i}"), &format!("repo-atelier-{i}"))?;
        let manifest = b.manifest(&format!("tree-{i}"), &atelier_repo, &service(100))?;
        let state = format!("state-tree-{i}");
        let mut bare_cmd = b.restic(&bare_repo, &format!("cache-bare-{i}"));
        bare_cmd
            .args(["backup", "-q", "--host", HOST, "--tag", "bare"])
            .arg(&tree);
        let (bare, (atelier, record)) = if atelier_first {
            sync();
            let a = timed_run(b, &manifest, &state, "tree")?;
            sync();
            (timed(&mut bare_cmd)?, a)
        } else {
            sync();
            let r = timed(&mut bare_cmd)?;
            sync();
            (r, timed_run(b, &manifest, &state, "tree")?)
        };
        let ratio = atelier.as_secs_f64() / bare.as_secs_f64();
        first_ratios.push(ratio);
        let order = if atelier_first {
            "atelier first"
        } else {
            "bare first"
        };
        println!(
            "  first backup ({order}): bare restic {:.2}s, atelier-backup run {:.2}s, ratio {ratio:.3}; retention: {}",
            bare.as_secs_f64(),
            atelier.as_secs_f64(),
            retention_of(&record).1
        );
        lines.push(format!(
            "tree {size_mib} MiB, first backup ({order}): atelier/bare = {ratio:.3} ({:.2}s / {:.2}s, {:+.2}s; target <= 1.05)",
            atelier.as_secs_f64(),
            bare.as_secs_f64(),
            atelier.as_secs_f64() - bare.as_secs_f64()
        ));
        if i == 1 {
            // Unchanged tree, second snapshot into the same repositories;
            // keep-last 100 cannot remove anything.
            sync();
            let bare = timed(&mut bare_cmd)?;
            sync();
            let (atelier, record) = timed_run(b, &manifest, &state, "tree")?;
            let ratio = atelier.as_secs_f64() / bare.as_secs_f64();
            println!(
                "  second backup (unchanged): bare restic {:.2}s, atelier-backup run {:.2}s, ratio {ratio:.3}; retention: {}",
                bare.as_secs_f64(),
                atelier.as_secs_f64(),
                retention_of(&record).1
            );
            lines.push(format!(
                "tree {size_mib} MiB, second backup (unchanged, nothing to forget): atelier/bare = {ratio:.3} ({:.2}s / {:.2}s, {:+.2}s)",
                atelier.as_secs_f64(),
                bare.as_secs_f64(),
                atelier.as_secs_f64() - bare.as_secs_f64()
            ));
            lines.push(steady_state(
                b,
                size_mib,
                &bare_repo,
                &mut bare_cmd,
                &b.manifest("tree-steady", &atelier_repo, &service(2))?,
                &state,
            )?);
        }
        let _ = std::fs::remove_dir_all(&bare_repo);
        let _ = std::fs::remove_dir_all(&atelier_repo);
    }
    let mean = first_ratios.iter().sum::<f64>() / first_ratios.len() as f64;
    lines.push(format!(
        "tree {size_mib} MiB, first backup, mean of both orders: atelier/bare = {mean:.3}"
    ));
    let _ = std::fs::remove_dir_all(&tree);
    Ok(lines)
}

/// Steady state: both repositories hold two snapshots of the unchanged
/// tree; with keep-last 2 every further backup makes retention remove the
/// oldest, so `run` starts `forget` (a second restic process, with its own
/// key derivation). Compared with bare `restic backup` alone (the target's
/// baseline) and with bare `restic backup` + `restic forget --keep-last 2`
/// (the same work done by hand). Median of three rounds.
fn steady_state(
    b: &Bench,
    size_mib: u64,
    bare_repo: &Path,
    bare_cmd: &mut Command,
    manifest: &Path,
    state: &str,
) -> anyhow::Result<String> {
    const ROUNDS: usize = 3;
    let (mut bare, mut bare_forget, mut atelier) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        sync();
        let backup = timed(bare_cmd)?;
        let forget = timed(b.restic(bare_repo, "cache-bare-1").args([
            "forget",
            "-q",
            "--host",
            HOST,
            "--tag",
            "bare",
            "--keep-last",
            "2",
        ]))?;
        sync();
        let (a, record) = timed_run(b, manifest, state, "tree")?;
        let (removed, note) = retention_of(&record);
        if removed == 0 {
            anyhow::bail!("steady state round {round}: retention removed nothing ({note})");
        }
        println!(
            "  steady state round {}: bare restic backup {:.2}s (+ forget {:.2}s), atelier-backup run {:.2}s; retention removed {removed}",
            round + 1,
            backup.as_secs_f64(),
            forget.as_secs_f64(),
            a.as_secs_f64()
        );
        bare.push(backup.as_secs_f64());
        bare_forget.push((backup + forget).as_secs_f64());
        atelier.push(a.as_secs_f64());
    }
    let (bare, bare_forget, atelier) = (
        median(&mut bare),
        median(&mut bare_forget),
        median(&mut atelier),
    );
    Ok(format!(
        "tree {size_mib} MiB, steady state (unchanged tree, retention removes 1 snapshot per run, median of {ROUNDS}): atelier/bare = {:.3} ({atelier:.2}s / {bare:.2}s, {:+.2}s); vs bare backup + forget: {:.3} ({bare_forget:.2}s)",
        atelier / bare,
        atelier - bare,
        atelier / bare_forget
    ))
}

struct RunningWriter {
    child: std::process::Child,
    stop: PathBuf,
    lines: std::io::Lines<BufReader<std::process::ChildStdout>>,
}

impl RunningWriter {
    fn start(b: &Bench, db: &Path) -> anyhow::Result<Self> {
        let stop = db.with_extension("stop");
        let _ = std::fs::remove_file(&stop);
        let mut child = Command::new(&b.self_bin)
            .arg("sqlite-writer")
            .arg(db)
            .arg(&stop)
            .args(["--interval-ms", "2", "--ready-after", "20"])
            .stdout(Stdio::piped())
            .stdin(Stdio::null())
            .spawn()?;
        let mut lines = BufReader::new(child.stdout.take().expect("piped")).lines();
        match lines.next() {
            Some(Ok(l)) if l == "ready" => {}
            other => anyhow::bail!("writer did not start: {other:?}"),
        }
        Ok(Self { child, stop, lines })
    }

    fn stop(mut self) -> anyhow::Result<WriterStats> {
        std::fs::write(&self.stop, "")?;
        let line = self
            .lines
            .next()
            .ok_or_else(|| anyhow::anyhow!("writer printed no stats"))??;
        self.child.wait()?;
        Ok(serde_json::from_str(&line)?)
    }
}

fn bench_sqlite(b: &Bench, seconds: u64) -> anyhow::Result<Vec<String>> {
    println!("\n[2] SQLite writer latency: online backup vs no backup; stop-for-backup downtime");
    let dir = b.root.join("sqlite");
    std::fs::create_dir_all(&dir)?;
    let db = dir.join("app.db");
    {
        // ~64 MiB of existing data so a copy takes a measurable time.
        let conn = rusqlite::Connection::open(&db)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS rows (id INTEGER PRIMARY KEY, payload BLOB NOT NULL, at TEXT NOT NULL);
             CREATE TABLE IF NOT EXISTS bulk (id INTEGER PRIMARY KEY, payload BLOB NOT NULL);
             BEGIN;
             WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM g WHERE x < 16384)
             INSERT INTO bulk (payload) SELECT randomblob(4096) FROM g;
             COMMIT;",
        )?;
    }
    let repo = b.init("repo-sqlite")?;
    let window = Duration::from_secs(seconds);

    // Baseline: the writer alone.
    let w = RunningWriter::start(b, &db)?;
    std::thread::sleep(window);
    let idle = w.stop()?;

    // Online backups back to back for the same window.
    let services = serde_json::json!({ "app": {
        "sqlite": [db.display().to_string()],
        "retention": { "last": 1 },
    }});
    let manifest = b.manifest("sqlite-online", &repo, &services)?;
    let w = RunningWriter::start(b, &db)?;
    let t = Instant::now();
    let mut backups = 0;
    let mut backup_time = Duration::ZERO;
    while backups == 0 || t.elapsed() < window {
        backup_time += timed(b.atelier(&manifest, "state-sqlite").args(["run", "app"]))?;
        backups += 1;
    }
    let online = w.stop()?;

    // stopForBackup: a systemctl stand-in that logs when it stops and starts.
    let log = b.root.join("systemctl.log");
    let systemctl = b.root.join("systemctl");
    std::fs::write(
        &systemctl,
        format!(
            "#!/bin/sh\ncase \"$1\" in is-active) exit 0;; *) echo \"$(date +%s.%N) $1\" >> {};; esac\n",
            log.display()
        ),
    )?;
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&systemctl, std::fs::Permissions::from_mode(0o755))?;
    }
    let services = serde_json::json!({ "app": {
        "sqlite": [db.display().to_string()],
        "stopForBackup": true,
        "units": ["app.service"],
        "retention": { "last": 1 },
    }});
    let manifest = b.manifest("sqlite-stop", &repo, &services)?;
    let stop_total = timed(
        b.atelier(&manifest, "state-sqlite")
            .env("ATELIER_SYSTEMCTL", &systemctl)
            .args(["run", "app"]),
    )?;
    let text = std::fs::read_to_string(&log)?;
    let at = |verb: &str| -> Option<f64> {
        text.lines()
            .find(|l| l.ends_with(&format!(" {verb}")))
            .and_then(|l| l.split_whitespace().next()?.parse().ok())
    };
    let downtime = match (at("stop"), at("start")) {
        (Some(s), Some(e)) => e - s,
        _ => anyhow::bail!("systemctl log incomplete: {text}"),
    };
    println!(
        "  no backup:     {} commits, p99 {:.2} ms, max {:.2} ms, failures {}",
        idle.commits, idle.p99_latency_ms, idle.max_latency_ms, idle.failures
    );
    println!(
        "  online backup: {} commits during {backups} backups ({:.1}s), p99 {:.2} ms, max {:.2} ms, failures {}, blocked>1s {}",
        online.commits,
        backup_time.as_secs_f64(),
        online.p99_latency_ms,
        online.max_latency_ms,
        online.failures,
        online.blocked_over_1s
    );
    println!(
        "  stopForBackup: units down {downtime:.3}s of a {:.2}s run",
        stop_total.as_secs_f64()
    );
    let _ = std::io::stdout().flush();
    Ok(vec![
        format!(
            "SQLite writer p99: online backup {:.2} ms vs no backup {:.2} ms = {:.2}x (max {:.2} ms, {} failed writes, {} blocked > 1s)",
            online.p99_latency_ms,
            idle.p99_latency_ms,
            online.p99_latency_ms / idle.p99_latency_ms.max(0.001),
            online.max_latency_ms,
            online.failures,
            online.blocked_over_1s
        ),
        format!(
            "stop-for-backup downtime: {downtime:.3}s (64 MiB database; online mode: 0s)"
        ),
    ])
}

fn bench_status(
    b: &Bench,
    services: usize,
    snapshots: usize,
    jobs: usize,
) -> anyhow::Result<Vec<String>> {
    println!("\n[3] status: {services} services x {snapshots} snapshots in one repository");
    let repo = b.init("repo-status")?;
    let data = b.root.join("status-data");
    std::fs::create_dir_all(&data)?;
    std::fs::write(data.join("f"), b"x")?;
    let t = Instant::now();
    let total = services * snapshots;
    let next = std::sync::atomic::AtomicUsize::new(0);
    let failed = std::sync::Mutex::new(None);
    std::thread::scope(|s| {
        for _ in 0..jobs {
            s.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                if i >= total {
                    break;
                }
                let tags = format!("atelier,service:svc{:03},type:files", i % services);
                if let Err(e) = check(
                    b.restic(&repo, "cache-status")
                        .args(["backup", "-q", "--host", HOST, "--tag", &tags])
                        .arg(&data),
                ) {
                    *failed.lock().unwrap() = Some(e);
                    break;
                }
                if i % 100 == 99 {
                    println!(
                        "  created {} snapshots ({:.0}s)",
                        i + 1,
                        t.elapsed().as_secs_f64()
                    );
                }
            });
        }
    });
    if let Some(e) = failed.into_inner().unwrap() {
        return Err(e);
    }
    println!(
        "  created {total} snapshots in {:.0}s",
        t.elapsed().as_secs_f64()
    );
    let mut svc = serde_json::Map::new();
    for i in 0..services {
        svc.insert(
            format!("svc{i:03}"),
            serde_json::json!({ "files": [data.display().to_string()] }),
        );
    }
    let manifest = b.manifest("status", &repo, &serde_json::Value::Object(svc))?;
    let calls = b.root.join("restic-calls.log");
    let wrapper = b.root.join("restic-counting");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\necho \"$1\" >> {}\nexec restic \"$@\"\n",
            calls.display()
        ),
    )?;
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755))?;
    }
    // Warm restic's cache once so both sides read the same way.
    check(
        b.restic(&repo, "state-status/cache")
            .args(["snapshots", "-q"]),
    )?;
    let t = Instant::now();
    let out = b
        .atelier(&manifest, "state-status")
        .env("ATELIER_RESTIC", &wrapper)
        .args(["--json", "status"])
        .stdout(Stdio::piped())
        .output()?;
    let status_time = t.elapsed();
    let parsed: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let n_services = parsed.as_object().map_or(0, serde_json::Map::len);
    let processes = std::fs::read_to_string(&calls)?.lines().count();
    // Baseline: what a per-service tool does, one `snapshots` per service.
    let t = Instant::now();
    for i in 0..services {
        check(b.restic(&repo, "state-status/cache").args([
            "snapshots",
            "--json",
            "--host",
            HOST,
            "--tag",
            &format!("service:svc{i:03}"),
        ]))?;
    }
    let naive = t.elapsed();
    println!(
        "  atelier-backup status: {:.2}s, {processes} restic process(es), {n_services} services reported",
        status_time.as_secs_f64()
    );
    println!(
        "  one restic snapshots per service: {:.2}s, {services} restic processes",
        naive.as_secs_f64()
    );
    Ok(vec![format!(
        "status, {services} services x {snapshots} snapshots: {:.2}s with {processes} restic process(es) vs {:.2}s with {services} processes per-service = {:.1}x faster",
        status_time.as_secs_f64(),
        naive.as_secs_f64(),
        naive.as_secs_f64() / status_time.as_secs_f64()
    )])
}
