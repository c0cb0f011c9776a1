//! Golden tests of the reader and evaluator, by folder:
//! `tests/data/reader/ok/<case>/main.nix` must evaluate without errors (the
//! snapshot is what `atelier-gen eval` would print); each
//! `tests/data/reader/err/<case>/` holds `main.nix` (or `main.nix.broken`
//! when `nix-instantiate --parse` rejects it, so the repository-wide parse
//! check skips it; `inputs_are_named_by_what_nix_thinks` keeps that honest) and `expected`: one `code file:line:col` line per diagnostic. The
//! snapshot is the human rendering.

use std::path::{Path, PathBuf};

use atelier::diagnostic::{render, Diagnostic, OutputFormat};
use atelier::nix::{to_json, Evaluator, JsonMode, Value};

fn reader_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/reader")
}

fn cases(kind: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(reader_dir().join(kind))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    v.sort();
    v
}

/// The arguments discovery passes to a module: `lib` is ours, the rest is
/// unknown.
fn module_args(ev: &mut Evaluator) -> Value {
    let lib = ev.lib().unwrap();
    let unknown = |name: &str| {
        Value::unknown_root(
            name,
            format!("`{name}` is only known when Nix evaluates the system"),
            None,
        )
    };
    Value::attrs([
        ("lib".to_string(), lib),
        ("pkgs".to_string(), unknown("pkgs")),
        ("config".to_string(), unknown("config")),
        ("options".to_string(), unknown("options")),
        ("inputs".to_string(), unknown("inputs")),
    ])
}

/// Evaluates a case's main file (on the case's directory as the root, or on
/// `root/` when the case has one) and returns its JSON view.
fn run_case(dir: &Path) -> Result<serde_json::Value, Vec<Diagnostic>> {
    let root = if dir.join("root").is_dir() {
        dir.join("root")
    } else {
        dir.to_path_buf()
    };
    let main = [root.join("main.nix"), root.join("main.nix.broken")]
        .into_iter()
        .find(|p| p.exists())
        .expect("case has main.nix or main.nix.broken");
    let mut ev = Evaluator::new(&root);
    let mut v = ev.eval_file(&main)?;
    if v.is_function() {
        let args = module_args(&mut ev);
        v = ev.apply(&v, args)?;
    }
    let span = atelier::diagnostic::Span {
        file: std::sync::Arc::new(atelier::diagnostic::SourceFile {
            name: "main.nix".into(),
            path: main.clone(),
            text: String::new(),
        }),
        start: 0,
        end: 0,
    };
    Ok(to_json(&mut ev, &v, JsonMode::Inspect, &span)?.expect("inspect mode is total"))
}

#[test]
fn ok_cases() {
    let cases = cases("ok");
    assert!(!cases.is_empty());
    for dir in cases {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let json = match run_case(&dir) {
            Ok(j) => j,
            Err(d) => panic!(
                "ok case {name} failed:\n{}",
                render(&d, OutputFormat::Human)
            ),
        };
        // Paths are absolute; the checkout's location is not part of the result.
        let text = serde_json::to_string_pretty(&json)
            .unwrap()
            .replace(&dir.display().to_string(), "<case>");
        insta::assert_snapshot!(format!("reader_ok__{name}"), text);
    }
}

#[test]
fn err_cases() {
    let cases = cases("err");
    assert!(!cases.is_empty());
    let mut mismatches = Vec::new();
    for dir in cases {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let expected = std::fs::read_to_string(dir.join("expected"))
            .unwrap_or_else(|_| panic!("err case {name} needs an `expected` file"));
        let diags = match run_case(&dir) {
            Ok(j) => panic!("err case {name} evaluated without error: {j}"),
            Err(d) => d,
        };
        let got: Vec<String> = diags
            .iter()
            .map(|d| {
                let loc = d.span.as_ref().map_or_else(
                    || "<none>".into(),
                    |s| {
                        // `main.nix.broken` is shown as the user would name it.
                        s.location().replace("main.nix.broken", "main.nix")
                    },
                );
                format!("{} {loc}", d.code)
            })
            .collect();
        let want: Vec<&str> = expected.lines().filter(|l| !l.trim().is_empty()).collect();
        if got != want {
            mismatches.push(format!(
                "err case {name}:\n  got:      {got:?}\n  expected: {want:?}"
            ));
            continue;
        }
        insta::assert_snapshot!(
            format!("reader_err__{name}"),
            render(&diags, OutputFormat::Human).replace("main.nix.broken", "main.nix")
        );
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

/// `.nix` inputs parse with Nix, `.nix.broken` inputs do not.
#[test]
fn inputs_are_named_by_what_nix_thinks() {
    for dir in cases("err").into_iter().chain(cases("ok")) {
        for (file, should_parse) in [("main.nix", true), ("main.nix.broken", false)] {
            let p = dir.join(file);
            if !p.exists() {
                continue;
            }
            let out = std::process::Command::new("nix-instantiate")
                .arg("--parse")
                .arg(&p)
                .output()
                .expect("nix-instantiate is required (./scripts/setup.sh installs nix-bin)");
            assert_eq!(
                out.status.success(),
                should_parse,
                "{}: nix-instantiate --parse says {}",
                p.display(),
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}
