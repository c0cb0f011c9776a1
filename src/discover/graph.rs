//! The module graph of one host: from the `modules` list of
//! `nixosSystem { ... }` through `imports` (files, directories → default.nix,
//! functions, attribute sets, modules bound with `let` or built as lists),
//! collecting every module's config and every `mkService { ... }` call.

use std::collections::HashSet;
use std::path::PathBuf;
use std::rc::Rc;

use crate::diagnostic::{Diagnostic, Span};
use crate::nix::syntax::Param;
use crate::nix::Evaluator;
use crate::nix::{Attrs, Thunk, Unknown, UnknownOrigin, Value};

/// A `mkService { ... }` call found in the graph.
#[derive(Clone)]
pub struct MkServiceCall {
    pub arg: Thunk,
    pub span: Option<Span>,
    /// The `config` of the module the call makes, as the module system
    /// reads it (`mkIf cfg.enable (extraConfig ...)`).
    pub config: Option<Thunk>,
}

/// The modules that import a module, and the module itself: the keys
/// (file path or `key`) `disabledModules` can name.
type Chain = Rc<[Rc<str>]>;

/// What the walk found.
#[derive(Default)]
pub struct ModuleGraph {
    /// The config part of every module (not yet forced: it may read
    /// `config`), with where the module was written.
    pub configs: Vec<(Thunk, Option<Span>)>,
    /// The config of the modules `….lib.mkService` calls make: the module
    /// system reads them, discovery reads `mk_services` instead.
    pub service_configs: Vec<(Thunk, Option<Span>)>,
    /// Every module's `options`, with the module's file as nixpkgs'
    /// module system names it (`_file`: the imported path, the importing
    /// module's, or `"<unknown-file>"` for a module given inline).
    pub options: Vec<(Thunk, Rc<str>)>,
    pub mk_services: Vec<MkServiceCall>,
    pub files: Vec<PathBuf>,
    pub diagnostics: Vec<Diagnostic>,
    /// Modules (or `imports` lists) only Nix can read, the flake inputs'
    /// without their sources included: they may define any value.
    pub unread: Vec<Rc<Unknown>>,
    chains: Chains,
    disabled: HashSet<Rc<str>>,
}

/// The chain of each item above, in step with its list.
#[derive(Default)]
struct Chains {
    configs: Vec<Chain>,
    service_configs: Vec<Chain>,
    options: Vec<Chain>,
    mk_services: Vec<Chain>,
}

impl ModuleGraph {
    /// Drops what `disabledModules` removes: a disabled module and the
    /// modules it alone imports (reached only through it).
    fn apply_disabled(&mut self) {
        if self.disabled.is_empty() {
            return;
        }
        let disabled = std::mem::take(&mut self.disabled);
        let keep = |c: &Chain| !c.iter().any(|k| disabled.contains(k));
        let chains = std::mem::take(&mut self.chains);
        retain_by(&mut self.configs, &chains.configs, keep);
        retain_by(&mut self.service_configs, &chains.service_configs, keep);
        retain_by(&mut self.options, &chains.options, keep);
        retain_by(&mut self.mk_services, &chains.mk_services, keep);
    }

    /// Every module's config, for the module system.
    pub fn modules(&self) -> Vec<crate::modules::Module> {
        self.configs
            .iter()
            .chain(&self.service_configs)
            .map(|(t, s)| crate::modules::Module {
                config: t.clone(),
                span: s.clone(),
            })
            .collect()
    }
}

fn retain_by<T>(items: &mut Vec<T>, chains: &[Chain], keep: impl Fn(&Chain) -> bool) {
    let mut i = 0;
    items.retain(|_| {
        let k = keep(&chains[i]);
        i += 1;
        k
    });
}

/// Module arguments: `config` (the module system's, lazy), `options`,
/// `pkgs`, `lib`, `modulesPath`, the host's `specialArgs`, then
/// `_module.args`; anything else a module asks for is unknown.
pub struct ModuleArgs {
    pub entries: Vec<(String, Thunk)>,
    pub modules: crate::modules::Modules,
    /// The flake's input names: a module argument of that name (`{
    /// atelier, ... }` from `inherit (inputs) atelier`) is taken for the
    /// input, from outside the flake.
    pub inputs: Vec<String>,
}

impl ModuleArgs {
    /// `lib` is what the modules (and their submodules) get as `lib`: the
    /// lib of the nixpkgs whose `nixosSystem` made the host when it was
    /// evaluated from its source; `None` for atelier's built-in lib.
    pub fn new(
        ev: &mut Evaluator,
        lib: Option<Value>,
        special: Option<&Value>,
    ) -> (Self, Vec<Diagnostic>) {
        let mut diags = Vec::new();
        let real = lib.is_some();
        let lib = match lib.map_or_else(|| ev.lib(), Ok) {
            Ok(l) => l,
            Err(d) => {
                diags.extend(d);
                Value::unknown_root("lib", "lib is not available", None)
            }
        };
        let (modules, d) = crate::modules::Modules::new(ev);
        diags.extend(d);
        if real {
            modules.set_lib(lib.clone());
        }
        let value = |v: Value| Thunk::value(v);
        let mut entries = vec![
            ("config".to_owned(), modules.config()),
            (
                "options".to_owned(),
                value(Value::unknown_root(
                    "options",
                    "options are only known at rebuild time",
                    None,
                )),
            ),
            (
                "pkgs".to_owned(),
                value(Value::unknown_root(
                    "pkgs",
                    "packages are only known when Nix builds the system",
                    None,
                )),
            ),
            ("lib".to_owned(), value(lib)),
            (
                "modulesPath".to_owned(),
                value(Value::unknown_root(
                    "modulesPath",
                    "nixpkgs' modules are not read by atelier-gen",
                    None,
                )),
            ),
            // What lib.evalModules gives every module of a NixOS system
            // (nixos/lib/eval-config.nix evaluates with class "nixos").
            ("_class".to_owned(), value(Value::string("nixos"))),
            ("_prefix".to_owned(), value(Value::List(Rc::default()))),
            // The module system passes the set itself too (`{ specialArgs,
            // ... }: specialArgs.inputs.disko or pinned`).
            (
                "specialArgs".to_owned(),
                value(special.cloned().unwrap_or_else(|| Value::attrs([]))),
            ),
        ];
        add_special_args(&mut entries, special);
        (
            Self {
                entries,
                modules,
                inputs: Vec::new(),
            },
            diags,
        )
    }

    /// The arguments `lib.evalModules { specialArgs; class; prefix; }` of
    /// atelier's built-in lib gives its modules: `config`, `options`, `lib`,
    /// `_class`, `_prefix`, `specialArgs`, then the special arguments
    /// themselves. No `pkgs` or `modulesPath`: like any other name, they
    /// come from `_module.args`, else are unknown.
    pub fn for_eval_modules(
        ev: &mut Evaluator,
        special: Option<&Value>,
        class: Value,
        prefix: Value,
    ) -> (Self, Vec<Diagnostic>) {
        let no_args = Value::attrs([]);
        let (modules, mut diags) =
            crate::modules::Modules::bare(ev, &prefix, special.unwrap_or(&no_args));
        let lib = match ev.lib() {
            Ok(l) => l,
            Err(d) => {
                diags.extend(d);
                Value::unknown_root("lib", "lib is not available", None)
            }
        };
        let value = |v: Value| Thunk::value(v);
        let mut entries = vec![
            ("config".to_owned(), modules.config()),
            ("options".to_owned(), modules.options()),
            ("lib".to_owned(), value(lib)),
            ("_class".to_owned(), value(class)),
            ("_prefix".to_owned(), value(prefix)),
            (
                "specialArgs".to_owned(),
                value(special.cloned().unwrap_or_else(|| Value::attrs([]))),
            ),
        ];
        add_special_args(&mut entries, special);
        (
            Self {
                entries,
                modules,
                inputs: Vec::new(),
            },
            diags,
        )
    }

    /// The argument set for a module function: only the names it asks for
    /// when it has no `...`, like the NixOS module system.
    fn for_function(&self, f: &Value) -> Value {
        let wanted: Option<Vec<String>> = match f {
            Value::Lambda(c) => match &c.lambda.param {
                Param::Pattern { entries, .. } => {
                    Some(entries.iter().map(|e| e.name.clone()).collect())
                }
                Param::Ident(_) => None,
            },
            _ => None,
        };
        let ellipsis = matches!(f, Value::Lambda(c) if matches!(&c.lambda.param, Param::Pattern { ellipsis: true, .. }));
        let mut attrs = Attrs::default();
        for (k, t) in &self.entries {
            if ellipsis || wanted.as_ref().is_none_or(|w| w.contains(k)) {
                attrs.insert(k.clone(), t.clone(), None);
            }
        }
        attrs.unknown_keys = Some(Rc::new(Unknown {
            reason: "module arguments other than config, options, pkgs, lib, modulesPath, specialArgs and _module.args are only known at rebuild time".into(),
            span: None,
            origin: crate::nix::UnknownOrigin::Root("moduleArgs".into()),
        }));
        if let Some(w) = &wanted {
            // Names the module asks for that we do not supply come from
            // `_module.args`, or are unknown.
            for name in w {
                if attrs.get(name).is_none() {
                    let fallback = Value::unknown_root(
                        name,
                        "this module argument is only known at rebuild time",
                        None,
                    );
                    attrs.insert(name.clone(), self.modules.arg(name, fallback), None);
                }
            }
        }
        Value::Attrs(Rc::new(attrs))
    }
}

/// `specialArgs` come after the fixed arguments, and win over them.
fn add_special_args(entries: &mut Vec<(String, Thunk)>, special: Option<&Value>) {
    // Lazily, as the module system passes them: a special argument no
    // module asks for is never forced (blueprint's `self = throw …`).
    if let Some(Value::Attrs(a)) = special {
        for (k, e) in &a.entries {
            entries.retain(|(n, _)| n != k);
            entries.push((k.clone(), e.value.clone()));
        }
    }
}

/// `internal.evalModules { modules; specialArgs; class; prefix; }` of the
/// built-in lib: the `config` atelier's module system makes of `modules`
/// (files, functions, sets and their `imports`, `disabledModules`, `key`),
/// as `lib.evalModules` returns it in `.config`. An error that would stop
/// Nix (an import that does not exist) is an error here too; an option no
/// module declares stays unknown, naming itself (a module atelier-gen does
/// not read may declare it).
pub fn prim_eval_modules(
    ev: &mut Evaluator,
    a: &[Thunk],
    _: &Span,
) -> crate::nix::EvalResult<Value> {
    let args = ev.force(&a[0])?;
    let modules: Vec<Thunk> = match ev.select(&args, &["modules"])? {
        Some(Value::List(items)) => items.iter().cloned().collect(),
        Some(Value::Unknown(u)) => return Ok(Value::Unknown(u)),
        _ => Vec::new(),
    };
    let special = ev.select(&args, &["specialArgs"])?;
    let class = ev.select(&args, &["class"])?.unwrap_or(Value::Null);
    let prefix = ev
        .select(&args, &["prefix"])?
        .unwrap_or_else(|| Value::List(Rc::default()));
    let (margs, diags) = ModuleArgs::for_eval_modules(ev, special.as_ref(), class, prefix);
    let errors = |d: Vec<Diagnostic>| -> Vec<Diagnostic> {
        d.into_iter()
            .filter(|d| d.severity == crate::diagnostic::Severity::Error)
            .collect()
    };
    let diags = errors(diags);
    if !diags.is_empty() {
        return Err(diags);
    }
    let g = walk_modules(ev, &modules, &margs, &[]);
    // Nothing left unread (no warning): the option tree is whole.
    let complete = g.diagnostics.is_empty();
    // A module only Nix can read may define any value: the names of
    // submodule values say so.
    let unread = match g.unread.first() {
        Some(u) => Some(super::values::describe_unknown(u)),
        None => g.diagnostics.first().map(|d| d.message.clone()),
    };
    if let Some(why) = unread {
        margs.modules.set_unread(&format!(
            "a module of this `lib.evalModules` that atelier-gen cannot read ({why})"
        ));
    }
    let mut diags = Vec::new();
    for d in g.diagnostics {
        if d.severity == crate::diagnostic::Severity::Error {
            diags.push(d);
        } else {
            ev.traces
                .push(format!("warning: lib.evalModules: {}", d.short()));
        }
    }
    if !diags.is_empty() {
        return Err(diags);
    }
    if complete {
        margs.modules.set_complete();
    }
    let config = margs.modules.config();
    let options = margs.modules.options();
    // Its values refer to the module system weakly: it lives as long as
    // the evaluation.
    ev.keep_alive(Box::new(margs));
    let mut result = crate::nix::Attrs::default();
    result.insert("config", config, None);
    result.insert("options", options, None);
    Ok(Value::Attrs(Rc::new(result)))
}

/// Whether an unknown is a call of a function whose name ends the attribute
/// path (`atelier.lib.mkService { ... }`, `nixpkgs.lib.nixosSystem { ... }`).
pub fn call_of<'a>(u: &'a Unknown, name: &str) -> Option<&'a Thunk> {
    let (func, arg) = u.application()?;
    let path = func.path()?;
    (path.last().map(String::as_str) == Some(name)).then_some(arg)
}

const MAX_MODULE_DEPTH: usize = 200;

/// The file nixpkgs' module system gives a module passed inline
/// (`lib.options.unknownModule`).
pub const UNKNOWN_MODULE: &str = "<unknown-file>";

/// Walks the modules of a host. `generated` are the files atelier-gen writes:
/// they are skipped (reading our own output would be circular), and so is any
/// file that starts with the generated-file header. Then the module system
/// (`args.modules`) is given every module, without those `disabledModules`
/// removes.
pub fn walk_modules(
    ev: &mut Evaluator,
    modules: &[Thunk],
    args: &ModuleArgs,
    generated: &[PathBuf],
) -> ModuleGraph {
    let walk = |ev: &mut Evaluator, disabled: HashSet<Rc<str>>| {
        let mut w = Walker {
            args,
            seen: generated.iter().map(|p| ev.inputs().normalize(p)).collect(),
            seen_keys: HashSet::new(),
            g: ModuleGraph::default(),
            stack: Vec::new(),
            service: false,
            skip: disabled,
            file: Rc::from(UNKNOWN_MODULE),
        };
        prefetch(ev, modules);
        for m in modules {
            w.walk(ev, m, 0);
        }
        w.g
    };
    let mut g = walk(ev, HashSet::new());
    if !g.disabled.is_empty() {
        // Again, leaving the disabled modules out from the start: a module
        // they import that another module imports too is then met there
        // (the module system removes only what the disabled ones alone
        // import).
        let disabled = std::mem::take(&mut g.disabled);
        g = walk(ev, disabled.clone());
        g.disabled = disabled;
    }
    g.apply_disabled();
    args.modules.seal_declared(
        g.modules(),
        g.options
            .iter()
            .map(|(o, f)| (o.clone(), Some(f.clone())))
            .collect(),
    );
    g.diagnostics.extend(args.modules.take_diagnostics());
    g
}

struct Walker<'a> {
    args: &'a ModuleArgs,
    seen: HashSet<PathBuf>,
    seen_keys: HashSet<String>,
    g: ModuleGraph,
    /// Keys of the modules being walked, outermost first.
    stack: Vec<Rc<str>>,
    /// Inside the module of a `….lib.mkService` call.
    service: bool,
    /// Keys of modules `disabledModules` names (the second walk).
    skip: HashSet<Rc<str>>,
    /// The file of the module being walked (nixpkgs' `_file`).
    file: Rc<str>,
}

impl Walker<'_> {
    fn chain(&self) -> Chain {
        self.stack.clone().into()
    }

    fn walk(&mut self, ev: &mut Evaluator, module: &Thunk, depth: usize) {
        let span = module.span();
        if depth > MAX_MODULE_DEPTH {
            self.g.diagnostics.push(Diagnostic::error(
                "import-too-deep",
                "modules import each other more than 200 levels deep",
                span,
            ));
            return;
        }
        let value = match ev.force(module) {
            Ok(v) => v,
            Err(d) => {
                self.g.diagnostics.extend(d.into_iter().map(|mut d| {
                    if d.span.is_none() {
                        d.span.clone_from(&span);
                    }
                    d
                }));
                return;
            }
        };
        self.walk_value(ev, value, span, depth);
    }

    fn walk_value(&mut self, ev: &mut Evaluator, value: Value, span: Option<Span>, depth: usize) {
        match &value {
            Value::Path(p) => self.import(ev, p.to_path_buf(), span, depth),
            Value::String(s) if s.starts_with('/') => {
                let p = ev
                    .source_of_store_path(s)
                    .unwrap_or_else(|| PathBuf::from(&**s));
                self.import(ev, p, span, depth);
            }
            Value::Lambda(_) => {
                let arg = self.args.for_function(&value);
                match ev.apply(&value, arg) {
                    Ok(v) => self.walk_value(ev, v, span, depth + 1),
                    Err(d) => self.g.diagnostics.extend(d),
                }
            }
            Value::Attrs(a) => {
                let a = a.clone();
                self.walk_attrs(ev, value, &a, span, depth);
            }
            Value::Unknown(u) => {
                if let Some(arg) = call_of(u, "mkService") {
                    let call_span = u.span.clone().or(span);
                    // The module system sees the module the call makes.
                    // (An error is reported where discovery reads the call.)
                    let before = self.g.service_configs.len();
                    if let Ok(m) = self.args.modules.mk_service_module(ev, arg) {
                        let outer = std::mem::replace(&mut self.service, true);
                        self.walk_value(ev, m, call_span.clone(), depth + 1);
                        self.service = outer;
                    }
                    let config = (self.g.service_configs.len() == before + 1)
                        .then(|| self.g.service_configs[before].0.clone());
                    self.g.mk_services.push(MkServiceCall {
                        arg: arg.clone(),
                        span: call_span,
                        config,
                    });
                    self.g.chains.mk_services.push(self.chain());
                } else if !from_outside_the_flake(u, &self.args.inputs) {
                    self.g.unread.push(u.clone());
                    // A module of the flake's own that cannot be followed
                    // (e.g. named by a module argument nothing supplies):
                    // said where, never silently left out.
                    self.g.diagnostics.push(Diagnostic::warning(
                        "unresolved-import",
                        format!(
                            "an imported module is not known statically ({}); services declared there are not seen",
                            super::values::describe_unknown(u)
                        ),
                        u.span.clone().or(span),
                    ));
                }
                // Anything else (atelier.nixosModules.default, nixpkgs modules,
                // flake inputs without a source) comes from outside the flake
                // and declares no data of ours.
                else {
                    self.g.unread.push(u.clone());
                }
            }
            Value::Null => {}
            other => self.g.diagnostics.push(Diagnostic::error(
                "type-error",
                format!(
                    "a module is {} while a set, a function or a path was expected",
                    other.type_name()
                ),
                span,
            )),
        }
    }

    fn walk_attrs(
        &mut self,
        ev: &mut Evaluator,
        value: Value,
        a: &Attrs,
        span: Option<Span>,
        depth: usize,
    ) {
        // A module with a `key` is imported once per key.
        let mut pushed = false;
        if let Some(e) = a.get("key") {
            if let Ok(Value::String(k)) = ev.force(&e.value.clone()) {
                if self.skip.contains(&k.text) || !self.seen_keys.insert(k.to_string()) {
                    return;
                }
                self.stack.push(Rc::from(&*k));
                pushed = true;
            }
        }
        if let Some(e) = a.get("disabledModules") {
            self.disabled_modules(ev, &e.value.clone());
        }
        // A module with `options` or `config` keeps its definitions in
        // `config`; otherwise the whole set (but its structural keys) is config.
        // Before its imports', as Nix collects modules (which merges their
        // definitions in the reverse order).
        let import_span = span.clone();
        let chain = self.chain();
        // Its file, and its imports' (`_file`, else the one it is in).
        let file = match a.get("_file").map(|e| e.value.clone()) {
            Some(t) => match ev.force(&t) {
                Ok(Value::String(s)) => Rc::from(&*s.text),
                Ok(Value::Path(p)) => Rc::from(p.display().to_string()),
                _ => self.file.clone(),
            },
            None => self.file.clone(),
        };
        let outer_file = std::mem::replace(&mut self.file, file.clone());
        if let Some(e) = a.get("options") {
            self.g.options.push((e.value.clone(), file));
            self.g.chains.options.push(chain.clone());
        }
        // `freeformType = t` is `config._module.freeformType = t`.
        if let Some(e) = a.get("freeformType") {
            let mut m = Attrs::default();
            m.insert("freeformType", e.value.clone(), e.span.clone());
            let mut c = Attrs::default();
            c.insert(
                "_module",
                Thunk::value(Value::Attrs(Rc::new(m))),
                e.span.clone(),
            );
            let t = Thunk::value(Value::Attrs(Rc::new(c)));
            if self.service {
                self.g.service_configs.push((t, e.span.clone()));
                self.g.chains.service_configs.push(chain.clone());
            } else {
                self.g.configs.push((t, e.span.clone()));
                self.g.chains.configs.push(chain.clone());
            }
        }
        let config = if a.get("config").is_some() || a.get("options").is_some() {
            a.get("config")
                .map(|e| (e.value.clone(), e.span.clone().or(span.clone())))
        } else {
            Some((Thunk::value(value), span))
        };
        if let Some((t, s)) = config {
            if self.service {
                self.g.service_configs.push((t, s));
                self.g.chains.service_configs.push(chain);
            } else {
                self.g.configs.push((t, s));
                self.g.chains.configs.push(chain);
            }
        }
        if let Some(e) = a.get("imports") {
            let imports = e.value.clone();
            match ev.force(&imports) {
                Ok(v @ (Value::List(_) | Value::Unknown(_))) => {
                    // `[ ./a.nix ] ++ unknown` is its parts: the known ones
                    // are walked.
                    let parts: Vec<Thunk> = match &v {
                        Value::Unknown(u) => match &u.origin {
                            UnknownOrigin::Concat { parts, .. } => parts.to_vec(),
                            _ => vec![Thunk::value(v.clone())],
                        },
                        _ => vec![Thunk::value(v.clone())],
                    };
                    for part in parts {
                        match ev.force(&part) {
                            Ok(Value::List(items)) => {
                                prefetch(ev, &items);
                                for t in items.iter() {
                                    self.walk(ev, t, depth + 1);
                                }
                            }
                            // nixpkgs' own modules (the imports of a
                            // `"${modulesPath}/…"` module called by hand)
                            // declare no data of ours. A list an input's
                            // function makes may hold the flake's own
                            // modules: said, below.
                            Ok(Value::Unknown(v)) if v.root_name() == Some("modulesPath") => {}
                            Ok(Value::Unknown(v)) => {
                                self.g.unread.push(v.clone());
                                self.g.diagnostics.push(Diagnostic::warning(
                                "unresolved-import",
                                format!(
                                    "the imports of this module are not known statically ({}); services declared there are not seen",
                                    super::values::describe_unknown(&v)
                                ),
                                e.span.clone().or(import_span.clone()),
                            ));
                            }
                            _ => {}
                        }
                    }
                }
                Ok(other) => self.g.diagnostics.push(Diagnostic::error(
                    "type-error",
                    format!(
                        "`imports` is {} while a list was expected",
                        other.type_name()
                    ),
                    e.span.clone(),
                )),
                // (`config` read here fails without a place of its own.)
                Err(d) => self.g.diagnostics.extend(d.into_iter().map(|mut d| {
                    if d.span.is_none() {
                        d.span = e.span.clone().or(import_span.clone());
                    }
                    d
                })),
            }
        }
        self.file = outer_file;
        if pushed {
            self.stack.pop();
        }
    }

    /// Records what `disabledModules` names: files (paths), `key`s (sets
    /// with a key, or strings). A path relative to nixpkgs' modules names
    /// a module atelier-gen does not read anyway.
    fn disabled_modules(&mut self, ev: &mut Evaluator, list: &Thunk) {
        let items = match ev.force(list) {
            Ok(Value::List(items)) => items,
            Ok(_) => return,
            Err(d) => {
                self.g.diagnostics.extend(d);
                return;
            }
        };
        for t in items.iter() {
            let key: Option<Rc<str>> = match ev.force(t) {
                Ok(Value::Path(p)) => Some(Self::file_key(ev, &p)),
                Ok(Value::String(s)) if s.starts_with('/') => {
                    Some(Self::file_key(ev, std::path::Path::new(&*s)))
                }
                Ok(Value::String(s)) => Some(s.text),
                Ok(Value::Attrs(a)) => match a.get("key").map(|e| ev.force(&e.value.clone())) {
                    Some(Ok(Value::String(k))) => Some(k.text),
                    _ => None,
                },
                Ok(_) => None,
                Err(d) => {
                    self.g.diagnostics.extend(d);
                    None
                }
            };
            if let Some(k) = key {
                self.g.disabled.insert(k);
            }
        }
    }

    fn file_key(ev: &mut Evaluator, p: &std::path::Path) -> Rc<str> {
        let target = match ev.resolve_import(p) {
            Some(k) => k,
            None => ev.inputs().normalize(p),
        };
        Rc::from(target.display().to_string())
    }

    fn import(&mut self, ev: &mut Evaluator, path: PathBuf, span: Option<Span>, depth: usize) {
        // A module of an input source kept pruned, which it dropped.
        if let Err(d) = ev.check_pruned(&path, false, span.as_ref()) {
            self.g.diagnostics.extend(d);
            return;
        }
        let Some(key) = ev.resolve_import(&path) else {
            let target = if ev.inputs().is_dir(&path) {
                path.join("default.nix")
            } else {
                path
            };
            let key = ev.inputs().normalize(&target);
            // The module system imports a file once, however often it is listed.
            if self.seen.insert(key.clone()) {
                self.g.diagnostics.push(
                    Diagnostic::error(
                        "import-not-found",
                        format!(
                            "imported module {} does not exist",
                            key.strip_prefix(ev.root()).map_or_else(
                                |_| target.display().to_string(),
                                |p| p.display().to_string()
                            )
                        ),
                        span,
                    )
                    .with_note("fix the path in `imports` / `modules`"),
                );
            }
            return;
        };
        let file_key: Rc<str> = Rc::from(key.display().to_string());
        if self.skip.contains(&file_key) || !self.seen.insert(key.clone()) {
            return;
        }
        if ev.file_starts_with(&key, super::HEADER_PREFIX) {
            return;
        }
        self.g.files.push(key.clone());
        self.stack.push(file_key);
        // nixpkgs names a module imported by path by the path as given.
        let outer_file = std::mem::replace(&mut self.file, Rc::from(path.display().to_string()));
        match ev.eval_file(&key) {
            Ok(v) => self.walk_value(ev, v, span, depth + 1),
            Err(d) => {
                // An encrypted module (sops, age, git-crypt) is not Nix
                // until the checkout decrypts it: an unread import, not a
                // syntax error (nor, when binary, text that is not UTF-8).
                if let Some(how) = d
                    .iter()
                    .any(|x| x.code == "parse-error" || x.code == "invalid-utf8")
                    .then(|| encrypted(ev, &key))
                    .flatten()
                {
                    let name = key
                        .strip_prefix(ev.root())
                        .unwrap_or(&key)
                        .display()
                        .to_string();
                    self.g.diagnostics.push(
                        Diagnostic::warning(
                            "unresolved-import",
                            format!("imported module {name} is encrypted ({how}); services declared there are not seen"),
                            span,
                        )
                        .with_note("run atelier-gen on a checkout where it is decrypted"),
                    );
                } else {
                    self.g.diagnostics.extend(d);
                }
            }
        }
        self.file = outer_file;
        self.stack.pop();
    }
}

/// Whether an unknown module comes from outside the flake: a flake input
/// (without a source here, or a module argument named like one), or
/// nixpkgs (`modulesPath`, `pkgs`).
fn from_outside_the_flake(u: &Unknown, inputs: &[String]) -> bool {
    if u.reason.starts_with("flake input `") {
        return true;
    }
    let Some(root) = u.root_name() else {
        return false;
    };
    matches!(root, "modulesPath" | "pkgs" | "inputs")
        || root.contains('.')
        || inputs.iter().any(|i| i == root)
}

/// Lets the evaluator read and parse, in parallel, the files a list of
/// modules names literally (`imports = [ ./a.nix ./b ];`), before the walk
/// evaluates them one by one.
fn prefetch(ev: &mut Evaluator, modules: &[Thunk]) {
    let paths: Vec<PathBuf> = modules
        .iter()
        .filter_map(|t| match ev.peek_literal(t) {
            Some(Value::Path(p)) => Some(p.to_path_buf()),
            Some(Value::String(s)) if s.starts_with('/') => Some(
                ev.source_of_store_path(&s)
                    .unwrap_or_else(|| PathBuf::from(&*s)),
            ),
            _ => None,
        })
        .collect();
    ev.prefetch(&paths);
}

/// How a file that does not parse is encrypted, if it is.
fn encrypted(ev: &mut Evaluator, path: &std::path::Path) -> Option<&'static str> {
    let head = ev.inputs().head(path, 512).ok()?;
    if head.starts_with(b"\0GITCRYPT") {
        return Some("git-crypt");
    }
    // age's binary and armored forms (agenix-style `filter=age` checkouts).
    if head.starts_with(b"age-encryption.org/v1\n")
        || head.starts_with(b"-----BEGIN AGE ENCRYPTED FILE-----")
    {
        return Some("age");
    }
    let text = String::from_utf8_lossy(&head);
    (text.contains("ENC[AES256_GCM,") || text.contains("\"sops\"")).then_some("sops")
}
