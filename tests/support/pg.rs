//! A throwaway PostgreSQL cluster listening only on a Unix socket in a temp
//! dir, run as `postgres` when the caller runs as root, stopped on drop.
//! Shared by the tests (tests/common) and `atelier-bench` (src/bin/bench)
//! through `#[path]`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::Context as _;
use sha2::{Digest as _, Sha256};

pub struct Cluster {
    pub dir: PathBuf,
    pub socket_dir: PathBuf,
    pub port: u16,
    pub run_as: Option<String>,
    bindir: PathBuf,
}

/// The newest `/usr/lib/postgresql/*/bin` that holds `initdb`.
pub fn bindir() -> anyhow::Result<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.path().join("bin"))
                .collect()
        })
        .unwrap_or_default();
    dirs.sort();
    dirs.pop()
        .filter(|d| d.join("initdb").exists())
        .context("PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin (apt-get install postgresql)")
}

/// Runs `cmd` and returns its stdout; its stderr is in the error when it fails.
fn output(cmd: &mut Command) -> anyhow::Result<String> {
    let out = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .with_context(|| format!("cannot run {cmd:?}"))?;
    if !out.status.success() {
        anyhow::bail!(
            "{cmd:?} failed: {}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

impl Cluster {
    pub fn start(parent: &Path) -> anyhow::Result<Self> {
        let dir = parent.join("pg");
        let socket_dir = parent.join("pgsock");
        std::fs::create_dir_all(&dir)?;
        std::fs::create_dir_all(&socket_dir)?;
        let run_as = nix::unistd::Uid::current()
            .is_root()
            .then(|| "postgres".to_owned());
        if run_as.is_some() {
            let pg = nix::unistd::User::from_name("postgres")?
                .context("user postgres (needed to run PostgreSQL as root)")?;
            for d in [&dir, &socket_dir] {
                nix::unistd::chown(d.as_path(), Some(pg.uid), Some(pg.gid))?;
            }
            // The server (user postgres) must reach its directories.
            std::fs::set_permissions(parent, std::os::unix::fs::PermissionsExt::from_mode(0o755))?;
        }
        let pg = Self {
            dir,
            socket_dir,
            port: 5432,
            run_as,
            bindir: bindir()?,
        };
        output(
            pg.tool("initdb")
                .args(["-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"])
                .args(["--locale", "C", "-D"])
                .arg(pg.dir.join("data")),
        )?;
        output(
            pg.tool("pg_ctl")
                .args(["-w", "-D"])
                .arg(pg.dir.join("data"))
                .arg("-l")
                .arg(pg.dir.join("log"))
                .arg("-o")
                .arg(format!(
                    "-k {} -c listen_addresses='' -p {} -c fsync=off",
                    pg.socket_dir.display(),
                    pg.port
                ))
                .arg("start"),
        )?;
        Ok(pg)
    }

    /// A server binary, run as the cluster's user.
    pub fn tool(&self, name: &str) -> Command {
        let mut c = if let Some(u) = &self.run_as {
            let mut c = Command::new("runuser");
            c.args(["-u", u, "--"]).arg(self.bindir.join(name));
            c
        } else {
            Command::new(self.bindir.join(name))
        };
        c.env("PGHOST", &self.socket_dir)
            .env("PGPORT", self.port.to_string())
            .env("PGUSER", "postgres")
            .current_dir("/")
            .stdin(Stdio::null());
        c
    }

    /// `psql -d db -c sql`, tuples only, unaligned.
    pub fn psql(&self, db: &str, sql: &str) -> anyhow::Result<String> {
        output(self.tool("psql").args([
            "-X",
            "-A",
            "-t",
            "-v",
            "ON_ERROR_STOP=1",
            "-d",
            db,
            "-c",
            sql,
        ]))
    }

    /// sha256 of the plain-text `pg_dump` of `db` (schema and data).
    pub fn dump_hash(&self, db: &str) -> anyhow::Result<String> {
        let out = self.tool("pg_dump").args(["-Fp", "-d", db]).output()?;
        anyhow::ensure!(
            out.status.success(),
            "pg_dump {db}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
        // Newer pg_dump wraps the script in `\restrict KEY` / `\unrestrict
        // KEY` with a random key per run: not part of the data.
        let text = String::from_utf8_lossy(&out.stdout);
        let kept: Vec<&str> = text
            .lines()
            .filter(|l| !l.starts_with("\\restrict ") && !l.starts_with("\\unrestrict "))
            .collect();
        Ok(hex::encode(Sha256::digest(kept.join("\n").as_bytes())))
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self
            .tool("pg_ctl")
            .args(["-m", "immediate", "-w", "-D"])
            .arg(self.dir.join("data"))
            .arg("stop")
            .output();
    }
}
