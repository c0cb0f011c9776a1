//! Child processes that cannot outlive atelier-backup, and a bound on how
//! long one may run.
//!
//! [`die_with_parent`]: the child gets `PR_SET_PDEATHSIG(SIGKILL)` before it
//! executes, so a `kill -9` of atelier-backup also ends the restic, `pg_dump`
//! or dump command it started (a restic left running would save a snapshot
//! of a staging directory that the next run clears). Linux sends the signal
//! when the *thread* that forked the child exits, so a child must be waited
//! for by the thread that spawned it (every caller here does: `output()`,
//! [`run`], or a wait in the same function). A child whose parent died
//! between `fork` and `prctl` kills itself. The signal reaches only the
//! direct child: a command run through `sh -c` or `runuser` that forks
//! again leaves its own children to systemd's control-group kill.
//!
//! [`run`]: spawns, streams stdout lines, collects stderr, and ends the
//! child when it runs past its deadline: SIGTERM (restic ≥ 0.17 stops
//! cleanly and removes its lock), then SIGKILL after [`KILL_GRACE`].

use std::io::{BufRead as _, BufReader, Read as _};
use std::os::unix::process::CommandExt as _;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

/// How long a child has to stop after SIGTERM before it is killed.
pub const KILL_GRACE: Duration = Duration::from_secs(5);

/// The child is killed (SIGKILL) when the thread that spawned it exits —
/// in particular when atelier-backup is killed.
pub fn die_with_parent(cmd: &mut Command) {
    let parent = nix::unistd::getpid();
    // SAFETY: the closure runs between fork and exec and only makes
    // async-signal-safe system calls (prctl, getppid, kill).
    unsafe {
        cmd.pre_exec(move || {
            nix::sys::prctl::set_pdeathsig(Some(Signal::SIGKILL)).map_err(std::io::Error::from)?;
            // The parent may have died before prctl: then nobody will send
            // the signal, so do not start at all.
            if nix::unistd::getppid() != parent {
                let _ = kill(nix::unistd::getpid(), Signal::SIGKILL);
            }
            Ok(())
        });
    }
}

/// A finished (or ended) child.
#[derive(Debug)]
pub struct Finished {
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    /// It ran past its deadline and was ended by atelier.
    pub timed_out: bool,
}

/// Runs `cmd` (stdout and stderr captured, each stdout line also given to
/// `on_line` as it comes) and waits for it, at most `timeout`. On timeout
/// the child gets SIGTERM, then SIGKILL after [`KILL_GRACE`].
pub fn run(
    cmd: &mut Command,
    timeout: Option<Duration>,
    on_line: &mut dyn FnMut(&[u8]),
) -> std::io::Result<Finished> {
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn()?;
    let pid = Pid::from_raw(i32::try_from(child.id()).unwrap_or(i32::MAX));
    let mut out_pipe = BufReader::new(child.stdout.take().expect("stdout piped"));
    let mut err_pipe = child.stderr.take().expect("stderr piped");
    let (tx, rx) = mpsc::channel::<Vec<u8>>();
    let out_thread = std::thread::spawn(move || loop {
        let mut line = Vec::new();
        match out_pipe.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) => {
                if tx.send(line).is_err() {
                    break;
                }
            }
        }
    });
    let err_thread = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = err_pipe.read_to_end(&mut s);
        s
    });
    let deadline = timeout.map(|t| Instant::now() + t);
    let mut stdout = Vec::new();
    let mut timed_out = false;
    let mut killed_at: Option<Instant> = None;
    let mut exited: Option<(ExitStatus, Instant)> = None;
    loop {
        if let Ok(line) = rx.recv_timeout(Duration::from_millis(50)) {
            on_line(&line);
            stdout.extend_from_slice(&line);
            continue;
        }
        let now = Instant::now();
        if exited.is_none() {
            if let Some(st) = child.try_wait()? {
                exited = Some((st, now));
            }
        }
        if let Some((status, at)) = exited {
            // Both pipes close when the child exits, unless a process it
            // started keeps them open: then stop reading after the grace.
            let pipes_closed = out_thread.is_finished() && err_thread.is_finished();
            if pipes_closed || timed_out || now >= at + KILL_GRACE {
                for line in rx.try_iter() {
                    on_line(&line);
                    stdout.extend_from_slice(&line);
                }
                let stderr = if err_thread.is_finished() {
                    err_thread.join().unwrap_or_default()
                } else {
                    Vec::new()
                };
                return Ok(Finished {
                    status,
                    stdout,
                    stderr,
                    timed_out,
                });
            }
            continue;
        }
        match (deadline, killed_at) {
            (Some(d), None) if now >= d => {
                timed_out = true;
                let _ = kill(pid, Signal::SIGTERM);
                killed_at = Some(now);
            }
            (_, Some(k)) if now >= k + KILL_GRACE => {
                // Not reaped yet, so the pid is still this child's.
                let _ = kill(pid, Signal::SIGKILL);
                exited = Some((child.wait()?, now));
            }
            _ => {}
        }
    }
}

/// Waits for a spawned `child` (its output not captured), at most
/// `timeout`; past it, SIGTERM then SIGKILL as in [`run`]. Returns the exit
/// status and whether it was ended for running too long.
pub fn wait(
    child: &mut std::process::Child,
    timeout: Duration,
) -> std::io::Result<(ExitStatus, bool)> {
    let pid = Pid::from_raw(i32::try_from(child.id()).unwrap_or(i32::MAX));
    let deadline = Instant::now() + timeout;
    let mut killed_at: Option<Instant> = None;
    loop {
        if let Some(st) = child.try_wait()? {
            return Ok((st, killed_at.is_some()));
        }
        let now = Instant::now();
        match killed_at {
            None if now >= deadline => {
                let _ = kill(pid, Signal::SIGTERM);
                killed_at = Some(now);
            }
            Some(k) if now >= k + KILL_GRACE => {
                let _ = kill(pid, Signal::SIGKILL);
                return Ok((child.wait()?, true));
            }
            _ => {}
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_and_status_are_collected() {
        let mut lines = Vec::new();
        let f = run(
            Command::new("sh").args(["-c", "echo one; echo two; echo err >&2; exit 3"]),
            Some(Duration::from_secs(60)),
            &mut |l| lines.push(String::from_utf8_lossy(l).into_owned()),
        )
        .unwrap();
        assert_eq!(f.status.code(), Some(3));
        assert_eq!(f.stdout, b"one\ntwo\n");
        assert_eq!(f.stderr, b"err\n");
        assert_eq!(lines, ["one\n", "two\n"]);
        assert!(!f.timed_out);
    }

    #[test]
    fn a_child_past_its_deadline_is_terminated_then_killed() {
        // Ignores SIGTERM: only the SIGKILL after the grace period ends it.
        let f = run(
            Command::new("sh").args([
                "-c",
                "trap '' TERM; echo started; while :; do sleep 1; done",
            ]),
            Some(Duration::from_millis(200)),
            &mut |_| {},
        )
        .unwrap();
        assert!(f.timed_out);
        assert_eq!(
            std::os::unix::process::ExitStatusExt::signal(&f.status),
            Some(9)
        );
        assert_eq!(f.stdout, b"started\n");
    }
}
