//! `atelier-backup check [--repository R]`: `restic check` reading a
//! rotating `--read-data-subset n/N`, so the whole repository is read over
//! N checks; the result is recorded in `checks/<repo>.json` and metrics.

use std::collections::BTreeMap;

use super::Context;
use crate::runtime::metrics;
use crate::runtime::ping::Pinger;
use crate::runtime::state::{now_rfc3339, CheckRecord, Outcome};

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Only this repository (what the per-repository check unit passes).
    #[arg(long)]
    pub repository: Option<String>,
    /// Number of subsets in one full cycle.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=10000))]
    pub subsets: u32,
    /// Read all data now (no subset).
    #[arg(long)]
    pub full: bool,
}

/// The subset to read next, from the last record (1-based, wraps at N).
pub fn next_subset(last: Option<&CheckRecord>, subsets: u32) -> u32 {
    match last {
        Some(r) if r.subsets == subsets && (1..=subsets).contains(&r.next_subset) => r.next_subset,
        Some(r) => ((r.next_subset.max(1) - 1) % subsets) + 1,
        None => 1,
    }
}

pub fn run(ctx: &Context, args: &Args) -> anyhow::Result<u8> {
    let manifest = ctx.manifest()?;
    let repos: Vec<String> = match &args.repository {
        Some(r) => vec![super::restic::default_repository(&manifest, Some(r))?],
        None => manifest.repositories.keys().cloned().collect(),
    };
    let env = ctx.runtime();
    let pinger = Pinger::from_file(manifest.monitoring.check.ping_url_file.as_deref(), "check");
    pinger.start();
    let mut records = BTreeMap::new();
    let mut failed = false;
    for repo in repos {
        let last = CheckRecord::last(&ctx.state_dir, &repo);
        let n = next_subset(last.as_ref(), args.subsets);
        let subset = (!args.full).then_some((n, args.subsets));
        let started = now_rfc3339();
        let t0 = std::time::Instant::now();
        let result = (|| -> anyhow::Result<()> {
            let restic = env.restic(&manifest, &repo)?;
            let _lock = env.lock_repository(&repo, &format!("check {repo}"))?;
            restic.check(subset)?;
            Ok(())
        })();
        let record = CheckRecord {
            repository: repo.clone(),
            started,
            finished: now_rfc3339(),
            duration_seconds: t0.elapsed().as_secs_f64(),
            result: if result.is_ok() {
                Outcome::Success
            } else {
                Outcome::Failed
            },
            error: result.as_ref().err().map(|e| format!("{e:#}")),
            subset: subset.map(|(a, b)| format!("{a}/{b}")),
            // A failed check reads the same subset again next time.
            next_subset: if result.is_ok() && !args.full {
                n % args.subsets + 1
            } else {
                n
            },
            subsets: args.subsets,
        };
        record.save(&ctx.state_dir)?;
        let labels = || vec![("repository", repo.clone())];
        #[allow(clippy::cast_precision_loss)]
        let samples = vec![
            metrics::Sample {
                name: "atelier_check_success",
                help: "1 if the last restic check of the repository succeeded",
                labels: labels(),
                value: if result.is_ok() { 1.0 } else { 0.0 },
            },
            metrics::Sample {
                name: "atelier_check_last_run_timestamp_seconds",
                help: "When the last check of the repository finished",
                labels: labels(),
                value: chrono::Utc::now().timestamp() as f64,
            },
            metrics::Sample {
                name: "atelier_check_duration_seconds",
                help: "Duration of the last check",
                labels: labels(),
                value: record.duration_seconds,
            },
        ];
        if let Err(e) = metrics::write(&ctx.state_dir, &format!("check-{repo}"), &samples) {
            eprintln!("atelier-backup: cannot write metrics: {e:#}");
        }
        match &result {
            Ok(()) => {
                if !ctx.json {
                    eprintln!(
                        "repository `{repo}`: check passed{}",
                        record
                            .subset
                            .as_deref()
                            .map(|s| format!(" (data subset {s})"))
                            .unwrap_or_default()
                    );
                }
            }
            Err(e) => {
                failed = true;
                eprintln!("error: check of repository `{repo}`: {e:#}");
            }
        }
        records.insert(repo, record);
    }
    pinger.finish_all(
        &records
            .values()
            .map(|r| (format!("repository `{}`", r.repository), r.error.clone()))
            .collect::<Vec<_>>(),
    );
    if ctx.json {
        println!("{}", serde_json::to_string_pretty(&records)?);
    }
    Ok(u8::from(failed))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(next: u32, subsets: u32) -> CheckRecord {
        CheckRecord {
            repository: "r".into(),
            started: String::new(),
            finished: String::new(),
            duration_seconds: 0.0,
            result: Outcome::Success,
            error: None,
            subset: None,
            next_subset: next,
            subsets,
        }
    }

    #[test]
    fn subsets_rotate_and_wrap() {
        assert_eq!(next_subset(None, 10), 1);
        assert_eq!(next_subset(Some(&rec(4, 10)), 10), 4);
        assert_eq!(next_subset(Some(&rec(9, 10)), 5), 4);
    }
}
