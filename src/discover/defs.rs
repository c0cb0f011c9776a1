//! Collects the definitions a host's modules make under `atelier.*`, the way
//! the NixOS module system would see them: `mkIf`, `mkMerge`, `mkDefault`,
//! `mkForce`, `mkOrder` are unwrapped, each definition keeps its priority, its
//! span and, when its `mkIf` condition is not known statically, that
//! condition. Nothing outside `atelier` is forced.

use std::rc::Rc;

use rustc_hash::FxHashMap;

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
    /// `mkOrder` (`mkBefore` 500, plain 1000, `mkAfter` 1500): the order
    /// of a list's definitions when they are concatenated.
    pub order: i64,
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
    "timeout",
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
    "staleAfter",
    "user",
    "group",
    "monitoring",
];
/// `atelier.backup.{prune,check,drill}`.
const MAINTENANCE_KEYS: &[&str] = &["schedule", "randomizedDelay", "pingUrlFile"];
/// `atelier.backup.monitoring` and a manual registration's `monitoring`.
const MONITORING_KEYS: &[&str] = &["pingUrlFile"];
/// The options of `atelier.backup` (nix/modules/backup.nix declares them).
pub const BACKUP_KEYS: &[&str] = &[
    "enable",
    "package",
    "repositories",
    "schedule",
    "randomizedDelay",
    "retention",
    "staleAfter",
    "prune",
    "check",
    "drill",
    "postgres",
    "services",
    "onFailure",
    "inhibitSleep",
    "monitoring",
];
pub const POSTGRES_KEYS: &[&str] = &["host", "port", "runAs"];

/// Longest fixed-length pattern in `kind` is 6 components; 7 decide.
const KIND_DEPTH: usize = 7;

// The two `Leaf` arms cannot be merged: the `atelier.backup` arms between
// them must match first.
#[allow(clippy::match_same_arms)]
fn kind(path: &KeyPath) -> Kind {
    let data_keys = path.data_keys;
    // Only the first `KIND_DEPTH` components matter: every longer pattern
    // ends in `..`, so a path cut there matches the same arm.
    let mut parts = [""; KIND_DEPTH];
    let mut n = 0;
    for (slot, c) in parts.iter_mut().zip(path.iter()) {
        *slot = c;
        n += 1;
    }
    match &parts[..n] {
        []
        | ["atelier"]
        | ["atelier", "services"]
        | ["atelier", "services", _]
        | ["atelier", "services", _, "data", "dumps"]
        | ["atelier", "backup", "repositories" | "services"] => Kind::Node(None),
        ["atelier", "backup"] => Kind::Node(Some(BACKUP_KEYS)),
        ["atelier", "services", _, "data"] => Kind::Node(Some(data_keys)),
        ["atelier", "services", _, "data", "hooks"] => Kind::Node(Some(HOOK_KEYS)),
        ["atelier", "services", _, "data", "dumps", _] => Kind::Node(Some(DUMP_KEYS)),
        ["atelier", "services", _, "data", "retention"]
        | ["atelier", "backup", "retention"]
        | ["atelier", "backup", "services", _, "retention"] => Kind::Node(Some(RETENTION_KEYS)),
        ["atelier", "services", _, ..] => Kind::Leaf,
        ["atelier", "backup", "repositories", _] => Kind::Node(Some(REPOSITORY_KEYS)),
        ["atelier", "backup", "services", _] => Kind::Node(Some(MANUAL_KEYS)),
        ["atelier", "backup", "prune" | "check" | "drill"] => Kind::Node(Some(MAINTENANCE_KEYS)),
        ["atelier", "backup", "monitoring"]
        | ["atelier", "backup", "services", _, "monitoring"] => Kind::Node(Some(MONITORING_KEYS)),
        ["atelier", "backup", "postgres"] => Kind::Node(Some(POSTGRES_KEYS)),
        ["atelier", "backup", "package"] => Kind::Ignore,
        ["atelier", "backup", ..] => Kind::Leaf,
        _ => Kind::Ignore,
    }
}

/// The option path being walked: its components in one buffer, joined
/// with `.` (what diagnostics print), so that descending allocates nothing,
/// and the schema's kind of each prefix, computed once.
struct KeyPath {
    joined: String,
    /// `(start, end)` of each component in `joined`.
    parts: Vec<(usize, usize)>,
    data_keys: &'static [&'static str],
    /// `kinds[i]` = the kind of the first `i` components.
    kinds: Vec<Kind>,
}

impl KeyPath {
    fn new(data_keys: &'static [&'static str]) -> Self {
        let mut path = KeyPath {
            joined: String::with_capacity(64),
            parts: Vec::with_capacity(8),
            data_keys,
            kinds: Vec::with_capacity(9),
        };
        let root = kind(&path);
        path.kinds.push(root);
        path
    }

    fn push(&mut self, key: &str) {
        if !self.parts.is_empty() {
            self.joined.push('.');
        }
        let start = self.joined.len();
        self.joined.push_str(key);
        self.parts.push((start, self.joined.len()));
        let k = kind(self);
        self.kinds.push(k);
    }

    fn pop(&mut self) {
        if let Some((start, _)) = self.parts.pop() {
            self.joined.truncate(start.saturating_sub(1));
            self.kinds.pop();
        }
    }

    /// The schema's kind of this path.
    fn kind(&self) -> Kind {
        *self.kinds.last().expect("the root has a kind")
    }

    fn iter(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().map(|&(s, e)| &self.joined[s..e])
    }

    /// `a.b.c`.
    fn joined(&self) -> String {
        self.joined.clone()
    }
}

/// The definitions of one option path and the paths below it.
#[derive(Default, Clone)]
struct Node {
    defs: Vec<Def>,
    /// Only paths that have a definition at or below them get a node.
    /// Unordered: whatever lists them sorts them by name. Option names
    /// come from the user's own files: a fast hash, not `SipHash`.
    children: FxHashMap<String, Node>,
}

impl Node {
    fn get(&self, path: &[&str]) -> Option<&Node> {
        let mut n = self;
        for k in path {
            n = n.children.get(*k)?;
        }
        Some(n)
    }

    /// The children, sorted by name.
    fn sorted_children(&self) -> Vec<(&str, &Node)> {
        let mut out: Vec<(&str, &Node)> =
            self.children.iter().map(|(k, n)| (k.as_str(), n)).collect();
        out.sort_unstable_by(|a, b| a.0.cmp(b.0));
        out
    }

    fn merge(&mut self, other: Node) {
        self.defs.extend(other.defs);
        for (k, child) in other.children {
            match self.children.get_mut(&k) {
                Some(mine) => mine.merge(child),
                None => {
                    self.children.insert(k, child);
                }
            }
        }
    }
}

/// Every definition under `atelier`, by option path.
#[derive(Default, Clone)]
pub struct Defs {
    root: Node,
    pub unknown_keys: Vec<UnknownKey>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Defs {
    pub fn extend(&mut self, other: Defs) {
        self.root.merge(other.root);
        self.unknown_keys.extend(other.unknown_keys);
        self.diagnostics.extend(other.diagnostics);
    }

    fn push(&mut self, path: &KeyPath, def: Def) {
        let mut n = &mut self.root;
        for k in path.iter() {
            if !n.children.contains_key(k) {
                n.children.insert(k.to_owned(), Node::default());
            }
            n = n.children.get_mut(k).expect("inserted above");
        }
        n.defs.push(def);
    }

    /// Read access to these definitions alone.
    pub fn view(&self) -> DefsView<'_> {
        DefsView {
            base: self,
            extra: None,
            scope: None,
        }
    }

    /// Read access to these definitions followed by `extra`'s, as if
    /// `extra` had been merged in with [`Defs::extend`] (without copying).
    pub fn view_with<'a>(&'a self, extra: &'a Defs) -> DefsView<'a> {
        DefsView {
            base: self,
            extra: Some(extra),
            scope: None,
        }
    }

    /// The definitions that win (lowest priority number), in module order.
    pub fn winning(&self, path: &[&str]) -> Vec<&Def> {
        self.view().winning(path)
    }

    /// The names directly below `path` that have definitions.
    pub fn children(&self, path: &[&str]) -> Vec<String> {
        self.view().children(path)
    }

    /// The first span of any definition at or below `path`.
    pub fn first_span(&self, path: &[&str]) -> Option<Span> {
        self.view().first_span(path)
    }
}

/// The definitions of a host, optionally with those of one more module set
/// (a disabled service's `extraConfig`) after them. Lookups take borrowed
/// paths and allocate nothing but their results.
#[derive(Clone, Copy)]
pub struct DefsView<'a> {
    base: &'a Defs,
    extra: Option<&'a Defs>,
    scope: Option<Scope<'a>>,
}

/// A path most lookups start with, and its nodes, found once.
#[derive(Clone, Copy)]
struct Scope<'a> {
    prefix: &'a [&'a str],
    base: Option<&'a Node>,
    extra: Option<&'a Node>,
}

impl<'a> DefsView<'a> {
    /// The same view, faster for paths that start with `prefix` (e.g. one
    /// service's data block).
    #[must_use]
    pub fn scoped(self, prefix: &'a [&'a str]) -> Self {
        let (base, extra) = self.nodes(prefix);
        DefsView {
            scope: Some(Scope {
                prefix,
                base,
                extra,
            }),
            ..self
        }
    }

    fn nodes(&self, path: &[&str]) -> (Option<&'a Node>, Option<&'a Node>) {
        if let Some(s) = &self.scope {
            // The shapes build their paths from the scope's own strings:
            // compare addresses before bytes.
            let same = |a: &&str, b: &&str| {
                a.len() == b.len() && (std::ptr::eq(a.as_ptr(), b.as_ptr()) || a == b)
            };
            if path.len() >= s.prefix.len() && path.iter().zip(s.prefix).all(|(a, b)| same(a, b)) {
                let rest = &path[s.prefix.len()..];
                return (
                    s.base.and_then(|n| n.get(rest)),
                    s.extra.and_then(|n| n.get(rest)),
                );
            }
        }
        (
            self.base.root.get(path),
            self.extra.and_then(|e| e.root.get(path)),
        )
    }

    /// Every definition of `path`, in module order.
    fn at(&self, path: &[&str]) -> impl Iterator<Item = &'a Def> + Clone {
        let (a, b) = self.nodes(path);
        let a: &'a [Def] = a.map_or(&[], |n| n.defs.as_slice());
        let b: &'a [Def] = b.map_or(&[], |n| n.defs.as_slice());
        a.iter().chain(b)
    }

    /// Whether `path` itself has a definition.
    pub fn is_defined(&self, path: &[&str]) -> bool {
        self.at(path).next().is_some()
    }

    /// The definitions that win (lowest priority number), in module order.
    pub fn winning(&self, path: &[&str]) -> Vec<&'a Def> {
        let all = self.at(path);
        let Some(best) = all.clone().map(|d| d.priority).min() else {
            return Vec::new();
        };
        all.filter(|d| d.priority == best).collect()
    }

    /// The last winning definition (what a scalar option takes).
    pub fn last_winning(&self, path: &[&str]) -> Option<&'a Def> {
        let all = self.at(path);
        let best = all.clone().map(|d| d.priority).min()?;
        all.filter(|d| d.priority == best).last()
    }

    /// The names directly below `path` that have definitions, sorted.
    pub fn children(&self, path: &[&str]) -> Vec<String> {
        let (a, b) = self.nodes(path);
        merged_children(a, b)
            .map(|(k, _, _)| k.to_owned())
            .collect()
    }

    /// The first span of any definition at or below `path`, in path order
    /// (a path before the paths below it, those sorted by name).
    pub fn first_span(&self, path: &[&str]) -> Option<Span> {
        let (a, b) = self.nodes(path);
        first_span_in(a, b)
    }
}

/// The children of `a` and `b` by name, in name order, each with its node
/// in either.
fn merged_children<'a>(
    a: Option<&'a Node>,
    b: Option<&'a Node>,
) -> impl Iterator<Item = (&'a str, Option<&'a Node>, Option<&'a Node>)> {
    let sorted = |n: Option<&'a Node>| n.map(Node::sorted_children).unwrap_or_default();
    let mut a = sorted(a).into_iter().peekable();
    let mut b = sorted(b).into_iter().peekable();
    std::iter::from_fn(move || match (a.peek(), b.peek()) {
        (None, None) => None,
        (Some(_), None) => a.next().map(|(k, n)| (k, Some(n), None)),
        (None, Some(_)) => b.next().map(|(k, n)| (k, None, Some(n))),
        (Some((ka, _)), Some((kb, _))) => match ka.cmp(kb) {
            std::cmp::Ordering::Less => a.next().map(|(k, n)| (k, Some(n), None)),
            std::cmp::Ordering::Greater => b.next().map(|(k, n)| (k, None, Some(n))),
            std::cmp::Ordering::Equal => {
                let (k, na) = a.next()?;
                let (_, nb) = b.next()?;
                Some((k, Some(na), Some(nb)))
            }
        },
    })
}

fn first_span_in(a: Option<&Node>, b: Option<&Node>) -> Option<Span> {
    let own = a
        .into_iter()
        .chain(b)
        .flat_map(|n| n.defs.iter())
        .find_map(|d| d.span.clone());
    own.or_else(|| merged_children(a, b).find_map(|(_, ca, cb)| first_span_in(ca, cb)))
}

/// Walks one module's config value.
pub fn collect(
    ev: &mut Evaluator,
    value: &Value,
    span: Option<Span>,
    data_keys: &'static [&'static str],
    defs: &mut Defs,
) {
    let mut path = KeyPath::new(data_keys);
    walk(
        ev,
        value.clone(),
        span,
        &mut path,
        (DEFAULT_PRIORITY, crate::modules::DEFAULT_ORDER),
        None,
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
    path: &mut KeyPath,
    (priority, order): (i64, i64),
    cond: Option<Rc<Unknown>>,
    defs: &mut Defs,
) {
    let k = path.kind();
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
                        walk(ev, content, span, path, (priority, order), cond, defs);
                    }
                    Value::Bool(false) => {}
                    Value::Unknown(u) => {
                        walk(ev, content, span, path, (priority, order), Some(u), defs);
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
                        walk(ev, v, s, path, (priority, order), cond.clone(), defs);
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
                    walk(ev, content, span, path, (p, order), cond, defs);
                }
                return;
            }
            "order" => {
                let o = match field(ev, defs, "priority") {
                    Some(Value::Int(o)) => o,
                    _ => order,
                };
                if let Some(content) = field(ev, defs, "content") {
                    walk(ev, content, span, path, (priority, o), cond, defs);
                }
                return;
            }
            _ => {}
        }
    }
    // A value, or a whole block only Nix knows (recorded so that the shapes
    // can say so where they need it), is one definition.
    let whole = match k {
        Kind::Ignore => return,
        Kind::Leaf => true,
        Kind::Node(_) => matches!(value, Value::Unknown(_)),
    };
    if whole {
        defs.push(
            path,
            Def {
                value,
                span,
                priority,
                order,
                cond,
            },
        );
        return;
    }
    match k {
        Kind::Ignore | Kind::Leaf => {}
        Kind::Node(valid) => match &value {
            Value::Attrs(a) => {
                for (key, entry) in &a.entries {
                    let thunk = &entry.value;
                    let entry_span = entry.span.clone().or_else(|| thunk.span());
                    if let Some(valid) = valid {
                        if !valid.contains(&key.as_str()) {
                            defs.unknown_keys.push(UnknownKey {
                                key: key.clone(),
                                span: entry_span,
                                valid,
                                context: path.joined(),
                            });
                            continue;
                        }
                    }
                    path.push(key);
                    if path.kind() != Kind::Ignore {
                        if let Some(v) = force_entry(ev, thunk, defs) {
                            walk(
                                ev,
                                v,
                                entry_span,
                                path,
                                (priority, order),
                                cond.clone(),
                                defs,
                            );
                        }
                    }
                    path.pop();
                }
            }
            other => defs.diagnostics.push(Diagnostic::error(
                "type-error",
                format!(
                    "`{}` is {} while an attribute set was expected",
                    path.joined,
                    other.type_name()
                ),
                span,
            )),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::SourceFile;
    use std::sync::Arc;

    /// Defs with one definition per `(path, priority, span start)`.
    fn defs(entries: &[(&str, i64, Option<usize>)]) -> Defs {
        let file = Arc::new(SourceFile {
            name: "t.nix".into(),
            path: "t.nix".into(),
            text: String::new(),
        });
        let mut d = Defs::default();
        for (i, (path, priority, start)) in entries.iter().enumerate() {
            let mut p = KeyPath::new(&[]);
            for part in path.split('.') {
                p.push(part);
            }
            d.push(
                &p,
                Def {
                    value: Value::Int(i64::try_from(i).unwrap()),
                    span: start.map(|s| Span {
                        file: file.clone(),
                        start: s,
                        end: s,
                    }),
                    priority: *priority,
                    order: crate::modules::DEFAULT_ORDER,
                    cond: None,
                },
            );
        }
        d
    }

    fn ints(v: &[&Def]) -> Vec<i64> {
        v.iter()
            .map(|d| match d.value {
                Value::Int(i) => i,
                _ => unreachable!(),
            })
            .collect()
    }

    #[test]
    fn a_view_with_extra_defs_reads_like_the_merge() {
        let host = defs(&[
            ("a.s.x.data.files", 100, None),
            ("a.s.x.data.tags", 100, Some(7)),
            ("a.s.y.enable", 100, Some(1)),
            ("a.s.x.data.files", 50, None),
        ]);
        let extra = defs(&[
            ("a.s.x.data.files", 50, None),
            ("a.s.x.data.dumps.b.cmd", 100, Some(3)),
            ("a.s.x.data.dumps.a.cmd", 100, None),
            ("a.s.w.data.files", 100, Some(9)),
        ]);
        let mut merged = host.clone();
        merged.extend(extra.clone());
        let view = host.view_with(&extra);
        let prefix = ["a", "s", "x", "data"];
        let scoped = view.scoped(&prefix);
        for path in [
            &["a", "s", "x", "data", "files"][..],
            &["a", "s", "x", "data"],
            &["a", "s", "x", "data", "dumps"],
            &["a", "s", "x", "data", "dumps", "a", "cmd"],
            &["a", "s"],
            &["a"],
            &["a", "s", "q"],
        ] {
            let want = merged.view();
            for v in [view, scoped] {
                assert_eq!(
                    ints(&v.winning(path)),
                    ints(&want.winning(path)),
                    "{path:?}"
                );
                assert_eq!(
                    v.last_winning(path).map(|d| ints(&[d])),
                    want.last_winning(path).map(|d| ints(&[d])),
                );
                assert_eq!(v.children(path), want.children(path), "{path:?}");
                assert_eq!(
                    v.first_span(path).map(|s| s.start),
                    want.first_span(path).map(|s| s.start),
                    "{path:?}"
                );
            }
        }
        assert_eq!(merged.children(&["a", "s"]), ["w", "x", "y"]);
        assert_eq!(
            ints(&merged.winning(&["a", "s", "x", "data", "files"])),
            [3, 0]
        );
        assert_eq!(
            merged.first_span(&["a", "s", "x"]).map(|s| s.start),
            Some(3)
        );
    }
}
