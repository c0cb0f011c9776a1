//! Reading Nix: parse with rnix, lower to our own tree with a source map
//! ([`syntax`]), and evaluate the subset that declarations use, lazily
//! ([`Evaluator`]). Values that cannot be known statically are
//! [`Value::Unknown`] and carry their span; they only become errors where a
//! consumer (discovery) needs a concrete value.
//!
//! # Using it from discovery
//!
//! ```no_run
//! use atelier::nix::{Evaluator, Value};
//! let mut ev = Evaluator::new("/path/to/flake");
//! let module = ev.eval_file("/path/to/flake/services/myapp.nix".as_ref()).unwrap();
//! // A NixOS module is usually a function of { config, lib, pkgs, ... }.
//! let lib = ev.lib().unwrap();
//! let args = Value::attrs([
//!     ("lib".to_string(), lib),
//!     ("pkgs".to_string(), Value::unknown_root("pkgs", "`pkgs` is only known when Nix builds the system", None)),
//!     ("config".to_string(), Value::unknown_root("config", "`config` is only known to the NixOS module system", None)),
//! ]);
//! let attrs = if module.is_function() { ev.apply(&module, args).unwrap() } else { module };
//! let data = ev.select(&attrs, &["atelier", "services"]).unwrap();
//! let span = ev.definition_span(&attrs, &["atelier", "services"]).unwrap();
//! ```
//!
//! * Errors are `Vec<Diagnostic>` (never empty): a file with several syntax
//!   errors reports all of them.
//! * `mkIf`, `mkMerge`, `mkDefault`/`mkForce`/`mkOverride` produce the same
//!   tagged sets as nixpkgs (`{ _type = "if"; condition; content; }`, ...).
//! * `lib.nixosSystem args` returns `{ _type = "nixosSystem"; args; modules; specialArgs; }`.
//! * [`Value::partial_attrs`] builds a partly known set (e.g. a `config`
//!   where only `atelier.*` is known): missing attributes are unknowns whose
//!   [`Unknown::path`] says what was asked for (`config.services.x.port`).
//! * `builtins` has Nix 2.8's names; those atelier does not evaluate
//!   (fetchers, the clock, the store; regular expressions the `regex` crate
//!   cannot read) are unknown rather than errors. `derivation` gives Nix's
//!   exact store paths when its attributes are known (`store.rs`).
//! * Strings carry their context ([`NixString`]); an interpolated path,
//!   `builtins.path`, `filterSource` and `toFile` give the store path Nix
//!   computes, which reads back as the source (`context.rs`).
//! * Calls in tail position run in a loop ([`MAX_TAIL_CALLS`] in a row),
//!   other nesting up to [`DEFAULT_MAX_DEPTH`].
//! * Nix's own language tests are the conformance suite
//!   (`tests/nix_lang_conformance.rs`).
//! * Applying an unknown function (e.g. `inputs.atelier.lib.mkService`)
//!   gives an unknown whose [`Unknown::application`] returns the function
//!   (with its [`Unknown::path`]) and the still-inspectable argument.

mod builtin_pack;
mod builtins;
pub mod cli;
mod collect;
mod context;
mod eval;
mod fetchers;
pub mod inputs;
mod json;
mod prefetch;
mod store;
pub mod syntax;
pub mod syntax_cache;
mod value;

pub use builtins::{BUILTINS, LIB_NIX};
pub use eval::{
    EvalResult, Evaluator, Fetched, NixpkgsRoot, OnFetched, DEFAULT_MAX_DEPTH, MAX_TAIL_CALLS,
    MAX_VALUE_SIZE,
};
pub use json::{from_json, to_json, unknown_json, JsonMode};
pub use value::{
    AttrEntry, Attrs, Closure, Context, Env, NixString, PrimOpApp, PrimOpDef, Thunk, Unknown,
    UnknownOrigin, Value,
};

/// Runs `f` on a thread with a large stack, so deeply nested (but finite)
/// evaluations do not overflow; pair it with [`Evaluator::set_max_depth`].
pub fn with_large_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    match spawn_with_large_stack(f).join() {
        Ok(v) => v,
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

/// Starts `f` on a thread with a large stack (see [`with_large_stack`]).
pub fn spawn_with_large_stack<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> std::thread::JoinHandle<T> {
    std::thread::Builder::new()
        .name("nix-eval".into())
        .stack_size(LARGE_STACK)
        .spawn(f)
        .expect("spawning the evaluation thread")
}

/// Stack size used by [`with_large_stack`].
pub const LARGE_STACK: usize = 512 * 1024 * 1024;

/// Nesting limit for callers that want more than [`DEFAULT_MAX_DEPTH`]
/// (the stack grows on demand, so any thread can use it).
pub const LARGE_STACK_MAX_DEPTH: usize = 20_000;
