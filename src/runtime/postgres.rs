//! PostgreSQL: `pg_dump -Fc -Z 0` per database as the postgres OS user, and
//! what a restore on a blank server needs to recreate the database.
//!
//! Connection: `postgres.host` / `postgres.port` of the manifest, overridden by
//! `PGHOST` / `PGPORT` in our environment (tests point at their own server).
//! The database name is passed as `PGDATABASE`, never as an argument, so a
//! name containing `=` is not read as a connection string.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::Path;
use std::process::{Command, Stdio};

use serde::{Deserialize, Serialize};

use crate::plan::PostgresConnection;

use super::user;

/// Where the client tools are: `ATELIER_PG_BINDIR` if set, else on PATH.
fn tool(name: &str) -> String {
    match std::env::var_os("ATELIER_PG_BINDIR") {
        Some(dir) => Path::new(&dir).join(name).display().to_string(),
        None => name.to_owned(),
    }
}

/// A client command (`pg_dump`, `psql`, `pg_restore`) connected per the
/// manifest and running as `runAs`.
pub fn client(conn: &PostgresConnection, program: &str, database: &str) -> anyhow::Result<Command> {
    let mut cmd = Command::new(tool(program));
    if std::env::var_os("PGHOST").is_none() {
        if let Some(h) = &conn.host {
            cmd.env("PGHOST", h);
        }
    }
    if std::env::var_os("PGPORT").is_none() {
        if let Some(p) = conn.port {
            cmd.env("PGPORT", p.to_string());
        }
    }
    cmd.env("PGDATABASE", database);
    cmd.stdin(Stdio::null());
    user::run_as(&mut cmd, &conn.run_as)?;
    super::child::die_with_parent(&mut cmd);
    Ok(cmd)
}

/// How a database was created, recorded in the snapshot for the restore.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DatabaseInfo {
    pub owner: String,
    pub encoding: String,
    pub collate: String,
    pub ctype: String,
}

fn psql_query(conn: &PostgresConnection, database: &str, sql: &str) -> anyhow::Result<String> {
    let mut cmd = client(conn, "psql", database)?;
    cmd.args([
        "-X",
        "-A",
        "-t",
        "-q",
        "-v",
        "ON_ERROR_STOP=1",
        "-F",
        "\t",
        "-c",
        sql,
    ]);
    let out = cmd.output().map_err(|e| {
        anyhow::anyhow!(
            "cannot run psql: {e} (install PostgreSQL's client tools or set ATELIER_PG_BINDIR)"
        )
    })?;
    if !out.status.success() {
        anyhow::bail!(
            "psql on database `{database}` failed: {}",
            first_line(&String::from_utf8_lossy(&out.stderr))
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// `SHOW server_version`.
pub fn server_version(conn: &PostgresConnection, database: &str) -> anyhow::Result<String> {
    psql_query(conn, database, "SHOW server_version")
}

/// Owner, encoding and locale of `database`.
pub fn database_info(conn: &PostgresConnection, database: &str) -> anyhow::Result<DatabaseInfo> {
    let row = psql_query(
        conn,
        database,
        "SELECT pg_get_userbyid(datdba), pg_encoding_to_char(encoding), datcollate, datctype \
         FROM pg_database WHERE datname = current_database()",
    )?;
    let cols: Vec<&str> = row.split('\t').collect();
    if cols.len() != 4 {
        anyhow::bail!("unexpected answer about database `{database}`: {row}");
    }
    Ok(DatabaseInfo {
        owner: cols[0].into(),
        encoding: cols[1].into(),
        collate: cols[2].into(),
        ctype: cols[3].into(),
    })
}

/// `pg_dump -Fc -Z 0` of `database` into `dst`. Uncompressed so restic's
/// chunking deduplicates what did not change (DESIGN.md §4.2).
pub fn dump(conn: &PostgresConnection, database: &str, dst: &Path) -> anyhow::Result<()> {
    let out_file =
        File::create(dst).map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dst.display()))?;
    let mut cmd = client(conn, "pg_dump", database)?;
    cmd.args(["--format=custom", "--compress=0", "--no-password"]);
    cmd.stdout(out_file).stderr(Stdio::piped());
    let out = cmd.output().map_err(|e| {
        anyhow::anyhow!(
            "cannot run pg_dump: {e} (install PostgreSQL's client tools or set ATELIER_PG_BINDIR)"
        )
    })?;
    if !out.status.success() {
        anyhow::bail!(
            "pg_dump of database `{database}` failed: {}",
            first_line(&String::from_utf8_lossy(&out.stderr))
        );
    }
    Ok(())
}

/// Options for `CREATE DATABASE` on restore: what the manifest says, filled
/// in from what the server reported at backup time.
pub fn create_options(
    manifest: &BTreeMap<String, String>,
    info: &DatabaseInfo,
) -> BTreeMap<String, String> {
    let mut out = manifest.clone();
    let has = |k: &str| out.keys().any(|x| x.eq_ignore_ascii_case(k));
    let mut extra = Vec::new();
    if !has("OWNER") {
        extra.push(("OWNER", info.owner.clone()));
    }
    if !has("ENCODING") {
        extra.push(("ENCODING", info.encoding.clone()));
    }
    if !has("LC_COLLATE") && !has("LOCALE") {
        extra.push(("LC_COLLATE", info.collate.clone()));
    }
    if !has("LC_CTYPE") && !has("LOCALE") {
        extra.push(("LC_CTYPE", info.ctype.clone()));
    }
    for (k, v) in extra {
        out.insert(k.to_owned(), v);
    }
    out
}

fn first_line(s: &str) -> String {
    s.lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("no message")
        .trim()
        .to_owned()
}
