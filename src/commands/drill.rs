//! `atelier-backup drill [SERVICE|--all] [--scratch DIR]`: restore the latest
//! snapshot into scratch (a temporary directory; PostgreSQL databases into
//! scratch databases `<db>_atelier_drill_<pid>`, dropped afterwards), verify
//! it, run the service's `check` against the scratch copy and record the
//! result and the time to restore as evidence (`evidence` shows it).
//!
//! The `check` command runs with `sh -c` and these variables:
//! `ATELIER_DRILL_DIR` (scratch root; a live path P is at `$ATELIER_DRILL_DIR/P`),
//! `ATELIER_DRILL_SQLITE` / `ATELIER_DRILL_SQLITE_<i>` (restored SQLite copies),
//! `ATELIER_DRILL_FILES_<i>` (restored files locations),
//! `ATELIER_DRILL_PGDATABASE` / `ATELIER_DRILL_PGDATABASE_<i>` and `PGDATABASE`
//! (scratch databases; `PGHOST`/`PGPORT` as in the manifest, `PGUSER` = `postgres.runAs`),
//! `ATELIER_DRILL_DUMPS_DIR` (stored dumps), `ATELIER_SERVICE`, `ATELIER_SNAPSHOT`.
// "SQLite" and "PostgreSQL" are names, not code.
#![allow(clippy::doc_markdown)]

use std::path::PathBuf;
use std::time::Instant;

use super::Context;
use crate::runtime::drill_record::DrillRecord;
use crate::runtime::metrics;
use crate::runtime::ping::Pinger;
use crate::runtime::restore::{self as engine, Env, Mode, Request};

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Service to drill (or --all).
    #[arg(required_unless_present = "all", conflicts_with = "all")]
    pub service: Option<String>,
    /// Drill every service.
    #[arg(long)]
    pub all: bool,
    /// Scratch directory (default: a new temporary directory); must not overlap live data.
    #[arg(long, value_name = "DIR")]
    pub scratch: Option<PathBuf>,
    /// Keep the scratch copy (files only) for inspection.
    #[arg(long)]
    pub keep: bool,
}

pub fn run(ctx: &Context, args: &Args) -> anyhow::Result<u8> {
    let mut manifest = ctx.manifest()?;
    let services: Vec<String> = if args.all {
        manifest.services.keys().cloned().collect()
    } else {
        let s = args.service.clone().expect("clap requires it");
        if !manifest.services.contains_key(&s) {
            // A service removed from the manifest: its latest snapshot (over
            // the manifest's repositories) describes what to restore and
            // verify, as `restore OLD --inspect` does; it has no `check`.
            let (service, _) = super::restore::removed_service(
                ctx,
                &manifest,
                &super::restore::Args {
                    service: s.clone(),
                    snapshot: None,
                    inspect: None,
                    in_place: false,
                    from: None,
                    dry_run: false,
                    repository: None,
                },
            )?;
            manifest.services.insert(s.clone(), service);
        }
        vec![s]
    };
    if let Some(dir) = &args.scratch {
        engine::refuse_live_target(&manifest, dir)
            .map_err(|e| super::ConfigError(format!("{e:#}")))?;
    }
    let pinger = Pinger::from_file(manifest.monitoring.drill.ping_url_file.as_deref(), "drill");
    pinger.start();
    let mut records = Vec::new();
    for name in &services {
        let rec = drill_one(ctx, &manifest, name, args.scratch.as_deref(), args.keep);
        rec.save(&ctx.state_dir)?;
        write_metrics(ctx, &rec);
        if !ctx.json {
            eprintln!(
                "drill `{name}`: {} (snapshot {}, restore {:.1}s{}){}",
                rec.result,
                rec.snapshot
                    .as_deref()
                    .map_or("-", |s| &s[..s.len().min(8)]),
                rec.restore_seconds,
                rec.check_exit
                    .map_or_else(String::new, |c| format!(", check exit {c}")),
                rec.error.as_ref().map_or_else(String::new, |e| format!(
                    ": {}",
                    crate::runtime::terminal::lines(e)
                ))
            );
        }
        records.push(rec);
    }
    pinger.finish_all(
        &records
            .iter()
            .map(|r| {
                let err = (r.result != "success")
                    .then(|| r.error.clone().unwrap_or_else(|| r.result.clone()));
                (format!("service `{}`", r.service), err)
            })
            .collect::<Vec<_>>(),
    );
    if ctx.json {
        let obj: serde_json::Map<String, serde_json::Value> = records
            .iter()
            .map(|r| (r.service.clone(), serde_json::to_value(r).expect("json")))
            .collect();
        println!("{}", serde_json::to_string_pretty(&obj)?);
    }
    Ok(u8::from(records.iter().any(|r| r.result != "success")))
}

/// `metrics/drill-<service>.prom`: the last drill's result, time and
/// restore duration.
fn write_metrics(ctx: &Context, rec: &DrillRecord) {
    let labels = || vec![("service", rec.service.clone())];
    let samples = [
        metrics::Sample {
            name: "atelier_drill_success",
            help: "1 if the last restore drill of the service succeeded, else 0",
            labels: labels(),
            value: if rec.result == "success" { 1.0 } else { 0.0 },
        },
        metrics::Sample {
            name: "atelier_drill_last_run_timestamp_seconds",
            help: "When the last restore drill of the service ran",
            labels: labels(),
            value: metrics::seconds(&rec.time),
        },
        metrics::Sample {
            name: "atelier_drill_restore_seconds",
            help: "Duration of the last drill's restore",
            labels: labels(),
            value: rec.restore_seconds,
        },
    ];
    if let Err(e) = metrics::write(&ctx.state_dir, &format!("drill-{}", rec.service), &samples) {
        eprintln!("atelier-backup: cannot write metrics: {e:#}");
    }
}

fn drill_one(
    ctx: &Context,
    manifest: &crate::plan::Manifest,
    name: &str,
    scratch: Option<&std::path::Path>,
    keep: bool,
) -> DrillRecord {
    let time = crate::runtime::state::now_rfc3339();
    let mut rec = DrillRecord {
        service: name.to_owned(),
        time,
        result: "failed".into(),
        snapshot: None,
        snapshot_time: None,
        restore_seconds: 0.0,
        verified: false,
        check_exit: None,
        error: None,
    };
    let tmp;
    let dir = match scratch {
        Some(d) => d.join(format!("{name}-{}", std::process::id())),
        None => match tempfile::Builder::new()
            .prefix(&format!("atelier-drill-{name}-"))
            .tempdir()
        {
            Ok(t) => {
                tmp = t;
                tmp.path().to_path_buf()
            }
            Err(e) => {
                rec.error = Some(format!("cannot create a scratch directory: {e}"));
                return rec;
            }
        },
    };
    let suffix = format!("_atelier_drill_{}", std::process::id());
    let progress = |m: &str| {
        if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
            eprintln!("  {}", crate::runtime::terminal::line(m));
        }
    };
    let confirm = |_: &[String]| Ok(true);
    let env = Env {
        manifest,
        state_dir: &ctx.state_dir,
        restic: &ctx.restic,
        systemctl: &ctx.systemctl,
        progress: &progress,
        confirm: &confirm,
        go_live: &|_| {},
    };
    let req = Request {
        service: name.to_owned(),
        snapshot: None,
        from: None,
        mode: Mode::Scratch {
            dir: dir.clone(),
            db_suffix: suffix.clone(),
        },
        dry_run: false,
        safety_snapshot: false,
        start_all_units: false,
        repository: None,
        whole_snapshot_first: false,
    };
    let t0 = Instant::now();
    let result = engine::restore(&env, &req);
    rec.restore_seconds = t0.elapsed().as_secs_f64();
    let pg = engine::pg_of(manifest);
    match result {
        Err(e) => {
            rec.error = Some(format!("{e:#}"));
            // A failure part-way may have created scratch databases already.
            for db in &manifest.services[name].postgres {
                let _ = pg.drop_if_exists(&engine::scratch_db_name(&db.name, &suffix));
            }
        }
        Ok(o) => {
            rec.snapshot = Some(o.snapshot.clone());
            rec.snapshot_time = Some(o.snapshot_time.clone());
            rec.verified = o.verified;
            if o.verified {
                rec.result = "success".into();
            } else {
                rec.error = Some(
                    o.items
                        .iter()
                        .filter(|i| i.verified == Some(false))
                        .map(|i| format!("{}: {}", i.target, i.detail))
                        .collect::<Vec<_>>()
                        .join("; "),
                );
            }
            let service = &manifest.services[name];
            if let (Some(check), true) = (&service.check, o.verified) {
                let mut vars = vec![
                    ("ATELIER_DRILL_DIR".to_owned(), dir.display().to_string()),
                    (
                        "ATELIER_DRILL_DUMPS_DIR".to_owned(),
                        dir.join("dumps").display().to_string(),
                    ),
                    ("ATELIER_SERVICE".to_owned(), name.to_owned()),
                    ("ATELIER_SNAPSHOT".to_owned(), o.snapshot.clone()),
                ];
                let mut sq = 0;
                let mut fi = 0;
                let mut pi = 0;
                for item in &o.items {
                    match item.kind {
                        "sqlite" => {
                            if sq == 0 {
                                vars.push(("ATELIER_DRILL_SQLITE".into(), item.target.clone()));
                            }
                            vars.push((format!("ATELIER_DRILL_SQLITE_{sq}"), item.target.clone()));
                            sq += 1;
                        }
                        "files" => {
                            vars.push((format!("ATELIER_DRILL_FILES_{fi}"), item.target.clone()));
                            fi += 1;
                        }
                        "postgres" => {
                            if pi == 0 {
                                vars.push(("ATELIER_DRILL_PGDATABASE".into(), item.target.clone()));
                                vars.push(("PGDATABASE".into(), item.target.clone()));
                            }
                            vars.push((
                                format!("ATELIER_DRILL_PGDATABASE_{pi}"),
                                item.target.clone(),
                            ));
                            pi += 1;
                        }
                        _ => {}
                    }
                }
                if let Some(h) = &pg.host {
                    vars.push(("PGHOST".into(), h.clone()));
                }
                if let Some(p) = pg.port {
                    vars.push(("PGPORT".into(), p.to_string()));
                }
                if pi > 0 && std::env::var_os("PGUSER").is_none() {
                    vars.push(("PGUSER".into(), pg.run_as.clone()));
                }
                let status = std::process::Command::new("sh")
                    .args(["-c", check])
                    .envs(vars)
                    .stdin(std::process::Stdio::null())
                    .status();
                match status {
                    Ok(s) => {
                        rec.check_exit = s.code();
                        if !s.success() {
                            rec.result = "failed".into();
                            rec.error = Some(format!("the check command failed ({s})"));
                        }
                    }
                    Err(e) => {
                        rec.result = "failed".into();
                        rec.error = Some(format!("cannot run the check command: {e}"));
                    }
                }
            }
            for db in &o.scratch_databases {
                if let Err(e) = pg.drop_if_exists(db) {
                    eprintln!("warning: cannot drop scratch database {db}: {e:#}");
                }
            }
        }
    }
    if !keep || scratch.is_none() {
        crate::runtime::swap::remove_any(&dir);
    }
    rec
}
