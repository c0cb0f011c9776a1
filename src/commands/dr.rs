//! `atelier-backup dr [--plan] [--jobs N]`: disaster recovery (DESIGN.md §5.2).
//! Restores every service from its latest snapshot, services with databases
//! first (so a database is back before the services that use it start), and
//! ends with a table of what was restored, verified and failed.

use std::sync::{Condvar, Mutex};

use serde::Serialize;

use super::ui::secs;
use super::Context;
use crate::runtime::restore::{self as engine, Env, Mode, Request};
use crate::runtime::terminal;

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Print per service the snapshot, its age, size, target paths and database actions; change nothing.
    #[arg(long)]
    pub plan: bool,
    /// Restore up to N services at the same time.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: u16,
}

#[derive(Debug, Clone, Serialize)]
struct Row {
    service: String,
    snapshot: Option<String>,
    snapshot_time: Option<String>,
    /// Restore size of the snapshot (`restic stats`), with --plan.
    size: Option<u64>,
    /// With --plan: an interrupted restore of the service awaits recovery
    /// (`dr` recovers it first; the plan leaves it alone).
    recovery_pending: bool,
    restored: bool,
    verified: bool,
    failed: bool,
    error: Option<String>,
    duration_ms: u128,
    items: Vec<engine::Item>,
    /// PostgreSQL roles the service's dumps need and the server lacks.
    missing_roles: Vec<engine::MissingRole>,
    /// What to do about them (`CREATE ROLE …`), empty when none is missing.
    #[serde(skip)]
    missing_roles_text: String,
}

pub fn run(ctx: &Context, args: &Args) -> anyhow::Result<u8> {
    let manifest = ctx.manifest()?;
    // One `snapshots` per repository for all services, not one per service.
    crate::runtime::restore_restic::list_each_repository_once();
    if !args.plan {
        crate::runtime::swap::recover(&ctx.state_dir, None)?;
    }
    // Databases first: a service's database is restored before services that use it start.
    let mut order: Vec<String> = manifest.services.keys().cloned().collect();
    order.sort_by_key(|n| {
        let s = &manifest.services[n];
        (s.postgres.is_empty() && s.dumps.is_empty(), n.clone())
    });
    if !args.plan && !ctx.yes {
        let what: Vec<String> = order
            .iter()
            .map(|n| format!("restore `{n}` in place from its latest snapshot"))
            .collect();
        if !super::ui::confirm_replace(false, "every service", &what)? {
            anyhow::bail!("disaster recovery cancelled: nothing was changed");
        }
    }
    let progress = |m: &str| eprintln!("  {}", terminal::line(m));
    let confirm = |_: &[String]| Ok(true);
    // One worker more than --jobs, with at most --jobs restic restores at a
    // time: a service's verification, pg_restore and swap (and the next
    // one's self-description read) overlap the next restore, which is what
    // takes the time. With --jobs 1 services still go live strictly in
    // order: each waits, staged and verified, until those before it are done.
    crate::runtime::restore_restic::limit_data_processes(usize::from(args.jobs));
    let finished: (Mutex<std::collections::BTreeSet<String>>, Condvar) = (
        Mutex::new(std::collections::BTreeSet::new()),
        Condvar::new(),
    );
    let go_live = |name: &str| {
        if args.jobs != 1 {
            return;
        }
        let before = &order[..order.iter().position(|n| n == name).unwrap_or(0)];
        let mut done = finished
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        while before.iter().any(|n| !done.contains(n)) {
            done = finished
                .1
                .wait(done)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
    };
    let env = Env {
        manifest: &manifest,
        state_dir: &ctx.state_dir,
        restic: &ctx.restic,
        systemctl: &ctx.systemctl,
        progress: &progress,
        confirm: &confirm,
        go_live: &go_live,
    };
    let rows: Mutex<Vec<Row>> = Mutex::new(Vec::new());
    let queue: Mutex<std::collections::VecDeque<String>> =
        Mutex::new(order.iter().cloned().collect());
    // Workers take services in order; with --jobs 1 that is strictly databases first.
    std::thread::scope(|scope| {
        if !args.plan {
            // Listed in the background: the first restores start at once
            // (restic resolves their `latest`, checked against this listing).
            let listing = crate::runtime::restore_restic::listing_started();
            let manifest = &manifest;
            scope.spawn(move || {
                let _listing = listing;
                // Tests make the listing slow, so that restores certainly
                // start before it ends.
                if let Some(ms) = std::env::var("ATELIER_TEST_LISTING_DELAY_MS")
                    .ok()
                    .and_then(|v| v.parse().ok())
                {
                    std::thread::sleep(std::time::Duration::from_millis(ms));
                }
                list_contents_together(ctx, manifest);
            });
        }
        for _ in 0..args
            .jobs
            .saturating_add(1)
            .min(u16::try_from(order.len()).unwrap_or(u16::MAX))
            .max(1)
        {
            scope.spawn(|| loop {
                let Some(name) = queue.lock().expect("queue").pop_front() else {
                    break;
                };
                let req = Request {
                    service: name.clone(),
                    snapshot: None,
                    from: None,
                    mode: Mode::InPlace,
                    dry_run: args.plan,
                    safety_snapshot: true,
                    start_all_units: true,
                    repository: None,
                    whole_snapshot_first: true,
                };
                let _done = Done {
                    finished: &finished,
                    service: name.clone(),
                };
                let row = match engine::restore(&env, &req) {
                    Ok(o) => Row {
                        size: if args.plan {
                            crate::runtime::restore_restic::Restic::for_service(
                                &ctx.restic,
                                &manifest,
                                &o.service,
                                &ctx.state_dir,
                            )
                            .ok()
                            .and_then(|r| r.size(&o.snapshot))
                        } else {
                            None
                        },
                        recovery_pending: o.recovery_pending,
                        service: name,
                        snapshot: Some(o.snapshot.clone()),
                        snapshot_time: Some(o.snapshot_time.clone()),
                        restored: !args.plan,
                        verified: !args.plan && o.verified,
                        failed: !args.plan && !o.verified,
                        error: None,
                        duration_ms: o.duration_ms,
                        missing_roles_text: o.missing_roles_text(),
                        missing_roles: o.missing_roles,
                        items: o.items,
                    },
                    Err(e) => Row {
                        service: name,
                        snapshot: None,
                        snapshot_time: None,
                        size: None,
                        recovery_pending: false,
                        restored: false,
                        verified: false,
                        failed: true,
                        error: Some(format!("{e:#}")),
                        duration_ms: 0,
                        items: Vec::new(),
                        missing_roles: Vec::new(),
                        missing_roles_text: String::new(),
                    },
                };
                rows.lock().expect("rows").push(row);
            });
        }
    });
    let mut rows = rows.into_inner().expect("rows");
    rows.sort_by_key(|r| order.iter().position(|n| *n == r.service));
    let failed = rows.iter().any(|r| r.failed);
    if ctx.json {
        println!(
            "{}",
            serde_json::to_string_pretty(
                &serde_json::json!({ "plan": args.plan, "services": rows })
            )
            .expect("json")
        );
    } else {
        print_table(&rows, args.plan);
    }
    Ok(u8::from(failed))
}

/// The latest snapshot of every service with files locations, by
/// repository: their file lists (for verifying the restored trees) come from
/// one restic process per repository. Snapshots that record restic's backup
/// summary need none (the restored snapshot is counted against it) and are
/// left out. A service whose snapshot cannot be resolved here fails on its
/// own below, with the others going on.
fn list_contents_together(ctx: &Context, manifest: &crate::plan::Manifest) {
    use crate::runtime::restore_restic::{self, Restic};
    let mut wanted: std::collections::BTreeMap<String, Vec<String>> =
        std::collections::BTreeMap::new();
    for (name, service) in &manifest.services {
        if service.files.is_empty() {
            continue;
        }
        let Ok(restic) = Restic::for_service(&ctx.restic, manifest, name, &ctx.state_dir) else {
            continue;
        };
        match engine::resolve(&restic, manifest, name, None, false) {
            Ok(snap) if snap.files.is_none() => {
                wanted.entry(restic.name.clone()).or_default().push(snap.id);
            }
            _ => {}
        }
    }
    for (repository, ids) in wanted {
        restore_restic::list_contents_together(&repository, ids);
    }
}

/// Marks a service done (restored, failed, or its worker gone) when dropped:
/// the next service may go live.
struct Done<'a> {
    finished: &'a (Mutex<std::collections::BTreeSet<String>>, Condvar),
    service: String,
}

impl Drop for Done<'_> {
    fn drop(&mut self) {
        let (set, changed) = self.finished;
        set.lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(std::mem::take(&mut self.service));
        changed.notify_all();
    }
}

fn age(time: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(time).map_or_else(
        |_| "?".into(),
        |t| {
            let secs = (chrono::Utc::now() - t.with_timezone(&chrono::Utc))
                .num_seconds()
                .max(0);
            humantime::format_duration(std::time::Duration::from_secs(
                u64::try_from(secs).unwrap_or(0),
            ))
            .to_string()
        },
    )
}

fn print_table(rows: &[Row], plan: bool) {
    let mut t = comfy_table::Table::new();
    t.load_preset(comfy_table::presets::ASCII_MARKDOWN);
    if plan {
        t.set_header(["service", "snapshot", "age", "size", "actions"]);
        for r in rows {
            let actions = if let Some(e) = &r.error {
                format!("cannot restore: {}", terminal::lines(e))
            } else {
                let mut lines: Vec<String> = r
                    .items
                    .iter()
                    .map(|i| terminal::line(&i.action).into_owned())
                    .collect();
                if !r.missing_roles.is_empty() {
                    lines.push(format!(
                        "but first: {}",
                        terminal::line(&r.missing_roles_text)
                    ));
                }
                lines.join("\n")
            };
            let actions = if r.recovery_pending {
                format!(
                    "first finish or roll back the interrupted restore that is pending\n{actions}"
                )
            } else {
                actions
            };
            t.add_row([
                r.service.clone(),
                r.snapshot
                    .as_deref()
                    .map_or_else(|| "-".into(), |s| s.chars().take(8).collect()),
                r.snapshot_time.as_deref().map_or_else(|| "-".into(), age),
                r.size.map_or_else(|| "-".into(), super::ui::human_size),
                actions,
            ]);
        }
        eprintln!("{t}\nplan only: nothing was changed");
    } else {
        t.set_header([
            "service", "snapshot", "restored", "verified", "failed", "duration",
        ]);
        for r in rows {
            let yn = |b: bool| if b { "yes" } else { "no" }.to_owned();
            t.add_row([
                r.service.clone(),
                r.snapshot
                    .as_deref()
                    .map_or_else(|| "-".into(), |s| s.chars().take(8).collect()),
                yn(r.restored),
                yn(r.verified),
                r.error
                    .as_deref()
                    .map_or_else(|| yn(r.failed), |e| terminal::lines(e).into_owned()),
                format!("{:.1}s", secs(r.duration_ms)),
            ]);
        }
        eprintln!("{t}");
    }
}
