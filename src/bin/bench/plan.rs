//! `atelier-bench plan`: `atelier-gen plan` on a synthetic flake of 1,000
//! services in 1,000 files, against `nix-instantiate --eval --strict`
//! computing the same data paths from the same sources in the same run (a
//! small pure-Nix collector that skips the NixOS module system, so a lower
//! bound for Nix). Both are whole processes, timed alternately so that both
//! see the same machine; the medians and their ratio are printed, then where
//! atelier-gen's time goes (measured in this process).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};

use atelier::nix::syntax_cache::{self, SyntaxCache};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// `atelier-gen` next to this program (both are built by
/// `cargo build --release --bins`).
fn atelier_gen() -> Result<PathBuf> {
    let me = std::env::current_exe().context("locating atelier-bench")?;
    let gen = me.with_file_name("atelier-gen");
    ensure!(
        gen.exists(),
        "{} is missing; build both with `cargo build --release --bins`",
        gen.display()
    );
    Ok(gen)
}

/// Runs a command that prints JSON: its wall time and its output.
fn timed_json(cmd: &mut Command, what: &str) -> Result<(Duration, serde_json::Value)> {
    let t = Instant::now();
    let out = cmd.output().with_context(|| format!("running {what}"))?;
    let took = t.elapsed();
    ensure!(
        out.status.success(),
        "{what} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = serde_json::from_slice(&out.stdout).with_context(|| format!("output of {what}"))?;
    Ok((took, v))
}

/// Arguments: `[--services N] [--runs N] [--override-input NAME=DIR]...`
/// (`nixpkgs=DIR`: the flake's `lib` is nixpkgs' real lib from `DIR`).
pub fn main(args: &[String]) -> Result<()> {
    let mut n = 1000usize;
    let mut runs = 9usize;
    let mut overrides: Vec<(String, PathBuf)> = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let v = it.next().with_context(|| format!("{a} needs a value"))?;
        match a.as_str() {
            "--services" => n = v.parse().context("--services is a number")?,
            "--runs" => runs = v.parse().context("--runs is a number")?,
            "--override-input" => {
                let (name, path) = v
                    .split_once('=')
                    .context("--override-input takes NAME=DIR")?;
                let path = std::fs::canonicalize(path)
                    .with_context(|| format!("--override-input {name}: {path}"))?;
                overrides.push((name.to_owned(), path));
            }
            other => bail!("unknown option {other}"),
        }
    }
    if !overrides.is_empty() {
        // The in-process phases evaluate with the same sources.
        atelier::discover::lock::configure(atelier::discover::lock::Sources {
            overrides: overrides.clone(),
            store_dir: atelier::discover::lock::default_store_dir(),
            ..Default::default()
        });
    }
    ensure!(n > 0 && runs > 0, "--services and --runs must be positive");
    let gen = atelier_gen()?;
    let tmp = tempfile::tempdir()?;
    let dir = tmp.path().join("flake");
    let dir = dir.as_path();
    super::synthetic_flake::write_flake(dir, n);

    // The evaluation cache trusts a file by its stamp only once the file
    // is older than its racy window (2 s); sources are usually older still.
    std::thread::sleep(Duration::from_millis(2100));
    let cache = tmp.path().join("cache");
    let plan_cmd = |cache: Option<&Path>| {
        let mut cmd = Command::new(&gen);
        cmd.env_remove("ATELIER_GEN_NO_CACHE")
            .args(["plan", "--json", "--host", "bench"])
            .arg(dir);
        for (name, path) in &overrides {
            cmd.arg("--override-input").arg(name).arg(path);
        }
        match cache {
            Some(c) => {
                cmd.env("ATELIER_GEN_CACHE_DIR", c);
            }
            None => {
                cmd.arg("--no-cache");
            }
        }
        cmd
    };
    // Fills the cache.
    timed_json(&mut plan_cmd(Some(&cache)), "atelier-gen plan")?;

    // Whole processes, alternately: every case once per round, then
    // nix-instantiate.
    let mut t = Times::default();
    let mut plan_json = serde_json::Value::Null;
    let mut nix_json = serde_json::Value::Null;
    let host = dir.join("host.nix");
    let host_text = std::fs::read_to_string(&host)?;
    for round in 0..runs {
        let (d, v) = timed_json(&mut plan_cmd(None), "atelier-gen plan --no-cache")?;
        t.no_cache.push(d);
        plan_json = v;
        let cold = tmp.path().join(format!("cold-{round}"));
        let (d, v) = timed_json(&mut plan_cmd(Some(&cold)), "atelier-gen plan (cold)")?;
        t.cold.push(d);
        ensure!(v == plan_json, "the cold plan differs");
        let _ = std::fs::remove_dir_all(&cold);
        let (d, v) = timed_json(&mut plan_cmd(Some(&cache)), "atelier-gen plan (cached)")?;
        t.unchanged.push(d);
        ensure!(
            v == plan_json,
            "the cached plan differs from the evaluated one"
        );
        // One service file edited (a different one each round): a comment
        // inside its expression moves the tokens after it, so the host is
        // evaluated again (only that file parsed). The plan stays the same
        // (it names where each service is declared: lines before the edit).
        let svc = dir.join(format!("services/s{}.nix", (round * 7919) % n));
        let text = std::fs::read_to_string(&svc)?;
        std::fs::write(&svc, inside_last_brace(&text, round))?;
        let (d, v) = timed_json(
            &mut plan_cmd(Some(&cache)),
            "atelier-gen plan (one file edited)",
        )?;
        t.one_file.push(d);
        ensure!(v == plan_json, "the plan after a service edit differs");
        // Another one gets a comment after its expression: the cached
        // result is kept (docs/architecture.md, "The evaluation cache").
        let svc = dir.join(format!("services/s{}.nix", (round * 7919 + 1) % n));
        let mut text = std::fs::read_to_string(&svc)?;
        let _ = writeln!(text, "# edit {round}");
        std::fs::write(&svc, text)?;
        let (d, v) = timed_json(
            &mut plan_cmd(Some(&cache)),
            "atelier-gen plan (trailing comment)",
        )?;
        t.trailing.push(d);
        ensure!(v == plan_json, "the plan after a trailing comment differs");
        std::fs::write(&host, inside_last_brace(&host_text, round))?;
        let (d, v) = timed_json(
            &mut plan_cmd(Some(&cache)),
            "atelier-gen plan (host edited)",
        )?;
        t.host_file.push(d);
        ensure!(v == plan_json, "the plan after a host edit differs");
        let mut cmd = Command::new("nix-instantiate");
        cmd.args(["--eval", "--strict", "--json"])
            .arg(dir.join("collect.nix"));
        let (d, v) = timed_json(&mut cmd, "nix-instantiate (install nix-bin)")?;
        t.nix.push(d);
        nix_json = v;
    }
    // Both computed the same data paths.
    let services = plan_json["services"]
        .as_object()
        .context("plan has no services")?;
    ensure!(
        services.len() == n,
        "plan has {} services, not {n}",
        services.len()
    );
    for (name, svc) in services {
        ensure!(
            nix_json[name]["sqlite"] == svc["sqlite"] && nix_json[name]["files"] == svc["files"],
            "atelier-gen and nix-instantiate disagree on {name}"
        );
    }

    // Where atelier-gen's time goes, in this process.
    let phases = phases(dir, n, runs)?;

    let nix = median(t.nix);
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    println!("services: {n} in {n} files ({threads} cores); processes, medians of {runs}");
    for (name, path) in &overrides {
        println!("input {name} evaluated from {}", path.display());
    }
    println!(
        "nix-instantiate --eval --strict:          {:7.1} ms",
        ms(nix)
    );
    for (what, times) in [
        ("atelier-gen plan --json, unchanged", t.unchanged),
        ("  one service file edited", t.one_file),
        ("  one service file, trailing comment", t.trailing),
        ("  host file edited", t.host_file),
        ("  cold (empty cache directory)", t.cold),
        ("  --no-cache (no cache at all)", t.no_cache),
    ] {
        let m = median(times);
        println!(
            "{what:<41} {:7.1} ms  = {:5.2}x nix-instantiate",
            ms(m),
            nix.as_secs_f64() / m.as_secs_f64()
        );
    }
    println!(
        "in process (median of {runs}): discover {:.1} ms (of which reading and parsing {:.1} ms), plan {:.1} ms; rendering the module (generate only) {:.1} ms",
        ms(phases.discover),
        ms(phases.read),
        ms(phases.plan),
        ms(phases.render)
    );
    println!(
        "in process, all trees from the syntax cache: discover {:.1} ms (of which reading and decoding {:.1} ms)",
        ms(phases.discover_kept),
        ms(phases.read_kept),
    );
    Ok(())
}

/// `text` with a comment line before its last `}`.
fn inside_last_brace(text: &str, round: usize) -> String {
    match text.rfind('}') {
        Some(i) => format!("{}  # edit {round}\n{}", &text[..i], &text[i..]),
        None => format!("{text}# edit {round}\n"),
    }
}

#[derive(Default)]
struct Times {
    nix: Vec<Duration>,
    unchanged: Vec<Duration>,
    one_file: Vec<Duration>,
    trailing: Vec<Duration>,
    host_file: Vec<Duration>,
    cold: Vec<Duration>,
    no_cache: Vec<Duration>,
}

struct Phases {
    discover: Duration,
    read: Duration,
    plan: Duration,
    render: Duration,
    discover_kept: Duration,
    read_kept: Duration,
}

fn phases(dir: &Path, n: usize, runs: usize) -> Result<Phases> {
    let dir = dir.to_path_buf();
    atelier::nix::with_large_stack(move || {
        let generated = [dir.join("generated/bench.nix")];
        let (mut disc, mut read, mut plans, mut render) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let (mut disc_kept, mut read_kept) = (Vec::new(), Vec::new());
        let cache_dir = tempfile::tempdir()?;
        let syntax = || {
            Some(std::sync::Arc::new(SyntaxCache::new(
                cache_dir.path(),
                &dir,
                "bench",
            )))
        };
        // Fills the syntax cache.
        let s = syntax();
        let _ = syntax_cache::with(s.clone(), || {
            atelier::discover::discover_host_keeping(&dir, "bench", &generated)
        });
        if let Some(s) = s {
            s.flush();
        }
        for _ in 0..runs {
            let t = Instant::now();
            // As `atelier-gen` does it: the evaluator's memory is freed
            // after the result is handed on (and not timed here).
            let (found, residue) =
                atelier::discover::discover_host_keeping(&dir, "bench", &generated);
            disc.push(t.elapsed());
            drop(residue);
            let decl = found.host.context("discovery found no host")?;
            let t = Instant::now();
            let plan = atelier::plan::build(&decl).plan.context("no plan")?;
            plans.push(t.elapsed());
            let t = Instant::now();
            atelier::render::render_host_module(&plan)?;
            render.push(t.elapsed());
            // Reading and parsing alone, as discovery does it.
            let files: Vec<PathBuf> = (0..n)
                .map(|i| dir.join(format!("services/s{i}.nix")))
                .collect();
            let t = Instant::now();
            let mut ev = atelier::nix::Evaluator::new(&dir);
            ev.prefetch(&files);
            for f in &files {
                ev.parse_file(f)
                    .map_err(|_| anyhow::anyhow!("{} does not parse", f.display()))?;
            }
            read.push(t.elapsed());
            drop(ev);

            // The same with every tree kept.
            let t = Instant::now();
            let (_, residue) = syntax_cache::with(syntax(), || {
                atelier::discover::discover_host_keeping(&dir, "bench", &generated)
            });
            disc_kept.push(t.elapsed());
            drop(residue);
            let t = Instant::now();
            syntax_cache::with(syntax(), || -> Result<()> {
                let mut ev = atelier::nix::Evaluator::new(&dir);
                ev.prefetch(&files);
                for f in &files {
                    ev.parse_file(f)
                        .map_err(|_| anyhow::anyhow!("{} does not parse", f.display()))?;
                }
                Ok(())
            })?;
            read_kept.push(t.elapsed());
        }
        Ok(Phases {
            discover: median(disc),
            read: median(read),
            plan: median(plans),
            render: median(render),
            discover_kept: median(disc_kept),
            read_kept: median(read_kept),
        })
    })
}
