//! The restic calls the restore side needs (snapshots, ls, dump, restore,
//! stats, the safety snapshot), as a thin adapter over the one restic driver
//! `runtime::restic::Restic` (credentials only in the child's environment,
//! classified errors with hints).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex};

use anyhow::Context as _;
use serde::Deserialize;

use crate::plan::Manifest;

/// Whether [`Restic::snapshots`] lists each repository once per process
/// (see [`list_each_repository_once`]).
static ONE_LIST: AtomicBool = AtomicBool::new(false);
/// The snapshot list of each repository, by repository name, once listed.
static LISTS: Mutex<Option<HashMap<String, Vec<Snapshot>>>> = Mutex::new(None);

/// From now on in this process, [`Restic::snapshots`] lists a repository's
/// snapshots once and answers every later call (every service, every tag
/// filter) from that list: `dr` resolves the latest snapshot of N services
/// with one restic process per repository instead of N (each process pays
/// restic's key derivation). Only for commands whose answers must not see
/// snapshots written after they started (dr restores what was latest when
/// it began; its own safety snapshots are never "latest").
pub fn list_each_repository_once() {
    ONE_LIST.store(true, Ordering::SeqCst);
}

/// `dr`'s listing of every repository, made in the background while the
/// first restores run: `None` when none was started, `Some(false)` while
/// it runs, `Some(true)` once it is done (see [`listing_started`]).
static LISTING: (Mutex<Option<bool>>, Condvar) = (Mutex::new(None), Condvar::new());

/// Announces that this process lists its repositories (and registers the
/// contents to list together) in the background; [`Listing::drop`] says it
/// is done. Until then [`listing_in_progress`] is true and
/// [`Restic::ls`] waits for the registration rather than run its own `ls`.
pub fn listing_started() -> Listing {
    *LISTING
        .0
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(false);
    Listing
}

/// The background listing of [`listing_started`]; done when dropped, on
/// every path out (a panic included), so nobody waits for it forever.
pub struct Listing;

impl Drop for Listing {
    fn drop(&mut self) {
        *LISTING
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(true);
        LISTING.1.notify_all();
    }
}

/// Whether the background listing of [`listing_started`] still runs: `dr`
/// then restores a service's latest snapshot as restic resolves it and
/// checks it against the listing afterwards.
pub fn listing_in_progress() -> bool {
    *LISTING
        .0
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        == Some(false)
}

fn wait_for_listing() {
    let mut state = LISTING
        .0
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    while *state == Some(false) {
        state = LISTING
            .1
            .wait(state)
            .unwrap_or_else(std::sync::PoisonError::into_inner);
    }
}

/// How many data-moving restic processes (`restore`, the safety snapshot's
/// `backup`) may run at once in this process, and how many do (see
/// [`limit_data_processes`]).
static DATA_SLOTS: (Mutex<(usize, usize)>, Condvar) = (Mutex::new((usize::MAX, 0)), Condvar::new());

/// From now on in this process, at most `n` `restic restore` or `backup`
/// processes run at the same time; the others wait for a slot. `dr` runs
/// one more worker than `--jobs`, so that one service's verification,
/// `pg_restore`, self-description read and swap overlap the next service's
/// restore while no more restores run at once than `--jobs` asks for.
pub fn limit_data_processes(n: usize) {
    DATA_SLOTS
        .0
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .0 = n.max(1);
}

/// A slot of [`DATA_SLOTS`], given back when dropped.
struct DataSlot;

impl DataSlot {
    /// Waits for a slot; the wait counts as the current restore's wait for
    /// its turn (`restore::waited`), not as its own work.
    fn take() -> Self {
        let waiting = std::time::Instant::now();
        let (lock, freed) = &DATA_SLOTS;
        let mut slots = lock
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        while slots.1 >= slots.0 {
            slots = freed
                .wait(slots)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
        slots.1 += 1;
        super::restore::waited(waiting.elapsed());
        Self
    }
}

impl Drop for DataSlot {
    fn drop(&mut self) {
        let (lock, freed) = &DATA_SLOTS;
        lock.lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .1 -= 1;
        freed.notify_one();
    }
}

/// The snapshots whose contents are listed together, by repository name
/// (see [`list_contents_together`]).
static CONTENTS: Mutex<Option<HashMap<String, Contents>>> = Mutex::new(None);

struct Contents {
    wanted: Vec<String>,
    /// Every node of every wanted snapshot, by full snapshot id, once listed.
    listed: Option<HashMap<String, Vec<Node>>>,
}

/// From now on in this process, [`Restic::ls`] of any of `ids` (full
/// snapshot ids) in `repository` is answered from one `restic find` over all
/// of them, run at the first such call: `dr` verifies the restored trees of
/// N services against their snapshots' file lists with one restic process
/// per repository instead of N `ls` (each pays restic's key derivation).
pub fn list_contents_together(repository: &str, ids: Vec<String>) {
    let mut all = CONTENTS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    all.get_or_insert_with(HashMap::new).insert(
        repository.to_owned(),
        Contents {
            wanted: ids,
            listed: None,
        },
    );
}

/// One repository of the manifest, ready to run restic against.
#[derive(Debug)]
pub struct Restic {
    pub name: String,
    inner: super::restic::Restic,
}

/// A snapshot as the restore side uses it (time kept as restic printed it).
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub id: String,
    pub short_id: String,
    pub time: String,
    pub tags: Vec<String>,
    pub hostname: String,
    pub paths: Vec<String>,
    /// Regular files the backup stored, from the summary restic (0.17+)
    /// records in the snapshot; `None` for older snapshots.
    pub files: Option<u64>,
}

impl Snapshot {
    pub fn time(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        chrono::DateTime::parse_from_rfc3339(&self.time)
            .ok()
            .map(|t| t.with_timezone(&chrono::Utc))
    }
    pub fn has_tag(&self, tag: &str) -> bool {
        self.tags.iter().any(|t| t == tag)
    }
    pub fn service(&self) -> Option<&str> {
        self.tags.iter().find_map(|t| t.strip_prefix("service:"))
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Node {
    #[serde(default)]
    pub name: String,
    #[serde(default, rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub path: String,
    #[serde(default)]
    pub size: Option<u64>,
}

impl Restic {
    pub fn new(
        program: &str,
        manifest: &Manifest,
        name: &str,
        state_dir: &Path,
    ) -> anyhow::Result<Self> {
        let inner = super::restic::Restic::for_repository(program, manifest, name)?
            .with_cache_dir(state_dir.join("cache"))
            .with_version_cache(state_dir.join("restic-version.json"));
        Ok(Self {
            name: name.to_owned(),
            inner,
        })
    }

    /// The first repository a service goes to.
    pub fn for_service(
        program: &str,
        manifest: &Manifest,
        service: &str,
        state_dir: &Path,
    ) -> anyhow::Result<Self> {
        let svc = manifest
            .services
            .get(service)
            .with_context(|| format!("service `{service}` is not in the manifest"))?;
        let repo = svc
            .repositories
            .first()
            .with_context(|| format!("service `{service}` has no repository"))?;
        Self::new(program, manifest, repo, state_dir)
    }

    /// Runs restic, returns stdout; a failure carries restic's explaining line and a hint.
    pub fn output(&self, args: &[&str], what: &str) -> anyhow::Result<Vec<u8>> {
        Ok(self.inner.run(what, args)?.stdout)
    }

    /// Snapshots carrying every tag in `tags`, oldest first.
    pub fn snapshots(&self, tags: &[&str]) -> anyhow::Result<Vec<Snapshot>> {
        if ONE_LIST.load(Ordering::SeqCst) {
            // Held while listing: parallel dr jobs wait for the one list.
            let mut lists = LISTS
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let lists = lists.get_or_insert_with(HashMap::new);
            if !lists.contains_key(&self.name) {
                let all = self.list(&[])?;
                lists.insert(self.name.clone(), all);
            }
            return Ok(lists[&self.name]
                .iter()
                .filter(|s| tags.iter().all(|t| s.has_tag(t)))
                .cloned()
                .collect());
        }
        self.list(tags)
    }

    fn list(&self, tags: &[&str]) -> anyhow::Result<Vec<Snapshot>> {
        let tags: Vec<String> = tags.iter().map(|t| (*t).to_owned()).collect();
        let mut snaps: Vec<Snapshot> = self
            .inner
            .snapshots(&tags, None)?
            .into_iter()
            .map(|s| Snapshot {
                files: s.total_files(),
                id: s.id,
                short_id: s.short_id,
                time: s.time.to_rfc3339(),
                tags: s.tags,
                hostname: s.hostname,
                paths: s.paths,
            })
            .collect();
        snaps.sort_by_key(Snapshot::time);
        Ok(snaps)
    }

    pub fn ls(&self, id: &str) -> anyhow::Result<Vec<Node>> {
        if let Some(nodes) = self.listed_together(id)? {
            return Ok(nodes);
        }
        let out = self.output(&["ls", "--json", id], "list snapshot contents")?;
        Ok(out
            .split(|b| *b == b'\n')
            .filter_map(|line| serde_json::from_slice::<Node>(line).ok())
            .filter(|n| !n.path.is_empty())
            .collect())
    }

    /// The nodes of snapshot `id` from the listing shared by the snapshots
    /// registered with [`list_contents_together`]; `None` when `id` is not
    /// one of them.
    fn listed_together(&self, id: &str) -> anyhow::Result<Option<Vec<Node>>> {
        #[derive(Deserialize)]
        struct Found {
            #[serde(default)]
            matches: Vec<Node>,
            snapshot: String,
        }
        // What to list together is registered by the background listing.
        wait_for_listing();
        // Held while listing: parallel dr jobs wait for the one listing.
        let mut all = CONTENTS
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let Some(contents) = all.as_mut().and_then(|a| a.get_mut(&self.name)) else {
            return Ok(None);
        };
        if !contents.wanted.iter().any(|w| w == id) {
            return Ok(None);
        }
        if contents.listed.is_none() {
            // `*` matches every name; a snapshot with no match is left out.
            let mut args = vec!["find", "--json"];
            for w in &contents.wanted {
                args.extend(["--snapshot", w.as_str()]);
            }
            args.push("*");
            let out = self.output(&args, "list snapshot contents")?;
            let found: Vec<Found> = serde_json::from_slice(&out)
                .context("cannot read the snapshot contents restic find printed")?;
            let mut listed: HashMap<String, Vec<Node>> = HashMap::new();
            for f in found {
                let nodes = listed.entry(f.snapshot).or_default();
                nodes.extend(f.matches.into_iter().map(|mut n| {
                    if n.name.is_empty() {
                        n.name = Path::new(&n.path)
                            .file_name()
                            .map(|x| x.to_string_lossy().into_owned())
                            .unwrap_or_default();
                    }
                    n
                }));
            }
            contents.listed = Some(listed);
        }
        Ok(Some(
            contents
                .listed
                .as_ref()
                .and_then(|l| l.get(id))
                .cloned()
                .unwrap_or_default(),
        ))
    }

    pub fn dump(&self, id: &str, path: &str) -> anyhow::Result<Vec<u8>> {
        Ok(self.inner.dump(id, path)?)
    }

    /// Restores the given snapshot paths below `target` (at `target/<path>`).
    pub fn restore(&self, id: &str, target: &Path, includes: &[String]) -> anyhow::Result<()> {
        let _slot = DataSlot::take();
        Ok(self.inner.restore(id, target, includes)?)
    }

    /// Restores the latest snapshot of `host` carrying `tag`, as restic
    /// resolves `latest` now, whole below `target`; returns the snapshot id
    /// restic says it restored (`None` when its output does not say, as a
    /// restic whose wording atelier does not know). The caller checks that
    /// id against the snapshot it resolved itself and discards the restore
    /// when they differ.
    pub fn restore_latest(
        &self,
        host: &str,
        tag: &str,
        target: &Path,
    ) -> anyhow::Result<Option<String>> {
        let _slot = DataSlot::take();
        let out = self.inner.run(
            "restore the latest snapshot",
            [
                "restore",
                "latest",
                "--host",
                host,
                "--tag",
                tag,
                "--target",
                &target.to_string_lossy(),
            ],
        )?;
        Ok(restored_snapshot_id(&String::from_utf8_lossy(&out.stdout)))
    }

    /// `restic stats` restore size of a snapshot, if restic reports it.
    pub fn size(&self, id: &str) -> Option<u64> {
        let out = self
            .output(&["stats", "--json", id], "snapshot size")
            .ok()?;
        let v: serde_json::Value = serde_json::from_slice(&out).ok()?;
        v.get("total_size").and_then(serde_json::Value::as_u64)
    }

    /// Backs up `paths` with `tags`; returns the snapshot id restic printed.
    pub fn backup(
        &self,
        paths: &[PathBuf],
        excludes: &[String],
        tags: &[String],
        host: &str,
    ) -> anyhow::Result<String> {
        let req = super::restic::BackupRequest {
            paths: paths.to_vec(),
            excludes: excludes.to_vec(),
            tags: tags.to_vec(),
            host: host.to_owned(),
        };
        let _slot = DataSlot::take();
        match self.inner.backup(&req, &mut |_| {}) {
            Ok(summary) => Ok(summary.snapshot_id),
            Err(failure) => Err(failure.error.into()),
        }
    }

    /// The restic driver underneath.
    pub fn driver(&self) -> &super::restic::Restic {
        &self.inner
    }

    /// `local`, `rest`, `s3`, … — the repository type, never its location.
    pub fn kind(&self) -> String {
        self.inner.repository_type()
    }
}

/// `KEY=value` lines of an environment file; `#` comments and blank lines
/// skipped, optional quotes (the support bundle redacts every value).
/// The snapshot id in restic restore's first line: `restoring <Snapshot
/// 7d0d2c3c of [...] ...> to DIR` (restic 0.14) or `restoring snapshot
/// 7d0d2c3c of [...] ... to DIR` (0.17+).
fn restored_snapshot_id(stdout: &str) -> Option<String> {
    let line = stdout.lines().find(|l| l.starts_with("restoring "))?;
    let rest = line.strip_prefix("restoring ")?;
    let rest = rest
        .strip_prefix("<Snapshot ")
        .or_else(|| rest.strip_prefix("snapshot "))?;
    let id = rest.split(' ').next()?;
    (id.len() >= 8 && id.bytes().all(|b| b.is_ascii_hexdigit())).then(|| id.to_owned())
}

pub fn parse_env(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line);
        if let Some((k, v)) = line.split_once('=') {
            let v = v.trim();
            let v = v
                .strip_prefix('"')
                .and_then(|x| x.strip_suffix('"'))
                .or_else(|| v.strip_prefix('\'').and_then(|x| x.strip_suffix('\'')))
                .unwrap_or(v);
            out.push((k.trim().to_owned(), v.to_owned()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::restored_snapshot_id;

    #[test]
    fn the_restored_snapshot_is_read_from_both_wordings() {
        // As restic 0.14 and 0.18 print it (seen on Debian 12's and 13's).
        assert_eq!(
            restored_snapshot_id("restoring <Snapshot 7d0d2c3c of [/tmp/rt/d] at 2026-12-07 15:07:06.5 +0000 UTC by root@h> to out\n")
                .as_deref(),
            Some("7d0d2c3c")
        );
        assert_eq!(
            restored_snapshot_id("restoring snapshot 7d0d2c3c of [/tmp/rt/d] at 2026-12-07 15:07:06.5 +0000 UTC by root@h to out3\nSummary: Restored 2 files/dirs (3 B) in 0:00\n")
                .as_deref(),
            Some("7d0d2c3c")
        );
        assert_eq!(
            restored_snapshot_id("Summary: Restored 2 files/dirs\n"),
            None
        );
        assert_eq!(
            restored_snapshot_id("restoring snapshot latest of x\n"),
            None
        );
    }
}
