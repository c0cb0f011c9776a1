//! CLI contract of atelier-gen: stdout, stderr and exit codes of generate,
//! check and plan on a copy of examples/homelab.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;

fn gen() -> Command {
    Command::new(env!("CARGO_BIN_EXE_atelier-gen"))
}

/// A copy of examples/homelab without its generated modules.
fn homelab_copy() -> tempfile::TempDir {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/homelab");
    let dst = tempfile::tempdir().unwrap();
    for entry in walkdir::WalkDir::new(&src) {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(&src).unwrap();
        if rel.starts_with("generated") {
            continue;
        }
        let target = dst.path().join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
    dst
}

fn generated(dir: &Path, host: &str) -> PathBuf {
    dir.join("generated").join(format!("{host}.nix"))
}

#[test]
fn help_explains_the_commands() {
    gen()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("generate"))
        .stdout(predicate::str::contains("check"))
        .stdout(predicate::str::contains("plan"))
        .stdout(predicate::str::contains("eval"))
        .stdout(predicate::str::contains("Typical use"));
    gen()
        .args(["generate", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("--host"))
        .stdout(predicate::str::contains("--all-hosts"))
        .stdout(predicate::str::contains("--out"));
}

#[test]
fn generate_then_check() {
    let dir = homelab_copy();
    let d = dir.path();
    gen()
        .arg("check")
        .arg(d)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("missing"))
        .stderr(predicate::str::contains(
            "regenerate with: atelier-gen generate",
        ));
    gen()
        .arg("generate")
        .arg(d)
        .assert()
        .success()
        .stdout(predicate::str::contains("wrote"))
        .stdout(predicate::str::contains("atlas.nix"))
        .stdout(predicate::str::contains("juniper.nix"))
        .stderr(predicate::str::contains("warning[sqlite-in-files]"));
    let first = std::fs::read(generated(d, "atlas")).unwrap();
    gen()
        .arg("generate")
        .arg(d)
        .arg("--all-hosts")
        .assert()
        .success()
        .stdout(predicate::str::contains("unchanged"));
    assert_eq!(first, std::fs::read(generated(d, "atlas")).unwrap());
    gen()
        .arg("check")
        .arg(d)
        .assert()
        .success()
        .stdout(predicate::str::contains("up to date"));

    // A change in the sources makes the committed module stale.
    let mail = d.join("services/mail.nix");
    let text = std::fs::read_to_string(&mail)
        .unwrap()
        .replace("\"hourly\"", "\"*:0/30\"");
    std::fs::write(&mail, text).unwrap();
    gen()
        .arg("check")
        .arg(d)
        .arg("--host")
        .arg("atlas")
        .assert()
        .code(1)
        .stdout(predicate::str::contains("stale"))
        .stdout(predicate::str::contains(
            "-        OnCalendar = \"hourly\";",
        ))
        .stdout(predicate::str::contains(
            "+        OnCalendar = \"*:0/30\";",
        ))
        .stderr(predicate::str::contains("atelier-gen generate"));
    // check writes nothing.
    assert_eq!(first, std::fs::read(generated(d, "atlas")).unwrap());
}

#[test]
fn generate_with_out_and_one_host() {
    let dir = homelab_copy();
    let out = tempfile::tempdir().unwrap();
    gen()
        .arg("generate")
        .arg(dir.path())
        .args(["--host", "juniper", "--out"])
        .arg(out.path())
        .assert()
        .success();
    assert!(out.path().join("juniper.nix").is_file());
    assert!(!out.path().join("atlas.nix").exists());
}

#[test]
fn plan_json_has_the_manifest_schema() {
    let dir = homelab_copy();
    let assert = gen()
        .arg("plan")
        .arg(dir.path())
        .args(["--host", "atlas", "--json"])
        .assert()
        .success();
    let v: serde_json::Value = serde_json::from_slice(&assert.get_output().stdout).unwrap();
    assert_eq!(v["version"], 1);
    assert_eq!(v["host"], "atlas");
    assert_eq!(v["repositories"]["local"]["repository"], "/srv/restic");
    assert_eq!(v["services"]["mail"]["schedule"]["onCalendar"], "hourly");
    assert_eq!(
        v["services"]["wiki"]["postgres"][0]["create"]["options"]["OWNER"],
        "wiki"
    );
    // A hook that uses pkgs is only known at rebuild time: null in the plan.
    assert!(v["services"]["wiki"]["hooks"]["postRestore"].is_null());
    assert!(v["services"]["directory"]["dumps"]["ldap"]["backupCmd"].is_null());
    assert_eq!(
        v["services"]["directory"]["dumps"]["ldap"]["backupName"],
        "directory.ldif"
    );
}

#[test]
fn plan_lists_the_hosts_when_there_are_several() {
    let dir = homelab_copy();
    gen().arg("plan").arg(dir.path()).assert().success().stdout(
        "atlas    planned: 5 service(s), 2 repository(ies)\n\
             juniper  planned: 2 service(s), 1 repository(ies)\n\
             (plan one host with --host NAME to see its services and every diagnostic)\n",
    );
    gen()
        .arg("plan")
        .arg(dir.path())
        .args(["--host", "nope"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("nixosConfigurations.nope"))
        .stderr(predicate::str::contains("hosts: atlas, juniper"));
    gen()
        .arg("plan")
        .arg(dir.path())
        .args(["--host", "juniper"])
        .assert()
        .success()
        .stdout(predicate::str::contains("forge: sqlite+files"));
}

#[test]
fn diagnostics_formats() {
    let case = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/plan/err/relative-path");
    gen()
        .arg("plan")
        .arg(&case)
        .args(["--format", "short"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::starts_with(
            "host.nix:8:11: error[relative-path]: service `app`: sqlite path `data/app.db` is relative",
        ));
    let assert = gen()
        .arg("check")
        .arg(&case)
        .args(["--format", "json"])
        .assert()
        .code(1);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    let json_part = &stderr[..=stderr.rfind(']').unwrap()];
    let v: serde_json::Value = serde_json::from_str(json_part).unwrap();
    assert_eq!(v[0]["code"], "relative-path");
    assert_eq!(v[0]["location"], "host.nix:8:11");
    gen()
        .arg("plan")
        .arg(&case)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("--> host.nix:8:11"))
        .stderr(predicate::str::contains("sqlite = \"data/app.db\";"));
}

#[test]
fn missing_flake_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    gen()
        .arg("generate")
        .arg(dir.path())
        .assert()
        .code(1)
        .stderr(predicate::str::contains("flake.nix does not exist"));
}

#[test]
fn hosts_without_atelier_are_skipped_unless_asked_for() {
    let dir = homelab_copy();
    let d = dir.path();
    let flake = std::fs::read_to_string(d.join("flake.nix")).unwrap().replace(
        "      nixosConfigurations.juniper",
        "      nixosConfigurations.desktop = nixpkgs.lib.nixosSystem { modules = [ ./desktop.nix ]; };\n\n      nixosConfigurations.juniper",
    );
    std::fs::write(d.join("flake.nix"), flake).unwrap();
    std::fs::write(
        d.join("desktop.nix"),
        "{ ... }: { services.xserver.enable = true; }\n",
    )
    .unwrap();
    gen()
        .arg("generate")
        .arg(d)
        .assert()
        .success()
        .stderr(predicate::str::contains("skipped host desktop"));
    assert!(!generated(d, "desktop").exists());
    assert!(generated(d, "atlas").exists());
    gen().arg("check").arg(d).assert().success();
    gen()
        .arg("generate")
        .arg(d)
        .args(["--host", "desktop"])
        .assert()
        .success();
    assert!(generated(d, "desktop").exists());
}

#[test]
fn completions_and_man_page() {
    // bash completion names every subcommand, including the plan flags
    gen()
        .args(["completions", "bash"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("complete -F _atelier__gen")
                .and(predicate::str::contains("generate"))
                .and(predicate::str::contains("check"))
                .and(predicate::str::contains("--json")),
        );
    gen()
        .args(["completions", "zsh"])
        .assert()
        .success()
        .stdout(predicate::str::contains("#compdef atelier-gen"));
    gen()
        .args(["completions", "tcsh"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("invalid value 'tcsh'"));
    // roff with the name section and the subcommands
    gen().arg("man").assert().success().stdout(
        predicate::str::contains(".TH atelier-gen")
            .and(predicate::str::contains("atelier\\-gen\\-generate"))
            .and(predicate::str::contains("atelier\\-gen\\-plan")),
    );
}

fn host_states() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/cli/host-states")
}

const EXTERNAL: &str = "flake.nix:22:20: error[unsupported-input]: the configuration of host `external` comes from flake input `helpers`, which atelier-gen cannot read without its source (is the result of calling `helpers.lib.mkSystem`, flake input `helpers` has no source here (give it with `--fetch-inputs`, `nix flake archive` or `--override-input helpers PATH`))";

/// The atelier options an unread import of host `partial` could define:
/// any new service, the declared but disabled `wiki`'s `enable`, more data
/// of the planned `chat`, any repository.
const COULD_DEFINE: &str = "atelier.services.<name>, atelier.backup.services.<name>, atelier.services.chat.data, atelier.services.wiki.enable, atelier.backup.repositories.<name>";

#[test]
fn plan_lists_every_host_with_its_state() {
    gen()
        .args(["--no-cache", "plan"])
        .arg(host_states())
        .assert()
        .code(1)
        .stdout(format!(
            "bare      no atelier data\n\
             external  not readable: {EXTERNAL}\n\
             partial   partly read: 1 service(s) found, imports not read at hosts/partial.nix:3:3; they could define {COULD_DEFINE}\n\
             planned   planned: 1 service(s), 1 repository(ies)\n\
             (plan one host with --host NAME to see its services and every diagnostic)\n"
        ));
    let out = gen()
        .args(["--no-cache", "plan", "--json"])
        .arg(host_states())
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let json: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"hosts": [
            {"name": "bare", "state": "no-data"},
            {"name": "external", "state": "unreadable", "code": "unsupported-input",
             "message": EXTERNAL.split_once("error[unsupported-input]: ").unwrap().1,
             "at": "flake.nix:22:20"},
            {"name": "partial", "state": "partial", "services": 1, "unread": ["hosts/partial.nix:3:3"],
             "couldDefine": COULD_DEFINE.split(", ").collect::<Vec<_>>()},
            {"name": "planned", "state": "planned", "services": 1, "repositories": 1},
        ]})
    );
}

#[test]
fn one_host_is_planned_without_the_errors_of_the_others() {
    // A host that declares nothing is a plan of nothing, not an error.
    gen()
        .args(["--no-cache", "--format", "short", "plan"])
        .arg(host_states())
        .args(["--host", "bare"])
        .assert()
        .success()
        .stdout("host bare: 0 service(s)\n")
        .stderr("");
    gen()
        .args(["--no-cache", "--format", "short", "plan"])
        .arg(host_states())
        .args(["--host", "external"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(format!("{EXTERNAL}\n"));
}

/// `imports = [ ./own.nix ] ++ <a list only an input knows>`: the flake's
/// own module is read (its service planned), and the unknown part is named.
#[test]
fn the_known_part_of_an_imports_list_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("flake.nix"),
        r#"{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";
  inputs.helpers.url = "github:example/helpers";
  inputs.atelier.url = "github:example/atelier";
  outputs = { nixpkgs, helpers, atelier, ... }: {
    nixosConfigurations.box = nixpkgs.lib.nixosSystem {
      specialArgs = { inherit helpers atelier; };
      modules = [ ./host.nix ];
    };
  };
}
"#,
    )
    .unwrap();
    std::fs::write(
        d.join("host.nix"),
        "{ helpers, ... }:\n{\n  imports = [ ./own.nix ] ++ helpers.lib.modulesIn ./extra;\n}\n",
    )
    .unwrap();
    std::fs::write(
        d.join("own.nix"),
        r#"{ atelier, ... }: {
  imports = [ (atelier.lib.mkService { name = "chat"; extraConfig = cfg: { atelier.services.chat.data.sqlite = "${cfg.dataDir}/chat.db"; }; }) ];
  atelier.services.chat.enable = true;
  atelier.backup = { enable = true; repositories.default = { repository = "/srv/restic"; passwordFile = "/run/keys/restic"; }; };
}
"#,
    )
    .unwrap();
    gen()
        .args(["--no-cache", "--format", "short", "plan"])
        .arg(d)
        .assert()
        .success()
        .stdout(predicate::str::contains("chat: sqlite"))
        .stderr(predicate::str::contains(
            "host.nix:3:3: warning[unresolved-import]",
        ))
        .stderr(predicate::str::contains("host box is partly read"));
}

#[test]
fn a_partly_read_host_is_not_a_clean_result() {
    // plan shows what it found, and names the unread import.
    gen()
        .args(["--no-cache", "--format", "short", "plan"])
        .arg(host_states())
        .args(["--host", "partial"])
        .assert()
        .success()
        .stdout(predicate::str::contains("chat: sqlite"))
        .stderr(predicate::str::contains(
            "hosts/partial.nix:3:3: warning[unresolved-import]",
        ))
        .stderr(predicate::str::contains("host partial is partly read"));
    // generate and check refuse it, and write nothing...
    let out = tempfile::tempdir().unwrap();
    for cmd in ["generate", "check"] {
        gen()
            .args(["--no-cache", "--format", "short", cmd])
            .arg(host_states())
            .args(["--host", "partial", "--out"])
            .arg(out.path())
            .assert()
            .code(1)
            .stderr(predicate::str::contains(
                "host partial is partly read: 1 import(s) could not be read",
            ))
            .stderr(predicate::str::contains("--allow-partial"));
    }
    assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 0);
    // ...unless the user accepts it.
    gen()
        .args(["--no-cache", "generate"])
        .arg(host_states())
        .args(["--host", "partial", "--allow-partial", "--out"])
        .arg(out.path())
        .assert()
        .success();
    assert!(out.path().join("partial.nix").exists());
}

#[test]
fn an_unread_import_names_the_options_a_module_there_could_define() {
    // Human output: a note on the warning.
    gen()
        .args(["--no-cache", "plan"])
        .arg(host_states())
        .args(["--host", "partial"])
        .assert()
        .success()
        .stderr(predicate::str::contains(format!(
            "atelier options a module there could define: {}",
            COULD_DEFINE
                .split(", ")
                .map(|p| format!("`{p}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )));
    // JSON: the manifest, and each unread import with those options.
    let out = gen()
        .args(["--no-cache", "plan", "--json"])
        .arg(host_states())
        .args(["--host", "partial"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let json: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert!(json["services"]["chat"].is_object(), "{json}");
    assert_eq!(json["unread"].as_array().map(Vec::len), Some(1), "{json}");
    assert_eq!(json["unread"][0]["at"], "hosts/partial.nix:3:3");
    assert_eq!(
        json["unread"][0]["couldDefine"],
        serde_json::json!(COULD_DEFINE.split(", ").collect::<Vec<_>>())
    );
}

/// A flake whose host `vault` imports `secret.nix`, holding `secret`.
fn flake_importing_a_secret(secret: &[u8]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("flake.nix"),
        r#"{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs";
  outputs = { nixpkgs, ... }: {
    nixosConfigurations.vault = nixpkgs.lib.nixosSystem { modules = [ ./host.nix ]; };
  };
}
"#,
    )
    .unwrap();
    std::fs::write(d.join("host.nix"), "{ imports = [ ./secret.nix ]; }\n").unwrap();
    std::fs::write(d.join("secret.nix"), secret).unwrap();
    dir
}

/// `plan` of [`flake_importing_a_secret`]: exit 0, the host partly read,
/// `secret.nix` named as encrypted by `how`.
fn plans_with_the_secret_unread(d: &Path, how: &str) {
    gen()
        .args(["--no-cache", "--format", "short", "plan"])
        .arg(d)
        .assert()
        .success()
        .stdout("host vault: 0 service(s)\n")
        .stderr(predicate::str::starts_with(format!(
            "host.nix:1:15: warning[unresolved-import]: imported module secret.nix is encrypted ({how}); services declared there are not seen\n"
        )))
        .stderr(predicate::str::contains("host vault is partly read"));
}

/// Files encrypted by git filters are binary in a checkout without the key:
/// age (agenix-style `filter=age`, git-agecrypt) and git-crypt. Not valid
/// UTF-8, they are unread imports too, not a host that cannot be read.
#[test]
fn a_binary_encrypted_module_is_an_unread_import() {
    let mut age =
        b"age-encryption.org/v1\n-> X25519 DVDW6eaw10SsaouFKYj2o3h7YRU012Cl\nv5ho\n--- 6Y2\n"
            .to_vec();
    age.extend([0xb3, 0x00, 0xff, 0x9c, 0x80, 0x12, 0xfe]);
    let mut git_crypt = b"\0GITCRYPT\0".to_vec();
    git_crypt.extend([0x8f, 0xff, 0x00, 0xc3, 0x28, 0xa0]);
    for (bytes, how) in [(age, "age"), (git_crypt, "git-crypt")] {
        let dir = flake_importing_a_secret(&bytes);
        plans_with_the_secret_unread(dir.path(), how);
    }
}

#[test]
fn an_encrypted_module_is_an_unread_import() {
    // What sops leaves in a checkout that has no key.
    let dir = flake_importing_a_secret(
        b"{\n\t\"data\": \"ENC[AES256_GCM,data:q83kZ0pX,iv:AAAA,tag:BBBB,type:str]\",\n\t\"sops\": {}\n}\n",
    );
    let d = dir.path();
    plans_with_the_secret_unread(d, "sops");
    gen()
        .args(["--no-cache", "check"])
        .arg(d)
        .args(["--host", "vault"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("--allow-partial"));
}

#[test]
fn hosts_only_nix_can_choose_are_reported_not_taken_for_none() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/cli/hosts-need-config");
    gen()
        .args(["--no-cache", "--format", "short", "plan"])
        .arg(dir)
        .assert()
        .code(1)
        .stdout("")
        .stderr(
            "flake.nix:10:52: error[unresolved-value]: `nixosConfigurations` is not known statically: \
             depends on `config.system.kind`, config values are only known at rebuild time\n",
        );
}

/// Hosts named, and more that only Nix can name: the named ones are
/// planned, the others said to exist; every-host runs are not clean.
#[test]
fn hosts_only_nix_can_name_beside_named_ones_are_reported() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/cli/hosts-partly-named");
    let warning = "flake.nix:6:3: warning[unresolved-hosts]: `nixosConfigurations` may have more hosts than `a`, `c` (among `b`): their names are not known statically: `builtins.nixVersion` is not evaluated statically by atelier-gen\n";
    gen()
        .args(["--no-cache", "--format", "short", "plan"])
        .arg(&dir)
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "a  no atelier data\nc  no atelier data\n",
        ))
        .stderr(warning);
    gen()
        .args(["--no-cache", "--format", "short", "plan"])
        .arg(&dir)
        .args(["--host", "a"])
        .assert()
        .code(0)
        .stderr(warning);
    let out = tempfile::tempdir().unwrap();
    gen()
        .args(["--no-cache", "--format", "short", "generate"])
        .arg(&dir)
        .arg("--out")
        .arg(out.path())
        .assert()
        .code(1)
        .stderr(predicate::str::contains("they would be missed"))
        .stderr(predicate::str::contains("--allow-partial"));
    gen()
        .args([
            "--no-cache",
            "--format",
            "short",
            "generate",
            "--allow-partial",
        ])
        .arg(&dir)
        .arg("--out")
        .arg(out.path())
        .assert()
        .code(0);
}

#[test]
fn hosts_made_by_an_unknown_framework_name_it() {
    let dir =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/cli/hosts-from-a-framework-module");
    gen()
        .args(["--no-cache", "--format", "short", "plan"])
        .arg(dir)
        .assert()
        .code(1)
        .stdout("")
        .stderr(
            "flake.nix:10:3: error[unsupported-input]: the flake's `nixosConfigurations` may come from \
             flake modules of `host-factory`, which atelier-gen cannot read without their sources\n",
        );
}

/// Hosts routed to a flake-parts partition whose module imports a flake
/// module of an input atelier-gen does not know: that input is named, as
/// at the top level (not a missing `nixosConfigurations`).
#[test]
fn hosts_of_a_partition_made_by_an_unknown_framework_name_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("flake.nix"),
        r#"{
  inputs.parts.url = "github:hercules-ci/flake-parts";
  inputs.host-factory.url = "github:example/host-factory";
  outputs = inputs: inputs.parts.lib.mkFlake { inherit inputs; } {
    systems = [ "x86_64-linux" ];
    imports = [ inputs.parts.flakeModules.partitions ];
    partitionedAttrs.nixosConfigurations = "hosts";
    partitions.hosts.module.imports = [ inputs.host-factory.flakeModules.default ];
  };
}
"#,
    )
    .unwrap();
    gen()
        .args(["--no-cache", "--format", "short", "plan"])
        .arg(dir.path())
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains(
            "error[unsupported-input]: `nixosConfigurations` comes from flake input `host-factory`, which atelier-gen cannot read without its source",
        ));
}

/// A framework atelier-gen knows without its source, used beyond what is
/// built in of it: the error says so, not that the framework is unknown.
#[test]
fn a_built_in_framework_used_beyond_its_built_in_part_is_named_as_known() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("flake.nix"),
        r#"{
  inputs.flake-parts.url = "github:hercules-ci/flake-parts";
  outputs = inputs: inputs.flake-parts.lib.importAndPublish "m" { };
}
"#,
    )
    .unwrap();
    gen()
        .args(["--no-cache", "--format", "short", "plan"])
        .arg(dir.path())
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains(
            "error[unsupported-input]: `nixosConfigurations` comes from flake input `flake-parts`, which atelier-gen cannot read without its source",
        ))
        .stderr(predicate::str::contains(
            "atelier-gen's built-in knowledge of it has only what finding hosts needs",
        ))
        .stderr(predicate::str::contains("none of them").not());
    // The note (long format) counts it among the known frameworks.
    gen()
        .args(["--no-cache", "plan"])
        .arg(dir.path())
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "as far as finding hosts needs; `flake-parts` is one of them, used here beyond that",
        ));
}

/// A clan module the clan imports from an input without its source may
/// define machines: with none known the input is named; next to known ones
/// the host table is said to be partly known.
#[test]
fn clan_modules_that_cannot_be_read_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let flake = |more: &str| {
        format!(
            r#"{{
  inputs.clan-core.url = "https://git.clan.lol/clan/clan-core/archive/main.tar.gz";
  inputs.machines.url = "github:example/clan-machines";
  outputs = {{ self, clan-core, machines, ... }}: {{
    inherit ((clan-core.lib.clan {{
      inherit self;
      imports = [ machines.clanModules.default {more} ];
    }}).config) nixosConfigurations;
  }};
}}
"#
        )
    };
    std::fs::write(dir.path().join("flake.nix"), flake("")).unwrap();
    gen()
        .args(["--no-cache", "--format", "short", "plan"])
        .arg(dir.path())
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains(
            "flake.nix:7:19: error[unsupported-input]: `nixosConfigurations` comes from flake input `machines`, which atelier-gen cannot read without its source (depends on `machines.clanModules.default`",
        ));
    std::fs::write(
        dir.path().join("flake.nix"),
        flake("{ machines.box = { }; }"),
    )
    .unwrap();
    gen()
        .args(["--no-cache", "--format", "short", "plan"])
        .arg(dir.path())
        .assert()
        .stdout(predicate::str::contains("box"))
        .stderr(predicate::str::contains(
            "warning[unresolved-hosts]: `nixosConfigurations` may have more hosts than `box`: their names are not known statically: a module of the clan, its inventory or its machines could not be read by atelier-gen",
        ));
}

/// The flake modules of per-system tooling flakes (terranix: Terraform
/// configurations) cannot define hosts: no warning that hosts may be unseen.
#[test]
fn tooling_flake_modules_hide_no_hosts() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("flake.nix"),
        r#"{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs";
  inputs.flake-parts.url = "github:hercules-ci/flake-parts";
  inputs.terranix.url = "github:terranix/terranix";
  outputs = inputs: inputs.flake-parts.lib.mkFlake { inherit inputs; } {
    imports = [ inputs.terranix.flakeModule ];
    flake.nixosConfigurations.box = inputs.nixpkgs.lib.nixosSystem { modules = [ ]; };
  };
}
"#,
    )
    .unwrap();
    gen()
        .args(["--no-cache", "--format", "short", "plan"])
        .arg(d)
        .args(["--host", "box"])
        .assert()
        .success()
        .stdout("host box: 0 service(s)\n")
        .stderr("");
}

/// A framework input called as a function (`inputs.blueprint { inherit
/// inputs; }`, its outputs' `__functor`) without its source: the hosts are
/// named as that input's, not a type error.
#[test]
fn outputs_made_by_calling_an_unknown_input_name_it() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("flake.nix"),
        r#"{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs";
  inputs.blueprint.url = "github:numtide/blueprint";
  outputs = inputs:
    let bp = inputs.blueprint { inherit inputs; systems = [ "x86_64-linux" ]; };
    in bp // { formatter = { }; };
}
"#,
    )
    .unwrap();
    gen()
        .args(["--no-cache", "--format", "short", "plan"])
        .arg(d)
        .assert()
        .code(1)
        .stdout("")
        .stderr(
            "flake.nix:5:14: error[unsupported-input]: `nixosConfigurations` comes from flake input \
             `blueprint`, which atelier-gen cannot read without its source (is the result of calling \
             `blueprint`, flake input `blueprint` has no source here (give it with `--fetch-inputs`, \
             `nix flake archive` or `--override-input blueprint PATH`))\n",
        );
}

#[test]
fn hosts_found_next_to_unread_flake_modules_say_others_may_be_missing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("flake.nix"),
        r#"{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs";
  inputs.flake-parts.url = "github:hercules-ci/flake-parts";
  inputs.host-factory.url = "git+https://git.example.org/ops/host-factory";
  outputs = inputs: inputs.flake-parts.lib.mkFlake { inherit inputs; } {
    imports = [ inputs.host-factory.flakeModules.default ];
    flake.nixosConfigurations.box = inputs.nixpkgs.lib.nixosSystem { modules = [ ]; };
  };
}
"#,
    )
    .unwrap();
    gen()
        .args(["--no-cache", "--format", "short", "plan"])
        .arg(d)
        .args(["--host", "box"])
        .assert()
        .success()
        .stdout("host box: 0 service(s)\n")
        .stderr(
            "flake.nix:5:3: warning[unsupported-input]: flake modules of `host-factory` could not be read \
             without their sources: hosts they define are not seen\n",
        );
}

/// A repository location only Nix can compute (a nixpkgs-only option) is
/// read by the generated module at rebuild time: the human plan says so
/// rather than printing an empty location.
#[test]
fn a_repository_known_only_at_rebuild_time_is_named_so() {
    let src =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/discover/ok/store-path-sources");
    let dir = tempfile::tempdir().unwrap();
    for f in ["flake.nix", "host.nix"] {
        let text = std::fs::read_to_string(src.join(f)).unwrap();
        let text = text
            .replace(
                "path:../../../../..",
                &format!("path:{}", env!("CARGO_MANIFEST_DIR")),
            )
            .replace("{ ... }:", "{ config, ... }:")
            .replace(
                "repository = \"/srv/restic\";",
                "repository = config.services.restic.server.dataDir;",
            );
        std::fs::write(dir.path().join(f), text).unwrap();
    }
    let modules = dir.path().join("modules");
    std::fs::create_dir(&modules).unwrap();
    for e in std::fs::read_dir(src.join("modules")).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), modules.join(e.file_name())).unwrap();
    }
    let out = gen()
        .args(["--no-cache", "plan"])
        .arg(dir.path())
        .args(["--host", "box"])
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(
        stdout.contains("  repository default: (known at rebuild time)\n"),
        "{stdout}"
    );
}

/// A host table only Nix can compute says why, once: the note on choosing
/// hosts by `config` comes only with a table chosen by the hosts' `config`
/// (not with one built from a `builtins.fetchTarball` pin with no source).
#[test]
fn an_unknown_host_table_says_why_and_notes_config_only_when_it_is_why() {
    let note = "a host table that keeps hosts by their `config`";
    let plan = |flake: &str| {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("flake.nix"), flake).unwrap();
        let out = gen()
            .args(["--no-cache", "plan"])
            .arg(dir.path())
            .env_remove("ATELIER_FETCH_INPUTS")
            .assert()
            .code(1);
        String::from_utf8(out.get_output().stderr.clone()).unwrap()
    };
    let pinned = plan(
        r#"{
  outputs = _:
    let
      nixpkgs = builtins.fetchTarball {
        url = "https://example.invalid/nixpkgs.tar.gz";
        sha256 = "sha256-eKbrvPoAOFutbYMdbB3r5EQVmFxKv24iKqHPPUXA0gM=";
      };
      lib = import (nixpkgs + "/lib");
    in {
      nixosConfigurations = lib.genAttrs [ "a" ] (host: import (nixpkgs + "/nixos") { configuration = { }; });
    };
}
"#,
    );
    assert!(
        pinned.contains("error[unresolved-value]: `nixosConfigurations` is not known statically: `builtins.fetchTarball` of https://example.invalid/nixpkgs.tar.gz (at flake.nix:4:17) has no source here"),
        "{pinned}"
    );
    assert!(!pinned.contains(note), "{pinned}");
    let by_config = plan(
        r#"{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";
  outputs = { self, nixpkgs }: {
    nixosConfigurations = nixpkgs.lib.filterAttrs (n: m: m.config.networking.hostName == "a") {
      a = nixpkgs.lib.nixosSystem { modules = [ { networking.hostName = "a"; } ]; };
    };
  };
}
"#,
    );
    assert!(by_config.contains(note), "{by_config}");
}

/// A flake module only Nix can read is never dropped in silence: one in an
/// input's source (`"${inputs.extra}/flake-module.nix"`) names the input;
/// one a framework's function computes is said to be unknown.
#[test]
fn flake_modules_only_nix_can_read_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let flake = |module: &str, hosts: &str| {
        format!(
            r#"{{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs";
  inputs.flake-parts.url = "github:hercules-ci/flake-parts";
  inputs.flake-utils.url = "github:numtide/flake-utils";
  inputs.extra.url = "github:example/extra";
  outputs = inputs: inputs.flake-parts.lib.mkFlake {{ inherit inputs; }} {{
    imports = [ {module} ];
    flake = {{ {hosts} }};
  }};
}}
"#
        )
    };
    let box_ = "nixosConfigurations.box = inputs.nixpkgs.lib.nixosSystem { modules = [ ]; };";
    std::fs::write(
        dir.path().join("flake.nix"),
        flake(r#""${inputs.extra}/flake-module.nix""#, box_),
    )
    .unwrap();
    gen()
        .args(["--no-cache", "--format", "short", "plan"])
        .arg(dir.path())
        .args(["--host", "box"])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "warning[unsupported-input]: flake modules of `extra` could not be read without their sources",
        ));
    std::fs::write(
        dir.path().join("flake.nix"),
        flake("(inputs.flake-utils.lib.meld inputs [ ])", ""),
    )
    .unwrap();
    gen()
        .args(["--no-cache", "--format", "short", "plan"])
        .arg(dir.path())
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "error[unresolved-value]: the flake's `nixosConfigurations` may come from a flake module that is not known statically",
        ));
}

/// perSystem's `pkgs` is known when the flake's perSystem modules set it
/// (or leave flake-parts' default): a perSystem module atelier-gen cannot
/// read could set it too, so the host made from it is named unresolved,
/// never planned from a `pkgs` that may be another.
#[test]
fn per_system_pkgs_hidden_by_an_unread_per_system_module_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let flake = |per_system: &str| {
        format!(
            r#"{{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs";
  inputs.flake-parts.url = "github:hercules-ci/flake-parts";
  inputs.extra.url = "github:example/extra";
  outputs = inputs: inputs.flake-parts.lib.mkFlake {{ inherit inputs; }} ({{ withSystem, ... }}: {{
    systems = [ "x86_64-linux" ];
    perSystem = {per_system};
    flake.nixosConfigurations.box = withSystem "x86_64-linux" ({{ pkgs, ... }}:
      import (pkgs.path + "/nixos/lib/eval-config.nix") {{ inherit (pkgs) system; modules = [ ]; }});
  }});
}}
"#
        )
    };
    let plan = |per_system: &str| {
        std::fs::write(dir.path().join("flake.nix"), flake(per_system)).unwrap();
        gen()
            .args(["--no-cache", "--format", "short", "plan"])
            .arg(dir.path())
            .args(["--host", "box"])
            .assert()
    };
    // flake-parts' default: the nixpkgs input's `legacyPackages.<system>`.
    plan("{ }").success();
    plan(r"{ system, ... }: { _module.args.pkgs = import inputs.nixpkgs { inherit system; }; }")
        .success();
    plan(r#"{ imports = [ "${inputs.extra}/per-system.nix" ]; }"#)
        .code(1)
        .stderr(predicate::str::contains(
            "error[unresolved-host]: host `box`",
        ));
}
