//! The builtins table. Adding a builtin is one row in [`BUILTINS`] plus its
//! function. `lib` is written in Nix (`lib.nix`) on top of these.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use super::eval::{canon_path, err, type_err, EvalResult, Evaluator};
use super::json::{self, JsonMode};
use super::syntax::BinOp;
use super::value::{Attrs, PrimOpApp, PrimOpDef, Scope, Thunk, Unknown, UnknownOrigin, Value};
use crate::diagnostic::{Diagnostic, Span};

/// nixpkgs' `lib`, the subset declarations use.
pub const LIB_NIX: &str = include_str!("lib.nix");

macro_rules! row {
    ($name:literal, $arity:literal, $f:expr) => {
        PrimOpDef {
            name: $name,
            arity: $arity,
            func: $f,
        }
    };
}

/// Every builtin: name, arity, implementation.
pub static BUILTINS: &[PrimOpDef] = &[
    row!("abort", 1, abort),
    row!("add", 2, |ev, a, s| arith2(ev, a, s, BinOp::Add)),
    row!("all", 2, all),
    row!("any", 2, any),
    row!("attrNames", 1, attr_names),
    row!("attrValues", 1, attr_values),
    row!("baseNameOf", 1, base_name_of),
    row!("catAttrs", 2, cat_attrs),
    row!("concatLists", 1, concat_lists),
    row!("concatMap", 2, concat_map),
    row!("concatStringsSep", 2, concat_strings_sep),
    row!("deepSeq", 2, deep_seq),
    row!("dirOf", 1, dir_of),
    row!("div", 2, |ev, a, s| arith2(ev, a, s, BinOp::Div)),
    row!("elem", 2, elem),
    row!("elemAt", 2, elem_at),
    row!("filter", 2, filter),
    row!("foldl'", 3, foldl_strict),
    row!("fromJSON", 1, from_json),
    row!("functionArgs", 1, function_args),
    row!("genList", 2, gen_list),
    row!("getAttr", 2, get_attr),
    row!("getEnv", 1, get_env),
    row!("hasAttr", 2, has_attr),
    row!("head", 1, head),
    row!("import", 1, import),
    row!("intersectAttrs", 2, intersect_attrs),
    row!("isAttrs", 1, |ev, a, _| is_type(ev, a, |v| matches!(
        v,
        Value::Attrs(_)
    ))),
    row!("isBool", 1, |ev, a, _| is_type(ev, a, |v| matches!(
        v,
        Value::Bool(_)
    ))),
    row!("isFloat", 1, |ev, a, _| is_type(ev, a, |v| matches!(
        v,
        Value::Float(_)
    ))),
    row!("isFunction", 1, |ev, a, _| is_type(
        ev,
        a,
        Value::is_function
    )),
    row!("isInt", 1, |ev, a, _| is_type(ev, a, |v| matches!(
        v,
        Value::Int(_)
    ))),
    row!("isList", 1, |ev, a, _| is_type(ev, a, |v| matches!(
        v,
        Value::List(_)
    ))),
    row!("isNull", 1, |ev, a, _| is_type(ev, a, |v| matches!(
        v,
        Value::Null
    ))),
    row!("isPath", 1, |ev, a, _| is_type(ev, a, |v| matches!(
        v,
        Value::Path(_)
    ))),
    row!("isString", 1, |ev, a, _| is_type(ev, a, |v| matches!(
        v,
        Value::String(_)
    ))),
    row!("length", 1, length),
    row!("lessThan", 2, less_than),
    row!("listToAttrs", 1, list_to_attrs),
    row!("map", 2, map),
    row!("match", 2, regex_match),
    row!("mapAttrs", 2, map_attrs),
    row!("mul", 2, |ev, a, s| arith2(ev, a, s, BinOp::Mul)),
    row!("partition", 2, partition),
    row!("pathExists", 1, path_exists),
    row!("readDir", 1, read_dir),
    row!("readFile", 1, read_file),
    row!("removeAttrs", 2, remove_attrs),
    row!("replaceStrings", 3, replace_strings),
    row!("seq", 2, seq),
    row!("sort", 2, sort),
    row!("split", 2, regex_split),
    row!("stringLength", 1, string_length),
    row!("sub", 2, |ev, a, s| arith2(ev, a, s, BinOp::Sub)),
    row!("substring", 3, substring),
    row!("tail", 1, tail),
    row!("throw", 1, throw),
    row!("toJSON", 1, to_json),
    row!("toString", 1, to_string),
    row!("trace", 2, trace),
    row!("tryEval", 1, try_eval),
    row!("typeOf", 1, type_of),
    row!("zipAttrsWith", 2, zip_attrs_with),
];

/// Builtins that are also global names (outside `builtins.`), as in Nix.
const GLOBAL: &[&str] = &[
    "abort",
    "baseNameOf",
    "dirOf",
    "import",
    "isNull",
    "map",
    "removeAttrs",
    "throw",
    "toString",
];

/// Helpers written in Rust that `lib.nix` receives as its argument.
static INTERNAL: &[PrimOpDef] = &[
    row!("unknown", 1, atelier_unknown),
    row!("escapeShellArg", 1, escape_shell_arg),
];

/// The argument `lib.nix` is applied to.
pub(crate) fn lib_internals() -> Value {
    Value::attrs(INTERNAL.iter().map(|def| (def.name.to_string(), prim(def))))
}

fn prim(def: &'static PrimOpDef) -> Value {
    Value::PrimOp(Rc::new(PrimOpApp {
        def,
        args: Vec::new(),
    }))
}

/// The global scope.
pub(crate) fn base_env() -> super::value::Env {
    let mut b = Attrs::default();
    for def in BUILTINS {
        b.insert(def.name, Thunk::value(prim(def)), None);
    }
    b.insert("true", Thunk::value(Value::Bool(true)), None);
    b.insert("false", Thunk::value(Value::Bool(false)), None);
    b.insert("null", Thunk::value(Value::Null), None);
    b.insert("storeDir", Thunk::value(Value::string("/nix/store")), None);
    b.insert(
        "currentSystem",
        Thunk::value(Value::unknown_root(
            "builtins.currentSystem",
            "the current system is only known when Nix runs on the host",
            None,
        )),
        None,
    );
    // Builtins we do not implement (fetchers, hashing, ...) are
    // unknown, not errors: Nix evaluates them at rebuild time.
    b.unknown_keys = Some(Rc::new(Unknown {
        reason: "this builtin is not evaluated statically by atelier-gen".into(),
        span: None,
        origin: UnknownOrigin::Root("builtins".into()),
    }));
    let mut vars: HashMap<String, Thunk> = HashMap::new();
    for (k, v) in &b.entries {
        vars.insert(format!("__{k}"), v.value.clone());
    }
    for name in GLOBAL {
        if let Some(e) = b.get(name) {
            vars.insert((*name).to_string(), e.value.clone());
        }
    }
    for name in ["true", "false", "null"] {
        vars.insert(name.to_string(), b.get(name).unwrap().value.clone());
    }
    vars.insert("builtins".into(), Thunk::value(Value::Attrs(Rc::new(b))));
    Scope::vars(None, vars)
}

// ---------------------------------------------------------------- helpers

macro_rules! want {
    ($ev:expr, $t:expr, $span:expr, $variant:ident, $what:literal) => {
        match $ev.force($t)? {
            Value::$variant(x) => x,
            Value::Unknown(u) => return Ok(Value::Unknown(Unknown::derived(&u))),
            other => return type_err($what, &other, $span),
        }
    };
}

fn unknown_of(u: &Rc<Unknown>) -> Value {
    Value::Unknown(Unknown::derived(u))
}

fn want_int(ev: &mut Evaluator, t: &Thunk, span: &Span) -> EvalResult<Result<i64, Value>> {
    match ev.force(t)? {
        Value::Int(i) => Ok(Ok(i)),
        Value::Unknown(u) => Ok(Err(unknown_of(&u))),
        other => type_err("an integer", &other, span),
    }
}

fn want_bool(ev: &mut Evaluator, v: &Value, span: &Span) -> EvalResult<Result<bool, Value>> {
    match v {
        Value::Bool(b) => Ok(Ok(*b)),
        Value::Unknown(u) => Ok(Err(unknown_of(u))),
        other => type_err("a Boolean", other, span),
    }
    .inspect(|_r| {
        let _ = ev;
    })
}

/// A function argument, checked before use as Nix does (so `sort 1 [ x ]`
/// is an error although the comparator is never called).
fn want_function(ev: &mut Evaluator, t: &Thunk, span: &Span) -> EvalResult<Value> {
    let f = ev.force(t)?;
    match &f {
        Value::Lambda(_) | Value::PrimOp(_) | Value::Unknown(_) => Ok(f),
        Value::Attrs(a) if a.get("__functor").is_some() => Ok(f),
        other => type_err("a function", other, span),
    }
}

fn call(ev: &mut Evaluator, f: &Value, arg: Thunk, span: &Span) -> EvalResult<Value> {
    ev.apply_thunk(f.clone(), arg, span)
}

fn call2(ev: &mut Evaluator, f: &Value, a: Thunk, b: Thunk, span: &Span) -> EvalResult<Value> {
    let g = ev.apply_thunk(f.clone(), a, span)?;
    ev.apply_thunk(g, b, span)
}

fn to_str(ev: &mut Evaluator, t: &Thunk, span: &Span) -> EvalResult<Result<String, Value>> {
    let v = ev.force(t)?;
    Ok(ev
        .coerce_to_string(&v, span, false)?
        .map_err(Value::Unknown))
}

fn lazy_apply(f: &Value, x: Thunk, span: &Span) -> Thunk {
    let f = f.clone();
    let s = span.clone();
    Thunk::native(span.clone(), move |ev| {
        ev.apply_thunk(f.clone(), x.clone(), &s)
    })
}

// ---------------------------------------------------------------- builtins

fn abort(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    let msg = match to_str(ev, &a[0], span)? {
        Ok(s) => s,
        Err(_) => "<unknown message>".into(),
    };
    err(
        "aborted",
        format!("evaluation aborted with the following error message: '{msg}'"),
        span,
    )
}

/// Flakes evaluate purely: every variable reads as empty, as in Nix's pure
/// evaluation mode.
fn get_env(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    let _name = want!(ev, &a[0], span, String, "a string");
    Ok(Value::string(""))
}

fn throw(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    let msg = match to_str(ev, &a[0], span)? {
        Ok(s) => s,
        Err(_) => "<unknown message>".into(),
    };
    err("thrown", msg, span)
}

fn arith2(ev: &mut Evaluator, a: &[Thunk], span: &Span, op: BinOp) -> EvalResult<Value> {
    let l = ev.force(&a[0])?;
    let r = ev.force(&a[1])?;
    super::eval::arith(op, &l, &r, span)
}

fn less_than(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    let l = ev.force(&a[0])?;
    let r = ev.force(&a[1])?;
    ev.binop_values(BinOp::Less, &l, &r, span)
}

fn all(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    let f = ev.force(&a[0])?;
    let list = want!(ev, &a[1], span, List, "a list");
    for t in list.iter() {
        let r = call(ev, &f, t.clone(), span)?;
        match want_bool(ev, &r, span)? {
            Ok(false) => return Ok(Value::Bool(false)),
            Ok(true) => {}
            Err(u) => return Ok(u),
        }
    }
    Ok(Value::Bool(true))
}

fn any(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    let f = ev.force(&a[0])?;
    let list = want!(ev, &a[1], span, List, "a list");
    for t in list.iter() {
        let r = call(ev, &f, t.clone(), span)?;
        match want_bool(ev, &r, span)? {
            Ok(true) => return Ok(Value::Bool(true)),
            Ok(false) => {}
            Err(u) => return Ok(u),
        }
    }
    Ok(Value::Bool(false))
}

fn attr_names(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    let set = want!(ev, &a[0], span, Attrs, "a set");
    if let Some(u) = &set.unknown_keys {
        return Ok(unknown_of(u));
    }
    Ok(Value::list(set.keys().map(Value::string)))
}

fn attr_values(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    let set = want!(ev, &a[0], span, Attrs, "a set");
    if let Some(u) = &set.unknown_keys {
        return Ok(unknown_of(u));
    }
    Ok(Value::List(Rc::new(
        set.entries.values().map(|e| e.value.clone()).collect(),
    )))
}

fn base_name_of(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    let v = ev.force(&a[0])?;
    let s = match &v {
        Value::Path(p) => p.display().to_string(),
        _ => match ev.coerce_to_string(&v, span, false)? {
            Ok(s) => s,
            Err(u) => return Ok(Value::Unknown(u)),
        },
    };
    let trimmed = s.strip_suffix('/').unwrap_or(&s);
    let base = trimmed.rfind('/').map_or(trimmed, |i| &trimmed[i + 1..]);
    Ok(Value::string(base))
}

fn dir_of(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    let v = ev.force(&a[0])?;
    if let Value::Path(p) = &v {
        Ok(Value::Path(Rc::from(p.parent().unwrap_or(Path::new("/")))))
    } else {
        let s = match ev.coerce_to_string(&v, span, false)? {
            Ok(s) => s,
            Err(u) => return Ok(Value::Unknown(u)),
        };
        Ok(Value::string(match s.rfind('/') {
            None => ".".to_string(),
            Some(0) => "/".to_string(),
            Some(i) => s[..i].to_string(),
        }))
    }
}

fn cat_attrs(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    let name = want!(ev, &a[0], span, String, "a string");
    let list = want!(ev, &a[1], span, List, "a list");
    let mut out = Vec::new();
    for t in list.iter() {
        let set = want!(ev, t, span, Attrs, "a set");
        if let Some(e) = set.get(&name) {
            out.push(e.value.clone());
        }
    }
    Ok(Value::List(Rc::new(out)))
}

fn concat_lists(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    let list = want!(ev, &a[0], span, List, "a list");
    let mut out = Vec::new();
    for t in list.iter() {
        let inner = want!(ev, t, span, List, "a list");
        out.extend(inner.iter().cloned());
    }
    Ok(Value::List(Rc::new(out)))
}

fn concat_map(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    let f = ev.force(&a[0])?;
    let list = want!(ev, &a[1], span, List, "a list");
    let mut out = Vec::new();
    for t in list.iter() {
        let r = call(ev, &f, t.clone(), span)?;
        match r {
            Value::List(inner) => out.extend(inner.iter().cloned()),
            Value::Unknown(u) => return Ok(unknown_of(&u)),
            other => return type_err("a list", &other, span),
        }
    }
    Ok(Value::List(Rc::new(out)))
}

fn concat_strings_sep(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    let sep = match to_str(ev, &a[0], span)? {
        Ok(s) => s,
        Err(u) => return Ok(u),
    };
    let list = want!(ev, &a[1], span, List, "a list");
    let mut parts = Vec::with_capacity(list.len());
    for t in list.iter() {
        match to_str(ev, t, span)? {
            Ok(s) => parts.push(s),
            Err(u) => return Ok(u),
        }
    }
    Ok(Value::string(parts.join(&sep)))
}

fn deep_seq(ev: &mut Evaluator, a: &[Thunk], _span: &Span) -> EvalResult<Value> {
    let v = ev.force(&a[0])?;
    ev.force_deep(&v)?;
    ev.force(&a[1])
}

fn seq(ev: &mut Evaluator, a: &[Thunk], _span: &Span) -> EvalResult<Value> {
    ev.force(&a[0])?;
    ev.force(&a[1])
}

fn elem(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    let x = ev.force(&a[0])?;
    let list = want!(ev, &a[1], span, List, "a list");
    for t in list.iter() {
        let y = ev.force(t)?;
        match ev.equal(&x, &y)? {
            Ok(true) => return Ok(Value::Bool(true)),
            Ok(false) => {}
            Err(u) => return Ok(Value::Unknown(u)),
        }
    }
    Ok(Value::Bool(false))
}

fn elem_at(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    let list = want!(ev, &a[0], span, List, "a list");
    let n = match want_int(ev, &a[1], span)? {
        Ok(n) => n,
        Err(u) => return Ok(u),
    };
    match usize::try_from(n).ok().and_then(|i| list.get(i)) {
        Some(t) => ev.force(&t.clone()),
        None => err(
            "index-out-of-bounds",
            format!("list index {n} is out of bounds"),
            span,
        ),
    }
}

fn filter(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    let f = ev.force(&a[0])?;
    let list = want!(ev, &a[1], span, List, "a list");
    let mut out = Vec::new();
    for t in list.iter() {
        let r = call(ev, &f, t.clone(), span)?;
        match want_bool(ev, &r, span)? {
            Ok(true) => out.push(t.clone()),
            Ok(false) => {}
            Err(u) => return Ok(u),
        }
    }
    Ok(Value::List(Rc::new(out)))
}

fn foldl_strict(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    let f = ev.force(&a[0])?;
    let list = want!(ev, &a[2], span, List, "a list");
    // The initial accumulator is only forced when the list is empty (or
    // when `f` uses it), as in Nix; each later one is forced.
    let mut acc = a[1].clone();
    for t in list.iter() {
        acc = Thunk::value(call2(ev, &f, acc, t.clone(), span)?);
    }
    ev.force(&acc)
}

fn from_json(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    let s = want!(ev, &a[0], span, String, "a string");
    match serde_json::from_str::<serde_json::Value>(&s) {
        Ok(j) => Ok(json::from_json(&j)),
        Err(e) => err("type-error", format!("invalid JSON: {e}"), span),
    }
}

fn function_args(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    match ev.force(&a[0])? {
        Value::Lambda(c) => match &c.lambda.param {
            super::syntax::Param::Pattern { entries, .. } => {
                Ok(Value::attrs(entries.iter().map(|e| {
                    (e.name.clone(), Value::Bool(e.default.is_some()))
                })))
            }
            super::syntax::Param::Ident(_) => Ok(Value::attrs([])),
        },
        Value::PrimOp(_) => Ok(Value::attrs([])),
        Value::Unknown(u) => Ok(unknown_of(&u)),
        other => type_err("a function", &other, span),
    }
}

fn gen_list(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    let f = ev.force(&a[0])?;
    let n = match want_int(ev, &a[1], span)? {
        Ok(n) => n,
        Err(u) => return Ok(u),
    };
    if n < 0 {
        return err(
            "type-error",
            format!("cannot create list of size {n}"),
            span,
        );
    }
    super::eval::check_list_len(usize::try_from(n).unwrap_or(usize::MAX), span)?;
    let out = (0..n)
        .map(|i| lazy_apply(&f, Thunk::value(Value::Int(i)), span))
        .collect();
    Ok(Value::List(Rc::new(out)))
}

fn get_attr(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    let name = want!(ev, &a[0], span, String, "a string");
    let set = want!(ev, &a[1], span, Attrs, "a set");
    match set.get(&name) {
        Some(e) => ev.force(&e.value.clone()),
        None => match &set.unknown_keys {
            Some(u) => Ok(unknown_of(u)),
            None => err(
                "missing-attribute",
                format!("attribute `{name}` missing"),
                span,
            ),
        },
    }
}

fn has_attr(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    let name = want!(ev, &a[0], span, String, "a string");
    let set = want!(ev, &a[1], span, Attrs, "a set");
    if set.get(&name).is_some() {
        return Ok(Value::Bool(true));
    }
    Ok(match &set.unknown_keys {
        Some(u) => unknown_of(u),
        None => Value::Bool(false),
    })
}

fn head(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    let list = want!(ev, &a[0], span, List, "a list");
    match list.first() {
        Some(t) => ev.force(&t.clone()),
        None => err(
            "index-out-of-bounds",
            "`head` called on an empty list",
            span,
        ),
    }
}

fn tail(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    let list = want!(ev, &a[0], span, List, "a list");
    if list.is_empty() {
        return err(
            "index-out-of-bounds",
            "`tail` called on an empty list",
            span,
        );
    }
    Ok(Value::List(Rc::new(list[1..].to_vec())))
}

fn import(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    let path: PathBuf = match ev.force(&a[0])? {
        Value::Path(p) => p.to_path_buf(),
        Value::String(s) if s.starts_with('/') => canon_path(Path::new(&*s)),
        Value::Unknown(u) => return Ok(unknown_of(&u)),
        other => return type_err("a path", &other, span),
    };
    ev.import_path(&path, Some(span))
}

fn intersect_attrs(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    let x = want!(ev, &a[0], span, Attrs, "a set");
    let y = want!(ev, &a[1], span, Attrs, "a set");
    let mut out = Attrs::default();
    for (k, e) in &y.entries {
        if x.get(k).is_some() {
            out.entries.insert(k.clone(), e.clone());
        }
    }
    Ok(Value::Attrs(Rc::new(out)))
}

fn is_type(ev: &mut Evaluator, a: &[Thunk], pred: impl Fn(&Value) -> bool) -> EvalResult<Value> {
    let v = ev.force(&a[0])?;
    if let Value::Unknown(u) = &v {
        return Ok(unknown_of(u));
    }
    Ok(Value::Bool(pred(&v)))
}

fn length(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    let list = want!(ev, &a[0], span, List, "a list");
    Ok(Value::Int(i64::try_from(list.len()).unwrap_or(i64::MAX)))
}

fn list_to_attrs(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    let list = want!(ev, &a[0], span, List, "a list");
    let mut out = Attrs::default();
    for t in list.iter() {
        let item = want!(ev, t, span, Attrs, "a set");
        let Some(name) = item.get("name") else {
            return err(
                "missing-attribute",
                "attribute `name` missing in listToAttrs item",
                span,
            );
        };
        let name = match ev.force(&name.value.clone())? {
            Value::String(s) => s.to_string(),
            Value::Unknown(u) => {
                out.unknown_keys.get_or_insert_with(|| Unknown::derived(&u));
                continue;
            }
            other => return type_err("a string", &other, span),
        };
        let Some(value) = item.get("value") else {
            return err(
                "missing-attribute",
                "attribute `value` missing in listToAttrs item",
                span,
            );
        };
        // The first occurrence of a name wins, as in Nix.
        if !out.entries.contains_key(&name) {
            let span = value.span.clone();
            out.insert(name, value.value.clone(), span);
        }
    }
    Ok(Value::Attrs(Rc::new(out)))
}

fn map(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    let f = ev.force(&a[0])?;
    let list = want!(ev, &a[1], span, List, "a list");
    let out = list
        .iter()
        .map(|t| lazy_apply(&f, t.clone(), span))
        .collect();
    Ok(Value::List(Rc::new(out)))
}

fn map_attrs(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    let f = ev.force(&a[0])?;
    let set = want!(ev, &a[1], span, Attrs, "a set");
    let mut out = (*set).clone();
    for (k, e) in &mut out.entries {
        let f = f.clone();
        let name = Thunk::value(Value::string(k.as_str()));
        let val = e.value.clone();
        let s = span.clone();
        e.value = Thunk::native(span.clone(), move |ev| {
            let g = ev.apply_thunk(f.clone(), name.clone(), &s)?;
            ev.apply_thunk(g, val.clone(), &s)
        });
    }
    Ok(Value::Attrs(Rc::new(out)))
}

fn partition(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    let f = ev.force(&a[0])?;
    let list = want!(ev, &a[1], span, List, "a list");
    let (mut right, mut wrong) = (Vec::new(), Vec::new());
    for t in list.iter() {
        let r = call(ev, &f, t.clone(), span)?;
        match want_bool(ev, &r, span)? {
            Ok(true) => right.push(t.clone()),
            Ok(false) => wrong.push(t.clone()),
            Err(u) => return Ok(u),
        }
    }
    Ok(Value::attrs([
        ("right".to_string(), Value::List(Rc::new(right))),
        ("wrong".to_string(), Value::List(Rc::new(wrong))),
    ]))
}

fn path_arg(ev: &mut Evaluator, t: &Thunk, span: &Span) -> EvalResult<Result<PathBuf, Value>> {
    match ev.force(t)? {
        Value::Path(p) => Ok(Ok(p.to_path_buf())),
        Value::String(s) if s.starts_with('/') => Ok(Ok(PathBuf::from(&*s))),
        Value::Unknown(u) => Ok(Err(unknown_of(&u))),
        other => type_err("a path", &other, span),
    }
}

fn path_exists(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    match path_arg(ev, &a[0], span)? {
        Ok(p) => Ok(Value::Bool(ev.inputs().stat(&p).is_some())),
        Err(u) => Ok(u),
    }
}

fn read_file(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    let p = match path_arg(ev, &a[0], span)? {
        Ok(p) => p,
        Err(u) => return Ok(u),
    };
    // Like `import`: only regular files inside the flake, and not more than
    // a value may hold (`/dev/zero` would otherwise never end).
    let canon = match ev.inputs().canonicalize(&p) {
        Ok(c) => c,
        Err(e) => {
            return err(
                "file-not-found",
                format!("cannot read {}: {e}", p.display()),
                span,
            )
        }
    };
    if !canon.starts_with(ev.root()) {
        return Err(vec![Diagnostic::error(
            "import-outside-root",
            format!(
                "readFile of {} is outside the flake root {}",
                canon.display(),
                ev.root().display()
            ),
            Some(span.clone()),
        )
        .with_note(
            "atelier-gen only reads files inside the flake; move the file into it",
        )]);
    }
    if !ev.inputs().is_file(&canon) {
        return err(
            "file-not-found",
            format!("cannot read {}: not a regular file", p.display()),
            span,
        );
    }
    let text = match ev
        .inputs()
        .read_at_most(&canon, super::eval::MAX_VALUE_SIZE)
    {
        Ok(Ok(bytes)) => String::from_utf8(bytes).map_err(std::io::Error::other),
        Ok(Err(len)) => {
            let len = usize::try_from(len).unwrap_or(usize::MAX);
            return super::eval::check_size(len, "a file", span).map(|()| Value::Null);
        }
        Err(e) => Err(e),
    };
    match text {
        Ok(s) => Ok(Value::string(s)),
        Err(e) => err(
            "file-not-found",
            format!("cannot read {}: {e}", p.display()),
            span,
        ),
    }
}

fn read_dir(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    let p = match path_arg(ev, &a[0], span)? {
        Ok(p) => p,
        Err(u) => return Ok(u),
    };
    let entries = match ev.inputs().read_dir(&p) {
        Ok(e) => e,
        Err(e) => {
            return err(
                "file-not-found",
                format!("cannot read directory {}: {e}", p.display()),
                span,
            )
        }
    };
    let out = entries
        .into_iter()
        .map(|(name, kind)| (name, Value::string(kind.name())));
    Ok(Value::attrs(out))
}

fn remove_attrs(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    let set = want!(ev, &a[0], span, Attrs, "a set");
    let names = want!(ev, &a[1], span, List, "a list");
    let mut out = (*set).clone();
    for t in names.iter() {
        let n = want!(ev, t, span, String, "a string");
        out.entries.remove(&*n);
    }
    Ok(Value::Attrs(Rc::new(out)))
}

fn replace_strings(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    let from_l = want!(ev, &a[0], span, List, "a list");
    let to_l = want!(ev, &a[1], span, List, "a list");
    if from_l.len() != to_l.len() {
        return err(
            "type-error",
            "`from` and `to` arguments to replaceStrings have different lengths",
            span,
        );
    }
    let mut from = Vec::new();
    for t in from_l.iter() {
        match to_str(ev, t, span)? {
            Ok(s) => from.push(s),
            Err(u) => return Ok(u),
        }
    }
    let s = match to_str(ev, &a[2], span)? {
        Ok(s) => s,
        Err(u) => return Ok(u),
    };
    // `to` strings are forced only when used, like Nix; matching is on bytes.
    let mut to: Vec<Option<String>> = vec![None; to_l.len()];
    let bytes = s.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(bytes.len());
    let mut p = 0;
    while p <= bytes.len() {
        let mut found = false;
        for (k, f) in from.iter().enumerate() {
            if bytes[p..].starts_with(f.as_bytes()) {
                found = true;
                if to[k].is_none() {
                    match to_str(ev, &to_l[k], span)? {
                        Ok(r) => to[k] = Some(r),
                        Err(u) => return Ok(u),
                    }
                }
                out.extend_from_slice(to[k].as_deref().unwrap_or("").as_bytes());
                if f.is_empty() {
                    if p < bytes.len() {
                        out.push(bytes[p]);
                    }
                    p += 1;
                } else {
                    p += f.len();
                }
                break;
            }
        }
        if !found {
            if p < bytes.len() {
                out.push(bytes[p]);
            }
            p += 1;
        }
    }
    Ok(Value::string(String::from_utf8_lossy(&out).into_owned()))
}

fn sort(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    let f = want_function(ev, &a[0], span)?;
    let list = want!(ev, &a[1], span, List, "a list");
    // Stable insertion-merge sort driven by the user's comparator; errors
    // and unknowns abort the sort.
    let mut items: Vec<Thunk> = list.iter().cloned().collect();
    let mut failure: Option<EvalResult<Value>> = None;
    let mut sorted: Vec<Thunk> = Vec::with_capacity(items.len());
    for t in items.drain(..) {
        let mut pos = sorted.len();
        // find the first element that t is less than
        for (idx, s) in sorted.iter().enumerate() {
            let r = match call2(ev, &f, t.clone(), s.clone(), span) {
                Ok(r) => r,
                Err(e) => {
                    failure = Some(Err(e));
                    break;
                }
            };
            match r {
                Value::Bool(true) => {
                    pos = idx;
                    break;
                }
                Value::Bool(false) => {}
                Value::Unknown(u) => {
                    failure = Some(Ok(unknown_of(&u)));
                    break;
                }
                other => {
                    failure = Some(type_err("a Boolean", &other, span));
                    break;
                }
            }
        }
        if let Some(f) = failure {
            return f;
        }
        sorted.insert(pos, t);
    }
    Ok(Value::List(Rc::new(sorted)))
}

fn string_length(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    match to_str(ev, &a[0], span)? {
        Ok(s) => Ok(Value::Int(i64::try_from(s.len()).unwrap_or(i64::MAX))),
        Err(u) => Ok(u),
    }
}

fn substring(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    let start = match want_int(ev, &a[0], span)? {
        Ok(n) => n,
        Err(u) => return Ok(u),
    };
    let len = match want_int(ev, &a[1], span)? {
        Ok(n) => n,
        Err(u) => return Ok(u),
    };
    let s = match to_str(ev, &a[2], span)? {
        Ok(s) => s,
        Err(u) => return Ok(u),
    };
    if start < 0 {
        return err("type-error", "negative start position in `substring`", span);
    }
    let start = usize::try_from(start).unwrap_or(usize::MAX).min(s.len());
    let end = if len < 0 {
        s.len()
    } else {
        start
            .saturating_add(usize::try_from(len).unwrap_or(usize::MAX))
            .min(s.len())
    };
    // Nix works on bytes; keep valid UTF-8 by lossy conversion at the edges.
    Ok(Value::string(
        String::from_utf8_lossy(&s.as_bytes()[start..end]).into_owned(),
    ))
}

fn to_json(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    let v = ev.force(&a[0])?;
    match json::to_json(ev, &v, JsonMode::Nix, span)? {
        Ok(j) => Ok(Value::string(json::nix_json_string(&j))),
        Err(u) => Ok(Value::Unknown(u)),
    }
}

fn to_string(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    let v = ev.force(&a[0])?;
    Ok(match ev.coerce_to_string(&v, span, true)? {
        Ok(s) => Value::string(s),
        Err(u) => Value::Unknown(u),
    })
}

fn trace(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    let v = ev.force(&a[0])?;
    let msg = match &v {
        Value::String(s) => s.to_string(),
        other => match json::to_json(ev, other, JsonMode::Inspect, span)? {
            Ok(j) => j.to_string(),
            Err(u) => format!("<unknown: {}>", u.reason),
        },
    };
    ev.traces.push(msg);
    ev.force(&a[1])
}

fn try_eval(ev: &mut Evaluator, a: &[Thunk], _span: &Span) -> EvalResult<Value> {
    match ev.force(&a[0]) {
        // Whether it would succeed is not known either.
        Ok(Value::Unknown(u)) => Ok(unknown_of(&u)),
        Ok(v) => Ok(Value::attrs([
            ("success".to_string(), Value::Bool(true)),
            ("value".to_string(), v),
        ])),
        Err(diags)
            if diags
                .iter()
                .all(|d| matches!(d.code, "thrown" | "assertion-failed")) =>
        {
            Ok(Value::attrs([
                ("success".to_string(), Value::Bool(false)),
                ("value".to_string(), Value::Bool(false)),
            ]))
        }
        Err(e) => Err(e),
    }
}

fn type_of(ev: &mut Evaluator, a: &[Thunk], _span: &Span) -> EvalResult<Value> {
    Ok(Value::string(match ev.force(&a[0])? {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Int(_) => "int",
        Value::Float(_) => "float",
        Value::String(_) => "string",
        Value::Path(_) => "path",
        Value::Attrs(_) => "set",
        Value::List(_) => "list",
        Value::Lambda(_) | Value::PrimOp(_) => "lambda",
        Value::Unknown(u) => return Ok(unknown_of(&u)),
    }))
}

fn zip_attrs_with(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    let f = ev.force(&a[0])?;
    let list = want!(ev, &a[1], span, List, "a list");
    let mut acc: std::collections::BTreeMap<String, Vec<Thunk>> = std::collections::BTreeMap::new();
    for t in list.iter() {
        let set = want!(ev, t, span, Attrs, "a set");
        // A name we cannot compute could be any of the result's names.
        if let Some(u) = &set.unknown_keys {
            return Ok(unknown_of(u));
        }
        for (k, e) in &set.entries {
            acc.entry(k.clone()).or_default().push(e.value.clone());
        }
    }
    let mut out = Attrs::default();
    for (k, vals) in acc {
        let f = f.clone();
        let name = Thunk::value(Value::string(k.as_str()));
        let vals = Thunk::value(Value::List(Rc::new(vals)));
        let s = span.clone();
        out.insert(
            k,
            Thunk::native(span.clone(), move |ev| {
                let g = ev.apply_thunk(f.clone(), name.clone(), &s)?;
                ev.apply_thunk(g, vals.clone(), &s)
            }),
            None,
        );
    }
    Ok(Value::Attrs(Rc::new(out)))
}

fn atelier_unknown(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    let name = want!(ev, &a[0], span, String, "a string");
    Ok(Value::Unknown(Rc::new(Unknown {
        reason: format!("`{name}` is only meaningful to the NixOS module system"),
        span: None,
        origin: UnknownOrigin::Root(name.to_string()),
    })))
}

fn escape_shell_arg(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    let v = ev.force(&a[0])?;
    let s = match ev.coerce_to_string(&v, span, true)? {
        Ok(s) => s,
        Err(u) => return Ok(Value::Unknown(u)),
    };
    let safe = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || ",._+:@%/-".contains(c));
    if safe {
        Ok(Value::string(s))
    } else {
        Ok(Value::string(format!("'{}'", s.replace('\'', "'\\''"))))
    }
}

/// Used by error paths that need a diagnostic without a span.
#[allow(dead_code)]
pub(crate) fn plain_error(code: &'static str, msg: impl Into<String>) -> Vec<Diagnostic> {
    vec![Diagnostic::error(code, msg, None)]
}

// ---------------------------------------------------------------- regexes

/// Nix's regexes are POSIX extended ones. The `regex` crate reads the same
/// syntax for what declarations use (classes, groups, alternation,
/// repetition, bracket expressions with `[:alpha:]`-style classes); what it
/// cannot read (back-references, say) is unknown here, not an error.
///
/// The two arguments of `match` and `split`: the compiled pattern and the
/// string, or the unknown that stands for the result.
fn regex_args(
    ev: &mut Evaluator,
    a: &[Thunk],
    span: &Span,
    anchored: bool,
) -> EvalResult<Result<(regex::Regex, String), Value>> {
    let re = match to_str(ev, &a[0], span)? {
        Ok(s) => s,
        Err(u) => return Ok(Err(u)),
    };
    // In POSIX extended regexes, as Nix runs them, `.` matches a newline.
    let src = if anchored {
        format!("(?s)^(?:{re})$")
    } else {
        format!("(?s){re}")
    };
    let Ok(compiled) = regex::Regex::new(&src) else {
        return Ok(Err(Value::unknown(
            format!("the regular expression {re:?} is not evaluated statically by atelier-gen"),
            Some(span.clone()),
        )));
    };
    Ok(to_str(ev, &a[1], span)?.map(|s| (compiled, s)))
}

/// The groups of a match: a string each, or null where a group took no part.
fn groups(c: &regex::Captures<'_>) -> Value {
    Value::list(
        c.iter()
            .skip(1)
            .map(|g| g.map_or(Value::Null, |m| Value::string(m.as_str().to_owned()))),
    )
}

fn regex_match(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    let (re, s) = match regex_args(ev, a, span, true)? {
        Ok(args) => args,
        Err(u) => return Ok(u),
    };
    Ok(re.captures(&s).map_or(Value::Null, |c| groups(&c)))
}

fn regex_split(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    let (re, s) = match regex_args(ev, a, span, false)? {
        Ok(args) => args,
        Err(u) => return Ok(u),
    };
    let mut out = Vec::new();
    let mut last = 0;
    for c in re.captures_iter(&s) {
        let m = c.get(0).expect("group 0 is the match");
        out.push(Value::string(s[last..m.start()].to_owned()));
        out.push(groups(&c));
        last = m.end();
    }
    out.push(Value::string(s[last..].to_owned()));
    Ok(Value::list(out))
}
