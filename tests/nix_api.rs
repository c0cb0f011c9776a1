//! The evaluator's public API, as discovery uses it.

use atelier::diagnostic::Diagnostic;
use atelier::nix::{Evaluator, Value};
use proptest::prelude::*;

fn tmp_flake(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let p = dir.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    dir
}

fn eval_text(text: &str) -> (Evaluator, Result<Value, Vec<Diagnostic>>, tempfile::TempDir) {
    let dir = tmp_flake(&[("main.nix", text)]);
    let mut ev = Evaluator::new(dir.path());
    let v = ev.eval_file(&dir.path().join("main.nix"));
    (ev, v, dir)
}

fn module_args(ev: &mut Evaluator) -> Value {
    let lib = ev.lib().unwrap();
    Value::attrs([
        ("lib".to_string(), lib),
        (
            "pkgs".to_string(),
            Value::unknown_root("pkgs", "pkgs is unknown", None),
        ),
        (
            "config".to_string(),
            Value::unknown_root("config", "config is unknown", None),
        ),
    ])
}

fn string_at(ev: &mut Evaluator, v: &Value, path: &[&str]) -> String {
    ev.select(v, path)
        .unwrap()
        .unwrap_or_else(|| panic!("{path:?} missing"))
        .as_str()
        .unwrap_or_else(|| panic!("{path:?} is not a string"))
        .to_string()
}

/// The default depth limit holds on a 2 MiB thread (the stack grows on
/// demand), so unbounded recursion is an error and never a stack overflow.
#[test]
fn unbounded_recursion_is_an_error_on_a_small_stack() {
    let h = std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(|| {
            let (_ev, v, _d) = eval_text("let f = n: { x = f (n + 1); }.x; in f 0");
            let diags = v.unwrap_err();
            assert_eq!(diags[0].code, "evaluation-too-deep", "{}", diags[0].message);
        })
        .unwrap();
    h.join().unwrap();
}

#[test]
fn module_function_applied_with_discovery_args() {
    let (mut ev, v, _d) = eval_text(
        "{ config, lib, pkgs, ... }:\n{\n  atelier.services.app.data = {\n    sqlite = \"/var/lib/app/db.sqlite\";\n    hook = \"${pkgs.sqlite}/bin/sqlite3\";\n  };\n  users = config.users;\n}\n",
    );
    let module = v.unwrap();
    assert!(module.is_function());
    let args = module_args(&mut ev);
    let cfg = ev.apply(&module, args).unwrap();
    assert_eq!(
        string_at(
            &mut ev,
            &cfg,
            &["atelier", "services", "app", "data", "sqlite"]
        ),
        "/var/lib/app/db.sqlite"
    );
    // Where the data block is defined, for "services/myapp.nix:12:5".
    let span = ev
        .definition_span(&cfg, &["atelier", "services", "app", "data", "sqlite"])
        .unwrap()
        .unwrap();
    assert_eq!(span.location(), "main.nix:4:5");
    // Interpolating an unknown gives an unknown carrying the first span.
    let hook = ev
        .select(&cfg, &["atelier", "services", "app", "data", "hook"])
        .unwrap()
        .unwrap();
    let u = hook.as_unknown().expect("hook is unknown");
    assert_eq!(u.location(), "main.nix:5:15");
    assert_eq!(u.reason, "pkgs is unknown");
    // Selecting into an unknown keeps the path.
    let users = ev.select(&cfg, &["users"]).unwrap().unwrap();
    assert_eq!(
        users.as_unknown().unwrap().path().unwrap(),
        vec!["config".to_string(), "users".to_string()]
    );
}

#[test]
fn mkservice_from_an_input_keeps_its_argument_inspectable() {
    let (mut ev, v, _d) = eval_text(
        "{ inputs, ... }:\ninputs.atelier.lib.mkService {\n  name = \"wiki\";\n  extraConfig = cfg: { atelier.services.wiki.data.sqlite = \"${cfg.dataDir}/wiki.db\"; };\n}\n",
    );
    let f = v.unwrap();
    let args = Value::attrs([(
        "inputs".to_string(),
        Value::unknown_root("inputs", "flake inputs are not read", None),
    )]);
    let call = ev.apply(&f, args).unwrap();
    let u = call.as_unknown().expect("an unknown application");
    let (func, arg) = u.application().expect("records the application");
    assert_eq!(
        func.path().unwrap().join("."),
        "inputs.atelier.lib.mkService"
    );
    assert_eq!(u.location(), "main.nix:2:1");
    let arg = ev.force(arg).unwrap();
    assert_eq!(string_at(&mut ev, &arg, &["name"]), "wiki");
    // Discovery builds `cfg` and calls extraConfig with it.
    let extra = ev.select(&arg, &["extraConfig"]).unwrap().unwrap();
    let cfg = Value::attrs([("dataDir".to_string(), Value::string("/var/lib/wiki"))]);
    let data = ev.apply(&extra, cfg).unwrap();
    assert_eq!(
        string_at(
            &mut ev,
            &data,
            &["atelier", "services", "wiki", "data", "sqlite"]
        ),
        "/var/lib/wiki/wiki.db"
    );
}

#[test]
fn mk_if_and_friends_are_tagged_sets() {
    let (mut ev, v, _d) = eval_text(
        "{ lib, ... }: with lib; { a = mkIf true 1; b = mkMerge [ 1 ]; c = mkDefault 2; d = mkForce 3; }",
    );
    let f = v.unwrap();
    let args = module_args(&mut ev);
    let m = ev.apply(&f, args).unwrap();
    assert_eq!(string_at(&mut ev, &m, &["a", "_type"]), "if");
    assert_eq!(string_at(&mut ev, &m, &["b", "_type"]), "merge");
    assert_eq!(string_at(&mut ev, &m, &["c", "_type"]), "override");
    assert!(matches!(
        ev.select(&m, &["c", "priority"]).unwrap(),
        Some(Value::Int(1000))
    ));
    assert!(matches!(
        ev.select(&m, &["d", "priority"]).unwrap(),
        Some(Value::Int(50))
    ));
}

#[test]
fn nixos_system_records_its_modules_through_a_flake() {
    let dir = tmp_flake(&[
        (
            "flake.nix",
            "{\n  inputs.nixpkgs.url = \"github:NixOS/nixpkgs\";\n  outputs = { self, nixpkgs, ... }: {\n    nixosConfigurations.web = nixpkgs.lib.nixosSystem {\n      modules = [ ./hosts/web ];\n    };\n  };\n}\n",
        ),
        ("hosts/web/default.nix", "{ ... }: { networking.hostName = \"web\"; }"),
    ]);
    let mut ev = Evaluator::new(dir.path());
    let flake = ev.eval_file(&dir.path().join("flake.nix")).unwrap();
    let outputs = ev.select(&flake, &["outputs"]).unwrap().unwrap();
    let lib = ev.lib().unwrap();
    let inputs = Value::attrs([
        (
            "self".to_string(),
            Value::unknown_root("self", "self", None),
        ),
        (
            "nixpkgs".to_string(),
            Value::attrs([("lib".to_string(), lib)]),
        ),
    ]);
    let out = ev.apply(&outputs, inputs).unwrap();
    let sys = ev
        .select(&out, &["nixosConfigurations", "web"])
        .unwrap()
        .unwrap();
    assert_eq!(string_at(&mut ev, &sys, &["_type"]), "nixosSystem");
    let modules = ev.select(&sys, &["modules"]).unwrap().unwrap();
    let first = ev.force(&modules.as_list().unwrap()[0]).unwrap();
    let Value::Path(p) = first else {
        panic!("a path module")
    };
    assert!(p.ends_with("hosts/web"));
    let module = ev.eval_file(&p).unwrap();
    let cfg = ev.apply(&module, Value::attrs([])).unwrap();
    assert_eq!(string_at(&mut ev, &cfg, &["networking", "hostName"]), "web");
}

#[test]
fn with_an_unknown_namespace_gives_unknowns_and_lexical_names_win() {
    let (mut ev, v, _d) = eval_text("{ pkgs }: let git = \"lexical\"; in with pkgs; [ git hello ]");
    let f = v.unwrap();
    let l = ev
        .apply(
            &f,
            Value::attrs([(
                "pkgs".to_string(),
                Value::unknown_root("pkgs", "pkgs", None),
            )]),
        )
        .unwrap();
    let items = l.as_list().unwrap().clone();
    assert_eq!(ev.force(&items[0]).unwrap().as_str(), Some("lexical"));
    let hello = ev.force(&items[1]).unwrap();
    assert_eq!(
        hello.as_unknown().unwrap().path().unwrap().join("."),
        "pkgs.hello"
    );
}

#[test]
fn an_unknown_set_updated_with_known_names_keeps_them() {
    // `specialArgs // { inherit ezModules; }` where `specialArgs` is not
    // known statically: `ezModules` is known, the other names are unknown.
    let (mut ev, v, _d) = eval_text("{ special }: special // { mods = { x = \"/m/x.nix\"; }; }");
    let f = v.unwrap();
    let s = ev
        .apply(
            &f,
            Value::attrs([(
                "special".to_string(),
                Value::unknown_root("special", "an option value", None),
            )]),
        )
        .unwrap();
    assert_eq!(string_at(&mut ev, &s, &["mods", "x"]), "/m/x.nix");
    let other = ev.select(&s, &["inputs"]).unwrap().unwrap();
    assert!(other.as_unknown().is_some(), "{}", other.type_name());
}

#[test]
fn unused_unknowns_and_errors_never_fail() {
    let (mut ev, v, _d) =
        eval_text("{ used = \"ok\"; unused = builtins.throw \"no\"; alsoUnused = <nixpkgs>; }");
    let v = v.unwrap();
    assert_eq!(string_at(&mut ev, &v, &["used"]), "ok");
}

#[test]
fn every_parse_error_is_reported() {
    let (_ev, v, _d) = eval_text("{\n  a = ;\n  b = [ 1;\n  c = 3\n}\n");
    let diags = v.unwrap_err();
    assert!(diags.len() >= 2, "{diags:?}");
    assert!(diags.iter().all(|d| d.code == "parse-error"));
    let locs: Vec<String> = diags
        .iter()
        .map(|d| d.span.as_ref().unwrap().location())
        .collect();
    assert_eq!(locs[0], "main.nix:2:7");
    assert!(
        locs.iter().any(|l| l.starts_with("main.nix:3:")),
        "{locs:?}"
    );
}

#[test]
fn eval_source_and_builtins_table() {
    let dir = tempfile::tempdir().unwrap();
    let mut ev = Evaluator::new(dir.path());
    let v = ev
        .eval_source(
            "inline.nix",
            dir.path(),
            "builtins.concatStringsSep \"-\" [ \"a\" \"b\" ]",
        )
        .unwrap();
    assert_eq!(v.as_str(), Some("a-b"));
    assert!(atelier::nix::BUILTINS.iter().any(|b| b.name == "toString"));
}

const TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    "(",
    ")",
    ";",
    "=",
    ":",
    "@",
    ",",
    ".",
    "...",
    "?",
    "or",
    "rec",
    "let",
    "in",
    "with",
    "inherit",
    "if",
    "then",
    "else",
    "assert",
    "x",
    "y",
    "f",
    "1",
    "2.5",
    "\"s\"",
    "\"${x}\"",
    "''a ${y} ''",
    "./p.nix",
    "+",
    "-",
    "*",
    "/",
    "++",
    "//",
    "==",
    "!=",
    "<",
    ">",
    "&&",
    "||",
    "->",
    "!",
    "null",
    "true",
    "import",
    "builtins.map",
    "toString",
    "throw \"t\"",
    "''$",
    "'''",
    "\\",
    "$",
    "#c\n",
    "/*",
    "*/",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, .. ProptestConfig::default() })]
    /// No input makes the reader or the evaluator panic.
    #[test]
    fn no_panics_on_arbitrary_token_soup(idx in proptest::collection::vec(0..TOKENS.len(), 0..40)) {
        let text: String = idx.iter().map(|i| TOKENS[*i]).collect::<Vec<_>>().join(" ");
        let dir = tmp_flake(&[("main.nix", &text), ("p.nix", "{ x = 1; }")]);
        let mut ev = Evaluator::new(dir.path());
        if let Ok(v) = ev.eval_file(&dir.path().join("main.nix")) {
            let _ = ev.force_deep(&v);
        }
    }

    #[test]
    fn no_panics_on_arbitrary_text(text in "\\PC{0,80}") {
        let dir = tmp_flake(&[("main.nix", &text)]);
        let mut ev = Evaluator::new(dir.path());
        if let Ok(v) = ev.eval_file(&dir.path().join("main.nix")) {
            let _ = ev.force_deep(&v);
        }
    }
}

#[test]
fn unsupported_builtins_are_unknown_with_their_location() {
    let (mut ev, v, _d) = eval_text("{ h = builtins.fetchurl \"https://x\"; ok = 1; }");
    let v = v.unwrap();
    let h = ev.select(&v, &["h"]).unwrap().unwrap();
    let u = h.as_unknown().expect("unknown");
    assert_eq!(u.location(), "main.nix:1:7");
    let (func, _) = u.application().expect("an application");
    let func = func.application().map_or(func, |(f, _)| f);
    assert_eq!(func.path().unwrap().join("."), "builtins.fetchurl");
    assert!(u.reason.contains("builtins.fetchurl"), "{}", u.reason);
}

/// `builtins` has Nix 2.8's names, no others: code that tests for a
/// builtin (`builtins ? warn`) takes the branch Nix takes.
#[test]
fn builtins_has_nix_names_only() {
    let (mut ev, v, _d) = eval_text(
        "{ fnord = builtins ? fnord; fetchurl = builtins ? fetchurl; self = builtins.builtins ? map; getFlake = builtins ? getFlake; }",
    );
    let v = v.unwrap();
    for (name, want) in [
        ("fnord", false),
        ("fetchurl", true),
        ("self", true),
        ("getFlake", true),
    ] {
        let got = ev.select(&v, &[name]).unwrap().unwrap();
        assert!(
            matches!(got, Value::Bool(b) if b == want),
            "{name}: {got:?}"
        );
    }
}

#[test]
fn partially_known_config() {
    let (mut ev, v, _d) = eval_text(
        "{ config, ... }: {\n  dir = config.atelier.services.app.dataDir;\n  port = config.services.app.port;\n  enabled = config.atelier.services.app.enable;\n}",
    );
    let f = v.unwrap();
    let app = Value::attrs([
        ("dataDir".to_string(), Value::string("/srv/app")),
        ("enable".to_string(), Value::Bool(true)),
    ]);
    let services = Value::attrs([("app".to_string(), app)]);
    let atelier = Value::attrs([("services".to_string(), services)]);
    let config = Value::partial_attrs(
        [("atelier".to_string(), atelier)],
        &Value::unknown_root("config", "only the atelier options are known", None),
    );
    let m = ev
        .apply(&f, Value::attrs([("config".to_string(), config)]))
        .unwrap();
    assert_eq!(string_at(&mut ev, &m, &["dir"]), "/srv/app");
    assert!(matches!(
        ev.select(&m, &["enabled"]).unwrap(),
        Some(Value::Bool(true))
    ));
    let port = ev.select(&m, &["port"]).unwrap().unwrap();
    let u = port.as_unknown().expect("unknown port");
    assert_eq!(u.path().unwrap().join("."), "config.services.app.port");
    assert_eq!(u.location(), "main.nix:3:10");
}

/// A regular expression the `regex` crate cannot read (a back-reference)
/// is unknown, with its place, rather than a wrong answer or an error.
#[test]
fn unreadable_regex_is_unknown_not_wrong() {
    let (_ev, v, _dir) = eval_text("builtins.match \"(a)\\\\1\" \"aa\"");
    let v = v.unwrap();
    let Value::Unknown(u) = &v else {
        panic!("expected an unknown, got {v:?}");
    };
    assert!(u.reason.contains("regular expression"), "{}", u.reason);
    assert!(u.span.is_some(), "the unknown says where");
}

fn fixture_files(dir: &str) -> Vec<std::path::PathBuf> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/eval")
        .join(dir);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "nix"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no fixtures in {}", dir.display());
    files
}

/// Forces `v` deeply; the first unknown found, if any.
fn first_unknown(ev: &mut Evaluator, v: &Value) -> Option<String> {
    let thunks: Vec<_> = match v {
        Value::Unknown(u) => return Some(u.reason.clone()),
        Value::List(items) => items.iter().cloned().collect(),
        Value::Attrs(a) => {
            if let Some(u) = &a.unknown_keys {
                return Some(u.reason.clone());
            }
            a.entries.values().map(|e| e.value.clone()).collect()
        }
        _ => return None,
    };
    thunks.iter().find_map(|t| {
        let x = ev.force(t).unwrap();
        first_unknown(ev, &x)
    })
}

/// tests/data/eval/unknown/*.nix: what depends on an unknown stays unknown
/// (Nix's own language tests once caught atelier making these concrete).
#[test]
fn unknown_fixtures_stay_unknown() {
    let mut wrong = Vec::new();
    for file in fixture_files("unknown") {
        let mut ev = Evaluator::new(file.parent().unwrap());
        let v = ev
            .eval_file(&file)
            .unwrap_or_else(|d| panic!("{}: {}", file.display(), d[0].message));
        if first_unknown(&mut ev, &v).is_none() {
            wrong.push(format!(
                "{}: a concrete value, {v:?}, where it depends on an unknown",
                file.display()
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// tests/data/eval/reject/*.nix: what Nix rejects is an error here too,
/// with the code named in the file's first line (`# error: CODE`).
#[test]
fn reject_fixtures_are_errors() {
    for file in fixture_files("reject") {
        let text = std::fs::read_to_string(&file).unwrap();
        let code = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# error: "))
            .unwrap_or_else(|| panic!("{}: first line must be `# error: CODE`", file.display()))
            .trim();
        let mut ev = Evaluator::new(file.parent().unwrap());
        let r = ev
            .eval_file(&file)
            .and_then(|v| ev.force_deep(&v).map(|()| v));
        match r {
            Ok(v) => panic!("{}: accepted, gives {v:?}", file.display()),
            Err(d) => assert_eq!(d[0].code, code, "{}: {}", file.display(), d[0].message),
        }
    }
}

/// A tail call that never ends is an error (not a hang, not a stack
/// overflow while the long chain of arguments it built is freed).
#[test]
fn endless_tail_recursion_is_an_error() {
    let (_ev, v, _d) = eval_text("let f = n: f (n + 1); in f 0");
    let diags = v.unwrap_err();
    assert_eq!(diags[0].code, "evaluation-too-deep", "{}", diags[0].message);
}

/// `x ? a` does not force `x.a` (as in Nix): `lib.fix` on a set that asks
/// whether it has an attribute is no recursion.
#[test]
fn has_attr_does_not_force_the_last_attribute() {
    let (mut ev, v, _dir) = eval_text(
        r#"let fix = f: let x = f x; in x; in fix (x: { a = if x ? a then "a" else "b"; b = x ? a.c; c = { d = 1; }; e = x ? c.d; })"#,
    );
    let v = v.unwrap();
    assert_eq!(string_at(&mut ev, &v, &["a"]), "a");
    assert!(matches!(
        ev.select(&v, &["b"]).unwrap(),
        Some(Value::Bool(false))
    ));
    assert!(matches!(
        ev.select(&v, &["e"]).unwrap(),
        Some(Value::Bool(true))
    ));
}

/// A path interpolated into a string is the store path Nix copies it to,
/// but reading through that string (`import`, `readFile`, `pathExists`)
/// reads the flake's own file: nothing is in the store.
#[test]
fn store_copies_of_sources_read_back_as_the_source() {
    let (mut ev, v, tmp) = eval_text(
        r#"{
          text = builtins.readFile "${./sub}/data.txt";
          imported = import "${./sub}/value.nix";
          exists = builtins.pathExists "${./sub}/value.nix";
          flat = builtins.readFile (builtins.path { path = ./sub/data.txt; recursive = false; });
        }"#,
    );
    // Written after the evaluator read main.nix: only the file names matter.
    let dir = tmp.path();
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::write(dir.join("sub/data.txt"), "x = 1\n").unwrap();
    std::fs::write(dir.join("sub/value.nix"), "{ a = 1; }\n").unwrap();
    let v = v.unwrap();
    let text = ev.select(&v, &["text"]).unwrap().unwrap();
    assert_eq!(text.as_str(), Some("x = 1\n"));
    let a = ev.select(&v, &["imported", "a"]).unwrap().unwrap();
    assert!(matches!(a, Value::Int(1)), "{a:?}");
    let exists = ev.select(&v, &["exists"]).unwrap().unwrap();
    assert!(matches!(exists, Value::Bool(true)), "{exists:?}");
    let flat = ev.select(&v, &["flat"]).unwrap().unwrap();
    assert_eq!(flat.as_str(), Some("x = 1\n"));
}

/// `readDir` of a source copied through a filter (`filterSource`,
/// `builtins.path { filter; }`) lists what the filter kept, and a set with
/// `outPath` or `__toString` (a `lib.cleanSourceWith` result, as divnix/incl
/// gives paisano's `cellsFrom`) is a path argument, as Nix's `coerceToPath`
/// takes it. The expected values are Nix 2.8's (`nix eval --json --file`,
/// in read-write mode: in read-only mode nothing is in the store to list).
#[test]
fn read_dir_lists_what_a_source_filter_kept_and_takes_sets_with_out_path() {
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/eval");
    let mut ev = Evaluator::new(&data);
    let v = ev
        .eval_source(
            "main.nix",
            &data,
            r#"
            let
              filtered = builtins.filterSource (path: type: type == "directory" || baseNameOf path == "run.sh") ./store/tree;
              cleaned = {
                outPath = builtins.path { path = ./store/tree; name = "tree"; filter = path: type: baseNameOf path != "sub"; };
                origSrc = ./store/tree;
              };
            in
            builtins.toJSON {
              a = builtins.readDir filtered;
              b = builtins.readDir "${filtered}/sub";
              c = builtins.readDir cleaned;
              d = builtins.readDir { outPath = ./store/tree; };
              e = builtins.readDir { __toString = _: "${./store/tree}/sub"; };
              f = builtins.pathExists cleaned;
            }
            "#,
        )
        .unwrap();
    let got: serde_json::Value = serde_json::from_str(v.as_str().unwrap()).unwrap();
    assert_eq!(
        got,
        serde_json::json!({
            "a": { "run.sh": "regular", "sub": "directory" },
            "b": {},
            "c": { "link": "symlink", "run.sh": "regular" },
            "d": { "link": "symlink", "run.sh": "regular", "sub": "directory" },
            "e": { "data.toml": "regular", "default.nix": "regular" },
            "f": true
        })
    );
}

/// `builtins.path` with `recursive = false` and an expected `sha256`: the
/// path Nix 2.8 gives in read-write mode (`nix-instantiate --store /tmp/x
/// --read-write-mode`; its read-only mode wrongly reports a mismatch), and
/// a wrong hash is an error that names both paths.
#[test]
fn builtins_path_checks_the_expected_hash() {
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/eval");
    let mut ev = Evaluator::new(&data);
    let ok = ev
        .eval_source(
            "main.nix",
            &data,
            r#"builtins.path { path = ./store/file.txt; recursive = false; sha256 = "00xyyr3fi8l6hb839bv3f7yb86yjv7xi1cgh1xnhipym4asvb4aq"; }"#,
        )
        .unwrap();
    assert_eq!(
        ok.as_str(),
        Some("/nix/store/z1rahp9fy11h8yvihxhgj8vr2pb6db1a-file.txt")
    );
    let bad = ev
        .eval_source(
            "main.nix",
            &data,
            r#"builtins.path { path = ./store/file.txt; sha256 = "00xyyr3fi8l6hb839bv3f7yb86yjv7xi1cgh1xnhipym4asvb4aq"; }"#,
        )
        .unwrap_err();
    assert_eq!(bad[0].code, "hash-mismatch", "{}", bad[0].message);
    assert!(
        bad[0].message.contains("wanted /nix/store/"),
        "{}",
        bad[0].message
    );
}

/// What needs the store itself stays unknown, with the reason: a path in
/// the store (`storePath`), a file outside the flake.
#[test]
fn impure_store_builtins_are_unknown_with_a_reason() {
    let (mut ev, v, _d) = eval_text(
        r#"{
          sp = builtins.storePath "/nix/store/qjqcrhqkjmdgv3yqcgcd9fa7qi234hga-file.txt";
          outside = "${/etc}";
        }"#,
    );
    let v = v.unwrap();
    let sp = ev.select(&v, &["sp"]).unwrap().unwrap();
    let u = sp.as_unknown().expect("storePath is unknown");
    assert!(u.reason.contains("purely"), "{}", u.reason);
    assert_eq!(u.location(), "main.nix:2:16");
    let outside = ev.select(&v, &["outside"]).unwrap().unwrap();
    let u = outside
        .as_unknown()
        .expect("a path outside the flake is unknown");
    assert!(u.reason.contains("outside the flake"), "{}", u.reason);
}
