//! Running a child process as another OS user (dump commands, `pg_dump`).

use std::os::unix::process::CommandExt;
use std::process::Command;

/// Makes `cmd` run as `user`. As root this switches uid/gid (supplementary
/// groups are dropped) and sets `HOME`/`USER`/`LOGNAME`; as any other user it
/// is allowed only when `user` is the current user.
pub fn run_as(cmd: &mut Command, user: &str) -> anyhow::Result<()> {
    let current = nix::unistd::Uid::current();
    let Some(entry) = nix::unistd::User::from_name(user)
        .map_err(|e| anyhow::anyhow!("cannot look up user `{user}`: {e}"))?
    else {
        anyhow::bail!("user `{user}` does not exist on this host");
    };
    if entry.uid == current {
        return Ok(());
    }
    if !current.is_root() {
        anyhow::bail!(
            "running as uid {current} cannot switch to user `{user}`; run atelier-backup as root"
        );
    }
    cmd.uid(entry.uid.as_raw()).gid(entry.gid.as_raw());
    cmd.env("HOME", &entry.dir)
        .env("USER", user)
        .env("LOGNAME", user);
    // The child starts in our cwd, which the user may not be allowed to enter.
    cmd.current_dir("/");
    Ok(())
}
