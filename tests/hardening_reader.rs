//! The reader never panics, overflows or hangs on hostile input: each case
//! is a host module (or a set of files) of a small flake, run through the
//! built `atelier-gen plan` and `generate`. A case passes when the process
//! exits 0, 1 or 2 by itself (never 101 = panic, never a signal) and, when it
//! fails, says why with a diagnostic code. Crash inputs found by the fuzzer
//! (`fuzz/`, docs/hardening.md) live in tests/data/fuzz-regressions/ and run
//! here too.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

const FLAKE: &str = r#"{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";
  outputs = { nixpkgs, atelier, ... }: {
    nixosConfigurations.box = nixpkgs.lib.nixosSystem {
      system = "x86_64-linux";
      specialArgs = { inherit atelier; };
      modules = [ atelier.nixosModules.default ./host.nix ];
    };
  };
}
"#;

struct Outcome {
    code: Option<i32>,
    stderr: String,
    stdout: String,
}

fn flake_with(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("flake");
    std::fs::create_dir(&root).unwrap();
    std::fs::write(root.join("flake.nix"), FLAKE).unwrap();
    for (name, bytes) in files {
        let p = if name.starts_with("../") {
            dir.path().join(name.trim_start_matches("../"))
        } else {
            root.join(name)
        };
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
    dir
}

fn gen(dir: &Path, args: &[&str]) -> Outcome {
    let out = Command::new(env!("CARGO_BIN_EXE_atelier-gen"))
        .args(args)
        .arg(dir.join("flake"))
        .output()
        .unwrap();
    Outcome {
        code: out.status.code(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
    }
}

/// Runs plan and generate; asserts an orderly exit; returns plan's outcome.
fn survive(name: &str, files: &[(&str, &[u8])]) -> Outcome {
    let dir = flake_with(files);
    let plan = gen(
        dir.path(),
        &["plan", "--json", "--format", "short", "--host", "box"],
    );
    let out_dir = dir.path().join("out");
    let out_dir = out_dir.to_str().unwrap();
    let generate = gen(
        dir.path(),
        &[
            "generate", "--format", "short", "--host", "box", "--out", out_dir,
        ],
    );
    for (what, o) in [("plan", &plan), ("generate", &generate)] {
        assert!(
            matches!(o.code, Some(0..=2)),
            "{name}: atelier-gen {what} did not exit in an orderly way (code {:?}, 101 = panic, None = signal)\nstderr:\n{}",
            o.code,
            o.stderr.chars().take(4000).collect::<String>()
        );
        if o.code != Some(0) {
            assert!(
                o.stderr.contains("error["),
                "{name}: {what} failed without a diagnostic:\n{}",
                o.stderr
            );
        }
    }
    if generate.code == Some(0) {
        // Whatever was accepted renders to a module that parses.
        let module = std::fs::read_to_string(Path::new(out_dir).join("box.nix")).unwrap();
        let parsed = rnix::Root::parse(&module);
        assert!(
            parsed.errors().is_empty(),
            "{name}: generated module does not parse"
        );
    }
    plan
}

fn expect_code(name: &str, files: &[(&str, &[u8])], code: &str) {
    let o = survive(name, files);
    assert_ne!(
        o.code,
        Some(0),
        "{name}: expected an error, got\n{}",
        o.stdout
    );
    assert!(
        o.stderr.contains(&format!("error[{code}]")),
        "{name}: expected error[{code}], got:\n{}",
        o.stderr
    );
}

fn host(body: &str) -> Vec<u8> {
    format!(
        "{{ atelier, ... }}: {{\n  atelier.backup = {{ enable = true; repositories.default = {{ repository = \"/srv/r\"; passwordFile = \"/run/k\"; }}; }};\n{body}\n}}\n"
    )
    .into_bytes()
}

#[test]
fn malformed_nix_is_a_parse_error() {
    for (i, src) in [
        "{",
        "{ a = ; }",
        "let in",
        "\"unterminated",
        "''\n unterminated",
        "{ a = \"${\"; }",
        "{ x = 1 }",
        "}}}}",
        "\u{0}",
        "{ a.b.c = 1; a.b.c = 2; }",
        "assert false; {}",
    ]
    .iter()
    .enumerate()
    {
        survive(&format!("malformed #{i}"), &[("host.nix", src.as_bytes())]);
    }
    expect_code(
        "unterminated set",
        &[("host.nix", b"{ atelier, ... }: {")],
        "parse-error",
    );
}

#[test]
fn deep_nesting_does_not_overflow() {
    let n = 20_000;
    let parens = format!("{}1{}", "(".repeat(n), ")".repeat(n));
    let lists = format!("{}{}", "[".repeat(n), "]".repeat(n));
    let sets = format!("{}{}", "{ a = ".repeat(n), "1; }".repeat(n));
    let lets = format!("{}1", "let a = 1; in ".repeat(n));
    let lambdas = format!("{}1", "x: ".repeat(n));
    let selects = format!("{{}}{}", ".a".repeat(n));
    let adds = format!("1{}", " + 1".repeat(n));
    for (name, body) in [
        ("parens", parens),
        ("lists", lists),
        ("sets", sets),
        ("lets", lets),
        ("lambdas", lambdas),
        ("selects", selects),
        ("adds", adds),
    ] {
        survive(name, &[("host.nix", &host(&format!("  deep = {body};")))]);
        survive(&format!("{name} (bare)"), &[("host.nix", body.as_bytes())]);
    }
}

#[test]
fn runaway_evaluation_is_an_error_not_a_crash() {
    for (name, expr) in [
        ("self reference", "let x = x; in x"),
        ("infinite recursion", "let f = n: f (n + 1); in f 0"),
        ("rec set loop", "(rec { a = b; b = a; }).a"),
        (
            "fixpoint",
            "let fix = f: let x = f x; in x; in fix (s: { a = s.a + 1; }).a",
        ),
        ("huge genList", "builtins.genList (x: x) 100000000000000"),
        ("negative genList", "builtins.genList (x: x) (-1)"),
        ("overflow", "9223372036854775807 + 1"),
        ("overflow mul", "9223372036854775807 * 2"),
        ("min div", "(-9223372036854775807 - 1) / (-1)"),
        ("div zero", "1 / 0"),
        ("substring", "builtins.substring (-1) 5 \"abc\""),
        (
            "substring huge",
            "builtins.substring 9223372036854775807 9223372036854775807 \"abc\"",
        ),
        ("elemAt", "builtins.elemAt [ 1 ] 9223372036854775807"),
        ("elemAt negative", "builtins.elemAt [ 1 ] (-1)"),
        ("fromJSON", "builtins.fromJSON \"[[[[[[[[\""),
        (
            "fromJSON deep",
            &format!("builtins.fromJSON \"{}\"", "[".repeat(100_000)),
        ),
        ("sort throws", "builtins.sort (a: b: throw \"x\") [ 1 2 3 ]"),
        (
            "sort inconsistent",
            "builtins.sort (a: b: true) [ 3 1 2 5 4 1 2 3 4 5 6 7 8 9 ]",
        ),
        ("tryEval abort", "builtins.tryEval (abort \"x\")"),
    ] {
        survive(
            name,
            &[(
                "host.nix",
                &host(&format!("  atelier.services.app.enable = {expr};")),
            )],
        );
        survive(&format!("{name} (bare)"), &[("host.nix", expr.as_bytes())]);
    }
}

#[test]
fn huge_strings_are_fine() {
    let big = "x".repeat(8 << 20);
    let src = host(&format!(
        "  atelier.backup.services.big = {{ paths = [ \"/srv/{big}\" ]; tags = [ \"{big}\" ]; }};"
    ));
    survive("huge string", &[("host.nix", &src)]);
    // Doubling: 2^40 bytes would exhaust memory; must stop with an error.
    let mut doubling = String::from("let s0 = \"xxxxxxxxxxxxxxxx\"; ");
    for i in 1..=40 {
        write!(doubling, "s{i} = s{p} + s{p}; ", p = i - 1).unwrap();
    }
    doubling.push_str("in builtins.stringLength s40");
    survive("doubling", &[("host.nix", doubling.as_bytes())]);
}

#[test]
fn cyclic_imports_are_reported() {
    // Module imports form a graph: like the NixOS module system, a module
    // already imported is not read again, so a cycle ends.
    let o = survive(
        "module cycle",
        &[
            ("host.nix", b"{ ... }: { imports = [ ./a.nix ]; }"),
            ("a.nix", b"{ ... }: { imports = [ ./b.nix ]; }"),
            ("b.nix", b"{ ... }: { imports = [ ./a.nix ]; }"),
        ],
    );
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    expect_code(
        "value cycle",
        &[
            (
                "host.nix",
                b"{ ... }: { atelier.services.app.enable = import ./a.nix; }",
            ),
            ("a.nix", b"import ./b.nix"),
            ("b.nix", b"import ./a.nix"),
        ],
        "cyclic-import",
    );
    survive("self import", &[("host.nix", b"import ./host.nix")]);
}

#[test]
fn nothing_outside_the_flake_is_read() {
    let secret = b"{ ... }: { atelier.backup.services.leak.paths = [ \"/SECRET-OUTSIDE\" ]; }";
    for (name, expr) in [
        ("import ..", "import ../outside.nix"),
        ("import absolute", "import /etc/passwd"),
        ("import dir ..", "import ../"),
        ("readFile ..", "builtins.readFile ../outside.nix"),
        ("readFile /dev/zero", "builtins.readFile /dev/zero"),
        ("import /dev/zero", "import /dev/zero"),
        ("readFile dir", "builtins.readFile ./."),
    ] {
        let src = format!("{{ ... }}: {{ imports = [ ({expr}) ]; }}");
        let o = survive(
            name,
            &[("host.nix", src.as_bytes()), ("../outside.nix", secret)],
        );
        assert_ne!(
            o.code,
            Some(0),
            "{name}: reading outside the flake succeeded"
        );
        assert!(!o.stdout.contains("SECRET-OUTSIDE"), "{name}: {}", o.stdout);
        assert!(!o.stderr.contains("SECRET-OUTSIDE"), "{name}: {}", o.stderr);
    }
}

#[test]
fn non_utf8_files_are_reported_with_their_location() {
    expect_code(
        "latin-1 host",
        &[("host.nix", b"{ ... }: { a = \"caf\xe9\"; }")],
        "invalid-utf8",
    );
    expect_code(
        "latin-1 import",
        &[
            ("host.nix", b"{ ... }: { imports = [ ./m.nix ]; }"),
            ("m.nix", b"\xff\xfe{ }"),
        ],
        "invalid-utf8",
    );
    survive("NUL bytes", &[("host.nix", b"{ ... }: { a = \"\0\0\"; }")]);
    survive("BOM", &[("host.nix", b"\xef\xbb\xbf{ ... }: { }")]);
}

#[test]
fn fuzz_regressions() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fuzz-regressions");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_none_or(|e| e != "md"))
        .collect();
    cases.sort();
    for case in &cases {
        let bytes = std::fs::read(case).unwrap();
        survive(&case.display().to_string(), &[("host.nix", &bytes)]);
    }
}
