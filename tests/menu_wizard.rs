//! The interactive menu driven through a pseudo-terminal (expectrl): main
//! menu → restore wizard → service → snapshot → in place → confirmation →
//! progress → verified result → quit. The live data ends up byte-exact.

mod common;
#[path = "common/tree.rs"]
mod tree;

use std::time::Duration;

use atelier::plan::Service;
use common::World;
use expectrl::{Eof, Session};
use tree::{sqlite_rows, tree_hash};

const DOWN: &str = "\x1b[B";
const UP: &str = "\x1b[A";
const ENTER: &str = "\r";

#[test]
fn wizard_restores_in_place_end_to_end() {
    let mut w = World::new();
    let _repo = w.add_local_repo("default");
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
    // Fourth entry: the restore wizard.
    s.send(format!("{DOWN}{DOWN}{DOWN}{ENTER}")).unwrap();
    s.expect("Which service do you want to restore?").unwrap();
    s.expect("blog").unwrap();
    s.send(ENTER).unwrap();
    s.expect("Which snapshot?").unwrap();
    // Snapshot lines show tags (type:files) and a size.
    s.expect("type:files").unwrap();
    s.send(ENTER).unwrap();
    s.expect("How do you want to restore it?").unwrap();
    s.expect("In place").unwrap();
    s.send(format!("{DOWN}{ENTER}")).unwrap();
    // The confirmation names what will be replaced.
    s.expect(format!("replace files {}", d.join("posts").display()).as_str())
        .unwrap();
    s.expect("Replace the live data of `blog`?").unwrap();
    s.send("y").unwrap();
    s.expect("taking the pre-restore safety snapshot").unwrap();
    s.expect("RESULT: restore verified").unwrap();
    // Back in the main menu: Up wraps to Quit.
    s.expect("What do you want to do?").unwrap();
    s.send(format!("{UP}{ENTER}")).unwrap();
    s.expect(Eof).unwrap();

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
