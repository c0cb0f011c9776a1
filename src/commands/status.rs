//! `atelier-backup status [SERVICE]`: per service the newest snapshot and
//! its age, size, last run result and staleness; exit 1 when anything is
//! stale or failed, or when an interrupted restore awaits recovery. One
//! `restic snapshots --json` per repository.

use std::collections::BTreeMap;
use std::time::Duration;

use comfy_table::{presets::UTF8_FULL_CONDENSED, Cell, Color, Table};
use serde::Serialize;

use super::Context;
use crate::plan::{Manifest, Service};
use crate::runtime::catalog::Catalog;
use crate::runtime::state::{Outcome, RunRecord};
use crate::runtime::{swap, terminal};

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Only this service.
    pub service: Option<String>,
}

/// `status --json`: one entry per service (keyed by name).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceStatus {
    /// `ok`, `stale`, `failed`, `never` (no snapshot yet) or
    /// `restore-pending` (an interrupted restore awaits recovery).
    pub status: String,
    pub stale: bool,
    pub failed: bool,
    /// Interrupted restores of the service (crash or kill mid-restore): its
    /// live data may be half swapped until recovery finishes or undoes them.
    pub restore_pending: Vec<PendingRestore>,
    /// Newest snapshot over all its repositories (never a pre-restore one).
    pub last_snapshot: Option<SnapshotRef>,
    pub age_seconds: Option<i64>,
    pub stale_after_seconds: u64,
    pub last_run: Option<LastRun>,
    pub repositories: BTreeMap<String, RepositoryStatus>,
    pub problems: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PendingRestore {
    /// The restore journal left behind.
    pub journal: String,
    /// Snapshot the interrupted restore was bringing in.
    pub snapshot: String,
    /// `prepared`, `swapping` or `committed` (docs/restore.md).
    pub phase: String,
    /// What recovery will do.
    pub recovery: &'static str,
}

/// The restore journals of `service` in the state dir (see `runtime::swap`).
pub fn pending_restores(state_dir: &std::path::Path, service: &str) -> Vec<PendingRestore> {
    let Ok(rd) = std::fs::read_dir(swap::journal_dir(state_dir)) else {
        return Vec::new();
    };
    let mut paths: Vec<_> = rd
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .filter_map(|p| {
            let j: swap::Journal = serde_json::from_slice(&std::fs::read(&p).ok()?).ok()?;
            (j.service == service).then(|| PendingRestore {
                journal: p.display().to_string(),
                snapshot: j.snapshot.clone(),
                phase: match j.phase {
                    swap::Phase::Prepared => "prepared",
                    swap::Phase::Swapping => "swapping",
                    swap::Phase::Committed => "committed",
                }
                .into(),
                recovery: match j.phase {
                    swap::Phase::Prepared => "discard the staged copy (live data was not touched)",
                    swap::Phase::Swapping => "roll back to the data from before the restore",
                    swap::Phase::Committed => "finish the cleanup (the restored data is in place)",
                },
            })
        })
        .collect()
}

#[derive(Debug, Clone, Serialize)]
pub struct SnapshotRef {
    pub id: String,
    pub short_id: String,
    pub time: String,
    pub repository: String,
    /// Bytes processed by the backup that made it (from the run record or
    /// restic's snapshot summary), when known.
    pub size: Option<u64>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LastRun {
    pub result: Outcome,
    pub started: String,
    pub finished: String,
    pub duration_seconds: f64,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RepositoryStatus {
    pub snapshots: usize,
    /// Snapshots of runs that never finished (not counted in `snapshots`).
    pub incomplete: usize,
    pub latest: Option<SnapshotRef>,
    pub age_seconds: Option<i64>,
    pub error: Option<String>,
}

/// Period of a systemd `OnCalendar=` expression, approximately: what
/// `status` needs is "how old may the newest snapshot be".
pub fn calendar_period(on_calendar: &str) -> Duration {
    const H: u64 = 3600;
    let s = on_calendar.trim().to_ascii_lowercase();
    let secs = match s.as_str() {
        "minutely" => 60,
        "hourly" => H,
        "daily" | "midnight" => 24 * H,
        "weekly" => 7 * 24 * H,
        "monthly" => 31 * 24 * H,
        "quarterly" => 92 * 24 * H,
        "semiannually" | "semi-annually" => 183 * 24 * H,
        "yearly" | "annually" => 366 * 24 * H,
        _ => {
            let weekday = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
                .iter()
                .any(|d| s.starts_with(d));
            if weekday {
                7 * 24 * H
            } else if s.starts_with("*:") || s.contains(" *:") {
                H
            } else {
                24 * H
            }
        }
    };
    Duration::from_secs(secs)
}

/// How old the newest snapshot may be before the service is stale:
/// `staleAfter`, else period + randomized delay + one hour of slack.
pub fn stale_after(service: &Service) -> Duration {
    if let Some(d) = service
        .stale_after
        .as_deref()
        .and_then(|s| humantime::parse_duration(s).ok())
    {
        return d;
    }
    let delay = service
        .schedule
        .randomized_delay
        .as_deref()
        .and_then(|d| humantime::parse_duration(d).ok())
        .unwrap_or_default();
    calendar_period(&service.schedule.on_calendar) + delay + Duration::from_secs(3600)
}

/// Size of a snapshot: restic's summary (0.17+) or our run records (whose
/// snapshot id is the short id on restic 0.14).
pub fn size_index(state_dir: &std::path::Path, services: &[&String]) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    for s in services {
        for rec in RunRecord::history(state_dir, s) {
            for r in rec.repositories.values() {
                if let Some(id) = &r.snapshot_id {
                    out.push((id.clone(), r.total_bytes));
                }
            }
        }
    }
    out
}

pub fn lookup_size(
    index: &[(String, u64)],
    snap: &crate::runtime::restic::Snapshot,
) -> Option<u64> {
    snap.total_bytes().or_else(|| {
        index
            .iter()
            .find(|(id, _)| !id.is_empty() && snap.id.starts_with(id.as_str()))
            .map(|(_, n)| *n)
    })
}

fn selected<'a>(manifest: &'a Manifest, only: Option<&String>) -> anyhow::Result<Vec<&'a String>> {
    if let Some(name) = only {
        if !manifest.services.contains_key(name) {
            return Err(super::service_not_in_manifest(manifest, name).into());
        }
        return Ok(manifest.services.keys().filter(|k| *k == name).collect());
    }
    Ok(manifest.services.keys().collect())
}

/// Computes the status of the selected services.
pub fn compute(
    ctx: &Context,
    manifest: &Manifest,
    only: Option<&String>,
) -> anyhow::Result<BTreeMap<String, ServiceStatus>> {
    let names = selected(manifest, only)?;
    let env = ctx.runtime();
    let catalog = Catalog::load_within(
        &env,
        manifest,
        &names.iter().map(|s| (*s).clone()).collect::<Vec<_>>(),
        // Answers even when a repository does not.
        Some(crate::runtime::catalog::QUERY_TIMEOUT),
    )?;
    let sizes = size_index(&ctx.state_dir, &names);
    let now = chrono::Utc::now();
    let mut out = BTreeMap::new();
    for name in names {
        let service = &manifest.services[name];
        let limit = stale_after(service);
        let mut problems = Vec::new();
        let mut repos = BTreeMap::new();
        let mut newest: Option<SnapshotRef> = None;
        let mut newest_time = None;
        let mut stale = false;
        let mut failed = false;
        for repo in &service.repositories {
            let all = catalog.for_service(repo, name);
            let incomplete = all.iter().filter(|s| s.is_incomplete()).count();
            let mut rs = RepositoryStatus {
                snapshots: all.len() - incomplete,
                incomplete,
                latest: None,
                age_seconds: None,
                error: None,
            };
            if incomplete > 0 {
                problems.push(format!(
                    "{incomplete} incomplete snapshot(s) in `{repo}` (runs that never finished; never used for a restore, the next run removes them)"
                ));
            }
            if let Some(e) = catalog.error(repo) {
                failed = true;
                rs.error = Some(e.to_string());
                problems.push(format!("repository `{repo}`: {}", e.detail));
            }
            if let Some(s) = catalog.latest(repo, name) {
                let age = (now - s.time.with_timezone(&chrono::Utc)).num_seconds();
                let r = SnapshotRef {
                    id: s.id.clone(),
                    short_id: s.short_id.clone(),
                    time: rfc3339(&s.time),
                    repository: repo.clone(),
                    size: lookup_size(&sizes, s),
                };
                #[allow(clippy::cast_possible_wrap)]
                if age > limit.as_secs() as i64 {
                    stale = true;
                    problems.push(format!(
                        "newest snapshot in `{repo}` is {} old (limit {})",
                        fmt_age(age),
                        humantime::format_duration(limit)
                    ));
                }
                if newest_time.is_none_or(|t| s.time > t) {
                    newest_time = Some(s.time);
                    newest = Some(r.clone());
                }
                rs.latest = Some(r);
                rs.age_seconds = Some(age);
            } else if rs.error.is_none() {
                stale = true;
                problems.push(format!("no snapshot in `{repo}` yet"));
            }
            repos.insert(repo.clone(), rs);
        }
        let last_run = RunRecord::last(&ctx.state_dir, name).map(|r| LastRun {
            result: r.result,
            started: r.started,
            finished: r.finished,
            duration_seconds: r.duration_seconds,
            error: r.error,
        });
        if let Some(r) = &last_run {
            if r.result == Outcome::Failed {
                failed = true;
                problems.push(format!(
                    "last run failed: {}",
                    r.error
                        .as_deref()
                        .and_then(|e| e.lines().next())
                        .unwrap_or("?")
                ));
            }
        }
        let restore_pending = pending_restores(&ctx.state_dir, name);
        for p in &restore_pending {
            problems.push(format!(
                "an interrupted restore (snapshot {}, phase {}, journal {}) is pending: the live data may be half restored. Run `atelier-backup restore {name} --in-place` to finish or roll it back (recovery will {}; it then asks before restoring again: answer no to stop there), or `atelier-backup dr`, which recovers it and restores every service",
                p.snapshot.chars().take(8).collect::<String>(),
                p.phase,
                p.journal,
                p.recovery
            ));
        }
        let status = if !restore_pending.is_empty() {
            "restore-pending"
        } else if failed {
            "failed"
        } else if newest.is_none() {
            "never"
        } else if stale {
            "stale"
        } else {
            "ok"
        };
        out.insert(
            name.clone(),
            ServiceStatus {
                status: status.into(),
                stale: stale || newest.is_none(),
                failed,
                restore_pending,
                age_seconds: newest_time
                    .map(|t| (now - t.with_timezone(&chrono::Utc)).num_seconds()),
                last_snapshot: newest,
                stale_after_seconds: limit.as_secs(),
                last_run,
                repositories: repos,
                problems,
            },
        );
    }
    Ok(out)
}

pub fn run(ctx: &Context, args: &Args) -> anyhow::Result<u8> {
    let manifest = ctx.manifest()?;
    let statuses = compute(ctx, &manifest, args.service.as_ref())?;
    let bad = statuses
        .values()
        .any(|s| s.stale || s.failed || !s.restore_pending.is_empty());
    if ctx.json {
        println!("{}", serde_json::to_string_pretty(&statuses)?);
    } else {
        print_table(&statuses);
    }
    Ok(u8::from(bad))
}

fn print_table(statuses: &BTreeMap<String, ServiceStatus>) {
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED);
    table.set_header([
        "service",
        "last snapshot",
        "age",
        "size",
        "last run",
        "status",
    ]);
    for (name, s) in statuses {
        let color = match s.status.as_str() {
            "ok" => Color::Green,
            "stale" | "never" => Color::Yellow,
            _ => Color::Red,
        };
        table.add_row(vec![
            Cell::new(name),
            Cell::new(s.last_snapshot.as_ref().map_or("—".into(), |r| {
                format!("{} ({}, {})", r.short_id, r.time, r.repository)
            })),
            Cell::new(s.age_seconds.map_or("—".into(), fmt_age)),
            Cell::new(
                s.last_snapshot
                    .as_ref()
                    .and_then(|r| r.size)
                    .map_or("—".into(), crate::runtime::terminal::human_bytes),
            ),
            Cell::new(s.last_run.as_ref().map_or("—".into(), |r| {
                format!(
                    "{} ({})",
                    match r.result {
                        Outcome::Success => "success",
                        Outcome::Failed => "failed",
                    },
                    r.finished
                )
            })),
            Cell::new(&s.status).fg(color),
        ]);
    }
    println!("{table}");
    for (name, s) in statuses {
        for p in &s.problems {
            println!("{name}: {}", terminal::line(p));
        }
    }
}

pub fn rfc3339(t: &chrono::DateTime<chrono::FixedOffset>) -> String {
    t.with_timezone(&chrono::Utc)
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// `3d 4h`, `12m`.
pub fn fmt_age(secs: i64) -> String {
    let s = secs.max(0);
    let (d, h, m) = (s / 86400, (s % 86400) / 3600, (s % 3600) / 60);
    if d > 0 {
        format!("{d}d {h}h")
    } else if h > 0 {
        format!("{h}h {m}m")
    } else if m > 0 {
        format!("{m}m")
    } else {
        format!("{s}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_periods() {
        assert_eq!(calendar_period("02:00").as_secs(), 86400);
        assert_eq!(calendar_period("hourly").as_secs(), 3600);
        assert_eq!(calendar_period("Mon *-*-* 03:00").as_secs(), 7 * 86400);
        let s = Service::default();
        assert_eq!(stale_after(&s).as_secs(), 86400 + 7200 + 3600);
    }
}
