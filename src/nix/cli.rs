//! `atelier-gen eval FILE.nix [--attr PATH]`: print what the evaluator sees.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Args;

use super::eval::builtin_span;
use super::json::{to_json, JsonMode};
use super::{Evaluator, Value};
use crate::diagnostic::{render, Diagnostic, OutputFormat};

#[derive(Debug, Clone, Args)]
pub struct EvalArgs {
    /// The .nix file to evaluate.
    pub file: PathBuf,
    /// Only show this attribute path, e.g. `nixosConfigurations.web.modules`.
    #[arg(long, value_name = "PATH")]
    pub attr: Option<String>,
    /// Imports outside this directory are refused [default: the nearest
    /// ancestor with a flake.nix, else the file's directory].
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
}

/// The root used when `--root` is not given.
pub fn default_root(file: &Path) -> PathBuf {
    let abs = std::fs::canonicalize(file).unwrap_or_else(|_| file.to_path_buf());
    let dir = abs
        .parent()
        .map_or_else(|| PathBuf::from("/"), Path::to_path_buf);
    let mut cur = Some(dir.as_path());
    while let Some(d) = cur {
        if d.join("flake.nix").is_file() {
            return d.to_path_buf();
        }
        cur = d.parent();
    }
    dir
}

/// Evaluates deeply and returns the JSON document, or the diagnostics.
pub fn eval_to_json(args: &EvalArgs) -> Result<serde_json::Value, Vec<Diagnostic>> {
    let root = args
        .root
        .clone()
        .unwrap_or_else(|| default_root(&args.file));
    let mut ev = Evaluator::new(&root);
    let mut v = ev.eval_file(&args.file)?;
    if let Some(attr) = &args.attr {
        let path: Vec<&str> = attr.split('.').filter(|s| !s.is_empty()).collect();
        v = match ev.select(&v, &path)? {
            Some(x) => x,
            None => {
                return Err(vec![Diagnostic::error(
                    "missing-attribute",
                    format!(
                        "attribute path `{attr}` does not exist in {}",
                        args.file.display()
                    ),
                    None,
                )])
            }
        };
    }
    if let Value::Unknown(_) = v {
        // shown as an unknown object below
    }
    let span = builtin_span();
    let r = match to_json(&mut ev, &v, JsonMode::Inspect, &span)? {
        Ok(j) => Ok(j),
        Err(u) => Ok(super::json::unknown_json(&u)),
    };
    // The process ends right after; freeing every value and syntax tree
    // one by one would cost more than the evaluation of a small file.
    std::mem::forget(v);
    std::mem::forget(ev);
    r
}

/// Runs the command; returns the process exit code (0 ok, 1 errors).
pub fn run_eval(args: &EvalArgs, format: OutputFormat) -> u8 {
    // The evaluator grows its stack on demand, so this runs on the main
    // thread (a helper thread would also get a slower malloc arena).
    let result = eval_to_json(args).map_err(|d| render(&d, format));
    match result {
        Ok(j) => {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&j).unwrap_or_default()
            );
            0
        }
        Err(text) => {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "{text}");
            1
        }
    }
}
