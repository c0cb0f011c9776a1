//! The evaluation cache (`generate::cache`): a hit gives exactly what
//! evaluating gives, and any change to what evaluation read — a file's
//! contents, a file appearing, a directory's entries — is a miss.

mod gen_common;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use atelier::diagnostic::{render, Diagnostic, OutputFormat};
use atelier::generate::cache::{Cache, Lookup};
use atelier::generate::pipeline::{self, HostOutput, HostSelection};

fn gen(cache: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_atelier-gen"));
    c.env_remove("ATELIER_GEN_NO_CACHE")
        .env("ATELIER_GEN_CACHE_DIR", cache);
    c
}

/// Everything a user sees of one host's result.
fn seen(o: &HostOutput) -> String {
    let diags: &[Diagnostic] = &o.diagnostics;
    let json = o.plan.as_ref().map(|p| {
        let mut v = Vec::new();
        p.write_json(&mut v).unwrap();
        String::from_utf8(v).unwrap()
    });
    format!(
        "{}{}{}\nplan: {json:?}\nsummary: {:?}\nmodule: {:?}",
        render(diags, OutputFormat::Human),
        render(diags, OutputFormat::Short),
        render(diags, OutputFormat::Json),
        o.plan.as_ref().map(atelier::render::summary),
        o.module,
    )
}

/// Every golden case (ok and err, every suite): the cache's first answer
/// (evaluated and stored) and its second (from the entry) are what
/// evaluating without it gives, for `generate` and for `plan --json`.
#[test]
fn a_hit_is_what_evaluating_gives_on_every_golden_case() {
    let mut hits = 0;
    for suite in ["reader", "discover", "plan", "render"] {
        for kind in ["ok", "err"] {
            for case in gen_common::cases(suite, kind) {
                let Ok(hosts) = pipeline::select_hosts(&case, &HostSelection::All) else {
                    continue;
                };
                let generated: Vec<PathBuf> = hosts
                    .iter()
                    .map(|h| pipeline::module_path(&case.join("generated"), h))
                    .collect();
                let cache_dir = tempfile::tempdir().unwrap();
                let cache = Cache::new(cache_dir.path());
                for host in &hosts {
                    let what = format!("{} host {host}", case.display());
                    let fresh = pipeline::process_host(&case, host, &generated);
                    let (first, l1) =
                        pipeline::host_with_cache(&case, host, &generated, true, false, &cache);
                    let (second, l2) =
                        pipeline::host_with_cache(&case, host, &generated, true, false, &cache);
                    assert_eq!(l1, Lookup::Absent, "{what}");
                    assert_eq!(l2, Lookup::Hit, "{what}");
                    assert_eq!(seen(&first), seen(&fresh), "{what}");
                    assert_eq!(seen(&second), seen(&fresh), "{what}");

                    // `plan --json` from the same entry: the text is kept,
                    // the plan need not be decoded.
                    let plan_cache_dir = tempfile::tempdir().unwrap();
                    let plan_cache = Cache::new(plan_cache_dir.path());
                    let planned = pipeline::plan_host(&case, host, &generated);
                    let _ = pipeline::host_with_cache(
                        &case,
                        host,
                        &generated,
                        false,
                        true,
                        &plan_cache,
                    );
                    let (json, l) = pipeline::host_with_cache(
                        &case,
                        host,
                        &generated,
                        false,
                        true,
                        &plan_cache,
                    );
                    assert_eq!(l, Lookup::Hit, "{what}");
                    assert_eq!(json.plan_json, planned.plan_json, "{what}");
                    assert_eq!(
                        render(&json.diagnostics, OutputFormat::Human),
                        render(&planned.diagnostics, OutputFormat::Human),
                        "{what}"
                    );
                    // A plan-only entry still serves `generate` (rendered
                    // from the kept plan).
                    let (gen, l) = pipeline::host_with_cache(
                        &case,
                        host,
                        &generated,
                        true,
                        false,
                        &plan_cache,
                    );
                    assert_eq!(l, Lookup::Hit, "{what}");
                    assert_eq!(gen.module, fresh.module, "{what}");
                    hits += 1;
                }
            }
        }
    }
    assert!(hits >= 20, "only {hits} hosts compared");
}

/// A one-host flake whose service reads what the test changes: an
/// imported file, `builtins.pathExists`, `builtins.readDir`.
fn flake() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("services")).unwrap();
    std::fs::create_dir_all(d.join("extra")).unwrap();
    std::fs::write(
        d.join("flake.nix"),
        r#"{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";
  inputs.atelier.url = "github:example/atelier";
  outputs = { nixpkgs, atelier, ... }: {
    nixosConfigurations.box = nixpkgs.lib.nixosSystem {
      specialArgs = { inherit atelier; };
      modules = [ atelier.nixosModules.default ./host.nix ./services/app.nix ];
    };
  };
}
"#,
    )
    .unwrap();
    std::fs::write(
        d.join("host.nix"),
        r#"{ ... }: {
  atelier.backup = {
    enable = true;
    repositories.default = { repository = "/srv/restic"; passwordFile = "/run/keys/restic"; };
  };
}
"#,
    )
    .unwrap();
    std::fs::write(
        d.join("services/app.nix"),
        r#"{ atelier, ... }: {
  imports = [
    (atelier.lib.mkService {
      name = "app";
      extraConfig = cfg: {
        atelier.services.app.data = {
          sqlite = "${cfg.dataDir}/aaaa.db";
          files = (if builtins.pathExists ../flag then [ "/srv/flagged" ] else [ ])
            ++ map (n: "/srv/extra/${n}") (builtins.attrNames (builtins.readDir ../extra));
        };
      };
    })
  ];
  atelier.services.app.enable = true;
}
"#,
    )
    .unwrap();
    dir
}

/// `plan --json` of host `box`: stdout, and stderr (with `-v`).
fn plan(cache: &Path, flake: &Path) -> (String, String) {
    let out = gen(cache)
        .args(["-v", "plan", "--json", "--host", "box"])
        .arg(flake)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn paths(json: &str) -> (Vec<String>, Vec<String>) {
    let v: serde_json::Value = serde_json::from_str(json).unwrap();
    let app = &v["services"]["app"];
    let strings = |k: &str| -> Vec<String> {
        app[k]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_owned())
            .collect()
    };
    (strings("sqlite"), strings("files"))
}

#[test]
fn every_kind_of_change_is_seen() {
    let cache = tempfile::tempdir().unwrap();
    let cache = cache.path().join("c");
    let f = flake();
    let d = f.path();

    let (json, err) = plan(&cache, d);
    assert!(err.contains("not in the cache yet"), "{err}");
    assert_eq!(paths(&json).0, ["/var/lib/app/aaaa.db"]);
    let (again, err) = plan(&cache, d);
    assert!(err.contains("from the cache"), "{err}");
    assert_eq!(again, json);

    // An edit of the same length, made right away (the stamp alone cannot
    // tell: the contents are compared).
    let app = d.join("services/app.nix");
    let text = std::fs::read_to_string(&app).unwrap();
    std::fs::write(&app, text.replace("aaaa.db", "bbbb.db")).unwrap();
    let (json, err) = plan(&cache, d);
    assert!(err.contains("services/app.nix was edited"), "{err}");
    assert_eq!(paths(&json).0, ["/var/lib/app/bbbb.db"]);

    // A file appears that `pathExists` asked about.
    std::fs::write(d.join("flag"), "").unwrap();
    let (json, err) = plan(&cache, d);
    assert!(err.contains("changed since it was cached"), "{err}");
    assert_eq!(paths(&json).1, ["/srv/flagged"]);

    // A directory `readDir` listed gains an entry.
    std::fs::write(d.join("extra/one"), "").unwrap();
    let (json, err) = plan(&cache, d);
    assert!(err.contains("the entries of"), "{err}");
    assert_eq!(paths(&json).1, ["/srv/flagged", "/srv/extra/one"]);
    let (_, err) = plan(&cache, d);
    assert!(err.contains("from the cache"), "{err}");
}

/// Files older than the cache's racy window are trusted by their stamp;
/// an edit that keeps the length and puts the modification time back still
/// changes the inode's change time, and is seen.
#[test]
fn an_edit_that_hides_its_modification_time_is_seen() {
    let cache = tempfile::tempdir().unwrap();
    let f = flake();
    let d = f.path();
    let app = d.join("services/app.nix");
    // Let the files settle, so that the entry trusts their stamps.
    std::thread::sleep(std::time::Duration::from_millis(2500));
    let (json, _) = plan(cache.path(), d);
    assert_eq!(paths(&json).0, ["/var/lib/app/aaaa.db"]);
    let (_, err) = plan(cache.path(), d);
    assert!(err.contains("from the cache"), "{err}");

    let mtime = std::fs::metadata(&app).unwrap().modified().unwrap();
    let text = std::fs::read_to_string(&app).unwrap();
    std::fs::write(&app, text.replace("aaaa.db", "cccc.db")).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&app)
        .unwrap()
        .set_modified(mtime)
        .unwrap();
    assert_eq!(std::fs::metadata(&app).unwrap().modified().unwrap(), mtime);
    let (json, err) = plan(cache.path(), d);
    assert!(err.contains("was edited"), "{err}");
    assert_eq!(paths(&json).0, ["/var/lib/app/cccc.db"]);
}

#[test]
fn a_damaged_or_unwritable_cache_only_costs_time() {
    let f = flake();
    let d = f.path();
    let expected = gen(Path::new("/nonexistent"))
        .args(["--no-cache", "plan", "--json", "--host", "box"])
        .arg(d)
        .output()
        .unwrap();
    assert!(expected.status.success());
    let expected = String::from_utf8(expected.stdout).unwrap();

    // Damaged entries: cut short, or not an entry at all.
    let cache = tempfile::tempdir().unwrap();
    let (json, _) = plan(cache.path(), d);
    assert_eq!(json, expected);
    // The host's entry (the syntax cache's pack is beside it).
    let entry = std::fs::read_dir(cache.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "json"))
        .unwrap();
    let bytes = std::fs::read(&entry).unwrap();
    // Written by another build of atelier-gen (its identity differs).
    let text = String::from_utf8(bytes.clone()).unwrap();
    assert!(text.contains(r#""binary":""#));
    std::fs::write(
        &entry,
        text.replacen(r#""binary":""#, r#""binary":"0.0.0 "#, 1),
    )
    .unwrap();
    let (json, err) = plan(cache.path(), d);
    assert!(err.contains("from another atelier-gen build"), "{err}");
    assert_eq!(json, expected);
    for damaged in [&bytes[..bytes.len() / 2], b"{}\n", b"\xff\xfe"] {
        std::fs::write(&entry, damaged).unwrap();
        let (json, err) = plan(cache.path(), d);
        assert!(err.contains("another atelier-gen build"), "{err}");
        assert_eq!(json, expected);
        let (_, err) = plan(cache.path(), d);
        assert!(err.contains("from the cache"), "{err}");
    }

    // The cache directory cannot be made (a file is in the way).
    let blocked = tempfile::NamedTempFile::new().unwrap();
    let (json, _) = plan(blocked.path(), d);
    assert_eq!(json, expected);
    let (json, err) = plan(blocked.path(), d);
    assert!(err.contains("not in the cache yet"), "{err}");
    assert_eq!(json, expected);
}

#[test]
fn no_cache_writes_nothing_and_entries_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let f = flake();
    let d = f.path();
    let root = tempfile::tempdir().unwrap();
    let cache = root.path().join("atelier-gen");
    gen(&cache)
        .args(["--no-cache", "plan", "--host", "box"])
        .arg(d)
        .assert()
        .success();
    assert!(!cache.exists());
    gen(&cache)
        .env("ATELIER_GEN_NO_CACHE", "1")
        .args(["plan", "--host", "box"])
        .arg(d)
        .assert()
        .success();
    assert!(!cache.exists());

    plan(&cache, d);
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&cache), 0o700);
    for e in std::fs::read_dir(&cache).unwrap() {
        assert_eq!(mode(&e.unwrap().path()), 0o600);
    }
}

#[test]
fn generate_then_check_from_the_cache() {
    let cache = tempfile::tempdir().unwrap();
    let f = flake();
    let d = f.path();
    gen(cache.path())
        .args(["-v", "generate"])
        .arg(d)
        .assert()
        .success()
        .stderr(predicates::str::contains("not in the cache yet"));
    gen(cache.path())
        .args(["-v", "check"])
        .arg(d)
        .assert()
        .success()
        .stderr(predicates::str::contains("from the cache"))
        .stdout(predicates::str::contains("up to date"));
    // The generated module is not an input: editing it is still caught.
    let module = d.join("generated/box.nix");
    let text = std::fs::read_to_string(&module).unwrap();
    std::fs::write(&module, text.replace("aaaa.db", "zzzz.db")).unwrap();
    gen(cache.path())
        .args(["-v", "check"])
        .arg(d)
        .assert()
        .code(1)
        .stderr(predicates::str::contains("from the cache"))
        .stdout(predicates::str::contains("stale"));
}

/// The cache is only sound if evaluation asks the file system nothing that
/// `nix::inputs` does not record: the evaluator and discovery never call
/// `std::fs` (or `Path` methods that touch the disk) themselves, nor does
/// the module system.
#[test]
fn evaluation_reads_the_file_system_only_through_inputs() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut offenders = Vec::new();
    for dir in ["nix", "modules", "discover"] {
        for e in std::fs::read_dir(src.join(dir)).unwrap() {
            let path = e.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            // `inputs` is the recorder; `cli` is `atelier-gen eval`, not cached;
            // `syntax_cache` keeps trees under their file's contents (what it
            // reads can only spare a parse, never change a result);
            // `builtin_pack` is in the binary (its unit test writes it).
            let rust = path.extension().is_some_and(|e| e == "rs");
            if name == "inputs.rs"
                || name == "cli.rs"
                || name == "syntax_cache.rs"
                || name == "builtin_pack.rs"
                || !rust
            {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for (i, line) in text.lines().enumerate() {
                let code = line.split("//").next().unwrap_or("");
                // `fs::` as a path of its own (not the end of `defs::`).
                let fs_path = code.match_indices("fs::").any(|(i, _)| {
                    !code[..i]
                        .chars()
                        .next_back()
                        .is_some_and(|c| c.is_alphanumeric() || c == '_')
                });
                let touches = fs_path
                    || [".exists()", ".is_dir()", ".is_file()", "read_link"]
                        .iter()
                        .any(|p| code.contains(p));
                if touches && !line.contains("/* size only, see below */") {
                    offenders.push(format!("src/{dir}/{name}:{}: {}", i + 1, line.trim()));
                }
            }
        }
    }
    assert!(offenders.is_empty(), "{}", offenders.join("\n"));
}

/// `builtins.readFile` of a file over the value limit fails without
/// reading it, and the record says so: no cached result can rest on it.
#[test]
fn a_file_too_large_to_read_is_an_error_and_never_trusted() {
    use atelier::nix::inputs::Probe;
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(atelier::nix::MAX_VALUE_SIZE as u64 + 1)
        .unwrap();
    let mut ev = atelier::nix::Evaluator::new(dir.path());
    let e = ev
        .eval_source("t.nix", dir.path(), "builtins.readFile ./big")
        .expect_err("too large");
    assert_eq!(e[0].code, "value-too-large");
    let canon = std::fs::canonicalize(&big).unwrap();
    let rec = ev
        .inputs()
        .log()
        .iter()
        .find(|r| r.probe == Probe::Read(canon.clone()))
        .expect("the refused read is recorded");
    assert_eq!(rec.answer, Err("too large".to_owned()));
    assert_ne!(atelier::nix::inputs::replay(&rec.probe), rec.answer);
}

/// `plan --json` of host `box` evaluated without any cache.
fn plan_uncached(flake: &Path) -> String {
    let out = gen(Path::new("/nonexistent"))
        .args(["plan", "--json", "--host", "box", "--no-cache"])
        .arg(flake)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn edit(path: &Path, f: impl FnOnce(String) -> String) {
    let text = std::fs::read_to_string(path).unwrap();
    std::fs::write(path, f(text)).unwrap();
}

/// A file that changed only after the end of its Nix expression (a
/// trailing comment, blank lines) keeps the cached result; any other edit
/// is evaluated. After each edit the cached answer is byte for byte what
/// evaluating without a cache gives.
#[test]
fn a_trailing_comment_keeps_the_result_and_every_other_edit_is_evaluated() {
    let cache = tempfile::tempdir().unwrap();
    let cache = cache.path().join("c");
    let f = flake();
    let d = f.path();
    let app = d.join("services/app.nix");
    let host = d.join("host.nix");
    std::fs::write(
        d.join("services/other.nix"),
        r#"{ atelier, config, ... }:
let helper = import ../helper.nix; in {
  imports = [ (atelier.lib.mkService { name = "other"; extraConfig = cfg: {
    atelier.services.other.data.files = [ "/srv/other" helper.extra
      "${config.atelier.services.app.dataDir}/seen-by-other" ]; }; }) ];
  atelier.services.other.enable = true;
}
"#,
    )
    .unwrap();
    std::fs::write(d.join("helper.nix"), "{ extra = \"/srv/helper\"; }\n").unwrap();
    let (json, _) = plan(&cache, d);
    assert_eq!(json, plan_uncached(d));

    let check = |what: &str, kept: bool| {
        let (json, err) = plan(&cache, d);
        assert_eq!(json, plan_uncached(d), "{what}: {err}");
        let after_trivia = err.contains("changed only after the end of its Nix expression");
        assert_eq!(after_trivia, kept, "{what}: {err}");
        if !kept {
            assert!(err.contains("evaluated"), "{what}: {err}");
        }
        // Asked again, nothing changed: a plain hit.
        let (again, err) = plan(&cache, d);
        assert_eq!(again, json, "{what}");
        assert!(err.contains("its files are unchanged"), "{what}: {err}");
        json
    };

    edit(&app, |t| format!("{t}# a note\n"));
    check("trailing comment in a service file", true);
    edit(&app, |t| format!("{t}\n\n/* another */\n"));
    check("more trailing trivia in the same file", true);
    edit(&host, |t| format!("{t}# host note\n"));
    check("trailing comment in the host file", true);
    // Same length, inside the expression: lines and columns may move.
    edit(&app, |t| {
        t.replacen("{ atelier, ... }: {", "{ atelier, ... }:\n{", 1)
    });
    check("a line break inside the expression", false);
    edit(&app, |t| t.replace("aaaa.db", "bbbb.db"));
    let json = check("a value in a service file", false);
    assert_eq!(paths(&json).0, ["/var/lib/app/bbbb.db"]);
    // Imports changed: a second service appears.
    edit(&host, |t| {
        t.replacen(
            "{ ... }: {",
            "{ ... }: {\n  imports = [ ./services/other.nix ];",
            1,
        )
    });
    let json = check("imports changed", false);
    assert!(json.contains("/srv/other"), "{json}");
    edit(&d.join("services/other.nix"), |t| format!("{t}# other\n"));
    check("trailing comment in an imported service file", true);
    // A file that adds a definition to another service.
    edit(&d.join("services/other.nix"), |t| {
        t.replacen(
            "atelier.services.other.enable = true;",
            "atelier.services.other.enable = true;\n  atelier.services.app.data.files = [ \"/srv/from-other\" ];",
            1,
        )
    });
    let json = check("a definition of another service", false);
    assert!(json.contains("/srv/from-other"), "{json}");
    // A helper file bound by `let`.
    edit(&d.join("helper.nix"), |t| format!("{t}# helper\n"));
    check("trailing comment in a helper file", true);
    edit(&d.join("helper.nix"), |t| {
        t.replace("/srv/helper", "/srv/helper2")
    });
    let json = check("a value in a helper file", false);
    assert!(json.contains("/srv/helper2"), "{json}");
    // A value another service's file reads through `config`.
    edit(&app, |t| {
        t.replacen(
            "atelier.services.app.enable = true;",
            "atelier.services.app.enable = true;\n  atelier.services.app.dataDir = \"/srv/app\";",
            1,
        )
    });
    let json = check("a value another service reads", false);
    assert!(json.contains("/srv/app/seen-by-other"), "{json}");
    edit(&app, |t| format!("{t}# last\n"));
    check("trailing comment after that", true);
}

/// A file whose bytes the evaluation used (here `readFile` of itself) is
/// never kept across an edit, even one after its expression.
#[test]
fn a_file_read_as_bytes_is_never_kept_across_a_trailing_edit() {
    let cache = tempfile::tempdir().unwrap();
    let cache = cache.path().join("c");
    let f = flake();
    let d = f.path();
    let app = d.join("services/app.nix");
    edit(&app, |t| {
        t.replace(
            "++ map",
            "++ [ \"/srv/len${toString (builtins.stringLength (builtins.readFile ./app.nix))}\" ] ++ map",
        )
    });
    let (json, _) = plan(&cache, d);
    assert_eq!(json, plan_uncached(d));
    edit(&app, |t| format!("{t}# a note\n"));
    let (json, err) = plan(&cache, d);
    assert!(err.contains("services/app.nix was edited"), "{err}");
    assert_eq!(json, plan_uncached(d));
}
