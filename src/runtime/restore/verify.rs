//! Verification of restored copies: file counts, `PRAGMA integrity_check`,
//! recorded PostgreSQL database state.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _};

use crate::runtime::postgres::DatabaseState;
use crate::runtime::restore_restic::{Restic, Snapshot};
use crate::runtime::terminal::ShowPath as _;

pub(super) fn count_files(dir: &Path) -> usize {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| !e.file_type().is_dir())
        .count()
}

/// The restored tree has as many entries (files, links; not directories) as
/// the snapshot holds below `source`.
pub(super) fn verify_files(
    restic: &Restic,
    snap: &Snapshot,
    source: &str,
    restored: &Path,
) -> anyhow::Result<String> {
    let prefix = format!("{}/", source.trim_end_matches('/'));
    let expected = restic
        .ls(&snap.id)?
        .iter()
        .filter(|n| n.kind != "dir" && (n.path == source || n.path.starts_with(&prefix)))
        .count();
    let got = count_files(restored);
    if got != expected {
        bail!(
            "{} holds {got} files, the snapshot {expected}",
            restored.shown()
        );
    }
    Ok(format!("{got} files, as in the snapshot"))
}

/// `PRAGMA integrity_check` on a copy; also proves it is a SQLite database.
/// A failure names the first few problems; the full list is written to
/// `<state>/integrity/` when `state_dir` is given.
pub fn verify_sqlite(path: &Path, state_dir: Option<&Path>) -> anyhow::Result<String> {
    let conn =
        rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE)
            .with_context(|| format!("cannot open restored SQLite copy {}", path.shown()))?;
    let problems = crate::runtime::sqlite::integrity_problems(&conn)
        .with_context(|| format!("{} is not a readable SQLite database", path.shown()))?;
    let tables: i64 = conn.query_row(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table'",
        [],
        |r| r.get(0),
    )?;
    drop(conn);
    if !problems.is_empty() {
        let full = state_dir.and_then(|d| integrity_report(d, path, &problems));
        bail!(
            "PRAGMA integrity_check of {} reported {}{}",
            path.shown(),
            crate::runtime::sqlite::summarize_problems(&problems),
            full.map(|f| format!(" (full report: {})", f.shown()))
                .unwrap_or_default()
        );
    }
    Ok(format!("integrity_check ok, {tables} tables"))
}

/// Writes every integrity problem of `db` to `<state>/integrity/<time>-<name>.txt`.
fn integrity_report(state_dir: &Path, db: &Path, problems: &[String]) -> Option<PathBuf> {
    let name = db.file_name()?.to_string_lossy().replace(['/', '\n'], "_");
    let file = state_dir.join("integrity").join(format!(
        "{}-{name}.txt",
        chrono::Utc::now().format("%Y%m%dT%H%M%S%.3f")
    ));
    let text = format!(
        "PRAGMA integrity_check of {}\n{}\n",
        db.display(),
        problems.join("\n")
    );
    crate::runtime::state::write_atomic(&file, text.as_bytes()).ok()?;
    Some(file)
}

/// `db` has the recorded database-level `state` (owner when `owner`,
/// privileges, settings, comment), else an error naming what differs.
pub(super) fn check_database_state(
    conn: &crate::plan::PostgresConnection,
    db: &str,
    state: &DatabaseState,
    owner: bool,
) -> anyhow::Result<()> {
    let got = crate::runtime::postgres::database_state(conn, db)?;
    let sorted = |v: &[String]| {
        let mut v = v.to_vec();
        v.sort();
        v
    };
    let acl = |s: &DatabaseState| {
        s.acl
            .as_ref()
            .map(|a| sorted(&a.iter().map(|g| format!("{g:?}")).collect::<Vec<_>>()))
    };
    let settings = |s: &DatabaseState| {
        sorted(
            &s.settings
                .iter()
                .map(|x| format!("{x:?}"))
                .collect::<Vec<_>>(),
        )
    };
    let mut diff = Vec::new();
    if owner && got.owner != state.owner {
        diff.push(format!("owner {} instead of {}", got.owner, state.owner));
    }
    if owner && acl(&got) != acl(state) {
        diff.push(format!(
            "privileges {:?} instead of {:?}",
            got.acl, state.acl
        ));
    }
    if settings(&got) != settings(state) {
        diff.push(format!(
            "settings {:?} instead of {:?}",
            got.settings, state.settings
        ));
    }
    if got.comment != state.comment {
        diff.push(format!(
            "comment {:?} instead of {:?}",
            got.comment, state.comment
        ));
    }
    if !diff.is_empty() {
        bail!("it differs: {}", diff.join("; "));
    }
    Ok(())
}
