//! The lazy static evaluator.

use std::path::{Component, Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;

use rustc_hash::{FxHashMap, FxHashSet};

use super::builtins;
use super::collect::Cycles;
use super::inputs::{self, Answer, Inputs, Kind, Probe, Stamp};
use super::prefetch;
use super::syntax::{
    self, AttrName, AttrsDef, BinOp, Binding, Expr, ExprKind, ExprRef, Param, PathKind, StrPart,
};
use super::syntax_cache::{self, SyntaxCache};
use super::value::{
    Attrs, Closure, Env, PrimOpApp, Scope, ScopeKind, Thunk, ThunkState, Unknown, UnknownOrigin,
    Value,
};
use crate::diagnostic::{Diagnostic, SourceFile, Span};

/// What evaluating up to a tail position gives: a value, or a call still
/// to be made.
enum Tail {
    Value(Value),
    Call(Value, Thunk, Span),
}

/// Calls a function may make in tail position, one after the other (each
/// takes no stack): Nix 2.8 evaluates 100,000-deep tail recursion; a
/// tail call that never ends is still an error.
pub const MAX_TAIL_CALLS: usize = 250_000;

/// Errors are diagnostics; a parse error can come with several.
pub type EvalResult<T> = Result<T, Vec<Diagnostic>>;

/// Default limit on nested evaluation (function calls inside function calls,
/// thunks forcing thunks), like Nix's `max-call-depth`. The stack grows on
/// demand (stacker), so this is a semantic limit, not a stack-size guess.
pub const DEFAULT_MAX_DEPTH: usize = 10_000;

/// When less than this much stack is left, evaluation continues on a new
/// heap-allocated stack segment of [`STACK_SEGMENT`] bytes.
const RED_ZONE: usize = 256 * 1024;
const STACK_SEGMENT: usize = 8 * 1024 * 1024;

/// Largest string (bytes) or list (elements) one evaluation step may build.
/// Declarations are small; without a bound, a few lines of doubling
/// (`s1 = s0 + s0; s2 = s1 + s1; ...`) or `genList f 1e15` exhaust memory
/// and abort the process instead of reporting an error.
pub const MAX_VALUE_SIZE: usize = 64 << 20;

/// Longest list one evaluation step may build (each element is a thunk).
pub const MAX_LIST_LEN: usize = 1 << 22;

/// `value-too-large` when a list of `len` elements exceeds [`MAX_LIST_LEN`].
pub(crate) fn check_list_len(len: usize, span: &Span) -> EvalResult<()> {
    if len > MAX_LIST_LEN {
        return err(
            "value-too-large",
            format!("a list of {len} elements would exceed atelier-gen's limit of {MAX_LIST_LEN}"),
            span,
        );
    }
    Ok(())
}

/// `value-too-large` when `len` exceeds [`MAX_VALUE_SIZE`].
pub(crate) fn check_size(len: usize, what: &str, span: &Span) -> EvalResult<()> {
    if len > MAX_VALUE_SIZE {
        return err(
            "value-too-large",
            format!("{what} of {len} would exceed atelier-gen's limit of {MAX_VALUE_SIZE}"),
            span,
        );
    }
    Ok(())
}

pub(crate) fn err<T>(code: &'static str, msg: impl Into<String>, span: &Span) -> EvalResult<T> {
    Err(vec![Diagnostic::error(code, msg, Some(span.clone()))])
}

pub(crate) fn type_err<T>(expected: &str, got: &Value, span: &Span) -> EvalResult<T> {
    err(
        "type-error",
        format!("value is {} while {expected} was expected", got.type_name()),
        span,
    )
}

/// A file read and parsed, with what reading it answered.
type Loaded = (EvalResult<ExprRef>, Answer, Option<Stamp>);

/// Files in one [`Evaluator::prefetch`] batch below which parsing stays lazy.
const PREFETCH_MIN: usize = 8;
const PREFETCH_MAX_WORKERS: usize = 8;

fn display_name(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .map_or_else(|_| path.display().to_string(), |p| p.display().to_string())
}

fn unreadable(path: &Path, e: &std::io::Error) -> Vec<Diagnostic> {
    vec![Diagnostic::error(
        "file-not-found",
        format!("cannot read {}: {e}", path.display()),
        None,
    )]
}

/// Reads and parses one (canonical) file; runs on any thread. Also gives
/// what reading it answered, for [`Inputs`].
/// With a syntax cache, a file whose contents were lowered before is not
/// parsed again.
fn load_and_parse(root: &Path, canon: &Path, cache: Option<&SyntaxCache>) -> Loaded {
    let (read, answer, stamp) = inputs::read_file(canon);
    let cache = cache.zip(answer.as_ref().ok());
    (
        read.map_err(|e| unreadable(canon, &e))
            .and_then(|bytes| parse_bytes(root, canon, bytes, cache)),
        answer,
        stamp,
    )
}

fn parse_bytes(
    root: &Path,
    canon: &Path,
    bytes: Vec<u8>,
    cache: Option<(&SyntaxCache, &String)>,
) -> EvalResult<ExprRef> {
    let name = display_name(root, canon);
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            let prefix = String::from_utf8_lossy(&bytes[..valid]).into_owned();
            let file = Arc::new(SourceFile {
                name,
                path: canon.to_path_buf(),
                text: prefix,
            });
            let span = Span {
                file,
                start: valid,
                end: valid,
            };
            return Err(vec![Diagnostic::error(
                "invalid-utf8",
                "file is not valid UTF-8",
                Some(span),
            )
            .with_note("Nix sources must be UTF-8; re-save the file as UTF-8")]);
        }
    };
    let file = Arc::new(SourceFile {
        name,
        path: canon.to_path_buf(),
        text,
    });
    match cache {
        Some((cache, digest)) => cache.parse(digest, &file),
        None => syntax::parse(&file),
    }
}

/// Evaluates Nix files below a root directory (the flake root). Imports
/// outside the root are refused.
pub struct Evaluator {
    root: PathBuf,
    /// Parsed files (or their parse errors) by canonical path.
    parsed: FxHashMap<PathBuf, EvalResult<ExprRef>>,
    /// Import targets by the path asked for (see [`Evaluator::resolve_import`]).
    resolved: FxHashMap<PathBuf, Option<PathBuf>>,
    /// Files being parsed in the background ([`Evaluator::prefetch`]).
    pending: FxHashMap<PathBuf, (Rc<prefetch::Batch<Loaded>>, usize)>,
    /// What was asked of the file system, and answered.
    inputs: Inputs,
    /// Canonical forms of the directories imports were found in.
    canonical_dirs: FxHashMap<PathBuf, Option<PathBuf>>,
    /// Evaluated (weak head normal form) files by canonical path.
    imported: FxHashMap<PathBuf, Value>,
    /// Files whose top level is being evaluated, for cycle reports.
    importing: Vec<PathBuf>,
    base_env: Env,
    lib: Option<Value>,
    depth: usize,
    max_depth: usize,
    /// Messages of `builtins.trace`, in order.
    pub traces: Vec<String>,
    /// How many unknowns `seq`/`deepSeq` forced and dropped: whether those
    /// would throw is not known, so `tryEval` around them is not either.
    pub(crate) unknowns_dropped: u64,
    /// Sources of flake inputs, readable like the flake itself.
    input_roots: Vec<PathBuf>,
    /// What this evaluation put in the Nix store (see `context.rs`).
    pub(crate) store: super::context::StoreState,
    /// Lowered trees of earlier runs ([`syntax_cache::with`]).
    syntax_cache: Option<Arc<SyntaxCache>>,
    /// What may close a reference cycle, freed on drop (`collect.rs`).
    cycles: Cycles,
    /// Objects that live as long as the evaluation ([`Evaluator::keep_alive`]).
    kept: Vec<Box<dyn std::any::Any>>,
    /// Input sources kept in part (a fetched nixpkgs, see `flake::prune`).
    pruned: Vec<crate::flake::prune::Pruned>,
    /// nixpkgs sources read (see [`NixpkgsRoot`]).
    nixpkgs_roots: Vec<NixpkgsRoot>,
    /// What is done with a source a fetcher (`builtins.fetchTarball`)
    /// found: set by the flake's evaluation, which knows nixpkgs and
    /// reports sources (`src/discover/flake.rs`).
    on_fetched: Option<OnFetched>,
}

/// A source `builtins.fetchTarball` found.
pub struct Fetched<'a> {
    pub url: &'a str,
    /// Where it is here.
    pub src: &'a Path,
    /// The string the call gives (the store path Nix gives it).
    pub store_path: Value,
    pub origin: crate::discover::lock::Origin,
}

/// See [`Evaluator::on_fetched`].
pub type OnFetched = Rc<dyn Fn(&mut Evaluator, &Fetched) -> EvalResult<()>>;

/// A nixpkgs read from its source at `root`, and what importing its files
/// gives, as NixOS and nixpkgs' package set are not evaluated statically:
/// `import <root> { … }` (also its `default.nix`,
/// `pkgs/top-level/impure.nix`) is `import` (a function of the import's
/// arguments, `nixpkgsImport` of src/discover/flake.nix);
/// `nixos/lib/eval-config.nix` is `lib.nixosSystem` (atelier's host
/// marker); `nixos` (its `default.nix`, `{ configuration, system }`) is
/// `nixos`.
pub struct NixpkgsRoot {
    pub root: PathBuf,
    pub import: Value,
    pub lib: Value,
    pub nixos: Value,
}

/// Dropping the evaluator frees what its evaluation built, reference
/// cycles included (`collect.rs`); values the caller still holds, and what
/// they reach, stay as they are.
impl Drop for Evaluator {
    fn drop(&mut self) {
        // The evaluator's own references first: they would count as held.
        self.kept.clear();
        self.imported.clear();
        self.lib = None;
        self.on_fetched = None;
        self.nixpkgs_roots.clear();
        self.base_env = Scope::vars(None, FxHashMap::default());
        self.cycles.collect();
    }
}

impl Evaluator {
    /// An evaluator for files below `root` (usually the flake directory).
    pub fn new(root: impl AsRef<Path>) -> Self {
        let root = root.as_ref();
        let mut inputs = Inputs::default();
        let root = inputs
            .canonicalize(root)
            .unwrap_or_else(|_| root.to_path_buf());
        let base_env = builtins::base_env();
        Evaluator {
            root,
            parsed: FxHashMap::default(),
            resolved: FxHashMap::default(),
            canonical_dirs: FxHashMap::default(),
            pending: FxHashMap::default(),
            inputs,
            imported: FxHashMap::default(),
            importing: Vec::new(),
            base_env,
            lib: None,
            depth: 0,
            max_depth: DEFAULT_MAX_DEPTH,
            traces: Vec::new(),
            unknowns_dropped: 0,
            input_roots: Vec::new(),
            store: super::context::StoreState::default(),
            syntax_cache: syntax_cache::current(),
            cycles: Cycles::default(),
            kept: Vec::new(),
            pruned: Vec::new(),
            nixpkgs_roots: Vec::new(),
            on_fetched: None,
        }
    }

    /// Keeps `object` until the evaluator is dropped: state that values
    /// of this evaluation refer to weakly (a module system), freed with it.
    pub fn keep_alive(&mut self, object: Box<dyn std::any::Any>) {
        self.kept.push(object);
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Lets evaluation read files under `dir` too: a flake input's source
    /// (an `--override-input` checkout, a store path, a fetched copy).
    pub fn allow_root(&mut self, dir: &Path) {
        if !self.input_roots.iter().any(|r| r == dir) {
            self.input_roots.push(dir.to_path_buf());
        }
    }

    /// Records a nixpkgs read from its source (a flake input, a tarball).
    pub fn add_nixpkgs_root(&mut self, root: NixpkgsRoot) {
        if !self.nixpkgs_roots.iter().any(|r| r.root == root.root) {
            self.nixpkgs_roots.push(root);
        }
    }

    /// Sets what is done with each source a fetcher finds (a nixpkgs made
    /// known as a nixpkgs input's is; where it came from reported).
    pub fn on_fetched(&mut self, f: OnFetched) {
        self.on_fetched = Some(f);
    }

    /// A source a fetcher found, handed to [`Evaluator::on_fetched`]'s.
    pub(crate) fn fetched(&mut self, fetched: &Fetched) -> EvalResult<()> {
        match self.on_fetched.clone() {
            Some(f) => f(self, fetched),
            None => Ok(()),
        }
    }

    /// Records an input source kept in part: reads of what it dropped are
    /// refused by [`Evaluator::check_pruned`].
    pub fn add_pruned(&mut self, pruned: crate::flake::prune::Pruned) {
        if !self.pruned.iter().any(|p| p.root == pruned.root) {
            self.pruned.push(pruned);
        }
    }

    /// Records the source `src` of `what` (for messages: "flake input
    /// `nixpkgs`") as kept in part when its copy says so (the marker of
    /// `flake::prune`).
    pub fn note_pruned(&mut self, src: &Path, what: &str) {
        let marker = src.join(crate::flake::prune::MARKER);
        if let Ok(text) = self.inputs().read(&marker) {
            self.add_pruned(crate::flake::prune::Pruned::parse(
                src.to_path_buf(),
                what.to_owned(),
                &String::from_utf8_lossy(&text),
            ));
        }
    }

    /// An error when `path` is in a pruned input source but was not kept
    /// (or, `listing`, is a directory that lists only the kept parts): it
    /// says which input, and how to keep all of it.
    pub(crate) fn check_pruned(
        &self,
        path: &Path,
        listing: bool,
        span: Option<&Span>,
    ) -> EvalResult<()> {
        use crate::flake::prune::Held;
        if self.pruned.is_empty() {
            return Ok(());
        }
        let lexical = canon_path(path);
        for p in &self.pruned {
            let held = p.holds(&lexical).or_else(|| p.holds(path));
            let refused = match held {
                None | Some(Held::Kept) => false,
                Some(Held::Ancestor) => listing,
                Some(Held::Dropped) => true,
            };
            if refused {
                let rel = lexical.strip_prefix(&p.root).unwrap_or(&lexical);
                return Err(vec![Diagnostic::error(
                    "input-pruned",
                    format!(
                        "cannot read {} of {}: this input was kept pruned (only its top-level files and {}, as {} lists); run atelier-gen with --fetch-inputs --keep-full-inputs to keep all of it",
                        if rel.as_os_str().is_empty() { ".".into() } else { rel.display().to_string() },
                        p.input,
                        p.kept_dirs(),
                        p.root.join(crate::flake::prune::MARKER).display()
                    ),
                    span.cloned(),
                )]);
            }
        }
        Ok(())
    }

    /// Whether evaluation may read this canonical path: inside the flake
    /// or inside an input's source.
    pub fn readable(&self, canon: &Path) -> bool {
        canon.starts_with(&self.root) || self.input_roots.iter().any(|r| canon.starts_with(r))
    }

    /// Every question this evaluation asked the file system, with its
    /// answer. All file access of evaluation and discovery goes through it.
    pub fn inputs(&mut self) -> &mut Inputs {
        &mut self.inputs
    }

    /// Raise or lower the nesting limit (run on a thread with a larger stack
    /// before raising it).
    pub fn set_max_depth(&mut self, depth: usize) {
        self.max_depth = depth;
    }

    /// The global scope (`builtins`, `true`, `map`, ...).
    pub fn base_env(&self) -> Env {
        self.base_env.clone()
    }

    // ------------------------------------------------------------ files

    fn display_name(&self, path: &Path) -> String {
        display_name(&self.root, path)
    }

    /// Reads and parses a file (cached). Reports every parse error.
    pub fn parse_file(&mut self, path: &Path) -> EvalResult<ExprRef> {
        let canon = self
            .inputs
            .canonicalize(path)
            .map_err(|e| unreadable(path, &e))?;
        self.parse_canonical(canon)
    }

    /// What a parsed file's evaluation can see of its text, for the
    /// evaluation cache ([`inputs::Parsed`]); only with a syntax cache,
    /// which keeps the tree the cache compares an edited file's with.
    fn parsed_of(&self, r: &EvalResult<ExprRef>) -> Option<inputs::Parsed> {
        self.syntax_cache.as_ref()?;
        let e = r.as_ref().ok()?;
        let end = e.span.end;
        let prefix = e.span.file.text.as_bytes().get(..end)?;
        Some(inputs::Parsed {
            end,
            prefix: inputs::digest(prefix),
        })
    }

    /// `parse_file` for a path that is already canonical (imports).
    fn parse_canonical(&mut self, canon: PathBuf) -> EvalResult<ExprRef> {
        if let Some(r) = self.parsed.get(&canon) {
            return r.clone();
        }
        let (r, answer, stamp) = match self.pending.remove(&canon) {
            Some((batch, i)) => batch.take(i),
            None => load_and_parse(&self.root, &canon, self.syntax_cache.as_deref()),
        };
        let parsed = self.parsed_of(&r);
        self.inputs
            .note_parsed(Probe::Read(canon.clone()), answer, stamp, parsed);
        self.parsed.insert(canon, r.clone());
        r
    }

    /// The file an import of `path` reads (a directory means its
    /// `default.nix`), canonical; `None` when it does not exist. Cached.
    pub fn resolve_import(&mut self, path: &Path) -> Option<PathBuf> {
        if let Some(c) = self.resolved.get(path) {
            return c.clone();
        }
        let c = self.resolve_uncached(path);
        if let Some(c) = &c {
            self.resolved.insert(c.clone(), Some(c.clone()));
        }
        self.resolved.insert(path.to_path_buf(), c.clone());
        c
    }

    fn resolve_uncached(&mut self, path: &Path) -> Option<PathBuf> {
        let kind = self.inputs.lstat(path)?;
        // A plain file: its canonical directory (cached) and its name, one
        // system call instead of one per path component.
        if kind == Kind::Regular {
            if let (Some(dir), Some(name)) = (path.parent(), path.file_name()) {
                if !dir.as_os_str().is_empty() {
                    let dir = if let Some(c) = self.canonical_dirs.get(dir) {
                        c.clone()
                    } else {
                        let c = self.inputs.canonicalize(dir).ok();
                        self.canonical_dirs.insert(dir.to_path_buf(), c.clone());
                        c
                    };
                    return dir.map(|d| d.join(name));
                }
            }
        }
        let target = if self.inputs.is_dir(path) {
            path.join("default.nix")
        } else {
            path.to_path_buf()
        };
        self.inputs.canonicalize(&target).ok()
    }

    /// Whether the (canonical) file starts with `prefix`, from the parse
    /// cache when the file was read already.
    pub fn file_starts_with(&mut self, canon: &Path, prefix: &str) -> bool {
        if self.pending.contains_key(canon) {
            // Its parse is on its way, and the import needs it next anyway.
            let _ = self.parse_canonical(canon.to_path_buf());
        }
        if let Some(Ok(e)) = self.parsed.get(canon) {
            if prefix.len() > e.span.end {
                // Bytes past the expression decide: they are a result's
                // input too (see `inputs::Parsed`).
                self.inputs.used_raw(canon);
            }
            return e.span.file.text.starts_with(prefix);
        }
        self.inputs
            .head(canon, prefix.len())
            .is_ok_and(|head| head == prefix.as_bytes())
    }

    /// Starts reading and parsing, on the other cores, files that are
    /// about to be imported, in the order given; evaluation goes on here
    /// meanwhile (and helps when it gets ahead). Results, parse errors
    /// included, are only used, and reported, when a file is imported.
    /// Small batches are left to the import itself.
    pub fn prefetch(&mut self, paths: &[PathBuf]) {
        // Asking the OS reads cgroup files: once per process is enough.
        static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
        if paths.len() < PREFETCH_MIN {
            return;
        }
        let cores = *CORES
            .get_or_init(|| std::thread::available_parallelism().map_or(1, std::num::NonZero::get));
        if cores < 2 {
            return;
        }
        let mut todo = Vec::new();
        let mut queued = FxHashSet::default();
        for p in paths {
            let Some(c) = self.resolve_import(p) else {
                continue;
            };
            if c.starts_with(&self.root)
                && !self.parsed.contains_key(&c)
                && !self.pending.contains_key(&c)
                && queued.insert(c.clone())
            {
                todo.push(c);
            }
        }
        if todo.len() < PREFETCH_MIN {
            return;
        }
        let workers = (cores - 1).min(PREFETCH_MAX_WORKERS);
        let cache = self.syntax_cache.clone();
        let batch = Rc::new(prefetch::Batch::start(
            &self.root,
            todo,
            workers,
            move |root: &Path, canon: &Path| load_and_parse(root, canon, cache.as_deref()),
        ));
        for (i, c) in batch.files().iter().enumerate() {
            self.pending.insert(c.clone(), (Rc::clone(&batch), i));
        }
    }

    /// Parses and evaluates an expression given as text, as if it were the
    /// file `name` in `dir` (relative paths resolve against `dir`).
    pub fn eval_source(&mut self, name: &str, dir: &Path, text: &str) -> EvalResult<Value> {
        let file = Arc::new(SourceFile {
            name: name.to_string(),
            path: dir.join(name),
            text: text.to_string(),
        });
        // atelier's own lib and modules are parsed on every evaluation:
        // kept like files.
        let expr = match (super::builtin_pack::tree(text, &file), &self.syntax_cache) {
            // atelier's own sources come lowered with the binary.
            (Some(e), _) => e,
            (None, Some(cache)) => cache.parse(&inputs::digest(text.as_bytes()), &file)?,
            (None, None) => syntax::parse(&file)?,
        };
        let env = self.base_env.clone();
        self.eval(&expr, &env)
    }

    /// Evaluates a file to weak head normal form (like `import`).
    pub fn eval_file(&mut self, path: &Path) -> EvalResult<Value> {
        let abs = if path.is_absolute() {
            path.to_path_buf()
        } else {
            std::env::current_dir().map_or_else(|_| path.to_path_buf(), |d| d.join(path))
        };
        self.import_path(&abs, None)
    }

    pub(crate) fn import_path(&mut self, path: &Path, span: Option<&Span>) -> EvalResult<Value> {
        let mk_err = |code: &'static str, msg: String| -> Vec<Diagnostic> {
            vec![Diagnostic::error(code, msg, span.cloned())]
        };
        // nixpkgs' package set (`import nixpkgs { inherit system; }`): a
        // function whose result has nixpkgs' `lib` and is otherwise
        // unknown, as the module argument `pkgs` is. Evaluating pkgs/ is
        // Nix's work (and a kept-pruned copy does not have it).
        if !self.nixpkgs_roots.is_empty() {
            let lexical = canon_path(path);
            let mut eval_config = None;
            for r in &self.nixpkgs_roots {
                let Ok(rel) = lexical.strip_prefix(&r.root) else {
                    continue;
                };
                match rel.to_str().unwrap_or_default() {
                    "" | "default.nix" | "pkgs/top-level/impure.nix" => {
                        return Ok(r.import.clone())
                    }
                    "nixos" | "nixos/default.nix" => return Ok(r.nixos.clone()),
                    "nixos/lib/eval-config.nix" => eval_config = Some(r.lib.clone()),
                    _ => {}
                }
            }
            if let Some(lib) = eval_config {
                if let Some(f) = self.select(&lib, &["nixosSystem"])? {
                    return Ok(f);
                }
            }
        }
        self.check_pruned(path, false, span)?;
        let Some(canon) = self.resolve_import(path) else {
            let target = if self.inputs.is_dir(path) {
                path.join("default.nix")
            } else {
                path.to_path_buf()
            };
            self.check_pruned(&target, false, span)?;
            return Err(mk_err(
                "import-not-found",
                format!("cannot import {}: no such file", self.display_name(&target)),
            ));
        };
        if !self.readable(&canon) {
            return Err(vec![Diagnostic::error(
                "import-outside-root",
                format!(
                    "import of {} is outside the flake root",
                    relative_to(&canon, &self.root).display()
                ),
                span.cloned(),
            )
            .with_note(
                "atelier-gen only reads files inside the flake; move the file into it",
            )]);
        }
        let key = self.nix_file_path(path, &canon);
        if let Some(v) = self.imported.get(&key) {
            return Ok(v.clone());
        }
        if let Some(pos) = self.importing.iter().position(|p| p == &key) {
            let chain: Vec<String> = self.importing[pos..]
                .iter()
                .chain(std::iter::once(&key))
                .map(|p| self.display_name(p))
                .collect();
            let msg = if chain.len() <= 2 {
                format!(
                    "cyclic import: {} is imported again while it is being evaluated",
                    chain[0]
                )
            } else {
                format!("cyclic import: {}", chain.join(" → "))
            };
            return Err(mk_err("cyclic-import", msg));
        }
        let expr = if key == canon {
            self.parse_canonical(canon)?
        } else {
            self.parse_as(&canon, &key)?
        };
        self.importing.push(key.clone());
        let env = self.base_env.clone();
        let r = self.eval(&expr, &env);
        self.importing.pop();
        let v = r?;
        self.imported.insert(key, v.clone());
        Ok(v)
    }

    /// The path Nix evaluates an import of `path` as: symlinked
    /// directories on the way are not resolved, so `../lib` in
    /// `foo/overlays/overlay.nix` is `foo/lib` even when `foo/overlays`
    /// links elsewhere. It differs from `canon` only then (and only inside
    /// the root; a final symlink keeps the canonical path).
    fn nix_file_path(&mut self, path: &Path, canon: &Path) -> PathBuf {
        let lexical = canon_path(path);
        // The usual case, no symlink on the way: nothing to ask.
        if lexical == canon || lexical.join("default.nix") == canon {
            return canon.to_path_buf();
        }
        let file = match self.inputs.lstat(&lexical) {
            Some(Kind::Regular) => lexical,
            Some(Kind::Directory) => lexical.join("default.nix"),
            _ => return canon.to_path_buf(),
        };
        if file != canon
            && file.starts_with(&self.root)
            && self.inputs.lstat(&file) == Some(Kind::Regular)
        {
            file
        } else {
            canon.to_path_buf()
        }
    }

    /// Parses the (canonical) file `canon` as if it were at `nix_path`,
    /// which relative paths in it start from.
    fn parse_as(&mut self, canon: &Path, nix_path: &Path) -> EvalResult<ExprRef> {
        if let Some(r) = self.parsed.get(nix_path) {
            return r.clone();
        }
        let (read, answer, stamp) = inputs::read_file(canon);
        let cache = self.syntax_cache.as_deref().zip(answer.as_ref().ok());
        let r = read
            .map_err(|e| unreadable(canon, &e))
            .and_then(|bytes| parse_bytes(&self.root, nix_path, bytes, cache));
        let parsed = self.parsed_of(&r);
        self.inputs
            .note_parsed(Probe::Read(canon.to_path_buf()), answer, stamp, parsed);
        self.parsed.insert(nix_path.to_path_buf(), r.clone());
        r
    }

    /// `scopedImport vars path`: the file evaluated (not cached) with
    /// `vars` in scope before the global names.
    pub(crate) fn import_scoped(
        &mut self,
        path: &Path,
        vars: FxHashMap<String, Thunk>,
        span: &Span,
    ) -> EvalResult<Value> {
        let Some(canon) = self.resolve_import(path) else {
            return err(
                "import-not-found",
                format!("cannot import {}: no such file", self.display_name(path)),
                span,
            );
        };
        // As `import`: the flake and the inputs' sources that are here
        // (haumea's `scoped` loader imports an input's own files).
        if !self.readable(&canon) {
            return err(
                "import-outside-root",
                format!(
                    "import of {} is outside the flake root",
                    relative_to(&canon, &self.root).display()
                ),
                span,
            );
        }
        let expr = self.parse_canonical(canon)?;
        let env = Scope::vars(Some(self.base_env.clone()), vars);
        self.eval(&expr, &env)
    }

    // ------------------------------------------------------------ public helpers

    /// The `lib` value (a subset of nixpkgs' lib) that declarations use.
    pub fn lib(&mut self) -> EvalResult<Value> {
        if let Some(l) = &self.lib {
            return Ok(l.clone());
        }
        let f = self.eval_source("<atelier lib>", Path::new("/"), builtins::LIB_NIX)?;
        let v = self.apply(&f, builtins::lib_internals())?;
        self.lib = Some(v.clone());
        Ok(v)
    }

    /// The value of a thunk that is a path or string literal (or already
    /// evaluated), without forcing it: the thunk keeps its span and state.
    pub fn peek_literal(&mut self, t: &Thunk) -> Option<Value> {
        let (e, env) = match &*t.0.borrow() {
            ThunkState::Done(v) => return Some(v.clone()),
            ThunkState::Pending(e, env) => match &e.kind {
                ExprKind::Path(_, parts) | ExprKind::Str(parts)
                    if parts.iter().all(|p| matches!(p, StrPart::Lit(_))) =>
                {
                    (e.clone(), env.clone())
                }
                _ => return None,
            },
            _ => return None,
        };
        self.eval(&e, &env).ok()
    }

    /// Forces a thunk to weak head normal form.
    pub fn force(&mut self, t: &Thunk) -> EvalResult<Value> {
        let prev = {
            let mut b = t.0.borrow_mut();
            let span = match &*b {
                ThunkState::Done(v) => return Ok(v.clone()),
                ThunkState::Forcing(span) => {
                    let msg = "infinite recursion encountered";
                    return Err(vec![match span {
                        Some(s) => Diagnostic::error("infinite-recursion", msg, Some(s.clone())),
                        None => Diagnostic::error("infinite-recursion", msg, None),
                    }
                    .with_note(
                        "a value depends on itself; check `rec` sets and `let` bindings",
                    )]);
                }
                ThunkState::Pending(e, _) => Some(e.span.clone()),
                ThunkState::Native(_, s, _) => Some(s.clone()),
            };
            std::mem::replace(&mut *b, ThunkState::Forcing(span))
        };
        let r = match &prev {
            ThunkState::Pending(e, env) => self.eval(e, env),
            ThunkState::Native(f, span, captures) => {
                if self.depth >= self.max_depth {
                    Err(too_deep(span, self.max_depth))
                } else {
                    self.depth += 1;
                    let r = stacker::maybe_grow(RED_ZONE, STACK_SEGMENT, || f(self, captures));
                    self.depth -= 1;
                    r
                }
            }
            _ => unreachable!("forced state is pending or native"),
        };
        match r {
            Ok(v) => {
                *t.0.borrow_mut() = ThunkState::Done(v.clone());
                self.cycles.thunk(t, &v);
                Ok(v)
            }
            Err(e) => {
                // Leave the thunk as it was, so forcing it again re-raises.
                *t.0.borrow_mut() = prev;
                Err(e)
            }
        }
    }

    /// Forces a value deeply (lists and attribute sets, recursively).
    /// A set or list met again (`let as = { y = as; }; in as`) is not
    /// walked again, as in Nix.
    pub fn force_deep(&mut self, v: &Value) -> EvalResult<()> {
        self.deep_guard(v, 0, &mut FxHashSet::default())
    }

    fn deep_guard(
        &mut self,
        v: &Value,
        level: usize,
        seen: &mut FxHashSet<usize>,
    ) -> EvalResult<()> {
        if level > self.max_depth {
            return Err(vec![Diagnostic::error(
                "evaluation-too-deep",
                "value nested too deeply",
                None,
            )]);
        }
        match v {
            Value::List(items) => {
                if !seen.insert(Rc::as_ptr(items) as usize) {
                    return Ok(());
                }
                for t in items.iter() {
                    let x = self.force(t)?;
                    stacker::maybe_grow(RED_ZONE, STACK_SEGMENT, || {
                        self.deep_guard(&x, level + 1, seen)
                    })?;
                }
            }
            Value::Attrs(a) => {
                if !seen.insert(Rc::as_ptr(a) as usize) {
                    return Ok(());
                }
                for e in a.entries.values() {
                    let x = self.force(&e.value)?;
                    stacker::maybe_grow(RED_ZONE, STACK_SEGMENT, || {
                        self.deep_guard(&x, level + 1, seen)
                    })?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Follows an attribute path, forcing along the way. A missing attribute
    /// is `Ok(None)`; selecting into an unknown gives an unknown.
    pub fn select(&mut self, v: &Value, path: &[&str]) -> EvalResult<Option<Value>> {
        let mut cur = v.clone();
        for name in path {
            match &cur {
                Value::Attrs(a) => match a.get(name) {
                    Some(e) => {
                        let t = e.value.clone();
                        cur = self.force(&t)?;
                    }
                    None => match a.unknown_for(name) {
                        Some(u) => cur = Value::Unknown(select_unknown(u, name, None)),
                        None => return Ok(None),
                    },
                },
                Value::Unknown(u) => cur = Value::Unknown(select_unknown(u, name, None)),
                _ => return Ok(None),
            }
        }
        Ok(Some(cur))
    }

    /// The span where `path`'s last attribute was defined, if known.
    pub fn definition_span(&mut self, v: &Value, path: &[&str]) -> EvalResult<Option<Span>> {
        let Some((last, init)) = path.split_last() else {
            return Ok(None);
        };
        let Some(parent) = self.select(v, init)? else {
            return Ok(None);
        };
        Ok(parent
            .as_attrs()
            .and_then(|a| a.get(last))
            .and_then(|e| e.span.clone().or_else(|| e.value.span())))
    }

    /// Applies a function value to an argument.
    pub fn apply(&mut self, f: &Value, arg: Value) -> EvalResult<Value> {
        let span = value_span(f).unwrap_or_else(builtin_span);
        self.apply_thunk(f.clone(), Thunk::value(arg), &span)
    }

    // ------------------------------------------------------------ evaluation

    pub(crate) fn eval(&mut self, e: &ExprRef, env: &Env) -> EvalResult<Value> {
        stacker::maybe_grow(RED_ZONE, STACK_SEGMENT, || {
            match self.eval_tail(e, env)? {
                Tail::Value(v) => Ok(v),
                Tail::Call(f, arg, span) => self.apply_thunk(f, arg, &span),
            }
        })
    }

    /// Evaluates through tail positions (`if` branches, `let`/`with`/
    /// `assert` bodies) in a loop, and stops before a call there: the
    /// caller makes it, so a function that calls itself in tail position
    /// (`f = n: if n == 0 then 0 else f (n - 1)`) runs in constant stack.
    fn eval_tail(&mut self, e: &ExprRef, env: &Env) -> EvalResult<Tail> {
        let mut e = e.clone();
        let mut env = env.clone();
        loop {
            let next = match &e.kind {
                ExprKind::Let { bindings, body } => {
                    let new_env = Scope::vars(Some(env.clone()), FxHashMap::default());
                    let mut vars = FxHashMap::default();
                    for b in &bindings.statics {
                        let t = match &b.value {
                            Binding::Expr(x) => Thunk::pending(x.clone(), new_env.clone()),
                            Binding::Inherit => self.inherit_thunk(&b.name, &env, &b.span),
                        };
                        vars.insert(b.name.clone(), t);
                    }
                    if let ScopeKind::Vars(cell) = &new_env.kind {
                        *cell.borrow_mut() = vars;
                    }
                    if Rc::strong_count(&new_env) > 1 {
                        self.cycles.scope(&new_env);
                    }
                    env = new_env;
                    body.clone()
                }
                ExprKind::With { namespace, body } => {
                    let ns = self.thunk_of(namespace, &env);
                    env = Scope::with(env.clone(), ns);
                    body.clone()
                }
                ExprKind::If {
                    cond,
                    then,
                    otherwise,
                } => match self.eval(cond, &env)? {
                    Value::Bool(true) => then.clone(),
                    Value::Bool(false) => otherwise.clone(),
                    Value::Unknown(u) => {
                        return Ok(Tail::Value(Value::Unknown(Rc::new(Unknown {
                            reason: u.reason.clone(),
                            span: u.span.clone(),
                            origin: UnknownOrigin::Choice {
                                then: self.thunk_of(then, &env),
                                otherwise: self.thunk_of(otherwise, &env),
                                cond: u,
                            },
                        }))))
                    }
                    other => return type_err("a Boolean", &other, &cond.span),
                },
                ExprKind::Assert { cond, body } => match self.eval(cond, &env)? {
                    Value::Bool(true) | Value::Unknown(_) => body.clone(),
                    Value::Bool(false) => {
                        return err(
                            "assertion-failed",
                            format!("assertion `{}` failed", snippet(&cond.span)),
                            &cond.span,
                        )
                    }
                    other => return type_err("a Boolean", &other, &cond.span),
                },
                ExprKind::Apply { func, arg } => {
                    let f = self.eval(func, &env)?;
                    let a = self.thunk_of(arg, &env);
                    return Ok(Tail::Call(f, a, e.span.clone()));
                }
                _ => return self.eval_inner(&e, &env).map(Tail::Value),
            };
            e = next;
        }
    }

    /// A thunk for an expression, avoiding a thunk for plain variables and
    /// literals.
    #[allow(clippy::unused_self)]
    pub(crate) fn thunk_of(&mut self, e: &ExprRef, env: &Env) -> Thunk {
        match &e.kind {
            ExprKind::Var(name) => {
                if let Some(t) = lookup_lexical(name, env) {
                    return t;
                }
                Thunk::pending(e.clone(), env.clone())
            }
            ExprKind::Int(i) => Thunk::value(Value::Int(*i)),
            ExprKind::Float(f) => Thunk::value(Value::Float(*f)),
            // Strings stay pending even when literal: a pending thunk knows
            // where it was written, so an error about a list item (a
            // relative path, say) points at the item, not at the list.
            _ => Thunk::pending(e.clone(), env.clone()),
        }
    }

    #[allow(clippy::assigning_clones)]
    fn lookup(&mut self, name: &str, env: &Env, span: &Span) -> EvalResult<Value> {
        if let Some(t) = lookup_lexical(name, env) {
            return self.force(&t);
        }
        let mut cur = Some(env.clone());
        while let Some(scope) = cur.take() {
            if let ScopeKind::With(ns) = &scope.kind {
                let ns = ns.clone();
                match self.force(&ns)? {
                    Value::Attrs(a) => {
                        if let Some(e) = a.get(name) {
                            let t = e.value.clone();
                            return self.force(&t);
                        }
                        if let Some(u) = a.unknown_for(name) {
                            return Ok(Value::Unknown(Unknown::derived(u)));
                        }
                    }
                    Value::Unknown(u) => {
                        return Ok(Value::Unknown(select_unknown(&u, name, Some(span))))
                    }
                    other => return type_err("a set (in `with`)", &other, span),
                }
            }
            cur = scope.parent.clone();
        }
        Err(vec![Diagnostic::error(
            "undefined-variable",
            format!("undefined variable `{name}`"),
            Some(span.clone()),
        )])
    }

    #[allow(clippy::too_many_lines)]
    fn eval_inner(&mut self, e: &ExprRef, env: &Env) -> EvalResult<Value> {
        let span = &e.span;
        match &e.kind {
            ExprKind::Int(i) => Ok(Value::Int(*i)),
            ExprKind::Float(f) => Ok(Value::Float(*f)),
            ExprKind::Str(parts) => self.eval_string(parts, env, span),
            ExprKind::Path(kind, parts) => self.eval_path(*kind, parts, env, span),
            ExprKind::SearchPath(name) => Ok(Value::Unknown(Rc::new(Unknown {
                reason: format!("search path <{name}> depends on NIX_PATH"),
                span: Some(span.clone()),
                origin: UnknownOrigin::Root(format!("<{name}>")),
            }))),
            ExprKind::Uri(u) => Ok(Value::string(u.as_str())),
            ExprKind::Var(name) => self.lookup(name, env, span),
            ExprKind::CurPos => {
                let (line, col) = span.file.line_col(span.start);
                Ok(Value::attrs([
                    ("file".to_string(), Value::string(span.file.name.as_str())),
                    (
                        "line".to_string(),
                        Value::Int(i64::try_from(line).unwrap_or(0)),
                    ),
                    (
                        "column".to_string(),
                        Value::Int(i64::try_from(col).unwrap_or(0)),
                    ),
                ]))
            }
            ExprKind::Attrs(def) => self.eval_attrs(def, env, span),
            ExprKind::List(items) => {
                let ts = items.iter().map(|i| self.thunk_of(i, env)).collect();
                Ok(Value::List(Rc::new(ts)))
            }
            ExprKind::Lambda(l) => Ok(Value::Lambda(Rc::new(Closure {
                lambda: l.clone(),
                env: env.clone(),
            }))),
            ExprKind::Select {
                expr,
                path,
                default,
            } => self.eval_select(expr, path, default.as_ref(), env, span),
            ExprKind::HasAttr { expr, path } => {
                let mut cur = self.eval(expr, env)?;
                for (i, name) in path.iter().enumerate() {
                    let name = match self.attr_name(name, env)? {
                        Ok(n) => n,
                        Err(u) => return Ok(Value::Unknown(u)),
                    };
                    match &cur {
                        Value::Attrs(a) => match a.get(&name) {
                            // As in Nix, the last attribute's value is not
                            // forced: `r ? x` inside `r.x` is no recursion.
                            Some(_) if i + 1 == path.len() => return Ok(Value::Bool(true)),
                            Some(entry) => {
                                let t = entry.value.clone();
                                cur = self.force(&t)?;
                            }
                            None => {
                                return Ok(match a.unknown_for(&name) {
                                    Some(u) => Value::Unknown(Unknown::derived(u)),
                                    None => Value::Bool(false),
                                })
                            }
                        },
                        Value::Unknown(u) => return Ok(Value::Unknown(Unknown::derived(u))),
                        _ => return Ok(Value::Bool(false)),
                    }
                }
                Ok(Value::Bool(true))
            }
            ExprKind::Let { .. }
            | ExprKind::With { .. }
            | ExprKind::If { .. }
            | ExprKind::Assert { .. }
            | ExprKind::Apply { .. } => match self.eval_tail(e, env)? {
                Tail::Value(v) => Ok(v),
                Tail::Call(f, arg, span) => self.apply_thunk(f, arg, &span),
            },
            ExprKind::Not(x) => match self.eval(x, env)? {
                Value::Bool(b) => Ok(Value::Bool(!b)),
                Value::Unknown(u) => Ok(Value::Unknown(Unknown::derived(&u))),
                other => type_err("a Boolean", &other, &x.span),
            },
            ExprKind::Neg(x) => {
                let v = self.eval(x, env)?;
                arith(BinOp::Sub, &Value::Int(0), &v, span)
            }
            ExprKind::BinOp { op, lhs, rhs } => self.eval_binop(*op, lhs, rhs, env, span),
        }
    }

    fn inherit_thunk(&mut self, name: &str, outer: &Env, span: &Span) -> Thunk {
        let var = std::sync::Arc::new(Expr {
            kind: ExprKind::Var(name.to_string()),
            span: span.clone(),
        });
        self.thunk_of(&var, outer)
    }

    fn eval_attrs(
        &mut self,
        def: &std::sync::Arc<AttrsDef>,
        env: &Env,
        span: &Span,
    ) -> EvalResult<Value> {
        let inner = if def.rec {
            let inner = Scope::vars(Some(env.clone()), FxHashMap::default());
            self.cycles.scope(&inner);
            inner
        } else {
            env.clone()
        };
        let mut attrs = Attrs {
            span: Some(span.clone()),
            ..Attrs::default()
        };
        for b in &def.statics {
            let t = match &b.value {
                Binding::Expr(x) => {
                    if def.rec {
                        Thunk::pending(x.clone(), inner.clone())
                    } else {
                        self.thunk_of(x, &inner)
                    }
                }
                Binding::Inherit => self.inherit_thunk(&b.name, env, &b.span),
            };
            attrs.insert(b.name.clone(), t, Some(b.span.clone()));
        }
        if def.rec {
            if let ScopeKind::Vars(cell) = &inner.kind {
                let mut vars = cell.borrow_mut();
                for (k, v) in &attrs.entries {
                    vars.insert(k.clone(), v.value.clone());
                }
            }
            if let Some(o) = attrs.get("__overrides") {
                let o = o.value.clone();
                if let Err(u) = self.apply_overrides(&mut attrs, &o, &inner)? {
                    return Ok(Value::Unknown(u));
                }
            }
        }
        for d in &def.dynamics {
            let key = self.eval(&d.key, &inner)?;
            let name = match key {
                Value::Null => continue,
                Value::String(s) => {
                    super::context::no_context(&s, &d.key.span)?;
                    s.to_string()
                }
                Value::Unknown(u) => {
                    if attrs.unknown_keys.is_none() {
                        attrs.unknown_keys = Some(Unknown::derived(&u));
                    }
                    continue;
                }
                other => return type_err("a string (attribute name)", &other, &d.key.span),
            };
            if attrs.entries.contains_key(&name) {
                return err(
                    "duplicate-attribute",
                    format!("dynamic attribute `{name}` is already defined"),
                    &d.span,
                );
            }
            let t = match &d.value {
                Binding::Expr(x) => Thunk::pending(x.clone(), inner.clone()),
                Binding::Inherit => self.inherit_thunk(&name, env, &d.span),
            };
            attrs.insert(name, t, Some(d.span.clone()));
        }
        Ok(Value::Attrs(Rc::new(attrs)))
    }

    /// `rec { __overrides = { ... }; ... }`: as in Nix, the overriding
    /// attributes replace the set's own, in the set and in its recursive
    /// scope (new names only join the set). The whole set is unknown when
    /// the overrides are.
    fn apply_overrides(
        &mut self,
        attrs: &mut Attrs,
        overrides: &Thunk,
        scope: &Env,
    ) -> EvalResult<Result<(), Rc<Unknown>>> {
        let span = overrides.span().unwrap_or_else(builtin_span);
        let o = match self.force(overrides)? {
            Value::Attrs(o) => o,
            Value::Unknown(u) => return Ok(Err(Unknown::derived(&u))),
            other => return type_err("a set (`__overrides`)", &other, &span),
        };
        if let Some(u) = &o.unknown_keys {
            return Ok(Err(Unknown::derived(u)));
        }
        let ScopeKind::Vars(cell) = &scope.kind else {
            unreachable!("a rec set's scope holds variables")
        };
        let mut vars = cell.borrow_mut();
        for (k, e) in &o.entries {
            if attrs.entries.contains_key(k) {
                vars.insert(k.clone(), e.value.clone());
            }
            attrs.entries.insert(k.clone(), e.clone());
        }
        Ok(Ok(()))
    }

    /// `Ok(Ok(name))`, or `Ok(Err(unknown))` when a dynamic name is unknown.
    fn attr_name(&mut self, name: &AttrName, env: &Env) -> EvalResult<Result<String, Rc<Unknown>>> {
        match name {
            AttrName::Static(s) => Ok(Ok(s.clone())),
            AttrName::Dynamic(e) => match self.eval(e, env)? {
                Value::String(s) => {
                    super::context::no_context(&s, &e.span)?;
                    Ok(Ok(s.to_string()))
                }
                Value::Unknown(u) => Ok(Err(Unknown::derived(&u))),
                other => type_err("a string (attribute name)", &other, &e.span),
            },
        }
    }

    fn eval_select(
        &mut self,
        expr: &ExprRef,
        path: &[AttrName],
        default: Option<&ExprRef>,
        env: &Env,
        span: &Span,
    ) -> EvalResult<Value> {
        let mut cur = self.eval(expr, env)?;
        for (i, name) in path.iter().enumerate() {
            let name = match self.attr_name(name, env)? {
                Ok(n) => n,
                Err(u) => return Ok(Value::Unknown(u)),
            };
            match &cur {
                Value::Attrs(a) => {
                    if let Some(entry) = a.get(&name) {
                        let t = entry.value.clone();
                        cur = self.force(&t)?;
                    } else if let Some(u) = a.unknown_for(&name) {
                        cur = Value::Unknown(select_unknown(u, &name, Some(span)));
                    } else if let Some(d) = default {
                        return self.eval(d, env);
                    } else {
                        let shown: Vec<String> = path[..=i]
                            .iter()
                            .map(|n| match n {
                                AttrName::Static(s) => s.clone(),
                                AttrName::Dynamic(_) => "${...}".into(),
                            })
                            .collect();
                        let mut d = Diagnostic::error(
                            "missing-attribute",
                            format!("attribute `{name}` missing (in `.{}`)", shown.join(".")),
                            Some(span.clone()),
                        );
                        let impure = matches!(name.as_str(), "currentSystem" | "currentTime");
                        if impure && a.get("builtins").is_some() {
                            d = d.with_note(format!(
                                "flakes are evaluated in pure mode, which has no `builtins.{name}` (as in Nix); a host's system is its `nixpkgs.hostPlatform`, and `builtins.{name} or …` gives a fallback"
                            ));
                        } else if let Some(best) = a
                            .keys()
                            .map(|k| (strsim::jaro_winkler(k, &name), k))
                            .filter(|(s, _)| *s > 0.8)
                            .max_by(|x, y| x.0.total_cmp(&y.0))
                        {
                            d = d.with_note(format!("did you mean `{}`?", best.1));
                        }
                        return Err(vec![d]);
                    }
                }
                Value::Unknown(u) => {
                    cur = Value::Unknown(select_unknown(u, &name, Some(span)));
                }
                other => {
                    if let Some(d) = default {
                        return self.eval(d, env);
                    }
                    return err(
                        "type-error",
                        format!(
                            "cannot select attribute `{name}`: value is {} while a set was expected",
                            other.type_name()
                        ),
                        span,
                    );
                }
            }
        }
        Ok(cur)
    }

    pub(crate) fn apply_thunk(&mut self, f: Value, arg: Thunk, span: &Span) -> EvalResult<Value> {
        match f {
            Value::Lambda(c) => self.call_lambda(&c, arg, span),
            Value::PrimOp(p) => {
                let mut args = p.args.clone();
                args.push(arg);
                if args.len() == p.def.arity {
                    if self.depth >= self.max_depth {
                        return Err(too_deep(span, self.max_depth));
                    }
                    self.depth += 1;
                    let r = stacker::maybe_grow(RED_ZONE, STACK_SEGMENT, || {
                        (p.def.func)(self, &args, span)
                    });
                    self.depth -= 1;
                    r
                } else {
                    Ok(Value::PrimOp(Rc::new(PrimOpApp { def: p.def, args })))
                }
            }
            Value::Attrs(a) if a.get("__functor").is_some() => {
                let functor = self.force(&a.get("__functor").unwrap().value.clone())?;
                let partial =
                    self.apply_thunk(functor, Thunk::value(Value::Attrs(a.clone())), span)?;
                self.apply_thunk(partial, arg, span)
            }
            Value::Unknown(u) => Ok(Value::Unknown(Rc::new(Unknown {
                reason: u.reason.clone(),
                span: Some(span.clone()),
                origin: UnknownOrigin::Apply { func: u, arg },
            }))),
            // A set whose other names are unknown (an input without its
            // source) may have a `__functor`: the call's result is unknown.
            Value::Attrs(a) if a.unknown_keys.is_some() => {
                let u = a.unknown_keys.clone().expect("checked");
                Ok(Value::Unknown(Rc::new(Unknown {
                    reason: u.reason.clone(),
                    span: Some(span.clone()),
                    origin: UnknownOrigin::Apply { func: u, arg },
                })))
            }
            other => err(
                "type-error",
                format!(
                    "attempt to call something which is not a function but {}",
                    other.type_name()
                ),
                span,
            ),
        }
    }

    /// Function calls count towards the depth limit, like Nix's
    /// `max-call-depth`.
    ///
    /// A call in tail position of the body is made here, in a loop, not
    /// by recursion: it takes no stack, and counts towards
    /// [`MAX_TAIL_CALLS`] instead of the nesting limit.
    fn call_lambda(&mut self, c: &Rc<Closure>, arg: Thunk, span: &Span) -> EvalResult<Value> {
        if self.depth >= self.max_depth {
            return Err(too_deep(span, self.max_depth));
        }
        self.depth += 1;
        let mut tail_calls = 0usize;
        let mut call = (c.clone(), arg, span.clone());
        let r = loop {
            let (c, arg, span) = call;
            let r = self
                .bind_lambda(&c, arg, &span)
                .and_then(|env| self.eval_tail(&c.lambda.body, &env));
            match r {
                Ok(Tail::Call(Value::Lambda(next), arg, span)) => {
                    tail_calls += 1;
                    if tail_calls > MAX_TAIL_CALLS {
                        break Err(too_deep(&span, MAX_TAIL_CALLS));
                    }
                    call = (next, arg, span);
                }
                Ok(Tail::Call(f, arg, span)) => break self.apply_thunk(f, arg, &span),
                Ok(Tail::Value(v)) => break Ok(v),
                Err(e) => break Err(e),
            }
        };
        self.depth -= 1;
        r
    }

    /// The scope of a lambda's body, with its parameter(s) bound to `arg`.
    fn bind_lambda(&mut self, c: &Rc<Closure>, arg: Thunk, span: &Span) -> EvalResult<Env> {
        let lambda = &c.lambda;
        match &lambda.param {
            Param::Ident(name) => {
                let mut vars = FxHashMap::default();
                vars.insert(name.clone(), arg);
                Ok(Scope::vars(Some(c.env.clone()), vars))
            }
            Param::Pattern {
                entries,
                ellipsis,
                bind,
            } => {
                let argv = self.force(&arg)?;
                let env = Scope::vars(Some(c.env.clone()), FxHashMap::default());
                let mut vars = FxHashMap::default();
                match &argv {
                    Value::Attrs(a) => {
                        for entry in entries {
                            let t = match (a.get(&entry.name), &entry.default) {
                                (Some(v), _) => v.value.clone(),
                                (None, Some(d)) => Thunk::pending(d.clone(), env.clone()),
                                (None, None) if a.unknown_for(&entry.name).is_some() => {
                                    Thunk::value(Value::Unknown(Unknown::derived(
                                        a.unknown_for(&entry.name).expect("checked"),
                                    )))
                                }
                                (None, None) => {
                                    return Err(vec![Diagnostic::error(
                                        "bad-argument",
                                        format!(
                                            "function called without required argument `{}`",
                                            entry.name
                                        ),
                                        Some(span.clone()),
                                    )
                                    .with_note(format!(
                                        "the function is defined at {}",
                                        lambda.span.location()
                                    ))]);
                                }
                            };
                            vars.insert(entry.name.clone(), t);
                        }
                        if !ellipsis {
                            for k in a.keys() {
                                if !entries.iter().any(|e| e.name == k) {
                                    return Err(vec![Diagnostic::error(
                                        "bad-argument",
                                        format!("function called with unexpected argument `{k}`"),
                                        Some(span.clone()),
                                    )
                                    .with_note(format!(
                                        "the function is defined at {}",
                                        lambda.span.location()
                                    ))]);
                                }
                            }
                        }
                    }
                    Value::Unknown(u) => {
                        for entry in entries {
                            vars.insert(
                                entry.name.clone(),
                                Thunk::value(Value::Unknown(select_unknown(
                                    u,
                                    &entry.name,
                                    Some(&entry.span),
                                ))),
                            );
                        }
                    }
                    other => return type_err("a set (function argument)", other, span),
                }
                if let Some(b) = bind {
                    vars.insert(b.clone(), arg);
                }
                if let ScopeKind::Vars(cell) = &env.kind {
                    *cell.borrow_mut() = vars;
                }
                if Rc::strong_count(&env) > 1 {
                    // A default refers to the scope.
                    self.cycles.scope(&env);
                }
                Ok(env)
            }
        }
    }

    fn eval_string(&mut self, parts: &[StrPart], env: &Env, span: &Span) -> EvalResult<Value> {
        let mut out = String::new();
        let mut ctx = super::context::Union::default();
        for p in parts {
            match p {
                StrPart::Lit(l) => out.push_str(l),
                StrPart::Interp(x) => {
                    let v = self.eval(x, env)?;
                    match self.coerce_to_nix_string(&v, &x.span, false)? {
                        Ok(s) => {
                            check_size(out.len().saturating_add(s.len()), "a string", span)?;
                            out.push_str(&s);
                            ctx.add(&s);
                        }
                        Err(u) => return Ok(Value::Unknown(u)),
                    }
                }
            }
        }
        Ok(ctx.string(out))
    }

    /// Coerces for interpolation (`for_to_string = false`) or `toString`,
    /// without the context (see [`Evaluator::coerce_to_nix_string`]).
    pub(crate) fn coerce_to_string(
        &mut self,
        v: &Value,
        span: &Span,
        for_to_string: bool,
    ) -> EvalResult<Result<String, Rc<Unknown>>> {
        Ok(self
            .coerce_to_nix_string(v, span, for_to_string)?
            .map(|s| s.text.to_string()))
    }

    /// Coerces for interpolation (`for_to_string = false`: a path is
    /// copied to the store) or `toString` (it is not), with the context.
    /// `Ok(Err(u))` when the result depends on an unknown.
    pub(crate) fn coerce_to_nix_string(
        &mut self,
        v: &Value,
        span: &Span,
        for_to_string: bool,
    ) -> EvalResult<Result<super::value::NixString, Rc<Unknown>>> {
        Ok(Ok(match v {
            Value::String(s) => return Ok(Ok(s.clone())),
            Value::Path(p) => {
                if for_to_string {
                    p.display().to_string()
                } else {
                    return super::context::copy_path(self, p, span);
                }
            }
            Value::Unknown(u) => return Ok(Err(Unknown::derived(u))),
            Value::Attrs(a) => {
                if let Some(f) = a.get("__toString") {
                    let f = self.force(&f.value.clone())?;
                    let r = self.apply_thunk(f, Thunk::value(v.clone()), span)?;
                    return self.coerce_to_nix_string(&r, span, for_to_string);
                }
                if let Some(o) = a.get("outPath") {
                    let o = self.force(&o.value.clone())?;
                    return self.coerce_to_nix_string(&o, span, for_to_string);
                }
                if let Some(u) = &a.unknown_keys {
                    return Ok(Err(Unknown::derived(u)));
                }
                return err("type-error", "cannot coerce a set to a string", span);
            }
            Value::Int(i) if for_to_string => i.to_string(),
            Value::Float(f) if for_to_string => format!("{f:.6}"),
            Value::Bool(b) if for_to_string => {
                if *b {
                    "1".into()
                } else {
                    String::new()
                }
            }
            Value::Null if for_to_string => String::new(),
            Value::List(items) if for_to_string => {
                let mut parts = Vec::new();
                let mut ctx = super::context::Union::default();
                for (i, t) in items.iter().enumerate() {
                    let x = self.force(t)?;
                    match self.coerce_to_nix_string(&x, span, true)? {
                        Ok(s) => {
                            ctx.add(&s);
                            // Nix omits the separator after an empty list item.
                            let is_empty_list = matches!(&x, Value::List(l) if l.is_empty());
                            parts.push((s, is_empty_list, i));
                        }
                        Err(u) => return Ok(Err(u)),
                    }
                }
                let mut out = String::new();
                let n = parts.len();
                for (s, empty_list, i) in parts {
                    out.push_str(&s);
                    if i + 1 < n && !empty_list {
                        out.push(' ');
                    }
                }
                return Ok(Ok(ctx.nix_string(out)));
            }
            other => {
                return err(
                    "type-error",
                    format!("cannot coerce {} to a string", other.type_name()),
                    span,
                )
            }
        }
        .into()))
    }

    fn eval_path(
        &mut self,
        kind: PathKind,
        parts: &[StrPart],
        env: &Env,
        span: &Span,
    ) -> EvalResult<Value> {
        let mut text = String::new();
        for p in parts {
            match p {
                StrPart::Lit(l) => text.push_str(l),
                StrPart::Interp(x) => {
                    let v = self.eval(x, env)?;
                    match self.coerce_to_string(&v, &x.span, false)? {
                        Ok(s) => text.push_str(&s),
                        Err(u) => return Ok(Value::Unknown(u)),
                    }
                }
            }
        }
        let path = match kind {
            PathKind::Absolute => PathBuf::from(&text),
            PathKind::Relative => {
                let dir = span.file.path.parent().unwrap_or(Path::new("/"));
                dir.join(&text)
            }
            PathKind::Home => {
                return Ok(Value::Unknown(Rc::new(Unknown {
                    reason: format!("home path {text} depends on the user running Nix"),
                    span: Some(span.clone()),
                    origin: UnknownOrigin::Opaque,
                })))
            }
        };
        Ok(Value::Path(Rc::from(canon_path(&path).as_path())))
    }

    fn eval_binop(
        &mut self,
        op: BinOp,
        lhs: &ExprRef,
        rhs: &ExprRef,
        env: &Env,
        span: &Span,
    ) -> EvalResult<Value> {
        match op {
            BinOp::And | BinOp::Or | BinOp::Implication => {
                let l = self.eval(lhs, env)?;
                let lb = match l {
                    Value::Bool(b) => b,
                    Value::Unknown(u) => return Ok(Value::Unknown(Unknown::derived(&u))),
                    other => return type_err("a Boolean", &other, &lhs.span),
                };
                let short = match op {
                    BinOp::And => (!lb).then_some(false),
                    BinOp::Or => lb.then_some(true),
                    _ => (!lb).then_some(true),
                };
                if let Some(b) = short {
                    return Ok(Value::Bool(b));
                }
                match self.eval(rhs, env)? {
                    Value::Bool(b) => Ok(Value::Bool(b)),
                    Value::Unknown(u) => Ok(Value::Unknown(Unknown::derived(&u))),
                    other => type_err("a Boolean", &other, &rhs.span),
                }
            }
            _ => {
                let l = self.eval(lhs, env)?;
                let r = self.eval(rhs, env)?;
                self.binop_values(op, &l, &r, span)
            }
        }
    }

    #[allow(clippy::many_single_char_names)]
    pub(crate) fn binop_values(
        &mut self,
        op: BinOp,
        l: &Value,
        r: &Value,
        span: &Span,
    ) -> EvalResult<Value> {
        match op {
            BinOp::Eq | BinOp::NotEq => Ok(match self.equal(l, r)? {
                Ok(b) => Value::Bool(if op == BinOp::Eq { b } else { !b }),
                Err(u) => Value::Unknown(u),
            }),
            BinOp::Less | BinOp::LessEq | BinOp::More | BinOp::MoreEq => {
                let (a, b) = if matches!(op, BinOp::Less | BinOp::MoreEq) {
                    (l, r)
                } else {
                    (r, l)
                };
                // a < b, possibly negated
                Ok(match self.less_than(a, b, span)? {
                    Ok(lt) => Value::Bool(if matches!(op, BinOp::Less | BinOp::More) {
                        lt
                    } else {
                        !lt
                    }),
                    Err(u) => Value::Unknown(u),
                })
            }
            BinOp::Concat => match (l, r) {
                (Value::List(a), Value::List(b)) => {
                    check_list_len(a.len().saturating_add(b.len()), span)?;
                    let mut v: Vec<Thunk> = a.iter().cloned().collect();
                    v.extend(b.iter().cloned());
                    Ok(Value::List(Rc::new(v)))
                }
                // Parts kept in order (`UnknownOrigin::Concat`): a module's
                // `imports = [ ./a.nix ] ++ unknown` still names `./a.nix`.
                (Value::List(_) | Value::Unknown(_), Value::List(_) | Value::Unknown(_)) => {
                    let mut parts: Vec<Thunk> = Vec::new();
                    let mut base: Option<Rc<Unknown>> = None;
                    for v in [l, r] {
                        match v {
                            Value::Unknown(u) => {
                                if let UnknownOrigin::Concat { base: b, parts: p } = &u.origin {
                                    base.get_or_insert_with(|| b.clone());
                                    parts.extend(p.iter().cloned());
                                } else {
                                    base.get_or_insert_with(|| u.clone());
                                    parts.push(Thunk::value(v.clone()));
                                }
                            }
                            _ => parts.push(Thunk::value(v.clone())),
                        }
                    }
                    let base = base.expect("an unknown part");
                    Ok(Value::Unknown(Rc::new(Unknown {
                        reason: base.reason.clone(),
                        span: base.span.clone(),
                        origin: UnknownOrigin::Concat {
                            base,
                            parts: parts.into(),
                        },
                    })))
                }
                (Value::Unknown(u), _) | (_, Value::Unknown(u)) => {
                    Ok(Value::Unknown(Unknown::derived(u)))
                }
                (Value::List(_), other) | (other, _) => type_err("a list", other, span),
            },
            BinOp::Update => match (l, r) {
                (Value::Attrs(a), Value::Attrs(b)) => {
                    if b.is_empty() && b.unknown_keys.is_none() {
                        return Ok(l.clone());
                    }
                    if a.is_empty() && a.unknown_keys.is_none() {
                        return Ok(r.clone());
                    }
                    let mut out: Attrs = (**a).clone();
                    // A name of `b` atelier cannot compute may replace any
                    // of `a`'s (those it may be): those values are unknown.
                    if b.unknown_keys.is_some() {
                        for (k, e) in &mut out.entries {
                            if b.entries.contains_key(k) {
                                continue;
                            }
                            if let Some(u) = b.unknown_for(k) {
                                e.value =
                                    Thunk::value(Value::Unknown(select_unknown(u, k, Some(span))));
                            }
                        }
                    }
                    for (k, v) in &b.entries {
                        out.entries.insert(k.clone(), v.clone());
                    }
                    out.unknown_keys = super::value::unknown_keys_union(
                        a.unknown_keys.as_ref(),
                        b.unknown_keys.as_ref(),
                    );
                    out.span = b.span.clone().or_else(|| a.span.clone());
                    Ok(Value::Attrs(Rc::new(out)))
                }
                // `unknown // { a = …; }` has `a` whatever the unknown set
                // holds (`specialArgs // { inherit ezModules; }`): the
                // other names are unknown.
                (Value::Unknown(u), Value::Attrs(b)) => {
                    let mut out: Attrs = (**b).clone();
                    if out.unknown_keys.is_none() {
                        // Names it certainly lacks stay lacking.
                        out.unknown_keys = Some(match &u.origin {
                            UnknownOrigin::Without { .. } => u.clone(),
                            _ => Unknown::derived(u),
                        });
                    }
                    Ok(Value::Attrs(Rc::new(out)))
                }
                (Value::Unknown(u), _) | (_, Value::Unknown(u)) => {
                    Ok(Value::Unknown(Unknown::derived(u)))
                }
                (Value::Attrs(_), other) | (other, _) => type_err("a set", other, span),
            },
            BinOp::Add => match (l, r) {
                (Value::Unknown(u), _) | (_, Value::Unknown(u)) => {
                    Ok(Value::Unknown(Unknown::derived(u)))
                }
                (Value::Path(p), _) => {
                    // `/a/b + /c/d` is `/a/b/c/d`: the right path is not
                    // copied to the store.
                    let s = match r {
                        Value::Path(q) => q.display().to_string(),
                        _ => match self.coerce_to_string(r, span, false)? {
                            Ok(s) => s,
                            Err(u) => return Ok(Value::Unknown(u)),
                        },
                    };
                    let joined = format!("{}{}", p.display(), s);
                    Ok(Value::Path(Rc::from(
                        canon_path(Path::new(&joined)).as_path(),
                    )))
                }
                (Value::String(a), _) => match self.coerce_to_nix_string(r, span, false)? {
                    Ok(s) => {
                        check_size(a.len().saturating_add(s.len()), "a string", span)?;
                        let mut ctx = super::context::Union::default();
                        ctx.add(a);
                        ctx.add(&s);
                        Ok(ctx.string(format!("{a}{s}")))
                    }
                    Err(u) => Ok(Value::Unknown(u)),
                },
                (Value::Attrs(_), Value::String(_) | Value::Path(_) | Value::Attrs(_)) => {
                    // As Nix: a set (`self`, a derivation) first is its
                    // `outPath`, and what follows is not copied to the
                    // store (`self + /modules/x` is `<self>/modules/x`).
                    let a = match self.coerce_to_nix_string(l, span, false)? {
                        Ok(a) => a,
                        Err(u) => return Ok(Value::Unknown(u)),
                    };
                    let b = match self.coerce_to_nix_string(r, span, true)? {
                        Ok(b) => b,
                        Err(u) => return Ok(Value::Unknown(u)),
                    };
                    check_size(a.len().saturating_add(b.len()), "a string", span)?;
                    let mut ctx = super::context::Union::default();
                    ctx.add(&a);
                    ctx.add(&b);
                    Ok(ctx.string(format!("{a}{b}")))
                }
                _ => arith(op, l, r, span),
            },
            _ => match (l, r) {
                (Value::Unknown(u), _) | (_, Value::Unknown(u)) => {
                    Ok(Value::Unknown(Unknown::derived(u)))
                }
                _ => arith(op, l, r, span),
            },
        }
    }

    /// Deep equality; `Err(unknown)` when it depends on an unknown.
    pub(crate) fn equal(&mut self, a: &Value, b: &Value) -> EvalResult<Result<bool, Rc<Unknown>>> {
        Ok(Ok(match (a, b) {
            // A module an input without its source exports (a set, a
            // function or a path of that input's tree) is not equal to any
            // value of the flake's own (a null, a string, a list, a module
            // written here), and two of them are equal when they are the
            // same attribute: `lib.unique` of a host's modules list stays a
            // list (docs/architecture.md, "Known differences from Nix").
            (Value::Unknown(x), Value::Unknown(y))
                if x.is_flake_module() && y.is_flake_module() =>
            {
                x.path() == y.path()
            }
            (Value::Unknown(u), v) | (v, Value::Unknown(u))
                if u.is_flake_module() && !matches!(v, Value::Unknown(_)) =>
            {
                false
            }
            (Value::Unknown(u), _) | (_, Value::Unknown(u)) => return Ok(Err(Unknown::derived(u))),
            (Value::Null, Value::Null) => true,
            (Value::Bool(x), Value::Bool(y)) => x == y,
            (Value::Int(x), Value::Int(y)) => x == y,
            #[allow(clippy::cast_precision_loss, clippy::float_cmp)]
            (Value::Int(x), Value::Float(y)) => (*x as f64) == *y,
            #[allow(clippy::cast_precision_loss, clippy::float_cmp)]
            (Value::Float(x), Value::Int(y)) => *x == (*y as f64),
            #[allow(clippy::float_cmp)]
            (Value::Float(x), Value::Float(y)) => x == y,
            (Value::String(x), Value::String(y)) => x == y,
            (Value::Path(x), Value::Path(y)) => x == y,
            (Value::List(x), Value::List(y)) => {
                if x.len() != y.len() {
                    return Ok(Ok(false));
                }
                for (tx, ty) in x.iter().zip(y.iter()) {
                    match self.equal_items(tx, ty)? {
                        Ok(true) => {}
                        other => return Ok(other),
                    }
                }
                true
            }
            (Value::Attrs(x), Value::Attrs(y)) => {
                if Rc::ptr_eq(x, y) {
                    return Ok(Ok(true));
                }
                // Derivations compare by output path, as in Nix.
                if is_derivation(self, x)? && is_derivation(self, y)? {
                    if let (Some(px), Some(py)) = (x.get("outPath"), y.get("outPath")) {
                        let vx = self.force(&px.value.clone())?;
                        let vy = self.force(&py.value.clone())?;
                        return self.equal(&vx, &vy);
                    }
                }
                if x.len() != y.len() || !x.keys().eq(y.keys()) {
                    // A name one set certainly has and the other certainly
                    // lacks: unequal, whatever else is unknown.
                    let lacks = |a: &Attrs, b: &Attrs| {
                        a.keys()
                            .any(|k| b.get(k).is_none() && b.unknown_for(k).is_none())
                    };
                    if lacks(x, y) || lacks(y, x) {
                        return Ok(Ok(false));
                    }
                    if let Some(u) = x.unknown_keys.as_ref().or(y.unknown_keys.as_ref()) {
                        return Ok(Err(Unknown::derived(u)));
                    }
                    return Ok(Ok(false));
                }
                for (ex, ey) in x.entries.values().zip(y.entries.values()) {
                    match self.equal_items(&ex.value, &ey.value)? {
                        Ok(true) => {}
                        other => return Ok(other),
                    }
                }
                // The names atelier could not compute may still differ.
                if let Some(u) = x.unknown_keys.as_ref().or(y.unknown_keys.as_ref()) {
                    return Ok(Err(Unknown::derived(u)));
                }
                true
            }
            _ => false,
        }))
    }

    /// Equality of two list items or attribute values. As in Nix, the very
    /// same value is equal to itself even when it is a function
    /// (`let f = x: x; in [ f ] == [ f ]` is true, `f == f` is false).
    fn equal_items(&mut self, tx: &Thunk, ty: &Thunk) -> EvalResult<Result<bool, Rc<Unknown>>> {
        let vx = self.force(tx)?;
        let vy = self.force(ty)?;
        if Rc::ptr_eq(&tx.0, &ty.0) && !matches!(vx, Value::Unknown(_)) {
            return Ok(Ok(true));
        }
        self.equal(&vx, &vy)
    }

    #[allow(clippy::many_single_char_names)]
    fn less_than(
        &mut self,
        a: &Value,
        b: &Value,
        span: &Span,
    ) -> EvalResult<Result<bool, Rc<Unknown>>> {
        Ok(Ok(match (a, b) {
            (Value::Unknown(u), _) | (_, Value::Unknown(u)) => return Ok(Err(Unknown::derived(u))),
            (Value::Int(x), Value::Int(y)) => x < y,
            #[allow(clippy::cast_precision_loss)]
            (Value::Int(x), Value::Float(y)) => (*x as f64) < *y,
            #[allow(clippy::cast_precision_loss)]
            (Value::Float(x), Value::Int(y)) => *x < (*y as f64),
            (Value::Float(x), Value::Float(y)) => x < y,
            (Value::String(x), Value::String(y)) => x.as_bytes() < y.as_bytes(),
            (Value::Path(x), Value::Path(y)) => x.as_os_str() < y.as_os_str(),
            (Value::List(x), Value::List(y)) => {
                for (tx, ty) in x.iter().zip(y.iter()) {
                    let vx = self.force(tx)?;
                    let vy = self.force(ty)?;
                    match self.equal(&vx, &vy)? {
                        Ok(true) => {}
                        Err(u) => return Ok(Err(u)),
                        Ok(false) => return self.less_than(&vx, &vy, span),
                    }
                }
                x.len() < y.len()
            }
            _ => {
                return err(
                    "type-error",
                    format!("cannot compare {} with {}", a.type_name(), b.type_name()),
                    span,
                )
            }
        }))
    }
}

fn is_derivation(ev: &mut Evaluator, a: &Attrs) -> EvalResult<bool> {
    match a.get("type") {
        Some(t) => {
            Ok(matches!(ev.force(&t.value.clone())?, Value::String(s) if &*s == "derivation"))
        }
        None => Ok(false),
    }
}

fn snippet(span: &Span) -> String {
    let text = span.file.text.get(span.start..span.end).unwrap_or("");
    let mut s: String = text.chars().take(60).collect();
    if text.chars().count() > 60 {
        s.push('…');
    }
    s
}

fn too_deep(span: &Span, limit: usize) -> Vec<Diagnostic> {
    vec![Diagnostic::error(
        "evaluation-too-deep",
        format!("more than {limit} nested function calls"),
        Some(span.clone()),
    )
    .with_note("this is usually unbounded recursion in a function")]
}

pub(crate) fn builtin_span() -> Span {
    thread_local! {
        static FILE: Arc<SourceFile> = Arc::new(SourceFile {
            name: "<builtin>".into(),
            path: PathBuf::from("/"),
            text: String::new(),
        });
    }
    FILE.with(|f| Span {
        file: f.clone(),
        start: 0,
        end: 0,
    })
}

fn value_span(v: &Value) -> Option<Span> {
    match v {
        Value::Lambda(c) => Some(c.lambda.span.clone()),
        Value::Attrs(a) => a.span.clone(),
        Value::Unknown(u) => u.span.clone(),
        _ => None,
    }
}

pub(crate) fn select_unknown(u: &Rc<Unknown>, name: &str, span: Option<&Span>) -> Rc<Unknown> {
    Rc::new(Unknown {
        reason: u.reason.clone(),
        span: span.cloned().or_else(|| u.span.clone()),
        origin: UnknownOrigin::Select {
            base: u.clone(),
            attr: name.to_string(),
        },
    })
}

pub(crate) fn lookup_lexical(name: &str, env: &Env) -> Option<Thunk> {
    let mut cur = Some(env);
    while let Some(scope) = cur {
        if let ScopeKind::Vars(vars) = &scope.kind {
            if let Some(t) = vars.borrow().get(name) {
                return Some(t.clone());
            }
        }
        cur = scope.parent.as_ref();
    }
    None
}

#[allow(clippy::cast_precision_loss)]
pub(crate) fn arith(op: BinOp, l: &Value, r: &Value, span: &Span) -> EvalResult<Value> {
    match (l, r) {
        (Value::Int(a), Value::Int(b)) => match op {
            BinOp::Add => Ok(Value::Int(a.wrapping_add(*b))),
            BinOp::Sub => Ok(Value::Int(a.wrapping_sub(*b))),
            BinOp::Mul => Ok(Value::Int(a.wrapping_mul(*b))),
            BinOp::Div => {
                if *b == 0 {
                    err("division-by-zero", "division by zero", span)
                } else {
                    match a.checked_div(*b) {
                        Some(quotient) => Ok(Value::Int(quotient)),
                        None => err(
                            "integer-overflow",
                            format!("overflow in integer division: {a} / {b}"),
                            span,
                        ),
                    }
                }
            }
            _ => unreachable!("arith called with a non-arithmetic operator"),
        },
        (Value::Int(_) | Value::Float(_), Value::Int(_) | Value::Float(_)) => {
            let a = match l {
                Value::Int(i) => *i as f64,
                Value::Float(f) => *f,
                _ => 0.0,
            };
            let b = match r {
                Value::Int(i) => *i as f64,
                Value::Float(f) => *f,
                _ => 0.0,
            };
            match op {
                BinOp::Add => Ok(Value::Float(a + b)),
                BinOp::Sub => Ok(Value::Float(a - b)),
                BinOp::Mul => Ok(Value::Float(a * b)),
                BinOp::Div => {
                    if b == 0.0 {
                        err("division-by-zero", "division by zero", span)
                    } else {
                        Ok(Value::Float(a / b))
                    }
                }
                _ => unreachable!("arith called with a non-arithmetic operator"),
            }
        }
        (Value::Unknown(u), _) | (_, Value::Unknown(u)) => Ok(Value::Unknown(Unknown::derived(u))),
        (Value::Int(_) | Value::Float(_), other) | (other, _) => type_err("a number", other, span),
    }
}

/// `path` relative to `base` (with `..` where needed), for messages.
fn relative_to(path: &Path, base: &Path) -> PathBuf {
    let p: Vec<Component> = path.components().collect();
    let b: Vec<Component> = base.components().collect();
    let common = p.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut out = PathBuf::new();
    for _ in common..b.len() {
        out.push("..");
    }
    for c in &p[common..] {
        out.push(c.as_os_str());
    }
    out
}

/// Nix's path canonicalisation: absolute, no `.`/`..`, no trailing slash;
/// symlinks are not resolved.
pub(crate) fn canon_path(p: &Path) -> PathBuf {
    let mut out = PathBuf::from("/");
    for c in p.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::Normal(n) => out.push(n),
            Component::RootDir | Component::CurDir | Component::Prefix(_) => {}
        }
    }
    out
}
