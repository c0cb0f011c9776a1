//! String context and the store paths of sources, as Nix 2.8 computes
//! them: interpolating a path (`"${./dir}"`), `builtins.path`,
//! `builtins.filterSource` and `builtins.toFile` give the store path Nix
//! would copy to (nothing is written), and the string remembers it in its
//! context; `getContext`, `hasContext`, `appendContext` and the
//! `unsafeDiscard*` builtins read and change that context.
//!
//! A copy's store path maps back to its source: `import "${./dir}/x.nix"`
//! and `readFile "${./file}"` read the flake's own files.

use std::collections::HashMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use sha2::{Digest, Sha256};

use super::eval::{EvalResult, Evaluator};
use super::inputs::Kind;
use super::store::{make_store_path, STORE_DIR};
use super::value::{Context, NixString, Thunk, Unknown, UnknownOrigin, Value, STORE_MARK};
use crate::diagnostic::{Diagnostic, Span};

/// What an evaluation put in the store.
#[derive(Default)]
pub(crate) struct StoreState {
    /// `.drv` path → its `hashDerivationModulo`, for derivations that
    /// depend on it.
    drv_hashes: HashMap<String, [u8; 32]>,
    /// Store path of a copied source → the source.
    sources: HashMap<String, PathBuf>,
    /// Store path of a source copied through a filter → that filter: a
    /// listing of the store path keeps only what the filter kept.
    filters: HashMap<String, Value>,
    /// Interpolated paths already hashed (as Nix's `srcToStore`).
    copied: HashMap<PathBuf, String>,
}

/// The union of the contexts of the parts of a string.
#[derive(Default)]
pub(crate) struct Union {
    ctx: Context,
    tracked: bool,
    /// A part holds a store path but its context is not known.
    lost: bool,
}

impl Union {
    pub(crate) fn add(&mut self, s: &NixString) {
        match &s.context {
            Some(c) => {
                self.tracked = true;
                self.ctx.extend(c.iter().cloned());
            }
            None => self.lost |= s.text.contains(STORE_MARK),
        }
    }

    pub(crate) fn add_all(&mut self, c: &Context) {
        self.tracked = true;
        self.ctx.extend(c.iter().cloned());
    }

    pub(crate) fn nix_string(self, text: impl Into<Rc<str>>) -> NixString {
        NixString {
            text: text.into(),
            context: (self.tracked && !self.lost).then(|| Rc::new(self.ctx)),
        }
    }

    pub(crate) fn string(self, text: impl Into<Rc<str>>) -> Value {
        Value::String(self.nix_string(text))
    }

    /// A result cut from these parts that no longer shows the store
    /// directory although a part's context is not known: what it depends
    /// on is not known.
    fn lost_in(&self, text: &str) -> bool {
        self.lost && !text.contains(STORE_MARK)
    }
}

fn unknown(reason: impl Into<String>, span: &Span) -> Rc<Unknown> {
    Rc::new(Unknown {
        reason: reason.into(),
        span: Some(span.clone()),
        origin: UnknownOrigin::Opaque,
    })
}

fn error(code: &'static str, message: impl Into<String>, span: &Span) -> Vec<Diagnostic> {
    vec![Diagnostic::error(code, message, Some(span.clone()))]
}

/// `"${path}"`: the path's store path (as Nix copies it), with that path
/// as its context.
pub(crate) fn copy_path(
    ev: &mut Evaluator,
    path: &Path,
    span: &Span,
) -> EvalResult<Result<NixString, Rc<Unknown>>> {
    if let Some(done) = ev.store.copied.get(path) {
        return Ok(Ok(store_string(done.clone())));
    }
    let name = base_name(path);
    match add_to_store(ev, path, &name, None, true, span)? {
        Ok(p) => {
            ev.store.copied.insert(path.to_path_buf(), p.clone());
            Ok(Ok(store_string(p)))
        }
        Err(u) => Ok(Err(u)),
    }
}

fn store_string(p: String) -> NixString {
    let ctx: Context = [p.clone()].into_iter().collect();
    NixString {
        text: p.into(),
        context: Some(Rc::new(ctx)),
    }
}

fn base_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Nix's rule for the name part of a store path.
pub(crate) fn check_name(name: &str, span: &Span) -> EvalResult<()> {
    if name.is_empty() || name.starts_with('.') || name.len() > 211 {
        return Err(error(
            "type-error",
            format!("store path name '{name}' is empty, starts with '.' or is longer than 211 characters"),
            span,
        ));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "+-._?=".contains(*c)))
    {
        return Err(error(
            "type-error",
            format!("store path name '{name}' contains the character '{c}', which is not allowed in a store path"),
            span,
        ));
    }
    Ok(())
}

/// The store path Nix gives `path` added as `name`: the NAR hash of what
/// `filter` keeps (`recursive`), or the SHA-256 of a single file (flat).
/// Registered so that the store path reads back as the source.
pub(crate) fn add_to_store(
    ev: &mut Evaluator,
    path: &Path,
    name: &str,
    filter: Option<&Value>,
    recursive: bool,
    span: &Span,
) -> EvalResult<Result<String, Rc<Unknown>>> {
    check_name(name, span)?;
    let readable = match ev.inputs().canonicalize(path) {
        Ok(c) => ev.readable(&c),
        // A path outside the flake that is not here (`/var/lib/x`) may
        // well be on the machine Nix evaluates on.
        Err(_) if !ev.readable(path) => false,
        Err(e) => {
            return Err(error(
                "file-not-found",
                format!("cannot copy {} to the Nix store: {e}", path.display()),
                span,
            ))
        }
    };
    if !readable {
        return Ok(Err(unknown(
            format!(
                "{} is outside the flake; Nix copies it to the store, atelier-gen does not read it",
                path.display()
            ),
            span,
        )));
    }
    let fail = |e: std::io::Error| {
        error(
            "file-not-found",
            format!("cannot copy {} to the Nix store: {e}", path.display()),
            span,
        )
    };
    let store_path = if recursive {
        let mut nar = Nar(Sha256::new());
        nar.str(b"nix-archive-1").map_err(fail)?;
        if let Err(u) = nar_node(ev, &mut nar, path, filter, span)? {
            return Ok(Err(u));
        }
        let h: [u8; 32] = nar.0.finalize().into();
        make_store_path("source", &h, name)
    } else {
        if ev.inputs().lstat(path) != Some(Kind::Regular) {
            return Err(error(
                "type-error",
                format!(
                    "{} is not a regular file: with `recursive = false` Nix adds one file",
                    path.display()
                ),
                span,
            ));
        }
        let bytes = ev.inputs().read(path).map_err(fail)?;
        fixed_flat_path(&Sha256::digest(&bytes).into(), name)
    };
    ev.store
        .sources
        .insert(store_path.clone(), path.to_path_buf());
    if let Some(f) = filter {
        ev.store.filters.insert(store_path.clone(), f.clone());
    }
    Ok(Ok(store_path))
}

/// A source a fetcher found for `store_path` (where Nix would have put
/// it): the store path as a string with itself as context, reading back as
/// `src`.
pub(crate) fn fetched(ev: &mut Evaluator, store_path: String, src: &Path) -> NixString {
    ev.store
        .sources
        .insert(store_path.clone(), src.to_path_buf());
    store_string(store_path)
}

/// `makeFixedOutputPath(FileIngestionMethod::Flat, sha256, name)`.
fn fixed_flat_path(hash: &[u8; 32], name: &str) -> String {
    let inner = format!("fixed:out:sha256:{}:", hex::encode(hash));
    make_store_path("output:out", &Sha256::digest(inner.as_bytes()).into(), name)
}

struct Nar(Sha256);

impl Nar {
    fn str(&mut self, s: &[u8]) -> std::io::Result<()> {
        self.0.write_all(&(s.len() as u64).to_le_bytes())?;
        self.0.write_all(s)?;
        self.0.write_all(&[0u8; 8][..(8 - s.len() % 8) % 8])
    }
}

/// One node of the NAR serialisation (as `src/flake/nar.rs`), asking
/// `filter` about every entry below the root, as Nix does; file system
/// questions go through [`super::inputs::Inputs`] so a cached plan sees
/// the edit.
/// Whether a source filter (`path: type: bool`) keeps `path`, of `kind`.
pub(crate) fn kept_by(
    ev: &mut Evaluator,
    filter: &Value,
    path: &Path,
    kind: Kind,
    span: &Span,
) -> EvalResult<Result<bool, Rc<Unknown>>> {
    let keep = ev.apply(filter, Value::string(path.to_string_lossy().as_ref()))?;
    let keep = ev.apply(&keep, Value::string(kind.name()))?;
    match keep {
        Value::Bool(b) => Ok(Ok(b)),
        Value::Unknown(u) => Ok(Err(Unknown::derived(&u))),
        other => Err(error(
            "type-error",
            format!(
                "the filter returned {} for {}; it must return a Boolean",
                other.type_name(),
                path.display()
            ),
            span,
        )),
    }
}

fn nar_node(
    ev: &mut Evaluator,
    nar: &mut Nar,
    path: &Path,
    filter: Option<&Value>,
    span: &Span,
) -> EvalResult<Result<(), Rc<Unknown>>> {
    use std::os::unix::ffi::OsStrExt as _;
    let fail = |e: std::io::Error| {
        error(
            "file-not-found",
            format!("cannot copy {} to the Nix store: {e}", path.display()),
            span,
        )
    };
    let kind = ev.inputs().lstat(path);
    nar.str(b"(").map_err(fail)?;
    nar.str(b"type").map_err(fail)?;
    match kind {
        Some(Kind::Symlink) => {
            let target = ev.inputs().symlink_target(path).map_err(fail)?;
            nar.str(b"symlink").map_err(fail)?;
            nar.str(b"target").map_err(fail)?;
            nar.str(target.as_os_str().as_bytes()).map_err(fail)?;
        }
        Some(Kind::Regular) => {
            let bytes = ev.inputs().read(path).map_err(fail)?;
            let executable = ev.inputs().is_executable(path).map_err(fail)?;
            nar.str(b"regular").map_err(fail)?;
            if executable {
                nar.str(b"executable").map_err(fail)?;
                nar.str(b"").map_err(fail)?;
            }
            nar.str(b"contents").map_err(fail)?;
            nar.str(&bytes).map_err(fail)?;
        }
        Some(Kind::Directory) => {
            nar.str(b"directory").map_err(fail)?;
            let mut entries = ev.inputs().read_dir(path).map_err(fail)?;
            entries.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            for (name, kind) in entries {
                let child = path.join(&name);
                if let Some(f) = filter {
                    match kept_by(ev, f, &child, kind, span)? {
                        Ok(true) => {}
                        Ok(false) => continue,
                        Err(u) => return Ok(Err(u)),
                    }
                }
                nar.str(b"entry").map_err(fail)?;
                nar.str(b"(").map_err(fail)?;
                nar.str(b"name").map_err(fail)?;
                nar.str(name.as_bytes()).map_err(fail)?;
                nar.str(b"node").map_err(fail)?;
                if let Err(u) = nar_node(ev, nar, &child, filter, span)? {
                    return Ok(Err(u));
                }
                nar.str(b")").map_err(fail)?;
            }
        }
        _ => {
            return Err(error(
                "file-not-found",
                format!(
                    "cannot copy {} to the Nix store: it is not a file, directory or symlink",
                    path.display()
                ),
                span,
            ))
        }
    }
    nar.str(b")").map_err(fail)?;
    Ok(Ok(()))
}

impl Evaluator {
    /// The flake file behind a string naming (a file in) a store path that
    /// this evaluation copied a source to, e.g. `"${./modules}/a.nix"`.
    pub fn source_of_store_path(&self, s: &str) -> Option<PathBuf> {
        source_of(self, s)
    }
}

/// The source behind a string naming a store path this evaluation copied
/// (or below one): `"${./dir}/x.nix"` reads the flake's `dir/x.nix`.
pub(crate) fn source_of(ev: &Evaluator, s: &str) -> Option<PathBuf> {
    let rest = s.strip_prefix(STORE_MARK)?;
    let end = rest.find('/').unwrap_or(rest.len());
    let src = ev.store.sources.get(&s[..STORE_MARK.len() + end])?;
    let tail = rest[end..].trim_start_matches('/');
    Some(if tail.is_empty() {
        src.clone()
    } else {
        src.join(tail)
    })
}

/// The filter a store path this evaluation copied (or one below it) was
/// copied through, if any.
pub(crate) fn filter_of(ev: &Evaluator, s: &str) -> Option<Value> {
    let rest = s.strip_prefix(STORE_MARK)?;
    let end = rest.find('/').unwrap_or(rest.len());
    ev.store.filters.get(&s[..STORE_MARK.len() + end]).cloned()
}

/// An attribute name may not refer to a store path (Nix's
/// `forceStringNoCtx`).
pub(crate) fn no_context(s: &NixString, span: &Span) -> EvalResult<()> {
    match s.context.as_ref().and_then(|c| c.iter().next()) {
        Some(c) => Err(error(
            "type-error",
            format!(
                "the string '{}' is not allowed to refer to a store path (such as '{}')",
                s.text,
                c.trim_start_matches('=').rsplit('!').next().unwrap_or(c)
            ),
            span,
        )),
        None => Ok(()),
    }
}

// ---------------------------------------------------------------- builtins

fn force_string(
    ev: &mut Evaluator,
    t: &Thunk,
    span: &Span,
) -> EvalResult<Result<NixString, Value>> {
    let v = ev.force(t)?;
    Ok(ev
        .coerce_to_nix_string(&v, span, false)?
        .map_err(Value::Unknown))
}

fn context_unknown(span: &Span) -> Value {
    Value::Unknown(unknown(
        "the string holds a store path that atelier-gen did not put there itself, so what it depends on (its context) is not known",
        span,
    ))
}

/// `builtins.hasContext`.
pub(crate) fn has_context(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    Ok(match force_string(ev, &a[0], span)? {
        Ok(s) => match s.context_known() {
            Some(c) => Value::Bool(!c.is_empty()),
            None => context_unknown(span),
        },
        Err(u) => u,
    })
}

/// `builtins.getContext`: `{ <path> = { path = true; allOutputs = true;
/// outputs = [ … ]; }; }` with only the keys that apply.
pub(crate) fn get_context(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    let s = match force_string(ev, &a[0], span)? {
        Ok(s) => s,
        Err(u) => return Ok(u),
    };
    let Some(ctx) = s.context_known() else {
        return Ok(context_unknown(span));
    };
    let mut info: std::collections::BTreeMap<String, (bool, bool, Vec<String>)> =
        std::collections::BTreeMap::new();
    for c in &ctx {
        if let Some(drv) = c.strip_prefix('=') {
            info.entry(drv.to_string()).or_default().1 = true;
        } else if let Some(rest) = c.strip_prefix('!') {
            if let Some((out, drv)) = rest.split_once('!') {
                info.entry(drv.to_string())
                    .or_default()
                    .2
                    .push(out.to_string());
            }
        } else {
            info.entry(c.clone()).or_default().0 = true;
        }
    }
    Ok(Value::attrs(info.into_iter().map(
        |(p, (path, all, outs))| {
            let mut e = Vec::new();
            if path {
                e.push(("path".to_string(), Value::Bool(true)));
            }
            if all {
                e.push(("allOutputs".to_string(), Value::Bool(true)));
            }
            if !outs.is_empty() {
                e.push((
                    "outputs".to_string(),
                    Value::list(outs.into_iter().map(Value::string)),
                ));
            }
            (p, Value::attrs(e))
        },
    )))
}

/// `builtins.unsafeDiscardStringContext`.
pub(crate) fn discard_context(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    Ok(match force_string(ev, &a[0], span)? {
        Ok(s) => Value::string_with_context(s.text, Some(Rc::new(Context::new()))),
        Err(u) => u,
    })
}

/// `builtins.unsafeDiscardOutputDependency`: a derivation with all its
/// outputs becomes the `.drv` file alone.
pub(crate) fn discard_output_dependency(
    ev: &mut Evaluator,
    a: &[Thunk],
    span: &Span,
) -> EvalResult<Value> {
    let s = match force_string(ev, &a[0], span)? {
        Ok(s) => s,
        Err(u) => return Ok(u),
    };
    let Some(ctx) = &s.context else {
        return Ok(Value::String(s));
    };
    let ctx: Context = ctx
        .iter()
        .map(|c| c.strip_prefix('=').unwrap_or(c).to_string())
        .collect();
    Ok(Value::string_with_context(s.text, Some(Rc::new(ctx))))
}

fn is_drv(p: &str) -> bool {
    Path::new(p).extension().is_some_and(|e| e == "drv")
}

fn is_store_path(p: &str) -> bool {
    p.strip_prefix(STORE_MARK)
        .is_some_and(|r| r.len() > 33 && !r.contains('/') && r.as_bytes()[32] == b'-')
}

/// `builtins.appendContext s { <path> = { path; allOutputs; outputs; }; }`.
pub(crate) fn append_context(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    let s = match force_string(ev, &a[0], span)? {
        Ok(s) => s,
        Err(u) => return Ok(u),
    };
    let attrs = match ev.force(&a[1])? {
        Value::Attrs(x) => x,
        Value::Unknown(u) => return Ok(Value::Unknown(Unknown::derived(&u))),
        other => {
            return Err(error(
                "type-error",
                format!("appendContext: expected a set, got {}", other.type_name()),
                span,
            ))
        }
    };
    if let Some(u) = &attrs.unknown_keys {
        return Ok(Value::Unknown(Unknown::derived(u)));
    }
    let mut union = Union::default();
    union.add(&s);
    let mut added = Context::new();
    for (p, e) in &attrs.entries {
        if !is_store_path(p) {
            return Err(error(
                "type-error",
                format!("context key '{p}' is not a store path"),
                span,
            ));
        }
        let info = match ev.force(&e.value)? {
            Value::Attrs(x) => x,
            Value::Unknown(u) => return Ok(Value::Unknown(Unknown::derived(&u))),
            other => {
                return Err(error(
                    "type-error",
                    format!(
                        "appendContext: the value of '{p}' must be a set, not {}",
                        other.type_name()
                    ),
                    span,
                ))
            }
        };
        let flag = |ev: &mut Evaluator, key: &str| -> EvalResult<Result<bool, Value>> {
            match info.get(key) {
                None => Ok(Ok(false)),
                Some(e) => match ev.force(&e.value)? {
                    Value::Bool(b) => Ok(Ok(b)),
                    Value::Unknown(u) => Ok(Err(Value::Unknown(Unknown::derived(&u)))),
                    other => Err(error(
                        "type-error",
                        format!(
                            "appendContext: `{key}` of '{p}' must be a Boolean, not {}",
                            other.type_name()
                        ),
                        span,
                    )),
                },
            }
        };
        match flag(ev, "path")? {
            Ok(true) => {
                added.insert(p.clone());
            }
            Ok(false) => {}
            Err(u) => return Ok(u),
        }
        match flag(ev, "allOutputs")? {
            Ok(true) => {
                if !is_drv(p) {
                    return Err(error(
                        "type-error",
                        format!("tried to add all-outputs context of {p}, which is not a derivation, to a string"),
                        span,
                    ));
                }
                added.insert(format!("={p}"));
            }
            Ok(false) => {}
            Err(u) => return Ok(u),
        }
        if let Some(o) = info.get("outputs") {
            let items = match ev.force(&o.value)? {
                Value::List(l) => l,
                Value::Unknown(u) => return Ok(Value::Unknown(Unknown::derived(&u))),
                other => {
                    return Err(error(
                        "type-error",
                        format!(
                            "appendContext: `outputs` of '{p}' must be a list, not {}",
                            other.type_name()
                        ),
                        span,
                    ))
                }
            };
            if !items.is_empty() && !is_drv(p) {
                return Err(error(
                    "type-error",
                    format!("tried to add derivation output context of {p}, which is not a derivation, to a string"),
                    span,
                ));
            }
            for t in items.iter() {
                match ev.force(t)? {
                    Value::String(o) => {
                        added.insert(format!("!{o}!{p}"));
                    }
                    Value::Unknown(u) => return Ok(Value::Unknown(Unknown::derived(&u))),
                    other => {
                        return Err(error(
                            "type-error",
                            format!(
                                "appendContext: an output name of '{p}' must be a string, not {}",
                                other.type_name()
                            ),
                            span,
                        ))
                    }
                }
            }
        }
    }
    union.add_all(&added);
    Ok(union.string(s.text))
}

/// `builtins.toFile name text`: a text file in the store whose references
/// are the store paths in the text's context.
pub(crate) fn to_file(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    let name = match ev.force(&a[0])? {
        Value::String(s) => s.text.to_string(),
        Value::Unknown(u) => return Ok(Value::Unknown(Unknown::derived(&u))),
        other => {
            return Err(error(
                "type-error",
                format!(
                    "toFile: the name must be a string, not {}",
                    other.type_name()
                ),
                span,
            ))
        }
    };
    let text = match force_string(ev, &a[1], span)? {
        Ok(s) => s,
        Err(u) => return Ok(u),
    };
    let Some(ctx) = text.context_known() else {
        return Ok(context_unknown(span));
    };
    let mut refs = Vec::new();
    for c in &ctx {
        if c.starts_with('=') || c.starts_with('!') {
            return Err(error(
                "type-error",
                format!("in 'toFile': the file '{name}' cannot refer to derivation outputs"),
                span,
            ));
        }
        refs.push(c.as_str());
    }
    check_name(&name, span)?;
    let p = super::store::text_path(&name, &text, &refs);
    Ok(Value::String(store_string(p)))
}

/// `builtins.storePath`: impure (it needs the path to be in the store).
pub(crate) fn store_path(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    Ok(match force_string(ev, &a[0], span)? {
        Ok(s) => Value::Unknown(unknown(
            format!(
                "builtins.storePath {} needs that path in the Nix store; flakes evaluate purely, where Nix refuses it",
                s.text
            ),
            span,
        )),
        Err(u) => u,
    })
}

/// A path argument: a path value, or a string naming a copied source.
fn source_arg(
    ev: &mut Evaluator,
    v: &Value,
    what: &str,
    span: &Span,
) -> EvalResult<Result<PathBuf, Value>> {
    match v {
        Value::Path(p) => Ok(Ok(p.to_path_buf())),
        Value::String(s) => {
            if let Some(src) = source_of(ev, &s.text) {
                return Ok(Ok(src));
            }
            if s.text.starts_with(STORE_DIR) {
                return Ok(Err(Value::Unknown(unknown(
                    format!(
                        "{what}: {} is a store path that atelier-gen did not compute",
                        s.text
                    ),
                    span,
                ))));
            }
            if s.text.starts_with('/') {
                return Ok(Ok(PathBuf::from(&*s.text)));
            }
            Err(error(
                "type-error",
                format!(
                    "{what}: string '{}' doesn't represent an absolute path",
                    s.text
                ),
                span,
            ))
        }
        Value::Unknown(u) => Ok(Err(Value::Unknown(Unknown::derived(u)))),
        other => Err(error(
            "type-error",
            format!("{what}: expected a path, got {}", other.type_name()),
            span,
        )),
    }
}

/// `builtins.filterSource filter path`.
pub(crate) fn filter_source(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    let filter = ev.force(&a[0])?;
    if let Value::Unknown(u) = &filter {
        return Ok(Value::Unknown(Unknown::derived(u)));
    }
    let p = ev.force(&a[1])?;
    let path = match source_arg(ev, &p, "filterSource", span)? {
        Ok(p) => p,
        Err(u) => return Ok(u),
    };
    let name = base_name(&path);
    Ok(
        match add_to_store(ev, &path, &name, Some(&filter), true, span)? {
            Ok(p) => Value::String(store_string(p)),
            Err(u) => Value::Unknown(u),
        },
    )
}

/// `builtins.path { path; name ? baseNameOf path; filter ? null;
/// recursive ? true; sha256 ? null; }`.
pub(crate) fn path(ev: &mut Evaluator, a: &[Thunk], span: &Span) -> EvalResult<Value> {
    let attrs = match ev.force(&a[0])? {
        Value::Attrs(x) => x,
        Value::Unknown(u) => return Ok(Value::Unknown(Unknown::derived(&u))),
        other => {
            return Err(error(
                "type-error",
                format!("builtins.path: expected a set, got {}", other.type_name()),
                span,
            ))
        }
    };
    if let Some(u) = &attrs.unknown_keys {
        return Ok(Value::Unknown(Unknown::derived(u)));
    }
    let mut path = None;
    let mut name = None;
    let mut filter = None;
    let mut recursive = true;
    let mut sha256 = None;
    for (k, e) in &attrs.entries {
        let v = ev.force(&e.value)?;
        if let Value::Unknown(u) = &v {
            return Ok(Value::Unknown(Unknown::derived(u)));
        }
        match k.as_str() {
            "path" => match source_arg(ev, &v, "builtins.path", span)? {
                Ok(p) => path = Some(p),
                Err(u) => return Ok(u),
            },
            "name" => match v {
                Value::String(s) => name = Some(s.text.to_string()),
                other => {
                    return Err(error(
                        "type-error",
                        format!(
                            "builtins.path: `name` must be a string, not {}",
                            other.type_name()
                        ),
                        span,
                    ))
                }
            },
            "filter" => filter = Some(v),
            "recursive" => match v {
                Value::Bool(b) => recursive = b,
                other => {
                    return Err(error(
                        "type-error",
                        format!(
                            "builtins.path: `recursive` must be a Boolean, not {}",
                            other.type_name()
                        ),
                        span,
                    ))
                }
            },
            "sha256" => match v {
                Value::String(s) => sha256 = Some(s.text.to_string()),
                other => {
                    return Err(error(
                        "type-error",
                        format!(
                            "builtins.path: `sha256` must be a string, not {}",
                            other.type_name()
                        ),
                        span,
                    ))
                }
            },
            other => {
                return Err(error(
                    "type-error",
                    format!("unsupported argument '{other}' to 'addPath'"),
                    span,
                ))
            }
        }
    }
    let Some(path) = path else {
        return Err(error(
            "missing-attribute",
            "'path' required in builtins.path",
            span,
        ));
    };
    let name = name.unwrap_or_else(|| base_name(&path));
    let got = match add_to_store(ev, &path, &name, filter.as_ref(), recursive, span)? {
        Ok(p) => p,
        Err(u) => return Ok(Value::Unknown(u)),
    };
    if let Some(want) = sha256 {
        let Some(digest) = parse_sha256(&want) else {
            return Err(error(
                "type-error",
                format!("builtins.path: `sha256` '{want}' is not a SHA-256 hash (base-16, base-32, base-64 or SRI)"),
                span,
            ));
        };
        let expected = if recursive {
            make_store_path("source", &digest, &name)
        } else {
            fixed_flat_path(&digest, &name)
        };
        if expected != got {
            return Err(error(
                "hash-mismatch",
                format!(
                    "store path mismatch in (possibly filtered) path added from '{}': wanted {expected}, got {got}",
                    path.display()
                ),
                span,
            ));
        }
    }
    Ok(Value::String(store_string(got)))
}

/// A SHA-256 hash in any of Nix's forms.
fn parse_sha256(s: &str) -> Option<[u8; 32]> {
    use base64::Engine as _;
    let s = s.strip_prefix("sha256:").unwrap_or(s);
    if let Some(b64) = s.strip_prefix("sha256-") {
        return base64::engine::general_purpose::STANDARD
            .decode(b64)
            .ok()?
            .try_into()
            .ok();
    }
    match s.len() {
        64 => hex::decode(s).ok()?.try_into().ok(),
        52 => from_base32(s),
        44 => base64::engine::general_purpose::STANDARD
            .decode(s)
            .ok()?
            .try_into()
            .ok(),
        _ => None,
    }
}

fn from_base32(s: &str) -> Option<[u8; 32]> {
    const CHARS: &[u8; 32] = b"0123456789abcdfghijklmnpqrsvwxyz";
    let mut out = [0u8; 32];
    for (n, c) in s.bytes().rev().enumerate() {
        let digit = u32::try_from(CHARS.iter().position(|&x| x == c)?).ok()?;
        let b = n * 5;
        let i = b / 8;
        let j = b % 8;
        let [low, carry, ..] = (digit << j).to_le_bytes();
        *out.get_mut(i)? |= low;
        if i + 1 < 32 {
            out[i + 1] |= carry;
        } else if carry != 0 {
            return None;
        }
    }
    Some(out)
}

/// Runs a builtin that builds strings from its string arguments
/// (`substring`, `replaceStrings`, `concatStringsSep`, `baseNameOf`,
/// `dirOf`): its string results carry the union of the arguments'
/// contexts, as in Nix. Where an argument holds a store path without a
/// known context and the result dropped it, the result is unknown.
pub(crate) fn carry_context(
    ev: &mut Evaluator,
    a: &[Thunk],
    span: &Span,
    f: super::value::PrimOpFn,
    inputs: &[usize],
) -> EvalResult<Value> {
    let r = f(ev, a, span)?;
    let mut union = Union::default();
    for &i in inputs {
        let v = ev.force(&a[i])?;
        if let Err(u) = collect(ev, &v, &mut union, span)? {
            return Ok(u);
        }
    }
    Ok(match r {
        Value::String(s) => {
            if union.lost_in(&s.text) {
                context_unknown(span)
            } else {
                union.string(s.text)
            }
        }
        other => other,
    })
}

/// Adds the contexts of a string (or of the forced strings of a list) to
/// `union`.
fn collect(
    ev: &mut Evaluator,
    v: &Value,
    union: &mut Union,
    span: &Span,
) -> EvalResult<Result<(), Value>> {
    match v {
        Value::String(s) => union.add(s),
        Value::List(items) => {
            for t in items.iter() {
                match t.peek() {
                    // A path in a list is copied (`concatStringsSep`).
                    Some(Value::Path(_)) => {
                        let x = ev.force(t)?;
                        match ev.coerce_to_nix_string(&x, span, false)? {
                            Ok(s) => union.add(&s),
                            Err(u) => return Ok(Err(Value::Unknown(u))),
                        }
                    }
                    Some(x) => {
                        if let Err(u) = collect(ev, &x, union, span)? {
                            return Ok(Err(u));
                        }
                    }
                    None => {}
                }
            }
        }
        Value::Attrs(a) => {
            if a.get("__toString").is_some() {
                match ev.coerce_to_nix_string(v, span, false)? {
                    Ok(s) => union.add(&s),
                    Err(u) => return Ok(Err(Value::Unknown(u))),
                }
            } else if let Some(o) = a.get("outPath") {
                // `toJSON` peels `outPath`, whatever it holds.
                let o = ev.force(&o.value)?;
                return collect(ev, &o, union, span);
            } else {
                // The values `toJSON` forced.
                for e in a.entries.values() {
                    if let Some(x) = e.value.peek() {
                        if let Err(u) = collect(ev, &x, union, span)? {
                            return Ok(Err(u));
                        }
                    }
                }
            }
        }
        _ => {}
    }
    Ok(Ok(()))
}

/// `builtins.replaceStrings from to s`: the result has the context of `s`
/// and of each replacement that is used, as in Nix.
pub(crate) fn replace_strings_context(
    ev: &mut Evaluator,
    a: &[Thunk],
    span: &Span,
) -> EvalResult<Value> {
    let r = super::builtins::replace_strings(ev, a, span)?;
    let Value::String(out) = r else {
        return Ok(r);
    };
    let (Some(Value::List(from)), Some(Value::List(to)), Some(Value::String(s))) =
        (a[0].peek(), a[1].peek(), a[2].peek())
    else {
        return Ok(Value::String(out));
    };
    let mut union = Union::default();
    union.add(&s);
    for (f, t) in from.iter().zip(to.iter()) {
        let used = match f.peek() {
            Some(Value::String(f)) => f.text.is_empty() || s.text.contains(&*f.text),
            _ => false,
        };
        if used {
            if let Some(Value::String(t)) = t.peek() {
                union.add(&t);
            }
        }
    }
    Ok(if union.lost_in(&out.text) {
        context_unknown(span)
    } else {
        union.string(out.text)
    })
}

/// Runs `match` or `split`, whose strings have no context in Nix (even
/// when they hold a store path).
pub(crate) fn without_context(
    ev: &mut Evaluator,
    a: &[Thunk],
    span: &Span,
    f: super::value::PrimOpFn,
) -> EvalResult<Value> {
    fn clear(v: Value) -> Value {
        match v {
            Value::String(s) if s.context.is_none() && s.text.contains(STORE_MARK) => {
                Value::string_with_context(s.text, Some(Rc::new(Context::new())))
            }
            Value::List(items) => Value::list(items.iter().map(|t| match t.peek() {
                Some(x) => clear(x),
                None => Value::Null,
            })),
            other => other,
        }
    }
    Ok(clear(f(ev, a, span)?))
}

/// Inputs of a derivation whose attributes had the context `inputs`:
/// plain paths are input sources, `!out!drv` an output of a derivation
/// this evaluation computed. Otherwise (a context not known, a derivation
/// with all its outputs, whose closure Nix reads from the store) unknown.
#[allow(clippy::type_complexity)]
pub(crate) fn derivation_inputs(
    ev: &Evaluator,
    inputs: Union,
    span: &Span,
) -> Result<
    (
        std::collections::BTreeSet<String>,
        std::collections::BTreeMap<String, (String, std::collections::BTreeSet<String>)>,
    ),
    Value,
> {
    let why = |w: &str| {
        Value::Unknown(unknown(
            format!("{w}: Nix computes this derivation's store paths when it builds"),
            span,
        ))
    };
    if inputs.lost {
        return Err(why(
            "an attribute holds a store path whose context atelier-gen does not know",
        ));
    }
    let mut srcs = std::collections::BTreeSet::new();
    let mut drvs: std::collections::BTreeMap<String, (String, std::collections::BTreeSet<String>)> =
        std::collections::BTreeMap::new();
    for c in inputs.ctx {
        if c.starts_with('=') {
            return Err(why(
                "an attribute depends on a derivation with all its outputs",
            ));
        } else if let Some(rest) = c.strip_prefix('!') {
            let Some((out, drv)) = rest.split_once('!') else {
                return Err(why("an attribute has a malformed context"));
            };
            let Some(h) = ev.store.drv_hashes.get(drv) else {
                return Err(why(
                    "an attribute depends on a derivation atelier-gen did not compute",
                ));
            };
            drvs.entry(drv.to_string())
                .or_insert_with(|| (hex::encode(h), std::collections::BTreeSet::new()))
                .1
                .insert(out.to_string());
        } else {
            srcs.insert(c);
        }
    }
    Ok((srcs, drvs))
}

/// Remembers a computed derivation, so that those depending on it can be
/// computed too.
pub(crate) fn remember_derivation(ev: &mut Evaluator, drv_path: &str, modulo: [u8; 32]) {
    ev.store.drv_hashes.insert(drv_path.to_string(), modulo);
}
