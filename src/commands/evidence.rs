//! `atelier-backup evidence`: per service, what an operator (or an AI
//! operator) needs to report: newest successful snapshot and its age, last
//! `restic check` result, retention policy, repository type (never its
//! location or credentials), last restore drill and its result.

use serde_json::{json, Map, Value};

use super::Context;
use crate::runtime::drill_record::DrillRecord;
use crate::runtime::restore_restic::Restic;
use crate::runtime::state::CheckRecord;

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Only this service.
    pub service: Option<String>,
}

pub fn run(ctx: &Context, args: &Args) -> anyhow::Result<u8> {
    let manifest = ctx.manifest()?;
    if let Some(s) = &args.service {
        if !manifest.services.contains_key(s) {
            return Err(super::restore::unknown_service(ctx, &manifest, s));
        }
    }
    let now = chrono::Utc::now();
    // One `snapshots` call per repository.
    let mut snaps = std::collections::BTreeMap::new();
    let mut kinds = std::collections::BTreeMap::new();
    for repo in manifest.repositories.keys() {
        let r = Restic::new(&ctx.restic, &manifest, repo, &ctx.state_dir)?;
        kinds.insert(repo.clone(), r.kind());
        snaps.insert(
            repo.clone(),
            r.snapshots(&["atelier"]).map_err(|e| format!("{e:#}")),
        );
    }
    let mut out = Map::new();
    let mut bad = false;
    for (name, svc) in &manifest.services {
        if args.service.as_ref().is_some_and(|s| s != name) {
            continue;
        }
        let mut repos = Map::new();
        let mut newest: Option<(chrono::DateTime<chrono::Utc>, String, String)> = None;
        for repo in &svc.repositories {
            let (latest, error) = match &snaps[repo] {
                Ok(list) => (
                    list.iter()
                        .filter(|s| {
                            s.service() == Some(name)
                                && !s.has_tag("pre-restore")
                                && s.hostname == manifest.host
                        })
                        .filter_map(|s| s.time().map(|t| (t, s.id.clone())))
                        .max(),
                    None,
                ),
                Err(e) => (None, Some(e.clone())),
            };
            if let Some((t, id)) = &latest {
                if newest.as_ref().is_none_or(|(nt, _, _)| t > nt) {
                    newest = Some((*t, id.clone(), repo.clone()));
                }
            }
            let check = CheckRecord::last(&ctx.state_dir, repo);
            repos.insert(
                repo.clone(),
                json!({
                    "type": kinds[repo],
                    "newestSnapshot": latest.as_ref().map(|(_, id)| id),
                    "newestSnapshotTime": latest.as_ref().map(|(t, _)| t.to_rfc3339()),
                    "error": error,
                    "lastCheck": check.as_ref().map(|c| json!({
                        "time": c.finished,
                        "result": c.result,
                        "error": c.error,
                    })),
                }),
            );
        }
        let drill = DrillRecord::last(&ctx.state_dir, name);
        let age = newest
            .as_ref()
            .map(|(t, _, _)| (now - *t).num_seconds().max(0));
        bad |= newest.is_none() || drill.as_ref().is_some_and(|d| d.result != "success");
        let last_check = svc
            .repositories
            .iter()
            .filter_map(|r| CheckRecord::last(&ctx.state_dir, r))
            .max_by(|a, b| a.finished.cmp(&b.finished));
        out.insert(
            name.clone(),
            json!({
                "newestSnapshot": newest.as_ref().map(|(_, id, _)| id),
                "newestSnapshotTime": newest.as_ref().map(|(t, _, _)| t.to_rfc3339()),
                "newestSnapshotAgeSeconds": age,
                "lastCheck": last_check.as_ref().map(|c| json!({"time": c.finished, "result": c.result, "repository": c.repository, "error": c.error})),
                "retention": svc.retention,
                "repositoryType": svc.repositories.first().map(|r| kinds[r].clone()),
                "repositories": Value::Object(repos),
                "lastDrill": drill.as_ref().map(|d| json!({
                    "time": d.time,
                    "result": d.result,
                    "snapshot": d.snapshot,
                    "restoreSeconds": d.restore_seconds,
                    "checkExit": d.check_exit,
                    "error": d.error,
                })),
            }),
        );
    }
    if ctx.json {
        println!("{}", serde_json::to_string_pretty(&Value::Object(out))?);
    } else {
        let mut t = comfy_table::Table::new();
        t.load_preset(comfy_table::presets::ASCII_MARKDOWN);
        t.set_header([
            "service",
            "newest snapshot",
            "age",
            "last check",
            "retention",
            "repository",
            "last drill",
        ]);
        for (name, v) in &out {
            let age = v["newestSnapshotAgeSeconds"].as_i64().map_or_else(
                || "never".to_owned(),
                |s| {
                    humantime::format_duration(std::time::Duration::from_secs(
                        u64::try_from(s).unwrap_or(0),
                    ))
                    .to_string()
                },
            );
            let ret = v["retention"]
                .as_object()
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| format!("{k} {v}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_default();
            let s = |x: &Value| x.as_str().map_or_else(|| "-".to_owned(), str::to_owned);
            t.add_row([
                name.clone(),
                v["newestSnapshot"]
                    .as_str()
                    .map_or_else(|| "-".into(), |s| s.chars().take(8).collect()),
                age,
                s(&v["lastCheck"]["result"]),
                ret,
                s(&v["repositoryType"]),
                if v["lastDrill"].is_null() {
                    "never".into()
                } else {
                    format!(
                        "{} ({})",
                        s(&v["lastDrill"]["result"]),
                        s(&v["lastDrill"]["time"])
                    )
                },
            ]);
        }
        eprintln!("{t}");
    }
    Ok(u8::from(bad))
}
