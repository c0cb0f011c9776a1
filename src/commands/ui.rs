//! What the interactive and human-facing commands share (`restore`, `dr`,
//! `menu`): the prompt theme, confirmation before replacing live data, the
//! restore report, and number formatting.

use std::io::IsTerminal as _;

use super::{ConfigError, Context};
use crate::runtime::restore::Outcome;
use crate::runtime::terminal;

/// Plain theme without colour when `NO_COLOR` is set or colours are off;
/// every prompt stays readable as text (a `>` marks the selection).
pub fn theme() -> Box<dyn dialoguer::theme::Theme> {
    if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
        || !console::colors_enabled_stderr()
    {
        Box::new(dialoguer::theme::SimpleTheme)
    } else {
        Box::new(dialoguer::theme::ColorfulTheme::default())
    }
}

/// `--yes`, or an interactive confirmation that names what will be replaced.
pub fn confirm_replace(yes: bool, service: &str, what: &[String]) -> anyhow::Result<bool> {
    if yes {
        return Ok(true);
    }
    if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
        return Err(ConfigError(format!(
            "restoring `{service}` in place would:\n{}\nrefusing without confirmation: pass --yes (or run on a terminal to confirm)",
            what.iter().map(|w| format!("  - {}", terminal::line(w))).collect::<Vec<_>>().join("\n")
        ))
        .into());
    }
    eprintln!("Restoring `{service}` in place will:");
    for w in what {
        eprintln!("  - {}", terminal::line(w));
    }
    // y/n alone does not answer: a habitual Enter must not reach the next prompt.
    Ok(dialoguer::Confirm::with_theme(theme().as_ref())
        .with_prompt(format!("Replace the live data of `{service}`?"))
        .default(false)
        .wait_for_newline(true)
        .interact()?)
}

/// A restore's outcome: a human report on stderr, or JSON on stdout.
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
        if o.recovery_pending {
            eprintln!(
                "  - first finish or roll back the interrupted restore of `{}` that is pending (see `atelier-backup status {}`)",
                o.service, o.service
            );
        }
        if o.mode == "in-place" {
            eprintln!("  - take a pre-restore safety snapshot of the current data");
        }
        for i in &o.items {
            eprintln!("  - {}", terminal::line(&i.action));
        }
        if !o.missing_roles.is_empty() {
            eprintln!("but first: {}", terminal::line(&o.missing_roles_text()));
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
            .map_or_else(String::new, |d| format!(" into {}", terminal::path(d)))
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
        eprintln!(
            "  [{v}] {} {}: {}",
            i.kind,
            terminal::path(&i.target),
            terminal::line(&i.detail)
        );
    }
    eprintln!("  took {:.1}s", secs(o.duration_ms));
}

pub(crate) fn human_size(bytes: u64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"];
    #[allow(clippy::cast_precision_loss)]
    let mut v = bytes as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < units.len() {
        v /= 1024.0;
        u += 1;
    }
    format!("{v:.1} {}", units[u])
}

/// Milliseconds as seconds for display (durations are far below f64's precision limit).
#[allow(clippy::cast_precision_loss)]
pub(crate) fn secs(ms: u128) -> f64 {
    ms as f64 / 1000.0
}
