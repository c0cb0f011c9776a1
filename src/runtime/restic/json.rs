//! What restic prints as JSON: snapshots, the backup summary and status
//! lines, `forget` groups.

use serde::{Deserialize, Serialize};

use super::INCOMPLETE_TAG;

/// One snapshot as `restic snapshots --json` prints it (0.14 fields; newer
/// fields such as `summary` are kept when present).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub id: String,
    #[serde(default)]
    pub short_id: String,
    pub time: chrono::DateTime<chrono::FixedOffset>,
    #[serde(default)]
    pub parent: Option<String>,
    #[serde(default)]
    pub tree: Option<String>,
    #[serde(default)]
    pub paths: Vec<String>,
    #[serde(default)]
    pub hostname: String,
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub program_version: Option<String>,
    /// The id before `restic tag` rewrote the snapshot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original: Option<String>,
    #[serde(default)]
    pub summary: Option<serde_json::Value>,
}

impl Snapshot {
    /// The service this snapshot belongs to (its `service:<name>` tag).
    pub fn service(&self) -> Option<&str> {
        self.tags.iter().find_map(|t| t.strip_prefix("service:"))
    }

    pub fn has_tag(&self, tag: &str) -> bool {
        self.tags.iter().any(|t| t == tag)
    }

    /// Safety snapshots taken before a restore are never "latest".
    pub fn is_pre_restore(&self) -> bool {
        self.has_tag("pre-restore")
    }

    /// A snapshot whose run never finished (see [`INCOMPLETE_TAG`]).
    pub fn is_incomplete(&self) -> bool {
        self.has_tag(INCOMPLETE_TAG)
    }

    /// The staging directory of `service` inside this snapshot (where
    /// `atelier-snapshot.json` lives), see docs/architecture.md "Snapshot layout".
    pub fn staging_path(&self, service: &str) -> Option<&str> {
        let suffix = format!("/staging/{service}");
        self.paths
            .iter()
            .map(String::as_str)
            .find(|p| p.ends_with(&suffix))
    }

    /// Regular files the backup stored (symlinks and other special files
    /// not counted), when restic recorded a summary (0.17+).
    pub fn total_files(&self) -> Option<u64> {
        self.summary
            .as_ref()?
            .get("total_files_processed")?
            .as_u64()
    }

    /// Total bytes of the snapshot when restic recorded a summary (0.17+).
    pub fn total_bytes(&self) -> Option<u64> {
        self.summary
            .as_ref()?
            .get("total_bytes_processed")?
            .as_u64()
    }
}

/// restic's `backup --json` summary line.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BackupSummary {
    pub files_new: u64,
    pub files_changed: u64,
    pub files_unmodified: u64,
    pub dirs_new: u64,
    pub dirs_changed: u64,
    pub dirs_unmodified: u64,
    pub data_blobs: i64,
    pub tree_blobs: i64,
    pub data_added: u64,
    pub total_files_processed: u64,
    pub total_bytes_processed: u64,
    pub total_duration: f64,
    /// Short (8 chars) on restic 0.14, full from 0.15.
    pub snapshot_id: String,
}

/// restic's `backup --json` status line (only printed with progress on).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct BackupStatus {
    pub percent_done: f64,
    pub total_files: u64,
    pub files_done: u64,
    pub total_bytes: u64,
    pub bytes_done: u64,
}

/// One group of `forget --json` output.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct ForgetGroup {
    pub tags: Option<Vec<String>>,
    pub host: String,
    pub keep: Option<Vec<Snapshot>>,
    pub remove: Option<Vec<Snapshot>>,
}
