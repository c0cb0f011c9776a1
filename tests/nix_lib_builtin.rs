//! Functions of atelier's built-in `lib` that stand in for whole parts of
//! nixpkgs' lib: `evalModules` (on atelier's module system),
//! `systems.elaborate` and `systems.doubles`, `licenses`, and the license
//! lookups over `lib.licenses`.
//!
//! Each case is checked against the expected value and, when
//! `ATELIER_NIXPKGS_LIB` points at nixpkgs' `lib`, against what the installed
//! Nix gives with that real lib (printing a `SKIP` line otherwise).

use std::path::{Path, PathBuf};
use std::process::Command;

use atelier::nix::{Evaluator, Value};

/// What atelier makes of `expr` (a Nix expression over `lib`, the built-in
/// lib, with `./` the directory `dir`): `Ok(json)` of its value (by
/// `builtins.toJSON`), or `Err` with the unknown's reason or the errors.
fn ours_in(dir: &Path, expr: &str) -> Result<serde_json::Value, String> {
    let (dir, expr) = (dir.to_path_buf(), expr.to_string());
    atelier::nix::with_large_stack(move || {
        let mut ev = Evaluator::new(&dir);
        ev.set_max_depth(atelier::nix::LARGE_STACK_MAX_DEPTH);
        let source = format!("lib: builtins.toJSON ({expr})");
        let show = |d: Vec<atelier::diagnostic::Diagnostic>| {
            d.iter()
                .map(atelier::diagnostic::Diagnostic::short)
                .collect::<Vec<_>>()
                .join("; ")
        };
        let f = ev.eval_source("case.nix", &dir, &source).map_err(show)?;
        let lib = ev.lib().map_err(show)?;
        let v = ev.apply(&f, lib).map_err(show)?;
        let r = match v {
            Value::String(s) => serde_json::from_str(&s.to_string()).map_err(|e| e.to_string()),
            Value::Unknown(u) => Err(format!("unknown: {}", u.reason)),
            other => Err(format!("not a string: {other:?}")),
        };
        std::mem::forget(ev);
        r
    })
}

fn ours(expr: &str) -> Result<serde_json::Value, String> {
    ours_in(Path::new(env!("CARGO_MANIFEST_DIR")), expr)
}

fn real_lib(test: &str) -> Option<PathBuf> {
    let lib = std::env::var_os("ATELIER_NIXPKGS_LIB").filter(|s| !s.is_empty());
    if lib.is_none() {
        eprintln!("SKIP {test} (real lib part): ATELIER_NIXPKGS_LIB is unset");
    }
    lib.map(PathBuf::from)
}

/// What Nix gives for `expr` with nixpkgs' real lib.
fn theirs_in(lib: &Path, dir: &Path, expr: &str) -> serde_json::Value {
    // Next to the case's own files (its `./` paths), one per call: the
    // tests run in parallel.
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let file = dir.join(format!(".theirs-case-{}-{n}.nix", std::process::id()));
    std::fs::write(
        &file,
        format!(
            "let lib = import {}; in builtins.toJSON ({expr})",
            lib.display()
        ),
    )
    .unwrap();
    let out = Command::new("nix-instantiate")
        .args(["--eval", "--strict", "--json"])
        .arg(&file)
        .env("NIX_REMOTE", "dummy://")
        .env("NIX_PATH", "")
        .output()
        .expect("running nix-instantiate");
    let _ = std::fs::remove_file(&file);
    assert!(
        out.status.success(),
        "Nix fails on {expr}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s: String = serde_json::from_slice(&out.stdout).expect("Nix's JSON string");
    serde_json::from_str(&s).expect("Nix's JSON")
}

fn check(test: &str, dir: &Path, expr: &str, expected: &serde_json::Value) {
    let got = ours_in(dir, expr).unwrap_or_else(|e| panic!("{expr}: {e}"));
    assert_eq!(&got, expected, "{expr}");
    if let Some(lib) = real_lib(test) {
        assert_eq!(
            &theirs_in(&lib, dir, expr),
            expected,
            "{expr} with nixpkgs' lib"
        );
    }
}

fn tmp(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

// ------------------------------------------------------------ evalModules

const MODULES: &str = r#"
  let
    e = lib.evalModules {
      modules = [
        ./options.nix
        ({ config, ... }: { bar = config.foo + 1; list = [ "b" ]; })
        { _module.args.extra = "x"; list = lib.mkBefore [ "a" ]; }
        ({ extra, host, specialArgs, _class, _prefix, ... }: {
          options.baz = lib.mkOption { default = extra + host + specialArgs.host; };
          config.seen = [ _class _prefix ];
        })
        ({ config, lib, ... }: lib.mkIf (config.foo > 0) { cond = "on"; })
      ];
      specialArgs = { host = "h"; };
      class = "test";
    };
    e2 = e.extendModules { modules = [ { foo = lib.mkForce 10; } ]; };
  in
  {
    inherit (e.config) foo bar baz list cond seen;
    bar2 = e2.config.bar;
    extra = e._module.args.extra;
    inherit (e) _type class;
  }
"#;

const OPTIONS: &str = r#"{ lib, ... }: {
  options.foo = lib.mkOption { default = 1; };
  options.bar = lib.mkOption { };
  options.list = lib.mkOption { default = [ ]; };
  options.cond = lib.mkOption { default = "off"; };
  options.seen = lib.mkOption { };
}
"#;

#[test]
fn eval_modules_gives_config_as_nixpkgs_does() {
    let dir = tmp(&[("options.nix", OPTIONS)]);
    check(
        "eval_modules_gives_config_as_nixpkgs_does",
        dir.path(),
        MODULES,
        &serde_json::json!({
            "foo": 1, "bar": 2, "baz": "xhh", "list": ["a", "b"], "cond": "on",
            "seen": ["test", []], "bar2": 11, "extra": "x",
            "_type": "configuration", "class": "test",
        }),
    );
}

/// `merge` of the attribute-set types, as a type of one's own or
/// `functionTo` calls it: each attribute's definitions discharged
/// (`mkIf`, `mkMerge`), the highest priority kept, merged by the element
/// type.
#[test]
fn attribute_set_types_merge_when_asked() {
    let dir = tmp(&[]);
    check(
        "attribute_set_types_merge_when_asked",
        dir.path(),
        "{ attrs = (lib.types.attrsOf lib.types.raw).merge [ \"x\" ] [ \
             { file = \"a\"; value = { a = 1; b = lib.mkIf false 2; d = lib.mkMerge [ (lib.mkIf true 4) ]; }; } \
             { file = \"b\"; value = { c = lib.mkForce 3; e = lib.mkDefault 5; }; } \
             { file = \"c\"; value = { c = 7; }; } ]; \
           fn = ((lib.types.functionTo (lib.types.lazyAttrsOf lib.types.raw)).merge [ \"p\" ] [ \
             { file = \"a\"; value = x: { a = x; }; } { file = \"b\"; value = x: { b = x + 1; }; } ]) 1; \
           plain = lib.types.attrs.merge [ \"y\" ] [ { file = \"a\"; value = { a = 1; }; } { file = \"b\"; value = { b = 2; }; } ]; }",
        &serde_json::json!({
            "attrs": { "a": 1, "c": 3, "d": 4, "e": 5 },
            "fn": { "a": 1, "b": 2 },
            "plain": { "a": 1, "b": 2 },
        }),
    );
}

/// `(lazyAttrsOf t).merge` keeps a name whose every definition is under a
/// false `mkIf`, as `t`'s empty value (`[ ]`, `{ }`, `null`); `attrsOf`
/// leaves it out.
#[test]
fn lazy_attrs_of_keeps_names_without_definitions_as_empty_values() {
    let dir = tmp(&[]);
    let defs = "[ { file = \"a\"; value = { a = lib.mkIf false [ 1 ]; b = [ 2 ]; }; } ]";
    check(
        "lazy_attrs_of_keeps_names_without_definitions_as_empty_values",
        dir.path(),
        &format!(
            "{{ lazyList = (lib.types.lazyAttrsOf (lib.types.listOf lib.types.int)).merge [ \"l\" ] {defs}; \
               strictList = (lib.types.attrsOf (lib.types.listOf lib.types.int)).merge [ \"s\" ] {defs}; \
               lazySet = (lib.types.lazyAttrsOf (lib.types.attrsOf lib.types.int)).merge [ \"m\" ] \
                 [ {{ file = \"a\"; value = {{ a = lib.mkIf false {{ x = 1; }}; }}; }} ]; \
               lazyNull = (lib.types.lazyAttrsOf (lib.types.nullOr lib.types.int)).merge [ \"n\" ] \
                 [ {{ file = \"a\"; value = {{ a = lib.mkIf false 1; }}; }} ]; \
               lazyStr = builtins.attrNames ((lib.types.lazyAttrsOf lib.types.str).merge [ \"t\" ] \
                 [ {{ file = \"a\"; value = {{ a = lib.mkIf false \"s\"; }}; }} ]); \
               lazyStrValue = (builtins.tryEval ((lib.types.lazyAttrsOf lib.types.str).merge [ \"t\" ] \
                 [ {{ file = \"a\"; value = {{ a = lib.mkIf false \"s\"; }}; }} ]).a).success; }}"
        ),
        &serde_json::json!({
            "lazyList": { "a": [], "b": [2] },
            "strictList": { "b": [2] },
            "lazySet": { "a": {} },
            "lazyNull": { "a": null },
            "lazyStr": ["a"],
            "lazyStrValue": false,
        }),
    );
}

/// An option declared with a function from `_module.args`
/// (perstarkse/infra's `mkStandardEndpointsOptions`): reading
/// `config._module.args` for it is not infinite recursion, and a
/// declaration at one path may read config at another.
#[test]
fn options_declared_through_module_arguments() {
    let dir = tmp(&[]);
    check(
        "options_declared_through_module_arguments",
        dir.path(),
        "let t = (lib.evalModules { modules = [ \
           ({ lib, mk, ... }: { options.t.y = mk 3; }) \
           ({ lib, config, ... }: { options.t.x = lib.mkOption { default = 1; }; \
              options.t.z = if config.t.x == 1 then lib.mkOption { default = 2; } else { }; \
              config._module.args.mk = d: lib.mkOption { default = d; }; }) ]; }).config.t; \
         in { inherit (t) x y z; }",
        &serde_json::json!({ "x": 1, "y": 3, "z": 2 }),
    );
}

/// A flakelight-style module: `config` keyed by `attrNames options`, an
/// option's `internal`, `value` and `loc`, and an `attrsOf (submodule …)`
/// behind `coercedTo` whose names are only the defined ones.
const OPTION_TREE: &str = r#"{ lib, options, ... }:
let
  inherit (lib) mkOption types;
  function = lib.mkOptionType { name = "function"; check = lib.isFunction; merge = lib.options.mergeOneOption; };
  optCallWith = args: elemType: types.coercedTo function (x: x args) elemType;
in {
  options.devShells = mkOption {
    type = optCallWith { } (types.lazyAttrsOf (types.submodule { options.x = mkOption { default = 1; }; }));
    default = { };
  };
  options.names = mkOption { default = null; };
  options.hidden = mkOption { internal = true; type = types.str; default = "h"; };
  config.names = builtins.attrNames (removeAttrs options [ "_module" ]);
}
"#;

#[test]
fn eval_modules_gives_the_option_tree() {
    let dir = tmp(&[("tree.nix", OPTION_TREE)]);
    check(
        "eval_modules_gives_the_option_tree",
        dir.path(),
        "let r = lib.evalModules { modules = [ ./tree.nix ]; }; in { \
           empty = r.config.devShells == { }; names = r.config.names; \
           internal = r.options.hidden.internal; value = r.options.hidden.value; \
           loc = r.options.hidden.loc; top = builtins.attrNames r.options; }",
        &serde_json::json!({
            "empty": true, "names": ["devShells", "hidden", "names"],
            "internal": true, "value": "h", "loc": ["hidden"],
            "top": ["_module", "devShells", "hidden", "names"],
        }),
    );
    // An option only a module atelier-gen did not read could declare.
    let dir = tmp(&[("options.nix", OPTIONS)]);
    let e = ours_in(
        dir.path(),
        "(lib.evalModules { modules = [ ./options.nix ]; }).config.services.nginx",
    )
    .unwrap_err();
    assert!(e.starts_with("unknown: "), "{e}");
}

/// Modules that guard options by reading `options.<path>.isDefined` (a
/// module declaring an option only to refuse it, as divnix/hive's bee
/// module does): an option is defined when a definition survives its
/// `mkIf`s and `mkMerge`s, or when it has a `default`; `highestPrio` is the
/// lowest priority number among them (9999 for none), as `mergeDefinitions`
/// gives them.
const GUARDED: &str = r#"{ lib, ... }:
let
  guard = path: { options, ... }: let opt = lib.getAttrFromPath path options; in {
    options = lib.setAttrByPath path (lib.mkOption { visible = false; });
    config.alerts = [ { at = lib.showOption path; ok = !opt.isDefined; } ];
  };
in {
  imports = [ (guard [ "p" "q" ]) (guard [ "p" "r" ]) (guard [ "s" ]) ];
  options.alerts = lib.mkOption { type = lib.types.listOf lib.types.unspecified; default = [ ]; };
  options.a = lib.mkOption { };
  options.c = lib.mkOption { };
  options.d = lib.mkOption { default = 1; };
  options.e = lib.mkOption { };
  options.f.g = lib.mkOption { };
  options.h = lib.mkOption { type = lib.types.submodule { options.i = lib.mkOption { }; }; };
  options.k = lib.mkOption { type = lib.types.submodule { options.i = lib.mkOption { }; }; };
}
"#;

#[test]
fn options_say_whether_they_are_defined_as_nixpkgs_does() {
    let dir = tmp(&[("guarded.nix", GUARDED)]);
    check(
        "options_say_whether_they_are_defined_as_nixpkgs_does",
        dir.path(),
        "let e = lib.evalModules { modules = [ ./guarded.nix \
             { p.r = lib.mkIf false 1; s = lib.mkMerge [ (lib.mkIf true 2) ]; c = lib.mkForce 2; \
               e = lib.mkMerge [ ]; f = lib.mkIf true { g = lib.mkDefault 3; }; h = { }; } \
             { config._module.freeformType = lib.types.unspecified; config.free = 1; } ]; }; \
           names = [ \"a\" \"c\" \"d\" \"e\" \"h\" \"k\" \"s\" ]; \
         in { alerts = e.config.alerts; \
              defined = lib.genAttrs names (n: e.options.${n}.isDefined) \
                // { fg = e.options.f.g.isDefined; pq = e.options.p.q.isDefined; }; \
              prio = lib.genAttrs names (n: e.options.${n}.highestPrio) // { fg = e.options.f.g.highestPrio; }; }",
        &serde_json::json!({
            "alerts": [
                { "at": "s", "ok": false },
                { "at": "p.r", "ok": true },
                { "at": "p.q", "ok": true },
            ],
            "defined": {
                "a": false, "c": true, "d": true, "e": false, "fg": true,
                "h": true, "k": false, "pq": false, "s": true,
            },
            "prio": {
                "a": 9999, "c": 50, "d": 1500, "e": 9999, "fg": 1000,
                "h": 100, "k": 9999, "s": 100,
            },
        }),
    );
}

/// A definition under a condition only Nix knows leaves `isDefined`
/// unknown, naming that condition; one certain definition beside it is
/// enough.
#[test]
fn is_defined_under_an_unknown_condition_is_unknown() {
    let dir = tmp(&[("guarded.nix", GUARDED)]);
    let e = ours_in(
        dir.path(),
        "let e = lib.evalModules { modules = [ ./guarded.nix \
           ({ cond, ... }: { a = lib.mkIf cond.x 1; c = lib.mkIf cond.x 1; }) { c = 2; } ]; \
           specialArgs.cond = lib.maintainers; }; \
         in [ e.options.c.isDefined e.options.a.isDefined ]",
    )
    .unwrap_err();
    assert!(
        e.starts_with("unknown: ") && e.contains("maintainer list"),
        "{e}"
    );
    let got = ours_in(
        dir.path(),
        "let e = lib.evalModules { modules = [ ./guarded.nix \
           ({ cond, ... }: { a = lib.mkIf cond.x 1; c = lib.mkIf cond.x 1; }) { c = 2; } ]; \
           specialArgs.cond = lib.maintainers; }; \
         in e.options.c.isDefined",
    )
    .unwrap();
    assert_eq!(got, serde_json::json!(true));
}

/// `lib.nixos.evalModules` (nixpkgs' flake adds `lib.nixos`, as divnix/hive
/// reads it): `lib.evalModules` for class "nixos", with `modulesPath` a
/// named unknown (nixpkgs' nixos/modules is not here).
#[test]
fn nixos_eval_modules_is_eval_modules_for_nixos() {
    let got = ours(
        "let e = lib.nixos.evalModules { modules = [ { options.a = lib.mkOption { default = 1; }; } ({ config, x, ... }: { options.b = lib.mkOption { default = config.a + x; }; }) ]; specialArgs.x = 2; }; in [ e.config.a e.config.b e.class ]",
    )
    .unwrap();
    assert_eq!(got, serde_json::json!([1, 3, "nixos"]));
    let e = ours(
        "(lib.nixos.evalModules { modules = [ ({ modulesPath, ... }: { options.p = lib.mkOption { default = modulesPath; }; }) ]; }).config.p",
    )
    .unwrap_err();
    assert!(e.contains("nixpkgs' nixos/modules"), "{e}");
    let e = ours("lib.nixos.runTest").unwrap_err();
    assert!(e.contains("`lib.nixos.evalModules` only"), "{e}");
}

/// Submodules with a `freeformType` (den's `flake` option and host
/// tables, sini/nix-config): attributes no option declares merge by that
/// type — an `attrsOf (submodule …)` freeform type giving each its
/// submodule's defaults, computed from its own `name` and `config` — and,
/// every module of the call being read, the value's names are known:
/// the declared ones and the defined ones.
#[test]
fn freeform_submodules_merge_undeclared_attributes_by_their_type() {
    let dir = tmp(&[]);
    check(
        "freeform_submodules_merge_undeclared_attributes_by_their_type",
        dir.path(),
        r#"let
          inherit (lib) types mkOption;
          machine = group: types.submodule ({ name, config, ... }: {
            freeformType = types.attrsOf types.anything;
            options.label = mkOption { type = types.str; default = "${group}/${name}"; };
            options.size = mkOption { type = types.int; default = 1; };
            options.big = mkOption { type = types.bool; default = config.size > 2; };
          });
          e = lib.evalModules { modules = [
            {
              options.out = mkOption {
                type = types.submodule {
                  imports = [ { options.kept = mkOption { default = "k"; }; } ];
                  freeformType = types.lazyAttrsOf types.unspecified;
                };
                default = { };
              };
              options.groups = mkOption {
                type = types.attrsOf (types.submodule ({ name, ... }: {
                  freeformType = types.attrsOf (machine name);
                }));
                default = { };
              };
            }
            { out.hosts.a = 1; groups.g.m1 = { size = 3; note = "n"; }; }
            { out.hosts.b = 2; out.list = [ "x" ]; groups.g.m2 = { }; }
            ({ config, ... }: { out.seen = builtins.attrNames config.out; })
          ]; };
          c = e.config;
        in {
          names = builtins.attrNames c.out;
          inherit (c.out) hosts list kept seen;
          groups = builtins.attrNames c.groups.g;
          m1 = c.groups.g.m1;
          m2 = c.groups.g.m2;
        }"#,
        &serde_json::json!({
            "names": ["hosts", "kept", "list", "seen"],
            "hosts": { "a": 1, "b": 2 },
            "list": ["x"],
            "kept": "k",
            "seen": ["hosts", "kept", "list", "seen"],
            "groups": ["m1", "m2"],
            "m1": { "big": true, "label": "g/m1", "note": "n", "size": 3 },
            "m2": { "big": false, "label": "g/m2", "size": 1 },
        }),
    );
}

/// A module of the call that atelier-gen cannot read (its `imports` only
/// Nix knows) may define any attribute of a submodule value: its names
/// are then unknown, and say which module — not a name missing.
#[test]
fn names_a_module_not_read_may_define_are_unknown_and_say_why() {
    let dir = tmp(&[]);
    let e = ours_in(
        dir.path(),
        r#"let
          e = lib.evalModules { modules = [
            { options.out = lib.mkOption {
                type = lib.types.submodule { freeformType = lib.types.lazyAttrsOf lib.types.raw; };
                default = { };
              }; }
            { out.a = 1; }
            { imports = builtins.fetchTarball { url = "https://example.org/m.tar.gz"; sha256 = lib.fakeSha256; }; }
          ]; };
        in e.config.out ? b"#,
    )
    .unwrap_err();
    assert!(e.starts_with("unknown: "), "{e}");
    assert!(e.contains("fetchTarball"), "{e}");
}

#[test]
fn eval_modules_with_a_missing_import_is_an_error() {
    let dir = tmp(&[]);
    let e = ours_in(
        dir.path(),
        "(lib.evalModules { modules = [ { imports = [ ./nowhere.nix ]; } ]; }).config",
    )
    .unwrap_err();
    assert!(e.contains("import-not-found"), "{e}");
}

// ------------------------------------------------------------ systems

/// The attributes a host configuration reads, exact against nixpkgs.
const PLATFORM_ATTRS: &str = "system config parsed isLinux isDarwin isMacOS isFreeBSD isNetBSD
  isOpenBSD isBSD isUnix isWasi isx86_64 isi686 isx86 isx86_32 isAarch isAarch64 isAarch32 isArmv7
  isRiscV isRiscV32 isRiscV64 isPower isPower64 isS390 isS390x isLoongArch64 isMips isMips32
  isMips64 isWasm is32bit is64bit isLittleEndian isBigEndian isMusl isGnu isStatic isEfi libc
  linker linuxArch qemuArch efiArch uname useLLVM";

fn platform(system: &str) -> String {
    // `parsed.abi.assertions` holds functions in nixpkgs: left out.
    format!(
        "let e = lib.systems.elaborate {system}; in {{ inherit (e) {PLATFORM_ATTRS}; }} // {{ parsed = e.parsed // {{ abi = removeAttrs e.parsed.abi [ \"assertions\" ]; }}; }}"
    )
}

#[test]
fn systems_elaborate_gives_nixpkgs_platform_attributes() {
    let test = "systems_elaborate_gives_nixpkgs_platform_attributes";
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let got = ours(&platform("\"x86_64-linux\"")).unwrap();
    assert_eq!(got["config"], "x86_64-unknown-linux-gnu");
    assert_eq!(got["parsed"]["cpu"]["bits"], 64);
    assert_eq!(got["parsed"]["kernel"]["name"], "linux");
    assert_eq!(got["isLinux"], true);
    assert_eq!(got["isx86_64"], true);
    assert_eq!(got["linuxArch"], "x86_64");
    let got = ours(&platform("\"aarch64-darwin\"")).unwrap();
    assert_eq!(got["config"], "arm64-apple-darwin");
    assert_eq!(got["isDarwin"], true);
    assert_eq!(got["isAarch64"], true);
    assert_eq!(got["uname"]["processor"], "arm64");
    let got = ours(&platform("{ config = \"aarch64-unknown-linux-musl\"; }")).unwrap();
    assert_eq!(got["system"], "aarch64-linux");
    assert_eq!(got["isMusl"], true);
    assert_eq!(got["libc"], "musl");
    let Some(lib) = real_lib(test) else {
        return;
    };
    for s in [
        "\"x86_64-linux\"",
        "\"aarch64-linux\"",
        "\"i686-linux\"",
        "\"armv5tel-linux\"",
        "\"armv6l-linux\"",
        "\"armv7l-linux\"",
        "\"riscv32-linux\"",
        "\"riscv64-linux\"",
        "\"powerpc64le-linux\"",
        "\"s390x-linux\"",
        "\"loongarch64-linux\"",
        "\"mipsel-linux\"",
        "\"mips64el-linux\"",
        "\"x86_64-darwin\"",
        "\"aarch64-darwin\"",
        "\"x86_64-freebsd\"",
        "\"aarch64-freebsd\"",
        "\"i686-freebsd\"",
        "\"x86_64-netbsd\"",
        "\"x86_64-openbsd\"",
        "\"wasm32-wasi\"",
        "{ system = \"aarch64-linux\"; }",
        "{ config = \"x86_64-unknown-linux-gnu\"; }",
        "{ config = \"x86_64-unknown-linux-musl\"; }",
        "{ config = \"aarch64-unknown-linux-musl\"; }",
        "{ config = \"armv7l-unknown-linux-musleabihf\"; }",
        "{ config = \"arm64-apple-darwin\"; }",
    ] {
        let expr = platform(s);
        let (a, b) = (
            ours(&expr).unwrap_or_else(|e| panic!("{s}: {e}")),
            theirs_in(&lib, here, &expr),
        );
        let differing: Vec<String> = b
            .as_object()
            .unwrap()
            .iter()
            .filter(|(k, v)| a.get(k.as_str()) != Some(v))
            .map(|(k, v)| format!("{k}: ours {:?}, nixpkgs {v}", a.get(k.as_str())))
            .collect();
        assert!(
            differing.is_empty(),
            "lib.systems.elaborate {s}: {differing:#?}"
        );
    }
    // meta.platformMatch on elaborated platforms, as misc.nix checks it.
    check(
        test,
        here,
        "lib.meta.platformMatch (lib.systems.elaborate \"x86_64-linux\") (lib.systems.elaborate \"x86_64-linux\").parsed",
        &serde_json::json!(true),
    );
}

#[test]
fn systems_elaborate_leaves_the_rest_unknown() {
    let e = ours("(lib.systems.elaborate \"x86_64-linux\").emulator").unwrap_err();
    assert!(e.contains("`emulator` needs nixpkgs' lib/systems"), "{e}");
    let e = ours("(lib.systems.elaborate \"sparc64-linux\").isLinux").unwrap_err();
    assert!(e.contains("not `sparc64-linux`"), "{e}");
}

// ------------------------------------------------------------ licenses

/// A flake's own license table, through `lib.extend`.
const LICENSES: &str = r#"
  let
    l = lib.extend (final: prev: {
      licenses = {
        mit = { spdxId = "MIT"; shortName = "mit"; };
        free = { shortName = "free"; };
        asl20 = { spdxId = "Apache-2.0"; shortName = "asl20"; };
      };
    });
  in
  [
    (l.getLicenseFromSpdxIdOr "MIT" null)
    (l.getLicenseFromSpdxIdOr "mIt" null)
    (l.getLicenseFromSpdxIdOr "apache-2.0" null)
    (l.getLicenseFromSpdxIdOr "MY LICENSE" l.licenses.free)
    (l.getLicenseFromSpdxIdOr "MY LICENSE" null)
    (l.getLicenseFromSpdxId "MIT")
    (l.meta.getLicenseFromSpdxIdOr "Apache-2.0" null).shortName
  ]
"#;

#[test]
fn license_lookups_read_lib_licenses() {
    check(
        "license_lookups_read_lib_licenses",
        Path::new(env!("CARGO_MANIFEST_DIR")),
        LICENSES,
        &serde_json::json!([
            { "spdxId": "MIT", "shortName": "mit" },
            { "spdxId": "MIT", "shortName": "mit" },
            { "spdxId": "Apache-2.0", "shortName": "asl20" },
            { "shortName": "free" },
            null,
            { "spdxId": "MIT", "shortName": "mit" },
            "asl20",
        ]),
    );
}

/// The built-in `lib.licenses` is nixpkgs' table (every license, every
/// attribute), with its compound-license operators and their helpers.
#[test]
fn the_built_in_license_table_is_nixpkgs() {
    let test = "the_built_in_license_table_is_nixpkgs";
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    check(
        test,
        here,
        "[ (lib.getLicenseFromSpdxIdOr \"mit\" null) lib.licenses.unfree.redistributable lib.licenses.gpl3.deprecated lib.licenses.asl20.url ]",
        &serde_json::json!([
            {
                "deprecated": false,
                "free": true,
                "fullName": "MIT License",
                "licenseType": "simple",
                "redistributable": true,
                "shortName": "mit",
                "spdxId": "MIT",
                "url": "https://spdx.org/licenses/MIT.html"
            },
            false,
            true,
            "https://spdx.org/licenses/Apache-2.0.html"
        ]),
    );
    check(
        test,
        here,
        "with lib.licenses; let z = OR [ (AND [ unfree gpl3 ]) (WITH (PLUS lgpl21) unfreeRedistributable) ]; in [ (isFree z) (isRedistributable z) (containsLicenses [ gpl3 ] z) (containsLicenses [ gpl3 lgpl21 unfreeRedistributable ] z) (toSPDX z) (evaluateNamedProperty \"deprecated\" false z) ]",
        &serde_json::json!([
            false,
            true,
            false,
            true,
            "(LicenseRef-nixos-unfree AND GPL-3.0) OR (LGPL-2.1+ WITH LicenseRef-nixos-unfreeRedistributable)",
            false
        ]),
    );
    // Every license, against nixpkgs' lib.
    let Some(lib) = real_lib(test) else {
        return;
    };
    let table = "lib.filterAttrs (_: l: !builtins.isFunction l) lib.licenses";
    let (ours, theirs) = (ours(table).unwrap(), theirs_in(&lib, here, table));
    let (ours, theirs) = (ours.as_object().unwrap(), theirs.as_object().unwrap());
    let differing: Vec<&String> = theirs
        .keys()
        .chain(ours.keys())
        .filter(|k| ours.get(k.as_str()) != theirs.get(k.as_str()))
        .collect();
    assert!(differing.is_empty(), "lib.licenses: {differing:?}");
    assert!(theirs.len() >= 250, "{} licenses", theirs.len());
    let functions = "builtins.attrNames (lib.filterAttrs (_: builtins.isFunction) lib.licenses)";
    assert_eq!(
        self::ours(functions).unwrap(),
        theirs_in(&lib, here, functions)
    );
}

// ------------------------------------------------------------ tryEval

#[test]
fn try_eval_around_a_dropped_unknown_is_unknown() {
    // Whether forcing an unknown throws is not known: `tryEval` cannot say
    // it succeeded.
    let e = ours(
        "builtins.tryEval (builtins.seq (lib.findFirst (s: s == lib.systems.examples) (throw \"no\") [ 1 ]) true)",
    )
    .unwrap_err();
    assert!(e.contains("whether this throws"), "{e}");
    let e = ours("builtins.tryEval (builtins.deepSeq lib.systems.examples true)").unwrap_err();
    assert!(e.contains("whether this throws"), "{e}");
    // A lookup that falls back to a `throw` throws (misc.nix's
    // testGetLicenseFromSpdxIdOrThrow), over the built-in license table.
    assert_eq!(
        ours("builtins.tryEval (builtins.seq (lib.getLicenseFromSpdxIdOr \"x\" (throw \"no\")) true)")
            .unwrap(),
        serde_json::json!({ "success": false, "value": false })
    );
    // Known values are as before.
    assert_eq!(
        ours("builtins.tryEval (builtins.seq 1 true)").unwrap(),
        serde_json::json!({ "success": true, "value": true })
    );
    assert_eq!(
        ours("builtins.tryEval (builtins.seq (throw \"x\") true)").unwrap(),
        serde_json::json!({ "success": false, "value": false })
    );
}

#[test]
fn eval_modules_reads_keys_priorities_orders_and_module_args() {
    let test = "eval_modules_reads_keys_priorities_orders_and_module_args";
    let dir = tmp(&[("options.nix", OPTIONS)]);
    for (expr, expected) in [
        // `_module` is in the modules' `config`, apart in the result.
        (
            "(lib.evalModules { modules = [ { _module.args.e = 1; } ]; })._module.args ? e",
            serde_json::json!(true),
        ),
        (
            "(lib.evalModules { modules = [ { key = \"k\"; imports = [ { key = \"k\"; foo = 2; } ]; } ./options.nix ]; }).config.foo",
            serde_json::json!(1),
        ),
        (
            "(lib.evalModules { modules = [ ./options.nix { foo = lib.mkMerge [ (lib.mkIf false 3) (lib.mkDefault 4) ]; } ]; }).config.foo",
            serde_json::json!(4),
        ),
        (
            "(lib.evalModules { modules = [ ./options.nix ({ config, ... }: { config.list = lib.mkAfter [ config.foo ]; }) { list = [ 0 ]; } ]; }).config.list",
            serde_json::json!([0, 1]),
        ),
        (
            "(lib.evalModules { modules = [ ./options.nix ({ pkgs, ... }: { foo = pkgs.n; }) { _module.args.pkgs = { n = 7; }; } ]; }).config.foo",
            serde_json::json!(7),
        ),
        (
            "let e = lib.evalModules { modules = [ ./options.nix ]; }; in (e.extendModules { specialArgs.z = 1; modules = [ ({ z, ... }: { foo = z; }) ]; }).config.foo",
            serde_json::json!(1),
        ),
    ] {
        check(test, dir.path(), expr, &expected);
    }
}

// ------------------------------------------------------------ types

#[test]
fn types_carry_nixpkgs_descriptions() {
    let test = "types_carry_nixpkgs_descriptions";
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (ty, expected) in [
        ("int", "signed integer"),
        ("number", "signed integer or floating point number"),
        (
            "ints.u16",
            "16 bit unsigned integer; between 0 and 65535 (both inclusive)",
        ),
        (
            "ints.s8",
            "8 bit signed integer; between -128 and 127 (both inclusive)",
        ),
        ("enum [ \"a\" 1 true ]", "one of \"a\", 1, true"),
        ("enum [ ]", "impossible (empty enum)"),
        ("nullOr (listOf str)", "null or (list of string)"),
        (
            "listOf (enum [ \"a\" \"b\" ])",
            "list of (one of \"a\", \"b\")",
        ),
        (
            "either ints.unsigned (nullOr bool)",
            "unsigned integer, meaning >=0, or null or boolean",
        ),
        (
            "oneOf [ str (listOf int) float ]",
            "string or list of signed integer or floating point number",
        ),
    ] {
        check(
            test,
            here,
            &format!("(with lib.types; {ty}).description"),
            &serde_json::json!(expected),
        );
    }
}

#[test]
fn described_types_merge_as_before() {
    // The module system still reads a described type by what it is: a
    // submodule in a list gets its defaults, a conflict in a `str` is one.
    let test = "described_types_merge_as_before";
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    check(
        test,
        here,
        r#"let c = (lib.evalModules { modules = [
            { options.l = lib.mkOption {
                type = lib.types.listOf (lib.types.submodule { options.a = lib.mkOption { default = 1; }; options.b = lib.mkOption { }; });
              };
              options.n = lib.mkOption { type = lib.types.nullOr lib.types.int; default = null; };
              options.m = lib.mkOption {
                type = lib.types.listOf (lib.types.submodule ({ name, ... }: { options.name = lib.mkOption { default = name; }; }));
              };
              config.m = [ { } { } ];
              options.s = lib.mkOption { type = lib.types.either lib.types.str (lib.types.listOf lib.types.str); };
              config.l = [ { b = 2; } ];
            }
            { s = [ "y" ]; }
          ]; }).config; in { inherit (c) n s; a = (builtins.head c.l).a; b = (builtins.head c.l).b; m = map (e: e.name) c.m; }"#,
        &serde_json::json!({
            "a": 1, "b": 2, "n": null, "s": [ "y" ],
            "m": [ "[definition 1-entry 1]", "[definition 1-entry 2]" ]
        }),
    );
    let e = ours(
        "(lib.evalModules { modules = [ { options.s = lib.mkOption { type = lib.types.str; }; } { s = \"a\"; } { s = \"b\"; } ]; }).config.s",
    )
    .unwrap_err();
    assert!(e.contains("conflicting definition values"), "{e}");
}

#[test]
fn types_merge_check_and_function_args_as_nixpkgs() {
    let test = "types_merge_check_and_function_args_as_nixpkgs";
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (expr, expected) in [
        (
            "with lib.types; map (t: t.name) [ str int bool float number ints.positive ints.u8 ints.s32 (enum [ 1 ]) (listOf int) (nullOr int) (either int str) (oneOf [ int str ]) (functionTo int) ]",
            serde_json::json!([
                "str", "int", "bool", "float", "either", "positiveInt", "unsignedInt8",
                "signedInt32", "enum", "listOf", "nullOr", "either", "either", "functionTo"
            ]),
        ),
        (
            "with lib.types; [ (mergeTypes str str).name (isType \"merge-error\" (mergeTypes str int)) ]",
            serde_json::json!(["str", true]),
        ),
        (
            "with lib.types; let e = mergeTypes (enum [ \"A\" ]) (enum [ \"X\" 2 ]); in [ e.description (map e.check [ \"A\" \"X\" 2 \"C\" ]) (str.check 1) (int.check 1) ]",
            serde_json::json!(["one of \"A\", \"X\", 2", [true, true, true, false], false, true]),
        ),
        (
            "with lib.types; [ (functionTo (listOf str)).description (lib.functionArgs ((functionTo int).merge [ ] [ { value = { a, b ? 1, ... }: a; } { value = { c ? 2, ... }: c; } ])) ]",
            serde_json::json!([
                "function that evaluates to a(n) list of string",
                { "a": false, "b": true, "c": true }
            ]),
        ),
    ] {
        check(test, here, expr, &expected);
    }
    // nixpkgs merges sized integers into `int`: not written here, unknown.
    let e = ours("(with lib.types; mergeTypes ints.u8 ints.u8).description").unwrap_err();
    assert!(e.starts_with("unknown: "), "{e}");
}

// ------------------------------------------------------------ filterAttrs

/// `filterAttrs` by a predicate only Nix knows (`builtins.nixVersion`
/// here) leaves the result's names unknown but among the input's, so a
/// `//` or a zip of such sets still has every other name known: what a
/// flake's own `mkFlake` gives when it merges per-system outputs filtered
/// by a package's `meta.platforms` into its outputs (hlissner/dotfiles).
#[test]
fn names_a_filter_only_nix_knows_can_keep_stay_bounded() {
    let expr = r#"
      let
        kept = lib.filterAttrs (n: v: v == builtins.nixVersion) { a = "2.8.0"; b = "none"; };
        perSystem = lib.filterAttrs (n: v: v != { }) { apps = { }; checks = kept; };
        merged = builtins.zipAttrsWith (n: vs: builtins.head vs) [ perSystem { packages = 1; } ];
        out = { description = "d"; hosts = { h = 1; }; } // merged;
      in {
        inherit (out) hosts packages;
        hasHosts = out ? hosts;
        hasApps = out ? apps;
        appsOr = out.apps or "none";
        unequal = (kept // { c = 1; }) == { d = 1; };
        getAttr = builtins.getAttr "hosts" ({ hosts = 2; } // kept);
        # nixpkgs' own filterAttrs: removeAttrs of a filtered name list.
        removed = let r = builtins.removeAttrs { a = 1; b = 2; c = 3; }
          (builtins.filter (n: n == "a" || builtins.nixVersion == "none") [ "a" "b" ]);
          in { inherit (r) c; hasC = r ? c; hasD = r ? d; };
      }
    "#;
    check(
        "names_a_filter_only_nix_knows_can_keep_stay_bounded",
        Path::new(env!("CARGO_MANIFEST_DIR")),
        expr,
        &serde_json::json!({
            "hosts": { "h": 1 }, "packages": 1, "hasHosts": true, "hasApps": false,
            "appsOr": "none", "unequal": false, "getAttr": 2,
            "removed": { "c": 3, "hasC": true, "hasD": false }
        }),
    );
    // The names the filter may keep stay unknown, and so do the set's names.
    for unknown in [
        "builtins.attrNames (lib.filterAttrs (n: v: v == builtins.nixVersion) { a = \"x\"; })",
        "(lib.filterAttrs (n: v: v == builtins.nixVersion) { a = \"x\"; }) ? a",
        "({ a = 1; } // lib.filterAttrs (n: v: v == builtins.nixVersion) { a = \"x\"; }).a",
        "lib.filterAttrs (n: v: v == builtins.nixVersion) { a = \"x\"; } == { }",
        "builtins.removeAttrs { b = 2; } (builtins.filter (n: builtins.nixVersion == n) [ \"b\" ]) ? b",
        "builtins.length (builtins.filter (n: builtins.nixVersion == n) [ \"b\" ])",
    ] {
        let e = ours(unknown).unwrap_err();
        assert!(e.starts_with("unknown: "), "{unknown}: {e}");
    }
}

/// `lib.systems.flakeExposed` is nixpkgs' list; the system tables besides
/// `doubles` are unknown, naming nixpkgs' lib/systems (never a missing
/// attribute).
#[test]
fn systems_flake_exposed_is_known_and_the_tables_name_themselves() {
    check(
        "systems_flake_exposed_is_known_and_the_tables_name_themselves",
        Path::new(env!("CARGO_MANIFEST_DIR")),
        "lib.systems.flakeExposed",
        &serde_json::json!([
            "x86_64-linux",
            "aarch64-linux",
            "x86_64-darwin",
            "armv6l-linux",
            "armv7l-linux",
            "i686-linux",
            "aarch64-darwin",
            "powerpc64le-linux",
            "riscv64-linux",
            "x86_64-freebsd"
        ]),
    );
    for table in [
        "lib.systems.examples.aarch64-multiplatform",
        "lib.systems.inspect.predicates.isLinux",
        "lib.systems.parse.mkSystemFromString \"x86_64-linux\"",
        "lib.systems.architectures",
    ] {
        let e = ours(table).unwrap_err();
        assert!(e.contains("need nixpkgs' lib/systems"), "{table}: {e}");
    }
}

/// `lib.systems.doubles` is nixpkgs' table: every category, in the order
/// of `all`, as flakelight (`intersectLists doubles.linux flakeExposed`)
/// and paisano (`elem name doubles.all`) read it.
#[test]
fn systems_doubles_are_nixpkgs_tables() {
    let test = "systems_doubles_are_nixpkgs_tables";
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    check(
        test,
        here,
        "lib.intersectLists lib.systems.doubles.linux lib.systems.flakeExposed",
        &serde_json::json!([
            "x86_64-linux",
            "aarch64-linux",
            "armv6l-linux",
            "armv7l-linux",
            "i686-linux",
            "powerpc64le-linux",
            "riscv64-linux"
        ]),
    );
    check(
        test,
        here,
        "with lib.systems.doubles; [ darwin windows armv7 none (lib.elem \"x86_64-linux\" all) (lib.elem \"x86_64-linux\" unix) (lib.elem \"aarch64-darwin\" bigEndian) ]",
        &serde_json::json!([
            ["x86_64-darwin", "aarch64-darwin"],
            ["aarch64-windows", "x86_64-windows", "i686-windows"],
            ["armv7a-linux", "armv7l-linux", "armv7a-netbsd", "armv7l-netbsd"],
            [],
            true,
            true,
            false
        ]),
    );
    // Every attribute, against nixpkgs' lib.
    let Some(lib) = real_lib(test) else {
        return;
    };
    let (ours, theirs) = (
        ours("lib.systems.doubles").unwrap(),
        theirs_in(&lib, here, "lib.systems.doubles"),
    );
    let (ours, theirs) = (ours.as_object().unwrap(), theirs.as_object().unwrap());
    let differing: Vec<String> = theirs
        .keys()
        .chain(ours.keys())
        .filter(|k| ours.get(k.as_str()) != theirs.get(k.as_str()))
        .map(|k| {
            format!(
                "{k}: ours {:?}, nixpkgs {:?}",
                ours.get(k.as_str()),
                theirs.get(k.as_str())
            )
        })
        .collect();
    assert!(differing.is_empty(), "lib.systems.doubles: {differing:#?}");
    assert!(
        theirs.len() >= 40 && theirs["all"].as_array().unwrap().len() >= 80,
        "nixpkgs' table: {} categories, {:?}",
        theirs.len(),
        theirs.get("all")
    );
}

// ------------------------------------------------- top-level re-exports

/// The top-level names nixpkgs' lib takes from its parts (`lib.pathType`
/// is `lib.filesystem.pathType`, …) and the small functions of those parts
/// the built-in lib writes: each is where nixpkgs has it, and gives what
/// nixpkgs' gives on a few inputs.
#[test]
fn top_level_names_as_nixpkgs_lib_has_them() {
    let dir = tmp(&[("f", "x")]);
    let places = r#"
      let
        at = {
          filesystem = [ "pathType" "readFileType" "hashFile" ];
          strings = [ "concatImapStrings" "concatImapStringsSep" "intersperse" "getVersion" "lowerChars"
            "upperChars" "parseDrvName" "enableFeature" "enableFeatureAs" "withFeature" "withFeatureAs"
            "cmakeOptionType" "cmakeBool" "cmakeFeature" "mesonOption" "mesonBool" "mesonEnable"
            "unsafeDiscardStringContext" "appendContext" ];
          lists = [ "fold" "concatAttrValues" "mutuallyExclusive" "listDfs" "toposort" ];
          attrsets = [ "zipAttrsWithNames" "getFirstOutput" "getLib" "getDev" "getMan" "getStatic"
            "getInclude" "chooseDevOutputs" "getAttr" ];
          meta = [ "addMetaAttrs" "setPrio" "lowPrio" "hiPrio" "lowPrioSet" "hiPrioSet"
            "mapDerivationAttrset" "dontDistribute" "setName" "updateName" "appendToName" ];
          debug = [ "trace" "unsafeGetAttrPos" "traceIf" "traceVal" "traceValFn" "traceSeq" "traceSeqN"
            "traceValSeq" "traceValSeqFn" "traceValSeqN" "traceValSeqNFn" "traceFnSeqN" ];
          trivial = [ "version" "nixpkgsVersion" "isInOldestRelease" "oldestSupportedReleaseIsAtLeast"
            "inNixShell" "showWarnings" ];
          fixedPoints = [ "converge" ];
          modules = [ "mkAssert" ];
          options = [ "isOption" "unknownModule" ];
          sources = [ "pathHasContext" "canCleanSource" "revOrTag" "filterSource" ];
          generators = [ "mkLuaInline" ];
        };
        top = [ "imap" "isType" "setType" "assertOneOf" "getContext" "hasContext" "hashString"
          "placeholder" "fromTOML" "toFile" "toXML" "unsafeDiscardOutputDependency" "kernel" "fakeHash"
          "fakeSha256" "fakeSha512" "maintainers" "teams" ];
        trivialOnly = [ "release" "versionSuffix" "codeName" "oldestSupportedRelease" "revisionWithDefault" ];
      in
      {
        missingAtTop = builtins.filter (n: !(lib ? ${n})) (top ++ builtins.concatLists (builtins.attrValues at));
        missingInPart = builtins.concatLists (lib.mapAttrsToList
          (part: names: map (n: "${part}.${n}") (builtins.filter (n: !(lib.${part} ? ${n})) names)) at);
        trivialOnly = map (n: [ (lib.trivial ? ${n}) (lib ? ${n}) ]) trivialOnly;
      }
    "#;
    check(
        "top_level_names_as_nixpkgs_lib_has_them",
        dir.path(),
        places,
        &serde_json::json!({
            "missingAtTop": [], "missingInPart": [],
            "trivialOnly": [[true, false], [true, false], [true, false], [true, false], [true, false]],
        }),
    );
    let values = r#"
      let
        pkg = { out = "o"; dev = "d"; lib = "l"; man = "m"; static = "s"; };
        few = { out = "o"; dev = "d"; };
        drv = { type = "derivation"; name = "foo-1.2"; };
        # As nixpkgs' flake sets the version (its oldest release, for the test).
        old = lib.extend (final: prev: {
          trivial = prev.trivial // { release = "24.05"; versionSuffix = ".20240601.abcdef0"; oldestSupportedRelease = 2311; };
        });
      in
      {
        fold = lib.fold (x: acc: "${x}${acc}") "." [ "a" "b" ];
        imap = lib.imap (i: x: i * x) [ 5 6 ];
        concatImap = [ (lib.concatImapStrings (i: x: "${toString i}${x}") [ "a" "b" ])
          (lib.concatImapStringsSep "," (i: x: "${toString i}${x}") [ "a" "b" ]) ];
        intersperse = [ (lib.intersperse 0 [ 1 2 3 ]) (lib.intersperse 0 [ 1 ]) (lib.intersperse 0 [ ]) ];
        getVersion = [ (lib.getVersion "hello-2.12.1") (lib.getVersion { name = "foo-1.0"; })
          (lib.getVersion { version = "3"; name = "x-1"; }) (lib.getVersion "plain") ];
        feature = [ (lib.enableFeature true "x") (lib.enableFeature false "x") (lib.enableFeatureAs true "x" "v")
          (lib.enableFeatureAs false "x" "v") (lib.withFeature true "y") (lib.withFeature false "y")
          (lib.withFeatureAs true "y" "w") (lib.withFeatureAs false "y" "w") ];
        cmake = [ (lib.cmakeBool "A" true) (lib.cmakeBool "A" false) (lib.cmakeFeature "B" "c")
          (lib.cmakeOptionType "filepath" "P" "/x") ];
        meson = [ (lib.mesonBool "a" false) (lib.mesonEnable "b" true) (lib.mesonEnable "b" false)
          (lib.mesonOption "c" "d") ];
        prio = [ (lib.hiPrio { meta.a = 1; }) (lib.lowPrio { }) (lib.setPrio 3 { }) (lib.dontDistribute { })
          (lib.addMetaAttrs { b = 2; } { meta.a = 1; x = 0; }) ];
        prioSet = [ (lib.hiPrioSet { a = drv; b = 1; }) (lib.lowPrioSet { a = drv; })
          (lib.mapDerivationAttrset (d: d.name) { a = drv; b = "c"; }) ];
        names = [ (lib.setName "n" { name = "o"; }) (lib.updateName (n: n + "!") { name = "o"; })
          (lib.appendToName "s" drv) ];
        outputs = [ (lib.getDev pkg) (lib.getLib pkg) (lib.getMan pkg) (lib.getStatic pkg) (lib.getInclude pkg)
          (lib.getFirstOutput [ "x" "dev" ] pkg) (lib.getFirstOutput [ "x" ] pkg) (lib.chooseDevOutputs [ pkg few ])
          (lib.getLib few) (lib.getStatic few) (lib.getInclude few) (lib.getDev (few // { outputSpecified = true; })) ];
        zip = lib.zipAttrsWithNames [ "a" "b" "z" ] (n: vs: [ n vs ]) [ { a = 1; } { a = 2; b = 3; } ];
        concatAttrValues = lib.concatAttrValues { a = [ 1 ]; b = [ 2 3 ]; };
        mutuallyExclusive = [ (lib.mutuallyExclusive [ 1 ] [ 2 ]) (lib.mutuallyExclusive [ 1 ] [ 1 2 ])
          (lib.mutuallyExclusive [ ] [ 1 ]) (lib.mutuallyExclusive [ 1 ] [ ]) ];
        converge = lib.converge (x: if x > 10 then x else x * 2) 1;
        showWarnings = lib.showWarnings [ ] 5;
        types = [ (lib.isType "t" { _type = "t"; }) (lib.isType "t" { }) (lib.setType "t" { a = 1; })
          (lib.isOption (lib.mkOption { })) (lib.isOption { }) ];
        mkAssert = lib.mkAssert true "m" { a = 1; };
        unknownModule = lib.unknownModule;
        sources = [ (lib.revOrTag null null) (lib.revOrTag "r" null) (lib.revOrTag "r" "t")
          (lib.canCleanSource ./.) (lib.pathHasContext "x") ];
        trace = [ (lib.traceIf false "m" 1) (lib.traceIf true "m" 1) (lib.traceVal 2) (lib.traceSeq { a = 1; } 3)
          (lib.traceValSeq 4) (lib.traceSeqN 1 { a.b = 1; } 5) (lib.traceValSeqN 1 6)
          (lib.traceFnSeqN 1 "f" (x: x + 1) 6) (lib.trace "m" 8) (lib.traceValFn toString 9)
          (lib.traceValSeqFn toString 10) (lib.traceValSeqNFn toString 2 11) ];
        misc = [ (lib.assertOneOf "x" 1 [ 1 2 ]) (lib.mkLuaInline "f()") (lib.parseDrvName "a-1")
          (lib.getAttr "a" { a = 1; }) (lib.hashString "sha256" "a") (lib.fromTOML "a = 1")
          (old.isInOldestRelease 2105) (old.oldestSupportedReleaseIsAtLeast 2505) (old.trivial.version) ];
        chars = [ (builtins.length lib.lowerChars) (builtins.head lib.upperChars) ];
        toposort = map (l: lib.toposort lib.hasPrefix l) [
          [ "/" "/home/user" "other" "/home" ] [ ] [ "a" ] [ "a" "b" "c" ] [ "ab" "a" "abc" "b" "ba" ]
        ] ++ [ (lib.toposort (a: b: a < b) [ 3 1 2 ]) (lib.toposort (a: b: true) [ 1 2 ])
          (lib.toposort (a: b: a == 1 && b == 2 || a == 2 && b == 3 || a == 3 && b == 1) [ 1 2 3 4 ]) ];
        listDfs = [ (lib.listDfs true lib.hasPrefix [ "/home/user" "other" "/" "/home" ])
          (lib.listDfs true (a: b: true) [ 1 2 ]) (lib.listDfs false (a: b: true) [ 1 2 ]) ];
        kernel = with lib.kernel; [ yes no module unset (option yes) (freeform "x")
          ((whenHelpers "6.1").whenAtLeast "5.15" yes) ((whenHelpers "6.1").whenOlder "5.15" no)
          ((whenHelpers "6.1").whenBetween "6.0" "6.2" module) ];
        fake = [ lib.fakeHash lib.fakeSha256 lib.fakeSha512 ];
      }
    "#;
    let real = real_lib("top_level_names_as_nixpkgs_lib_has_them");
    let got = ours_in(dir.path(), values).unwrap_or_else(|e| panic!("{e}"));
    if let Some(lib) = real {
        assert_eq!(
            got,
            theirs_in(&lib, dir.path(), values),
            "with nixpkgs' lib"
        );
    }
    assert_eq!(got["fold"], "ab.");
    // nixpkgs' `pathType` is `builtins.readFileType` now, which Nix 2.8 lacks.
    assert_eq!(
        ours_in(
            dir.path(),
            "[ (lib.pathType ./.) (lib.pathType ./f) (lib.readFileType ./f) ]"
        ),
        Ok(serde_json::json!(["directory", "regular", "regular"]))
    );
}

/// `lib.version` and the rest of the nixpkgs version are facts of the
/// nixpkgs source: unknown in the built-in lib, with the reason (a flake's
/// lock gives them: `tests/gen_inputs.rs`).
#[test]
fn the_nixpkgs_version_is_unknown_with_a_reason() {
    for expr in [
        "lib.version",
        "lib.trivial.release",
        "lib.trivial.codeName",
        "lib.isInOldestRelease 2405",
    ] {
        let e = ours(expr).unwrap_err();
        assert!(
            e.contains("the nixpkgs version is a fact of nixpkgs' source"),
            "{expr}: {e}"
        );
    }
    assert_eq!(
        ours("lib.trivial.revisionWithDefault \"d\""),
        Ok(serde_json::json!("d"))
    );
    for table in ["maintainers", "teams"] {
        let e = ours(&format!("lib.{table}.someone")).unwrap_err();
        assert!(
            e.contains("is data the built-in lib does not copy"),
            "{table}: {e}"
        );
    }
}

// ------------------------------------------------------ option documentation

/// A module declaring options of many types, in a file, with a submodule
/// (declared inline there) holding a freeform type, and options hidden in
/// each way `visible` allows.
const DOC_MODULE: &str = r#"{ lib, ... }:
let
  inherit (lib) mkOption types;
  item = { name, ... }: {
    freeformType = types.attrsOf (types.submodule { options.leaf = mkOption { type = types.port; }; });
    options.label = mkOption { type = types.str; default = name; description = "The label."; };
    options.count = mkOption { type = types.ints.between 1 9; example = 3; };
  };
in
{
  options = {
    plain = mkOption { };
    text = mkOption { type = types.lines; default = "a"; description = "Some text."; };
    flag = lib.mkEnableOption "the flag";
    choice = mkOption { type = types.enum [ "x" "y" ]; default = "x"; defaultText = lib.literalExpression "\"x\""; };
    items = mkOption { type = types.attrsOf (types.submodule item); default = { }; };
    listed = mkOption { type = types.listOf (types.submodule { options.n = mkOption { type = types.int; }; }); };
    maybe = mkOption { type = types.nullOr (types.either types.str types.path); default = null; readOnly = true; };
    fn = mkOption { type = types.functionTo (types.attrsOf types.bool); };
    wrapped = mkOption { type = types.coercedTo types.int toString types.str; default = 1; };
    unique = mkOption { type = types.uniq (types.separatedString ";"); internal = true; };
    shallow = mkOption { type = types.submodule item; visible = "shallow"; };
    transparent = mkOption { type = types.submodule item; visible = "transparent"; };
    hidden = mkOption { type = types.submodule item; visible = false; };
    keyed = mkOption { type = types.attrsWith { elemType = types.submodule item; placeholder = "host"; lazy = true; }; };
    nonEmpty = mkOption { type = types.nonEmptyListOf types.nonEmptyStr; };
    raw = mkOption { type = types.raw; };
    anything = mkOption { type = types.anything; default = { a = [ 1 ]; }; };
    pkg = mkOption { type = types.package; };
    modules = mkOption { type = types.deferredModule; };
    shaped = mkOption { type = types.strMatching "[a-z]+"; };
    path = mkOption { type = types.pathWith { absolute = false; }; };
    attrs = mkOption { type = types.attrs; };
    number = mkOption { type = types.numbers.between 0 1.5; };
    optionType = mkOption { type = types.optionType; };
    lazy = mkOption { type = types.lazyAttrsOf types.float; };
    byOr = mkOption { type = types.boolByOr; };
    passwd = mkOption { type = types.passwdEntry types.str; };
    oneOf = mkOption { type = types.oneOf [ types.int types.bool (types.listOf types.str) ]; };
  };
}
"#;

/// `lib.optionAttrSetToDocList` of `lib.evalModules`' options: every
/// option's entry (name, location, type description, default, example,
/// declarations, visibility) and those of its submodules, as nixpkgs'
/// lib gives them.
#[test]
fn option_docs_are_nixpkgs() {
    let dir = tmp(&[("doc.nix", DOC_MODULE)]);
    // The module system's own options (`_module.*`) are documented with
    // nixpkgs' own text, which is not copied here: their entries are left
    // out.
    let expr = "let
        e = lib.evalModules { modules = [ ./doc.nix { options.inline = lib.mkOption { type = lib.types.str; }; } ]; };
        docs = builtins.filter (o: !(builtins.elem \"_module\" o.loc)) (lib.optionAttrSetToDocList e.options);
      in { inherit docs; shown = lib.options.optionAttrSetToDocList' [ ] { x = e.options.text; }; }";
    let got = ours_in(dir.path(), expr).unwrap_or_else(|e| panic!("{e}"));
    let docs = got["docs"].as_array().unwrap();
    assert!(docs.len() > 30, "{got:#}");
    let text = docs.iter().find(|d| d["name"] == "text").unwrap();
    assert_eq!(
        text["declarations"],
        serde_json::json!([dir.path().join("doc.nix").display().to_string()])
    );
    assert_eq!(text["type"], "strings concatenated with \"\\n\"");
    if let Some(lib) = real_lib("option_docs_are_nixpkgs") {
        assert_eq!(got, theirs_in(&lib, dir.path(), expr), "with nixpkgs' lib");
    }
}

/// The types' descriptions, sub-options and empty values, as
/// documentation reads them.
#[test]
fn types_describe_themselves_as_nixpkgs() {
    let dir = tmp(&[]);
    let expr = r#"with lib.types; let
        sub = submodule { options.a = lib.mkOption { type = int; }; };
        open = submodule { freeformType = attrsOf str; options.b = lib.mkOption { }; };
        all = [ str int bool float number port raw anything attrs unspecified lines commas envVar path pathInStore
          externalPath package shellPackage nonEmptyStr singleLineStr optionType boolByOr luaInline pkgs
          optionDeclaration deferredModule ints.positive ints.unsigned ints.u8 ints.s32 numbers.positive
          numbers.nonnegative (ints.between 2 5) (numbers.between 1 2.5) (enum [ ]) (enum [ 1 ]) (enum [ "a" true ])
          (listOf str) (listOf sub) (attrsOf sub) (lazyAttrsOf (listOf int)) (nullOr sub) (uniq (attrsOf int))
          (unique { message = "m"; } str) (either int (listOf str)) (oneOf [ int str bool ])
          (coercedTo int toString str) (functionTo sub) (nonEmptyListOf sub) (separatedString "|")
          (strMatching "x.*") (passwdEntry str) (addCheck int (x: x > 0)) (attrsWith { elemType = int; lazy = true; })
          (pathWith { inStore = true; }) sub open (submoduleWith { modules = [ ]; description = "thing"; })
          (deferredModuleWith { staticModules = [ { options.c = lib.mkOption { }; } ]; }) ];
        locs = t: map (o: o.loc) (lib.collect lib.isOption (removeAttrs (t.getSubOptions [ "p" ]) [ "_module" ]));
      in {
        described = map (t: [ t.name t.description (t.descriptionClass or null) (t.getSubModules == null)
          (t.emptyValue ? value) ]) all;
        subs = map locs [ (attrsOf sub) (listOf sub) (nullOr sub) (functionTo sub) (attrsWith { elemType = sub; placeholder = "k"; })
          (coercedTo int (x: { }) sub) (uniq sub) str (either sub int) ];
        openSubs = map (o: o.loc) (lib.collect lib.isOption (removeAttrs (open.getSubOptions [ "q" ]) [ "_module" ]));
        phrase = optionDescriptionPhrase (c: c == "noun") (listOf int);
        empty = [ (attrsOf int).emptyValue (listOf int).emptyValue (nullOr int).emptyValue (lines.emptyValue ? value) ];
      }"#;
    let got = ours_in(dir.path(), expr).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(got["phrase"], "(list of signed integer)");
    if let Some(lib) = real_lib("types_describe_themselves_as_nixpkgs") {
        let theirs = theirs_in(&lib, dir.path(), expr);
        for k in ["described", "subs", "openSubs", "phrase", "empty"] {
            assert_eq!(got[k], theirs[k], "{k} with nixpkgs' lib");
        }
    }
}

// ------------------------------------------------ more of nixpkgs' lib parts

/// The derivation and scope helpers of `lib.customisation`,
/// `lib.attrsets.toDerivation` and `lib.derivations.warnOnInstantiate`.
#[test]
fn derivation_and_scope_helpers_are_nixpkgs() {
    let dir = tmp(&[]);
    let expr = r#"let
        drv = { type = "derivation"; name = "p-1"; outputs = [ "out" "dev" ]; drvPath = "/d"; outPath = "/o";
          out = { type = "derivation"; outputName = "out"; drvPath = "/d"; outPath = "/o"; };
          dev = { type = "derivation"; outputName = "dev"; drvPath = "/d"; outPath = "/o-dev"; };
          system = "x86_64-linux"; meta = { a = 1; }; };
        ext = lib.extendDerivation true { extra = 2; } drv;
        job = lib.hydraJob drv;
        scope = lib.makeScopeWithSplicing' { splicePackages = s: s.pkgsHostTarget; newScope = lib.callPackageWith; } {
          otherSplices = { selfBuildBuild = { }; selfBuildHost = { }; selfBuildTarget = { }; selfHostHost = { };
            selfTargetTarget = { }; };
          f = self: { a = 1; b = self.callPackage ({ a }: a + 1) { }; };
        };
        old = lib.makeScopeWithSplicing (s: s.pkgsHostTarget) lib.callPackageWith
          { selfBuildBuild = { }; selfBuildHost = { }; selfBuildTarget = { }; selfHostHost = { }; selfTargetTarget = { }; }
          (_: { }) (_: { }) (self: { x = 3; y = self.callPackage ({ x }: x * 2) { }; });
        over = scope.overrideScope (final: prev: { a = 10; });
        mk = lib.extendMkDerivation {
          constructDrv = args: let final = if builtins.isFunction args then args final else args; in final;
          excludeDrvArgNames = [ "secret" ];
          extendDrvArgs = final: { name ? "n", secret ? 0, ... }@args: { label = "${name}-${toString secret}"; };
        };
        warned = lib.warnOnInstantiate "m" { name = "w"; type = "derivation"; x = 1; };
      in {
        ext = { inherit (ext) extra drvPath outPath name; outs = map (o: o.outPath) ext.all;
          dev = { inherit (ext.dev) outputName outputSpecified outPath extra; }; };
        job = { inherit (job) name system meta outputs outPath drvPath type outputName; devPath = job.dev.outPath; };
        scope = [ scope.a scope.b over.a over.b (builtins.attrNames scope) old.y ];
        mk = [ (mk { name = "x"; secret = 5; }) (mk (final: { name = "y"; })) (lib.functionArgs mk) ];
        warned = [ warned.name warned.x ];
        toDrv = (lib.toDerivation "/nix/store/00000000000000000000000000000000-hello-2.12").name;
        top = [ (lib ? extendDerivation) (lib ? overrideDerivation) (lib ? toDerivation) (lib ? hydraJob)
          (lib ? extendMkDerivation) (lib ? warnOnInstantiate) ];
      }"#;
    let got = ours_in(dir.path(), expr).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(got["toDrv"], "hello-2.12");
    if let Some(lib) = real_lib("derivation_and_scope_helpers_are_nixpkgs") {
        assert_eq!(got, theirs_in(&lib, dir.path(), expr), "with nixpkgs' lib");
    }
    // The store path's context is what `builtins.storePath` gives, which
    // atelier-gen does not evaluate.
    let e =
        ours("(lib.toDerivation \"/nix/store/00000000000000000000000000000000-hello\").outPath")
            .unwrap_err();
    assert!(e.starts_with("unknown: "), "{e}");
}

/// nixpkgs' deprecated helpers (`lib.misc`, most also at the top) and
/// `lib.stringsWithDeps`.
#[test]
fn deprecated_helpers_are_nixpkgs() {
    let dir = tmp(&[]);
    let expr = r#"with lib; let
        p = name: deps: { inherit name; outPath = "/nix/store/${name}"; propagatedBuildInputs = deps; };
        c = p "c" [ ]; b' = p "b" [ c ]; a = p "a" [ b' c ];
        entries = { x = { deps = [ "y" ]; text = "X"; }; y = noDepEntry "Y"; z = fullDepEntry "Z" [ "x" ];
          w = stringAfter [ "y" ] "W"; v = packEntry [ "w" ]; };
      in {
        uniq = [ (uniqList { inputList = [ 1 2 1 3 2 ]; }) (uniqList { inputList = [ 1 2 ]; acc = [ 2 ]; })
          (uniqListExt { inputList = [ "a" "B" "b" ]; getter = toLower; }) ];
        close = map (x: x.name) (closePropagation [ a ]);
        closeSlow = map (x: x.name) (misc.closePropagationSlow [ a ]);
        merge = [ (mergeAttrsWithFunc (x: y: x + y) { a = 1; b = 2; } { a = 10; c = 3; })
          (mergeAttrsConcatenateValues { a = 1; b = [ 2 ]; } { a = [ 3 ]; c = 4; })
          (mergeAttrsNoOverride { } { buildInputs = [ 1 ]; x = 1; } { buildInputs = [ 2 ]; y = 2; })
          (removeAttrs (mergeAttrsByFuncDefaults [ { buildInputs = [ 1 ]; meta.a = 1; } { buildInputs = [ 2 ]; meta.b = 2; x = 0; } ]) [ "mergeAttrBy" ])
          (mergeAttrsByFuncDefaultsClean [ { patches = [ "p" ]; } { patches = [ "q" ]; preConfigure = "a"; } { preConfigure = "b"; } ])
          (mergeAttrByFunc { mergeAttrBy.n = x: y: x * y; n = 3; } { n = 4; }).n
          (builtins.attrNames mergeAttrBy) ];
        flags = [ (checkFlag { flags = [ "f" ]; } "f") (checkFlag { g = "yes"; } "g") (checkFlag { } "true")
          (getValue { } [ [ "a" 1 ] [ "b" 2 ] ] "b") (getValue { b = 5; } [ [ "b" 2 ] ] "b") (getValue { } [ ] "z")
          (checkReqs { flags = [ "f" ]; b = 1; } [ ] [ [ "f" "b" ] ]) (checkReqs { flags = [ "f" ]; } [ ] [ [ "f" "b" ] ]) ];
        misc = [ (condConcat "a" [ true "b" false "c" ] (x: x)) (condConcat "" [ 1 "x" 2 "y" ] (x: x == 2))
          (ifEnable true [ 1 ]) (ifEnable false [ 1 ]) (ifEnable false { a = 1; }) (ifEnable false true) (ifEnable false "s")
          (maybeAttr "a" 0 { a = 1; }) (maybeAttrNullable "b" 0 { }) (maybeEnv "HOME_NOT_SET_ANYWHERE" "d")
          (nvs "k" 1) (setAttr { a = 1; } "b" 2) (setAttrMerge "a" [ ] { a = [ 2 ]; } (x: x ++ [ 3 ]))
          (map nixType [ { } { outPath = "x"; } (x: x) [ ] true null 1 "s" ]) (imap (i: x: i + x) [ 10 20 ])
          (defaultMerge { a = 1; } { b = 2; }) (defaultMerge { a = 1; } (x: { b = x.a; }))
          (modifySumArgs (a: b: a) { z = 0; } { a = 1; } { b = 2; } null)
          (map (x: x.key) (lazyGenericClosure { startSet = [ { key = 1; } ]; operator = x: if x.key < 4 then [ { key = x.key + 1; } ] else [ ]; }))
          (foldArgs mergeAttrs (x: { r = x; }) { a = 1; } { b = 2; }).r ];
        textClosure = [ (textClosureList entries [ "z" "v" "y" ]) (textClosureMap (t: "<${t}>") entries [ "w" ]) ];
        fake = [ misc.fakeHash misc.fakeSha256 ];
      }"#;
    let got = ours_in(dir.path(), expr).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(got["uniq"][0], serde_json::json!([1, 2, 3]));
    if let Some(lib) = real_lib("deprecated_helpers_are_nixpkgs") {
        assert_eq!(got, theirs_in(&lib, dir.path(), expr), "with nixpkgs' lib");
    }
}

/// `lib.commitIdFromGitRepo` and `pathIsGitRepo` read a checkout's `.git`
/// (through the evaluator's file access): HEAD naming a branch, a detached
/// HEAD, a branch only in `packed-refs`, a worktree's and a submodule's
/// `.git` file.
#[test]
fn commit_id_from_git_repo_reads_the_checkout() {
    let dir = tmp(&[]);
    let git = dir.path().join("repo/.git");
    let wt = dir.path().join("repo/.git/worktrees/wt");
    std::fs::create_dir_all(git.join("refs/heads")).unwrap();
    std::fs::create_dir_all(&wt).unwrap();
    std::fs::create_dir_all(dir.path().join("wt")).unwrap();
    std::fs::create_dir_all(dir.path().join("detached/.git")).unwrap();
    std::fs::create_dir_all(dir.path().join("packed/.git")).unwrap();
    let write = |p: &str, text: &str| std::fs::write(dir.path().join(p), text).unwrap();
    write("repo/.git/HEAD", "ref: refs/heads/main\n");
    write(
        "repo/.git/refs/heads/main",
        "1111111111111111111111111111111111111111\n",
    );
    write("repo/.git/worktrees/wt/HEAD", "ref: refs/heads/side\n");
    write(
        "repo/.git/worktrees/wt/commondir",
        &format!("{}\n", git.display()),
    );
    std::fs::create_dir_all(git.join("modules/sub")).unwrap();
    std::fs::create_dir_all(dir.path().join("sub")).unwrap();
    write(
        "repo/.git/modules/sub/HEAD",
        "5555555555555555555555555555555555555555\n",
    );
    write("sub/.git", "gitdir: ../repo/.git/modules/sub\n");
    write(
        "repo/.git/packed-refs",
        "# pack-refs with: peeled\n2222222222222222222222222222222222222222 refs/heads/side\n",
    );
    write("wt/.git", &format!("gitdir: {}\n", wt.display()));
    write(
        "detached/.git/HEAD",
        "3333333333333333333333333333333333333333\n",
    );
    write("packed/.git/HEAD", "ref: refs/heads/gone\n");
    write("packed/.git/packed-refs", "4444 refs/heads/other\n");
    // nixpkgs' `pathIsRegularFile` asks `builtins.readFileType`, which Nix
    // 2.8 lacks: its lib gets one that reads the parent directory instead.
    let expr = "let l = lib.extend (final: prev: { filesystem = prev.filesystem // {
          pathIsRegularFile = p: builtins.pathExists p && (builtins.readDir (dirOf p)).${baseNameOf p} == \"regular\"; }; });
      in [ (l.commitIdFromGitRepo ./repo/.git) (l.commitIdFromGitRepo ./wt/.git) (l.commitIdFromGitRepo (toString ./sub/.git))
        (l.commitIdFromGitRepo ./detached/.git) (l.pathIsGitRepo ./repo/.git) (l.pathIsGitRepo ./packed/.git)
        (l.pathIsGitRepo ./wt) (builtins.tryEval (l.commitIdFromGitRepo ./nowhere)).success
        (l.sources.shortRev \"v1.2.3\") (l.sources.shortRev \"0123456789abcdef\") (l.sources.urlToName \"https://x.org/a/repo.git\")
        (l.repoRevToName \"full\" \"https://x.org/a/b.tar.gz\" \"release-2.0\" \"s\") (l.repoRevToName \"versioned\" \"git@x:y/z\" null null)
        (l.repoRevToName \"source\" 1 2 3) ]";
    let got = ours_in(dir.path(), expr).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        got,
        serde_json::json!([
            "1111111111111111111111111111111111111111",
            "2222222222222222222222222222222222222222",
            "5555555555555555555555555555555555555555",
            "3333333333333333333333333333333333333333",
            true,
            false,
            false,
            false,
            "1.2.3",
            "0123456",
            "repo",
            "b-2.0-s-source",
            "z-source",
            "source"
        ])
    );
    if let Some(lib) = real_lib("commit_id_from_git_repo_reads_the_checkout") {
        assert_eq!(got, theirs_in(&lib, dir.path(), expr), "with nixpkgs' lib");
    }
}

/// `lib.network`, `lib.gvariant`, `lib.fetchers`, `lib.licensesSpdx`, and
/// `lib.platforms` (nixpkgs' table of system doubles).
#[test]
fn network_gvariant_fetchers_and_spdx_are_nixpkgs() {
    let dir = tmp(&[]);
    let expr = r#"with lib; let g = gvariant; in {
        ipv6 = [ (network.ipv6.fromString "2001:DB8::ffff/32") (network.ipv6.fromString "::") (network.ipv6.fromString "fe80::1:2")
          (network.ipv6.fromString "1:2:3:4:5:6:7:8") (network.ipv6.fromString "::1/128") (network.ipv6.fromString "a::")
          (builtins.tryEval (network.ipv6.fromString "1::2::3")).success (builtins.tryEval (network.ipv6.fromString "12345::")).success
          (builtins.tryEval (network.ipv6.fromString "::/0")).success ];
        eui = [ (mkEUI64Suffix "66:75:63:6B:20:75") (network.ipv6.mkEUI64Suffix "00-11-22-33-44-55") (network.ipv6.mkEUI64Suffix "0011.2233.4455") ];
        gvariant = map toString [ (g.mkValue true) (g.mkValue 1.5) (g.mkValue "it's\n") (g.mkValue [ "a" "b" ])
          (g.mkEmptyArray g.type.string) (g.mkVariant (g.mkInt32 3)) (g.mkDictionaryEntry "k" (g.mkVariant "v"))
          (g.mkNothing g.type.int32) (g.mkJust "x") (g.mkTuple [ 1.0 "a" false ]) (g.mkObjectpath "/a'b")
          (g.mkUchar 1) (g.mkInt16 2) (g.mkUint16 3) (g.mkUint32 4) (g.mkInt64 5) (g.mkUint64 6) (g.mkValue (g.mkDouble 2.0)) ];
        gvTypes = [ (g.mkTuple [ 1.0 "a" ]).type (g.mkDictionaryEntry "k" true).type (g.mkJust [ "a" ]).type (builtins.attrNames g.type)
          (g.type.arrayOf "s") (g.type.maybeOf "i") (g.type.tupleOf [ "s" "b" ]) (g.type.dictionaryEntryOf "s" "v") ];
        gvOther = [ (g.isGVariant (g.mkString "s")) (g.isGVariant { }) g.intConstructors
          (builtins.tryEval (g.mkValue 1)).success (builtins.tryEval (g.mkValue [ "a" true ])).success ];
        dconf = generators.toDconfINI { "org/x" = { a = true; b = g.mkUint32 7; c = [ "p" ]; }; };
        fetchers = [ (fetchers.normalizeHash { } { hash = ""; foo = 1; }) (fetchers.normalizeHash { } { sha256 = "s"; })
          (fetchers.normalizeHash { hashTypes = [ "sha512" ]; } { sha512 = ""; }) (fetchers.normalizeHash { required = false; } { })
          (fetchers.normalizeHash { } { outputHash = "o"; hash = "h"; })
          (builtins.tryEval (fetchers.normalizeHash { } { hash = "a"; sha256 = "b"; })).success
          (functionArgs (fetchers.withNormalizedHash { } ({ outputHash, outputHashAlgo, name ? "n" }: 0)))
          ((fetchers.withNormalizedHash { } ({ outputHash, outputHashAlgo ? null }: [ outputHash outputHashAlgo ])) { sha256 = "x"; })
          fetchers.proxyImpureEnvVars ];
        spdx = [ licensesSpdx.MIT.shortName (licensesSpdx ? "GPL-3.0-only") (meta.licensesSpdx == licensesSpdx)
          (builtins.length (builtins.attrNames licensesSpdx) > 100) ];
        platforms = [ platforms.darwin (platforms == systems.doubles) ];
      }"#;
    let got = ours_in(dir.path(), expr).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(got["eui"][0], "6475:63ff:fe6b:2075");
    if let Some(lib) = real_lib("network_gvariant_fetchers_and_spdx_are_nixpkgs") {
        assert_eq!(got, theirs_in(&lib, dir.path(), expr), "with nixpkgs' lib");
    }
}

/// The names of nixpkgs' lib missing from the built-in lib, at its top and
/// in each of its parts: the names nixpkgs has must be here, but for those
/// listed, each with the reason (a name the installed Nix cannot evaluate
/// in nixpkgs' lib is not compared).
#[test]
fn the_names_of_nixpkgs_lib_are_here() {
    let Some(lib) = real_lib("the_names_of_nixpkgs_lib_are_here") else {
        return;
    };
    // Not here, on purpose (their values are unknown or data not copied
    // when they are, so a missing name is the honest answer elsewhere):
    let known_missing: &[&str] = &[
        // nixpkgs' system tables other than `doubles`: unknown, naming
        // nixpkgs' lib/systems (`examples` and `platforms` are data the
        // built-in lib does not copy).
        "systems.architectures",
        "systems.examples",
        "systems.inspect",
        "systems.parse",
        "systems.platforms",
    ];
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    // Names the installed Nix (2.8) cannot evaluate in nixpkgs' lib.
    let skip = r#"[ "maintainers" "teams" "licenses" "derivations" "addDrvOutputDependencies" "convertHash"
      "unsafeDiscardOutputDependency" "flakeRefToString" "parseFlakeRef" "pathType" "readFileType" ]"#;
    let names = format!(
        "builtins.mapAttrs (n: v: if builtins.elem n {skip} then null \
           else if builtins.isAttrs v && !(v ? _type) && !(v ? outPath) then builtins.attrNames v else null) lib"
    );
    let theirs = theirs_in(&lib, here, &names);
    let theirs = theirs.as_object().unwrap();
    let ours_top = ours("builtins.attrNames lib").unwrap();
    let ours_top: Vec<&str> = ours_top
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let mut missing = Vec::new();
    for (name, part) in theirs {
        if !ours_top.contains(&name.as_str()) {
            missing.push(name.clone());
            continue;
        }
        let Some(part) = part.as_array() else {
            continue;
        };
        let lacking = |names: &[serde_json::Value]| {
            ours(&format!(
                "builtins.filter (n: !(lib.{name} ? ${{n}})) (builtins.fromJSON {})",
                serde_json::json!(serde_json::Value::Array(names.to_vec()).to_string())
            ))
        };
        match lacking(part) {
            Ok(serde_json::Value::Array(l)) => {
                missing.extend(l.iter().map(|n| format!("{name}.{}", n.as_str().unwrap())));
            }
            // A part of ours whose names are not all known (`systems`):
            // name by name.
            _ => {
                for n in part {
                    if lacking(std::slice::from_ref(n)) != Ok(serde_json::json!([])) {
                        missing.push(format!("{name}.{}", n.as_str().unwrap()));
                    }
                }
            }
        }
    }
    let unexpected: Vec<&String> = missing
        .iter()
        .filter(|m| !known_missing.contains(&m.as_str()))
        .collect();
    assert!(
        unexpected.is_empty(),
        "names of nixpkgs' lib the built-in lib lacks: {unexpected:#?}"
    );
    let listed_but_here: Vec<&&str> = known_missing
        .iter()
        .filter(|k| !missing.iter().any(|m| m == *k))
        .collect();
    assert!(
        listed_but_here.is_empty(),
        "listed as missing but here (remove them from the list): {listed_but_here:#?}"
    );
}

/// The module system's helpers that work on definitions alone, and the
/// small functions of `lib.asserts`, `lib.debug`, `lib.filesystem`,
/// `lib.meta`, `lib.path`, `lib.strings` and `lib.sourceTypes`.
#[test]
fn module_helpers_and_small_parts_are_nixpkgs() {
    let dir = tmp(&[("a.cabal", ""), ("pkg.nix", "{ }")]);
    std::fs::create_dir_all(dir.path().join("hs/sub")).unwrap();
    std::fs::write(dir.path().join("hs/sub/sub.cabal"), "").unwrap();
    std::fs::create_dir_all(dir.path().join("hs/other")).unwrap();
    let expr = r#"with lib; let
        defs = [ { file = "a"; value = mkOverride 10 1; } { file = "b"; value = 2; } { file = "c"; value = mkForce 3; }
          { file = "d"; value = mkOverride 10 4; } ];
        ordered = [ { file = "a"; value = mkAfter [ 1 ]; } { file = "b"; value = [ 2 ]; } { file = "c"; value = mkBefore [ 3 ]; } ];
        strip = map (d: removeAttrs d [ "file" ]);
        platform = systems.elaborate "x86_64-linux";
      in {
        discharge = [ (dischargeProperties (mkMerge [ 1 (mkIf true 2) (mkIf false 3) (mkMerge [ 4 ]) ]))
          (builtins.tryEval (dischargeProperties (mkIf "x" 1))).success ];
        push = map (x: mapAttrs (_: v: v._type or v) x) (pushDownProperties (mkMerge [ { a = 1; } (mkIf true { b = 2; }) (mkForce { c = 3; }) ]));
        overrides = [ (filterOverrides defs) (modules.filterOverrides' defs) (filterOverrides [ { file = "x"; value = 5; } ]) ];
        sorted = sortProperties ordered;
        priorities = [ modules.defaultOverridePriority modules.defaultOrderPriority ];
        unify = [ (unifyModuleSyntax "f" "k" { a = 1; imports = [ ]; freeformType = "t"; _file = "g"; })
          (unifyModuleSyntax "f" "k" { options.x = 1; config.y = 2; meta.m = 3; })
          (builtins.tryEval (unifyModuleSyntax "f" "k" { options = { }; z = 1; })).success ];
        args = applyModuleArgsIfFunction "k" ({ a, config, ... }: a + config._module.args.b) { a = 1; config._module.args.b = 2; };
        argsPlain = applyModuleArgsIfFunction "k" { x = 1; } { config = { }; };
        alias = [ (mkAliasDefinitions { _type = "option"; isDefined = true; definitions = [ 1 2 ]; })
          (modules.mkAliasIfDef { _type = "option"; isDefined = false; } 3)
          (modules.mkAliasAndWrapDefsWithPriority id { _type = "option"; isDefined = true; highestPrio = 50; definitions = [ 1 ]; }) ];
        fixup = [ (fixupOptionType [ "x" ] { }).type.name (fixupOptionType [ "x" ] { type = types.str; }).type.description ];
        asserts = [ (asserts.assertEachOneOf "x" [ 1 2 ] [ 1 2 3 ]) (builtins.tryEval (asserts.assertEachOneOf "x" [ 4 ] [ 1 ])).success
          (asserts.checkAssertWarn [ { assertion = true; message = "m"; } ] [ ] 5)
          (builtins.tryEval (asserts.checkAssertWarn [ { assertion = false; message = "m"; } ] [ ] 5)).success ];
        debug = [ (debug.throwTestFailures { failures = [ ]; }) (builtins.tryEval (debug.throwTestFailures { failures = [ { name = "t"; expected = 1; result = 2; } ]; })).success
          (debug.testAllTrue [ true (1 == 1) ]) ];
        filesystem = [ (builtins.attrNames (filesystem.haskellPathsInDir ./hs)) (filesystem.locateDominatingFile "(.*)\\.cabal" ./pkg.nix).matches
          (filesystem.locateDominatingFile "nothing-matches-this-\\.x" ./hs/sub) ];
        meta = [ (meta.availableOn platform { meta.platforms = [ "x86_64-linux" ]; }) (meta.availableOn platform { meta.platforms = platforms.darwin; })
          (meta.availableOn platform { meta.badPlatforms = [ "x86_64-linux" ]; }) (meta.availableOn platform { })
          (meta.cpeFullVersionWithVendor "v" "1") meta.defaultPriority ];
        path = [ (path.hasStorePathPrefix /nix/store/00000000000000000000000000000000-x/y) (path.hasStorePathPrefix /nix/store)
          (path.hasStorePathPrefix /home/u) ];
        strings = [ (strings.isConvertibleWithToString [ 1 "a" null ]) (strings.isConvertibleWithToString { }) strings.storeDir ];
        inherit sourceTypes;
        systems = [ (systems.systemToAttrs "x86_64-linux") systems.functionNames ];
      }"#;
    let got = ours_in(dir.path(), expr).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(got["priorities"], serde_json::json!([100, 1000]));
    if let Some(lib) = real_lib("module_helpers_and_small_parts_are_nixpkgs") {
        assert_eq!(got, theirs_in(&lib, dir.path(), expr), "with nixpkgs' lib");
    }
}

/// `lib.generators` on the inputs nixpkgs' own tests (lib/tests/misc.nix)
/// leave out: YAML/JSON, Dhall's signs and empty values, plist escaping and
/// what it skips, Lua bindings and inline code, `toPretty`'s strings,
/// functions and derivations, git config's nested sections and quoting, and
/// the errors a caller can catch.
#[test]
fn generators_render_as_nixpkgs() {
    let dir = tmp(&[]);
    let expr = r#"with lib.generators; let
        drv = { type = "derivation"; name = "d"; outPath = "/nix/store/x-d"; };
        fn = { a, b ? 1 }: a;
        catch = v: (builtins.tryEval (builtins.deepSeq v v)).success;
      in {
        yaml = toYAML { } { a = [ 1 "x" null ]; b.c = true; };
        json = toJSON { } [ 1.5 "s" ];
        dhall = [ (toDhall { } { a = -1; b = 2; c = [ ]; d = { }; e = "s\"q"; f = true; g = 1.5; h = [ 1 2 ]; })
          (toDhall { } [ ]) (toDhall { } "x") ];
        plist = [ (toPlist { escape = true; } { a = "<&>'\""; "k<" = [ 1 null 2.5 true false { } [ ] ]; _module = 1; n = null; })
          (toPlist { escape = true; } [ ]) (toPlist { escape = true; } null) (toPlist { escape = true; } { x.y = [ "z" ]; }) ];
        lua = [ (toLua { asBindings = true; } { a = 1; "b.c" = { d = [ 1 "x" ]; }; e = mkLuaInline "f()"; })
          (toLua { asBindings = true; indent = "  "; } { a = { b = [ ]; }; })
          (toLua { multiline = false; } { a = mkLuaInline "g(1)"; b = [ { } [ ] null ]; "c d" = 0.5; })
          (toLua { } [ ]) (toLua { } { }) (toLua { } null) (toLua { } drv) (toLua { indent = "\t"; } [ [ 1 ] { x = 2; } ])
          (catch (toLua { asBindings = true; } { "1a" = 1; "b-c" = 2; ok = 3; })) ];
        pretty = [ (toPretty { } "a\nb\n") (toPretty { } "a\nb") (toPretty { multiline = false; } "x\ny\"\${z}\\")
          (toPretty { } "p''q\n\${r}") (toPretty { } fn) (toPretty { } { __functor = s: x: x; }) (toPretty { } drv)
          (toPretty { } { type = "derivation"; }) (toPretty { indent = "    "; } { "a b" = [ 1 2.5 null ]; c = { }; d = [ ]; })
          (toPretty { multiline = false; } { a = { b = [ true false ]; }; })
          (toPretty { allowPrettyValues = true; } { x = { __pretty = v: "P${v}"; val = "v"; }; })
          (toPretty { } { __pretty = v: v; val = 1; }) (toPretty { } (x: x)) (toPretty { } ./.) ];
        git = [ (toGitINI { user = { name = "N \"Q\""; email = "e\t\n\\"; }; core.x.y = 1; "url.a" = { insteadOf = [ "p" "q" ]; };
                 a = { b = { c = 1; }; }; "a.b" = { c = 2; y = { }; }; s = { d = drv; }; })
          (toGitINI { }) (toGitINI { "q\"a.b".k = false; }) ];
        ini = [ (toINIWithGlobalSection { } { globalSection = { }; sections = { s.a = 1; }; })
          (toINIWithGlobalSection { listsAsDuplicateKeys = true; } { globalSection = { g = [ 1 2 ]; }; })
          (toINI { } { "a[b]" = { "k=v" = "x"; }; empty = { }; })
          (toKeyValue { indent = "  "; listsAsDuplicateKeys = true; } { a = [ 1 "b" ]; c = null; d = drv; })
          (toKeyValue { mkKeyValue = mkKeyValueDefault { } ": "; } { "a: b" = 0.25; }) ];
        values = map (mkValueStringDefault { }) [ 1 "s" true false null drv 0.1 1.0e-7 ];
        recursion = [ (toPretty { } (withRecursion { depthLimit = 1; throwOnDepthLimit = false; } [ [ 1 [ 2 ] ] 3 { a.b = 4; } ]))
          (toPretty { } (withRecursion { depthLimit = 0; throwOnDepthLimit = false; } { __toString = s: "t"; a = 1; }))
          (catch (toPretty { } (withRecursion { depthLimit = 1; } [ [ [ 1 ] ] ])))
          (catch (toPretty { } (withRecursion { depthLimit = 3; } [ [ [ 1 ] ] ]))) ];
      }"#;
    let got = ours_in(dir.path(), expr).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        got["dhall"][0],
        "{ a = -1, b = +2, c = [  ], d = {  }, e = \"s\\\"q\", f = True, g = 1.5, h = [ +1, +2 ] }"
    );
    assert_eq!(got["lua"][8], false);
    assert_eq!(got["recursion"][2], false);
    assert_eq!(got["recursion"][3], false);
    if let Some(lib) = real_lib("generators_render_as_nixpkgs") {
        assert_eq!(got, theirs_in(&lib, dir.path(), expr), "with nixpkgs' lib");
    }
}

/// `lib.cli` (every variant and its options), `lib.versions` (`pad` with
/// and without a suffix) and `lib.lazyDerivation` (what it takes from the
/// derivation, what it leaves lazy, and the errors a caller can catch).
#[test]
fn cli_versions_and_lazy_derivation_are_nixpkgs() {
    let dir = tmp(&[]);
    let expr = r#"with lib; let
        opts = { a = true; b = false; c = null; long = "x y"; l = [ 1 "two" ]; n = 3; f = 0.5; };
        catch = v: (builtins.tryEval (builtins.deepSeq v v)).success;
        out = { type = "derivation"; outputName = "out"; outPath = "/o"; drvPath = "/d"; };
        dev = { type = "derivation"; outputName = "dev"; outPath = "/o-dev"; drvPath = "/d"; };
        drv = { type = "derivation"; name = "p-1"; system = "x86_64-linux"; outputs = [ "out" "dev" ];
          outputName = "out"; outPath = "/o"; drvPath = "/d"; meta = { m = 1; }; inherit out dev; extra = 9; };
        show = d: { inherit (d) type name system outputName drvPath outputs meta; outPath = d.outPath;
          names = builtins.attrNames d; outs = map (o: d.${o}.outPath) d.outputs; };
        lazy = lazyDerivation { derivation = throw "not forced"; outputs = [ "out" "dev" ]; passthru.p = 1; meta = { z = 2; }; };
      in {
        gnu = [ (cli.toGNUCommandLine { } opts) (cli.toGNUCommandLine { optionValueSeparator = "="; } opts)
          (cli.toGNUCommandLine { mkOptionName = k: "/${k}"; mkBool = k: v: [ "${k}:${if v then "on" else "off"}" ]; } opts)
          (cli.toGNUCommandLine { mkList = k: v: [ "--${k}" (concatMapStringsSep "," toString v) ]; } { xs = [ 1 2 ]; })
          (cli.toGNUCommandLine { mkOption = k: v: [ "${k}!" ]; } { k = "v"; e = null; })
          (cli.toGNUCommandLineShell { } opts) (cli.toGNUCommandLineShell { optionValueSeparator = "="; } { s = "it's"; }) ];
        cmd = [ (cli.toCommandLine (k: { option = "-${k}"; sep = null; explicitBool = false; }) opts)
          (cli.toCommandLine (k: { option = "--${k}"; sep = ":"; explicitBool = true; }) opts)
          (cli.toCommandLine (k: { option = "+${k}"; sep = "="; explicitBool = false; formatArg = v: "<${toString v}>"; }) opts)
          (cli.toCommandLineShell (k: { option = "-${k}"; sep = null; explicitBool = true; }) opts)
          (cli.toCommandLineGNU { } opts) (cli.toCommandLineGNU { explicitBool = true; } opts)
          (cli.toCommandLineGNU { isLong = _: true; formatArg = v: "[${toString v}]"; } opts)
          (cli.toCommandLineShellGNU { } opts) (cli.toCommandLineShellGNU { isLong = _: false; } { q = "a b"; })
          (cli.toCommandLine (k: { option = k; sep = null; explicitBool = false; }) { }) ];
        versions = with versions; [ (pad 3 "1.2") (pad 3 "1.2-rc1") (pad 1 "1.2.3") (pad 2 "1.2.3.4-pre-2")
          (pad 4 "1") (pad 0 "5.6") (pad 2 "v1") (major "1.2.3") (minor "1.2.3") (patch "1.2.3") (majorMinor "1.2.3")
          (majorMinor "1") (splitVersion "1.2pre3") (compareVersions "1.2" "1.10") ];
        lazy = [ (show (lazyDerivation { derivation = drv; outputs = [ "out" "dev" ]; }))
          (show (lazyDerivation { derivation = drv; outputs = [ "out" "dev" ]; meta = null; passthru = { extra = 1; x = 2; }; }))
          (builtins.attrNames lazy) lazy.meta lazy.p lazy.outputs lazy.type
          (catch (lazyDerivation { derivation = drv; }).outPath)
          (catch (lazyDerivation { derivation = drv; outputs = [ "dev" "out" ]; }).name)
          (catch (lazyDerivation { derivation = drv // { type = "x"; }; outputs = [ "out" "dev" ]; }).name)
          (catch (lazyDerivation { derivation = { name = "n"; }; }).name)
          (lazyDerivation { derivation = drv; outputs = [ "out" "dev" ]; }).dev.outPath
          (optionalDrvAttr true 1) (optionalDrvAttr false 1) ];
      }"#;
    let got = ours_in(dir.path(), expr).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        got["gnu"][0],
        serde_json::json!([
            "-a", "-f", "0.500000", "-l", "1", "-l", "two", "--long", "x y", "-n", "3"
        ])
    );
    assert_eq!(got["versions"][1], "1.2.0-rc1");
    assert_eq!(got["lazy"][7], false);
    assert_eq!(got["lazy"][8], false);
    assert_eq!(got["lazy"][9], false);
    if let Some(lib) = real_lib("cli_versions_and_lazy_derivation_are_nixpkgs") {
        assert_eq!(got, theirs_in(&lib, dir.path(), expr), "with nixpkgs' lib");
    }
    // An empty option name stops evaluation (nixpkgs' lib fails there too,
    // with an error `tryEval` does not catch).
    let e = ours("lib.cli.toCommandLineGNU { } { \"\" = true; }").unwrap_err();
    assert!(e.contains("empty name"), "{e}");
}

/// The string, attribute and option helpers atelier writes in its own
/// words (edit distances, case conversion, splitting, trimming, path
/// updates, definition wrappers) give nixpkgs' results, and fail where it
/// fails, over cases beyond those of nixpkgs' own tests.
#[test]
fn string_and_path_helpers_are_nixpkgs() {
    let dir = tmp(&[]);
    let expr = r#"with lib; let
        fails = x: !(builtins.tryEval (builtins.deepSeq x x)).success;
        words = [ "" "a" "b" "ab" "ba" "abc" "acb" "kitten" "sitting" "flaw" "lawn" "aa" "aaa" "abab" "baba" "xabcx" "xacbx" "abcdef" "azced" "ggg" "g" ];
        pairs = concatMap (s: map (t: [ s t ]) words) words;
        drv = { type = "derivation"; name = "hello-1.0"; outPath = "/nix/store/x-hello"; };
        def = { _type = "definition"; file = "f"; value = 2; };
      in {
        distances = map (p: strings.levenshtein (elemAt p 0) (elemAt p 1)) pairs;
        atMost = map (k: map (p: strings.levenshteinAtMost k (elemAt p 0) (elemAt p 1)) pairs) [ (-1) 0 1 2 3 4 ];
        common = map (p: [ (strings.commonPrefixLength (elemAt p 0) (elemAt p 1)) (strings.commonSuffixLength (elemAt p 0) (elemAt p 1)) ]) pairs;
        split = [ (splitStringBy (a: b: b == "-") false "a-b--c-") (splitStringBy (a: b: b == "-") true "-a-b")
          (splitStringBy (a: b: a == "x") true "xaxbx") (splitStringBy (a: b: true) false "abc") (splitStringBy (a: b: false) true "") ];
        camel = map toCamelCase [ "" "hello world" "HELLO_WORLD" "fooBarBaz" "foo-bar_baz qux" "--a" "ABC" "aB-cD" "x  y" ];
        sentence = map toSentenceCase [ "" "a" "hELLO wORLD" "ABC" ];
        caseFails = [ (fails (toCamelCase 1)) (fails (toSentenceCase [ ])) ];
        trims = map (o: map (trimWith o) [ "" " " "  a b \t\n" "\r\na" "a\n" "x" ]) [ { } { start = true; } { end = true; } { start = true; end = true; } ];
        paths = map strings.normalizePath [ "" "/" "//" "a//b///c" "///a/" "a" "/./a//" ];
        options = map showOption [ [ ] [ "a" ] [ "a" "b c" "*" "<name>" "x.y" "if" "<n" ] ];
        updated = [
          (updateManyAttrsByPath [ { path = [ "a" "b" ]; update = x: x + 1; } { path = [ "a" ]; update = x: x // { c = 3; }; } { path = [ "d" ]; update = _: 4; } ] { a.b = 1; })
          (updateManyAttrsByPath [ ] 5)
          (updateManyAttrsByPath [ { path = [ ]; update = x: x * 2; } { path = [ ]; update = x: x + 1; } ] 5)
          (updateManyAttrsByPath [ { path = [ "n" "m" ]; update = _: 1; } ] { })
        ];
        updateFails = [ (fails (updateManyAttrsByPath [ { path = [ "a" ]; update = x: x + 1; } ] { }))
          (fails (updateManyAttrsByPath [ { path = [ "a" "b" ]; update = _: 1; } ] { a = 1; })) ];
        exe = [ (getExe' drv "hi") (fails (getExe' drv "a/b")) (fails (getExe' { } "hi")) (fails (getExe' drv 1)) ];
        defs = map (modules.mapDefinitionValue (x: if isInt x then x * 10 else x)) [ 1 "s" def (mkIf true 3) (mkMerge [ 1 (mkOrder 5 2) (mkForce def) ]) { _type = "other"; } ];
        compare = map (p: splitByAndCompare (hasPrefix "a") compare (x: y: compare y x) (elemAt p 0) (elemAt p 1)) pairs;
        errors = [ (fails (toShellVar "1x" 1)) (fails (fixedWidthString 2 "0" "abc")) (fails (toInt "01")) (fails (toInt "x"))
          (fails (toIntBase10 "x")) (toIntBase10 "007") (fails (attrsets.unionOfDisjoint { a = 1; } { a = 2; })) (attrsets.unionOfDisjoint { a = 1; } { b = 2; }) ];
      }"#;
    let got = ours_in(dir.path(), expr).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(got["distances"][0], serde_json::json!(0));
    if let Some(lib) = real_lib("string_and_path_helpers_are_nixpkgs") {
        let theirs = theirs_in(&lib, dir.path(), expr);
        // Case by case, so that a difference names its function.
        for (name, value) in theirs.as_object().unwrap() {
            assert_eq!(&got[name], value, "{name} with nixpkgs' lib");
        }
        assert_eq!(got, theirs, "with nixpkgs' lib");
    }
}
