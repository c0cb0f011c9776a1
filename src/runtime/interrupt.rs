//! SIGTERM, SIGINT and SIGHUP during a run: instead of dying on the spot
//! (which would leave `stopForBackup` units stopped and no state record),
//! the run notes the signal, stops at the next step, starts the units
//! again, and records the run as failed with the signal's name. systemd
//! signals the whole control group, so restic and hooks end too; a signal
//! sent to atelier-backup alone ends the run after the current step.

use std::sync::atomic::{AtomicI32, Ordering};

use nix::sys::signal::{sigaction, SaFlags, SigAction, SigHandler, SigSet, Signal};

static RECEIVED: AtomicI32 = AtomicI32::new(0);

extern "C" fn note(sig: i32) {
    // Only an atomic store: async-signal-safe.
    RECEIVED.store(sig, Ordering::SeqCst);
}

/// Installs the handlers (idempotent). Child processes get the default
/// dispositions back on exec.
pub fn install() {
    let action = SigAction::new(
        SigHandler::Handler(note),
        SaFlags::SA_RESTART,
        SigSet::empty(),
    );
    for sig in [Signal::SIGTERM, Signal::SIGINT, Signal::SIGHUP] {
        // SAFETY: the handler only stores into an atomic.
        let _ = unsafe { sigaction(sig, &action) };
    }
}

/// The signal received since [`install`], if any.
pub fn received() -> Option<Signal> {
    match RECEIVED.load(Ordering::SeqCst) {
        0 => None,
        n => Signal::try_from(n).ok(),
    }
}

/// An error when a signal arrived: the run stops before its next step.
pub fn check() -> anyhow::Result<()> {
    match received() {
        Some(sig) => anyhow::bail!("interrupted by {sig}"),
        None => Ok(()),
    }
}
