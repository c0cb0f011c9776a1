//! `atelier-bench plan`: `atelier-gen plan` on a synthetic flake of 1,000
//! services in 1,000 files, against `nix-instantiate --eval --strict`
//! computing the same data paths from the same sources in the same run (a
//! small pure-Nix collector that skips the NixOS module system, so a lower
//! bound for Nix). Both are whole processes, timed alternately so that both
//! see the same machine; the medians and their ratio are printed, then where
//! atelier-gen's time goes (measured in this process).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};

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

/// Arguments: `[--services N] [--runs N]`.
pub fn main(args: &[String]) -> Result<()> {
    let mut n = 1000usize;
    let mut runs = 9usize;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let v = it.next().with_context(|| format!("{a} needs a value"))?;
        match a.as_str() {
            "--services" => n = v.parse().context("--services is a number")?,
            "--runs" => runs = v.parse().context("--runs is a number")?,
            other => bail!("unknown option {other}"),
        }
    }
    ensure!(n > 0 && runs > 0, "--services and --runs must be positive");
    let gen = atelier_gen()?;
    let tmp = tempfile::tempdir()?;
    let dir = tmp.path();
    super::synthetic_flake::write_flake(dir, n);

    // The evaluation cache trusts a file by its stamp only once the file
    // is older than its racy window (2 s); sources are usually older still.
    std::thread::sleep(Duration::from_millis(2100));
    let cache = tmp.path().join("cache");
    let plan_cmd = |cached: bool| {
        let mut cmd = Command::new(&gen);
        cmd.env_remove("ATELIER_GEN_NO_CACHE")
            .env("ATELIER_GEN_CACHE_DIR", &cache)
            .args(["plan", "--json", "--host", "bench"])
            .arg(dir);
        if !cached {
            cmd.arg("--no-cache");
        }
        cmd
    };
    // Fills the cache.
    timed_json(&mut plan_cmd(true), "atelier-gen plan")?;

    // Whole processes, alternately.
    let mut ours = Vec::new();
    let mut warm = Vec::new();
    let mut nix = Vec::new();
    let mut plan_json = serde_json::Value::Null;
    let mut nix_json = serde_json::Value::Null;
    for _ in 0..runs {
        let (t, v) = timed_json(&mut plan_cmd(false), "atelier-gen plan --no-cache")?;
        ours.push(t);
        plan_json = v;
        let (t, v) = timed_json(&mut plan_cmd(true), "atelier-gen plan (cached)")?;
        warm.push(t);
        ensure!(
            v == plan_json,
            "the cached plan differs from the evaluated one"
        );
        let mut cmd = Command::new("nix-instantiate");
        cmd.args(["--eval", "--strict", "--json"])
            .arg(dir.join("collect.nix"));
        let (t, v) = timed_json(&mut cmd, "nix-instantiate (install nix-bin)")?;
        nix.push(t);
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

    let (a, w, b) = (median(ours), median(warm), median(nix));
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    println!("services:                          {n} in {n} files ({threads} cores)");
    println!(
        "atelier-gen plan --json:           {:.1} ms evaluating (--no-cache), {:.1} ms from the cache (files unchanged) (processes, medians of {runs})",
        ms(a),
        ms(w)
    );
    println!(
        "nix-instantiate --eval --strict:   {:.1} ms (process, median of {runs})",
        ms(b)
    );
    println!(
        "ratio nix-instantiate / atelier-gen plan: {:.2}x evaluating, {:.2}x from the cache",
        b.as_secs_f64() / a.as_secs_f64(),
        b.as_secs_f64() / w.as_secs_f64()
    );
    println!(
        "in process (median of {runs}): discover {:.1} ms (of which reading and parsing {:.1} ms), plan {:.1} ms; rendering the module (generate only) {:.1} ms",
        ms(phases.discover),
        ms(phases.read),
        ms(phases.plan),
        ms(phases.render)
    );
    Ok(())
}

struct Phases {
    discover: Duration,
    read: Duration,
    plan: Duration,
    render: Duration,
}

fn phases(dir: &Path, n: usize, runs: usize) -> Result<Phases> {
    let dir = dir.to_path_buf();
    atelier::nix::with_large_stack(move || {
        let generated = [dir.join("generated/bench.nix")];
        let (mut disc, mut read, mut plans, mut render) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
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
        }
        Ok(Phases {
            discover: median(disc),
            read: median(read),
            plan: median(plans),
            render: median(render),
        })
    })
}
