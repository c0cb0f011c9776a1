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
                .with_context(|| format!("{what}: cannot open {}", path.display()))?;
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
            &format!("pg_restore --list {}", dump.display()),
        )?;
        Ok(out
            .lines()
            .filter(|l| !l.starts_with(';') && !l.trim().is_empty())
            .count())
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
            "ENCODING" | "LOCALE" | "LC_COLLATE" | "LC_CTYPE" | "ICU_LOCALE" | "LOCALE_PROVIDER"
        );
        let key_sql = match k_norm.as_str() {
            "LC_COLLATE" | "LC_CTYPE" | "ICU_LOCALE" | "LOCALE_PROVIDER" | "IS_TEMPLATE"
            | "ALLOW_CONNECTIONS" => k_norm.clone(),
            _ => k,
        };
        let _ = write!(sql, " {key_sql} = {v}");
    }
    if needs_template0 && !has_template {
        sql.push_str(" TEMPLATE = template0");
    }
    Ok(sql)
}

#[cfg(test)]
mod tests {
    use super::*;

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
    }
}
