//! A fetched nixpkgs kept in part: once the whole download's NAR hash is
//! checked, only what evaluation reads of nixpkgs stays (its `lib/`, the
//! NixOS modules and `nixos/lib/` hosts import by path, and the top-level
//! files such as `flake.nix`, `default.nix`, `.version`); the rest (`pkgs/`,
//! `doc/`, NixOS tests, maintainers, ...) is removed. A marker file at the
//! top of the kept copy lists what stayed; evaluation reads it and refuses a
//! read of anything else with a diagnostic that says how to keep it all
//! (`--keep-full-inputs`), instead of "file not found".

use std::path::{Path, PathBuf};

/// The marker file at the top of a pruned copy.
pub const MARKER: &str = ".atelier-pruned";

/// What stays of nixpkgs (besides the top-level files): directories, with
/// a trailing `/`, relative to the tree's top.
const KEPT_DIRS: &[&str] = &["lib/", "nixos/lib/", "nixos/modules/"];

const HEADER: &str =
    "# atelier-gen kept only these parts of this flake input (nixpkgs); the narHash\n\
# was checked on the whole download first. Keep all of it with\n\
# `atelier-gen ... --fetch-inputs --keep-full-inputs`.\n";

/// Whether `tree` is nixpkgs-shaped (has `lib/default.nix`): only such a
/// tree is pruned.
pub fn applies(tree: &Path) -> bool {
    tree.join("lib/default.nix").is_file()
}

/// Removes from `tree` what evaluation does not read and writes the
/// marker. Nothing is removed (and no marker written) when the tree holds
/// nothing more than what is kept. Returns the kept entries.
pub fn prune(tree: &Path) -> std::io::Result<Vec<String>> {
    let mut kept = Vec::new();
    let mut dropped = false;
    for entry in sorted_entries(tree)? {
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_dir = entry.file_type()?.is_dir();
        if !is_dir {
            kept.push(name);
            continue;
        }
        dropped |= prune_dir(tree, &name, &mut kept)?;
    }
    if dropped {
        write_marker(tree, &kept)?;
    }
    Ok(kept)
}

/// Writes the marker listing `kept` at the top of `tree`.
pub fn write_marker(tree: &Path, kept: &[String]) -> std::io::Result<()> {
    let mut text = HEADER.to_owned();
    for k in kept {
        text.push_str(k);
        text.push('\n');
    }
    std::fs::write(tree.join(MARKER), text)
}

/// The directories kept (besides the top-level files), with a trailing `/`.
pub fn kept_dirs() -> &'static [&'static str] {
    KEPT_DIRS
}

/// Where a path (relative to the tree's top) is in a pruned copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Kept,
    /// A directory on the way to kept parts (the top included).
    Ancestor,
    Dropped,
}

/// Where `rel` (a directory when `is_dir`) is in a pruned copy.
pub fn place(rel: &Path, is_dir: bool) -> Place {
    let n = rel.components().count();
    if n == 0 {
        return Place::Ancestor;
    }
    if n == 1 && !is_dir {
        return Place::Kept;
    }
    for k in KEPT_DIRS {
        let k = Path::new(k.trim_end_matches('/'));
        if rel.starts_with(k) {
            return Place::Kept;
        }
        if is_dir && k.starts_with(rel) {
            return Place::Ancestor;
        }
    }
    Place::Dropped
}

/// Keeps `rel` (a directory) whole, in part or not at all; true when
/// something was removed.
fn prune_dir(tree: &Path, rel: &str, kept: &mut Vec<String>) -> std::io::Result<bool> {
    let dir = format!("{rel}/");
    if KEPT_DIRS.contains(&dir.as_str()) {
        kept.push(dir);
        return Ok(false);
    }
    if !KEPT_DIRS.iter().any(|k| k.starts_with(&dir)) {
        std::fs::remove_dir_all(tree.join(rel))?;
        return Ok(true);
    }
    // An ancestor of a kept directory: its files go, its kept parts stay.
    let mut dropped = false;
    for entry in sorted_entries(&tree.join(rel))? {
        let name = entry.file_name().to_string_lossy().into_owned();
        let child = format!("{rel}/{name}");
        if entry.file_type()?.is_dir() {
            dropped |= prune_dir(tree, &child, kept)?;
        } else {
            std::fs::remove_file(tree.join(&child))?;
            dropped = true;
        }
    }
    Ok(dropped)
}

fn sorted_entries(dir: &Path) -> std::io::Result<Vec<std::fs::DirEntry>> {
    let mut v: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    v.sort_by_key(std::fs::DirEntry::file_name);
    Ok(v)
}

/// A pruned copy as evaluation sees it: its top, what it is the source of
/// ("flake input `nixpkgs`", "`builtins.fetchTarball` of URL"), and what
/// was kept (from its marker).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pruned {
    pub root: PathBuf,
    pub input: String,
    /// Kept entries relative to `root`; directories end with `/`.
    pub kept: Vec<String>,
}

/// What a pruned copy holds at a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Held {
    /// Kept as it was downloaded (or the marker itself).
    Kept,
    /// A directory on the way to kept parts: it exists, but lists only them.
    Ancestor,
    /// Removed (or never there).
    Dropped,
}

impl Pruned {
    /// The copy described by a marker's text.
    pub fn parse(root: PathBuf, input: String, marker: &str) -> Pruned {
        let kept = marker
            .lines()
            .map(str::trim_end)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(str::to_owned)
            .collect();
        Pruned { root, input, kept }
    }

    /// What the copy holds at `path`; `None` when `path` is not inside it.
    pub fn holds(&self, path: &Path) -> Option<Held> {
        let rel = path.strip_prefix(&self.root).ok()?;
        if rel.as_os_str().is_empty() {
            return Some(Held::Ancestor);
        }
        if rel == Path::new(MARKER) {
            return Some(Held::Kept);
        }
        for k in &self.kept {
            let k_path = Path::new(k.trim_end_matches('/'));
            if rel == k_path || (k.ends_with('/') && rel.starts_with(k_path)) {
                return Some(Held::Kept);
            }
            if k_path.starts_with(rel) {
                return Some(Held::Ancestor);
            }
        }
        Some(Held::Dropped)
    }

    /// The kept directories, for messages (`lib/, nixos/lib/, ...`).
    pub fn kept_dirs(&self) -> String {
        self.kept
            .iter()
            .filter(|k| k.ends_with('/'))
            .cloned()
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prune_keeps_lib_nixos_modules_and_top_level_files_only() {
        let dir = tempfile::tempdir().unwrap();
        let t = dir.path();
        for f in [
            "flake.nix",
            "default.nix",
            ".version",
            "lib/default.nix",
            "lib/systems/x.nix",
            "nixos/default.nix",
            "nixos/lib/eval-config.nix",
            "nixos/modules/module-list.nix",
            "nixos/tests/a.nix",
            "pkgs/top-level/all-packages.nix",
            "doc/manual.md",
        ] {
            let p = t.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "{ }").unwrap();
        }
        assert!(applies(t));
        let kept = prune(t).unwrap();
        assert_eq!(
            kept,
            [
                ".version",
                "default.nix",
                "flake.nix",
                "lib/",
                "nixos/lib/",
                "nixos/modules/"
            ]
        );
        assert!(t.join("lib/systems/x.nix").is_file());
        assert!(t.join("nixos/lib/eval-config.nix").is_file());
        assert!(!t.join("pkgs").exists());
        assert!(!t.join("doc").exists());
        assert!(!t.join("nixos/tests").exists());
        assert!(!t.join("nixos/default.nix").exists());
        let marker = std::fs::read_to_string(t.join(MARKER)).unwrap();
        let p = Pruned::parse(t.to_path_buf(), "nixpkgs".into(), &marker);
        assert_eq!(p.kept, kept);
        assert_eq!(p.holds(&t.join("lib/systems/x.nix")), Some(Held::Kept));
        assert_eq!(p.holds(&t.join("flake.nix")), Some(Held::Kept));
        assert_eq!(p.holds(&t.join("nixos")), Some(Held::Ancestor));
        assert_eq!(p.holds(t), Some(Held::Ancestor));
        assert_eq!(p.holds(&t.join("nixos/tests/a.nix")), Some(Held::Dropped));
        assert_eq!(p.holds(&t.join("pkgs")), Some(Held::Dropped));
        assert_eq!(p.holds(&t.join("libx")), Some(Held::Dropped));
        assert_eq!(p.holds(Path::new("/elsewhere")), None);
    }

    #[test]
    fn a_tree_with_nothing_to_drop_gets_no_marker() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("lib")).unwrap();
        std::fs::write(dir.path().join("lib/default.nix"), "{ }").unwrap();
        std::fs::write(dir.path().join("flake.nix"), "{ }").unwrap();
        prune(dir.path()).unwrap();
        assert!(!dir.path().join(MARKER).exists());
    }
}
