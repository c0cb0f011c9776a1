//! Restore planning: which snapshot, what goes where, the safety checks on
//! targets, and the plan text shown to the operator.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _};

use super::{Env, Mode};
use crate::plan::{Manifest, Service};
use crate::runtime::postgres::{
    DatabaseState, USE_DATABASE_OWNER, USE_DATABASE_PRIVILEGES, USE_OBJECT_OWNER,
};
use crate::runtime::restore_restic::{Restic, Snapshot};
use crate::runtime::snapshot_desc::{self, Located};
use crate::runtime::terminal::ShowPath as _;

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
                    && !s.has_tag(crate::runtime::restic::INCOMPLETE_TAG)
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
pub(super) enum Planned {
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

pub(super) fn plan(
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
pub(super) fn needed_roles(p: &Planned, into: &mut BTreeMap<String, Vec<String>>) {
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

pub(super) fn describe(p: &Planned, mode: &Mode) -> (String, String) {
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

pub(super) fn side(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

pub(super) fn kind_of(p: &Planned) -> &'static str {
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
pub(super) fn kept_entries(service: &Service, live: &Path) -> Vec<PathBuf> {
    let sqlite: Vec<PathBuf> = service
        .sqlite
        .iter()
        .flat_map(|db| ["", "-wal", "-shm", "-journal"].map(|s| side(Path::new(db), s)))
        .collect();
    crate::runtime::exclude::excluded_entries(live, &crate::runtime::backup::user_excludes(service))
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
pub(super) fn refuse_unswappable(env: &Env, name: &str, planned: &[Planned]) -> anyhow::Result<()> {
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
