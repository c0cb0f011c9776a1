//! Retention after `run`, on real restic repositories: exactly what the
//! policy says (checked against `restic forget --dry-run` with the same
//! policy), no restic process that is not needed (counted by a wrapper in
//! `ATELIER_RESTIC`), and `pre-restore` safety snapshots kept apart from the
//! regular ones.

mod common;

use std::path::Path;

use common::{files_service, keep_last, logging_restic, sh, World};

/// The restic subcommands (first word) logged since `from` lines.
fn calls_since(log: &Path, from: usize) -> Vec<String> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .skip(from)
        .map(|l| l.split_whitespace().next().unwrap_or("").to_owned())
        .collect()
}

fn lines(log: &Path) -> usize {
    std::fs::read_to_string(log).map_or(0, |t| t.lines().count())
}

/// `atelier-backup --json run NAME` through the counting wrapper; returns
/// the restic subcommands it started and the snapshot id it reported.
fn run_counted(w: &World, wrapper: &Path, log: &Path, name: &str) -> (Vec<String>, String) {
    let before = lines(log);
    let out = w.output_with_restic(wrapper, &["--json", "run", name]);
    assert!(
        out.status.success(),
        "run {name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rec: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let id = rec["repositories"]["default"]["snapshotId"]
        .as_str()
        .unwrap()
        .chars()
        .take(8)
        .collect();
    (calls_since(log, before), id)
}

/// What `restic forget` with `--keep-last n`, scoped like atelier's own
/// retention (host, `service:NAME`, groups by host and tags), would remove
/// now. Zero after every `run` means the run left exactly what the policy says.
fn would_remove(repo: &common::Repo, service: &str, n: u32) -> Vec<String> {
    let out = sh(repo.restic().args([
        "forget",
        "--dry-run",
        "--json",
        "--group-by",
        "host,tags",
        "--host",
        "testhost",
        "--tag",
        &format!("service:{service}"),
        "--keep-last",
        &n.to_string(),
    ]));
    let mut removed = Vec::new();
    for line in out.lines().filter(|l| l.trim_start().starts_with('[')) {
        let groups: Vec<serde_json::Value> = serde_json::from_str(line).unwrap();
        for g in groups {
            for s in g["remove"].as_array().into_iter().flatten() {
                removed.push(s["short_id"].as_str().unwrap().to_owned());
            }
        }
    }
    removed
}

/// Short ids of `service`'s snapshots, regular (no `pre-restore`) and
/// pre-restore, each sorted.
fn ids_of(repo: &common::Repo, service: &str) -> (Vec<String>, Vec<String>) {
    let mut regular = Vec::new();
    let mut pre = Vec::new();
    for s in repo.snapshots_tagged(&format!("service:{service}")) {
        let id = s["short_id"].as_str().unwrap().to_owned();
        if s["tags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t == "pre-restore")
        {
            pre.push(id);
        } else {
            regular.push(id);
        }
    }
    regular.sort();
    pre.sort();
    (regular, pre)
}

fn sorted(v: &[String]) -> Vec<String> {
    let mut v = v.to_vec();
    v.sort();
    v
}

#[test]
fn forget_runs_only_when_it_could_remove_something() {
    let mut w = World::new();
    let repo = w.add_local_repo("default");
    let (wrapper, log) = logging_restic(w.path());
    let a = w.data_dir("a");
    let b = w.data_dir("b");
    let mut sa = files_service(&[&a], &["default"]);
    sa.retention = keep_last(3);
    let mut sb = files_service(&[&b], &["default"]);
    sb.retention = keep_last(2);
    w.add_service("a", sa);
    w.add_service("b", sb);

    // A fresh repository: the first backups cannot remove anything, and
    // nothing but the backup and the `tag` that marks its snapshot complete
    // opens the repository.
    let mut a_ids = Vec::new();
    for i in 0..3 {
        std::fs::write(a.join("f"), format!("a{i}")).unwrap();
        let (calls, id) = run_counted(&w, &wrapper, &log, "a");
        assert!(
            !calls.iter().any(|c| c == "forget"),
            "run {i} of a (keep-last 3, {} snapshots) must not start a forget: {calls:?}",
            i + 1
        );
        let opening: Vec<&String> = calls.iter().filter(|c| *c != "version").collect();
        assert_eq!(
            opening,
            ["backup", "tag"],
            "only the backup and marking it complete open the repository: {calls:?}"
        );
        a_ids.push(id);
        assert!(would_remove(&repo, "a", 3).is_empty());
    }
    // Another service's snapshots in the same repository change nothing
    // for a, and b's own first runs need no forget either.
    let (calls, _) = run_counted(&w, &wrapper, &log, "b");
    assert!(!calls.iter().any(|c| c == "forget"), "{calls:?}");
    let (calls, _) = run_counted(&w, &wrapper, &log, "b");
    assert!(!calls.iter().any(|c| c == "forget"), "{calls:?}");

    // The fourth snapshot of a: now retention removes the oldest.
    std::fs::write(a.join("f"), "a3").unwrap();
    let (calls, id) = run_counted(&w, &wrapper, &log, "a");
    assert!(calls.iter().any(|c| c == "forget"), "{calls:?}");
    a_ids.push(id);
    assert_eq!(ids_of(&repo, "a").0, sorted(&a_ids[1..]));
    assert!(would_remove(&repo, "a", 3).is_empty());
    // Every further run of a removes one again.
    let (calls, id) = run_counted(&w, &wrapper, &log, "a");
    assert!(calls.iter().any(|c| c == "forget"), "{calls:?}");
    a_ids.push(id);
    assert_eq!(ids_of(&repo, "a").0, sorted(&a_ids[2..]));

    // b's third snapshot exceeds its keep-last 2.
    let (calls, _) = run_counted(&w, &wrapper, &log, "b");
    assert!(calls.iter().any(|c| c == "forget"), "{calls:?}");
    assert_eq!(ids_of(&repo, "b").0.len(), 2);
    assert!(would_remove(&repo, "b", 2).is_empty());

    // A snapshot atelier did not make (restic by hand, same host and
    // service tag) makes the count doubtful: forget runs, and the result is
    // exactly the three newest.
    sh(repo
        .restic()
        .args([
            "backup",
            "--host",
            "testhost",
            "--tag",
            "atelier,service:a,type:files",
        ])
        .arg(&a));
    let manual = repo
        .snapshots_tagged("service:a")
        .into_iter()
        .map(|s| s["short_id"].as_str().unwrap().to_owned())
        .find(|s| !a_ids.contains(s))
        .unwrap();
    // Lower the policy so that the decision is not "count <= N" by chance.
    w.manifest.services.get_mut("a").unwrap().retention = keep_last(4);
    let (calls, id) = run_counted(&w, &wrapper, &log, "a");
    assert!(
        calls.iter().any(|c| c == "forget"),
        "a snapshot atelier did not record must make run start forget: {calls:?}"
    );
    let mut expected = a_ids[3..].to_vec();
    expected.push(manual);
    expected.push(id.clone());
    a_ids.push(id);
    assert_eq!(ids_of(&repo, "a").0, sorted(&expected));
    assert!(would_remove(&repo, "a", 4).is_empty());

    // Snapshots removed behind atelier's back only lower the count: a run
    // after a manual forget knows it cannot remove anything.
    let oldest = expected[0].clone();
    sh(repo.restic().args(["forget", &oldest]));
    let (calls, id) = run_counted(&w, &wrapper, &log, "a");
    assert!(!calls.iter().any(|c| c == "forget"), "{calls:?}");
    expected.remove(0);
    expected.push(id.clone());
    a_ids.push(id);
    assert_eq!(ids_of(&repo, "a").0, sorted(&expected));
    assert!(would_remove(&repo, "a", 4).is_empty());

    // Without its record (state lost), the run does not trust a count.
    std::fs::remove_dir_all(w.state_dir().join("retention")).unwrap();
    w.manifest.services.get_mut("a").unwrap().retention = keep_last(10);
    let (calls, _) = run_counted(&w, &wrapper, &log, "a");
    assert!(
        calls.iter().any(|c| c == "forget"),
        "no record: forget must run: {calls:?}"
    );
    assert!(would_remove(&repo, "a", 10).is_empty());
    assert_eq!(
        ids_of(&repo, "b").0.len(),
        2,
        "b untouched by a's retention"
    );
    sh(repo.restic().args(["check"]));
}

#[test]
fn initialize_needs_no_extra_restic_process() {
    let (mut w, repo, _d) = World::with_files_service("app");
    std::fs::remove_dir_all(&repo.url).unwrap();
    w.manifest
        .repositories
        .get_mut("default")
        .unwrap()
        .initialize = true;
    let (wrapper, log) = logging_restic(w.path());
    let (calls, _) = run_counted(&w, &wrapper, &log, "app");
    assert!(calls.contains(&"init".to_owned()), "{calls:?}");
    assert_eq!(repo.snapshots().len(), 1);
    // The repository exists now: the backup alone opens it (then `tag`
    // marks its snapshot complete).
    let (calls, _) = run_counted(&w, &wrapper, &log, "app");
    let opening: Vec<&String> = calls.iter().filter(|c| *c != "version").collect();
    assert_eq!(opening, ["backup", "tag"], "{calls:?}");
    assert_eq!(repo.snapshots().len(), 2);
}

#[test]
fn restic_version_is_remembered_for_the_same_binary() {
    let (w, repo, _d) = World::with_files_service("app");
    // A restic binary of our own (not a script, which is always asked).
    let bin = w.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let restic = bin.join("restic");
    let which = sh(std::process::Command::new("sh").args(["-c", "command -v restic"]));
    std::fs::copy(which.trim(), &restic).unwrap();
    let run = |w: &World| common::assert_success(&w.output_with_restic(&restic, &["run", "app"]));
    run(&w);
    let cache = w.state_dir().join("restic-version.json");
    let text = std::fs::read_to_string(&cache).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let real = sh(std::process::Command::new(&restic).arg("version"));
    let expected = real.split_whitespace().nth(1).unwrap().to_owned();
    assert_eq!(
        format!(
            "{}.{}.{}",
            v["version"]["major"], v["version"]["minor"], v["version"]["patch"]
        ),
        expected
    );
    assert!(v["binary"].as_str().unwrap().contains("/bin/restic"), "{v}");
    // Used by the next run, not asked and written again.
    let written = std::fs::metadata(&cache).unwrap().modified().unwrap();
    run(&w);
    assert_eq!(
        std::fs::metadata(&cache).unwrap().modified().unwrap(),
        written
    );
    assert_eq!(repo.snapshots().len(), 2);
}

#[test]
fn pre_restore_snapshots_are_retained_apart_from_regular_ones() {
    let (mut w, repo, d) = World::with_files_service("app");
    w.manifest.services.get_mut("app").unwrap().retention = keep_last(2);
    let (wrapper, log) = logging_restic(w.path());

    let mut regular = Vec::new();
    for i in 0..2 {
        std::fs::write(d.join("f"), format!("v{i}")).unwrap();
        regular.push(run_counted(&w, &wrapper, &log, "app").1);
    }
    let mut pre = Vec::new();
    for round in 0..3 {
        // An in-place restore takes a pre-restore safety snapshot.
        std::fs::write(d.join("f"), format!("changed {round}")).unwrap();
        w.run_ok(&["restore", "app", "latest", "--in-place", "--yes"]);
        let (_, now_pre) = ids_of(&repo, "app");
        let new: Vec<String> = now_pre
            .iter()
            .filter(|p| !pre.contains(*p))
            .cloned()
            .collect();
        assert_eq!(new.len(), 1, "one safety snapshot per restore: {now_pre:?}");
        pre.push(new[0].clone());
        std::fs::write(d.join("f"), format!("v{}", round + 2)).unwrap();
        regular.push(run_counted(&w, &wrapper, &log, "app").1);
        let (kept_regular, kept_pre) = ids_of(&repo, "app");
        // keep-last 2 keeps the two newest regular snapshots, however many
        // pre-restore ones were taken in between.
        assert_eq!(
            kept_regular,
            sorted(&regular[regular.len() - 2..]),
            "round {round}: regular snapshots"
        );
        // Pre-restore snapshots are their own group under the same policy:
        // the two newest are kept.
        let first = pre.len().saturating_sub(2);
        assert_eq!(
            kept_pre,
            sorted(&pre[first..]),
            "round {round}: pre-restore"
        );
        assert!(would_remove(&repo, "app", 2).is_empty());
    }
    // `latest` is still the newest regular snapshot, and `prune` with the
    // same policy agrees that nothing is left to remove.
    let out = w.run_ok(&["--json", "prune", "--no-prune"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v["default"]["services"]["app"]["removed"]
            .as_array()
            .unwrap()
            .len(),
        0,
        "{v:#}"
    );
    assert_eq!(
        v["default"]["services"]["app"]["kept"]
            .as_array()
            .unwrap()
            .len(),
        4,
        "{v:#}"
    );
    // The safety snapshot is in atelier's record: with a policy that keeps
    // everything, the run after a restore needs no forget.
    w.manifest.services.get_mut("app").unwrap().retention = keep_last(10);
    w.run_ok(&["restore", "app", "latest", "--in-place", "--yes"]);
    let (calls, _) = run_counted(&w, &wrapper, &log, "app");
    assert!(!calls.iter().any(|c| c == "forget"), "{calls:?}");
    assert!(would_remove(&repo, "app", 10).is_empty());
}

/// A REST repository (`rclone serve restic` with basic auth, the password
/// percent-encoded in the URL as restic takes it): its snapshot ids are
/// listed over HTTP without opening the repository, so `forget` is left out
/// exactly as on a local one, and runs as soon as it could remove something
/// or a snapshot atelier did not make appears. No credential reaches the
/// state directory.
#[test]
fn forget_is_left_out_on_a_rest_repository_too() {
    let mut w = World::new();
    let port = common::free_port();
    let _server = common::RestServer::start_with(
        &w.path().join("rest"),
        port,
        &["--user", "u", "--pass", "p@ss:w"],
    );
    let url = format!("rest:http://u:p%40ss%3Aw@127.0.0.1:{port}/");
    let repo = common::Repo::init(w.path(), "rest", url);
    w.manifest
        .repositories
        .insert("default".into(), repo.manifest_entry());
    let (wrapper, log) = logging_restic(w.path());
    let a = w.data_dir("a");
    let mut sa = files_service(&[&a], &["default"]);
    sa.retention = keep_last(2);
    w.add_service("a", sa);
    for i in 0..2 {
        std::fs::write(a.join("f"), format!("a{i}")).unwrap();
        let (calls, _) = run_counted(&w, &wrapper, &log, "a");
        let opening: Vec<&String> = calls.iter().filter(|c| *c != "version").collect();
        assert_eq!(opening, ["backup", "tag"], "run {i}: {calls:?}");
    }
    std::fs::write(a.join("f"), "a2").unwrap();
    let (calls, _) = run_counted(&w, &wrapper, &log, "a");
    assert!(calls.iter().any(|c| c == "forget"), "{calls:?}");
    assert_eq!(ids_of(&repo, "a").0.len(), 2);
    assert!(would_remove(&repo, "a", 2).is_empty());
    // A snapshot made by hand: forget runs, and exactly two are left.
    w.manifest.services.get_mut("a").unwrap().retention = keep_last(3);
    let (calls, _) = run_counted(&w, &wrapper, &log, "a");
    assert!(!calls.iter().any(|c| c == "forget"), "{calls:?}");
    sh(repo
        .restic()
        .args([
            "backup",
            "--host",
            "testhost",
            "--tag",
            "atelier,service:a,type:files",
        ])
        .arg(&a));
    let (calls, _) = run_counted(&w, &wrapper, &log, "a");
    assert!(
        calls.iter().any(|c| c == "forget"),
        "a snapshot atelier did not record must make run start forget: {calls:?}"
    );
    assert!(would_remove(&repo, "a", 3).is_empty());
    assert_eq!(ids_of(&repo, "a").0.len(), 3);
    let state = w.state_text();
    assert!(
        !state.contains("p@ss") && !state.contains("p%40ss"),
        "a credential in the state directory"
    );
}

/// An `rclone:` repository on a remote defined only in the repository's
/// environment file (`RCLONE_CONFIG_BOX_TYPE=local`, not in atelier's own
/// environment): its snapshot ids are listed with `rclone lsf` under that
/// configuration, so `forget` is left out as on a local repository, and runs
/// as soon as a snapshot atelier did not make appears.
#[test]
fn forget_is_left_out_on_an_rclone_repository_too() {
    let mut w = World::new();
    let dir = w.path().join("rclone-repo");
    let repo = common::Repo::init_with_env(
        w.path(),
        "rclone",
        format!("rclone:box:{}", dir.display()),
        &[("RCLONE_CONFIG_BOX_TYPE", "local")],
    );
    w.manifest
        .repositories
        .insert("default".into(), repo.manifest_entry());
    let (wrapper, log) = logging_restic(w.path());
    let a = w.data_dir("a");
    let mut sa = files_service(&[&a], &["default"]);
    sa.retention = keep_last(2);
    w.add_service("a", sa);
    for i in 0..2 {
        std::fs::write(a.join("f"), format!("a{i}")).unwrap();
        let (calls, _) = run_counted(&w, &wrapper, &log, "a");
        let opening: Vec<&String> = calls.iter().filter(|c| *c != "version").collect();
        assert_eq!(opening, ["backup", "tag"], "run {i}: {calls:?}");
    }
    std::fs::write(a.join("f"), "a2").unwrap();
    let (calls, _) = run_counted(&w, &wrapper, &log, "a");
    assert!(calls.iter().any(|c| c == "forget"), "{calls:?}");
    assert_eq!(ids_of(&repo, "a").0.len(), 2);
    assert!(would_remove(&repo, "a", 2).is_empty());
    w.manifest.services.get_mut("a").unwrap().retention = keep_last(3);
    let (calls, _) = run_counted(&w, &wrapper, &log, "a");
    assert!(!calls.iter().any(|c| c == "forget"), "{calls:?}");
    sh(repo
        .restic()
        .args([
            "backup",
            "--host",
            "testhost",
            "--tag",
            "atelier,service:a,type:files",
        ])
        .arg(&a));
    let (calls, _) = run_counted(&w, &wrapper, &log, "a");
    assert!(
        calls.iter().any(|c| c == "forget"),
        "a snapshot atelier did not record must make run start forget: {calls:?}"
    );
    assert!(would_remove(&repo, "a", 3).is_empty());
    assert_eq!(ids_of(&repo, "a").0.len(), 3);
    assert!(
        !w.state_text().contains(&dir.display().to_string()),
        "the remote in the state directory"
    );
}

/// An `s3:` repository (a real S3 server, moto): listing its snapshots
/// needs a signed S3 request, which atelier does not make, so `forget` runs
/// after every backup, and the run record says why.
#[test]
fn forget_runs_after_every_backup_on_an_s3_repository() {
    let Some(s3) = common::S3Server::start() else {
        return;
    };
    let mut w = World::new();
    let repo = common::Repo::init_with_env(
        w.path(),
        "s3",
        format!("s3:{}/bucket", s3.endpoint),
        &[
            ("AWS_ACCESS_KEY_ID", "atelier-test"),
            ("AWS_SECRET_ACCESS_KEY", "atelier-test-secret"),
        ],
    );
    w.manifest
        .repositories
        .insert("default".into(), repo.manifest_entry());
    let (wrapper, log) = logging_restic(w.path());
    let a = w.data_dir("a");
    let mut sa = files_service(&[&a], &["default"]);
    sa.retention = keep_last(5);
    w.add_service("a", sa);
    for i in 0..2 {
        std::fs::write(a.join("f"), format!("a{i}")).unwrap();
        let before = lines(&log);
        let out = w.output_with_restic(&wrapper, &["--json", "run", "a"]);
        assert!(
            out.status.success(),
            "run {i}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let calls = calls_since(&log, before);
        assert!(
            calls.iter().any(|c| c == "forget"),
            "run {i}: forget must run on S3: {calls:?}"
        );
        let rec: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let why = rec["repositories"]["default"]["retention"]
            .as_str()
            .unwrap();
        assert!(why.contains("S3"), "run {i}: {why}");
    }
    assert_eq!(ids_of(&repo, "a").0.len(), 2);
}
