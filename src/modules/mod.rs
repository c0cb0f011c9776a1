//! The module system as `lib.evalModules` does it, for the options the
//! host's own modules (and atelier's, built in) declare — lazily: a value of
//! `config` is computed only when something reads it (a `mkIf` condition,
//! a service's `cfg.enable`, a data path).
//!
//! `config.<path>` is, like nixpkgs' `lib/modules.nix`:
//! - below no declared option, a namespace whose attributes are the
//!   declared names; an undeclared one (`config.services.nginx`, declared
//!   only by nixpkgs) is unknown and names itself;
//! - at a declared option, its definitions from every module, found by
//!   pushing `mkIf`/`mkMerge`/`mkOverride`/`mkOrder` down to the option
//!   (a condition is forced only for a definition that exists there), then
//!   false conditions dropped, the lowest priority number kept (the
//!   option's `default` is `mkOptionDefault`, 1500), sorted by `mkOrder`,
//!   and merged by the option's type (`types.rs`): an `attrsOf`'s
//!   sets name by name (the same steps below each name), an option of no
//!   type as nixpkgs' `mergeDefaultOption` (sets by `//`, each value as
//!   written), a `str` as equal values, ...; `apply` runs last.
//!
//! A definition under a condition only Nix knows makes the option unknown,
//! and the unknown says which condition. Reading `config` while the
//! modules are being collected (from `imports`) is infinite recursion in
//! Nix, and an error here.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::rc::{Rc, Weak};
use std::sync::Arc;

use rustc_hash::FxHashMap;

use crate::diagnostic::{Diagnostic, SourceFile, Span};
use crate::nix::{AttrEntry, Attrs, EvalResult, Evaluator, Thunk, Unknown, UnknownOrigin, Value};

mod types;
use types::Ty;

/// Priority of a plain definition (`mkOverride 100`).
pub const DEFAULT_PRIORITY: i64 = 100;
/// Priority of an option's `default` (`mkOptionDefault`).
pub const OPTION_DEFAULT_PRIORITY: i64 = 1500;
/// Order of a definition without `mkOrder`.
pub const DEFAULT_ORDER: i64 = 1000;

/// Why `config.<undeclared option>` is unknown.
pub const UNDECLARED_REASON: &str = "config values are only known at rebuild time";

/// Why a NixOS host's submodule values may have names atelier-gen does
/// not see (see [`State::unread`]).
const HOST_UNREAD: &str = "modules atelier-gen does not read (nixpkgs', an input's)";

pub(crate) const ATELIER_OPTIONS: &str = include_str!("atelier-options.nix");
pub(crate) const MKSERVICE: &str = include_str!("mkservice.nix");
/// What `lib.evalModules` declares and defines itself (nixpkgs' internal
/// module): the `_module` options.
pub(crate) const MODULE_OPTIONS: &str = include_str!("module-options.nix");
/// The file nixpkgs' module system names its own module by.
const MODULE_OPTIONS_FILE: &str = "lib/modules.nix";

/// One module's `config`, with where the module was written.
#[derive(Clone)]
pub struct Module {
    pub config: Thunk,
    pub span: Option<Span>,
}

/// One path of the option tree. The tree is built lazily: a path's
/// declarations are looked into (forced) only when `config` is first read at
/// or below it, so the options of a service that nothing reads (most of
/// `data.*`, `monitoring`, ...) cost nothing. Which declaration is the
/// option, and which names a namespace has, are the same as looking into
/// every declaration up front; only an error in a declaration nobody reads
/// goes unreported (Nix reports it when it checks every definition).
#[derive(Default)]
struct OptNode {
    /// What the modules' `options` hold at this path, in module order.
    decls: Vec<Declaration>,
    /// Set while this path's declarations are forced: a declaration that
    /// needs its own path's declarations (through `config` at or below
    /// it, or `options`) is infinite recursion, as in Nix. Reading
    /// `config` elsewhere (`_module.args`) is not.
    busy: std::cell::Cell<bool>,
    expanded: RefCell<Option<Rc<Expanded>>>,
}

/// What one module's `options` hold at a path, with the module's file
/// (`None`: not known).
type Declaration = (Thunk, Option<Rc<str>>);

/// A path's declarations, looked into.
struct Expanded {
    /// Whether any declaration here could be forced (a path whose every
    /// declaration fails is not declared, as if the parent never had it).
    declared: bool,
    option: Option<OptionDecl>,
    children: BTreeMap<String, Rc<OptNode>>,
}

#[derive(Clone)]
struct OptionDecl {
    /// The declaration (`mkOption { ... }`) itself, for the option tree.
    this: Value,
    default: Option<Thunk>,
    apply: Option<Thunk>,
    /// `type`: how the definitions merge (see [`Ty`]).
    ty: Option<Thunk>,
    /// The type is (or holds) a submodule: its values have the
    /// submodule's options, whose defaults atelier-gen does not read, so
    /// an attribute no definition sets is unknown rather than missing.
    submodule: bool,
    /// The files of the modules declaring it, in module order (`None`:
    /// one is not known).
    files: Option<Rc<[Rc<str>]>>,
    /// The file of the module whose declaration this is.
    file: Option<Rc<str>>,
}

#[derive(Default)]
struct State {
    sealed: bool,
    modules: Rc<[Module]>,
    option_sources: Vec<Declaration>,
    /// What the module system's own module defines (`_module.args`,
    /// `_module.specialArgs`), after every other module.
    own_config: Option<Module>,
    /// `lib.evalModules`' `prefix`: where its options are (their `loc`).
    loc_prefix: Vec<String>,
    tree: Option<Rc<OptNode>>,
    mk_service: Option<Value>,
    diagnostics: Vec<Diagnostic>,
    levels: FxHashMap<Vec<String>, Rc<Level>>,
    /// For a submodule's own module system: where its values are
    /// (`config.<prefix>`), which its option tree does not repeat.
    prefix: Vec<String>,
    /// The module systems of submodule values below this one, kept as long
    /// as this one.
    nested: Vec<Rc<RefCell<State>>>,
    /// The `lib` submodules get: the host's (nixpkgs' real lib), or `None`
    /// for atelier's built-in lib.
    lib: Option<Value>,
    /// Every module of this system was read (a `lib.evalModules` whose
    /// modules atelier-gen all read): the option tree names every option,
    /// so `attrNames options` is known.
    complete: bool,
    /// Why a module atelier-gen does not read may define more of this
    /// system's values (a NixOS host's nixpkgs and input modules, a
    /// `lib.evalModules` import only Nix knows): a submodule value's
    /// names are then not all known. `None`: every definition is read.
    unread: Option<Rc<str>>,
    /// A NixOS host's module system (or a submodule's below one), whose
    /// undeclared options are nixpkgs' (see [`UNDECLARED_REASON`]).
    host: bool,
    /// For a submodule's own module system: its `freeformType`, by which
    /// the definitions of names no option declares merge.
    freeform: Option<Thunk>,
}

/// The module system a value belongs to (see [`State::nested`]).
type Sys = Weak<RefCell<State>>;

/// The configuration of one host: collect modules, [`Modules::seal`], then
/// read [`Modules::config`].
pub struct Modules {
    state: Rc<RefCell<State>>,
    root: Thunk,
    options: Thunk,
}

type Path_ = Rc<[String]>;

impl Modules {
    /// A configuration with atelier's own options declared.
    pub fn new(ev: &mut Evaluator) -> (Self, Vec<Diagnostic>) {
        let options = builtin_options(ev, ATELIER_OPTIONS).map(|(o, _)| (o, None));
        let (system, diags) = Self::with_options(options);
        system.set_unread(HOST_UNREAD);
        system.state.borrow_mut().host = true;
        (system, diags)
    }

    /// A configuration as `lib.evalModules { prefix; specialArgs; }`
    /// starts one: the module system's own `_module` options declared
    /// (`args`, `check`, `freeformType`, `specialArgs`) and defined, and
    /// the options' `loc` under `prefix`.
    pub fn bare(ev: &mut Evaluator, prefix: &Value, special: &Value) -> (Self, Vec<Diagnostic>) {
        let mut diags = Vec::new();
        let loc_prefix = match string_list(ev, prefix) {
            Ok(p) => p,
            Err(d) => {
                diags.extend(d);
                Vec::new()
            }
        };
        let own = module_options(ev, prefix, special);
        let (options, config) = match own {
            Ok((o, c)) => (Ok((o, Some(Rc::from(MODULE_OPTIONS_FILE)))), c),
            Err(d) => (Err(d), None),
        };
        let (system, d) = Self::with_options(options);
        diags.extend(d);
        {
            let mut s = system.state.borrow_mut();
            s.loc_prefix = loc_prefix;
            s.own_config = config.map(|c| Module {
                config: c,
                span: None,
            });
        }
        (system, diags)
    }

    fn with_options(options: EvalResult<Declaration>) -> (Self, Vec<Diagnostic>) {
        let state = Rc::new(RefCell::new(State::default()));
        let weak = Rc::downgrade(&state);
        let top: Path_ = Rc::from(Vec::new());
        let root = native(move |ev| node(ev, &weak, &top));
        let weak = Rc::downgrade(&state);
        let top: Path_ = Rc::from(Vec::new());
        let tree = native(move |ev| option_node(ev, &weak, &top));
        let mut diags = Vec::new();
        match options {
            Ok(t) => state.borrow_mut().option_sources.push(t),
            Err(d) => diags.extend(d),
        }
        (
            Self {
                state,
                root,
                options: tree,
            },
            diags,
        )
    }

    /// The lazy `options` argument of every module, and
    /// `lib.evalModules`' `.options`: the option tree as nixpkgs' module
    /// system gives it (see [`option_node`]).
    pub fn options(&self) -> Thunk {
        self.options.clone()
    }

    /// Every module was read: the option tree is the whole tree.
    pub fn set_complete(&self) {
        self.state.borrow_mut().complete = true;
    }

    /// Modules atelier-gen does not read (`why`, which names them) may
    /// define values here: the names of submodule values are then unknown,
    /// saying so.
    pub fn set_unread(&self, why: &str) {
        self.state.borrow_mut().unread = Some(Rc::from(why));
    }

    /// The lazy `config` argument of every module.
    pub fn config(&self) -> Thunk {
        self.root.clone()
    }

    /// A module argument that is not one of the fixed ones: what
    /// `_module.args.<name>` says, else `fallback`.
    /// Read while the modules are collected (in `imports`), it is
    /// `fallback`: Nix would fail on `_module.args` there, so the module
    /// gets it from somewhere atelier-gen does not see (a framework's
    /// `specialArgs`).
    pub fn arg(&self, name: &str, fallback: Value) -> Thunk {
        let root = self.root.clone();
        let state = Rc::downgrade(&self.state);
        let name = name.to_owned();
        native(move |ev| {
            if !state.upgrade().is_some_and(|s| s.borrow().sealed) {
                return Ok(fallback.clone());
            }
            let config = ev.force(&root)?;
            match ev.select(&config, &["_module", "args"])? {
                Some(Value::Attrs(a)) => match a.get(&name) {
                    Some(e) => {
                        let t = e.value.clone();
                        ev.force(&t)
                    }
                    None => Ok(fallback.clone()),
                },
                _ => Ok(fallback.clone()),
            }
        })
    }

    /// The `lib` the modules of submodules get (the host modules' own):
    /// nixpkgs' real lib instead of atelier's built-in one.
    pub fn set_lib(&self, lib: Value) {
        self.state.borrow_mut().lib = Some(lib);
    }

    /// Every module is known: `config` can be read from now on. Where the
    /// modules declaring `options` are is not known.
    pub fn seal(&self, modules: Vec<Module>, options: Vec<Thunk>) {
        self.seal_declared(modules, options.into_iter().map(|o| (o, None)).collect());
    }

    /// As [`Modules::seal`], with each `options`' module's file (nixpkgs'
    /// `_file`): the option tree's `declarations`.
    pub fn seal_declared(&self, mut modules: Vec<Module>, options: Vec<Declaration>) {
        let mut s = self.state.borrow_mut();
        modules.extend(s.own_config.clone());
        s.modules = modules.into();
        s.option_sources.extend(options);
        s.tree = None;
        s.levels.clear();
        s.sealed = true;
    }

    /// Errors met while reading option declarations.
    pub fn take_diagnostics(&self) -> Vec<Diagnostic> {
        std::mem::take(&mut self.state.borrow_mut().diagnostics)
    }

    /// The module that `….lib.mkService arg` (atelier's, not read as an
    /// input) makes: a function of `{ config, pkgs, ... }`.
    pub fn mk_service_module(&self, ev: &mut Evaluator, arg: &Thunk) -> EvalResult<Value> {
        let cached = self.state.borrow().mk_service.clone();
        let f = if let Some(f) = cached {
            f
        } else {
            let f = ev.eval_source("<atelier mkService>", Path::new("/"), MKSERVICE)?;
            let lib = ev.lib()?;
            let args = Value::attrs([
                ("lib".to_owned(), lib),
                ("byShape".to_owned(), types::by_shape()),
            ]);
            let f = ev.apply(&f, args)?;
            self.state.borrow_mut().mk_service = Some(f.clone());
            f
        };
        let arg = ev.force(arg)?;
        ev.apply(&f, arg)
    }
}

/// `config` at each of `paths` (dotted) after atelier's module system has
/// read the module files `files` (each `{ options; config; }`, or a function
/// of `{ config, lib, ... }` to one), with nixpkgs' lib from `lib_dir` or the
/// built-in one: the value as JSON, or what went wrong (`code: message`).
/// For the tests that compare with `lib.evalModules`.
#[doc(hidden)]
pub fn eval_config(
    root: &Path,
    files: &[std::path::PathBuf],
    lib_dir: Option<&Path>,
    paths: &[&str],
) -> Vec<Result<serde_json::Value, String>> {
    fn show(d: &[Diagnostic]) -> String {
        d.iter()
            .map(|d| {
                let at = d.span.as_ref().map(Span::location).unwrap_or_default();
                let mut notes = String::new();
                for n in &d.notes {
                    let _ = write!(notes, "\n  {n}");
                }
                format!("{}: {} [{at}]{notes}", d.code, d.message)
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
    let mut ev = Evaluator::new(root);
    let lib = match lib_dir {
        Some(dir) => {
            ev.allow_root(dir);
            ev.eval_file(&dir.join("default.nix"))
        }
        None => ev.lib(),
    };
    let lib = match lib {
        Ok(l) => l,
        Err(d) => return vec![Err(show(&d)); paths.len()],
    };
    let (system, diags) = Modules::new(&mut ev);
    if !diags.is_empty() {
        return vec![Err(show(&diags)); paths.len()];
    }
    let mut configs = Vec::new();
    let mut options = Vec::new();
    for file in files {
        let module = ev.eval_file(file).and_then(|m| {
            if !m.is_function() {
                return Ok(m);
            }
            let mut args = Attrs::from_values([("lib".to_owned(), lib.clone())]);
            args.insert("config", system.config(), None);
            ev.apply(&m, Value::Attrs(Rc::new(args)))
        });
        let module = match module {
            Ok(Value::Attrs(a)) => a,
            Ok(other) => {
                let msg = format!("{}: a module is {}", file.display(), other.type_name());
                return vec![Err(msg); paths.len()];
            }
            Err(d) => return vec![Err(show(&d)); paths.len()],
        };
        if let Some(e) = module.get("options") {
            options.push(e.value.clone());
        }
        if let Some(e) = module.get("config") {
            configs.push(Module {
                config: e.value.clone(),
                span: e.span.clone(),
            });
        }
    }
    system.seal(configs, options);
    let read = |ev: &mut Evaluator, path: &str| -> EvalResult<Result<serde_json::Value, String>> {
        let root = ev.force(&system.config())?;
        let p: Vec<&str> = path.split('.').collect();
        let Some(v) = ev.select(&root, &p)? else {
            return Ok(Err(format!("`{path}` is missing")));
        };
        ev.force_deep(&v)?;
        Ok(
            match crate::nix::to_json(ev, &v, crate::nix::JsonMode::Nix, &span())? {
                Ok(j) => Ok(j),
                Err(u) => Err(format!("unknown: {}", u.reason)),
            },
        )
    };
    paths
        .iter()
        .map(|p| read(&mut ev, p).unwrap_or_else(|d| Err(show(&d))))
        .collect()
}

/// The options a module (`{ lib, pkgs, byShape }: { options = ...; }`) declares,
/// and its `config`.
fn builtin_options(ev: &mut Evaluator, source: &str) -> EvalResult<(Thunk, Option<Thunk>)> {
    let pkgs = Value::unknown_root(
        "pkgs",
        "packages are only known when Nix builds the system",
        None,
    );
    builtin_module(
        ev,
        source,
        vec![
            ("pkgs".to_owned(), pkgs),
            ("byShape".to_owned(), types::by_shape()),
        ],
    )
}

/// A module of atelier's own (a function of `lib` and `args`): its
/// `options` and `config`.
fn builtin_module(
    ev: &mut Evaluator,
    source: &str,
    args: Vec<(String, Value)>,
) -> EvalResult<(Thunk, Option<Thunk>)> {
    let f = ev.eval_source("<atelier options>", Path::new("/"), source)?;
    let lib = ev.lib()?;
    let mut all = vec![("lib".to_owned(), lib)];
    all.extend(args);
    let m = ev.apply(&f, Value::attrs(all))?;
    let field = |k: &str| m.as_attrs().and_then(|a| a.get(k)).map(|e| e.value.clone());
    Ok((
        field("options").unwrap_or_else(|| Thunk::value(Value::attrs([]))),
        field("config"),
    ))
}

/// The module system's own module, for `lib.evalModules { prefix;
/// specialArgs; }`: its options, and its config.
fn module_options(
    ev: &mut Evaluator,
    prefix: &Value,
    special: &Value,
) -> EvalResult<(Thunk, Option<Thunk>)> {
    let text = Value::unknown_root(
        "lib.modules' documentation of `_module`",
        "nixpkgs' text documenting the module system's own options is not copied into atelier-gen",
        None,
    );
    builtin_module(
        ev,
        MODULE_OPTIONS,
        vec![
            ("prefix".to_owned(), prefix.clone()),
            ("specialArgs".to_owned(), special.clone()),
            ("description".to_owned(), text),
        ],
    )
}

/// A list of strings (`prefix`), forced.
fn string_list(ev: &mut Evaluator, v: &Value) -> EvalResult<Vec<String>> {
    let mut out = Vec::new();
    if let Value::List(items) = v {
        for t in items.iter() {
            match ev.force(t)? {
                Value::String(s) => out.push(s.to_string()),
                other => {
                    return Err(error(
                        "type-error",
                        format!(
                            "`prefix` of lib.evalModules holds {} where strings were expected",
                            other.type_name()
                        ),
                        None,
                    ))
                }
            }
        }
    }
    Ok(out)
}

fn span() -> Span {
    thread_local! {
        static FILE: Arc<SourceFile> = Arc::new(SourceFile {
            name: "<module system>".into(),
            path: "/".into(),
            text: String::new(),
        });
    }
    FILE.with(|f| Span {
        file: f.clone(),
        start: 0,
        end: 0,
    })
}

fn native(f: impl Fn(&mut Evaluator) -> EvalResult<Value> + 'static) -> Thunk {
    Thunk::native(span(), f)
}

fn dotted(path: &[String]) -> String {
    path.join(".")
}

/// `config.a.b` as an unknown that names the option.
fn config_unknown(path: &[String]) -> Rc<Unknown> {
    let mut u = Rc::new(Unknown {
        reason: UNDECLARED_REASON.into(),
        span: None,
        origin: UnknownOrigin::Root("config".into()),
    });
    for p in path {
        u = select(&u, p);
    }
    u
}

fn select(u: &Rc<Unknown>, attr: &str) -> Rc<Unknown> {
    Rc::new(Unknown {
        reason: u.reason.clone(),
        span: u.span.clone(),
        origin: UnknownOrigin::Select {
            base: u.clone(),
            attr: attr.to_owned(),
        },
    })
}

fn error(code: &'static str, msg: String, span: Option<Span>) -> Vec<Diagnostic> {
    vec![Diagnostic::error(code, msg, span)]
}

// ------------------------------------------------------------ declarations

/// The root of the option tree (nothing forced yet).
fn tree(state: &Rc<RefCell<State>>) -> Rc<OptNode> {
    let mut s = state.borrow_mut();
    if let Some(t) = &s.tree {
        return t.clone();
    }
    let root = Rc::new(OptNode {
        decls: s.option_sources.clone(),
        ..OptNode::default()
    });
    s.tree = Some(root.clone());
    root
}

fn declaration_recursion() -> Vec<Diagnostic> {
    error(
        "infinite-recursion",
        "an option declaration (`options = ...`) depends on config; Nix fails here with infinite recursion".into(),
        None,
    )
}

/// Looks into a path's declarations (once): the first one that is an
/// option (`_type = "option"`) is the option; the names of the others are
/// the path's children.
fn expand(
    ev: &mut Evaluator,
    state: &Rc<RefCell<State>>,
    node: &OptNode,
) -> EvalResult<Rc<Expanded>> {
    if let Some(e) = &*node.expanded.borrow() {
        return Ok(e.clone());
    }
    if node.busy.get() {
        return Err(declaration_recursion());
    }
    node.busy.set(true);
    let mut declared = false;
    let mut option = None;
    let mut children: BTreeMap<String, Vec<Declaration>> = BTreeMap::new();
    let mut diags = Vec::new();
    let mut files: Option<Vec<Rc<str>>> = Some(Vec::new());
    for (t, file) in &node.decls {
        let v = match ev.force(t) {
            Ok(v) => v,
            Err(d) => {
                diags.extend(d);
                continue;
            }
        };
        declared = true;
        match (&mut files, file) {
            (Some(fs), Some(f)) => fs.push(f.clone()),
            _ => files = None,
        }
        let Value::Attrs(a) = &v else { continue };
        if property_type(ev, &v).as_deref() == Some("option") {
            if option.is_none() {
                let submodule = a
                    .get("type")
                    .is_some_and(|e| has_submodule(ev, &e.value.clone(), 0));
                option = Some(OptionDecl {
                    this: v.clone(),
                    default: a.get("default").map(|e| e.value.clone()),
                    apply: a.get("apply").map(|e| e.value.clone()),
                    ty: a.get("type").map(|e| e.value.clone()),
                    submodule,
                    files: None,
                    file: file.clone(),
                });
            }
            continue;
        }
        for (k, e) in &a.entries {
            children
                .entry(k.clone())
                .or_default()
                .push((e.value.clone(), file.clone()));
        }
    }
    if let Some(o) = &mut option {
        o.files = files.map(Rc::from);
    }
    let e = Rc::new(Expanded {
        declared,
        option,
        children: children
            .into_iter()
            .map(|(k, decls)| {
                let n = OptNode {
                    decls,
                    ..OptNode::default()
                };
                (k, Rc::new(n))
            })
            .collect(),
    });
    node.busy.set(false);
    let mut s = state.borrow_mut();
    s.diagnostics.extend(diags);
    *node.expanded.borrow_mut() = Some(e.clone());
    Ok(e)
}

fn property_type(ev: &mut Evaluator, v: &Value) -> Option<Rc<str>> {
    let t = v.as_attrs()?.get("_type")?.value.clone();
    match ev.force(&t) {
        Ok(Value::String(s)) => Some(s.text),
        _ => None,
    }
}

/// Whether an option type is or holds a submodule: `types.submodule`,
/// `submoduleWith`, `attrsOf (submodule ...)`, ... — with atelier's opaque
/// `lib.types` an unknown whose selections say so, with nixpkgs' real lib
/// a type whose `name` (or a nested type's) does.
fn has_submodule(ev: &mut Evaluator, t: &Thunk, depth: usize) -> bool {
    if depth > 8 {
        return false;
    }
    match ev.force(t) {
        Ok(Value::Unknown(u)) => unknown_has_submodule(ev, &u, depth),
        // A built-in type with its description: the unknown it extends.
        Ok(Value::Attrs(a))
            if matches!(
                a.unknown_keys.as_ref().map(|u| &u.origin),
                Some(UnknownOrigin::Derived(_))
            ) =>
        {
            match a.unknown_keys.as_ref().map(|u| &u.origin) {
                Some(UnknownOrigin::Derived(base)) => unknown_has_submodule(ev, base, depth),
                _ => false,
            }
        }
        Ok(v @ Value::Attrs(_)) => {
            let name = ev.select(&v, &["name"]);
            if let Ok(Some(Value::String(n))) = name {
                if n.starts_with("submodule") {
                    return true;
                }
            }
            // `attrsWith { elemType; … }`'s argument holds its type.
            if let Some(e) = v.as_attrs().and_then(|a| a.get("elemType")) {
                if has_submodule(ev, &e.value.clone(), depth + 1) {
                    return true;
                }
            }
            match ev.select(&v, &["nestedTypes"]) {
                Ok(Some(Value::Attrs(n))) => n
                    .entries
                    .values()
                    .any(|e| has_submodule(ev, &e.value.clone(), depth + 1)),
                _ => false,
            }
        }
        _ => false,
    }
}

fn unknown_has_submodule(ev: &mut Evaluator, u: &Unknown, depth: usize) -> bool {
    match &u.origin {
        UnknownOrigin::Select { base, attr } => {
            attr.starts_with("submodule") || unknown_has_submodule(ev, base, depth)
        }
        UnknownOrigin::Apply { func, arg } => {
            unknown_has_submodule(ev, func, depth) || has_submodule(ev, arg, depth + 1)
        }
        UnknownOrigin::Derived(b)
        | UnknownOrigin::Choice { cond: b, .. }
        | UnknownOrigin::Within { base: b, .. }
        | UnknownOrigin::Without { base: b, .. }
        | UnknownOrigin::Concat { base: b, .. } => unknown_has_submodule(ev, b, depth),
        UnknownOrigin::Root(_) | UnknownOrigin::Opaque => false,
    }
}

enum Place {
    Namespace(Rc<Expanded>),
    Option(OptionDecl),
    Undeclared,
}

fn classify(ev: &mut Evaluator, state: &Rc<RefCell<State>>, path: &[String]) -> EvalResult<Place> {
    let mut n = expand(ev, state, &tree(state))?;
    for p in path {
        if let Some(d) = &n.option {
            return Ok(Place::Option(d.clone()));
        }
        let Some(c) = n.children.get(p).cloned() else {
            return Ok(Place::Undeclared);
        };
        n = expand(ev, state, &c)?;
        if !n.declared {
            return Ok(Place::Undeclared);
        }
    }
    Ok(match &n.option {
        Some(d) => Place::Option(d.clone()),
        None => Place::Namespace(n),
    })
}

// ------------------------------------------------------------ values

fn node(ev: &mut Evaluator, state: &Weak<RefCell<State>>, path: &Path_) -> EvalResult<Value> {
    let Some(state) = state.upgrade() else {
        return Ok(Value::Unknown(config_unknown(path)));
    };
    if !state.borrow().sealed {
        return Err(error(
            "infinite-recursion",
            format!(
                "`config{}{}` is read while the modules are being collected (from `imports` or a module's own shape); Nix fails here with infinite recursion",
                if path.is_empty() { "" } else { "." },
                dotted(path)
            ),
            None,
        )
        .into_iter()
        .map(|d| d.with_note("`imports` cannot depend on config; use `lib.mkIf` inside the imported module instead"))
        .collect());
    }
    let prefix = state.borrow().prefix.len();
    match classify(ev, &state, &path[prefix..])? {
        Place::Undeclared => Ok(Value::Unknown(match undeclared_why(&state) {
            Some(why) => undeclared_here(path, &why),
            None => config_unknown(path),
        })),
        Place::Namespace(n) => {
            let mut attrs = namespace(&n, path, &state, node);
            if prefix > 0 && path.len() == prefix {
                // A submodule value: its declared options, and the names
                // its `freeformType` takes. Those are all its names unless
                // a module atelier-gen does not read may define more.
                let (freeform, unread) = {
                    let s = state.borrow();
                    (s.freeform.clone(), s.unread.clone())
                };
                let mut more = None;
                if let Some(ty) = freeform {
                    let extra = freeform_attrs(ev, &state, path, &n, &ty)?;
                    more = extra.unknown_keys;
                    for (k, e) in extra.entries {
                        attrs.entries.entry(k).or_insert(e);
                    }
                }
                attrs.unknown_keys = unread.map(|why| unread_names(path, &why)).or(more);
            } else if prefix > 0 || !closed(path) {
                // Only atelier's own module and the flake's declare options
                // under `atelier`: a name missing there does not exist (and
                // `or` falls back). Anywhere else a module atelier-gen does
                // not read (nixpkgs', an input's) may declare it.
                attrs.unknown_keys = Some(match undeclared_why(&state) {
                    Some(why) => undeclared_here(path, &why),
                    None => config_unknown(path),
                });
            }
            Ok(Value::Attrs(Rc::new(attrs)))
        }
        Place::Option(decl) => option_value(ev, &state, path, &decl),
    }
}

/// In a `lib.evalModules` of the flake's (not a NixOS host's), why an
/// option no module read declares may still exist: a module atelier-gen
/// cannot read may declare it.
fn undeclared_why(state: &Rc<RefCell<State>>) -> Option<Rc<str>> {
    let s = state.borrow();
    s.unread.clone().filter(|_| !s.host)
}

/// `config.<path>`, which no module read declares, where modules not read
/// may (`why` names them).
fn undeclared_here(path: &[String], why: &str) -> Rc<Unknown> {
    let mut u = Rc::new(Unknown {
        reason: format!("no module atelier-gen read declares it: {why} may"),
        span: None,
        origin: UnknownOrigin::Root("config".into()),
    });
    for p in path {
        u = select(&u, p);
    }
    u
}

/// The names of a submodule value at `path` that a module atelier-gen does
/// not read may define (`why`).
fn unread_names(path: &[String], why: &str) -> Rc<Unknown> {
    Rc::new(Unknown {
        reason: format!(
            "`{}` may have attributes atelier-gen does not see: {why} may define them",
            dotted(path)
        ),
        span: None,
        origin: UnknownOrigin::Root(format!("config.{}", dotted(path))),
    })
}

/// A submodule value's attributes that no option declares, merged by its
/// `freeformType` (`ty`) as `lib.evalModules` merges them: every module's
/// definitions of those names (`mkIf`, `mkOverride`, `mkOrder` kept on each
/// name, so a condition is forced only where the type needs it), in the
/// order Nix merges modules. A definition only Nix knows may define any
/// name, and adds to every one.
fn freeform_attrs(
    ev: &mut Evaluator,
    state: &Rc<RefCell<State>>,
    path: &[String],
    declared: &Expanded,
    ty: &Thunk,
) -> EvalResult<Attrs> {
    let mut found = level(ev, state, path)?.found.clone();
    found.sort_by_key(|f| std::cmp::Reverse(f.module));
    let mut defs = Vec::new();
    let mut opaque: Option<(Rc<Unknown>, usize)> = None;
    for f in &found {
        match &f.value {
            Value::Attrs(a) => {
                let mut rest = Attrs {
                    unknown_keys: a.unknown_keys.clone(),
                    span: a.span.clone(),
                    ..Attrs::default()
                };
                for (k, e) in &a.entries {
                    if !declared.children.contains_key(k) {
                        rest.entries.insert(
                            k.clone(),
                            AttrEntry {
                                value: with_properties(f, e.value.clone()),
                                span: e.span.clone(),
                            },
                        );
                    }
                }
                if !rest.entries.is_empty() || rest.unknown_keys.is_some() {
                    defs.push(Def {
                        value: Value::Attrs(Rc::new(rest)),
                        span: f.span.clone(),
                        priority: DEFAULT_PRIORITY,
                        order: DEFAULT_ORDER,
                        module: f.module,
                        unknown_cond: None,
                    });
                }
            }
            Value::Unknown(u) => {
                opaque.get_or_insert((u.clone(), f.module));
            }
            _ => {}
        }
    }
    if let Some((u, module)) = &opaque {
        let mut every = Attrs {
            unknown_keys: Some(u.clone()),
            ..Attrs::default()
        };
        for d in &defs {
            if let Value::Attrs(a) = &d.value {
                for k in a.entries.keys() {
                    every.insert(k.clone(), Thunk::value(Value::Unknown(select(u, k))), None);
                }
            }
        }
        defs.push(Def {
            value: Value::Attrs(Rc::new(every)),
            span: None,
            priority: DEFAULT_PRIORITY,
            order: DEFAULT_ORDER,
            module: *module,
            unknown_cond: None,
        });
    }
    let (elem, names) = match types::classify(ev, ty, 0) {
        Ty::AttrsOf { elem, lazy } => (
            (*elem).clone(),
            if lazy { Names::Lazy } else { Names::Defined },
        ),
        Ty::Anything => (Ty::Anything, Names::Defined),
        // `//`, name by name, as their `merge`.
        Ty::Unspecified | Ty::Attrs => {
            return Ok(match merge_update(&defs) {
                Value::Attrs(a) => (*a).clone(),
                _ => Attrs::default(),
            })
        }
        _ => (Ty::Opaque, Names::Given),
    };
    let sys = Rc::downgrade(state);
    match merge_attrs(ev, &sys, path, &defs, false, false, &elem, names)? {
        Value::Attrs(a) => Ok((*a).clone()),
        _ => Ok(Attrs::default()),
    }
}

/// `t` (one name's definition, found under `f`) with `f`'s conditions,
/// priority and order around it, as `mkIf`/`mkOverride`/`mkOrder`.
fn with_properties(f: &Found, t: Thunk) -> Thunk {
    let property = |kind: &str, fields: [(&str, Thunk); 2]| {
        let mut a = Attrs::default();
        a.insert("_type", Thunk::value(Value::string(kind)), None);
        for (k, v) in fields {
            a.insert(k, v, None);
        }
        Thunk::value(Value::Attrs(Rc::new(a)))
    };
    let mut t = t;
    if f.order != DEFAULT_ORDER {
        let p = Thunk::value(Value::Int(f.order));
        t = property("order", [("priority", p), ("content", t)]);
    }
    if f.priority != DEFAULT_PRIORITY {
        let p = Thunk::value(Value::Int(f.priority));
        t = property("override", [("priority", p), ("content", t)]);
    }
    for c in f.conds.iter().rev() {
        t = property("if", [("condition", c.clone()), ("content", t)]);
    }
    t
}

/// A namespace's declared names, each the lazy `at` of its own path
/// (`node` for `config`, `option_node` for `options`).
fn namespace(
    n: &Expanded,
    path: &[String],
    state: &Rc<RefCell<State>>,
    at: fn(&mut Evaluator, &Sys, &Path_) -> EvalResult<Value>,
) -> Attrs {
    let mut attrs = Attrs::default();
    for k in n.children.keys() {
        let mut child: Vec<String> = path.to_vec();
        child.push(k.clone());
        let child: Path_ = child.into();
        let weak = Rc::downgrade(state);
        attrs.entries.insert(
            k.clone(),
            AttrEntry {
                value: native(move |ev| at(ev, &weak, &child)),
                span: None,
            },
        );
    }
    attrs
}

/// `options` at `path`: a namespace is a set of its declared names; an
/// option is its declaration (`type`, `default`, `description`,
/// `internal`, ...) with `value` (its value in `config`), `loc`,
/// `isDefined` and `highestPrio` (see [`definedness`]), as nixpkgs' module
/// system gives them. `definitions`, `files` and `declarations` are
/// unknown (atelier-gen does not keep where each definition came from
/// this way). A namespace may
/// have more names than the modules read declare (nixpkgs' own modules,
/// which atelier-gen does not read), unless this is a `lib.evalModules`
/// whose every module was read.
fn option_node(
    ev: &mut Evaluator,
    state: &Weak<RefCell<State>>,
    path: &Path_,
) -> EvalResult<Value> {
    let unknown = || {
        Value::unknown_root(
            &format!("options.{}", dotted(path)),
            "an option no module atelier-gen read declares",
            None,
        )
    };
    let Some(state) = state.upgrade() else {
        return Ok(unknown());
    };
    if !state.borrow().sealed {
        return Err(error(
            "infinite-recursion",
            "`options` is read while the modules are being collected (from `imports` or a module's own shape); Nix fails here with infinite recursion".into(),
            None,
        ));
    }
    let prefix = state.borrow().prefix.len();
    match classify(ev, &state, path)? {
        Place::Undeclared => Ok(unknown()),
        Place::Namespace(n) => {
            let mut attrs = namespace(&n, path, &state, option_node);
            if !state.borrow().complete && (prefix > 0 || !closed(path)) {
                attrs.unknown_keys = Some(Rc::new(Unknown {
                    reason: "a module atelier-gen does not read may declare more options here"
                        .into(),
                    span: None,
                    origin: UnknownOrigin::Root(format!("options.{}", dotted(path))),
                }));
            }
            Ok(Value::Attrs(Rc::new(attrs)))
        }
        Place::Option(decl) => {
            option_attrs(ev, &state, path, &decl).map(|o| o.unwrap_or_else(unknown))
        }
    }
}

/// `options.<path>.isDefined` and `.highestPrio` of the option `decl` at
/// `full` (a `config` path), as nixpkgs' `mergeDefinitions` gives them:
/// the definitions are the modules' (those atelier-gen reads, as for
/// `config`) with `mkIf`/`mkMerge` discharged, plus the `default`
/// (`mkOptionDefault`, 1500) when there is one. Defined when one remains
/// (see [`defines`]); `highestPrio` is their lowest priority number, 9999
/// when none remains. What only Nix knows (a condition, a value that may
/// or may not define the path) makes the answer it could change unknown,
/// naming why.
fn definedness(
    ev: &mut Evaluator,
    state: &Rc<RefCell<State>>,
    full: &[String],
    decl: &OptionDecl,
) -> EvalResult<(Value, Value)> {
    let unknown = |u: &Rc<Unknown>| -> Value {
        Value::Unknown(Rc::new(Unknown {
            reason: u.reason.clone(),
            span: u.span.clone(),
            origin: UnknownOrigin::Derived(u.clone()),
        }))
    };
    let has_default = decl.default.is_some();
    let prefix = state.borrow().prefix.len();
    let modules = state.borrow().modules.clone();
    let mut answer = Defines::No;
    let mut splits = MAX_SPLITS;
    for m in modules.iter() {
        let v = ev.force(&m.config)?;
        // Every module's, as Nix forces every definition's conditions.
        answer = answer.or(defines(
            ev,
            &v,
            &full[prefix.min(full.len())..],
            &mut splits,
        )?);
    }
    let is_defined = match &answer {
        _ if has_default => Value::Bool(true),
        Defines::Yes => Value::Bool(true),
        Defines::No => Value::Bool(false),
        Defines::Maybe(u) => unknown(u),
    };
    // The priorities: the definitions `config` merges (conditions already
    // forced above), each certain.
    let found = level(ev, state, full)?.found.clone();
    let uncertain = found.iter().find_map(|f| match &f.value {
        Value::Unknown(u) if f.maybe_absent => Some(u.clone()),
        _ => None,
    });
    let defs = discharge(ev, found)?;
    let doubt = uncertain.or_else(|| defs.iter().find_map(|d| d.unknown_cond.clone()));
    let highest = if let Some(u) = doubt {
        unknown(&u)
    } else {
        let default = has_default.then_some(OPTION_DEFAULT_PRIORITY);
        let best = defs.iter().map(|d| d.priority).chain(default).min();
        Value::Int(best.unwrap_or(9999))
    };
    Ok((is_defined, highest))
}

/// Whether a module's value defines a path below it, as the module system
/// sees it after pushing `mkIf`/`mkMerge`/`mkOverride`/`mkOrder` down and
/// discharging them: `Maybe` names what only Nix knows.
enum Defines {
    Yes,
    No,
    Maybe(Rc<Unknown>),
}

impl Defines {
    /// One of two definitions (`mkMerge`, two modules).
    fn or(self, other: Defines) -> Defines {
        match (self, other) {
            (Defines::Yes, _) | (_, Defines::Yes) => Defines::Yes,
            (Defines::Maybe(u), _) | (_, Defines::Maybe(u)) => Defines::Maybe(u),
            (Defines::No, Defines::No) => Defines::No,
        }
    }
}

/// Whether `value` defines `path` below it (see [`Defines`]). A condition
/// is forced only where what it guards reaches the path, as Nix forces it
/// there; an `if` only Nix can decide defines the path when both branches
/// do. A value only Nix knows defines the path when it is that path's
/// value, and may when the path is below it.
fn defines(
    ev: &mut Evaluator,
    value: &Value,
    path: &[String],
    splits: &mut usize,
) -> EvalResult<Defines> {
    let field = |v: &Value, name: &str| {
        v.as_attrs()
            .and_then(|a| a.get(name))
            .map(|e| e.value.clone())
    };
    if let Some(ty) = property_type(ev, value) {
        match &*ty {
            "if" => {
                let (Some(c), Some(content)) = (field(value, "condition"), field(value, "content"))
                else {
                    return Ok(Defines::No);
                };
                let content = ev.force(&content)?;
                let inner = defines(ev, &content, path, splits)?;
                if matches!(inner, Defines::No) {
                    return Ok(Defines::No);
                }
                let cond = match (ev.force(&c), &inner) {
                    // As in [`discharge`]: content only Nix can read meets
                    // every path, its own condition's included.
                    (Err(d), Defines::Maybe(u))
                        if d.iter().all(|d| d.code == "infinite-recursion") =>
                    {
                        Value::Unknown(u.clone())
                    }
                    (r, _) => r?,
                };
                return Ok(match cond {
                    Value::Bool(true) => inner,
                    Value::Bool(false) => Defines::No,
                    Value::Unknown(u) => Defines::Maybe(u),
                    other => {
                        return Err(error(
                            "type-error",
                            format!(
                                "mkIf condition is {} while a Boolean was expected",
                                other.type_name()
                            ),
                            c.span(),
                        ))
                    }
                });
            }
            "merge" => {
                let Some(contents) = field(value, "contents") else {
                    return Ok(Defines::No);
                };
                let Value::List(items) = ev.force(&contents)? else {
                    return Ok(Defines::No);
                };
                let mut answer = Defines::No;
                for t in items.iter() {
                    let v = ev.force(t)?;
                    answer = answer.or(defines(ev, &v, path, splits)?);
                }
                return Ok(answer);
            }
            "override" | "order" => {
                let Some(content) = field(value, "content") else {
                    return Ok(Defines::No);
                };
                let content = ev.force(&content)?;
                return defines(ev, &content, path, splits);
            }
            _ => {}
        }
    }
    if let Value::Unknown(u) = value {
        if let UnknownOrigin::Choice {
            cond,
            then,
            otherwise,
        } = &u.origin
        {
            if *splits == 0 {
                return Ok(Defines::Maybe(u.clone()));
            }
            *splits -= 1;
            let (then, otherwise) = (then.clone(), otherwise.clone());
            let a = ev.force(&then)?;
            let a = defines(ev, &a, path, splits)?;
            let b = ev.force(&otherwise)?;
            let b = defines(ev, &b, path, splits)?;
            return Ok(match (a, b) {
                (Defines::Yes, Defines::Yes) => Defines::Yes,
                (Defines::No, Defines::No) => Defines::No,
                (Defines::Maybe(u), _) | (_, Defines::Maybe(u)) => Defines::Maybe(u),
                _ => Defines::Maybe(cond.clone()),
            });
        }
    }
    let Some((first, rest)) = path.split_first() else {
        return Ok(Defines::Yes);
    };
    match value {
        Value::Attrs(a) => match a.get(first) {
            Some(e) => {
                let t = e.value.clone();
                let v = ev.force(&t)?;
                defines(ev, &v, rest, splits)
            }
            None => Ok(a
                .unknown_for(first)
                .map_or(Defines::No, |u| Defines::Maybe(u.clone()))),
        },
        Value::Unknown(u) => Ok(match &u.origin {
            UnknownOrigin::Without { names, .. } if names.contains(first) => Defines::No,
            UnknownOrigin::Within { names, .. } if !names.contains(first) => Defines::No,
            _ => Defines::Maybe(select(u, first)),
        }),
        _ => Ok(Defines::No),
    }
}
/// An option of the tree: its declaration with `value`, `loc`, `type`
/// (`types.unspecified` when it has none; a submodule's modules located in
/// the declaring file, as nixpkgs' `fixupOptionType` does) and
/// `declarations` (the declaring modules' files, known when every module
/// of the evaluation was read).
fn option_attrs(
    ev: &mut Evaluator,
    state: &Rc<RefCell<State>>,
    path: &Path_,
    decl: &OptionDecl,
) -> EvalResult<Option<Value>> {
    let Value::Attrs(a) = &decl.this else {
        return Ok(None);
    };
    let mut attrs = (**a).clone();
    let mut full: Vec<String> = state.borrow().prefix.clone();
    full.extend(path.iter().cloned());
    let full: Path_ = full.into();
    let weak = Rc::downgrade(state);
    let at = full.clone();
    attrs.insert("value", native(move |ev| node(ev, &weak, &at)), None);
    let mut loc = state.borrow().loc_prefix.clone();
    loc.extend(path.iter().cloned());
    attrs.insert(
        "loc",
        Thunk::value(Value::list(loc.iter().map(|p| Value::string(p.as_str())))),
        None,
    );
    let lib = state.borrow().lib.clone();
    match (&decl.ty, &decl.file) {
        (None, _) => {
            let lib = match lib {
                Some(l) => l,
                None => ev.lib()?,
            };
            let t = match ev.select(&lib, &["types", "unspecified"])? {
                Some(t) => t,
                None => Value::unknown_root(
                    "types.unspecified",
                    "an option declared without a type",
                    None,
                ),
            };
            attrs.insert("type", Thunk::value(t), None);
        }
        (Some(t), Some(file)) if decl.submodule => {
            let (t, file) = (t.clone(), file.clone());
            attrs.insert(
                "type",
                native(move |ev| {
                    let f = ev.eval_source(
                        "<atelier module system>",
                        Path::new("/"),
                        LOCATE_SUBMODULES,
                    )?;
                    let lib = match &lib {
                        Some(l) => l.clone(),
                        None => ev.lib()?,
                    };
                    let f = ev.apply(&f, lib)?;
                    let f = ev.apply(&f, Value::string(&*file))?;
                    let t = ev.force(&t)?;
                    ev.apply(&f, t)
                }),
                None,
            );
        }
        _ => {}
    }
    for (k, at) in [("isDefined", 0), ("highestPrio", 1)] {
        let (weak, full, decl) = (Rc::downgrade(state), full.clone(), decl.clone());
        let get = move |ev: &mut Evaluator| {
            let Some(state) = weak.upgrade() else {
                return Ok(Value::Unknown(config_unknown(&full)));
            };
            let answers = definedness(ev, &state, &full, &decl)?;
            Ok(if at == 0 { answers.0 } else { answers.1 })
        };
        attrs.insert(k, native(get), None);
    }
    let complete = state.borrow().complete;
    let mut unknown_keys = vec!["definitions", "definitionsWithLocations", "files"];
    match &decl.files {
        Some(files) if complete => attrs.insert(
            "declarations",
            Thunk::value(Value::list(files.iter().map(|f| Value::string(&**f)))),
            None,
        ),
        _ => unknown_keys.push("declarations"),
    }
    for k in unknown_keys {
        let name = format!("options.{}.{k}", dotted(path));
        attrs.insert(
            k,
            Thunk::value(Value::unknown_root(
                &name,
                "atelier-gen's option tree does not record where definitions are, nor where options are declared when a module was not read",
                None,
            )),
            None,
        );
    }
    Ok(Some(Value::Attrs(Rc::new(attrs))))
}

/// A submodule type's modules located in the file that declares the
/// option (`lib: file: type: type'`).
const LOCATE_SUBMODULES: &str = "lib: file: t: if t.getSubModules or null == null then t else t.substSubModules (map (lib.setDefaultModuleLocation file) t.getSubModules)";

/// Whether every option below `path` is declared where atelier-gen reads it.
fn closed(path: &[String]) -> bool {
    matches!(
        path.first().map(String::as_str),
        Some("atelier" | "_module")
    )
}

/// A definition found at a path, before its conditions are known.
#[derive(Clone)]
struct Found {
    value: Value,
    span: Option<Span>,
    priority: i64,
    order: i64,
    /// Which module (index in collection order) wrote it.
    module: usize,
    conds: Vec<Thunk>,
    /// Found by selecting into a value only Nix knows (or an unknown `if`
    /// past [`MAX_SPLITS`]): that value may not define this path at all.
    maybe_absent: bool,
}

/// A definition whose conditions are not false.
#[derive(Clone)]
struct Def {
    value: Value,
    span: Option<Span>,
    priority: i64,
    order: i64,
    module: usize,
    unknown_cond: Option<Rc<Unknown>>,
}

/// The definitions found at one path (properties pushed down), and which
/// of them have which names: each path is looked up once, from its
/// parent's, so reading many options does not scan every module each time.
struct Level {
    found: Vec<Found>,
    by_key: FxHashMap<String, Vec<usize>>,
    /// Unknown values: they may have any name.
    opaque: Vec<usize>,
}

fn level(ev: &mut Evaluator, state: &Rc<RefCell<State>>, path: &[String]) -> EvalResult<Rc<Level>> {
    if let Some(l) = state.borrow().levels.get(path) {
        return Ok(l.clone());
    }
    let mut found = Vec::new();
    let prefix = state.borrow().prefix.len();
    if let Some((last, parent)) = path.split_last().filter(|_| path.len() > prefix) {
        let p = level(ev, state, parent)?;
        let mut at: Vec<usize> = p.by_key.get(last).cloned().unwrap_or_default();
        at.extend(&p.opaque);
        // Module order.
        at.sort_unstable();
        for i in at {
            push_down(
                ev,
                p.found[i].clone(),
                std::slice::from_ref(last),
                &mut found,
            )?;
        }
    } else {
        let modules = state.borrow().modules.clone();
        for (module, m) in modules.iter().enumerate() {
            let v = ev.force(&m.config)?;
            let at = Found {
                value: v,
                span: m.span.clone(),
                priority: DEFAULT_PRIORITY,
                order: DEFAULT_ORDER,
                module,
                conds: Vec::new(),
                maybe_absent: false,
            };
            push_down(ev, at, &[], &mut found)?;
        }
    }
    let mut by_key: FxHashMap<String, Vec<usize>> = FxHashMap::default();
    let mut opaque = Vec::new();
    for (i, f) in found.iter().enumerate() {
        match &f.value {
            Value::Attrs(a) => {
                for k in a.keys() {
                    by_key.entry(k.to_owned()).or_default().push(i);
                }
            }
            Value::Unknown(_) => opaque.push(i),
            _ => {}
        }
    }
    let l = Rc::new(Level {
        found,
        by_key,
        opaque,
    });
    state.borrow_mut().levels.insert(path.to_vec(), l.clone());
    Ok(l)
}

fn option_value(
    ev: &mut Evaluator,
    state: &Rc<RefCell<State>>,
    path: &[String],
    decl: &OptionDecl,
) -> EvalResult<Value> {
    let found = level(ev, state, path)?.found.clone();
    let mut defs = discharge(ev, found)?;
    let best = defs.iter().map(|d| d.priority).min();
    if best.is_none_or(|b| b >= OPTION_DEFAULT_PRIORITY) {
        if let Some(t) = &decl.default {
            let v = ev.force(t)?;
            let at = Found {
                value: v,
                span: t.span(),
                priority: OPTION_DEFAULT_PRIORITY,
                order: DEFAULT_ORDER,
                // Before every module's (see below).
                module: usize::MAX,
                conds: Vec::new(),
                maybe_absent: false,
            };
            let mut f = Vec::new();
            push_down(ev, at, &[], &mut f)?;
            defs.extend(discharge(ev, f)?);
        }
    }
    // Nix merges the definitions of different modules in the reverse of
    // the order it collected the modules in (within one module, in order).
    defs.sort_by_key(|d| std::cmp::Reverse(d.module));
    // A type given but not read (a type of one's own holding a submodule):
    // definitions that differ may well merge under it (`coercedTo`,
    // `functionTo`), so they are unknown here, not a conflict.
    let (ty, unread) = match &decl.ty {
        // nixpkgs' module system gives an option of no type `unspecified`.
        None => (Ty::Unspecified, false),
        Some(t) if types::is_by_shape(ev, t) => (Ty::Opaque, false),
        Some(t) => {
            let ty = types::classify(ev, t, 0);
            let unread = matches!(ty, Ty::Opaque);
            (ty, unread)
        }
    };
    let nested = !state.borrow().prefix.is_empty();
    if nested && defs.is_empty() {
        // A submodule's option nobody defines (in what atelier-gen reads).
        return Ok(Value::Unknown(config_unknown(path)));
    }
    let v = match merge(ev, &Rc::downgrade(state), path, defs, decl.submodule, &ty) {
        Err(d) if unread && d.iter().any(|d| d.code == "conflicting-definitions") => {
            return Ok(Value::Unknown(Rc::new(Unknown {
                reason: format!(
                    "the definitions of `{}` differ and its type is one atelier-gen does not read",
                    dotted(path)
                ),
                span: d.first().and_then(|d| d.span.clone()),
                origin: UnknownOrigin::Root(format!("config.{}", dotted(path))),
            })));
        }
        other => other?,
    };
    match &decl.apply {
        Some(f) => {
            let f = ev.force(f)?;
            ev.apply(&f, v)
        }
        None => Ok(v),
    }
}

/// Follows `path` into a definition, through `mkIf` (its condition kept,
/// not forced), `mkMerge`, `mkOverride` and `mkOrder`.
/// How many unknown `if`s one definition is split at, at most: each split
/// doubles the work when both branches hold unknown `if`s again (a fold
/// whose accumulator appears in both), so past this many the rest of the
/// definition is one unknown rather than 2^n pieces.
const MAX_SPLITS: usize = 1024;

/// `u` (a definition's value) as the unknown value of `path` below it.
fn push_unknown(at: Found, u: Rc<Unknown>, path: &[String], out: &mut Vec<Found>) {
    let mut u = u;
    for p in path {
        u = select(&u, p);
    }
    out.push(Found {
        value: Value::Unknown(u),
        maybe_absent: true,
        ..at
    });
}

/// Pushes a definition down to `path` below it: `mkIf`, `mkMerge`,
/// `mkOverride`/`mkOrder` and unknown `if`s unwrapped, each piece under its
/// conditions.
fn push_down(
    ev: &mut Evaluator,
    at: Found,
    path: &[String],
    out: &mut Vec<Found>,
) -> EvalResult<()> {
    let mut splits = MAX_SPLITS;
    push_down_in(ev, at, path, out, &mut splits)
}

fn push_down_in(
    ev: &mut Evaluator,
    at: Found,
    path: &[String],
    out: &mut Vec<Found>,
    splits: &mut usize,
) -> EvalResult<()> {
    let field = |v: &Value, name: &str| {
        v.as_attrs()
            .and_then(|a| a.get(name))
            .map(|e| e.value.clone())
    };
    if let Some(ty) = property_type(ev, &at.value) {
        match &*ty {
            "if" => {
                let (Some(c), Some(content)) =
                    (field(&at.value, "condition"), field(&at.value, "content"))
                else {
                    return Ok(());
                };
                let value = ev.force(&content)?;
                let mut conds = at.conds;
                conds.push(c);
                return push_down_in(ev, Found { value, conds, ..at }, path, out, splits);
            }
            "merge" => {
                let Some(contents) = field(&at.value, "contents") else {
                    return Ok(());
                };
                let Value::List(items) = ev.force(&contents)? else {
                    return Ok(());
                };
                for t in items.iter() {
                    let value = ev.force(t)?;
                    let f = Found {
                        value,
                        span: t.span().or_else(|| at.span.clone()),
                        priority: at.priority,
                        order: at.order,
                        module: at.module,
                        conds: at.conds.clone(),
                        maybe_absent: at.maybe_absent,
                    };
                    push_down_in(ev, f, path, out, splits)?;
                }
                return Ok(());
            }
            "override" | "order" => {
                let (Some(p), Some(content)) =
                    (field(&at.value, "priority"), field(&at.value, "content"))
                else {
                    return Ok(());
                };
                let Value::Int(p) = ev.force(&p)? else {
                    return Ok(());
                };
                let value = ev.force(&content)?;
                let f = if &*ty == "override" {
                    Found {
                        value,
                        priority: p,
                        ..at
                    }
                } else {
                    Found {
                        value,
                        order: p,
                        ..at
                    }
                };
                return push_down_in(ev, f, path, out, splits);
            }
            _ => {}
        }
    }
    // `if c then a else b` with `c` unknown: `mkIf c a` and `mkIf (!c) b`,
    // so a branch that does not define `path` hides nothing there.
    if let Value::Unknown(u) = &at.value {
        if let UnknownOrigin::Choice {
            cond,
            then,
            otherwise,
        } = &u.origin
        {
            // Each split doubles the definitions when both branches hold
            // choices again (a fold whose accumulator is an unknown `if`):
            // past a depth, the choice is one unknown definition, not 2^n.
            if *splits == 0 {
                let u = u.clone();
                push_unknown(at, u, path, out);
                return Ok(());
            }
            *splits -= 1;
            let not = Rc::new(Unknown {
                reason: cond.reason.clone(),
                span: cond.span.clone(),
                origin: UnknownOrigin::Derived(cond.clone()),
            });
            for (branch, c) in [(then, cond.clone()), (otherwise, not)] {
                let value = ev.force(branch)?;
                let mut conds = at.conds.clone();
                conds.push(Thunk::value(Value::Unknown(c)));
                let f = Found {
                    value,
                    span: at.span.clone(),
                    priority: at.priority,
                    order: at.order,
                    module: at.module,
                    conds,
                    maybe_absent: at.maybe_absent,
                };
                push_down_in(ev, f, path, out, splits)?;
            }
            return Ok(());
        }
    }
    let Some((first, rest)) = path.split_first() else {
        out.push(at);
        return Ok(());
    };
    match &at.value {
        Value::Attrs(a) => {
            if let Some(e) = a.get(first) {
                let t = e.value.clone();
                let span = e.span.clone().or_else(|| t.span()).or(at.span.clone());
                let value = ev.force(&t)?;
                push_down_in(ev, Found { value, span, ..at }, rest, out, splits)?;
            }
        }
        Value::Unknown(u) => {
            let mut u = select(u, first);
            for p in rest {
                u = select(&u, p);
            }
            out.push(Found {
                value: Value::Unknown(u),
                maybe_absent: true,
                ..at
            });
        }
        // A type error, reported where the definitions are read.
        _ => {}
    }
    Ok(())
}

/// Forces the conditions of the definitions found: false ones drop out.
fn discharge(ev: &mut Evaluator, found: Vec<Found>) -> EvalResult<Vec<Def>> {
    let mut out = Vec::new();
    'defs: for f in found {
        let mut unknown_cond = None;
        for c in &f.conds {
            let cond = match (ev.force(c), &f.value) {
                // A definition only Nix can read (`mkIf c (x // y)` with
                // `y` unknown here) is met by every option, its own
                // condition's included: where Nix sees it defines no such
                // option, forcing `c` here is a recursion Nix never makes.
                // The definition stays unknown instead.
                (Err(d), Value::Unknown(u)) if d.iter().all(|d| d.code == "infinite-recursion") => {
                    Value::Unknown(u.clone())
                }
                (r, _) => r?,
            };
            match cond {
                Value::Bool(true) => {}
                Value::Bool(false) => continue 'defs,
                Value::Unknown(u) => {
                    unknown_cond.get_or_insert(u);
                }
                other => {
                    return Err(error(
                        "type-error",
                        format!(
                            "mkIf condition is {} while a Boolean was expected",
                            other.type_name()
                        ),
                        c.span().or(f.span.clone()),
                    ))
                }
            }
        }
        out.push(Def {
            value: f.value,
            span: f.span,
            priority: f.priority,
            order: f.order,
            module: f.module,
            unknown_cond,
        });
    }
    Ok(out)
}

/// One definition at most, as `mergeOneOption` and `types.unique` take.
fn unique(path: &[String], defs: &[Def]) -> EvalResult<()> {
    if defs.len() > 1 {
        let refs: Vec<&Def> = defs.iter().collect();
        return Err(conflict(
            path,
            "is defined multiple times while it's expected to be unique",
            &refs,
        ));
    }
    Ok(())
}

/// `open`: the value is (below) a submodule's, whose unset options are
/// unknown (see [`OptionDecl::submodule`]). `ty`: the option's type, read
/// by [`types::classify`].
fn merge(
    ev: &mut Evaluator,
    sys: &Sys,
    path: &[String],
    defs: Vec<Def>,
    open: bool,
    ty: &Ty,
) -> EvalResult<Value> {
    let Some(best) = defs.iter().map(|d| d.priority).min() else {
        return Err(error(
            "undefined-option",
            format!(
                "option `{}` is used but not defined (no definition applies and it has no default)",
                dotted(path)
            ),
            None,
        ));
    };
    let mut defs: Vec<Def> = defs.into_iter().filter(|d| d.priority == best).collect();
    // `mkBefore`/`mkAfter`/`mkOrder`, for every type (stable: equal orders
    // keep the module order).
    defs.sort_by_key(|d| d.order);
    // `coercedTo from coerce to`: definitions of type `from` are coerced,
    // then all merge as `to` — before anything else, so that sets under a
    // condition only Nix knows stay unknown only in their own keys.
    if let Ty::CoercedTo {
        from,
        from_type,
        coerce,
        to,
    } = ty
    {
        let mut checks = Vec::with_capacity(defs.len());
        for d in &defs {
            let c = if let Some(c) = types::check(ev, from, &d.value)? {
                Some(c)
            } else {
                let t = ev.force(from_type)?;
                types::own_check(ev, &t, &d.value)
            };
            match c {
                Some(c) => checks.push(c),
                // A `from` type atelier-gen cannot check: merged by
                // shape, as a type atelier-gen does not read.
                None => return merge(ev, sys, path, defs, open, &Ty::Opaque),
            }
        }
        let mut coerced = Vec::with_capacity(defs.len());
        for (mut d, c) in defs.into_iter().zip(checks) {
            if c {
                let f = ev.force(coerce)?;
                d.value = ev.apply(&f, d.value)?;
            }
            coerced.push(d);
        }
        return merge(ev, sys, path, coerced, open, to);
    }
    // Sets merge key by key: a set under a condition only Nix knows makes
    // only its own keys unknown.
    if defs.iter().all(|d| matches!(d.value, Value::Attrs(_))) {
        match ty {
            Ty::Opaque => {
                return merge_attrs(ev, sys, path, &defs, open, open, &Ty::Opaque, Names::Given)
            }
            // `//`, name by name: nothing inside is merged or discharged.
            Ty::Unspecified | Ty::Attrs => return Ok(merge_update(&defs)),
            // `attrsOf anything`, as nixpkgs' `anything` merges sets.
            Ty::Anything => {
                return merge_attrs(ev, sys, path, &defs, open, open, ty, Names::Defined)
            }
            // `attrsOf (submodule …)`: its names are the defined ones, only
            // its values are submodules (whose unread defaults keep them open).
            Ty::AttrsOf { elem, lazy } => {
                let names = if *lazy { Names::Lazy } else { Names::Defined };
                return merge_attrs(ev, sys, path, &defs, false, open, elem, names);
            }
            Ty::Submodule(spec) => {
                // A definition under a condition only Nix knows stays under
                // it in the submodule (the options it sets are unknown),
                // when another one surely gives the value (else the value,
                // or the option's `default` instead, is not known to be
                // there).
                return match spec {
                    Some(spec) if defs.iter().any(|d| d.unknown_cond.is_none()) => {
                        submodule_value(ev, sys, path, &defs, spec)
                    }
                    _ => by_shape(ev, sys, path, &defs),
                };
            }
            _ => {}
        }
    }
    if let Some(u) = defs.iter().find_map(|d| d.unknown_cond.clone()) {
        return Ok(Value::Unknown(Rc::new(Unknown {
            reason: u.reason.clone(),
            span: defs.iter().find_map(|d| d.span.clone()),
            origin: UnknownOrigin::Derived(u),
        })));
    }
    if let Some(d) = defs.iter().find(|d| matches!(d.value, Value::Unknown(_))) {
        return Ok(d.value.clone());
    }
    match ty {
        Ty::Opaque | Ty::Submodule(_) | Ty::AttrsOf { .. } => {
            if defs.iter().all(|d| matches!(d.value, Value::List(_))) {
                return Ok(concat_lists(&defs));
            }
            merge_equal(ev, path, defs)
        }
        Ty::Scalar(_) | Ty::Anything => merge_equal(ev, path, defs),
        Ty::Unspecified => merge_default(ev, path, defs),
        // Sets merged above: a definition that is not one.
        Ty::Attrs => {
            let d = defs
                .iter()
                .find(|d| !matches!(d.value, Value::Attrs(_)))
                .expect("sets merge above");
            Err(not_of_type(path, ty, d))
        }
        Ty::Raw => {
            unique(path, &defs)?;
            Ok(defs.pop().expect("one definition").value)
        }
        Ty::Real(t) => types::merge_real(ev, path, &defs, t),
        Ty::Separated(sep) => {
            if let Some(d) = defs.iter().find(|d| !matches!(d.value, Value::String(_))) {
                return Err(not_of_type(path, ty, d));
            }
            let f = ev.eval_source(
                "<option types>",
                Path::new("/"),
                "builtins.concatStringsSep",
            )?;
            let f = ev.apply(&f, Value::string(&**sep))?;
            ev.apply(&f, Value::list(defs.into_iter().map(|d| d.value)))
        }
        Ty::Unique(elem) => {
            unique(path, &defs)?;
            merge(ev, sys, path, defs, open, elem)
        }
        Ty::NullOr(elem) => {
            let nulls = defs
                .iter()
                .filter(|d| matches!(d.value, Value::Null))
                .count();
            if nulls == 0 {
                merge(ev, sys, path, defs, open, elem)
            } else if nulls == defs.len() {
                Ok(Value::Null)
            } else {
                let refs: Vec<&Def> = defs.iter().collect();
                Err(conflict(path, "is defined both null and not null", &refs))
            }
        }
        Ty::Either(left, right) => {
            for t in [left, right] {
                match types::check_all(ev, t, &defs)? {
                    Some(true) => return merge(ev, sys, path, defs, open, t),
                    Some(false) => {}
                    // A type atelier-gen cannot check: merged by shape, as
                    // a type it does not read.
                    None => return merge(ev, sys, path, defs, open, &Ty::Opaque),
                }
            }
            // Neither type takes every definition: one value, as
            // `mergeOneOption`.
            unique(path, &defs)?;
            Ok(defs.pop().expect("one definition").value)
        }
        Ty::CoercedTo { .. } => unreachable!("coerced above"),
        Ty::ListOf(elem) => {
            if let Some(d) = defs.iter().find(|d| !matches!(d.value, Value::List(_))) {
                return Err(not_of_type(path, ty, d));
            }
            let list = concat_lists(&defs);
            let Value::List(items) = list else {
                unreachable!("concat_lists makes a list")
            };
            // Each element is one definition of the element type, as
            // nixpkgs' `listOf` merges it: an element that is a `mkIf`,
            // `mkMerge` or `mkOverride` is discharged (a false `mkIf`
            // leaves it out), which forces each element to its head, as
            // Nix does. One under a condition only Nix knows makes the
            // list's length unknown.
            let mut elements: Vec<(Thunk, Option<Vec<Def>>)> = Vec::with_capacity(items.len());
            let mut places = Vec::new();
            let mut item = items.iter();
            for (n, d) in defs.iter().enumerate() {
                let Value::List(l) = &d.value else { continue };
                for m in 1..=l.len() {
                    let t = item.next().expect("one element each").clone();
                    let v = ev.force(&t)?;
                    if property_type(ev, &v).is_none() {
                        elements.push((t, None));
                        places.push((n + 1, m));
                        continue;
                    }
                    let at = Found {
                        value: v,
                        span: t.span().or_else(|| d.span.clone()),
                        priority: DEFAULT_PRIORITY,
                        order: DEFAULT_ORDER,
                        module: d.module,
                        conds: Vec::new(),
                        maybe_absent: false,
                    };
                    let mut found = Vec::new();
                    push_down(ev, at, &[], &mut found)?;
                    let element = discharge(ev, found)?;
                    if let Some(u) = element.iter().find_map(|e| e.unknown_cond.clone()) {
                        return Ok(Value::Unknown(Rc::new(Unknown {
                            reason: u.reason.clone(),
                            span: u.span.clone(),
                            origin: UnknownOrigin::Derived(u),
                        })));
                    }
                    if !element.is_empty() {
                        elements.push((t, Some(element)));
                        places.push((n + 1, m));
                    }
                }
            }
            let submodule = types::holds_submodule(elem);
            if !types::coerces(elem) && !submodule && elements.iter().all(|(_, e)| e.is_none()) {
                return Ok(Value::List(Rc::new(
                    elements.into_iter().map(|(t, _)| t).collect(),
                )));
            }
            // Each element merges alone by the element type (`coercedTo`,
            // a submodule's defaults). A submodule element is at
            // `<option>."[definition N-entry M]"`, its `name`, as in Nix.
            let span = defs.iter().find_map(|d| d.span.clone());
            let items = elements
                .into_iter()
                .zip(places)
                .map(|((t, element), (n, m))| {
                    let mut path = path.to_vec();
                    if submodule {
                        path.push(format!("[definition {n}-entry {m}]"));
                    }
                    let (elem, span) = (elem.clone(), span.clone());
                    let sys = sys.clone();
                    native(move |ev| {
                        let defs = match &element {
                            Some(e) => e.clone(),
                            None => vec![Def {
                                value: ev.force(&t)?,
                                span: t.span().or_else(|| span.clone()),
                                priority: DEFAULT_PRIORITY,
                                order: DEFAULT_ORDER,
                                module: 0,
                                unknown_cond: None,
                            }],
                        };
                        merge(ev, &sys, &path, defs, open, &elem)
                    })
                })
                .collect();
            Ok(Value::List(Rc::new(items)))
        }
    }
}

/// A submodule value whose modules atelier-gen does not have: the
/// definitions merged by their shape, names no definition gives unknown.
/// A submodule's own module system collects its definitions in order, and
/// merges them in reverse, like the top level's.
fn by_shape(ev: &mut Evaluator, sys: &Sys, path: &[String], defs: &[Def]) -> EvalResult<Value> {
    let reversed: Vec<Def> = defs.iter().rev().cloned().collect();
    merge_attrs(
        ev,
        sys,
        path,
        &reversed,
        true,
        true,
        &Ty::Opaque,
        Names::Given,
    )
}

/// A submodule's value: a module system of its own, whose modules are the
/// submodule's (options with their types and defaults, its `freeformType`,
/// and `config`) and the definitions, as `lib.evalModules` makes it. The
/// names no option declares merge by the `freeformType`; without one they
/// keep what the definitions give (Nix refuses them). Its names are known
/// when every module that may define them was read: the submodule's
/// (else [`by_shape`]) and the enclosing system's (see [`State::unread`]).
fn submodule_value(
    ev: &mut Evaluator,
    sys: &Sys,
    path: &[String],
    defs: &[Def],
    spec: &types::Submodule,
) -> EvalResult<Value> {
    let Some(parent) = sys.upgrade() else {
        return by_shape(ev, sys, path, defs);
    };
    let (lib, unread, host) = {
        let p = parent.borrow();
        (p.lib.clone(), p.unread.clone(), p.host)
    };
    let state = Rc::new(RefCell::new(State {
        prefix: path.to_vec(),
        lib: lib.clone(),
        unread,
        host,
        ..State::default()
    }));
    parent.borrow_mut().nested.push(state.clone());
    let weak = Rc::downgrade(&state);
    let top: Path_ = Rc::from(path.to_vec());
    let root = native(move |ev| node(ev, &weak, &top));
    let unknown = |name: &str, why: &str| Thunk::value(Value::unknown_root(name, why, None));
    let lib = match lib {
        Some(l) => l,
        None => ev.lib()?,
    };
    let mut args = Attrs::from_values([
        ("lib".to_owned(), lib),
        (
            "name".to_owned(),
            Value::string(path.last().map_or("", String::as_str)),
        ),
    ]);
    args.insert("config", root.clone(), None);
    let weak = Rc::downgrade(&state);
    let tree = native(move |ev| option_node(ev, &weak, &Rc::from(Vec::new())));
    args.insert("options", tree.clone(), None);
    args.insert(
        "pkgs",
        unknown("pkgs", "packages are only known when Nix builds the system"),
        None,
    );
    if let Some(special) = &spec.special_args {
        if let Value::Attrs(a) = ev.force(special)? {
            for (k, e) in &a.entries {
                args.insert(k.clone(), e.value.clone(), None);
            }
        }
    }
    let args = Value::Attrs(Rc::new(args));
    let mut read = SubmoduleRead::default();
    // A submodule module that fails to evaluate (an import that does not
    // exist) leaves the value as its definitions give it.
    for m in &spec.modules {
        if submodule_module(ev, m, &args, &mut read, 0).is_err() {
            return by_shape(ev, sys, path, defs);
        }
    }
    let SubmoduleRead {
        mut modules,
        options,
        freeform,
        unread,
    } = read;
    {
        let mut s = state.borrow_mut();
        s.freeform.clone_from(&freeform);
        // A module of its own only Nix can read (an `imports` only Nix
        // knows) may define any of its names.
        if let Some(u) = unread {
            let why = format!(
                "a module of its type that atelier-gen cannot read ({})",
                crate::discover::values::describe_unknown(&u)
            );
            s.unread = Some(Rc::from(why));
        }
    }
    modules.extend(defs.iter().map(|d| Module {
        config: Thunk::value(match &d.unknown_cond {
            Some(u) => Value::attrs([
                ("_type".to_owned(), Value::string("if")),
                ("condition".to_owned(), Value::Unknown(u.clone())),
                ("content".to_owned(), d.value.clone()),
            ]),
            None => d.value.clone(),
        }),
        span: d.span.clone(),
    }));
    let system = Modules {
        state,
        root,
        options: tree,
    };
    system.seal(modules, options);
    let Ok(declared) = ev.force(&system.config()) else {
        return by_shape(ev, sys, path, defs);
    };
    let Value::Attrs(mut declared) = declared else {
        return Ok(declared);
    };
    // A definition under a condition only Nix knows may or may not give
    // its names.
    if let Some(u) = defs.iter().find_map(|d| d.unknown_cond.clone()) {
        if declared.unknown_keys.is_none() {
            Rc::make_mut(&mut declared).unknown_keys = Some(u);
        }
    }
    if freeform.is_some() {
        return Ok(Value::Attrs(declared));
    }
    // No `freeformType`: what the definitions give beyond the options, by
    // shape (values of a submodule's, whose unread names are unknown).
    let reversed: Vec<Def> = defs.iter().rev().cloned().collect();
    let Value::Attrs(plain) = merge_attrs(
        ev,
        sys,
        path,
        &reversed,
        false,
        true,
        &Ty::Opaque,
        Names::Given,
    )?
    else {
        return Ok(Value::Attrs(declared));
    };
    let mut attrs = (*plain).clone();
    for (k, e) in &declared.entries {
        attrs.entries.insert(k.clone(), e.clone());
    }
    attrs.unknown_keys = plain.unknown_keys.clone().or(declared.unknown_keys.clone());
    Ok(Value::Attrs(Rc::new(attrs)))
}

/// What the modules of a submodule type hold (see [`submodule_module`]).
#[derive(Default)]
struct SubmoduleRead {
    modules: Vec<Module>,
    options: Vec<Thunk>,
    /// The first `freeformType` a module sets.
    freeform: Option<Thunk>,
    /// A module, or a module's `imports`, only Nix knows.
    unread: Option<Rc<Unknown>>,
}

/// One module of a submodule type (a path, a function of the module
/// arguments, or a set), its `imports` too: its options, its config (a
/// module without `options` or `config` is config itself, but for the
/// module system's own attributes), its `freeformType`.
fn submodule_module(
    ev: &mut Evaluator,
    m: &Thunk,
    args: &Value,
    read: &mut SubmoduleRead,
    depth: usize,
) -> EvalResult<()> {
    let mut v = ev.force(m)?;
    if let Value::Path(p) = &v {
        let p = p.clone();
        v = ev.eval_file(&p)?;
    }
    if v.is_function() {
        v = ev.apply(&v, args.clone())?;
    }
    let a = match &v {
        Value::Attrs(a) => a.clone(),
        Value::Unknown(u) => {
            read.unread.get_or_insert_with(|| u.clone());
            return Ok(());
        }
        _ => return Ok(()),
    };
    if let Some(e) = a.get("freeformType") {
        read.freeform.get_or_insert_with(|| e.value.clone());
    }
    if a.get("options").is_none() && a.get("config").is_none() {
        const OWN: [&str; 8] = [
            "imports",
            "freeformType",
            "_file",
            "key",
            "_class",
            "disabledModules",
            "meta",
            "options",
        ];
        if a.keys().any(|k| !OWN.contains(&k)) {
            let mut config = (*a).clone();
            config.entries.retain(|k, _| !OWN.contains(&k.as_str()));
            read.modules.push(Module {
                config: Thunk::value(Value::Attrs(Rc::new(config))),
                span: a.span.clone(),
            });
        }
    }
    if let Some(e) = a.get("options") {
        read.options.push(e.value.clone());
    }
    if let Some(e) = a.get("config") {
        read.modules.push(Module {
            config: e.value.clone(),
            span: e.span.clone(),
        });
    }
    if let Some(e) = a.get("imports") {
        match ev.force(&e.value)? {
            Value::List(l) if depth < 8 => {
                for t in l.iter() {
                    submodule_module(ev, t, args, read, depth + 1)?;
                }
            }
            Value::Unknown(u) => {
                read.unread.get_or_insert(u);
            }
            _ => {}
        }
    }
    Ok(())
}

/// The definitions' lists, one after the other.
fn concat_lists(defs: &[Def]) -> Value {
    let items: Vec<Thunk> = defs
        .iter()
        .filter_map(|d| d.value.as_list())
        .flat_map(|l| l.iter().cloned())
        .collect();
    Value::List(Rc::new(items))
}

/// `foldl' (acc: d: acc // d.value) { } defs` — how `unspecified` and
/// `attrs` merge sets — name by name: a later definition's name replaces
/// the whole value an earlier one gives it, and nothing inside is merged
/// or discharged (a `mkIf` there stays as written), so the names force no
/// condition. A definition under a condition only Nix knows (or whose
/// names are not all known) makes unknown the value of each name it may
/// give where no later definition surely gives it; a name only such
/// definitions give may not be there (the set's names are then unknown).
fn merge_update(defs: &[Def]) -> Value {
    if let [d] = defs {
        if d.unknown_cond.is_none() {
            return d.value.clone();
        }
    }
    let sets: Vec<(&Rc<Attrs>, Option<&Rc<Unknown>>)> = defs
        .iter()
        .filter_map(|d| d.value.as_attrs().map(|a| (a, d.unknown_cond.as_ref())))
        .collect();
    let names: std::collections::BTreeSet<&String> =
        sets.iter().flat_map(|(a, _)| a.entries.keys()).collect();
    let mut attrs = Attrs::default();
    let mut open = sets.iter().find_map(|(a, _)| a.unknown_keys.clone());
    for k in names {
        let mut doubt: Option<Rc<Unknown>> = None;
        let mut given = None;
        for (a, cond) in sets.iter().rev() {
            match (a.entries.get(k), cond) {
                (Some(e), None) => {
                    given = Some(e);
                    break;
                }
                (Some(_), Some(c)) => {
                    doubt.get_or_insert_with(|| Rc::clone(c));
                }
                (None, _) => {
                    if let Some(u) = &a.unknown_keys {
                        doubt.get_or_insert_with(|| u.clone());
                    }
                }
            }
        }
        match (given, doubt) {
            (Some(e), None) => {
                attrs.entries.insert(k.clone(), e.clone());
            }
            (Some(e), Some(u)) => {
                let value = Value::Unknown(Rc::new(Unknown {
                    reason: u.reason.clone(),
                    span: e.span.clone(),
                    origin: UnknownOrigin::Derived(u),
                }));
                attrs.entries.insert(
                    k.clone(),
                    AttrEntry {
                        value: Thunk::value(value),
                        span: e.span.clone(),
                    },
                );
            }
            (None, doubt) => {
                if open.is_none() {
                    open = doubt;
                }
            }
        }
    }
    attrs.unknown_keys = open;
    Value::Attrs(Rc::new(attrs))
}

/// nixpkgs' `mergeDefaultOption` (the merge of `unspecified`, and of an
/// option of no type) of definitions that are not all sets: one is the
/// value as written; functions make one function, which merges what
/// each returns as nixpkgs does; lists concatenate, Booleans merge by
/// `||`, strings join, equal integers are one value; anything else is an
/// error.
fn merge_default(ev: &mut Evaluator, path: &[String], mut defs: Vec<Def>) -> EvalResult<Value> {
    if defs.len() == 1 {
        return Ok(defs.pop().expect("one definition").value);
    }
    let every = |p: fn(&Value) -> bool| defs.iter().all(|d| p(&d.value));
    if every(Value::is_function) {
        // nixpkgs' merged function applies each definition and merges
        // the results again, reading each one's `value` as a definition's.
        let merge = ev.eval_source(
            "<option types>",
            Path::new("/"),
            r#"let
  merge = loc: defs:
    let
      values = map (d: d.value) defs;
      every = p: builtins.all p values;
      first = builtins.head values;
    in
    if builtins.length values == 1 then first
    else if every builtins.isFunction then arg: merge loc (map (f: f arg) values)
    else if every builtins.isList then builtins.concatLists values
    else if every builtins.isAttrs then builtins.foldl' (acc: v: acc // v) { } values
    else if every builtins.isBool then builtins.any (v: v) values
    else if every builtins.isString then builtins.concatStringsSep "" values
    else if every builtins.isInt && every (v: v == first) then first
    else throw "Cannot merge definitions of `${builtins.concatStringsSep "." loc}'.";
in
merge"#,
        )?;
        let loc = Value::list(path.iter().map(|p| Value::string(p.as_str())));
        let list = Value::list(defs.iter().map(|d| {
            Value::attrs([
                ("file".to_owned(), Value::string(def_location(d))),
                ("value".to_owned(), d.value.clone()),
            ])
        }));
        let f = ev.apply(&merge, loc)?;
        return ev.apply(&f, list);
    }
    if every(|v| matches!(v, Value::List(_))) {
        return Ok(concat_lists(&defs));
    }
    if every(|v| matches!(v, Value::Bool(_))) {
        return Ok(Value::Bool(
            defs.iter().any(|d| matches!(d.value, Value::Bool(true))),
        ));
    }
    if every(|v| matches!(v, Value::String(_))) {
        let f = ev.eval_source(
            "<option types>",
            Path::new("/"),
            "builtins.concatStringsSep \"\"",
        )?;
        return ev.apply(&f, Value::list(defs.into_iter().map(|d| d.value)));
    }
    if let Value::Int(first) = defs[0].value {
        if defs
            .iter()
            .all(|d| matches!(d.value, Value::Int(i) if i == first))
        {
            return Ok(Value::Int(first));
        }
    }
    let mut msg = format!(
        "Cannot merge definitions of `{}'. Definition values:",
        dotted(path)
    );
    for d in &defs {
        let _ = write!(msg, "\n- In `{}': {:?}", def_location(d), d.value);
    }
    let span = defs.last().and_then(|d| d.span.clone());
    Err(vec![Diagnostic::error("conflicting-definitions", msg, span).with_note(
        "an option of no type (`types.unspecified`) merges sets, lists, Booleans, strings and equal integers only: give it a type (`lib.types.…`), or keep one definition",
    )])
}

/// Equal definitions are one value, different ones an error
/// (`mergeEqualOption`).
fn merge_equal(ev: &mut Evaluator, path: &[String], defs: Vec<Def>) -> EvalResult<Value> {
    let mut defs = defs.into_iter();
    let first = defs.next().expect("at least one definition");
    for d in defs {
        match ev.equal(&first.value, &d.value)? {
            Ok(true) => {}
            Ok(false) => {
                return Err(conflict(
                    path,
                    "has conflicting definition values",
                    &[&first, &d],
                ))
            }
            Err(u) => return Ok(Value::Unknown(u)),
        }
    }
    Ok(first.value)
}

/// Where a definition was written, as `file:line:col`.
fn def_location(d: &Def) -> String {
    d.span
        .as_ref()
        .map_or_else(|| "<unknown location>".into(), Span::location)
}

/// A merge error as NixOS words it: the option, then each definition with
/// where it was written.
fn conflict(path: &[String], what: &str, defs: &[&Def]) -> Vec<Diagnostic> {
    let mut msg = format!("The option `{}' {what}:", dotted(path));
    for d in defs {
        let _ = write!(msg, "\n- In `{}': {:?}", def_location(d), d.value);
    }
    let span = defs.last().and_then(|d| d.span.clone());
    vec![Diagnostic::error("conflicting-definitions", msg, span).with_note(
        "keep one definition, or give the others a lower priority with `lib.mkDefault` (or the one that should win `lib.mkForce`)",
    )]
}

fn not_of_type(path: &[String], ty: &Ty, d: &Def) -> Vec<Diagnostic> {
    vec![Diagnostic::error(
        "type-error",
        format!(
            "A definition for option `{}' is not of type `{}'. Definition values:\n- In `{}': {:?}",
            dotted(path),
            types::describe(ty),
            def_location(d),
            d.value
        ),
        d.span.clone(),
    )]
}

/// Which names a set merged key by key has (see [`merge_attrs`]).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Names {
    /// Every name a definition gives, looked into only when read: one
    /// whose every definition is under a false `mkIf` is an
    /// `undefined-option` error then (a set of a type atelier-gen does not
    /// read, merged by shape, whose names stay lazy).
    Given,
    /// `attrsOf t`: a name whose every definition is under a false `mkIf`
    /// is left out, as nixpkgs' `attrsOf` filters it — so the names force
    /// each name's definitions (their heads and conditions), as in Nix.
    Defined,
    /// `lazyAttrsOf t`: every name is there, one without a definition
    /// left being `t`'s empty value (see [`empty_value`]).
    Lazy,
}

/// One definition of one name of a set: (value, where, the set's
/// definition's unknown condition, its module).
type KeyEntry = (Thunk, Option<Span>, Option<Rc<Unknown>>, usize);

/// The definitions of one name of a set, `mkIf`/`mkMerge`/`mkOverride`/
/// `mkOrder` pushed down, those under a false condition dropped.
fn key_defs(ev: &mut Evaluator, entries: &[KeyEntry]) -> EvalResult<Vec<Def>> {
    let mut defs = Vec::new();
    for (t, s, cond, module) in entries {
        let value = ev.force(t)?;
        let at = Found {
            value,
            span: s.clone(),
            priority: DEFAULT_PRIORITY,
            order: DEFAULT_ORDER,
            module: *module,
            conds: Vec::new(),
            maybe_absent: false,
        };
        let mut found = Vec::new();
        push_down(ev, at, &[], &mut found)?;
        for mut d in discharge(ev, found)? {
            if d.unknown_cond.is_none() {
                d.unknown_cond.clone_from(cond);
            }
            defs.push(d);
        }
    }
    Ok(defs)
}

/// What a `lazyAttrsOf t` value holds at a name with no definition left:
/// `t`'s `emptyValue` in nixpkgs — `{ }` for a set type, `[ ]` for a list,
/// `null` for `nullOr`, a submodule's options' defaults — and for a type
/// without one (`str`, `int`, `either`, ...) the error of reading it.
fn empty_value(
    ev: &mut Evaluator,
    sys: &Sys,
    path: &[String],
    ty: &Ty,
    span: Option<Span>,
) -> EvalResult<Value> {
    let undefined = || {
        error(
            "undefined-option",
            format!(
                "The option `{}' was accessed but has no value defined: each of its definitions is under a `mkIf` whose condition is false",
                dotted(path)
            ),
            span.clone(),
        )
    };
    match ty {
        Ty::AttrsOf { .. } | Ty::Attrs => Ok(Value::Attrs(Rc::new(Attrs::default()))),
        Ty::ListOf(_) => Ok(Value::List(Rc::new(Vec::new()))),
        Ty::NullOr(_) => Ok(Value::Null),
        Ty::Unique(t) | Ty::CoercedTo { to: t, .. } => empty_value(ev, sys, path, t, span),
        Ty::Submodule(Some(spec)) => submodule_value(ev, sys, path, &[], spec),
        Ty::Real(t) => match ev.select(t, &["emptyValue", "value"])? {
            Some(v) => Ok(v),
            None => Err(undefined()),
        },
        Ty::Scalar(_)
        | Ty::Separated(_)
        | Ty::Either(..)
        | Ty::Anything
        | Ty::Unspecified
        | Ty::Raw => Err(undefined()),
        // A type atelier-gen does not read.
        Ty::Opaque | Ty::Submodule(None) => Ok(Value::Unknown(Rc::new(Unknown {
            reason: format!(
                "`{}` has no definition left (each is under a `mkIf` whose condition is false) and its type's empty value is not read by atelier-gen",
                dotted(path)
            ),
            span,
            origin: UnknownOrigin::Root(format!("config.{}", dotted(path))),
        }))),
    }
}

/// An infinite recursion met while an `attrsOf`'s names are computed
/// (each name's `mkIf` conditions are read to leave out those under a
/// false one), said as such: a condition that reads the set itself, which
/// nixpkgs' `attrsOf` cannot evaluate either.
fn names_recursion(
    diags: Vec<Diagnostic>,
    name: &[String],
    span: Option<&Span>,
) -> Vec<Diagnostic> {
    if !diags.iter().any(|d| d.code == "infinite-recursion") {
        return diags;
    }
    let set = &name[..name.len().saturating_sub(1)];
    let msg = format!(
        "infinite recursion reading the `mkIf` condition of `{}`: the names of `{}` (an `attrsOf`, which leaves out a name whose every definition is under a false `mkIf`) need each name's condition, so a condition that reads `{}` needs itself; Nix fails here too",
        dotted(name),
        dotted(set),
        dotted(set),
    );
    vec![Diagnostic::error("infinite-recursion", msg, span.cloned()).with_note(
        "declare the option `lazyAttrsOf` (its names do not depend on the conditions), or let the condition read something other than the set",
    )]
}

/// The union of the definitions' attributes; each attribute merges its
/// own definitions, by `elem`, when read (`names`: which names there are).
/// `open_keys`: a name no definition sets is unknown rather than missing;
/// `open`: the same for the values' own names (passed down).
#[allow(clippy::too_many_arguments)]
fn merge_attrs(
    ev: &mut Evaluator,
    sys: &Sys,
    path: &[String],
    defs: &[Def],
    open_keys: bool,
    open: bool,
    elem: &Ty,
    names: Names,
) -> EvalResult<Value> {
    let mut keys: BTreeMap<String, Vec<KeyEntry>> = BTreeMap::new();
    for d in defs {
        if let Value::Attrs(a) = &d.value {
            for (k, e) in &a.entries {
                keys.entry(k.clone()).or_default().push((
                    e.value.clone(),
                    e.span.clone().or_else(|| e.value.span()),
                    d.unknown_cond.clone(),
                    d.module,
                ));
            }
        }
    }
    let mut attrs = Attrs::default();
    for (k, entries) in keys {
        let span = entries.iter().find_map(|(_, s, _, _)| s.clone());
        let mut child: Vec<String> = path.to_vec();
        child.push(k.clone());
        // `attrsOf`: the name is there only if a definition is left.
        let known = if names == Names::Defined {
            let defs =
                key_defs(ev, &entries).map_err(|d| names_recursion(d, &child, span.as_ref()))?;
            if defs.is_empty() {
                continue;
            }
            Some(defs)
        } else {
            None
        };
        let elem = elem.clone();
        let sys = sys.clone();
        let at = span.clone();
        let value = native(move |ev| {
            let defs = match &known {
                Some(defs) => defs.clone(),
                None => key_defs(ev, &entries)?,
            };
            if defs.is_empty() {
                if names == Names::Lazy {
                    return empty_value(ev, &sys, &child, &elem, at.clone());
                }
                return Err(error(
                    "undefined-option",
                    format!(
                        "`{}` has no value: each of its definitions is under a `mkIf` whose condition is false",
                        dotted(&child)
                    ),
                    at.clone(),
                ));
            }
            merge(ev, &sys, &child, defs, open, &elem)
        });
        attrs.entries.insert(k, AttrEntry { value, span });
    }
    // A definition whose names are not all known (an input without its
    // source, a set with an unknown dynamic key) leaves the merged set's
    // names not all known either.
    let inherited = defs.iter().find_map(|d| match &d.value {
        Value::Attrs(a) => a.unknown_keys.clone(),
        _ => None,
    });
    if let (false, Some(u)) = (open_keys, inherited) {
        attrs.unknown_keys = Some(u);
    } else if open_keys {
        attrs.unknown_keys = Some(Rc::new(Unknown {
            reason: format!(
                "`{}` is a submodule value: the defaults of its options are not read by atelier-gen",
                dotted(path)
            ),
            span: None,
            origin: UnknownOrigin::Root(format!("config.{}", dotted(path))),
        }));
    }
    Ok(Value::Attrs(Rc::new(attrs)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nix::{to_json, JsonMode};

    /// The option tree (defaults as JSON) under `options.<prefix>` of a
    /// module value: `None` for an option without a default.
    fn defaults(
        ev: &mut Evaluator,
        v: &Value,
        path: &mut Vec<String>,
        out: &mut Vec<(String, Option<String>)>,
    ) {
        let Value::Attrs(a) = v else { return };
        if property_type(ev, v).as_deref() == Some("option") {
            let d = a.get("default").map(|e| {
                let d = ev.force(&e.value).unwrap();
                match to_json(ev, &d, JsonMode::Nix, &span()).unwrap() {
                    Ok(j) => j.to_string(),
                    Err(_) => "<unknown>".into(),
                }
            });
            out.push((path.join("."), d));
            return;
        }
        for (k, e) in &a.entries {
            let child = ev.force(&e.value).unwrap();
            path.push(k.clone());
            defaults(ev, &child, path, out);
            path.pop();
        }
    }

    /// The host `modules` (Nix sources of `{ config, lib, ... }: { options; config; }`
    /// functions), sealed; returns `config` read at each `paths` entry.
    fn eval(modules: &[&str], paths: &[&str]) -> Vec<EvalResult<Option<Value>>> {
        eval_reporting(modules, paths).0
    }

    /// [`eval`], and the errors met in option declarations after reading
    /// each path (in step with `paths`).
    fn eval_reporting(
        modules: &[&str],
        paths: &[&str],
    ) -> (Vec<EvalResult<Option<Value>>>, Vec<Vec<String>>) {
        let mut ev = Evaluator::new("/");
        let (system, diags) = Modules::new(&mut ev);
        assert!(diags.is_empty());
        let lib = ev.lib().unwrap();
        let mut configs = Vec::new();
        let mut options = Vec::new();
        for (i, src) in modules.iter().enumerate() {
            let f = ev
                .eval_source(&format!("m{i}.nix"), Path::new("/"), src)
                .unwrap();
            let mut args = Attrs::from_values([("lib".to_owned(), lib.clone())]);
            args.insert("config", system.config(), None);
            let module = ev.apply(&f, Value::Attrs(Rc::new(args))).unwrap();
            let a = module.as_attrs().unwrap();
            if let Some(decl) = a.get("options") {
                options.push(decl.value.clone());
            }
            if let Some(def) = a.get("config") {
                configs.push(Module {
                    config: def.value.clone(),
                    span: None,
                });
            }
        }
        system.seal(configs, options);
        let root = ev.force(&system.config()).unwrap();
        let mut reported = Vec::new();
        let got = paths
            .iter()
            .map(|p| {
                let p: Vec<&str> = p.split('.').collect();
                let got = ev.select(&root, &p).and_then(|v| match v {
                    Some(v) => ev.force_deep(&v).map(|()| Some(v)),
                    None => Ok(None),
                });
                reported.push(
                    system
                        .take_diagnostics()
                        .iter()
                        .map(|d| format!("{}: {}", d.code, d.message))
                        .collect(),
                );
                got
            })
            .collect();
        (got, reported)
    }

    fn show(ev_result: &EvalResult<Option<Value>>) -> String {
        match ev_result {
            Ok(Some(Value::List(l))) => format!(
                "{:?}",
                l.iter().map(|t| format!("{t:?}")).collect::<Vec<_>>()
            ),
            Ok(Some(Value::Unknown(u))) => {
                format!(
                    "unknown {:?}",
                    u.path().or_else(|| match &u.origin {
                        UnknownOrigin::Derived(b) => b.path(),
                        _ => None,
                    })
                )
            }
            Ok(Some(v)) => format!("{v:?}"),
            Ok(None) => "missing".into(),
            Err(d) => format!("error {}", d[0].code),
        }
    }

    /// Typed as their values, since an option of no type merges as
    /// `types.unspecified` (strings joined, a set's values as written).
    const DECLS: &str = r#"{ lib, ... }: with lib.types; {
      options.t = {
        s = lib.mkOption { type = str; default = "default"; };
        l = lib.mkOption { type = listOf str; default = [ "default" ]; };
        on = lib.mkOption { type = bool; default = true; };
        off = lib.mkOption { type = bool; default = false; };
        nodefault = lib.mkOption { };
        attrs = lib.mkOption { type = attrsOf int; default = { }; };
        applied = lib.mkOption { type = int; default = 1; apply = x: x + 1; };
      };
    }"#;

    #[test]
    fn an_unknown_if_hides_only_what_its_branches_define() {
        // flake-utils-plus' host module: `optionalAttrs (options ? x) { ... }`
        // with `options` unknown defines `networking` or nothing, never `t`.
        let got = eval(
            &[
                DECLS,
                r#"{ config, lib, ... }: { config = lib.mkMerge [
                    (if config.services.nginx.enable then { networking.hostName = "h"; } else { })
                    (if config.services.nginx.enable then { t.s = "then"; } else { t.l = [ "else" ]; })
                    { t.on = false; }
                  ]; }"#,
            ],
            &["t.on", "t.off", "t.s", "t.l", "networking.hostName"],
        );
        let shown: Vec<String> = got.iter().map(show).collect();
        assert_eq!(shown[0], "false");
        assert_eq!(shown[1], "false");
        assert!(shown[2].starts_with("unknown"), "{shown:?}");
        assert!(shown[3].starts_with("unknown"), "{shown:?}");
        assert!(shown[4].starts_with("unknown"), "{shown:?}");
    }

    #[test]
    fn unknown_ifs_folded_into_one_definition_do_not_split_without_end() {
        // A fold whose accumulator is an unknown `if` holding itself twice
        // (`mkMerge [ acc … acc ]`): 2^40 pieces if each were split. Past
        // the split budget the rest is one unknown (which, having no shape,
        // may define any option), and evaluation ends. A chain of unknown
        // `if`s that is only long is split all the way.
        let got = eval(
            &[
                DECLS,
                r#"{ config, lib, ... }: { config = builtins.foldl'
                    (acc: n: if config.services.nginx.enable then lib.mkMerge [ acc { t.s = "x${toString n}"; } acc ] else acc)
                    { t.on = true; }
                    (lib.range 1 40); }"#,
            ],
            &["t.s", "t.off"],
        );
        let shown: Vec<String> = got.iter().map(show).collect();
        assert!(shown[0].starts_with("unknown"), "{shown:?}");
        assert!(shown[1].starts_with("unknown"), "{shown:?}");
        let got = eval(
            &[
                DECLS,
                r"{ config, lib, ... }: { config = builtins.foldl'
                    (acc: n: if config.services.nginx.enable then { t.l = [ n ]; } else acc)
                    { t.off = true; }
                    (lib.range 1 200); }",
            ],
            &["t.s", "t.off"],
        );
        // Split at every level: no branch defines `t.s` (its default), and
        // `t.off` holds only under 200 unknown conditions.
        let shown: Vec<String> = got.iter().map(show).collect();
        assert_eq!(shown[0], "\"default\"");
        assert!(shown[1].starts_with("unknown"), "{shown:?}");
    }

    #[test]
    fn priorities_orders_conditions_and_merges() {
        let got = eval(
            &[
                DECLS,
                r#"{ config, lib, ... }: { config = lib.mkMerge [
                    { t.s = lib.mkDefault "mkDefault"; }
                    { t.l = lib.mkAfter [ "after" ]; }
                    (lib.mkIf config.t.on { t.l = [ "on" ]; t.attrs.a = 1; })
                    (lib.mkIf config.t.off { t.l = [ "off" ]; })
                    (lib.mkIf config.services.nginx.enable { t.attrs.b = 2; })
                  ]; }"#,
                r#"{ lib, ... }: { config.t = {
                    s = "plain";
                    l = lib.mkBefore [ "before" ];
                    attrs = { c = lib.mkForce 3; };
                  }; }"#,
            ],
            &[
                "t.s",
                "t.l",
                "t.attrs.a",
                "t.attrs.b",
                "t.attrs.c",
                "t.applied",
                "t.nodefault",
                "t.undeclared",
                "services.nginx.enable",
            ],
        );
        let got: Vec<String> = got.iter().map(show).collect();
        assert_eq!(
            got,
            [
                "\"plain\"",
                "[\"\\\"before\\\"\", \"\\\"on\\\"\", \"\\\"after\\\"\"]",
                "1",
                "unknown Some([\"config\", \"services\", \"nginx\", \"enable\"])",
                "3",
                "2",
                "error undefined-option",
                "unknown Some([\"config\", \"t\", \"undeclared\"])",
                "unknown Some([\"config\", \"services\", \"nginx\", \"enable\"])",
            ]
        );
    }

    /// A typed option with a definition under a condition only Nix knows
    /// is unknown, naming the condition, before its type's merge runs (no
    /// `uniq` conflict, no joined lines that may lack a part).
    #[test]
    fn a_typed_option_under_an_unknown_condition_is_unknown_not_merged() {
        let got = eval(
            &[
                r#"{ lib, config, ... }: with lib.types; {
                    options.t.l = lib.mkOption { type = lines; };
                    options.t.u = lib.mkOption { type = uniq str; };
                    options.t.c = lib.mkOption { type = commas; };
                    config.t = { l = "a"; u = "x"; c = "1"; };
                  }"#,
                r#"{ lib, config, ... }: {
                    config.t = lib.mkIf config.services.nginx.enable { l = "b"; u = "y"; };
                  }"#,
                r#"{ ... }: { config.t.c = "2"; }"#,
            ],
            &["t.l", "t.u", "t.c"],
        );
        let got: Vec<String> = got.iter().map(show).collect();
        assert_eq!(
            got,
            [
                "unknown Some([\"config\", \"services\", \"nginx\", \"enable\"])",
                "unknown Some([\"config\", \"services\", \"nginx\", \"enable\"])",
                "\"2,1\"",
            ]
        );
    }

    #[test]
    fn a_definition_only_nix_can_read_under_its_own_option_is_unknown_not_recursion() {
        // `mkIf cfg.enable (x // y)` with `y` unknown here: Nix sees that it
        // defines no `enable`; here it could, and reading its condition to
        // know is `enable` itself.
        let got = eval(
            &[
                r"{ lib, config, ... }: {
                    options.srv.enable = lib.mkOption { default = false; };
                    config = lib.mkIf config.srv.enable ({ srv.port = 1; } // config.services.x);
                  }",
                r"{ ... }: { config.srv.enable = true; }",
            ],
            &["srv.enable"],
        );
        let got: Vec<String> = got.iter().map(show).collect();
        assert_eq!(got, ["unknown None"]);
    }

    #[test]
    fn a_submodule_value_has_unknown_unset_options_not_missing_ones() {
        let got = eval(
            &[
                r"{ lib, ... }: {
                    options.boxes = lib.mkOption {
                      type = lib.types.attrsOf (lib.types.submoduleWith { modules = [ ]; });
                      default = { };
                    };
                    options.plain = lib.mkOption { type = lib.types.attrsOf lib.types.int; default = { }; };
                  }",
                r"{ ... }: { config.boxes.web.port = 80; config.plain.a = 1; }",
            ],
            &["boxes.web.port", "boxes.web.enable", "plain.a", "plain.b"],
        );
        let got: Vec<String> = got.iter().map(show).collect();
        assert_eq!(
            got,
            [
                "80",
                "unknown Some([\"config.boxes.web\", \"enable\"])",
                "1",
                "missing"
            ]
        );
    }

    #[test]
    fn conflicting_scalars_are_an_error_equal_ones_are_not() {
        let got = eval(
            &[
                DECLS,
                r#"{ ... }: { config.t = { s = "a"; on = false; }; }"#,
                r#"{ ... }: { config.t = { s = "b"; on = false; }; }"#,
                r#"{ lib, ... }: { config.t.off = lib.mkForce true; config.t.s = lib.mkOptionDefault "c"; }"#,
            ],
            &["t.s", "t.on", "t.off"],
        );
        let got: Vec<String> = got.iter().map(show).collect();
        assert_eq!(got, ["error conflicting-definitions", "false", "true"]);
    }

    #[test]
    fn a_condition_on_the_option_itself_reads_only_definitions_that_are_there() {
        // `mkIf cfg.enable { other = ...; }` does not need `enable`'s own
        // condition to find `enable`'s definitions.
        let got = eval(
            &[
                DECLS,
                r#"{ config, lib, ... }: { config = lib.mkIf config.t.on { t.s = "gated"; }; }"#,
            ],
            &["t.s", "t.on"],
        );
        let got: Vec<String> = got.iter().map(show).collect();
        assert_eq!(got, ["\"gated\"", "true"]);
    }

    #[test]
    fn only_the_option_declarations_read_are_forced() {
        // 1,000 services declare ~25 options each; the plan reads four.
        let (got, reported) = eval_reporting(
            &[r#"{ lib, ... }: {
                options.t = {
                  s = lib.mkOption { default = "s"; };
                  unread = throw "a declaration nobody reads";
                };
              }"#],
            &["t.s", "t.unread"],
        );
        let got: Vec<String> = got.iter().map(show).collect();
        assert_eq!(
            got,
            ["\"s\"", "unknown Some([\"config\", \"t\", \"unread\"])"]
        );
        // Reading `t.s` did not force `t.unread`; reading it reports it.
        assert!(reported[0].is_empty(), "{reported:?}");
        assert_eq!(reported[1].len(), 1, "{reported:?}");
        assert!(
            reported[1][0].contains("a declaration nobody reads"),
            "{reported:?}"
        );
    }

    #[test]
    fn an_option_declaration_that_reads_config_is_infinite_recursion() {
        // As Nix (nix-instantiate with nixpkgs' lib): a declaration whose
        // own names depend on config is infinite recursion; one whose
        // value at a path reads config elsewhere is not ({ x = 1; y = 2; }).
        let (got, reported) = eval_reporting(
            &[r"{ config, lib, ... }: {
                options.t = if config.t.x == 1 then { x = lib.mkOption { default = 1; }; } else { };
              }"],
            &["t.x"],
        );
        let got: Vec<String> = got.iter().map(show).collect();
        assert_eq!(got, ["unknown Some([\"config\", \"t\", \"x\"])"]);
        assert!(
            reported[0]
                .iter()
                .any(|d| d.starts_with("infinite-recursion: ")),
            "{reported:?}"
        );
        let (got, reported) = eval_reporting(
            &[r"{ config, lib, ... }: {
                options.t = {
                  x = lib.mkOption { default = 1; };
                  y = if config.t.x == 1 then lib.mkOption { default = 2; } else { };
                };
              }"],
            &["t.y", "t.x"],
        );
        let got: Vec<String> = got.iter().map(show).collect();
        assert_eq!(got, ["2", "1"]);
        assert!(reported.iter().all(Vec::is_empty), "{reported:?}");
    }

    #[test]
    fn config_read_before_the_modules_are_known_is_infinite_recursion() {
        let mut ev = Evaluator::new("/");
        let (m, _) = Modules::new(&mut ev);
        let err = ev.force(&m.config()).unwrap_err();
        assert_eq!(err[0].code, "infinite-recursion");
        // A module argument is then unknown instead (a framework's).
        let arg = m.arg("nodes", Value::unknown_root("nodes", "x", None));
        assert!(matches!(ev.force(&arg), Ok(Value::Unknown(_))));
    }

    /// atelier-options.nix declares what nix/modules declares, with the
    /// same defaults (every default that is not a package).
    #[test]
    fn builtin_options_follow_nix_modules() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut ev = Evaluator::new(root);
        let lib = ev.lib().unwrap();
        let args = Value::attrs([
            ("lib".to_owned(), lib),
            (
                "config".to_owned(),
                Value::unknown_root("config", "test", None),
            ),
            ("pkgs".to_owned(), Value::unknown_root("pkgs", "test", None)),
        ]);
        let mut theirs = Vec::new();
        for file in ["nix/modules/backup.nix", "nix/modules/generated.nix"] {
            let f = ev.eval_file(&root.join(file)).unwrap();
            let m = ev.apply(&f, args.clone()).unwrap();
            let opts = ev.select(&m, &["options"]).unwrap().unwrap();
            defaults(&mut ev, &opts, &mut Vec::new(), &mut theirs);
        }
        let (ours, _) = builtin_options(&mut ev, ATELIER_OPTIONS).unwrap();
        let ours = ev.force(&ours).unwrap();
        let mut mine = Vec::new();
        defaults(&mut ev, &ours, &mut Vec::new(), &mut mine);
        mine.retain(|(p, _)| p != "_module.args");
        // `package` defaults to `pkgs.atelier`: unknown in both.
        for list in [&mut theirs, &mut mine] {
            for (p, d) in list.iter_mut() {
                if p == "atelier.backup.package" {
                    *d = None;
                }
            }
            list.sort();
        }
        assert!(theirs.len() > 10, "{theirs:?}");
        assert_eq!(mine, theirs);
    }
}
