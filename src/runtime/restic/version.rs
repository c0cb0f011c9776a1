//! `restic version`: parsing, the features each version has, and the
//! version remembered per restic binary across processes.

use std::path::PathBuf;
use std::process::{Command, Stdio};

use serde::{Deserialize, Serialize};

use crate::runtime::child;

use super::error::{ErrorKind, ResticError};
use super::Restic;

/// `restic version`, e.g. 0.14.0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Version {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
}

impl Version {
    /// Parses the first line of `restic version` (`restic 0.14.0 compiled with …`).
    pub fn parse(text: &str) -> Option<Self> {
        let word = text.split_whitespace().nth(1)?;
        let mut nums = word
            .split(|c: char| !c.is_ascii_digit())
            .filter(|s| !s.is_empty())
            .map(|s| s.parse::<u32>().ok());
        Some(Self {
            major: nums.next()??,
            minor: nums.next()??,
            patch: nums.next().flatten().unwrap_or(0),
        })
    }

    pub fn at_least(self, major: u32, minor: u32) -> bool {
        (self.major, self.minor) >= (major, minor)
    }

    /// `--retry-lock` exists (0.16+); older versions retry in our loop.
    pub fn has_retry_lock(self) -> bool {
        self.at_least(0, 16)
    }

    /// `backup --stdin-from-command` exists (0.17+).
    pub fn has_stdin_from_command(self) -> bool {
        self.at_least(0, 17)
    }

    /// `backup --json` reports the full snapshot id (0.15+; 0.14 gives 8 chars).
    pub fn reports_full_snapshot_id(self) -> bool {
        self.at_least(0, 15)
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// `restic version` remembered for one binary.
#[derive(Debug, Serialize, Deserialize)]
struct CachedVersion {
    binary: String,
    version: Version,
}

/// Identifies the restic binary `program` (searched on `PATH` like
/// `Command` does): canonical path, size, modification time, device and
/// inode. `None` for scripts and anything that cannot be examined.
fn binary_fingerprint(program: &str) -> Option<String> {
    use std::io::Read as _;
    use std::os::unix::fs::MetadataExt as _;
    let path = if program.contains('/') {
        PathBuf::from(program)
    } else {
        std::env::split_paths(&std::env::var_os("PATH")?)
            .map(|d| d.join(program))
            .find(|p| p.is_file())?
    };
    let path = std::fs::canonicalize(path).ok()?;
    let mut head = [0u8; 2];
    std::fs::File::open(&path)
        .ok()?
        .read_exact(&mut head)
        .ok()?;
    if &head == b"#!" {
        return None;
    }
    let m = std::fs::metadata(&path).ok()?;
    Some(format!(
        "{}:{}:{}.{}:{}:{}",
        path.display(),
        m.len(),
        m.mtime(),
        m.mtime_nsec(),
        m.dev(),
        m.ino()
    ))
}

impl Restic {
    /// `restic version`, asked once per process, and remembered across
    /// processes for the same restic binary (see [`Self::with_version_cache`]).
    pub fn version(&self) -> Result<Version, ResticError> {
        if let Some(v) = self.version.get() {
            return Ok(*v);
        }
        let fingerprint = self
            .version_cache
            .as_ref()
            .and_then(|_| binary_fingerprint(&self.program));
        if let (Some(path), Some(fp)) = (&self.version_cache, &fingerprint) {
            let cached = std::fs::read(path)
                .ok()
                .and_then(|b| serde_json::from_slice::<CachedVersion>(&b).ok())
                .filter(|c| c.binary == *fp);
            if let Some(c) = cached {
                let _ = self.version.set(c.version);
                return Ok(c.version);
            }
        }
        let mut cmd = Command::new(&self.program);
        cmd.arg("version").stdin(Stdio::null());
        child::die_with_parent(&mut cmd);
        let out = child::run(&mut cmd, Some(self.timeout), &mut |_| {})
            .map_err(|e| self.spawn_error("ask restic for its version", &e))?;
        if out.timed_out {
            return Err(self.timeout_error("ask restic for its version", &out.stderr));
        }
        let text = String::from_utf8_lossy(&out.stdout);
        let v = Version::parse(&text).ok_or_else(|| {
            self.error(
                ErrorKind::Other,
                "ask restic for its version",
                out.status.code(),
                &String::from_utf8_lossy(&out.stderr),
                Some(format!(
                    "unexpected `restic version` output: {}",
                    text.trim()
                )),
            )
        })?;
        let _ = self.version.set(v);
        if let (Some(path), Some(fp)) = (&self.version_cache, fingerprint) {
            let _ = crate::runtime::state::write_json_atomic(
                path,
                &CachedVersion {
                    binary: fp,
                    version: v,
                },
            );
        }
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_parses() {
        let v = Version::parse("restic 0.14.0 compiled with go1.19.8 on linux/amd64\n").unwrap();
        assert_eq!(v.to_string(), "0.14.0");
        assert!(!v.has_retry_lock());
        let v = Version::parse("restic 0.17.1 compiled with go1.23").unwrap();
        assert!(v.has_stdin_from_command());
    }

    #[test]
    fn binary_fingerprint_changes_with_the_binary_and_skips_scripts() {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("restic");
        std::fs::write(&bin, b"\x7fELF one").unwrap();
        let p = bin.to_str().unwrap();
        let a = binary_fingerprint(p).unwrap();
        assert_eq!(binary_fingerprint(p).unwrap(), a);
        // A new binary in its place (an upgrade writes a new file).
        let tmp = dir.path().join("restic.new");
        std::fs::write(&tmp, b"\x7fELF two!").unwrap();
        std::fs::rename(&tmp, &bin).unwrap();
        assert_ne!(binary_fingerprint(p).unwrap(), a);
        std::fs::write(&bin, b"#!/bin/sh\nexec restic \"$@\"\n").unwrap();
        assert_eq!(binary_fingerprint(p), None);
        assert_eq!(binary_fingerprint("/nonexistent/restic"), None);
    }
}
