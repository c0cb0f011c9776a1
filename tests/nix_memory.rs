//! The evaluator frees what an evaluation built once the evaluator is
//! dropped, reference cycles included (issue 14): `rec` sets, `let`
//! bindings and pattern defaults whose thunks capture the scope that holds
//! them, fixpoints (`lib.fix`, `makeExtensible`) and `builtins.builtins`.
//! Without that a long-lived process (an in-process fuzz run, a daemon)
//! grows with every evaluation; `atelier-bench eval-rss` measures it.

use std::path::Path;
use std::rc::Rc;

use atelier::nix::{Evaluator, Value};

/// Evaluates `src` (applied to `{ lib }` when it is a `{ lib, ... }:`
/// function), forces it deeply and hands the value to `watch`, which returns probes
/// (each: "is this still allocated?"). The value and the evaluator are then
/// dropped; returns the probes' answers.
fn alive_after_drop(
    src: &str,
    watch: impl FnOnce(&Value) -> Vec<Box<dyn Fn() -> bool>>,
) -> Vec<bool> {
    let probes = {
        let mut ev = Evaluator::new("/");
        let mut v = ev.eval_source("t.nix", Path::new("/"), src).unwrap();
        if src.starts_with("{ lib, ... }:") {
            let lib = ev.lib().unwrap();
            v = ev
                .apply(&v, Value::attrs([("lib".to_owned(), lib)]))
                .unwrap();
        }
        ev.force_deep(&v).unwrap();
        watch(&v)
    };
    probes.iter().map(|alive| alive()).collect()
}

/// Probes for a function's closure: its scope is still allocated.
fn closure_scope(v: &Value) -> Vec<Box<dyn Fn() -> bool>> {
    let Value::Lambda(c) = v else {
        panic!("expected a function, got {v:?}")
    };
    let scope = Rc::downgrade(&c.env);
    let closure = Rc::downgrade(c);
    vec![
        Box::new(move || scope.strong_count() > 0),
        Box::new(move || closure.strong_count() > 0),
    ]
}

#[test]
fn a_let_scope_captured_by_its_own_binding_is_freed() {
    let alive = alive_after_drop("let a = 1; f = x: a + x; in f", closure_scope);
    assert_eq!(alive, [false, false]);
}

#[test]
fn a_rec_set_is_freed() {
    let alive = alive_after_drop("rec { a = 1; f = x: a + x; }", |v| {
        let Value::Attrs(set) = v else {
            panic!("expected a set, got {v:?}")
        };
        let f = set.get("f").unwrap().value.peek().unwrap();
        let set = Rc::downgrade(set);
        let mut probes = closure_scope(&f);
        probes.push(Box::new(move || set.strong_count() > 0));
        probes
    });
    assert_eq!(alive, [false, false, false]);
}

#[test]
fn a_pattern_default_that_refers_to_its_scope_is_freed() {
    let alive = alive_after_drop("({ a ? 1, f ? x: a + x }: f) { }", closure_scope);
    assert_eq!(alive, [false, false]);
}

#[test]
fn fixpoints_of_lib_are_freed() {
    let alive = alive_after_drop(
        "{ lib, ... }: (lib.makeExtensible (self: { a = 1; f = x: self.a + x; })).f",
        closure_scope,
    );
    assert_eq!(alive, [false, false]);
    let alive = alive_after_drop(
        "{ lib, ... }: (lib.fix (self: { a = 1; f = x: self.a + x; })).f",
        closure_scope,
    );
    assert_eq!(alive, [false, false]);
}

#[test]
fn builtins_builtins_is_freed() {
    let alive = alive_after_drop("builtins.builtins", |v| {
        let Value::Attrs(set) = v else {
            panic!("expected a set, got {v:?}")
        };
        let set = Rc::downgrade(set);
        vec![Box::new(move || set.strong_count() > 0)]
    });
    assert_eq!(alive, [false]);
}

/// What an evaluation returned stays usable while the evaluator lives,
/// and its evaluated parts stay readable after it is dropped.
#[test]
fn values_read_after_the_evaluator_is_dropped_keep_their_evaluated_parts() {
    let v = {
        let mut ev = Evaluator::new("/");
        let v = ev
            .eval_source(
                "t.nix",
                Path::new("/"),
                "rec { a = 1; b = a + 1; l = [ a b ]; s = { inherit b; }; }",
            )
            .unwrap();
        ev.force_deep(&v).unwrap();
        v
    };
    let Value::Attrs(set) = &v else { panic!() };
    let int = |t: &atelier::nix::Thunk| match t.peek() {
        Some(Value::Int(i)) => i,
        other => panic!("expected an evaluated integer, got {other:?}"),
    };
    assert_eq!(int(&set.get("b").unwrap().value), 2);
    let Some(Value::List(l)) = set.get("l").unwrap().value.peek() else {
        panic!()
    };
    assert_eq!(l.iter().map(int).collect::<Vec<_>>(), [1, 2]);
}

/// `map`, `mapAttrs`, `genList` and `zipAttrsWith` give lazy results that
/// hold the function: a cycle through one that was never forced is freed.
#[test]
fn a_cycle_through_an_unforced_lazy_builtin_result_is_freed() {
    for src in [
        "let f = x: xs; xs = map f [ 1 ]; in { inherit f; n = builtins.length xs; }",
        "let f = n: v: s; s = builtins.mapAttrs f { a = 1; }; in { inherit f; n = builtins.attrNames s; }",
        "let f = i: l; l = builtins.genList f 2; in { inherit f; n = builtins.length l; }",
        "let f = n: vs: z; z = builtins.zipAttrsWith f [ { a = 1; } ]; in { inherit f; n = builtins.attrNames z; }",
    ] {
        // `{ f; n; }` forced deeply forces `n`, never an element.
        let alive = alive_after_drop(src, |v| {
            let Value::Attrs(set) = v else {
                panic!("expected a set, got {v:?}")
            };
            closure_scope(&set.get("f").unwrap().value.peek().unwrap())
        });
        assert_eq!(alive, [false, false], "{src}");
    }
}
