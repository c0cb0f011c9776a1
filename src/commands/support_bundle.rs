//! `atelier-backup support-bundle --output FILE`: one JSON document with the
//! manifest, versions, unit states (through `ATELIER_SYSTEMCTL`), recent state
//! records and logs — every secret redacted (`runtime::redact`) — written
//! atomically with mode 0600.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::{json, Value};

use super::Context;
use crate::runtime::redact::Secrets;
use crate::runtime::terminal::ShowPath as _;

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Where to write the bundle (JSON).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: PathBuf,
}

fn capture(program: &str, args: &[&str]) -> Value {
    match Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
    {
        Ok(o) => json!({
            "exit": o.status.code(),
            "stdout": String::from_utf8_lossy(&o.stdout),
            "stderr": String::from_utf8_lossy(&o.stderr),
        }),
        Err(e) => json!({ "error": format!("cannot run {program}: {e}") }),
    }
}

fn first_line(v: &Value) -> Value {
    v.get("stdout")
        .and_then(Value::as_str)
        .and_then(|s| s.lines().next())
        .map_or(Value::Null, |l| Value::String(l.to_owned()))
}

/// The newest `limit` JSON records under `dir` (recursively), by modification time.
fn recent_records(dir: &Path, limit: usize) -> Vec<Value> {
    let mut files: Vec<(std::time::SystemTime, PathBuf)> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_type().is_file()
                && e.path()
                    .extension()
                    .is_some_and(|x| x == "json" || x == "prom" || x == "log")
        })
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path().to_path_buf())))
        .collect();
    files.sort();
    files
        .into_iter()
        .rev()
        .take(limit)
        .map(|(_, p)| {
            let text = std::fs::read_to_string(&p).unwrap_or_default();
            let content = serde_json::from_str::<Value>(&text).unwrap_or(Value::String(text));
            json!({ "path": p.display().to_string(), "content": content })
        })
        .collect()
}

pub fn run(ctx: &Context, args: &Args) -> anyhow::Result<u8> {
    // A broken manifest is exactly when a bundle is needed: include the error.
    let manifest = ctx.manifest();
    let secrets = manifest.as_ref().map(Secrets::collect).unwrap_or_default();
    let mut units = serde_json::Map::new();
    let mut logs = serde_json::Map::new();
    if let Ok(m) = &manifest {
        let mut names: Vec<String> = Vec::new();
        for (name, s) in &m.services {
            names.push(format!("restic-backups-{name}.service"));
            names.push(format!("restic-backups-{name}.timer"));
            names.extend(s.units.iter().cloned());
        }
        for r in m.repositories.keys() {
            names.push(format!("atelier-prune-{r}.timer"));
            names.push(format!("atelier-check-{r}.timer"));
        }
        names.push("atelier-drill.timer".into());
        names.sort();
        names.dedup();
        for u in &names {
            let active = capture(&ctx.systemctl, &["is-active", u]);
            let show = capture(
                &ctx.systemctl,
                &[
                    "show",
                    "--no-pager",
                    "-p",
                    "ActiveState,SubState,Result,ExecMainStatus",
                    u,
                ],
            );
            units.insert(
                u.clone(),
                json!({ "isActive": first_line(&active), "show": show }),
            );
        }
        let journalctl_present = Command::new("journalctl")
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok();
        if journalctl_present {
            for name in m.services.keys() {
                let unit = format!("restic-backups-{name}.service");
                logs.insert(
                    unit.clone(),
                    capture(
                        "journalctl",
                        &["-u", &unit, "-n", "200", "--no-pager", "-o", "short-iso"],
                    ),
                );
            }
        }
    }
    let restic_version = capture(&ctx.restic, &["version"]);
    let mut bundle = json!({
        "generated": crate::runtime::state::now_rfc3339(),
        "versions": {
            "atelier": env!("CARGO_PKG_VERSION"),
            "restic": first_line(&restic_version),
            "pg_dump": first_line(&capture("pg_dump", &["--version"])),
            "sqlite": rusqlite::version(),
            "kernel": first_line(&capture("uname", &["-sr"])),
        },
        "manifestPath": ctx.manifest_path.display().to_string(),
        "manifest": match &manifest {
            Ok(m) => serde_json::to_value(m)?,
            Err(e) => json!({ "error": e.to_string() }),
        },
        "stateDir": ctx.state_dir.display().to_string(),
        "units": units,
        "stateRecords": recent_records(&ctx.state_dir.join("runs"), 30)
            .into_iter()
            .chain(recent_records(&ctx.state_dir.join("checks"), 10))
            .chain(recent_records(&ctx.state_dir.join("drills"), 10))
            .chain(recent_records(&ctx.state_dir.join("restore-journal"), 10))
            .collect::<Vec<_>>(),
        "logs": logs,
    });
    secrets.redact_json(&mut bundle);
    let text = serde_json::to_string_pretty(&bundle)? + "\n";
    let dir = match args.output.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    // NamedTempFile is created 0600; rename makes the bundle appear whole or not at all.
    let mut tmp = tempfile::NamedTempFile::new_in(&dir)
        .map_err(|e| anyhow::anyhow!("cannot write the bundle in {}: {e}", dir.shown()))?;
    tmp.write_all(text.as_bytes())?;
    tmp.as_file().sync_all()?;
    {
        use std::os::unix::fs::PermissionsExt as _;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    tmp.persist(&args.output)
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", args.output.shown()))?;
    if ctx.json {
        println!(
            "{}",
            json!({ "output": args.output.display().to_string(), "bytes": text.len() })
        );
    } else {
        eprintln!(
            "wrote {} ({} bytes, mode 0600, secrets redacted)",
            args.output.shown(),
            text.len()
        );
    }
    Ok(0)
}
