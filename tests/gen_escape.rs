//! Differential test of the template auto-escape: strings full of `"`, `\`,
//! `$`, `${`, `''`, newlines, tabs and non-ASCII text are rendered as Nix
//! string literals and as attribute names, evaluated by `nix-instantiate
//! --eval --strict --json`, and must come back unchanged.

use std::process::Command;

use atelier::render::escape::{nix_attr_name, nix_string};

/// Deterministic pseudo-random strings over an alphabet of troublemakers.
fn samples() -> Vec<String> {
    const PIECES: &[&str] = &[
        "\"", "\\", "$", "${", "$${", "}", "{", "''", "'", "\n", "\r", "\t", " ", "a", "Z", "0",
        "/", ".", "-", "ü", "日本", "🦀", "\\n", "\\$", "${x}", "''${", "#", ";", "=",
    ];
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut out: Vec<String> = PIECES.iter().map(|p| (*p).to_owned()).collect();
    out.push(String::new());
    for _ in 0..300 {
        let len = usize::try_from(next() % 12).unwrap();
        let s: String = (0..len)
            .map(|_| PIECES[usize::try_from(next() % PIECES.len() as u64).unwrap()])
            .collect();
        out.push(s);
    }
    out
}

fn eval(expr: &str) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("e.nix");
    std::fs::write(&file, expr).unwrap();
    let out = Command::new("nix-instantiate")
        .args(["--eval", "--strict", "--json"])
        .arg(&file)
        .output()
        .expect("nix-instantiate runs (installed by scripts/setup.sh)");
    assert!(
        out.status.success(),
        "nix-instantiate failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn string_literals_round_trip_through_nix() {
    let samples = samples();
    let expr = format!(
        "[\n{}\n]\n",
        samples
            .iter()
            .map(|s| nix_string(s))
            .collect::<Vec<_>>()
            .join("\n")
    );
    let back: Vec<String> = serde_json::from_value(eval(&expr)).unwrap();
    assert_eq!(back.len(), samples.len());
    for (want, got) in samples.iter().zip(&back) {
        assert_eq!(want, got, "literal {}", nix_string(want));
    }
}

#[test]
fn attribute_names_round_trip_through_nix() {
    let mut names: Vec<String> = samples().into_iter().filter(|s| !s.is_empty()).collect();
    names.extend(["photos", "my-app_2", "in", "rec", "or", "2fa", "a.b"].map(str::to_owned));
    names.sort();
    names.dedup();
    let expr = format!(
        "builtins.attrNames {{\n{}\n}}\n",
        names
            .iter()
            .map(|n| format!("  {} = null;", nix_attr_name(n)))
            .collect::<Vec<_>>()
            .join("\n")
    );
    let mut back: Vec<String> = serde_json::from_value(eval(&expr)).unwrap();
    back.sort();
    assert_eq!(back, names);
}
