//! A restore never destroys what it did not back up (issue 18, "paths"):
//! a tree holding a restic repository or atelier's state directory is never
//! swapped, a manifest with a repository inside a data path or a data path
//! not in normal form is refused at load, and files matching the service's
//! exclude patterns survive an in-place restore (and are in the safety
//! snapshot). Real restic, the fake systemctl.

mod common;

use std::path::{Path, PathBuf};

use atelier::plan::Repository;
use common::World;

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// A service `x` backing up `data/x`, whose repository lives at
/// `data/x/restic` but is given through `repositoryFile`, so the manifest
/// cannot see where it is. One snapshot taken, then `a.txt` changed.
fn repository_in_data() -> (World, common::Repo, PathBuf) {
    let mut w = World::new();
    let data = w.data_dir("x");
    std::fs::write(data.join("a.txt"), "one").unwrap();
    let repo = common::Repo::init(
        w.path(),
        "repo-x",
        data.join("restic").display().to_string(),
    );
    let location = w.path().join("repository-location");
    std::fs::write(&location, format!("{}\n", repo.url)).unwrap();
    w.manifest.repositories.insert(
        "default".into(),
        Repository {
            repository_file: Some(location.display().to_string()),
            password_file: Some(repo.password_file.display().to_string()),
            ..Repository::default()
        },
    );
    w.add_service("x", common::files_service(&[&data], &["default"]));
    w.run_ok(&["run", "x"]);
    std::fs::write(data.join("a.txt"), "two").unwrap();
    (w, repo, data)
}

#[test]
fn a_tree_holding_a_repository_is_never_swapped() {
    let (w, repo, data) = repository_in_data();
    let snapshots = repo.snapshots().len();
    assert!(snapshots >= 1);
    let repo_dir = data.join("restic").display().to_string();
    for args in [
        &["restore", "x", "latest", "--in-place", "--dry-run"][..],
        &["restore", "x", "latest", "--in-place", "--yes"][..],
    ] {
        let (code, _, err) = w.run(args);
        assert_ne!(code, 0, "{args:?} succeeded:\n{err}");
        assert!(
            err.contains("restic repository") && err.contains(&repo_dir),
            "{args:?}: {err}"
        );
        assert!(err.contains("nothing was changed"), "{args:?}: {err}");
    }
    assert_eq!(repo.snapshots().len(), snapshots, "snapshots were lost");
    assert!(repo.snapshots_tagged("pre-restore").is_empty());
    assert_eq!(read(&data.join("a.txt")), "two", "live data changed");
    assert!(
        !w.systemctl.calls().iter().any(|c| c.starts_with("stop")),
        "units were stopped"
    );
    // The snapshot can still be looked at elsewhere.
    let dir = w.path().join("inspect");
    let (code, _, err) = w.run(&[
        "restore",
        "x",
        "latest",
        "--inspect",
        &dir.display().to_string(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        read(&dir.join(data.strip_prefix("/").unwrap()).join("a.txt")),
        "one"
    );
}

#[test]
fn a_tree_holding_the_state_directory_is_never_swapped() {
    let (w, _repo, data) = World::with_files_service("app");
    std::fs::write(data.join("a.txt"), "one").unwrap();
    // This host's state directory lies inside the service's data.
    let state = data.join("var/atelier");
    let run = |args: &[&str]| {
        let out = w
            .cmd()
            .env("ATELIER_STATE_DIR", &state)
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, err) = run(&["run", "app"]);
    assert_eq!(code, 0, "{err}");
    std::fs::write(data.join("a.txt"), "two").unwrap();
    let records = state.join("runs/app/last.json");
    let record = read(&records);
    let (code, err) = run(&["restore", "app", "latest", "--in-place", "--yes"]);
    assert_ne!(code, 0, "{err}");
    assert!(
        err.contains("state directory") && err.contains(&state.display().to_string()),
        "{err}"
    );
    assert!(err.contains("nothing was changed"), "{err}");
    assert_eq!(read(&data.join("a.txt")), "two", "live data changed");
    assert_eq!(read(&records), record, "the state directory changed");
}

#[test]
fn a_manifest_with_a_repository_inside_a_data_path_is_refused() {
    let (mut w, _repo, data) = repository_in_data();
    let url = data.join("restic").display().to_string();
    let r = w.manifest.repositories.get_mut("default").unwrap();
    r.repository_file = None;
    r.repository = Some(url.clone());
    let (code, _, err) = w.run(&["restore", "x", "latest", "--in-place", "--yes"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("services.x.files[0]") && err.contains("repository `default`"),
        "{err}"
    );
    // A path spelled two ways is refused too, with the form to write.
    let elsewhere = w.path().join("elsewhere").display().to_string();
    let r = w.manifest.repositories.get_mut("default").unwrap();
    r.repository = Some(elsewhere);
    let svc = w.manifest.services.get_mut("x").unwrap();
    svc.files = vec![format!("{}/", data.display())];
    let (code, _, err) = w.run(&["status"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("services.x.files[0]")
            && err.contains(&format!("write {:?}", data.display().to_string())),
        "{err}"
    );
}

#[test]
fn excluded_files_survive_an_in_place_restore_and_are_in_the_safety_snapshot() {
    let mut w = World::new();
    let repo = w.add_local_repo("default");
    let data = w.data_dir("app");
    std::fs::create_dir_all(data.join("sub")).unwrap();
    std::fs::create_dir_all(data.join("build.tmp/inner")).unwrap();
    std::fs::write(data.join("a.txt"), "alpha").unwrap();
    std::fs::write(data.join("sub/b.txt"), "bravo").unwrap();
    std::fs::write(data.join("cache.tmp"), "scratch").unwrap();
    std::fs::write(data.join("sub/deep.tmp"), "deep").unwrap();
    std::fs::write(data.join("build.tmp/inner/obj"), "object").unwrap();
    // Backed up despite `*.tmp` (restic's `!` cancels the match): restored.
    std::fs::write(data.join("keep.tmp"), "v1").unwrap();
    w.add_service(
        "app",
        atelier::plan::Service {
            exclude: vec!["*.tmp".into(), "!keep.tmp".into()],
            ..common::files_service(&[&data], &["default"])
        },
    );
    w.run_ok(&["run", "app"]);
    std::fs::write(data.join("a.txt"), "beta").unwrap();
    std::fs::write(data.join("keep.tmp"), "v2").unwrap();

    let (code, _, err) = w.run(&["restore", "app", "latest", "--in-place", "--dry-run"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("kept: 3 files matching exclude patterns (*.tmp, !keep.tmp)"),
        "{err}"
    );

    w.run_ok(&["restore", "app", "latest", "--in-place", "--yes"]);
    assert_eq!(read(&data.join("a.txt")), "alpha", "not restored");
    assert_eq!(
        read(&data.join("keep.tmp")),
        "v1",
        "a backed-up file was kept"
    );
    assert_eq!(read(&data.join("sub/b.txt")), "bravo");
    assert_eq!(
        read(&data.join("cache.tmp")),
        "scratch",
        "excluded file lost"
    );
    assert_eq!(
        read(&data.join("sub/deep.tmp")),
        "deep",
        "excluded file lost"
    );
    assert_eq!(
        read(&data.join("build.tmp/inner/obj")),
        "object",
        "excluded directory lost"
    );

    // The safety snapshot was taken without the excludes.
    let pre = repo.snapshots_tagged("pre-restore");
    assert_eq!(pre.len(), 1);
    let pre_id = pre[0]["id"].as_str().unwrap().to_owned();
    let in_snapshot = |p: &str| {
        String::from_utf8(repo.dump(&pre_id, &data.join(p).display().to_string())).unwrap()
    };
    assert_eq!(in_snapshot("cache.tmp"), "scratch");
    assert_eq!(in_snapshot("build.tmp/inner/obj"), "object");
    assert_eq!(in_snapshot("a.txt"), "beta");

    // Undo brings back an excluded file that is gone since.
    std::fs::remove_file(data.join("cache.tmp")).unwrap();
    w.run_ok(&["restore", "app", &pre_id[..8], "--in-place", "--yes"]);
    assert_eq!(read(&data.join("a.txt")), "beta");
    assert_eq!(read(&data.join("cache.tmp")), "scratch", "undo lost it");
    assert_eq!(read(&data.join("sub/deep.tmp")), "deep");
}
