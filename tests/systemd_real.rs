//! The generated units under a real systemd (the machine's 252) as PID 1 of
//! its own namespaces (tests/common/systemd.rs): rendered for
//! `tests/data/systemd_real` by atelier-gen and the nixos-eval harness, run by
//! the real atelier-backup, restic and SQLite, driven by the real
//! `systemctl` — no `ATELIER_SYSTEMCTL` stand-in.
//!
//! Needs `ATELIER_NIXOS_EVAL` (the harness directory with its nixpkgs cache)
//! and root; otherwise each test prints SKIP.

mod common;

use std::path::PathBuf;

use common::systemd::{Machine, Rendered};

/// Far in the future: the backup timers never fire by themselves.
const NEVER: &str = "2099-01-01 00:00:00";

/// Healthchecks-style pings of every backup; the URL file is written by the
/// test once the machine runs (the namespace shares the machine's network).
const PINGS: &str = r#"
  atelier.backup.monitoring.pingUrlFile = "/var/lib/atelier-keys/ping-url";
"#;

/// Records what `atelier.backup.onFailure` receives.
const ON_FAILURE: &str = r#"
  atelier.backup.inhibitSleep = false;
  atelier.backup.onFailure = ''
    { echo "unit=$ATELIER_FAILED_UNIT service=$ATELIER_FAILED_SERVICE"; echo "$ATELIER_JOURNAL"; echo "--"; } >> /var/lib/atelier-failures.log
  '';
"#;

/// Prints a SKIP line past the test harness's output capture (which only
/// intercepts `print!`/`eprint!`), so that skipped suites stay visible.
fn skip(message: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr().lock(), "{message}");
}

fn harness(test: &str) -> Option<PathBuf> {
    if let Some(why) = common::systemd::unavailable() {
        skip(&format!(
            "SKIP {test}: systemd cannot run in a namespace here: {why}"
        ));
        return None;
    }
    let dir = std::env::var_os("ATELIER_NIXOS_EVAL").filter(|d| !d.is_empty());
    if dir.is_none() {
        skip(&format!("SKIP {test}: ATELIER_NIXOS_EVAL is unset (the nixos-eval harness directory, with its nixpkgs cache)"));
    }
    dir.map(PathBuf::from)
}

fn boot(test: &str, schedule: &str, extra: &str) -> Option<Machine> {
    let dir = harness(test)?;
    let work = tempfile::Builder::new()
        .prefix("systemd-real-flake-")
        .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
        .unwrap();
    let rendered = Rendered::render(&dir, work.path(), schedule, extra);
    match Machine::boot(&rendered) {
        Ok(m) => Some(m),
        Err(why) => {
            skip(&format!("SKIP {test}: cannot boot systemd: {why}"));
            None
        }
    }
}

/// Index of the first line equal to `line` at or after `from`.
fn find(lines: &[String], from: usize, line: &str) -> Option<usize> {
    lines[from..]
        .iter()
        .position(|l| l == line)
        .map(|i| i + from)
}

/// Waits until the service logs a start after its `stop` at index `stop`
/// (the service writes it once running; `systemctl start` does not wait).
fn started_again(m: &Machine, service: &str, stop: usize) {
    m.wait_for(30, &format!("{service} to start again"), |m| {
        find(&m.events(service), stop, &format!("{service} start")).is_some()
    });
}

#[test]
fn backup_unit_stops_and_starts_the_service_and_the_machine_tmp_survives() {
    let marker = tempfile::Builder::new()
        .prefix("atelier-systemd-marker-")
        .tempfile_in("/tmp")
        .unwrap();
    std::fs::write(marker.path(), "must survive").unwrap();
    let marker_name = marker
        .path()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    {
        let Some(m) = boot("backup_unit_stops_and_starts_the_service", NEVER, PINGS) else {
            return;
        };
        let server = common::PingServer::start();
        m.ok(&format!(
            "echo {} > /var/lib/atelier-keys/ping-url",
            server.url("notes-token")
        ));
        // The machine's /tmp is not the one systemd sees.
        m.ok(&format!("test ! -e /tmp/{marker_name}"));
        m.wait_for(30, "notes.service active", |m| {
            m.prop("notes.service", "ActiveState") == "active"
        });
        let before = m.prop("notes.service", "InvocationID");

        let out = m.run(&["systemctl", "start", "restic-backups-notes.service"]);
        assert!(
            out.status.success(),
            "{}",
            m.status("restic-backups-notes.service")
        );
        assert_eq!(m.prop("restic-backups-notes.service", "Result"), "success");

        // stopUnits: stopped after preBackup, started again before postBackup.
        let ev = m.events("notes");
        let pre = find(&ev, 0, "preBackup").unwrap_or_else(|| panic!("{ev:?}"));
        let stop = find(&ev, pre, "notes stop").unwrap_or_else(|| panic!("{ev:?}"));
        find(&ev, stop, "postBackup success").unwrap_or_else(|| panic!("{ev:?}"));
        started_again(&m, "notes", stop);
        // The dump ran as its declared user, not as the unit's root.
        assert!(ev.contains(&"dump as notes".to_owned()), "{ev:?}");
        // inhibitSleep (on by default): logind held a blocking sleep and
        // shutdown lock for the backup while it ran.
        let locks = m.read("/var/lib/notes/inhibitors.log");
        let lock = locks
            .lines()
            .find(|l| l.contains("atelier backup of notes"))
            .unwrap_or_else(|| panic!("no inhibitor lock during the backup: {locks:?}"));
        assert!(
            lock.contains("sleep") && lock.contains("shutdown") && lock.contains("block"),
            "{lock}"
        );
        m.wait_for(30, "notes.service active again", |m| {
            m.prop("notes.service", "ActiveState") == "active"
        });
        assert_ne!(m.prop("notes.service", "InvocationID"), before);

        let pings: Vec<String> = server
            .pings()
            .iter()
            .map(|p| format!("{} {}", p.method, p.path))
            .collect();
        assert_eq!(
            pings,
            ["POST /ping/notes-token/start", "POST /ping/notes-token"]
        );
        let snaps = m.ok("atelier-backup --json list notes");
        assert!(snaps.contains("service:notes"), "{snaps}");
    }
    assert_eq!(
        std::fs::read_to_string(marker.path()).unwrap(),
        "must survive",
        "the machine's /tmp was touched"
    );
}

#[test]
fn backup_timer_elapses_and_runs_the_backup() {
    let Some(m) = boot("backup_timer_elapses", "*:*:0/5", "") else {
        return;
    };
    assert_eq!(
        m.prop("restic-backups-notes.timer", "ActiveState"),
        "active"
    );
    m.wait_for(90, "the timer to start a backup that ends", |m| {
        let exited = m.prop(
            "restic-backups-notes.service",
            "ExecMainExitTimestampMonotonic",
        );
        !exited.is_empty() && exited != "0"
    });
    assert_ne!(
        m.prop("restic-backups-notes.timer", "LastTriggerUSec"),
        "n/a"
    );
    assert_eq!(
        m.prop("restic-backups-notes.service", "ExecMainStatus"),
        "0",
        "{}",
        m.status("restic-backups-notes.service")
    );
    let ev = m.events("notes");
    assert!(ev.contains(&"postBackup success".to_owned()), "{ev:?}");
}

#[test]
fn failing_backup_starts_its_units_again_and_triggers_on_failure() {
    let Some(m) = boot(
        "failing_backup_starts_its_units_again",
        NEVER,
        &format!("{ON_FAILURE}{PINGS}"),
    ) else {
        return;
    };
    let server = common::PingServer::start();
    m.ok(&format!(
        "echo {} > /var/lib/atelier-keys/ping-url",
        server.url("ledger-token")
    ));
    let unit = m.read("/etc/systemd/system/restic-backups-ledger.service");
    assert!(
        unit.contains("OnFailure=atelier-on-failure@%n.service")
            && !unit.contains("systemd-inhibit"),
        "{unit}"
    );
    m.wait_for(30, "ledger.service active", |m| {
        m.prop("ledger.service", "ActiveState") == "active"
    });
    let out = m.run(&["systemctl", "start", "restic-backups-ledger.service"]);
    assert!(
        !out.status.success(),
        "ledger's backup to a missing repository succeeded"
    );
    assert_eq!(
        m.prop("restic-backups-ledger.service", "ActiveState"),
        "failed"
    );

    let ev = m.events("ledger");
    let stop = find(&ev, 0, "ledger stop").unwrap_or_else(|| panic!("{ev:?}"));
    started_again(&m, "ledger", stop);
    m.wait_for(30, "ledger.service active again", |m| {
        m.prop("ledger.service", "ActiveState") == "active"
    });

    let pings: Vec<String> = server
        .pings()
        .iter()
        .map(|p| format!("{} {}", p.method, p.path))
        .collect();
    assert_eq!(
        pings,
        [
            "POST /ping/ledger-token/start",
            "POST /ping/ledger-token/fail"
        ]
    );
    assert!(server.pings()[1].body.contains("atelier-missing-repo"));
    m.wait_for(30, "the OnFailure= handler to run", |m| {
        m.read("/var/lib/atelier-failures.log").contains("--")
    });
    let got = m.read("/var/lib/atelier-failures.log");
    assert!(
        got.contains("unit=restic-backups-ledger.service service=ledger"),
        "{got}"
    );
    // The journal's last lines of the failed unit reach the command.
    assert!(got.contains("atelier-missing-repo"), "{got}");
}

#[test]
fn restore_in_place_and_dr_stop_and_start_the_real_units() {
    let Some(m) = boot("restore_in_place_and_dr", NEVER, "") else {
        return;
    };
    m.wait_for(30, "notes.service active", |m| {
        m.prop("notes.service", "ActiveState") == "active"
    });
    let out = m.run(&["systemctl", "start", "restic-backups-notes.service"]);
    assert!(
        out.status.success(),
        "{}",
        m.status("restic-backups-notes.service")
    );
    // Changes after the snapshot, which the restores must undo.
    let changed = "sqlite3 /var/lib/notes/notes.db \"insert into notes(body) values ('after the backup')\"; echo changed > /var/lib/notes/attachments/a.txt";
    let count_changed =
        "sqlite3 /var/lib/notes/notes.db \"select count(*) from notes where body = 'after the backup'\"";
    m.ok(changed);
    assert_eq!(m.ok(count_changed).trim(), "1");

    let n_events = m.events("notes").len();
    let restored = m.ok("atelier-backup --yes --no-progress restore notes --in-place");
    let ev = m.events("notes")[n_events..].to_vec();
    let stop = find(&ev, 0, "notes stop").unwrap_or_else(|| panic!("{ev:?}\n{restored}"));
    started_again(&m, "notes", n_events + stop);
    m.wait_for(30, "notes.service active after the restore", |m| {
        m.prop("notes.service", "ActiveState") == "active"
    });
    assert_eq!(m.read("/var/lib/notes/attachments/a.txt"), "attached\n");
    let check = m.ok("sqlite3 /var/lib/notes/notes.db 'pragma integrity_check'");
    assert_eq!(check.trim(), "ok");
    assert_eq!(m.ok(count_changed).trim(), "0", "{restored}");

    // dr: every service from its latest snapshot (ledger has none: it fails,
    // notes is restored) — units stopped and started by the real systemd.
    m.ok(changed);
    let n_events = m.events("notes").len();
    let dr = m.sh("atelier-backup --yes --no-progress dr");
    let ev = m.events("notes")[n_events..].to_vec();
    let stop = find(&ev, 0, "notes stop").unwrap_or_else(|| panic!("{ev:?}\n{dr}"));
    started_again(&m, "notes", n_events + stop);
    assert_eq!(
        m.read("/var/lib/notes/attachments/a.txt"),
        "attached\n",
        "{dr}"
    );
    m.wait_for(30, "notes.service active after dr", |m| {
        m.prop("notes.service", "ActiveState") == "active"
    });
    assert_eq!(m.ok(count_changed).trim(), "0", "{dr}");
}
