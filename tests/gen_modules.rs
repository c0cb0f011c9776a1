//! The module system of atelier-gen (src/modules) against nixpkgs' real
//! `lib.evalModules`: the fixture flakes of tests/data/discover/ok/module-system-*
//! are evaluated by both, and every enabled service's data must agree.
//!
//! Needs nixpkgs' lib: `ATELIER_NIXPKGS_LIB` (its `lib` directory); without it
//! each test prints a SKIP line and returns.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};

fn case_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/discover/ok")
        .join(name)
}

fn nixpkgs_lib(test: &str) -> Option<String> {
    match std::env::var("ATELIER_NIXPKGS_LIB") {
        Ok(lib) if !lib.is_empty() => {
            assert!(
                Path::new(&lib).join("default.nix").is_file(),
                "ATELIER_NIXPKGS_LIB={lib} has no default.nix; point it at nixpkgs' lib directory"
            );
            Some(lib)
        }
        _ => {
            // Written to the stream itself: the test harness does not
            // capture it, so the SKIP shows even when the test passes.
            use std::io::Write;
            let _ = writeln!(std::io::stderr().lock(), "SKIP {test}: ATELIER_NIXPKGS_LIB is unset (point it at nixpkgs' lib directory to compare with lib.evalModules)");
            None
        }
    }
}

/// What lib.evalModules makes of the case's modules (the host's `modules`
/// list without atelier's own module, which the expression stands in for).
fn eval_modules(lib: &str, case: &Path, modules: &[&str], special_args: &Value) -> Value {
    let expr = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/discover/evalmodules.nix");
    let out = Command::new("nix-instantiate")
        .args(["--eval", "--strict", "--json"])
        .arg(expr)
        .args(["--argstr", "lib", lib])
        .args(["--argstr", "dir", &case.display().to_string()])
        .args([
            "--argstr",
            "modulesJSON",
            &serde_json::to_string(modules).unwrap(),
        ])
        .args(["--argstr", "specialArgsJSON", &special_args.to_string()])
        .output()
        .expect("nix-instantiate runs");
    assert!(
        out.status.success(),
        "lib.evalModules failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON")
}

/// A list with its items sorted: the order in which Nix concatenates the
/// definitions of different modules depends on option types (a submodule
/// reverses it), which atelier-gen does not read; `mkOrder` it follows.
fn sorted(v: &Value) -> Value {
    let mut items = v.as_array().cloned().unwrap_or_default();
    items.sort_by_key(Value::to_string);
    Value::Array(items)
}

/// Each enabled service of lib.evalModules is in the plan with the same
/// data (lists compared as sets), and the plan has no other service.
/// Returns what lib.evalModules said (`None` when skipped).
fn assert_agrees(case: &str, modules: &[&str], special_args: &Value) -> Option<(Value, Value)> {
    let lib = nixpkgs_lib(case)?;
    let dir = case_dir(case);
    let real = eval_modules(&lib, &dir, modules, special_args);
    let o = atelier::generate::pipeline::plan_host(&dir, "box", &[]);
    let plan = o
        .plan
        .unwrap_or_else(|| panic!("{case}: no plan: {:?}", o.diagnostics))
        .to_json_value();
    let mut expected = serde_json::Map::new();
    for (name, s) in real["services"].as_object().unwrap() {
        if s["enable"] != json!(true) {
            continue;
        }
        expected.insert(
            name.clone(),
            json!({
                "dataDir": s["dataDir"],
                "files": sorted(&s["files"]),
                "sqlite": sorted(&s["sqlite"]),
                "exclude": sorted(&s["exclude"]),
            }),
        );
    }
    for (name, paths) in real["manual"].as_object().unwrap() {
        expected.insert(name.clone(), json!({ "files": sorted(paths) }));
    }
    let mut got = serde_json::Map::new();
    for (name, s) in plan["services"].as_object().unwrap() {
        let mut entry = json!({ "files": sorted(&s["files"]) });
        if !real["manual"].as_object().unwrap().contains_key(name) {
            entry["dataDir"] = s["dataDir"].clone();
            entry["sqlite"] = sorted(&s["sqlite"]);
            entry["exclude"] = sorted(&s["exclude"]);
        }
        got.insert(name.clone(), entry);
    }
    assert_eq!(
        Value::Object(got),
        Value::Object(expected),
        "{case}: atelier-gen's plan (left) differs from lib.evalModules (right)"
    );
    Some((real, plan))
}

#[test]
fn gates_priorities_and_orders_agree_with_eval_modules() {
    let agreed = assert_agrees(
        "module-system-gates",
        &[
            "modules/gallery.nix",
            "modules/ledger.nix",
            "modules/site.nix",
            "modules/mail.nix",
            "host.nix",
        ],
        &json!({ "site": "example.org" }),
    );
    // mkBefore, plain, mkAfter: the same order as Nix.
    if let Some((real, plan)) = agreed {
        let files = &plan["services"]["gallery"]["files"];
        assert_eq!(files, &real["services"]["gallery"]["files"]);
        assert_eq!(
            files,
            &json!(["/srv/gallery/albums.json", "/srv/gallery/originals"])
        );
    }
}

#[test]
fn a_flake_local_mkservice_agrees_with_eval_modules() {
    assert_agrees(
        "module-system-factory",
        &["services", "hosts/box.nix"],
        &json!({}),
    );
}

#[test]
fn imports_by_key_and_disabled_modules_agree_with_eval_modules() {
    assert_agrees(
        "module-system-imports",
        &[
            "modules/legacy.nix",
            "modules/web.nix",
            "modules/db.nix",
            "host.nix",
        ],
        &json!({}),
    );
}

/// `atelier-gen plan ARGS` with a cache of its own: (exit code, stdout).
fn plan_cli(cache: &Path, args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_atelier-gen"))
        .arg("plan")
        .args(args)
        .env("XDG_CACHE_HOME", cache)
        .output()
        .expect("atelier-gen runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).expect("UTF-8"),
    )
}

#[test]
fn plan_json_with_errors_prints_the_services_and_the_diagnostics() {
    let cache = tempfile::tempdir().unwrap();
    let case = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/plan/err/duplicate-service");
    let case = case.display().to_string();
    // Evaluated, then from the cache: the same answer.
    let (code, first) = plan_cli(cache.path(), &[&case, "--json"]);
    let (code2, second) = plan_cli(cache.path(), &[&case, "--json"]);
    assert_eq!((code, code2), (1, 1), "{first}");
    assert_eq!(first, second);
    let v: Value = serde_json::from_str(&first).expect("stdout is JSON");
    assert_eq!(v["host"], "box");
    assert!(v["services"]["app"]["files"].is_array(), "{v:#}");
    let diags = v["diagnostics"].as_array().expect("a diagnostics array");
    assert!(
        diags
            .iter()
            .any(|d| d["code"] == "duplicate-service" && d["severity"] == "error"),
        "{diags:?}"
    );

    // A data path under a gate only Nix knows: no service, the error names
    // the option and where.
    let case = case_dir("../err/module-system-unknown-gate");
    let (code, out) = plan_cli(cache.path(), &[&case.display().to_string(), "--json"]);
    assert_eq!(code, 1);
    let v: Value = serde_json::from_str(&out).expect("stdout is JSON");
    assert_eq!(v["services"], json!({}));
    let d = &v["diagnostics"][0];
    assert_eq!(d["code"], "unresolved-path");
    assert_eq!(d["location"], "host.nix:12:47");
    assert!(
        d["message"]
            .as_str()
            .unwrap()
            .contains("`config.services.nginx.enable`"),
        "{d}"
    );
}

#[test]
fn a_host_without_data_plans_zero_services_and_exits_0() {
    let cache = tempfile::tempdir().unwrap();
    let case = case_dir("module-system-empty").display().to_string();
    let (code, out) = plan_cli(cache.path(), &[&case]);
    assert_eq!((code, out.as_str()), (0, "host plain: 0 service(s)\n"));
    let (code, out) = plan_cli(cache.path(), &[&case, "--json"]);
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["services"], json!({}));
    assert!(v.get("diagnostics").is_none(), "the manifest schema: {v}");
}

#[test]
fn atelier_mkservice_services_agree_with_eval_modules() {
    assert_agrees(
        "module-system-atelier-input",
        &["site.nix", "services.nix", "host.nix"],
        &json!({ "atelier": "atelier" }),
    );
}
