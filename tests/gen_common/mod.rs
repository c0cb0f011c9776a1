//! Shared harness of the atelier-gen golden suites:
//! `tests/data/<suite>/{ok,err}/<case>/` holds a small flake; `ok` cases must
//! have no errors and are compared with `snapshot.snap` in the case folder;
//! `err` cases list `<code> <file:line:col>` lines in `expected` and must
//! write nothing.

#![allow(dead_code)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use atelier::diagnostic::Diagnostic;
use atelier::generate::pipeline::{self, HostSelection};

pub fn data_dir(suite: &str, kind: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(suite)
        .join(kind)
}

pub fn cases(suite: &str, kind: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(data_dir(suite, kind))
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    assert!(!out.is_empty(), "no {suite}/{kind} cases");
    out
}

/// Every host of the case's flake, processed as `generate` would.
pub fn run(case: &Path) -> Vec<pipeline::HostOutput> {
    let hosts = pipeline::select_hosts(case, &HostSelection::All)
        .unwrap_or_else(|d| panic!("{}: {}", case.display(), shorts(&d)));
    let out_dir = case.join("generated");
    let generated: Vec<PathBuf> = hosts
        .iter()
        .map(|h| pipeline::module_path(&out_dir, h))
        .collect();
    hosts
        .iter()
        .map(|h| pipeline::process_host(case, h, &generated))
        .collect()
}

pub fn shorts(d: &[Diagnostic]) -> String {
    d.iter().map(|x| x.short() + "\n").collect()
}

/// Plan JSON and diagnostics of every host, as one text.
pub fn plan_report(outputs: &[pipeline::HostOutput]) -> String {
    let mut s = String::new();
    for o in outputs {
        let _ = writeln!(s, "== host {}", o.host);
        for d in &o.diagnostics {
            let _ = writeln!(s, "{}", d.short());
        }
        if let Some(plan) = &o.plan {
            let mut json = plan.to_json_value();
            // The generator version changes with every release.
            json["generator"] = "atelier-gen VERSION".into();
            let _ = writeln!(s, "{}", serde_json::to_string_pretty(&json).unwrap());
        }
    }
    s
}

pub fn assert_case_snapshot(case: &Path, text: &str) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(case);
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| insta::assert_snapshot!("snapshot", text));
}

/// `expected`: one `<code> <file:line:col>` per line (location may be `-`).
pub fn expected(case: &Path) -> Vec<(String, Option<String>)> {
    let text = std::fs::read_to_string(case.join("expected"))
        .unwrap_or_else(|_| panic!("{}: missing `expected`", case.display()));
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let mut it = l.split_whitespace();
            let code = it.next().unwrap().to_owned();
            let loc = it.next().filter(|x| *x != "-").map(str::to_owned);
            (code, loc)
        })
        .collect()
}

/// An err case: has the expected errors, and `generate` writes nothing.
pub fn check_err_case(case: &Path) {
    let outputs = run(case);
    let errors: Vec<&Diagnostic> = outputs
        .iter()
        .flat_map(|o| o.diagnostics.iter())
        .filter(|d| d.is_error())
        .collect();
    let all = shorts(
        &outputs
            .iter()
            .flat_map(|o| o.diagnostics.clone())
            .collect::<Vec<_>>(),
    );
    for (code, loc) in expected(case) {
        assert!(
            errors.iter().any(|d| d.code == code
                && loc
                    .as_ref()
                    .is_none_or(|l| d.span.as_ref().is_some_and(|s| &s.location() == l))),
            "{}: expected error {code} at {loc:?}, got:\n{all}",
            case.display()
        );
    }
    // The binary writes nothing when there are errors.
    let out = tempfile::tempdir().unwrap();
    let assert = assert_cmd::Command::new(env!("CARGO_BIN_EXE_atelier-gen"))
        .arg("generate")
        .arg(case)
        .arg("--out")
        .arg(out.path())
        .arg("--format")
        .arg("short")
        .assert()
        .code(1);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(stderr.contains("nothing was written"), "{stderr}");
    let left: Vec<_> = std::fs::read_dir(out.path()).unwrap().collect();
    assert!(
        left.is_empty(),
        "{}: files were written: {left:?}",
        case.display()
    );
    assert_case_snapshot(case, &all);
}

/// A generated module parses with rnix and with `nix-instantiate --parse`.
pub fn assert_module_parses(module: &str, what: &str) {
    let parsed = rnix::Root::parse(module);
    assert!(
        parsed.errors().is_empty(),
        "{what}: rnix: {:?}",
        parsed.errors()
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("module.nix");
    std::fs::write(&file, module).unwrap();
    let out = std::process::Command::new("nix-instantiate")
        .arg("--parse")
        .arg(&file)
        .output()
        .expect("nix-instantiate runs (installed by scripts/setup.sh)");
    assert!(
        out.status.success(),
        "{what}: nix-instantiate --parse failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
