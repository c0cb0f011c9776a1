//! examples/homelab under the module system: atelier's modules plus each
//! host's modules and its committed generated module evaluate with
//! `_module.check = true` and no failed assertion, the units are there, and
//! the manifest Nix produces equals `atelier-gen plan --json` for the host —
//! apart from the values only Nix can know, listed in `NIX_ONLY` below.
//!
//! Needs `ATELIER_NIXPKGS_LIB` (nixpkgs' lib directory); prints SKIP without it.

use std::path::PathBuf;
use std::process::Command;

use atelier::plan::manifest::Manifest;
use serde_json::Value;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn homelab() -> PathBuf {
    repo().join("examples/homelab")
}

/// Manifest paths whose value `atelier-gen plan --json` leaves `null` because
/// only Nix knows it at rebuild time, with the reason. Nix must give a string.
const NIX_ONLY: &[(&str, &str, &str)] = &[
    (
        "atlas",
        "services.directory.dumps.ldap.backupCmd",
        "interpolates ${pkgs.openldap}",
    ),
    (
        "atlas",
        "services.directory.dumps.ldap.restoreCmd",
        "interpolates ${pkgs.openldap}",
    ),
    (
        "atlas",
        "services.legacy-cms.hooks.preBackup",
        "interpolates ${pkgs.systemd}",
    ),
    (
        "atlas",
        "services.legacy-cms.hooks.postBackup",
        "interpolates ${pkgs.systemd}",
    ),
    (
        "atlas",
        "services.mail.hooks.preBackup",
        "interpolates ${pkgs.coreutils}",
    ),
    (
        "atlas",
        "services.photos.check",
        "interpolates ${pkgs.sqlite}",
    ),
    (
        "atlas",
        "services.wiki.hooks.postRestore",
        "interpolates ${pkgs.curl}",
    ),
];

fn nixpkgs_lib(test: &str) -> Option<String> {
    match std::env::var("ATELIER_NIXPKGS_LIB") {
        Ok(lib) if !lib.is_empty() => Some(lib),
        _ => {
            skip(&format!(
                "SKIP {test}: ATELIER_NIXPKGS_LIB is unset (point it at nixpkgs' lib directory)"
            ));
            None
        }
    }
}

fn evaluate(lib: &str, host: &str) -> Value {
    let generated = homelab().join(format!("generated/{host}.nix"));
    assert!(
        generated.is_file(),
        "{} is missing: run `atelier-gen generate examples/homelab` and commit it",
        generated.display()
    );
    let modules = [
        homelab().join("modules/backup.nix"),
        homelab().join(format!("hosts/{host}")),
        generated,
    ];
    let modules: Vec<String> = modules.iter().map(|p| p.display().to_string()).collect();
    let out = Command::new("nix-instantiate")
        .args(["--eval", "--strict", "--json"])
        .arg(repo().join("nix/tests/eval.nix"))
        .args(["--argstr", "lib", lib])
        .args([
            "--argstr",
            "modulesJSON",
            &serde_json::to_string(&modules).unwrap(),
        ])
        .output()
        .expect("nix-instantiate runs");
    assert!(
        out.status.success(),
        "{host}: evaluation failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn plan(host: &str) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_atelier-gen"))
        .args(["plan", "--json", "--host", host])
        .arg(homelab())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "atelier-gen plan failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Every path (dot-joined) where the two JSON values differ.
fn differences(plan: &Value, nix: &Value, path: &str, out: &mut Vec<String>) {
    let join = |k: &str| {
        if path.is_empty() {
            k.to_owned()
        } else {
            format!("{path}.{k}")
        }
    };
    match (plan, nix) {
        (Value::Object(a), Value::Object(b)) => {
            for key in a.keys().chain(b.keys().filter(|k| !a.contains_key(*k))) {
                differences(
                    a.get(key).unwrap_or(&Value::Null),
                    b.get(key).unwrap_or(&Value::Null),
                    &join(key),
                    out,
                );
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                differences(x, y, &join(&i.to_string()), out);
            }
        }
        _ if plan != nix => out.push(path.to_owned()),
        _ => {}
    }
}

fn lookup<'a>(v: &'a Value, path: &str) -> &'a Value {
    path.split('.').fold(v, |v, k| &v[k])
}

#[test]
fn homelab_hosts_evaluate_and_their_manifest_equals_the_plan() {
    let Some(lib) = nixpkgs_lib("homelab_hosts_evaluate_and_their_manifest_equals_the_plan") else {
        return;
    };
    for host in ["atlas", "juniper"] {
        let s = evaluate(&lib, host);
        assert_eq!(s["failedAssertions"], serde_json::json!([]), "{host}");
        assert_eq!(s["warnings"], serde_json::json!([]), "{host}");

        let nix = s["manifest"].clone();
        assert!(nix.is_object(), "{host}: no manifest in environment.etc");
        // the host's manifest satisfies atelier-backup's schema
        let manifest =
            Manifest::from_json(&nix.to_string(), host).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(manifest.host, host);
        for name in manifest.services.keys() {
            let unit = &s["services"][format!("restic-backups-{name}")];
            assert!(
                unit["serviceConfig"]["ExecStart"]
                    .as_str()
                    .is_some_and(|e| e.ends_with(&format!("/bin/atelier-backup run {name}"))),
                "{host}: restic-backups-{name}: {unit}"
            );
            let timer = &s["timers"][format!("restic-backups-{name}")];
            assert_eq!(
                timer["timerConfig"]["OnCalendar"],
                Value::String(manifest.services[name].schedule.on_calendar.clone()),
                "{host}: {name}"
            );
        }
        for repo in manifest.repositories.keys() {
            assert!(s["timers"][format!("atelier-prune-{repo}")].is_object());
            assert!(s["timers"][format!("atelier-check-{repo}")].is_object());
        }

        let plan = plan(host);
        // atelier.backup.postgres reaches the host's manifest (atlas sets it)
        assert!(
            nix["postgres"]["runAs"].is_string(),
            "{host}: {}",
            nix["postgres"]
        );
        if host == "atlas" {
            assert_eq!(
                nix["postgres"],
                serde_json::json!({ "host": "/run/postgresql", "port": 5432, "runAs": "postgres" })
            );
        }
        let mut diffs = Vec::new();
        differences(&plan, &nix, "", &mut diffs);
        let mut unexplained = Vec::new();
        for path in &diffs {
            if let Some((_, _, why)) = NIX_ONLY.iter().find(|(h, p, _)| *h == host && p == path) {
                assert!(
                    lookup(&plan, path).is_null(),
                    "{host}: {path}: the plan has a value"
                );
                assert!(
                    lookup(&nix, path).is_string(),
                    "{host}: {path} ({why}): Nix gives {}",
                    lookup(&nix, path)
                );
            } else {
                unexplained.push(format!(
                    "{path}: plan {} vs Nix {}",
                    lookup(&plan, path),
                    lookup(&nix, path)
                ));
            }
        }
        assert!(
            unexplained.is_empty(),
            "{host}: the manifest Nix evaluates differs from `atelier-gen plan --json`:\n{}",
            unexplained.join("\n")
        );
        // the list above is exact: every listed path did differ
        for (h, path, _) in NIX_ONLY.iter().filter(|(h, _, _)| *h == host) {
            assert!(
                diffs.iter().any(|d| d == path),
                "{h}: {path} no longer differs; drop it from NIX_ONLY"
            );
        }
    }
}

#[test]
fn homelab_stale_generated_module_is_caught() {
    let Some(lib) = nixpkgs_lib("homelab_stale_generated_module_is_caught") else {
        return;
    };
    // juniper's forge moves its data dir: the committed generated module no
    // longer matches what Nix evaluates
    let dir = tempfile::tempdir().unwrap();
    let over = dir.path().join("move-forge.nix");
    std::fs::write(
        &over,
        r#"{ lib, ... }: { atelier.services.forge.dataDir = lib.mkForce "/data/forge"; }"#,
    )
    .unwrap();
    let modules: Vec<String> = [
        homelab().join("modules/backup.nix"),
        homelab().join("hosts/juniper"),
        homelab().join("generated/juniper.nix"),
        over,
    ]
    .iter()
    .map(|p: &PathBuf| p.display().to_string())
    .collect();
    let out = Command::new("nix-instantiate")
        .args(["--eval", "--strict", "--json"])
        .arg(repo().join("nix/tests/eval.nix"))
        .args(["--argstr", "lib", &lib])
        .args([
            "--argstr",
            "modulesJSON",
            &serde_json::to_string(&modules).unwrap(),
        ])
        .args(["--argstr", "mode", "toplevel"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("generated module for host juniper is stale or missing: run `atelier-gen generate` and commit generated/juniper.nix"),
        "{err}"
    );
    assert!(
        err.contains(r#"service "forge" sqlite: Nix evaluates [ "/data/forge/data/forge.db" ]"#),
        "{err}"
    );
}

/// Prints a SKIP line past the test harness's output capture (which only
/// intercepts `print!`/`eprint!`), so that skipped suites stay visible.
fn skip(message: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "{message}");
}
