//! The restore engine shared by `restore`, `dr`, `drill` and the wizard
//! (DESIGN.md §5.1): resolve → safety snapshot → stage on the target's
//! filesystem → verify → stop units, preRestore → atomic swap (journaled, see
//! `swap.rs`) → dumps' restoreCmd → commit → postRestore, start units.
// "SQLite" and "PostgreSQL" are names, not code.
#![allow(clippy::doc_markdown)]

use std::collections::BTreeMap;
use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{bail, Context as _};
use serde::Serialize;

use super::postgres::{
    DatabaseState, USE_DATABASE_OWNER, USE_DATABASE_PRIVILEGES, USE_OBJECT_OWNER,
};
use super::restore_pg::Pg;
use super::restore_restic::{Restic, Snapshot};
use super::snapshot_desc::{self, Located};
use super::swap::{self, crash_point, DbSwap, FileSwap, Journal, Phase};
use super::terminal::ShowPath as _;
use crate::plan::{Manifest, Service};

/// Where the restored data goes.
#[derive(Debug, Clone)]
pub enum Mode {
    /// Replace the service's live data.
    InPlace,
    /// Only restore into this directory.
    Inspect(PathBuf),
    /// A drill: files into this directory, databases into scratch databases
    /// with this suffix (dropped by [`Outcome::cleanup_scratch`]).
    Scratch { dir: PathBuf, db_suffix: String },
}

#[derive(Debug, Clone)]
pub struct Request {
    pub service: String,
    pub snapshot: Option<String>,
    pub from: Option<String>,
    pub mode: Mode,
    pub dry_run: bool,
    /// Take the `pre-restore` safety snapshot (in place only).
    pub safety_snapshot: bool,
    /// Start every unit afterwards, not only those that were running
    /// (disaster recovery brings a blank machine up).
    pub start_all_units: bool,
    /// Repository to restore from (default: the service's first).
    pub repository: Option<String>,
}

pub struct Env<'a> {
    pub manifest: &'a Manifest,
    pub state_dir: &'a Path,
    pub restic: &'a str,
    pub systemctl: &'a str,
    /// Progress lines ("restoring …", "verifying …").
    pub progress: &'a (dyn Fn(&str) + Sync),
    /// Asked before live data is replaced; gets the list of what is replaced.
    pub confirm: &'a (dyn Fn(&[String]) -> anyhow::Result<bool> + Sync),
}

/// One thing a restore did or would do.
#[derive(Debug, Clone, Serialize)]
pub struct Item {
    pub kind: &'static str,
    /// Live path or database name (in place), or where the copy went.
    pub target: String,
    /// Path or name in the snapshot.
    pub source: String,
    pub action: String,
    pub verified: Option<bool>,
    pub detail: String,
}

impl Item {
    /// Records a check of the restored copy: verified, with what the check
    /// reports, or not, with the error.
    fn record_check(&mut self, check: anyhow::Result<String>) {
        match check {
            Ok(d) => {
                self.verified = Some(true);
                self.detail = d;
            }
            Err(e) => {
                self.verified = Some(false);
                self.detail = format!("{e:#}");
            }
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub service: String,
    pub from: String,
    pub snapshot: String,
    pub snapshot_time: String,
    pub mode: &'static str,
    pub dry_run: bool,
    /// Dry run in place: an interrupted restore of the service awaits
    /// recovery, which the real restore would do first (a dry run does not).
    pub recovery_pending: bool,
    pub safety_snapshot: Option<String>,
    pub items: Vec<Item>,
    pub verified: bool,
    pub duration_ms: u128,
    /// Scratch databases a drill created (for the check, then dropped).
    pub scratch_databases: Vec<String>,
    pub target_dir: Option<String>,
    /// In place: roles the dumps need that the PostgreSQL server lacks (a
    /// dry run lists them; a restore stops before touching anything).
    pub missing_roles: Vec<MissingRole>,
}

/// A role a dump needs and the server lacks, with what for.
#[derive(Debug, Clone, Serialize)]
pub struct MissingRole {
    pub name: String,
    /// e.g. `shop: database owner, object privileges`.
    pub needed_for: Vec<String>,
}

impl Outcome {
    /// `CREATE ROLE "a"; CREATE ROLE "b";` for the missing roles.
    pub fn create_roles_sql(&self) -> String {
        let names: Vec<String> = self.missing_roles.iter().map(|r| r.name.clone()).collect();
        super::restore_pg::create_roles_sql(&names)
    }

    /// What to do about missing roles, one paragraph; empty when none is missing.
    pub fn missing_roles_text(&self) -> String {
        if self.missing_roles.is_empty() {
            return String::new();
        }
        format!(
            "the PostgreSQL server lacks roles the dumps need: {}; create them first (as the PostgreSQL superuser, adding LOGIN/PASSWORD as your services need): {}",
            self.missing_roles
                .iter()
                .map(|r| format!("{} ({})", r.name, r.needed_for.join("; ")))
                .collect::<Vec<_>>()
                .join(", "),
            self.create_roles_sql()
        )
    }
}

/// The pg connection of a manifest.
pub fn pg_of(manifest: &Manifest) -> Pg {
    Pg::from(&manifest.postgres)
}

/// Runs `systemctl <verb> units…`; errors carry its stderr.
pub fn systemctl(program: &str, verb: &str, units: &[String]) -> anyhow::Result<()> {
    if units.is_empty() {
        return Ok(());
    }
    super::units::check_names(units)?;
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
    if super::units::check_names(std::slice::from_ref(&unit.to_owned())).is_err() {
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

/// Picks the snapshot: an id (full or short), or `latest` / none = newest
/// for the service (and host, unless cloning) that is not `pre-restore`.
pub fn resolve(
    restic: &Restic,
    manifest: &Manifest,
    source: &str,
    wanted: Option<&str>,
    cloning: bool,
) -> anyhow::Result<Snapshot> {
    let snaps = restic.snapshots(&[&format!("service:{source}")])?;
    match wanted {
        None | Some("latest") => snaps
            .into_iter()
            .rfind(|s| {
                !s.has_tag("pre-restore")
                    && !s.has_tag(super::restic::INCOMPLETE_TAG)
                    && (cloning || s.hostname == manifest.host)
            })
            .with_context(|| {
                format!(
                    "no snapshot of `{source}` for host `{}` in repository `{}`; run `atelier-backup run {source}` first, or pass a snapshot id from `atelier-backup list {source}`",
                    manifest.host, restic.name
                )
            }),
        Some(id) => {
            let matches: Vec<Snapshot> = snaps
                .into_iter()
                .filter(|s| s.id.starts_with(id) || s.short_id == id)
                .collect();
            match matches.len() {
                1 => Ok(matches.into_iter().next().expect("one")),
                0 => bail!("snapshot `{id}` is not a snapshot of `{source}` in repository `{}`; see `atelier-backup list {source}`", restic.name),
                _ => bail!("snapshot id `{id}` is ambiguous; give more characters"),
            }
        }
    }
}

/// What goes where: planned before anything is touched.
#[derive(Debug, Clone)]
enum Planned {
    File {
        source: String,
        live: PathBuf,
    },
    Sqlite {
        source: String,
        live: PathBuf,
        owner: (Option<u32>, Option<u32>, Option<u32>),
    },
    Postgres {
        source: String,
        db: String,
        create: bool,
        options: BTreeMap<String, String>,
        /// Recorded database-level state (None: older snapshot, nothing to apply).
        state: Option<DatabaseState>,
        cloning: bool,
    },
    Dump {
        source: String,
        name: String,
        restore_cmd: String,
        user: Option<String>,
    },
}

fn plan(
    service: &Service,
    name: &str,
    loc: Option<&Located>,
    snap: &Snapshot,
    cloning: bool,
    source_service: Option<&Service>,
) -> anyhow::Result<Vec<Planned>> {
    let mut out = Vec::new();
    // Files are backed up at their own paths; when cloning, the i-th location
    // of the other service goes to our i-th location.
    let source_files: Vec<String> = if cloning {
        loc.map(|l| l.description.files.clone())
            .filter(|f| !f.is_empty())
            .or_else(|| source_service.map(|s| s.files.clone()))
            .unwrap_or_default()
    } else {
        service.files.clone()
    };
    for (i, live) in service.files.iter().enumerate() {
        let source = source_files.get(i).cloned().with_context(|| {
            format!("service `{name}`: the snapshot has no counterpart for files location {} (the other service has {} files locations)", live.shown(), source_files.len())
        })?;
        if !cloning
            && !snap.paths.iter().any(|p| {
                source == *p || source.starts_with(&format!("{}/", p.trim_end_matches('/')))
            })
        {
            bail!(
                "service `{name}`: snapshot {} does not contain {}",
                snap.short_id,
                source.shown()
            );
        }
        out.push(Planned::File {
            source,
            live: PathBuf::from(live),
        });
    }
    if service.sqlite.is_empty() && service.postgres.is_empty() && service.dumps.is_empty() {
        return Ok(out);
    }
    let loc = loc.with_context(|| {
        format!("snapshot {} has no self-description (atelier-snapshot.json) for its databases; it was not taken by atelier-backup run", snap.short_id)
    })?;
    let d = &loc.description;
    let missing =
        |what: String| format!("service `{name}`: snapshot {} has no {what}", snap.short_id);
    for (i, live) in service.sqlite.iter().enumerate() {
        let copy = stored_entry(&d.sqlite, i, cloning, |c| c.path == *live)
            .with_context(|| missing(format!("copy of SQLite database {}", live.shown())))?;
        out.push(Planned::Sqlite {
            source: loc.path_of(&copy.file),
            live: PathBuf::from(live),
            owner: (copy.uid, copy.gid, copy.mode),
        });
    }
    for (i, db) in service.postgres.iter().enumerate() {
        let dump = stored_entry(&d.postgres, i, cloning, |p| p.name == db.name)
            .with_context(|| missing(format!("dump of PostgreSQL database {}", db.name)))?;
        let mut options = dump.create_options.clone();
        options.extend(db.create.options.clone());
        if cloning {
            // The other service's owner is not ours.
            options.retain(|k, _| !k.eq_ignore_ascii_case("owner"));
            options.extend(db.create.options.clone());
        }
        out.push(Planned::Postgres {
            source: loc.path_of(&dump.file),
            db: db.name.clone(),
            create: db.create.enable,
            options,
            state: dump.database_state.clone(),
            cloning,
        });
    }
    for (i, (dname, dump)) in service.dumps.iter().enumerate() {
        let stored = stored_entry(&d.dumps, i, cloning, |x| x.name == *dname)
            .with_context(|| missing(format!("stored dump `{dname}`")))?;
        out.push(Planned::Dump {
            source: loc.path_of(&stored.file),
            name: dname.clone(),
            restore_cmd: dump.restore_cmd.clone(),
            user: dump.user.clone(),
        });
    }
    Ok(out)
}

/// What a snapshot stored for the service's `i`-th database or dump: when
/// cloning another service's snapshot (whose names and paths are not ours)
/// the `i`-th stored entry, else the one `is_ours` recognises.
fn stored_entry<T>(
    stored: &[T],
    i: usize,
    cloning: bool,
    is_ours: impl Fn(&T) -> bool,
) -> Option<&T> {
    if cloning {
        stored.get(i)
    } else {
        stored.iter().find(|x| is_ours(x))
    }
}

/// The roles an in-place restore of `p` needs on the server, each with what
/// for (`db: use, use`). Object owners only when ownership is restored as
/// dumped (no `OWNER` create option: with one, `pg_restore --no-owner`);
/// the database owner only when it is set from the record.
fn needed_roles(p: &Planned, into: &mut BTreeMap<String, Vec<String>>) {
    let Planned::Postgres {
        db,
        create,
        options,
        state,
        cloning,
        ..
    } = p
    else {
        return;
    };
    // The staging database is created with the options only when `create`.
    let owner_opt = if *create {
        options
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("owner"))
            .map(|(_, v)| v.clone())
    } else {
        None
    };
    let mut uses: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    if let Some(o) = &owner_opt {
        uses.entry(o.clone()).or_default().push(USE_DATABASE_OWNER);
    }
    if let Some(st) = state {
        let owner_replaced = *cloning || owner_opt.is_some();
        for r in &st.roles {
            for u in &r.uses {
                let skip = (u == USE_OBJECT_OWNER && owner_opt.is_some())
                    || (u == USE_DATABASE_OWNER && owner_replaced)
                    || (u == USE_DATABASE_PRIVILEGES && owner_replaced && r.name == st.owner);
                if !skip {
                    let v = uses.entry(r.name.clone()).or_default();
                    if !v.contains(&u.as_str()) {
                        v.push(u);
                    }
                }
            }
        }
    }
    for (role, u) in uses {
        into.entry(role)
            .or_default()
            .push(format!("{db}: {}", u.join(", ")));
    }
}

fn describe(p: &Planned, mode: &Mode) -> (String, String) {
    let in_place = matches!(mode, Mode::InPlace);
    match p {
        Planned::File { source, live } => {
            let exists = live.exists();
            let what = if in_place {
                if exists {
                    format!(
                        "replace files {} (old copy kept until the swap succeeded)",
                        live.display()
                    )
                } else {
                    format!("create files {}", live.display())
                }
            } else {
                format!("restore files {source}")
            };
            (live.display().to_string(), what)
        }
        Planned::Sqlite { live, .. } => {
            let what = if in_place {
                let stale: Vec<String> = ["-wal", "-shm", "-journal"]
                    .iter()
                    .map(|s| side(live, s))
                    .filter(|p| p.exists())
                    .map(|p| p.display().to_string())
                    .collect();
                format!(
                    "{} SQLite database {}{}",
                    if live.exists() { "replace" } else { "create" },
                    live.display(),
                    if stale.is_empty() {
                        String::new()
                    } else {
                        format!(", remove stale {}", stale.join(", "))
                    }
                )
            } else {
                format!("restore SQLite copy of {}", live.display())
            };
            (live.display().to_string(), what)
        }
        Planned::Postgres {
            db,
            create,
            options,
            state,
            cloning,
            ..
        } => {
            let what = if in_place {
                format!(
                    "{} PostgreSQL database {db}{} and pg_restore the dump{}",
                    if *create {
                        "drop and recreate"
                    } else {
                        "restore into"
                    },
                    if options.is_empty() {
                        String::new()
                    } else {
                        format!(
                            " ({})",
                            options
                                .iter()
                                .map(|(k, v)| format!("{k}={v}"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    },
                    match (state.is_some(), *cloning) {
                        (false, _) => "",
                        (true, false) => {
                            ", then give it the recorded owner, privileges, settings and comment"
                        }
                        (true, true) =>
                            ", then give it the recorded privileges, settings and comment",
                    }
                )
            } else if let Mode::Scratch { db_suffix, .. } = mode {
                format!("pg_restore into scratch database {db}{db_suffix}")
            } else {
                format!("restore the dump of PostgreSQL database {db}")
            };
            (db.clone(), what)
        }
        Planned::Dump {
            name, restore_cmd, ..
        } => {
            let what = if in_place {
                format!("feed stored dump `{name}` to restoreCmd `{restore_cmd}`")
            } else {
                format!("restore stored dump `{name}`")
            };
            (name.clone(), what)
        }
    }
}

fn side(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

fn kind_of(p: &Planned) -> &'static str {
    match p {
        Planned::File { .. } => "files",
        Planned::Sqlite { .. } => "sqlite",
        Planned::Postgres { .. } => "postgres",
        Planned::Dump { .. } => "dump",
    }
}

/// Every live location of every service (for refusing scratch/inspect targets inside them).
pub fn live_locations(manifest: &Manifest) -> Vec<PathBuf> {
    let mut v = Vec::new();
    for s in manifest.services.values() {
        v.extend(s.files.iter().map(PathBuf::from));
        v.extend(s.sqlite.iter().map(PathBuf::from));
        if let Some(d) = &s.data_dir {
            v.push(PathBuf::from(d));
        }
    }
    v
}

fn normalize(p: &Path) -> PathBuf {
    let out = crate::lexical::normalize(p);
    // Resolve symlinks of the existing prefix so `/tmp/x/../live` tricks are caught.
    let mut existing = out.clone();
    let mut rest = Vec::new();
    while !existing.exists() {
        match (
            existing.file_name().map(std::ffi::OsStr::to_owned),
            existing.parent(),
        ) {
            (Some(n), Some(p)) => {
                rest.push(n);
                existing = p.to_path_buf();
            }
            _ => break,
        }
    }
    let mut real = std::fs::canonicalize(&existing).unwrap_or(existing);
    for n in rest.iter().rev() {
        real.push(n);
    }
    real
}

/// Refuses a scratch or inspect directory that is, contains or is inside a live location.
pub fn refuse_live_target(manifest: &Manifest, dir: &Path) -> anyhow::Result<()> {
    let d = normalize(dir);
    for live in live_locations(manifest) {
        let l = normalize(&live);
        if d.starts_with(&l) || l.starts_with(&d) {
            bail!(
                "refusing to use {} as a scratch/inspect target: it overlaps the live location {}; choose a directory outside every service's data",
                dir.shown(),
                live.shown()
            );
        }
    }
    Ok(())
}

/// The live entries under a files location that the service's excludes
/// leave out of every backup (its SQLite files aside: those are restored).
fn kept_entries(service: &Service, live: &Path) -> Vec<PathBuf> {
    let sqlite: Vec<PathBuf> = service
        .sqlite
        .iter()
        .flat_map(|db| ["", "-wal", "-shm", "-journal"].map(|s| side(Path::new(db), s)))
        .collect();
    super::exclude::excluded_entries(live, &super::backup::user_excludes(service))
        .into_iter()
        .filter(|e| !sqlite.contains(e))
        .collect()
}

/// The first restic repository (`config` with `keys/` and `snapshots/`) or
/// atelier staging directory (holding a snapshot description) in `root`.
fn protected_inside(root: &Path) -> Option<(&'static str, PathBuf)> {
    let is_repository = |d: &Path| {
        d.join("config").is_file() && d.join("keys").is_dir() && d.join("snapshots").is_dir()
    };
    walkdir::WalkDir::new(root)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_dir())
        .find_map(|e| {
            if is_repository(e.path()) {
                Some(("a restic repository", e.into_path()))
            } else if e.path().join(snapshot_desc::DESCRIPTION_FILE).is_file() {
                Some(("an atelier staging directory", e.into_path()))
            } else {
                None
            }
        })
}

/// Refuses an in-place restore whose swap would replace a restic
/// repository, atelier's state directory or a staging directory along with
/// the service's files: the copy in the snapshot is older, so snapshots,
/// journals and locks written since would be lost.
fn refuse_unswappable(env: &Env, name: &str, planned: &[Planned]) -> anyhow::Result<()> {
    let state = normalize(env.state_dir);
    for p in planned {
        let Planned::File { live, .. } = p else {
            continue;
        };
        let l = normalize(live);
        let relation = if state.starts_with(&l) {
            Some("holds")
        } else if l.starts_with(&state) {
            Some("is inside")
        } else {
            None
        };
        if let Some(relation) = relation {
            bail!(
                "refusing to restore `{name}` in place: its files location {} {relation} atelier's state directory {} (run records, locks, staging, restore journals), which the swap would replace; nothing was changed. Set ATELIER_STATE_DIR outside every data path or narrow the service's files; `--inspect DIR` still restores a copy",
                live.shown(),
                env.state_dir.shown()
            );
        }
        if let Some((what, at)) = protected_inside(live) {
            bail!(
                "refusing to restore `{name}` in place: its files location {} holds {what} at {}, which the swap would replace with its older copy in the snapshot (losing what was written since, e.g. every newer snapshot); nothing was changed. Move it outside every data path, or restore with `--inspect DIR` and copy back what you need",
                live.shown(),
                at.shown()
            );
        }
    }
    Ok(())
}

fn token() -> String {
    format!(
        "{}-{}",
        chrono::Utc::now().format("%Y%m%dT%H%M%S"),
        std::process::id()
    )
}

fn count_files(dir: &Path) -> usize {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| !e.file_type().is_dir())
        .count()
}

/// The restored tree has as many entries (files, links; not directories) as
/// the snapshot holds below `source`.
fn verify_files(
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
    let problems = super::sqlite::integrity_problems(&conn)
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
            super::sqlite::summarize_problems(&problems),
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
    super::state::write_atomic(&file, text.as_bytes()).ok()?;
    Some(file)
}

fn chown_like(
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

fn chown_tree(root: &Path, uid: Option<u32>, gid: Option<u32>) -> anyhow::Result<()> {
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

fn user_ids(service: &Service, name: &str) -> (Option<u32>, Option<u32>) {
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

/// The `pre-restore` safety snapshot: the service's current data, in the same
/// layout as a regular backup (files at their paths, SQLite online copies,
/// `pg_dump -Fc -Z 0`, dumps through `backupCmd`). Returns `None` when there
/// is no live data to save (a blank machine).
pub fn safety_snapshot(
    env: &Env,
    restic: &Restic,
    name: &str,
    service: &Service,
) -> anyhow::Result<Option<String>> {
    capture(env, restic, name, service, &["pre-restore"])
}

/// A snapshot of the service's current data with `extra_tags` (see [`safety_snapshot`]).
pub fn capture(
    env: &Env,
    restic: &Restic,
    name: &str,
    service: &Service,
    extra_tags: &[&str],
) -> anyhow::Result<Option<String>> {
    let pg = pg_of(env.manifest);
    let mut paths: Vec<PathBuf> = service
        .files
        .iter()
        .map(PathBuf::from)
        .filter(|p| p.exists())
        .collect();
    let live_sqlite: Vec<&String> = service
        .sqlite
        .iter()
        .filter(|p| Path::new(p).exists())
        .collect();
    let mut live_pg = Vec::new();
    for db in &service.postgres {
        if pg.exists(&db.name).unwrap_or(false) {
            live_pg.push(db.name.clone());
        }
    }
    if paths.is_empty() && live_sqlite.is_empty() && live_pg.is_empty() && service.dumps.is_empty()
    {
        return Ok(None);
    }
    // Only what is live is saved (a blank machine has nothing), online, with
    // the same staging steps and self-description as `run`. The staging
    // directory ends in `/staging/<name>` like a regular one, but is private
    // to this capture so that a concurrent `run` cannot clear it.
    let live = Service {
        sqlite: live_sqlite.into_iter().cloned().collect(),
        postgres: service
            .postgres
            .iter()
            .filter(|d| live_pg.contains(&d.name))
            .cloned()
            .collect(),
        stop_for_backup: false,
        // Without the service's excludes: what a backup leaves out is
        // exactly what the safety snapshot must hold.
        exclude: Vec::new(),
        ..service.clone()
    };
    let private_root = env
        .state_dir
        .join("staging")
        .join(format!("{name}.capture-{}", std::process::id()));
    let _cleanup = RemoveOnDrop(private_root.clone());
    let staging = super::staging::Staging::create(&private_root, name)?;
    let created = chrono::Utc::now().to_rfc3339();
    let mut desc = super::backup::new_description(env.manifest, name, &live, &staging, &created);
    let explain = |e: anyhow::Error| staging.explain(e, &live.sqlite).context("safety snapshot");
    super::backup::stage_sqlite(name, &live, &staging, &mut desc).map_err(explain)?;
    super::backup::stage_postgres(env.manifest, name, &live, &staging, &mut desc)
        .map_err(explain)?;
    super::backup::stage_dumps(name, &live, &staging, &mut desc).map_err(explain)?;
    std::fs::write(
        staging.path().join(snapshot_desc::DESCRIPTION_FILE),
        desc.to_json(),
    )
    .map_err(|e| explain(e.into()))?;
    paths.push(staging.path().to_path_buf());
    let mut tags = vec!["atelier".to_owned(), format!("service:{name}")];
    tags.extend(extra_tags.iter().map(|t| (*t).to_owned()));
    tags.extend(service.kinds().iter().map(|k| format!("type:{k}")));
    let id = restic.backup(
        &paths,
        &super::backup::excludes(&live),
        &tags,
        &env.manifest.host,
    )?;
    // Known to the retention record, so that the next `run` need not start
    // a `forget` only because of this snapshot (super::retention).
    let mut tracker = super::retention::Tracker::open(env.state_dir, restic.driver());
    tracker.record_created(&id, &env.manifest.host, &tags);
    if let Err(e) = tracker.save() {
        eprintln!("atelier-backup: cannot save the retention record: {e:#}");
    }
    Ok(Some(id))
}

/// The atomic exchange needs the staged copy on the live path's filesystem;
/// a location that is itself a mount point cannot be swapped.
fn same_filesystem(live: &Path, staged: &Path) -> anyhow::Result<()> {
    if let (Ok(l), Ok(s)) = (
        std::fs::symlink_metadata(live),
        std::fs::symlink_metadata(staged),
    ) {
        if l.dev() != s.dev() {
            bail!(
                "{} is a mount point (another filesystem than its parent directory), so it cannot be swapped atomically; restore with --inspect DIR and copy the data in, or declare the directories inside it as the files locations",
                live.shown()
            );
        }
    }
    Ok(())
}

/// Removes a directory when dropped (every path out of a capture).
struct RemoveOnDrop(PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        swap::remove_any(&self.0);
    }
}

/// Whether any of the service's files, SQLite databases or PostgreSQL databases exist.
fn has_live_data(env: &Env, service: &Service) -> bool {
    let pg = pg_of(env.manifest);
    service
        .files
        .iter()
        .chain(&service.sqlite)
        .any(|p| Path::new(p).exists())
        || service
            .postgres
            .iter()
            .any(|d| pg.exists(&d.name).unwrap_or(false))
}

/// Runs one restore. In place, any failure before the swap changes nothing
/// live and any failure after it rolls back; units are started again on
/// every path out.
pub fn restore(env: &Env, req: &Request) -> anyhow::Result<Outcome> {
    let started = Instant::now();
    let manifest = env.manifest;
    let name = req.service.as_str();
    let service = manifest
        .services
        .get(name)
        .with_context(|| super::config_error::service_not_in_manifest(manifest, name).0)?;
    let source = req.from.clone().unwrap_or_else(|| name.to_owned());
    let cloning = req.from.is_some();
    // The same lock `run` takes: no backup of this service while it is restored.
    let _service_lock = if matches!(req.mode, Mode::InPlace) && !req.dry_run {
        Some(super::lock::acquire(
            &env.state_dir.join("locks"),
            &format!("service-{name}"),
            &format!("restore {name}"),
            super::lock::default_timeout(),
        )?)
    } else {
        None
    };
    // A dry run changes nothing, recovery included: it only reports it.
    let recovery_pending =
        matches!(req.mode, Mode::InPlace) && req.dry_run && swap::pending(env.state_dir, name);
    if matches!(req.mode, Mode::InPlace) && !req.dry_run {
        swap::recover(env.state_dir, Some(name))?;
    }
    let restic = match &req.repository {
        Some(repo) => {
            if !service.repositories.contains(repo) {
                bail!(
                    "service `{name}` is not backed up to repository `{repo}` (its repositories: {})",
                    service.repositories.join(", ")
                );
            }
            Restic::new(env.restic, manifest, repo, env.state_dir)?
        }
        None => Restic::for_service(env.restic, manifest, name, env.state_dir)?,
    };
    (env.progress)(&format!(
        "{name}: resolving snapshot {} of `{source}`",
        req.snapshot.as_deref().unwrap_or("latest")
    ));
    let snap = resolve(&restic, manifest, &source, req.snapshot.as_deref(), cloning)?;
    // Files-only services restore at their own paths: their self-description
    // is only read when cloning (a `restic dump` process saved per service).
    let needs_description = cloning
        || !(service.sqlite.is_empty() && service.postgres.is_empty() && service.dumps.is_empty());
    let loc = if needs_description {
        snapshot_desc::locate(&restic, &snap, &source)?
    } else {
        None
    };
    let planned = plan(
        service,
        name,
        loc.as_ref(),
        &snap,
        cloning,
        manifest.services.get(&source),
    )?;
    let mode_name = match req.mode {
        Mode::InPlace => "in-place",
        Mode::Inspect(_) => "inspect",
        Mode::Scratch { .. } => "scratch",
    };
    let mut outcome = Outcome {
        service: name.to_owned(),
        from: source.clone(),
        snapshot: snap.id.clone(),
        snapshot_time: snap.time.clone(),
        mode: mode_name,
        dry_run: req.dry_run,
        recovery_pending,
        safety_snapshot: None,
        items: planned
            .iter()
            .map(|p| {
                let (target, action) = describe(p, &req.mode);
                let source = match p {
                    Planned::File { source, .. }
                    | Planned::Sqlite { source, .. }
                    | Planned::Postgres { source, .. }
                    | Planned::Dump { source, .. } => source.clone(),
                };
                Item {
                    kind: kind_of(p),
                    target,
                    source,
                    action,
                    verified: None,
                    detail: String::new(),
                }
            })
            .collect(),
        verified: false,
        duration_ms: 0,
        scratch_databases: Vec::new(),
        target_dir: match &req.mode {
            Mode::Inspect(d) | Mode::Scratch { dir: d, .. } => Some(d.display().to_string()),
            Mode::InPlace => None,
        },
        missing_roles: Vec::new(),
    };
    if planned.is_empty() {
        bail!("service `{name}` declares no data to restore");
    }
    if matches!(req.mode, Mode::InPlace) {
        refuse_unswappable(env, name, &planned)?;
        let patterns = super::backup::user_excludes(service);
        for (p, item) in planned.iter().zip(outcome.items.iter_mut()) {
            if let Planned::File { live, .. } = p {
                let kept = super::exclude::file_count(&kept_entries(service, live));
                if kept > 0 {
                    item.action = format!(
                        "{}; kept: {kept} files matching exclude patterns ({}) are carried over from the live tree",
                        item.action,
                        patterns.join(", ")
                    );
                }
            }
        }
    }
    if let Mode::Inspect(dir) | Mode::Scratch { dir, .. } = &req.mode {
        refuse_live_target(manifest, dir)?;
    }
    // Roles the dumps need, checked before the safety snapshot and staging
    // (a drill too: it restores as a restore would, and must fail where
    // that one would stop).
    if matches!(req.mode, Mode::InPlace | Mode::Scratch { .. }) {
        let mut needed = BTreeMap::new();
        for p in &planned {
            needed_roles(p, &mut needed);
        }
        if !needed.is_empty() {
            let names: Vec<String> = needed.keys().cloned().collect();
            match pg_of(manifest).missing_roles(&names) {
                Ok(missing) => {
                    outcome.missing_roles = missing
                        .into_iter()
                        .map(|name| MissingRole {
                            needed_for: needed.remove(&name).unwrap_or_default(),
                            name,
                        })
                        .collect();
                }
                Err(e) if req.dry_run => (env.progress)(&format!(
                    "{name}: cannot check the PostgreSQL roles the dumps need: {e:#}"
                )),
                Err(e) => {
                    return Err(e.context(format!(
                        "restore of `{name}`: cannot check the PostgreSQL roles the dumps need; nothing was changed"
                    )))
                }
            }
        }
        if !req.dry_run && !outcome.missing_roles.is_empty() {
            if matches!(req.mode, Mode::Scratch { .. }) {
                bail!(
                    "drill of `{name}`: a restore would stop here, nothing was restored: {}\nthen drill again",
                    outcome.missing_roles_text()
                );
            }
            bail!(
                "restore of `{name}` stopped before touching anything, nothing was changed: {}\nthen restore again",
                outcome.missing_roles_text()
            );
        }
    }
    if req.dry_run {
        outcome.duration_ms = started.elapsed().as_millis();
        return Ok(outcome);
    }
    match &req.mode {
        Mode::InPlace => {
            let replaced: Vec<String> = outcome.items.iter().map(|i| i.action.clone()).collect();
            if !(env.confirm)(&replaced)? {
                bail!("restore of `{name}` cancelled: nothing was changed");
            }
            in_place(env, req, &restic, &snap, service, &planned, &mut outcome)?;
        }
        Mode::Inspect(dir) => to_directory(env, &restic, &snap, &planned, dir, None, &mut outcome)?,
        Mode::Scratch { dir, db_suffix } => to_directory(
            env,
            &restic,
            &snap,
            &planned,
            dir,
            Some(db_suffix),
            &mut outcome,
        )?,
    }
    outcome.verified = outcome.items.iter().all(|i| i.verified != Some(false));
    outcome.duration_ms = started.elapsed().as_millis();
    Ok(outcome)
}

/// Restores one snapshot path to `target/<path>` and returns that path.
fn fetch(restic: &Restic, snap: &Snapshot, source: &str, target: &Path) -> anyhow::Result<PathBuf> {
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
fn restore_together(
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
            let stage = live
                .parent()
                .context("a files location must not be /")?
                .join(format!(".atelier-restore-{tok}"));
            (stage.clone(), stage)
        }
        Some(Planned::Sqlite { live, .. }) => {
            let stage = live
                .parent()
                .context("a SQLite path must have a directory")?
                .join(format!(".atelier-restore-{tok}"));
            (stage.join("fetch"), stage)
        }
        _ => (tmp_dir.to_path_buf(), tmp_dir.to_path_buf()),
    };
    if !journal.staging_dirs.contains(&stage) {
        journal.staging_dirs.push(stage);
        journal.save(env.state_dir)?;
    }
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
fn take(
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

fn to_directory(
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

/// `db` has the recorded database-level `state` (owner when `owner`,
/// privileges, settings, comment), else an error naming what differs.
fn check_database_state(
    conn: &crate::plan::PostgresConnection,
    db: &str,
    state: &DatabaseState,
    owner: bool,
) -> anyhow::Result<()> {
    let got = super::postgres::database_state(conn, db)?;
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

/// Scratch database names stay within PostgreSQL's 63-byte limit.
pub fn scratch_db_name(db: &str, suffix: &str) -> String {
    let keep = 63usize.saturating_sub(suffix.len());
    let mut base: String = db.chars().collect();
    while base.len() > keep {
        base.pop();
    }
    format!("{base}{suffix}")
}

fn in_place(
    env: &Env,
    req: &Request,
    restic: &Restic,
    snap: &Snapshot,
    service: &Service,
    planned: &[Planned],
    outcome: &mut Outcome,
) -> anyhow::Result<()> {
    let name = req.service.as_str();
    let pg = pg_of(env.manifest);
    if req.safety_snapshot {
        (env.progress)(&format!("{name}: taking the pre-restore safety snapshot"));
        let repo_lock = super::lock::acquire(
            &env.state_dir.join("locks"),
            &format!("repository-{}", restic.name),
            &format!("pre-restore snapshot of {name}"),
            super::lock::default_timeout(),
        )?;
        let taken = safety_snapshot(env, restic, name, service);
        drop(repo_lock);
        match taken {
            Ok(id) => outcome.safety_snapshot = id,
            // A blank machine (disaster recovery): nothing live to save, e.g. a
            // dump's backupCmd has nothing to read yet.
            Err(e) if !has_live_data(env, service) => {
                (env.progress)(&format!("{name}: no live data, no safety snapshot ({e:#})"));
            }
            Err(e) => {
                return Err(e.context(format!(
                "restore of `{name}` stopped before touching live data: the safety snapshot failed"
            )))
            }
        }
    }
    crash_point("after-safety-snapshot");
    // The service name keeps parallel dr jobs sharing a parent directory apart.
    let tok = format!("{name}-{}", token());
    let short: String = snap.short_id.chars().take(8).collect();
    let mut journal = Journal {
        id: tok.clone(),
        service: name.to_owned(),
        snapshot: snap.id.clone(),
        phase: Phase::Prepared,
        files: Vec::new(),
        databases: Vec::new(),
        pg: if service.postgres.is_empty() {
            None
        } else {
            Some(pg.clone())
        },
        staging_dirs: Vec::new(),
        units_stopped: Vec::new(),
        systemctl: env.systemctl.to_owned(),
    };
    let tmp_dir = env.state_dir.join("restore-tmp").join(&journal.id);
    journal.staging_dirs.push(tmp_dir.clone());
    let (svc_uid, svc_gid) = user_ids(service, name);
    let mut dumps_to_feed: Vec<(String, PathBuf, String, Option<String>)> = Vec::new();
    // (live, staged) files locations: the excluded live files go along.
    let mut carry: Vec<(PathBuf, PathBuf)> = Vec::new();

    // Stage and verify; on any error, discard what was staged: nothing live changed.
    let staged = (|| -> anyhow::Result<()> {
        // The journal exists before any staging so a crash leaves nothing behind unexplained.
        journal.save(env.state_dir)?;
        let pre = restore_together(restic, snap, planned, &tok, &tmp_dir, &mut journal, env)?;
        let pre = pre.as_deref();
        for (p, item) in planned.iter().zip(outcome.items.iter_mut()) {
            match p {
                Planned::File { source, live } => {
                    let parent = live.parent().context("a files location must not be /")?;
                    std::fs::create_dir_all(parent)?;
                    let stage = parent.join(format!(".atelier-restore-{tok}"));
                    if !journal.staging_dirs.contains(&stage) {
                        journal.staging_dirs.push(stage.clone());
                        journal.save(env.state_dir)?;
                    }
                    (env.progress)(&format!("restoring {} into staging", live.shown()));
                    let got = take(restic, snap, source, &stage, pre)?;
                    same_filesystem(live, &got)?;
                    if req.from.is_some() {
                        chown_tree(&got, svc_uid, svc_gid)?;
                    }
                    item.detail = verify_files(restic, snap, source, &got).with_context(|| {
                        format!(
                            "verification of the restored copy of {} failed; live data untouched",
                            live.shown()
                        )
                    })?;
                    item.verified = Some(true);
                    carry.push((live.clone(), got.clone()));
                    let base = live
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    journal.files.push(FileSwap {
                        live: live.clone(),
                        backup: parent.join(format!(".atelier-old-{tok}-{base}")),
                        had_live: live.symlink_metadata().is_ok(),
                        staged_ino: Some(std::fs::symlink_metadata(&got)?.ino()),
                        staged: Some(got),
                    });
                }
                Planned::Sqlite {
                    source,
                    live,
                    owner,
                } => {
                    let parent = live
                        .parent()
                        .context("a SQLite path must have a directory")?;
                    std::fs::create_dir_all(parent)?;
                    let stage = parent.join(format!(".atelier-restore-{tok}"));
                    if !journal.staging_dirs.contains(&stage) {
                        journal.staging_dirs.push(stage.clone());
                        journal.save(env.state_dir)?;
                    }
                    (env.progress)(&format!("restoring {} into staging", live.shown()));
                    let got = take(restic, snap, source, &stage.join("fetch"), pre)?;
                    let base = live
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    let staged_file = stage.join(&base);
                    std::fs::rename(&got, &staged_file)?;
                    (env.progress)(&format!("verifying {}", live.shown()));
                    item.detail =
                        verify_sqlite(&staged_file, Some(env.state_dir)).with_context(|| {
                            format!(
                            "verification of the restored copy of {} failed; live data untouched",
                            live.shown()
                        )
                        })?;
                    item.verified = Some(true);
                    for s in ["-wal", "-shm", "-journal"] {
                        swap::remove_any(&side(&staged_file, s));
                    }
                    // Ownership and mode: the live file's, else the recorded ones, else the service user's.
                    let (uid, gid, mode) = match std::fs::metadata(live) {
                        Ok(md) => (Some(md.uid()), Some(md.gid()), Some(md.mode() & 0o7777)),
                        Err(_) if req.from.is_none() => {
                            (owner.0.or(svc_uid), owner.1.or(svc_gid), owner.2)
                        }
                        Err(_) => (svc_uid, svc_gid, owner.2),
                    };
                    chown_like(&staged_file, uid, gid, mode)?;
                    journal.files.push(FileSwap {
                        live: live.clone(),
                        backup: parent.join(format!(".atelier-old-{tok}-{base}")),
                        had_live: live.symlink_metadata().is_ok(),
                        staged_ino: Some(std::fs::symlink_metadata(&staged_file)?.ino()),
                        staged: Some(staged_file),
                    });
                    for s in ["-wal", "-shm", "-journal"] {
                        let l = side(live, s);
                        if l.symlink_metadata().is_ok() {
                            journal.files.push(FileSwap {
                                live: l,
                                staged: None,
                                backup: parent.join(format!(".atelier-old-{tok}-{base}{s}")),
                                had_live: true,
                                staged_ino: None,
                            });
                        }
                    }
                }
                Planned::Postgres {
                    source,
                    db,
                    create,
                    options,
                    state,
                    cloning,
                } => {
                    (env.progress)(&format!("restoring the dump of {db}"));
                    let dump = take(restic, snap, source, &tmp_dir, pre)?;
                    let n = pg.list_dump(&dump).with_context(|| {
                        format!("verification of the dump of {db} failed; live data untouched")
                    })?;
                    let staging_db = scratch_db_name(db, &format!("__atelier_new_{short}"));
                    let old_db = scratch_db_name(db, &format!("__atelier_old_{short}"));
                    pg.drop_if_exists(&staging_db)?;
                    // The staging database is created with the create options, so the
                    // rename gives exactly "dropped and recreated with its options".
                    let opts = if *create {
                        options.clone()
                    } else {
                        BTreeMap::new()
                    };
                    journal.databases.push(DbSwap {
                        db: db.clone(),
                        staging_db: staging_db.clone(),
                        old_db,
                        had_live: pg.exists(db)?,
                    });
                    journal.save(env.state_dir)?;
                    pg.create(&staging_db, &opts)?;
                    let owner = opts
                        .iter()
                        .find(|(k, _)| k.eq_ignore_ascii_case("owner"))
                        .map(|(_, v)| v.as_str());
                    pg.restore_dump(&dump, &staging_db, owner)
                        .with_context(|| {
                            format!("pg_restore of {db} into staging failed; live data untouched")
                        })?;
                    let tables = pg.table_count(&staging_db)?;
                    if let Some(st) = state {
                        // The rename into place keeps all of it (it is keyed by the database).
                        pg.apply_database_state(&staging_db, st, !*cloning && owner.is_none(), &opts)
                            .with_context(|| {
                                format!("giving the restored {db} its recorded privileges, settings and comment failed; live data untouched")
                            })?;
                    }
                    item.verified = Some(true);
                    item.detail =
                        format!("pg_restore --list: {n} entries; {tables} tables restored");
                }
                Planned::Dump {
                    source,
                    name: dname,
                    restore_cmd,
                    user,
                } => {
                    let dump = fetch(restic, snap, source, &tmp_dir)?;
                    let len = std::fs::metadata(&dump)?.len();
                    if let Some(u) = user.as_deref() {
                        if let Some(uu) = nix::unistd::User::from_name(u).ok().flatten() {
                            let _ = nix::unistd::chown(&dump, Some(uu.uid), None);
                            let _ = nix::unistd::chown(&tmp_dir, Some(uu.uid), None);
                        }
                    }
                    item.verified = Some(true);
                    item.detail = format!("{len} bytes");
                    dumps_to_feed.push((dname.clone(), dump, restore_cmd.clone(), user.clone()));
                }
            }
        }
        journal.save(env.state_dir)?;
        Ok(())
    })();
    if let Err(e) = staged {
        let _ = journal.rollback();
        journal.remove(env.state_dir);
        return Err(e);
    }
    crash_point("after-stage");

    // Live part: stop units (the journal records it so a crash restarts them).
    let mut units: Vec<String> = service.units.clone();
    for db in &service.postgres {
        for u in &db.stop_on_restore {
            if !units.contains(u) {
                units.push(u.clone());
            }
        }
    }
    let hook_env = vec![
        ("ATELIER_SERVICE".to_owned(), name.to_owned()),
        ("ATELIER_SNAPSHOT".to_owned(), snap.id.clone()),
    ];
    // Only running units are stopped and started again, unless dr brings all up.
    let running: Vec<String> = units
        .iter()
        .filter(|u| is_active(env.systemctl, u))
        .cloned()
        .collect();
    let to_stop = running.clone();
    let units = if req.start_all_units { units } else { running };
    (env.progress)(&format!(
        "{name}: stopping {}",
        if to_stop.is_empty() {
            "no units (none running)".into()
        } else {
            to_stop.join(", ")
        }
    ));
    journal.units_stopped.clone_from(&units);
    journal.save(env.state_dir)?;
    let live_result = (|| -> anyhow::Result<()> {
        systemctl(env.systemctl, "stop", &to_stop)?;
        crash_point("after-units-stopped");
        if let Some(h) = &service.hooks.pre_restore {
            shell(
                h,
                None,
                None,
                &hook_env,
                &format!("preRestore hook of `{name}`"),
            )?;
        }
        // With the units stopped, the excluded files are final: they join
        // the restored tree (the live tree is only read).
        for (live, staged) in &carry {
            let kept = super::exclude::carry_over(live, staged, &kept_entries(service, live))
                .with_context(|| {
                    format!(
                        "cannot carry the files excluded from backups over from {}",
                        live.shown()
                    )
                })?;
            if kept > 0 {
                (env.progress)(&format!(
                    "{name}: kept {kept} files matching exclude patterns from {}",
                    live.shown()
                ));
            }
        }
        (env.progress)(&format!("{name}: swapping the restored data in"));
        journal.swap(env.state_dir)?;
        for (dname, file, cmd, user) in &dumps_to_feed {
            (env.progress)(&format!("{name}: feeding dump `{dname}` to its restoreCmd"));
            shell(
                cmd,
                user.as_deref(),
                Some(file),
                &hook_env,
                &format!("restoreCmd of dump `{dname}`"),
            )?;
        }
        journal.commit(env.state_dir)?;
        Ok(())
    })();
    if let Err(e) = &live_result {
        (env.progress)(&format!("{name}: {e:#}; rolling back"));
        if let Err(rb) = journal.rollback() {
            let _ = post_and_start(env, service, name, &units, &hook_env);
            return Err(anyhow::anyhow!(
                "restore of `{name}` failed: {e:#}; rollback also failed: {rb:#}; the journal is kept at {}; run `atelier-backup restore {name} --in-place` again to retry recovery",
                journal.path(env.state_dir).shown()
            ));
        }
    }
    journal.remove(env.state_dir);
    let post = post_and_start(env, service, name, &units, &hook_env);
    if let Err(e) = live_result {
        let dumps_note = if dumps_to_feed.is_empty() {
            ""
        } else {
            " (a dump's restoreCmd may already have changed its target)"
        };
        return Err(e.context(format!(
            "restore of `{name}` failed and was rolled back: the old data is in place{dumps_note}"
        )));
    }
    post?;
    Ok(())
}

fn post_and_start(
    env: &Env,
    service: &Service,
    name: &str,
    units: &[String],
    hook_env: &[(String, String)],
) -> anyhow::Result<()> {
    let hook = match &service.hooks.post_restore {
        Some(h) => shell(
            h,
            None,
            None,
            hook_env,
            &format!("postRestore hook of `{name}`"),
        ),
        None => Ok(()),
    };
    (env.progress)(&format!(
        "{name}: starting {}",
        if units.is_empty() {
            "no units".into()
        } else {
            units.join(", ")
        }
    ));
    let start = systemctl(env.systemctl, "start", units);
    hook.and(start)
}
