//! Fetching snapshot paths from restic into staging (one `restic restore`
//! for several items when they can share it).

use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _};

use super::planning::Planned;
use super::Env;
use crate::runtime::restore_restic::{Restic, Snapshot};
use crate::runtime::swap::Journal;
use crate::runtime::terminal::ShowPath as _;

/// Restores one snapshot path to `target/<path>` and returns that path.
pub(super) fn fetch(
    restic: &Restic,
    snap: &Snapshot,
    source: &str,
    target: &Path,
) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(target)?;
    restic.restore(&snap.id, target, &[source.to_owned()])?;
    let got = target.join(source.trim_start_matches('/'));
    if got.symlink_metadata().is_err() {
        bail!(
            "snapshot {} does not contain {}",
            snap.short_id,
            source.shown()
        );
    }
    Ok(got)
}

/// Restores every files location, SQLite copy and PostgreSQL dump of an
/// in-place restore with one `restic restore` (each restic process pays
/// restic's key derivation) into the first item's staging directory, from
/// where [`take`] moves each item to its own. `None` (each item restored on
/// its own) for fewer than two such items, or when one item's path lies
/// inside another's (one restored tree would hold the other).
/// The staging directory of restore `tok` beside a live location in `parent`.
pub(super) fn staging_beside(parent: &Path, tok: &str) -> PathBuf {
    parent.join(format!(".atelier-restore-{tok}"))
}

/// Records `stage` in the journal (once) before anything is written there,
/// so that recovery after a crash removes it.
pub(super) fn record_staging(journal: &mut Journal, env: &Env, stage: &Path) -> anyhow::Result<()> {
    if !journal.staging_dirs.contains(&stage.to_path_buf()) {
        journal.staging_dirs.push(stage.to_path_buf());
        journal.save(env.state_dir)?;
    }
    Ok(())
}

pub(super) fn restore_together(
    restic: &Restic,
    snap: &Snapshot,
    planned: &[Planned],
    tok: &str,
    tmp_dir: &Path,
    journal: &mut Journal,
    env: &Env,
) -> anyhow::Result<Option<PathBuf>> {
    let sources: Vec<String> = planned
        .iter()
        .filter_map(|p| match p {
            Planned::File { source, .. }
            | Planned::Sqlite { source, .. }
            | Planned::Postgres { source, .. } => Some(source.clone()),
            Planned::Dump { .. } => None,
        })
        .collect();
    let inside =
        |a: &str, b: &str| a == b || a.starts_with(&format!("{}/", b.trim_end_matches('/')));
    let nested = sources.iter().enumerate().any(|(i, a)| {
        sources
            .iter()
            .enumerate()
            .any(|(j, b)| i != j && inside(a, b))
    });
    if sources.len() < 2 || nested {
        return Ok(None);
    }
    // The first item's own fetch target: the items it holds need no move.
    let (dir, stage) = match planned.first() {
        Some(Planned::File { live, .. }) => {
            let stage = staging_beside(
                live.parent().context("a files location must not be /")?,
                tok,
            );
            (stage.clone(), stage)
        }
        Some(Planned::Sqlite { live, .. }) => {
            let stage = staging_beside(
                live.parent()
                    .context("a SQLite path must have a directory")?,
                tok,
            );
            (stage.join("fetch"), stage)
        }
        _ => (tmp_dir.to_path_buf(), tmp_dir.to_path_buf()),
    };
    record_staging(journal, env, &stage)?;
    if let Some(parent) = dir.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::create_dir_all(&dir)?;
    (env.progress)(&format!(
        "{}: restoring {} items with one restic restore",
        journal.service,
        sources.len()
    ));
    restic.restore(&snap.id, &dir, &sources)?;
    Ok(Some(dir))
}

/// [`fetch`], but from `pre` (see [`restore_together`]) when it holds
/// `source` and the item can be renamed from there (same filesystem).
pub(super) fn take(
    restic: &Restic,
    snap: &Snapshot,
    source: &str,
    target: &Path,
    pre: Option<&Path>,
) -> anyhow::Result<PathBuf> {
    if let Some(pre) = pre {
        let rel = source.trim_start_matches('/');
        let (from, to) = (pre.join(rel), target.join(rel));
        if from.symlink_metadata().is_ok() {
            if from == to {
                return Ok(to);
            }
            if let Some(parent) = to.parent() {
                std::fs::create_dir_all(parent)?;
            }
            if std::fs::rename(&from, &to).is_ok() {
                return Ok(to);
            }
        }
    }
    fetch(restic, snap, source, target)
}
