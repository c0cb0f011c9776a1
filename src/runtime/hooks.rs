//! Shell hooks (`preBackup`, `postBackup`, …) run through `sh -c` with the
//! service and the result in their environment.

use std::process::{Command, Stdio};

/// Runs `script` with `sh -c`; `env` is added to its environment.
/// Its output goes to our stderr (the journal), never to stdout (JSON).
pub fn run(service: &str, hook: &str, script: &str, env: &[(&str, &str)]) -> anyhow::Result<()> {
    let mut cmd = Command::new("sh");
    cmd.arg("-c").arg(script);
    cmd.env("ATELIER_SERVICE", service)
        .env("ATELIER_HOOK", hook);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.stdin(Stdio::null()).stdout(std::io::stderr());
    // Ends with atelier-backup, like restic (see `child`).
    super::child::die_with_parent(&mut cmd);
    let status = cmd
        .status()
        .map_err(|e| anyhow::anyhow!("service `{service}`: cannot run the {hook} hook: {e}"))?;
    if !status.success() {
        anyhow::bail!(
            "service `{service}`: the {hook} hook failed ({status}); fix the hook (its output is above) and run again"
        );
    }
    Ok(())
}
