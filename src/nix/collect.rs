//! Freeing an evaluation's reference cycles when its [`Evaluator`] is
//! dropped.
//!
//! Values are reference counted ([`Rc`]), and an evaluation makes cycles:
//! a `let` or `rec` scope holds thunks that capture that scope, a pattern's
//! default refers to its own scope, and a forced thunk's value can hold the
//! thunk again (`let x = { self = x; }`, fixpoints like `lib.fix`,
//! `builtins.builtins`, the module system's `config`). Reference counting
//! never frees those, so a process that evaluates many times (an
//! in-process fuzz run) would grow with every evaluation.
//!
//! Every such cycle goes through a mutable edge: a scope whose variables
//! were set after it was made, or a thunk that was forced. The evaluator
//! notes both ([`Cycles::scope`], [`Cycles::thunk`], as weak references).
//! When it is dropped, [`Cycles::collect`] finds, among everything
//! reachable from them, what is held only from inside that graph (trial
//! deletion: a node's strong count minus the references the graph itself
//! holds is what the rest of the program holds) and cuts the mutable edges
//! of that garbage, so plain reference counting frees it. Whatever the
//! program still holds (a value returned to the caller, and all it
//! reaches) is left as it was. A native thunk's declared captures
//! ([`Thunk::native_with`]) are seen; what its closure holds itself counts
//! as held from outside, so the collection is conservative, never unsound.
//!
//! [`Thunk::native_with`]: super::Thunk::native_with
//!
//! [`Evaluator`]: super::Evaluator

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::{Rc, Weak};

use super::value::{
    Attrs, Closure, Env, PrimOpApp, Scope, ScopeKind, Thunk, ThunkState, Unknown, UnknownOrigin,
    Value,
};

/// Dead entries are dropped from the registry when it reaches this size,
/// then when it doubles.
const PRUNE_MIN: usize = 4096;

/// The objects of one evaluation that may close a reference cycle.
#[derive(Default)]
pub(crate) struct Cycles {
    scopes: Vec<Weak<Scope>>,
    thunks: Vec<Weak<RefCell<ThunkState>>>,
    prune_at: usize,
}

/// What [`Cycles::collect`] did: objects looked at, and those freed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Collected {
    pub reachable: usize,
    pub freed: usize,
}

impl Cycles {
    /// A scope whose variables refer (or may refer) to the scope itself.
    pub(crate) fn scope(&mut self, env: &Env) {
        self.prune();
        self.scopes.push(Rc::downgrade(env));
    }

    /// A thunk just forced to `v`: when `v` holds other objects, it may
    /// hold the thunk again.
    pub(crate) fn thunk(&mut self, t: &Thunk, v: &Value) {
        if matches!(
            v,
            Value::Attrs(_)
                | Value::List(_)
                | Value::Lambda(_)
                | Value::PrimOp(_)
                | Value::Unknown(_)
        ) {
            self.prune();
            self.thunks.push(Rc::downgrade(&t.0));
        }
    }

    /// Forgets the entries whose object is gone (amortized: each entry is
    /// looked at about once per doubling).
    fn prune(&mut self) {
        if self.scopes.len() + self.thunks.len() < self.prune_at {
            return;
        }
        self.scopes.retain(|w| w.strong_count() > 0);
        self.thunks.retain(|w| w.strong_count() > 0);
        self.prune_at = ((self.scopes.len() + self.thunks.len()) * 2).max(PRUNE_MIN);
    }

    /// Frees every cycle among the noted objects that nothing outside the
    /// graph holds (see the module documentation).
    pub(crate) fn collect(&mut self) -> Collected {
        let roots: Vec<Node> = std::mem::take(&mut self.scopes)
            .iter()
            .filter_map(|w| w.upgrade().map(Node::Scope))
            .chain(
                std::mem::take(&mut self.thunks)
                    .iter()
                    .filter_map(|w| w.upgrade().map(|c| Node::Thunk(Thunk(c)))),
            )
            .collect();
        self.prune_at = 0;
        let mut graph = Graph::default();
        for r in roots {
            graph.visit(r, false);
        }
        graph.explore();
        graph.mark_held();
        graph.cut()
    }
}

/// One reference-counted object of the evaluator's heap.
enum Node {
    Thunk(Thunk),
    Scope(Env),
    Attrs(Rc<Attrs>),
    List(Rc<Vec<Thunk>>),
    Closure(Rc<Closure>),
    PrimOp(Rc<PrimOpApp>),
    Unknown(Rc<Unknown>),
}

impl Node {
    fn key(&self) -> usize {
        match self {
            Node::Thunk(t) => Rc::as_ptr(&t.0).cast::<()>() as usize,
            Node::Scope(s) => Rc::as_ptr(s).cast::<()>() as usize,
            Node::Attrs(a) => Rc::as_ptr(a).cast::<()>() as usize,
            Node::List(l) => Rc::as_ptr(l).cast::<()>() as usize,
            Node::Closure(c) => Rc::as_ptr(c).cast::<()>() as usize,
            Node::PrimOp(p) => Rc::as_ptr(p).cast::<()>() as usize,
            Node::Unknown(u) => Rc::as_ptr(u).cast::<()>() as usize,
        }
    }

    fn strong_count(&self) -> usize {
        match self {
            Node::Thunk(t) => Rc::strong_count(&t.0),
            Node::Scope(s) => Rc::strong_count(s),
            Node::Attrs(a) => Rc::strong_count(a),
            Node::List(l) => Rc::strong_count(l),
            Node::Closure(c) => Rc::strong_count(c),
            Node::PrimOp(p) => Rc::strong_count(p),
            Node::Unknown(u) => Rc::strong_count(u),
        }
    }

    /// The strong references this object holds to other nodes, one entry
    /// per reference. `None` when it cannot be looked into right now (a
    /// thunk being forced): it is then taken as held from outside.
    fn children(&self, out: &mut Vec<Node>) -> Option<()> {
        match self {
            Node::Thunk(t) => match &*t.0.try_borrow().ok()? {
                ThunkState::Pending(_, env) => out.push(Node::Scope(env.clone())),
                ThunkState::Done(v) => value_node(v, out),
                // What a native thunk's closure holds itself is opaque.
                ThunkState::Native(_, _, captures) => {
                    out.extend(captures.iter().cloned().map(Node::Thunk));
                }
                // Only met during an evaluation.
                ThunkState::Forcing(_) => {}
            },
            Node::Scope(s) => {
                if let Some(p) = &s.parent {
                    out.push(Node::Scope(p.clone()));
                }
                match &s.kind {
                    ScopeKind::Vars(vars) => {
                        out.extend(vars.try_borrow().ok()?.values().cloned().map(Node::Thunk));
                    }
                    ScopeKind::With(t) => out.push(Node::Thunk(t.clone())),
                }
            }
            Node::Attrs(a) => {
                out.extend(a.entries.values().map(|e| Node::Thunk(e.value.clone())));
                if let Some(u) = &a.unknown_keys {
                    out.push(Node::Unknown(u.clone()));
                }
            }
            Node::List(l) => out.extend(l.iter().cloned().map(Node::Thunk)),
            Node::Closure(c) => out.push(Node::Scope(c.env.clone())),
            Node::PrimOp(p) => out.extend(p.args.iter().cloned().map(Node::Thunk)),
            Node::Unknown(u) => match &u.origin {
                UnknownOrigin::Opaque | UnknownOrigin::Root(_) => {}
                UnknownOrigin::Select { base, .. }
                | UnknownOrigin::Derived(base)
                | UnknownOrigin::Within { base, .. }
                | UnknownOrigin::Without { base, .. } => {
                    out.push(Node::Unknown(base.clone()));
                }
                UnknownOrigin::Apply { func, arg } => {
                    out.push(Node::Unknown(func.clone()));
                    out.push(Node::Thunk(arg.clone()));
                }
                UnknownOrigin::Concat { base, parts } => {
                    out.push(Node::Unknown(base.clone()));
                    out.extend(parts.iter().cloned().map(Node::Thunk));
                }
                UnknownOrigin::Choice {
                    cond,
                    then,
                    otherwise,
                } => {
                    out.push(Node::Unknown(cond.clone()));
                    out.push(Node::Thunk(then.clone()));
                    out.push(Node::Thunk(otherwise.clone()));
                }
            },
        }
        Some(())
    }
}

/// The node a value refers to, if it refers to one.
fn value_node(v: &Value, out: &mut Vec<Node>) {
    match v {
        Value::Attrs(a) => out.push(Node::Attrs(a.clone())),
        Value::List(l) => out.push(Node::List(l.clone())),
        Value::Lambda(c) => out.push(Node::Closure(c.clone())),
        Value::PrimOp(p) => out.push(Node::PrimOp(p.clone())),
        Value::Unknown(u) => out.push(Node::Unknown(u.clone())),
        Value::Null
        | Value::Bool(_)
        | Value::Int(_)
        | Value::Float(_)
        | Value::String(_)
        | Value::Path(_) => {}
    }
}

struct Entry {
    /// Our one reference to the object while the collection runs.
    node: Node,
    /// References held by nodes of the graph.
    internal: usize,
    /// Held from outside the graph, or reachable from such a node.
    held: bool,
    /// Its references could not all be seen: everything it reaches is held.
    opaque: bool,
}

#[derive(Default)]
struct Graph {
    entries: HashMap<usize, Entry>,
    todo: Vec<usize>,
}

impl Graph {
    /// Notes a reference to `node` (from inside the graph when `internal`).
    fn visit(&mut self, node: Node, internal: bool) {
        let key = node.key();
        let entry = self.entries.entry(key).or_insert_with(|| {
            self.todo.push(key);
            Entry {
                node,
                internal: 0,
                held: false,
                opaque: false,
            }
        });
        if internal {
            entry.internal += 1;
        }
    }

    /// Everything reachable from the roots, with the references the graph
    /// holds to each node counted (iteratively: chains are long).
    fn explore(&mut self) {
        let mut children = Vec::new();
        while let Some(key) = self.todo.pop() {
            let entry = self.entries.get_mut(&key).expect("a visited node");
            if entry.node.children(&mut children).is_none() {
                entry.opaque = true;
            }
            for c in children.drain(..) {
                self.visit(c, true);
            }
        }
    }

    /// Marks what the program holds from outside the graph, and all it
    /// reaches.
    fn mark_held(&mut self) {
        let mut stack: Vec<usize> = Vec::new();
        for (key, e) in &mut self.entries {
            // Our own reference is the one not counted anywhere else.
            let external = e.node.strong_count().saturating_sub(1 + e.internal);
            if external > 0 || e.opaque {
                e.held = true;
                stack.push(*key);
            }
        }
        let mut children = Vec::new();
        while let Some(key) = stack.pop() {
            let _ = self.entries[&key].node.children(&mut children);
            for c in children.drain(..) {
                let k = c.key();
                if let Some(e) = self.entries.get_mut(&k) {
                    if !e.held {
                        e.held = true;
                        stack.push(k);
                    }
                }
            }
        }
    }

    /// Cuts the mutable edges of every node nobody outside holds: the
    /// cycles among them come apart and are freed with our references.
    fn cut(self) -> Collected {
        let reachable = self.entries.len();
        let mut freed = 0;
        let mut released: Vec<Released> = Vec::new();
        for e in self.entries.values() {
            if e.held {
                continue;
            }
            freed += 1;
            match &e.node {
                Node::Thunk(t) => {
                    if let Ok(mut state) = t.0.try_borrow_mut() {
                        let old = std::mem::replace(&mut *state, ThunkState::Done(Value::Null));
                        released.push(Released::Thunk(old));
                    }
                }
                Node::Scope(s) => match &s.kind {
                    ScopeKind::Vars(vars) => {
                        if let Ok(mut vars) = vars.try_borrow_mut() {
                            released.push(Released::Vars(std::mem::take(&mut *vars)));
                        }
                    }
                    // A `with` scope's namespace cannot be replaced; its
                    // thunk's own state is cut instead (it is garbage too).
                    ScopeKind::With(_) => {}
                },
                Node::Attrs(_)
                | Node::List(_)
                | Node::Closure(_)
                | Node::PrimOp(_)
                | Node::Unknown(_) => {}
            }
        }
        // Freed here, with every cut made, so no drop goes deep.
        drop(released);
        drop(self.entries);
        Collected { reachable, freed }
    }
}

/// What a cut took out of a node, freed once every cut is made.
enum Released {
    Thunk(#[allow(dead_code)] ThunkState),
    Vars(#[allow(dead_code)] rustc_hash::FxHashMap<String, Thunk>),
}
