//! `atelier-backup restic [--repository R] -- ARGS…`: restic with the
//! repository's credentials in its environment (never on its command line).

use std::process::Stdio;

use super::Context;
use crate::plan::Manifest;

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Repository of the manifest (default: the only one, or `default`).
    #[arg(long, short = 'r')]
    pub repository: Option<String>,
    /// Arguments passed to restic.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, required = true)]
    pub args: Vec<String>,
}

/// The repository a command means when none is named.
pub fn default_repository(manifest: &Manifest, given: Option<&String>) -> anyhow::Result<String> {
    if let Some(r) = given {
        if manifest.repositories.contains_key(r) {
            return Ok(r.clone());
        }
        return Err(super::ConfigError(format!(
            "repository `{r}` is not in the manifest (known: {})",
            super::known(manifest.repositories.keys())
        ))
        .into());
    }
    if manifest.repositories.len() == 1 {
        return Ok(manifest
            .repositories
            .keys()
            .next()
            .cloned()
            .unwrap_or_default());
    }
    if manifest.repositories.contains_key("default") {
        return Ok("default".into());
    }
    Err(super::ConfigError(format!(
        "several repositories are defined ({}); choose one with --repository",
        manifest
            .repositories
            .keys()
            .cloned()
            .collect::<Vec<_>>()
            .join(", ")
    ))
    .into())
}

pub fn run(ctx: &Context, args: &Args) -> anyhow::Result<u8> {
    let manifest = ctx.manifest()?;
    let repo = default_repository(&manifest, args.repository.as_ref())?;
    let restic = ctx.runtime().restic(&manifest, &repo)?;
    let mut child = restic
        .command()
        .args(&args.args)
        .stdin(Stdio::inherit())
        .spawn()
        .map_err(|e| anyhow::anyhow!("cannot run restic ({}): {e}", ctx.restic))?;
    // Bounded like every restic call (the repository's `timeout`).
    let (status, timed_out) = crate::runtime::child::wait(&mut child, restic.timeout())?;
    if timed_out {
        eprintln!(
            "atelier-backup: restic did not finish within {} and was stopped (repository `{repo}`: `timeout`, or ATELIER_RESTIC_TIMEOUT)",
            humantime::format_duration(restic.timeout())
        );
        return Ok(1);
    }
    Ok(status.code().map_or(1, |c| u8::try_from(c).unwrap_or(1)))
}
