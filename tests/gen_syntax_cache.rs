//! The syntax cache (`nix::syntax_cache`): after an edit, only the edited
//! file is parsed again; a tree is found by its file's contents, so no edit
//! is missed, and a damaged or foreign pack only costs a parse.

mod gen_common;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use atelier::diagnostic::{render, OutputFormat};
use atelier::generate::cache::{Cache, Lookup};
use atelier::generate::pipeline::{self, HostSelection};

const SERVICES: usize = 12;

fn gen(cache: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_atelier-gen"));
    c.env_remove("ATELIER_GEN_NO_CACHE")
        .env("ATELIER_GEN_CACHE_DIR", cache);
    c
}

/// A host importing [`SERVICES`] service files.
fn flake() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("services")).unwrap();
    let mut imports = String::new();
    for i in 0..SERVICES {
        std::fs::write(d.join(format!("services/s{i}.nix")), service(i, "aaaa")).unwrap();
        let _ = write!(imports, " ./services/s{i}.nix");
    }
    std::fs::write(
        d.join("host.nix"),
        format!(
            "{{ ... }}: {{\n  imports = [{imports} ];\n  atelier.backup = {{ enable = true; repositories.default = {{ repository = \"/srv/restic\"; passwordFile = \"/run/keys/restic\"; }}; }};\n}}\n"
        ),
    )
    .unwrap();
    std::fs::write(
        d.join("flake.nix"),
        r#"{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";
  inputs.atelier.url = "github:example/atelier";
  outputs = { nixpkgs, atelier, ... }: {
    nixosConfigurations.box = nixpkgs.lib.nixosSystem {
      specialArgs = { inherit atelier; };
      modules = [ atelier.nixosModules.default ./host.nix ];
    };
  };
}
"#,
    )
    .unwrap();
    dir
}

fn service(i: usize, db: &str) -> String {
    format!(
        r#"{{ atelier, ... }}:
{{
  imports = [
    (atelier.lib.mkService {{
      name = "s{i}";
      extraConfig = cfg: {{
        atelier.services.s{i}.data = {{
          sqlite = "${{cfg.dataDir}}/{db}.sqlite";
          files = [ "${{cfg.dataDir}}/files" ];
        }};
      }};
    }})
  ];
  atelier.services.s{i}.enable = true;
}}
"#
    )
}

/// How many sources a first run parses: the flake's files (`flake.nix`,
/// `host.nix`, the services) and atelier's own (its lib and modules).
fn first_run(cache: &Path, flake: &Path) -> usize {
    let (_, counts) = plan(cache, flake);
    let (parsed, kept) = counts.unwrap();
    assert_eq!(kept, 0);
    assert!(parsed >= SERVICES + 2, "{parsed}");
    parsed
}

/// `plan --json -v`: stdout, and (parsed, from the syntax cache) from the
/// `-v` line (`None` on an evaluation-cache hit).
fn plan(cache: &Path, flake: &Path) -> (String, Option<(usize, usize)>) {
    let out = gen(cache)
        .args(["-v", "plan", "--json", "--host", "box"])
        .arg(flake)
        .output()
        .unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(out.status.success(), "{err}");
    let counts = err.split_once("files parsed: ").map(|(_, rest)| {
        let (parsed, rest) = rest.split_once(", from the syntax cache: ").unwrap();
        let kept = rest.split_whitespace().next().unwrap();
        (parsed.parse().unwrap(), kept.parse().unwrap())
    });
    (String::from_utf8(out.stdout).unwrap(), counts)
}

fn no_cache(flake: &Path) -> String {
    let out = gen(Path::new("/nonexistent"))
        .args(["--no-cache", "plan", "--json", "--host", "box"])
        .arg(flake)
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

/// Removes the evaluation cache's entries, so that the next run evaluates
/// (from the syntax cache).
fn forget_results(cache: &Path) {
    for e in std::fs::read_dir(cache).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "json") {
            std::fs::remove_file(p).unwrap();
        }
    }
}

fn pack(cache: &Path) -> PathBuf {
    let packs: Vec<PathBuf> = std::fs::read_dir(cache)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "pack"))
        .collect();
    assert_eq!(packs.len(), 1, "{packs:?}");
    packs.into_iter().next().unwrap()
}

#[test]
fn after_an_edit_only_the_edited_file_is_parsed() {
    let cache = tempfile::tempdir().unwrap();
    let f = flake();
    let d = f.path();
    let all = first_run(cache.path(), d);

    std::fs::write(d.join("services/s3.nix"), service(3, "bbbb")).unwrap();
    let (json, counts) = plan(cache.path(), d);
    assert_eq!(counts, Some((1, all - 1)));
    assert!(json.contains("/var/lib/s3/bbbb.sqlite"), "{json}");
    assert_eq!(json, no_cache(d));

    // The host file: again one file. (A comment before the expression: one
    // after it would keep the cached result, tests/gen_cache.rs.)
    let host = d.join("host.nix");
    let text = std::fs::read_to_string(&host).unwrap();
    std::fs::write(&host, format!("# edited\n{text}")).unwrap();
    let (json2, counts) = plan(cache.path(), d);
    assert_eq!(counts, Some((1, all - 1)));
    assert_eq!(json2, json);

    // An edit taken back: its first version is still kept.
    std::fs::write(d.join("services/s3.nix"), service(3, "aaaa")).unwrap();
    let (json, counts) = plan(cache.path(), d);
    assert_eq!(counts, Some((0, all)));
    assert!(json.contains("/var/lib/s3/aaaa.sqlite"), "{json}");
}

/// A tree is found by the file's contents, not its stamp: an edit that
/// keeps the size and puts the modification time back is parsed again.
#[test]
fn an_edit_keeping_size_and_modification_time_is_parsed_again() {
    let cache = tempfile::tempdir().unwrap();
    let f = flake();
    let d = f.path();
    let all = first_run(cache.path(), d);
    let s5 = d.join("services/s5.nix");
    let mtime = std::fs::metadata(&s5).unwrap().modified().unwrap();
    let before = std::fs::metadata(&s5).unwrap().len();
    std::fs::write(&s5, service(5, "cccc")).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&s5)
        .unwrap()
        .set_modified(mtime)
        .unwrap();
    assert_eq!(std::fs::metadata(&s5).unwrap().len(), before);
    forget_results(cache.path());
    let (json, counts) = plan(cache.path(), d);
    assert_eq!(counts, Some((1, all - 1)));
    assert!(json.contains("/var/lib/s5/cccc.sqlite"), "{json}");
    assert_eq!(json, no_cache(d));
}

/// A pack cut short, with a changed byte, of another build or not a pack
/// at all: what it cannot prove is parsed again, the result is the same,
/// and the next run has everything again.
#[test]
fn a_damaged_or_foreign_pack_only_costs_a_parse() {
    let cache = tempfile::tempdir().unwrap();
    let f = flake();
    let d = f.path();
    let expected = no_cache(d);
    let all = first_run(cache.path(), d);
    let pack = pack(cache.path());
    let bytes = std::fs::read(&pack).unwrap();

    let mut flipped = bytes.clone();
    let at = bytes.len() - 10;
    flipped[at] ^= 0x20;
    let mut foreign = bytes.clone();
    foreign[8] ^= 1; // the format number
    let mut other_build = bytes.clone();
    other_build[20] ^= 1; // the build's identity
    let cases: Vec<(&str, Vec<u8>, Option<usize>)> = vec![
        ("cut short", bytes[..bytes.len() - 7].to_vec(), Some(1)),
        ("a changed byte", flipped, Some(1)),
        ("another format", foreign, None),
        ("another build", other_build, None),
        ("not a pack", b"{}\n".to_vec(), None),
        ("empty", Vec::new(), None),
    ];
    for (what, damaged, parsed) in cases {
        std::fs::write(&pack, &damaged).unwrap();
        forget_results(cache.path());
        let (json, counts) = plan(cache.path(), d);
        assert_eq!(json, expected, "{what}");
        let (parsed_now, kept_now) = counts.unwrap();
        assert_eq!(parsed_now + kept_now, all, "{what}");
        assert_eq!(parsed_now, parsed.unwrap_or(all), "{what}");
        forget_results(cache.path());
        let (json, counts) = plan(cache.path(), d);
        assert_eq!(json, expected, "{what}");
        assert_eq!(counts, Some((0, all)), "{what}: kept again");
    }
}

/// `--no-cache` neither reads nor writes the syntax cache; the pack is
/// private like the evaluation cache's entries.
#[test]
fn no_cache_parses_everything_and_the_pack_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let root = tempfile::tempdir().unwrap();
    let cache = root.path().join("c");
    let f = flake();
    let d = f.path();
    plan(&cache, d);
    let pack = pack(&cache);
    assert_eq!(
        std::fs::metadata(&pack).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let before = std::fs::read(&pack).unwrap();
    std::fs::write(d.join("services/s1.nix"), service(1, "dddd")).unwrap();
    gen(&cache)
        .args(["--no-cache", "plan", "--host", "box"])
        .arg(d)
        .assert()
        .success();
    assert_eq!(std::fs::read(&pack).unwrap(), before);
}

/// Many edits of a file do not grow the pack without bound: past twice
/// what a run uses, it is rewritten with only that.
#[test]
fn the_pack_stays_bounded_under_edits() {
    let cache = tempfile::tempdir().unwrap();
    let f = flake();
    let d = f.path();
    // One large file (a large tree), edited on every run.
    let big = d.join("services/s0.nix");
    let filler = (0..3000).fold(String::new(), |mut s, i| {
        let _ = write!(s, " \"item {i}\"");
        s
    });
    let mut sizes = Vec::new();
    let mut all = 0;
    for round in 0..30 {
        let text = format!(
            "let unused = [{filler} {round} ]; in\n{}",
            service(0, "aaaa")
        );
        std::fs::write(&big, text).unwrap();
        let (_, counts) = plan(cache.path(), d);
        let (parsed, kept) = counts.unwrap();
        if round == 0 {
            all = parsed;
        } else {
            assert_eq!((parsed, kept), (1, all - 1));
        }
        sizes.push(std::fs::metadata(pack(cache.path())).unwrap().len());
    }
    let first = sizes[0];
    let max = *sizes.iter().max().unwrap();
    assert!(
        max <= 3 * first + (64 << 10),
        "pack grew to {max} bytes (first run: {first}): {sizes:?}"
    );
    assert!(
        sizes.windows(2).any(|w| w[1] < w[0]),
        "never compacted: {sizes:?}"
    );
}

/// Every golden case evaluates from the syntax cache exactly as from
/// source: diagnostics, plan and module.
#[test]
fn evaluating_from_kept_trees_is_evaluating_from_source_on_every_golden_case() {
    let mut compared = 0;
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
                for host in &hosts {
                    let what = format!("{} host {host}", case.display());
                    let fresh = pipeline::process_host(&case, host, &generated);
                    let dir = tempfile::tempdir().unwrap();
                    let cache = Cache::new(dir.path());
                    let _ = pipeline::host_with_cache(&case, host, &generated, true, false, &cache);
                    forget_results(dir.path());
                    let (kept, lookup) =
                        pipeline::host_with_cache(&case, host, &generated, true, false, &cache);
                    assert_eq!(lookup, Lookup::Absent, "{what}");
                    for format in [OutputFormat::Human, OutputFormat::Json] {
                        assert_eq!(
                            render(&kept.diagnostics, format),
                            render(&fresh.diagnostics, format),
                            "{what}"
                        );
                    }
                    let json = |o: &pipeline::HostOutput| {
                        o.plan.as_ref().map(|p| {
                            let mut v = Vec::new();
                            p.write_json(&mut v).unwrap();
                            String::from_utf8(v).unwrap()
                        })
                    };
                    assert_eq!(json(&kept), json(&fresh), "{what}");
                    assert_eq!(kept.module, fresh.module, "{what}");
                    compared += 1;
                }
            }
        }
    }
    assert!(compared >= 20, "only {compared} hosts compared");
}
