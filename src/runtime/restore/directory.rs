//! Restoring into a directory (inspect) or a drill's scratch directory and databases.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{bail, Context as _};

use super::fetch::fetch;
use super::planning::Planned;
use super::verify::{check_database_state, verify_files, verify_sqlite};
use super::{pg_of, Env, Outcome};
use crate::runtime::restore_restic::{Restic, Snapshot};
use crate::runtime::swap;
use crate::runtime::terminal::ShowPath as _;

pub(super) fn to_directory(
    env: &Env,
    restic: &Restic,
    snap: &Snapshot,
    planned: &[Planned],
    dir: &Path,
    db_suffix: Option<&String>,
    outcome: &mut Outcome,
) -> anyhow::Result<()> {
    let pg = pg_of(env.manifest);
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.shown()))?;
    let tmp = dir.join(".atelier-fetch");
    for (p, item) in planned.iter().zip(outcome.items.iter_mut()) {
        (env.progress)(&format!("restoring {}", item.target));
        match p {
            Planned::File { source, live } => {
                let dst = dir.join(live.strip_prefix("/").unwrap_or(live));
                let got = fetch(restic, snap, source, &tmp)?;
                std::fs::create_dir_all(dst.parent().expect("parent"))?;
                swap::remove_any(&dst);
                std::fs::rename(&got, &dst)?;
                item.target = dst.display().to_string();
                item.record_check(verify_files(restic, snap, source, &dst));
            }
            Planned::Sqlite { source, live, .. } => {
                let dst = dir.join(live.strip_prefix("/").unwrap_or(live));
                let got = fetch(restic, snap, source, &tmp)?;
                std::fs::create_dir_all(dst.parent().expect("parent"))?;
                std::fs::rename(&got, &dst)?;
                item.target = dst.display().to_string();
                (env.progress)(&format!("verifying {}", dst.shown()));
                item.record_check(verify_sqlite(&dst, Some(env.state_dir)));
            }
            Planned::Postgres {
                source,
                db,
                options,
                state,
                cloning,
                ..
            } => {
                let dst = dir.join("postgres").join(format!("{db}.dump"));
                let got = fetch(restic, snap, source, &tmp)?;
                std::fs::create_dir_all(dst.parent().expect("parent"))?;
                std::fs::rename(&got, &dst)?;
                item.target = dst.display().to_string();
                (env.progress)(&format!("verifying dump of {db}"));
                match pg.list_dump(&dst) {
                    Ok(n) if n > 0 => {
                        item.verified = Some(true);
                        item.detail = format!("pg_restore --list: {n} entries");
                    }
                    Ok(_) => {
                        item.verified = Some(false);
                        item.detail = "pg_restore --list: the dump is empty".into();
                    }
                    Err(e) => {
                        item.verified = Some(false);
                        item.detail = format!("{e:#}");
                    }
                }
                if let (Some(suffix), Some(true)) = (db_suffix, item.verified) {
                    let scratch = scratch_db_name(db, suffix);
                    if env
                        .manifest
                        .services
                        .values()
                        .any(|s| s.postgres.iter().any(|d| d.name == scratch))
                    {
                        bail!("refusing scratch database {scratch}: it is a live database");
                    }
                    pg.drop_if_exists(&scratch)?;
                    let opts: BTreeMap<String, String> = options
                        .iter()
                        .filter(|(k, _)| !k.eq_ignore_ascii_case("owner"))
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect();
                    pg.create(&scratch, &opts)?;
                    outcome.scratch_databases.push(scratch.clone());
                    match pg
                        .restore_dump(&dst, &scratch, None)
                        .and_then(|()| pg.table_count(&scratch))
                    {
                        Ok(n) => {
                            item.detail =
                                format!("{}; restored into {scratch} ({n} tables)", item.detail);
                            // What an in-place restore gives the database
                            // (owner, privileges, settings, comment), read back.
                            if let Some(st) = state {
                                match pg
                                    .apply_database_state(&scratch, st, !*cloning, &opts)
                                    .and_then(|()| {
                                        check_database_state(
                                            &env.manifest.postgres,
                                            &scratch,
                                            st,
                                            !*cloning,
                                        )
                                    }) {
                                    Ok(()) => item.detail.push_str(
                                        "; its recorded owner, privileges, settings and comment applied and checked",
                                    ),
                                    Err(e) => {
                                        item.verified = Some(false);
                                        item.detail = format!(
                                            "{}; the recorded database-level state in {scratch}: {e:#}",
                                            item.detail
                                        );
                                    }
                                }
                            }
                        }
                        Err(e) => {
                            item.verified = Some(false);
                            item.detail = format!("pg_restore into {scratch}: {e:#}");
                        }
                    }
                    item.target = scratch;
                }
            }
            Planned::Dump { source, name, .. } => {
                let dst = dir.join("dumps").join(name);
                let got = fetch(restic, snap, source, &tmp)?;
                std::fs::create_dir_all(dst.parent().expect("parent"))?;
                std::fs::rename(&got, &dst)?;
                let len = std::fs::metadata(&dst)?.len();
                item.target = dst.display().to_string();
                item.verified = Some(true);
                item.detail = format!("{len} bytes");
            }
        }
    }
    swap::remove_any(&tmp);
    Ok(())
}

/// Scratch database names stay within PostgreSQL's 63-byte limit.
pub fn scratch_db_name(db: &str, suffix: &str) -> String {
    let keep = 63usize.saturating_sub(suffix.len());
    let mut base: String = db.chars().collect();
    while base.len() > keep {
        base.pop();
    }
    format!("{base}{suffix}")
}
