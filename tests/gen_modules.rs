//! The module system of atelier-gen (src/modules) against nixpkgs' real
//! `lib.evalModules`: the fixture flakes of tests/data/discover/ok/module-system-*
//! are evaluated by both, and every enabled service's data must agree.
//!
//! Needs nixpkgs' lib: `ATELIER_NIXPKGS_LIB` (its `lib` directory); without it
//! each test prints a SKIP line and returns.

use std::fmt::Write as _;
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

// ------------------------------------------------------------ option types

/// `config` at each path as `{ "value": ... }` or `{ "error": true }` (as
/// tests/data/modules/evalconfig.nix says it: a conflict, a type error, an
/// option read without a value), from atelier-gen's module
/// system; anything else (an unknown) is kept with its message.
fn atelier_config(root: &Path, files: &[PathBuf], lib: Option<&str>, paths: &[&str]) -> Vec<Value> {
    atelier::modules::eval_config(root, files, lib.map(Path::new), paths)
        .into_iter()
        .map(|r| match r {
            Ok(v) => json!({ "value": v }),
            Err(e)
                if e.starts_with("conflicting-definitions:")
                    || e.starts_with("type-error:")
                    || e.starts_with("undefined-option:") =>
            {
                json!({ "error": true })
            }
            Err(e) => json!({ "other": e }),
        })
        .collect()
}

/// What nixpkgs' `lib.evalModules` says at each path.
fn nix_config(lib: &str, files: &[PathBuf], paths: &[&str]) -> Vec<Value> {
    let expr = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/modules/evalconfig.nix");
    let out = Command::new("nix-instantiate")
        .args(["--eval", "--strict", "--json"])
        .arg(expr)
        .args(["--argstr", "lib", lib])
        .args([
            "--argstr",
            "filesJSON",
            &serde_json::to_string(files).unwrap(),
        ])
        .args([
            "--argstr",
            "pathsJSON",
            &serde_json::to_string(paths).unwrap(),
        ])
        .output()
        .expect("nix-instantiate runs");
    assert!(
        out.status.success(),
        "lib.evalModules failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON")
}

/// Writes `modules` as m0.nix, m1.nix, ... (m0 declares the options) and
/// checks `config` at each path of `expect`: atelier-gen with its built-in
/// lib, and — with `ATELIER_NIXPKGS_LIB` — `lib.evalModules` itself and
/// atelier-gen with nixpkgs' lib (whose types merge by their own `merge`).
fn assert_types_agree(test: &str, modules: &[&str], expect: &[(&str, Value)]) {
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<PathBuf> = modules
        .iter()
        .enumerate()
        .map(|(i, src)| {
            let f = dir.path().join(format!("m{i}.nix"));
            std::fs::write(&f, src).unwrap();
            f
        })
        .collect();
    let paths: Vec<&str> = expect.iter().map(|(p, _)| *p).collect();
    let want: Vec<Value> = expect.iter().map(|(_, v)| v.clone()).collect();
    let show = |got: &[Value]| -> String {
        let mut out = String::new();
        for ((p, g), w) in paths.iter().zip(got).zip(&want) {
            let mark = if g == w { " " } else { "!" };
            let _ = writeln!(out, "{mark} {p}: got {g}, want {w}");
        }
        out
    };
    let got = atelier_config(dir.path(), &files, None, &paths);
    assert!(got == want, "{test}, built-in lib:\n{}", show(&got));
    let Some(lib) = nixpkgs_lib(test) else { return };
    let real = nix_config(&lib, &files, &paths);
    assert!(real == want, "{test}, lib.evalModules:\n{}", show(&real));
    let got = atelier_config(dir.path(), &files, Some(&lib), &paths);
    assert!(got == want, "{test}, nixpkgs' lib:\n{}", show(&got));
}

fn value(v: Value) -> Value {
    Value::Object([("value".to_owned(), v)].into_iter().collect())
}

fn failure() -> Value {
    json!({ "error": true })
}

#[test]
fn separated_strings_concatenate_in_nix_order() {
    assert_types_agree(
        "separated_strings_concatenate_in_nix_order",
        &[
            r#"{ lib, ... }: with lib.types; {
  options.t = {
    v = lib.mkOption { type = lines; };
    w = lib.mkOption { type = lines; default = "default"; };
    plain = lib.mkOption { type = lines; };
    c = lib.mkOption { type = commas; };
    e = lib.mkOption { type = envVar; };
    s = lib.mkOption { type = separatedString " "; };
  };
  config.t = { v = "b"; w = lib.mkDefault "low"; plain = "one"; c = "x"; e = "/bin"; s = "one"; };
}"#,
            r#"{ lib, ... }: {
  config.t = { v = lib.mkAfter "c"; w = "high"; plain = "two"; c = "y"; e = lib.mkBefore "/sbin"; s = "two"; };
}"#,
            r#"{ lib, ... }: { config.t = { v = lib.mkBefore "a"; w = "higher"; plain = "three"; }; }"#,
        ],
        &[
            ("t.v", value(json!("a\nb\nc"))),
            ("t.w", value(json!("higher\nhigh"))),
            ("t.plain", value(json!("three\ntwo\none"))),
            ("t.c", value(json!("y,x"))),
            ("t.e", value(json!("/sbin:/bin"))),
            ("t.s", value(json!("two one"))),
        ],
    );
}

/// `types.submodule [ m1 m2 ]`: a list of modules, as nixpkgs' `toList`
/// makes of it (GaetanLepage/nix-config's host table).
#[test]
fn a_submodule_of_a_list_of_modules_has_each_module() {
    assert_types_agree(
        "a_submodule_of_a_list_of_modules_has_each_module",
        &[r#"{ lib, ... }: {
  options.machines = lib.mkOption {
    type = lib.types.attrsOf (lib.types.submodule [
      ({ name, ... }: { options.dir = lib.mkOption { type = lib.types.str; default = "/srv/${name}"; }; })
      { options.port = lib.mkOption { type = lib.types.int; default = 80; }; }
    ]);
    default = { };
  };
  config.machines.alpha.port = 8080;
}"#],
        &[
            ("machines.alpha.dir", value(json!("/srv/alpha"))),
            ("machines.alpha.port", value(json!(8080))),
        ],
    );
}

#[test]
fn scalars_and_enums_merge_equal_definitions_only() {
    assert_types_agree(
        "scalars_and_enums_merge_equal_definitions_only",
        &[
            r#"{ lib, ... }: with lib.types; {
  options.t = {
    s = lib.mkOption { type = str; };
    s2 = lib.mkOption { type = str; };
    b = lib.mkOption { type = bool; };
    i = lib.mkOption { type = int; };
    i2 = lib.mkOption { type = int; };
    en = lib.mkOption { type = enum [ "a" "b" ]; };
    en2 = lib.mkOption { type = enum [ "a" "b" ]; };
  };
  config.t = { s = "same"; s2 = "one"; b = true; i = 1; i2 = 1; en = "a"; en2 = "a"; };
}"#,
            r#"{ lib, ... }: {
  config.t = { s = "same"; s2 = "two"; b = true; i = 1; i2 = 2; en = "a"; en2 = "b"; };
}"#,
        ],
        &[
            ("t.s", value(json!("same"))),
            ("t.s2", failure()),
            ("t.b", value(json!(true))),
            ("t.i", value(json!(1))),
            ("t.i2", failure()),
            ("t.en", value(json!("a"))),
            ("t.en2", failure()),
        ],
    );
}

#[test]
fn uniq_unique_and_null_or_agree_with_eval_modules() {
    assert_types_agree(
        "uniq_unique_and_null_or_agree_with_eval_modules",
        &[
            r#"{ lib, ... }: with lib.types; {
  options.t = {
    u = lib.mkOption { type = uniq str; };
    u1 = lib.mkOption { type = uniq str; };
    q = lib.mkOption { type = unique { message = "only one"; } int; };
    n = lib.mkOption { type = nullOr str; };
    n1 = lib.mkOption { type = nullOr str; };
    n2 = lib.mkOption { type = nullOr str; };
    nl = lib.mkOption { type = nullOr lines; };
  };
  config.t = { u = "a"; u1 = "x"; q = 1; n = null; n1 = null; n2 = "a"; nl = "l1"; };
}"#,
            r#"{ lib, ... }: {
  config.t = { u = "a"; q = 1; n = null; n1 = "b"; n2 = "a"; nl = "l2"; };
}"#,
        ],
        &[
            ("t.u", failure()),
            ("t.u1", value(json!("x"))),
            ("t.q", failure()),
            ("t.n", value(json!(null))),
            ("t.n1", failure()),
            ("t.n2", value(json!("a"))),
            ("t.nl", value(json!("l2\nl1"))),
        ],
    );
}

#[test]
fn either_and_one_of_pick_the_type_every_definition_has() {
    assert_types_agree(
        "either_and_one_of_pick_the_type_every_definition_has",
        &[
            r#"{ lib, ... }: with lib.types; {
  options.t = {
    ea = lib.mkOption { type = either str (listOf str); };
    eb = lib.mkOption { type = either str (listOf str); };
    ec = lib.mkOption { type = either bool lines; };
    ed = lib.mkOption { type = oneOf [ int str ]; };
  };
  config.t = { ea = [ "x" ]; eb = "p"; ec = "l1"; ed = 1; };
}"#,
            r#"{ lib, ... }: {
  config.t = { ea = [ "y" ]; eb = "q"; ec = "l2"; ed = 1; };
}"#,
        ],
        &[
            ("t.ea", value(json!(["y", "x"]))),
            ("t.eb", failure()),
            ("t.ec", value(json!("l2\nl1"))),
            ("t.ed", value(json!(1))),
        ],
    );
}

#[test]
fn coerced_to_converts_definitions_of_the_from_type() {
    assert_types_agree(
        "coerced_to_converts_definitions_of_the_from_type",
        &[
            r#"{ lib, ... }: with lib.types; {
  options.t = {
    p = lib.mkOption { type = coercedTo str (s: [ s ]) (listOf str); };
    pn = lib.mkOption { type = coercedTo int toString str; };
    pl = lib.mkOption { type = listOf (coercedTo int toString str); };
  };
  config.t = { p = "a"; pn = 5; pl = [ 1 "b" ]; };
}"#,
            r#"{ lib, ... }: {
  config.t = { p = [ "b" "c" ]; pl = lib.mkBefore [ 0 ]; };
}"#,
        ],
        &[
            ("t.p", value(json!(["b", "c", "a"]))),
            ("t.pn", value(json!("5"))),
            ("t.pl", value(json!(["0", "1", "b"]))),
        ],
    );
}

#[test]
fn nested_list_and_attrs_types_merge_by_their_element_type() {
    assert_types_agree(
        "nested_list_and_attrs_types_merge_by_their_element_type",
        &[
            r#"{ lib, ... }: with lib.types; {
  options.t = {
    ll = lib.mkOption { type = listOf (listOf str); };
    ao = lib.mkOption { type = attrsOf (listOf str); };
    la = lib.mkOption { type = lazyAttrsOf lines; };
    al = lib.mkOption { type = attrsOf (attrsOf int); };
  };
  config.t = { ll = [ [ "a" ] ]; ao.x = [ "1" ]; la.k = "one"; al.a.b = 1; };
}"#,
            r#"{ lib, ... }: {
  config.t = { ll = lib.mkBefore [ [ "z" ] ]; ao.x = lib.mkAfter [ "2" ]; ao.y = [ "3" ]; la.k = "two"; al.a.c = 2; };
}"#,
        ],
        &[
            ("t.ll", value(json!([["z"], ["a"]]))),
            ("t.ao", value(json!({ "x": ["1", "2"], "y": ["3"] }))),
            ("t.la", value(json!({ "k": "two\none" }))),
            ("t.al", value(json!({ "a": { "b": 1, "c": 2 } }))),
        ],
    );
}

#[test]
fn submodule_values_have_their_options_defaults_and_types() {
    assert_types_agree(
        "submodule_values_have_their_options_defaults_and_types",
        &[
            r#"{ lib, ... }: with lib.types; {
  options.t = {
    sm = lib.mkOption {
      type = attrsOf (submodule {
        options.port = lib.mkOption { type = int; default = 80; };
        options.host = lib.mkOption { type = str; };
        options.tags = lib.mkOption { type = lines; default = ""; };
      });
    };
    one = lib.mkOption {
      type = submodule ({ name, ... }: {
        options.label = lib.mkOption { type = str; default = "${name}-label"; };
        options.paths = lib.mkOption { type = listOf str; default = [ ]; };
      });
      default = { };
    };
  };
  config.t = { sm.web.host = "h"; sm.web.tags = "a"; one.paths = [ "/a" ]; };
}"#,
            r#"{ lib, ... }: {
  config.t = { sm.web.tags = "b"; sm.db = { host = "d"; port = 5432; }; one.paths = [ "/b" ]; };
}"#,
        ],
        &[
            ("t.sm.web.host", value(json!("h"))),
            ("t.sm.web.port", value(json!(80))),
            ("t.sm.web.tags", value(json!("a\nb"))),
            ("t.sm.db.port", value(json!(5432))),
            ("t.sm.db.tags", value(json!(""))),
            ("t.one.label", value(json!("one-label"))),
            ("t.one.paths", value(json!(["/a", "/b"]))),
        ],
    );
}

/// A submodule's `freeformType`: the attributes no option declares merge
/// by it (lists concatenated in Nix's order, a condition kept on each),
/// beside the declared options and their defaults.
#[test]
fn freeform_submodule_attributes_merge_by_their_type() {
    assert_types_agree(
        "freeform_submodule_attributes_merge_by_their_type",
        &[
            r#"{ lib, ... }: with lib.types; {
  options.t.ff = lib.mkOption {
    type = submodule {
      freeformType = lazyAttrsOf (listOf str);
      options.kept = lib.mkOption { type = str; default = "k"; };
    };
    default = { };
  };
  options.t.on = lib.mkOption { type = bool; default = false; };
  config.t.ff = { paths = [ "/a" ]; off = lib.mkIf false [ "/x" ]; };
}"#,
            r#"{ lib, config, ... }: {
  config.t.ff = lib.mkMerge [
    { paths = [ "/b" ]; }
    (lib.mkIf (!config.t.on) { more = [ "/c" ]; })
  ];
}"#,
        ],
        &[
            ("t.ff.paths", value(json!(["/a", "/b"]))),
            ("t.ff.more", value(json!(["/c"]))),
            ("t.ff.off", value(json!([]))),
            ("t.ff.kept", value(json!("k"))),
        ],
    );
}

/// A merge error says, as NixOS does, which option and where each
/// conflicting definition is (`file:line:col`).
#[test]
fn merge_errors_name_the_option_and_each_definition() {
    let dir = tempfile::tempdir().unwrap();
    let m0 = dir.path().join("m0.nix");
    let m1 = dir.path().join("m1.nix");
    std::fs::write(
        &m0,
        "{ lib, ... }: {\n  options.t.s = lib.mkOption { type = lib.types.str; };\n  options.t.n = lib.mkOption { type = lib.types.nullOr lib.types.int; };\n  config.t.s = \"one\";\n  config.t.n = null;\n}\n",
    )
    .unwrap();
    std::fs::write(&m1, "{\n  config.t.s = \"two\";\n  config.t.n = 1;\n}\n").unwrap();
    let files = [m0, m1];
    let mut libs = vec![None];
    if let Some(lib) = nixpkgs_lib("merge_errors_name_the_option_and_each_definition") {
        libs.push(Some(lib));
    }
    for lib in &libs {
        let got = atelier::modules::eval_config(
            dir.path(),
            &files,
            lib.as_deref().map(Path::new),
            &["t.s", "t.n"],
        );
        let s = got[0].as_ref().unwrap_err();
        assert!(
            s.starts_with(
                "conflicting-definitions: The option `t.s' has conflicting definition values:"
            ),
            "{lib:?}: {s}"
        );
        assert!(
            s.contains("m0.nix:4:") && s.contains("\"one\""),
            "{lib:?}: {s}"
        );
        assert!(
            s.contains("m1.nix:2:") && s.contains("\"two\""),
            "{lib:?}: {s}"
        );
        let n = got[1].as_ref().unwrap_err();
        assert!(
            n.contains("The option `t.n") && n.contains("null and not null"),
            "{lib:?}: {n}"
        );
        assert!(
            n.contains("m0.nix:5:") && n.contains("m1.nix:3:"),
            "{lib:?}: {n}"
        );
    }
}

#[test]
fn a_data_path_from_lines_and_coerced_to_options_agrees_with_eval_modules() {
    assert_agrees(
        "module-types",
        &["notes.nix", "extra.nix", "host.nix"],
        &json!({}),
    );
}

/// A key of an `attrsOf` value whose every definition is under a false
/// `mkIf` is left out, as `attrsOf`'s merge filters it; `lazyAttrsOf`
/// keeps the key, its value the element type's empty value (a submodule's
/// defaults, `[ ]`, `{ }`, `null`) or, for a type without one, an error
/// when read.
#[test]
fn attrs_of_keys_under_a_false_mk_if_are_left_out() {
    assert_types_agree(
        "attrs_of_keys_under_a_false_mk_if_are_left_out",
        &[
            r#"{ lib, ... }: with lib.types; {
  options.t = {
    sm = lib.mkOption {
      type = attrsOf (submodule { options.p = lib.mkOption { type = int; default = 1; }; });
      default = { };
    };
    ai = lib.mkOption { type = attrsOf int; };
    ad = lib.mkOption { type = attrsOf int; default = { d = 5; }; };
    aa = lib.mkOption { type = attrsOf (attrsOf int); };
    li = lib.mkOption { type = lazyAttrsOf int; };
    ls = lib.mkOption { type = lazyAttrsOf (submodule { options.p = lib.mkOption { type = int; default = 1; }; }); };
    ll = lib.mkOption { type = lazyAttrsOf (listOf int); };
    la = lib.mkOption { type = lazyAttrsOf (attrsOf int); };
    ln = lib.mkOption { type = lazyAttrsOf (nullOr str); };
  };
  config.t = {
    sm.off = lib.mkIf false { p = 2; };
    ai = { off = lib.mkIf false 1; on = 2; };
    ad.off = lib.mkIf false 1;
    aa.x = { off = lib.mkIf false 1; merged = lib.mkMerge [ (lib.mkIf false 1) ]; };
    li = { off = lib.mkIf false 1; on = 2; };
    ls.off = lib.mkIf false { p = 3; };
    ll.off = lib.mkIf false [ 1 ];
    la.off = lib.mkIf false { x = 1; };
    ln.off = lib.mkIf false "s";
  };
}"#,
            r"{ config, lib, ... }: {
  config.t.ai.off2 = lib.mkIf (config.t.sm == { }) (lib.mkIf false 3);
}",
        ],
        &[
            ("t.sm", value(json!({}))),
            ("t.ai", value(json!({ "on": 2 }))),
            ("t.ad", value(json!({}))),
            ("t.aa", value(json!({ "x": {} }))),
            ("t.li.on", value(json!(2))),
            ("t.li.off", failure()),
            ("t.ls.off.p", value(json!(1))),
            ("t.ll", value(json!({ "off": [] }))),
            ("t.la", value(json!({ "off": {} }))),
            ("t.ln", value(json!({ "off": null }))),
        ],
    );
}

/// `anything` merges sets as `attrsOf anything`: a key whose every
/// definition is under a false `mkIf` is left out, at every depth (a
/// `settings`-style option: `settings = { x = mkIf cond v; }`).
#[test]
fn anything_leaves_out_keys_under_a_false_mk_if() {
    assert_types_agree(
        "anything_leaves_out_keys_under_a_false_mk_if",
        &[
            r#"{ lib, ... }: {
  options.t = lib.mkOption { type = lib.types.anything; default = { }; };
  config.t = {
    on = 1;
    off = lib.mkIf false 2;
    deep = { off = lib.mkIf false "x"; on = lib.mkIf true "y"; both = lib.mkMerge [ (lib.mkIf false 1) ]; };
    str = "s";
  };
}"#,
            r#"{ config, lib, ... }: {
  options.u = lib.mkOption { type = lib.types.bool; default = true; };
  config.t.deep.later = lib.mkIf config.u "z";
  config.t.off2 = lib.mkIf (!config.u) 3;
}"#,
        ],
        &[(
            "t",
            value(json!({ "on": 1, "str": "s", "deep": { "on": "y", "later": "z" } })),
        )],
    );
}

/// nixpkgs discharges `mkIf`, `mkMerge`, `mkOverride` and `mkOrder` at an
/// option and, for `attrsOf`/`lazyAttrsOf`, at each of its names — never
/// deeper. So an option of no type (`types.unspecified`), `attrs` or `raw`
/// keeps a `mkIf` (or `mkDefault`) written inside its set as the value
/// it is; an `attrsOf` of them leaves out a name under a false `mkIf`,
/// and a `lazyAttrsOf` keeps it as the element type's empty value (`{ }`
/// for `attrs`) or, for `raw` and no type, which have none, fails when
/// it is read.
#[test]
fn untyped_attrs_and_raw_sets_keep_a_mk_if_inside_them_as_written() {
    let mk_if = |c: bool, v: Value| json!({ "_type": "if", "condition": c, "content": v });
    assert_types_agree(
        "untyped_attrs_and_raw_sets_keep_a_mk_if_inside_them_as_written",
        &[r"{ lib, ... }: with lib.types; {
  options.t = {
    none = lib.mkOption { };
    us = lib.mkOption { type = unspecified; };
    a = lib.mkOption { type = attrs; };
    r = lib.mkOption { type = raw; };
    la = lib.mkOption { type = lazyAttrsOf attrs; };
    lr = lib.mkOption { type = lazyAttrsOf raw; };
    lu = lib.mkOption { type = lazyAttrsOf unspecified; };
    ar = lib.mkOption { type = attrsOf raw; };
    aa = lib.mkOption { type = attrsOf attrs; };
    au = lib.mkOption { type = attrsOf unspecified; };
    lla = lib.mkOption { type = lazyAttrsOf (lazyAttrsOf attrs); };
    ara = lib.mkOption { type = attrsOf (lazyAttrsOf raw); };
  };
  config.t = {
    none = { on = 1; off = lib.mkIf false 2; low = lib.mkDefault 3; deep.off = lib.mkIf false 4; };
    us = { on = 1; off = lib.mkIf false 2; };
    a = { on = 1; off = lib.mkIf false 2; };
    r = { on = 1; off = lib.mkIf false 2; };
    la = { on.x = 1; off = lib.mkIf false { x = 2; }; inner.y = lib.mkIf false 1; };
    lr = { on = 1; off = lib.mkIf false 2; };
    lu = { on = 1; off = lib.mkIf false 2; };
    ar = { on = 1; off = lib.mkIf false 2; };
    aa = { on.x = 1; off = lib.mkIf false { x = 2; }; };
    au = { on = 1; off = lib.mkIf false 2; merged = lib.mkMerge [ (lib.mkIf false 1) ]; };
    lla.k = { off = lib.mkIf false { }; on.z = lib.mkIf false 1; };
    ara = { k.off = lib.mkIf false 1; k.on = 1; gone = lib.mkIf false { }; };
  };
}"],
        &[
            (
                "t.none",
                value(json!({
                    "on": 1,
                    "off": mk_if(false, json!(2)),
                    "low": { "_type": "override", "priority": 1000, "content": 3 },
                    "deep": { "off": mk_if(false, json!(4)) },
                })),
            ),
            (
                "t.us",
                value(json!({ "on": 1, "off": mk_if(false, json!(2)) })),
            ),
            (
                "t.a",
                value(json!({ "on": 1, "off": mk_if(false, json!(2)) })),
            ),
            (
                "t.r",
                value(json!({ "on": 1, "off": mk_if(false, json!(2)) })),
            ),
            (
                "t.la",
                value(
                    json!({ "on": { "x": 1 }, "off": {}, "inner": { "y": mk_if(false, json!(1)) } }),
                ),
            ),
            ("t.lr.on", value(json!(1))),
            ("t.lr.off", failure()),
            ("t.lu.on", value(json!(1))),
            ("t.lu.off", failure()),
            ("t.ar", value(json!({ "on": 1 }))),
            ("t.aa", value(json!({ "on": { "x": 1 } }))),
            ("t.au", value(json!({ "on": 1 }))),
            (
                "t.lla",
                value(json!({ "k": { "off": {}, "on": { "z": mk_if(false, json!(1)) } } })),
            ),
            ("t.ara.k.on", value(json!(1))),
            ("t.ara.k.off", failure()),
        ],
    );
}

/// Definitions of no type (`types.unspecified`) merge as nixpkgs'
/// `mergeDefaultOption`: one definition is the value, sets by `//` (a
/// name of a later set replacing the whole value of an earlier one, the
/// last set being the first module's), lists concatenated, Booleans by
/// `||`, strings joined, integers only when equal, anything else an
/// error; `attrs` merges sets by `//` too and `raw` takes one definition
/// only.
#[test]
fn untyped_attrs_and_raw_definitions_merge_as_nixpkgs_does() {
    assert_types_agree(
        "untyped_attrs_and_raw_definitions_merge_as_nixpkgs_does",
        &[
            r#"{ lib, ... }: with lib.types; {
  options.t = {
    s = lib.mkOption { };
    b = lib.mkOption { };
    i = lib.mkOption { };
    i2 = lib.mkOption { };
    n = lib.mkOption { };
    f = lib.mkOption { };
    l = lib.mkOption { };
    set = lib.mkOption { };
    ord = lib.mkOption { };
    mixed = lib.mkOption { };
    one = lib.mkOption { default = { k = 1; }; };
    as = lib.mkOption { type = attrs; };
    asd = lib.mkOption { type = attrs; default = { d = 1; x = 0; }; };
    ab = lib.mkOption { type = attrs; };
    r = lib.mkOption { type = raw; };
    r1 = lib.mkOption { type = raw; default = 5; };
    ls = lib.mkOption { type = lazyAttrsOf unspecified; };
    lr = lib.mkOption { type = lazyAttrsOf raw; };
  };
  config.t = {
    s = "a"; b = false; i = 1; i2 = 1; n = null; f = 1.5; l = [ 1 ];
    set = { x = 1; y.a = 1; };
    ord = lib.mkAfter { o = "after"; p = 1; };
    mixed = 1;
    as = { x = 1; y.a = 1; }; ab = 1; r = 1; r1 = 6;
    ls.k = { y.a = 1; }; lr = { k = 1; one = 1; };
  };
}"#,
            r#"{ lib, ... }: {
  config.t = {
    s = "b"; b = true; i = 1; i2 = 2; n = null; f = 1.5; l = [ 2 ];
    set = { y.b = 2; z = 3; };
    ord = { o = "plain"; q = 2; };
    mixed = "x";
    as = { y.b = 2; z = 3; }; asd.x = 2; r = 1;
    ls.k = { y.b = 2; z = 3; }; lr.k = 2;
  };
}"#,
        ],
        &[
            ("t.s", value(json!("ba"))),
            ("t.b", value(json!(true))),
            ("t.i", value(json!(1))),
            ("t.i2", failure()),
            ("t.n", failure()),
            ("t.f", failure()),
            ("t.l", value(json!([2, 1]))),
            ("t.set", value(json!({ "x": 1, "y": { "a": 1 }, "z": 3 }))),
            ("t.ord", value(json!({ "o": "after", "p": 1, "q": 2 }))),
            ("t.mixed", failure()),
            ("t.one", value(json!({ "k": 1 }))),
            ("t.as", value(json!({ "x": 1, "y": { "a": 1 }, "z": 3 }))),
            ("t.asd", value(json!({ "x": 2 }))),
            ("t.ab", failure()),
            ("t.r", failure()),
            ("t.r1", value(json!(6))),
            ("t.ls", value(json!({ "k": { "y": { "a": 1 }, "z": 3 } }))),
            ("t.lr.k", failure()),
            ("t.lr.one", value(json!(1))),
        ],
    );
}

/// A name's condition may read the set the name is in where nixpkgs never
/// forces it to know the names: a set of no type or `attrs` (which keep
/// the `mkIf`), a `lazyAttrsOf`. An `attrsOf` forces every name's
/// condition to know its names, so there the same read is infinite
/// recursion, in Nix as here.
#[test]
fn a_condition_may_read_its_own_set_where_nix_keeps_the_names_lazy() {
    let mk_if = |c: bool, v: Value| json!({ "_type": "if", "condition": c, "content": v });
    assert_types_agree(
        "a_condition_may_read_its_own_set_where_nix_keeps_the_names_lazy",
        &[r"{ config, lib, ... }: with lib.types; {
  options.t = {
    none = lib.mkOption { };
    a = lib.mkOption { type = attrs; };
    lr = lib.mkOption { type = lazyAttrsOf raw; };
    la = lib.mkOption { type = lazyAttrsOf attrs; };
  };
  config.t = {
    none = { b = 2; c = lib.mkIf (config.t.none.b == 2) 3; d = lib.mkIf (config.t.none ? c) 4; };
    a = { b = 2; c = lib.mkIf (config.t.a.b == 2) 3; };
    lr = { b = 2; c = lib.mkIf (config.t.lr.b == 2) 3; d = lib.mkIf (config.t.lr ? c) 4; e = lib.mkIf (config.t.lr.b != 2) 5; };
    la = { b = { }; c = lib.mkIf (config.t.la ? b) { x = 1; }; e = lib.mkIf (config.t.la ? zz) { y = 1; }; };
  };
}"],
        &[
            (
                "t.none",
                value(json!({ "b": 2, "c": mk_if(true, json!(3)), "d": mk_if(true, json!(4)) })),
            ),
            ("t.a", value(json!({ "b": 2, "c": mk_if(true, json!(3)) }))),
            ("t.lr.c", value(json!(3))),
            ("t.lr.d", value(json!(4))),
            ("t.lr.e", failure()),
            ("t.la", value(json!({ "b": {}, "c": { "x": 1 }, "e": {} }))),
        ],
    );

    // `attrsOf raw`: Nix fails with infinite recursion (which `tryEval`
    // does not catch), and so does atelier-gen, saying so.
    let src = r"{ config, lib, ... }: {
  options.t = lib.mkOption { type = lib.types.attrsOf lib.types.raw; };
  config.t = { b = 2; c = lib.mkIf (config.t.b == 2) 3; };
}";
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("m0.nix");
    std::fs::write(&file, src).unwrap();
    let files = [file];
    let mut libs = vec![None];
    if let Some(lib) =
        nixpkgs_lib("a_condition_may_read_its_own_set_where_nix_keeps_the_names_lazy")
    {
        let expr = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/modules/evalconfig.nix");
        let out = Command::new("nix-instantiate")
            .args(["--eval", "--strict", "--json"])
            .arg(expr)
            .args(["--argstr", "lib", &lib])
            .args([
                "--argstr",
                "filesJSON",
                &serde_json::to_string(&files).unwrap(),
            ])
            .args(["--argstr", "pathsJSON", r#"["t.b"]"#])
            .output()
            .expect("nix-instantiate runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success() && stderr.contains("infinite recursion"),
            "lib.evalModules: {stderr}"
        );
        libs.push(Some(lib));
    }
    for lib in &libs {
        let got = atelier::modules::eval_config(
            dir.path(),
            &files,
            lib.as_deref().map(Path::new),
            &["t.b"],
        );
        let e = got[0].as_ref().unwrap_err();
        // Which condition, and where it is written.
        assert!(
            e.starts_with("infinite-recursion:") && e.contains("`t.c`") && e.contains("m0.nix:3:"),
            "{lib:?}: {e}"
        );
    }
}

/// Modules with a condition only Nix knows (`COND` in their sources;
/// atelier-gen reads `config.services.nginx.enable` there, which no module
/// read declares): at each path of `expect` atelier-gen gives the value
/// `lib.evalModules` gives with `COND` true and with it false (`Some`), or
/// an unknown where those differ (`None`) — with its built-in lib and,
/// with `ATELIER_NIXPKGS_LIB`, nixpkgs' lib.
fn assert_known_under_either_answer(
    test: &str,
    modules: &[&str],
    expect: &[(&str, Option<Value>)],
) {
    let write = |cond: &str| {
        let dir = tempfile::tempdir().unwrap();
        let files: Vec<PathBuf> = modules
            .iter()
            .enumerate()
            .map(|(i, src)| {
                let f = dir.path().join(format!("m{i}.nix"));
                std::fs::write(&f, src.replace("COND", cond)).unwrap();
                f
            })
            .collect();
        (dir, files)
    };
    let paths: Vec<&str> = expect.iter().map(|(p, _)| *p).collect();
    let (dir, files) = write("config.services.nginx.enable");
    let check = |lib: Option<&str>| {
        let got = atelier::modules::eval_config(dir.path(), &files, lib.map(Path::new), &paths);
        for ((p, want), got) in expect.iter().zip(got) {
            match (want, got) {
                (Some(w), Ok(g)) => assert_eq!(&g, w, "{test}, {lib:?}: {p}"),
                (None, Err(e)) if e.starts_with("unknown: ") => {}
                (want, got) => panic!("{test}, {lib:?}: {p}: got {got:?}, want {want:?}"),
            }
        }
    };
    check(None);
    let Some(lib) = nixpkgs_lib(test) else { return };
    let answers: Vec<Vec<Value>> = ["true", "false"]
        .iter()
        .map(|cond| {
            let (_dir, files) = write(cond);
            nix_config(&lib, &files, &paths)
        })
        .collect();
    for (i, (p, want)) in expect.iter().enumerate() {
        let (yes, no) = (&answers[0][i], &answers[1][i]);
        match want {
            Some(w) => assert!(
                yes == &value(w.clone()) && no == &value(w.clone()),
                "{test}: lib.evalModules gives {yes} and {no} at {p}, atelier-gen {w}"
            ),
            None => assert_ne!(
                yes, no,
                "{test}: lib.evalModules gives {yes} either way at {p}"
            ),
        }
    }
    check(Some(&lib));
}

/// A submodule value one of whose definitions is under a condition only
/// Nix knows: the options that definition sets are unknown, the others
/// are what the other definitions and the submodule's defaults give — as
/// Nix gives them whichever the condition is.
#[test]
fn a_submodule_value_under_an_unknown_condition_keeps_its_defaults() {
    assert_known_under_either_answer(
        "a_submodule_value_under_an_unknown_condition_keeps_its_defaults",
        &[
            r"{ lib, ... }: with lib.types; {
  options.t = lib.mkOption {
    type = submodule {
      options.a = lib.mkOption { type = int; default = 0; };
      options.b = lib.mkOption { type = int; default = 0; };
      options.c = lib.mkOption { type = int; default = 3; };
      options.l = lib.mkOption { type = listOf str; default = [ ]; };
    };
  };
  options.m = lib.mkOption {
    type = attrsOf (submodule {
      options.p = lib.mkOption { type = int; default = 1; };
      options.q = lib.mkOption { type = int; default = 2; };
    });
    default = { };
  };
  config.t = { a = 1; l = [ ''x'' ]; };
  config.m.k.p = 5;
}",
            r"{ config, lib, ... }: {
  config.t = lib.mkIf COND { b = 2; l = [ ''y'' ]; };
  config.m.k = lib.mkIf COND { q = 7; };
}",
        ],
        &[
            ("t.a", Some(json!(1))),
            ("t.b", None),
            ("t.c", Some(json!(3))),
            ("t.l", None),
            ("m.k.p", Some(json!(5))),
            ("m.k.q", None),
        ],
    );
}

/// Sets of no type or `attrs` merge by `//` under a condition only Nix
/// knows too: a name a later definition surely gives is known, one the
/// uncertain definition may give is unknown, and so are the set's names
/// when it alone gives a name.
#[test]
fn untyped_sets_under_an_unknown_condition_know_what_a_later_set_gives() {
    assert_known_under_either_answer(
        "untyped_sets_under_an_unknown_condition_know_what_a_later_set_gives",
        &[
            r"{ config, lib, ... }: {
  options.t = lib.mkOption { };
  options.u = lib.mkOption { type = lib.types.attrs; };
  config.t = { a = 1; b = 1; };
  config.u = lib.mkIf COND { b = 2; c = 3; };
}",
            r"{ config, lib, ... }: {
  config.t = lib.mkIf COND { b = 2; c = 3; };
  config.u = { a = 1; b = 1; };
}",
        ],
        &[
            ("t.a", Some(json!(1))),
            ("t.b", Some(json!(1))),
            // `c` is there or not.
            ("t", None),
            ("u.a", Some(json!(1))),
            ("u.b", None),
            ("u", None),
        ],
    );
}

/// The errors of no type, `attrs` and `raw` say which option, and where
/// each definition is, as the other merge errors.
#[test]
fn untyped_attrs_and_raw_errors_name_the_option_and_each_definition() {
    let dir = tempfile::tempdir().unwrap();
    let m0 = dir.path().join("m0.nix");
    let m1 = dir.path().join("m1.nix");
    std::fs::write(
        &m0,
        "{ lib, ... }: with lib.types; {\n  options.t.u = lib.mkOption { };\n  options.t.a = lib.mkOption { type = attrs; };\n  options.t.r = lib.mkOption { type = raw; };\n  options.t.l = lib.mkOption { type = lazyAttrsOf raw; };\n  config.t = { u = 1; a = 1; r = 1; l.k = lib.mkIf false 1; };\n}\n",
    )
    .unwrap();
    std::fs::write(&m1, "{\n  config.t.u = \"x\";\n  config.t.r = 2;\n}\n").unwrap();
    let files = [m0, m1];
    let mut libs = vec![None];
    if let Some(lib) =
        nixpkgs_lib("untyped_attrs_and_raw_errors_name_the_option_and_each_definition")
    {
        libs.push(Some(lib));
    }
    for lib in &libs {
        let got = atelier::modules::eval_config(
            dir.path(),
            &files,
            lib.as_deref().map(Path::new),
            &["t.u", "t.a", "t.r", "t.l.k"],
        );
        let err = |i: usize| got[i].as_ref().unwrap_err().clone();
        let u = err(0);
        assert!(
            u.starts_with("conflicting-definitions: Cannot merge definitions of `t.u'")
                && u.contains("m0.nix:6:")
                && u.contains("m1.nix:2:"),
            "{lib:?}: {u}"
        );
        let a = err(1);
        assert!(
            a.starts_with(
                "type-error: A definition for option `t.a' is not of type `attribute set'"
            ) && a.contains("m0.nix:6:"),
            "{lib:?}: {a}"
        );
        let r = err(2);
        assert!(
            r.starts_with("conflicting-definitions: The option `t.r' is defined multiple times")
                && r.contains("m0.nix:6:")
                && r.contains("m1.nix:3:"),
            "{lib:?}: {r}"
        );
        let l = err(3);
        assert!(
            l.starts_with(
                "undefined-option: The option `t.l.k' was accessed but has no value defined"
            ) && l.contains("m0.nix:6:"),
            "{lib:?}: {l}"
        );
    }
}

/// An option's `default` is a definition of priority 1500
/// (`mkOptionDefault`): any definition of a higher priority replaces it,
/// a submodule's included (whose own options' defaults still apply), and
/// at equal priority they merge.
#[test]
fn a_default_is_replaced_by_any_definition_of_higher_priority() {
    assert_types_agree(
        "a_default_is_replaced_by_any_definition_of_higher_priority",
        &[
            r"{ lib, ... }: with lib.types; let
  sub = submodule {
    options.p = lib.mkOption { type = int; default = 1; };
    options.q = lib.mkOption { type = attrsOf int; default = { dq = 1; }; };
    options.src = lib.mkOption { type = raw; default = { fromDefault = true; }; };
  };
in {
  options.t = {
    s = lib.mkOption { type = sub; default = { p = 2; q.dd = 2; }; };
    s2 = lib.mkOption { type = sub; default = { p = 2; }; };
    s3 = lib.mkOption { type = sub; default = { p = 2; q.x = 3; }; };
    s4 = lib.mkOption { type = sub; };
    a = lib.mkOption { type = attrsOf int; default = { x = 1; }; };
    a2 = lib.mkOption { type = attrsOf int; default = { x = 1; }; };
    a3 = lib.mkOption { type = attrsOf int; default = { x = 1; }; };
    u = lib.mkOption { default = { x = 1; }; };
    m = lib.mkOption { type = attrsOf sub; default = { }; };
  };
  config.t = {
    s.q.y = 3;
    s2 = lib.mkDefault { q.z = 4; };
    s3 = lib.mkOptionDefault { q.w = 5; };
    s4.src = { fromDefinition = true; };
    a.y = 2;
    a2 = lib.mkDefault { z = 3; };
    a3 = lib.mkOptionDefault { w = 4; };
    u.y = 2;
    m.one.src = { fromDefinition = true; };
    m.two = { src = lib.mkDefault { d = 1; }; p = 7; };
  };
}",
            r"{ lib, ... }: {
  config.t = { m.two = { src = lib.mkForce { f = 1; }; p = lib.mkDefault 9; }; s4.src = lib.mkDefault { x = 1; }; };
}",
        ],
        &[
            ("t.s.p", value(json!(1))),
            ("t.s.q", value(json!({ "y": 3 }))),
            ("t.s.src", value(json!({ "fromDefault": true }))),
            ("t.s2.p", value(json!(1))),
            ("t.s2.q", value(json!({ "z": 4 }))),
            ("t.s3.p", value(json!(2))),
            ("t.s3.q", value(json!({ "w": 5, "x": 3 }))),
            ("t.s4.q", value(json!({ "dq": 1 }))),
            ("t.s4.src", value(json!({ "fromDefinition": true }))),
            ("t.a", value(json!({ "y": 2 }))),
            ("t.a2", value(json!({ "z": 3 }))),
            ("t.a3", value(json!({ "w": 4, "x": 1 }))),
            ("t.u", value(json!({ "y": 2 }))),
            ("t.m.one.p", value(json!(1))),
            ("t.m.one.src", value(json!({ "fromDefinition": true }))),
            ("t.m.two.p", value(json!(7))),
            ("t.m.two.q", value(json!({ "dq": 1 }))),
            ("t.m.two.src", value(json!({ "f": 1 }))),
        ],
    );
}

#[test]
fn attrs_of_entries_under_a_false_mk_if_agree_with_eval_modules() {
    assert_agrees(
        "attrs-of-mkif-false",
        &["jobs.nix", "sync.nix", "host.nix"],
        &json!({}),
    );
}

/// `listOf` merges each element as one definition of the element type, as
/// nixpkgs does: an element under a false `mkIf` is left out, a true one
/// is its content, `mkMerge` and `mkOverride` elements merge by the
/// element type.
#[test]
fn list_elements_under_mk_if_are_discharged() {
    assert_types_agree(
        "list_elements_under_mk_if_are_discharged",
        &[r#"{ lib, ... }: with lib.types; {
  options.l = lib.mkOption { type = listOf int; };
  options.s = lib.mkOption { type = listOf str; default = [ ]; };
  options.a = lib.mkOption { type = listOf (attrsOf int); };
  config.l = [ (lib.mkIf false 1) 2 (lib.mkIf true 3) (lib.mkDefault 4) ];
  config.s = lib.mkMerge [ [ "x" ] [ (lib.mkIf false "y") ] ];
  config.a = [ (lib.mkMerge [ { p = 1; } (lib.mkIf true { q = 2; }) (lib.mkIf false { r = 3; }) ]) ];
}"#],
        &[
            ("l", value(json!([2, 3, 4]))),
            ("s", value(json!(["x"]))),
            ("a", value(json!([{ "p": 1, "q": 2 }]))),
        ],
    );
}
