//! The builtins table. Adding a builtin is one row in [`BUILTINS`] plus its
//! function. `lib` is written in Nix (`lib.nix`) on top of these.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use rustc_hash::{FxHashMap, FxHashSet};

use super::context;
use super::eval::{canon_path, err, type_err, EvalResult, Evaluator};
use super::json::{self, JsonMode};
use super::syntax::BinOp;
use super::value::{
    Attrs, PrimOpApp, PrimOpDef, Scope, Thunk, Unknown, UnknownOrigin, Value, STORE_MARK,
};
use crate::diagnostic::{Diagnostic, Span};

/// nixpkgs' `lib`, the subset declarations use.
pub const LIB_NIX: &str = include_str!("lib.nix");
/// nixpkgs' license table, apart from `lib.nix` so that it is parsed only
/// when `lib.licenses` is used.
pub(crate) const LICENSES_NIX: &str = include_str!("licenses.nix");
/// The parts of nixpkgs' lib few flakes use (option documentation,
/// derivation helpers, the deprecated `lib.misc`, `lib.network`,
/// `lib.gvariant`, ...), apart from `lib.nix` so that they are parsed only
/// when one of them is used.
pub(crate) const LIB_MORE_NIX: &str = include_str!("lib-more.nix");

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
    row!("baseNameOf", 1, |ev, a, s| context::carry_context(
        ev,
        a,
        s,
        base_name_of,
        &[0]
    )),
    row!("catAttrs", 2, cat_attrs),
    row!("concatLists", 1, concat_lists),
    row!("concatMap", 2, concat_map),
    row!("concatStringsSep", 2, |ev, a, s| context::carry_context(
        ev,
        a,
        s,
        concat_strings_sep,
        &[0, 1]
    )),
    row!("deepSeq", 2, deep_seq),
    row!("dirOf", 1, |ev, a, s| context::carry_context(
        ev,
        a,
        s,
        dir_of,
        &[0]
    )),
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
    row!("isAttrs", 1, |ev, a, _| is_type(ev, a, true, |v| matches!(
        v,
        Value::Attrs(_)
    ))),
    row!("isBool", 1, |ev, a, _| is_type(ev, a, false, |v| matches!(
        v,
        Value::Bool(_)
    ))),
    row!("isFloat", 1, |ev, a, _| is_type(
        ev,
        a,
        false,
        |v| matches!(v, Value::Float(_))
    )),
    row!("isFunction", 1, |ev, a, _| is_type(
        ev,
        a,
        true,
        Value::is_function
    )),
    row!("isInt", 1, |ev, a, _| is_type(ev, a, false, |v| matches!(
        v,
        Value::Int(_)
    ))),
    row!("isList", 1, |ev, a, _| is_type(ev, a, false, |v| matches!(
        v,
        Value::List(_)
    ))),
    row!("isNull", 1, |ev, a, _| is_type(ev, a, false, |v| matches!(
        v,
        Value::Null
    ))),
    row!("isPath", 1, |ev, a, _| is_type(ev, a, true, |v| matches!(
        v,
        Value::Path(_)
    ))),
    row!("isString", 1, |ev, a, _| is_type(
        ev,
        a,
        false,
        |v| matches!(v, Value::String(_))
    )),
    row!("length", 1, length),
    row!("lessThan", 2, less_than),
    row!("listToAttrs", 1, list_to_attrs),
    row!("map", 2, map),
    row!("match", 2, |ev, a, s| context::without_context(
        ev,
        a,
        s,
        regex_match
    )),
    row!("mapAttrs", 2, map_attrs),
    row!("mul", 2, |ev, a, s| arith2(ev, a, s, BinOp::Mul)),
    row!("partition", 2, partition),
    row!("pathExists", 1, path_exists),
    row!("readDir", 1, read_dir),
    row!("readFile", 1, read_file),
    row!("removeAttrs", 2, remove_attrs),
    row!("replaceStrings", 3, context::replace_strings_context),
    row!("seq", 2, seq),
    row!("sort", 2, sort),
    row!("split", 2, |ev, a, s| context::without_context(
        ev,
        a,
        s,
        regex_split
    )),
    row!("stringLength", 1, string_length),
    row!("sub", 2, |ev, a, s| arith2(ev, a, s, BinOp::Sub)),
    row!("substring", 3, |ev, a, s| context::carry_context(
        ev,
        a,
        s,
        substring,
        &[2]
    )),
    row!("tail", 1, tail),
    row!("throw", 1, throw),
    row!("toJSON", 1, |ev, a, s| context::carry_context(
        ev,
        a,
        s,
        to_json,
        &[0]
    )),
    row!("toString", 1, to_string),
    row!("trace", 2, trace),
    row!("tryEval", 1, try_eval),
    row!("typeOf", 1, type_of),
    row!("zipAttrsWith", 2, zip_attrs_with),
    row!("addErrorContext", 2, add_error_context),
    row!("bitAnd", 2, |ev, a, s| bit_op(ev, a, s, |x, y| x & y)),
    row!("bitOr", 2, |ev, a, s| bit_op(ev, a, s, |x, y| x | y)),
    row!("bitXor", 2, |ev, a, s| bit_op(ev, a, s, |x, y| x ^ y)),
    row!("ceil", 1, |ev, a, s| round_with(ev, a, s, f64::ceil)),
    row!("compareVersions", 2, compare_versions_prim),
    row!("derivationStrict", 1, derivation_strict),
    row!("floor", 1, |ev, a, s| round_with(ev, a, s, f64::floor)),
    row!("fromTOML", 1, from_toml),
    row!("genericClosure", 1, generic_closure),
    row!("appendContext", 2, context::append_context),
    row!("filterSource", 2, context::filter_source),
    row!("getContext", 1, context::get_context),
    row!("groupBy", 2, group_by),
    row!("hasContext", 1, context::has_context),
    row!("hashFile", 2, hash_file),
    row!("hashString", 2, hash_string),
    row!("parseDrvName", 1, parse_drv_name),
    row!("path", 1, context::path),
    row!("placeholder", 1, placeholder),
    row!("readFileType", 1, read_file_type),
    row!("scopedImport", 2, scoped_import),
    row!("splitVersion", 1, split_version),
    row!("storePath", 1, context::store_path),
    row!("toFile", 2, context::to_file),
    row!("toPath", 1, to_path),
    row!("toXML", 1, to_xml),
    row!(
        "unsafeDiscardOutputDependency",
        1,
        context::discard_output_dependency
    ),
    row!("unsafeDiscardStringContext", 1, context::discard_context),
    row!("unsafeGetAttrPos", 2, unsafe_get_attr_pos),
    row!("warn", 2, warn),
    row!("fetchTarball", 1, super::fetchers::fetch_tarball),
];

/// Builtins that are also global names (outside `builtins.`), as in Nix.
const GLOBAL: &[&str] = &[
    "abort",
    "baseNameOf",
    "derivation",
    "derivationStrict",
    "dirOf",
    "fetchGit",
    "fetchMercurial",
    "fetchTarball",
    "fetchTree",
    "fromTOML",
    "import",
    "placeholder",
    "scopedImport",
    "isNull",
    "map",
    "removeAttrs",
    "throw",
    "toString",
];

/// Helpers written in Rust that `lib.nix` receives as its argument.
static INTERNAL: &[PrimOpDef] = &[
    row!("unknown", 1, atelier_unknown),
    row!("unknownWhy", 2, atelier_unknown_why),
    row!("evalModules", 1, crate::discover::graph::prim_eval_modules),
    row!("escapeShellArg", 1, escape_shell_arg),
    row!("filterAttrs", 2, filter_attrs),
    row!("licenses", 1, lib_licenses),
    row!("more", 1, lib_more),
    row!("updateAll", 1, update_all),
];

/// `internal.licenses helpers`: licenses.nix applied to the lib functions
/// it uses.
fn lib_licenses(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    let f = ev.eval_source("<atelier lib licenses>", Path::new("/"), LICENSES_NIX)?;
    ev.apply_thunk(f, a[0].clone(), span)
}

/// `internal.more lib`: lib-more.nix applied to the lib.
fn lib_more(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    let f = ev.eval_source("<atelier lib more>", Path::new("/"), LIB_MORE_NIX)?;
    ev.apply_thunk(f, a[0].clone(), span)
}

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
    b.insert("langVersion", Thunk::value(Value::Int(6)), None);
    b.insert(
        "derivation",
        Thunk::native(super::eval::builtin_span(), derivation_value),
        None,
    );
    b.insert(
        "builtins",
        Thunk::native(super::eval::builtin_span(), |ev| {
            let env = ev.base_env();
            let t = super::eval::lookup_lexical("builtins", &env)
                .expect("the global scope has builtins");
            ev.force(&t)
        }),
        None,
    );
    // Builtins we do not implement (fetchers, the store, the clock, ...)
    // are unknown, not errors: Nix evaluates them at rebuild time.
    let root = Rc::new(Unknown {
        reason: "this builtin is not evaluated statically by atelier-gen".into(),
        span: None,
        origin: UnknownOrigin::Root("builtins".into()),
    });
    for name in NIX_BUILTINS.iter().chain(LATER_BUILTINS) {
        if b.get(name).is_none() {
            let u = Rc::new(Unknown {
                reason: format!("`builtins.{name}` is not evaluated statically by atelier-gen"),
                span: None,
                origin: UnknownOrigin::Select {
                    base: root.clone(),
                    attr: (*name).to_string(),
                },
            });
            b.insert(*name, Thunk::value(Value::Unknown(u)), None);
        }
    }
    let mut vars: FxHashMap<String, Thunk> = FxHashMap::default();
    for (k, v) in &b.entries {
        vars.insert(format!("__{k}"), v.value.clone());
    }
    for name in GLOBAL {
        if let Some(e) = b.get(name) {
            vars.insert((*name).to_string(), e.value.clone());
        }
    }
    for name in ["true", "false", "null", "derivation"] {
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

/// `f x`, when forced; `f` is a thunk already forced to a function.
fn lazy_apply(f: &Thunk, x: Thunk, span: &Span) -> Thunk {
    let s = span.clone();
    Thunk::native_with(span.clone(), vec![f.clone(), x], move |ev, c| {
        let f = ev.force(&c[0])?;
        ev.apply_thunk(f, c[1].clone(), &s)
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
        } else if let Some(u) = set.unknown_for(&name) {
            // The name may be among those atelier could not compute.
            return Ok(unknown_of(u));
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
    if matches!(v, Value::Unknown(_)) {
        ev.unknowns_dropped += 1;
    }
    ev.force_deep(&v)?;
    ev.force(&a[1])
}

fn seq(ev: &mut Evaluator, a: &[Thunk], _span: &Span) -> EvalResult<Value> {
    if matches!(ev.force(&a[0])?, Value::Unknown(_)) {
        ev.unknowns_dropped += 1;
    }
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
    // Items whose predicate only Nix knows: the first such answer.
    let mut unknown: Option<Rc<Unknown>> = None;
    for t in list.iter() {
        let r = call(ev, &f, t.clone(), span)?;
        match r {
            Value::Bool(true) => out.push(t.clone()),
            Value::Bool(false) => {}
            Value::Unknown(u) => {
                out.push(t.clone());
                unknown.get_or_insert(u);
            }
            other => return type_err("a Boolean", &other, span),
        }
    }
    let Some(u) = unknown else {
        return Ok(Value::List(Rc::new(out)));
    };
    // A list of names (`attrNames set` filtered, as nixpkgs' `filterAttrs`
    // does before `removeAttrs`): unknown, but its items are among the
    // names that were kept or may be (`UnknownOrigin::Within`).
    let names: Option<std::collections::BTreeSet<String>> = out
        .iter()
        .map(|t| match t.peek() {
            Some(Value::String(s)) if !s.has_context() => Some(s.to_string()),
            _ => None,
        })
        .collect();
    Ok(Value::Unknown(match names {
        Some(names) => Unknown::within(&u, names),
        None => Unknown::derived(&u),
    }))
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
                // Each with where it was written, for `unsafeGetAttrPos`.
                let mut out = Attrs::default();
                for e in entries {
                    out.insert(
                        e.name.clone(),
                        Thunk::value(Value::Bool(e.default.is_some())),
                        Some(e.span.clone()),
                    );
                }
                Ok(Value::Attrs(Rc::new(out)))
            }
            super::syntax::Param::Ident(_) => Ok(Value::attrs([])),
        },
        Value::PrimOp(_) => Ok(Value::attrs([])),
        Value::Unknown(u) => Ok(unknown_of(&u)),
        other => type_err("a function", &other, span),
    }
}

fn gen_list(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    ev.force(&a[0])?;
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
        .map(|i| lazy_apply(&a[0], Thunk::value(Value::Int(i)), span))
        .collect();
    Ok(Value::List(Rc::new(out)))
}

fn get_attr(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    let name = want!(ev, &a[0], span, String, "a string");
    let set = want!(ev, &a[1], span, Attrs, "a set");
    match set.get(&name) {
        Some(e) => ev.force(&e.value.clone()),
        None => match set.unknown_for(&name) {
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
    Ok(match set.unknown_for(&name) {
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
    let mut v = ev.force(&a[0])?;
    // A set (a flake input) is imported as its `outPath`, as Nix does;
    // atelier's built-in knowledge of an input without its source says
    // what its default.nix is (`__atelierImport`).
    for _ in 0..8 {
        let Value::Attrs(attrs) = &v else { break };
        let next = match (attrs.get("__atelierImport"), attrs.get("outPath")) {
            (Some(e), _) => return ev.force(&e.value.clone()),
            (None, Some(e)) => e.value.clone(),
            (None, None) => break,
        };
        v = ev.force(&next)?;
    }
    let path: PathBuf = match v {
        Value::Path(p) => p.to_path_buf(),
        Value::String(s) if s.starts_with('/') => {
            context::source_of(ev, &s).unwrap_or_else(|| canon_path(Path::new(&*s)))
        }
        Value::Unknown(u) => {
            if imports_nixpkgs_lib(&u, span) {
                return ev.lib();
            }
            // Placed at the import (`import "${nixpkgs}/nixos/lib/eval-config.nix"`
            // names what it is, wherever it is called).
            return Ok(Value::Unknown(Rc::new(Unknown {
                reason: u.reason.clone(),
                span: Some(span.clone()),
                origin: UnknownOrigin::Derived(u),
            })));
        }
        other => return type_err("a path", &other, span),
    };
    ev.import_path(&path, Some(span))
}

/// `import "${nixpkgs}/lib"` with no source of that nixpkgs here: its lib
/// is the one `nixpkgs.lib` stands for (atelier's built-in lib), as
/// `lib = import "${inputs.nixpkgs}/lib";` in a flake's outputs means.
/// The input is one whose name starts with `nixpkgs` (the unknown derives
/// from its `outPath`), the path is read from the call's text.
fn imports_nixpkgs_lib(u: &Unknown, span: &Span) -> bool {
    let Some(root) = u.root_name() else {
        return false;
    };
    let Some(input) = root.strip_suffix(".outPath") else {
        return false;
    };
    if !input
        .rsplit('/')
        .next()
        .unwrap_or(input)
        .starts_with("nixpkgs")
    {
        return false;
    }
    let text = span.file.text.get(span.start..span.end).unwrap_or("");
    let text = text.trim_end().trim_end_matches([')', '"']).trim_end();
    text.ends_with("}/lib") || text.ends_with("}/lib/default.nix")
}

fn intersect_attrs(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    let x = want!(ev, &a[0], span, Attrs, "a set");
    let y = want!(ev, &a[1], span, Attrs, "a set");
    // Names atelier could not compute: in `x`, any of `y`'s may be there;
    // in `y`, the result may hold more.
    if let Some(u) = &x.unknown_keys {
        if y.entries
            .keys()
            .any(|k| x.get(k).is_none() && x.unknown_for(k).is_some())
        {
            return Ok(unknown_of(u));
        }
    }
    let mut out = Attrs::default();
    out.unknown_keys.clone_from(&y.unknown_keys);
    for (k, e) in &y.entries {
        if x.get(k).is_some() {
            out.entries.insert(k.clone(), e.clone());
        }
    }
    Ok(Value::Attrs(Rc::new(out)))
}

/// `builtins.is<Type>`. `of_module`: whether a module can be of this type
/// (a set, a function or a path): for a module an input without its source
/// exports ([`Unknown::is_flake_module`]) the other predicates are false.
fn is_type(
    ev: &mut Evaluator,
    a: &[Thunk],
    of_module: bool,
    pred: impl Fn(&Value) -> bool,
) -> EvalResult<Value> {
    let v = ev.force(&a[0])?;
    if let Value::Unknown(u) = &v {
        if !of_module && u.is_flake_module() {
            return Ok(Value::Bool(false));
        }
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
    ev.force(&a[0])?;
    let list = want!(ev, &a[1], span, List, "a list");
    let out = list
        .iter()
        .map(|t| lazy_apply(&a[0], t.clone(), span))
        .collect();
    Ok(Value::List(Rc::new(out)))
}

fn map_attrs(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    ev.force(&a[0])?;
    let set = want!(ev, &a[1], span, Attrs, "a set");
    let mut out = (*set).clone();
    for (k, e) in &mut out.entries {
        let name = Thunk::value(Value::string(k.as_str()));
        let captures = vec![a[0].clone(), name, e.value.clone()];
        let s = span.clone();
        e.value = Thunk::native_with(span.clone(), captures, move |ev, c| {
            let f = ev.force(&c[0])?;
            let g = ev.apply_thunk(f, c[1].clone(), &s)?;
            ev.apply_thunk(g, c[2].clone(), &s)
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
    let v = path_value(ev, t, span)?;
    path_of(ev, v, span)
}

/// A path argument as Nix's `coerceToPath` takes it: a set with
/// `__toString` or `outPath` (a `cleanSourceWith` result, a flake input)
/// stands for the string it gives (without copying a path to the store).
fn path_value(ev: &mut Evaluator, t: &Thunk, span: &Span) -> EvalResult<Value> {
    let v = ev.force(t)?;
    if let Value::Attrs(a) = &v {
        if a.get("__toString").is_some() || a.get("outPath").is_some() {
            return Ok(match ev.coerce_to_nix_string(&v, span, true)? {
                Ok(s) => Value::String(s),
                Err(u) => Value::Unknown(u),
            });
        }
    }
    Ok(v)
}

fn path_of(ev: &mut Evaluator, v: Value, span: &Span) -> EvalResult<Result<PathBuf, Value>> {
    match v {
        Value::Path(p) => Ok(Ok(p.to_path_buf())),
        Value::String(s) if s.starts_with('/') => Ok(Ok(
            context::source_of(ev, &s).unwrap_or_else(|| PathBuf::from(&*s))
        )),
        Value::Unknown(u) => Ok(Err(unknown_of(&u))),
        other => type_err("a path", &other, span),
    }
}

fn path_exists(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    match path_arg(ev, &a[0], span)? {
        // A symlink exists even when it leads nowhere, as in Nix.
        Ok(p) => {
            ev.check_pruned(&p, false, Some(span))?;
            Ok(Value::Bool(ev.inputs().lstat(&p).is_some()))
        }
        Err(u) => Ok(u),
    }
}

fn read_file(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    let p = match path_arg(ev, &a[0], span)? {
        Ok(p) => p,
        Err(u) => return Ok(u),
    };
    ev.check_pruned(&p, false, Some(span))?;
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
    if !ev.readable(&canon) {
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
    let v = path_value(ev, &a[0], span)?;
    // A source copied through a filter lists what the filter kept.
    let filter = match &v {
        Value::String(s) => context::filter_of(ev, &s.text),
        _ => None,
    };
    let p = match path_of(ev, v, span)? {
        Ok(p) => p,
        Err(u) => return Ok(u),
    };
    ev.check_pruned(&p, true, Some(span))?;
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
    let mut out = Vec::with_capacity(entries.len());
    for (name, kind) in entries {
        if let Some(f) = &filter {
            match context::kept_by(ev, f, &p.join(&name), kind, span)? {
                Ok(true) => {}
                Ok(false) => continue,
                Err(u) => return Ok(Value::Unknown(u)),
            }
        }
        out.push((name, Value::string(kind.name())));
    }
    Ok(Value::attrs(out))
}

fn remove_attrs(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    let set = want!(ev, &a[0], span, Attrs, "a set");
    let names = match ev.force(&a[1])? {
        Value::List(l) => l,
        // Names that are all among known ones (`filter` by a predicate only
        // Nix knows): those may be removed, every other name stays.
        Value::Unknown(u) => {
            let UnknownOrigin::Within { names, .. } = &u.origin else {
                return Ok(unknown_of(&u));
            };
            let mut out = (*set).clone();
            let maybe: std::collections::BTreeSet<String> = names
                .iter()
                .filter(|n| out.entries.remove(*n).is_some())
                .cloned()
                .collect();
            if !maybe.is_empty() {
                let bounded = Unknown::within(&u, maybe);
                out.unknown_keys =
                    super::value::unknown_keys_union(out.unknown_keys.as_ref(), Some(&bounded));
            }
            return Ok(Value::Attrs(Rc::new(out)));
        }
        other => return type_err("a list", &other, span),
    };
    let mut out = (*set).clone();
    for t in names.iter() {
        let n = want!(ev, t, span, String, "a string");
        out.entries.remove(&*n);
    }
    Ok(Value::Attrs(Rc::new(out)))
}

pub(super) fn replace_strings(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
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
    Ok(match ev.coerce_to_nix_string(&v, span, true)? {
        Ok(s) => Value::String(s),
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
    let dropped = ev.unknowns_dropped;
    match ev.force(&a[0]) {
        // Whether it would succeed is not known either.
        Ok(Value::Unknown(u)) => Ok(unknown_of(&u)),
        // `builtins.seq unknown x`: x, but whether forcing the unknown
        // throws in Nix is not known.
        Ok(_) if ev.unknowns_dropped > dropped => Ok(Value::unknown_root(
            "builtins.tryEval",
            "whether this throws depends on a value only Nix knows (forced by `seq`/`deepSeq`)",
            None,
        )),
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
    ev.force(&a[0])?;
    let list = want!(ev, &a[1], span, List, "a list");
    let mut acc: std::collections::BTreeMap<String, Vec<Thunk>> = std::collections::BTreeMap::new();
    let mut sets = Vec::with_capacity(list.len());
    let mut keys: Option<Rc<Unknown>> = None;
    for t in list.iter() {
        let set = want!(ev, t, span, Attrs, "a set");
        keys = super::value::unknown_keys_union(keys.as_ref(), set.unknown_keys.as_ref());
        for (k, e) in &set.entries {
            acc.entry(k.clone()).or_default().push(e.value.clone());
        }
        sets.push(set);
    }
    // Names some set may have among those atelier could not compute are
    // names of the result too (its unknown names); a known name that one of
    // them may also be has an unknown list of values.
    let mut out = Attrs {
        unknown_keys: keys,
        ..Attrs::default()
    };
    for (k, vals) in acc {
        let name = Thunk::value(Value::string(k.as_str()));
        let uncertain = sets
            .iter()
            .find_map(|s| s.get(&k).is_none().then(|| s.unknown_for(&k)).flatten());
        let vals = match uncertain {
            Some(u) => Thunk::value(unknown_of(u)),
            None => Thunk::value(Value::List(Rc::new(vals))),
        };
        let s = span.clone();
        out.insert(
            k,
            Thunk::native_with(
                span.clone(),
                vec![a[0].clone(), name, vals],
                move |ev, c| {
                    let f = ev.force(&c[0])?;
                    let g = ev.apply_thunk(f, c[1].clone(), &s)?;
                    ev.apply_thunk(g, c[2].clone(), &s)
                },
            ),
            None,
        );
    }
    Ok(Value::Attrs(Rc::new(out)))
}

/// `lib.filterAttrs pred set`: what nixpkgs' `listToAttrs (concatMap …
/// (attrNames set))` gives, except that a name whose `pred` only Nix knows
/// leaves the result's other names known: its unknown names are among those
/// few (`UnknownOrigin::Within`), where nixpkgs' form would make the whole
/// set unknown.
fn filter_attrs(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    let f = ev.force(&a[0])?;
    let set = want!(ev, &a[1], span, Attrs, "a set");
    let mut maybe = std::collections::BTreeSet::new();
    let mut why: Option<Rc<Unknown>> = None;
    if let Some(u) = &set.unknown_keys {
        match &u.origin {
            UnknownOrigin::Within { names, .. } => {
                maybe.extend(names.iter().cloned());
                why = Some(u.clone());
            }
            _ => return Ok(unknown_of(u)),
        }
    }
    let mut out = Attrs::default();
    for (k, e) in &set.entries {
        let name = Thunk::value(Value::string(k.as_str()));
        let keep = call2(ev, &f, name, e.value.clone(), span)?;
        match keep {
            Value::Bool(true) => {
                out.entries.insert(k.clone(), e.clone());
            }
            Value::Bool(false) => {}
            Value::Unknown(u) => {
                maybe.insert(k.clone());
                why.get_or_insert(u);
            }
            other => return type_err("a Boolean", &other, span),
        }
    }
    out.unknown_keys = why.map(|u| Unknown::within(&u, maybe));
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

/// `internal.unknownWhy name reason`: an unknown named `name` that says why.
fn atelier_unknown_why(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    let name = want!(ev, &a[0], span, String, "a string");
    let reason = want!(ev, &a[1], span, String, "a string");
    Ok(Value::unknown_root(
        &name.to_string(),
        reason.to_string(),
        None,
    ))
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

// ---------------------------------------------------------------- more of Nix 2.8's builtins

/// Every name in Nix 2.8's `builtins` in pure evaluation mode, the mode
/// flakes are evaluated in: `currentSystem` and `currentTime` are not
/// there (`builtins ? currentSystem` is false, so nixpkgs'
/// `lib.inPureEvalMode` is true, and `builtins.currentSystem or x` is
/// `x`). The ones atelier does not evaluate (fetchers, the store) are
/// there, as unknowns; a name Nix does not have is missing, so
/// `builtins ? fnord` is false as in Nix.
const NIX_BUILTINS: &[&str] = &[
    "abort",
    "add",
    "addErrorContext",
    "all",
    "any",
    "appendContext",
    "attrNames",
    "attrValues",
    "baseNameOf",
    "bitAnd",
    "bitOr",
    "bitXor",
    "builtins",
    "catAttrs",
    "ceil",
    "compareVersions",
    "concatLists",
    "concatMap",
    "concatStringsSep",
    "deepSeq",
    "derivation",
    "derivationStrict",
    "dirOf",
    "div",
    "elem",
    "elemAt",
    "false",
    "fetchGit",
    "fetchMercurial",
    "fetchTarball",
    "fetchTree",
    "fetchurl",
    "filter",
    "filterSource",
    "findFile",
    "floor",
    "foldl'",
    "fromJSON",
    "fromTOML",
    "functionArgs",
    "genList",
    "genericClosure",
    "getAttr",
    "getContext",
    "getEnv",
    "groupBy",
    "hasAttr",
    "hasContext",
    "hashFile",
    "hashString",
    "head",
    "import",
    "intersectAttrs",
    "isAttrs",
    "isBool",
    "isFloat",
    "isFunction",
    "isInt",
    "isList",
    "isNull",
    "isPath",
    "isString",
    "langVersion",
    "length",
    "lessThan",
    "listToAttrs",
    "map",
    "mapAttrs",
    "match",
    "mul",
    "nixPath",
    "nixVersion",
    "null",
    "parseDrvName",
    "partition",
    "path",
    "pathExists",
    "placeholder",
    "readDir",
    "readFile",
    "removeAttrs",
    "replaceStrings",
    "scopedImport",
    "seq",
    "sort",
    "split",
    "splitVersion",
    "storeDir",
    "storePath",
    "stringLength",
    "sub",
    "substring",
    "tail",
    "throw",
    "toFile",
    "toJSON",
    "toPath",
    "toString",
    "toXML",
    "trace",
    "true",
    "tryEval",
    "typeOf",
    "unsafeDiscardOutputDependency",
    "unsafeDiscardStringContext",
    "unsafeGetAttrPos",
    "zipAttrsWith",
];

/// Builtins of later Nix versions that atelier evaluates too, because
/// nixpkgs' `lib` prefers them when they exist; and those Nix 2.8 has with
/// the experimental features flakes need (`getFlake`, `fetchClosure`),
/// which stay unknown.
const LATER_BUILTINS: &[&str] = &["readFileType", "warn", "getFlake", "fetchClosure"];

/// Builtins written in Nix on top of the primitive ones.
pub(crate) const DERIVATION_NIX: &str = r#"
drvAttrs@{ outputs ? [ "out" ], ... }:
let
  strict = builtins.derivationStrict drvAttrs;
  forOutput = outputName: {
    name = outputName;
    value = common // {
      outPath = builtins.getAttr outputName strict;
      drvPath = strict.drvPath;
      type = "derivation";
      inherit outputName;
    };
  };
  perOutput = map forOutput outputs;
  common = drvAttrs // builtins.listToAttrs perOutput // {
    all = map (o: o.value) perOutput;
    inherit drvAttrs;
  };
in
(builtins.head perOutput).value
"#;

fn bit_op(
    ev: &mut Evaluator,
    a: &[Thunk],
    span: &Span,
    f: fn(i64, i64) -> i64,
) -> EvalResult<Value> {
    let x = match want_int(ev, &a[0], span)? {
        Ok(x) => x,
        Err(u) => return Ok(u),
    };
    let y = match want_int(ev, &a[1], span)? {
        Ok(y) => y,
        Err(u) => return Ok(u),
    };
    Ok(Value::Int(f(x, y)))
}

#[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
fn round_with(
    ev: &mut Evaluator,
    a: &[Thunk],
    span: &Span,
    f: fn(f64) -> f64,
) -> EvalResult<Value> {
    match ev.force(&a[0])? {
        Value::Int(i) => Ok(Value::Int(f(i as f64) as i64)),
        Value::Float(x) => Ok(Value::Int(f(x) as i64)),
        Value::Unknown(u) => Ok(unknown_of(&u)),
        other => type_err("a float", &other, span),
    }
}

/// The next component of a version string, as Nix's `nextComponent`.
fn next_version_component<'a>(s: &'a [u8], p: &mut usize) -> &'a [u8] {
    while *p < s.len() && (s[*p] == b'.' || s[*p] == b'-') {
        *p += 1;
    }
    let start = *p;
    if *p < s.len() && s[*p].is_ascii_digit() {
        while *p < s.len() && s[*p].is_ascii_digit() {
            *p += 1;
        }
    } else {
        while *p < s.len() && !s[*p].is_ascii_digit() && s[*p] != b'.' && s[*p] != b'-' {
            *p += 1;
        }
    }
    &s[start..*p]
}

fn version_component_less(c1: &[u8], c2: &[u8]) -> bool {
    let num = |c: &[u8]| {
        std::str::from_utf8(c)
            .ok()
            .filter(|s| !s.is_empty())
            .and_then(|s| s.parse::<i32>().ok())
    };
    let (n1, n2) = (num(c1), num(c2));
    match (n1, n2) {
        (Some(a), Some(b)) => a < b,
        _ if c1.is_empty() && n2.is_some() => true,
        _ if c1 == b"pre" && c2 != b"pre" => true,
        _ if c2 == b"pre" => false,
        (_, Some(_)) => true,
        (Some(_), _) => false,
        _ => c1 < c2,
    }
}

/// Nix's `compareVersions`: -1, 0 or 1.
pub(crate) fn compare_versions(v1: &str, v2: &str) -> i64 {
    let (s1, s2) = (v1.as_bytes(), v2.as_bytes());
    let (mut p1, mut p2) = (0, 0);
    while p1 < s1.len() || p2 < s2.len() {
        let c1 = next_version_component(s1, &mut p1);
        let c2 = next_version_component(s2, &mut p2);
        if version_component_less(c1, c2) {
            return -1;
        }
        if version_component_less(c2, c1) {
            return 1;
        }
    }
    0
}

fn compare_versions_prim(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    let x = match to_str(ev, &a[0], span)? {
        Ok(s) => s,
        Err(u) => return Ok(u),
    };
    let y = match to_str(ev, &a[1], span)? {
        Ok(s) => s,
        Err(u) => return Ok(u),
    };
    Ok(Value::Int(compare_versions(&x, &y)))
}

fn split_version(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    let s = match to_str(ev, &a[0], span)? {
        Ok(s) => s,
        Err(u) => return Ok(u),
    };
    let bytes = s.as_bytes();
    let mut p = 0;
    let mut out = Vec::new();
    while p < bytes.len() {
        let c = next_version_component(bytes, &mut p);
        if c.is_empty() {
            break;
        }
        out.push(Value::string(String::from_utf8_lossy(c).into_owned()));
    }
    Ok(Value::list(out))
}

fn parse_drv_name(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    let s = match to_str(ev, &a[0], span)? {
        Ok(s) => s,
        Err(u) => return Ok(u),
    };
    let b = s.as_bytes();
    let split =
        (0..b.len()).find(|&i| b[i] == b'-' && i + 1 < b.len() && !b[i + 1].is_ascii_alphabetic());
    let (name, version) = match split {
        Some(i) => (&s[..i], &s[i + 1..]),
        None => (s.as_str(), ""),
    };
    Ok(Value::attrs([
        ("name".to_string(), Value::string(name)),
        ("version".to_string(), Value::string(version)),
    ]))
}

/// A key `genericClosure` can remember: equal keys give equal forms.
fn closure_key(ev: &mut Evaluator, v: &Value, span: &Span) -> EvalResult<Result<String, Value>> {
    Ok(Ok(match v {
        Value::Int(i) => format!("i{i}"),
        Value::Float(f) => {
            // 1 and 1.0 are the same key in Nix.
            #[allow(
                clippy::cast_possible_truncation,
                clippy::cast_precision_loss,
                clippy::float_cmp
            )]
            if f.fract() == 0.0 && (*f as i64) as f64 == *f {
                format!("i{}", *f as i64)
            } else {
                format!("f{f}")
            }
        }
        Value::String(s) => format!("s{s}"),
        Value::Path(p) => format!("p{}", p.display()),
        Value::Unknown(u) => return Ok(Err(unknown_of(u))),
        Value::List(items) => {
            let mut parts = Vec::new();
            for t in items.iter() {
                let x = ev.force(t)?;
                match closure_key(ev, &x, span)? {
                    Ok(k) => parts.push(k),
                    Err(u) => return Ok(Err(u)),
                }
            }
            format!("l{}", serde_json::to_string(&parts).unwrap_or_default())
        }
        other => {
            return err(
                "type-error",
                format!(
                    "cannot compare {} with {}",
                    other.type_name(),
                    other.type_name()
                ),
                span,
            )
        }
    }))
}

fn generic_closure(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    let args = want!(ev, &a[0], span, Attrs, "a set");
    let get = |name: &str| {
        args.get(name).map(|e| e.value.clone()).ok_or_else(|| {
            vec![Diagnostic::error(
                "missing-attribute",
                format!("attribute `{name}` required by genericClosure"),
                Some(span.clone()),
            )]
        })
    };
    let start = get("startSet")?;
    let op = get("operator")?;
    let start = want!(ev, &start, span, List, "a list");
    let op = ev.force(&op)?;
    let mut work: std::collections::VecDeque<Thunk> = start.iter().cloned().collect();
    let mut done = FxHashSet::default();
    // Nix keeps the keys ordered: keys of types it cannot compare fail.
    let mut key_type: Option<&'static str> = None;
    let mut out = Vec::new();
    while let Some(t) = work.pop_front() {
        let item = want!(ev, &t, span, Attrs, "a set");
        let Some(key) = item.get("key") else {
            if let Some(u) = item.unknown_for("key") {
                return Ok(unknown_of(u));
            }
            return err("missing-attribute", "attribute `key` required", span);
        };
        let key = ev.force(&key.value.clone())?;
        let ty = match &key {
            Value::Int(_) | Value::Float(_) => "a number",
            other => other.type_name(),
        };
        match key_type {
            Some(first) if first != ty && !matches!(key, Value::Unknown(_)) => {
                return err(
                    "type-error",
                    format!("cannot compare {ty} with {first} (genericClosure keys)"),
                    span,
                );
            }
            None => key_type = Some(ty),
            _ => {}
        }
        let key = match closure_key(ev, &key, span)? {
            Ok(k) => k,
            Err(u) => return Ok(u),
        };
        if !done.insert(key) {
            continue;
        }
        super::eval::check_list_len(out.len() + 1, span)?;
        out.push(t.clone());
        match call(ev, &op, t, span)? {
            Value::List(next) => work.extend(next.iter().cloned()),
            Value::Unknown(u) => return Ok(unknown_of(&u)),
            other => return type_err("a list", &other, span),
        }
    }
    Ok(Value::List(Rc::new(out)))
}

fn group_by(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    let f = ev.force(&a[0])?;
    let list = want!(ev, &a[1], span, List, "a list");
    let mut groups: std::collections::BTreeMap<String, Vec<Thunk>> =
        std::collections::BTreeMap::new();
    for t in list.iter() {
        let k = call(ev, &f, t.clone(), span)?;
        let k = match k {
            Value::String(s) => s.to_string(),
            Value::Unknown(u) => return Ok(unknown_of(&u)),
            other => return type_err("a string", &other, span),
        };
        groups.entry(k).or_default().push(t.clone());
    }
    Ok(Value::attrs(
        groups
            .into_iter()
            .map(|(k, v)| (k, Value::List(Rc::new(v)))),
    ))
}

fn hash_hex(algo: &str, data: &[u8], span: &Span) -> EvalResult<String> {
    use sha2::Digest as _;
    Ok(match algo {
        "md5" => hex::encode(md5::Md5::digest(data)),
        "sha1" => hex::encode(sha1::Sha1::digest(data)),
        "sha256" => hex::encode(sha2::Sha256::digest(data)),
        "sha512" => hex::encode(sha2::Sha512::digest(data)),
        other => {
            return err(
                "type-error",
                format!("unknown hash algorithm '{other}' (md5, sha1, sha256 or sha512)"),
                span,
            )
        }
    })
}

fn hash_string(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    let algo = want!(ev, &a[0], span, String, "a string");
    let s = match to_str(ev, &a[1], span)? {
        Ok(s) => s,
        Err(u) => return Ok(u),
    };
    Ok(Value::string(hash_hex(&algo, s.as_bytes(), span)?))
}

fn hash_file(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    let algo = want!(ev, &a[0], span, String, "a string");
    let text = match read_file(ev, &a[1..], span)? {
        Value::String(s) => s,
        other => return Ok(other),
    };
    Ok(Value::string(hash_hex(&algo, text.as_bytes(), span)?))
}

fn toml_value(v: toml::Value, span: &Span) -> EvalResult<Value> {
    Ok(match v {
        toml::Value::String(s) => Value::string(s),
        toml::Value::Integer(i) => Value::Int(i),
        toml::Value::Float(f) => Value::Float(f),
        toml::Value::Boolean(b) => Value::Bool(b),
        toml::Value::Array(items) => Value::list(
            items
                .into_iter()
                .map(|x| toml_value(x, span))
                .collect::<EvalResult<Vec<_>>>()?,
        ),
        toml::Value::Table(t) => Value::attrs(
            t.into_iter()
                .map(|(k, x)| Ok((k, toml_value(x, span)?)))
                .collect::<EvalResult<Vec<_>>>()?,
        ),
        toml::Value::Datetime(d) => {
            return err(
                "type-error",
                format!(
                "while parsing a TOML string: unsupported type (date and time {d}), as in Nix 2.8"
            ),
                span,
            )
        }
    })
}

fn from_toml(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    let s = want!(ev, &a[0], span, String, "a string");
    match s.parse::<toml::Table>() {
        Ok(t) => toml_value(toml::Value::Table(t), span),
        Err(e) => err(
            "type-error",
            format!("while parsing a TOML string: {}", e.message()),
            span,
        ),
    }
}

/// `{ file; line; column; }` of where an attribute was defined, or null.
fn unsafe_get_attr_pos(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    let name = want!(ev, &a[0], span, String, "a string");
    let set = want!(ev, &a[1], span, Attrs, "a set");
    let Some(e) = set.get(&name) else {
        return Ok(match set.unknown_for(&name) {
            Some(u) => unknown_of(u),
            None => Value::Null,
        });
    };
    Ok(match &e.span {
        Some(s) => {
            let (line, col) = s.line_col();
            Value::attrs([
                (
                    "file".to_string(),
                    Value::string(s.file.path.display().to_string()),
                ),
                (
                    "line".to_string(),
                    Value::Int(i64::try_from(line).unwrap_or(0)),
                ),
                (
                    "column".to_string(),
                    Value::Int(i64::try_from(col).unwrap_or(0)),
                ),
            ])
        }
        None => Value::Null,
    })
}

fn to_path(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    let v = ev.force(&a[0])?;
    let s = match &v {
        Value::Path(p) => p.display().to_string(),
        _ => match ev.coerce_to_string(&v, span, false)? {
            Ok(s) => s,
            Err(u) => return Ok(Value::Unknown(u)),
        },
    };
    if !s.starts_with('/') {
        return err(
            "type-error",
            format!("string '{s}' doesn't represent an absolute path"),
            span,
        );
    }
    // Nix 2.8 gives the canonical path as a string.
    Ok(Value::string(
        canon_path(Path::new(&s)).display().to_string(),
    ))
}

fn read_file_type(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    let p = match path_arg(ev, &a[0], span)? {
        Ok(p) => p,
        Err(u) => return Ok(u),
    };
    ev.check_pruned(&p, false, Some(span))?;
    match ev.inputs().lstat(&p) {
        Some(kind) => Ok(Value::string(kind.name())),
        None => err(
            "file-not-found",
            format!("cannot read {}: no such file or directory", p.display()),
            span,
        ),
    }
}

fn add_error_context(ev: &mut Evaluator, a: &[Thunk], _span: &Span) -> EvalResult<Value> {
    ev.force(&a[1])
}

fn placeholder(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    use sha2::Digest as _;
    let out = want!(ev, &a[0], span, String, "a string");
    let h = sha2::Sha256::digest(format!("nix-output:{out}").as_bytes());
    Ok(Value::string(format!("/{}", super::store::base32(&h))))
}

fn scoped_import(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    let scope = want!(ev, &a[0], span, Attrs, "a set");
    if let Some(u) = &scope.unknown_keys {
        return Ok(unknown_of(u));
    }
    let path: PathBuf = match ev.force(&a[1])? {
        Value::Path(p) => p.to_path_buf(),
        Value::String(s) if s.starts_with('/') => {
            context::source_of(ev, &s).unwrap_or_else(|| canon_path(Path::new(&*s)))
        }
        Value::Unknown(u) => return Ok(unknown_of(&u)),
        other => return type_err("a path", &other, span),
    };
    let vars = scope
        .entries
        .iter()
        .map(|(k, e)| (k.clone(), e.value.clone()))
        .collect();
    ev.import_scoped(&path, vars, span)
}

/// Nix's `derivationStrict` for what atelier knows exactly: the output and
/// `.drv` paths of an input-addressed derivation whose attributes are all
/// known (see `store.rs` for why that is exact).
fn derivation_strict(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    let attrs = want!(ev, &a[0], span, Attrs, "a set");
    if let Some(u) = &attrs.unknown_keys {
        return Ok(unknown_of(u));
    }
    let unknown = |why: &str| {
        Ok(Value::unknown(
            format!("{why}: Nix computes this derivation's store paths when it builds"),
            Some(span.clone()),
        ))
    };
    let ignore_nulls = match attrs.get("__ignoreNulls") {
        Some(e) => matches!(ev.force(&e.value.clone())?, Value::Bool(true)),
        None => false,
    };
    for special in ["outputHash", "__contentAddressed", "__impure"] {
        if attrs.get(special).is_some() {
            return unknown(&format!(
                "`{special}` is not evaluated statically by atelier-gen"
            ));
        }
    }
    // With `__structuredAttrs = true` the attributes (but `args`) reach
    // the builder as one JSON document, `__json`.
    let structured = match attrs.get("__structuredAttrs") {
        Some(e) => matches!(ev.force(&e.value.clone())?, Value::Bool(true)),
        None => false,
    };
    let mut json_attrs = serde_json::Map::new();
    let mut inputs = context::Union::default();
    let mut env = std::collections::BTreeMap::new();
    let mut args = Vec::new();
    let mut outputs = vec!["out".to_string()];
    for (k, e) in &attrs.entries {
        if k == "__ignoreNulls" || (structured && k == "__structuredAttrs") {
            continue;
        }
        let v = ev.force(&e.value.clone())?;
        if ignore_nulls && matches!(v, Value::Null) {
            continue;
        }
        if structured && k != "args" {
            match json::to_json(ev, &v, JsonMode::Nix, span)? {
                Ok(j) => {
                    json_attrs.insert(k.clone(), j);
                }
                Err(u) => return Ok(Value::Unknown(u)),
            }
            if !matches!(k.as_str(), "builder" | "system" | "name" | "outputs") {
                continue;
            }
        }
        if k == "args" {
            let Value::List(items) = &v else {
                match v {
                    Value::Unknown(u) => return Ok(unknown_of(&u)),
                    other => return type_err("a list", &other, span),
                }
            };
            for t in items.iter() {
                let x = ev.force(t)?;
                match drv_string(ev, &x, span, &mut inputs)? {
                    Ok(s) => args.push(s),
                    Err(u) => return Ok(u),
                }
            }
            continue;
        }
        if k == "outputs" {
            let Value::List(items) = &v else {
                match v {
                    Value::Unknown(u) => return Ok(unknown_of(&u)),
                    other => return type_err("a list", &other, span),
                }
            };
            let mut outs = Vec::new();
            for t in items.iter() {
                match ev.force(t)? {
                    Value::String(s) => {
                        if &*s == "drv" || outs.contains(&s.to_string()) {
                            return err(
                                "type-error",
                                format!("invalid derivation output name '{s}'"),
                                span,
                            );
                        }
                        outs.push(s.to_string());
                    }
                    Value::Unknown(u) => return Ok(unknown_of(&u)),
                    other => return type_err("a string", &other, span),
                }
            }
            if outs.is_empty() {
                return err(
                    "type-error",
                    "derivation cannot have an empty set of outputs",
                    span,
                );
            }
            if !structured {
                env.insert(k.clone(), outs.join(" "));
            }
            outputs = outs;
            continue;
        }
        match drv_string(ev, &v, span, &mut inputs)? {
            Ok(s) => {
                env.insert(k.clone(), s);
            }
            Err(u) => return Ok(u),
        }
    }
    let required = |env: &std::collections::BTreeMap<String, String>, name: &str| {
        env.get(name).cloned().ok_or_else(|| {
            vec![Diagnostic::error(
                "missing-attribute",
                format!("required attribute '{name}' missing"),
                Some(span.clone()),
            )]
        })
    };
    let name = required(&env, "name")?;
    let builder = required(&env, "builder")?;
    let system = required(&env, "system")?;
    // A store path in a structured attribute makes a derivation an input;
    // atelier does not collect those from JSON.
    if json_attrs
        .values()
        .any(|j| j.to_string().contains(STORE_MARK))
    {
        return unknown("an attribute holds a store path (another derivation is an input)");
    }
    if structured {
        env.clear();
        env.insert(
            "__json".to_string(),
            json::nix_json_string(&serde_json::Value::Object(json_attrs)),
        );
    }
    if std::path::Path::new(&name)
        .extension()
        .is_some_and(|e| e == "drv")
    {
        return err(
            "type-error",
            "derivation names are not allowed to end in '.drv'",
            span,
        );
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "+-._?=".contains(*c)))
    {
        return err(
            "type-error",
            format!("the derivation name '{name}' contains the character '{c}', which is not allowed in a store path"),
            span,
        );
    }
    if name.is_empty() || name.starts_with('.') || name.len() > 211 {
        return err(
            "type-error",
            format!("'{name}' is not a valid store path name (empty, starts with '.', or longer than 211 characters)"),
            span,
        );
    }
    let (input_srcs, input_drvs) = match context::derivation_inputs(ev, inputs, span) {
        Ok(i) => i,
        Err(u) => return Ok(u),
    };
    let drv = super::store::Derivation {
        name,
        system,
        builder,
        args,
        env,
        outputs,
        input_srcs,
        input_drvs,
    };
    let (drv_path, paths, modulo) = drv.paths();
    context::remember_derivation(ev, &drv_path, modulo);
    // `drvPath` depends on the derivation and all its outputs, each output
    // path on that output.
    let ctx = |c: String| Some(Rc::new([c].into_iter().collect()));
    let mut out = vec![(
        "drvPath".to_string(),
        Value::string_with_context(drv_path.clone(), ctx(format!("={drv_path}"))),
    )];
    out.extend(paths.into_iter().map(|(o, p)| {
        let c = ctx(format!("!{o}!{drv_path}"));
        (o, Value::string_with_context(p, c))
    }));
    Ok(Value::attrs(out))
}

/// How `derivationStrict` turns an attribute into an environment string.
fn drv_string(
    ev: &mut Evaluator,
    v: &Value,
    span: &Span,
    inputs: &mut context::Union,
) -> EvalResult<Result<String, Value>> {
    match v {
        // Copied to the store (see `context.rs`).
        Value::Path(_) => Ok(ev
            .coerce_to_nix_string(v, span, false)?
            .map(|s| {
                inputs.add(&s);
                s.text.to_string()
            })
            .map_err(Value::Unknown)),
        Value::List(items) => {
            let mut parts = Vec::new();
            for t in items.iter() {
                let x = ev.force(t)?;
                match drv_string(ev, &x, span, inputs)? {
                    Ok(s) => parts.push((s, matches!(&x, Value::List(l) if l.is_empty()))),
                    Err(u) => return Ok(Err(u)),
                }
            }
            let n = parts.len();
            let mut out = String::new();
            for (i, (s, empty_list)) in parts.into_iter().enumerate() {
                out.push_str(&s);
                if i + 1 < n && !empty_list {
                    out.push(' ');
                }
            }
            Ok(Ok(out))
        }
        _ => Ok(ev
            .coerce_to_nix_string(v, span, true)?
            .map(|s| {
                inputs.add(&s);
                s.text.to_string()
            })
            .map_err(Value::Unknown)),
    }
}

fn derivation_value(ev: &mut Evaluator) -> EvalResult<Value> {
    ev.eval_source("<derivation>", Path::new("/"), DERIVATION_NIX)
}

/// Like `trace` (newer Nix's `builtins.warn`).
fn warn(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    let msg = want!(ev, &a[0], span, String, "a string");
    ev.traces.push(format!("warning: {msg}"));
    ev.force(&a[1])
}

/// `builtins.toXML`, as Nix 2.8 prints it (without locations).
fn to_xml(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    let v = ev.force(&a[0])?;
    let mut out = String::from("<?xml version='1.0' encoding='utf-8'?>\n<expr>\n");
    if let Err(u) = xml_value(ev, &v, 1, span, &mut out)? {
        return Ok(u);
    }
    out.push_str("</expr>\n");
    Ok(Value::string(out))
}

fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("&quot;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\n' => out.push_str("&#xA;"),
            _ => out.push(c),
        }
    }
    out
}

fn xml_value(
    ev: &mut Evaluator,
    v: &Value,
    depth: usize,
    span: &Span,
    out: &mut String,
) -> EvalResult<Result<(), Value>> {
    let pad = "  ".repeat(depth);
    let leaf = |out: &mut String, tag: &str, value: &str| {
        let _ = writeln!(out, "{pad}<{tag} value=\"{}\" />", xml_escape(value));
    };
    match v {
        Value::String(s) => leaf(out, "string", s),
        Value::Int(i) => leaf(out, "int", &i.to_string()),
        Value::Float(f) => leaf(out, "float", &format_g(*f)),
        Value::Bool(b) => leaf(out, "bool", if *b { "true" } else { "false" }),
        Value::Null => {
            let _ = writeln!(out, "{pad}<null />");
        }
        Value::Path(p) => leaf(out, "path", &p.display().to_string()),
        Value::Unknown(u) => return Ok(Err(unknown_of(u))),
        Value::List(items) => {
            if items.is_empty() {
                let _ = writeln!(out, "{pad}<list />");
            } else {
                let _ = writeln!(out, "{pad}<list>");
                for t in items.iter() {
                    let x = ev.force(t)?;
                    if let Err(u) = xml_value(ev, &x, depth + 1, span, out)? {
                        return Ok(Err(u));
                    }
                }
                let _ = writeln!(out, "{pad}</list>");
            }
        }
        Value::Attrs(set) => {
            if let Some(u) = &set.unknown_keys {
                return Ok(Err(unknown_of(u)));
            }
            if let Some(t) = set.get("type") {
                if matches!(ev.force(&t.value.clone())?, Value::String(s) if &*s == "derivation") {
                    return Ok(Err(Value::unknown(
                        "toXML of a derivation is not evaluated statically by atelier-gen",
                        Some(span.clone()),
                    )));
                }
            }
            if set.is_empty() {
                let _ = writeln!(out, "{pad}<attrs />");
            } else {
                let _ = writeln!(out, "{pad}<attrs>");
                for (k, e) in &set.entries {
                    let _ = writeln!(out, "{pad}  <attr name=\"{}\">", xml_escape(k));
                    let x = ev.force(&e.value.clone())?;
                    if let Err(u) = xml_value(ev, &x, depth + 2, span, out)? {
                        return Ok(Err(u));
                    }
                    let _ = writeln!(out, "{pad}  </attr>");
                }
                let _ = writeln!(out, "{pad}</attrs>");
            }
        }
        Value::Lambda(c) => match &c.lambda.param {
            super::syntax::Param::Ident(name) => {
                let _ = writeln!(out, "{pad}<function>");
                let _ = writeln!(out, "{pad}  <varpat name=\"{}\" />", xml_escape(name));
                let _ = writeln!(out, "{pad}</function>");
            }
            super::syntax::Param::Pattern {
                entries,
                bind,
                ellipsis,
            } => {
                // Attributes in name order, as Nix's XML writer keeps them.
                let mut attrs = String::new();
                if *ellipsis {
                    attrs.push_str(" ellipsis=\"1\"");
                }
                if let Some(b) = bind {
                    let _ = write!(attrs, " name=\"{}\"", xml_escape(b));
                }
                let _ = writeln!(out, "{pad}<function>");
                let _ = writeln!(out, "{pad}  <attrspat{attrs}>");
                let mut entries: Vec<_> = entries.iter().collect();
                entries.sort_by(|x, y| x.name.cmp(&y.name));
                for e in entries {
                    let _ = writeln!(out, "{pad}    <attr name=\"{}\" />", xml_escape(&e.name));
                }
                let _ = writeln!(out, "{pad}  </attrspat>");
                let _ = writeln!(out, "{pad}</function>");
            }
        },
        Value::PrimOp(_) => {
            let _ = writeln!(out, "{pad}<unevaluated />");
        }
    }
    Ok(Ok(()))
}

/// C++'s `ostream << double` (`%g`, six significant digits), as Nix
/// prints floats.
pub(crate) fn format_g(f: f64) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f < 0.0 { "-inf" } else { "inf" }.into();
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0" } else { "0" }.into();
    }
    let sci = format!("{f:.5e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let trim = |s: &str| -> String {
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s.to_string()
        }
    };
    if (-4..6).contains(&exp) {
        let decimals = usize::try_from(5 - exp).unwrap_or(0);
        trim(&format!("{f:.decimals$}"))
    } else {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{}e{sign}{:02}", trim(mantissa), exp.abs())
    }
}

/// `internal.updateAll [ a b … ]`: `a // b // …`, building the result once
/// rather than copying each partial union (the lib's top level is the
/// union of its parts). Sets with names atelier cannot compute merge as
/// `//` does.
fn update_all(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    let list = want!(ev, &a[0], span, List, "a list");
    let mut sets = Vec::with_capacity(list.len());
    for t in list.iter() {
        sets.push(ev.force(t)?);
    }
    let plain = sets
        .iter()
        .all(|v| matches!(v, Value::Attrs(s) if s.unknown_keys.is_none()));
    if !plain {
        let mut acc = Value::attrs([]);
        for v in &sets {
            acc = ev.binop_values(BinOp::Update, &acc, v, span)?;
        }
        return Ok(acc);
    }
    let mut out = Attrs::default();
    for v in &sets {
        if let Value::Attrs(s) = v {
            for (k, e) in &s.entries {
                out.entries.insert(k.clone(), e.clone());
            }
            out.span = s.span.clone().or(out.span);
        }
    }
    Ok(Value::Attrs(Rc::new(out)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `updateAll` is `//` folded over its list, names it cannot compute
    /// included (`{ ${unknown} = …; }` may replace any name before it).
    #[test]
    fn update_all_is_update_folded() {
        let mut ev = Evaluator::new("/");
        let dyn_set =
            "{ ${builtins.storePath \"/nix/store/00000000000000000000000000000000-x\"} = 0; }";
        for sets in [
            "[ { a = 1; b = 1; } { b = 2; c = 2; } { } { c = 3; } ]".to_owned(),
            format!("[ {{ a = 1; }} {dyn_set} {{ b = 2; }} ]"),
            "[ ]".to_owned(),
        ] {
            let src = format!(
                "internal: let all = internal.updateAll {sets}; folded = builtins.foldl' (x: y: x // y) {{ }} {sets}; in \
                 [ (all.a or null) (all.b or null) (all.c or null) (folded.a or null) (folded.b or null) (folded.c or null) ]"
            );
            let f = ev.eval_source("t.nix", Path::new("/"), &src).unwrap();
            let v = ev.apply(&f, lib_internals()).unwrap();
            ev.force_deep(&v).unwrap();
            let Value::List(items) = v else {
                panic!("a list")
            };
            let shown: Vec<String> = items
                .iter()
                .map(|t| match ev.force(t).unwrap() {
                    Value::Unknown(_) => "unknown".to_owned(),
                    other => format!("{other:?}"),
                })
                .collect();
            assert_eq!(shown[..3], shown[3..], "{sets}");
        }
    }
}
