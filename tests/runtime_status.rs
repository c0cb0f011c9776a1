//! status, list, prune/retention, check, backup through the unit, the
//! restic passthrough, and secrets never leaking — on real repositories.

mod common;

use std::path::Path;

use common::{files_service, keep_last, sh, World};

/// A snapshot of `path` made by restic directly at `time` (restic
/// `--time`, local time) with `tags`, as an earlier run would have left it.
fn snapshot_at(repo: &common::Repo, path: &Path, time: &str, tags: &str) {
    sh(repo
        .restic()
        .args([
            "backup", "--host", "testhost", "--time", time, "--tag", tags,
        ])
        .arg(path));
}

#[test]
fn status_reports_stale_and_failed_and_json_parses() {
    let mut w = World::new();
    let repo = w.add_local_repo("default");
    let fresh = w.data_dir("fresh");
    let old = w.data_dir("old");
    w.add_service("fresh", files_service(&[&fresh], &["default"]));
    w.add_service("old", files_service(&[&old], &["default"]));
    w.add_service("never", files_service(&[&fresh], &["default"]));
    w.run_ok(&["run", "fresh"]);
    snapshot_at(
        &repo,
        &old,
        "2020-01-01 00:00:00",
        "atelier,service:old,type:files",
    );

    let (code, out, err) = w.run(&["--json", "status"]);
    assert_eq!(code, 1, "stale services must exit 1: {err}");
    let v: serde_json::Value =
        serde_json::from_str(&out).expect("status --json is one JSON document");
    assert_eq!(v["fresh"]["status"], "ok", "{v:#}");
    assert_eq!(v["fresh"]["stale"], false);
    assert_eq!(v["old"]["status"], "stale", "{v:#}");
    assert_eq!(v["old"]["stale"], true);
    assert!(v["old"]["ageSeconds"].as_i64().unwrap() > 365 * 86400);
    assert_eq!(v["never"]["status"], "never");
    assert_eq!(v["fresh"]["lastRun"]["result"], "success");
    assert!(
        v["fresh"]["lastSnapshot"]["size"].as_u64().is_some(),
        "{v:#}"
    );
    assert_eq!(v["fresh"]["lastSnapshot"]["repository"], "default");

    // Only the fresh one: exit 0, and a readable table without --json.
    let (code, out, _) = w.run(&["status", "fresh"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("fresh") && out.contains("ok"), "{out}");
    let (code, out, _) = w.run(&["status", "old"]);
    assert_eq!(code, 1);
    assert!(out.contains("stale"), "{out}");

    // A failed last run is reported and exits 1 even with a fresh snapshot.
    std::fs::remove_dir_all(&fresh).unwrap();
    let (code, _, _) = w.run(&["run", "fresh"]);
    assert_eq!(code, 1);
    let (code, out, _) = w.run(&["--json", "status", "fresh"]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["fresh"]["status"], "failed");
    assert!(v["fresh"]["lastRun"]["error"]
        .as_str()
        .unwrap()
        .contains("do not exist"));

    // Unknown service: a configuration error (exit 2).
    let (code, _, err) = w.run(&["status", "nope"]);
    assert_eq!(code, 2, "{err}");
}

/// A snapshot of `path` for `service` taken `hours` ago (restic `--time`,
/// local time).
fn snapshot_hours_ago(repo: &common::Repo, path: &Path, service: &str, hours: i64) {
    let t = chrono::Local::now() - chrono::Duration::hours(hours);
    snapshot_at(
        repo,
        path,
        &t.format("%Y-%m-%d %H:%M:%S").to_string(),
        &format!("atelier,service:{service},type:files"),
    );
}

#[test]
fn stale_after_from_the_manifest_overrides_the_schedule() {
    let mut w = World::new();
    let repo = w.add_local_repo("default");
    let d = w.data_dir("d");
    // Daily at 02:00 with 2h randomized delay: stale after 27h by the
    // schedule; a 2-hour-old snapshot is fine, unless staleAfter says 1h.
    w.add_service("daily", files_service(&[&d], &["default"]));
    let mut strict = files_service(&[&d], &["default"]);
    strict.stale_after = Some("1h".into());
    w.add_service("strict", strict);
    // Hourly without delay: stale after 2h by the schedule; a 3-hour-old
    // snapshot is stale, unless staleAfter allows 4h.
    let hourly_schedule = atelier::plan::Schedule {
        on_calendar: "hourly".into(),
        randomized_delay: None,
    };
    let mut hourly = files_service(&[&d], &["default"]);
    hourly.schedule = hourly_schedule.clone();
    w.add_service("hourly", hourly);
    let mut lenient = files_service(&[&d], &["default"]);
    lenient.schedule = hourly_schedule;
    lenient.stale_after = Some("4h".into());
    w.add_service("lenient", lenient);
    snapshot_hours_ago(&repo, &d, "daily", 2);
    snapshot_hours_ago(&repo, &d, "strict", 2);
    snapshot_hours_ago(&repo, &d, "hourly", 3);
    snapshot_hours_ago(&repo, &d, "lenient", 3);

    let (code, out, err) = w.run(&["--json", "status"]);
    assert_eq!(code, 1, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["daily"]["stale"], false, "{v:#}");
    assert_eq!(v["daily"]["staleAfterSeconds"], 27 * 3600);
    assert_eq!(v["strict"]["stale"], true, "{v:#}");
    assert_eq!(v["strict"]["staleAfterSeconds"], 3600);
    assert_eq!(v["hourly"]["stale"], true, "{v:#}");
    assert_eq!(v["hourly"]["staleAfterSeconds"], 2 * 3600);
    assert_eq!(v["lenient"]["stale"], false, "{v:#}");
    assert_eq!(v["lenient"]["staleAfterSeconds"], 4 * 3600);
    let (code, _, _) = w.run(&["status", "lenient"]);
    assert_eq!(code, 0);
    let (code, out, _) = w.run(&["status", "strict"]);
    assert_eq!(code, 1);
    assert!(out.contains("stale"), "{out}");

    // A staleAfter that is not a duration is a configuration error naming
    // the field.
    w.manifest.services.get_mut("strict").unwrap().stale_after = Some("soon".into());
    let (code, _, err) = w.run(&["status"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("services.strict.staleAfter"), "{err}");
}

#[test]
fn one_snapshots_call_per_repository_and_list_json() {
    let mut w = World::new();
    let _a = w.add_local_repo("default");
    let _b = w.add_local_repo("offsite");
    for name in ["s1", "s2", "s3", "s4"] {
        let d = w.data_dir(name);
        std::fs::write(d.join("f"), name).unwrap();
        w.add_service(name, files_service(&[&d], &["default", "offsite"]));
    }
    for name in ["s1", "s2", "s3", "s4"] {
        w.run_ok(&["run", name]);
    }
    // Count restic invocations through a wrapper.
    let (wrapper, log) = common::logging_restic(w.path());
    let out = w.output_with_restic(&wrapper, &["--json", "status"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let calls = std::fs::read_to_string(&log).unwrap();
    assert_eq!(
        calls
            .lines()
            .filter(|l| l.split_whitespace().next() == Some("snapshots"))
            .count(),
        2,
        "{calls}"
    );
    assert_eq!(calls.lines().count(), 2, "{calls}");

    std::fs::remove_file(&log).unwrap();
    let out = w.output_with_restic(&wrapper, &["--json", "list"]);
    assert!(out.status.success());
    assert_eq!(std::fs::read_to_string(&log).unwrap().lines().count(), 2);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let arr = v.as_array().unwrap();
    assert_eq!(arr.len(), 8);
    for s in arr {
        for key in [
            "id",
            "short_id",
            "time",
            "tags",
            "hostname",
            "paths",
            "service",
            "repository",
        ] {
            assert!(!s[key].is_null(), "missing {key} in {s}");
        }
        assert_eq!(s["id"].as_str().unwrap().len(), 64);
        assert!(chrono::DateTime::parse_from_rfc3339(s["time"].as_str().unwrap()).is_ok());
        assert_eq!(s["hostname"], "testhost");
    }
    let out = w.run_ok(&["--json", "list", "s2", "--repository", "offsite"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 1);
    assert_eq!(v[0]["service"], "s2");
    assert_eq!(v[0]["repository"], "offsite");
    // Human table.
    let out = w.run_ok(&["list"]);
    assert!(out.contains("s3") && out.contains("offsite"), "{out}");
}

#[test]
fn retention_is_exact_and_scoped_to_the_service() {
    let mut w = World::new();
    let repo = w.add_local_repo("default");
    let a = w.data_dir("a");
    let b = w.data_dir("b");
    let mut sa = files_service(&[&a], &["default"]);
    sa.retention = keep_last(2);
    let mut sb = files_service(&[&b], &["default"]);
    sb.retention = keep_last(10);
    w.add_service("a", sa);
    w.add_service("b", sb);
    // Something else in the same repository (another tool, no tags).
    let other = w.data_dir("other");
    sh(repo
        .restic()
        .args(["backup", "--host", "testhost"])
        .arg(&other));
    let mut a_ids = Vec::new();
    for i in 0..3 {
        std::fs::write(b.join("f"), format!("b{i}")).unwrap();
        w.run_ok(&["run", "b"]);
    }
    for i in 0..4 {
        std::fs::write(a.join("f"), format!("a{i}")).unwrap();
        let out = w.run_ok(&["--json", "run", "a"]);
        let rec: serde_json::Value = serde_json::from_str(&out).unwrap();
        a_ids.push(
            rec["repositories"]["default"]["snapshotId"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let short_ids = |tag: &str| -> Vec<String> {
        repo.snapshots_tagged(tag)
            .iter()
            .map(|s| s["short_id"].as_str().unwrap().to_owned())
            .collect()
    };
    let mut kept_a = short_ids("service:a");
    kept_a.sort();
    let mut expected: Vec<String> = a_ids[2..].iter().map(|s| s[..8].to_owned()).collect();
    expected.sort();
    assert_eq!(
        kept_a, expected,
        "keep-last 2 must keep exactly the two newest of a"
    );
    let b_before = short_ids("service:b");
    assert_eq!(b_before.len(), 3);
    assert_eq!(repo.snapshots().len(), 2 + 3 + 1);

    // The prune command with a tighter policy for a: b and the untagged
    // snapshot stay untouched.
    w.manifest.services.get_mut("a").unwrap().retention = keep_last(1);
    let out = w.run_ok(&["--json", "prune", "--repository", "default"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v["default"]["services"]["a"]["removed"]
            .as_array()
            .unwrap()
            .len(),
        1,
        "{v:#}"
    );
    assert_eq!(
        v["default"]["services"]["b"]["removed"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    assert_eq!(v["default"]["pruned"], true);
    assert_eq!(short_ids("service:a"), [a_ids[3][..8].to_owned()]);
    assert_eq!(short_ids("service:b"), b_before);
    assert_eq!(repo.snapshots().len(), 1 + 3 + 1);
    sh(repo.restic().args(["check"]));
}

#[test]
fn check_rotates_subsets_and_records_results() {
    let (w, _repo, d) = World::with_files_service("a");
    std::fs::write(d.join("f"), vec![7u8; 100_000]).unwrap();
    w.run_ok(&["run", "a"]);
    let mut seen = Vec::new();
    for _ in 0..4 {
        w.run_ok(&["check", "--repository", "default", "--subsets", "3"]);
        let rec: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(w.state_dir().join("checks/default.json")).unwrap(),
        )
        .unwrap();
        assert_eq!(rec["result"], "success");
        seen.push(rec["subset"].as_str().unwrap().to_owned());
    }
    assert_eq!(seen, ["1/3", "2/3", "3/3", "1/3"]);
    let prom = std::fs::read_to_string(w.state_dir().join("metrics/check-default.prom")).unwrap();
    assert!(
        prom.contains("atelier_check_success{repository=\"default\"} 1"),
        "{prom}"
    );
    // A check of a repository that cannot be opened fails and is recorded.
    std::fs::write(
        w.manifest.repositories["default"]
            .password_file
            .clone()
            .unwrap(),
        "nope\n",
    )
    .unwrap();
    let (code, _, err) = w.run(&["check", "--repository", "default", "--subsets", "3"]);
    assert_eq!(code, 1);
    assert!(err.contains("wrong password"), "{err}");
    let rec = std::fs::read_to_string(w.state_dir().join("checks/default.json")).unwrap();
    assert!(rec.contains("\"failed\""));
    assert!(
        rec.contains("\"nextSubset\": 2"),
        "a failed check repeats its subset: {rec}"
    );
}

#[test]
fn backup_starts_the_unit_and_follows_it() {
    let (w, repo, d) = World::with_files_service("a");
    w.systemctl.define_oneshot(
        "restic-backups-a.service",
        &format!("exec {} run a", env!("CARGO_BIN_EXE_atelier-backup")),
    );
    let (code, _out, err) = w.run(&["backup", "a"]);
    assert_eq!(code, 0, "{err}");
    assert!(w
        .systemctl
        .calls()
        .contains(&"start restic-backups-a.service".to_owned()));
    assert!(err.contains("snapshot"), "{err}");
    assert_eq!(repo.snapshots().len(), 1);
    // --direct does not go through systemctl.
    let before = w.systemctl.calls().len();
    w.run_ok(&["backup", "--direct", "a"]);
    assert_eq!(w.systemctl.calls().len(), before);
    assert_eq!(repo.snapshots().len(), 2);
    // A failing unit fails `backup`.
    std::fs::remove_dir_all(&d).unwrap();
    let (code, _, err) = w.run(&["backup", "--all"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("do not exist"), "{err}");
}

#[test]
fn backup_streams_the_units_journal_while_it_runs() {
    let (w, repo, _d) = World::with_files_service("a");
    // The journal stand-in: a real process that follows a file, as
    // `journalctl --follow` follows the journal; it records its arguments.
    let journal = w.path().join("journal.log");
    std::fs::write(&journal, "").unwrap();
    let journal_args = w.path().join("journalctl.args");
    let journalctl = w.path().join("journalctl");
    common::write_script(
        &journalctl,
        &format!(
            "#!/bin/sh\necho \"$@\" > '{}'\nexec tail -n +1 -F '{}'\n",
            journal_args.display(),
            journal.display()
        ),
    );
    // The unit logs a line, then waits until `atelier-backup backup` has
    // shown it (its stderr goes to a file): only live following lets the
    // unit go on. Without it the unit gives up and fails.
    let stderr_file = w.path().join("backup.stderr");
    w.systemctl.define_oneshot(
        "restic-backups-a.service",
        &format!(
            "echo 'hello from the unit' >> '{journal}'\n\
             for i in $(seq 1 600); do grep -q 'hello from the unit' '{err}' && break; sleep 0.05; done\n\
             grep -q 'hello from the unit' '{err}' || {{ echo 'not followed' >&2; exit 1; }}\n\
             {bin} run a 2>> '{journal}'\n",
            journal = journal.display(),
            err = stderr_file.display(),
            bin = env!("CARGO_BIN_EXE_atelier-backup"),
        ),
    );
    let status = w
        .cmd()
        .env("ATELIER_JOURNALCTL", &journalctl)
        .args(["backup", "a"])
        .stderr(std::fs::File::create(&stderr_file).unwrap())
        .status()
        .unwrap();
    let err = std::fs::read_to_string(&stderr_file).unwrap();
    assert!(status.success(), "{err}");
    assert!(
        err.contains("restic-backups-a | hello from the unit"),
        "the unit's journal is streamed while it runs: {err}"
    );
    let args = std::fs::read_to_string(&journal_args).unwrap();
    assert!(
        args.contains("--follow") && args.contains("--unit=restic-backups-a.service"),
        "{args}"
    );
    assert_eq!(repo.snapshots().len(), 1);
    // Following can be turned off.
    std::fs::remove_file(&journal_args).unwrap();
    w.systemctl.define_oneshot(
        "restic-backups-a.service",
        &format!("exec {} run a", env!("CARGO_BIN_EXE_atelier-backup")),
    );
    let (code, _, err) = {
        let out = w
            .cmd()
            .env("ATELIER_JOURNALCTL", "")
            .args(["backup", "a"])
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    assert_eq!(code, Some(0), "{err}");
    assert!(!journal_args.exists());
    assert_eq!(repo.snapshots().len(), 2);
}

#[test]
fn passwords_and_credentials_never_leak() {
    let mut w = World::new();
    let repo = w.add_local_repo("default");
    let secret = "S3CR3T-cloud-credential-9d2e";
    let envfile = w.path().join("restic.env");
    std::fs::write(
        &envfile,
        format!("AWS_SECRET_ACCESS_KEY={secret}\nB2_ACCOUNT_KEY=\"{secret}\"\n"),
    )
    .unwrap();
    w.manifest
        .repositories
        .get_mut("default")
        .unwrap()
        .environment_file = Some(envfile.display().to_string());
    let d = w.data_dir("a");
    w.add_service("a", files_service(&[&d], &["default"]));
    // A wrapper that records restic's arguments and checks its environment.
    let argv_log = w.path().join("argv.log");
    let wrapper = w.path().join("restic-wrapper");
    common::write_script(
        &wrapper,
        &format!(
            "#!/bin/sh\necho \"$@\" >> {log}\n[ \"$1\" = version ] || [ \"$AWS_SECRET_ACCESS_KEY\" = '{secret}' ] || echo 'env missing' >> {log}\nexec restic \"$@\"\n",
            log = argv_log.display()
        ),
    );
    let mut outputs = String::new();
    let mut go = |args: &[&str]| {
        let o = w.output_with_restic(&wrapper, args);
        outputs.push_str(&String::from_utf8_lossy(&o.stdout));
        outputs.push_str(&String::from_utf8_lossy(&o.stderr));
        o.status.code()
    };
    assert_eq!(go(&["run", "a"]), Some(0));
    assert_eq!(go(&["--json", "run", "a"]), Some(0));
    assert_eq!(go(&["status"]), Some(0));
    assert_eq!(go(&["--json", "status"]), Some(0));
    assert_eq!(go(&["--json", "list"]), Some(0));
    assert_eq!(go(&["check"]), Some(0));
    assert_eq!(go(&["prune"]), Some(0));
    assert_eq!(go(&["restic", "--", "snapshots"]), Some(0));
    std::fs::write(&repo.password_file, "wrong-password-also-secret\n").unwrap();
    assert_eq!(go(&["run", "a"]), Some(1));
    assert_eq!(go(&["--json", "status"]), Some(1));
    let argv = std::fs::read_to_string(&argv_log).unwrap();
    assert!(
        !argv.contains("env missing"),
        "environment file not passed: {argv}"
    );
    let state = w.state_text();
    for (what, text) in [
        ("output", &outputs),
        ("restic argv", &argv),
        ("state", &state),
    ] {
        for s in [common::PASSWORD, secret, "wrong-password-also-secret"] {
            assert!(!text.contains(s), "{what} contains a secret ({s})");
        }
    }
    assert!(outputs.contains("wrong password"), "{outputs}");
}

#[test]
fn configuration_errors_exit_2_and_say_where() {
    let (w, _repo, _d) = World::with_files_service("a");
    let (code, _, err) = w.run(&["run", "nope"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("service `nope` is not in the manifest") && err.contains("known: a"),
        "{err}"
    );
    // A typo in the manifest names the file and the field path.
    w.write_manifest();
    let text = std::fs::read_to_string(w.manifest_path())
        .unwrap()
        .replace("\"stopForBackup\"", "\"stopForBakup\"");
    let bad = w.path().join("bad.json");
    std::fs::write(&bad, text).unwrap();
    let out = w
        .cmd()
        .arg("--manifest")
        .arg(&bad)
        .args(["status"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("bad.json") && err.contains("services.a") && err.contains("stopForBakup"),
        "{err}"
    );
    // A missing manifest explains how to point at one.
    let out = w
        .cmd()
        .env("ATELIER_MANIFEST", w.path().join("missing.json"))
        .args(["status"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("ATELIER_MANIFEST"));
}

#[test]
fn completions_and_man_page() {
    let w = World::new();
    let out = w.run_ok(&["completions", "bash"]);
    assert!(
        out.contains("atelier-backup") && out.contains("status"),
        "{out}"
    );
    let out = w.run_ok(&["man"]);
    assert!(out.contains(".TH") && out.contains("atelier-backup"));
}
