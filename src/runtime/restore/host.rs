//! Units, hooks and ownership: `systemctl`, `sh -c` as a user, `chown` of restored copies.

use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{bail, Context as _};

use crate::plan::Service;
use crate::runtime::terminal::ShowPath as _;

/// Runs `systemctl <verb> units…`; errors carry its stderr.
pub fn systemctl(program: &str, verb: &str, units: &[String]) -> anyhow::Result<()> {
    if units.is_empty() {
        return Ok(());
    }
    crate::runtime::units::check_names(units)?;
    let out = Command::new(program)
        .arg(verb)
        .args(units)
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("cannot run `{program}` (set ATELIER_SYSTEMCTL)"))?;
    if !out.status.success() {
        bail!(
            "`{program} {verb} {}` failed: {}",
            units.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

/// `systemctl is-active UNIT` exits 0.
pub fn is_active(program: &str, unit: &str) -> bool {
    if crate::runtime::units::check_names(std::slice::from_ref(&unit.to_owned())).is_err() {
        return false;
    }
    Command::new(program)
        .args(["is-active", unit])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Runs a hook or a dump command with `sh -c`, as `user` when given and we are root.
pub fn shell(
    cmd: &str,
    user: Option<&str>,
    stdin: Option<&Path>,
    env: &[(String, String)],
    what: &str,
) -> anyhow::Result<()> {
    let mut c = match user {
        Some(u) if nix::unistd::geteuid().is_root() && u != "root" => {
            let mut c = Command::new("runuser");
            c.args(["-u", u, "--", "sh", "-c", cmd]);
            c
        }
        _ => {
            let mut c = Command::new("sh");
            c.args(["-c", cmd]);
            c
        }
    };
    for (k, v) in env {
        c.env(k, v);
    }
    c.stdin(match stdin {
        Some(p) => Stdio::from(
            std::fs::File::open(p).with_context(|| format!("{what}: cannot open {}", p.shown()))?,
        ),
        None => Stdio::null(),
    });
    let out = c
        .output()
        .with_context(|| format!("{what}: cannot run sh"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        bail!(
            "{what} failed ({}): {}",
            out.status,
            err.lines().last().unwrap_or("no output on stderr")
        );
    }
    Ok(())
}

pub(super) fn chown_like(
    path: &Path,
    uid: Option<u32>,
    gid: Option<u32>,
    mode: Option<u32>,
) -> anyhow::Result<()> {
    if uid.is_some() || gid.is_some() {
        nix::unistd::chown(
            path,
            uid.map(nix::unistd::Uid::from_raw),
            gid.map(nix::unistd::Gid::from_raw),
        )
        .with_context(|| format!("cannot set the owner of {}", path.shown()))?;
    }
    if let Some(m) = mode {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(m & 0o7777))?;
    }
    Ok(())
}

pub(super) fn chown_tree(root: &Path, uid: Option<u32>, gid: Option<u32>) -> anyhow::Result<()> {
    for e in walkdir::WalkDir::new(root)
        .into_iter()
        .filter_map(Result::ok)
    {
        nix::unistd::fchownat(
            nix::fcntl::AT_FDCWD,
            e.path(),
            uid.map(nix::unistd::Uid::from_raw),
            gid.map(nix::unistd::Gid::from_raw),
            nix::fcntl::AtFlags::AT_SYMLINK_NOFOLLOW,
        )
        .with_context(|| format!("cannot set the owner of {}", e.path().shown()))?;
    }
    Ok(())
}

pub(super) fn user_ids(service: &Service, name: &str) -> (Option<u32>, Option<u32>) {
    let user = service.user.clone().unwrap_or_else(|| name.to_owned());
    let group = service.group.clone().unwrap_or_else(|| user.clone());
    let uid = nix::unistd::User::from_name(&user)
        .ok()
        .flatten()
        .map(|u| u.uid.as_raw());
    let gid = nix::unistd::Group::from_name(&group)
        .ok()
        .flatten()
        .map(|g| g.gid.as_raw());
    (uid, gid)
}
