//! `atelier-backup list [SERVICE]`: snapshots of this host's services (id,
//! time, tags, size), one `restic snapshots --json` per repository.

use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};
use serde::Serialize;

use super::status::{lookup_size, rfc3339, size_index};
use super::Context;
use crate::runtime::catalog::Catalog;

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Only this service.
    pub service: Option<String>,
    /// Only snapshots in this repository.
    #[arg(long)]
    pub repository: Option<String>,
}

/// One element of `list --json` (DESIGN.md §5).
#[derive(Debug, Clone, Serialize)]
pub struct Listed {
    pub id: String,
    pub short_id: String,
    pub time: String,
    pub tags: Vec<String>,
    pub hostname: String,
    pub paths: Vec<String>,
    pub service: String,
    pub repository: String,
    pub size: Option<u64>,
    pub pre_restore: bool,
    /// Its run never finished (tag `incomplete`): never used as "latest".
    pub incomplete: bool,
    /// Its service is no longer in the manifest.
    pub removed: bool,
}

pub fn run(ctx: &Context, args: &Args) -> anyhow::Result<u8> {
    let mut manifest = ctx.manifest()?;
    let names: Vec<String> = match &args.service {
        Some(n) => vec![n.clone()],
        None => manifest.services.keys().cloned().collect(),
    };
    if let Some(r) = &args.repository {
        if !manifest.repositories.contains_key(r) {
            return Err(
                super::ConfigError(format!("repository `{r}` is not in the manifest")).into(),
            );
        }
    }
    // A service removed from the manifest: its snapshots are looked for in
    // every repository of the manifest (or the one asked for), as if it
    // still went to them.
    let removed = args
        .service
        .clone()
        .filter(|n| !manifest.services.contains_key(n));
    if let Some(n) = &removed {
        let repositories = manifest
            .repositories
            .keys()
            .filter(|r| args.repository.as_ref().is_none_or(|a| a == *r))
            .cloned()
            .collect();
        manifest.services.insert(
            n.clone(),
            crate::plan::Service {
                repositories,
                ..Default::default()
            },
        );
    }
    // Without a service: every repository of the manifest, so that the
    // snapshots of services removed from it show too (marked removed).
    let catalog = if args.service.is_none() {
        let repos = manifest
            .repositories
            .keys()
            .filter(|r| args.repository.as_ref().is_none_or(|a| a == *r))
            .collect();
        Catalog::load_repositories(&ctx.runtime(), &manifest, repos, None)?
    } else {
        Catalog::load(&ctx.runtime(), &manifest, &names)?
    };
    let sizes = size_index(&ctx.state_dir, &names.iter().collect::<Vec<_>>());
    let mut listed = Vec::new();
    let mut removed_seen = std::collections::BTreeSet::new();
    let mut failed = false;
    for (repo, snaps) in &catalog.repositories {
        if args.repository.as_ref().is_some_and(|r| r != repo) {
            continue;
        }
        match snaps {
            Err(e) => {
                failed = true;
                eprintln!("error: {e}");
            }
            Ok(snaps) => {
                for s in snaps {
                    let Some(service) = s.service() else { continue };
                    let gone = !manifest.services.contains_key(service)
                        || removed.as_deref() == Some(service);
                    if args.service.is_some() && !names.iter().any(|n| n == service) {
                        continue;
                    }
                    // A declared service only lists the repositories it uses.
                    if !gone && !manifest.services[service].repositories.contains(repo) {
                        continue;
                    }
                    if gone {
                        removed_seen.insert(service.to_owned());
                    }
                    listed.push(Listed {
                        id: s.id.clone(),
                        short_id: s.short_id.clone(),
                        time: rfc3339(&s.time),
                        tags: s.tags.clone(),
                        hostname: s.hostname.clone(),
                        paths: s.paths.clone(),
                        service: service.to_owned(),
                        repository: repo.clone(),
                        size: lookup_size(&sizes, s),
                        pre_restore: s.is_pre_restore(),
                        incomplete: s.is_incomplete(),
                        removed: gone,
                    });
                }
            }
        }
    }
    if let Some(n) = &removed {
        manifest.services.remove(n);
        if listed.is_empty() && !failed {
            return Err(super::ConfigError(format!(
                "{}, and no repository of it holds a snapshot of `{n}` for host `{}`",
                super::service_not_in_manifest(&manifest, n),
                manifest.host
            ))
            .into());
        }
        if !ctx.json {
            eprintln!(
                "service `{n}` is not in the manifest: its snapshots found in the manifest's repositories (restore one with `atelier-backup restore {n} SNAPSHOT --inspect DIR`)"
            );
        }
    }
    if removed.is_none() && !removed_seen.is_empty() && !ctx.json {
        eprintln!(
            "not in the manifest (removed): {}; their snapshots stay listed and restorable with `atelier-backup restore SERVICE SNAPSHOT --inspect DIR`",
            crate::runtime::terminal::line(
                &removed_seen.into_iter().collect::<Vec<_>>().join(", ")
            )
        );
    }
    listed.sort_by(|a, b| {
        (&a.service, &a.time, &a.repository).cmp(&(&b.service, &b.time, &b.repository))
    });
    if ctx.json {
        println!("{}", serde_json::to_string_pretty(&listed)?);
    } else {
        let mut table = Table::new();
        table.load_preset(UTF8_FULL_CONDENSED);
        table.set_header(["service", "repository", "id", "time", "tags", "size"]);
        for l in &listed {
            let tags: Vec<&str> = l
                .tags
                .iter()
                .map(String::as_str)
                .filter(|t| *t != "atelier" && !t.starts_with("service:"))
                .collect();
            table.add_row(vec![
                if l.removed {
                    // A name read from a snapshot's tags: escaped.
                    crate::runtime::terminal::line(&format!("{} (removed)", l.service)).into_owned()
                } else {
                    l.service.clone()
                },
                l.repository.clone(),
                l.short_id.clone(),
                l.time.clone(),
                crate::runtime::terminal::line(&tags.join(" ")).into_owned(),
                l.size
                    .map_or("—".into(), crate::runtime::terminal::human_bytes),
            ]);
        }
        println!("{table}");
        println!("{} snapshot(s)", listed.len());
    }
    Ok(u8::from(failed))
}
