//! flake.lock and where each locked input's source is on this machine.
//!
//! An input's source is, in this order: the directory given with
//! `--override-input NAME PATH`; the Nix store path its `narHash`
//! determines (`nix flake archive` or any earlier Nix evaluation put it
//! there); atelier-gen's own copy, fetched earlier by `--fetch-inputs` and
//! kept under its NAR hash; or, with `--fetch-inputs`, a fresh download
//! checked against `narHash` ([`super::fetch`]). Without any of them the
//! input gets atelier-gen's built-in knowledge (see `flake.rs`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::RwLock;

use serde_json::Value as Json;

use crate::diagnostic::Diagnostic;
use crate::nix::inputs::Probe;
use crate::nix::Evaluator;

use crate::flake::fetch::Keep;
use crate::flake::{nar, prune};

/// Where input sources may come from, as the command line says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sources {
    /// `--override-input NAME PATH`: `NAME` is an input of the flake, or
    /// `a/b` for input `b` of input `a`, as in Nix.
    pub overrides: Vec<(String, PathBuf)>,
    /// `--fetch-inputs`: download locked sources that are nowhere here.
    pub fetch: bool,
    /// `--keep-full-inputs`: keep all of a fetched nixpkgs, not only what
    /// evaluation reads of it (see `flake::prune`).
    pub keep_full: bool,
    /// Where fetched sources are kept (`<cache dir>/inputs`).
    pub cache_dir: Option<PathBuf>,
    /// The Nix store (`NIX_STORE_DIR`, else `/nix/store`).
    pub store_dir: String,
}

impl Sources {
    /// What identifies these settings in the evaluation cache's key: the
    /// same files can evaluate differently with other overrides.
    pub fn key(&self) -> String {
        serde_json::json!([
            self.overrides
                .iter()
                .map(|(n, p)| (n, p.display().to_string()))
                .collect::<Vec<_>>(),
            self.fetch,
            self.keep_full,
            self.store_dir,
            self.cache_dir.as_ref().map(|d| d.display().to_string()),
        ])
        .to_string()
    }
}

static SOURCES: RwLock<Option<Sources>> = RwLock::new(None);

/// Sets where input sources come from for every later evaluation in this
/// process (the binary calls it once, from its flags).
pub fn configure(sources: Sources) {
    *SOURCES
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(sources);
}

/// The settings [`configure`] made, or the defaults (the store only).
pub fn sources() -> Sources {
    SOURCES
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone()
        .unwrap_or_else(|| Sources {
            store_dir: default_store_dir(),
            ..Sources::default()
        })
}

/// `NIX_STORE_DIR`, else `/nix/store`.
pub fn default_store_dir() -> String {
    std::env::var("NIX_STORE_DIR")
        .ok()
        .filter(|d| d.starts_with('/'))
        .unwrap_or_else(|| "/nix/store".to_owned())
}

/// A parsed flake.lock (format 7, also 5 and 6).
#[derive(Debug, Clone)]
pub struct Lock {
    nodes: BTreeMap<String, Json>,
    root: String,
}

impl Lock {
    /// The lock in `dir`, when there is one that parses.
    pub fn read(ev: &mut Evaluator, dir: &Path) -> Option<Lock> {
        let bytes = ev.inputs().read(&dir.join("flake.lock")).ok()?;
        Self::parse(&bytes)
    }

    /// A lock from its JSON text.
    pub fn parse(bytes: &[u8]) -> Option<Lock> {
        let json: Json = serde_json::from_slice(bytes).ok()?;
        let nodes = json["nodes"]
            .as_object()?
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let root = json["root"].as_str().unwrap_or("root").to_owned();
        Some(Lock { nodes, root })
    }

    pub fn root(&self) -> &str {
        &self.root
    }

    pub fn node(&self, name: &str) -> Option<&Json> {
        self.nodes.get(name)
    }

    /// The node that input `input` of `node` stands for: a node name, or a
    /// follows path (a list of input names from the root).
    pub fn input_of(&self, node: &str, input: &str) -> Option<String> {
        match &self.nodes.get(node)?["inputs"][input] {
            Json::String(s) => Some(s.clone()),
            Json::Array(path) => {
                let mut at = self.root.clone();
                for step in path {
                    at = self.input_of(&at, step.as_str()?)?;
                }
                Some(at)
            }
            _ => None,
        }
    }

    /// The names of the inputs of `node`.
    pub fn inputs(&self, node: &str) -> Vec<String> {
        self.nodes
            .get(node)
            .and_then(|n| n["inputs"].as_object())
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default()
    }
}

/// Where a resolved source came from (for `plan`'s notes and the docs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Override,
    Store,
    Cache,
    Fetched,
}

/// The source of input `path` (`nixpkgs`, `flake-parts/nixpkgs-lib`) locked
/// by `node` (its flake.lock node, when there is one), when it is on this
/// machine or (`may_fetch`, and `--fetch-inputs` given) fetched now. An
/// error when fetching was asked and failed (a hash mismatch is one).
/// `nixpkgs`: the input is nixpkgs, of which a fetch keeps only what
/// evaluation reads unless `--keep-full-inputs` is given.
pub fn source(
    ev: &mut Evaluator,
    path: &str,
    node: Option<&Json>,
    may_fetch: bool,
    nixpkgs: bool,
) -> Result<Option<(PathBuf, Origin)>, Diagnostic> {
    let s = sources();
    if let Some((_, dir)) = s.overrides.iter().rev().find(|(n, _)| n == path) {
        let dir = ev.inputs().canonicalize(dir).map_err(|e| {
            Diagnostic::error(
                "override-input",
                format!("--override-input {path}: {}: {e}", dir.display()),
                None,
            )
            .with_note("give the directory of a checkout of that input")
        })?;
        return Ok(Some((dir, Origin::Override)));
    }
    let Some(node) = node else { return Ok(None) };
    let locked = &node["locked"];
    let Some(digest) = locked["narHash"].as_str().and_then(nar::parse_sri) else {
        return Ok(None);
    };
    let what = format!("flake input `{path}`");
    let keep = if nixpkgs { Keep::Pruned } else { Keep::Whole };
    let pin = Pin {
        what: &what,
        by: "flake.lock locks",
        name: "source",
    };
    locked_source(ev, &pin, locked, &digest, may_fetch, keep).map_err(|e| {
        e.with_note("nothing was kept; check the URL and the narHash in flake.lock, or give the source with --override-input")
    })
}

/// The source of `builtins.fetchTarball { url; sha256; name; }`: the same
/// places as a flake input's, the store path being the one its `name` gives
/// (`nar_sha256` is its `sha256`, a NAR hash as `narHash` is). A fetch
/// keeps it pruned as a nixpkgs input's when its URL names nixpkgs.
pub fn tarball_source(
    ev: &mut Evaluator,
    url: &str,
    nar_sha256: &[u8; 32],
    name: &str,
) -> Result<Option<(PathBuf, Origin)>, Diagnostic> {
    let locked = serde_json::json!({
        "type": "tarball",
        "url": url,
        "narHash": nar::to_sri(nar_sha256),
    });
    let what = format!("`builtins.fetchTarball` of {url}");
    let pin = Pin {
        what: &what,
        by: "its `sha256` is",
        name,
    };
    let keep = if super::flake::url_names_nixpkgs(url) {
        Keep::Pruned
    } else {
        Keep::Whole
    };
    locked_source(ev, &pin, &locked, nar_sha256, true, keep).map_err(|e| {
        e.with_note("nothing was kept; check the URL and its `sha256` (the NAR hash of the unpacked tarball, as `nix-prefetch-url --unpack` prints it)")
    })
}

/// What pins a content-addressed source, for messages and its store path.
struct Pin<'a> {
    /// "flake input `nixpkgs`".
    what: &'a str,
    /// What holds the hash: "flake.lock locks".
    by: &'a str,
    /// The name of its store path.
    name: &'a str,
}

/// A content-addressed source locked as `locked`: in the store, in
/// atelier-gen's cache, or (`may_fetch` and `--fetch-inputs` given)
/// downloaded now and kept as `keep` says (all of it when
/// `--keep-full-inputs` is given).
fn locked_source(
    ev: &mut Evaluator,
    pin: &Pin,
    locked: &Json,
    digest: &[u8; 32],
    may_fetch: bool,
    keep: Keep,
) -> Result<Option<(PathBuf, Origin)>, Diagnostic> {
    let s = sources();
    let store = PathBuf::from(nar::fixed_output_path(&s.store_dir, digest, pin.name));
    if immutable(ev, &store) {
        return Ok(Some((store, Origin::Store)));
    }
    let Some(cache) = &s.cache_dir else {
        return Ok(None);
    };
    let kept = cached_path(cache, digest);
    let fetch = s.fetch && may_fetch;
    let keep = if s.keep_full { Keep::Whole } else { keep };
    if immutable(ev, &kept) {
        // A pruned copy, and all of it asked for: fetched again, whole.
        let refetch =
            fetch && keep == Keep::Whole && ev.inputs().is_file(&kept.join(prune::MARKER));
        if !refetch {
            return Ok(Some((kept, Origin::Cache)));
        }
    }
    if !fetch {
        return Ok(None);
    }
    crate::flake::fetch::fetch(locked, digest, pin.by, &kept, keep).map_err(|e| {
        Diagnostic::error(
            "fetch-input",
            format!("fetching {} failed: {e}", pin.what),
            None,
        )
    })?;
    // Asked again so that the evaluation cache records it as present.
    immutable(ev, &kept);
    Ok(Some((kept, Origin::Fetched)))
}

/// Where `--fetch-inputs` keeps a source with this NAR hash.
pub fn cached_path(cache: &Path, digest: &[u8; 32]) -> PathBuf {
    cache
        .join("inputs")
        .join(format!("{}-source", nar::to_base32(digest)))
}

/// Whether a content-addressed source is there (recorded as immutable: the
/// evaluation cache trusts what is inside by its path).
fn immutable(ev: &mut Evaluator, path: &Path) -> bool {
    let probe = Probe::Immutable(path.to_path_buf());
    let answer = crate::nix::inputs::replay(&probe);
    let present = answer.is_ok();
    ev.inputs().note(probe, answer);
    present
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_paths_lead_to_the_node_they_name() {
        let lock = Lock::parse(
            br#"{ "version": 7, "root": "root", "nodes": {
              "root": { "inputs": { "nixpkgs": "nixpkgs", "fp": "flake-parts", "hm": "home-manager" } },
              "nixpkgs": { "locked": { "type": "github", "owner": "NixOS", "repo": "nixpkgs", "rev": "abc", "narHash": "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" } },
              "flake-parts": { "inputs": { "nixpkgs-lib": [ "nixpkgs" ] } },
              "home-manager": { "inputs": { "nixpkgs": [ "fp", "nixpkgs-lib" ] } }
            } }"#,
        )
        .unwrap();
        assert_eq!(lock.input_of("root", "fp").as_deref(), Some("flake-parts"));
        assert_eq!(
            lock.input_of("flake-parts", "nixpkgs-lib").as_deref(),
            Some("nixpkgs")
        );
        assert_eq!(
            lock.input_of("home-manager", "nixpkgs").as_deref(),
            Some("nixpkgs")
        );
        assert_eq!(lock.input_of("root", "missing"), None);
    }
}
