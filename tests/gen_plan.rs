//! Golden tests of planning and validation: tests/data/plan/{ok,err}/<case>/.

mod gen_common;
#[path = "support/synthetic_flake.rs"]
mod synthetic_flake;

use gen_common::*;

#[test]
fn ok_cases() {
    for case in cases("plan", "ok") {
        let outputs = run(&case);
        for o in &outputs {
            assert!(
                !o.has_errors(),
                "{}: host {} has errors:\n{}",
                case.display(),
                o.host,
                shorts(&o.diagnostics)
            );
        }
        for o in &outputs {
            let module = o.module.as_ref().expect("an ok case renders");
            assert_module_parses(module, &format!("{} ({})", case.display(), o.host));
        }
        assert_case_snapshot(&case, &plan_report(&outputs));
    }
}

#[test]
fn err_cases() {
    for case in cases("plan", "err") {
        check_err_case(&case);
    }
}

/// `plan --json` writes the manifest straight to the output when nothing is
/// eval-time; the bytes must equal the JSON tree it would otherwise build.
#[test]
fn plan_json_written_directly_equals_the_json_tree() {
    let tmp = tempfile::tempdir().unwrap();
    synthetic_flake::write_flake(tmp.path(), 12);
    let mut checked = 0;
    let homelab = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/homelab");
    for (dir, host) in [
        (tmp.path(), "bench"),
        (homelab.as_path(), "atlas"),
        (homelab.as_path(), "juniper"),
    ] {
        let o = atelier::generate::pipeline::plan_host(dir, host, &[]);
        let plan = o.plan.expect("plans");
        let mut direct = Vec::new();
        plan.write_json(&mut direct).unwrap();
        let tree = serde_json::to_string_pretty(&plan.to_json_value()).unwrap();
        assert_eq!(String::from_utf8(direct).unwrap(), tree, "{host}");
        checked += usize::from(plan.unresolved.is_empty());
    }
    assert!(checked > 0, "no plan took the direct path");
}
