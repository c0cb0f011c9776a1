//! The benchmarks (docs/bench.md), built only into `atelier-bench`:
//! `run` (the runtime against bare restic), `plan` (`atelier-gen plan`
//! against `nix-instantiate`), `dr` (P5, disaster recovery time against bare
//! `restic restore`), `growth` (P6, repository growth per small database
//! change against bare restic), `eval-rss` (the evaluator's memory over
//! many inputs in one process) and `fetch` (`atelier-gen plan
//! --fetch-inputs` of a nixpkgs-sized input against `curl | tar -xz`).
//! `atelier-backup` and `atelier-gen` do not contain this code.
//!
//! Shared here: restic and `atelier-backup` command builders, deterministic
//! incompressible bytes, tree hashes; the throwaway PostgreSQL cluster is
//! tests/support/pg.rs, which the tests use too.

#![allow(clippy::cast_precision_loss)]

pub mod dr;
pub mod eval_rss;
pub mod fetch;
pub mod growth;
#[path = "../../../tests/support/http.rs"]
mod http;
#[path = "../../../tests/support/pg.rs"]
mod pg;
pub mod plan;
pub mod run;
#[path = "../../../tests/support/synthetic_flake.rs"]
mod synthetic_flake;

/// A throwaway PostgreSQL cluster (Unix socket only), stopped on drop.
pub use pg::Cluster as Pg;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use sha2::{Digest, Sha256};

pub const PASSWORD: &str = "benchmark password";
pub const HOST: &str = "bench-host";

/// The benchmark's working directory, its repository password and binaries.
pub struct Bench {
    pub root: PathBuf,
    pub password_file: PathBuf,
    pub backup_bin: PathBuf,
    _tmp: tempfile::TempDir,
}

impl Bench {
    pub fn new(dir: Option<&Path>) -> anyhow::Result<Self> {
        let base = dir.map_or_else(std::env::temp_dir, Path::to_path_buf);
        let tmp = tempfile::Builder::new()
            .prefix("atelier-bench-")
            .tempdir_in(&base)?;
        let root = tmp.path().to_path_buf();
        let password_file = root.join("password");
        std::fs::write(&password_file, PASSWORD)?;
        let backup_bin = std::env::current_exe()?.with_file_name("atelier-backup");
        anyhow::ensure!(
            backup_bin.exists(),
            "{} not found: build it first (cargo build --release --bins)",
            backup_bin.display()
        );
        Ok(Self {
            root,
            password_file,
            backup_bin,
            _tmp: tmp,
        })
    }

    /// `restic` with repository `repo`, the password file and cache dir `cache`.
    pub fn restic(&self, repo: &Path, cache: &str) -> Command {
        let mut c = Command::new("restic");
        c.env("RESTIC_REPOSITORY", repo)
            .env("RESTIC_PASSWORD_FILE", &self.password_file)
            .env("RESTIC_CACHE_DIR", self.root.join(cache))
            .env_remove("RESTIC_PASSWORD")
            .stdin(Stdio::null())
            .stdout(Stdio::null());
        c
    }

    pub fn init(&self, name: &str) -> anyhow::Result<PathBuf> {
        let repo = self.root.join(name);
        check(self.restic(&repo, "cache-init").arg("init"))?;
        Ok(repo)
    }

    /// A copy of repository `from` (same key and chunker polynomial, so
    /// the same chunk boundaries and the same scrypt cost).
    pub fn copy_repo(&self, from: &Path, name: &str) -> anyhow::Result<PathBuf> {
        let to = self.root.join(name);
        check(Command::new("cp").arg("-a").arg(from).arg(&to))?;
        Ok(to)
    }

    /// Writes a manifest with one local repository `default`.
    pub fn manifest(
        &self,
        name: &str,
        repo: &Path,
        services: &serde_json::Value,
        postgres: Option<&Pg>,
    ) -> anyhow::Result<PathBuf> {
        let mut m = serde_json::json!({
            "version": 1,
            "host": HOST,
            "repositories": { "default": {
                "repository": repo.display().to_string(),
                "passwordFile": self.password_file.display().to_string(),
            }},
            "services": services,
        });
        if let Some(pg) = postgres {
            m["postgres"] = serde_json::json!({
                "host": pg.socket_dir.display().to_string(),
                "port": pg.port,
                "runAs": pg.run_as.clone().unwrap_or_else(current_user),
            });
        }
        let path = self.root.join(format!("{name}.json"));
        std::fs::write(&path, serde_json::to_string_pretty(&m)?)?;
        Ok(path)
    }

    /// `atelier-backup` with `manifest` and state dir `state` (under root).
    pub fn atelier(&self, manifest: &Path, state: &str) -> Command {
        let mut c = Command::new(&self.backup_bin);
        c.env("ATELIER_MANIFEST", manifest)
            .env("ATELIER_STATE_DIR", self.root.join(state))
            .env("ATELIER_SYSTEMCTL", "true")
            .env_remove("RESTIC_PASSWORD")
            .env_remove("RESTIC_REPOSITORY")
            .stdin(Stdio::null())
            .stdout(Stdio::null());
        c
    }
}

fn current_user() -> String {
    nix::unistd::User::from_uid(nix::unistd::Uid::current())
        .ok()
        .flatten()
        .map_or_else(|| "root".into(), |u| u.name)
}

/// Runs `cmd`; its stderr is in the error when it fails.
pub fn check(cmd: &mut Command) -> anyhow::Result<()> {
    let out = cmd.stderr(Stdio::piped()).output()?;
    if !out.status.success() {
        anyhow::bail!(
            "{cmd:?} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

/// Runs `cmd` and returns its stdout.
pub fn output(cmd: &mut Command) -> anyhow::Result<String> {
    let out = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).output()?;
    if !out.status.success() {
        anyhow::bail!(
            "{cmd:?} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(String::from_utf8(out.stdout)?)
}

/// Incompressible, deterministic bytes (xorshift).
pub fn fill(buf: &mut [u8], seed: &mut u64) {
    for chunk in buf.chunks_mut(8) {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        let bytes = seed.to_le_bytes();
        chunk.copy_from_slice(&bytes[..chunk.len()]);
    }
}

/// sha256 of every regular file under `dir`, by path relative to it.
pub fn file_hashes(dir: &Path) -> anyhow::Result<Vec<(PathBuf, String)>> {
    let mut out = Vec::new();
    for e in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let e = e?;
        if e.file_type().is_file() {
            let mut h = Sha256::new();
            let mut f = std::fs::File::open(e.path())?;
            std::io::copy(&mut f, &mut h)?;
            out.push((
                e.path().strip_prefix(dir)?.to_path_buf(),
                hex::encode(h.finalize()),
            ));
        }
    }
    Ok(out)
}

/// The 1-, 5- and 15-minute load averages, as `/proc/loadavg` says.
pub fn load() -> String {
    std::fs::read_to_string("/proc/loadavg").map_or_else(
        |_| "?".into(),
        |s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "),
    )
}

/// Bytes of all files under `dir` (as stored: `du --apparent-size` sum).
pub fn dir_bytes(dir: &Path) -> u64 {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| e.metadata().ok())
        .map(|m| m.len())
        .sum()
}

pub fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

pub fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

/// The value after option `a`.
pub fn value<'a>(it: &mut impl Iterator<Item = &'a String>, a: &str) -> anyhow::Result<String> {
    it.next()
        .cloned()
        .ok_or_else(|| anyhow::anyhow!("{a} needs a value"))
}
