//! `atelier-backup run SERVICE`: one backup now, in this process (what the
//! timer's unit executes).

use super::Context;
use crate::runtime::state::{Outcome, RunRecord};
use crate::runtime::terminal::human_bytes;

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The service to back up.
    pub service: String,
}

pub fn run(ctx: &Context, args: &Args) -> anyhow::Result<u8> {
    let manifest = ctx.manifest()?;
    let record = crate::runtime::backup::run_service(&manifest, &args.service, &ctx.runtime())?;
    report(ctx, &record)?;
    Ok(u8::from(record.result != Outcome::Success))
}

/// Prints a run record: JSON on stdout with `--json`, a summary on stderr.
pub fn report(ctx: &Context, record: &RunRecord) -> anyhow::Result<()> {
    if ctx.json {
        println!("{}", serde_json::to_string_pretty(record)?);
    }
    match record.result {
        Outcome::Success => {
            for (repo, r) in &record.repositories {
                eprintln!(
                    "{}: snapshot {} saved to `{repo}` ({} files, {} processed, {} added) in {:.1}s",
                    record.service,
                    r.snapshot_id.as_deref().unwrap_or("?"),
                    r.total_files,
                    human_bytes(r.total_bytes),
                    human_bytes(r.bytes_added),
                    record.duration_seconds
                );
                if !r.forgotten.is_empty() {
                    eprintln!(
                        "{}: retention removed {} old snapshot(s) from `{repo}`",
                        record.service,
                        r.forgotten.len()
                    );
                }
            }
        }
        Outcome::Failed => {
            eprintln!(
                "error: backup of `{}` failed:\n{}",
                record.service,
                crate::runtime::terminal::lines(record.error.as_deref().unwrap_or("unknown error"))
            );
        }
    }
    Ok(())
}
