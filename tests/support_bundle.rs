//! `support-bundle --output FILE`: the useful diagnostics, none of the
//! secrets planted in the configuration, mode 0600.

mod common;

use std::os::unix::fs::PermissionsExt;

use atelier::plan::Repository;
use common::World;

#[test]
fn bundle_has_diagnostics_and_no_secret() {
    let mut w = World::new();
    let _repo = w.add_local_repo("default");
    let env_file = w.path().join("restic.env");
    std::fs::write(
        &env_file,
        "AWS_ACCESS_KEY_ID=AKIAPLANTEDKEYID0001\nAWS_SECRET_ACCESS_KEY=planted/secret+access+key/XYZ\nB2_ACCOUNT_KEY='planted-b2-key-quoted'\n",
    )
    .unwrap();
    let repo_file = w.path().join("repo-url");
    std::fs::write(
        &repo_file,
        "rest:http://bob:planted-file-url-pass@127.0.0.1:1/repo\n",
    )
    .unwrap();
    let pw2 = w.path().join("offsite.pw");
    std::fs::write(&pw2, "planted offsite password\n").unwrap();
    w.manifest.repositories.insert(
        "offsite".into(),
        Repository {
            repository: Some(
                "rest:https://alice:planted-url-password@backup.example.net/alice/".into(),
            ),
            password_file: Some(pw2.display().to_string()),
            environment_file: Some(env_file.display().to_string()),
            // restic 0.18 retries an unresolvable host for about 15 minutes.
            timeout: Some("30s".into()),
            ..Default::default()
        },
    );
    w.manifest.repositories.insert(
        "byfile".into(),
        Repository {
            repository_file: Some(repo_file.display().to_string()),
            password_file: Some(pw2.display().to_string()),
            ..Default::default()
        },
    );
    let d = w.data_dir("app");
    std::fs::write(d.join("f"), "x").unwrap();
    w.add_service("app", common::files_service(&[&d], &["default"]));
    w.systemctl.define("app.service", "exec sleep 1000\n");
    w.run_ok(&["run", "app"]);
    // A failing run against the offsite repository leaves records and messages around.
    w.manifest.services.get_mut("app").unwrap().repositories = vec!["offsite".into()];
    let _ = w.run(&["run", "app"]);
    // A log in the state dir that quotes a token.
    std::fs::create_dir_all(w.state_dir().join("runs/app")).unwrap();
    std::fs::write(
        w.state_dir().join("runs/app/debug.log"),
        "curl -H 'Authorization: Bearer planted.bearer.token'\nGITHUB_TOKEN=planted_ghp_token\n",
    )
    .unwrap();

    let out = w.path().join("bundle.json");
    let (code, _, err) = w.run(&["support-bundle", "--output", &out.display().to_string()]);
    assert_eq!(code, 0, "{err}");
    let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let text = std::fs::read_to_string(&out).unwrap();
    for secret in [
        common::PASSWORD,
        "planted offsite password",
        "AKIAPLANTEDKEYID0001",
        "planted/secret+access+key/XYZ",
        "planted-b2-key-quoted",
        "planted-file-url-pass",
        "planted-url-password",
        "planted.bearer.token",
        "planted_ghp_token",
    ] {
        assert!(!text.contains(secret), "bundle leaks {secret}");
    }
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["manifest"]["host"], "testhost");
    assert!(v["manifest"]["repositories"]["offsite"]["repository"]
        .as_str()
        .unwrap()
        .contains("backup.example.net"));
    assert!(v["versions"]["restic"]
        .as_str()
        .unwrap()
        .starts_with("restic "));
    assert!(v["units"]["restic-backups-app.service"].is_object());
    assert!(v["units"]["app.service"].is_object() || v["units"].as_object().unwrap().len() >= 2);
    assert!(!v["stateRecords"].as_array().unwrap().is_empty());
    let calls = w.systemctl.calls();
    assert!(
        calls
            .iter()
            .any(|c| c.starts_with("is-active restic-backups-app.service")),
        "{calls:?}"
    );
}
