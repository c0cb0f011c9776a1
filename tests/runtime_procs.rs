//! restic processes under `run`, `status` and `list`, with real restic and a
//! real `kill -9`: children die with atelier-backup, a snapshot counts only
//! once its run finished, stale locks of dead processes are removed (and
//! nothing else), one repository's broken settings or silence do not stop
//! the others, and every restic call is bounded.

mod common;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{files_service, keep_last, write_script, World};
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

/// Polls `cond` until it holds; panics with `what` after `limit` (a hang
/// detector, not a timing assertion).
fn wait_until(what: &str, limit: Duration, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !cond() {
        assert!(Instant::now() < deadline, "{what}: not reached");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn alive(pid: i32) -> bool {
    kill(Pid::from_raw(pid), None).is_ok()
}

/// A restic wrapper that, for subcommand `verb`, writes its pid to
/// `dir/blocked.pid` and waits for `dir/release` before running restic
/// (with the same pid: `exec`). Other subcommands run restic at once.
fn blocking_restic(dir: &Path, verb: &str) -> PathBuf {
    let wrapper = dir.join(format!("restic-blocking-{verb}"));
    write_script(
        &wrapper,
        &format!(
            "#!/bin/sh\nif [ \"$1\" = {verb} ]; then\n  echo $$ > '{d}/blocked.pid.tmp'; mv '{d}/blocked.pid.tmp' '{d}/blocked.pid'\n  while [ ! -e '{d}/release' ]; do sleep 0.05; done\nfi\nexec restic \"$@\"\n",
            d = dir.display()
        ),
    );
    wrapper
}

fn read_pid(path: &Path) -> i32 {
    std::fs::read_to_string(path)
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

/// `atelier-backup run app` with `restic` as `ATELIER_RESTIC`, spawned; the
/// test waits until the wrapper is blocked, then returns (child, restic pid).
fn spawn_blocked_run(w: &World, restic: &Path) -> (std::process::Child, i32) {
    let pid_file = w.path().join("blocked.pid");
    let _ = std::fs::remove_file(&pid_file);
    let _ = std::fs::remove_file(w.path().join("release"));
    let child = w
        .cmd()
        .env("ATELIER_RESTIC", restic)
        .args(["run", "app"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_until(
        "the restic wrapper blocks",
        Duration::from_secs(120),
        || pid_file.exists(),
    );
    (child, read_pid(&pid_file))
}

/// `kill -9` of atelier-backup alone (not its process group).
fn kill9(child: &mut std::process::Child) {
    kill(
        Pid::from_raw(i32::try_from(child.id()).unwrap()),
        Signal::SIGKILL,
    )
    .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), None, "atelier-backup was not killed");
}

#[test]
fn kill9_of_run_kills_its_restic_and_no_snapshot_appears() {
    let (mut w, repo, data) = World::with_files_service("app");
    std::fs::write(data.join("f.txt"), b"data").unwrap();
    w.manifest.services.get_mut("app").unwrap().retention = keep_last(2);
    let restic = blocking_restic(w.path(), "backup");
    let (mut child, restic_pid) = spawn_blocked_run(&w, &restic);
    kill9(&mut child);
    // Released now, an orphaned restic would go on and save a snapshot.
    std::fs::write(w.path().join("release"), "").unwrap();
    wait_until(
        "restic of the killed run has ended",
        Duration::from_secs(120),
        || !alive(restic_pid),
    );
    assert!(
        repo.snapshots().is_empty(),
        "the killed run's restic saved a snapshot: {:?}",
        repo.snapshots()
    );
    // The next run works normally.
    let out = w.run_ok(&["--json", "run", "app"]);
    let rec: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(rec["result"], "success");
    let snaps = repo.snapshots();
    assert_eq!(snaps.len(), 1);
    assert!(
        !snaps[0]["tags"].to_string().contains("incomplete"),
        "{snaps:?}"
    );
    assert_eq!(
        rec["repositories"]["default"]["snapshotId"], snaps[0]["id"],
        "the record names the snapshot as it is now"
    );
}

#[test]
fn a_run_killed_after_restic_leaves_an_incomplete_snapshot_that_never_counts() {
    let (mut w, repo, data) = World::with_files_service("app");
    w.manifest.services.get_mut("app").unwrap().retention = keep_last(1);
    std::fs::write(data.join("f.txt"), b"one").unwrap();
    let out = w.run_ok(&["--json", "run", "app"]);
    let rec: serde_json::Value = serde_json::from_str(&out).unwrap();
    let good = rec["repositories"]["default"]["snapshotId"]
        .as_str()
        .unwrap()
        .to_owned();
    // A second run is killed after restic saved its snapshot, before
    // atelier marked it complete.
    std::fs::write(data.join("f.txt"), b"two").unwrap();
    let restic = blocking_restic(w.path(), "tag");
    let (mut child, _) = spawn_blocked_run(&w, &restic);
    kill9(&mut child);
    let incomplete = repo.snapshots_tagged("incomplete");
    assert_eq!(incomplete.len(), 1, "{:?}", repo.snapshots());
    let bad = incomplete[0]["id"].as_str().unwrap().to_owned();

    // Never "latest": status names the good one and reports the other.
    let out = w.run_ok(&["--json", "status", "app"]);
    let st: serde_json::Value = serde_json::from_str(&out).unwrap();
    let r = &st["app"]["repositories"]["default"];
    assert_eq!(r["latest"]["id"], good.as_str(), "{st}");
    assert_eq!(r["snapshots"], 1, "{st}");
    assert_eq!(r["incomplete"], 1, "{st}");
    assert!(
        st["app"]["problems"].to_string().contains("incomplete"),
        "{st}"
    );
    // list shows it as incomplete.
    let out = w.run_ok(&["--json", "list", "app"]);
    let listed: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    let entry = listed.iter().find(|l| l["id"] == bad.as_str()).unwrap();
    assert_eq!(entry["incomplete"], true, "{listed:?}");
    let entry = listed.iter().find(|l| l["id"] == good.as_str()).unwrap();
    assert_eq!(entry["incomplete"], false, "{listed:?}");
    // A restore of "latest" takes the complete snapshot.
    let target = w.path().join("restored");
    let out = w.run_ok(&["restore", "app", "--inspect", target.to_str().unwrap()]);
    let restored: Vec<String> = walkdir::WalkDir::new(&target)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_name() == "f.txt")
        .map(|e| std::fs::read_to_string(e.path()).unwrap())
        .collect();
    assert_eq!(
        restored,
        ["one"],
        "restore took the incomplete snapshot: {out}"
    );

    // The next run's retention (keep-last 1) removes it and keeps only the
    // new complete snapshot.
    std::fs::write(data.join("f.txt"), b"three").unwrap();
    let out = w.run_ok(&["--json", "run", "app"]);
    let rec: serde_json::Value = serde_json::from_str(&out).unwrap();
    let snaps = repo.snapshots();
    assert_eq!(snaps.len(), 1, "{snaps:?}");
    assert_eq!(snaps[0]["id"], rec["repositories"]["default"]["snapshotId"]);
    assert!(repo.snapshots_tagged("incomplete").is_empty());
    let notes = rec["repositories"]["default"]["notes"].to_string();
    assert!(notes.contains(&bad[..8]), "{rec}");
}

/// Starts `restic backup --stdin` (it holds a repository lock while it
/// reads), optionally in its own UTS namespace with another host name, and
/// waits until its lock file is in the repository.
fn restic_holding_a_lock(repo: &common::Repo, other_host: Option<&str>) -> std::process::Child {
    restic_holding_a_lock_in(repo, &Path::new(&repo.url).join("locks"), other_host)
}

/// [`restic_holding_a_lock`] for a repository whose lock files are in `locks`.
fn restic_holding_a_lock_in(
    repo: &common::Repo,
    locks: &Path,
    other_host: Option<&str>,
) -> std::process::Child {
    let locks = locks.to_owned();
    let before = std::fs::read_dir(&locks).map_or(0, Iterator::count);
    let mut cmd = repo.restic();
    let mut cmd = match other_host {
        None => {
            cmd.args(["backup", "--stdin", "--host", "testhost"]);
            cmd
        }
        Some(h) => {
            let mut u = Command::new("unshare");
            u.args([
                "--uts",
                "sh",
                "-c",
                &format!("hostname {h} && exec restic backup --stdin --host {h}"),
            ]);
            for (k, v) in cmd.get_envs() {
                if let Some(v) = v {
                    u.env(k, v);
                }
            }
            u
        }
    };
    let child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Written completely (restic ignores a lock file it cannot read).
    wait_until("restic holds a lock", Duration::from_secs(60), || {
        std::fs::read_dir(&locks).is_ok_and(|d| {
            d.filter_map(Result::ok).count() > before
                && repo
                    .restic()
                    .args(["list", "locks", "--no-lock"])
                    .output()
                    .is_ok_and(|o| {
                        String::from_utf8_lossy(&o.stdout).lines().any(|id| {
                            repo.restic()
                                .args(["cat", "lock", id.trim(), "--no-lock"])
                                .output()
                                .is_ok_and(|c| c.status.success())
                        })
                    })
        })
    });
    child
}

fn lock_count(repo: &common::Repo) -> usize {
    std::fs::read_dir(Path::new(&repo.url).join("locks")).map_or(0, Iterator::count)
}

#[test]
fn a_stale_lock_of_a_dead_restic_on_this_host_is_removed_and_reported() {
    let (mut w, repo, data) = World::with_files_service("app");
    std::fs::write(data.join("f.txt"), b"data").unwrap();
    w.manifest.services.get_mut("app").unwrap().retention = keep_last(1);
    w.run_ok(&["run", "app"]);
    // A restic of this host killed with -9 while it held its lock.
    let mut holder = restic_holding_a_lock(&repo, None);
    let pid = i32::try_from(holder.id()).unwrap();
    kill(Pid::from_raw(pid), Signal::SIGKILL).unwrap();
    holder.wait().unwrap();
    assert_eq!(lock_count(&repo), 1);
    // Retention (an exclusive lock) would fail on it forever.
    let out = w
        .cmd()
        .env("ATELIER_RESTIC_LOCK_RETRIES", "0")
        .args(["--json", "run", "app"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains(&format!("removed a stale lock of PID {pid}")),
        "{err}"
    );
    let rec: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        rec["repositories"]["default"]["notes"]
            .to_string()
            .contains(&format!("PID {pid}")),
        "{rec}"
    );
    assert_eq!(w.last_record("app")["result"], "success");
    assert_eq!(lock_count(&repo), 0);
    assert_eq!(repo.snapshots().len(), 1);
}

#[test]
fn a_lock_of_a_live_process_or_of_another_host_is_left_alone() {
    let (mut w, repo, data) = World::with_files_service("app");
    std::fs::write(data.join("f.txt"), b"data").unwrap();
    w.manifest.services.get_mut("app").unwrap().retention = keep_last(1);
    w.run_ok(&["run", "app"]);
    let run = |w: &World| {
        w.cmd()
            .env("ATELIER_RESTIC_LOCK_RETRIES", "0")
            .args(["run", "app"])
            .output()
            .unwrap()
    };

    // A live restic of this host.
    let mut live = restic_holding_a_lock(&repo, None);
    let out = run(&w);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("locked"), "{err}");
    assert!(!err.contains("removed a stale lock"), "{err}");
    assert_eq!(lock_count(&repo), 1, "the live process's lock was removed");
    assert!(live.try_wait().unwrap().is_none());
    live.stdin.take().unwrap().write_all(b"x").unwrap();
    assert!(live.wait().unwrap().success());
    assert_eq!(lock_count(&repo), 0);

    // A dead restic of another host (its own UTS namespace: needs root).
    if !common::is_root() {
        eprintln!("SKIP: another host name needs root (unshare --uts)");
        return;
    }
    let mut other = restic_holding_a_lock(&repo, Some("otherhost"));
    let pid = i32::try_from(other.id()).unwrap();
    // The shell exec'd restic: the pid is restic's.
    kill(Pid::from_raw(pid), Signal::SIGKILL).unwrap();
    other.wait().unwrap();
    assert_eq!(lock_count(&repo), 1, "the killed restic left no lock");
    let out = run(&w);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(!err.contains("removed a stale lock"), "{err}");
    assert_eq!(lock_count(&repo), 1, "another host's lock was removed");
}

#[test]
fn an_unreadable_environment_file_fails_only_its_repository() {
    let mut w = World::new();
    let good = w.add_local_repo("good");
    let broken = w.add_local_repo("broken");
    // A directory where the file should be: unreadable even for root.
    let env_file = w.path().join("broken.env");
    std::fs::create_dir(&env_file).unwrap();
    w.manifest
        .repositories
        .get_mut("broken")
        .unwrap()
        .environment_file = Some(env_file.display().to_string());
    let data = w.data_dir("app");
    std::fs::write(data.join("f.txt"), b"data").unwrap();
    w.add_service("app", files_service(&[&data], &["broken", "good"]));
    let (code, _o, err) = w.run(&["run", "app"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("`broken`"), "{err}");
    assert!(err.contains(&env_file.display().to_string()), "{err}");
    assert_eq!(good.snapshots().len(), 1, "{err}");
    assert!(broken.snapshots().is_empty());
    let rec = w.last_record("app");
    assert_eq!(rec["result"], "failed");
    assert_eq!(rec["repositories"]["good"]["result"], "success", "{rec}");
    assert_eq!(rec["repositories"]["broken"]["result"], "failed", "{rec}");
}

#[test]
fn an_unreachable_repository_is_bounded_and_the_others_complete() {
    let mut w = World::new();
    let local = w.add_local_repo("local");
    let secret = "unreachable-s3cret";
    let url = format!("rest:http://user:{secret}@127.0.0.1:9/repo");
    let pw = w.path().join("offsite.pw");
    std::fs::write(&pw, "pw\n").unwrap();
    w.manifest.repositories.insert(
        "offsite".into(),
        atelier::plan::Repository {
            repository: Some(url),
            password_file: Some(pw.display().to_string()),
            timeout: Some("15s".into()),
            ..atelier::plan::Repository::default()
        },
    );
    let data = w.data_dir("app");
    std::fs::write(data.join("f.txt"), b"data").unwrap();
    w.add_service("app", files_service(&[&data], &["offsite", "local"]));

    // A hang detector only: the run itself is bounded by the 15 s timeout.
    let hang_guard = |mut c: Command| {
        let mut child = c
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let pid = i32::try_from(child.id()).unwrap();
        let watchdog = std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(300);
            while Instant::now() < deadline {
                if !alive(pid) {
                    return false;
                }
                std::thread::sleep(Duration::from_millis(200));
            }
            let _ = kill(Pid::from_raw(pid), Signal::SIGKILL);
            true
        });
        let mut out = Vec::new();
        let mut err = Vec::new();
        std::io::Read::read_to_end(child.stdout.as_mut().unwrap(), &mut out).unwrap();
        std::io::Read::read_to_end(child.stderr.as_mut().unwrap(), &mut err).unwrap();
        let status = child.wait().unwrap();
        assert!(!watchdog.join().unwrap(), "hung: killed by the watchdog");
        (
            status,
            String::from_utf8(out).unwrap(),
            String::from_utf8(err).unwrap(),
        )
    };

    let mut c = w.cmd();
    c.args(["--json", "run", "app"]);
    let (status, _out, err) = hang_guard(c);
    assert_eq!(status.code(), Some(1), "{err}");
    assert!(err.contains("`offsite`"), "{err}");
    assert!(
        err.contains("did not finish within 15s") || err.contains("connection refused"),
        "{err}"
    );
    assert!(!err.contains(secret), "the URL password leaked: {err}");
    assert!(!err.contains("message_type"), "raw JSON error: {err}");
    assert_eq!(local.snapshots().len(), 1);
    let rec = w.last_record("app");
    assert_eq!(rec["repositories"]["local"]["result"], "success", "{rec}");
    assert_eq!(rec["repositories"]["offsite"]["result"], "failed", "{rec}");

    // status answers (its own bound, whatever the repository's timeout),
    // reporting the unreachable repository.
    w.manifest.repositories.get_mut("offsite").unwrap().timeout = None;
    let mut c = w.cmd();
    c.args(["--json", "status"]);
    let (_status, out, err) = hang_guard(c);
    let st: serde_json::Value =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}\n{err}"));
    let off = &st["app"]["repositories"]["offsite"];
    assert!(off["error"].is_string(), "{st}");
    assert!(!off["error"].to_string().contains(secret), "{st}");
    assert!(!off["error"].to_string().contains("message_type"), "{st}");
    assert_eq!(st["app"]["repositories"]["local"]["snapshots"], 1, "{st}");
    assert_eq!(st["app"]["failed"], true, "{st}");
}

/// `atelier.backup.repositories.<r>.timeout` from Nix to the run:
/// atelier-gen plans it into the manifest, and `atelier-backup` stops the
/// restic call to an unreachable `rest:` server at that bound (restic ≥ 0.17
/// retries it for minutes; 0.14 is refused at once), naming the repository;
/// the other repository completes.
#[test]
fn a_timeout_declared_in_nix_bounds_an_unreachable_repository() {
    let mut w = World::new();
    let local = w.add_local_repo("local");
    let data = w.data_dir("app");
    std::fs::write(data.join("f.txt"), b"data").unwrap();
    let pw = w.path().join("offsite.pw");
    std::fs::write(&pw, "pw\n").unwrap();
    let flake = w.path().join("flake");
    std::fs::create_dir_all(&flake).unwrap();
    std::fs::write(
        flake.join("flake.nix"),
        format!(
            r#"{{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";
  inputs.atelier.url = "path:{}";
  outputs = {{ nixpkgs, atelier, ... }}: {{
    nixosConfigurations.box = nixpkgs.lib.nixosSystem {{
      system = "x86_64-linux";
      modules = [ atelier.nixosModules.default ./host.nix ];
    }};
  }};
}}
"#,
            env!("CARGO_MANIFEST_DIR")
        ),
    )
    .unwrap();
    std::fs::write(
        flake.join("host.nix"),
        format!(
            r#"{{
  atelier.backup = {{
    enable = true;
    repositories.offsite = {{
      repository = "rest:http://127.0.0.1:9/repo";
      passwordFile = "{pw}";
      timeout = "4s";
    }};
    repositories.local = {{
      repository = "{local}";
      passwordFile = "{pw}";
    }};
    services.app = {{
      paths = [ "{data}" ];
      repositories = [ "offsite" "local" ];
    }};
  }};
}}
"#,
            pw = pw.display(),
            local = w.manifest.repositories["local"].repository.clone().unwrap(),
            data = data.display(),
        ),
    )
    .unwrap();
    let o = atelier::generate::pipeline::plan_host(&flake, "box", &[]);
    let plan = o.plan.unwrap_or_else(|| panic!("{:#?}", o.diagnostics));
    let mut json = Vec::new();
    plan.write_json(&mut json).unwrap();
    let planned =
        atelier::plan::Manifest::from_json(&String::from_utf8(json).unwrap(), "plan").unwrap();
    assert_eq!(
        planned.repositories["offsite"].timeout.as_deref(),
        Some("4s"),
        "{planned:#?}"
    );
    // The local repository's password is its own (the test world's).
    let local_pw = w.manifest.repositories["local"].password_file.clone();
    w.manifest.repositories = planned.repositories;
    w.manifest
        .repositories
        .get_mut("local")
        .unwrap()
        .password_file = local_pw;
    w.manifest.services = planned.services;

    let (code, _out, err) = w.run(&["run", "app"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("`offsite`"), "{err}");
    assert!(
        err.contains("did not finish within 4s") || err.contains("connection refused"),
        "{err}"
    );
    assert_eq!(local.snapshots().len(), 1);
    let rec = w.last_record("app");
    assert_eq!(rec["repositories"]["local"]["result"], "success", "{rec}");
    assert_eq!(rec["repositories"]["offsite"]["result"], "failed", "{rec}");
}

#[test]
fn a_bad_timeout_is_a_clear_error() {
    let (mut w, _repo, _data) = World::with_files_service("app");
    w.manifest.repositories.get_mut("default").unwrap().timeout = Some("soon".into());
    let (code, _o, err) = w.run(&["run", "app"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("`default`") && err.contains("soon"), "{err}");
    assert!(err.contains("timeout"), "{err}");
    let mut c = w.cmd();
    let out = c
        .env("ATELIER_RESTIC_TIMEOUT", "0s")
        .args(["run", "app"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("ATELIER_RESTIC_TIMEOUT"), "{err}");
}

#[test]
fn a_stale_lock_in_a_rest_repository_is_removed_with_restic_unlock() {
    let mut w = World::new();
    let root = w.path().join("rest-root");
    let server = common::RestServer::start(&root);
    let repo = common::Repo::init(w.path(), "rest", server.url.clone());
    w.manifest
        .repositories
        .insert("default".into(), repo.manifest_entry());
    let data = w.data_dir("app");
    std::fs::write(data.join("f.txt"), b"data").unwrap();
    let mut svc = files_service(&[&data], &["default"]);
    svc.retention = keep_last(1);
    w.add_service("app", svc);
    let locks = root.join("locks");
    let mut holder = restic_holding_a_lock_in(&repo, &locks, None);
    let pid = i32::try_from(holder.id()).unwrap();
    kill(Pid::from_raw(pid), Signal::SIGKILL).unwrap();
    holder.wait().unwrap();
    let (code, _o, err) = w.run(&["run", "app"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains(&format!("removed a stale lock of PID {pid}")),
        "{err}"
    );
    assert_eq!(std::fs::read_dir(&locks).unwrap().count(), 0);
    assert_eq!(repo.snapshots().len(), 1);
}
