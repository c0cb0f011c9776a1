//! Transactionally consistent SQLite copies.
//!
//! Online mode uses the backup API with all pages in one step: one read
//! transaction, so in WAL mode writers keep committing while we copy (a
//! stepwise copy would restart whenever a writer commits and may never end).
//! A database in rollback-journal mode blocks writers for the copy's duration;
//! that is SQLite's rule, not ours.

use std::path::Path;
use std::time::Duration;

use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags};

use super::terminal::ShowPath as _;

/// Copies the live database `src` to `dst` (which must not exist) while
/// other connections keep writing.
pub fn online_copy(src: &Path, dst: &Path) -> anyhow::Result<()> {
    let from = open_source(src)?;
    copy_from(&from, src, dst)
}

/// For `stopForBackup`: with the service stopped, fold the WAL into the main
/// file (so the copy and the file agree) and copy.
pub fn checkpoint_and_copy(src: &Path, dst: &Path) -> anyhow::Result<()> {
    let from = open_source(src)?;
    // TRUNCATE also empties the -wal so nothing stale is left beside the file.
    from.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .map_err(|e| anyhow::anyhow!("checkpoint of {} failed: {e}", src.shown()))?;
    copy_from(&from, src, dst)
}

/// How long a copy waits for another process's lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

fn open_source(src: &Path) -> anyhow::Result<Connection> {
    if !src.is_file() {
        anyhow::bail!(
            "SQLite database {} does not exist; fix the `sqlite` path of the service or create the database",
            src.shown()
        );
    }
    // Read-write (not read-only) so a WAL database's -shm can be used and a
    // checkpoint is possible; we never write data.
    let conn = Connection::open_with_flags(
        src,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| anyhow::anyhow!("cannot open SQLite database {}: {e}", src.shown()))?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // Fail early, with a clear message, on a file that is not a database —
    // or one that another process keeps locked (that is not corruption).
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(()))
        .map_err(|e| {
            if matches!(
                e.sqlite_error_code(),
                Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
            ) {
                anyhow::anyhow!(
                    "SQLite database {} is locked by another process (waited {}s): a long write transaction or an exclusive lock holds it; retry when it is released, or set stopForBackup so the service is stopped for the copy",
                    src.shown(),
                    BUSY_TIMEOUT.as_secs()
                )
            } else {
                anyhow::anyhow!("{} is not a readable SQLite database: {e}", src.shown())
            }
        })?;
    Ok(conn)
}

fn copy_from(from: &Connection, src: &Path, dst: &Path) -> anyhow::Result<()> {
    let mut to =
        Connection::open(dst).map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dst.shown()))?;
    {
        let backup = Backup::new(from, &mut to)?;
        let deadline = std::time::Instant::now() + Duration::from_secs(600);
        loop {
            match backup.step(-1) {
                Ok(StepResult::Done) => break,
                Ok(StepResult::Busy | StepResult::Locked) => {
                    if std::time::Instant::now() > deadline {
                        anyhow::bail!(
                            "copying {}: the database stayed locked for 10 minutes",
                            src.shown()
                        );
                    }
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(e) => anyhow::bail!("copying {} failed: {e}", src.shown()),
                // More (and future variants): keep stepping.
                Ok(_) => {}
            }
        }
    }
    // The copy is a self-contained rollback-journal file: restores need no -wal.
    to.pragma_update(None, "journal_mode", "DELETE")?;
    let problems = integrity_problems(&to)?;
    if !problems.is_empty() {
        anyhow::bail!(
            "the copy of {} fails integrity_check: {} (`PRAGMA integrity_check` on the live database lists them all)",
            src.shown(),
            summarize_problems(&problems)
        );
    }
    Ok(())
}

/// What `PRAGMA integrity_check` reports, one problem per entry; empty when
/// the database is sound. SQLite gives up to 100 problems, as rows or as
/// lines of one row, under a `*** in database main ***` heading.
pub fn integrity_problems(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare("PRAGMA integrity_check")?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    let mut problems = Vec::new();
    for row in rows {
        for line in row?.lines().map(str::trim) {
            if !(line.is_empty() || line == "ok" || line.starts_with("*** in database")) {
                problems.push(line.to_owned());
            }
        }
    }
    Ok(problems)
}

/// How many problems an error message names; the rest are counted.
pub const PROBLEMS_SHOWN: usize = 5;

/// SQLite stops `integrity_check` after this many problems (its default).
const INTEGRITY_CHECK_LIMIT: usize = 100;

/// `N problems: a; b; …; and K more` on one line.
pub fn summarize_problems(problems: &[String]) -> String {
    let shown: Vec<&str> = problems
        .iter()
        .take(PROBLEMS_SHOWN)
        .map(String::as_str)
        .collect();
    let more = problems.len().saturating_sub(shown.len());
    format!(
        "{}{} problem{}: {}{}",
        problems.len(),
        if problems.len() >= INTEGRITY_CHECK_LIMIT {
            " or more"
        } else {
            ""
        },
        if problems.len() == 1 { "" } else { "s" },
        shown.join("; "),
        if more > 0 {
            format!("; … and {more} more")
        } else {
            String::new()
        }
    )
}
