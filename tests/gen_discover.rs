//! Golden tests of discovery: tests/data/discover/{ok,err}/<case>/.

mod gen_common;

use gen_common::*;

#[test]
fn ok_cases() {
    for case in cases("discover", "ok") {
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
    for case in cases("discover", "err") {
        check_err_case(&case);
    }
}
