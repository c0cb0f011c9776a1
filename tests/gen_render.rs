//! Golden tests of rendering: tests/data/render/{ok,err}/<case>/.
//! Every generated module parses with rnix and `nix-instantiate --parse`,
//! renders to identical bytes twice, and carries values through Nix intact.

mod gen_common;

use std::path::Path;
use std::process::Command;

use atelier::render::{render_host_module, HEADER_PREFIX};
use gen_common::*;

fn nix_instantiate_parse(text: &str, name: &str) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(format!("{name}.nix"));
    std::fs::write(&file, text).unwrap();
    let out = Command::new("nix-instantiate")
        .arg("--parse")
        .arg(&file)
        .output()
        .expect("nix-instantiate runs (installed by scripts/setup.sh)");
    assert!(
        out.status.success(),
        "{name}: nix-instantiate --parse failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn ok_cases() {
    for case in cases("render", "ok") {
        let outputs = run(&case);
        let mut text = String::new();
        for o in &outputs {
            assert!(
                !o.has_errors(),
                "{}: {}",
                case.display(),
                shorts(&o.diagnostics)
            );
            let plan = o.plan.as_ref().unwrap();
            let module = o.module.as_ref().unwrap();
            // Deterministic bytes.
            assert_eq!(
                module,
                &render_host_module(plan).unwrap(),
                "{}",
                case.display()
            );
            assert!(module.starts_with(HEADER_PREFIX));
            let parsed = rnix::Root::parse(module);
            assert!(
                parsed.errors().is_empty(),
                "{}: rnix: {:?}",
                case.display(),
                parsed.errors()
            );
            nix_instantiate_parse(module, &o.host);
            text.push_str(&module.replace(env!("CARGO_PKG_VERSION"), "VERSION"));
        }
        assert_case_snapshot(&case, &text);
    }
}

/// Evaluates the generated module with a stand-in `config` and `lib` and
/// returns `{ generated; manifest; execStart; timer; }` as JSON.
fn eval_module(module: &str, service: &str) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("module.nix"), module).unwrap();
    let expr = format!(
        r#"
let
  m = import ./module.nix {{
    lib = {{ mkIf = c: v: if c then v else {{ }}; }};
    config = {{
      atelier.backup = {{
        enable = true;
        package = "/nix/store/x-atelier";
        repositories.default = {{ repository = "/srv/restic"; passwordFile = /run/keys/restic; }};
        services = {{ }};
      }};
      atelier.services.{service}.data = {{ hooks.preBackup = "echo \${{x}} \"q\""; }};
    }};
  }};
in {{
  generated = m.atelier.generated;
  manifest = builtins.fromJSON m.environment.etc."atelier/backup-manifest.json".text;
  execStart = m.systemd.services."restic-backups-{service}".serviceConfig.ExecStart;
  timer = m.systemd.timers."restic-backups-{service}".timerConfig;
}}"#
    );
    std::fs::write(dir.path().join("eval.nix"), expr).unwrap();
    let out = Command::new("nix-instantiate")
        .args(["--eval", "--strict", "--json"])
        .arg(dir.path().join("eval.nix"))
        .output()
        .expect("nix-instantiate runs");
    assert!(
        out.status.success(),
        "nix-instantiate --eval failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn odd_paths_survive_into_nix_strings() {
    let case = data_dir("render", "ok").join("escaping");
    let o = run(&case).pop().unwrap();
    let plan = o.plan.expect("escaping case plans");
    let svc = &plan.manifest.services["app"];
    // The paths as atelier-gen read them, with every awkward character.
    for needle in [" ", "\"", "$x", "${literal}", "\\", "ünïcödé", "\n"] {
        assert!(
            svc.files.iter().any(|f| f.contains(needle)),
            "fixture lacks {needle:?}"
        );
    }
    let v = eval_module(o.module.as_ref().unwrap(), "app");
    let from_nix: Vec<String> =
        serde_json::from_value(v["generated"]["services"]["app"]["files"].clone()).unwrap();
    assert_eq!(from_nix, svc.files);
    let manifest_files: Vec<String> =
        serde_json::from_value(v["manifest"]["services"]["app"]["files"].clone()).unwrap();
    assert_eq!(manifest_files, svc.files);
    assert_eq!(
        v["manifest"]["services"]["app"]["exclude"],
        serde_json::json!(["*.[ch]"])
    );
    // Eval-time values come from config: a hook with `${` and quotes, and a
    // secret given as a path stays a path string (never copied to the store).
    assert_eq!(
        v["manifest"]["services"]["app"]["hooks"]["preBackup"],
        "echo ${x} \"q\""
    );
    assert_eq!(
        v["manifest"]["repositories"]["default"]["passwordFile"],
        "/run/keys/restic"
    );
    assert_eq!(
        v["execStart"],
        "/nix/store/x-atelier/bin/atelier-backup run app"
    );
    assert_eq!(v["timer"]["Persistent"], true);
    assert_eq!(v["timer"]["OnCalendar"], "02:00");
    assert_eq!(v["timer"]["RandomizedDelaySec"], "2h");
    // The manifest Nix writes has the plan's schema and static values.
    let m = atelier::plan::Manifest::from_json(&v["manifest"].to_string(), "nix").unwrap();
    assert_eq!(m.services["app"].files, svc.files);
}

#[test]
fn err_cases() {
    for case in cases("render", "err") {
        let expected = expected(&case);
        let (code, loc) = expected[0].clone();
        let work = tempfile::tempdir().unwrap();
        copy_dir(&case, work.path());
        let before = snapshot_dir(&work.path().join("generated"));
        let assert = assert_cmd::Command::new(env!("CARGO_BIN_EXE_atelier-gen"))
            .arg("generate")
            .arg(work.path())
            .args(["--format", "short"])
            .assert()
            .code(1);
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
        if code == "not-generated" {
            assert!(stderr.contains("refusing to overwrite"), "{stderr}");
            assert!(stderr.contains(loc.as_deref().unwrap()), "{stderr}");
        } else {
            let line = stderr
                .lines()
                .find(|l| l.contains(&format!("error[{code}]")))
                .unwrap_or_else(|| panic!("{}: no {code} in:\n{stderr}", case.display()));
            if let Some(want) = loc {
                assert!(
                    line.starts_with(&want),
                    "{}: {line} is not at {want}",
                    case.display()
                );
            }
            assert!(stderr.contains("nothing was written"), "{stderr}");
        }
        // Nothing was written or replaced, for any host.
        assert_eq!(
            before,
            snapshot_dir(&work.path().join("generated")),
            "{}",
            case.display()
        );
        let rel = stderr.replace(&work.path().display().to_string(), "<flake>");
        assert_case_snapshot(&case, &rel);
    }
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(from).unwrap();
        let target = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else if !rel.starts_with("snapshot.snap") {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn snapshot_dir(dir: &Path) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| {
                    (
                        e.file_name().to_string_lossy().into_owned(),
                        std::fs::read_to_string(e.path()).unwrap_or_default(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}
