//! systemd units through `ATELIER_SYSTEMCTL` (default `systemctl`).
//!
//! [`StoppedUnits`] is the guard for `stopForBackup` and in-place restores:
//! the units it stopped are started again when it is dropped, on every path
//! out (success, error, panic), unless [`StoppedUnits::start`] already did.

use std::process::{Command, Stdio};

/// The program that controls units.
#[derive(Debug, Clone)]
pub struct Systemctl {
    program: String,
}

impl Systemctl {
    pub fn new(program: &str) -> Self {
        Self {
            program: program.to_owned(),
        }
    }

    fn call(&self, verb: &str, units: &[String]) -> anyhow::Result<std::process::Output> {
        check_names(units)?;
        Command::new(&self.program)
            .arg(verb)
            .args(units)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| {
                anyhow::anyhow!(
                    "cannot run `{} {verb}`: {e} (ATELIER_SYSTEMCTL)",
                    self.program
                )
            })
    }

    /// `systemctl is-active UNIT` exits 0 only for an active unit.
    pub fn is_active(&self, unit: &str) -> anyhow::Result<bool> {
        Ok(self.call("is-active", &[unit.to_owned()])?.status.success())
    }

    /// `systemctl start UNITS` (blocks until oneshot units have finished).
    pub fn start(&self, units: &[String]) -> anyhow::Result<()> {
        self.checked("start", units)
    }

    pub fn stop(&self, units: &[String]) -> anyhow::Result<()> {
        self.checked("stop", units)
    }

    fn checked(&self, verb: &str, units: &[String]) -> anyhow::Result<()> {
        if units.is_empty() {
            return Ok(());
        }
        let out = self.call(verb, units)?;
        if !out.status.success() {
            let err = String::from_utf8_lossy(&out.stderr);
            anyhow::bail!(
                "`systemctl {verb} {}` failed: {}",
                units.join(" "),
                err.lines()
                    .find(|l| !l.trim().is_empty())
                    .unwrap_or("no message")
                    .trim()
            );
        }
        Ok(())
    }

    /// Stops those of `units` that are active and returns a guard that
    /// starts them again. Units that were not running stay stopped.
    pub fn stop_active(&self, units: &[String]) -> anyhow::Result<StoppedUnits> {
        let mut active = Vec::new();
        for u in units {
            if self.is_active(u)? {
                active.push(u.clone());
            }
        }
        let guard = StoppedUnits {
            systemctl: self.clone(),
            units: active,
            started: false,
        };
        // A failed stop may have stopped some of them: the guard starts all.
        self.stop(&guard.units)?;
        Ok(guard)
    }
}

/// Refuses anything that is not a unit name before it reaches `systemctl`.
/// The manifest is checked when it is loaded (same rule as atelier-gen);
/// this also covers names read back from state files (a restore journal,
/// the stopped-units marker). Each name is passed as one argv element, never
/// through a shell.
pub fn check_names(units: &[String]) -> anyhow::Result<()> {
    if let Some(bad) = units
        .iter()
        .find(|u| !crate::plan::validate::is_valid_unit_name(u))
    {
        anyhow::bail!(
            "refusing to pass {bad:?} to systemctl: not a valid systemd unit name; {}",
            crate::plan::validate::unit_name_rule()
        );
    }
    Ok(())
}

/// Units stopped by [`Systemctl::stop_active`]; started again on drop.
#[derive(Debug)]
pub struct StoppedUnits {
    systemctl: Systemctl,
    units: Vec<String>,
    started: bool,
}

impl StoppedUnits {
    pub fn units(&self) -> &[String] {
        &self.units
    }

    /// Starts the units now and reports failure (drop only logs it).
    pub fn start(mut self) -> anyhow::Result<()> {
        self.started = true;
        self.systemctl.start(&self.units)
    }
}

impl Drop for StoppedUnits {
    fn drop(&mut self) {
        if !self.started {
            self.started = true;
            if let Err(e) = self.systemctl.start(&self.units) {
                eprintln!(
                    "atelier-backup: could not start {} again: {e:#}",
                    self.units.join(" ")
                );
            }
        }
    }
}
