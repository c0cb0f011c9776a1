//! Property: whatever strings a plan holds (quotes, `${`, `''`, backslashes,
//! newlines, `$(...)`, backticks, non-ASCII), the generated module parses
//! (rnix and `nix-instantiate --parse`) and real Nix evaluates it back to
//! exactly those values: `atelier.generated` and the manifest JSON text that
//! `environment.etc` would install.

use std::io::Write as _;
use std::process::Command;

use atelier::discover::model::{HostDecl, Located, Origin, RepositoryDecl, ServiceDecl};
use proptest::prelude::*;

/// Pieces that break naive quoting in Nix, shell, JSON or SQL.
const NASTY: &[&str] = &[
    "\"",
    "${",
    "${x}",
    "''",
    "'''",
    "''$",
    "''\\",
    "\\",
    "\\n",
    "\n",
    "\r",
    "\t",
    "$",
    "$$",
    "$(touch canary)",
    "`touch canary`",
    ";",
    " ",
    "é",
    "日本",
    "🦀",
    "..",
    "'",
    "}",
    "{",
    "a",
    "b",
    "/",
    "#",
    "\u{7f}",
    "\u{202e}",
    "=",
];

fn nasty_string(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(NASTY), 1..max).prop_map(|v| v.concat())
}

fn s(v: &str) -> Located<String> {
    Located::known(v.to_owned(), None)
}

fn decl(sqlite: &str, files: &[String], tags: &[String], exclude: &str) -> HostDecl {
    let mut svc = ServiceDecl::new("app", Origin::Manual, None);
    svc.sqlite.push(s(&format!("/srv/db/{sqlite}.db")));
    for f in files {
        svc.files.push(s(&format!("/srv/files/{f}")));
    }
    for t in tags {
        svc.tags.push(s(t));
    }
    svc.exclude.push(s(exclude));
    HostDecl {
        host: "box".into(),
        settings: atelier::discover::model::HostSettingsDecl {
            repositories: vec![RepositoryDecl {
                name: "local".into(),
                span: None,
                repository: Some(s("/srv/restic")),
                repository_file: None,
                password_file: Some(s("/run/keys/pw")),
                environment_file: None,
                initialize: None,
                timeout: None,
            }],
            ..Default::default()
        },
        services: vec![svc],
    }
}

fn nix_available() -> bool {
    Command::new("nix-instantiate")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Evaluates `expr` (which refers to the module file as `m`) with real Nix.
fn nix_eval(module: &std::path::Path, expr: &str) -> serde_json::Value {
    let full = format!(
        "let m = import {} {{ config = {{ atelier.backup = {{ enable = true; repositories.local = {{ repository = \"/srv/restic\"; passwordFile = \"/run/keys/pw\"; }}; }}; atelier.services = {{}}; atelier.backup.services.app = {{}}; }}; lib = {{ mkIf = c: v: v; }}; }}; in {expr}",
        module.display()
    );
    let out = Command::new("nix-instantiate")
        .args(["--eval", "--strict", "--json", "-E", &full])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "nix-instantiate --eval failed:\n{}\nmodule:\n{}",
        String::from_utf8_lossy(&out.stderr),
        std::fs::read_to_string(module).unwrap()
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn generated_module_round_trips_nasty_strings(
        sqlite in nasty_string(8),
        files in prop::collection::vec(nasty_string(8), 1..3),
        tags in prop::collection::vec(nasty_string(6), 0..3),
        exclude in nasty_string(6),
    ) {
        let out = atelier::plan::build(&decl(&sqlite, &files, &tags, &exclude));
        if out.has_errors() {
            // Rejected is fine, as long as it says why (and nothing renders).
            let msgs: Vec<String> = out.diagnostics.iter().map(|d| format!("{d:?}")).collect();
            prop_assert!(!msgs.is_empty());
            eprintln!("rejected: {}", msgs[0].chars().take(200).collect::<String>());
            return Ok(());
        }
        let plan = out.plan.unwrap();
        let module = atelier::render::render_host_module(&plan).unwrap();
        let parsed = rnix::Root::parse(&module);
        prop_assert!(parsed.errors().is_empty(), "{:?}\n{}", parsed.errors(), module);
        if !nix_available() {
            eprintln!("SKIP real-Nix half: nix-instantiate not found");
            return Ok(());
        }
        let mut f = tempfile::Builder::new().suffix(".nix").tempfile().unwrap();
        f.write_all(module.as_bytes()).unwrap();
        let parse = Command::new("nix-instantiate").arg("--parse").arg(f.path()).output().unwrap();
        prop_assert!(parse.status.success(), "{}", String::from_utf8_lossy(&parse.stderr));

        let manifest = plan.to_json_value();
        let svc = &manifest["services"]["app"];
        let generated = nix_eval(f.path(), "m.atelier.generated.services.app");
        prop_assert_eq!(&generated["sqlite"], &svc["sqlite"]);
        prop_assert_eq!(&generated["files"], &svc["files"]);

        let text = nix_eval(f.path(), "m.environment.etc.\"atelier/backup-manifest.json\".text");
        let installed: serde_json::Value = serde_json::from_str(text.as_str().unwrap()).unwrap();
        let isvc = &installed["services"]["app"];
        for key in ["sqlite", "files", "tags", "exclude"] {
            prop_assert_eq!(&isvc[key], &svc[key], "{}", key);
        }
        // The values are exactly what was declared.
        prop_assert_eq!(svc["sqlite"][0].as_str().unwrap(), format!("/srv/db/{sqlite}.db"));
    }
}
