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
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::plan::PostgresConnection;

use super::terminal::ShowPath as _;
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

/// What a database holds outside its dump (`pg_dump` without `--create`
/// leaves it out): owner, privileges, settings, comment, connection limit,
/// and the roles the database and its objects refer to. Recorded in the
/// self-description; a restore applies it to the restored database.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DatabaseState {
    pub owner: String,
    /// `None`: the default privileges (`datacl` NULL); else every grant.
    pub acl: Option<Vec<DatabaseGrant>>,
    /// `ALTER DATABASE … SET` (no role) and `ALTER ROLE r IN DATABASE … SET`.
    pub settings: Vec<DatabaseSetting>,
    pub comment: Option<String>,
    /// -1: no limit.
    pub connection_limit: i32,
    /// Roles the database and the objects in it refer to, with how.
    pub roles: Vec<RoleUse>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DatabaseGrant {
    /// `None`: PUBLIC.
    pub grantee: Option<String>,
    /// `CREATE`, `TEMPORARY` or `CONNECT`.
    pub privilege: String,
    pub grantable: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DatabaseSetting {
    /// `None`: for every role (`ALTER DATABASE … SET`).
    pub role: Option<String>,
    pub name: String,
    /// As PostgreSQL stores it (`pg_db_role_setting.setconfig`).
    pub value: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RoleUse {
    pub name: String,
    /// Among `database owner`, `database privileges`, `settings`,
    /// `object owner`, `object privileges`, `policy`.
    pub uses: Vec<String>,
}

/// Role uses that only matter when ownership is restored as dumped.
pub const USE_OBJECT_OWNER: &str = "object owner";
pub const USE_DATABASE_OWNER: &str = "database owner";
pub const USE_DATABASE_PRIVILEGES: &str = "database privileges";

const STATE_QUERY: &str = r"
SELECT json_build_object(
  'owner', pg_get_userbyid(d.datdba),
  'acl', CASE WHEN d.datacl IS NULL THEN NULL ELSE coalesce((
      SELECT json_agg(json_build_object(
               'grantee', CASE WHEN a.grantee = 0 THEN NULL ELSE pg_get_userbyid(a.grantee) END,
               'privilege', a.privilege_type, 'grantable', a.is_grantable)
             ORDER BY a.grantee, a.privilege_type)
      FROM aclexplode(d.datacl) a), '[]'::json) END,
  'settings', coalesce((
      SELECT json_agg(json_build_object(
               'role', CASE WHEN s.setrole = 0 THEN NULL ELSE pg_get_userbyid(s.setrole) END,
               'name', split_part(c.c, '=', 1),
               'value', substr(c.c, strpos(c.c, '=') + 1))
             ORDER BY s.setrole, c.n)
      FROM pg_db_role_setting s, unnest(s.setconfig) WITH ORDINALITY AS c(c, n)
      WHERE s.setdatabase = d.oid), '[]'::json),
  'comment', shobj_description(d.oid, 'pg_database'),
  'connectionLimit', d.datconnlimit,
  'roles', coalesce((
      SELECT json_agg(json_build_object('name', x.rolname, 'uses', x.uses) ORDER BY x.rolname)
      FROM (SELECT r.rolname, array_agg(DISTINCT u.use ORDER BY u.use) AS uses
            FROM (SELECT d.datdba AS role, 'database owner' AS use
                  UNION ALL SELECT a.grantee, 'database privileges' FROM aclexplode(d.datacl) a
                  UNION ALL SELECT s.setrole, 'settings' FROM pg_db_role_setting s
                            WHERE s.setdatabase = d.oid
                  UNION ALL SELECT sd.refobjid, CASE sd.deptype WHEN 'o' THEN 'object owner'
                                                                WHEN 'r' THEN 'policy'
                                                                ELSE 'object privileges' END
                            FROM pg_shdepend sd
                            WHERE sd.dbid = d.oid AND sd.refclassid = 'pg_authid'::regclass) u
            JOIN pg_roles r ON r.oid = u.role
            GROUP BY r.rolname) x), '[]'::json))
FROM pg_database d WHERE d.datname = current_database()";

/// The [`DatabaseState`] of `database` (catalog reads only: takes no table lock).
pub fn database_state(conn: &PostgresConnection, database: &str) -> anyhow::Result<DatabaseState> {
    let json = psql_query(conn, database, STATE_QUERY)?;
    serde_json::from_str(&json)
        .map_err(|e| anyhow::anyhow!("unexpected answer about database `{database}`: {e}: {json}"))
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

/// Default of [`lock_wait_timeout`].
pub const DEFAULT_LOCK_WAIT: Duration = Duration::from_secs(300);

/// How long `pg_dump` waits for a table lock before it gives up:
/// `ATELIER_PG_LOCK_TIMEOUT` (humantime, e.g. `30s`, `10min`), default 5 min.
pub fn lock_wait_timeout() -> anyhow::Result<Duration> {
    match std::env::var("ATELIER_PG_LOCK_TIMEOUT") {
        Err(_) => Ok(DEFAULT_LOCK_WAIT),
        Ok(v) => match humantime::parse_duration(v.trim()) {
            Ok(d) if d.as_millis() > 0 => Ok(d),
            _ => anyhow::bail!(
                "ATELIER_PG_LOCK_TIMEOUT={v:?} is not a positive duration (examples: 30s, 5min, 1h)"
            ),
        },
    }
}

/// `pg_dump -Fc -Z 0` of `database` into `dst`. Uncompressed so restic's
/// chunking deduplicates what did not change (DESIGN.md §4.2). A table lock
/// held by another session is waited for at most [`lock_wait_timeout`].
pub fn dump(conn: &PostgresConnection, database: &str, dst: &Path) -> anyhow::Result<()> {
    let wait = lock_wait_timeout()?;
    let out_file =
        File::create(dst).map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dst.shown()))?;
    let mut cmd = client(conn, "pg_dump", database)?;
    cmd.args(["--format=custom", "--compress=0", "--no-password"]);
    cmd.arg(format!("--lock-wait-timeout={}", wait.as_millis()));
    cmd.stdout(out_file).stderr(Stdio::piped());
    let out = cmd.output().map_err(|e| {
        anyhow::anyhow!(
            "cannot run pg_dump: {e} (install PostgreSQL's client tools or set ATELIER_PG_BINDIR)"
        )
    })?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        // pg_dump enforces the wait with a statement (or lock) timeout on its LOCK TABLE.
        if err.contains("lock timeout")
            || (err.contains("statement timeout") && err.contains("LOCK TABLE"))
        {
            // pg_dump names the statement it waited on: `LOCK TABLE public.t IN ACCESS SHARE MODE`.
            let table = err
                .lines()
                .find_map(|l| l.split_once("LOCK TABLE ").map(|(_, t)| t))
                .and_then(|t| t.split(" IN ").next())
                .map(|t| t.trim().to_owned());
            let find = match &table {
                Some(t) => format!(
                    "SELECT pid, mode, query FROM pg_locks JOIN pg_stat_activity USING (pid) WHERE relation = '{}'::regclass",
                    t.replace('\'', "''")
                ),
                None => "SELECT pid, mode, relation::regclass, query FROM pg_locks JOIN pg_stat_activity USING (pid) WHERE NOT granted OR mode = 'AccessExclusiveLock'".to_owned(),
            };
            anyhow::bail!(
                "pg_dump of database `{database}` gave up after waiting {} for a lock on {}: another session holds a conflicting lock (e.g. LOCK TABLE … IN ACCESS EXCLUSIVE MODE, or a long ALTER TABLE); find it with `{find}`, let it finish, or set ATELIER_PG_LOCK_TIMEOUT to wait longer",
                humantime::format_duration(wait),
                table.as_deref().unwrap_or("one of its tables"),
            );
        }
        anyhow::bail!(
            "pg_dump of database `{database}` failed: {}",
            first_line(&err)
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
