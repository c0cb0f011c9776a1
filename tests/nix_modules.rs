//! Module-system tests of nix/: atelier's NixOS modules, `lib.mkService` and a
//! generated module evaluated with nixpkgs' real `lib.evalModules`
//! (`_module.check = true`) through `nix-instantiate`, with
//! nix/tests/harness.nix declaring the NixOS options they touch.
//!
//! Needs nixpkgs' lib: set `ATELIER_NIXPKGS_LIB` to its `lib` directory
//! (e.g. a checkout of nix-community/nixpkgs.lib). Without it every test here
//! prints a SKIP line and returns.

use std::path::{Path, PathBuf};
use std::process::Command;

use atelier::plan::manifest::Manifest;
use serde_json::Value;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixture(name: &str) -> String {
    repo()
        .join("nix/tests/fixtures")
        .join(name)
        .display()
        .to_string()
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
            skip(&format!("SKIP {test}: ATELIER_NIXPKGS_LIB is unset (point it at nixpkgs' lib directory to run the module-system tests)"));
            None
        }
    }
}

/// Extra modules of one test case, written to a temp dir (removed on drop).
struct Case {
    dir: tempfile::TempDir,
    modules: Vec<String>,
}

impl Case {
    /// The test host: two mkService services and a manual registration,
    /// host settings and the generated module for them.
    fn host() -> Self {
        Self::bare().with_files(&["services.nix", "host.nix", "generated/testhost.nix"])
    }

    fn bare() -> Self {
        Self {
            dir: tempfile::tempdir().expect("temp dir"),
            modules: Vec::new(),
        }
    }

    fn with_files(mut self, names: &[&str]) -> Self {
        self.modules.extend(names.iter().map(|n| fixture(n)));
        self
    }

    fn without(mut self, name: &str) -> Self {
        let path = fixture(name);
        self.modules.retain(|m| *m != path);
        self
    }

    /// Adds a module given as Nix source.
    fn with(mut self, source: &str) -> Self {
        let path = self
            .dir
            .path()
            .join(format!("case-{}.nix", self.modules.len()));
        std::fs::write(&path, source).expect("write case module");
        self.modules.push(path.display().to_string());
        self
    }

    fn instantiate(&self, lib: &str, mode: &str) -> std::process::Output {
        let modules = serde_json::to_string(&self.modules).unwrap();
        Command::new("nix-instantiate")
            .args(["--eval", "--strict", "--json"])
            .arg(repo().join("nix/tests/eval.nix"))
            .args(["--argstr", "lib", lib])
            .args(["--argstr", "modulesJSON", &modules])
            .args(["--argstr", "mode", mode])
            .output()
            .expect("nix-instantiate runs (apt-get install nix-bin)")
    }

    /// Evaluates to the summary of nix/tests/eval.nix; panics on an
    /// evaluation error.
    fn summary(&self, lib: &str) -> Value {
        let out = self.instantiate(lib, "summary");
        assert!(
            out.status.success(),
            "evaluation failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("summary is JSON")
    }

    /// Evaluates as nixos-rebuild would (failed assertions abort); returns
    /// the error text, panicking if evaluation succeeded.
    fn error(&self, lib: &str) -> String {
        let out = self.instantiate(lib, "toplevel");
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(
            !out.status.success(),
            "evaluation succeeded but should have failed; stdout: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        stderr
    }
}

fn strings(v: &Value) -> Vec<&str> {
    v.as_array()
        .unwrap_or_else(|| panic!("not a list: {v}"))
        .iter()
        .map(|s| s.as_str().expect("string"))
        .collect()
}

#[test]
fn modules_with_generated_module_evaluate_to_units_and_manifest() {
    let Some(lib) = nixpkgs_lib("modules_with_generated_module_evaluate_to_units_and_manifest")
    else {
        return;
    };
    let case = Case::host();
    let s = case.summary(&lib);
    assert_eq!(s["failedAssertions"], serde_json::json!([]), "{s:#}");
    assert_eq!(s["warnings"], serde_json::json!([]));

    for svc in ["notes", "wiki", "legacy"] {
        let unit = &s["services"][format!("restic-backups-{svc}")];
        assert_eq!(unit["serviceConfig"]["Type"], "oneshot", "{unit}");
        let exec = unit["serviceConfig"]["ExecStart"].as_str().unwrap();
        assert!(
            exec.starts_with("/nix/store/")
                && exec.ends_with(&format!("/bin/atelier-backup run {svc}")),
            "{exec}"
        );
        // never restarted (i.e. run) by nixos-rebuild switch
        assert_eq!(unit["restartIfChanged"], false);
        let timer = &s["timers"][format!("restic-backups-{svc}")];
        assert_eq!(timer["timerConfig"]["Persistent"], true, "{timer}");
        assert!(timer["timerConfig"]["RandomizedDelaySec"].is_string());
        assert_eq!(strings(&timer["wantedBy"]), ["timers.target"]);
    }
    assert_eq!(
        s["timers"]["restic-backups-notes"]["timerConfig"]["OnCalendar"],
        "02:00"
    );
    assert_eq!(
        s["timers"]["restic-backups-wiki"]["timerConfig"]["RandomizedDelaySec"],
        "5m"
    );
    assert_eq!(
        s["timers"]["restic-backups-wiki"]["timerConfig"]["OnCalendar"], "*-*-* 00/6:00:00",
        "per-service schedule override"
    );
    for unit in [
        "atelier-prune-default",
        "atelier-check-default",
        "atelier-drill",
    ] {
        assert!(s["services"][unit].is_object(), "{unit} missing");
        assert!(s["timers"][unit].is_object(), "{unit}.timer missing");
    }

    // mkService: the service's own unit from `command`, user, group, dataDir
    let notes = &s["services"]["notes"];
    assert_eq!(notes["serviceConfig"]["User"], "notes");
    assert!(notes["serviceConfig"]["ExecStart"]
        .as_str()
        .unwrap()
        .ends_with("/bin/sleep infinity"));
    assert!(
        s["services"].get("wiki").is_none(),
        "no command, no unit: {}",
        s["services"]["wiki"]
    );
    assert_eq!(s["users"]["notes"]["isSystemUser"], true);
    assert_eq!(s["users"]["wiki"]["home"], "/srv/wiki", "dataDir override");
    assert!(s["groups"]["wiki"].is_object());
    let tmpfiles = strings(&s["tmpfiles"]);
    assert!(
        tmpfiles.contains(&"d '/srv/wiki' 0750 wiki wiki - -"),
        "{tmpfiles:?}"
    );
    assert!(tmpfiles.contains(&"d '/var/lib/notes' 0750 notes notes - -"));
    assert!(tmpfiles.contains(&"d /var/lib/atelier 0700 root root - -"));
    assert_eq!(strings(&s["systemPackages"]), ["atelier-0.1.0"]);

    // the manifest is where atelier-backup expects it and satisfies its schema
    let text = s["etc"]["atelier/backup-manifest.json"]["text"]
        .as_str()
        .expect("manifest in environment.etc");
    let manifest = Manifest::from_json(text, "environment.etc.\"atelier/backup-manifest.json\"")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(manifest.host, "testhost");
    let notes = &manifest.services["notes"];
    assert_eq!(notes.sqlite, ["/var/lib/notes/notes.db"]);
    assert_eq!(notes.tags, ["service:notes", "tier:1"]);
    assert_eq!(
        notes.hooks.post_restore.as_deref(),
        Some("echo restored notes"),
        "hooks come from config"
    );
    let wiki = &manifest.services["wiki"];
    assert_eq!(wiki.postgres[0].name, "wiki");
    assert_eq!(wiki.postgres[0].create.options["OWNER"], "wiki");
    assert_eq!(wiki.postgres[0].stop_on_restore, ["wiki.service"]);
    assert_eq!(wiki.retention.last, Some(10));
    assert_eq!(wiki.retention.weekly, None);
    assert_eq!(
        wiki.dumps["settings"].backup_cmd,
        "cat /srv/wiki/settings.json"
    );
    assert_eq!(manifest.services["legacy"].tags, ["service:legacy"]);
    assert_eq!(
        manifest.repositories["default"].password_file.as_deref(),
        Some("/run/keys/restic-password")
    );
    assert_eq!(
        manifest.repositories["default"].timeout.as_deref(),
        Some("10m"),
        "the repository's timeout reaches the manifest"
    );

    // and nixos-rebuild's view: no failed assertion aborts the build
    let out = case.instantiate(&lib, "toplevel");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

const STALE: &str = "generated module for host testhost is stale or missing: run `atelier-gen generate` and commit generated/testhost.nix";

#[test]
fn stale_generated_module_stops_the_build() {
    let Some(lib) = nixpkgs_lib("stale_generated_module_stops_the_build") else {
        return;
    };
    let err = Case::host()
        .with(r#"{ lib, ... }: { atelier.services.notes.data.sqlite = lib.mkForce "/var/lib/notes/notes-v2.db"; }"#)
        .error(&lib);
    assert!(err.contains("Failed assertions"), "{err}");
    assert!(err.contains(STALE), "{err}");
    assert!(
        err.contains(r#"service "notes" sqlite: Nix evaluates [ "/var/lib/notes/notes-v2.db" ], the generated module has [ "/var/lib/notes/notes.db" ]"#),
        "{err}"
    );

    // a manual registration's paths count as files
    let err = Case::host()
        .with(r#"{ atelier.backup.services.legacy.paths = [ "/srv/legacy-2" ]; }"#)
        .error(&lib);
    assert!(err.contains(STALE), "{err}");
    assert!(err.contains(r#"service "legacy" files"#), "{err}");

    // a service the generator never saw
    let err = Case::host()
        .with(r#"{ atelier.backup.services.extra.paths = [ "/srv/extra" ]; }"#)
        .error(&lib);
    assert!(
        err.contains(r#"service "extra" declares data but is not in the generated module"#),
        "{err}"
    );

    // a service the generator saw but the host no longer enables
    let err = Case::host()
        .with(r"{ lib, ... }: { atelier.services.wiki.enable = lib.mkForce false; }")
        .error(&lib);
    assert!(
        err.contains(r#"service "wiki" postgres: Nix evaluates [  ]"#),
        "{err}"
    );
}

#[test]
fn missing_generated_module_stops_the_build() {
    let Some(lib) = nixpkgs_lib("missing_generated_module_stops_the_build") else {
        return;
    };
    let err = Case::host().without("generated/testhost.nix").error(&lib);
    assert!(err.contains(STALE), "{err}");
    assert!(err.contains(r#"service "notes" declares data but is not in the generated module"#));
}

#[test]
fn missing_repository_stops_the_build() {
    let Some(lib) = nixpkgs_lib("missing_repository_stops_the_build") else {
        return;
    };
    let err = Case::host()
        .with(r"{ lib, ... }: { atelier.backup.repositories = lib.mkForce { }; }")
        .error(&lib);
    assert!(
        err.contains("atelier.backup.enable is true but no repository is configured"),
        "{err}"
    );
    assert!(
        err.contains("atelier.backup.repositories.default = {"),
        "says what to add: {err}"
    );

    let err = Case::host()
        .with(r#"{ atelier.backup.services.legacy.repositories = [ "b2" ]; }"#)
        .error(&lib);
    assert!(
        err.contains(r#"atelier.backup.services.legacy.repositories names repository "b2", which is not defined (defined: default)"#),
        "{err}"
    );
}

#[test]
fn secrets_in_the_store_stop_the_build() {
    let Some(lib) = nixpkgs_lib("secrets_in_the_store_stop_the_build") else {
        return;
    };
    let err = Case::host()
        .with(r#"{ lib, ... }: { atelier.backup.repositories.default.passwordFile = lib.mkForce "/nix/store/0000000000000000000000000000000-restic-password"; }"#)
        .error(&lib);
    assert!(
        err.contains(r#"atelier.backup.repositories.default.passwordFile = "/nix/store/0000000000000000000000000000000-restic-password" is inside the Nix store"#),
        "{err}"
    );

    // the classic mistake: the secret written into the store by writeText
    let err = Case::host()
        .with(r#"{ lib, pkgs, ... }: { atelier.backup.repositories.default.passwordFile = lib.mkForce (pkgs.writeText "restic-password" "hunter2"); }"#)
        .error(&lib);
    assert!(
        err.contains("atelier.backup.repositories.default.passwordFile = \"/nix/store/")
            && err.contains("-restic-password\" is inside the Nix store"),
        "{err}"
    );

    // a path literal would be copied into the store when interpolated
    let case = Case::host();
    std::fs::write(case.dir.path().join("password"), "not-a-real-secret").unwrap();
    let err = case
        .with(
            r"{ lib, ... }: { atelier.backup.repositories.default.environmentFile = ./password; }",
        )
        .error(&lib);
    assert!(
        err.contains("atelier.backup.repositories.default.environmentFile = ")
            && err.contains(
                "is a Nix path literal; it would be copied into the world-readable Nix store"
            ),
        "{err}"
    );
    assert!(!err.contains("not-a-real-secret"));

    let err = Case::host()
        .with(r"{ lib, ... }: { atelier.backup.repositories.default.passwordFile = lib.mkForce null; }")
        .error(&lib);
    assert!(
        err.contains("atelier.backup.repositories.default.passwordFile is not set"),
        "{err}"
    );
}

#[test]
fn wrong_types_fail_naming_the_option_path() {
    let Some(lib) = nixpkgs_lib("wrong_types_fail_naming_the_option_path") else {
        return;
    };
    let err = Case::host()
        .with(r"{ lib, ... }: { atelier.services.notes.data.sqlite = lib.mkForce 5; }")
        .error(&lib);
    assert!(
        // the type's wording differs between nixpkgs releases; the path does not
        err.contains("A definition for option `atelier.services.notes.data.sqlite' is not of type")
            && err.contains("absolute path")
            && err.contains(": 5"),
        "{err}"
    );

    let err = Case::host()
        .with(r#"{ atelier.services.notes.data.sqlit = "/var/lib/notes/x.db"; }"#)
        .error(&lib);
    assert!(
        err.contains("The option `atelier.services.notes.data.sqlit' does not exist"),
        "{err}"
    );

    let err = Case::host()
        .with(r#"{ atelier.services.notes.data.files = [ "relative/dir" ]; }"#)
        .error(&lib);
    assert!(
        err.contains("atelier.services.notes.data.files") && err.contains("absolute path"),
        "{err}"
    );

    let err = Case::host()
        .with(r#"{ atelier.services.notes.data.stopUnits = [ "notes" ]; }"#)
        .error(&lib);
    assert!(
        err.contains("atelier.services.notes.data.stopUnits") && err.contains("systemd unit name"),
        "{err}"
    );

    let err = Case::host()
        .with(r"{ atelier.backup.retention.daily = -1; }")
        .error(&lib);
    assert!(err.contains("atelier.backup.retention.daily"), "{err}");

    let err = Case::host()
        .with(r#"{ atelier.backup.repositories.default.timeout = "soon"; }"#)
        .error(&lib);
    assert!(
        err.contains("atelier.backup.repositories.default.timeout") && err.contains("soon"),
        "{err}"
    );
}

#[test]
fn postgres_declarations_normalize_to_databases() {
    let Some(lib) = nixpkgs_lib("postgres_declarations_normalize_to_databases") else {
        return;
    };
    let mk = repo().join("nix/lib/mkService.nix");
    let module = |name: &str, postgres: &str| {
        format!(
            r#"{{ imports = [ ((import {mk}) {{ name = "{name}"; extraConfig = cfg: {{ atelier.services.{name}.data.postgres = {postgres}; }}; }}) ]; atelier.services.{name}.enable = true; }}"#,
            mk = mk.display()
        )
    };
    let s = Case::bare()
        .with(&module("a", r#""alpha""#))
        .with(&module("b", r#"[ "beta" { name = "gamma"; create.enable = false; } ]"#))
        .with(&module(
            "c",
            r#"{ delta = { create = { TEMPLATE = "template0"; OWNER = "c"; }; stopOnRestore = [ "c.service" ]; }; }"#,
        ))
        .with(&module("d", r#"{ name = "epsilon"; create.options.ENCODING = "UTF8"; }"#))
        .summary(&lib);
    let dbs = |svc: &str| s["atelier"]["services"][svc]["data"]["postgres"].clone();
    assert_eq!(
        dbs("a"),
        serde_json::json!([{ "name": "alpha", "create": { "enable": true, "options": {} }, "stopOnRestore": [] }])
    );
    assert_eq!(dbs("b")[0]["name"], "beta");
    assert_eq!(dbs("b")[1]["name"], "gamma");
    assert_eq!(dbs("b")[1]["create"]["enable"], false);
    assert_eq!(
        dbs("c"),
        serde_json::json!([{ "name": "delta",
            "create": { "enable": true, "options": { "OWNER": "c", "TEMPLATE": "template0" } },
            "stopOnRestore": ["c.service"] }]),
        "clan-style create options"
    );
    assert_eq!(dbs("d")[0]["name"], "epsilon");
    assert_eq!(dbs("d")[0]["create"]["options"]["ENCODING"], "UTF8");
    // backup disabled here: the module warns instead of silently doing nothing
    let warnings = s["warnings"].to_string();
    assert!(
        warnings.contains("declare data, but atelier.backup.enable is false"),
        "{warnings}"
    );
}

#[test]
fn mk_service_is_generic_and_extensible() {
    let Some(lib) = nixpkgs_lib("mk_service_is_generic_and_extensible") else {
        return;
    };
    let mk = repo().join("nix/lib/mkService.nix");
    let source = format!(
        r#"{{ lib, ... }}: {{
  imports = [ ((import {mk}) {{
    name = "kv";
    extraOptions.port = lib.mkOption {{ type = lib.types.port; default = 7000; }};
    command = cfg: "/run/current-system/sw/bin/kv --port ${{toString cfg.port}} --dir ${{cfg.dataDir}}";
    extraConfig = {{ cfg, pkgs, ... }}: {{ atelier.services.kv.data.files = [ "${{cfg.dataDir}}/db" ]; }};
  }}) ];
  atelier.services.kv = {{ enable = true; port = 7001; user = "nobody"; }};
}}"#,
        mk = mk.display()
    );
    let s = Case::bare().with(&source).summary(&lib);
    let kv = &s["services"]["kv"]["serviceConfig"];
    assert_eq!(
        kv["ExecStart"],
        "/run/current-system/sw/bin/kv --port 7001 --dir /var/lib/kv"
    );
    assert_eq!(kv["User"], "nobody");
    assert!(
        s["users"].get("kv").is_none(),
        "a non-default user is not created"
    );
    assert!(s["groups"]["kv"].is_object());
    assert_eq!(
        s["atelier"]["services"]["kv"]["data"]["files"],
        serde_json::json!(["/var/lib/kv/db"])
    );

    // disabled: nothing of it exists
    let s = Case::bare()
        .with(&source.replace("enable = true;", "enable = false;"))
        .summary(&lib);
    assert!(s["services"].get("kv").is_none());
    assert!(s["users"].as_object().unwrap().is_empty());
    assert_eq!(
        s["atelier"]["services"]["kv"]["data"]["files"],
        serde_json::json!([])
    );

    let err = Case::bare()
        .with(&format!(
            r#"{{ imports = [ ((import {}) {{ name = "bad name"; }}) ]; }}"#,
            mk.display()
        ))
        .error(&lib);
    assert!(
        err.contains("lib.mkService: name = \"bad name\" must be a short identifier"),
        "{err}"
    );
}

/// The fixture host's generated module is atelier-gen's own output (the VM
/// test and flake checks use it), so it must match a fresh render.
#[test]
fn fixture_generated_module_is_up_to_date() {
    let out = Command::new(env!("CARGO_BIN_EXE_atelier-gen"))
        .arg("check")
        .arg(repo().join("nix/tests/fixtures"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "nix/tests/fixtures/generated/testhost.nix is stale; regenerate it with\n  cargo run --bin atelier-gen -- generate nix/tests/fixtures\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Prints a SKIP line past the test harness's output capture (which only
/// intercepts `print!`/`eprint!`), so that skipped suites stay visible.
fn skip(message: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "{message}");
}
