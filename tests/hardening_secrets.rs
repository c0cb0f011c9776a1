//! Secrets never leave their files: a password, cloud credentials in an
//! environment file, and a REST repository URL with a password in it (given
//! through `repositoryFile`) are planted; every `atelier-backup` command runs,
//! with and without `--json`, including failures (server down, wrong
//! password, unknown service); then stdout, stderr, restic's argv (what `ps`
//! shows), state files, metrics, the support bundle and atelier-gen's
//! generated modules are searched: zero occurrences.

mod common;

use std::path::Path;
use std::process::Command;

use common::World;

const PASSWORD: &str = "PW-secret-3b9f0c1d";
const ENV_SECRET: &str = "ENV-secret-77aa41";
const URL_SECRET: &str = "URL-secret-d00d5e";
const WRONG_PASSWORD: &str = "WRONG-secret-0451";

fn all_files_text(dir: &Path, skip: Option<&Path>) -> String {
    let mut s = String::new();
    for e in walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
    {
        if skip.is_some_and(|p| e.path().starts_with(p)) {
            continue;
        }
        if e.file_type().is_file() {
            s.push_str(&String::from_utf8_lossy(&std::fs::read(e.path()).unwrap()));
        }
    }
    s
}

#[test]
fn planted_secrets_appear_nowhere() {
    let mut w = World::new();
    let port = common::free_port();
    // `rclone serve restic` with basic auth; killed on drop.
    let server = common::RestServer::start_with(
        &w.path().join("rest"),
        port,
        &["--user", "backup", "--pass", URL_SECRET],
    );
    let url = format!("rest:http://backup:{URL_SECRET}@127.0.0.1:{port}/");
    let secrets_dir = w.path().join("secrets");
    std::fs::create_dir_all(&secrets_dir).unwrap();
    let pw = secrets_dir.join("password");
    let repo_file = secrets_dir.join("repository");
    let env_file = secrets_dir.join("env");
    std::fs::write(&pw, format!("{PASSWORD}\n")).unwrap();
    std::fs::write(&repo_file, format!("{url}\n")).unwrap();
    std::fs::write(
        &env_file,
        format!("AWS_SECRET_ACCESS_KEY={ENV_SECRET}\nRESTIC_REST_PASSWORD_HINT=\"{ENV_SECRET}\"\n"),
    )
    .unwrap();
    common::sh(
        Command::new("restic")
            .args(["init", "--repo", &url])
            .env("RESTIC_PASSWORD_FILE", &pw)
            .env("RESTIC_CACHE_DIR", w.path().join("test-cache")),
    );
    w.manifest.repositories.insert(
        "default".into(),
        atelier::plan::Repository {
            repository_file: Some(repo_file.display().to_string()),
            password_file: Some(pw.display().to_string()),
            environment_file: Some(env_file.display().to_string()),
            // Generous while the server is up; shortened below once it is
            // gone, so restic 0.18's retries end within seconds.
            timeout: Some("30s".into()),
            ..atelier::plan::Repository::default()
        },
    );
    let d = w.data_dir("app");
    std::fs::write(d.join("notes.txt"), "hello").unwrap();
    let db = d.join("app.db");
    common::sh(
        Command::new("sqlite3")
            .arg(&db)
            .arg("create table t(x); insert into t values (1);"),
    );
    let mut svc = common::files_service(&[&d.join("notes.txt")], &["default"]);
    svc.sqlite = vec![db.display().to_string()];
    w.add_service("app", svc);

    // Records restic's argv: the URL must not be on a command line either.
    let argv_log = w.path().join("argv.log");
    let wrapper = w.path().join("restic-wrapper");
    common::write_script(
        &wrapper,
        &format!(
            "#!/bin/sh\necho \"$@\" >> '{}'\nexec restic \"$@\"\n",
            argv_log.display()
        ),
    );

    let inspect = w.path().join("inspect");
    let bundle = w.path().join("bundle.json");
    let inspect_s = inspect.display().to_string();
    let bundle_s = bundle.display().to_string();
    let mut outputs = String::new();
    let mut codes = Vec::new();
    let mut go = |w: &World, args: &[&str]| {
        let o = w.output_with_restic(&wrapper, args);
        outputs.push_str(&String::from_utf8_lossy(&o.stdout));
        outputs.push_str(&String::from_utf8_lossy(&o.stderr));
        codes.push((args.join(" "), o.status.code()));
        o.status.code()
    };
    let ok: &[&[&str]] = &[
        &["run", "app"],
        &["backup", "--direct", "app"],
        &["status"],
        &["list"],
        &["evidence"],
        &["dr", "--plan"],
        &["check"],
        &["prune"],
        &["restic", "--", "snapshots"],
        &["drill", "app"],
        &["restore", "app", "latest", "--inspect", &inspect_s],
        &["support-bundle", "--output", &bundle_s],
    ];
    for args in ok {
        assert_eq!(go(&w, args), Some(0), "{args:?}");
        let mut json = vec!["--json"];
        json.extend_from_slice(args);
        if args[0] == "restore" || args[0] == "support-bundle" {
            continue;
        }
        assert_eq!(go(&w, &json), Some(0), "{json:?}");
    }
    // Failures: unknown service, wrong password, then the server gone.
    assert_ne!(go(&w, &["run", "nope"]), Some(0));
    std::fs::write(&pw, format!("{WRONG_PASSWORD}\n")).unwrap();
    assert_eq!(go(&w, &["run", "app"]), Some(1));
    assert_eq!(go(&w, &["--json", "run", "app"]), Some(1));
    assert_eq!(go(&w, &["--json", "status"]), Some(1));
    std::fs::write(&pw, format!("{PASSWORD}\n")).unwrap();
    drop(server);
    // The server is gone: restic ≥ 0.17 retries an unreachable backend for
    // minutes; the repository's `timeout` ends each call in seconds (every
    // command below still has to fail, and say nothing secret).
    w.manifest.repositories.get_mut("default").unwrap().timeout = Some("3s".into());
    for args in [
        &["run", "app"][..],
        &["--json", "run", "app"],
        &["--json", "list"],
        &["status"],
        &["check"],
        &["--json", "prune"],
        &["--json", "dr", "--plan"],
        &["evidence"],
        &["restic", "--", "snapshots"],
    ] {
        assert_ne!(
            go(&w, args),
            Some(0),
            "{args:?} succeeded with the server down"
        );
    }
    let failed_bundle = w.path().join("bundle-failed.json");
    go(
        &w,
        &[
            "support-bundle",
            "--output",
            &failed_bundle.display().to_string(),
        ],
    );

    // atelier-gen on a flake whose secrets are paths.
    let gen_out = w.path().join("generated");
    let homelab = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/homelab");
    let g = Command::new(env!("CARGO_BIN_EXE_atelier-gen"))
        .args(["generate", "--all-hosts", "--out"])
        .arg(&gen_out)
        .arg(&homelab)
        .output()
        .unwrap();
    assert!(g.status.success(), "{}", String::from_utf8_lossy(&g.stderr));

    let argv = std::fs::read_to_string(&argv_log).unwrap();
    let state = all_files_text(&w.state_dir(), Some(&w.state_dir().join("cache")));
    let metrics = all_files_text(&w.state_dir().join("metrics"), None);
    let bundles = format!(
        "{}{}",
        std::fs::read_to_string(&bundle).unwrap(),
        std::fs::read_to_string(&failed_bundle).unwrap_or_default()
    );
    let generated = all_files_text(&gen_out, None);
    assert!(!metrics.is_empty() && !generated.is_empty() && bundles.contains("manifest"));
    for (what, text) in [
        ("stdout/stderr", &outputs),
        ("restic argv", &argv),
        ("state files", &state),
        ("metrics", &metrics),
        ("support bundle", &bundles),
        ("generated modules", &generated),
    ] {
        for secret in [PASSWORD, ENV_SECRET, URL_SECRET, WRONG_PASSWORD] {
            assert!(
                !text.contains(secret),
                "{what} contains the secret {secret}:\n{}",
                text.lines()
                    .filter(|l| l.contains(secret))
                    .collect::<Vec<_>>()
                    .join("\n")
            );
        }
    }
    // The failures were reported (not silently swallowed).
    assert!(outputs.to_lowercase().contains("password"), "{outputs}");
    eprintln!("commands run: {codes:?}");
}
