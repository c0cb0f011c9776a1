//! Drill evidence in the state directory: `drills/<service>/last.json` plus
//! one `drills/<service>/<time>.json` per drill (written atomically).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DrillRecord {
    pub service: String,
    pub time: String,
    /// `success` or `failed`.
    pub result: String,
    pub snapshot: Option<String>,
    pub snapshot_time: Option<String>,
    /// Time to restore (restore + verification), in seconds.
    pub restore_seconds: f64,
    pub verified: bool,
    /// Exit code of the service's `check` (None: no check declared or not reached).
    pub check_exit: Option<i32>,
    pub error: Option<String>,
}

pub fn dir(state_dir: &Path, service: &str) -> PathBuf {
    state_dir.join("drills").join(service)
}

impl DrillRecord {
    pub fn save(&self, state_dir: &Path) -> anyhow::Result<()> {
        let d = dir(state_dir, &self.service);
        let stamp = self.time.replace(':', "");
        super::state::write_json_atomic(&d.join(format!("{stamp}.json")), self)?;
        super::state::write_json_atomic(&d.join("last.json"), self)
    }

    pub fn last(state_dir: &Path, service: &str) -> Option<Self> {
        let text = std::fs::read(dir(state_dir, service).join("last.json")).ok()?;
        serde_json::from_slice(&text).ok()
    }
}
