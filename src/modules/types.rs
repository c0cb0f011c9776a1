//! Option types, as far as they decide how definitions merge.
//!
//! With atelier's built-in `lib`, `lib.types` is opaque: `types.listOf
//! types.str` is an unknown whose origin says `listOf` applied to `str`, and
//! [`classify`] reads that chain. With nixpkgs' real `lib`, a type is a set
//! with a `name` and its own `merge`: attribute-set types still merge key by
//! key here (lazily, so a key under a condition only Nix knows stays unknown
//! alone), every other type is [`Ty::Real`] and its own `merge` is called.

use std::rc::Rc;

use super::{dotted, Def};
use crate::diagnostic::Diagnostic;
use crate::nix::{EvalResult, Evaluator, Thunk, Unknown, UnknownOrigin, Value};

/// How an option's definitions merge.
#[derive(Clone)]
pub(super) enum Ty {
    /// A type atelier-gen does not know (or atelier's own [`by_shape`]):
    /// definitions merge by their shape (sets key by key, lists
    /// concatenated, equal scalars).
    Opaque,
    /// No type, `unspecified`: nixpkgs' `mergeDefaultOption` — one
    /// definition is the value as written (a `mkIf` inside a set kept),
    /// sets merge by `//`, lists concatenate, Booleans by `||`, strings
    /// join, integers only when equal.
    Unspecified,
    /// `attrs`: sets merged by `//`, each value as written.
    Attrs,
    /// `raw`: one definition only, as written.
    Raw,
    /// `anything`: sets merge as `attrsOf anything` (a name whose every
    /// definition is under a false `mkIf` left out, at every depth), other
    /// values must be equal.
    Anything,
    /// `str`, `bool`, `int`, `enum`, `path`...: equal definitions are one
    /// value, different ones an error (`mergeEqualOption`).
    Scalar(Scalar),
    /// `separatedString sep` (`lines`, `commas`, `envVar`): the strings
    /// joined with `sep`.
    Separated(Rc<str>),
    /// `uniq t`, `unique { message; } t`: exactly one definition.
    Unique(Rc<Ty>),
    NullOr(Rc<Ty>),
    Either(Rc<Ty>, Rc<Ty>),
    /// `coercedTo from coerce to`: a definition of type `from` is
    /// `coerce`d, then all merge as `to`.
    CoercedTo {
        from: Rc<Ty>,
        /// `from` itself: a type atelier-gen merges by shape may still
        /// answer with its own `check` (`mkOptionType { check; ... }`).
        from_type: Thunk,
        coerce: Thunk,
        to: Rc<Ty>,
    },
    ListOf(Rc<Ty>),
    /// `attrsOf t`, `lazyAttrsOf t` (`lazy`): each attribute merges by
    /// `t`. A name whose every definition is under a false `mkIf` is left
    /// out of an `attrsOf` value; a `lazyAttrsOf` keeps it, as `t`'s empty
    /// value (see [`empty_value`]).
    AttrsOf {
        elem: Rc<Ty>,
        lazy: bool,
    },
    /// `submodule m`, `submoduleWith { modules; specialArgs; }`: its
    /// modules when they are known.
    Submodule(Option<Rc<Submodule>>),
    /// A type of nixpkgs' real lib, merged by its own `merge`.
    Real(Value),
}

pub(super) struct Submodule {
    pub modules: Vec<Thunk>,
    pub special_args: Option<Thunk>,
}

/// `{ modules; specialArgs; }` of `submoduleWith` (or of a real submodule
/// type's `functor.payload`).
fn submodule_with(ev: &mut Evaluator, arg: &Value) -> Option<Rc<Submodule>> {
    let modules = match ev.select(arg, &["modules"]) {
        Ok(Some(Value::List(l))) => l.iter().cloned().collect(),
        _ => return None,
    };
    let special_args = arg
        .as_attrs()
        .and_then(|a| a.get("specialArgs"))
        .map(|e| e.value.clone());
    Some(Rc::new(Submodule {
        modules,
        special_args,
    }))
}

#[derive(Clone)]
pub(super) enum Scalar {
    Str,
    Bool,
    Int,
    Float,
    Path,
    /// `enum values`.
    Enum(Thunk),
    /// A number or package type: only the equality rule is known.
    Other,
}

/// The root name of [`by_shape`].
const BY_SHAPE: &str = "<atelier: merged by shape>";

/// The type atelier's own option declarations (atelier-options.nix,
/// mkservice.nix) give their options (`byShape`): their real types
/// (nix/modules) merge what atelier-gen reads as the definitions' shape
/// does — [`Ty::Opaque`], yet a conflict is an error, not an unknown.
pub(super) fn by_shape() -> Value {
    Value::unknown_root(
        BY_SHAPE,
        "the type of one of atelier's own options, merged by the definitions' shape",
        None,
    )
}

/// Whether `t` is [`by_shape`].
pub(super) fn is_by_shape(ev: &mut Evaluator, t: &Thunk) -> bool {
    matches!(ev.force(t), Ok(Value::Unknown(u)) if matches!(&u.origin, UnknownOrigin::Root(n) if n == BY_SHAPE))
}

/// Types nest at most this deep (a recursive type is opaque past it).
const MAX_DEPTH: usize = 16;

pub(super) fn classify(ev: &mut Evaluator, t: &Thunk, depth: usize) -> Ty {
    if depth > MAX_DEPTH {
        return Ty::Opaque;
    }
    match ev.force(t) {
        Ok(Value::Unknown(u)) => builtin(ev, &u, depth),
        Ok(Value::Attrs(a)) if is_option_type(ev, &Value::Attrs(a.clone())) => {
            real(ev, Value::Attrs(a), depth)
        }
        // `types.addCheck types.str f // { name = ...; }` with the built-in
        // lib: the set's other attributes are the unknown type's.
        Ok(Value::Attrs(a)) => match a.unknown_keys.as_ref().map(|u| &u.origin) {
            Some(UnknownOrigin::Derived(base)) => builtin(ev, base, depth),
            _ => Ty::Opaque,
        },
        _ => Ty::Opaque,
    }
}

/// `{ _type = "option-type"; merge = <function>; ... }`: a type of
/// nixpkgs' real lib.
fn is_option_type(ev: &mut Evaluator, v: &Value) -> bool {
    let Some(a) = v.as_attrs() else { return false };
    if a.unknown_keys.is_some() {
        return false;
    }
    let field = |name: &str| a.get(name).map(|e| e.value.clone());
    let (Some(ty), Some(merge)) = (field("_type"), field("merge")) else {
        return false;
    };
    let is_type = matches!(ev.force(&ty), Ok(Value::String(s)) if &*s.text == "option-type");
    is_type
        && match ev.force(&merge) {
            Ok(Value::Attrs(m)) => m.get("__functor").is_some(),
            Ok(m) => m.is_function(),
            Err(_) => false,
        }
}

/// `lib.types.<name> args...` of the built-in lib, read from the unknown's
/// origin.
fn builtin(ev: &mut Evaluator, u: &Unknown, depth: usize) -> Ty {
    let mut args: Vec<Thunk> = Vec::new();
    let mut at = u;
    while let UnknownOrigin::Apply { func, arg } = &at.origin {
        args.push(arg.clone());
        at = func;
    }
    args.reverse();
    let Some(path) = at.path() else {
        return Ty::Opaque;
    };
    if path.first().map(String::as_str) != Some("lib.types") {
        return Ty::Opaque;
    }
    let name: Vec<&str> = path[1..].iter().map(String::as_str).collect();
    let mut sub = |i: usize| Rc::new(classify(ev, &args[i], depth + 1));
    match (name.as_slice(), args.len()) {
        (["str" | "string" | "nonEmptyStr" | "singleLineStr"], 0) | (["strMatching"], 1) => {
            Ty::Scalar(Scalar::Str)
        }
        (["bool"], 0) => Ty::Scalar(Scalar::Bool),
        (["anything"], 0) => Ty::Anything,
        (["unspecified"], 0) => Ty::Unspecified,
        (["attrs"], 0) => Ty::Attrs,
        (["raw"], 0) => Ty::Raw,
        (["int" | "port"] | ["ints", _], 0) | (["ints", "between"], 2) => Ty::Scalar(Scalar::Int),
        (["float"], 0) => Ty::Scalar(Scalar::Float),
        (["number"] | ["numbers", _], 0) | (["numbers", "between"], 2) => Ty::Scalar(Scalar::Other),
        (["path"], 0) => Ty::Scalar(Scalar::Path),
        (["enum"], 1) => Ty::Scalar(Scalar::Enum(args[0].clone())),
        (["lines"], 0) => Ty::Separated("\n".into()),
        (["commas"], 0) => Ty::Separated(",".into()),
        (["envVar"], 0) => Ty::Separated(":".into()),
        (["separatedString"], 1) => match ev.force(&args[0]) {
            Ok(Value::String(s)) => Ty::Separated(s.text),
            _ => Ty::Opaque,
        },
        (["uniq"], 1) => Ty::Unique(sub(0)),
        // The check only narrows the type: definitions merge as its own.
        (["addCheck"], 2) => (*sub(0)).clone(),
        (["unique"], 2) => Ty::Unique(sub(1)),
        (["nullOr"], 1) => Ty::NullOr(sub(0)),
        (["either"], 2) => Ty::Either(sub(0), sub(1)),
        (["oneOf"], 1) => match ev.force(&args[0]) {
            Ok(Value::List(ts)) if !ts.is_empty() => {
                let mut ts = ts.iter();
                let first = classify(ev, ts.next().expect("not empty"), depth + 1);
                ts.fold(first, |acc, t| {
                    Ty::Either(Rc::new(acc), Rc::new(classify(ev, t, depth + 1)))
                })
            }
            _ => Ty::Opaque,
        },
        (["coercedTo"], 3) => Ty::CoercedTo {
            from: sub(0),
            from_type: args[0].clone(),
            coerce: args[1].clone(),
            to: sub(2),
        },
        (["listOf" | "nonEmptyListOf"], 1) => Ty::ListOf(sub(0)),
        (["attrsOf"], 1) => Ty::AttrsOf {
            elem: sub(0),
            lazy: false,
        },
        (["lazyAttrsOf"], 1) => Ty::AttrsOf {
            elem: sub(0),
            lazy: true,
        },
        // `attrsWith { elemType; lazy ? false; placeholder ? "name"; }`.
        (["attrsWith"], 1) => {
            let Ok(arg) = ev.force(&args[0]) else {
                return Ty::Opaque;
            };
            let Some(elem) = arg.as_attrs().and_then(|a| a.get("elemType")) else {
                return Ty::Opaque;
            };
            let elem = elem.value.clone();
            let lazy = match ev.select(&arg, &["lazy"]) {
                Ok(None) => false,
                Ok(Some(Value::Bool(b))) => b,
                _ => return Ty::Opaque,
            };
            Ty::AttrsOf {
                elem: Rc::new(classify(ev, &elem, depth + 1)),
                lazy,
            }
        }
        // `submodule m` or `submodule [ m … ]` (nixpkgs' `toList`).
        (["submodule"], 1) => Ty::Submodule(Some(Rc::new(Submodule {
            modules: match ev.force(&args[0]) {
                Ok(Value::List(l)) => l.iter().cloned().collect(),
                _ => vec![args[0].clone()],
            },
            special_args: None,
        }))),
        (["submoduleWith"], 1) => match ev.force(&args[0]) {
            Ok(arg) => Ty::Submodule(submodule_with(ev, &arg)),
            Err(_) => Ty::Submodule(None),
        },
        _ => Ty::Opaque,
    }
}

/// A type of nixpkgs' real lib (`{ _type = "option-type"; name; merge; ... }`).
fn real(ev: &mut Evaluator, v: Value, depth: usize) -> Ty {
    let name = match ev.select(&v, &["name"]) {
        Ok(Some(Value::String(n))) => n.text,
        _ => return Ty::Opaque,
    };
    let nested = |ev: &mut Evaluator, key: &str| match ev.select(&v, &["nestedTypes", key]) {
        Ok(Some(t)) => Rc::new(classify(ev, &Thunk::value(t), depth + 1)),
        _ => Rc::new(Ty::Opaque),
    };
    match &*name {
        "attrsOf" | "lazyAttrsOf" => Ty::AttrsOf {
            elem: nested(ev, "elemType"),
            lazy: &*name == "lazyAttrsOf",
        },
        n if n.starts_with("submodule") => match ev.select(&v, &["functor", "payload"]) {
            Ok(Some(payload)) => Ty::Submodule(submodule_with(ev, &payload)),
            _ => Ty::Submodule(None),
        },
        "anything" => Ty::Anything,
        // Merged here, so that a set under a condition only Nix knows
        // makes only its own names unknown.
        "unspecified" => Ty::Unspecified,
        "attrs" => Ty::Attrs,
        "raw" => Ty::Raw,
        // Sets of any shape: key by key, as before.
        "deferredModule" | "functionTo" => Ty::Opaque,
        _ if super::has_submodule(ev, &Thunk::value(v.clone()), 0) => match &*name {
            "listOf" | "nonEmptyListOf" => Ty::ListOf(nested(ev, "elemType")),
            "nullOr" => Ty::NullOr(nested(ev, "elemType")),
            _ => Ty::Opaque,
        },
        _ => Ty::Real(v),
    }
}

/// A short name of the type, for messages.
pub(super) fn describe(ty: &Ty) -> String {
    match ty {
        Ty::Opaque | Ty::Real(_) => "unknown".into(),
        Ty::Anything => "anything".into(),
        Ty::Unspecified => "unspecified value".into(),
        Ty::Attrs => "attribute set".into(),
        Ty::Raw => "raw value".into(),
        Ty::Scalar(s) => match s {
            Scalar::Str => "string",
            Scalar::Bool => "boolean",
            Scalar::Int => "signed integer",
            Scalar::Float => "floating point number",
            Scalar::Path => "path",
            Scalar::Enum(_) => "one of the enum's values",
            Scalar::Other => "number or package",
        }
        .into(),
        Ty::Separated(sep) => format!("strings concatenated with {sep:?}"),
        Ty::Unique(t) => describe(t),
        Ty::NullOr(t) => format!("null or {}", describe(t)),
        Ty::Either(a, b) => format!("{} or {}", describe(a), describe(b)),
        Ty::CoercedTo { from, to, .. } => {
            format!("{} or {} convertible to it", describe(to), describe(from))
        }
        Ty::ListOf(t) => format!("list of {}", describe(t)),
        Ty::AttrsOf { elem, lazy } => format!(
            "{}attribute set of {}",
            if *lazy { "lazy " } else { "" },
            describe(elem)
        ),
        Ty::Submodule(_) => "submodule".into(),
    }
}

/// Whether the type changes a value merged alone (a `coercedTo` in it).
pub(super) fn coerces(ty: &Ty) -> bool {
    match ty {
        Ty::CoercedTo { .. } => true,
        Ty::ListOf(t) | Ty::AttrsOf { elem: t, .. } | Ty::NullOr(t) | Ty::Unique(t) => coerces(t),
        Ty::Either(a, b) => coerces(a) || coerces(b),
        _ => false,
    }
}

/// Whether a value merged alone gets more than it holds from the type (a
/// submodule's option defaults).
pub(super) fn holds_submodule(ty: &Ty) -> bool {
    match ty {
        Ty::Submodule(Some(_)) => true,
        Ty::ListOf(t) | Ty::AttrsOf { elem: t, .. } | Ty::NullOr(t) | Ty::Unique(t) => {
            holds_submodule(t)
        }
        Ty::Either(a, b) => holds_submodule(a) || holds_submodule(b),
        Ty::CoercedTo { to, .. } => holds_submodule(to),
        _ => false,
    }
}

fn or3(a: Option<bool>, b: Option<bool>) -> Option<bool> {
    match (a, b) {
        (Some(true), _) | (_, Some(true)) => Some(true),
        (Some(false), Some(false)) => Some(false),
        _ => None,
    }
}

/// The type's `check` of a value (its head only, as nixpkgs' checks):
/// `None` when atelier-gen cannot tell.
/// What a type's own `check` says of `v`, when it says it.
pub(super) fn own_check(ev: &mut Evaluator, t: &Value, v: &Value) -> Option<bool> {
    match ev.select(t, &["check"]) {
        Ok(Some(f)) if f.is_function() => match ev.apply(&f, v.clone()) {
            Ok(Value::Bool(b)) => Some(b),
            _ => None,
        },
        _ => None,
    }
}

pub(super) fn check(ev: &mut Evaluator, ty: &Ty, v: &Value) -> EvalResult<Option<bool>> {
    if matches!(v, Value::Unknown(_)) {
        return Ok(None);
    }
    Ok(match ty {
        Ty::Opaque | Ty::Scalar(Scalar::Other) => None,
        Ty::Anything | Ty::Unspecified | Ty::Raw => Some(true),
        // A type of its own (`mkOptionType { check; ... }`): its `check`,
        // when that gives a known answer.
        Ty::Real(t) => own_check(ev, t, v),
        Ty::Scalar(Scalar::Str) | Ty::Separated(_) => Some(matches!(v, Value::String(_))),
        Ty::Scalar(Scalar::Bool) => Some(matches!(v, Value::Bool(_))),
        Ty::Scalar(Scalar::Int) => Some(matches!(v, Value::Int(_))),
        Ty::Scalar(Scalar::Float) => Some(matches!(v, Value::Float(_))),
        Ty::Scalar(Scalar::Path) => Some(match v {
            Value::Path(_) => true,
            Value::String(s) => s.text.starts_with('/'),
            _ => false,
        }),
        Ty::Scalar(Scalar::Enum(values)) => {
            let Value::List(values) = ev.force(values)? else {
                return Ok(None);
            };
            let mut answer = Some(false);
            for t in values.iter() {
                let x = ev.force(t)?;
                match ev.equal(&x, v)? {
                    Ok(true) => return Ok(Some(true)),
                    Ok(false) => {}
                    Err(_) => answer = None,
                }
            }
            answer
        }
        Ty::Unique(t) => check(ev, t, v)?,
        Ty::NullOr(t) => {
            if matches!(v, Value::Null) {
                Some(true)
            } else {
                check(ev, t, v)?
            }
        }
        Ty::Either(a, b) => {
            let a = check(ev, a, v)?;
            or3(a, check(ev, b, v)?)
        }
        Ty::CoercedTo { from, to, .. } => {
            let to = check(ev, to, v)?;
            or3(to, check(ev, from, v)?)
        }
        Ty::ListOf(_) => Some(matches!(v, Value::List(_))),
        Ty::AttrsOf { .. } | Ty::Attrs => Some(matches!(v, Value::Attrs(_))),
        Ty::Submodule(_) => Some(matches!(v, Value::Attrs(_) | Value::Path(_)) || v.is_function()),
    })
}

/// Whether the type takes every definition.
pub(super) fn check_all(ev: &mut Evaluator, ty: &Ty, defs: &[Def]) -> EvalResult<Option<bool>> {
    let mut all = Some(true);
    for d in defs {
        match check(ev, ty, &d.value)? {
            Some(true) => {}
            Some(false) => return Ok(Some(false)),
            None => all = None,
        }
    }
    Ok(all)
}

/// `type.merge loc defs` of nixpkgs' real lib, as `lib/modules.nix` calls
/// it: `loc` the option path, each definition `{ file; value; }` with
/// `file` where it was written (`file:line:col`). What it throws (`The
/// option ... has conflicting definition values`) is a
/// `conflicting-definitions` error.
pub(super) fn merge_real(
    ev: &mut Evaluator,
    path: &[String],
    defs: &[Def],
    ty: &Value,
) -> EvalResult<Value> {
    let Some(merge) = ev.select(ty, &["merge"])? else {
        let msg = format!("the type of option `{}' has no `merge`", dotted(path));
        return Err(vec![Diagnostic::error("type-error", msg, None)]);
    };
    let loc = Value::list(path.iter().map(|p| Value::string(p.as_str())));
    let list = Value::list(defs.iter().map(|d| {
        Value::attrs([
            ("file".to_owned(), Value::string(super::def_location(d))),
            ("value".to_owned(), d.value.clone()),
        ])
    }));
    let result = ev.apply(&merge, loc).and_then(|f| ev.apply(&f, list));
    match result {
        Err(diags)
            if diags
                .iter()
                .any(|d| d.code == "thrown" && d.message.starts_with("The option")) =>
        {
            let d = diags
                .into_iter()
                .find(|d| d.code == "thrown")
                .expect("found above");
            let span = defs.last().and_then(|d| d.span.clone());
            Err(vec![Diagnostic::error(
                "conflicting-definitions",
                d.message.trim_end().to_owned(),
                span,
            )
            .with_note("keep one definition, or give the others a lower priority with `lib.mkDefault` (or the one that should win `lib.mkForce`)")])
        }
        other => other,
    }
}
