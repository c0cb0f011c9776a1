//! The interactive menu driven through a pseudo-terminal (expectrl): main
//! menu → restore wizard → service → snapshot → in place → confirmation →
//! progress → verified result → quit. The live data ends up byte-exact.
//! Snapshot times show seconds; the y/n confirmation needs Enter, so `y`
//! alone answers nothing and the Enter after it does not reach the menu.

mod common;
#[path = "common/tree.rs"]
mod tree;

use std::time::Duration;

use atelier::plan::Service;
use common::World;
use expectrl::{Eof, Regex, Session};
use tree::{sqlite_rows, tree_hash};

const DOWN: &str = "\x1b[B";
const UP: &str = "\x1b[A";
const ENTER: &str = "\r";

#[test]
fn wizard_restores_in_place_end_to_end() {
    let mut w = World::new();
    let repo = w.add_local_repo("default");
    let d = w.data_dir("blog");
    std::fs::create_dir_all(d.join("posts")).unwrap();
    std::fs::write(d.join("posts/first.md"), "hello\n").unwrap();
    let db = d.join("blog.db");
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute_batch(
            "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t VALUES (1, 'one');",
        )
        .unwrap();
    w.add_service(
        "blog",
        Service {
            files: vec![d.join("posts").display().to_string()],
            sqlite: vec![db.display().to_string()],
            units: vec!["blog.service".into()],
            ..common::files_service(&[], &["default"])
        },
    );
    w.systemctl.define("blog.service", "exec sleep 1000\n");
    w.systemctl.start("blog.service");
    w.run_ok(&["run", "blog"]);
    let good = (tree_hash(&d.join("posts")), sqlite_rows(&db));
    // A second snapshot in another second (usually the same minute).
    let snapshot_seconds = || -> Vec<String> {
        repo.snapshots()
            .iter()
            .map(|s| s["time"].as_str().unwrap()[..19].to_owned())
            .collect()
    };
    while {
        w.run_ok(&["run", "blog"]);
        let t = snapshot_seconds();
        t[t.len() - 1] == t[t.len() - 2]
    } {}
    // Damage.
    std::fs::remove_file(d.join("posts/first.md")).unwrap();
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute("DELETE FROM t", [])
        .unwrap();

    // Not `w.cmd()`: that one redirects stdin, here the terminal is the point.
    w.write_manifest();
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_atelier-backup"));
    cmd.env("ATELIER_MANIFEST", w.manifest_path())
        .env("ATELIER_STATE_DIR", w.state_dir())
        .env("ATELIER_SYSTEMCTL", w.systemctl.program())
        .env("NO_COLOR", "1")
        .env("TERM", "xterm");
    let mut s = Session::spawn(cmd).expect("spawn in a pty");
    s.set_expect_timeout(Some(Duration::from_secs(120)));
    s.expect("What do you want to do?").unwrap();
    s.expect("Quit").unwrap();
    let to_confirmation = |s: &mut Session, check_labels: bool| {
        // Fourth entry: the restore wizard.
        s.send(format!("{DOWN}{DOWN}{DOWN}{ENTER}")).unwrap();
        s.expect("Which service do you want to restore?").unwrap();
        s.expect("blog").unwrap();
        s.send(ENTER).unwrap();
        s.expect("Which snapshot?").unwrap();
        if check_labels {
            // Snapshot lines show the time to the second, tags (type:files) and a size.
            let time = r"[0-9a-f]{8}  (\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) UTC";
            let both = s.expect(Regex(format!("(?s){time}.*?{time}"))).unwrap();
            let first = String::from_utf8_lossy(&both[1]).into_owned();
            let second = String::from_utf8_lossy(&both[2]).into_owned();
            s.expect("type:files").unwrap();
            assert_ne!(first, second, "two snapshots look alike");
        }
        s.send(ENTER).unwrap();
        s.expect("How do you want to restore it?").unwrap();
        s.expect("In place").unwrap();
        s.send(format!("{DOWN}{ENTER}")).unwrap();
        // The confirmation names what will be replaced.
        s.expect(format!("replace files {}", d.join("posts").display()).as_str())
            .unwrap();
        s.expect("Replace the live data of `blog`?").unwrap();
    };
    to_confirmation(&mut s, true);
    // `y` alone answers nothing: `n` still changes the answer, and Enter takes it.
    s.send("y").unwrap();
    s.send("n").unwrap();
    s.send(ENTER).unwrap();
    s.expect("cancelled: nothing was changed").unwrap();
    s.expect("What do you want to do?").unwrap();
    assert_ne!(
        (tree_hash(&d.join("posts")), sqlite_rows(&db)),
        good,
        "cancelled, yet restored"
    );
    // `y` + Enter confirms; the Enter is the confirmation's, not the next menu's.
    to_confirmation(&mut s, false);
    s.send(format!("y{ENTER}")).unwrap();
    s.expect("taking the pre-restore safety snapshot").unwrap();
    s.expect("RESULT: restore verified").unwrap();
    // Back in the main menu: Up wraps to Quit.
    s.expect("What do you want to do?").unwrap();
    s.send(format!("{UP}{ENTER}")).unwrap();
    let rest = s.expect(Eof).unwrap();
    let rest = String::from_utf8_lossy(rest.before());
    assert!(
        !rest.contains("last snapshot") && !rest.contains("exited with"),
        "an Enter reached the menu and started an item:\n{rest}"
    );

    assert_eq!((tree_hash(&d.join("posts")), sqlite_rows(&db)), good);
    // The unit was stopped for the swap and started again. (Its liveness is
    // not asserted: the fake's background unit can receive the pty's hangup
    // when the menu exits right after starting it, which real systemd units never do.)
    let events = w.systemctl.events();
    let stopped = events
        .iter()
        .rposition(|e| e == "stopped blog.service")
        .expect("stopped");
    assert!(
        events[stopped..]
            .iter()
            .any(|e| e == "started blog.service"),
        "{events:?}"
    );
}

/// `restore --in-place` on a terminal: `y` alone answers nothing (`n`
/// after it still cancels), `y` + Enter confirms.
#[test]
fn restore_confirmation_on_a_terminal_needs_enter() {
    let (w, _repo, d) = World::with_files_service("notes");
    std::fs::write(d.join("a.txt"), "backed up\n").unwrap();
    w.run_ok(&["run", "notes"]);
    std::fs::write(d.join("a.txt"), "changed\n").unwrap();
    w.write_manifest();
    let restore = || {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_atelier-backup"));
        cmd.args(["restore", "notes", "latest", "--in-place", "--no-progress"])
            .env("ATELIER_MANIFEST", w.manifest_path())
            .env("ATELIER_STATE_DIR", w.state_dir())
            .env("ATELIER_SYSTEMCTL", w.systemctl.program())
            .env("NO_COLOR", "1")
            .env("TERM", "xterm");
        let mut s = Session::spawn(cmd).expect("spawn in a pty");
        s.set_expect_timeout(Some(Duration::from_secs(120)));
        s.expect("Replace the live data of `notes`?").unwrap();
        s
    };
    let mut s = restore();
    s.send("y").unwrap();
    s.send("n").unwrap();
    s.send(ENTER).unwrap();
    s.expect("cancelled: nothing was changed").unwrap();
    s.expect(Eof).unwrap();
    assert_eq!(
        std::fs::read_to_string(d.join("a.txt")).unwrap(),
        "changed\n"
    );

    let mut s = restore();
    s.send(format!("y{ENTER}")).unwrap();
    s.expect("restored `notes`").unwrap();
    s.expect(Eof).unwrap();
    assert_eq!(
        std::fs::read_to_string(d.join("a.txt")).unwrap(),
        "backed up\n"
    );
}
