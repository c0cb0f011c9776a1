//! PostgreSQL operations of a restore: create a database with its create
//! options, `pg_restore` into it, rename it into place, drop leftovers.
//! Client tools run as `postgres.runAs` (via `runuser`) when we are root.
// "SQLite" and "PostgreSQL" are names, not code.
#![allow(clippy::doc_markdown)]

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{bail, Context as _};
use serde::{Deserialize, Serialize};

use crate::plan::PostgresConnection;

use super::postgres::DatabaseState;
use super::terminal::ShowPath as _;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Pg {
    pub host: Option<String>,
    pub port: Option<u16>,
    pub run_as: String,
}

impl From<&PostgresConnection> for Pg {
    fn from(c: &PostgresConnection) -> Self {
        Self {
            host: c.host.clone(),
            port: c.port,
            run_as: c.run_as.clone(),
        }
    }
}

/// `"name"` with embedded quotes doubled.
pub fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// `'value'` with embedded quotes doubled.
pub fn literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

impl Pg {
    fn tool(&self, program: &str) -> Command {
        let as_root = nix::unistd::geteuid().is_root();
        let other_user = nix::unistd::User::from_name(&self.run_as)
            .ok()
            .flatten()
            .is_some_and(|u| !u.uid.is_root());
        let mut cmd = if as_root && other_user {
            let mut c = Command::new("runuser");
            c.args(["-u", &self.run_as, "--", program]);
            c
        } else {
            Command::new(program)
        };
        if std::env::var_os("PGHOST").is_none() {
            if let Some(h) = &self.host {
                cmd.env("PGHOST", h);
            }
        }
        if std::env::var_os("PGPORT").is_none() {
            if let Some(p) = self.port {
                cmd.env("PGPORT", p.to_string());
            }
        }
        // runuser resets nothing we rely on, but a root cwd may be unreadable to the user.
        cmd.current_dir("/");
        cmd
    }

    fn run(mut cmd: Command, input: Option<&Path>, what: &str) -> anyhow::Result<String> {
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        cmd.stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
        let mut child = cmd
            .spawn()
            .with_context(|| format!("{what}: cannot start the PostgreSQL client tools"))?;
        let feeder = if let Some(path) = input {
            let mut stdin = child.stdin.take().expect("piped");
            let mut file = std::fs::File::open(path)
                .with_context(|| format!("{what}: cannot open {}", path.shown()))?;
            Some(std::thread::spawn(move || {
                let _ = std::io::copy(&mut file, &mut stdin);
                let _ = stdin.flush();
            }))
        } else {
            None
        };
        let out = child.wait_with_output()?;
        if let Some(f) = feeder {
            let _ = f.join();
        }
        if !out.status.success() {
            let err = String::from_utf8_lossy(&out.stderr);
            let line = err
                .lines()
                .find(|l| l.contains("ERROR") || l.contains("FATAL") || l.contains("error"))
                .or_else(|| err.lines().last())
                .unwrap_or("no message");
            bail!("{what}: {line}");
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    pub fn psql(&self, db: &str, sql: &str) -> anyhow::Result<String> {
        let mut cmd = self.tool("psql");
        cmd.args([
            "-X",
            "-q",
            "-A",
            "-t",
            "-v",
            "ON_ERROR_STOP=1",
            "-d",
            db,
            "-c",
            sql,
        ]);
        Self::run(cmd, None, &format!("psql on database {db}"))
    }

    pub fn exists(&self, db: &str) -> anyhow::Result<bool> {
        let out = self.psql(
            "postgres",
            &format!("SELECT 1 FROM pg_database WHERE datname = {}", literal(db)),
        )?;
        Ok(out.trim() == "1")
    }

    pub fn terminate(&self, db: &str) -> anyhow::Result<()> {
        self.psql(
            "postgres",
            &format!(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = {} AND pid <> pg_backend_pid()",
                literal(db)
            ),
        )?;
        Ok(())
    }

    pub fn drop_if_exists(&self, db: &str) -> anyhow::Result<()> {
        if self.exists(db)? {
            self.terminate(db)?;
            self.psql(
                "postgres",
                &format!("DROP DATABASE IF EXISTS {}", ident(db)),
            )?;
        }
        Ok(())
    }

    pub fn rename(&self, from: &str, to: &str) -> anyhow::Result<()> {
        self.terminate(from)?;
        self.psql(
            "postgres",
            &format!("ALTER DATABASE {} RENAME TO {}", ident(from), ident(to)),
        )?;
        Ok(())
    }

    /// `CREATE DATABASE db <options>`; locale or encoding options imply
    /// `TEMPLATE template0` (template1 may have another locale).
    pub fn create(&self, db: &str, options: &BTreeMap<String, String>) -> anyhow::Result<()> {
        self.psql("postgres", &create_sql(db, options)?)?;
        Ok(())
    }

    /// Feeds a custom-format dump into `db` on stdin (the dump file need not be
    /// readable by the PostgreSQL user). Without an owner option, ownership is
    /// kept as dumped; with one, objects are created as that role.
    pub fn restore_dump(&self, dump: &Path, db: &str, owner: Option<&str>) -> anyhow::Result<()> {
        let mut cmd = self.tool("pg_restore");
        cmd.args(["--exit-on-error", "--no-password", "-d", db]);
        if let Some(o) = owner {
            cmd.arg("--no-owner").arg(format!("--role={o}"));
        }
        Self::run(cmd, Some(dump), &format!("pg_restore into {db}"))?;
        Ok(())
    }

    /// `pg_restore --list`: the dump is a readable archive; returns its entry count.
    pub fn list_dump(&self, dump: &Path) -> anyhow::Result<usize> {
        let mut cmd = self.tool("pg_restore");
        cmd.arg("--list");
        let out = Self::run(
            cmd,
            Some(dump),
            &format!("pg_restore --list {}", dump.shown()),
        )?;
        Ok(out
            .lines()
            .filter(|l| !l.starts_with(';') && !l.trim().is_empty())
            .count())
    }

    /// Gives `db` the recorded database-level state (see
    /// [`database_state_sql`]) in one transaction. `set_owner`: make the
    /// recorded owner the owner (else the owner `db` has keeps the owner's
    /// privileges); `options`: the create options in effect (a manifest
    /// `CONNECTION_LIMIT` wins over the recorded one).
    pub fn apply_database_state(
        &self,
        db: &str,
        state: &DatabaseState,
        set_owner: bool,
        options: &BTreeMap<String, String>,
    ) -> anyhow::Result<()> {
        let owner = if set_owner && !state.owner.is_empty() {
            state.owner.clone()
        } else {
            self.psql(
                "postgres",
                &format!(
                    "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = {}",
                    literal(db)
                ),
            )?
            .trim()
            .to_owned()
        };
        let keep_limit = options
            .keys()
            .any(|k| crate::plan::validate::postgres_create_option(k) == Some("CONNECTION_LIMIT"));
        let sql = database_state_sql(db, state, set_owner, &owner, !keep_limit)?;
        if !sql.is_empty() {
            self.psql("postgres", &sql.join(";\n"))?;
        }
        Ok(())
    }

    /// Those of `roles` that do not exist on the server.
    pub fn missing_roles(&self, roles: &[String]) -> anyhow::Result<Vec<String>> {
        if roles.is_empty() {
            return Ok(Vec::new());
        }
        let list = roles
            .iter()
            .map(|r| literal(r))
            .collect::<Vec<_>>()
            .join(", ");
        let out = self.psql(
            "postgres",
            &format!(
                "SELECT coalesce(json_agg(r ORDER BY r), '[]'::json) FROM unnest(ARRAY[{list}]::text[]) r WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r)"
            ),
        )?;
        serde_json::from_str(out.trim())
            .with_context(|| format!("unexpected answer about roles: {out}"))
    }

    pub fn table_count(&self, db: &str) -> anyhow::Result<usize> {
        let out = self.psql(
            db,
            "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog','information_schema')",
        )?;
        Ok(out.trim().parse().unwrap_or(0))
    }
}

pub fn create_sql(db: &str, options: &BTreeMap<String, String>) -> anyhow::Result<String> {
    let mut sql = format!("CREATE DATABASE {}", ident(db));
    let mut has_template = false;
    let mut needs_template0 = false;
    for (key, value) in options {
        // The manifest was checked at load; the self-description of a
        // snapshot was not.
        crate::plan::validate::check_postgres_create_option(key, value)
            .map_err(|m| anyhow::anyhow!("invalid PostgreSQL create option: {m}"))?;
        let k = key.to_ascii_uppercase().replace('_', " ");
        let k_norm = k.replace(' ', "_");
        let v = match k_norm.as_str() {
            "OWNER" | "TEMPLATE" | "TABLESPACE" => ident(value),
            "CONNECTION_LIMIT" | "IS_TEMPLATE" | "ALLOW_CONNECTIONS" | "OID"
                if value.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') =>
            {
                value.clone()
            }
            _ => literal(value),
        };
        has_template |= k_norm == "TEMPLATE";
        needs_template0 |= matches!(
            k_norm.as_str(),
            "ENCODING"
                | "LOCALE"
                | "LC_COLLATE"
                | "LC_CTYPE"
                | "ICU_LOCALE"
                | "LOCALE_PROVIDER"
                | "ICU_RULES"
                | "BUILTIN_LOCALE"
        );
        let key_sql = match k_norm.as_str() {
            "LC_COLLATE" | "LC_CTYPE" | "ICU_LOCALE" | "LOCALE_PROVIDER" | "IS_TEMPLATE"
            | "ALLOW_CONNECTIONS" | "COLLATION_VERSION" | "ICU_RULES" | "BUILTIN_LOCALE" => {
                k_norm.clone()
            }
            _ => k,
        };
        let _ = write!(sql, " {key_sql} = {v}");
    }
    if needs_template0 && !has_template {
        sql.push_str(" TEMPLATE = template0");
    }
    Ok(sql)
}

/// Settings whose value is a list PostgreSQL quotes element by element
/// (`GUC_LIST_QUOTE`); each element is set as its own literal, as pg_dump does.
const LIST_SETTINGS: &[&str] = &[
    "search_path",
    "temp_tablespaces",
    "session_preload_libraries",
    "shared_preload_libraries",
    "local_preload_libraries",
    "unix_socket_directories",
];

/// Splits a stored list setting (`"$user", public, "a, b"`) into its elements.
fn split_list_setting(value: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                cur.push('"');
            }
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(std::mem::take(&mut cur).trim().to_owned()),
            c if !quoted && c.is_whitespace() => {}
            c => cur.push(c),
        }
    }
    if !cur.trim().is_empty() || !out.is_empty() {
        out.push(cur.trim().to_owned());
    }
    out
}

/// The statements that give database `db` the recorded `state`: owner (when
/// `set_owner`), connection limit (when `set_limit`), comment, settings, and
/// the privileges — the recorded owner's are given to `owner`.
pub fn database_state_sql(
    db: &str,
    state: &DatabaseState,
    set_owner: bool,
    owner: &str,
    set_limit: bool,
) -> anyhow::Result<Vec<String>> {
    let d = ident(db);
    let mut sql = Vec::new();
    if set_owner && !state.owner.is_empty() {
        sql.push(format!(
            "ALTER DATABASE {d} OWNER TO {}",
            ident(&state.owner)
        ));
    }
    if set_limit && state.connection_limit != -1 {
        sql.push(format!(
            "ALTER DATABASE {d} CONNECTION LIMIT {}",
            state.connection_limit
        ));
    }
    if let Some(c) = &state.comment {
        sql.push(format!("COMMENT ON DATABASE {d} IS {}", literal(c)));
    }
    for s in &state.settings {
        if s.name.is_empty()
            || !s
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
        {
            bail!(
                "recorded setting name {:?} of database {db} is not a setting name",
                s.name
            );
        }
        let value = if LIST_SETTINGS.contains(&s.name.to_ascii_lowercase().as_str()) {
            split_list_setting(&s.value)
                .iter()
                .map(|v| literal(v))
                .collect::<Vec<_>>()
                .join(", ")
        } else {
            literal(&s.value)
        };
        let target = match &s.role {
            None => format!("ALTER DATABASE {d}"),
            Some(r) => format!("ALTER ROLE {} IN DATABASE {d}", ident(r)),
        };
        sql.push(format!("{target} SET {} = {value}", ident(&s.name)));
    }
    if let Some(grants) = &state.acl {
        sql.push(format!("REVOKE ALL ON DATABASE {d} FROM PUBLIC"));
        sql.push(format!("REVOKE ALL ON DATABASE {d} FROM {}", ident(owner)));
        for g in grants {
            let privilege = g.privilege.to_ascii_uppercase();
            if !matches!(
                privilege.as_str(),
                "CREATE" | "TEMPORARY" | "TEMP" | "CONNECT"
            ) {
                bail!(
                    "recorded privilege {:?} on database {db} is not a database privilege",
                    g.privilege
                );
            }
            let to = match g.grantee.as_deref() {
                None => "PUBLIC".to_owned(),
                Some(r) if r == state.owner => ident(owner),
                Some(r) => ident(r),
            };
            sql.push(format!(
                "GRANT {privilege} ON DATABASE {d} TO {to}{}",
                if g.grantable {
                    " WITH GRANT OPTION"
                } else {
                    ""
                }
            ));
        }
    }
    Ok(sql)
}

/// What creating `roles` takes: `CREATE ROLE "a"; CREATE ROLE "b";`.
pub fn create_roles_sql(roles: &[String]) -> String {
    roles
        .iter()
        .map(|r| format!("CREATE ROLE {};", ident(r)))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_settings_split_like_pg_dump() {
        assert_eq!(
            split_list_setting(r#""$user", public, "odd, ""q"" name""#),
            ["$user", "public", "odd, \"q\" name"]
        );
        assert_eq!(split_list_setting("public"), ["public"]);
        assert!(split_list_setting("").is_empty());
    }

    #[test]
    fn database_state_becomes_quoted_sql() {
        use crate::runtime::postgres::{DatabaseGrant, DatabaseSetting};
        let state = DatabaseState {
            owner: "app".into(),
            acl: Some(vec![
                DatabaseGrant {
                    grantee: Some("app".into()),
                    privilege: "CONNECT".into(),
                    grantable: false,
                },
                DatabaseGrant {
                    grantee: Some("re\"ader".into()),
                    privilege: "CREATE".into(),
                    grantable: true,
                },
            ]),
            settings: vec![
                DatabaseSetting {
                    role: None,
                    name: "search_path".into(),
                    value: r#""$user", public"#.into(),
                },
                DatabaseSetting {
                    role: Some("re\"ader".into()),
                    name: "work_mem".into(),
                    value: "7'MB".into(),
                },
            ],
            comment: Some("it's".into()),
            connection_limit: 3,
            roles: Vec::new(),
        };
        let sql = database_state_sql("my db", &state, false, "postgres", true).unwrap();
        assert_eq!(
            sql,
            [
                "ALTER DATABASE \"my db\" CONNECTION LIMIT 3",
                "COMMENT ON DATABASE \"my db\" IS 'it''s'",
                "ALTER DATABASE \"my db\" SET \"search_path\" = '$user', 'public'",
                "ALTER ROLE \"re\"\"ader\" IN DATABASE \"my db\" SET \"work_mem\" = '7''MB'",
                "REVOKE ALL ON DATABASE \"my db\" FROM PUBLIC",
                "REVOKE ALL ON DATABASE \"my db\" FROM \"postgres\"",
                // The recorded owner's privileges go to the owner the database has.
                "GRANT CONNECT ON DATABASE \"my db\" TO \"postgres\"",
                "GRANT CREATE ON DATABASE \"my db\" TO \"re\"\"ader\" WITH GRANT OPTION",
            ]
        );
        let with_owner = database_state_sql("d", &state, true, "app", false).unwrap();
        assert_eq!(with_owner[0], "ALTER DATABASE \"d\" OWNER TO \"app\"");
        assert!(!with_owner.iter().any(|s| s.contains("CONNECTION LIMIT")));
        // A crafted description cannot smuggle SQL in through names.
        let mut bad = state.clone();
        bad.settings[0].name = "work_mem = 1; DROP DATABASE x; --".into();
        assert!(database_state_sql("d", &bad, false, "o", true).is_err());
        let mut bad = state;
        bad.acl.as_mut().unwrap()[0].privilege = "ALL; DROP".into();
        assert!(database_state_sql("d", &bad, false, "o", true).is_err());
        // Nothing recorded (older snapshot fields absent): nothing to do.
        assert!(database_state_sql(
            "d",
            &DatabaseState {
                connection_limit: -1,
                ..DatabaseState::default()
            },
            false,
            "o",
            true
        )
        .unwrap()
        .is_empty());
    }

    #[test]
    fn create_options_are_quoted_and_imply_template0() {
        let mut o = BTreeMap::new();
        o.insert("OWNER".into(), "app\"x".into());
        o.insert("LC_COLLATE".into(), "C".into());
        o.insert("CONNECTION_LIMIT".into(), "5".into());
        let sql = create_sql("my'db", &o).unwrap();
        assert_eq!(
            sql,
            "CREATE DATABASE \"my'db\" CONNECTION LIMIT = 5 LC_COLLATE = 'C' OWNER = \"app\"\"x\" TEMPLATE = template0"
        );
        let mut bad = BTreeMap::new();
        bad.insert("OWNER; DROP".into(), "x".into());
        assert!(create_sql("d", &bad).is_err());
        let mut bad = BTreeMap::new();
        bad.insert("OWNR".into(), "x".into());
        assert!(create_sql("d", &bad).is_err());
        let mut v = BTreeMap::new();
        v.insert("collation version".into(), "1.2".into());
        assert_eq!(
            create_sql("d", &v).unwrap(),
            "CREATE DATABASE \"d\" COLLATION_VERSION = '1.2'"
        );
    }
}
