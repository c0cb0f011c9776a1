//! A SQLite writer process (`atelier-bench sqlite-writer`) for the tests and
//! the benchmark: commits one row per transaction until a stop file appears,
//! measuring each commit's latency inside the writer, then prints one JSON
//! line of statistics. It prints `ready` after `--ready-after` commits so the
//! caller can synchronise on real progress instead of sleeping.

use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

/// What the writer saw.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct WriterStats {
    pub commits: u64,
    pub failures: u64,
    /// First error text, if any write failed.
    pub first_error: Option<String>,
    pub max_latency_ms: f64,
    pub p50_latency_ms: f64,
    pub p99_latency_ms: f64,
    /// Commits that took longer than one second.
    pub blocked_over_1s: u64,
    /// Highest row id committed.
    pub last_id: i64,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

pub fn main(args: &[String]) -> anyhow::Result<()> {
    let mut pos = Vec::new();
    let mut interval = Duration::from_millis(2);
    let mut ready_after = 50u64;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--interval-ms" => {
                interval = Duration::from_millis(it.next().map_or(Ok(2), |v| v.parse())?);
            }
            "--ready-after" => ready_after = it.next().map_or(Ok(50), |v| v.parse())?,
            _ => pos.push(a.clone()),
        }
    }
    let [db, stop] = pos.as_slice() else {
        anyhow::bail!("usage: sqlite-writer DB STOP_FILE [--interval-ms N] [--ready-after N]");
    };
    let stop = PathBuf::from(stop);
    let conn = rusqlite::Connection::open(db)?;
    // A service would set a busy timeout; a write "blocked" past it fails.
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    // NORMAL (the usual WAL setting) leaves fsync to checkpoints, so what the
    // latency measures is locking — what a backup could cause — rather than
    // the disk's fsync time on a machine shared with other work.
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS rows (id INTEGER PRIMARY KEY, payload BLOB NOT NULL, at TEXT NOT NULL)",
    )?;
    let mut stats = WriterStats::default();
    let mut latencies = Vec::new();
    let mut stdout = std::io::stdout();
    loop {
        if stop.exists() {
            break;
        }
        let t = Instant::now();
        let r = conn.execute(
            "INSERT INTO rows (payload, at) VALUES (randomblob(512), datetime('now'))",
            [],
        );
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        latencies.push(ms);
        match r {
            Ok(_) => {
                stats.commits += 1;
                stats.last_id = conn.last_insert_rowid();
            }
            Err(e) => {
                stats.failures += 1;
                stats.first_error.get_or_insert_with(|| e.to_string());
            }
        }
        if ms > 1000.0 {
            stats.blocked_over_1s += 1;
        }
        if stats.commits == ready_after {
            writeln!(stdout, "ready")?;
            stdout.flush()?;
        }
        // Pacing of the load, not synchronisation.
        std::thread::sleep(interval);
    }
    latencies.sort_by(f64::total_cmp);
    stats.max_latency_ms = latencies.last().copied().unwrap_or(0.0);
    stats.p50_latency_ms = percentile(&latencies, 0.50);
    stats.p99_latency_ms = percentile(&latencies, 0.99);
    writeln!(stdout, "{}", serde_json::to_string(&stats)?)?;
    stdout.flush()?;
    Ok(())
}
