//! One file per `atelier-backup` subcommand. Each exposes `run(&Context, &Args)`.
//!
//! Commands return `Ok(code)` (0 ok, 1 failed or stale) or an error; an error
//! that is a [`ConfigError`] exits 2, any other error exits 1.

use std::path::PathBuf;

use crate::plan::Manifest;
pub use crate::runtime::config_error::{known, service_not_in_manifest, ConfigError};

pub mod backup;
pub mod check;
pub mod completions;
pub mod dr;
pub mod drill;
pub mod evidence;
pub mod list;
pub mod menu;
pub mod prune;
pub mod restic;
pub mod restore;
pub mod run;
pub mod status;
pub mod support_bundle;
pub mod ui;

/// Settings shared by every subcommand (global flags and environment).
#[derive(Debug, Clone)]
pub struct Context {
    /// `--manifest` / `ATELIER_MANIFEST`.
    pub manifest_path: PathBuf,
    /// `--json`: one JSON document on stdout, human text on stderr.
    pub json: bool,
    /// Progress bars allowed (not `--no-progress` and stderr is a terminal).
    pub progress: bool,
    /// `--yes`: confirmations answered yes.
    pub yes: bool,
    /// `ATELIER_STATE_DIR` (default `/var/lib/atelier`).
    pub state_dir: PathBuf,
    /// `ATELIER_SYSTEMCTL` (default `systemctl`).
    pub systemctl: String,
    /// `ATELIER_RESTIC` (default `restic`).
    pub restic: String,
}

impl Context {
    /// Loads the manifest; a missing or invalid one is a configuration error.
    pub fn manifest(&self) -> Result<Manifest, ConfigError> {
        Manifest::load(&self.manifest_path).map_err(|e| ConfigError(e.to_string()))
    }

    /// The runtime settings (restic, systemctl, state dir, progress) for
    /// `crate::runtime` (e.g. `ctx.runtime().restic(&manifest, "default")`).
    pub fn runtime(&self) -> crate::runtime::backup::Env {
        crate::runtime::backup::Env {
            restic: self.restic.clone(),
            systemctl: self.systemctl.clone(),
            state_dir: self.state_dir.clone(),
            progress: self.progress && !self.json,
        }
    }
}

/// Exit code for a command result.
pub fn exit_code(result: &anyhow::Result<u8>) -> u8 {
    match result {
        Ok(code) => *code,
        Err(e) if e.downcast_ref::<ConfigError>().is_some() => 2,
        Err(_) => 1,
    }
}
