//! `atelier-backup backup [SERVICE|--all] [--direct]`: starts the service's
//! `restic-backups-<name>.service` through `ATELIER_SYSTEMCTL` and follows it
//! to its end (a oneshot's `start` returns when it has finished), streaming
//! the unit's journal to stderr meanwhile (`journalctl --follow --unit`,
//! program `ATELIER_JOURNALCTL`, empty to turn it off), then reports the run
//! record it wrote. `--direct` runs in this process.

use std::io::BufRead as _;
use std::os::unix::process::CommandExt as _;
use std::process::{Child, Command, Stdio};

use super::Context;
use crate::runtime::state::{Outcome, RunRecord};
use crate::runtime::terminal::ShowPath as _;
use crate::runtime::units::Systemctl;

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The service to back up.
    #[arg(required_unless_present = "all", conflicts_with = "all")]
    pub service: Option<String>,
    /// Every service of the manifest.
    #[arg(long)]
    pub all: bool,
    /// Run in this process instead of through the systemd unit (same as `run`).
    #[arg(long)]
    pub direct: bool,
}

/// The unit that runs `atelier-backup run <name>` (DESIGN.md §4.1).
pub fn unit_name(service: &str) -> String {
    format!("restic-backups-{service}.service")
}

pub fn run(ctx: &Context, args: &Args) -> anyhow::Result<u8> {
    let manifest = ctx.manifest()?;
    let names: Vec<String> = if args.all {
        manifest.services.keys().cloned().collect()
    } else {
        let n = args.service.clone().unwrap_or_default();
        if !manifest.services.contains_key(&n) {
            return Err(super::service_not_in_manifest(&manifest, &n).into());
        }
        vec![n]
    };
    let env = ctx.runtime();
    let systemctl = Systemctl::new(&ctx.systemctl);
    let mut records = Vec::new();
    let mut failed = false;
    for name in &names {
        if args.direct {
            let record = crate::runtime::backup::run_service(&manifest, name, &env)?;
            if !ctx.json {
                super::run::report(ctx, &record)?;
            }
            failed |= record.result != Outcome::Success;
            records.push(record);
            continue;
        }
        let unit = unit_name(name);
        if !crate::plan::validate::is_valid_unit_name(&unit) {
            return Err(super::ConfigError(format!(
                "service `{name}`: its name cannot form the unit name {unit:?}, so no timer unit runs it; back it up with `atelier-backup run {name}` (or `backup --direct`), or rename the service"
            ))
            .into());
        }
        let before = chrono::Utc::now() - chrono::Duration::seconds(1);
        if !ctx.json {
            eprintln!("{name}: starting {unit} and waiting for it to finish");
        }
        let journal = Journal::follow(&unit, before);
        let started = systemctl.start(std::slice::from_ref(&unit));
        if let Some(j) = journal {
            j.stop();
        }
        let record = RunRecord::last(&ctx.state_dir, name).filter(|r| {
            chrono::DateTime::parse_from_rfc3339(&r.started).is_ok_and(|t| t >= before)
        });
        match (&started, record) {
            (_, Some(r)) => {
                if !ctx.json {
                    super::run::report(ctx, &r)?;
                }
                failed |= r.result != Outcome::Success;
                records.push(r);
            }
            (Ok(()), None) => {
                eprintln!("{name}: {unit} finished (no run record found in {}; is ATELIER_STATE_DIR the unit's?)", ctx.state_dir.shown());
            }
            (Err(e), None) => {
                failed = true;
                eprintln!("error: {name}: {e:#}\n  hint: see `journalctl -u {unit}`");
            }
        }
        if started.is_err() {
            failed = true;
        }
    }
    if ctx.json {
        println!("{}", serde_json::to_string_pretty(&records)?);
    }
    Ok(u8::from(failed))
}

/// The unit's journal, followed while it runs; its lines go to stderr.
struct Journal {
    child: Child,
    reader: std::thread::JoinHandle<()>,
}

impl Journal {
    /// `journalctl --follow --unit UNIT --since @T --output cat` with T just
    /// before the start (so no line of this run is missed), or `None` when
    /// following is off or the program cannot be started.
    fn follow(unit: &str, since: chrono::DateTime<chrono::Utc>) -> Option<Self> {
        let program = std::env::var("ATELIER_JOURNALCTL").unwrap_or_else(|_| "journalctl".into());
        if program.is_empty() {
            return None;
        }
        let mut child = Command::new(&program)
            .arg("--follow")
            .arg(format!("--unit={unit}"))
            .arg(format!("--since=@{}", since.timestamp()))
            .arg("--output=cat")
            .arg("--quiet")
            .arg("--no-pager")
            // Its own process group, so that stopping it stops whatever it
            // started and the pipe closes.
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        let stdout = child.stdout.take()?;
        let prefix = unit.trim_end_matches(".service").to_owned();
        let reader = std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                eprintln!("{prefix} | {line}");
            }
        });
        Some(Self { child, reader })
    }

    /// Stops following once the unit has finished: a moment for the
    /// journal's last lines, then the follower is terminated.
    fn stop(mut self) {
        std::thread::sleep(std::time::Duration::from_millis(300));
        #[allow(clippy::cast_possible_wrap)]
        let pid = nix::unistd::Pid::from_raw(self.child.id() as i32);
        let _ = nix::sys::signal::killpg(pid, nix::sys::signal::Signal::SIGTERM);
        let _ = self.child.wait();
        let _ = self.reader.join();
    }
}
