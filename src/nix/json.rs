//! Conversion between evaluator values and JSON.

use std::rc::Rc;

use serde_json::{Map, Number, Value as Json};

use super::eval::{err, EvalResult, Evaluator};
use super::value::{Unknown, UnknownOrigin, Value};
use crate::diagnostic::Span;

/// How values without a JSON form are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonMode {
    /// `builtins.toJSON`: functions are errors, unknowns make the result
    /// unknown, paths would be copied to the store (unknown).
    Nix,
    /// `atelier-gen eval`: unknowns as `{"unknown": reason, "at": loc}`,
    /// functions as `{"function": loc}`, paths as absolute strings.
    Inspect,
}

/// Deep, strict conversion. `Ok(Err(u))` only in [`JsonMode::Nix`].
pub fn to_json(
    ev: &mut Evaluator,
    v: &Value,
    mode: JsonMode,
    span: &Span,
) -> EvalResult<Result<Json, Rc<Unknown>>> {
    to_json_at(ev, v, mode, span, 0)
}

/// The JSON shown for an unknown value.
pub fn unknown_json(u: &Unknown) -> Json {
    let mut m = Map::new();
    m.insert("unknown".into(), Json::String(u.reason.clone()));
    m.insert("at".into(), Json::String(u.location()));
    if let Some(path) = u.path() {
        m.insert("path".into(), Json::String(path.join(".")));
    }
    if let UnknownOrigin::Apply { func, .. } = &u.origin {
        if let Some(path) = func.path() {
            m.insert("applies".into(), Json::String(path.join(".")));
        }
    }
    Json::Object(m)
}

fn to_json_at(
    ev: &mut Evaluator,
    v: &Value,
    mode: JsonMode,
    span: &Span,
    level: usize,
) -> EvalResult<Result<Json, Rc<Unknown>>> {
    stacker::maybe_grow(256 * 1024, 8 * 1024 * 1024, || {
        to_json_inner(ev, v, mode, span, level)
    })
}

#[allow(clippy::many_single_char_names)]
fn to_json_inner(
    ev: &mut Evaluator,
    v: &Value,
    mode: JsonMode,
    span: &Span,
    level: usize,
) -> EvalResult<Result<Json, Rc<Unknown>>> {
    if level > 10_000 {
        return err(
            "evaluation-too-deep",
            "value nested too deeply for JSON",
            span,
        );
    }
    Ok(Ok(match v {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(i) => Json::Number((*i).into()),
        Value::Float(f) => Number::from_f64(*f).map_or(Json::Null, Json::Number),
        Value::String(s) => Json::String(s.to_string()),
        Value::Path(p) => match mode {
            JsonMode::Inspect => Json::String(p.display().to_string()),
            // Copied to the store, as in Nix (see `context.rs`).
            JsonMode::Nix => return Ok(ev.coerce_to_string(v, span, false)?.map(Json::String)),
        },
        Value::Unknown(u) => match mode {
            JsonMode::Inspect => unknown_json(u),
            JsonMode::Nix => return Ok(Err(Unknown::derived(u))),
        },
        Value::Lambda(_) | Value::PrimOp(_) => match mode {
            JsonMode::Inspect => {
                let at = match v {
                    Value::Lambda(c) => c.lambda.span.location(),
                    Value::PrimOp(p) => format!("<builtin {}>", p.def.name),
                    _ => String::new(),
                };
                let mut m = Map::new();
                m.insert("function".into(), Json::String(at));
                Json::Object(m)
            }
            JsonMode::Nix => return err("type-error", "cannot convert a function to JSON", span),
        },
        Value::List(items) => {
            let mut out = Vec::with_capacity(items.len());
            for t in items.iter() {
                let x = ev.force(t)?;
                match to_json_at(ev, &x, mode, span, level + 1)? {
                    Ok(j) => out.push(j),
                    Err(u) => return Ok(Err(u)),
                }
            }
            Json::Array(out)
        }
        Value::Attrs(a) => {
            if mode == JsonMode::Nix {
                if a.get("__toString").is_some() {
                    return Ok(ev.coerce_to_string(v, span, false)?.map(Json::String));
                }
                if let Some(o) = a.get("outPath") {
                    let o = ev.force(&o.value.clone())?;
                    return to_json_at(ev, &o, mode, span, level + 1);
                }
                if let Some(u) = &a.unknown_keys {
                    return Ok(Err(Unknown::derived(u)));
                }
            }
            let mut m = Map::new();
            for (k, e) in &a.entries {
                let x = ev.force(&e.value.clone())?;
                match to_json_at(ev, &x, mode, span, level + 1)? {
                    Ok(j) => {
                        m.insert(k.clone(), j);
                    }
                    Err(u) => return Ok(Err(u)),
                }
            }
            if let (JsonMode::Inspect, Some(u)) = (mode, &a.unknown_keys) {
                m.insert("<unknown attributes>".into(), unknown_json(u));
            }
            Json::Object(m)
        }
    }))
}

/// Compact JSON text as `builtins.toJSON` writes it.
pub fn nix_json_string(j: &Json) -> String {
    serde_json::to_string(j).unwrap_or_default()
}

/// A JSON document as a Nix value (`builtins.fromJSON`).
pub fn from_json(j: &Json) -> Value {
    match j {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => n
            .as_i64()
            .map_or_else(|| Value::Float(n.as_f64().unwrap_or(0.0)), Value::Int),
        Json::String(s) => Value::string(s.as_str()),
        Json::Array(items) => Value::list(items.iter().map(from_json)),
        Json::Object(m) => Value::attrs(m.iter().map(|(k, v)| (k.clone(), from_json(v)))),
    }
}
