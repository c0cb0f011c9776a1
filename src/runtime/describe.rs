//! The snapshot's self-description, `atelier-snapshot.json` in the staging
//! directory (docs/architecture.md, "Snapshot layout"). A restore — also on a
//! blank machine — reads it from the snapshot and needs nothing else.

use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use serde::{Deserialize, Serialize};

/// File name of the self-description inside the staging directory.
pub const FILE_NAME: &str = "atelier-snapshot.json";
/// Version of the self-description format.
pub const FORMAT: u32 = 1;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Description {
    pub format: u32,
    /// `atelier-backup X.Y.Z`.
    pub atelier: String,
    pub service: String,
    pub host: String,
    /// RFC 3339, when staging began.
    pub created: String,
    /// Absolute staging directory at backup time (a path in the snapshot).
    pub staging: String,
    #[serde(default)]
    pub sqlite: Vec<SqliteCopy>,
    #[serde(default)]
    pub postgres: Option<PostgresDumps>,
    #[serde(default)]
    pub dumps: Vec<DumpFile>,
    /// The `files` roots, with owners.
    #[serde(default)]
    pub files: Vec<Owner>,
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Units of the service (stopped around an in-place restore).
    #[serde(default)]
    pub units: Vec<String>,
    #[serde(default)]
    pub data_dir: Option<String>,
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default)]
    pub group: Option<String>,
}

/// One staged SQLite database.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SqliteCopy {
    /// Where the live database is (the restore target).
    pub path: String,
    /// Path relative to the staging directory, e.g. `sqlite/0-app.db`.
    pub staged: String,
    /// `online` (backup API) or `stopped` (stopForBackup + checkpoint).
    pub method: String,
    pub owner: Option<Owner>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PostgresDumps {
    pub server_version: String,
    pub databases: Vec<PostgresDump>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PostgresDump {
    pub name: String,
    /// e.g. `postgres/myapp.dump`.
    pub staged: String,
    /// Always `custom` (`pg_dump -Fc`), restored with `pg_restore`.
    pub format: String,
    /// 0: uncompressed (DESIGN.md §4.2).
    pub compression: u32,
    /// Recreate before restore (manifest `create.enable`).
    pub create: bool,
    /// `CREATE DATABASE` options: the manifest's, completed with the owner,
    /// encoding and locale the server reported.
    pub create_options: BTreeMap<String, String>,
    #[serde(default)]
    pub stop_on_restore: Vec<String>,
    /// Owner, privileges, settings, comment and connection limit of the
    /// database, and the roles it refers to; applied on restore. Missing in
    /// snapshots of older versions (nothing to apply).
    #[serde(default)]
    pub database_state: Option<super::postgres::DatabaseState>,
}

/// A stored dump of the generic dump contract.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DumpFile {
    /// The dump's attribute name in the manifest.
    pub name: String,
    /// e.g. `dumps/ldap.ldif` (the `backupName`).
    pub staged: String,
    pub backup_name: String,
    pub user: Option<String>,
    /// The restore command at backup time (informational; the manifest's
    /// current one is used when present).
    pub restore_cmd: String,
    pub bytes: u64,
}

/// Owner and mode of a path at backup time.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Owner {
    pub path: String,
    pub uid: u32,
    pub gid: u32,
    /// Permission bits, octal string such as `0750`.
    pub mode: String,
    pub user: Option<String>,
    pub group: Option<String>,
}

impl Owner {
    pub fn of(path: &Path) -> Option<Self> {
        let md = std::fs::metadata(path).ok()?;
        let uid = md.uid();
        let gid = md.gid();
        Some(Self {
            path: path.display().to_string(),
            uid,
            gid,
            mode: format!("{:04o}", md.mode() & 0o7777),
            user: nix::unistd::User::from_uid(uid.into())
                .ok()
                .flatten()
                .map(|u| u.name),
            group: nix::unistd::Group::from_gid(gid.into())
                .ok()
                .flatten()
                .map(|g| g.name),
        })
    }
}

impl Description {
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("description serializes");
        s.push('\n');
        s
    }

    pub fn from_json(bytes: &[u8]) -> anyhow::Result<Self> {
        serde_json::from_slice(bytes)
            .map_err(|e| anyhow::anyhow!("cannot read {FILE_NAME} from the snapshot: {e}"))
    }

    /// Reads the description of `service` out of a snapshot.
    pub fn read_from_snapshot(
        restic: &super::restic::Restic,
        snapshot: &super::restic::Snapshot,
        service: &str,
    ) -> anyhow::Result<Self> {
        let Some(staging) = snapshot.staging_path(service) else {
            anyhow::bail!(
                "snapshot {} of service `{service}` has no atelier staging directory (taken by something other than atelier-backup run?)",
                snapshot.short_id
            );
        };
        let bytes = restic.dump(&snapshot.id, &format!("{staging}/{FILE_NAME}"))?;
        Self::from_json(&bytes)
    }
}
