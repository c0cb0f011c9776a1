//! `atelier-bench eval-rss`: the evaluator's memory over many inputs in one
//! process (issue 14), the way a long in-process fuzz run uses it. Each
//! input gets its own [`Evaluator`], is evaluated and forced deeply, and the
//! evaluator is dropped; the process's resident set size (`VmRSS` of
//! `/proc/self/status`) is printed at checkpoints. Memory that survives an
//! evaluation (reference cycles of `let`, `rec`, fixpoints) shows up as
//! growth proportional to the number of inputs.
//!
//! Inputs: generated expressions that build the cycles the evaluator makes
//! (`rec` sets, `let` bindings whose thunks capture their own scope, pattern
//! defaults, `lib.fix`/`makeExtensible`, `builtins.builtins`) plus plain
//! ones, and, with `--corpus DIR`, every `.nix` file under DIR in turn.
//! With `--pipeline` each input is also the `host.nix` of a small flake
//! run through discovery, planning and rendering, as in the fuzz target
//! (`fuzz/fuzz_targets/reader.rs`).

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, ensure, Context, Result};

use atelier::nix::{Evaluator, Value};

/// The flake of the fuzz target: `host.nix` is the input.
const FLAKE: &str = r#"{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";
  outputs = { nixpkgs, atelier, ... }: {
    nixosConfigurations.box = nixpkgs.lib.nixosSystem {
      system = "x86_64-linux";
      specialArgs = { inherit atelier; };
      modules = [ atelier.nixosModules.default ./host.nix ];
    };
  };
}
"#;

/// Generated input number `i`, most of them building a reference cycle;
/// some are functions of `{ lib, ... }`, like a module.
fn generated(i: usize) -> String {
    let n = i % 1000;
    match i % 12 {
        0 => format!("rec {{ a = {n}; b = a + 1; f = x: b + x; r = f a; self = {{ inherit a b; s = r; }}; }}"),
        1 => format!("let x = {{ self = x; v = {n}; l = [ x.v ]; }}; in x.self.self.v"),
        2 => format!(
            "let fix = f: let x = f x; in x; in (fix (self: {{ a = {n}; b = self.a * 2; c = self.b + 1; }})).c"
        ),
        3 => format!(
            "{{ lib, ... }}: let e = lib.makeExtensible (self: {{ a = {n}; b = self.a + 1; }}); e2 = e.extend (final: prev: {{ a = prev.a * 2; c = final.b; }}); in [ e2.c e2.b ]"
        ),
        4 => format!("({{ a ? b + 1, b ? {n}, f ? x: a + x, ... }}@args: f b) {{ }}"),
        5 => format!("builtins.builtins.length (builtins.builtins.genList (x: x) {})", n % 50),
        6 => format!(
            "with rec {{ a = {n}; g = y: if y == 0 then a else g (y - 1); }}; g 20"
        ),
        7 => format!(
            "{{ lib, ... }}: lib.fix (self: {{ services.s{n} = {{ enable = true; port = self.base + {n}; }}; base = 8000; }})"
        ),
        8 => format!(
            "let even = n: if n == 0 then true else odd (n - 1); odd = n: if n == 0 then false else even (n - 1); in {{ e = even {n}; o = odd {n}; }}"
        ),
        9 => format!(
            "{{ lib, ... }}: lib.mapAttrs (k: v: v // {{ name = k; }}) (rec {{ a = {{ x = {n}; y = b.x; }}; b = {{ x = a.x + 1; }}; }})"
        ),
        10 => format!(
            "builtins.toJSON (builtins.genList (k: {{ inherit k; s = toString (k * {n}); }}) 30)"
        ),
        _ => format!("{{ a = {n}; b = \"s${{toString {n}}}\"; c = [ 1 2 {n} ]; d = x: x; }}"),
    }
}

/// Every `.nix` file under `dir`, sorted, with its text.
fn corpus(dir: &Path, out: &mut Vec<(PathBuf, String)>) -> Result<()> {
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "nix"))
        .map(walkdir::DirEntry::into_path)
        .collect();
    files.sort();
    ensure!(
        !files.is_empty(),
        "--corpus {}: no .nix file",
        dir.display()
    );
    for f in files {
        if let Ok(text) = std::fs::read_to_string(&f) {
            out.push((f, text));
        }
    }
    Ok(())
}

/// The resident set size of this process, in KiB (`VmRSS`).
pub fn rss_kib() -> Result<u64> {
    let status = std::fs::read_to_string("/proc/self/status").context("/proc/self/status")?;
    let line = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .context("no VmRSS in /proc/self/status")?;
    line.split_whitespace()
        .nth(1)
        .and_then(|v| v.parse().ok())
        .with_context(|| format!("unreadable {line:?}"))
}

/// Evaluates `text` and forces it deeply; a function (a module) is applied
/// to `{ lib, ... }` where every other argument is unknown. Errors are an
/// expected outcome for corpus files.
fn evaluate(dir: &Path, name: &str, text: &str) {
    let mut ev = Evaluator::new(dir);
    ev.set_max_depth(atelier::nix::LARGE_STACK_MAX_DEPTH);
    let Ok(mut v) = ev.eval_source(name, dir, text) else {
        return;
    };
    if matches!(v, Value::Lambda(_)) {
        let Ok(lib) = ev.lib() else { return };
        let rest = Value::unknown_root("args", "a module argument", None);
        let args = Value::partial_attrs([("lib".to_owned(), lib)], &rest);
        match ev.apply(&v, args) {
            Ok(r) => v = r,
            Err(_) => return,
        }
    }
    let _ = ev.force_deep(&v);
}

/// Arguments: `[--inputs N] [--checkpoints N] [--corpus DIR]... [--pipeline]`.
pub fn main(args: &[String]) -> Result<()> {
    let mut inputs = 100_000usize;
    let mut checkpoints = 10usize;
    let mut pipeline = false;
    let mut files: Vec<(PathBuf, String)> = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == "--pipeline" {
            pipeline = true;
            continue;
        }
        let v = it.next().with_context(|| format!("{a} needs a value"))?;
        match a.as_str() {
            "--inputs" => inputs = v.parse().context("--inputs is a number")?,
            "--checkpoints" => checkpoints = v.parse().context("--checkpoints is a number")?,
            "--corpus" => corpus(Path::new(v), &mut files)?,
            other => bail!("unknown option {other}"),
        }
    }
    ensure!(
        inputs > 0 && checkpoints > 0,
        "--inputs and --checkpoints must be positive"
    );
    let flake = tempfile::Builder::new()
        .prefix("atelier-eval-rss-")
        .tempdir()?;
    let dir = flake.path().to_path_buf();
    std::fs::write(dir.join("flake.nix"), FLAKE)?;
    std::fs::write(dir.join("other.nix"), "{ x = import ./host.nix; y = 1; }\n")?;
    println!(
        "eval-rss: {inputs} inputs in one process ({} corpus files, the rest generated){}",
        files.len(),
        if pipeline {
            ", each also through discovery, plan and render"
        } else {
            ""
        }
    );
    // The evaluation runs on one thread with a large stack, as in the
    // fuzz target; the checkpoints are printed from there.
    let every = inputs.div_ceil(checkpoints);
    let report = atelier::nix::with_large_stack(move || -> Result<Vec<(usize, u64)>> {
        let start = Instant::now();
        let mut seen = vec![(0, rss_kib()?)];
        println!("{:>9}  {:>10}  {:>8}", "inputs", "VmRSS KiB", "seconds");
        println!("{:>9}  {:>10}  {:>8.1}", 0, seen[0].1, 0.0);
        for i in 0..inputs {
            let text;
            let (name, base, text) = if i % 2 == 1 && !files.is_empty() {
                let (path, t) = &files[(i / 2) % files.len()];
                let base = path.parent().unwrap_or(Path::new("/"));
                (path.display().to_string(), base.to_path_buf(), t.as_str())
            } else {
                text = generated(i);
                ("input.nix".to_owned(), dir.clone(), text.as_str())
            };
            evaluate(&base, &name, text);
            if pipeline {
                std::fs::write(dir.join("host.nix"), text)?;
                let _ = atelier::generate::pipeline::process_host(&dir, "box", &[]);
            }
            let done = i + 1;
            if done % every == 0 || done == inputs {
                let kib = rss_kib()?;
                println!(
                    "{done:>9}  {kib:>10}  {:>8.1}",
                    start.elapsed().as_secs_f64()
                );
                seen.push((done, kib));
            }
        }
        Ok(seen)
    })?;
    // Growth per input after the first checkpoint (allocator warm-up and
    // one-time caches are in the first).
    if let [_, first, .., last] = report.as_slice() {
        let per_input =
            (last.1.saturating_sub(first.1)) as f64 * 1024.0 / (last.0 - first.0) as f64;
        println!(
            "growth from input {} to {}: {} KiB ({per_input:.0} bytes per input)",
            first.0,
            last.0,
            i128::from(last.1) - i128::from(first.1),
        );
    }
    Ok(())
}
