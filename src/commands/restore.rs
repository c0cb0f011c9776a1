//! `atelier-backup restore SERVICE [SNAPSHOT] (--inspect [DIR] | --in-place) [--from OTHER] [--dry-run]`
//! (DESIGN.md §5.1). The engine is `runtime::restore`.

use std::io::IsTerminal as _;
use std::path::PathBuf;

use super::{ConfigError, Context};
use crate::runtime::restore::{self as engine, Env, Mode, Outcome, Request};

#[derive(Debug, Clone, clap::Args)]
#[command(group(clap::ArgGroup::new("mode").required(true).args(["inspect", "in_place"])))]
pub struct Args {
    /// Service whose data is restored.
    pub service: String,
    /// Snapshot: full or short id, or `latest` (never a `pre-restore` snapshot).
    pub snapshot: Option<String>,
    /// Only restore into DIR (default ./atelier-restore-<service>-<snapshot>); live data is not touched.
    #[arg(long, value_name = "DIR", num_args = 0..=1, default_missing_value = "")]
    pub inspect: Option<PathBuf>,
    /// Replace the service's live data (safety snapshot, verify, atomic swap, rollback on failure).
    #[arg(long)]
    pub in_place: bool,
    /// Restore a snapshot of service OTHER into this service's locations (cloning).
    #[arg(long, value_name = "OTHER")]
    pub from: Option<String>,
    /// Say exactly what would be restored and replaced, change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Repository to restore from when the service goes to several (default: its first).
    #[arg(long, value_name = "NAME")]
    pub repository: Option<String>,
}

pub fn run(ctx: &Context, args: &Args) -> anyhow::Result<u8> {
    let manifest = ctx.manifest()?;
    if !manifest.services.contains_key(&args.service) {
        return Err(unknown_service(ctx, &manifest, &args.service));
    }
    let mode = match &args.inspect {
        Some(dir) if !args.in_place => {
            let dir = if dir.as_os_str().is_empty() {
                PathBuf::from(format!(
                    "atelier-restore-{}-{}",
                    args.service,
                    args.snapshot.as_deref().unwrap_or("latest")
                ))
            } else {
                dir.clone()
            };
            Mode::Inspect(dir)
        }
        _ => Mode::InPlace,
    };
    let req = Request {
        service: args.service.clone(),
        snapshot: args.snapshot.clone(),
        from: args.from.clone(),
        mode,
        dry_run: args.dry_run,
        safety_snapshot: true,
        start_all_units: false,
        repository: args.repository.clone(),
    };
    let quiet = ctx.json;
    // On a terminal a spinner shows the current step; finished steps stay as lines.
    let bar = ctx.progress.then(|| {
        let pb = indicatif::ProgressBar::new_spinner();
        pb.enable_steady_tick(std::time::Duration::from_millis(120));
        pb
    });
    let progress = |msg: &str| match &bar {
        Some(pb) => {
            pb.println(format!("  {msg}"));
            pb.set_message(msg.to_owned());
        }
        None if !quiet || std::io::stderr().is_terminal() => eprintln!("  {msg}"),
        None => {}
    };
    let yes = ctx.yes;
    let service = args.service.clone();
    let confirm = |what: &[String]| match &bar {
        Some(pb) => pb.suspend(|| confirm_replace(yes, &service, what)),
        None => confirm_replace(yes, &service, what),
    };
    let env = Env {
        manifest: &manifest,
        state_dir: &ctx.state_dir,
        restic: &ctx.restic,
        systemctl: &ctx.systemctl,
        progress: &progress,
        confirm: &confirm,
    };
    let outcome = engine::restore(&env, &req);
    if let Some(pb) = &bar {
        pb.finish_and_clear();
    }
    let outcome = outcome?;
    report(ctx, &outcome);
    Ok(u8::from(!outcome.verified && !outcome.dry_run))
}

pub fn unknown_service(
    ctx: &Context,
    manifest: &crate::plan::Manifest,
    name: &str,
) -> anyhow::Error {
    ConfigError(format!(
        "service `{name}` is not in the manifest {} (known: {})",
        ctx.manifest_path.display(),
        super::known(manifest.services.keys())
    ))
    .into()
}

/// `--yes`, or an interactive confirmation that names what will be replaced.
pub fn confirm_replace(yes: bool, service: &str, what: &[String]) -> anyhow::Result<bool> {
    if yes {
        return Ok(true);
    }
    if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
        return Err(ConfigError(format!(
            "restoring `{service}` in place would:\n{}\nrefusing without confirmation: pass --yes (or run on a terminal to confirm)",
            what.iter().map(|w| format!("  - {w}")).collect::<Vec<_>>().join("\n")
        ))
        .into());
    }
    eprintln!("Restoring `{service}` in place will:");
    for w in what {
        eprintln!("  - {w}");
    }
    Ok(
        dialoguer::Confirm::with_theme(super::menu::theme().as_ref())
            .with_prompt(format!("Replace the live data of `{service}`?"))
            .default(false)
            .interact()?,
    )
}

/// Human report on stderr, or the outcome as JSON on stdout.
pub fn report(ctx: &Context, o: &Outcome) {
    if ctx.json {
        println!("{}", serde_json::to_string_pretty(o).expect("serializes"));
        return;
    }
    let short: String = o.snapshot.chars().take(8).collect();
    if o.dry_run {
        eprintln!(
            "dry run: restoring `{}` {} from snapshot {short} ({}{}) would:",
            o.service,
            o.mode,
            o.snapshot_time,
            if o.from == o.service {
                String::new()
            } else {
                format!(", of service `{}`", o.from)
            }
        );
        if o.mode == "in-place" {
            eprintln!("  - take a pre-restore safety snapshot of the current data");
        }
        for i in &o.items {
            eprintln!("  - {}", i.action);
        }
        if !o.missing_roles.is_empty() {
            eprintln!("but first: {}", o.missing_roles_text());
        }
        eprintln!("nothing was changed");
        return;
    }
    eprintln!(
        "restored `{}` from snapshot {short} ({}){}{}",
        o.service,
        o.snapshot_time,
        if o.from == o.service {
            String::new()
        } else {
            format!(" of service `{}`", o.from)
        },
        o.target_dir
            .as_ref()
            .map_or_else(String::new, |d| format!(" into {d}"))
    );
    if let Some(s) = &o.safety_snapshot {
        eprintln!("  safety snapshot (pre-restore): {s} — undo with `atelier-backup restore {} {s} --in-place`", o.service);
    }
    for i in &o.items {
        let v = match i.verified {
            Some(true) => "verified",
            Some(false) => "FAILED",
            None => "-",
        };
        eprintln!("  [{v}] {} {}: {}", i.kind, i.target, i.detail);
    }
    eprintln!("  took {:.1}s", super::dr::secs(o.duration_ms));
}
