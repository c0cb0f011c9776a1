//! Reading (and, for safety snapshots, writing) the self-description that
//! every snapshot carries: `<state>/staging/<service>/atelier-snapshot.json`
//! next to the staged database copies and dumps (docs/architecture.md,
//! "Snapshot layout"). Entries name files relative to that directory.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use serde::{Deserialize, Serialize};

pub const DESCRIPTION_FILE: &str = "atelier-snapshot.json";

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Description {
    pub service: String,
    pub host: String,
    pub files: Vec<String>,
    pub sqlite: Vec<SqliteCopy>,
    pub postgres: Vec<PgDump>,
    pub dumps: Vec<DumpFile>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SqliteCopy {
    /// The live path the copy was taken from.
    pub path: String,
    /// The copy, relative to the staging directory.
    pub file: String,
    pub uid: Option<u32>,
    pub gid: Option<u32>,
    pub mode: Option<u32>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PgDump {
    pub name: String,
    pub file: String,
    pub format: String,
    pub server_version: Option<String>,
    pub create_options: std::collections::BTreeMap<String, String>,
    /// `None` in snapshots of older versions: nothing to apply.
    pub database_state: Option<super::postgres::DatabaseState>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DumpFile {
    pub name: String,
    pub file: String,
}

/// A description found in a snapshot, with the staging directory it lives in.
#[derive(Debug, Clone)]
pub struct Located {
    pub dir: String,
    pub description: Description,
}

impl Located {
    /// Absolute path inside the snapshot of a staging-relative entry.
    pub fn path_of(&self, rel: &str) -> String {
        if rel.starts_with('/') {
            rel.to_owned()
        } else {
            format!("{}/{rel}", self.dir.trim_end_matches('/'))
        }
    }
}

/// Finds and reads the description of `service` in snapshot `snap`.
pub fn locate(
    restic: &super::restore_restic::Restic,
    snap: &super::restore_restic::Snapshot,
    service: &str,
) -> anyhow::Result<Option<Located>> {
    let suffix = format!("/staging/{service}");
    let mut candidates: Vec<String> = snap
        .paths
        .iter()
        .filter(|p| p.ends_with(&suffix))
        .cloned()
        .collect();
    if candidates.is_empty() {
        // Older or foreign layout: search the tree.
        candidates = restic
            .ls(&snap.id)?
            .into_iter()
            .filter(|n| n.name == DESCRIPTION_FILE)
            .filter_map(|n| {
                Path::new(&n.path)
                    .parent()
                    .map(|p| p.to_string_lossy().into_owned())
            })
            .collect();
    }
    for dir in candidates {
        let file = format!("{}/{DESCRIPTION_FILE}", dir.trim_end_matches('/'));
        if let Ok(bytes) = restic.dump(&snap.id, &file) {
            let full = parse_lenient(&bytes).with_context(|| {
                format!(
                    "snapshot {}: {file} is not a readable self-description",
                    snap.short_id
                )
            })?;
            return Ok(Some(Located {
                dir,
                description: from_describe(&full),
            }));
        }
    }
    Ok(None)
}

/// The staging directory of `service` among the paths of `snap` (where
/// `run` put its self-description), if the snapshot has the usual layout.
pub fn staging_path(snap: &super::restore_restic::Snapshot, service: &str) -> Option<String> {
    let suffix = format!("/staging/{service}");
    snap.paths.iter().find(|p| p.ends_with(&suffix)).cloned()
}

/// Reads the self-description of a snapshot restored below `root` (a
/// snapshot path `P` at `root/P`) from its staging directory `dir`; `None`
/// when the snapshot holds none there.
pub fn read_restored(root: &Path, dir: &str, short_id: &str) -> anyhow::Result<Option<Located>> {
    let file = root
        .join(dir.trim_start_matches('/'))
        .join(DESCRIPTION_FILE);
    let bytes = match std::fs::read(&file) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(e).with_context(|| format!("cannot read the restored {}", file.display()))
        }
    };
    let full = parse_lenient(&bytes).with_context(|| {
        format!(
            "snapshot {short_id}: {}/{DESCRIPTION_FILE} is not a readable self-description",
            dir.trim_end_matches('/')
        )
    })?;
    Ok(Some(Located {
        dir: dir.to_owned(),
        description: from_describe(&full),
    }))
}

pub fn staging_dir(state_dir: &Path, service: &str) -> PathBuf {
    state_dir.join("staging").join(service)
}

/// The restore's view of `runtime::describe::Description` (the format `run` writes).
pub fn from_describe(d: &super::describe::Description) -> Description {
    let mode = |m: &str| u32::from_str_radix(m, 8).ok();
    Description {
        service: d.service.clone(),
        host: d.host.clone(),
        files: d.files.iter().map(|o| o.path.clone()).collect(),
        sqlite: d
            .sqlite
            .iter()
            .map(|c| SqliteCopy {
                path: c.path.clone(),
                file: c.staged.clone(),
                uid: c.owner.as_ref().map(|o| o.uid),
                gid: c.owner.as_ref().map(|o| o.gid),
                mode: c.owner.as_ref().and_then(|o| mode(&o.mode)),
            })
            .collect(),
        postgres: d
            .postgres
            .iter()
            .flat_map(|p| {
                p.databases.iter().map(|db| PgDump {
                    name: db.name.clone(),
                    file: db.staged.clone(),
                    format: db.format.clone(),
                    server_version: Some(p.server_version.clone()),
                    create_options: db.create_options.clone(),
                    database_state: db.database_state.clone(),
                })
            })
            .collect(),
        dumps: d
            .dumps
            .iter()
            .map(|x| DumpFile {
                name: x.name.clone(),
                file: x.staged.clone(),
            })
            .collect(),
    }
}

/// Parses a description, treating `null` like a missing field (some writers
/// emit `null` for empty lists).
fn parse_lenient(bytes: &[u8]) -> anyhow::Result<super::describe::Description> {
    fn strip(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(o) => {
                o.retain(|_, x| !x.is_null());
                o.values_mut().for_each(strip);
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let mut v: serde_json::Value = serde_json::from_slice(bytes)?;
    strip(&mut v);
    Ok(serde_json::from_value(v)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snapshot_without_database_state_has_nothing_to_apply() {
        let old = br#"{"format": 1, "atelier": "atelier-backup 0.1.0", "service": "shop",
            "host": "h", "created": "2026-01-01T00:00:00Z", "staging": "/s/staging/shop",
            "postgres": {"serverVersion": "15.8", "databases": [{"name": "shop",
              "staged": "postgres/shop.dump", "format": "custom", "compression": 0,
              "create": true, "createOptions": {"OWNER": "app"}}]}}"#;
        let d = from_describe(&parse_lenient(old).unwrap());
        assert_eq!(d.postgres.len(), 1);
        assert!(d.postgres[0].database_state.is_none());
    }
}
