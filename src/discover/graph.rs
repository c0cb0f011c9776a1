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
use crate::nix::{Attrs, Thunk, Unknown, Value};

/// A `mkService { ... }` call found in the graph.
#[derive(Clone)]
pub struct MkServiceCall {
    pub arg: Thunk,
    pub span: Option<Span>,
}

/// What the walk found.
#[derive(Default)]
pub struct ModuleGraph {
    /// The config part of every module, with where the module was written.
    pub configs: Vec<(Value, Option<Span>)>,
    pub mk_services: Vec<MkServiceCall>,
    pub files: Vec<PathBuf>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Module arguments: `config`, `options`, `pkgs`, `lib`, `modulesPath`, the
/// host's `specialArgs`; anything else a module asks for is unknown.
pub struct ModuleArgs {
    pub entries: Vec<(String, Value)>,
}

impl ModuleArgs {
    pub fn new(ev: &mut Evaluator, special: Option<&Value>) -> (Self, Vec<Diagnostic>) {
        let mut diags = Vec::new();
        let lib = match ev.lib() {
            Ok(l) => l,
            Err(d) => {
                diags.extend(d);
                Value::unknown_root("lib", "lib is not available", None)
            }
        };
        let mut entries = vec![
            (
                "config".to_owned(),
                Value::unknown_root(
                    "config",
                    "config values are only known at rebuild time",
                    None,
                ),
            ),
            (
                "options".to_owned(),
                Value::unknown_root("options", "options are only known at rebuild time", None),
            ),
            (
                "pkgs".to_owned(),
                Value::unknown_root(
                    "pkgs",
                    "packages are only known when Nix builds the system",
                    None,
                ),
            ),
            ("lib".to_owned(), lib),
            (
                "modulesPath".to_owned(),
                Value::unknown_root(
                    "modulesPath",
                    "nixpkgs' modules are not read by atelier-gen",
                    None,
                ),
            ),
        ];
        if let Some(Value::Attrs(a)) = special {
            for (k, e) in &a.entries {
                match ev.force(&e.value) {
                    Ok(v) => {
                        entries.retain(|(n, _)| n != k);
                        entries.push((k.clone(), v));
                    }
                    Err(d) => diags.extend(d),
                }
            }
        }
        (Self { entries }, diags)
    }

    /// The argument set for a module function: only the names it asks for
    /// when it has no `...`, like the NixOS module system.
    fn for_function(&self, f: &Value) -> Value {
        let wanted: Option<Vec<String>> = match f {
            Value::Lambda(c) => match &c.lambda.param {
                Param::Pattern {
                    entries, ellipsis, ..
                } if !ellipsis => Some(entries.iter().map(|e| e.name.clone()).collect()),
                _ => None,
            },
            _ => None,
        };
        let mut attrs = Attrs::from_values(
            self.entries
                .iter()
                .filter(|(k, _)| wanted.as_ref().is_none_or(|w| w.contains(k)))
                .map(|(k, v)| (k.clone(), v.clone())),
        );
        attrs.unknown_keys = Some(Rc::new(Unknown {
            reason: "module arguments other than config, options, pkgs, lib, modulesPath and specialArgs are only known at rebuild time".into(),
            span: None,
            origin: crate::nix::UnknownOrigin::Root("moduleArgs".into()),
        }));
        if let Some(w) = &wanted {
            // Names the module asks for that we do not supply are unknowns.
            for name in w {
                if attrs.get(name).is_none() {
                    attrs.insert(
                        name.clone(),
                        Thunk::value(Value::unknown_root(
                            name,
                            "this module argument is only known at rebuild time",
                            None,
                        )),
                        None,
                    );
                }
            }
        }
        Value::Attrs(Rc::new(attrs))
    }
}

/// Whether an unknown is a call of a function whose name ends the attribute
/// path (`atelier.lib.mkService { ... }`, `nixpkgs.lib.nixosSystem { ... }`).
pub fn call_of<'a>(u: &'a Unknown, name: &str) -> Option<&'a Thunk> {
    let (func, arg) = u.application()?;
    let path = func.path()?;
    (path.last().map(String::as_str) == Some(name)).then_some(arg)
}

const MAX_MODULE_DEPTH: usize = 200;

/// Walks the modules of a host. `generated` are the files atelier-gen writes:
/// they are skipped (reading our own output would be circular), and so is any
/// file that starts with the generated-file header.
pub fn walk_modules(
    ev: &mut Evaluator,
    modules: &[Thunk],
    args: &ModuleArgs,
    generated: &[PathBuf],
) -> ModuleGraph {
    let mut g = ModuleGraph::default();
    let mut seen: HashSet<PathBuf> = generated.iter().map(|p| normalize(ev, p)).collect();
    prefetch(ev, modules);
    for m in modules {
        walk(ev, m, args, &mut seen, &mut g, 0);
    }
    g
}

fn walk(
    ev: &mut Evaluator,
    module: &Thunk,
    args: &ModuleArgs,
    seen: &mut HashSet<PathBuf>,
    g: &mut ModuleGraph,
    depth: usize,
) {
    let span = module.span();
    if depth > MAX_MODULE_DEPTH {
        g.diagnostics.push(Diagnostic::error(
            "import-too-deep",
            "modules import each other more than 200 levels deep",
            span,
        ));
        return;
    }
    let value = match ev.force(module) {
        Ok(v) => v,
        Err(d) => {
            g.diagnostics.extend(d);
            return;
        }
    };
    walk_value(ev, value, span, args, seen, g, depth);
}

fn walk_value(
    ev: &mut Evaluator,
    value: Value,
    span: Option<Span>,
    args: &ModuleArgs,
    seen: &mut HashSet<PathBuf>,
    g: &mut ModuleGraph,
    depth: usize,
) {
    match &value {
        Value::Path(p) => import(ev, p.to_path_buf(), span, args, seen, g, depth),
        Value::String(s) if s.starts_with('/') => {
            import(ev, PathBuf::from(&**s), span, args, seen, g, depth);
        }
        Value::Lambda(_) => {
            let arg = args.for_function(&value);
            match ev.apply(&value, arg) {
                Ok(v) => walk_value(ev, v, span, args, seen, g, depth + 1),
                Err(d) => g.diagnostics.extend(d),
            }
        }
        Value::Attrs(a) => {
            if let Some(e) = a.get("imports") {
                let imports = e.value.clone();
                match ev.force(&imports) {
                    Ok(Value::List(items)) => {
                        prefetch(ev, &items);
                        for t in items.iter() {
                            walk(ev, t, args, seen, g, depth + 1);
                        }
                    }
                    Ok(Value::Unknown(u)) => g.diagnostics.push(
                        Diagnostic::warning(
                            "unresolved-import",
                            format!(
                                "the imports of this module are not known statically ({}); services declared there are not seen",
                                super::values::describe_unknown(&u)
                            ),
                            e.span.clone().or(span.clone()),
                        ),
                    ),
                    Ok(other) => g.diagnostics.push(Diagnostic::error(
                        "type-error",
                        format!("`imports` is {} while a list was expected", other.type_name()),
                        e.span.clone(),
                    )),
                    Err(d) => g.diagnostics.extend(d),
                }
            }
            // A module with `options` or `config` keeps its definitions in
            // `config`; otherwise the whole set is config.
            let config = if a.get("config").is_some() || a.get("options").is_some() {
                a.get("config").map(|e| (e.value.clone(), e.span.clone()))
            } else {
                None
            };
            match config {
                Some((t, s)) => match ev.force(&t) {
                    Ok(v) => g.configs.push((v, s.or(span))),
                    Err(d) => g.diagnostics.extend(d),
                },
                None if a.get("options").is_some() => {}
                None => g.configs.push((value.clone(), span)),
            }
        }
        Value::Unknown(u) => {
            if let Some(arg) = call_of(u, "mkService") {
                g.mk_services.push(MkServiceCall {
                    arg: arg.clone(),
                    span: u.span.clone().or(span),
                });
            }
            // Anything else (atelier.nixosModules.default, nixpkgs modules)
            // comes from outside the flake and declares no data of ours.
        }
        Value::Null => {}
        other => g.diagnostics.push(Diagnostic::error(
            "type-error",
            format!(
                "a module is {} while a set, a function or a path was expected",
                other.type_name()
            ),
            span,
        )),
    }
}

/// Lets the evaluator read and parse, in parallel, the files a list of
/// modules names literally (`imports = [ ./a.nix ./b ];`), before the walk
/// evaluates them one by one.
fn prefetch(ev: &mut Evaluator, modules: &[Thunk]) {
    let paths: Vec<PathBuf> = modules
        .iter()
        .filter_map(|t| match ev.peek_literal(t) {
            Some(Value::Path(p)) => Some(p.to_path_buf()),
            Some(Value::String(s)) if s.starts_with('/') => Some(PathBuf::from(&*s)),
            _ => None,
        })
        .collect();
    ev.prefetch(&paths);
}

fn import(
    ev: &mut Evaluator,
    path: PathBuf,
    span: Option<Span>,
    args: &ModuleArgs,
    seen: &mut HashSet<PathBuf>,
    g: &mut ModuleGraph,
    depth: usize,
) {
    let Some(key) = ev.resolve_import(&path) else {
        let target = if ev.inputs().is_dir(&path) {
            path.join("default.nix")
        } else {
            path
        };
        let key = normalize(ev, &target);
        // The module system imports a file once, however often it is listed.
        if seen.insert(key.clone()) {
            g.diagnostics.push(
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
    if !seen.insert(key.clone()) {
        return;
    }
    if ev.file_starts_with(&key, crate::render::HEADER_PREFIX) {
        return;
    }
    g.files.push(key.clone());
    match ev.eval_file(&key) {
        Ok(v) => walk_value(ev, v, span, args, seen, g, depth + 1),
        Err(d) => {
            // An encrypted module (sops, git-crypt) is not Nix until the
            // checkout decrypts it: an unread import, not a syntax error.
            if let Some(how) = d
                .iter()
                .any(|x| x.code == "parse-error")
                .then(|| encrypted(ev, &key))
                .flatten()
            {
                let name = key
                    .strip_prefix(ev.root())
                    .unwrap_or(&key)
                    .display()
                    .to_string();
                g.diagnostics.push(
                    Diagnostic::warning(
                        "unresolved-import",
                        format!("imported module {name} is encrypted ({how}); services declared there are not seen"),
                        span,
                    )
                    .with_note("run atelier-gen on a checkout where it is decrypted"),
                );
                return;
            }
            g.diagnostics.extend(d);
        }
    }
}

/// How a file that does not parse is encrypted, if it is.
fn encrypted(ev: &mut Evaluator, path: &std::path::Path) -> Option<&'static str> {
    let head = ev.inputs().head(path, 512).ok()?;
    if head.starts_with(b"\0GITCRYPT") {
        return Some("git-crypt");
    }
    let text = String::from_utf8_lossy(&head);
    (text.contains("ENC[AES256_GCM,") || text.contains("\"sops\"")).then_some("sops")
}

fn normalize(ev: &mut Evaluator, p: &std::path::Path) -> PathBuf {
    ev.inputs().normalize(p)
}
