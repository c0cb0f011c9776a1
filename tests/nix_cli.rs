//! `atelier-gen eval` contract: stdout JSON, diagnostics on stderr in the
//! chosen format, exit 0 / 1 (errors) / 2 (usage).

use assert_cmd::Command;

fn gen() -> Command {
    Command::cargo_bin("atelier-gen").unwrap()
}

fn case(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let p = dir.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    dir
}

#[test]
fn eval_prints_json_with_unknowns_and_functions() {
    let dir = case(&[(
        "main.nix",
        "{ a = 1; s = \"x${toString 2}\"; f = x: x; p = <nixpkgs>; }",
    )]);
    let out = gen()
        .arg("eval")
        .arg(dir.path().join("main.nix"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["a"], 1);
    assert_eq!(j["s"], "x2");
    assert_eq!(j["f"]["function"], "main.nix:1:36");
    assert_eq!(j["p"]["at"], "main.nix:1:46");
    assert!(j["p"]["unknown"].as_str().unwrap().contains("NIX_PATH"));
}

#[test]
fn eval_attr_selects_a_path() {
    let dir = case(&[("main.nix", "{ a.b.c = [ 1 2 ]; }")]);
    gen()
        .args(["eval", "--attr", "a.b.c"])
        .arg(dir.path().join("main.nix"))
        .assert()
        .success()
        .stdout("[\n  1,\n  2\n]\n");
    gen()
        .args(["--format", "short", "eval", "--attr", "a.x"])
        .arg(dir.path().join("main.nix"))
        .assert()
        .code(1)
        .stderr(predicates::str::contains("error[missing-attribute]"));
}

#[test]
fn errors_in_each_format() {
    let dir = case(&[("main.nix", "{\n  a = ;\n  b = 2\n}\n")]);
    let file = dir.path().join("main.nix");
    let short = gen()
        .args(["--format", "short", "eval"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(short.status.code(), Some(1));
    assert!(short.stdout.is_empty());
    let text = String::from_utf8(short.stderr).unwrap();
    assert!(
        text.starts_with("main.nix:2:7: error[parse-error]: "),
        "{text}"
    );
    assert!(text.lines().count() >= 2, "every error is reported: {text}");

    let human = gen().arg("eval").arg(&file).output().unwrap();
    let text = String::from_utf8(human.stderr).unwrap();
    assert!(text.contains(" --> main.nix:2:7\n"), "{text}");
    assert!(text.contains("2 |   a = ;\n"), "{text}");

    let json = gen()
        .args(["--format", "json", "eval"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(json.status.code(), Some(1));
    let j: serde_json::Value = serde_json::from_slice(&json.stderr).unwrap();
    assert_eq!(j[0]["code"], "parse-error");
    assert_eq!(j[0]["file"], "main.nix");
    assert_eq!(j[0]["line"], 2);
    assert_eq!(j[0]["column"], 7);
}

#[test]
fn usage_errors_exit_2() {
    gen().assert().code(2);
    gen().args(["eval"]).assert().code(2);
    gen()
        .args(["--format", "xml", "eval", "x.nix"])
        .assert()
        .code(2);
}

#[test]
fn missing_file_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    gen()
        .arg("eval")
        .arg(dir.path().join("nope.nix"))
        .assert()
        .code(1)
        .stderr(predicates::str::contains("nope.nix"));
}
