//! Values of the static evaluator: Nix values plus [`Unknown`], and lazy
//! [`Thunk`]s.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;
use std::rc::Rc;

use rustc_hash::FxHashMap;

use super::eval::{EvalResult, Evaluator};
use super::syntax::{ExprRef, Lambda};
use crate::diagnostic::Span;

/// A value in weak head normal form. Children (list items, attribute values)
/// are [`Thunk`]s and are only evaluated when forced.
#[derive(Clone)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// A string and its context (the store paths it refers to).
    String(NixString),
    /// An absolute, canonical path.
    Path(Rc<Path>),
    Attrs(Rc<Attrs>),
    List(Rc<Vec<Thunk>>),
    Lambda(Rc<Closure>),
    PrimOp(Rc<PrimOpApp>),
    /// Something that cannot be known statically.
    Unknown(Rc<Unknown>),
}

impl Value {
    /// A string without context.
    pub fn string(s: impl Into<Rc<str>>) -> Self {
        Value::String(NixString::plain(s))
    }

    /// A string with the given context (see [`NixString`]).
    pub fn string_with_context(s: impl Into<Rc<str>>, context: Option<Rc<Context>>) -> Self {
        Value::String(NixString {
            text: s.into(),
            context,
        })
    }

    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a Boolean",
            Value::Int(_) => "an integer",
            Value::Float(_) => "a float",
            Value::String(_) => "a string",
            Value::Path(_) => "a path",
            Value::Attrs(_) => "a set",
            Value::List(_) => "a list",
            Value::Lambda(_) | Value::PrimOp(_) => "a function",
            Value::Unknown(_) => "an unknown value",
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(&s.text),
            _ => None,
        }
    }

    pub fn as_attrs(&self) -> Option<&Rc<Attrs>> {
        match self {
            Value::Attrs(a) => Some(a),
            _ => None,
        }
    }

    pub fn as_list(&self) -> Option<&Rc<Vec<Thunk>>> {
        match self {
            Value::List(l) => Some(l),
            _ => None,
        }
    }

    pub fn as_unknown(&self) -> Option<&Rc<Unknown>> {
        match self {
            Value::Unknown(u) => Some(u),
            _ => None,
        }
    }

    pub fn is_function(&self) -> bool {
        matches!(self, Value::Lambda(_) | Value::PrimOp(_))
    }

    /// An attribute set built from Rust (e.g. a `cfg` that discovery supplies).
    pub fn attrs(entries: impl IntoIterator<Item = (String, Value)>) -> Self {
        Value::Attrs(Rc::new(Attrs::from_values(entries)))
    }

    /// A partially known set, e.g. a `config` where discovery knows some
    /// options: a missing attribute is `rest.<name>` (unknown), not an error.
    pub fn partial_attrs(entries: impl IntoIterator<Item = (String, Value)>, rest: &Value) -> Self {
        let mut a = Attrs::from_values(entries);
        if let Value::Unknown(u) = rest {
            a.unknown_keys = Some(u.clone());
        }
        Value::Attrs(Rc::new(a))
    }

    pub fn list(items: impl IntoIterator<Item = Value>) -> Self {
        Value::List(Rc::new(items.into_iter().map(Thunk::value).collect()))
    }

    /// A fresh unknown root such as `pkgs` or `inputs`: selecting from it or
    /// applying it yields further unknowns that remember the path.
    pub fn unknown_root(name: &str, reason: impl Into<String>, span: Option<Span>) -> Self {
        Value::Unknown(Rc::new(Unknown {
            reason: reason.into(),
            span,
            origin: UnknownOrigin::Root(name.to_string()),
        }))
    }

    pub fn unknown(reason: impl Into<String>, span: Option<Span>) -> Self {
        Value::Unknown(Rc::new(Unknown {
            reason: reason.into(),
            span,
            origin: UnknownOrigin::Opaque,
        }))
    }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => write!(f, "null"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) => write!(f, "{x}"),
            Value::String(s) => write!(f, "{s:?}"),
            Value::Path(p) => write!(f, "{}", p.display()),
            Value::Attrs(a) => write!(f, "{{ {} }}", a.keys().collect::<Vec<_>>().join(" ")),
            Value::List(l) => write!(f, "[ {} items ]", l.len()),
            Value::Lambda(_) | Value::PrimOp(_) => write!(f, "<function>"),
            Value::Unknown(u) => write!(f, "<unknown: {}>", u.reason),
        }
    }
}

/// A string's context: the store paths it refers to, in Nix's encoding
/// (`/nix/store/…` a plain path, `=/nix/store/….drv` a derivation and all
/// its outputs, `!out!/nix/store/….drv` one output of a derivation).
pub type Context = BTreeSet<String>;

/// The store directory; a string without tracked context that holds it may
/// have lost its context (see [`NixString::context_known`]).
pub const STORE_MARK: &str = "/nix/store/";

/// A Nix string: its text and its context. Most strings have none
/// (`context` is `None`); `Some` (possibly empty, after
/// `unsafeDiscardStringContext`) says the context is exactly that set.
#[derive(Clone)]
pub struct NixString {
    pub text: Rc<str>,
    pub context: Option<Rc<Context>>,
}

impl NixString {
    pub fn plain(s: impl Into<Rc<str>>) -> Self {
        NixString {
            text: s.into(),
            context: None,
        }
    }

    /// The context, when it is exactly known: strings that atelier built
    /// without tracking context (a store path written as a literal, or a
    /// result of an operation that does not carry context) hold the store
    /// directory but no context, and what they depend on is not known.
    pub fn context_known(&self) -> Option<Context> {
        match &self.context {
            Some(c) => Some((**c).clone()),
            None if self.text.contains(STORE_MARK) => None,
            None => Some(Context::new()),
        }
    }

    pub fn has_context(&self) -> bool {
        self.context.as_ref().is_some_and(|c| !c.is_empty())
    }
}

impl std::ops::Deref for NixString {
    type Target = str;
    fn deref(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for NixString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for NixString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", &*self.text)
    }
}

impl PartialEq<str> for NixString {
    fn eq(&self, other: &str) -> bool {
        &*self.text == other
    }
}

impl PartialEq for NixString {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl From<&str> for NixString {
    fn from(s: &str) -> Self {
        NixString::plain(s)
    }
}

impl From<String> for NixString {
    fn from(s: String) -> Self {
        NixString::plain(s)
    }
}

impl From<Rc<str>> for NixString {
    fn from(s: Rc<str>) -> Self {
        NixString::plain(s)
    }
}

/// One attribute: its lazy value and where it was defined.
#[derive(Clone)]
pub struct AttrEntry {
    pub value: Thunk,
    pub span: Option<Span>,
}

/// An attribute set. Names are sorted bytewise, like Nix.
#[derive(Clone, Default)]
pub struct Attrs {
    pub entries: BTreeMap<String, AttrEntry>,
    /// Set when some attribute names could not be computed (a dynamic key
    /// that is unknown): a missing attribute is then unknown, not an error.
    pub unknown_keys: Option<Rc<Unknown>>,
    /// Where the set literal was written, when it was.
    pub span: Option<Span>,
}

impl Attrs {
    pub fn from_values(entries: impl IntoIterator<Item = (String, Value)>) -> Self {
        Attrs {
            entries: entries
                .into_iter()
                .map(|(k, v)| {
                    (
                        k,
                        AttrEntry {
                            value: Thunk::value(v),
                            span: None,
                        },
                    )
                })
                .collect(),
            unknown_keys: None,
            span: None,
        }
    }

    pub fn get(&self, name: &str) -> Option<&AttrEntry> {
        self.entries.get(name)
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.keys().map(String::as_str)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn insert(&mut self, name: impl Into<String>, value: Thunk, span: Option<Span>) {
        self.entries.insert(name.into(), AttrEntry { value, span });
    }

    /// What stands for `name` when the set has no entry of that name: the
    /// unknown of the names atelier could not compute, or `None` when the
    /// set certainly lacks it (no unknown names, or unknown names that are
    /// all among a known few: `UnknownOrigin::Within`).
    pub fn unknown_for(&self, name: &str) -> Option<&Rc<Unknown>> {
        let u = self.unknown_keys.as_ref()?;
        match &u.origin {
            UnknownOrigin::Within { names, .. } if !names.contains(name) => None,
            UnknownOrigin::Without { names, .. } if names.contains(name) => None,
            _ => Some(u),
        }
    }
}

/// The unknown names of a set made from two (`//`, a zip): unbounded when
/// either side's are; names within the union when both are bounded.
pub fn unknown_keys_union(a: Option<&Rc<Unknown>>, b: Option<&Rc<Unknown>>) -> Option<Rc<Unknown>> {
    match (a, b) {
        (None, None) => None,
        (Some(u), None) | (None, Some(u)) => Some(u.clone()),
        (Some(x), Some(y)) => match (&x.origin, &y.origin) {
            (
                UnknownOrigin::Within { base, names: nx },
                UnknownOrigin::Within { names: ny, .. },
            ) => Some(Unknown::within(base, nx.union(ny).cloned().collect())),
            (
                UnknownOrigin::Without { base, names: nx },
                UnknownOrigin::Without { names: ny, .. },
            ) => Some(Unknown::without(
                base,
                nx.intersection(ny).cloned().collect(),
            )),
            (
                UnknownOrigin::Without { base, names: nx },
                UnknownOrigin::Within { names: ny, .. },
            )
            | (
                UnknownOrigin::Within { names: ny, .. },
                UnknownOrigin::Without { base, names: nx },
            ) => Some(Unknown::without(base, nx.difference(ny).cloned().collect())),
            (UnknownOrigin::Within { .. } | UnknownOrigin::Without { .. }, _) => Some(y.clone()),
            _ => Some(x.clone()),
        },
    }
}

/// A value that the static evaluator cannot know. It is only an error where a
/// consumer needs a concrete value.
#[derive(Clone)]
pub struct Unknown {
    /// Why it is unknown, e.g. "`pkgs` is only known when Nix builds the system".
    pub reason: String,
    /// Where the unknown expression was written.
    pub span: Option<Span>,
    pub origin: UnknownOrigin,
}

#[derive(Clone)]
pub enum UnknownOrigin {
    /// Nothing more is known.
    Opaque,
    /// A named root (`pkgs`, `inputs`, `config`).
    Root(String),
    /// `base.attr`
    Select { base: Rc<Unknown>, attr: String },
    /// `func arg`: the argument stays inspectable, so discovery can look into
    /// `inputs.atelier.lib.mkService { ... }`.
    Apply { func: Rc<Unknown>, arg: Thunk },
    /// Computed from another unknown (interpolation, arithmetic, ...).
    Derived(Rc<Unknown>),
    /// `if cond then … else …` with an unknown `cond`: one of the two
    /// branches (kept, not forced), so the module system can read it as
    /// `mkIf cond then` next to `mkIf (!cond) otherwise`. Everything else
    /// treats it as derived from `cond`.
    Choice {
        cond: Rc<Unknown>,
        then: Thunk,
        otherwise: Thunk,
    },
    /// On a set's `unknown_keys`: the names atelier could not compute are
    /// all among `names` (`filterAttrs` with a predicate known only to Nix
    /// keeps some of its input's names), so any other name is certainly
    /// absent. On an unknown list: its items are strings among `names` (a
    /// `filter` of names by such a predicate), which `removeAttrs` reads.
    /// Everything else treats it as derived from `base`.
    Within {
        base: Rc<Unknown>,
        names: Rc<BTreeSet<String>>,
    },
    /// Only on a set's `unknown_keys`: names atelier could not compute,
    /// none of which is among `names` (nixpkgs' package set has no
    /// `outPath`, `outputs`, `type` or `__functor`: it is neither a path, a
    /// derivation nor a function, as colmena's `mkNixpkgs` tests).
    /// Everything else treats it as derived from `base`.
    Without {
        base: Rc<Unknown>,
        names: Rc<BTreeSet<String>>,
    },
    /// `a ++ b` where a part is unknown: the parts in order (each a list
    /// or an unknown, already evaluated), so a module's `imports = [ ./a.nix
    /// ] ++ unknown` still names `./a.nix`. Everything else treats it as
    /// derived from `base`, the first unknown part.
    Concat {
        base: Rc<Unknown>,
        parts: Rc<[Thunk]>,
    },
}

impl Unknown {
    /// The name of the root this unknown derives from, following selections,
    /// derivations, choices (their condition) and applications (their
    /// function); `None` for an opaque unknown.
    pub fn root_name(&self) -> Option<&str> {
        let mut cur = self;
        loop {
            match &cur.origin {
                UnknownOrigin::Root(name) => return Some(name),
                UnknownOrigin::Select { base, .. }
                | UnknownOrigin::Derived(base)
                | UnknownOrigin::Choice { cond: base, .. }
                | UnknownOrigin::Within { base, .. }
                | UnknownOrigin::Without { base, .. }
                | UnknownOrigin::Concat { base, .. } => cur = base,
                UnknownOrigin::Apply { func, .. } => cur = func,
                UnknownOrigin::Opaque => return None,
            }
        }
    }

    /// Whether this stands for a module a flake input without its source
    /// exports (`<input>.nixosModules.<name>`, `.darwinModules.<name>`,
    /// `.homeManagerModules.<name>`, `.flakeModules.<name>`,
    /// `.modules.<class>.<name>`, `.nixosModule`, `.flakeModule`): by the
    /// flake schema a module (a set, a function or a path), so never null, a
    /// string, a number, a boolean or a list. A host's modules list passed
    /// through `filter (m: m != null)` or `if isString m` stays a list.
    pub fn is_flake_module(&self) -> bool {
        let Some(path) = self.path() else {
            return false;
        };
        if !self.reason.starts_with("flake input `") {
            return false;
        }
        // `inputs.X...` or `X...`: the part after the input's name.
        let rest: &[String] = match path.first().map(String::as_str) {
            Some("inputs") if path.len() > 1 => &path[2..],
            _ => &path[1..],
        };
        let rest: Vec<&str> = rest.iter().map(String::as_str).collect();
        matches!(
            rest.as_slice(),
            [
                "nixosModules"
                    | "darwinModules"
                    | "homeManagerModules"
                    | "homeModules"
                    | "flakeModules",
                _
            ] | ["modules", _, _]
                | ["nixosModule" | "darwinModule" | "homeManagerModule" | "flakeModule"]
        )
    }

    /// The attribute path of a root/select chain, e.g. `["inputs", "atelier",
    /// "lib", "mkService"]`; `None` for other unknowns.
    pub fn path(&self) -> Option<Vec<String>> {
        match &self.origin {
            UnknownOrigin::Root(name) => Some(vec![name.clone()]),
            UnknownOrigin::Select { base, attr } => {
                let mut p = base.path()?;
                p.push(attr.clone());
                Some(p)
            }
            // The same value, with names it certainly lacks.
            UnknownOrigin::Without { base, .. } => base.path(),
            _ => None,
        }
    }

    /// For an application of an unknown function: the function and argument.
    pub fn application(&self) -> Option<(&Rc<Unknown>, &Thunk)> {
        match &self.origin {
            UnknownOrigin::Apply { func, arg } => Some((func, arg)),
            _ => None,
        }
    }

    /// `file:line:col` of the span, or `<unknown location>`.
    pub fn location(&self) -> String {
        self.span
            .as_ref()
            .map_or_else(|| "<unknown location>".to_string(), Span::location)
    }

    /// Unknown names that are all among `names` (see `UnknownOrigin::Within`).
    pub(crate) fn within(this: &Rc<Unknown>, names: BTreeSet<String>) -> Rc<Unknown> {
        let base = match &this.origin {
            UnknownOrigin::Within { base, .. } => base,
            _ => this,
        };
        Rc::new(Unknown {
            reason: base.reason.clone(),
            span: base.span.clone(),
            origin: UnknownOrigin::Within {
                base: base.clone(),
                names: Rc::new(names),
            },
        })
    }

    /// Unknown names, none of them among `names` (see
    /// `UnknownOrigin::Without`).
    pub fn without(this: &Rc<Unknown>, names: BTreeSet<String>) -> Rc<Unknown> {
        Rc::new(Unknown {
            reason: this.reason.clone(),
            span: this.span.clone(),
            origin: UnknownOrigin::Without {
                base: this.clone(),
                names: Rc::new(names),
            },
        })
    }

    pub(crate) fn derived(this: &Rc<Unknown>) -> Rc<Unknown> {
        Rc::new(Unknown {
            reason: this.reason.clone(),
            span: this.span.clone(),
            origin: UnknownOrigin::Derived(this.clone()),
        })
    }
}

/// A user-defined function and the scope it closes over.
pub struct Closure {
    pub lambda: std::sync::Arc<Lambda>,
    pub env: Env,
}

pub type PrimOpFn = fn(&mut Evaluator, &[Thunk], &Span) -> EvalResult<Value>;

/// A builtin function: one row of the builtins table.
pub struct PrimOpDef {
    pub name: &'static str,
    pub arity: usize,
    pub func: PrimOpFn,
}

/// A builtin, possibly partially applied.
pub struct PrimOpApp {
    pub def: &'static PrimOpDef,
    pub args: Vec<Thunk>,
}

// ---------------------------------------------------------------- thunks

type NativeFn = Rc<dyn Fn(&mut Evaluator, &[Thunk]) -> EvalResult<Value>>;

pub(crate) enum ThunkState {
    Pending(ExprRef, Env),
    /// Rust code, and the thunks it reads ([`Thunk::native_with`]).
    Native(NativeFn, Span, Box<[Thunk]>),
    Forcing(Option<Span>),
    Done(Value),
}

/// A lazily evaluated value, shared: forcing it once caches the result.
#[derive(Clone)]
pub struct Thunk(pub(crate) Rc<RefCell<ThunkState>>);

impl Thunk {
    pub fn value(v: Value) -> Self {
        Thunk(Rc::new(RefCell::new(ThunkState::Done(v))))
    }

    pub(crate) fn pending(e: ExprRef, env: Env) -> Self {
        Thunk(Rc::new(RefCell::new(ThunkState::Pending(e, env))))
    }

    /// A thunk computed by Rust code when forced.
    pub fn native(span: Span, f: impl Fn(&mut Evaluator) -> EvalResult<Value> + 'static) -> Self {
        Self::native_with(span, Vec::new(), move |ev, _| f(ev))
    }

    /// A thunk computed by Rust code from `captures` when forced. The
    /// closure should hold no values or thunks itself, only `captures`:
    /// those are visible to the evaluator, which frees the reference
    /// cycles that go through them when it is dropped (`collect.rs`);
    /// what a closure holds is kept.
    pub fn native_with(
        span: Span,
        captures: Vec<Thunk>,
        f: impl Fn(&mut Evaluator, &[Thunk]) -> EvalResult<Value> + 'static,
    ) -> Self {
        Thunk(Rc::new(RefCell::new(ThunkState::Native(
            Rc::new(f),
            span,
            captures.into_boxed_slice(),
        ))))
    }

    /// The value if already evaluated.
    pub fn peek(&self) -> Option<Value> {
        match &*self.0.borrow() {
            ThunkState::Done(v) => Some(v.clone()),
            _ => None,
        }
    }

    /// Where the expression behind this thunk was written, if known.
    pub fn span(&self) -> Option<Span> {
        match &*self.0.borrow() {
            ThunkState::Pending(e, _) => Some(e.span.clone()),
            ThunkState::Native(_, s, _) => Some(s.clone()),
            ThunkState::Forcing(s) => s.clone(),
            ThunkState::Done(Value::Unknown(u)) => u.span.clone(),
            ThunkState::Done(Value::Attrs(a)) => a.span.clone(),
            ThunkState::Done(Value::Lambda(c)) => Some(c.lambda.span.clone()),
            ThunkState::Done(_) => None,
        }
    }
}

// ---------------------------------------------------------------- scopes

pub(crate) enum ScopeKind {
    Vars(RefCell<FxHashMap<String, Thunk>>),
    With(Thunk),
}

/// A lexical scope. `with` scopes are kept in the chain but only consulted
/// after every lexical binding (with-scoped names never shadow lexical ones).
pub struct Scope {
    pub(crate) kind: ScopeKind,
    pub(crate) parent: Option<Env>,
}

pub type Env = Rc<Scope>;

impl Scope {
    pub(crate) fn vars(parent: Option<Env>, vars: FxHashMap<String, Thunk>) -> Env {
        Rc::new(Scope {
            kind: ScopeKind::Vars(RefCell::new(vars)),
            parent,
        })
    }

    pub(crate) fn with(parent: Env, ns: Thunk) -> Env {
        Rc::new(Scope {
            kind: ScopeKind::With(ns),
            parent: Some(parent),
        })
    }
}

/// Scopes and thunks form chains as long as the evaluation that built them
/// (each step of `f = n: f (n + 1)` holds the previous `n`); dropping one
/// recursively would overflow the stack, so the parts that nobody else
/// holds are taken apart here, one at a time.
impl Drop for Scope {
    fn drop(&mut self) {
        let mut stack: Vec<Env> = Vec::new();
        let mut thunks: Vec<Thunk> = Vec::new();
        take_scope_parts(self, &mut stack, &mut thunks);
        loop {
            if let Some(t) = thunks.pop() {
                if let Ok(cell) = Rc::try_unwrap(t.0) {
                    match cell.into_inner() {
                        ThunkState::Pending(_, env) => stack.push(env),
                        ThunkState::Done(v) => take_value_parts(v, &mut stack, &mut thunks),
                        _ => {}
                    }
                }
            } else if let Some(env) = stack.pop() {
                if let Ok(mut scope) = Rc::try_unwrap(env) {
                    take_scope_parts(&mut scope, &mut stack, &mut thunks);
                }
            } else {
                break;
            }
        }
    }
}

/// Moves out the parts only this scope holds (the rest is merely released).
fn take_scope_parts(scope: &mut Scope, stack: &mut Vec<Env>, thunks: &mut Vec<Thunk>) {
    if let Some(p) = scope.parent.take() {
        if Rc::strong_count(&p) == 1 {
            stack.push(p);
        }
    }
    let only_ours = |t: &Thunk| Rc::strong_count(&t.0) == 1;
    match &mut scope.kind {
        ScopeKind::Vars(vars) => {
            let vars = vars.get_mut();
            if vars.values().any(only_ours) {
                thunks.extend(vars.drain().map(|(_, t)| t).filter(only_ours));
            }
        }
        ScopeKind::With(t) => {
            if only_ours(t) {
                if let ScopeKind::With(t) =
                    std::mem::replace(&mut scope.kind, ScopeKind::Vars(RefCell::default()))
                {
                    thunks.push(t);
                }
            }
        }
    }
}

fn take_value_parts(v: Value, stack: &mut Vec<Env>, thunks: &mut Vec<Thunk>) {
    match v {
        Value::Lambda(c) => {
            if let Ok(c) = Rc::try_unwrap(c) {
                stack.push(c.env);
            }
        }
        Value::List(items) => {
            if let Ok(items) = Rc::try_unwrap(items) {
                thunks.extend(items);
            }
        }
        Value::Attrs(a) => {
            if let Ok(a) = Rc::try_unwrap(a) {
                thunks.extend(a.entries.into_values().map(|e| e.value));
            }
        }
        _ => {}
    }
}

impl fmt::Debug for Unknown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<unknown at {}: {}>", self.location(), self.reason)
    }
}

impl fmt::Debug for Thunk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.peek() {
            Some(v) => write!(f, "{v:?}"),
            None => write!(f, "<thunk>"),
        }
    }
}
