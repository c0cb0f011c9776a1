//! `--fetch-inputs`: downloads a locked flake input as flake.lock locks it
//! (`github`, `gitlab`, `sourcehut` archives, `tarball` and `file` URLs,
//! `git` through the `git` program), checks its NAR hash against the
//! lock's `narHash`, and only then moves it where later runs find it (a
//! directory named after that hash). A mismatch keeps nothing.

use std::io::Read;
use std::path::{Path, PathBuf};

use serde_json::Value as Json;

use super::{nar, prune};

/// What of a download is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// All of it.
    Whole,
    /// Only what evaluation reads of nixpkgs ([`super::prune`]), when the
    /// download is nixpkgs-shaped; all of it otherwise.
    Pruned,
}

/// Downloads the source `locked` describes into `dest`, when its NAR hash
/// is `digest` (which `pinned_by` names in the message of a mismatch:
/// "flake.lock locks", "its `sha256` is"). A copy already at `dest` is
/// replaced only when it is a pruned one and `keep` asks for the whole
/// source.
pub fn fetch(
    locked: &Json,
    digest: &[u8; 32],
    pinned_by: &str,
    dest: &Path,
    keep: Keep,
) -> Result<(), String> {
    let parent = dest
        .parent()
        .ok_or_else(|| format!("{} has no parent directory", dest.display()))?;
    std::fs::create_dir_all(parent).map_err(|e| format!("creating {}: {e}", parent.display()))?;
    // Unpacked next to its destination, so that keeping it is a rename.
    let tmp = tempfile::Builder::new()
        .prefix(".fetching-")
        .tempdir_in(parent)
        .map_err(|e| format!("creating a directory in {}: {e}", parent.display()))?;
    let (tree, got) = match tarball_url(locked)? {
        // A tarball of nixpkgs to keep pruned: what it drops is never
        // written out as files (see `unpack.rs`).
        Some(url) if keep == Keep::Pruned => {
            let out = tmp.path().join("unpacked");
            std::fs::create_dir(&out).map_err(|e| e.to_string())?;
            let u = stream_url(&url, |r| super::unpack::unpack_pruned(r, &out))?;
            (u.tree, u.nar_sha256)
        }
        _ => {
            let tree = download(locked, tmp.path())?;
            let got = nar::nar_sha256(&tree).map_err(|e| format!("hashing the download: {e}"))?;
            (tree, got)
        }
    };
    if &got != digest {
        return Err(format!(
            "its NAR hash is {} but {pinned_by} {}: refused",
            nar::to_sri(&got),
            nar::to_sri(digest)
        ));
    }
    // Another fetcher (`git`) of nixpkgs: pruned once checked.
    if keep == Keep::Pruned && !tree.join(prune::MARKER).exists() && prune::applies(&tree) {
        prune::prune(&tree).map_err(|e| format!("keeping only what evaluation reads: {e}"))?;
    }
    if keep == Keep::Whole && dest.join(prune::MARKER).exists() {
        // A pruned copy from an earlier run: set aside (and removed with
        // the temporary directory) for the whole source.
        std::fs::rename(dest, tmp.path().join("pruned"))
            .map_err(|e| format!("replacing the pruned copy {}: {e}", dest.display()))?;
    }
    match std::fs::rename(&tree, dest) {
        Ok(()) => Ok(()),
        // Another run kept the same source meanwhile: the same bytes.
        Err(_) if dest.exists() => Ok(()),
        Err(e) => Err(format!("keeping it in {}: {e}", dest.display())),
    }
}

fn str_of<'a>(locked: &'a Json, key: &str) -> Result<&'a str, String> {
    locked[key]
        .as_str()
        .ok_or_else(|| format!("flake.lock's locked entry has no `{key}`"))
}

/// The archive URL of a `github`/`gitlab`/`sourcehut` lock entry.
pub fn archive_url(locked: &Json) -> Result<String, String> {
    archive_url_with(locked, |var| std::env::var(var).ok())
}

/// The base URL standing for a forge's public host: `https://<host>`, or
/// the value of `var` (`ATELIER_GITHUB_URL`, `ATELIER_GITLAB_URL`,
/// `ATELIER_SOURCEHUT_URL`) when it is set. That knob is for tests and
/// mirrors: the archive is then asked of that server at the forge's own
/// path, and its NAR hash is checked all the same.
fn forge_base(
    env: &impl Fn(&str) -> Option<String>,
    var: &str,
    host: Option<&str>,
    default: &str,
) -> String {
    match host {
        Some(h) if h != default => format!("https://{h}"),
        _ => match env(var).filter(|v| !v.is_empty()) {
            Some(base) => base.trim_end_matches('/').to_owned(),
            None => format!("https://{default}"),
        },
    }
}

fn archive_url_with(locked: &Json, env: impl Fn(&str) -> Option<String>) -> Result<String, String> {
    let kind = str_of(locked, "type")?;
    let owner = str_of(locked, "owner")?;
    let repo = str_of(locked, "repo")?;
    let rev = str_of(locked, "rev")?;
    let host = locked["host"].as_str();
    Ok(match kind {
        "github" => match host {
            Some(h) if h != "github.com" => {
                format!("https://{h}/api/v3/repos/{owner}/{repo}/tarball/{rev}")
            }
            _ => format!(
                "{}/{owner}/{repo}/archive/{rev}.tar.gz",
                forge_base(&env, "ATELIER_GITHUB_URL", host, "github.com")
            ),
        },
        "gitlab" => format!(
            "{}/api/v4/projects/{owner}%2F{repo}/repository/archive.tar.gz?sha={rev}",
            forge_base(&env, "ATELIER_GITLAB_URL", host, "gitlab.com")
        ),
        "sourcehut" => format!(
            "{}/{owner}/{repo}/archive/{rev}.tar.gz",
            forge_base(&env, "ATELIER_SOURCEHUT_URL", host, "git.sr.ht")
        ),
        other => return Err(format!("no archive URL for input type `{other}`")),
    })
}

/// The tarball URL of a lock entry that is one (`github`, `gitlab`,
/// `sourcehut`, `tarball`).
fn tarball_url(locked: &Json) -> Result<Option<String>, String> {
    Ok(match str_of(locked, "type")? {
        "github" | "gitlab" | "sourcehut" => Some(archive_url(locked)?),
        "tarball" => Some(str_of(locked, "url")?.to_owned()),
        _ => None,
    })
}

/// Downloads into `dir`; returns the tree whose hash is locked.
fn download(locked: &Json, dir: &Path) -> Result<PathBuf, String> {
    if let Some(url) = tarball_url(locked)? {
        return unpack_url(&url, dir);
    }
    match str_of(locked, "type")? {
        "file" => {
            let url = str_of(locked, "url")?;
            let out = dir.join("file");
            let mut f = std::fs::File::create(&out).map_err(|e| e.to_string())?;
            std::io::copy(&mut get(url)?, &mut f).map_err(|e| format!("reading {url}: {e}"))?;
            Ok(out)
        }
        "git" => git(locked, dir),
        other => Err(format!(
            "atelier-gen does not fetch inputs of type `{other}`"
        )),
    }
}

/// The body at `url`: HTTP(S), or a local file (`file:///…`, as Nix
/// accepts for `tarball` inputs and `builtins.fetchTarball`).
fn get(url: &str) -> Result<Box<dyn Read + Send>, String> {
    if let Some(path) = url.strip_prefix("file://") {
        let f = std::fs::File::open(path).map_err(|e| format!("reading {url}: {e}"))?;
        return Ok(Box::new(f));
    }
    let resp = ureq::get(url)
        .call()
        .map_err(|e| format!("downloading {url}: {e}"))?;
    Ok(Box::new(resp.into_body().into_reader()))
}

/// A tarball (gzip-compressed or not), unpacked as Nix does: when it holds
/// a single top-level directory, that directory is the source.
///
/// Streamed on two threads: one downloads and gunzips into a bounded
/// queue of blocks, the other unpacks the tar stream as it comes (the
/// download never sits whole in memory or on disk).
fn unpack_url(url: &str, dir: &Path) -> Result<PathBuf, String> {
    let out = dir.join("unpacked");
    std::fs::create_dir(&out).map_err(|e| e.to_string())?;
    stream_url(url, |r| {
        let mut archive = tar::Archive::new(r);
        // Neither times nor owners are part of a NAR; the mode's
        // executable bit is, and is kept.
        archive.set_preserve_mtime(false);
        archive.unpack(&out)
    })?;
    let entries: Vec<_> = std::fs::read_dir(&out)
        .map_err(|e| e.to_string())?
        .collect::<Result<_, _>>()
        .map_err(|e| e.to_string())?;
    if let [only] = entries.as_slice() {
        if only.file_type().is_ok_and(|t| t.is_dir()) {
            return Ok(only.path());
        }
    }
    Ok(out)
}

/// Gives `consume` the tar stream at `url` (decompressed: see [`inflate`]),
/// downloaded and decompressed on a second thread.
fn stream_url<T>(
    url: &str,
    consume: impl FnOnce(Blocks) -> std::io::Result<T>,
) -> Result<T, String> {
    let body = get(url)?;
    let (tx, rx) = std::sync::mpsc::sync_channel::<std::io::Result<Vec<u8>>>(BLOCKS_IN_FLIGHT);
    let r = std::thread::scope(|scope| {
        scope.spawn(move || inflate(body, &tx));
        // `consume` drops the receiving end when it returns, so a
        // download still running stops at its next block.
        consume(Blocks {
            rx,
            block: Vec::new(),
            at: 0,
        })
    });
    r.map_err(|e| {
        format!("unpacking {url} (a .tar, .tar.gz, .tar.xz or .tar.zst is expected): {e}")
    })
}

/// Blocks of the decompressed stream queued between the two threads.
const BLOCKS_IN_FLIGHT: usize = 16;
const BLOCK: usize = 256 << 10;

/// The downloading thread: `body`, decompressed by its magic bytes (gzip,
/// xz or zstd: channel tarballs are `nixexprs.tar.xz` or `.tar.zst`;
/// anything else is taken as a plain tar), sent on in blocks; an error is
/// sent as the last item.
fn inflate(body: impl Read, tx: &std::sync::mpsc::SyncSender<std::io::Result<Vec<u8>>>) {
    use std::io::BufRead as _;
    let mut reader = std::io::BufReader::with_capacity(BLOCK, body);
    let format = match reader.fill_buf() {
        Ok(head) => Compression::of(head),
        Err(e) => {
            let _ = tx.send(Err(e));
            return;
        }
    };
    let mut out = BlockSender {
        tx,
        block: Vec::with_capacity(BLOCK),
        gone: false,
    };
    let r = match format {
        Compression::Gzip => std::io::copy(&mut flate2::bufread::GzDecoder::new(reader), &mut out),
        Compression::Zstd => match ruzstd::decoding::StreamingDecoder::new(reader) {
            Ok(mut d) => std::io::copy(&mut d, &mut out),
            Err(e) => Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("zstd: {e}"),
            )),
        },
        Compression::Xz => lzma_rs::xz_decompress(&mut reader, &mut out)
            .map(|()| 0)
            .map_err(|e| match e {
                lzma_rs::error::Error::IoError(e) => e,
                e => std::io::Error::new(std::io::ErrorKind::InvalidData, format!("xz: {e}")),
            }),
        Compression::None => std::io::copy(&mut reader, &mut out),
    };
    // The unpacking side gone (it failed) leaves nothing more to do.
    if let Err(e) = r.and_then(|_| out.flush_block()) {
        if !out.gone {
            let _ = tx.send(Err(e));
        }
    }
}

/// How a downloaded archive is compressed, by its first bytes.
#[derive(Debug, PartialEq, Eq)]
enum Compression {
    Gzip,
    Xz,
    Zstd,
    None,
}

impl Compression {
    fn of(head: &[u8]) -> Self {
        if head.starts_with(&[0x1f, 0x8b]) {
            Self::Gzip
        } else if head.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0]) {
            Self::Xz
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Self::Zstd
        } else {
            Self::None
        }
    }
}

/// The decompressed stream as blocks of [`BLOCK`] bytes on the queue; a
/// write after the receiving end is gone fails (and sets `gone`).
struct BlockSender<'a> {
    tx: &'a std::sync::mpsc::SyncSender<std::io::Result<Vec<u8>>>,
    block: Vec<u8>,
    gone: bool,
}

impl BlockSender<'_> {
    fn flush_block(&mut self) -> std::io::Result<()> {
        if self.block.is_empty() {
            return Ok(());
        }
        let block = std::mem::replace(&mut self.block, Vec::with_capacity(BLOCK));
        self.tx.send(Ok(block)).map_err(|_| {
            self.gone = true;
            std::io::Error::from(std::io::ErrorKind::BrokenPipe)
        })
    }
}

impl std::io::Write for BlockSender<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = buf.len().min(BLOCK - self.block.len());
        self.block.extend_from_slice(&buf[..n]);
        if self.block.len() == BLOCK {
            self.flush_block()?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The unpacking thread's view of the queue: a `Read`.
struct Blocks {
    rx: std::sync::mpsc::Receiver<std::io::Result<Vec<u8>>>,
    block: Vec<u8>,
    at: usize,
}

impl Read for Blocks {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.at == self.block.len() {
            match self.rx.recv() {
                Ok(Ok(block)) => {
                    self.block = block;
                    self.at = 0;
                }
                Ok(Err(e)) => return Err(e),
                // The downloading thread is done: end of stream.
                Err(_) => return Ok(0),
            }
        }
        let n = buf.len().min(self.block.len() - self.at);
        buf[..n].copy_from_slice(&self.block[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// A `git` input: cloned with the `git` program, checked out at the locked
/// revision, `.git` removed.
fn git(locked: &Json, dir: &Path) -> Result<PathBuf, String> {
    let url = str_of(locked, "url")?;
    let rev = str_of(locked, "rev")?;
    let out = dir.join("checkout");
    let run = |args: &[&str], cwd: Option<&Path>| -> Result<(), String> {
        let mut cmd = std::process::Command::new("git");
        cmd.args(args);
        if let Some(d) = cwd {
            cmd.current_dir(d);
        }
        let o = cmd
            .output()
            .map_err(|e| format!("running git (needed for `git` inputs): {e}"))?;
        if o.status.success() {
            Ok(())
        } else {
            Err(format!(
                "git {} failed: {}",
                args.first().unwrap_or(&""),
                String::from_utf8_lossy(&o.stderr).trim()
            ))
        }
    };
    let target = out.to_string_lossy().into_owned();
    run(&["clone", "--quiet", "--", url, &target], None)?;
    run(
        &[
            "-c",
            "advice.detachedHead=false",
            "checkout",
            "--quiet",
            rev,
        ],
        Some(&out),
    )?;
    if locked["submodules"].as_bool() == Some(true) {
        run(
            &["submodule", "--quiet", "update", "--init", "--recursive"],
            Some(&out),
        )?;
    }
    std::fs::remove_dir_all(out.join(".git")).map_err(|e| e.to_string())?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archive_urls_of_hosted_inputs() {
        let j = |s: &str| serde_json::from_str::<Json>(s).unwrap();
        assert_eq!(
            archive_url(&j(
                r#"{"type":"github","owner":"NixOS","repo":"nixpkgs","rev":"abc"}"#
            ))
            .unwrap(),
            "https://github.com/NixOS/nixpkgs/archive/abc.tar.gz"
        );
        assert_eq!(
            archive_url(&j(
                r#"{"type":"gitlab","owner":"o","repo":"r","rev":"abc"}"#
            ))
            .unwrap(),
            "https://gitlab.com/api/v4/projects/o%2Fr/repository/archive.tar.gz?sha=abc"
        );
        assert_eq!(
            archive_url(&j(
                r#"{"type":"sourcehut","owner":"~o","repo":"r","rev":"abc"}"#
            ))
            .unwrap(),
            "https://git.sr.ht/~o/r/archive/abc.tar.gz"
        );
    }

    #[test]
    fn forge_base_urls_can_point_at_a_mirror() {
        let j = |s: &str| serde_json::from_str::<Json>(s).unwrap();
        let env = |var: &str| match var {
            "ATELIER_GITHUB_URL" => Some("http://127.0.0.1:8080/gh/".to_owned()),
            "ATELIER_GITLAB_URL" => Some("http://127.0.0.1:8080".to_owned()),
            "ATELIER_SOURCEHUT_URL" => Some("http://127.0.0.1:8080/srht".to_owned()),
            _ => None,
        };
        let url = |s: &str| archive_url_with(&j(s), env).unwrap();
        assert_eq!(
            url(r#"{"type":"github","owner":"NixOS","repo":"nixpkgs","rev":"abc"}"#),
            "http://127.0.0.1:8080/gh/NixOS/nixpkgs/archive/abc.tar.gz"
        );
        assert_eq!(
            url(r#"{"type":"gitlab","owner":"o","repo":"r","rev":"abc"}"#),
            "http://127.0.0.1:8080/api/v4/projects/o%2Fr/repository/archive.tar.gz?sha=abc"
        );
        assert_eq!(
            url(r#"{"type":"sourcehut","owner":"~o","repo":"r","rev":"abc"}"#),
            "http://127.0.0.1:8080/srht/~o/r/archive/abc.tar.gz"
        );
        // Another host than the public forge keeps its own address.
        assert_eq!(
            url(r#"{"type":"gitlab","owner":"o","repo":"r","rev":"abc","host":"git.example.org"}"#),
            "https://git.example.org/api/v4/projects/o%2Fr/repository/archive.tar.gz?sha=abc"
        );
        assert_eq!(
            url(r#"{"type":"github","owner":"o","repo":"r","rev":"abc","host":"ghe.example.org"}"#),
            "https://ghe.example.org/api/v3/repos/o/r/tarball/abc"
        );
    }
}
