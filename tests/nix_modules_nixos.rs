//! The module-system tests again, under the shared `nixos-eval` harness: the
//! real NixOS systemd option types and unit rendering (nixpkgs files kept in
//! a local cache, never in this repository) and `systemd-analyze verify` of
//! the rendered units.
//!
//! Runs when `ATELIER_NIXOS_EVAL` names the harness directory (with its
//! `eval.sh` and a filled cache, see its README); otherwise prints SKIP.
//! CI has no such cache: `tests/nix_modules.rs` covers the same ground there
//! with `nix/tests/harness.nix`.

use std::path::PathBuf;
use std::process::{Command, Output};

use atelier::plan::manifest::Manifest;
use serde_json::Value;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn harness(test: &str) -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("ATELIER_NIXOS_EVAL").filter(|d| !d.is_empty()) {
        let dir = PathBuf::from(dir);
        assert!(
            dir.join("eval.sh").is_file(),
            "ATELIER_NIXOS_EVAL={} has no eval.sh",
            dir.display()
        );
        Some(dir)
    } else {
        skip(&format!("SKIP {test}: ATELIER_NIXOS_EVAL is unset (the nixos-eval harness directory, with its nixpkgs cache)"));
        None
    }
}

/// The harness passes no specialArgs, so the fixture's services (which take
/// the flake as `atelier`, like a user's) are applied to it by a wrapper.
fn modules(dir: &tempfile::TempDir, extra: &[&str]) -> Vec<String> {
    let wrapper = dir.path().join("services-wrapper.nix");
    std::fs::write(
        &wrapper,
        format!(
            "{{ imports = [ ((import {services}) {{ atelier.lib.mkService = import {mk}; }}) ]; }}\n",
            services = repo().join("nix/tests/fixtures/services.nix").display(),
            mk = repo().join("nix/lib/mkService.nix").display(),
        ),
    )
    .unwrap();
    let mut m: Vec<String> = [
        "nix/modules/default.nix",
        "nix/tests/fixtures/host.nix",
        "nix/tests/fixtures/generated/testhost.nix",
        "nix/tests/fixtures/stub-package.nix",
    ]
    .iter()
    .map(|p| repo().join(p).display().to_string())
    .collect();
    m.push(wrapper.display().to_string());
    m.extend(extra.iter().map(ToString::to_string));
    m
}

fn run(dir: &std::path::Path, script: &str, modules: &[String]) -> Output {
    Command::new(dir.join(script))
        .args(modules)
        .arg("--raw")
        .output()
        .expect("run the nixos-eval harness")
}

#[test]
fn units_render_and_verify_under_real_nixos_systemd() {
    let Some(dir) = harness("units_render_and_verify_under_real_nixos_systemd") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let out = run(&dir, "eval.sh", &modules(&tmp, &[]));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "eval.sh failed: {stderr}");
    let s: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(s["failedAssertions"], serde_json::json!([]));
    assert_eq!(
        s["warnings"],
        serde_json::json!([]),
        "NixOS warns: {}",
        s["warnings"]
    );

    let unit = |name: &str| {
        s["units"][name]["text"]
            .as_str()
            .unwrap_or_else(|| panic!("{name} missing"))
            .to_owned()
    };
    let backup = unit("restic-backups-notes.service");
    assert!(backup.contains("Type=oneshot"), "{backup}");
    assert!(backup.contains("X-RestartIfChanged=false"), "{backup}");
    assert!(
        backup.contains("/bin/atelier-backup run notes\n"),
        "{backup}"
    );
    let timer = unit("restic-backups-wiki.timer");
    for line in [
        "OnCalendar=*-*-* 00/6:00:00",
        "Persistent=true",
        "RandomizedDelaySec=5m",
        "WantedBy=timers.target",
    ] {
        assert!(timer.contains(line), "{line} not in {timer}");
    }
    for u in [
        "atelier-prune-default.timer",
        "atelier-check-default.service",
        "atelier-drill.timer",
        "notes.service",
    ] {
        unit(u);
    }
    let text = s["etc"]["atelier/backup-manifest.json"]["text"]
        .as_str()
        .unwrap();
    Manifest::from_json(text, "manifest").unwrap_or_else(|e| panic!("{e}"));

    let out = run(&dir, "verify-units.sh", &modules(&tmp, &[]));
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success() && all.contains("systemd-analyze verify: OK"),
        "{all}"
    );
}

#[test]
fn failures_under_real_nixos_systemd() {
    let Some(dir) = harness("failures_under_real_nixos_systemd") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let case = |name: &str, src: &str| {
        let p = tmp.path().join(name);
        std::fs::write(&p, src).unwrap();
        p.display().to_string()
    };

    let stale = case(
        "stale.nix",
        r#"{ lib, ... }: { atelier.services.notes.data.files = lib.mkForce [ "/var/lib/notes/other" ]; }"#,
    );
    let out = run(&dir, "eval.sh", &modules(&tmp, &[&stale]));
    assert_eq!(
        out.status.code(),
        Some(3),
        "assertions fail: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        s["failedAssertions"]
            .to_string()
            .contains("generated module for host testhost is stale or missing"),
        "{}",
        s["failedAssertions"]
    );

    let no_repo = case(
        "norepo.nix",
        r"{ lib, ... }: { atelier.backup.repositories = lib.mkForce { }; }",
    );
    let out = run(&dir, "eval.sh", &modules(&tmp, &[&no_repo]));
    assert_eq!(out.status.code(), Some(3));
    let s: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(s["failedAssertions"]
        .to_string()
        .contains("no repository is configured"));

    let bad = case(
        "bad.nix",
        r"{ lib, ... }: { atelier.services.notes.data.sqlite = lib.mkForce 5; }",
    );
    let out = run(&dir, "eval.sh", &modules(&tmp, &[&bad]));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("atelier.services.notes.data.sqlite"),
        "{stderr}"
    );
}

/// checks.<system>.modules of flake.nix, with the harness standing in for
/// `nixosSystem`: its expectations hold (it throws the list of failures
/// otherwise).
#[test]
fn flake_module_checks_pass_under_the_harness() {
    let Some(dir) = harness("flake_module_checks_pass_under_the_harness") else {
        return;
    };
    let cache = std::env::var("NIXOS_HARNESS_CACHE").map_or_else(
        |_| PathBuf::from(std::env::var("HOME").unwrap()).join(".cache/nixos-harness"),
        PathBuf::from,
    );
    let out = Command::new("nix-instantiate")
        .args(["--eval", "--strict", "--json", "-E"])
        .arg(format!(
            "(import {} {{ harness = \"{}\"; nixpkgs = \"{}\"; }}).name",
            repo().join("nix/tests/flake-checks-standin.nix").display(),
            dir.display(),
            cache.join("nixpkgs").display()
        ))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "\"atelier-module-checks-manifest.json\""
    );
}

/// Prints a SKIP line past the test harness's output capture (which only
/// intercepts `print!`/`eprint!`), so that skipped suites stay visible.
fn skip(message: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "{message}");
}

/// Ping URL files resolve per service (its own, else the host's) into the
/// manifest; onFailure wires `OnFailure=` and the handler template unit, and
/// inhibitSleep (on by default) wraps only the backups in systemd-inhibit.
#[test]
fn monitoring_on_failure_and_inhibit_under_real_nixos_systemd() {
    let Some(dir) = harness("monitoring_on_failure_and_inhibit_under_real_nixos_systemd") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let extra = tmp.path().join("signals.nix");
    std::fs::write(
        &extra,
        r#"{
  atelier.backup.monitoring.pingUrlFile = "/run/keys/hc-host";
  atelier.backup.check.pingUrlFile = "/run/keys/hc-check";
  atelier.services.notes.monitoring.pingUrlFile = "/run/keys/hc-notes";
  atelier.backup.onFailure = "echo failed";
}
"#,
    )
    .unwrap();
    let out = run(
        &dir,
        "eval.sh",
        &modules(&tmp, &[&extra.display().to_string()]),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "eval.sh failed: {stderr}");
    let s: Value = serde_json::from_slice(&out.stdout).unwrap();
    let m = Manifest::from_json(
        s["etc"]["atelier/backup-manifest.json"]["text"]
            .as_str()
            .unwrap(),
        "manifest",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let ping = |svc: &str| m.services[svc].monitoring.ping_url_file.clone();
    assert_eq!(ping("notes").as_deref(), Some("/run/keys/hc-notes"));
    assert_eq!(ping("wiki").as_deref(), Some("/run/keys/hc-host"));
    assert_eq!(ping("legacy").as_deref(), Some("/run/keys/hc-host"));
    assert_eq!(
        m.monitoring.check.ping_url_file.as_deref(),
        Some("/run/keys/hc-check")
    );
    assert_eq!(m.monitoring.prune.ping_url_file, None);

    let unit = |name: &str| {
        s["units"][name]["text"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    for u in [
        "restic-backups-notes.service",
        "atelier-prune-default.service",
        "atelier-check-default.service",
        "atelier-drill.service",
    ] {
        assert!(
            unit(u).contains("OnFailure=atelier-on-failure@%n.service"),
            "{u}: {}",
            unit(u)
        );
    }
    assert!(unit("atelier-on-failure@.service").contains("ExecStart="));
    assert!(unit("restic-backups-notes.service")
        .contains("/bin/systemd-inhibit --what=sleep:shutdown --mode=block"));
    assert!(!unit("atelier-check-default.service").contains("systemd-inhibit"));

    let out = run(
        &dir,
        "verify-units.sh",
        &modules(&tmp, &[&extra.display().to_string()]),
    );
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success() && all.contains("systemd-analyze verify: OK"),
        "{all}"
    );
}
