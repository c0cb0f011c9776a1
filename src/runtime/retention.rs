//! When `run` may leave out the retention `forget`.
//!
//! Every restic process that opens a repository derives the key with scrypt
//! (calibrated to about half a second when the repository was created), so
//! `forget` after each backup is a fixed cost. `run` skips it only when it
//! provably cannot remove anything: the policy has `last = N` and every group
//! that `forget --host H --tag service:S --group-by host,tags` would form has
//! at most N snapshots (restic's keep-last keeps the N newest of a group, and
//! the other `--keep-*` rules only ever keep more).
//!
//! The proof needs the group of every snapshot in the repository without
//! opening it. The index `ATELIER_STATE_DIR/retention/<repository>.json`
//! records, per snapshot id, what atelier knows:
//!
//! - host and tags of the snapshots atelier itself wrote (`run`, pre-restore
//!   safety snapshots) and of those a `forget` listed;
//! - "does not match host H and tag T" for a snapshot that a `forget` with
//!   that filter did not list.
//!
//! A snapshot id is the hash of its content, so what is known of an id never
//! changes. The ids present now are the file names in the repository's
//! `snapshots/` directory, no key needed: read from the directory of a local
//! repository, with one `GET <url>/snapshots/` from a REST server, or with
//! `rclone lsf` (the `rclone` restic starts, under the repository's
//! environment file) from an `rclone:` one. S3 (a signed request), sftp
//! (restic's own `ssh … -s sftp`) and the other backends would need their
//! own clients and credentials: not listed. Anything
//! not known — a snapshot made by hand, by another host or tool, a rewritten
//! one, a lost or foreign state directory, a file that is not a complete
//! snapshot id, a repository that cannot be listed this way — means `forget`
//! runs, and what it prints is learned for next time.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::plan::Retention;

use super::restic::{ForgetGroup, Restic};
use super::terminal::ShowPath as _;

const FORMAT: u32 = 1;

/// The snapshots one `forget` looks at: `--host` and `--tag`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Filter {
    pub host: String,
    pub tag: String,
}

impl Filter {
    /// A service's own snapshots on the manifest's host.
    pub fn service(host: &str, service: &str) -> Self {
        Self {
            host: host.to_owned(),
            tag: format!("service:{service}"),
        }
    }

    fn matches(&self, o: &Origin) -> bool {
        o.host == self.host && o.tags.contains(&self.tag)
    }
}

/// Host and tags of a snapshot, as restic stored them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Origin {
    pub host: String,
    pub tags: Vec<String>,
}

impl Origin {
    /// restic's `--group-by host,tags` key: the host and the sorted tags.
    fn group(&self) -> (String, Vec<String>) {
        let mut tags = self.tags.clone();
        tags.sort();
        (self.host.clone(), tags)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Known {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    origin: Option<Origin>,
    /// Filters this snapshot is known not to match.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    not_matching: BTreeSet<Filter>,
}

/// What atelier knows of the snapshots of one repository.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Index {
    format: u32,
    /// SHA-256 of the repository's directory (no location is written to
    /// the state directory); a record of another location is not used.
    location: String,
    snapshots: BTreeMap<String, Known>,
}

/// The repository's snapshot ids now, and where its index lives.
#[derive(Debug)]
pub struct Tracker {
    index_path: PathBuf,
    index: Index,
    /// `Err(reason)` when the repository cannot be listed without its key.
    listing: Result<Vec<String>, String>,
    /// Ids a forget listed (they exist even if the listing predates them).
    learned: BTreeSet<String>,
    /// Ids a forget removed (the listing predates their removal).
    forgotten: BTreeSet<String>,
    /// A forget ran whose output was not understood: what it removed is unknown.
    removals_unknown: bool,
}

impl Tracker {
    /// Reads the index of `restic`'s repository and lists its snapshots.
    pub fn open(state_dir: &Path, restic: &Restic) -> Self {
        use sha2::Digest as _;
        let index_path = state_dir
            .join("retention")
            .join(format!("{}.json", restic.name()));
        let (location, listing) = match (restic.local_path(), remote(restic)) {
            (Some(dir), _) => {
                let hash = sha2::Sha256::digest(dir.as_os_str().as_encoded_bytes());
                (hex::encode(hash), list_snapshots(&dir))
            }
            (None, Some(Remote::Rest(url))) => {
                let rest = RestUrl::parse(&url);
                // Keyed by the URL without its credentials.
                let hash = sha2::Sha256::digest(format!("rest:{}", rest.base).as_bytes());
                (hex::encode(hash), list_rest_snapshots(&rest))
            }
            (None, Some(Remote::Rclone(path))) => {
                // Keyed by the remote (which may hold credentials: only
                // its hash is written).
                let hash = sha2::Sha256::digest(format!("rclone:{path}").as_bytes());
                (hex::encode(hash), list_rclone_snapshots(restic, &path))
            }
            (None, Some(Remote::Other(kind))) => (
                String::new(),
                Err(format!("the repository is {kind}: its snapshots cannot be listed without opening it")),
            ),
            (None, None) => (
                String::new(),
                Err("the repository's location cannot be read: its snapshots cannot be listed without opening it".into()),
            ),
        };
        let index = std::fs::read(&index_path)
            .ok()
            .and_then(|b| serde_json::from_slice::<Index>(&b).ok())
            .filter(|i| i.format == FORMAT && i.location == location)
            .unwrap_or(Index {
                format: FORMAT,
                location,
                snapshots: BTreeMap::new(),
            });
        Self {
            index_path,
            index,
            listing,
            learned: BTreeSet::new(),
            forgotten: BTreeSet::new(),
            removals_unknown: false,
        }
    }

    /// Records a snapshot atelier just wrote (`id` full or restic 0.14's
    /// short id) with the host and tags it passed to restic.
    pub fn record_created(&mut self, id: &str, host: &str, tags: &[String]) {
        let Ok(listing) = &self.listing else { return };
        let Some(full) = resolve(listing, id) else {
            return;
        };
        // restic trims tags; only a tag set that restic stores unchanged is
        // recorded (anything else is learned from the next forget).
        if host.is_empty() || tags.iter().any(|t| t.trim() != t || t.is_empty()) {
            return;
        }
        self.index.snapshots.insert(
            full.clone(),
            Known {
                origin: Some(Origin {
                    host: host.to_owned(),
                    tags: tags.to_vec(),
                }),
                not_matching: BTreeSet::new(),
            },
        );
    }

    /// `Ok(note)` when `forget` with `filter` and `policy` provably removes
    /// nothing now; `Err(reason)` when it has to run.
    pub fn can_skip_forget(&self, filter: &Filter, policy: &Retention) -> Result<String, String> {
        let listing = self.listing.as_ref().map_err(Clone::clone)?;
        can_skip(&self.index, listing, filter, policy)
    }

    /// Learns from a `forget` with `filter` that ran after the listing and
    /// whose whole output was parsed: the host and tags of what it listed,
    /// what it removed, and that every other listed snapshot does not match
    /// `filter`. Output that does not fit the filter teaches nothing.
    pub fn learn_forget(&mut self, filter: &Filter, groups: &[ForgetGroup]) {
        let Ok(listing) = &self.listing else { return };
        // Every group restic forms keeps at least its newest snapshot when a
        // policy value is positive; anything else is output not understood.
        let fits = groups
            .iter()
            .all(|g| g.host == filter.host && g.keep.as_ref().is_some_and(|k| !k.is_empty()))
            && groups
                .iter()
                .flat_map(|g| g.keep.iter().flatten().chain(g.remove.iter().flatten()))
                .all(|s| {
                    s.id.len() == 64
                        && filter.matches(&Origin {
                            host: s.hostname.clone(),
                            tags: s.tags.clone(),
                        })
                });
        if !fits {
            return;
        }
        let mut seen = BTreeSet::new();
        for g in groups {
            for s in g.keep.iter().flatten() {
                seen.insert(s.id.clone());
                self.learned.insert(s.id.clone());
                self.index.snapshots.insert(
                    s.id.clone(),
                    Known {
                        origin: Some(Origin {
                            host: s.hostname.clone(),
                            tags: s.tags.clone(),
                        }),
                        not_matching: BTreeSet::new(),
                    },
                );
            }
            for s in g.remove.iter().flatten() {
                seen.insert(s.id.clone());
                self.forgotten.insert(s.id.clone());
                self.learned.remove(&s.id);
                self.index.snapshots.remove(&s.id);
            }
        }
        for id in listing {
            if seen.contains(id) {
                continue;
            }
            let known = self.index.snapshots.entry(id.clone()).or_default();
            if known.origin.is_none() {
                known.not_matching.insert(filter.clone());
            }
        }
    }

    /// A forget ran whose output could not be parsed completely.
    pub fn forget_not_understood(&mut self) {
        self.removals_unknown = true;
    }

    /// How many snapshots `filter` matches now, when atelier knows every
    /// snapshot of the repository (the metrics' snapshot count); `None`
    /// when it does not (a repository that is not local, a snapshot made
    /// elsewhere that no forget has described yet).
    pub fn count(&self, filter: &Filter) -> Option<u64> {
        if self.removals_unknown {
            return None;
        }
        let listing = self.listing.as_ref().ok()?;
        let extra = self.learned.iter().filter(|id| !listing.contains(id));
        let mut n = 0;
        for id in listing.iter().chain(extra) {
            if self.forgotten.contains(id) {
                continue;
            }
            match self.index.snapshots.get(id) {
                Some(Known {
                    origin: Some(o), ..
                }) => n += u64::from(filter.matches(o)),
                Some(k) if k.not_matching.contains(filter) => {}
                _ => return None,
            }
        }
        Some(n)
    }

    /// Writes the index (only snapshots that still exist), atomically.
    pub fn save(&mut self) -> anyhow::Result<()> {
        let Ok(listing) = &self.listing else {
            return Ok(());
        };
        let present: BTreeSet<&String> = listing.iter().chain(&self.learned).collect();
        self.index.snapshots.retain(|id, _| present.contains(id));
        super::state::write_json_atomic(&self.index_path, &self.index)
    }
}

/// The decision, on its own (see the module documentation).
fn can_skip(
    index: &Index,
    listing: &[String],
    filter: &Filter,
    policy: &Retention,
) -> Result<String, String> {
    let Some(last) = policy.last.filter(|n| *n > 0) else {
        return Err("the policy has no keep-last".into());
    };
    let mut groups: BTreeMap<(String, Vec<String>), u32> = BTreeMap::new();
    for id in listing {
        match index.snapshots.get(id) {
            Some(Known {
                origin: Some(o), ..
            }) => {
                if filter.matches(o) {
                    if o.tags.iter().any(|t| t == super::restic::INCOMPLETE_TAG) {
                        return Err(format!(
                            "snapshot {} is incomplete and must be removed",
                            short(id)
                        ));
                    }
                    *groups.entry(o.group()).or_default() += 1;
                }
            }
            Some(k) if k.not_matching.contains(filter) => {}
            _ => {
                return Err(format!(
                    "snapshot {} is not in atelier's record of the repository",
                    short(id)
                ))
            }
        }
    }
    let largest = groups.values().copied().max().unwrap_or(0);
    if largest > last {
        return Err(format!(
            "a group has {largest} snapshots, more than keep-last {last}"
        ));
    }
    Ok(format!(
        "forget skipped: {} group(s), at most {largest} snapshot(s) each, keep-last {last} keeps them all",
        groups.len()
    ))
}

fn short(id: &str) -> &str {
    id.get(..8).unwrap_or(id)
}

/// The full id in `listing` that `id` (full or short) names, if exactly one.
fn resolve<'a>(listing: &'a [String], id: &str) -> Option<&'a String> {
    if id.len() < 8 {
        return None;
    }
    let mut it = listing.iter().filter(|l| l.starts_with(id));
    let first = it.next()?;
    it.next().is_none().then_some(first)
}

/// The ids in `<repository>/snapshots`. Any entry that is not a complete
/// snapshot id (a file being written, something foreign) makes the listing
/// unusable.
pub(crate) fn list_snapshots(repo: &Path) -> Result<Vec<String>, String> {
    let dir = repo.join("snapshots");
    let rd = std::fs::read_dir(&dir).map_err(|e| format!("cannot list {}: {e}", dir.shown()))?;
    let mut ids = Vec::new();
    for e in rd {
        let e = e.map_err(|e| format!("cannot list {}: {e}", dir.shown()))?;
        let name = e.file_name().to_string_lossy().into_owned();
        let is_id = name.len() == 64
            && name
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if !is_id || !e.file_type().is_ok_and(|t| t.is_file()) {
            return Err(format!(
                "{} holds {name:?}, which is not a complete snapshot",
                dir.shown()
            ));
        }
        ids.push(name);
    }
    ids.sort();
    Ok(ids)
}

/// The snapshot ids of `restic`'s repository when they can be read without
/// its key: of a local, a REST or an rclone repository (see the module
/// documentation).
pub(crate) fn list_without_key(restic: &Restic) -> Option<Vec<String>> {
    match restic.local_path() {
        Some(dir) => list_snapshots(&dir).ok(),
        None => match remote(restic)? {
            Remote::Rest(url) => list_rest_snapshots(&RestUrl::parse(&url)).ok(),
            Remote::Rclone(path) => list_rclone_snapshots(restic, &path).ok(),
            Remote::Other(_) => None,
        },
    }
}

/// A repository that is not local, by how its snapshots can be listed.
#[derive(Debug, PartialEq)]
enum Remote {
    /// `rest:URL`: the URL.
    Rest(String),
    /// `rclone:REMOTE:PATH`: what restic gives `rclone serve restic`.
    Rclone(String),
    /// Any other backend, with why it is not listed (for the run record).
    Other(&'static str),
}

/// The kind of a non-local repository (given literally or in `repositoryFile`).
fn remote(restic: &Restic) -> Option<Remote> {
    let repo = restic.repository();
    let location = match (&repo.repository, &repo.repository_file) {
        (Some(r), _) => r.trim().to_owned(),
        (None, Some(f)) => std::fs::read_to_string(f)
            .ok()?
            .lines()
            .next()?
            .trim()
            .to_owned(),
        (None, None) => return None,
    };
    Some(remote_of(&location))
}

fn remote_of(location: &str) -> Remote {
    if let Some(url) = location.strip_prefix("rest:") {
        return Remote::Rest(url.to_owned());
    }
    if let Some(path) = location.strip_prefix("rclone:") {
        return Remote::Rclone(path.to_owned());
    }
    Remote::Other(match location.split_once(':').map(|(k, _)| k) {
        // Listing needs a request signed (SigV4) with the repository's
        // credentials, i.e. an S3 client: not built in.
        Some("s3") => "on S3 (listing needs a signed S3 request)",
        // restic's sftp backend runs its own `ssh … -s sftp`; listing needs
        // an SFTP client speaking through the same ssh setup.
        Some("sftp") => "on sftp (listing needs an SFTP client)",
        _ => "neither local, REST nor rclone (its backend needs its own client)",
    })
}

/// `<remote:path>/snapshots` as rclone names it (`remote:` and `remote:dir/`
/// take no extra slash).
fn rclone_snapshots_dir(path: &str) -> String {
    if path.ends_with(':') || path.ends_with('/') {
        format!("{path}snapshots")
    } else {
        format!("{path}/snapshots")
    }
}

/// The snapshot ids of an `rclone:` repository, listed by the same `rclone`
/// restic starts (`rclone lsf`, from `PATH`), with the repository's
/// environment (its `RCLONE_*` configuration) on top of atelier's. Any
/// failure, or any entry that is not a complete snapshot id (a directory
/// shows with a trailing `/`), makes the listing unusable. The remote is not
/// named in messages: an rclone connection string can hold credentials.
fn list_rclone_snapshots(restic: &Restic, path: &str) -> Result<Vec<String>, String> {
    let mut cmd = std::process::Command::new("rclone");
    cmd.args(["lsf", "--max-depth", "1", "--"])
        .arg(rclone_snapshots_dir(path))
        .envs(restic.env().iter().map(|(k, v)| (k, v)))
        .stdin(std::process::Stdio::null());
    super::child::die_with_parent(&mut cmd);
    let fail = |e: &dyn std::fmt::Display| {
        format!("cannot list the repository's snapshots with `rclone lsf`: {e}")
    };
    let done = super::child::run(
        &mut cmd,
        Some(std::time::Duration::from_secs(60).min(restic.timeout())),
        &mut |_| {},
    )
    .map_err(|e| fail(&e))?;
    if done.timed_out || !done.status.success() {
        let err = String::from_utf8_lossy(&done.stderr);
        let last = err
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("");
        return Err(fail(&format!(
            "{}{}",
            if done.timed_out {
                "timed out"
            } else {
                "failed"
            },
            if last.is_empty() {
                String::new()
            } else {
                format!(
                    " ({})",
                    restic.redact(&last.trim().replace(path, "<remote>"))
                )
            }
        )));
    }
    snapshot_ids(
        String::from_utf8_lossy(&done.stdout).lines(),
        "the repository's snapshots/ holds",
    )
}

/// Names listed in a repository's `snapshots/`, sorted, if every one is a
/// complete snapshot id (64 lowercase hex digits); else an error saying
/// `{lister} "name"` is not one, so the listing is not used.
fn snapshot_ids<'a>(
    names: impl IntoIterator<Item = &'a str>,
    lister: &str,
) -> Result<Vec<String>, String> {
    let mut ids = Vec::new();
    for name in names {
        let is_id = name.len() == 64
            && name
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if !is_id {
            return Err(format!(
                "{lister} {name:?}, which is not a complete snapshot"
            ));
        }
        ids.push(name.to_owned());
    }
    ids.sort();
    Ok(ids)
}

/// A REST server's base URL without credentials, and the basic-auth
/// credentials restic takes from its `user:password@` part.
#[derive(Debug)]
struct RestUrl {
    base: String,
    auth: Option<(String, String)>,
}

impl RestUrl {
    fn parse(url: &str) -> Self {
        let url = url.trim().trim_end_matches('/');
        let (scheme, rest) = url.split_once("://").unwrap_or(("http", url));
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        let (auth, host) = match authority.rsplit_once('@') {
            Some((userinfo, host)) => {
                let (u, p) = userinfo.split_once(':').unwrap_or((userinfo, ""));
                (Some((percent_decode(u), percent_decode(p))), host)
            }
            None => (None, authority),
        };
        let base = if path.is_empty() {
            format!("{scheme}://{host}")
        } else {
            format!("{scheme}://{host}/{path}")
        };
        Self { base, auth }
    }
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| char::from(c).to_digit(16);
        if b[i] == b'%' && i + 2 < b.len() {
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push(u8::try_from(h * 16 + l).unwrap_or(b'?'));
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The snapshot ids a REST server lists (`GET <url>/snapshots/`, the REST
/// backend protocol, v2 or v1 answer). No repository key is needed; the
/// server's credentials are the URL's. Any failure, or any name that is not a
/// complete snapshot id, makes the listing unusable (forget then runs).
fn list_rest_snapshots(url: &RestUrl) -> Result<Vec<String>, String> {
    use base64::Engine as _;
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(std::time::Duration::from_secs(30)))
        .build()
        .into();
    let target = format!("{}/snapshots/", url.base);
    let mut req = agent
        .get(&target)
        .header("Accept", "application/vnd.x.restic.rest.v2");
    if let Some((u, p)) = &url.auth {
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}"));
        req = req.header("Authorization", format!("Basic {token}"));
    }
    let fail = |e: &dyn std::fmt::Display| format!("cannot list the snapshots at {target}: {e}");
    let mut resp = req.call().map_err(|e| fail(&e))?;
    let body = resp.body_mut().read_to_string().map_err(|e| fail(&e))?;
    let entries: Vec<serde_json::Value> = serde_json::from_str(&body).map_err(|e| fail(&e))?;
    let names = entries.iter().map(|e| match e {
        serde_json::Value::String(n) => n.as_str(),
        v => v
            .get("name")
            .and_then(serde_json::Value::as_str)
            .unwrap_or(""),
    });
    snapshot_ids(names, &format!("{target} lists"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(c: char) -> String {
        std::iter::repeat_n(c, 64).collect()
    }

    fn last(n: u32) -> Retention {
        Retention {
            last: Some(n),
            hourly: None,
            daily: Some(7),
            weekly: None,
            monthly: None,
            yearly: None,
        }
    }

    fn origin(host: &str, tags: &[&str]) -> Known {
        Known {
            origin: Some(Origin {
                host: host.into(),
                tags: tags.iter().map(|t| (*t).to_owned()).collect(),
            }),
            not_matching: BTreeSet::new(),
        }
    }

    #[test]
    fn skips_only_when_every_group_fits() {
        let f = Filter::service("h", "a");
        let mut index = Index::default();
        index
            .snapshots
            .insert(id('1'), origin("h", &["atelier", "service:a"]));
        index
            .snapshots
            .insert(id('2'), origin("h", &["service:a", "atelier"]));
        index.snapshots.insert(
            id('3'),
            origin("h", &["atelier", "service:a", "pre-restore"]),
        );
        // Another service, another host: not counted.
        index
            .snapshots
            .insert(id('4'), origin("h", &["atelier", "service:b"]));
        index
            .snapshots
            .insert(id('5'), origin("other", &["atelier", "service:a"]));
        let listing: Vec<String> = "12345".chars().map(id).collect();
        assert!(can_skip(&index, &listing, &f, &last(2)).is_ok());
        assert!(can_skip(&index, &listing, &f, &last(1)).is_err());
        // No keep-last: never skipped.
        let mut p = last(5);
        p.last = None;
        assert!(can_skip(&index, &listing, &f, &p).is_err());
        // An unknown snapshot, unless known not to match this filter.
        let mut listing6 = listing.clone();
        listing6.push(id('6'));
        assert!(can_skip(&index, &listing6, &f, &last(2)).is_err());
        index.snapshots.insert(
            id('6'),
            Known {
                origin: None,
                not_matching: [Filter::service("h", "b")].into(),
            },
        );
        assert!(can_skip(&index, &listing6, &f, &last(2)).is_err());
        index
            .snapshots
            .get_mut(&id('6'))
            .unwrap()
            .not_matching
            .insert(f.clone());
        assert!(can_skip(&index, &listing6, &f, &last(2)).is_ok());
        // Snapshots gone from the repository do not count.
        assert!(can_skip(&index, &listing[..1], &f, &last(1)).is_ok());
    }

    #[test]
    fn rest_urls_lose_their_credentials() {
        let u = RestUrl::parse("https://us%40er:p%3Ass@host:8000/repo/");
        assert_eq!(u.base, "https://host:8000/repo");
        assert_eq!(u.auth, Some(("us@er".into(), "p:ss".into())));
        let u = RestUrl::parse("http://127.0.0.1:8000/");
        assert_eq!(u.base, "http://127.0.0.1:8000");
        assert_eq!(u.auth, None);
    }

    #[test]
    fn backends_are_told_apart() {
        assert_eq!(
            remote_of("rest:http://h/"),
            Remote::Rest("http://h/".into())
        );
        assert_eq!(
            remote_of("rclone:box:/srv/repo"),
            Remote::Rclone("box:/srv/repo".into())
        );
        assert_eq!(
            remote_of("rclone::local:/x"),
            Remote::Rclone(":local:/x".into())
        );
        assert!(matches!(remote_of("s3:https://h/b"), Remote::Other(w) if w.contains("S3")));
        assert!(matches!(remote_of("sftp:u@h:/r"), Remote::Other(w) if w.contains("sftp")));
        assert!(matches!(remote_of("b2:bucket:p"), Remote::Other(_)));
        assert_eq!(rclone_snapshots_dir("box:"), "box:snapshots");
        assert_eq!(rclone_snapshots_dir("box:repo/"), "box:repo/snapshots");
        assert_eq!(
            rclone_snapshots_dir("box:/srv/repo"),
            "box:/srv/repo/snapshots"
        );
    }

    #[test]
    fn short_ids_resolve_uniquely() {
        let listing = vec![
            format!("abcdef01{}", "0".repeat(56)),
            format!("abcdef02{}", "0".repeat(56)),
        ];
        assert_eq!(resolve(&listing, "abcdef01"), Some(&listing[0]));
        assert_eq!(resolve(&listing, "abcdef0"), None);
        assert_eq!(resolve(&listing, &listing[1]), Some(&listing[1]));
        assert_eq!(resolve(&listing, "ffffffff"), None);
    }
}
