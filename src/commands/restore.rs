//! `atelier-backup restore SERVICE [SNAPSHOT] (--inspect [DIR] | --in-place) [--from OTHER] [--dry-run]`
//! (DESIGN.md §5.1). The engine is `runtime::restore`.

use std::io::IsTerminal as _;
use std::path::PathBuf;

use super::ui::{confirm_replace, report};
use super::{ConfigError, Context};
use crate::runtime::restore::{self as engine, Env, Mode, Request};
use crate::runtime::terminal;
use crate::runtime::terminal::ShowPath as _;

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
    let mut manifest = ctx.manifest()?;
    let mut repository = args.repository.clone();
    if !manifest.services.contains_key(&args.service) {
        if args.in_place {
            return Err(ConfigError(format!(
                "{}; its live locations are unknown, so it cannot be restored in place. Restore its snapshot into a directory with `atelier-backup restore {} SNAPSHOT --inspect DIR`, or into a declared service's locations with `atelier-backup restore SERVICE SNAPSHOT --in-place --from {}`",
                unknown_service(ctx, &manifest, &args.service),
                args.service,
                args.service
            ))
            .into());
        }
        // A service removed from the manifest: its snapshots describe themselves.
        let (service, repo) = removed_service(ctx, &manifest, args)?;
        manifest.services.insert(args.service.clone(), service);
        repository = Some(repo);
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
        repository,
        whole_snapshot_first: false,
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
            let msg = terminal::line(msg);
            pb.println(format!("  {msg}"));
            pb.set_message(msg.into_owned());
        }
        None if !quiet || std::io::stderr().is_terminal() => eprintln!("  {}", terminal::line(msg)),
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
        go_live: &|_| {},
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
        ctx.manifest_path.shown(),
        super::known(manifest.services.keys())
    ))
    .into()
}

/// A service no longer in the manifest, as its snapshot describes it (what
/// `--inspect` needs: its locations, databases and dumps), and the
/// repository holding the snapshot: `--repository`, else the first of the
/// manifest's repositories that has it (`latest`: the newest over all).
pub(super) fn removed_service(
    ctx: &Context,
    manifest: &crate::plan::Manifest,
    args: &Args,
) -> anyhow::Result<(crate::plan::Service, String)> {
    use crate::runtime::restore_restic::Restic;
    let name = &args.service;
    let repos: Vec<String> = match &args.repository {
        Some(r) if !manifest.repositories.contains_key(r) => {
            return Err(ConfigError(format!(
                "repository `{r}` is not in the manifest {} (known: {})",
                ctx.manifest_path.shown(),
                super::known(manifest.repositories.keys())
            ))
            .into())
        }
        Some(r) => vec![r.clone()],
        None => manifest.repositories.keys().cloned().collect(),
    };
    let wanted = args.snapshot.as_deref().filter(|s| *s != "latest");
    let mut found: Option<(Restic, crate::runtime::restore_restic::Snapshot)> = None;
    let mut errors = Vec::new();
    for repo in &repos {
        let restic = Restic::new(&ctx.restic, manifest, repo, &ctx.state_dir)?;
        let snaps = match restic.snapshots(&[&format!("service:{name}")]) {
            Ok(s) => s,
            Err(e) => {
                errors.push(format!("repository `{repo}`: {e:#}"));
                continue;
            }
        };
        let candidate = match wanted {
            Some(id) => snaps
                .into_iter()
                .find(|s| s.id.starts_with(id) || s.short_id == id),
            None => snaps
                .into_iter()
                .rfind(|s| !s.has_tag("pre-restore") && s.hostname == manifest.host),
        };
        if let Some(s) = candidate {
            let newer = found.as_ref().is_none_or(|(_, f)| s.time() > f.time());
            if newer {
                found = Some((restic, s));
            }
            if wanted.is_some() {
                break;
            }
        }
    }
    let Some((restic, snap)) = found else {
        let mut msg = format!(
            "{}, and none of the repositories {} holds {} of it",
            unknown_service(ctx, manifest, name),
            repos.join(", "),
            wanted.map_or_else(
                || format!("a snapshot for host `{}`", manifest.host),
                |id| format!("snapshot `{id}`")
            )
        );
        if !errors.is_empty() {
            msg = format!("{msg} ({})", errors.join("; "));
        }
        anyhow::bail!(msg);
    };
    let desc = crate::runtime::snapshot_desc::locate(&restic, &snap, name)?.map(|l| l.description);
    let files = match &desc {
        Some(d) => d.files.clone(),
        // No self-description: the snapshot's paths are the service's files.
        None => snap.paths.clone(),
    };
    let d = desc.unwrap_or_default();
    let service = crate::plan::Service {
        files,
        sqlite: d.sqlite.iter().map(|c| c.path.clone()).collect(),
        postgres: d
            .postgres
            .iter()
            .map(|p| crate::plan::PostgresDatabase {
                name: p.name.clone(),
                ..Default::default()
            })
            .collect(),
        dumps: d
            .dumps
            .iter()
            .map(|x| {
                (
                    x.name.clone(),
                    crate::plan::Dump {
                        backup_cmd: String::new(),
                        restore_cmd: String::new(),
                        user: None,
                        backup_name: None,
                    },
                )
            })
            .collect(),
        repositories: vec![restic.name.clone()],
        ..Default::default()
    };
    eprintln!(
        "service `{name}` is not in the manifest: restoring its snapshot {} from repository `{}` as it describes itself",
        snap.short_id, restic.name
    );
    Ok((service, restic.name))
}
