//! A tarball unpacked with only part of it written out as files: what a
//! pruned nixpkgs keeps ([`super::prune::place`]) is written where it
//! belongs; everything else is appended to one spool file, and an index
//! of the whole tree (names, kinds, executable bits, symlink targets, and
//! where each file's bytes are) gives its NAR serialisation in NAR order.
//! So the whole download's NAR hash is checked without creating (and then
//! removing) the ~40,000 files of nixpkgs that evaluation never reads.
//!
//! When the tarball is not nixpkgs-shaped after all (no single top-level
//! directory with `lib/default.nix`), the spooled files are written out
//! too, and the result is the whole tree.

use std::collections::BTreeMap;
use std::io::{Read, Seek as _, Write};
use std::os::unix::ffi::OsStrExt as _;
use std::path::{Component, Path, PathBuf};

use super::prune::{self, Place};

/// Where a file's bytes are.
#[derive(Debug, Clone)]
enum Data {
    /// Written out at this path.
    Disk(PathBuf),
    /// In the spool file, at this offset.
    Spool { off: u64, len: u64 },
}

#[derive(Debug, Clone)]
enum Node {
    /// Entries by name; a `BTreeMap` of bytes is NAR's order.
    Dir(BTreeMap<Vec<u8>, Node>),
    File {
        executable: bool,
        data: Data,
    },
    Link(Vec<u8>),
}

/// What [`unpack_pruned`] made.
pub struct Unpacked {
    /// The tree (the single top-level directory, as Nix strips it).
    pub tree: PathBuf,
    /// The NAR SHA-256 of the whole download.
    pub nar_sha256: [u8; 32],
    /// Whether parts were left out (then `tree` holds only the kept ones).
    pub pruned: bool,
}

/// Unpacks the tar stream `input` under `out` (an empty directory),
/// keeping out of the file system what a pruned nixpkgs drops.
pub fn unpack_pruned(input: impl Read, out: &Path) -> std::io::Result<Unpacked> {
    let spool_path = out.join(".spool");
    let mut spool = std::fs::OpenOptions::new()
        .create_new(true)
        .read(true)
        .write(true)
        .open(&spool_path)?;
    let tree_dir = out.join("t");
    std::fs::create_dir(&tree_dir)?;
    let mut root = BTreeMap::new();
    let mut spooled = 0u64;
    let mut archive = tar::Archive::new(input);
    for entry in archive.entries()? {
        let mut entry = entry?;
        let kind = entry.header().entry_type();
        if kind.is_pax_global_extensions() || kind.is_pax_local_extensions() {
            continue;
        }
        let rel = clean(&entry.path()?)?;
        let Some((first, rest)) = rel.split_first() else {
            continue;
        };
        let _ = first;
        // Nothing is written through a symlink of the archive: an entry
        // below one (or below a file) is refused before anything is written.
        check_parents(&root, &rel)?;
        let rest_path: PathBuf = rest
            .iter()
            .map(|c| std::ffi::OsStr::from_bytes(c))
            .collect();
        let disk = tree_dir.join(
            rel.iter()
                .map(|c| std::ffi::OsStr::from_bytes(c))
                .collect::<PathBuf>(),
        );
        let node = if kind.is_dir() {
            if place(&rest_path, true) != Place::Dropped {
                std::fs::create_dir_all(&disk)?;
            }
            Node::Dir(BTreeMap::new())
        } else if kind.is_symlink() {
            let target = entry
                .link_name()?
                .ok_or_else(|| std::io::Error::other("a symlink entry without a target"))?
                .into_owned();
            if place(&rest_path, false) == Place::Kept {
                make_parent(&disk)?;
                std::os::unix::fs::symlink(&target, &disk)?;
            }
            Node::Link(target.as_os_str().as_bytes().to_vec())
        } else if kind.is_hard_link() {
            let target = entry
                .link_name()?
                .ok_or_else(|| std::io::Error::other("a hard link entry without a target"))?;
            let target = clean(&target)?;
            let node = lookup(&root, &target)
                .cloned()
                .ok_or_else(|| std::io::Error::other("a hard link to an entry not seen before"))?;
            match node {
                Node::File { executable, data } => {
                    let data = if place(&rest_path, false) == Place::Kept {
                        make_parent(&disk)?;
                        write_out(&data, &mut spool, &disk, executable)?;
                        Data::Disk(disk.clone())
                    } else {
                        data
                    };
                    Node::File { executable, data }
                }
                _ => return Err(std::io::Error::other("a hard link to something not a file")),
            }
        } else if kind.is_file() || kind.is_contiguous() {
            let executable = entry.header().mode()? & 0o100 != 0;
            let data = if place(&rest_path, false) == Place::Kept {
                make_parent(&disk)?;
                let mut f = std::fs::File::create(&disk)?;
                std::io::copy(&mut entry, &mut f)?;
                if executable {
                    set_executable(&f)?;
                }
                Data::Disk(disk.clone())
            } else {
                let len = std::io::copy(&mut entry, &mut spool)?;
                let off = spooled;
                spooled += len;
                Data::Spool { off, len }
            };
            Node::File { executable, data }
        } else {
            return Err(std::io::Error::other(format!(
                "{} is neither a file, a directory nor a symlink: it has no NAR form",
                entry.path()?.display()
            )));
        };
        insert(&mut root, &rel, node)?;
    }
    spool.flush()?;
    // As Nix does: a single top-level directory is the source.
    let top = match (root.len(), root.iter().next()) {
        (1, Some((name, Node::Dir(_)))) => Some(name.clone()),
        _ => None,
    };
    let nixpkgs = top.as_ref().is_some_and(|name| {
        matches!(
            lookup(
                &root,
                &[name.clone(), b"lib".to_vec(), b"default.nix".to_vec()]
            ),
            Some(Node::File { .. })
        )
    });
    let (tree, node) = match top {
        Some(name) if nixpkgs => {
            let node = root.remove(&name).unwrap_or(Node::Dir(BTreeMap::new()));
            (tree_dir.join(std::ffi::OsStr::from_bytes(&name)), node)
        }
        // Not nixpkgs after all: all of it, written out.
        top => {
            write_all(&Node::Dir(root.clone()), &tree_dir, &mut spool)?;
            let tree = match top {
                Some(name) => tree_dir.join(std::ffi::OsStr::from_bytes(&name)),
                None => tree_dir.clone(),
            };
            drop(spool);
            std::fs::remove_file(&spool_path)?;
            let nar_sha256 = super::nar::nar_sha256(&tree)?;
            return Ok(Unpacked {
                tree,
                nar_sha256,
                pruned: false,
            });
        }
    };
    let nar_sha256 = {
        let spool = &spool;
        let node = &node;
        super::nar::sha256_of(move |w| {
            super::nar::write_str(w, b"nix-archive-1")?;
            write_nar(w, node, spool)
        })?
    };
    drop(spool);
    std::fs::remove_file(&spool_path)?;
    let pruned = dropped_anything(&node, Path::new(""));
    if pruned {
        let mut kept = Vec::new();
        if let Node::Dir(entries) = &node {
            for (name, child) in entries {
                let name = String::from_utf8_lossy(name).into_owned();
                if !matches!(child, Node::Dir(_)) {
                    kept.push(name);
                }
            }
        }
        for k in prune::kept_dirs() {
            if lookup_path(&node, k.trim_end_matches('/')).is_some() {
                kept.push((*k).to_owned());
            }
        }
        prune::write_marker(&tree, &kept)?;
    }
    Ok(Unpacked {
        tree,
        nar_sha256,
        pruned,
    })
}

/// [`prune::place`] of a path below the top-level directory.
fn place(rest: &Path, is_dir: bool) -> Place {
    prune::place(rest, is_dir)
}

/// A tar entry's path as components; `..` is refused, `.` and `/` skipped.
fn clean(p: &Path) -> std::io::Result<Vec<Vec<u8>>> {
    let mut out = Vec::new();
    for c in p.components() {
        match c {
            Component::Normal(n) => out.push(n.as_bytes().to_vec()),
            Component::ParentDir => {
                return Err(std::io::Error::other(format!(
                    "{} leads outside the archive",
                    p.display()
                )))
            }
            _ => {}
        }
    }
    Ok(out)
}

/// An error when a directory on the way to `path` is, in the index, not
/// a directory.
fn check_parents(root: &BTreeMap<Vec<u8>, Node>, path: &[Vec<u8>]) -> std::io::Result<()> {
    let Some((_, dirs)) = path.split_last() else {
        return Ok(());
    };
    let mut at = root;
    for d in dirs {
        match at.get(d) {
            None => return Ok(()),
            Some(Node::Dir(m)) => at = m,
            Some(_) => {
                return Err(std::io::Error::other(format!(
                    "an entry below {}, which is not a directory",
                    String::from_utf8_lossy(d)
                )))
            }
        }
    }
    Ok(())
}

fn lookup<'a>(root: &'a BTreeMap<Vec<u8>, Node>, path: &[Vec<u8>]) -> Option<&'a Node> {
    let (last, dirs) = path.split_last()?;
    let mut at = root;
    for d in dirs {
        match at.get(d)? {
            Node::Dir(m) => at = m,
            _ => return None,
        }
    }
    at.get(last)
}

fn lookup_path<'a>(node: &'a Node, rel: &str) -> Option<&'a Node> {
    let mut at = node;
    for c in rel.split('/') {
        match at {
            Node::Dir(m) => at = m.get(c.as_bytes())?,
            _ => return None,
        }
    }
    Some(at)
}

/// Puts `node` at `path`, creating the directories on the way; a later
/// entry replaces an earlier one (a directory keeps its entries).
fn insert(root: &mut BTreeMap<Vec<u8>, Node>, path: &[Vec<u8>], node: Node) -> std::io::Result<()> {
    let Some((last, dirs)) = path.split_last() else {
        return Ok(());
    };
    let mut at = root;
    for d in dirs {
        let next = at
            .entry(d.clone())
            .or_insert_with(|| Node::Dir(BTreeMap::new()));
        match next {
            Node::Dir(m) => at = m,
            _ => {
                return Err(std::io::Error::other(format!(
                    "an entry below {}, which is not a directory",
                    String::from_utf8_lossy(d)
                )))
            }
        }
    }
    match (at.get_mut(last), node) {
        (Some(Node::Dir(_)), Node::Dir(_)) => {}
        (_, node) => {
            at.insert(last.clone(), node);
        }
    }
    Ok(())
}

fn make_parent(p: &Path) -> std::io::Result<()> {
    match p.parent() {
        Some(d) => std::fs::create_dir_all(d),
        None => Ok(()),
    }
}

fn set_executable(f: &std::fs::File) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    let mut perms = f.metadata()?.permissions();
    perms.set_mode(perms.mode() | 0o111);
    f.set_permissions(perms)
}

/// Copies a file's bytes from where they are to `disk`.
fn write_out(
    data: &Data,
    spool: &mut std::fs::File,
    disk: &Path,
    executable: bool,
) -> std::io::Result<()> {
    let mut f = std::fs::File::create(disk)?;
    match data {
        Data::Disk(p) => {
            std::io::copy(&mut std::fs::File::open(p)?, &mut f)?;
        }
        Data::Spool { off, len } => {
            spool.seek(std::io::SeekFrom::Start(*off))?;
            std::io::copy(&mut (&*spool).take(*len), &mut f)?;
            spool.seek(std::io::SeekFrom::End(0))?;
        }
    }
    if executable {
        set_executable(&f)?;
    }
    Ok(())
}

/// Writes out every spooled part of `node` (at `disk`).
fn write_all(node: &Node, disk: &Path, spool: &mut std::fs::File) -> std::io::Result<()> {
    match node {
        Node::Dir(entries) => {
            std::fs::create_dir_all(disk)?;
            for (name, child) in entries {
                write_all(child, &disk.join(std::ffi::OsStr::from_bytes(name)), spool)?;
            }
        }
        Node::File { executable, data } => {
            if let Data::Spool { .. } = data {
                write_out(data, spool, disk, *executable)?;
            }
        }
        Node::Link(target) => {
            if std::fs::symlink_metadata(disk).is_err() {
                std::os::unix::fs::symlink(std::ffi::OsStr::from_bytes(target), disk)?;
            }
        }
    }
    Ok(())
}

/// Whether anything of `node` (at `rel` below the top) is not on disk.
fn dropped_anything(node: &Node, rel: &Path) -> bool {
    match node {
        Node::Dir(entries) => {
            (!rel.as_os_str().is_empty() && place(rel, true) == Place::Dropped)
                || entries.iter().any(|(name, child)| {
                    dropped_anything(child, &rel.join(std::ffi::OsStr::from_bytes(name)))
                })
        }
        Node::File { data, .. } => matches!(data, Data::Spool { .. }),
        Node::Link(_) => place(rel, false) != Place::Kept,
    }
}

/// The NAR serialisation of `node`, file bytes read from disk or the spool.
fn write_nar(w: &mut dyn Write, node: &Node, spool: &std::fs::File) -> std::io::Result<()> {
    use super::nar::write_str;
    write_str(w, b"(")?;
    write_str(w, b"type")?;
    match node {
        Node::Link(target) => {
            write_str(w, b"symlink")?;
            write_str(w, b"target")?;
            write_str(w, target)?;
        }
        Node::File { executable, data } => {
            write_str(w, b"regular")?;
            if *executable {
                write_str(w, b"executable")?;
                write_str(w, b"")?;
            }
            write_str(w, b"contents")?;
            let len = match data {
                Data::Disk(p) => {
                    let mut f = std::fs::File::open(p)?;
                    let len = f.metadata()?.len();
                    w.write_all(&len.to_le_bytes())?;
                    let copied = std::io::copy(&mut f, w)?;
                    if copied != len {
                        return Err(std::io::Error::other(format!(
                            "{} changed while it was hashed",
                            p.display()
                        )));
                    }
                    len
                }
                Data::Spool { off, len } => {
                    w.write_all(&len.to_le_bytes())?;
                    let mut buf = vec![0u8; 64 << 10];
                    let mut at = *off;
                    let end = off + len;
                    while at < end {
                        let n = usize::try_from((end - at).min(buf.len() as u64)).unwrap_or(0);
                        std::os::unix::fs::FileExt::read_exact_at(spool, &mut buf[..n], at)?;
                        w.write_all(&buf[..n])?;
                        at += n as u64;
                    }
                    *len
                }
            };
            let pad = usize::try_from((8 - len % 8) % 8).unwrap_or(0);
            w.write_all(&[0u8; 8][..pad])?;
        }
        Node::Dir(entries) => {
            write_str(w, b"directory")?;
            for (name, child) in entries {
                write_str(w, b"entry")?;
                write_str(w, b"(")?;
                write_str(w, b"name")?;
                write_str(w, name)?;
                write_str(w, b"node")?;
                write_nar(w, child, spool)?;
                write_str(w, b")")?;
            }
        }
    }
    write_str(w, b")")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tar_of(dir: &Path, top: &str) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        b.follow_symlinks(false);
        b.append_dir_all(top, dir).unwrap();
        b.into_inner().unwrap()
    }

    /// Names whose order differs between a tar (or git) listing and NAR's
    /// (`foo` before `foo-bar`, `foo.nix`), an executable, a symlink and an
    /// empty directory, in kept and dropped parts alike: the NAR hash from
    /// the index is the one of the whole tree on disk.
    #[test]
    #[allow(clippy::many_single_char_names)] // a tree, its files, the unpack
    fn pruned_unpack_hashes_the_whole_tree_and_writes_only_the_kept_parts() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let t = dir.path().join("src");
        for f in [
            "flake.nix",
            "lib/default.nix",
            "lib/foo/a.nix",
            "lib/foo-bar.nix",
            "lib/foo.nix",
            "nixos/lib/eval-config.nix",
            "nixos/modules/m.nix",
            "nixos/tests/t.nix",
            "pkgs/he/hello/package.nix",
            "pkgs/he/hello-wayland/package.nix",
            "pkgs/he/hello.nix",
        ] {
            let p = t.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, format!("# {f}\n{}", "x".repeat(f.len() * 100))).unwrap();
        }
        std::fs::create_dir_all(t.join("pkgs/empty")).unwrap();
        std::fs::create_dir_all(t.join("lib/empty")).unwrap();
        std::fs::write(t.join("pkgs/run.sh"), "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(
            t.join("pkgs/run.sh"),
            std::fs::Permissions::from_mode(0o755),
        )
        .unwrap();
        std::fs::write(t.join("lib/run.sh"), "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(t.join("lib/run.sh"), std::fs::Permissions::from_mode(0o755))
            .unwrap();
        std::os::unix::fs::symlink("he/hello.nix", t.join("pkgs/link")).unwrap();
        std::os::unix::fs::symlink("foo.nix", t.join("lib/link")).unwrap();
        let want = crate::flake::nar::nar_sha256(&t).unwrap();

        let out = dir.path().join("out");
        std::fs::create_dir(&out).unwrap();
        let u = unpack_pruned(std::io::Cursor::new(tar_of(&t, "nixpkgs-abc")), &out).unwrap();
        assert_eq!(u.nar_sha256, want);
        assert!(u.pruned);
        assert_eq!(u.tree, out.join("t/nixpkgs-abc"));
        assert!(u.tree.join("lib/foo/a.nix").is_file());
        assert!(u.tree.join("lib/empty").is_dir());
        assert_eq!(
            std::fs::read_link(u.tree.join("lib/link")).unwrap(),
            Path::new("foo.nix")
        );
        assert!(u.tree.join("nixos/modules/m.nix").is_file());
        assert!(u.tree.join("flake.nix").is_file());
        assert!(!u.tree.join("pkgs").exists());
        assert!(!u.tree.join("nixos/tests").exists());
        assert!(!out.join(".spool").exists());
        let marker = std::fs::read_to_string(u.tree.join(prune::MARKER)).unwrap();
        let kept: Vec<&str> = marker.lines().filter(|l| !l.starts_with('#')).collect();
        assert_eq!(kept, ["flake.nix", "lib/", "nixos/lib/", "nixos/modules/"]);

        // An entry below a symlink of the archive: refused, nothing written
        // through it.
        let mut b = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Symlink);
        h.set_size(0);
        h.set_mode(0o777);
        b.append_link(&mut h, "top/lib", dir.path().join("victim"))
            .unwrap();
        let mut h = tar::Header::new_gnu();
        h.set_size(3);
        h.set_mode(0o644);
        b.append_data(&mut h, "top/lib/x", &b"bad"[..]).unwrap();
        let out = dir.path().join("out3");
        std::fs::create_dir(&out).unwrap();
        std::fs::create_dir(dir.path().join("victim")).unwrap();
        let e = unpack_pruned(std::io::Cursor::new(b.into_inner().unwrap()), &out)
            .err()
            .unwrap();
        assert!(e.to_string().contains("not a directory"), "{e}");
        assert!(!dir.path().join("victim/x").exists());

        // Not nixpkgs-shaped (no lib/default.nix): all of it, written out.
        std::fs::remove_file(t.join("lib/default.nix")).unwrap();
        let want = crate::flake::nar::nar_sha256(&t).unwrap();
        let out = dir.path().join("out2");
        std::fs::create_dir(&out).unwrap();
        let u = unpack_pruned(std::io::Cursor::new(tar_of(&t, "other")), &out).unwrap();
        assert!(!u.pruned);
        assert_eq!(u.nar_sha256, want);
        assert_eq!(crate::flake::nar::nar_sha256(&u.tree).unwrap(), want);
    }
}
