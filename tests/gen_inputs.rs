//! Real flake inputs: `--override-input`, and `--fetch-inputs` from a local
//! HTTP server (narHash checked, a mismatch refused and nothing kept,
//! later runs offline from the cache).

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;

#[path = "support/http.rs"]
mod http;
use http::Server;

fn gen() -> Command {
    Command::new(env!("CARGO_BIN_EXE_atelier-gen"))
}

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/inputs")
        .join(rel)
}

/// The NAR hash of tests/data/inputs/fetched/helpers-src, as written in
/// the lock (computed once with `nix-hash --type sha256 --base32`).
const HELPERS_NAR_HASH: &str = "sha256-szl9RIREv6l0QutCBRSZ5pa1fa/SHMSJXIzISF64TKw=";

#[test]
fn real_nixpkgs_lib_from_override_input() {
    let Ok(lib) = std::env::var("ATELIER_NIXPKGS_LIB") else {
        eprintln!("SKIP: ATELIER_NIXPKGS_LIB (a nixpkgs lib/ directory) is not set");
        return;
    };
    let src = Path::new(&lib).parent().unwrap().to_path_buf();
    // Without the source (and no lock), the nixpkgs release is unknown.
    gen()
        .args(["--no-cache", "--format", "short", "plan"])
        .arg(data("real-lib"))
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("error[unresolved-path]")
                .and(predicate::str::contains("depends on `lib.trivial.release`")),
        );
    let version = std::fs::read_to_string(Path::new(&lib).join(".version")).unwrap();
    let release: String = version.trim().chars().take(5).collect();
    gen()
        .args(["--no-cache", "--format", "short", "plan", "--json"])
        .arg(data("real-lib"))
        .arg("--override-input")
        .arg("nixpkgs")
        .arg(&src)
        .assert()
        .success()
        .stderr("")
        .stdout(predicate::str::contains(format!(
            "\"/srv/chat-{release}-Abc/chat.db\""
        )));
}

/// Without nixpkgs' source, `lib.version` is the release flake.lock names
/// (a release branch, or unstable by its lock date) with nixpkgs' flake
/// suffix; without a lock it is unknown, and the error says why.
#[test]
fn nixpkgs_version_comes_from_the_lock() {
    gen()
        .args(["--no-cache", "--format", "short", "plan", "--json"])
        .arg(data("nixpkgs-version"))
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "\"host\": \"box-25.11.20250801.0123456-24.05-0123456789abcdef0123456789abcdef01234567\"",
        ));
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        data("nixpkgs-version/flake.nix"),
        dir.path().join("flake.nix"),
    )
    .unwrap();
    gen()
        .args(["--no-cache", "--format", "short", "plan", "--json"])
        .arg(dir.path())
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("lib.trivial.release").and(predicate::str::contains(
                "the flake's lock names a nixpkgs release",
            )),
        );
}

/// `import nixpkgs { system = …; }` with nixpkgs' source here (a copy
/// without pkgs/, as a kept-pruned one is): the package set's `lib` is the
/// real lib, nothing of pkgs/ is read, its platform is `lib.systems`', the
/// rest is unknown as `pkgs` is. Without the source: the same, with the
/// built-in lib.
#[test]
fn the_package_set_imported_from_nixpkgs_has_its_real_lib() {
    let Some(lib) = source_var("ATELIER_NIXPKGS_LIB", "a nixpkgs lib/ directory") else {
        return;
    };
    let src = lib.parent().unwrap().to_path_buf();
    assert!(!src.join("default.nix").exists() && !src.join("pkgs").exists());
    // Without the source (the built-in lib) and with it: the same plan.
    let override_args = [
        std::ffi::OsString::from("--override-input"),
        "nixpkgs".into(),
        src.into(),
    ];
    for extra in [&override_args[..0], &override_args[..]] {
        gen()
            .args(["--no-cache", "--format", "short", "plan", "--json"])
            .arg(data("import-nixpkgs"))
            .args(extra)
            .assert()
            .success()
            .stderr("")
            .stdout(predicate::str::contains("\"/SRV/chat.db\""));
    }
}

/// colmena's way to a host: `import (pkgs.path + "/nixos/lib/eval-config.nix")`
/// of a package set checked to have no `outPath`/`outputs`: with nixpkgs'
/// source here (without nixos/, as nixpkgs.lib is), the same host.
#[test]
fn eval_config_of_the_package_set_s_path_is_a_host_with_the_source_too() {
    let Some(lib) = source_var("ATELIER_NIXPKGS_LIB", "a nixpkgs lib/ directory") else {
        return;
    };
    same_plan_from_real_sources(
        "package-set-eval-config",
        "node",
        "metrics",
        &[("nixpkgs", lib.parent().unwrap())],
    );
}

/// A host built by `nixosSystem` of nixpkgs' real lib (extended by the
/// flake) gives its modules and their submodules that lib as `lib`.
#[test]
fn module_argument_lib_is_the_real_extended_lib() {
    let Some(lib) = source_var("ATELIER_NIXPKGS_LIB", "a nixpkgs lib/ directory") else {
        return;
    };
    let src = lib.parent().unwrap().to_path_buf();
    // The built-in lib has those functions too, and its `nixosSystem` gives
    // the modules the extended lib as well
    // (`extended_lib_reaches_the_modules_with_or_without_the_source`).
    let with_source = [
        "--override-input".as_ref(),
        "nixpkgs".as_ref(),
        src.as_os_str(),
    ];
    for extra in [&with_source[..0], &with_source[..]] {
        gen()
            .args(["--no-cache", "--format", "short", "plan", "--json"])
            .arg(data("real-lib-arg"))
            .args(extra)
            .assert()
            .success()
            .stderr("")
            .stdout(predicate::str::contains("\"/srv/chat-2.1/1a-2b.db\""));
    }
}

/// `nixpkgs.lib.extend` then `lib.nixosSystem` with no `lib` in
/// specialArgs: the modules get the extended lib (or the call's `lib`) from
/// nixpkgs' real lib as from the built-in one.
#[test]
fn extended_lib_reaches_the_modules_with_or_without_the_source() {
    let Some(lib) = source_var("ATELIER_NIXPKGS_LIB", "a nixpkgs lib/ directory") else {
        return;
    };
    let nixpkgs = lib.parent().unwrap();
    for host in ["one", "two"] {
        same_plan_from_real_sources(
            "lib-extend-module-lib",
            host,
            "wiki",
            &[("nixpkgs", nixpkgs)],
        );
    }
}

/// Idioms the built-in lib reads as nixpkgs' real lib does: `with types;`
/// around option declarations finds `mkOption` in the outer `with lib;`;
/// `lib.modules.importApply file arg`; `lib.systems.doubles` as flakelight
/// and paisano read it.
#[test]
fn builtin_lib_idioms_plan_as_with_the_real_lib() {
    let Some(lib) = source_var("ATELIER_NIXPKGS_LIB", "a nixpkgs lib/ directory") else {
        return;
    };
    let nixpkgs = lib.parent().unwrap();
    same_plan_from_real_sources("with-lib-types", "box", "radio", &[("nixpkgs", nixpkgs)]);
    same_plan_from_real_sources("import-apply", "box", "ledger", &[("nixpkgs", nixpkgs)]);
    same_plan_from_real_sources(
        "lib-systems-doubles",
        "box",
        "photos",
        &[("nixpkgs", nixpkgs)],
    );
}

#[test]
fn real_import_tree_from_override_input() {
    let Some(src) = std::env::var_os("ATELIER_IMPORT_TREE_SRC").map(PathBuf::from) else {
        eprintln!("SKIP: ATELIER_IMPORT_TREE_SRC (a checkout of vic/import-tree) is not set");
        return;
    };
    // Its `initFilter` keeps only services/*.svc.nix: `chat`, not `notes`.
    gen()
        .args(["--no-cache", "--format", "short", "plan"])
        .arg(data("import-tree"))
        .arg("--override-input")
        .arg("import-tree")
        .arg(&src)
        .assert()
        .success()
        .stderr("")
        .stdout(predicate::str::starts_with("host box: 1 service(s)\n"))
        .stdout(predicate::str::contains("chat"))
        .stdout(predicate::str::contains("notes").not());
}

/// A framework input whose lib is files of its own source loaded with
/// `scopedImport` (haumea's `scoped` loader, as kosei on eris does): they
/// are read as `import` reads them, not refused as outside the flake; and
/// the framework's `inputs` are a known set, so `self.inputs // fw.inputs`
/// still has `fw`.
#[test]
fn scoped_import_reads_an_input_source() {
    gen()
        .args(["--no-cache", "--format", "short", "plan", "--json"])
        .arg(data("scoped-loader/flake"))
        .arg("--override-input")
        .arg("fw")
        .arg(data("scoped-loader/fw"))
        .assert()
        .success()
        .stderr("")
        .stdout(predicate::str::contains("\"/srv/fw/chat/chat.db\""));
}

/// A gzip-compressed tarball of `dir` (one top-level directory, as GitHub
/// serves archives).
fn tarball(dir: &Path, top: &str) -> Vec<u8> {
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut tar = tar::Builder::new(gz);
    tar.append_dir_all(top, dir).unwrap();
    tar.into_inner().unwrap().finish().unwrap()
}

/// Entries under `<cache>/inputs` (kept sources and leftovers alike).
fn kept(cache: &Path) -> Vec<String> {
    match std::fs::read_dir(cache.join("inputs")) {
        Ok(rd) => rd
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect(),
        Err(_) => Vec::new(),
    }
}

#[test]
fn fetch_inputs_checks_nar_hash_and_keeps_sources_for_offline_runs() {
    let src = data("fetched/helpers-src");
    // The oracle: Nix's own NAR hash of the source equals the lock's.
    match std::process::Command::new("nix-hash")
        .args(["--type", "sha256", "--base32"])
        .arg(&src)
        .output()
    {
        Ok(o) if o.status.success() => {
            let ours = atelier::flake::nar::parse_sri(HELPERS_NAR_HASH).unwrap();
            assert_eq!(
                String::from_utf8_lossy(&o.stdout).trim(),
                atelier::flake::nar::to_base32(&ours)
            );
        }
        _ => eprintln!("SKIP (oracle only): nix-hash is not installed"),
    }
    let good = tarball(&src, "helpers-0123abc");
    // Same layout, one byte different: its NAR hash is not the locked one.
    let tampered_dir = tempfile::tempdir().unwrap();
    let t = tampered_dir.path().join("helpers");
    std::fs::create_dir_all(t.join("lib")).unwrap();
    std::fs::copy(src.join("flake.nix"), t.join("flake.nix")).unwrap();
    let lib = std::fs::read_to_string(src.join("lib/default.nix")).unwrap();
    std::fs::write(t.join("lib/default.nix"), lib.replace("fetched", "fetchex")).unwrap();
    let bad = tarball(&t, "helpers-0123abc");
    let server = Server::start(vec![
        ("/helpers.tar.gz".into(), good),
        ("/broken.tar.gz".into(), bad),
    ]);

    let flake = tempfile::tempdir().unwrap();
    for f in ["flake.nix", "host.nix"] {
        std::fs::copy(data("fetched").join(f), flake.path().join(f)).unwrap();
    }
    let node = |url: &str| {
        serde_json::json!({
            "locked": { "type": "tarball", "url": url, "narHash": HELPERS_NAR_HASH },
            "original": { "type": "tarball", "url": url }
        })
    };
    let lock = serde_json::json!({
        "version": 7,
        "root": "root",
        "nodes": {
            "root": { "inputs": { "helpers": "helpers", "broken": "broken" } },
            "helpers": node(&server.url("/helpers.tar.gz")),
            "broken": node(&server.url("/broken.tar.gz")),
        }
    });
    std::fs::write(
        flake.path().join("flake.lock"),
        serde_json::to_string_pretty(&lock).unwrap(),
    )
    .unwrap();
    let cache = tempfile::tempdir().unwrap();
    let run = |host: &str, fetch: bool| {
        let mut c = gen();
        c.args(["--no-cache", "--format", "short", "--cache-dir"])
            .arg(cache.path())
            .arg("plan")
            .arg(flake.path())
            .args(["--host", host, "--json"])
            .env_remove("ATELIER_FETCH_INPUTS");
        if fetch {
            c.arg("--fetch-inputs");
        }
        c.assert()
    };

    // Without the flag: one diagnostic naming the input and the three ways.
    run("good", false)
        .code(1)
        .stderr(predicate::str::contains(
            "error[unresolved-path]: service `chat`: sqlite path is not known statically: \
             is the result of calling `helpers.lib.dataDir`, flake input `helpers` has no source here",
        ))
        .stderr(predicate::str::contains("--fetch-inputs"))
        .stderr(predicate::str::contains("nix flake archive"))
        .stderr(predicate::str::contains("`--override-input helpers PATH`"));
    assert!(kept(cache.path()).is_empty());

    // Bytes that do not match narHash: refused, nothing kept.
    run("bad", true)
        .code(1)
        .stderr(predicate::str::contains("error[fetch-input]"))
        .stderr(predicate::str::contains("`broken`"))
        .stderr(predicate::str::contains(format!(
            "flake.lock locks {HELPERS_NAR_HASH}: refused"
        )));
    assert_eq!(kept(cache.path()), Vec::<String>::new());

    // The matching tarball: fetched, checked, kept under its hash.
    run("good", true)
        .success()
        .stdout(predicate::str::contains("\"/srv/fetched/chat/chat.db\""));
    let digest = atelier::flake::nar::parse_sri(HELPERS_NAR_HASH).unwrap();
    assert_eq!(
        kept(cache.path()),
        [format!(
            "{}-source",
            atelier::flake::nar::to_base32(&digest)
        )]
    );

    // Offline: the server is gone, the kept source is used (no flag needed).
    drop(server);
    run("good", false)
        .success()
        .stdout(predicate::str::contains("\"/srv/fetched/chat/chat.db\""));
}

/// Channel tarballs come xz- or zstd-compressed (`nixexprs.tar.xz`,
/// `nixexprs.tar.zst`; named `helpers.*` here, as a URL named `nixexprs.*`
/// is nixpkgs): made by the real `tar`, `xz` and `zstd`, each is
/// fetched, its NAR hash checked, kept, and planned from. A tarball cut
/// short is refused, and nothing is kept.
#[test]
fn fetch_inputs_unpacks_xz_and_zstd_tarballs() {
    for tool in ["xz", "zstd"] {
        if std::process::Command::new(tool)
            .arg("--version")
            .output()
            .is_err()
        {
            eprintln!("SKIP: `{tool}` is not installed (scripts/setup.sh installs it)");
            return;
        }
    }
    let src = data("fetched/helpers-src");
    let work = tempfile::tempdir().unwrap();
    std::fs::create_dir(work.path().join("t")).unwrap();
    let top = work.path().join("t/helpers-0123abc");
    copy_tree(&src, &top);
    let pack = |flag: &str, name: &str| -> Vec<u8> {
        let out = work.path().join(name);
        let st = std::process::Command::new("tar")
            .arg(flag)
            .arg("-cf")
            .arg(&out)
            .arg("-C")
            .arg(work.path().join("t"))
            .arg("helpers-0123abc")
            .status()
            .unwrap();
        assert!(st.success(), "tar {flag}");
        std::fs::read(&out).unwrap()
    };
    let xz = pack("--xz", "a.tar.xz");
    let zst = pack("--zstd", "a.tar.zst");
    assert!(xz.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0]));
    assert!(zst.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]));
    let cut = zst[..zst.len() / 2].to_vec();
    let server = Server::start(vec![
        ("/helpers.tar.xz".into(), xz),
        ("/helpers.tar.zst".into(), zst),
        ("/cut.tar.zst".into(), cut),
    ]);
    for (path, ok) in [
        ("/helpers.tar.xz", true),
        ("/helpers.tar.zst", true),
        ("/cut.tar.zst", false),
    ] {
        let flake = tempfile::tempdir().unwrap();
        for f in ["flake.nix", "host.nix"] {
            std::fs::copy(data("fetched").join(f), flake.path().join(f)).unwrap();
        }
        let url = server.url(path);
        let node = serde_json::json!({
            "locked": { "type": "tarball", "url": url, "narHash": HELPERS_NAR_HASH },
            "original": { "type": "tarball", "url": url }
        });
        let lock = serde_json::json!({
            "version": 7,
            "root": "root",
            "nodes": {
                "root": { "inputs": { "helpers": "helpers", "broken": "helpers" } },
                "helpers": node,
            }
        });
        std::fs::write(
            flake.path().join("flake.lock"),
            serde_json::to_string_pretty(&lock).unwrap(),
        )
        .unwrap();
        let cache = tempfile::tempdir().unwrap();
        let a = gen()
            .args(["--no-cache", "--format", "short", "--cache-dir"])
            .arg(cache.path())
            .arg("plan")
            .arg(flake.path())
            .args(["--host", "good", "--json", "--fetch-inputs"])
            .env_remove("ATELIER_FETCH_INPUTS")
            .assert();
        if ok {
            a.success()
                .stdout(predicate::str::contains("\"/srv/fetched/chat/chat.db\""));
            assert_eq!(kept(cache.path()).len(), 1, "{path}");
        } else {
            a.code(1)
                .stderr(predicate::str::contains("error[fetch-input]"));
            assert!(
                kept(cache.path()).is_empty(),
                "{path}: {:?}",
                kept(cache.path())
            );
        }
    }
}

/// A fetched nixpkgs is kept pruned: once its NAR hash is checked, only
/// lib/, nixos/lib/, nixos/modules/ and its top-level files stay, listed in
/// a marker. A host that reads only those plans the same as from the whole
/// source; a read of anything else (pkgs/) is refused where it is made,
/// naming the input and `--keep-full-inputs`, which fetches it again whole.
#[test]
fn fetch_inputs_keeps_only_what_evaluation_reads_of_nixpkgs() {
    let src = data("fetched-nixpkgs/nixpkgs-src");
    let digest = atelier::flake::nar::nar_sha256(&src).unwrap();
    let nar_hash = atelier::flake::nar::to_sri(&digest);
    let server = Server::start(vec![(
        "/nixpkgs.tar.gz".into(),
        tarball(&src, "nixpkgs-0123abc"),
    )]);
    let flake = tempfile::tempdir().unwrap();
    std::fs::copy(
        data("fetched-nixpkgs/flake.nix"),
        flake.path().join("flake.nix"),
    )
    .unwrap();
    std::fs::copy(data("fetched/host.nix"), flake.path().join("host.nix")).unwrap();
    let url = server.url("/nixpkgs.tar.gz");
    let lock = serde_json::json!({
        "version": 7,
        "root": "root",
        "nodes": {
            "root": { "inputs": { "nixpkgs": "nixpkgs" } },
            "nixpkgs": {
                "locked": { "type": "tarball", "url": url, "narHash": nar_hash },
                "original": { "type": "tarball", "url": url }
            },
        }
    });
    std::fs::write(
        flake.path().join("flake.lock"),
        serde_json::to_string_pretty(&lock).unwrap(),
    )
    .unwrap();
    let cache = tempfile::tempdir().unwrap();
    let run = |host: &str, flags: &[&str]| {
        gen()
            .args(["--no-cache", "--format", "short", "--cache-dir"])
            .arg(cache.path())
            .arg("plan")
            .arg(flake.path())
            .args(["--host", host, "--json"])
            .args(flags)
            .env_remove("ATELIER_FETCH_INPUTS")
            .env_remove("ATELIER_KEEP_FULL_INPUTS")
            .assert()
    };
    let copy = cache.path().join("inputs").join(format!(
        "{}-source",
        atelier::flake::nar::to_base32(&digest)
    ));

    // A tarball with one byte changed in pkgs/ (which a pruned copy never
    // writes out): its NAR hash is not the lock's, refused, nothing kept.
    let tampered = tempfile::tempdir().unwrap();
    let t = tampered.path().join("nixpkgs");
    copy_tree(&src, &t);
    std::fs::write(
        t.join("pkgs/top-level/data-dir.nix"),
        "name: \"/srv/pkgx/${name}\"\n",
    )
    .unwrap();
    let bad_server = Server::start(vec![(
        "/nixpkgs.tar.gz".into(),
        tarball(&t, "nixpkgs-0123abc"),
    )]);
    let bad_flake = tempfile::tempdir().unwrap();
    for f in ["flake.nix", "host.nix"] {
        std::fs::copy(flake.path().join(f), bad_flake.path().join(f)).unwrap();
    }
    let bad_lock = serde_json::to_string_pretty(&lock)
        .unwrap()
        .replace(&url, &bad_server.url("/nixpkgs.tar.gz"));
    std::fs::write(bad_flake.path().join("flake.lock"), bad_lock).unwrap();
    gen()
        .args(["--no-cache", "--format", "short", "--cache-dir"])
        .arg(cache.path())
        .arg("plan")
        .arg(bad_flake.path())
        .args(["--host", "lib", "--json", "--fetch-inputs"])
        .env_remove("ATELIER_KEEP_FULL_INPUTS")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("error[fetch-input]"))
        .stderr(predicate::str::contains(format!(
            "flake.lock locks {nar_hash}: refused"
        )));
    assert_eq!(kept(cache.path()), Vec::<String>::new());

    // Fetched, checked, kept pruned: pkgs/ and doc/ are gone.
    let pruned = run("lib", &["--fetch-inputs"]).success();
    let pruned_plan = String::from_utf8(pruned.get_output().stdout.clone()).unwrap();
    assert!(
        pruned_plan.contains("\"/srv/fetched/chat/chat.db\""),
        "{pruned_plan}"
    );
    assert!(copy.join("lib/default.nix").is_file());
    assert!(copy.join("nixos/lib/eval-config.nix").is_file());
    assert!(copy.join("nixos/modules/profiles/minimal.nix").is_file());
    assert!(copy.join("flake.nix").is_file() && copy.join("default.nix").is_file());
    assert!(!copy.join("pkgs").exists() && !copy.join("doc").exists());
    let marker = std::fs::read_to_string(copy.join(".atelier-pruned")).unwrap();
    for kept in [
        "lib/",
        "nixos/lib/",
        "nixos/modules/",
        "flake.nix",
        "default.nix",
    ] {
        assert!(marker.lines().any(|l| l == kept), "{kept} in {marker}");
    }

    // A read outside what was kept: where it is made, which input, what to do.
    run("pkgs", &[])
        .code(1)
        .stderr(predicate::str::contains("flake.nix:20:"))
        .stderr(predicate::str::contains("error[input-pruned]"))
        .stderr(predicate::str::contains(
            "cannot read pkgs/top-level/data-dir.nix of flake input `nixpkgs`: this input was kept pruned",
        ))
        .stderr(predicate::str::contains(
            "run atelier-gen with --fetch-inputs --keep-full-inputs to keep all of it",
        ));

    // The same for a NixOS module imported by path.
    run("tests", &[])
        .code(1)
        .stderr(predicate::str::contains("flake.nix:23:"))
        .stderr(predicate::str::contains(
            "error[input-pruned]: cannot read nixos/tests/common.nix of flake input `nixpkgs`",
        ));

    // --keep-full-inputs fetches it again, whole: pkgs/ is read, and the
    // host that needed only lib/ plans the same as from the pruned copy.
    run("pkgs", &["--fetch-inputs", "--keep-full-inputs"])
        .success()
        .stdout(predicate::str::contains("\"/srv/pkgs/chat/chat.db\""));
    assert!(copy.join("pkgs/top-level/data-dir.nix").is_file());
    assert!(!copy.join(".atelier-pruned").exists());
    let whole = run("lib", &[]).success();
    assert_eq!(
        String::from_utf8(whole.get_output().stdout.clone()).unwrap(),
        pruned_plan
    );
    assert_eq!(kept(cache.path()).len(), 1, "{:?}", kept(cache.path()));
}

/// `builtins.fetchTarball { url; sha256; }` pinning nixpkgs instead of a
/// flake input (azuwis/nix-config): without its source, one diagnostic
/// naming the URL, where the pin is and how to provide it; with
/// `--fetch-inputs`, downloaded, checked against `sha256` (another tarball
/// is refused and nothing is kept), kept pruned as a nixpkgs input is, and
/// read as nixpkgs (its real lib, `nixos/lib/eval-config.nix`, the package
/// set, `nixos/default.nix`); later runs are offline.
#[test]
fn fetch_tarball_pins_are_fetched_checked_and_read_as_nixpkgs() {
    let src = data("fetched-nixpkgs/nixpkgs-src");
    let digest = atelier::flake::nar::nar_sha256(&src).unwrap();
    let tampered = tempfile::tempdir().unwrap();
    let t = tampered.path().join("nixpkgs");
    copy_tree(&src, &t);
    std::fs::write(
        t.join("pkgs/top-level/data-dir.nix"),
        "name: \"/srv/x/${name}\"\n",
    )
    .unwrap();
    // At a GitHub archive's path: a URL that names nixpkgs, kept pruned.
    let server = Server::start(vec![
        (
            "/NixOS/nixpkgs/archive/0123abc.tar.gz".into(),
            tarball(&src, "nixpkgs-0123abc"),
        ),
        (
            "/NixOS/nixpkgs/archive/4567def.tar.gz".into(),
            tarball(&t, "nixpkgs-4567def"),
        ),
    ]);
    let flake_at = |url: &str| {
        let dir = tempfile::tempdir().unwrap();
        let text = std::fs::read_to_string(data("fetch-tarball/flake.nix"))
            .unwrap()
            .replace("@URL@", url)
            .replace("@SHA256@", &atelier::flake::nar::to_base32(&digest));
        std::fs::write(dir.path().join("flake.nix"), text).unwrap();
        std::fs::copy(data("fetched/host.nix"), dir.path().join("host.nix")).unwrap();
        dir
    };
    let url = server.url("/NixOS/nixpkgs/archive/0123abc.tar.gz");
    let good = flake_at(&url);
    let bad = flake_at(&server.url("/NixOS/nixpkgs/archive/4567def.tar.gz"));
    let cache = tempfile::tempdir().unwrap();
    let run = |flake: &Path, host: &str, fetch: bool| {
        let mut c = gen();
        c.args(["--no-cache", "--format", "short", "--cache-dir"])
            .arg(cache.path())
            .arg("plan")
            .arg(flake)
            .args(["--host", host, "--json"])
            .env_remove("ATELIER_FETCH_INPUTS")
            .env_remove("ATELIER_KEEP_FULL_INPUTS");
        if fetch {
            c.arg("--fetch-inputs");
        }
        c.assert()
    };

    // Without the flag: where the pin is, its URL, and the ways to give it.
    run(good.path(), "eval-config", false)
        .code(1)
        .stderr(predicate::str::contains(format!(
            "`builtins.fetchTarball` of {url} (at flake.nix:9:17) has no source here"
        )))
        .stderr(predicate::str::contains("--fetch-inputs"))
        .stderr(predicate::str::contains(format!(
            "nix-prefetch-url --unpack {url}"
        )));
    assert!(kept(cache.path()).is_empty());

    // Not the pinned bytes: refused, nothing kept.
    run(bad.path(), "eval-config", true)
        .code(1)
        .stderr(predicate::str::contains(
            "flake.nix:9:17: error[fetch-input]",
        ))
        .stderr(predicate::str::contains(format!(
            "its `sha256` is {}: refused",
            atelier::flake::nar::to_sri(&digest)
        )));
    assert!(kept(cache.path()).is_empty());

    // Fetched and kept (pruned) under its NAR hash; every entry point of
    // nixpkgs is read from it.
    for host in ["eval-config", "pkgs", "nixos"] {
        run(good.path(), host, true)
            .success()
            .stdout(predicate::str::contains("\"/srv/fetched/chat/chat.db\""));
    }
    let copy = format!("{}-source", atelier::flake::nar::to_base32(&digest));
    assert_eq!(kept(cache.path()), std::slice::from_ref(&copy));
    assert!(cache
        .path()
        .join("inputs")
        .join(&copy)
        .join(".atelier-pruned")
        .is_file());
    run(good.path(), "pruned", false)
        .code(1)
        .stderr(predicate::str::contains(format!(
            "error[input-pruned]: cannot read pkgs/top-level/data-dir.nix of `builtins.fetchTarball` of {url}"
        )));

    // Offline: the server is gone, the kept copy is used (`-v` says so).
    drop(server);
    gen()
        .args(["-v", "--no-cache", "--format", "short", "--cache-dir"])
        .arg(cache.path())
        .arg("plan")
        .arg(good.path())
        .args(["--host", "nixos", "--json"])
        .env_remove("ATELIER_FETCH_INPUTS")
        .assert()
        .success()
        .stdout(predicate::str::contains("\"/srv/fetched/chat/chat.db\""))
        .stderr(predicate::str::contains(format!(
            "`builtins.fetchTarball` of {url}: evaluated from its source kept by --fetch-inputs ("
        )));
}

/// The `fetch-tarball` flake in `dir`, its nixpkgs pinned to a tarball on
/// this machine (a `file://` URL with the right `sha256`).
fn file_pin_flake(dir: &Path) -> PathBuf {
    let src = data("fetched-nixpkgs/nixpkgs-src");
    let digest = atelier::flake::nar::nar_sha256(&src).unwrap();
    let archive = dir.join("nixpkgs.tar.gz");
    std::fs::write(&archive, tarball(&src, "nixpkgs-0123abc")).unwrap();
    let text = std::fs::read_to_string(data("fetch-tarball/flake.nix"))
        .unwrap()
        .replace("@URL@", &format!("file://{}", archive.display()))
        .replace("@SHA256@", &atelier::flake::nar::to_sri(&digest));
    let flake = dir.join("flake");
    std::fs::create_dir(&flake).unwrap();
    std::fs::write(flake.join("flake.nix"), text).unwrap();
    std::fs::copy(data("fetched/host.nix"), flake.join("host.nix")).unwrap();
    flake
}

/// The evaluation cache notices a pin's source appearing: a plan cached
/// while it had none is made again once an earlier `--fetch-inputs` kept it.
#[test]
fn a_fetch_tarball_source_appearing_later_is_noticed_by_the_cache() {
    let dir = tempfile::tempdir().unwrap();
    let flake = file_pin_flake(dir.path());
    let cache = tempfile::tempdir().unwrap();
    let run = |fetch: bool| {
        let mut c = gen();
        c.args(["--format", "short", "--cache-dir"])
            .arg(cache.path())
            .arg("plan")
            .arg(&flake)
            .args(["--host", "nixos", "--json"])
            .env_remove("ATELIER_FETCH_INPUTS")
            .env_remove("ATELIER_GEN_NO_CACHE");
        if fetch {
            c.arg("--fetch-inputs");
        }
        c.assert()
    };
    run(false)
        .code(1)
        .stderr(predicate::str::contains("has no source here"));
    run(true).success();
    run(false)
        .success()
        .stdout(predicate::str::contains("\"/srv/fetched/chat/chat.db\""));
}

/// A `file://` pin (a tarball on this machine) is fetched too.
#[test]
fn fetch_tarball_fetches_file_urls() {
    let dir = tempfile::tempdir().unwrap();
    let flake = file_pin_flake(dir.path());
    let cache = tempfile::tempdir().unwrap();
    gen()
        .args(["--no-cache", "--format", "short", "--cache-dir"])
        .arg(cache.path())
        .arg("plan")
        .arg(&flake)
        .args(["--host", "nixos", "--json", "--fetch-inputs"])
        .assert()
        .success()
        .stdout(predicate::str::contains("\"/srv/fetched/chat/chat.db\""));
    assert_eq!(kept(cache.path()).len(), 1);
}

/// A pinned tarball with `lib/` and `nixos/` of its own (a configuration,
/// not nixpkgs) is read as it is: importing it is its `default.nix`, and
/// all of it is kept (its URL does not name nixpkgs).
#[test]
fn a_fetch_tarball_pin_shaped_like_a_configuration_is_not_nixpkgs() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir_all(src.join("lib")).unwrap();
    std::fs::create_dir_all(src.join("nixos")).unwrap();
    std::fs::write(src.join("lib/default.nix"), "{ root = \"/srv/own\"; }\n").unwrap();
    std::fs::write(src.join("nixos/common.nix"), "{ }\n").unwrap();
    std::fs::write(
        src.join("default.nix"),
        "{ dataDir = (import ./lib).root + \"/fetched/chat\"; }\n",
    )
    .unwrap();
    let digest = atelier::flake::nar::nar_sha256(&src).unwrap();
    let archive = dir.path().join("own.tar.gz");
    std::fs::write(&archive, tarball(&src, "own-0123abc")).unwrap();
    let flake = dir.path().join("flake");
    std::fs::create_dir(&flake).unwrap();
    std::fs::write(
        flake.join("flake.nix"),
        format!(
            r#"{{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";
  inputs.atelier.url = "github:example/atelier";
  outputs = {{ nixpkgs, atelier, ... }}:
    let
      src = builtins.fetchTarball {{ url = "file://{}"; sha256 = "{}"; }};
      own = import src;
    in {{
      nixosConfigurations.box = nixpkgs.lib.nixosSystem {{
        specialArgs = {{ inherit atelier; inherit (own) dataDir; }};
        modules = [ ./host.nix (src + "/nixos/common.nix") ];
      }};
    }};
}}
"#,
            archive.display(),
            atelier::flake::nar::to_sri(&digest)
        ),
    )
    .unwrap();
    std::fs::copy(data("fetched/host.nix"), flake.join("host.nix")).unwrap();
    let cache = tempfile::tempdir().unwrap();
    gen()
        .args(["--no-cache", "--format", "short", "--cache-dir"])
        .arg(cache.path())
        .arg("plan")
        .arg(&flake)
        .args(["--host", "box", "--json", "--fetch-inputs"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "\"/srv/own/fetched/chat/chat.db\"",
        ));
}

/// The string `builtins.fetchTarball` gives is the store path Nix gives
/// (`nix-instantiate` unpacks a `file://` tarball into the Nix store
/// offline), and once the source is there atelier-gen finds it by that
/// path and reads it: with the default name and with `name`, with the hash
/// in Nix's base-32 and in SRI form.
#[test]
fn fetch_tarball_is_the_store_path_nix_gives() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src/pin");
    std::fs::create_dir_all(src.join("lib")).unwrap();
    // Unique content, so that this run's store paths are its own.
    let stamp = format!("{:?}", std::time::SystemTime::now());
    std::fs::write(
        src.join("lib/default.nix"),
        format!("{{ stamp = \"{stamp}\"; }}\n"),
    )
    .unwrap();
    let archive = dir.path().join("pin.tar.gz");
    std::fs::write(&archive, tarball(&src, "pin-0123abc")).unwrap();
    let digest = atelier::flake::nar::nar_sha256(&src).unwrap();
    let url = format!("file://{}", archive.display());
    for (sha256, name) in [
        (atelier::flake::nar::to_base32(&digest), None),
        (atelier::flake::nar::to_sri(&digest), Some("pinned")),
    ] {
        let name_arg = name.map_or_else(String::new, |n| format!("name = \"{n}\"; "));
        let call = format!(
            "builtins.fetchTarball {{ url = \"{url}\"; sha256 = \"{sha256}\"; {name_arg}}}"
        );
        let nix = match std::process::Command::new("nix-instantiate")
            .args(["--eval", "--option", "pure-eval", "true", "-E", &call])
            .output()
        {
            Ok(o) if o.status.success() => String::from_utf8(o.stdout).unwrap(),
            Ok(o) => {
                eprintln!(
                    "SKIP: nix-instantiate failed: {}",
                    String::from_utf8_lossy(&o.stderr)
                );
                return;
            }
            Err(_) => {
                eprintln!("SKIP: nix-instantiate is not installed");
                return;
            }
        };
        let file = dir.path().join("pin.nix");
        std::fs::write(
            &file,
            format!("let p = {call}; in {{ path = p; stamp = (import (p + \"/lib\")).stamp; }}"),
        )
        .unwrap();
        let out = gen().arg("eval").arg(&file).assert().success();
        let json: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
        assert_eq!(
            json["path"].as_str(),
            Some(nix.trim().trim_matches('"')),
            "{call}"
        );
        assert_eq!(json["stamp"].as_str(), Some(stamp.as_str()));
    }
}

/// A fetch from a forge (`github`, `gitlab`, `sourcehut` lock entries),
/// its archive served on 127.0.0.1 at the forge's own URL shape through
/// the base-URL knob (`ATELIER_GITHUB_URL`, ...): the plan is made from the
/// fetched source, a second run is offline from the cache, and bytes that
/// do not match `narHash` are refused with nothing kept.
fn forge_fetch(kind: &str, var: &str, path_of: fn(&str, &str, &str) -> String) {
    let src = data("fetched/helpers-src");
    let good_rev = "0123456789abcdef0123456789abcdef01234567";
    let bad_rev = "89abcdef0123456789abcdef0123456789abcdef";
    let good = tarball(&src, &format!("helpers-{good_rev}"));
    let tampered_dir = tempfile::tempdir().unwrap();
    let t = tampered_dir.path().join("helpers");
    std::fs::create_dir_all(t.join("lib")).unwrap();
    std::fs::copy(src.join("flake.nix"), t.join("flake.nix")).unwrap();
    let lib = std::fs::read_to_string(src.join("lib/default.nix")).unwrap();
    std::fs::write(t.join("lib/default.nix"), lib.replace("fetched", "fetchex")).unwrap();
    let bad = tarball(&t, &format!("broken-{bad_rev}"));
    let owner = if kind == "sourcehut" {
        "~example"
    } else {
        "example"
    };
    let server = Server::start(vec![
        (path_of(owner, "helpers", good_rev), good),
        (path_of(owner, "broken", bad_rev), bad),
    ]);

    let flake = tempfile::tempdir().unwrap();
    for f in ["flake.nix", "host.nix"] {
        std::fs::copy(data("fetched").join(f), flake.path().join(f)).unwrap();
    }
    let node = |repo: &str, rev: &str| {
        serde_json::json!({
            "locked": { "type": kind, "owner": owner, "repo": repo, "rev": rev,
                        "narHash": HELPERS_NAR_HASH, "lastModified": 1_700_000_000 },
            "original": { "type": kind, "owner": owner, "repo": repo }
        })
    };
    let lock = serde_json::json!({
        "version": 7,
        "root": "root",
        "nodes": {
            "root": { "inputs": { "helpers": "helpers", "broken": "broken" } },
            "helpers": node("helpers", good_rev),
            "broken": node("broken", bad_rev),
        }
    });
    std::fs::write(
        flake.path().join("flake.lock"),
        serde_json::to_string_pretty(&lock).unwrap(),
    )
    .unwrap();
    let cache = tempfile::tempdir().unwrap();
    let base = server.url("");
    let run = |host: &str, fetch: bool| {
        let mut c = gen();
        c.args(["--no-cache", "--format", "short", "--cache-dir"])
            .arg(cache.path())
            .arg("plan")
            .arg(flake.path())
            .args(["--host", host, "--json"])
            .env_remove("ATELIER_FETCH_INPUTS")
            .env(var, &base);
        if fetch {
            c.arg("--fetch-inputs");
        }
        c.assert()
    };

    // Bytes that do not match narHash: refused, nothing kept.
    run("bad", true)
        .code(1)
        .stderr(predicate::str::contains("error[fetch-input]"))
        .stderr(predicate::str::contains("`broken`"))
        .stderr(predicate::str::contains(format!(
            "flake.lock locks {HELPERS_NAR_HASH}: refused"
        )));
    assert_eq!(kept(cache.path()), Vec::<String>::new());

    // The matching archive: fetched from the forge's URL, checked, kept.
    run("good", true)
        .success()
        .stdout(predicate::str::contains("\"/srv/fetched/chat/chat.db\""));
    let digest = atelier::flake::nar::parse_sri(HELPERS_NAR_HASH).unwrap();
    assert_eq!(
        kept(cache.path()),
        [format!(
            "{}-source",
            atelier::flake::nar::to_base32(&digest)
        )]
    );

    // Offline: the server is gone, the kept source is used (no flag needed).
    drop(server);
    run("good", false)
        .success()
        .stdout(predicate::str::contains("\"/srv/fetched/chat/chat.db\""));
}

#[test]
fn fetch_inputs_downloads_github_archives() {
    forge_fetch("github", "ATELIER_GITHUB_URL", |o, r, rev| {
        format!("/{o}/{r}/archive/{rev}.tar.gz")
    });
}

#[test]
fn fetch_inputs_downloads_gitlab_archives() {
    forge_fetch("gitlab", "ATELIER_GITLAB_URL", |o, r, rev| {
        format!("/api/v4/projects/{o}%2F{r}/repository/archive.tar.gz?sha={rev}")
    });
}

#[test]
fn fetch_inputs_downloads_sourcehut_archives() {
    forge_fetch("sourcehut", "ATELIER_SOURCEHUT_URL", |o, r, rev| {
        format!("/{o}/{r}/archive/{rev}.tar.gz")
    });
}

/// Copies `src` to `dst` (a new directory).
fn copy_tree(src: &Path, dst: &Path) {
    for entry in walkdir::WalkDir::new(src) {
        let entry = entry.unwrap();
        let target = dst.join(entry.path().strip_prefix(src).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// The fixture of `fetched/` with a lock whose `helpers` has the narHash of
/// helpers-src (URLs that lead nowhere: nothing may be downloaded).
fn locked_flake() -> tempfile::TempDir {
    let flake = tempfile::tempdir().unwrap();
    for f in ["flake.nix", "host.nix"] {
        std::fs::copy(data("fetched").join(f), flake.path().join(f)).unwrap();
    }
    let lock = serde_json::json!({
        "version": 7,
        "root": "root",
        "nodes": {
            "root": { "inputs": { "helpers": "helpers" } },
            "helpers": {
                "locked": { "type": "github", "owner": "example", "repo": "helpers", "rev": "0123abc", "narHash": HELPERS_NAR_HASH },
                "original": { "type": "github", "owner": "example", "repo": "helpers" }
            }
        }
    });
    std::fs::write(
        flake.path().join("flake.lock"),
        serde_json::to_string_pretty(&lock).unwrap(),
    )
    .unwrap();
    flake
}

#[test]
fn an_input_in_the_nix_store_is_found_by_its_nar_hash() {
    let flake = locked_flake();
    let store = tempfile::tempdir().unwrap();
    let store_dir = store.path().join("store");
    let digest = atelier::flake::nar::parse_sri(HELPERS_NAR_HASH).unwrap();
    let path =
        atelier::flake::nar::fixed_output_path(store_dir.to_str().unwrap(), &digest, "source");
    copy_tree(&data("fetched/helpers-src"), Path::new(&path));
    let cache = tempfile::tempdir().unwrap();
    let plan = |store: &Path| {
        gen()
            .args(["--no-cache", "--format", "short", "--cache-dir"])
            .arg(cache.path())
            .arg("plan")
            .arg(flake.path())
            .args(["--host", "good", "--json"])
            .env("NIX_STORE_DIR", store)
            .env_remove("ATELIER_FETCH_INPUTS")
            .assert()
    };
    plan(&store_dir)
        .success()
        .stderr("")
        .stdout(predicate::str::contains("\"/srv/fetched/chat/chat.db\""));
    // Another store, without it: the input is missing, nothing is fetched.
    plan(&store.path().join("empty"))
        .code(1)
        .stderr(predicate::str::contains(
            "flake input `helpers` has no source here",
        ));
    assert!(kept(cache.path()).is_empty());
}

#[test]
fn evaluation_cache_knows_overrides_and_trusts_store_paths() {
    let flake = locked_flake();
    let store = tempfile::tempdir().unwrap();
    let store_dir = store.path().join("store");
    let digest = atelier::flake::nar::parse_sri(HELPERS_NAR_HASH).unwrap();
    let path =
        atelier::flake::nar::fixed_output_path(store_dir.to_str().unwrap(), &digest, "source");
    copy_tree(&data("fetched/helpers-src"), Path::new(&path));
    let checkout = tempfile::tempdir().unwrap();
    copy_tree(&data("fetched/helpers-src"), &checkout.path().join("h"));
    let lib = checkout.path().join("h/lib/default.nix");
    std::fs::write(
        &lib,
        std::fs::read_to_string(&lib)
            .unwrap()
            .replace("fetched", "checkout"),
    )
    .unwrap();
    let cache = tempfile::tempdir().unwrap();
    let plan = |over: bool| {
        let mut c = gen();
        c.args(["-v", "--format", "short", "--cache-dir"])
            .arg(cache.path())
            .arg("plan")
            .arg(flake.path())
            .args(["--host", "good", "--json"])
            .env("NIX_STORE_DIR", &store_dir)
            .env_remove("ATELIER_GEN_NO_CACHE")
            .env_remove("ATELIER_FETCH_INPUTS");
        if over {
            c.arg("--override-input")
                .arg("helpers")
                .arg(checkout.path().join("h"));
        }
        let out = c.output().unwrap();
        assert!(out.status.success(), "{out:?}");
        (
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    };
    let (out, err) = plan(false);
    assert!(out.contains("/srv/fetched/chat/chat.db"), "{out}");
    assert!(err.contains("not in the cache yet"), "{err}");
    let (out, err) = plan(false);
    assert!(out.contains("/srv/fetched/chat/chat.db"), "{out}");
    assert!(err.contains("from the cache"), "{err}");
    // The same files with an override evaluate differently: not a hit.
    let (out, err) = plan(true);
    assert!(out.contains("/srv/checkout/chat/chat.db"), "{out}");
    assert!(err.contains("not in the cache yet"), "{err}");
    // An override's files are checked like the flake's own.
    std::fs::write(
        &lib,
        std::fs::read_to_string(&lib)
            .unwrap()
            .replace("checkout", "edited"),
    )
    .unwrap();
    let (out, err) = plan(true);
    assert!(out.contains("/srv/edited/chat/chat.db"), "{out}");
    assert!(err.contains("was edited since it was cached"), "{err}");
    // The store path going away is noticed.
    std::fs::remove_dir_all(&store_dir).unwrap();
    let c = gen()
        .args(["-v", "--format", "short", "--cache-dir"])
        .arg(cache.path())
        .arg("plan")
        .arg(flake.path())
        .args(["--host", "good"])
        .env("NIX_STORE_DIR", &store_dir)
        .env_remove("ATELIER_GEN_NO_CACHE")
        .env_remove("ATELIER_FETCH_INPUTS")
        .output()
        .unwrap();
    let err = String::from_utf8(c.stderr).unwrap();
    assert!(
        err.contains("appeared or went since it was cached"),
        "{err}"
    );
}

#[test]
fn fetch_inputs_clones_a_git_input_at_its_locked_revision() {
    if std::process::Command::new("git")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("SKIP: git is not installed");
        return;
    }
    let repo = tempfile::tempdir().unwrap();
    let r = repo.path().join("helpers");
    copy_tree(&data("fetched/helpers-src"), &r);
    let git = |args: &[&str]| {
        let o = std::process::Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.invalid"])
            .args(args)
            .current_dir(&r)
            .output()
            .unwrap();
        assert!(o.status.success(), "{o:?}");
        String::from_utf8(o.stdout).unwrap().trim().to_owned()
    };
    git(&["init", "--quiet"]);
    git(&["add", "."]);
    git(&["commit", "--quiet", "-m", "locked"]);
    let rev = git(&["rev-parse", "HEAD"]);
    // A later commit: the locked revision, not the tip, is what is kept.
    std::fs::write(r.join("later.nix"), "{ }").unwrap();
    git(&["add", "."]);
    git(&["commit", "--quiet", "-m", "later"]);
    let flake = locked_flake();
    let url = format!("file://{}", r.display());
    let lock = serde_json::json!({
        "version": 7,
        "root": "root",
        "nodes": {
            "root": { "inputs": { "helpers": "helpers" } },
            "helpers": {
                "locked": { "type": "git", "url": url, "rev": rev, "narHash": HELPERS_NAR_HASH },
                "original": { "type": "git", "url": url }
            }
        }
    });
    std::fs::write(flake.path().join("flake.lock"), lock.to_string()).unwrap();
    let cache = tempfile::tempdir().unwrap();
    gen()
        .args(["--no-cache", "--format", "short", "--cache-dir"])
        .arg(cache.path())
        .arg("plan")
        .arg(flake.path())
        .args(["--host", "good", "--json", "--fetch-inputs"])
        .env("NIX_STORE_DIR", cache.path().join("no-store"))
        .assert()
        .success()
        .stderr("")
        .stdout(predicate::str::contains("\"/srv/fetched/chat/chat.db\""));
    let digest = atelier::flake::nar::parse_sri(HELPERS_NAR_HASH).unwrap();
    let kept_dir = cache.path().join("inputs").join(format!(
        "{}-source",
        atelier::flake::nar::to_base32(&digest)
    ));
    assert!(kept_dir.join("flake.nix").is_file());
    assert!(!kept_dir.join("later.nix").exists());
    assert!(!kept_dir.join(".git").exists());
}

#[test]
fn an_override_of_no_input_is_a_warning() {
    gen()
        .args(["--no-cache", "--format", "short", "plan"])
        .arg(data("import-tree"))
        .args(["--override-input", "import-tre", "/nonexistent"])
        .assert()
        .stderr(predicate::str::contains(
            "warning[override-input]: --override-input import-tre: the flake has no input `import-tre`; the override is not used",
        ));
}

#[test]
fn an_override_path_that_is_not_there_is_an_error() {
    gen()
        .args(["--no-cache", "--format", "short", "plan"])
        .arg(data("import-tree"))
        .args([
            "--override-input",
            "import-tree",
            "/nonexistent/import-tree",
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "error[override-input]: --override-input import-tree: /nonexistent/import-tree:",
        ));
}

#[test]
fn a_flake_in_a_sub_directory_of_its_source_is_read_there() {
    // The source holds the helpers flake under `nix/` (`?dir=nix`).
    let staging = tempfile::tempdir().unwrap();
    let tree = staging.path().join("tree");
    copy_tree(&data("fetched/helpers-src"), &tree.join("nix"));
    std::fs::write(tree.join("README"), "not a flake\n").unwrap();
    let digest = atelier::flake::nar::nar_sha256(&tree).unwrap();
    let store = tempfile::tempdir().unwrap();
    let store_dir = store.path().join("store");
    let path =
        atelier::flake::nar::fixed_output_path(store_dir.to_str().unwrap(), &digest, "source");
    copy_tree(&tree, Path::new(&path));
    let flake = locked_flake();
    let sri = atelier::flake::nar::to_sri(&digest);
    let lock = serde_json::json!({
        "version": 7,
        "root": "root",
        "nodes": {
            "root": { "inputs": { "helpers": "helpers" } },
            "helpers": {
                "locked": { "type": "github", "owner": "example", "repo": "helpers", "rev": "0123abc", "dir": "nix", "narHash": sri },
                "original": { "type": "github", "owner": "example", "repo": "helpers", "dir": "nix" }
            }
        }
    });
    std::fs::write(flake.path().join("flake.lock"), lock.to_string()).unwrap();
    gen()
        .args(["--no-cache", "--format", "short", "plan"])
        .arg(flake.path())
        .args(["--host", "good", "--json"])
        .env("NIX_STORE_DIR", &store_dir)
        .env_remove("ATELIER_FETCH_INPUTS")
        .assert()
        .success()
        .stderr("")
        .stdout(predicate::str::contains("\"/srv/fetched/chat/chat.db\""));
}

#[test]
fn a_framework_in_the_store_whose_source_fails_keeps_built_in_knowledge() {
    // A "flake-parts" whose real code fails: found in the store, it is
    // evaluated, fails, and gets built-in knowledge instead, so the flake
    // reads as before, and nothing is fetched for it.
    let staging = tempfile::tempdir().unwrap();
    let tree = staging.path().join("fp");
    std::fs::create_dir_all(&tree).unwrap();
    std::fs::write(
        tree.join("flake.nix"),
        "{ outputs = _: throw \"the real flake-parts was evaluated\"; }\n",
    )
    .unwrap();
    let digest = atelier::flake::nar::nar_sha256(&tree).unwrap();
    let store = tempfile::tempdir().unwrap();
    let store_dir = store.path().join("store");
    let path =
        atelier::flake::nar::fixed_output_path(store_dir.to_str().unwrap(), &digest, "source");
    copy_tree(&tree, Path::new(&path));
    let flake = tempfile::tempdir().unwrap();
    std::fs::copy(data("import-tree/host.nix"), flake.path().join("host.nix")).unwrap();
    std::fs::write(
        flake.path().join("flake.nix"),
        r#"{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
  inputs.flake-parts.url = "github:hercules-ci/flake-parts";
  outputs = inputs@{ flake-parts, nixpkgs, ... }:
    flake-parts.lib.mkFlake { inherit inputs; } {
      flake.nixosConfigurations.box = nixpkgs.lib.nixosSystem { modules = [ ./host.nix ]; };
    };
}
"#,
    )
    .unwrap();
    let lock = serde_json::json!({
        "version": 7,
        "root": "root",
        "nodes": {
            "root": { "inputs": { "flake-parts": "flake-parts" } },
            "flake-parts": {
                "locked": { "type": "github", "owner": "hercules-ci", "repo": "flake-parts", "rev": "0123abc", "narHash": atelier::flake::nar::to_sri(&digest) },
                "original": { "type": "github", "owner": "hercules-ci", "repo": "flake-parts" }
            }
        }
    });
    std::fs::write(flake.path().join("flake.lock"), lock.to_string()).unwrap();
    let cache = tempfile::tempdir().unwrap();
    gen()
        .args(["--no-cache", "--format", "short", "--cache-dir"])
        .arg(cache.path())
        .arg("plan")
        .arg(flake.path())
        .arg("--fetch-inputs")
        .env("NIX_STORE_DIR", &store_dir)
        .assert()
        .success()
        .stderr("")
        .stdout("host box: 0 service(s)\n  repository default: /srv/restic\n");
    assert!(kept(cache.path()).is_empty());
    // -v says why its source was not used.
    gen()
        .args(["-v", "--no-cache", "--format", "short", "plan"])
        .arg(flake.path())
        .env("NIX_STORE_DIR", &store_dir)
        .env_remove("ATELIER_FETCH_INPUTS")
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "atelier-gen: host box: input `flake-parts`: built-in knowledge used, although its source is here: the evaluation with its source failed (error[",
        ))
        .stderr(predicate::str::contains("the real flake-parts was evaluated"));
    // Asked for by name, its source is evaluated.
    gen()
        .args(["--no-cache", "--format", "short", "plan"])
        .arg(flake.path())
        .arg("--override-input")
        .arg("flake-parts")
        .arg(&path)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "the real flake-parts was evaluated",
        ));
}

/// A source given by a variable naming a checkout, or a visible SKIP.
fn source_var(var: &str, what: &str) -> Option<PathBuf> {
    let v = std::env::var_os(var).map(PathBuf::from);
    if v.is_none() {
        eprintln!("SKIP: {var} ({what}) is not set");
    }
    v
}

/// `plan --json --host <host>` of tests/data/discover/ok/<case>, with these
/// overrides; it must succeed without a diagnostic.
fn discover_plan(case: &str, host: &str, overrides: &[(&str, &Path)]) -> String {
    let (plan, stderr) = discover_output(case, host, overrides);
    assert!(
        stderr.is_empty(),
        "{case} with {overrides:?}: a diagnostic\n{stderr}"
    );
    plan
}

/// The plan of `host` in `case` with the frameworks' real sources equals
/// its plan from built-in knowledge (which `gen_discover` checks against its
/// snapshot), and names `service`.
fn same_plan_from_real_sources(case: &str, host: &str, service: &str, overrides: &[(&str, &Path)]) {
    let built_in = discover_plan(case, host, &[]);
    let real = discover_plan(case, host, overrides);
    assert!(
        built_in.contains(&format!("\"{service}\": {{")),
        "{case}: {built_in}"
    );
    assert_eq!(real, built_in, "{case}: real sources plan differently");
}

/// A flake's own `mkFlake` whose outputs `//` per-system sets filtered by a
/// value only Nix knows (hlissner/dotfiles): with nixpkgs' real
/// `filterAttrs` (`removeAttrs set (filter … (attrNames set))`) the hosts
/// are known as with the built-in one.
#[test]
fn names_filtered_by_nixpkgs_real_filter_attrs_stay_bounded() {
    let Some(lib) = source_var("ATELIER_NIXPKGS_LIB", "a nixpkgs lib/ directory") else {
        return;
    };
    same_plan_from_real_sources(
        "own-mkflake-persystem",
        "cellar",
        "ledger",
        &[("nixpkgs", lib.parent().unwrap())],
    );
}

#[test]
fn flake_parts_evaluates_from_its_real_source() {
    let (Some(fp), Some(lib)) = (
        source_var(
            "ATELIER_FLAKE_PARTS_SRC",
            "a checkout of hercules-ci/flake-parts",
        ),
        source_var("ATELIER_NIXPKGS_LIB", "a nixpkgs lib/ directory"),
    ) else {
        return;
    };
    let nixpkgs = lib.parent().unwrap();
    // Hosts in mkFlake's `flake` argument.
    same_plan_from_real_sources(
        "flake-parts-flake-arg",
        "box",
        "notes",
        &[
            ("flake-parts", &fp),
            ("flake-parts/nixpkgs-lib", nixpkgs),
            ("nixpkgs", nixpkgs),
        ],
    );
    // Hosts set by an imported flake module (readDir, mapAttrs,
    // withSystem, importApply, `_module.args`, flakeModules.easyOverlay).
    same_plan_from_real_sources(
        "flake-parts-hosts-module",
        "alpha",
        "wiki",
        &[
            ("parts", &fp),
            ("parts/nixpkgs-lib", nixpkgs),
            ("nixpkgs", nixpkgs),
        ],
    );
    // `parts.lib.evalFlakeModule { inherit inputs; } module`, its
    // `.config.flake` the outputs (stepbrobd/dotfiles' autopilot).
    same_plan_from_real_sources(
        "flake-parts-eval-flake-module",
        "box",
        "notes",
        &[
            ("parts", &fp),
            ("parts/nixpkgs-lib", nixpkgs),
            ("nixpkgs", nixpkgs),
        ],
    );
    // A host table whose type is another option's value, its submodule's
    // defaults in the plan.
    same_plan_from_real_sources(
        "flake-parts-option-type-from-config",
        "alpha",
        "data",
        &[
            ("flake-parts", &fp),
            ("flake-parts/nixpkgs-lib", nixpkgs),
            ("nixpkgs", nixpkgs),
        ],
    );
    // Hosts in a table of freeform submodules, made outputs by an inner
    // `lib.evalModules` whose `flake` option is a freeform submodule (den's
    // shape): with the real sources, nixpkgs' own module system runs.
    for host in ["alpha", "beta"] {
        same_plan_from_real_sources(
            "flake-parts-freeform-hosts",
            host,
            "data",
            &[
                ("flake-parts", &fp),
                ("flake-parts/nixpkgs-lib", nixpkgs),
                ("nixpkgs", nixpkgs),
            ],
        );
    }
}

/// flake-parts' `flakeModules.partitions` (DaRacci/nix-config): hosts in a
/// partition (`partitionedAttrs.nixosConfigurations`), its module given in
/// two definitions, its `extraInputs` among the inputs, the partitioned
/// attribute winning over the top level's own (`lib.mkForce`); and the
/// `flake` option as the submodule it is (oddlama/nix-config: `flake = {
/// config, lib, ... }: …` beside plain definitions and a module file).
#[test]
fn flake_parts_partitions_and_flake_modules_evaluate_from_the_real_source() {
    let (Some(fp), Some(lib)) = (
        source_var(
            "ATELIER_FLAKE_PARTS_SRC",
            "a checkout of hercules-ci/flake-parts",
        ),
        source_var("ATELIER_NIXPKGS_LIB", "a nixpkgs lib/ directory"),
    ) else {
        return;
    };
    let nixpkgs = lib.parent().unwrap();
    for (case, parts) in [
        ("flake-parts-partitions", "parts"),
        ("flake-parts-flake-module", "flake-parts"),
    ] {
        let parts_lib = format!("{parts}/nixpkgs-lib");
        let overrides: &[(&str, &Path)] =
            &[(parts, &fp), (&parts_lib, nixpkgs), ("nixpkgs", nixpkgs)];
        same_plan_from_real_sources(case, "alpha", "wiki", overrides);
        // The host without a service: the same one, too.
        assert_eq!(
            discover_plan(case, "beta", overrides),
            discover_plan(case, "beta", &[]),
            "{case}: real sources plan beta differently"
        );
    }
}

#[test]
fn import_tree_in_flake_parts_evaluates_from_real_sources() {
    let (Some(it), Some(fp), Some(lib)) = (
        source_var("ATELIER_IMPORT_TREE_SRC", "a checkout of vic/import-tree"),
        source_var(
            "ATELIER_FLAKE_PARTS_SRC",
            "a checkout of hercules-ci/flake-parts",
        ),
        source_var("ATELIER_NIXPKGS_LIB", "a nixpkgs lib/ directory"),
    ) else {
        return;
    };
    let nixpkgs = lib.parent().unwrap();
    // The dendritic layout: every flake-parts module and the host's NixOS
    // services found by import-tree, `_`-prefixed paths skipped.
    same_plan_from_real_sources(
        "import-tree-dendritic",
        "box",
        "forum",
        &[
            ("flake-parts", &fp),
            ("flake-parts/nixpkgs-lib", nixpkgs),
            ("import-tree", &it),
            ("nixpkgs", nixpkgs),
        ],
    );
}

#[test]
fn haumea_evaluates_from_its_real_source() {
    let (Some(haumea), Some(lib)) = (
        source_var("ATELIER_HAUMEA_SRC", "a checkout of nix-community/haumea"),
        source_var("ATELIER_NIXPKGS_LIB", "a nixpkgs lib/ directory"),
    ) else {
        return;
    };
    let nixpkgs = lib.parent().unwrap();
    // `haumea.lib.load` of a directory of host files (`_` files left out);
    // haumea's flake is `lib = import self { ... }`.
    same_plan_from_real_sources(
        "haumea",
        "box",
        "journal",
        &[
            ("haumea", &haumea),
            ("haumea/nixpkgs", nixpkgs),
            ("nixpkgs", nixpkgs),
        ],
    );
}

/// `plan --json --host <host>` of tests/data/discover/ok/<case>: stdout and
/// stderr (warnings included), with these overrides; it must exit 0.
fn discover_output(case: &str, host: &str, overrides: &[(&str, &Path)]) -> (String, String) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/discover/ok")
        .join(case);
    let mut cmd = gen();
    cmd.args(["--no-cache", "--format", "short", "plan", "--json"])
        .arg(&dir)
        .args(["--host", host]);
    for (name, path) in overrides {
        cmd.arg("--override-input").arg(name).arg(path);
    }
    let out = cmd.env_remove("ATELIER_FETCH_INPUTS").output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "{case} with {overrides:?}: exit {:?}\n{stderr}",
        out.status.code()
    );
    (String::from_utf8(out.stdout).unwrap(), stderr)
}

#[test]
fn ez_configs_evaluates_from_its_real_source() {
    let (Some(fp), Some(ez), Some(lib)) = (
        source_var(
            "ATELIER_FLAKE_PARTS_SRC",
            "a checkout of hercules-ci/flake-parts",
        ),
        source_var("ATELIER_EZ_CONFIGS_SRC", "a checkout of ehllie/ez-configs"),
        source_var("ATELIER_NIXPKGS_LIB", "a nixpkgs lib/ directory"),
    ) else {
        return;
    };
    let nixpkgs = lib.parent().unwrap();
    // ez-configs builds `"${cfg.root}/nixos-configurations"`: a store path
    // that reads back as the flake's own directory.
    let overrides: &[(&str, &Path)] = &[
        ("flake-parts", &fp),
        ("flake-parts/nixpkgs-lib", nixpkgs),
        ("nixpkgs", nixpkgs),
        ("ez-configs", &ez),
    ];
    for host in ["box", "web"] {
        let built_in = discover_output("ez-configs", host, &[]);
        let real = discover_output("ez-configs", host, overrides);
        assert_eq!(
            real, built_in,
            "ez-configs {host}: real sources plan differently"
        );
    }
    let (box_plan, _) = discover_output("ez-configs", "box", overrides);
    assert!(
        box_plan.contains("\"bookmarks\": {") && box_plan.contains("\"calendar\": {"),
        "{box_plan}"
    );
}

#[test]
fn nixos_unified_evaluates_from_its_real_source() {
    let (Some(fp), Some(nu), Some(lib)) = (
        source_var(
            "ATELIER_FLAKE_PARTS_SRC",
            "a checkout of hercules-ci/flake-parts",
        ),
        source_var(
            "ATELIER_NIXOS_UNIFIED_SRC",
            "a checkout of srid/nixos-unified",
        ),
        source_var("ATELIER_NIXPKGS_LIB", "a nixpkgs lib/ directory"),
    ) else {
        return;
    };
    let nixpkgs = lib.parent().unwrap();
    let overrides: &[(&str, &Path)] = &[
        ("flake-parts", &fp),
        ("flake-parts/nixpkgs-lib", nixpkgs),
        ("nixpkgs", nixpkgs),
        ("nixos-unified", &nu),
    ];
    let built_in = discover_output("nixos-unified", "kitchen", &[]);
    let real = discover_output("nixos-unified", "kitchen", overrides);
    assert!(built_in.0.contains("\"recipes\": {"), "{}", built_in.0);
    assert_eq!(
        real, built_in,
        "nixos-unified: real sources plan differently"
    );
}

/// A Nix store of its own (`NIX_STORE_DIR`): sources placed at the paths
/// their NAR hashes determine, as `nix flake archive` leaves them.
struct Store {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

impl Store {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store");
        std::fs::create_dir_all(&path).unwrap();
        Store { _dir: dir, path }
    }

    /// Copies `src` (symlinks kept) to its store path; its narHash (SRI) for
    /// flake.lock.
    fn add(&self, src: &Path) -> String {
        let digest = atelier::flake::nar::nar_sha256(src).unwrap();
        let dst = PathBuf::from(atelier::flake::nar::fixed_output_path(
            self.path.to_str().unwrap(),
            &digest,
            "source",
        ));
        if !dst.exists() {
            for entry in walkdir::WalkDir::new(src) {
                let entry = entry.unwrap();
                let target = dst.join(entry.path().strip_prefix(src).unwrap());
                if entry.path_is_symlink() {
                    let to = std::fs::read_link(entry.path()).unwrap();
                    std::os::unix::fs::symlink(to, &target).unwrap();
                } else if entry.file_type().is_dir() {
                    std::fs::create_dir_all(&target).unwrap();
                } else {
                    std::fs::copy(entry.path(), &target).unwrap();
                }
            }
        }
        atelier::flake::nar::to_sri(&digest)
    }

    /// Where a source with this narHash (SRI) is in this store.
    fn path_of(&self, nar_hash: &str) -> PathBuf {
        let digest = atelier::flake::nar::parse_sri(nar_hash).unwrap();
        PathBuf::from(atelier::flake::nar::fixed_output_path(
            self.path.to_str().unwrap(),
            &digest,
            "source",
        ))
    }
}

/// A flake.lock node for a GitHub flake with this narHash and these inputs
/// (node names, or follows paths).
fn github_node(repo: &str, nar_hash: &str, inputs: &serde_json::Value) -> serde_json::Value {
    serde_json::json!({
        "inputs": inputs,
        "locked": { "type": "github", "owner": "example", "repo": repo, "rev": "0123abc", "narHash": nar_hash },
        "original": { "type": "github", "owner": "example", "repo": repo }
    })
}

/// A copy of a fixture flake, removed when dropped.
struct Copied {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

impl Copied {
    fn path(&self) -> &Path {
        &self.path
    }
}

/// tests/data/discover/ok/<case> copied to a new directory of the same
/// name (frameworks that interpolate the flake's root make a store path
/// named after it), with this flake.lock (`nodes`: the nodes besides the
/// root; `root`: the root's inputs).
fn locked_case(case: &str, root: &serde_json::Value, nodes: serde_json::Value) -> Copied {
    let dir = tempfile::tempdir().unwrap();
    let flake = Copied {
        path: dir.path().join(case),
        _dir: dir,
    };
    copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/discover/ok")
            .join(case),
        flake.path(),
    );
    let mut nodes = nodes;
    nodes["root"] = serde_json::json!({ "inputs": root });
    let lock = serde_json::json!({ "version": 7, "root": "root", "nodes": nodes });
    std::fs::write(
        flake.path().join("flake.lock"),
        serde_json::to_string_pretty(&lock).unwrap(),
    )
    .unwrap();
    flake
}

/// `atelier-gen -v plan --json --host <host>` of `flake` with `store` as
/// the Nix store: stdout and stderr; it must exit 0.
fn plan_with_store(flake: &Path, host: &str, store: &Path) -> (String, String) {
    let out = gen()
        .args(["-v", "--no-cache", "--format", "short", "plan", "--json"])
        .arg(flake)
        .args(["--host", host])
        .env("NIX_STORE_DIR", store)
        .env_remove("ATELIER_FETCH_INPUTS")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "{} {host}: exit {:?}\n{stderr}",
        flake.display(),
        out.status.code()
    );
    (String::from_utf8(out.stdout).unwrap(), stderr)
}

/// The diagnostics in `stderr` (not atelier-gen's own `-v` lines).
fn diagnostics_of(stderr: &str) -> String {
    stderr
        .lines()
        .filter(|l| !l.starts_with("atelier-gen: "))
        .flat_map(|l| [l, "\n"])
        .collect()
}

/// The plan of `host` with the lock's sources in `store` equals its plan
/// from built-in knowledge (the same flake and lock, an empty store), with
/// the same diagnostics; `-v` says that each of `real` was evaluated from
/// its source in the store. The plan names `service`, when given.
fn same_plan_from_the_store(
    flake: &Path,
    host: &str,
    service: Option<&str>,
    store: &Store,
    real: &[&str],
) {
    let empty = store.path.with_file_name("empty-store");
    std::fs::create_dir_all(&empty).unwrap();
    let (built_in, quiet) = plan_with_store(flake, host, &empty);
    if let Some(service) = service {
        assert!(
            built_in.contains(&format!("\"{service}\": {{")),
            "{host}: {built_in}"
        );
        assert_eq!(diagnostics_of(&quiet), "", "{host}");
    }
    assert!(!quiet.contains("from its source"), "{quiet}");
    let (from_store, said) = plan_with_store(flake, host, &store.path);
    assert_eq!(
        from_store, built_in,
        "{host}: the store's sources plan differently\n{said}"
    );
    assert_eq!(diagnostics_of(&said), diagnostics_of(&quiet), "{host}");
    for input in real {
        assert!(
            said.contains(&format!(
                "atelier-gen: host {host}: input `{input}`: evaluated from its source in the Nix store ({}/",
                store.path.display()
            )),
            "`{input}` was not evaluated from the store:\n{said}"
        );
    }
    assert!(!said.contains("built-in knowledge used"), "{said}");
}

#[test]
fn flake_parts_in_the_store_is_evaluated_from_its_source() {
    let (Some(fp), Some(lib)) = (
        source_var(
            "ATELIER_FLAKE_PARTS_SRC",
            "a checkout of hercules-ci/flake-parts",
        ),
        source_var("ATELIER_NIXPKGS_LIB", "a nixpkgs lib/ directory"),
    ) else {
        return;
    };
    let store = Store::new();
    let nixpkgs = store.add(lib.parent().unwrap());
    let parts = store.add(&fp);
    let nodes = serde_json::json!({
        "nixpkgs": github_node("nixpkgs", &nixpkgs, &serde_json::json!({})),
        "flake-parts": github_node("flake-parts", &parts, &serde_json::json!({ "nixpkgs-lib": ["nixpkgs"] })),
    });
    let flake = locked_case(
        "flake-parts-flake-arg",
        &serde_json::json!({ "nixpkgs": "nixpkgs", "flake-parts": "flake-parts", "stable": ["nixpkgs"] }),
        nodes.clone(),
    );
    same_plan_from_the_store(
        flake.path(),
        "box",
        Some("notes"),
        &store,
        // `flake-parts/nixpkgs-lib` follows `nixpkgs` in the lock: it is
        // that input, named once.
        &["flake-parts", "nixpkgs"],
    );
    let flake = locked_case(
        "flake-parts-hosts-module",
        &serde_json::json!({ "nixpkgs": "nixpkgs", "parts": "flake-parts" }),
        nodes,
    );
    same_plan_from_the_store(flake.path(), "alpha", Some("wiki"), &store, &["parts"]);
}

#[test]
fn a_framework_in_the_store_whose_input_is_missing_keeps_built_in_knowledge() {
    let (Some(fp), Some(lib)) = (
        source_var(
            "ATELIER_FLAKE_PARTS_SRC",
            "a checkout of hercules-ci/flake-parts",
        ),
        source_var("ATELIER_NIXPKGS_LIB", "a nixpkgs lib/ directory"),
    ) else {
        return;
    };
    let store = Store::new();
    let nixpkgs = store.add(lib.parent().unwrap());
    let parts = store.add(&fp);
    // flake-parts' own `nixpkgs-lib` is locked to a source this store
    // does not hold (the hash of an empty directory's NAR).
    let absent = tempfile::tempdir().unwrap();
    let missing =
        atelier::flake::nar::to_sri(&atelier::flake::nar::nar_sha256(absent.path()).unwrap());
    let flake = locked_case(
        "flake-parts-hosts-module",
        &serde_json::json!({ "nixpkgs": "nixpkgs", "parts": "flake-parts" }),
        serde_json::json!({
            "nixpkgs": github_node("nixpkgs", &nixpkgs, &serde_json::json!({})),
            "nixpkgs-lib": github_node("nixpkgs.lib", &missing, &serde_json::json!({})),
            "flake-parts": github_node("flake-parts", &parts, &serde_json::json!({ "nixpkgs-lib": "nixpkgs-lib" })),
        }),
    );
    let empty = store.path.with_file_name("empty-store");
    std::fs::create_dir_all(&empty).unwrap();
    let (built_in, _) = plan_with_store(flake.path(), "alpha", &empty);
    assert!(built_in.contains("\"wiki\": {"), "{built_in}");
    let (plan, said) = plan_with_store(flake.path(), "alpha", &store.path);
    assert_eq!(plan, built_in, "{said}");
    assert!(
        !said.contains("error[") && !said.contains("warning["),
        "{said}"
    );
    assert!(
        said.contains(
            "atelier-gen: host alpha: input `parts`: built-in knowledge used, although its source is here: its input `parts/nixpkgs-lib` has no source here"
        ),
        "{said}"
    );
    assert!(
        !said.contains("input `parts`: evaluated from its source"),
        "{said}"
    );
    // Without -v nothing is said: the plan is the same as ever.
    gen()
        .args(["--no-cache", "--format", "short", "plan", "--json"])
        .arg(flake.path())
        .args(["--host", "alpha"])
        .env("NIX_STORE_DIR", &store.path)
        .env_remove("ATELIER_FETCH_INPUTS")
        .assert()
        .success()
        .stderr("")
        .stdout(built_in);
}

#[test]
fn a_store_framework_s_input_appearing_later_is_noticed_by_the_cache() {
    let (Some(fp), Some(lib)) = (
        source_var(
            "ATELIER_FLAKE_PARTS_SRC",
            "a checkout of hercules-ci/flake-parts",
        ),
        source_var("ATELIER_NIXPKGS_LIB", "a nixpkgs lib/ directory"),
    ) else {
        return;
    };
    // The store holds flake-parts; nixpkgs (also flake-parts' nixpkgs-lib)
    // comes later, as when `nix flake archive` is run afterwards.
    let store = Store::new();
    let parts = store.add(&fp);
    let nixpkgs = store.add(lib.parent().unwrap());
    let aside = store.path.with_file_name("aside");
    std::fs::rename(store.path_of(&nixpkgs), &aside).unwrap();
    let flake = locked_case(
        "flake-parts-hosts-module",
        &serde_json::json!({ "nixpkgs": "nixpkgs", "parts": "flake-parts" }),
        serde_json::json!({
            "nixpkgs": github_node("nixpkgs", &nixpkgs, &serde_json::json!({})),
            "flake-parts": github_node("flake-parts", &parts, &serde_json::json!({ "nixpkgs-lib": "nixpkgs" })),
        }),
    );
    let cache = tempfile::tempdir().unwrap();
    let plan = || {
        let out = gen()
            .args(["-v", "--format", "short", "--cache-dir"])
            .arg(cache.path())
            .args(["plan", "--json"])
            .arg(flake.path())
            .args(["--host", "alpha"])
            .env("NIX_STORE_DIR", &store.path)
            .env_remove("ATELIER_GEN_NO_CACHE")
            .env_remove("ATELIER_FETCH_INPUTS")
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        (
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    };
    let (built_in, said) = plan();
    assert!(built_in.contains("\"wiki\": {"), "{built_in}");
    assert!(said.contains("not in the cache yet"), "{said}");
    assert!(
        said.contains("input `parts`: built-in knowledge used, although its source is here: its input `parts/nixpkgs-lib` has no source here"),
        "{said}"
    );
    let (again, said) = plan();
    assert_eq!(again, built_in);
    assert!(said.contains("from the cache"), "{said}");
    // nixpkgs arrives in the store: the cached result no longer holds.
    std::fs::rename(&aside, store.path_of(&nixpkgs)).unwrap();
    let (real, said) = plan();
    assert_eq!(real, built_in, "{said}");
    assert!(
        said.contains("appeared or went since it was cached"),
        "{said}"
    );
    assert!(
        said.contains("input `parts`: evaluated from its source in the Nix store"),
        "{said}"
    );
    assert!(!said.contains("built-in knowledge used"), "{said}");
}

#[test]
fn a_framework_in_the_store_without_its_input_reads_as_before() {
    // A "haumea" whose real code needs its own `nixpkgs`, which is locked
    // but nowhere here: built-in knowledge, the same plan, exit 0.
    let staging = tempfile::tempdir().unwrap();
    let tree = staging.path().join("haumea");
    std::fs::create_dir_all(&tree).unwrap();
    std::fs::write(
        tree.join("flake.nix"),
        "{ inputs.nixpkgs.url = \"github:nix-community/nixpkgs.lib\";\n  outputs = { nixpkgs, ... }: { lib = nixpkgs.lib.haumea; }; }\n",
    )
    .unwrap();
    let store = Store::new();
    let haumea = store.add(&tree);
    let absent = tempfile::tempdir().unwrap();
    let missing =
        atelier::flake::nar::to_sri(&atelier::flake::nar::nar_sha256(absent.path()).unwrap());
    let flake = locked_case(
        "haumea",
        &serde_json::json!({ "haumea": "haumea" }),
        serde_json::json!({
            "haumea": github_node("haumea", &haumea, &serde_json::json!({ "nixpkgs": "nixpkgs-lib" })),
            "nixpkgs-lib": github_node("nixpkgs.lib", &missing, &serde_json::json!({})),
        }),
    );
    let empty = store.path.with_file_name("empty-store");
    std::fs::create_dir_all(&empty).unwrap();
    let (built_in, quiet) = plan_with_store(flake.path(), "box", &empty);
    assert!(built_in.contains("\"journal\": {"), "{built_in}");
    let (plan, said) = plan_with_store(flake.path(), "box", &store.path);
    assert_eq!(plan, built_in, "{said}");
    assert_eq!(diagnostics_of(&said), diagnostics_of(&quiet));
    assert!(
        said.contains("atelier-gen: host box: input `haumea`: built-in knowledge used, although its source is here: its input `haumea/nixpkgs` has no source here"),
        "{said}"
    );
}

#[test]
fn import_tree_and_flake_parts_in_the_store_are_evaluated_from_their_sources() {
    let (Some(it), Some(fp), Some(lib)) = (
        source_var("ATELIER_IMPORT_TREE_SRC", "a checkout of vic/import-tree"),
        source_var(
            "ATELIER_FLAKE_PARTS_SRC",
            "a checkout of hercules-ci/flake-parts",
        ),
        source_var("ATELIER_NIXPKGS_LIB", "a nixpkgs lib/ directory"),
    ) else {
        return;
    };
    let store = Store::new();
    let nixpkgs = store.add(lib.parent().unwrap());
    let parts = store.add(&fp);
    let tree = store.add(&it);
    let flake = locked_case(
        "import-tree-dendritic",
        &serde_json::json!({ "nixpkgs": "nixpkgs", "flake-parts": "flake-parts", "import-tree": "import-tree" }),
        serde_json::json!({
            "nixpkgs": github_node("nixpkgs", &nixpkgs, &serde_json::json!({})),
            "flake-parts": github_node("flake-parts", &parts, &serde_json::json!({ "nixpkgs-lib": ["nixpkgs"] })),
            "import-tree": github_node("import-tree", &tree, &serde_json::json!({})),
        }),
    );
    same_plan_from_the_store(
        flake.path(),
        "box",
        Some("forum"),
        &store,
        &["flake-parts", "import-tree"],
    );
}

#[test]
fn haumea_in_the_store_is_evaluated_from_its_source() {
    let (Some(haumea), Some(lib)) = (
        source_var("ATELIER_HAUMEA_SRC", "a checkout of nix-community/haumea"),
        source_var("ATELIER_NIXPKGS_LIB", "a nixpkgs lib/ directory"),
    ) else {
        return;
    };
    let store = Store::new();
    let nixpkgs = store.add(lib.parent().unwrap());
    let h = store.add(&haumea);
    let flake = locked_case(
        "haumea",
        &serde_json::json!({ "nixpkgs": "nixpkgs", "haumea": "haumea" }),
        serde_json::json!({
            "nixpkgs": github_node("nixpkgs", &nixpkgs, &serde_json::json!({})),
            "haumea": github_node("haumea", &h, &serde_json::json!({ "nixpkgs": ["nixpkgs"] })),
        }),
    );
    same_plan_from_the_store(
        flake.path(),
        "box",
        Some("journal"),
        &store,
        // `haumea/nixpkgs` follows the root's `nixpkgs` in the lock.
        &["haumea", "nixpkgs"],
    );
}

#[test]
fn ez_configs_in_the_store_is_evaluated_from_its_source() {
    let (Some(fp), Some(ez), Some(lib)) = (
        source_var(
            "ATELIER_FLAKE_PARTS_SRC",
            "a checkout of hercules-ci/flake-parts",
        ),
        source_var("ATELIER_EZ_CONFIGS_SRC", "a checkout of ehllie/ez-configs"),
        source_var("ATELIER_NIXPKGS_LIB", "a nixpkgs lib/ directory"),
    ) else {
        return;
    };
    let store = Store::new();
    let nixpkgs = store.add(lib.parent().unwrap());
    let parts = store.add(&fp);
    let e = store.add(&ez);
    let flake = locked_case(
        "ez-configs",
        &serde_json::json!({ "nixpkgs": "nixpkgs", "flake-parts": "flake-parts", "ez-configs": "ez-configs" }),
        serde_json::json!({
            "nixpkgs": github_node("nixpkgs", &nixpkgs, &serde_json::json!({})),
            "flake-parts": github_node("flake-parts", &parts, &serde_json::json!({ "nixpkgs-lib": ["nixpkgs"] })),
            "ez-configs": github_node("ez-configs", &e, &serde_json::json!({ "nixpkgs": ["nixpkgs"], "flake-parts": ["flake-parts"] })),
        }),
    );
    same_plan_from_the_store(
        flake.path(),
        "box",
        Some("bookmarks"),
        &store,
        &["flake-parts", "ez-configs"],
    );
    same_plan_from_the_store(flake.path(), "web", None, &store, &["ez-configs"]);
}

#[test]
fn nixos_unified_in_the_store_is_evaluated_from_its_source() {
    let (Some(fp), Some(nu), Some(lib)) = (
        source_var(
            "ATELIER_FLAKE_PARTS_SRC",
            "a checkout of hercules-ci/flake-parts",
        ),
        source_var(
            "ATELIER_NIXOS_UNIFIED_SRC",
            "a checkout of srid/nixos-unified",
        ),
        source_var("ATELIER_NIXPKGS_LIB", "a nixpkgs lib/ directory"),
    ) else {
        return;
    };
    let store = Store::new();
    let nixpkgs = store.add(lib.parent().unwrap());
    let parts = store.add(&fp);
    let n = store.add(&nu);
    let flake = locked_case(
        "nixos-unified",
        &serde_json::json!({ "nixpkgs": "nixpkgs", "flake-parts": "flake-parts", "nixos-unified": "nixos-unified" }),
        serde_json::json!({
            "nixpkgs": github_node("nixpkgs", &nixpkgs, &serde_json::json!({})),
            "flake-parts": github_node("flake-parts", &parts, &serde_json::json!({ "nixpkgs-lib": ["nixpkgs"] })),
            "nixos-unified": github_node("nixos-unified", &n, &serde_json::json!({})),
        }),
    );
    same_plan_from_the_store(
        flake.path(),
        "kitchen",
        Some("recipes"),
        &store,
        &["flake-parts", "nixos-unified"],
    );
}

#[test]
fn follows_make_an_input_of_an_input_the_one_it_follows() {
    let Some(lib) = source_var("ATELIER_NIXPKGS_LIB", "a nixpkgs lib/ directory") else {
        return;
    };
    let nixpkgs = lib.parent().unwrap();
    let version = std::fs::read_to_string(lib.join(".version")).unwrap();
    let release: String = version.trim().chars().take(5).collect();
    // `wrapper.inputs.nixpkgs.follows = "nixpkgs"`: the wrapper's nixpkgs
    // is the overridden one (its real lib has `trivial.release`);
    // `wrapper.inputs.site.follows = ""`: the flake itself. The same
    // follows written only in flake.lock (`["nixpkgs"]`, `[]`).
    for case in ["follows", "follows-lock"] {
        gen()
            .args(["--no-cache", "--format", "short", "plan"])
            .arg(data(case))
            .arg("--override-input")
            .arg("nixpkgs")
            .arg(nixpkgs)
            .arg("--override-input")
            .arg("wrapper")
            .arg(data("follows/wrapper-src"))
            .env_remove("ATELIER_FETCH_INPUTS")
            .assert()
            .success()
            .stderr("")
            .stdout(predicate::str::contains(format!(
                "files    /srv/wiki-{release}\n"
            )));
    }
}

#[test]
fn snowfall_lib_evaluates_from_its_real_source() {
    let (Some(sf), Some(fup), Some(lib)) = (
        source_var("ATELIER_SNOWFALL_LIB_SRC", "a checkout of snowfallorg/lib"),
        source_var(
            "ATELIER_FLAKE_UTILS_PLUS_SRC",
            "a checkout of gytis-ivaskevicius/flake-utils-plus",
        ),
        source_var("ATELIER_NIXPKGS_LIB", "a nixpkgs lib/ directory"),
    ) else {
        return;
    };
    let nixpkgs = lib.parent().unwrap();
    // snowfall-lib's `mkFlake` over flake-utils-plus' `mkFlake`, whose host
    // module tests `options ? networking.hostName`; snowfall-lib's nixpkgs
    // follows the flake's (no override of its own).
    let overrides: &[(&str, &Path)] = &[
        ("snowfall-lib", &sf),
        ("snowfall-lib/flake-utils-plus", &fup),
        ("nixpkgs", nixpkgs),
    ];
    same_plan_from_real_sources("snowfall", "box", "radio", overrides);
    // The user lib called as snowfall-lib calls it (only the arguments a
    // file names; a file that is no function taken as it is).
    same_plan_from_real_sources("snowfall-user-lib", "box", "radio", overrides);
    // The lib's shape: nixpkgs' lib, each input's `lib` by its name and the
    // user lib under the namespace, merged shallowly (a user lib file's
    // names computed with `lib`).
    same_plan_from_real_sources("snowfall-lib-shape", "box", "radio", overrides);
    // Its `nixosModules` output (with an alias), imported by a host of
    // the flake's own.
    same_plan_from_real_sources("snowfall-nixos-modules", "extra", "radio", overrides);
    // The darwin system is no NixOS host, from the real source too.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/discover/ok/snowfall");
    let mut cmd = gen();
    cmd.args(["--no-cache", "--format", "short", "plan"])
        .arg(&dir);
    for (name, path) in overrides {
        cmd.arg("--override-input").arg(name).arg(path);
    }
    cmd.env_remove("ATELIER_FETCH_INPUTS")
        .assert()
        .success()
        .stdout(predicate::str::starts_with("host box: 1 service(s)\n"))
        .stdout(predicate::str::contains("mac").not());
}

#[test]
fn clan_core_evaluates_from_its_real_source() {
    let (Some(clan), Some(treefmt), Some(fp), Some(lib)) = (
        source_var("ATELIER_CLAN_CORE_SRC", "a checkout of clan-lol/clan-core"),
        source_var(
            "ATELIER_TREEFMT_NIX_SRC",
            "a checkout of numtide/treefmt-nix (clan-core imports its flake module when it has one)",
        ),
        source_var(
            "ATELIER_FLAKE_PARTS_SRC",
            "a checkout of hercules-ci/flake-parts",
        ),
        source_var("ATELIER_NIXPKGS_LIB", "a nixpkgs lib/ directory"),
    ) else {
        return;
    };
    let nixpkgs = lib.parent().unwrap();
    // `clan-core.lib.clan { ... }`: clan-core's own flake-parts flake makes
    // `lib.clan`; its nixpkgs follows the flake's. Each machine's modules
    // come from clan-core's inventory, its `clanCore` NixOS module included.
    let overrides: &[(&str, &Path)] = &[
        ("clan-core", &clan),
        ("clan-core/flake-parts", &fp),
        ("clan-core/treefmt-nix", &treefmt),
        ("nixpkgs", nixpkgs),
    ];
    same_plan_from_real_sources("clan", "vault", "notes", overrides);
    assert_eq!(
        discover_plan("clan", "gate", overrides),
        discover_plan("clan", "gate", &[]),
        "clan gate: real sources plan differently"
    );
    // clan-core's flake module in the flake's own flake-parts; clan-core's
    // nixpkgs is its channel tarball, given here.
    same_plan_from_real_sources(
        "clan-flake-parts",
        "nas",
        "photos",
        &[
            ("clan-core", &clan),
            ("clan-core/flake-parts", &fp),
            ("clan-core/treefmt-nix", &treefmt),
            ("clan-core/nixpkgs", nixpkgs),
            ("flake-parts", &fp),
            ("flake-parts/nixpkgs-lib", nixpkgs),
            ("nixpkgs", nixpkgs),
        ],
    );
    // The clan's argument is a clan module: its `imports` (files, module
    // functions of the clan's `config`) define the machines.
    for host in ["alpha", "beta"] {
        same_plan_from_real_sources(
            "clan-imports",
            host,
            if host == "alpha" { "mail" } else { "photos" },
            &[
                ("clan-core", &clan),
                ("clan-core/flake-parts", &fp),
                ("clan-core/treefmt-nix", &treefmt),
                ("clan-core/nixpkgs", nixpkgs),
                ("nixpkgs", nixpkgs),
            ],
        );
    }
    // The flake module's `clan`: each definition a clan module.
    for (host, service) in [("nas", "photos"), ("router", "dhcp")] {
        same_plan_from_real_sources(
            "clan-flake-parts-imports",
            host,
            service,
            &[
                ("clan-core", &clan),
                ("clan-core/flake-parts", &fp),
                ("clan-core/treefmt-nix", &treefmt),
                ("clan-core/nixpkgs", nixpkgs),
                ("flake-parts", &fp),
                ("flake-parts/nixpkgs-lib", nixpkgs),
                ("nixpkgs", nixpkgs),
            ],
        );
    }
    // Its flake module given no `self` (it takes the flake's), and a role's
    // `extraModules` for a service of clan-core's own.
    same_plan_from_real_sources(
        "clan-flake-parts-self",
        "nas",
        "ssh-keys",
        &[
            ("clan-core", &clan),
            ("clan-core/flake-parts", &fp),
            ("clan-core/treefmt-nix", &treefmt),
            ("clan-core/nixpkgs", nixpkgs),
            ("flake-parts", &fp),
            ("flake-parts/nixpkgs-lib", nixpkgs),
            ("nixpkgs", nixpkgs),
        ],
    );
}

/// numtide/flake-utils from its real source (with its `systems` input)
/// plans as the built-in one: hosts beside `eachDefaultSystem`'s
/// per-system outputs, no current system in pure evaluation.
#[test]
fn flake_utils_evaluates_from_its_real_source() {
    let (Some(fu), Some(systems)) = (
        source_var(
            "ATELIER_FLAKE_UTILS_SRC",
            "a checkout of numtide/flake-utils",
        ),
        source_var(
            "ATELIER_NIX_SYSTEMS_SRC",
            "a checkout of nix-systems/default",
        ),
    ) else {
        return;
    };
    same_plan_from_real_sources(
        "flake-utils",
        "box",
        "notes",
        &[("flake-utils", &fu), ("flake-utils/systems", &systems)],
    );
}
