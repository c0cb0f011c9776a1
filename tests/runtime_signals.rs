//! The operator's signals of `atelier-backup run`: dead-man's-switch pings
//! (healthchecks protocol, counted by a local HTTP server) and the metrics
//! file after a success and after a failure. Real restic, real files.

mod common;

use std::path::Path;

use atelier::plan::Monitoring;
use common::{PingServer, World};

const TOKEN: &str = "0f9c7d1e-secret-token";

fn ping_file(w: &World, url: &str) -> String {
    let f = w.path().join("ping-url");
    std::fs::write(&f, format!("{url}\n")).unwrap();
    f.display().to_string()
}

fn paths(server: &PingServer) -> Vec<String> {
    server
        .pings()
        .iter()
        .map(|p| format!("{} {}", p.method, p.path))
        .collect()
}

#[test]
fn success_pings_start_then_success() {
    let (mut w, _repo, data) = World::with_files_service("app");
    std::fs::write(data.join("a.txt"), "a").unwrap();
    let server = PingServer::start();
    let file = ping_file(&w, &server.url(TOKEN));
    w.manifest.services.get_mut("app").unwrap().monitoring = Monitoring {
        ping_url_file: Some(file),
    };
    w.run_ok(&["run", "app"]);
    assert_eq!(
        paths(&server),
        [
            format!("POST /ping/{TOKEN}/start"),
            format!("POST /ping/{TOKEN}"),
        ]
    );
    let done = &server.pings()[1].body;
    assert!(done.contains("app") && done.contains("success"), "{done}");
}

#[test]
fn failure_pings_start_then_fail_with_the_error() {
    let (mut w, _repo, data) = World::with_files_service("app");
    let server = PingServer::start();
    let file = ping_file(&w, &server.url(TOKEN));
    let svc = w.manifest.services.get_mut("app").unwrap();
    svc.monitoring.ping_url_file = Some(file);
    svc.files.push(data.join("missing").display().to_string());
    let (code, _, err) = w.run(&["run", "app"]);
    assert_ne!(code, 0, "{err}");
    assert_eq!(
        paths(&server),
        [
            format!("POST /ping/{TOKEN}/start"),
            format!("POST /ping/{TOKEN}/fail"),
        ]
    );
    let body = &server.pings()[1].body;
    assert!(body.contains("do not exist"), "{body}");
}

#[test]
fn unreachable_ping_server_never_fails_the_backup() {
    let (mut w, repo, data) = World::with_files_service("app");
    std::fs::write(data.join("a.txt"), "a").unwrap();
    let port = common::free_port();
    let file = ping_file(&w, &format!("http://127.0.0.1:{port}/ping/{TOKEN}"));
    w.manifest
        .services
        .get_mut("app")
        .unwrap()
        .monitoring
        .ping_url_file = Some(file);
    let (code, _, err) = w.run(&["run", "app"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(repo.snapshots().len(), 1);
    assert!(err.contains("ping"), "the failed ping is not logged: {err}");
    // The URL holds a token: it never reaches the log.
    assert!(!err.contains(TOKEN), "{err}");
}

/// `name{labels} value` lines of a metrics file.
fn sample(text: &str, name: &str) -> Option<f64> {
    text.lines()
        .find(|l| l.starts_with(&format!("{name}{{")) || l.starts_with(&format!("{name} ")))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

fn metrics(state: &Path, service: &str) -> String {
    std::fs::read_to_string(state.join(format!("metrics/backup-{service}.prom"))).unwrap()
}

#[test]
fn metrics_after_success_then_failure_keep_the_last_success() {
    let (mut w, _repo, data) = World::with_files_service("app");
    std::fs::write(data.join("a.txt"), "some bytes").unwrap();
    w.run_ok(&["run", "app"]);
    let ok = metrics(&w.state_dir(), "app");
    assert_eq!(sample(&ok, "atelier_backup_success"), Some(1.0), "{ok}");
    let last_success = sample(&ok, "atelier_backup_last_success_timestamp_seconds")
        .unwrap_or_else(|| panic!("no last success time: {ok}"));
    assert!(last_success > 1.7e9, "{ok}");
    assert!(
        sample(&ok, "atelier_backup_bytes_added").unwrap() > 0.0,
        "{ok}"
    );
    assert!(
        sample(&ok, "atelier_backup_duration_seconds").is_some(),
        "{ok}"
    );

    w.manifest
        .services
        .get_mut("app")
        .unwrap()
        .files
        .push(data.join("missing").display().to_string());
    let (code, _, _) = w.run(&["run", "app"]);
    assert_ne!(code, 0);
    let failed = metrics(&w.state_dir(), "app");
    assert_eq!(
        sample(&failed, "atelier_backup_success"),
        Some(0.0),
        "{failed}"
    );
    assert_eq!(
        sample(&failed, "atelier_backup_last_success_timestamp_seconds"),
        Some(last_success),
        "a failed run moved the last success: {failed}"
    );
    assert!(
        sample(&failed, "atelier_backup_last_run_timestamp_seconds").unwrap() >= last_success,
        "{failed}"
    );
}

#[test]
fn check_prune_and_drill_ping_and_drill_writes_its_metrics() {
    let (mut w, _repo, data) = World::with_files_service("app");
    std::fs::write(data.join("a.txt"), "a").unwrap();
    let server = PingServer::start();
    for what in ["check", "prune", "drill"] {
        let file = w.path().join(format!("ping-{what}"));
        std::fs::write(&file, server.url(what)).unwrap();
        let m = Monitoring {
            ping_url_file: Some(file.display().to_string()),
        };
        match what {
            "check" => w.manifest.monitoring.check = m,
            "prune" => w.manifest.monitoring.prune = m,
            _ => w.manifest.monitoring.drill = m,
        }
    }
    w.run_ok(&["run", "app"]);
    assert!(server.pings().is_empty(), "{:?}", server.pings());
    w.run_ok(&["check"]);
    w.run_ok(&["prune"]);
    w.run_ok(&["drill", "app"]);
    assert_eq!(
        paths(&server),
        [
            "POST /ping/check/start",
            "POST /ping/check",
            "POST /ping/prune/start",
            "POST /ping/prune",
            "POST /ping/drill/start",
            "POST /ping/drill",
        ]
    );
    let drill = std::fs::read_to_string(w.state_dir().join("metrics/drill-app.prom")).unwrap();
    assert_eq!(
        sample(&drill, "atelier_drill_success"),
        Some(1.0),
        "{drill}"
    );
}

#[test]
fn snapshot_count_follows_backups_and_retention() {
    let (mut w, repo, data) = World::with_files_service("app");
    std::fs::write(data.join("a.txt"), "a").unwrap();
    w.manifest.services.get_mut("app").unwrap().retention = common::keep_last(2);
    let mut counts = Vec::new();
    for i in 0..3 {
        std::fs::write(data.join("a.txt"), format!("version {i}")).unwrap();
        w.run_ok(&["run", "app"]);
        counts.push(sample(
            &metrics(&w.state_dir(), "app"),
            "atelier_backup_snapshots",
        ));
    }
    // The third run's forget keeps the last two.
    assert_eq!(counts, [Some(1.0), Some(2.0), Some(2.0)]);
    assert_eq!(repo.snapshots().len(), 2);
}
