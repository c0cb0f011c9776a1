//! Collects the definitions a host's modules make under `atelier.*`, the way
//! the NixOS module system would see them: `mkIf`, `mkMerge`, `mkDefault`,
//! `mkForce`, `mkOrder` are unwrapped, each definition keeps its priority, its
//! span and, when its `mkIf` condition is not known statically, that
//! condition. Nothing outside `atelier` is forced.

use std::collections::BTreeMap;
use std::rc::Rc;

use crate::diagnostic::{Diagnostic, Span};
use crate::discover::model::UnknownKey;
use crate::nix::Evaluator;
use crate::nix::{Thunk, Unknown, Value};

/// Priority of a plain definition (NixOS: `mkOverride 100`).
pub const DEFAULT_PRIORITY: i64 = 100;

/// One definition of one option path.
#[derive(Clone)]
pub struct Def {
    pub value: Value,
    pub span: Option<Span>,
    pub priority: i64,
    /// Set when a surrounding `mkIf` condition is not known statically.
    pub cond: Option<Rc<Unknown>>,
}

/// How the schema treats a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Not ours: never forced.
    Ignore,
    /// An attribute set we descend into; `Some(keys)` = only these keys are valid.
    Node(Option<&'static [&'static str]>),
    /// A value (scalar or list) recorded as a definition.
    Leaf,
}

pub const HOOK_KEYS: &[&str] = &["preBackup", "postBackup", "preRestore", "postRestore"];
pub const DUMP_KEYS: &[&str] = &["backupCmd", "restoreCmd", "user", "backupName"];
pub const RETENTION_KEYS: &[&str] = &["last", "hourly", "daily", "weekly", "monthly", "yearly"];
pub const REPOSITORY_KEYS: &[&str] = &[
    "repository",
    "repositoryFile",
    "passwordFile",
    "environmentFile",
    "initialize",
];
pub const MANUAL_KEYS: &[&str] = &[
    "paths",
    "exclude",
    "tags",
    "preBackup",
    "postBackup",
    "preRestore",
    "postRestore",
    "stopUnits",
    "check",
    "repositories",
    "schedule",
    "randomizedDelay",
    "retention",
    "user",
    "group",
];
const SCHEDULE_KEYS: &[&str] = &["schedule", "randomizedDelay"];
pub const POSTGRES_KEYS: &[&str] = &["host", "port", "runAs"];

fn kind(path: &[String], data_keys: &'static [&'static str]) -> Kind {
    let p: Vec<&str> = path.iter().map(String::as_str).collect();
    match p.as_slice() {
        []
        | ["atelier"]
        | ["atelier", "services" | "backup"]
        | ["atelier", "services", _]
        | ["atelier", "services", _, "data", "dumps"]
        | ["atelier", "backup", "repositories" | "services"] => Kind::Node(None),
        ["atelier", "services", _, "data"] => Kind::Node(Some(data_keys)),
        ["atelier", "services", _, "data", "hooks"] => Kind::Node(Some(HOOK_KEYS)),
        ["atelier", "services", _, "data", "dumps", _] => Kind::Node(Some(DUMP_KEYS)),
        ["atelier", "services", _, "data", "retention"]
        | ["atelier", "backup", "retention"]
        | ["atelier", "backup", "services", _, "retention"] => Kind::Node(Some(RETENTION_KEYS)),
        ["atelier", "services", _, ..] => Kind::Leaf,
        ["atelier", "backup", "repositories", _] => Kind::Node(Some(REPOSITORY_KEYS)),
        ["atelier", "backup", "services", _] => Kind::Node(Some(MANUAL_KEYS)),
        ["atelier", "backup", "prune" | "check" | "drill"] => Kind::Node(Some(SCHEDULE_KEYS)),
        ["atelier", "backup", "postgres"] => Kind::Node(Some(POSTGRES_KEYS)),
        ["atelier", "backup", "package"] => Kind::Ignore,
        ["atelier", "backup", ..] => Kind::Leaf,
        _ => Kind::Ignore,
    }
}

/// Every definition under `atelier`, by option path.
#[derive(Default, Clone)]
pub struct Defs {
    pub map: BTreeMap<Vec<String>, Vec<Def>>,
    pub unknown_keys: Vec<UnknownKey>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Defs {
    pub fn extend(&mut self, other: Defs) {
        for (k, v) in other.map {
            self.map.entry(k).or_default().extend(v);
        }
        self.unknown_keys.extend(other.unknown_keys);
        self.diagnostics.extend(other.diagnostics);
    }

    /// The definitions that win (lowest priority number), in module order.
    pub fn winning(&self, path: &[&str]) -> Vec<&Def> {
        let key: Vec<String> = path.iter().map(|s| (*s).to_owned()).collect();
        let Some(defs) = self.map.get(&key) else {
            return Vec::new();
        };
        let best = defs
            .iter()
            .map(|d| d.priority)
            .min()
            .unwrap_or(DEFAULT_PRIORITY);
        defs.iter().filter(|d| d.priority == best).collect()
    }

    /// Definitions at or below `path`, in key order (a range query: keys
    /// with `path` as prefix sort right after `path` itself).
    fn below<'a>(
        &'a self,
        path: &'a [&str],
    ) -> impl Iterator<Item = (&'a Vec<String>, &'a Vec<Def>)> + 'a {
        let start: Vec<String> = path.iter().map(|s| (*s).to_owned()).collect();
        self.map.range(start..).take_while(move |(k, _)| {
            k.len() >= path.len() && k.iter().zip(path).all(|(a, b)| a == b)
        })
    }

    /// The names directly below `path` that have definitions.
    pub fn children(&self, path: &[&str]) -> Vec<String> {
        let mut out: Vec<String> = self
            .below(path)
            .filter(|(k, _)| k.len() > path.len())
            .map(|(k, _)| k[path.len()].clone())
            .collect();
        out.dedup();
        out
    }

    /// The first span of any definition at or below `path`.
    pub fn first_span(&self, path: &[&str]) -> Option<Span> {
        self.below(path)
            .flat_map(|(_, v)| v.iter())
            .find_map(|d| d.span.clone())
    }
}

/// Walks one module's config value.
pub fn collect(
    ev: &mut Evaluator,
    value: &Value,
    span: Option<Span>,
    data_keys: &'static [&'static str],
    defs: &mut Defs,
) {
    let mut path = Vec::new();
    walk(
        ev,
        value.clone(),
        span,
        &mut path,
        DEFAULT_PRIORITY,
        None,
        data_keys,
        defs,
    );
}

fn attr_str(ev: &mut Evaluator, v: &Value, name: &str) -> Option<String> {
    let entry = v.as_attrs()?.get(name)?.value.clone();
    ev.force(&entry).ok()?.as_str().map(str::to_owned)
}

fn force_entry(ev: &mut Evaluator, t: &Thunk, defs: &mut Defs) -> Option<Value> {
    match ev.force(t) {
        Ok(v) => Some(v),
        Err(d) => {
            defs.diagnostics.extend(d);
            None
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn walk(
    ev: &mut Evaluator,
    value: Value,
    span: Option<Span>,
    path: &mut Vec<String>,
    priority: i64,
    cond: Option<Rc<Unknown>>,
    data_keys: &'static [&'static str],
    defs: &mut Defs,
) {
    let k = kind(path, data_keys);
    if k == Kind::Ignore {
        return;
    }
    // Module-system wrappers (lib.mkIf & co. are `{ _type = ...; }` sets).
    if let Some(ty) = attr_str(ev, &value, "_type") {
        let field = |ev: &mut Evaluator, defs: &mut Defs, name: &str| {
            let t = value.as_attrs()?.get(name)?.value.clone();
            force_entry(ev, &t, defs)
        };
        match ty.as_str() {
            "if" => {
                let Some(c) = field(ev, defs, "condition") else {
                    return;
                };
                let Some(content) = field(ev, defs, "content") else {
                    return;
                };
                match c {
                    Value::Bool(true) => {
                        walk(ev, content, span, path, priority, cond, data_keys, defs);
                    }
                    Value::Bool(false) => {}
                    Value::Unknown(u) => {
                        walk(ev, content, span, path, priority, Some(u), data_keys, defs);
                    }
                    other => defs.diagnostics.push(Diagnostic::error(
                        "type-error",
                        format!(
                            "mkIf condition is {} while a Boolean was expected",
                            other.type_name()
                        ),
                        span,
                    )),
                }
                return;
            }
            "merge" => {
                let Some(Value::List(items)) = field(ev, defs, "contents") else {
                    return;
                };
                for t in items.iter() {
                    let s = t.span().or_else(|| span.clone());
                    if let Some(v) = force_entry(ev, t, defs) {
                        walk(ev, v, s, path, priority, cond.clone(), data_keys, defs);
                    }
                }
                return;
            }
            "override" => {
                let p = match field(ev, defs, "priority") {
                    Some(Value::Int(p)) => p,
                    _ => priority,
                };
                if let Some(content) = field(ev, defs, "content") {
                    walk(ev, content, span, path, p, cond, data_keys, defs);
                }
                return;
            }
            "order" => {
                if let Some(content) = field(ev, defs, "content") {
                    walk(ev, content, span, path, priority, cond, data_keys, defs);
                }
                return;
            }
            _ => {}
        }
    }
    match k {
        Kind::Ignore => {}
        Kind::Leaf => {
            defs.map.entry(path.clone()).or_default().push(Def {
                value,
                span,
                priority,
                cond,
            });
        }
        Kind::Node(valid) => match &value {
            Value::Attrs(a) => {
                let entries: Vec<(String, Thunk, Option<Span>)> = a
                    .entries
                    .iter()
                    .map(|(k, e)| (k.clone(), e.value.clone(), e.span.clone()))
                    .collect();
                for (key, thunk, entry_span) in entries {
                    let entry_span = entry_span.or_else(|| thunk.span());
                    if let Some(valid) = valid {
                        if !valid.contains(&key.as_str()) {
                            defs.unknown_keys.push(UnknownKey {
                                key,
                                span: entry_span,
                                valid,
                                context: path.join("."),
                            });
                            continue;
                        }
                    }
                    path.push(key);
                    if kind(path, data_keys) != Kind::Ignore {
                        if let Some(v) = force_entry(ev, &thunk, defs) {
                            walk(
                                ev,
                                v,
                                entry_span,
                                path,
                                priority,
                                cond.clone(),
                                data_keys,
                                defs,
                            );
                        }
                    }
                    path.pop();
                }
            }
            // A whole block only Nix knows: recorded so that the shapes can
            // say so where they need it.
            Value::Unknown(_) => {
                defs.map.entry(path.clone()).or_default().push(Def {
                    value,
                    span,
                    priority,
                    cond,
                });
            }
            other => defs.diagnostics.push(Diagnostic::error(
                "type-error",
                format!(
                    "`{}` is {} while an attribute set was expected",
                    path.join("."),
                    other.type_name()
                ),
                span,
            )),
        },
    }
}
