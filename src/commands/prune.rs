//! `atelier-backup prune [SERVICE] [--repository R]`: per service `restic
//! forget` by its retention policy, scoped to its own snapshots (tag
//! `service:<name>` and the manifest's host — never another service's), then
//! one `restic prune` per repository.

use std::collections::BTreeMap;

use serde::Serialize;

use super::Context;
use crate::runtime::metrics;
use crate::runtime::ping::Pinger;

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Only this service (the repository is still pruned).
    pub service: Option<String>,
    /// Only this repository (what the per-repository prune unit passes).
    #[arg(long)]
    pub repository: Option<String>,
    /// Forget only; skip `restic prune`.
    #[arg(long)]
    pub no_prune: bool,
}

#[derive(Debug, Default, Serialize)]
struct RepoReport {
    services: BTreeMap<String, ServiceReport>,
    pruned: bool,
    error: Option<String>,
}

#[derive(Debug, Default, Serialize)]
struct ServiceReport {
    kept: Vec<String>,
    removed: Vec<String>,
}

pub fn run(ctx: &Context, args: &Args) -> anyhow::Result<u8> {
    let manifest = ctx.manifest()?;
    if let Some(s) = &args.service {
        if !manifest.services.contains_key(s) {
            return Err(super::ConfigError(format!("service `{s}` is not in the manifest")).into());
        }
    }
    let repos: Vec<String> = match &args.repository {
        Some(r) => vec![super::restic::default_repository(&manifest, Some(r))?],
        None => manifest.repositories.keys().cloned().collect(),
    };
    let env = ctx.runtime();
    let pinger = Pinger::from_file(manifest.monitoring.prune.ping_url_file.as_deref(), "prune");
    pinger.start();
    let mut reports = BTreeMap::new();
    let mut failed = false;
    for repo in repos {
        let mut report = RepoReport::default();
        let started = std::time::Instant::now();
        let result = (|| -> anyhow::Result<()> {
            let restic = env.restic(&manifest, &repo)?;
            let _lock = env.lock_repository(&repo, &format!("prune {repo}"))?;
            for (name, svc) in &manifest.services {
                if !svc.repositories.contains(&repo)
                    || args.service.as_ref().is_some_and(|s| s != name)
                {
                    continue;
                }
                let groups = restic.forget_policy(
                    &[format!("service:{name}")],
                    &manifest.host,
                    &svc.retention,
                    false,
                )?;
                let entry = report.services.entry(name.clone()).or_default();
                for g in groups {
                    entry
                        .kept
                        .extend(g.keep.iter().flatten().map(|s| s.short_id.clone()));
                    entry
                        .removed
                        .extend(g.remove.iter().flatten().map(|s| s.short_id.clone()));
                }
                if !ctx.json {
                    eprintln!(
                        "{name} on `{repo}`: kept {}, removed {}",
                        entry.kept.len(),
                        entry.removed.len()
                    );
                }
            }
            if !args.no_prune {
                restic.prune()?;
                report.pruned = true;
            }
            Ok(())
        })();
        if let Err(e) = &result {
            failed = true;
            report.error = Some(format!("{e:#}"));
            eprintln!("error: prune of repository `{repo}`: {e:#}");
        }
        let removed: usize = report.services.values().map(|s| s.removed.len()).sum();
        #[allow(clippy::cast_precision_loss)]
        let samples = vec![
            metrics::Sample {
                name: "atelier_prune_success",
                help: "1 if the last prune of the repository succeeded",
                labels: vec![("repository", repo.clone())],
                value: if result.is_ok() { 1.0 } else { 0.0 },
            },
            metrics::Sample {
                name: "atelier_prune_last_run_timestamp_seconds",
                help: "When the last prune of the repository finished",
                labels: vec![("repository", repo.clone())],
                value: chrono::Utc::now().timestamp() as f64,
            },
            metrics::Sample {
                name: "atelier_prune_snapshots_removed",
                help: "Snapshots removed by the last prune",
                labels: vec![("repository", repo.clone())],
                value: removed as f64,
            },
            metrics::Sample {
                name: "atelier_prune_duration_seconds",
                help: "Duration of the last prune",
                labels: vec![("repository", repo.clone())],
                value: started.elapsed().as_secs_f64(),
            },
        ];
        if let Err(e) = metrics::write(&ctx.state_dir, &format!("prune-{repo}"), &samples) {
            eprintln!("atelier-backup: cannot write metrics: {e:#}");
        }
        reports.insert(repo, report);
    }
    pinger.finish_all(
        &reports
            .iter()
            .map(|(repo, r)| (format!("repository `{repo}`"), r.error.clone()))
            .collect::<Vec<_>>(),
    );
    if ctx.json {
        println!("{}", serde_json::to_string_pretty(&reports)?);
    }
    Ok(u8::from(failed))
}
