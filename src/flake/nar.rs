//! Content addresses as Nix computes them: the NAR serialisation of a file
//! tree and its SHA-256 (a flake.lock `narHash`), Nix's base-32, and the
//! store path of a fixed-output `source` (where `nix flake archive` or any
//! earlier evaluation by Nix left a locked input).

use std::io::Write;
use std::path::Path;

use sha2::{Digest, Sha256};

/// Nix's base-32 alphabet (no e, o, u, t).
const BASE32: &[u8; 32] = b"0123456789abcdfghijklmnpqrsvwxyz";

/// Nix's base-32 encoding (least significant bits last, as `nix-hash --to-base32`).
pub fn to_base32(bytes: &[u8]) -> String {
    let len = (bytes.len() * 8).div_ceil(5);
    let mut out = String::with_capacity(len);
    for n in (0..len).rev() {
        let b = n * 5;
        let i = b / 8;
        let j = b % 8;
        let lo = u16::from(bytes[i]) >> j;
        let hi = bytes.get(i + 1).map_or(0, |&x| u16::from(x) << (8 - j));
        out.push(char::from(BASE32[usize::from((lo | hi) & 0x1f)]));
    }
    out
}

/// The SHA-256 digest of an SRI hash (`sha256-<base64>`), as flake.lock
/// writes `narHash`.
pub fn parse_sri(sri: &str) -> Option<[u8; 32]> {
    use base64::Engine as _;
    let b64 = sri.strip_prefix("sha256-")?;
    let bytes = base64::engine::general_purpose::STANDARD.decode(b64).ok()?;
    bytes.try_into().ok()
}

/// A SHA-256 digest written as Nix 2.8 accepts one for a `sha256`
/// argument (`Hash(s, htSHA256)`): SRI (`sha256-<base64>`), or with an
/// optional `sha256:` prefix, base-16 (64 digits), Nix's base-32 (52) or
/// base-64 (44).
pub fn parse_sha256(s: &str) -> Option<[u8; 32]> {
    use base64::Engine as _;
    if s.starts_with("sha256-") {
        return parse_sri(s);
    }
    let s = s.strip_prefix("sha256:").unwrap_or(s);
    let bytes = match s.len() {
        64 => hex::decode(s).ok()?,
        52 => from_base32(s)?.to_vec(),
        44 => base64::engine::general_purpose::STANDARD.decode(s).ok()?,
        _ => return None,
    };
    bytes.try_into().ok()
}

/// The digest [`to_base32`] wrote, or `None` for a character outside the
/// alphabet or bits beyond the 256 of a SHA-256.
fn from_base32(text: &str) -> Option<[u8; 32]> {
    let mut out = [0u8; 32];
    for (n, c) in text.bytes().rev().enumerate() {
        let digit = u16::try_from(BASE32.iter().position(|&x| x == c)?).ok()?;
        let bit = n * 5;
        let shifted = digit << (bit % 8);
        let [low, high] = shifted.to_le_bytes();
        out[bit / 8] |= low;
        match out.get_mut(bit / 8 + 1) {
            Some(next) => *next |= high,
            None if high != 0 => return None,
            None => {}
        }
    }
    Some(out)
}

/// The SRI form of a SHA-256 digest.
pub fn to_sri(digest: &[u8; 32]) -> String {
    use base64::Engine as _;
    format!(
        "sha256-{}",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// The store path Nix gives a tree whose NAR hash is `nar_sha256`, added
/// as a fixed-output path named `name` (flake inputs are named `source`):
/// `makeFixedOutputPath(Recursive, sha256)`, i.e. `makeStorePath("source", …)`.
pub fn fixed_output_path(store_dir: &str, nar_sha256: &[u8; 32], name: &str) -> String {
    let s = format!(
        "source:sha256:{}:{store_dir}:{name}",
        hex::encode(nar_sha256)
    );
    let h = Sha256::digest(s.as_bytes());
    // Nix folds the digest to 160 bits by XOR.
    let mut folded = [0u8; 20];
    for (i, b) in h.iter().enumerate() {
        folded[i % 20] ^= b;
    }
    format!("{store_dir}/{}-{name}", to_base32(&folded))
}

/// The SHA-256 of the NAR serialisation of `path` (not following a final
/// symlink), as `nix-hash --type sha256 DIR` computes it.
///
/// On two threads: one walks the tree and reads the files into blocks of
/// the serialisation, the other hashes them as they come.
pub fn nar_sha256(path: &Path) -> std::io::Result<[u8; 32]> {
    sha256_of(|w| {
        write_str(w, b"nix-archive-1")?;
        write_node(w, path)
    })
}

/// The SHA-256 of what `serialise` writes: it runs on a thread of its own,
/// and its output is hashed on this one as it comes, in blocks.
pub(crate) fn sha256_of(
    serialise: impl FnOnce(&mut dyn Write) -> std::io::Result<()> + Send,
) -> std::io::Result<[u8; 32]> {
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<u8>>(BLOCKS_IN_FLIGHT);
    std::thread::scope(|scope| {
        let walker = scope.spawn(move || {
            let mut w = Blocks {
                tx,
                block: Vec::with_capacity(BLOCK),
            };
            serialise(&mut w)?;
            w.send()
        });
        let mut hasher = Sha256::new();
        for block in rx {
            hasher.update(&block);
        }
        walker
            .join()
            .map_err(|_| std::io::Error::other("the NAR walk panicked"))??;
        Ok(hasher.finalize().into())
    })
}

const BLOCKS_IN_FLIGHT: usize = 8;
const BLOCK: usize = 256 << 10;

/// The serialisation in blocks, sent to the hashing thread.
struct Blocks {
    tx: std::sync::mpsc::SyncSender<Vec<u8>>,
    block: Vec<u8>,
}

impl Blocks {
    fn send(&mut self) -> std::io::Result<()> {
        if self.block.is_empty() {
            return Ok(());
        }
        let full = std::mem::replace(&mut self.block, Vec::with_capacity(BLOCK));
        self.tx
            .send(full)
            .map_err(|_| std::io::Error::other("the NAR hashing thread stopped"))
    }
}

impl Write for Blocks {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = buf.len().min(BLOCK - self.block.len());
        self.block.extend_from_slice(&buf[..n]);
        if self.block.len() == BLOCK {
            self.send()?;
        }
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

pub(crate) fn write_str(w: &mut (impl Write + ?Sized), s: &[u8]) -> std::io::Result<()> {
    w.write_all(&(s.len() as u64).to_le_bytes())?;
    w.write_all(s)?;
    let pad = (8 - s.len() % 8) % 8;
    w.write_all(&[0u8; 8][..pad])
}

fn write_node(w: &mut (impl Write + ?Sized), path: &Path) -> std::io::Result<()> {
    use std::os::unix::ffi::OsStrExt as _;
    use std::os::unix::fs::PermissionsExt as _;
    let meta = std::fs::symlink_metadata(path)?;
    write_str(w, b"(")?;
    write_str(w, b"type")?;
    let t = meta.file_type();
    if t.is_symlink() {
        write_str(w, b"symlink")?;
        write_str(w, b"target")?;
        write_str(w, std::fs::read_link(path)?.as_os_str().as_bytes())?;
    } else if t.is_file() {
        write_str(w, b"regular")?;
        if meta.permissions().mode() & 0o100 != 0 {
            write_str(w, b"executable")?;
            write_str(w, b"")?;
        }
        write_str(w, b"contents")?;
        let len = meta.len();
        w.write_all(&len.to_le_bytes())?;
        let copied = std::io::copy(&mut std::fs::File::open(path)?, w)?;
        if copied != len {
            return Err(std::io::Error::other(format!(
                "{} changed while it was hashed",
                path.display()
            )));
        }
        let pad = usize::try_from((8 - len % 8) % 8).unwrap_or(0);
        w.write_all(&[0u8; 8][..pad])?;
    } else if t.is_dir() {
        write_str(w, b"directory")?;
        let mut names: Vec<std::ffi::OsString> = std::fs::read_dir(path)?
            .map(|e| e.map(|e| e.file_name()))
            .collect::<Result<_, _>>()?;
        // NAR orders entries by their bytes.
        names.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
        for name in names {
            write_str(w, b"entry")?;
            write_str(w, b"(")?;
            write_str(w, b"name")?;
            write_str(w, name.as_bytes())?;
            write_str(w, b"node")?;
            write_node(w, &path.join(&name))?;
            write_str(w, b")")?;
        }
    } else {
        return Err(std::io::Error::other(format!(
            "{} is neither a file, a directory nor a symlink: it has no NAR form",
            path.display()
        )));
    }
    write_str(w, b")")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oracle(args: &[&str]) -> Option<String> {
        let out = std::process::Command::new(args[0])
            .args(&args[1..])
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
    }

    /// A tree with every NAR node kind, hashed by us and by `nix-hash`.
    #[test]
    fn nar_hash_is_the_one_nix_hash_computes() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("t");
        std::fs::create_dir_all(root.join("sub/empty")).unwrap();
        std::fs::write(root.join("a.nix"), "{ }\n").unwrap();
        std::fs::write(root.join("sub/seven"), "1234567").unwrap();
        std::fs::write(root.join("sub/eight"), "12345678").unwrap();
        std::fs::write(root.join("run"), "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(root.join("run"), std::fs::Permissions::from_mode(0o755)).unwrap();
        std::os::unix::fs::symlink("sub/seven", root.join("link")).unwrap();
        std::fs::write(root.join("B"), "").unwrap();
        let ours = nar_sha256(&root).unwrap();
        let Some(theirs) = oracle(&[
            "nix-hash",
            "--type",
            "sha256",
            "--base32",
            root.to_str().unwrap(),
        ]) else {
            eprintln!("SKIP: nix-hash is not installed; checking base-32 round trip only");
            return;
        };
        assert_eq!(to_base32(&ours), theirs);
        let hex = oracle(&["nix-hash", "--type", "sha256", root.to_str().unwrap()]).unwrap();
        assert_eq!(hex::encode(ours), hex);
        // And a single file (a `file` input).
        let f = root.join("a.nix");
        let theirs = oracle(&["nix-hash", "--type", "sha256", f.to_str().unwrap()]).unwrap();
        assert_eq!(hex::encode(nar_sha256(&f).unwrap()), theirs);
    }

    #[test]
    fn store_path_of_a_locked_source_is_the_one_nix_prints() {
        // nixpkgs' narHash in this repository's own flake.lock.
        let sri = "sha256-4z/zR3VxvH3vBv4H4+8l8dHfaVW4jK2Lq0rBsR6uv/o=";
        let digest = parse_sri(sri).unwrap();
        assert_eq!(to_sri(&digest), sri);
        let ours = fixed_output_path("/nix/store", &digest, "source");
        let Some(theirs) = oracle(&[
            "nix-store",
            "--print-fixed-path",
            "--recursive",
            "sha256",
            &to_base32(&digest),
            "source",
        ]) else {
            eprintln!("SKIP: nix-store is not installed");
            return;
        };
        assert_eq!(ours, theirs);
    }

    #[test]
    fn sha256_arguments_in_every_form_nix_accepts() {
        let sri = "sha256-4z/zR3VxvH3vBv4H4+8l8dHfaVW4jK2Lq0rBsR6uv/o=";
        let digest = parse_sri(sri).unwrap();
        let nix32 = to_base32(&digest);
        let hex = hex::encode(digest);
        let b64 = &sri["sha256-".len()..];
        for form in [
            sri.to_owned(),
            nix32.clone(),
            format!("sha256:{nix32}"),
            hex.clone(),
            format!("sha256:{hex}"),
            b64.to_owned(),
        ] {
            assert_eq!(parse_sha256(&form), Some(digest), "{form}");
        }
        // Not a digit of the alphabet (`e`), a length of no form, and bits
        // beyond 256 (the first digit of 52 holds only one bit).
        assert_eq!(parse_sha256(&nix32.replacen(&nix32[..1], "e", 1)), None);
        assert_eq!(parse_sha256(&nix32[1..]), None);
        assert_eq!(parse_sha256(&format!("z{}", &nix32[1..])), None);
        assert_eq!(parse_sha256(""), None);
    }
}
