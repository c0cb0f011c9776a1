//! Run records, kept in `ATELIER_STATE_DIR` as JSON:
//!
//! - `runs/<service>/last.json`: the latest [`RunRecord`] of the service;
//! - `runs/<service>/<start>.json`: every record (history; `list` reads sizes
//!   from it because restic 0.14 snapshots carry no summary);
//! - `checks/<repository>.json`: the latest [`CheckRecord`].
//!
//! No record ever holds a secret: errors are redacted before they get here.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::terminal::ShowPath as _;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Success,
    Failed,
}

/// One `run SERVICE`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunRecord {
    pub service: String,
    pub host: String,
    /// RFC 3339.
    pub started: String,
    pub finished: String,
    pub duration_seconds: f64,
    pub result: Outcome,
    pub error: Option<String>,
    /// Per repository name.
    pub repositories: BTreeMap<String, RepositoryResult>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RepositoryResult {
    pub result: Option<Outcome>,
    /// The snapshot after `restic tag --remove incomplete` (full id; on a
    /// failure before that, the id `restic backup` reported, 8 chars on 0.14).
    pub snapshot_id: Option<String>,
    pub bytes_added: u64,
    pub total_bytes: u64,
    pub files_new: u64,
    pub files_changed: u64,
    pub total_files: u64,
    pub error: Option<String>,
    /// Snapshots removed by the retention policy after this backup.
    pub forgotten: Vec<String>,
    /// How retention was applied: `forget ran: <why>` or `forget skipped:
    /// <why nothing could be removed>` (docs/architecture.md, "Retention").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention: Option<String>,
    /// Snapshots of the service in the repository after this run, when
    /// atelier knows them all (local repositories, see `retention`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshots: Option<u64>,
    /// What atelier did on its own, e.g. "removed a stale lock of PID N …".
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// One `check --repository R`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckRecord {
    pub repository: String,
    pub started: String,
    pub finished: String,
    pub duration_seconds: f64,
    pub result: Outcome,
    pub error: Option<String>,
    /// The `--read-data-subset n/N` used, e.g. `3/10`.
    pub subset: Option<String>,
    /// The subset the next check reads (1-based).
    pub next_subset: u32,
    pub subsets: u32,
}

fn runs_dir(state_dir: &Path, service: &str) -> PathBuf {
    state_dir.join("runs").join(service)
}

/// Writes `value` as JSON to `path` atomically (temp file + rename).
pub fn write_json_atomic<T: Serialize>(path: &Path, value: &T) -> anyhow::Result<()> {
    let mut text = serde_json::to_string_pretty(value)?;
    text.push('\n');
    write_atomic(path, text.as_bytes())
}

/// Writes `bytes` to `path` atomically: readers see the old or the new file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)
        .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dir.shown()))?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .map_err(|e| anyhow::anyhow!("cannot write in {}: {e}", dir.shown()))?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))?;
    }
    tmp.persist(path)
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.shown()))?;
    Ok(())
}

impl RunRecord {
    pub fn save(&self, state_dir: &Path) -> anyhow::Result<()> {
        let dir = runs_dir(state_dir, &self.service);
        let stamp = self.started.replace(':', "");
        write_json_atomic(&dir.join(format!("{stamp}.json")), self)?;
        write_json_atomic(&dir.join("last.json"), self)
    }

    /// The latest record of `service`, if any.
    pub fn last(state_dir: &Path, service: &str) -> Option<Self> {
        let text = std::fs::read_to_string(runs_dir(state_dir, service).join("last.json")).ok()?;
        serde_json::from_str(&text).ok()
    }

    /// Every record of `service` (oldest first).
    pub fn history(state_dir: &Path, service: &str) -> Vec<Self> {
        let Ok(rd) = std::fs::read_dir(runs_dir(state_dir, service)) else {
            return Vec::new();
        };
        let mut paths: Vec<PathBuf> = rd
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| {
                p.extension().is_some_and(|e| e == "json")
                    && p.file_stem().is_some_and(|s| s != "last")
            })
            .collect();
        paths.sort();
        paths
            .iter()
            .filter_map(|p| serde_json::from_str(&std::fs::read_to_string(p).ok()?).ok())
            .collect()
    }
}

impl CheckRecord {
    pub fn path(state_dir: &Path, repository: &str) -> PathBuf {
        state_dir.join("checks").join(format!("{repository}.json"))
    }

    pub fn save(&self, state_dir: &Path) -> anyhow::Result<()> {
        write_json_atomic(&Self::path(state_dir, &self.repository), self)
    }

    pub fn last(state_dir: &Path, repository: &str) -> Option<Self> {
        let text = std::fs::read_to_string(Self::path(state_dir, repository)).ok()?;
        serde_json::from_str(&text).ok()
    }
}

/// Now as RFC 3339 (UTC, seconds).
pub fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
