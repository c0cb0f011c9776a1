//! examples/homelab: its committed generated modules are up to date, and the
//! example really uses every declaration shape.

use std::path::{Path, PathBuf};

use atelier::generate::pipeline::{self, HostSelection};
use atelier::render::output::{compare, Staleness};

fn homelab() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/homelab")
}

fn outputs() -> Vec<pipeline::HostOutput> {
    let dir = homelab();
    let hosts = pipeline::select_hosts(&dir, &HostSelection::All).unwrap();
    assert_eq!(hosts, ["atlas", "juniper"]);
    let generated: Vec<PathBuf> = hosts
        .iter()
        .map(|h| pipeline::module_path(&dir.join("generated"), h))
        .collect();
    hosts
        .iter()
        .map(|h| pipeline::process_host(&dir, h, &generated))
        .collect()
}

#[test]
fn generated_modules_are_up_to_date() {
    let dir = homelab();
    let outs = outputs();
    let files = pipeline::files(&dir.join("generated"), &outs).expect("homelab has no errors");
    for f in &files {
        match compare(f) {
            Staleness::UpToDate => {}
            Staleness::Missing => panic!(
                "{} is missing; regenerate with: cargo run --bin atelier-gen -- generate examples/homelab",
                f.path.display()
            ),
            Staleness::Stale(diff) => panic!(
                "{} is stale; regenerate with: cargo run --bin atelier-gen -- generate examples/homelab\n{diff}",
                f.path.display()
            ),
        }
    }
}

#[test]
fn homelab_uses_every_shape() {
    let outs = outputs();
    let atlas = outs[0].plan.as_ref().unwrap();
    let juniper = outs[1].plan.as_ref().unwrap();
    let services: Vec<_> = atlas
        .manifest
        .services
        .iter()
        .chain(&juniper.manifest.services)
        .collect();
    assert!(services.len() >= 6, "{} services", services.len());
    let any = |f: &dyn Fn(&atelier::plan::Service) -> bool| services.iter().any(|(_, s)| f(s));
    assert!(any(&|s| !s.sqlite.is_empty()), "SQLite");
    assert!(
        any(&|s| s.postgres.iter().any(|p| !p.create.options.is_empty())),
        "PostgreSQL with create options"
    );
    assert!(
        any(&|s| !s.files.is_empty() && !s.exclude.is_empty()),
        "files with excludes"
    );
    assert!(any(&|s| !s.dumps.is_empty()), "dump contract");
    assert!(
        any(&|s| s.units.len() >= 2 && s.stop_for_backup),
        "multi-unit service with stopUnits"
    );
    assert!(
        any(&|s| s.schedule.on_calendar != "02:00" && s.retention.hourly.is_some()),
        "per-service schedule and retention"
    );
    assert!(
        atlas
            .origins
            .values()
            .any(|o| *o == atelier::discover::model::Origin::Manual),
        "manual registration"
    );
    assert_eq!(atlas.manifest.repositories.len(), 2, "two repositories");
    assert!(
        any(&|s| s.repositories.len() == 2),
        "a service in two repositories"
    );
    assert!(
        juniper.manifest.services["forge"].data_dir.as_deref() == Some("/srv/forge"),
        "host override of dataDir"
    );
}

#[test]
fn two_runs_give_identical_bytes() {
    let a: Vec<Option<String>> = outputs().into_iter().map(|o| o.module).collect();
    let b: Vec<Option<String>> = outputs().into_iter().map(|o| o.module).collect();
    assert!(a.iter().all(Option::is_some));
    assert_eq!(a, b);
}
