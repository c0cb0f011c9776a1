//! Differential tests: every case in tests/data/eval/cases/*.nix (each file
//! is a set of named cases) is evaluated by our evaluator and by
//! `nix-instantiate --eval --strict --json`, and the results must be equal.
//! Files named `lib-*.nix` are functions of `{ lib }`; Nix gets nixpkgs' lib
//! from `ATELIER_NIXPKGS_LIB` (skipped, visibly, when it is unset). Files
//! named `pure-*.nix` are evaluated by Nix in pure mode (`--option
//! pure-eval true`, the file given as text), as flakes are and as atelier
//! always evaluates.

use std::path::{Path, PathBuf};
use std::process::Command;

use atelier::nix::{to_json, with_large_stack, Evaluator, JsonMode, Value};
use serde_json::Value as Json;

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/eval")
}

fn case_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(data_dir().join("cases"))
        .expect("tests/data/eval/cases")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "nix"))
        .collect();
    files.sort();
    files
}

fn is_lib_file(p: &Path) -> bool {
    p.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with("lib-"))
}

/// Our result per case: name → JSON, or the rendered error.
type Ours = Vec<(String, Result<Json, String>)>;

fn eval_ours(file: PathBuf) -> Ours {
    with_large_stack(move || {
        let mut ev = Evaluator::new(data_dir());
        ev.set_max_depth(atelier::nix::LARGE_STACK_MAX_DEPTH);
        let render = |d: Vec<atelier::diagnostic::Diagnostic>| {
            d.iter()
                .map(atelier::diagnostic::Diagnostic::short)
                .collect::<Vec<_>>()
                .join("\n")
        };
        let mut v = match ev.eval_file(&file) {
            Ok(v) => v,
            Err(d) => return vec![("<file>".to_string(), Err(render(d)))],
        };
        if is_lib_file(&file) {
            let lib = ev.lib().expect("lib evaluates");
            v = ev
                .apply(&v, Value::attrs([("lib".to_string(), lib)]))
                .expect("lib case file applies");
        }
        let attrs = v
            .as_attrs()
            .expect("a case file is an attribute set")
            .clone();
        let span = attrs.span.clone().expect("span");
        let mut out = Vec::new();
        for (name, entry) in &attrs.entries {
            let r = ev
                .force(&entry.value)
                .and_then(|x| to_json(&mut ev, &x, JsonMode::Inspect, &span))
                .map(|j| j.expect("inspect mode is total"))
                .map_err(render);
            out.push((name.clone(), r));
        }
        out
    })
}

fn is_pure_file(p: &Path) -> bool {
    p.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with("pure-"))
}

fn nix_command(file: &Path, attr: Option<&str>, lib: Option<&str>) -> Command {
    let mut c = Command::new("nix-instantiate");
    c.args(["--eval", "--strict", "--json"]);
    if is_pure_file(file) {
        // Pure mode reads no file outside the store: given as text.
        let text = std::fs::read_to_string(file).expect("a case file");
        c.args(["--option", "pure-eval", "true", "-E", &text]);
        if let Some(a) = attr {
            c.args(["-A", a]);
        }
        c.env("NIX_PATH", "");
        return c;
    }
    if let Some(lib) = lib {
        c.args(["--arg", "lib", &format!("import {lib}")]);
    }
    match attr {
        None => {
            c.arg(file);
        }
        Some(a) => {
            c.arg(file).args(["-A", a]);
        }
    }
    c.env("NIX_PATH", "");
    c
}

fn run_nix(mut c: Command) -> Result<Json, String> {
    let out = c
        .output()
        .map_err(|e| format!("cannot run nix-instantiate: {e}"))?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("bad JSON from Nix: {e}"))
}

#[allow(clippy::many_single_char_names)]
/// Nix prints floats with limited precision; compare them numerically.
fn json_eq(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Number(x), Json::Number(y)) => {
            if let (Some(i), Some(j)) = (x.as_i64(), y.as_i64()) {
                return i == j;
            }
            let (f, g) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            (f - g).abs() <= 1e-6 * f.abs().max(g.abs()).max(1.0)
        }
        (Json::Array(x), Json::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| json_eq(p, q))
        }
        (Json::Object(x), Json::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

#[test]
fn evaluator_agrees_with_nix_instantiate() {
    assert!(
        Command::new("nix-instantiate")
            .arg("--version")
            .output()
            .is_ok(),
        "nix-instantiate is required (./scripts/setup.sh installs nix-bin)"
    );
    let lib = std::env::var("ATELIER_NIXPKGS_LIB")
        .ok()
        .filter(|s| !s.is_empty());
    let files: Vec<PathBuf> = case_files()
        .into_iter()
        .filter(|f| {
            if is_lib_file(f) && lib.is_none() {
                eprintln!(
                    "SKIP {}: ATELIER_NIXPKGS_LIB is unset (point it at nixpkgs' lib to compare our lib)",
                    f.display()
                );
                false
            } else {
                true
            }
        })
        .collect();

    // One nix-instantiate per file, all started at once; ours meanwhile.
    let children: Vec<_> = files
        .iter()
        .map(|f| {
            let f = f.clone();
            let lib = if is_lib_file(&f) { lib.clone() } else { None };
            std::thread::spawn(move || run_nix(nix_command(&f, None, lib.as_deref())))
        })
        .collect();
    let ours: Vec<Ours> = files.iter().map(|f| eval_ours(f.clone())).collect();

    let mut failures = Vec::new();
    let mut total = 0;
    for ((file, child), ours) in files.iter().zip(children).zip(ours) {
        let rel = file.strip_prefix(data_dir()).unwrap().display().to_string();
        let theirs = child.join().unwrap();
        for (name, mine) in ours {
            total += 1;
            let nix = match &theirs {
                Ok(Json::Object(m)) => m
                    .get(&name)
                    .cloned()
                    .ok_or_else(|| "missing in Nix's output".to_string()),
                Ok(other) => Err(format!("Nix returned a non-object: {other}")),
                // The whole file failed in Nix: find out case by case.
                Err(_) => {
                    let l = if is_lib_file(file) { lib.clone() } else { None };
                    run_nix(nix_command(file, Some(&name), l.as_deref()))
                }
            };
            match (&mine, &nix) {
                (Ok(a), Ok(b)) if json_eq(a, b) => {}
                _ => failures.push(format!(
                    "case {rel}#{name}:\n  ours: {}\n  nix:  {}",
                    mine.as_ref()
                        .map_or_else(|e| format!("error: {e}"), ToString::to_string),
                    nix.as_ref()
                        .map_or_else(|e| format!("error: {}", e.trim()), ToString::to_string),
                )),
            }
        }
    }
    eprintln!("{total} differential cases compared against nix-instantiate");
    assert!(
        failures.is_empty(),
        "{} of {total} cases disagree:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        total >= 150,
        "expected at least 150 differential cases, found {total}"
    );
}
