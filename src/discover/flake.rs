//! `flake.nix` → hosts, as Nix builds the flake: `outputs` applied to the
//! inputs and to `self` (the outputs with `outPath`, `inputs`, `sourceInfo`,
//! `_type = "flake"`), then `nixosConfigurations.<host> =
//! <nixpkgs>.lib.nixosSystem { ... }` read one host at a time.
//!
//! An input whose source is here (`lock.rs` says where) is evaluated from
//! it; a framework found in the store only while everything it reaches is
//! here too ([`InputUse`], [`fall_back`]). Without a source, an input
//! atelier-gen knows gets built-in
//! knowledge (`flake.nix` next to this file): nixpkgs gets atelier's `lib`,
//! flake-parts its core (`mkFlake`, `importApply`, `withSystem`,
//! `flakeModules.partitions`), import-tree
//! its documented semantics. Any other input is unknown; where a host needs
//! it, the diagnostic (`unsupported-input`) names it.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use crate::diagnostic::{Diagnostic, Span};
use crate::nix::{Attrs, PrimOpApp, PrimOpDef, Thunk, Unknown, UnknownOrigin, Value};
use crate::nix::{Evaluator, NixpkgsRoot};

use super::graph::call_of;
use super::lock::{self, Lock};

/// Built-in knowledge of flakes and their frameworks, in Nix.
pub(crate) const FLAKE_NIX: &str = include_str!("flake.nix");

/// One `nixosConfigurations.<host>` entry.
pub struct HostEntry {
    pub name: String,
    pub span: Option<Span>,
    pub modules: Vec<Thunk>,
    pub special_args: Option<Value>,
    /// The `lib` of the nixpkgs whose `nixosSystem` made the host, when
    /// that nixpkgs was evaluated from its source (else the built-in lib).
    pub lib: Option<Value>,
}

/// A host of the flake, not evaluated yet.
pub struct HostRef {
    pub name: String,
    pub span: Option<Span>,
    value: Thunk,
}

pub struct Flake {
    pub hosts: Vec<HostRef>,
    /// The names of the flake's inputs (for diagnostics).
    pub inputs: Vec<String>,
    pub diagnostics: Vec<Diagnostic>,
    /// Which inputs the evaluation took from their sources (filled in as
    /// evaluation reaches them).
    pub used: Rc<InputUse>,
}

fn fail(code: &'static str, msg: String, span: Option<Span>) -> Flake {
    failed(vec![Diagnostic::error(code, msg, span)])
}

fn failed(diagnostics: Vec<Diagnostic>) -> Flake {
    Flake {
        hosts: Vec::new(),
        inputs: Vec::new(),
        diagnostics,
        used: Rc::default(),
    }
}

/// What one evaluation of a flake did with its inputs' sources.
///
/// A framework (flake-parts, haumea, ez-configs, ...) found in the Nix store
/// or atelier-gen's input cache is evaluated from that source only while
/// everything its evaluation reaches has a source too: an input of it that
/// evaluation reaches and that is nowhere here is recorded in `missing`
/// (and fails that evaluation), and the caller evaluates again with the
/// framework in `built_in` ([`fall_back`]). `--override-input` is obeyed as
/// given.
#[derive(Debug, Default)]
pub struct InputUse {
    /// Frameworks kept on built-in knowledge although their source is
    /// here, with why (decided by an earlier evaluation).
    pub built_in: Vec<(String, String)>,
    /// Inputs evaluated from a source: what (``input `nixpkgs` ``,
    /// ``builtins.fetchTarball` of URL``), source, where it came from.
    pub from_source: RefCell<Vec<(String, PathBuf, lock::Origin)>>,
    /// Frameworks evaluated from a store (or cached) source.
    pub store_frameworks: RefCell<Vec<String>>,
    /// (framework from the store, its input that has no source here).
    pub missing: RefCell<Vec<(String, String)>>,
}

impl InputUse {
    /// One line per input taken from a source or kept on built-in
    /// knowledge (for `atelier-gen -v`).
    pub fn notes(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .from_source
            .borrow()
            .iter()
            .map(|(what, src, origin)| {
                let from = match origin {
                    lock::Origin::Override => "given with --override-input",
                    lock::Origin::Store => "in the Nix store",
                    lock::Origin::Cache => "kept by --fetch-inputs",
                    lock::Origin::Fetched => "fetched now",
                };
                format!(
                    "{what}: evaluated from its source {from} ({})",
                    crate::runtime::terminal::shown(src)
                )
            })
            .collect();
        for (path, why) in &self.built_in {
            out.push(format!(
                "input `{path}`: built-in knowledge used, although its source is here: {why}"
            ));
        }
        out
    }
}

/// The frameworks that the next evaluation must keep on built-in knowledge
/// after one that used `used` and whose first error (if any) is `error`:
/// those whose evaluation reached an input with no source, else, when the
/// evaluation failed, every framework it took from the store (a readable
/// flake must not fail because a store held a framework's source). Empty
/// when the evaluation stands.
pub fn fall_back(used: &InputUse, error: Option<&Diagnostic>) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for (framework, input) in used.missing.borrow().iter() {
        if !out.iter().any(|(f, _)| f == framework) {
            out.push((
                framework.clone(),
                format!(
                    "its input `{input}` has no source here (give it with `--override-input {input} PATH`)"
                ),
            ));
        }
    }
    if out.is_empty() {
        if let Some(e) = error {
            for framework in used.store_frameworks.borrow().iter() {
                if !out.iter().any(|(f, _)| f == framework) {
                    out.push((
                        framework.clone(),
                        format!(
                            "the evaluation with its source failed (error[{}]: {})",
                            e.code, e.message
                        ),
                    ));
                }
            }
        }
    }
    out
}

/// The names of flake-parts' `lib` (its `lib.nix`, every version to
/// 2026).
const FLAKE_PARTS_LIB_NAMES: &[&str] = &[
    "attrsWith",
    "defaultModule",
    "evalFlakeModule",
    "importAndPublish",
    "importApply",
    "memoizeStr",
    "mkAliasOptionModule",
    "mkDeferredModuleOption",
    "mkDeferredModuleType",
    "mkFlake",
    "mkPerSystemModule",
    "mkPerSystemOption",
    "mkPerSystemType",
    "mkSubmoduleOptions",
    "mkTransposedPerSystemModule",
];

/// What kind of flake an input is, from its URL in flake.nix or the lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum InputKind {
    Nixpkgs,
    FlakeParts,
    ImportTree,
    SnowfallLib,
    Haumea,
    EzConfigs,
    NixosUnified,
    Clan,
    HomeManager,
    NixDarwin,
    FlakeUtils,
    Other,
}

fn kind_of(name: &str, url: Option<&str>, locked_repo: Option<&str>) -> InputKind {
    // snowfall-lib's repository is only called `lib`: known by its owner.
    let snowfall = |s: &str| s.to_ascii_lowercase().contains("snowfallorg/lib");
    if url.is_some_and(snowfall) || locked_repo.is_some_and(snowfall) {
        return InputKind::SnowfallLib;
    }
    let locked_repo = locked_repo.map(|r| r.rsplit('/').next().unwrap_or(r));
    let repo = locked_repo
        .map(str::to_ascii_lowercase)
        .or_else(|| url.map(repo_of_url))
        // A URL that names no repository (a tarball on a plain web server).
        .filter(|r| !r.is_empty());
    match repo.as_deref() {
        Some("nixpkgs" | "nixpkgs.lib" | "nixpkgs-lib") => return InputKind::Nixpkgs,
        Some("flake-parts") => return InputKind::FlakeParts,
        Some("import-tree") => return InputKind::ImportTree,
        Some("haumea") => return InputKind::Haumea,
        Some("home-manager") => return InputKind::HomeManager,
        Some("ez-configs") => return InputKind::EzConfigs,
        Some("nixos-unified" | "nixos-flake") => return InputKind::NixosUnified,
        Some("clan-core") => return InputKind::Clan,
        Some("flake-utils") => return InputKind::FlakeUtils,
        Some("nix-darwin") => return InputKind::NixDarwin,
        Some(_) => return InputKind::Other,
        None => {}
    }
    match name {
        "flake-parts" => InputKind::FlakeParts,
        "import-tree" => InputKind::ImportTree,
        "snowfall-lib" | "snowfall" => InputKind::SnowfallLib,
        "haumea" => InputKind::Haumea,
        "home-manager" => InputKind::HomeManager,
        "ez-configs" => InputKind::EzConfigs,
        "nixos-unified" | "nixos-flake" => InputKind::NixosUnified,
        "clan-core" | "clan" => InputKind::Clan,
        "flake-utils" => InputKind::FlakeUtils,
        "nix-darwin" => InputKind::NixDarwin,
        n if n.starts_with("nixpkgs") => InputKind::Nixpkgs,
        _ => InputKind::Other,
    }
}

/// Whether a URL names nixpkgs (`https://github.com/NixOS/nixpkgs/archive/…`,
/// a channel's `nixexprs.tar.xz`), as an input's URL makes it nixpkgs.
pub(crate) fn url_names_nixpkgs(url: &str) -> bool {
    kind_of("", Some(url), None) == InputKind::Nixpkgs
}

/// The repository name of a flake URL: `github:NixOS/nixpkgs/nixos-unstable`
/// → `nixpkgs`; `nixpkgs/nixos-24.11` (the registry) → `nixpkgs`.
fn repo_of_url(url: &str) -> String {
    let url = url
        .split(['?', '#'])
        .next()
        .unwrap_or(url)
        .to_ascii_lowercase();
    if let Some(rest) = url
        .strip_prefix("github:")
        .or_else(|| url.strip_prefix("gitlab:"))
        .or_else(|| url.strip_prefix("sourcehut:"))
    {
        return rest.split('/').nth(1).unwrap_or("").to_owned();
    }
    if let Some(rest) = url.strip_prefix("flake:") {
        return rest.split('/').next().unwrap_or("").to_owned();
    }
    if !url.contains(':') {
        // A registry name, `nixpkgs` or `nixpkgs/<branch>`.
        return url.split('/').next().unwrap_or("").to_owned();
    }
    // A channel's tarball (https://nixos.org/channels/nixpkgs-unstable/
    // nixexprs.tar.xz, https://channels.nixos.org/nixos-25.11/nixexprs.tar.xz)
    // is nixpkgs, whatever its compression (`nixexprs.tar.zst`).
    if url
        .rsplit('/')
        .next()
        .is_some_and(|f| f.starts_with("nixexprs.tar"))
    {
        return "nixpkgs".to_owned();
    }
    let path = url.split("://").nth(1).unwrap_or(&url);
    // FlakeHub: https://flakehub.com/f/<owner>/<repo>/<version>.tar.gz, and
    // as locked https://api.flakehub.com/f/pinned/<owner>/<repo>/<version>/…
    if let Some(rest) = path
        .strip_prefix("flakehub.com/f/")
        .or_else(|| path.strip_prefix("api.flakehub.com/f/"))
    {
        let rest = rest.strip_prefix("pinned/").unwrap_or(rest);
        return rest.split('/').nth(1).unwrap_or("").to_owned();
    }
    // git+https://host/owner/repo(.git), https://host/owner/repo/archive/...
    let mut parts = path.split('/').skip(1).filter(|p| !p.is_empty());
    let _owner = parts.next();
    parts
        .next()
        .unwrap_or("")
        .trim_end_matches(".git")
        .to_owned()
}

/// `original.repo` (or the repository in `original.url`) of each input the
/// root of flake.lock names.
fn locked_repos(ev: &mut Evaluator, dir: &Path) -> std::collections::HashMap<String, String> {
    let mut out = std::collections::HashMap::new();
    let Ok(bytes) = ev.inputs().read(&dir.join("flake.lock")) else {
        return out;
    };
    let Ok(lock) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
        return out;
    };
    let nodes = &lock["nodes"];
    let root = lock["root"].as_str().unwrap_or("root");
    let Some(inputs) = nodes[root]["inputs"].as_object() else {
        return out;
    };
    for (name, node) in inputs {
        // A follows path (a list) names a node of another input: skip it,
        // flake.nix's `follows` says what it is.
        let Some(node) = node.as_str() else { continue };
        let original = &nodes[node]["original"];
        let repo = original["repo"]
            .as_str()
            .map(|r| match original["owner"].as_str() {
                Some(owner) => format!("{owner}/{r}"),
                None => r.to_owned(),
            })
            .or_else(|| original["url"].as_str().map(repo_of_url))
            .or_else(|| original["id"].as_str().map(str::to_owned));
        if let Some(r) = repo {
            out.insert(name.clone(), r.to_ascii_lowercase());
        }
    }
    out
}

// ------------------------------------------------------------ helpers for flake.nix

static PRIMS: &[PrimOpDef] = &[
    PrimOpDef {
        name: "isKnown",
        arity: 1,
        func: prim_is_known,
    },
    PrimOpDef {
        name: "unknown",
        arity: 2,
        func: prim_unknown,
    },
    PrimOpDef {
        name: "hasKnownAttr",
        arity: 2,
        func: prim_has_known_attr,
    },
    PrimOpDef {
        name: "openAttrs",
        arity: 3,
        func: prim_open_attrs,
    },
    PrimOpDef {
        name: "hostConfig",
        arity: 2,
        func: prim_host_config,
    },
    PrimOpDef {
        name: "functionToSubmodule",
        arity: 1,
        func: prim_function_to_submodule,
    },
    PrimOpDef {
        name: "attrsOfSubmodule",
        arity: 1,
        func: prim_attrs_of_submodule,
    },
    PrimOpDef {
        name: "submoduleOf",
        arity: 1,
        func: prim_submodule_of,
    },
    PrimOpDef {
        name: "deferredModuleStatic",
        arity: 1,
        func: prim_deferred_module_static,
    },
    PrimOpDef {
        name: "knownInput",
        arity: 2,
        func: prim_known_input,
    },
];

/// `knownInput knowledge { name; url; original; reason; }`: the value of a
/// flake input without its source, recognised as the flake's own inputs
/// are (by its URL, its lock node's `original`, else its name), for the
/// inputs of another flake of the same tree (a flake-parts partition's
/// `extraInputsFlake`). `reason` says what its unknown parts are.
fn prim_known_input(ev: &mut Evaluator, a: &[Thunk], _: &Span) -> crate::nix::EvalResult<Value> {
    let known = ev.force(&a[0])?;
    let spec = ev.force(&a[1])?;
    let text = |ev: &mut Evaluator, path: &[&str]| -> crate::nix::EvalResult<Option<String>> {
        Ok(match ev.select(&spec, path)? {
            Some(Value::String(s)) => Some(s.to_string()),
            _ => None,
        })
    };
    let name = text(ev, &["name"])?.unwrap_or_default();
    let url = text(ev, &["url"])?;
    let reason = text(ev, &["reason"])?.unwrap_or_else(|| input_reason(&name));
    // As `locked_repos`: `owner/repo`, else the repository of its URL.
    let repo = match text(ev, &["original", "repo"])? {
        Some(r) => Some(match text(ev, &["original", "owner"])? {
            Some(owner) => format!("{owner}/{r}"),
            None => r,
        }),
        None => match text(ev, &["original", "url"])? {
            Some(u) => Some(repo_of_url(&u)),
            None => text(ev, &["original", "id"])?,
        },
    }
    .map(|r| r.to_ascii_lowercase());
    let kind = kind_of(&name, url.as_deref(), repo.as_deref());
    let lib = ev.select(&known, &["lib"])?.unwrap_or(Value::Null);
    input_value_because(ev, &name, kind, &lib, &known, &reason)
}

/// A type of atelier's built-in `lib.types` (an unknown, or a set carrying
/// nixpkgs' description, `check`, ... over one): the unknown it is.
fn builtin_type(v: Value) -> Option<Rc<Unknown>> {
    match v {
        Value::Unknown(t) => Some(t),
        Value::Attrs(set) => match set.unknown_keys.as_ref().map(|u| &u.origin) {
            Some(UnknownOrigin::Derived(base)) => Some(base.clone()),
            _ => None,
        },
        _ => None,
    }
}

/// `deferredModuleStatic type`: for atelier's opaque `lib.types`, the
/// static modules of `deferredModule` (none) or `deferredModuleWith {
/// staticModules; }` (a list), else `null`.
fn prim_deferred_module_static(
    ev: &mut Evaluator,
    a: &[Thunk],
    _: &Span,
) -> crate::nix::EvalResult<Value> {
    let Some(t) = builtin_type(ev.force(&a[0])?) else {
        return Ok(Value::Null);
    };
    match &t.origin {
        UnknownOrigin::Select { attr, .. } if attr == "deferredModule" => {
            Ok(Value::List(Rc::new(Vec::new())))
        }
        UnknownOrigin::Apply { func, arg } => match &func.origin {
            UnknownOrigin::Select { attr, .. } if attr == "deferredModuleWith" => {
                let arg = ev.force(arg)?;
                Ok(match ev.select(&arg, &["staticModules"])? {
                    Some(v @ Value::List(_)) => v,
                    None => Value::List(Rc::new(Vec::new())),
                    Some(_) => Value::Null,
                })
            }
            _ => Ok(Value::Null),
        },
        _ => Ok(Value::Null),
    }
}

/// `attrsOfSubmodule type`: for atelier's opaque `lib.types`, the modules
/// of `attrsOf (submodule m)` / `lazyAttrsOf (submoduleWith { modules; })`
/// (a list), else `null`.
fn prim_attrs_of_submodule(
    ev: &mut Evaluator,
    a: &[Thunk],
    _: &Span,
) -> crate::nix::EvalResult<Value> {
    submodule_under(ev, &a[0], &["attrsOf", "lazyAttrsOf"])
}

/// `functionToSubmodule type`: the same for `functionTo (submodule m)` /
/// `functionTo (submoduleWith { modules; })`.
fn prim_function_to_submodule(
    ev: &mut Evaluator,
    a: &[Thunk],
    _: &Span,
) -> crate::nix::EvalResult<Value> {
    submodule_under(ev, &a[0], &["functionTo"])
}

/// `submoduleOf type`: the modules of `submodule m` / `submoduleWith {
/// modules; }` of atelier's `lib.types`, else `null`.
fn prim_submodule_of(ev: &mut Evaluator, a: &[Thunk], _: &Span) -> crate::nix::EvalResult<Value> {
    match builtin_type(ev.force(&a[0])?) {
        Some(t) => submodule_modules(ev, &t),
        None => Ok(Value::Null),
    }
}

/// `f arg` where `f` is `lib.types.<one of names>`: `arg`.
fn applied<'a>(u: &'a Unknown, names: &[&str]) -> Option<&'a Thunk> {
    let (func, arg) = u.application()?;
    match &func.origin {
        UnknownOrigin::Select { attr, .. } if names.contains(&attr.as_str()) => Some(arg),
        _ => None,
    }
}

/// The modules of `<outer> (submodule m)` / `<outer> (submoduleWith {
/// modules; })` for a type of atelier's `lib.types` whose outer type is one
/// of `outer` (a list), else `null`.
fn submodule_under(
    ev: &mut Evaluator,
    ty: &Thunk,
    outer: &[&str],
) -> crate::nix::EvalResult<Value> {
    let Some(t) = builtin_type(ev.force(ty)?) else {
        return Ok(Value::Null);
    };
    let Some(elem) = applied(&t, outer) else {
        return Ok(Value::Null);
    };
    let Some(e) = builtin_type(ev.force(elem)?) else {
        return Ok(Value::Null);
    };
    submodule_modules(ev, &e)
}

/// The modules of the type `e` when it is `submodule m` (or `submodule [ m
/// … ]`) or `submoduleWith { modules; }`, else `null`.
fn submodule_modules(ev: &mut Evaluator, e: &Unknown) -> crate::nix::EvalResult<Value> {
    if let Some(m) = applied(e, &["submodule"]) {
        // `submodule m` or `submodule [ m … ]` (nixpkgs' `toList`).
        return Ok(match ev.force(m)? {
            v @ Value::List(_) => v,
            _ => Value::List(Rc::new(vec![m.clone()])),
        });
    }
    if let Some(arg) = applied(e, &["submoduleWith"]) {
        let arg = ev.force(arg)?;
        return Ok(match ev.select(&arg, &["modules"])? {
            Some(v @ Value::List(_)) => v,
            _ => Value::Null,
        });
    }
    Ok(Value::Null)
}

/// `hostConfig lib args`: the `config` atelier's module system makes of a
/// `nixosSystem { modules; specialArgs; }` call's modules, given `lib` as
/// their `lib` (`null`: the built-in lib). Options only nixpkgs declares
/// stay unknown, naming themselves.
fn prim_host_config(ev: &mut Evaluator, a: &[Thunk], _: &Span) -> crate::nix::EvalResult<Value> {
    let lib = match ev.force(&a[0])? {
        Value::Null => None,
        l => Some(l),
    };
    let args = ev.force(&a[1])?;
    let modules: Vec<Thunk> = match ev.select(&args, &["modules"])? {
        Some(Value::List(items)) => items.iter().cloned().collect(),
        Some(Value::Unknown(u)) => return Ok(Value::Unknown(u)),
        _ => Vec::new(),
    };
    let special = ev.select(&args, &["specialArgs"])?;
    let (margs, _) = super::graph::ModuleArgs::new(ev, lib, special.as_ref());
    // Diagnostics of the walk are the host's own (reported when it is
    // planned); here only values are read.
    let _ = super::graph::walk_modules(ev, &modules, &margs, &[]);
    let config = margs.modules.config();
    // Its values refer to the module system weakly: it lives as long as
    // the evaluation, and is freed with it.
    ev.keep_alive(Box::new(margs));
    ev.force(&config)
}

fn prim_is_known(ev: &mut Evaluator, a: &[Thunk], _: &Span) -> crate::nix::EvalResult<Value> {
    Ok(Value::Bool(!matches!(ev.force(&a[0])?, Value::Unknown(_))))
}

/// `hasKnownAttr name v`: whether `v` is a set with `name` among its known
/// attributes (the value is not forced). `v ? _type` of a set with unknown
/// attributes (a flake input without its source) is unknown, and would make
/// every value passed through the module helpers of flake.nix unknown.
fn prim_has_known_attr(ev: &mut Evaluator, a: &[Thunk], _: &Span) -> crate::nix::EvalResult<Value> {
    let name = ev.force(&a[0])?;
    let Some(name) = name.as_str() else {
        return Ok(Value::Bool(false));
    };
    Ok(Value::Bool(match ev.force(&a[1])? {
        Value::Attrs(set) => set.get(name).is_some(),
        _ => false,
    }))
}

fn prim_unknown(ev: &mut Evaluator, a: &[Thunk], _: &Span) -> crate::nix::EvalResult<Value> {
    let name = ev.force(&a[0])?;
    let reason = ev.force(&a[1])?;
    Ok(Value::Unknown(Rc::new(Unknown {
        reason: reason.as_str().unwrap_or("not known statically").to_owned(),
        // Not a place in atelier's own Nix: whoever needs it names theirs.
        span: None,
        origin: UnknownOrigin::Root(name.as_str().unwrap_or("?").to_owned()),
    })))
}

/// `openAttrs root reason set`: `set` whose other attributes are unknown
/// (`<root>.<name>`), for values only Nix knows all of (a clan service's
/// settings, filled in by an interface atelier-gen does not read). A set
/// whose other attributes are unknown already keeps its own unknown (a
/// type of the built-in `lib.types`, which is read from it).
fn prim_open_attrs(ev: &mut Evaluator, a: &[Thunk], _: &Span) -> crate::nix::EvalResult<Value> {
    let set = ev.force(&a[2])?;
    let Value::Attrs(attrs) = set else {
        return Ok(set);
    };
    if attrs.unknown_keys.is_some() {
        return Ok(Value::Attrs(attrs));
    }
    let root = ev.force(&a[0])?;
    let reason = ev.force(&a[1])?;
    let mut attrs = (*attrs).clone();
    attrs.unknown_keys = Some(Rc::new(Unknown {
        reason: reason.as_str().unwrap_or("not known statically").to_owned(),
        span: None,
        origin: UnknownOrigin::Root(root.as_str().unwrap_or("?").to_owned()),
    }));
    Ok(Value::Attrs(Rc::new(attrs)))
}

/// The built-in knowledge, applied to its helpers and to atelier's `lib`.
fn knowledge(ev: &mut Evaluator, lib: &Value) -> crate::nix::EvalResult<Value> {
    let f = ev.eval_source("<atelier flake>", Path::new("/"), FLAKE_NIX)?;
    let prims = Value::attrs(PRIMS.iter().map(|def| {
        (
            def.name.to_owned(),
            Value::PrimOp(Rc::new(PrimOpApp {
                def,
                args: Vec::new(),
            })),
        )
    }));
    let g = ev.apply(&f, prims)?;
    ev.apply(&g, lib.clone())
}

/// A flake input's value: a set with the given attributes whose other
/// attributes are unknown (selecting one gives `<root>.<name>`), except
/// that none is named by a system double (`lib.systems.doubles.all`): by
/// the flake schema, a flake's attributes are its outputs — whose
/// per-system parts sit below an output (`packages.x86_64-linux`) — and
/// its source's (`outPath`, `narHash`, ...), so `input ? x86_64-linux` is
/// false, as std/paisano's `deSystemize` asks of every input.
fn partial(
    ev: &mut Evaluator,
    root: &str,
    reason: &str,
    entries: Vec<(String, Value)>,
) -> crate::nix::EvalResult<Value> {
    let mut a = Attrs::from_values(entries);
    let u = Rc::new(Unknown {
        reason: reason.to_owned(),
        span: None,
        origin: UnknownOrigin::Root(root.to_owned()),
    });
    a.unknown_keys = Some(Unknown::without(&u, system_doubles(ev)?));
    Ok(Value::Attrs(Rc::new(a)))
}

/// nixpkgs' system doubles (`lib.systems.doubles.all` of the built-in lib).
fn system_doubles(ev: &mut Evaluator) -> crate::nix::EvalResult<BTreeSet<String>> {
    let mut out = BTreeSet::new();
    let lib = ev.lib()?;
    if let Some(Value::List(doubles)) = ev.select(&lib, &["systems", "doubles", "all"])? {
        for d in doubles.iter() {
            if let Value::String(s) = ev.force(d)? {
                out.insert(s.to_string());
            }
        }
    }
    Ok(out)
}

/// An input known only by its `lib` (the given value) and an unknown
/// `outPath`; its other attributes are unknown.
fn lib_and_out_path(
    ev: &mut Evaluator,
    root: &str,
    reason: &str,
    lib: Value,
) -> crate::nix::EvalResult<Value> {
    partial(
        ev,
        root,
        reason,
        vec![
            ("lib".into(), lib),
            (
                "outPath".into(),
                Value::unknown_root(&format!("{root}.outPath"), reason.to_owned(), None),
            ),
        ],
    )
}

/// `<root>.<attr>`, a set whose every attribute is unknown.
fn unknown_set(root: &str, attr: &str, reason: &str) -> Value {
    let a = Attrs {
        unknown_keys: Some(selected_unknown(root, attr, reason)),
        ..Attrs::default()
    };
    Value::Attrs(Rc::new(a))
}

/// The unknown `<root>.<attr>`.
fn selected_unknown(root: &str, attr: &str, reason: &str) -> Rc<Unknown> {
    Rc::new(Unknown {
        reason: reason.to_owned(),
        span: None,
        origin: UnknownOrigin::Select {
            base: Rc::new(Unknown {
                reason: reason.to_owned(),
                span: None,
                origin: UnknownOrigin::Root(root.to_owned()),
            }),
            attr: attr.to_owned(),
        },
    })
}

/// Flakes whose flake-parts modules only add per-system tooling (formatters,
/// git hooks, shells, CI): not reading them cannot hide a host.
const TOOLING: &[&str] = &[
    "treefmt-nix",
    "git-hooks.nix",
    "git-hooks-nix",
    "pre-commit-hooks.nix",
    "pre-commit-hooks-nix",
    "devshell",
    "make-shell",
    "flake-root",
    "just-flake",
    "mission-control",
    "process-compose-flake",
    "hercules-ci-effects",
    "agenix-rekey",
    "agenix-shell",
    "pkgs-by-name-for-flake-parts",
    "devenv",
    "flake-file",
    "nix-topology",
    "landrun-nix",
    "terranix",
    "nix-unit",
];

/// The systems whose `legacyPackages` a nixpkgs input offers without its
/// source (each only with `lib`).
const SYSTEMS: &[&str] = &[
    "x86_64-linux",
    "aarch64-linux",
    "x86_64-darwin",
    "aarch64-darwin",
    "i686-linux",
    "riscv64-linux",
    "armv7l-linux",
];

fn input_reason(name: &str) -> String {
    format!(
        "flake input `{name}` has no source here (give it with `--fetch-inputs`, `nix flake archive` or `--override-input {name} PATH`)"
    )
}

/// What the built-in knowledge of a framework says of what it does not
/// have: the input's `reason`, and that only what finding hosts needs is
/// built in (so the error does not call the framework unknown).
const BUILT_IN_PART: &str =
    "atelier-gen's built-in knowledge of it has only what finding hosts needs";

fn built_in_reason(reason: &str) -> String {
    format!("{reason}; {BUILT_IN_PART}")
}

/// The names nixpkgs' package set certainly lacks: it is a set of
/// packages, not a path, a derivation or a function (no `outPath`,
/// `outputs`, `drvPath`, `type`, `__functor`), nor a table of package
/// sets per system (no attribute is named by a system double,
/// `lib.systems.doubles.all`: `pkgs ? x86_64-linux` is how divnix/hive
/// tells a package set from `legacyPackages`).
fn package_set_absent(ev: &mut Evaluator) -> crate::nix::EvalResult<BTreeSet<String>> {
    let mut absent = system_doubles(ev)?;
    for n in [
        "outPath",
        "outputs",
        "drvPath",
        "type",
        "_type",
        "__functor",
    ] {
        absent.insert(n.to_owned());
    }
    Ok(absent)
}

/// The unknown part of nixpkgs' package set, named `root`, without the
/// names it certainly lacks (`absent`, [`package_set_absent`]).
fn package_set_rest(root: &str, reason: String, absent: &BTreeSet<String>) -> Value {
    let Value::Unknown(u) = Value::unknown_root(root, reason, None) else {
        unreachable!("an unknown root")
    };
    Value::Unknown(Unknown::without(&u, absent.clone()))
}

/// What a nixpkgs input's `lib.trivial` says of its version, when the flake
/// names it: the release (`24.05`) of a release branch (`nixos-24.05`,
/// `nixpkgs-24.05-darwin`, `release-24.05`), or of unstable (`master`,
/// `nixos-unstable`, …) locked at a date that falls in one development
/// series; and, when locked to a commit, nixpkgs' flake suffix
/// (`.<lastModifiedDate>.<shortRev>`) and revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NixpkgsVersion {
    pub release: String,
    pub suffix: Option<String>,
    pub rev: Option<String>,
}

/// The release a branch name stands for (`nixos-24.05-small` → `24.05`).
fn release_of_branch(r: &str) -> Option<String> {
    let rest = ["nixos-", "nixpkgs-", "release-"]
        .iter()
        .find_map(|p| r.strip_prefix(p))?;
    let (num, tail) = rest.split_at(rest.len().min(5));
    let b = num.as_bytes();
    let digits = |s: &[u8]| s.iter().all(u8::is_ascii_digit);
    (b.len() == 5
        && digits(&b[..2])
        && b[2] == b'.'
        && digits(&b[3..])
        && (tail.is_empty() || tail.starts_with('-')))
    .then(|| num.to_owned())
}

/// The release nixpkgs' unstable branches carried at `time` (seconds since
/// the epoch, UTC): since 21.05 the version moves to the next `.05`/`.11`
/// at the branch-off of a release, which happens in May or November. A
/// date in those months (either side of the branch-off), or before June
/// 2021 (the `.03`/`.09` schedule), gives none.
fn unstable_release_at(time: i64) -> Option<String> {
    use chrono::Datelike;
    let d = chrono::DateTime::from_timestamp(time, 0)?.date_naive();
    let (y, m) = (d.year(), d.month());
    if (y, m) < (2021, 6) {
        return None;
    }
    let (ry, rm) = match m {
        6..=10 => (y, 11),
        12 => (y + 1, 5),
        1..=4 => (y, 5),
        _ => return None,
    };
    Some(format!("{:02}.{:02}", ry % 100, rm))
}

/// The ref a flake URL names (`github:NixOS/nixpkgs/nixos-24.05`,
/// `…?ref=nixos-24.05`), or none.
fn ref_of_url(url: &str) -> Option<String> {
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    if let Some(r) = query.split('&').find_map(|kv| kv.strip_prefix("ref=")) {
        return Some(r.to_owned());
    }
    let rest = ["github:", "gitlab:", "sourcehut:"]
        .iter()
        .find_map(|p| path.strip_prefix(p))?;
    let parts: Vec<&str> = rest.splitn(3, '/').collect();
    parts.get(2).map(|r| (*r).to_owned())
}

/// The version of a nixpkgs input from its flake.lock node and URL.
pub(crate) fn nixpkgs_version(
    node: Option<&serde_json::Value>,
    url: Option<&str>,
) -> Option<NixpkgsVersion> {
    let original = node.and_then(|n| n["original"]["ref"].as_str().map(str::to_owned));
    let branch = original.or_else(|| url.and_then(ref_of_url));
    let locked = node.map(|n| &n["locked"]);
    let time = locked.and_then(|l| l["lastModified"].as_i64());
    let rev = locked.and_then(|l| l["rev"].as_str()).map(str::to_owned);
    let release = match branch.as_deref() {
        Some(b) => match release_of_branch(b) {
            Some(r) => Some(r),
            None if UNSTABLE.contains(&b) => time.and_then(unstable_release_at),
            None => None,
        },
        // No ref: the repository's default branch, master.
        None => time.and_then(unstable_release_at),
    }?;
    let suffix = match (time, &rev) {
        (Some(t), Some(r)) if r.len() >= 7 => chrono::DateTime::from_timestamp(t, 0)
            .map(|d| format!(".{}.{}", d.format("%Y%m%d"), &r[..7])),
        _ => None,
    };
    Some(NixpkgsVersion {
        release,
        suffix,
        rev,
    })
}

/// Branches that follow nixpkgs' master.
const UNSTABLE: &[&str] = &[
    "master",
    "nixos-unstable",
    "nixos-unstable-small",
    "nixpkgs-unstable",
];

/// `lib` with the version `v` in `lib.trivial` (as nixpkgs' flake extends
/// its lib with its own), when `lib` is extensible; else `lib`.
fn lib_of_version(
    ev: &mut Evaluator,
    lib: &Value,
    v: Option<NixpkgsVersion>,
) -> crate::nix::EvalResult<Value> {
    let Some(v) = v else { return Ok(lib.clone()) };
    if ev.select(lib, &["extend"])?.is_none() {
        return Ok(lib.clone());
    }
    let f = ev.eval_source(
        "<atelier nixpkgs version>",
        Path::new("/"),
        "lib: release: suffix: rev: lib.extend (final: prev: { trivial = prev.trivial // { inherit release; } \
         // (if suffix == null then { } else { versionSuffix = suffix; }) \
         // (if rev == null then { } else { revisionWithDefault = _: rev; }); })",
    )?;
    let text = |s: Option<String>| s.map_or(Value::Null, |s| Value::string(s.as_str()));
    let mut out = ev.apply(&f, lib.clone())?;
    for arg in [
        Value::string(v.release.as_str()),
        text(v.suffix),
        text(v.rev),
    ] {
        out = ev.apply(&out, arg)?;
    }
    Ok(out)
}

/// A nixpkgs input with this `lib`: its `legacyPackages.<system>` and the
/// package set `import`ing it gives (`__atelierImport`, also returned) are
/// what `pkgsFor` and `nixpkgsImport` (flake.nix) know of nixpkgs' packages
/// (`lib`, the platforms, `stdenv`'s platform tests); its other attributes
/// are unknown.
fn nixpkgs_value(
    ev: &mut Evaluator,
    known: &Value,
    name: &str,
    reason: &str,
    lib: &Value,
    out_path: Value,
) -> crate::nix::EvalResult<(Value, Value)> {
    let pkgs_for = ev.select(known, &["pkgsFor"])?.unwrap_or(Value::Null);
    let absent = package_set_absent(ev)?;
    let mut per_system = Attrs::default();
    for sys in SYSTEMS {
        let rest = package_set_rest(
            &format!("{name}.legacyPackages.{sys}"),
            reason.to_owned(),
            &absent,
        );
        let span = lock_span();
        let captures = [
            pkgs_for.clone(),
            lib.clone(),
            out_path.clone(),
            Value::string(*sys),
            rest,
        ]
        .into_iter()
        .map(Thunk::value)
        .collect();
        let set = Thunk::native_with(span.clone(), captures, move |ev, c| {
            let mut f = ev.force(&c[0])?;
            for arg in &c[1..] {
                f = ev.apply_thunk(f, arg.clone(), &span)?;
            }
            Ok(f)
        });
        per_system.insert(*sys, set, None);
    }
    per_system.unknown_keys = Some(Rc::new(Unknown {
        reason: reason.to_owned(),
        span: None,
        origin: UnknownOrigin::Root(format!("{name}.legacyPackages")),
    }));
    let per_system = Value::Attrs(Rc::new(per_system));
    let import = nixpkgs_import(ev, known, name, lib, &out_path)?;
    let value = partial(
        ev,
        name,
        reason,
        vec![
            ("lib".into(), lib.clone()),
            ("legacyPackages".into(), per_system),
            ("outPath".into(), out_path),
            // A flake input, as Nix marks it (flake-parts' `inputs'` checks).
            ("_type".into(), Value::string("flake")),
            ("__atelierImport".into(), import.clone()),
        ],
    )?;
    Ok((value, import))
}

/// `import nixpkgs { … }` of the nixpkgs named `name` (for messages) whose
/// real lib is `lib` and whose source's path is `out_path`: a function of
/// the import's arguments (`nixpkgsImport` of flake.nix).
fn nixpkgs_import(
    ev: &mut Evaluator,
    known: &Value,
    name: &str,
    lib: &Value,
    out_path: &Value,
) -> crate::nix::EvalResult<Value> {
    let import = ev.select(known, &["nixpkgsImport"])?.unwrap_or(Value::Null);
    let import = ev.apply(&import, lib.clone())?;
    let import = ev.apply(&import, out_path.clone())?;
    let absent = package_set_absent(ev)?;
    ev.apply(
        &import,
        package_set_rest(
            &format!("(import {name} {{ … }})"),
            format!("nixpkgs' package set (`import {name} {{ … }}`) is only known when Nix builds the system"),
            &absent,
        ),
    )
}

/// Records the nixpkgs source at `src` (see [`NixpkgsRoot`]), whose real
/// lib is `lib`: `import` its package set, `nixos` its
/// `nixos/default.nix` (`nixosEntry` of flake.nix).
fn add_nixpkgs_root(
    ev: &mut Evaluator,
    known: &Value,
    src: &Path,
    lib: &Value,
    import: Value,
) -> crate::nix::EvalResult<()> {
    let entry = ev.select(known, &["nixosEntry"])?.unwrap_or(Value::Null);
    let nixos = ev.apply(&entry, lib.clone())?;
    ev.add_nixpkgs_root(NixpkgsRoot {
        root: src.to_path_buf(),
        import,
        lib: lib.clone(),
        nixos,
    });
    Ok(())
}

/// What is done with a source `builtins.fetchTarball` found: recorded
/// for `-v`, and when it has nixpkgs' shape (`lib/default.nix` and
/// `nixos/lib/eval-config.nix`; a configuration's own `lib/` and `nixos/`
/// are not enough) made known as a nixpkgs input's is: its real lib,
/// package set and NixOS entry points.
fn on_fetched(known: Value, used: Rc<InputUse>) -> crate::nix::OnFetched {
    Rc::new(move |ev, f| {
        let what = format!("`builtins.fetchTarball` of {}", f.url);
        let mut seen = used.from_source.borrow_mut();
        // A pin written once is often called from several files.
        if !seen.iter().any(|(w, s, _)| *w == what && s == f.src) {
            seen.push((what, f.src.to_path_buf(), f.origin.clone()));
        }
        drop(seen);
        let shaped = ev.inputs().is_file(&f.src.join("lib/default.nix"))
            && ev
                .inputs()
                .is_file(&f.src.join("nixos/lib/eval-config.nix"));
        if !shaped {
            return Ok(());
        }
        let lib = ev.select(&known, &["nixpkgsLib"])?.unwrap_or(Value::Null);
        let real = ev.apply(&lib, f.store_path.clone())?;
        let import = nixpkgs_import(ev, &known, "nixpkgs", &real, &f.store_path)?;
        add_nixpkgs_root(ev, &known, f.src, &real, import)
    })
}

/// The value an input stands for without its source.
fn input_value(
    ev: &mut Evaluator,
    name: &str,
    kind: InputKind,
    lib: &Value,
    known: &Value,
) -> crate::nix::EvalResult<Value> {
    input_value_because(ev, name, kind, lib, known, &input_reason(name))
}

/// [`input_value`], with what its unknown parts say of why.
fn input_value_because(
    ev: &mut Evaluator,
    name: &str,
    kind: InputKind,
    lib: &Value,
    known: &Value,
    reason: &str,
) -> crate::nix::EvalResult<Value> {
    let reason = reason.to_owned();
    let select = |ev: &mut Evaluator, path: &[&str]| -> crate::nix::EvalResult<Value> {
        Ok(ev.select(known, path)?.unwrap_or(Value::Null))
    };
    Ok(match kind {
        InputKind::Nixpkgs => {
            nixpkgs_value(
                ev,
                known,
                name,
                &reason,
                lib,
                Value::unknown_root(&format!("{name}.outPath"), reason.clone(), None),
            )?
            .0
        }
        InputKind::FlakeParts => {
            let reason = built_in_reason(&reason);
            let fpl = select(ev, &["flake-parts-lib"])?;
            let lib_attrs = match &fpl {
                Value::Attrs(a) => a
                    .entries
                    .iter()
                    .map(|(k, e)| (k.clone(), e.value.clone()))
                    .collect::<Vec<_>>(),
                _ => Vec::new(),
            };
            let mut l = Attrs::default();
            for (k, t) in lib_attrs {
                l.insert(k, t, None);
            }
            // Its other names (those of every flake-parts version's
            // `lib.nix`), each unknown: the set's names are known, so
            // `nixpkgs.lib // flake-parts.lib` keeps nixpkgs' functions
            // (stepbrobd/autopilot).
            for n in FLAKE_PARTS_LIB_NAMES {
                if l.get(n).is_none() {
                    let u = Unknown {
                        reason: reason.clone(),
                        span: None,
                        origin: UnknownOrigin::Select {
                            base: selected_unknown(name, "lib", &reason),
                            attr: (*n).to_owned(),
                        },
                    };
                    l.insert(*n, Thunk::value(Value::Unknown(Rc::new(u))), None);
                }
            }
            // `flakeModules.partitions` is built in; its other modules
            // (`easyOverlay`, `flakeModules`, ...) define no host.
            let mut modules = Attrs::default();
            if let Some(m) = ev.select(known, &["flakePartsModules", "partitions"])? {
                modules.insert("partitions", Thunk::value(m), None);
            }
            modules.unknown_keys = Some(selected_unknown(name, "flakeModules", &reason));
            partial(
                ev,
                name,
                &reason,
                vec![
                    ("lib".into(), Value::Attrs(Rc::new(l))),
                    ("flakeModules".into(), Value::Attrs(Rc::new(modules))),
                ],
            )?
        }
        InputKind::SnowfallLib
        | InputKind::Haumea
        | InputKind::EzConfigs
        | InputKind::NixosUnified
        | InputKind::Clan => {
            let which = match kind {
                InputKind::Haumea => "haumea",
                InputKind::Clan => "clan",
                InputKind::EzConfigs => "ezConfigs",
                InputKind::NixosUnified => "nixosUnified",
                _ => "snowfall",
            };
            let reason = built_in_reason(&reason);
            match select(ev, &[which])? {
                Value::Attrs(a) => {
                    let mut a = (*a).clone();
                    a.unknown_keys = Some(Rc::new(Unknown {
                        reason: reason.clone(),
                        span: None,
                        origin: UnknownOrigin::Root(name.to_owned()),
                    }));
                    Value::Attrs(Rc::new(a))
                }
                other => other,
            }
        }
        InputKind::ImportTree => {
            let reason = built_in_reason(&reason);
            let tree = select(ev, &["importTree"])?;
            match tree {
                Value::Attrs(a) => {
                    let mut a = (*a).clone();
                    a.unknown_keys = Some(Rc::new(Unknown {
                        reason: reason.clone(),
                        span: None,
                        origin: UnknownOrigin::Root(name.to_owned()),
                    }));
                    Value::Attrs(Rc::new(a))
                }
                other => other,
            }
        }
        // numtide/flake-utils: its `lib` (per-system outputs) is built in.
        InputKind::FlakeUtils => {
            let reason = built_in_reason(&reason);
            let l = match select(ev, &["flakeUtils"])? {
                Value::Attrs(a) => (*a).clone(),
                _ => Attrs::default(),
            };
            // Its names are those of every flake-utils version's `lib`
            // (each one built or a named unknown), so the set is closed:
            // `nixpkgs.lib // flake-utils.lib` keeps nixpkgs' functions.
            lib_and_out_path(ev, name, &reason, Value::Attrs(Rc::new(l)))?
        }
        // home-manager's `lib` is `{ hm; homeManagerConfiguration; }` (its
        // lib/default.nix), nix-darwin's `{ darwinSystem; evalConfig; }`
        // (its flake.nix): their names are known, so `nixpkgs.lib //
        // home-manager.lib` keeps nixpkgs' functions. nix-darwin's flake
        // module only declares `flake.darwinConfigurations`: like the
        // built-in frameworks', it hides no NixOS host.
        InputKind::HomeManager | InputKind::NixDarwin => {
            let names: &[&str] = if kind == InputKind::HomeManager {
                &["hm", "homeManagerConfiguration"]
            } else {
                &["darwinSystem", "evalConfig"]
            };
            let lib = Attrs::from_values(names.iter().map(|n| {
                (
                    (*n).to_owned(),
                    Value::unknown_root(&format!("{name}.lib.{n}"), reason.clone(), None),
                )
            }));
            lib_and_out_path(ev, name, &reason, Value::Attrs(Rc::new(lib)))?
        }
        // Its `lib` is a set whose names are unknown: `nixpkgs.lib // x.lib`
        // is then unknown wherever x.lib could replace a name.
        InputKind::Other => lib_and_out_path(ev, name, &reason, unknown_set(name, "lib", &reason))?,
    })
}

/// What evaluating inputs from their sources needs.
struct Ctx {
    lock: Option<Lock>,
    /// atelier's built-in lib (its `nixosSystem` is the host marker).
    lib: Value,
    /// The built-in knowledge (`flake.nix`).
    known: Value,
    /// What this evaluation does with sources, and what it must not.
    used: Rc<InputUse>,
    /// Each input built so far, by path (`nixpkgs`, `snowfall-lib/nixpkgs`;
    /// `""` is the flake itself once its outputs are made).
    built: std::cell::RefCell<std::collections::HashMap<String, Thunk>>,
    /// `follows` written in the flake.nix files read so far: input path →
    /// the path it follows (from the root). The first writer wins, as the
    /// root's `inputs.x.inputs.y.follows` overrides x's own choice.
    follows: std::cell::RefCell<std::collections::HashMap<String, Vec<String>>>,
}

/// A span for values made from flake.lock (no text of the user's).
fn lock_span() -> Span {
    Span {
        file: std::sync::Arc::new(crate::diagnostic::SourceFile {
            name: "flake.lock".into(),
            path: "flake.lock".into(),
            text: String::new(),
        }),
        start: 0,
        end: 0,
    }
}

/// Records the `follows` of a flake.nix's `inputs` (written at input path
/// `at`: `""` for the root): `inputs.x.follows = "a/b"` and
/// `inputs.x.inputs.y.follows = "a"`, targets relative to that flake, as
/// Nix reads them; `""` is the root flake itself.
fn record_follows(ev: &mut Evaluator, ctx: &Ctx, at: &str, prefix: &str, decls: &Value) {
    let Value::Attrs(a) = decls else { return };
    let names: Vec<String> = a.keys().map(str::to_owned).collect();
    for c in names {
        let path = if prefix.is_empty() {
            c.clone()
        } else {
            format!("{prefix}/{c}")
        };
        let Ok(Some(decl)) = ev.select(decls, &[c.as_str()]) else {
            continue;
        };
        if let Ok(Some(Value::String(f))) = ev.select(&decl, &["follows"]) {
            let f = f.to_string();
            let mut target: Vec<String> = if f.is_empty() || at.is_empty() {
                Vec::new()
            } else {
                at.split('/').map(str::to_owned).collect()
            };
            target.extend(f.split('/').filter(|s| !s.is_empty()).map(str::to_owned));
            ctx.follows
                .borrow_mut()
                .entry(path.clone())
                .or_insert(target);
        }
        if let Ok(Some(sub @ Value::Attrs(_))) = ev.select(&decl, &["inputs"]) {
            record_follows(ev, ctx, at, &path, &sub);
        }
    }
}

/// The input at `target` (a path from the root: `[]` is the flake itself,
/// `["a", "b"]` input b of input a), as a `follows` names it: the same
/// value wherever it is followed; `fallback` when that path is not an input
/// atelier-gen can build (an input known without its source).
fn followed(ctx: &Rc<Ctx>, target: &[String], fallback: Value) -> Thunk {
    let key = target.join("/");
    if let Some(t) = ctx.built.borrow().get(&key) {
        return t.clone();
    }
    let ctx = ctx.clone();
    let target = target.to_vec();
    Thunk::native(lock_span(), move |ev| {
        let built = ctx.built.borrow().get(&target.join("/")).cloned();
        if let Some(t) = built {
            return ev.force(&t);
        }
        let Some((last, parent)) = target.split_last() else {
            return Ok(fallback.clone());
        };
        let p = followed(&ctx, parent, Value::Null);
        let pv = ev.force(&p)?;
        Ok(match ev.select(&pv, &["inputs", last]) {
            Ok(Some(v)) => v,
            _ => fallback.clone(),
        })
    })
}

/// Input `path` (`nixpkgs`, or `flake-parts/nixpkgs-lib` for an input of
/// an input), locked by flake.lock node `node`: evaluated from its source
/// when it has one here (found or fetched only when evaluation first needs
/// the input), else `fallback` (built-in knowledge). `owner`: the framework
/// taken from the store that this input belongs to, if any; such an input
/// must have a source (see [`InputUse`]).
fn sourced(
    ctx: &Rc<Ctx>,
    path: String,
    node: Option<String>,
    kind: InputKind,
    fallback: Value,
    span: Option<Span>,
    owner: Option<Rc<str>>,
) -> Thunk {
    let ctx = ctx.clone();
    let span = span.unwrap_or_else(lock_span);
    let at = span.clone();
    Thunk::native(span, move |ev| {
        // A framework that an earlier evaluation could not take from the
        // store (one of its inputs was missing, or it failed): built-in
        // knowledge, as without a source.
        let framework = !matches!(
            kind,
            InputKind::Nixpkgs | InputKind::ImportTree | InputKind::Other
        );
        if framework && ctx.used.built_in.iter().any(|(p, _)| *p == path) {
            return Ok(fallback.clone());
        }
        let locked = ctx
            .lock
            .as_ref()
            .zip(node.as_deref())
            .and_then(|(l, n)| l.node(n));
        // Frameworks are not fetched: found here, or built-in knowledge.
        match lock::source(ev, &path, locked, !framework, kind == InputKind::Nixpkgs) {
            Err(d) => Err(vec![Diagnostic {
                span: Some(at.clone()),
                ..d
            }]),
            Ok(None) => match &owner {
                None => Ok(fallback.clone()),
                Some(owner) => {
                    ctx.used
                        .missing
                        .borrow_mut()
                        .push((owner.to_string(), path.clone()));
                    Err(vec![Diagnostic::error(
                        "input-missing",
                        format!(
                            "flake input `{path}` has no source here, and `{owner}` comes from the Nix store: `{owner}` gets atelier-gen's built-in knowledge instead"
                        ),
                        Some(at.clone()),
                    )])
                }
            },
            Ok(Some((src, origin))) => {
                if matches!(origin, lock::Origin::Cache | lock::Origin::Fetched) {
                    // A copy kept in part: reads of what it dropped say so.
                    ev.note_pruned(&src, &format!("flake input `{path}`"));
                }
                ctx.used.from_source.borrow_mut().push((
                    format!("input `{path}`"),
                    src.clone(),
                    origin.clone(),
                ));
                // A framework found (not given): what it reaches must be here.
                let owner = match &owner {
                    Some(o) => Some(o.clone()),
                    None if framework && origin != lock::Origin::Override => {
                        ctx.used.store_frameworks.borrow_mut().push(path.clone());
                        Some(Rc::from(path.as_str()))
                    }
                    None => None,
                };
                from_source(ev, &ctx, &path, node.as_deref(), kind, &src, owner.as_ref())
            }
        }
    })
}

/// An input evaluated from its source at `src`: nixpkgs as its real `lib`
/// (with `nixosSystem` kept as atelier's host marker: NixOS itself is not
/// evaluated statically), a non-flake input as its `outPath`, any other
/// flake as Nix builds it (its `outputs` applied to its own locked inputs
/// and `self`).
fn from_source(
    ev: &mut Evaluator,
    ctx: &Rc<Ctx>,
    path: &str,
    node: Option<&str>,
    kind: InputKind,
    src: &Path,
    owner: Option<&Rc<str>>,
) -> crate::nix::EvalResult<Value> {
    ev.allow_root(src);
    let name = path.rsplit('/').next().unwrap_or(path);
    let out_path = Value::string(src.display().to_string());
    let reason = input_reason(path);
    if kind == InputKind::Nixpkgs && ev.inputs().is_dir(&src.join("lib")) {
        let f = ev
            .select(&ctx.known, &["nixpkgsLib"])?
            .unwrap_or(Value::Null);
        let real = ev.apply(&f, out_path.clone())?;
        let known = ctx.known.clone();
        let (value, import) = nixpkgs_value(ev, &known, name, &reason, &real, out_path)?;
        add_nixpkgs_root(ev, &known, src, &real, import)?;
        return Ok(value);
    }
    let locked = ctx.lock.as_ref().zip(node).and_then(|(l, n)| l.node(n));
    // A flake in a sub-directory of its source (`?dir=sub`): its `self` is there.
    let sub = locked.and_then(|n| {
        n["locked"]["dir"]
            .as_str()
            .or(n["original"]["dir"].as_str())
    });
    let flake_dir = sub.map_or_else(|| src.to_path_buf(), |d| src.join(d));
    let out_path = match sub {
        Some(_) => Value::string(flake_dir.display().to_string()),
        None => out_path,
    };
    let flake_file = flake_dir.join("flake.nix");
    let is_flake = locked.is_none_or(|n| n["flake"].as_bool() != Some(false));
    if !is_flake || !ev.inputs().is_file(&flake_file) {
        let reason = format!(
            "flake input `{path}` is not a flake (no flake.nix in {}): only its `outPath` is known",
            flake_dir.display()
        );
        return partial(
            ev,
            name,
            &reason,
            vec![
                ("outPath".into(), out_path.clone()),
                (
                    "sourceInfo".into(),
                    Value::attrs([("outPath".into(), out_path)]),
                ),
            ],
        );
    }
    let top = ev.eval_file(&flake_file)?;
    let Some(outputs) = ev.select(&top, &["outputs"])? else {
        return Err(vec![Diagnostic::error(
            "no-outputs",
            format!(
                "flake input `{path}` ({}) has no `outputs`",
                flake_file.display()
            ),
            None,
        )]);
    };
    // Its inputs: those its lock node names, and those its flake.nix declares.
    let mut names: Vec<String> = match (&ctx.lock, node) {
        (Some(l), Some(n)) => l.inputs(n),
        _ => Vec::new(),
    };
    let (declared, exact) = declared_inputs(ev, &top, &outputs);
    for k in declared {
        if !names.contains(&k) {
            names.push(k);
        }
    }
    // Its lock node names them all, as Nix has them: then
    // `kosei.inputs // { ... }` is a known set (`(a.inputs // b).x`).
    let exact = exact || (node.is_some() && ctx.lock.is_some());
    if let Ok(Some(decls)) = ev.select(&top, &["inputs"]) {
        record_follows(ev, ctx, path, path, &decls);
    }
    let overrides = lock::sources().overrides;
    let mut inputs = Attrs::default();
    for n in names {
        let child_path = format!("{path}/{n}");
        // A `follows` (the root's flake.nix first, then this flake's, then
        // the lock's) makes it the input it follows, unless overridden.
        let follows = if overrides.iter().any(|(o, _)| *o == child_path) {
            None
        } else {
            let written = ctx.follows.borrow().get(&child_path).cloned();
            written.or_else(|| {
                let l = ctx.lock.as_ref()?;
                let list = l.node(node?)?["inputs"][n.as_str()].as_array()?.clone();
                list.iter().map(|s| s.as_str().map(str::to_owned)).collect()
            })
        };
        let child = ctx
            .lock
            .as_ref()
            .zip(node)
            .and_then(|(l, p)| l.input_of(p, &n));
        let url = match ev.select(&top, &["inputs", &n, "url"]) {
            Ok(Some(Value::String(u))) => Some(u.to_string()),
            _ => None,
        };
        let repo = child
            .as_deref()
            .and_then(|c| ctx.lock.as_ref()?.node(c))
            .and_then(|c| {
                c["original"]["repo"]
                    .as_str()
                    .or(c["locked"]["repo"].as_str())
            })
            .map(str::to_ascii_lowercase);
        let kind = kind_of(&n, url.as_deref(), repo.as_deref());
        let lib = match kind {
            InputKind::Nixpkgs => {
                let locked = ctx
                    .lock
                    .as_ref()
                    .zip(child.as_deref())
                    .and_then(|(l, c)| l.node(c));
                lib_of_version(ev, &ctx.lib, nixpkgs_version(locked, url.as_deref()))?
            }
            _ => ctx.lib.clone(),
        };
        // Named by its path, so a message says what to override.
        let fallback = input_value(ev, &child_path, kind, &lib, &ctx.known)?;
        let t = match follows {
            Some(target) => followed(ctx, &target, fallback),
            None => sourced(
                ctx,
                child_path.clone(),
                child,
                kind,
                fallback,
                top.as_attrs().and_then(|a| a.span.clone()),
                owner.cloned(),
            ),
        };
        ctx.built.borrow_mut().insert(child_path, t.clone());
        inputs.insert(n, t, None);
    }
    if !exact {
        inputs.unknown_keys = Some(Rc::new(Unknown {
            reason: reason.clone(),
            span: None,
            origin: UnknownOrigin::Root(format!("{path}.inputs")),
        }));
    }
    let mk_self = ev.select(&ctx.known, &["mkSelf"])?.unwrap_or(Value::Null);
    let arg = Value::attrs([
        ("outputs".to_owned(), outputs),
        ("inputs".to_owned(), Value::Attrs(Rc::new(inputs))),
        ("outPath".to_owned(), out_path),
    ]);
    ev.apply(&mk_self, arg)
}

/// The names of a flake's inputs as Nix passes them to `outputs`: those
/// its `inputs` declares, and those `outputs` names as formals without
/// declaring them (taken from the flake registry); `self` is added by
/// [`from_source`]'s `mkSelf`. The set is exact (`inputs ? x` known) when
/// `inputs` is written as an attribute set, or not at all.
fn declared_inputs(ev: &mut Evaluator, top: &Value, outputs: &Value) -> (Vec<String>, bool) {
    let (mut names, exact): (Vec<String>, bool) = match ev.select(top, &["inputs"]) {
        Ok(Some(Value::Attrs(a))) => (a.keys().map(str::to_owned).collect(), true),
        Ok(None) => (Vec::new(), true),
        _ => (Vec::new(), false),
    };
    if let Value::Lambda(c) = outputs {
        if let crate::nix::syntax::Param::Pattern { entries, .. } = &c.lambda.param {
            for e in entries {
                if e.name != "self" && !names.contains(&e.name) {
                    names.push(e.name.clone());
                }
            }
        }
    }
    (names, exact)
}

/// The flake's outputs as Nix builds them: `self` included.
/// The flake's outputs, and the inputs atelier-gen has built-in knowledge of.
fn outputs_of(
    ev: &mut Evaluator,
    dir: &Path,
    top: &Value,
    used: &Rc<InputUse>,
) -> Result<(Value, Vec<String>), Vec<Diagnostic>> {
    let outputs = match ev.select(top, &["outputs"])? {
        Some(v) if v.is_function() => v,
        _ => {
            return Err(vec![Diagnostic::error(
                "no-outputs",
                "flake.nix has no `outputs` function",
                top.as_attrs().and_then(|a| a.span.clone()),
            )])
        }
    };
    let base_lib = ev.lib()?;
    let known = knowledge(ev, &base_lib)?;
    ev.on_fetched(on_fetched(known.clone(), used.clone()));
    let lib = ev.select(&known, &["lib"])?.unwrap_or(Value::Null);
    let (declared, exact) = declared_inputs(ev, top, &outputs);
    let locked = locked_repos(ev, dir);
    let lock = Lock::read(ev, dir);
    let ctx = Rc::new(Ctx {
        lock,
        lib: lib.clone(),
        known: known.clone(),
        used: used.clone(),
        built: std::cell::RefCell::default(),
        follows: std::cell::RefCell::default(),
    });
    if let Ok(Some(decls)) = ev.select(top, &["inputs"]) {
        record_follows(ev, &ctx, "", "", &decls);
    }
    // Inputs declared with `follows` only are the input they follow.
    let mut values: Vec<(String, Thunk)> = Vec::new();
    let mut frameworks: Vec<String> = Vec::new();
    let mut follows: Vec<(String, String)> = Vec::new();
    for n in &declared {
        let url = match ev.select(top, &["inputs", n, "url"]) {
            Ok(Some(Value::String(u))) => Some(u.to_string()),
            _ => None,
        };
        if url.is_none() {
            if let Ok(Some(Value::String(f))) = ev.select(top, &["inputs", n, "follows"]) {
                follows.push((n.clone(), f.to_string()));
                continue;
            }
        }
        let kind = kind_of(n, url.as_deref(), locked.get(n).map(String::as_str));
        let repo = locked
            .get(n)
            .map(|r| r.rsplit('/').next().unwrap_or(r).to_owned())
            .or_else(|| url.as_deref().map(repo_of_url));
        if kind != InputKind::Other || repo.is_some_and(|r| TOOLING.contains(&r.as_str())) {
            frameworks.push(n.clone());
        }
        let node = ctx.lock.as_ref().and_then(|l| l.input_of(l.root(), n));
        let input_lib = match kind {
            InputKind::Nixpkgs => {
                let locked = ctx
                    .lock
                    .as_ref()
                    .zip(node.as_deref())
                    .and_then(|(l, c)| l.node(c));
                lib_of_version(ev, &lib, nixpkgs_version(locked, url.as_deref()))?
            }
            _ => lib.clone(),
        };
        let fallback = input_value(ev, n, kind, &input_lib, &known)?;
        let span = ev
            .definition_span(top, &["inputs", n])
            .ok()
            .flatten()
            .or_else(|| top.as_attrs().and_then(|a| a.span.clone()));
        let t = sourced(&ctx, n.clone(), node, kind, fallback, span, None);
        ctx.built.borrow_mut().insert(n.clone(), t.clone());
        values.push((n.clone(), t));
    }
    for (n, target) in follows {
        let last = target.rsplit('/').next().unwrap_or("");
        // `clan-core/nixpkgs`: an input of an input, from that input's
        // source when it has one here, else known by its name.
        let fallback = input_value(ev, &n, kind_of(last, None, None), &lib, &known)?;
        let path: Vec<String> = target
            .split('/')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        let v = followed(&ctx, &path, fallback);
        ctx.built.borrow_mut().insert(n.clone(), v.clone());
        values.push((n, v));
    }
    let mut inputs = Attrs::default();
    for (n, t) in values {
        inputs.insert(n, t, None);
    }
    if !exact {
        inputs.unknown_keys = Some(Rc::new(Unknown {
            reason: "flake inputs are only known when Nix fetches them".into(),
            span: None,
            origin: UnknownOrigin::Root("inputs".into()),
        }));
    }
    let mk_self = ev.select(&known, &["mkSelf"])?.unwrap_or(Value::Null);
    let arg = Value::attrs([
        ("outputs".to_owned(), outputs),
        ("inputs".to_owned(), Value::Attrs(Rc::new(inputs))),
        (
            "outPath".to_owned(),
            Value::string(ev.root().display().to_string()),
        ),
    ]);
    let out = ev.apply(&mk_self, arg)?;
    ctx.built
        .borrow_mut()
        .insert(String::new(), Thunk::value(out.clone()));
    Ok((out, frameworks))
}

/// The flake input an unknown comes from (`inputs.X...`, `X.lib.f args`).
pub fn input_of(u: &Unknown) -> Option<String> {
    match &u.origin {
        UnknownOrigin::Root(name) => Some(name.clone()),
        UnknownOrigin::Select { base, attr } => match &base.origin {
            UnknownOrigin::Root(r) if r == "inputs" => Some(attr.clone()),
            _ => input_of(base),
        },
        UnknownOrigin::Apply { func, .. } => input_of(func),
        UnknownOrigin::Derived(b)
        | UnknownOrigin::Choice { cond: b, .. }
        | UnknownOrigin::Within { base: b, .. }
        | UnknownOrigin::Without { base: b, .. }
        | UnknownOrigin::Concat { base: b, .. } => input_of(b),
        UnknownOrigin::Opaque => None,
    }
}

/// The error for an unknown a host needs: `unsupported-input` when it comes
/// from a flake input, naming it.
fn needs_input(ev_inputs: &[String], what: &str, u: &Unknown, span: Option<Span>) -> Diagnostic {
    let span = u.span.clone().or(span);
    match input_of(u).filter(|i| ev_inputs.contains(i)) {
        Some(input) => {
            let why = super::values::describe_unknown(u);
            // A framework known without its source, used beyond what is
            // built in of it.
            let note = if why.contains(BUILT_IN_PART) {
                format!("{KNOWN_NOTE}, as far as finding hosts needs; `{input}` is one of them, used here beyond that")
            } else {
                format!("{KNOWN_NOTE}; `{input}` is none of them")
            };
            Diagnostic::error(
                "unsupported-input",
                format!(
                    "{what} comes from flake input `{input}`, which atelier-gen cannot read without its source ({why})"
                ),
                span,
            )
            .with_note(note)
        }
        None => Diagnostic::error(
            "unresolved-value",
            format!(
                "{what} is not known statically: {}",
                super::values::describe_unknown(u)
            ),
            span,
        ),
    }
}

const KNOWN_NOTE: &str =
    "atelier-gen knows nixpkgs' lib, flake-parts, import-tree, snowfall-lib, haumea, ez-configs, nixos-unified, clan-core's inventory and flake-utils' lib without their sources";

fn quoted(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The inputs whose flake modules flake-parts' `mkFlake` could not read
/// (atelier-gen's built-in frameworks left out: their modules define no
/// hosts).
fn unread_flake_modules(
    ev: &mut Evaluator,
    out: &Value,
    input_names: &[String],
    frameworks: &[String],
) -> Unread {
    let mut unread = Unread::default();
    if let Ok(Some(Value::List(list))) = ev.select(out, &["__atelierUnread"]) {
        for t in list.iter() {
            let Ok(Value::Unknown(u)) = ev.force(t) else {
                continue;
            };
            // The input it comes from (`x.outPath` is input `x`'s).
            let input = input_of(&u).map(|i| i.split(['.', ' ']).next().unwrap_or("").to_owned());
            let as_is = is_attribute_of_input(&u);
            match input {
                // A framework's own flake module (`inputs.x.flakeModule`,
                // `"${x}/flake-module.nix"`): it defines no host.
                Some(i) if frameworks.contains(&i) && as_is => {}
                Some(i) if input_names.contains(&i) && !frameworks.contains(&i) => {
                    if !unread.inputs.contains(&i) {
                        unread.inputs.push(i);
                    }
                }
                // A tooling flake's module among a partition's inputs
                // (`extraInputsFlake`), which are not the flake's own.
                Some(i) if as_is && TOOLING.contains(&i.as_str()) => {}
                // Anything else only Nix knows (a function of a
                // framework's lib applied, a value of no input): said too.
                _ => {
                    if unread.other.is_none() {
                        unread.other = Some(u);
                    }
                }
            }
        }
    }
    unread
}

/// The flake modules atelier-gen could not read: those of inputs without
/// their sources, and the first of any other kind.
#[derive(Default)]
struct Unread {
    inputs: Vec<String>,
    other: Option<Rc<Unknown>>,
}

/// An input's attribute, as it is (`inputs.x.flakeModules.default`, a path
/// in its source), not something a function of it computed.
fn is_attribute_of_input(u: &Unknown) -> bool {
    match &u.origin {
        UnknownOrigin::Root(_) => true,
        // `Without`: the same value, with names it certainly lacks.
        UnknownOrigin::Select { base, .. }
        | UnknownOrigin::Derived(base)
        | UnknownOrigin::Without { base, .. } => is_attribute_of_input(base),
        _ => false,
    }
}

/// The error for a host table whose names are not known statically.
fn unknown_host_table(input_names: &[String], u: &Unknown) -> Diagnostic {
    let d = needs_input(input_names, "`nixosConfigurations`", u, None);
    // A host table chosen by the hosts' evaluated `config`: followed for
    // options the flake's own modules declare.
    let by_config = root_of(u).is_some_and(|r| r == "config" || r.starts_with("config."));
    if d.code != "unresolved-value" || !by_config {
        return d;
    }
    d.with_note(
        "a host table that keeps hosts by their `config` is followed where the flake's own modules declare the option; one that nixpkgs declares is only known to NixOS: choose the hosts by name or by a value of the flake's own",
    )
}

/// Reads the hosts of the flake in `dir` (their names; nothing of a host
/// is evaluated until [`host`] asks for it). `built_in`: frameworks kept on
/// built-in knowledge although their source is here, with why
/// ([`fall_back`]).
pub fn read(ev: &mut Evaluator, dir: &Path, built_in: Vec<(String, String)>) -> Flake {
    let used = Rc::new(InputUse {
        built_in,
        ..InputUse::default()
    });
    let mut flake = read_with(ev, dir, &used);
    flake.used = used;
    flake
}

fn read_with(ev: &mut Evaluator, dir: &Path, used: &Rc<InputUse>) -> Flake {
    let file = dir.join("flake.nix");
    if !ev.inputs().is_file(&file) {
        return fail(
            "no-flake",
            format!(
                "{} does not exist; pass the flake's directory",
                file.display()
            ),
            None,
        );
    }
    let top = match ev.eval_file(&file) {
        Ok(v) => v,
        Err(d) => return failed(d),
    };
    let outputs = ev.select(&top, &["outputs"]).ok().flatten();
    let input_names = declared_inputs(ev, &top, &outputs.unwrap_or(Value::Null)).0;
    let (out, frameworks) = match outputs_of(ev, dir, &top, used) {
        Ok(v) => v,
        Err(d) => return failed(d),
    };
    let configs = match ev.select(&out, &["nixosConfigurations"]) {
        // A table with names atelier cannot compute and none it can is as
        // unknown as the whole table (a filter by the hosts' `config`).
        Ok(Some(Value::Attrs(a))) if a.is_empty() && a.unknown_keys.is_some() => {
            let u = match a.unknown_keys.as_ref().map(|u| &u.origin) {
                Some(UnknownOrigin::Within { base, .. }) => base.clone(),
                _ => a.unknown_keys.clone().expect("checked above"),
            };
            return failed(vec![unknown_host_table(&input_names, &u)]);
        }
        Ok(Some(Value::Attrs(a))) => a,
        Ok(Some(Value::Unknown(u))) => return failed(vec![unknown_host_table(&input_names, &u)]),
        Ok(_) => {
            // Where `outputs` is written (the result is built by atelier's
            // own Nix, whose location means nothing to the user).
            let at = ev.definition_span(&top, &["outputs"]).ok().flatten();
            let mut d = Diagnostic::error(
                "no-hosts",
                "the flake's outputs have no `nixosConfigurations`",
                at,
            );
            // flake-parts modules from inputs atelier-gen could not read
            // may be what defines them (ez-configs, clan, nixos-unified).
            let unread = unread_flake_modules(ev, &out, &input_names, &frameworks);
            if !unread.inputs.is_empty() {
                d = Diagnostic::error(
                    "unsupported-input",
                    format!(
                        "the flake's `nixosConfigurations` may come from flake modules of {}, which atelier-gen cannot read without their sources",
                        quoted(&unread.inputs)
                    ),
                    d.span.clone(),
                )
                .with_note(KNOWN_NOTE);
            } else if let Some(u) = &unread.other {
                d = Diagnostic::error(
                    "unresolved-value",
                    format!(
                        "the flake's `nixosConfigurations` may come from a flake module that is not known statically: {}",
                        super::values::describe_unknown(u)
                    ),
                    u.span.clone().or_else(|| d.span.clone()),
                );
            }
            return failed(vec![d]);
        }
        Err(d) => return failed(d),
    };
    // Hosts were found; others may come from flake modules not read.
    let mut diagnostics = Vec::new();
    for (name, _) in lock::sources().overrides {
        let first = name.split('/').next().unwrap_or(&name);
        if !input_names.iter().any(|n| n == first) {
            diagnostics.push(
                Diagnostic::warning(
                    "override-input",
                    format!("--override-input {name}: the flake has no input `{first}`; the override is not used"),
                    top.as_attrs().and_then(|a| a.span.clone()),
                )
                .with_note(format!("its inputs: {}", input_names.join(", "))),
            );
        }
    }
    // Some names known, others not: the known hosts are planned, and the
    // others are said to exist, never silently dropped.
    if let Some(u) = &configs.unknown_keys {
        let (u, among) = match &u.origin {
            UnknownOrigin::Within { base, names } => (
                base,
                format!(
                    " (among {})",
                    quoted(&names.iter().cloned().collect::<Vec<_>>())
                ),
            ),
            _ => (u, String::new()),
        };
        diagnostics.push(
            Diagnostic::warning(
                "unresolved-hosts",
                format!(
                    "`nixosConfigurations` may have more hosts than {}{among}: their names are not known statically: {}",
                    quoted(&configs.keys().map(String::from).collect::<Vec<_>>()),
                    u.reason
                ),
                u.span
                    .clone()
                    .or_else(|| ev.definition_span(&top, &["outputs"]).ok().flatten()),
            )
            .with_note("hosts whose names atelier-gen cannot compute are not planned; `generate` and `check` without `--host` fail unless `--allow-partial`"),
        );
    }
    let unread = unread_flake_modules(ev, &out, &input_names, &frameworks);
    if !unread.inputs.is_empty() {
        diagnostics.push(
            Diagnostic::warning(
                "unsupported-input",
                format!(
                    "flake modules of {} could not be read without their sources: hosts they define are not seen",
                    quoted(&unread.inputs)
                ),
                ev.definition_span(&top, &["outputs"]).ok().flatten(),
            )
            .with_note(KNOWN_NOTE),
        );
    }
    if let Some(u) = &unread.other {
        diagnostics.push(Diagnostic::warning(
            "unresolved-hosts",
            format!(
                "a flake module is not known statically, so hosts it defines are not seen: {}",
                super::values::describe_unknown(u)
            ),
            u.span
                .clone()
                .or_else(|| ev.definition_span(&top, &["outputs"]).ok().flatten()),
        ));
    }
    let hosts = configs
        .entries
        .iter()
        .map(|(name, entry)| HostRef {
            name: name.clone(),
            span: entry.span.clone().or_else(|| entry.value.span()),
            value: entry.value.clone(),
        })
        .collect();
    Flake {
        hosts,
        inputs: input_names,
        diagnostics,
        used: used.clone(),
    }
}

/// The root an unknown derives from (`nixpkgs.outPath` for a string made
/// from it, or an import of that string).
fn root_of(u: &Unknown) -> Option<&str> {
    match &u.origin {
        UnknownOrigin::Root(name) => Some(name),
        UnknownOrigin::Select { base, .. }
        | UnknownOrigin::Derived(base)
        | UnknownOrigin::Choice { cond: base, .. }
        | UnknownOrigin::Within { base, .. }
        | UnknownOrigin::Without { base, .. }
        | UnknownOrigin::Concat { base, .. } => root_of(base),
        UnknownOrigin::Apply { func, .. } => root_of(func),
        UnknownOrigin::Opaque => None,
    }
}

/// `import "${nixpkgs}/nixos/lib/eval-config.nix" { modules = ...; }`: what
/// `nixosSystem` calls, with the same arguments.
fn eval_config_call(u: &Unknown) -> Option<&Thunk> {
    let (func, arg) = u.application()?;
    if !root_of(func)?.ends_with(".outPath") {
        return None;
    }
    // The import may be written apart from the call (`fn = import
    // ".../eval-config.nix";` then `cfg.fn (cfg.args // { ... })`).
    let names_eval_config = |span: Option<&Span>| {
        span.and_then(|s| s.file.text.get(s.start..s.end))
            .is_some_and(|t| t.contains("nixos/lib/eval-config.nix"))
    };
    (names_eval_config(u.span.as_ref()) || names_eval_config(func.span.as_ref())).then_some(arg)
}

/// Evaluates one host as far as its `nixosSystem` arguments: its modules
/// and specialArgs.
pub fn host(
    ev: &mut Evaluator,
    input_names: &[String],
    h: &HostRef,
) -> Result<HostEntry, Vec<Diagnostic>> {
    let name = &h.name;
    let span = h.span.clone();
    let value = ev.force(&h.value)?;
    // `nixosSystem { ... }` either from our lib (a marker set) or as a
    // call into an unknown input.
    let mut lib = None;
    let args = match &value {
        Value::Unknown(u) => {
            if let Some(arg) = call_of(u, "nixosSystem").or_else(|| eval_config_call(u)) {
                ev.force(arg)?
            } else {
                let what = format!("the configuration of host `{name}`");
                let d = needs_input(input_names, &what, u, span.clone());
                if d.code == "unsupported-input" {
                    return Err(vec![d]);
                }
                return Err(vec![Diagnostic::error(
                    "unresolved-host",
                    format!(
                        "host `{name}`: its configuration is not a `nixosSystem {{ modules = [ ... ]; }}` call atelier-gen can read ({})",
                        super::values::describe_unknown(u)
                    ),
                    span,
                )]);
            }
        }
        Value::Attrs(a) if a.get("_type").is_some() => {
            // Set by `nixosSystem` of a real nixpkgs lib (flake.nix).
            // `moduleLib` is `_: lib`, so that a printed marker does not
            // print a whole lib.
            if let Some(e) = a.get("moduleLib") {
                let f = ev.force(&e.value.clone())?;
                lib = Some(ev.apply(&f, Value::Null)?);
            }
            match ev.select(&value, &["args"]) {
                Ok(Some(v)) => v,
                _ => value.clone(),
            }
        }
        other => {
            return Err(vec![Diagnostic::error(
                "unresolved-host",
                format!(
                    "host `{name}` is {} while `nixosSystem {{ ... }}` was expected",
                    other.type_name()
                ),
                span,
            )]);
        }
    };
    let modules = match ev.select(&args, &["modules"])? {
        Some(Value::List(items)) => items.iter().cloned().collect(),
        Some(Value::Unknown(u)) => {
            let what = format!("the modules list of host `{name}`");
            return Err(vec![needs_input(input_names, &what, &u, span)]);
        }
        _ => Vec::new(),
    };
    let special_args = ev.select(&args, &["specialArgs"])?;
    Ok(HostEntry {
        name: name.clone(),
        span,
        modules,
        special_args,
        lib,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lock_node(reference: Option<&str>, time: i64) -> serde_json::Value {
        let mut original =
            serde_json::json!({ "type": "github", "owner": "NixOS", "repo": "nixpkgs" });
        if let Some(r) = reference {
            original["ref"] = r.into();
        }
        serde_json::json!({
            "locked": { "type": "github", "lastModified": time, "rev": "0123456789abcdef0123456789abcdef01234567" },
            "original": original,
        })
    }

    #[test]
    fn nixpkgs_version_of_release_branches_and_unstable_dates() {
        let release = |r: Option<&str>, date: &str| {
            let t = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d")
                .unwrap()
                .and_hms_opt(12, 0, 0)
                .unwrap()
                .and_utc()
                .timestamp();
            nixpkgs_version(Some(&lock_node(r, t)), None).map(|v| v.release)
        };
        let some = |s: &str| Some(s.to_owned());
        // A release branch names its release, whatever the date.
        for b in [
            "nixos-24.05",
            "nixos-24.05-small",
            "nixpkgs-24.05-darwin",
            "release-24.05",
        ] {
            assert_eq!(release(Some(b), "2025-05-10"), some("24.05"), "{b}");
        }
        assert_eq!(release(Some("nixos-24.0"), "2025-08-01"), None);
        assert_eq!(release(Some("my-branch"), "2025-08-01"), None);
        // Unstable: the series in development at the lock date.
        assert_eq!(release(Some("nixos-unstable"), "2025-08-01"), some("25.11"));
        assert_eq!(release(None, "2025-12-03"), some("26.05"));
        assert_eq!(release(Some("master"), "2026-02-01"), some("26.05"));
        assert_eq!(
            release(Some("nixpkgs-unstable"), "2021-06-01"),
            some("21.11")
        );
        // Branch-off months, and the old `.03`/`.09` schedule: not known.
        assert_eq!(release(Some("nixos-unstable"), "2025-05-20"), None);
        assert_eq!(release(Some("nixos-unstable"), "2024-11-02"), None);
        assert_eq!(release(Some("nixos-unstable"), "2020-08-01"), None);
        // The suffix nixpkgs' flake gives; the URL's ref when not locked.
        let v =
            nixpkgs_version(Some(&lock_node(Some("nixos-25.05"), 1_754_049_600)), None).unwrap();
        assert_eq!(v.suffix.as_deref(), Some(".20250801.0123456"));
        let v = nixpkgs_version(None, Some("github:NixOS/nixpkgs/nixos-23.11")).unwrap();
        assert_eq!((v.release.as_str(), v.suffix), ("23.11", None));
        let v = nixpkgs_version(
            None,
            Some("git+https://github.com/NixOS/nixpkgs?ref=nixos-22.11&shallow=1"),
        );
        assert_eq!(v.map(|v| v.release).as_deref(), Some("22.11"));
        assert_eq!(
            nixpkgs_version(None, Some("github:NixOS/nixpkgs/nixos-unstable")),
            None
        );
    }

    /// `f lib` evaluated deeply, as JSON (unknowns and functions described).
    /// `v` as JSON, or `unknown: <reason>`.
    fn inspect(ev: &mut Evaluator, v: &Value) -> String {
        let span = Span {
            file: std::sync::Arc::new(crate::diagnostic::SourceFile {
                name: "t".into(),
                path: "/t".into(),
                text: String::new(),
            }),
            start: 0,
            end: 0,
        };
        match crate::nix::to_json(ev, v, crate::nix::JsonMode::Inspect, &span).unwrap() {
            Ok(j) => j.to_string(),
            Err(u) => format!("unknown: {}", u.reason),
        }
    }

    fn with_lib(f: &str) -> String {
        let mut ev = Evaluator::new("/");
        let lib = ev.lib().unwrap();
        let func = ev.eval_source("t.nix", Path::new("/"), f).unwrap();
        let v = ev.apply(&func, lib).unwrap();
        inspect(&mut ev, &v)
    }

    #[test]
    fn lib_as_users_extend_it() {
        assert_eq!(
            with_lib("lib: (lib.extend (final: prev: { my.x = final.id 3; })).my.x"),
            "3"
        );
        assert_eq!(
            with_lib("lib: let s = ((lib.extend (final: prev: { })) // { z = 1; }).nixosSystem { modules = [ 1 ]; }; in [ s._type s.modules ]"),
            r#"["nixosSystem",[1]]"#
        );
        assert_eq!(
            with_lib("lib: lib.attrsets.mergeAttrsList [ { a = 1; } { b = 2; a = 3; } ]"),
            r#"{"a":3,"b":2}"#
        );
        assert_eq!(
            with_lib("lib: ((lib.makeExtensible (self: { x = 1; y = self.x + 1; })).extend (f: p: { x = 10; })).y"),
            "11"
        );
        assert_eq!(
            with_lib("lib: (lib.fix (self: { a = 1; b = self.a; })).b"),
            "1"
        );
        assert_eq!(
            with_lib(r#"lib: lib.splitString "." "1.2.3""#),
            r#"["1","2","3"]"#
        );
        assert_eq!(
            with_lib(r#"lib: lib.versions.majorMinor "2.18.1""#),
            r#""2.18""#
        );
        assert_eq!(with_lib(r#"lib: lib.trim "  x y  ""#), r#""x y""#);
        assert_eq!(
            with_lib(r#"lib: lib.concatMapAttrs (n: v: { ${n + "x"} = v; }) { a = 1; }"#),
            r#"{"ax":1}"#
        );
        assert_eq!(with_lib("lib: lib.pipe 1 [ (x: x + 1) (x: x * 3) ]"), "6");
        assert_eq!(
            with_lib(r#"lib: lib.naturalSort [ "disk11" "disk8" "disk100" "disk9" ]"#),
            r#"["disk8","disk9","disk11","disk100"]"#
        );
    }

    /// What the built-in flake-parts' `mkFlake` makes of `src` (`k:
    /// <expression over the built-in knowledge k>`), as JSON.
    fn with_knowledge(src: &str) -> String {
        let mut ev = Evaluator::new("/");
        let lib = ev.lib().unwrap();
        let k = knowledge(&mut ev, &lib).unwrap();
        let func = ev.eval_source("t.nix", Path::new("/"), src).unwrap();
        let v = match ev.apply(&func, k).and_then(|v| {
            ev.force_deep(&v)?;
            Ok(v)
        }) {
            Ok(v) => v,
            Err(d) => {
                let d: Vec<String> = d.iter().map(Diagnostic::short).collect();
                return format!("error: {}", d.join("; "));
            }
        };
        inspect(&mut ev, &v)
    }

    /// Priorities in the built-in flake-parts, as `lib.evalModules` has
    /// them: an option's default (1500) gives way to any definition (a
    /// submodule's option defaults included, easy-hosts' `nixpkgs =
    /// inputs.stable`), `mkDefault` (1000) to a plain one, everything to
    /// `mkForce`; an override on a namespace (`config = mkDefault { … }`)
    /// goes down to each option it holds. With `ATELIER_NIXPKGS_LIB`, the
    /// same modules are given to nixpkgs' `lib.evalModules` by
    /// nix-instantiate (`inputs` a special argument, `flake` of type
    /// `anything`), which must say the same.
    #[test]
    fn flake_parts_option_defaults_and_priorities_as_eval_modules() {
        const INPUTS: &str = r#"{ one.tag = "one"; two.tag = "two"; }"#;
        const MODULES: &str = r#"[
    ({ lib, inputs, ... }: {
      options.machines = lib.mkOption {
        type = lib.types.attrsOf (lib.types.submodule {
          options.pick = lib.mkOption { type = lib.types.raw; default = inputs.one; };
          options.paths = lib.mkOption { type = lib.types.listOf lib.types.str; default = [ "/default" ]; };
          options.keep = lib.mkOption { type = lib.types.attrsOf lib.types.int; default = { daily = 7; weekly = 4; }; };
          options.at = lib.mkOption { type = lib.types.str; default = "02:00"; };
          options.untouched = lib.mkOption { type = lib.types.str; default = "d"; };
        });
        default = { };
      };
      options.top = lib.mkOption { type = lib.types.listOf lib.types.str; default = [ "/top-default" ]; };
      options.ns.a = lib.mkOption { type = lib.types.int; };
      options.ns.b = lib.mkOption { type = lib.types.int; };
      config = lib.mkMerge [
        {
          machines.m = { pick = inputs.two; paths = [ "/m" ]; keep.daily = 14; at = "04:00"; };
          machines.n.untouched = "n";
        }
        (lib.mkDefault { ns.a = 1; top = [ "/low-top" ]; })
      ];
    })
    ({ lib, config, ... }: {
      machines.m = { at = lib.mkDefault "01:00"; paths = lib.mkForce [ "/forced" ]; };
      machines.n = lib.mkDefault { at = "05:00"; };
      ns.b = 2;
      top = [ "/top" ];
      flake.out = { inherit (config) machines top ns; };
    })
  ]"#;
        const EXPECTED: &str = r#"{"machines":{"m":{"at":"04:00","keep":{"daily":14},"paths":["/forced"],"pick":{"tag":"two"},"untouched":"d"},"n":{"at":"02:00","keep":{"daily":7,"weekly":4},"paths":["/default"],"pick":{"tag":"one"},"untouched":"n"}},"ns":{"a":1,"b":2},"top":["/top"]}"#;
        same_as_eval_modules(
            "flake_parts_option_defaults_and_priorities_as_eval_modules",
            INPUTS,
            MODULES,
            EXPECTED,
        );
    }

    /// Lists defined at the same priority are concatenated, as `listOf`
    /// merges them (a flake that evaluates in Nix has no list definitions
    /// at one priority that its type would refuse): in the order Nix
    /// merges modules' definitions, `mkBefore`/`mkAfter` first and last.
    #[test]
    fn flake_parts_lists_at_one_priority_concatenate_as_eval_modules() {
        const MODULES: &str = r#"[
    ({ lib, ... }: {
      options.hosts = lib.mkOption { type = lib.types.listOf lib.types.str; default = [ "/default" ]; };
      options.tags = lib.mkOption { type = lib.types.attrsOf (lib.types.listOf lib.types.str); default = { }; };
      config.hosts = [ "a1" "a2" ];
      config.tags.x = lib.mkAfter [ "late" ];
    })
    ({ config, ... }: {
      hosts = [ "b" ];
      tags.x = [ "b" ];
      flake.out = { inherit (config) hosts tags; };
    })
    ({ lib, ... }: { tags.x = lib.mkBefore [ "early" ]; hosts = [ "c" ]; })
  ]"#;
        same_as_eval_modules(
            "flake_parts_lists_at_one_priority_concatenate_as_eval_modules",
            "{ }",
            MODULES,
            r#"{"hosts":["c","b","a1","a2"],"tags":{"x":["early","b","late"]}}"#,
        );
        // flake-parts' own `systems` (`listOf str`) too.
        let got = with_knowledge(
            r#"k: (k.mkFlake { inputs = { }; } { imports = [ { systems = [ "x86_64-linux" ]; } ({ config, ... }: { systems = [ "aarch64-linux" ]; flake.out = config.systems; }) ]; }).out"#,
        );
        assert_eq!(got, r#"["aarch64-linux","x86_64-linux"]"#);
    }

    /// An option whose type is another option's value (`type =
    /// config.kit.machineTable`, den's `nixModule`): the built-in
    /// flake-parts reads a declared option's type only when its value is
    /// read, so `config` itself does not depend on it, as in Nix.
    #[test]
    fn flake_parts_option_type_from_config_as_eval_modules() {
        const MODULES: &str = r#"[
    ({ config, lib, ... }: {
      options.kit = lib.mkOption { type = lib.types.lazyAttrsOf lib.types.raw; default = { }; };
      config.kit.machineTable = lib.types.attrsOf (lib.types.submodule {
        options.paths = lib.mkOption { type = lib.types.listOf lib.types.str; default = [ "/default" ]; };
        options.at = lib.mkOption { type = lib.types.str; default = "02:00"; };
      });
      options.machines = lib.mkOption { type = config.kit.machineTable; default = { }; };
      config.flake.out = config.machines;
    })
    { machines.alpha.paths = [ "/alpha" ]; }
  ]"#;
        same_as_eval_modules(
            "flake_parts_option_type_from_config_as_eval_modules",
            "{ }",
            MODULES,
            r#"{"alpha":{"at":"02:00","paths":["/alpha"]}}"#,
        );
    }

    /// Options of freeform submodules (den's host tables, sini/nix-config):
    /// `attrsOf (submodule { freeformType = attrsOf (submodule m); })`
    /// gives each attribute no option declares the config of `m`'s module
    /// system (its options' defaults, computed from its `name` and
    /// `config`), beside attributes of any type; a plain `submodule`
    /// option's value is its module system's config too.
    #[test]
    fn flake_parts_freeform_submodules_as_eval_modules() {
        const MODULES: &str = r#"[
    ({ config, lib, ... }:
      let
        inherit (lib) types mkOption;
        machine = group: types.submodule ({ name, config, ... }: {
          freeformType = types.attrsOf types.anything;
          options.label = mkOption { type = types.str; default = "${group}/${name}"; };
          options.size = mkOption { type = types.int; default = 1; };
          options.big = mkOption { type = types.bool; default = config.size > 2; };
        });
      in {
        options.groups = mkOption {
          type = types.attrsOf (types.submodule ({ name, ... }: {
            freeformType = types.attrsOf (machine name);
          }));
          default = { };
        };
        options.settings = mkOption {
          type = types.submodule {
            freeformType = types.lazyAttrsOf types.raw;
            options.level = mkOption { type = types.int; default = 3; };
          };
          default = { };
        };
        config.flake.out = { inherit (config) groups settings; };
      })
    { groups.g.m1 = { size = 3; note = "n"; }; settings.extra = "e"; }
    { groups.g.m2 = { }; }
  ]"#;
        same_as_eval_modules(
            "flake_parts_freeform_submodules_as_eval_modules",
            "{ }",
            MODULES,
            r#"{"groups":{"g":{"m1":{"big":true,"label":"g/m1","note":"n","size":3},"m2":{"big":false,"label":"g/m2","size":1}}},"settings":{"extra":"e","level":3}}"#,
        );
    }

    /// A module that is a `mkIf` (or `mkMerge`, `mkDefault`) as a whole,
    /// without `config`: its definitions are the content's, as
    /// lib.evalModules takes the shorthand (sini/nix-config's flake
    /// modules beside hundreds of plain ones); a false condition defines
    /// nothing.
    #[test]
    fn flake_parts_shorthand_modules_under_properties_as_eval_modules() {
        const MODULES: &str = r#"[
    ({ lib, ... }: {
      options.hosts = lib.mkOption { type = lib.types.attrsOf lib.types.str; default = { }; };
      options.level = lib.mkOption { type = lib.types.int; default = 0; };
    })
    ({ lib, ... }: lib.mkIf true { hosts.a = "a"; })
    ({ lib, ... }: lib.mkIf false { hosts.x = "x"; })
    ({ lib, ... }: lib.mkMerge [ { hosts.b = "b"; } (lib.mkDefault { level = 1; }) { _module.args.tag = "t"; } ])
    ({ config, lib, tag, ... }: lib.mkIf true { hosts.c = tag; flake.out = { inherit (config) hosts level; }; })
  ]"#;
        same_as_eval_modules(
            "flake_parts_shorthand_modules_under_properties_as_eval_modules",
            "{ }",
            MODULES,
            r#"{"hosts":{"a":"a","b":"b","c":"t"},"level":1}"#,
        );
    }

    /// `flake.out` of the built-in flake-parts' `mkFlake { inputs; } {
    /// imports = modules; }` is `expected` (JSON); with
    /// `ATELIER_NIXPKGS_LIB`, so is `config.flake.out` of nixpkgs'
    /// `lib.evalModules` on the same modules by nix-instantiate (`inputs` a
    /// special argument, `flake` an option of type `anything`).
    fn same_as_eval_modules(test: &str, inputs: &str, modules: &str, expected: &str) {
        let got = with_knowledge(&format!(
            "k: (k.mkFlake {{ inputs = {inputs}; }} {{ imports = {modules}; }}).out"
        ));
        assert_eq!(got, expected, "{test}: the built-in flake-parts");
        let Some(lib) = std::env::var_os("ATELIER_NIXPKGS_LIB").filter(|l| !l.is_empty()) else {
            eprintln!("SKIP {test} (nix-instantiate part): ATELIER_NIXPKGS_LIB is unset");
            return;
        };
        let expr = format!(
            "let lib = import {}; in builtins.toJSON (lib.evalModules {{ specialArgs.inputs = {inputs}; modules = [ {{ options.flake = lib.mkOption {{ type = lib.types.anything; }}; }} ] ++ {modules}; }}).config.flake.out",
            Path::new(&lib).display()
        );
        let out = std::process::Command::new("nix-instantiate")
            .args(["--eval", "--strict", "--json", "--expr", &expr])
            .env("NIX_REMOTE", "dummy://")
            .output()
            .expect("running nix-instantiate");
        assert!(
            out.status.success(),
            "{test}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let theirs: String = serde_json::from_slice(&out.stdout).expect("a JSON string");
        assert_eq!(
            theirs, expected,
            "{test}: nix-instantiate with nixpkgs' lib"
        );
    }

    #[test]
    fn import_tree_as_documented() {
        // a.nix, b/c.nix, b/_private/d.nix, _e/f.nix, g.txt, h/i.nix
        let d = &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/import-tree");
        let mut ev = Evaluator::new(d);
        let lib = ev.lib().unwrap();
        let known = knowledge(&mut ev, &lib).unwrap();
        let tree = ev.select(&known, &["importTree"]).unwrap().unwrap();
        let rel = |ev: &mut Evaluator, expr: &str| -> Vec<String> {
            let f = ev.eval_source("t.nix", d, expr).unwrap();
            let v = ev.apply(&f, tree.clone()).unwrap();
            let list = ev.select(&v, &["imports"]).unwrap().unwrap();
            let mut out = Vec::new();
            for t in list.as_list().unwrap().iter() {
                match ev.force(t).unwrap() {
                    Value::Path(p) => {
                        out.push(p.strip_prefix(ev.root()).unwrap().display().to_string());
                    }
                    other => out.push(format!("{other:?}")),
                }
            }
            out
        };
        assert_eq!(rel(&mut ev, "it: it ./."), ["a.nix", "b/c.nix", "h/i.nix"]);
        assert_eq!(rel(&mut ev, "it: it [ ./b ./h ]"), ["b/c.nix", "h/i.nix"]);
        assert_eq!(
            rel(
                &mut ev,
                "it: (it.filter (p: !(builtins.match \".*/h/.*\" p != null))) ./."
            ),
            ["a.nix", "b/c.nix"]
        );
        assert_eq!(rel(&mut ev, r#"it: (it.match ".*/b/.*") ./."#), ["b/c.nix"]);
        assert_eq!(
            rel(&mut ev, "it: (it.addPath ./h) ./b"),
            ["h/i.nix", "b/c.nix"]
        );
    }

    #[test]
    fn repositories_of_flake_urls() {
        for (url, repo) in [
            ("github:NixOS/nixpkgs/nixos-unstable", "nixpkgs"),
            ("github:hercules-ci/flake-parts", "flake-parts"),
            ("nixpkgs/nixos-24.11", "nixpkgs"),
            ("nixpkgs", "nixpkgs"),
            ("github:vic/import-tree?ref=main", "import-tree"),
            ("git+https://git.clan.lol/clan/clan-core", "clan-core"),
            (
                "https://git.clan.lol/clan/clan-core/archive/main.tar.gz",
                "clan-core",
            ),
            ("gitlab:foo/bar.git", "bar.git"),
            (
                "https://nixos.org/channels/nixpkgs-unstable/nixexprs.tar.xz",
                "nixpkgs",
            ),
            (
                "https://channels.nixos.org/nixpkgs-unstable/nixexprs.tar.zst",
                "nixpkgs",
            ),
            (
                "https://channels.nixos.org/nixos-25.11/nixexprs.tar.gz?x=1",
                "nixpkgs",
            ),
        ] {
            assert_eq!(repo_of_url(url), repo, "{url}");
        }
        // A tarball URL naming no repository: known by the input's name.
        assert_eq!(
            kind_of(
                "nixpkgs",
                Some("http://127.0.0.1:8000/nixpkgs.tar.gz"),
                None
            ),
            InputKind::Nixpkgs
        );
    }

    #[test]
    fn inputs_are_known_by_repository_before_name() {
        assert_eq!(
            kind_of("np", Some("github:NixOS/nixpkgs"), None),
            InputKind::Nixpkgs
        );
        assert_eq!(
            kind_of("nixpkgs-foo", Some("github:me/tools"), None),
            InputKind::Other
        );
        assert_eq!(
            kind_of("parts", None, Some("flake-parts")),
            InputKind::FlakeParts
        );
        assert_eq!(kind_of("nixpkgs-stable", None, None), InputKind::Nixpkgs);
        // FlakeHub tarballs, as written and as locked.
        assert_eq!(
            kind_of(
                "pkgs",
                Some("https://flakehub.com/f/NixOS/nixpkgs/0.1.0.tar.gz"),
                None
            ),
            InputKind::Nixpkgs
        );
        assert_eq!(
            repo_of_url("https://api.flakehub.com/f/pinned/hercules-ci/flake-parts/0.1.400/0193/source.tar.gz"),
            "flake-parts"
        );
        assert_eq!(
            repo_of_url("https://flakehub.com/f/DeterminateSystems/determinate/*"),
            "determinate"
        );
        assert_eq!(kind_of("import-tree", None, None), InputKind::ImportTree);
    }
}
