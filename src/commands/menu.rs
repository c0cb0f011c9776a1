//! `atelier-backup` without a command on a terminal: the interactive menu.
//!
//! Keyboard-driven (arrows/j/k, Enter, Esc/q to go back), plain text that
//! reads without colour; `NO_COLOR` switches to a theme without any colour.
//! Status, list, backup, dr and drill run this same binary as a child on the
//! terminal, so they behave exactly like the commands; the restore wizard
//! (service → snapshot with age, size and tags → inspect or in place →
//! confirmation naming what is replaced → progress → verification result)
//! runs the restore engine in this process.

use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::process::Command;

use dialoguer::{Confirm, Input, Select};

use super::ui::{human_size, theme};
use super::Context;
use crate::runtime::restore::{self as engine, Env, Mode, Request};
use crate::runtime::restore_restic::Restic;
use crate::runtime::terminal::ShowPath as _;

#[derive(Debug, Clone, clap::Args)]
pub struct Args {}

const ITEMS: &[&str] = &[
    "Status             last snapshot, age and result per service",
    "List snapshots",
    "Back up a service now",
    "Restore a service  (wizard)",
    "Disaster recovery  (restore every service)",
    "Restore drill      (restore into scratch and check)",
    "Evidence",
    "Quit",
];

pub fn run(ctx: &Context, _args: &Args) -> anyhow::Result<u8> {
    if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
        console::set_colors_enabled(false);
        console::set_colors_enabled_stderr(false);
    }
    let manifest = ctx.manifest()?;
    let theme = theme();
    eprintln!(
        "atelier-backup {} — host {}, {} services (manifest {})",
        env!("CARGO_PKG_VERSION"),
        manifest.host,
        manifest.services.len(),
        ctx.manifest_path.shown()
    );
    loop {
        let choice = Select::with_theme(theme.as_ref())
            .with_prompt("What do you want to do? (arrows + Enter, Esc = quit)")
            .items(ITEMS)
            .default(0)
            .interact_opt()?;
        let result = match choice {
            None | Some(7) => return Ok(0),
            Some(0) => child(ctx, &["status"]),
            Some(1) => child(ctx, &["list"]),
            Some(2) => pick_service(ctx, theme.as_ref(), "Back up which service?")
                .and_then(|s| s.map_or(Ok(()), |s| child(ctx, &["backup", &s]))),
            Some(3) => wizard(ctx, theme.as_ref()),
            Some(4) => dr(ctx, theme.as_ref()),
            Some(5) => pick_service(ctx, theme.as_ref(), "Drill which service?")
                .and_then(|s| s.map_or(Ok(()), |s| child(ctx, &["drill", &s]))),
            Some(_) => child(ctx, &["evidence"]),
        };
        if let Err(e) = result {
            eprintln!("error: {e:#}");
        }
        eprintln!();
    }
}

/// Runs `atelier-backup ARGS` on this terminal with the same global settings.
fn child(ctx: &Context, args: &[&str]) -> anyhow::Result<()> {
    let exe = std::env::current_exe()?;
    let status = Command::new(exe)
        .arg("--manifest")
        .arg(&ctx.manifest_path)
        .args(args)
        .env("ATELIER_STATE_DIR", &ctx.state_dir)
        .env("ATELIER_SYSTEMCTL", &ctx.systemctl)
        .env("ATELIER_RESTIC", &ctx.restic)
        .status()?;
    if !status.success() {
        eprintln!("(`atelier-backup {}` exited with {status})", args.join(" "));
    }
    Ok(())
}

fn pick_service(
    ctx: &Context,
    theme: &dyn dialoguer::theme::Theme,
    prompt: &str,
) -> anyhow::Result<Option<String>> {
    let manifest = ctx.manifest()?;
    let names: Vec<String> = manifest.services.keys().cloned().collect();
    if names.is_empty() {
        anyhow::bail!("the manifest declares no services");
    }
    let labels: Vec<String> = manifest
        .services
        .iter()
        .map(|(n, s)| format!("{n:<20} {}", s.kinds().join(", ")))
        .collect();
    let i = Select::with_theme(theme)
        .with_prompt(prompt)
        .items(&labels)
        .default(0)
        .interact_opt()?;
    Ok(i.map(|i| names[i].clone()))
}

fn age(t: Option<chrono::DateTime<chrono::Utc>>) -> String {
    t.map_or_else(
        || "?".into(),
        |t| {
            let secs = u64::try_from((chrono::Utc::now() - t).num_seconds().max(0)).unwrap_or(0);
            let rounded = if secs < 3600 { secs } else { secs - secs % 60 };
            format!(
                "{} ago",
                humantime::format_duration(std::time::Duration::from_secs(rounded))
            )
        },
    )
}

/// service → snapshot → inspect / in place → confirmation → progress → result.
fn wizard(ctx: &Context, theme: &dyn dialoguer::theme::Theme) -> anyhow::Result<()> {
    let manifest = ctx.manifest()?;
    let Some(service) = pick_service(ctx, theme, "Which service do you want to restore?")? else {
        return Ok(());
    };
    let restic = Restic::for_service(&ctx.restic, &manifest, &service, &ctx.state_dir)?;
    eprintln!("reading the snapshots of `{service}` …");
    let mut snaps = restic.snapshots(&[&format!("service:{service}")])?;
    snaps.reverse();
    snaps.truncate(20);
    if snaps.is_empty() {
        anyhow::bail!("no snapshot of `{service}` yet; back it up first");
    }
    // `restic stats` per snapshot, a few at a time (each is a separate restic run).
    let sizes: Vec<Option<u64>> = std::thread::scope(|scope| {
        let restic = &restic;
        snaps
            .chunks(4)
            .flat_map(|chunk| {
                let handles: Vec<_> = chunk
                    .iter()
                    .map(|s| scope.spawn(move || restic.size(&s.id)))
                    .collect();
                handles
                    .into_iter()
                    .map(|h| h.join().ok().flatten())
                    .collect::<Vec<_>>()
            })
            .collect()
    });
    let labels: Vec<String> = snaps
        .iter()
        .zip(&sizes)
        .map(|(s, size)| {
            let size = size.map_or_else(|| "?".into(), human_size);
            let when = s.time().map_or_else(
                || s.time.clone(),
                // Seconds: two snapshots taken within a minute stay distinguishable.
                |t| t.format("%Y-%m-%d %H:%M:%S").to_string(),
            );
            let tags: Vec<&str> = s
                .tags
                .iter()
                .map(String::as_str)
                .filter(|t| *t != "atelier" && !t.starts_with("service:"))
                .collect();
            format!(
                "{}  {when} UTC  {:>14}  {:>10}  {}",
                s.short_id,
                age(s.time()),
                size,
                crate::runtime::terminal::line(&tags.join(" "))
            )
        })
        .collect();
    // Preselect what `latest` means: the newest snapshot that is not a safety snapshot.
    let latest = snaps
        .iter()
        .position(|s| !s.has_tag("pre-restore"))
        .unwrap_or(0);
    let Some(si) = Select::with_theme(theme)
        .with_prompt("Which snapshot? (newest first: id, time, age, size, tags)")
        .items(&labels)
        .default(latest)
        .interact_opt()?
    else {
        return Ok(());
    };
    let snap = &snaps[si];
    let Some(how) = Select::with_theme(theme)
        .with_prompt("How do you want to restore it?")
        .items([
            "Inspect: restore into a directory (live data untouched)",
            "In place: replace the live data (safety snapshot first)",
        ])
        .default(0)
        .interact_opt()?
    else {
        return Ok(());
    };
    let mode = if how == 0 {
        let dir: String = Input::with_theme(theme)
            .with_prompt("Restore into directory")
            .default(format!("./atelier-restore-{service}-{}", snap.short_id))
            .interact_text()?;
        Mode::Inspect(PathBuf::from(dir))
    } else {
        Mode::InPlace
    };
    let progress = |m: &str| eprintln!("  … {}", crate::runtime::terminal::line(m));
    let in_place = matches!(mode, Mode::InPlace);
    let svc_name = service.clone();
    let confirm = move |what: &[String]| -> anyhow::Result<bool> {
        eprintln!("Restoring `{svc_name}` in place will:");
        for w in what {
            eprintln!("  - {}", crate::runtime::terminal::line(w));
        }
        // y/n needs Enter: a habitual Enter after `y` must not start the next menu item.
        Ok(Confirm::with_theme(super::ui::theme().as_ref())
            .with_prompt(format!("Replace the live data of `{svc_name}`?"))
            .default(false)
            .wait_for_newline(true)
            .interact()?)
    };
    let env = Env {
        manifest: &manifest,
        state_dir: &ctx.state_dir,
        restic: &ctx.restic,
        systemctl: &ctx.systemctl,
        progress: &progress,
        confirm: &confirm,
        go_live: &|_| {},
    };
    let req = Request {
        service: service.clone(),
        snapshot: Some(snap.id.clone()),
        from: None,
        mode,
        dry_run: false,
        safety_snapshot: in_place,
        start_all_units: false,
        repository: None,
        whole_snapshot_first: false,
    };
    let outcome = engine::restore(&env, &req)?;
    let report_ctx = Context {
        json: false,
        ..ctx.clone()
    };
    super::ui::report(&report_ctx, &outcome);
    eprintln!(
        "{}",
        if outcome.verified {
            "RESULT: restore verified"
        } else {
            "RESULT: verification FAILED (see above)"
        }
    );
    Ok(())
}

fn dr(ctx: &Context, theme: &dyn dialoguer::theme::Theme) -> anyhow::Result<()> {
    child(ctx, &["dr", "--plan"])?;
    if !std::io::stdin().is_terminal() {
        return Ok(());
    }
    if Confirm::with_theme(theme)
        .with_prompt("Restore EVERY service above in place now?")
        .default(false)
        .wait_for_newline(true)
        .interact()?
    {
        child(ctx, &["--yes", "dr"])?;
    }
    Ok(())
}
