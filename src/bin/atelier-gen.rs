//! `atelier-gen`: reads a flake's Nix sources and writes each host's generated
//! backup module. Thin: parses arguments, calls the library, maps errors to
//! exit codes (0 ok, 1 errors found or files stale, 2 usage).

use std::io::Write;

// Reading a flake allocates many small syntax and value nodes; mimalloc
// makes that markedly cheaper than the system allocator (docs/bench.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use atelier::diagnostic::{render, Diagnostic, OutputFormat};
use atelier::generate::cache::{self, Cache, Lookup};
use atelier::generate::pipeline::{self, HostOutput, HostSelection};
use atelier::render::output::{self, Staleness};
use clap::{Args, CommandFactory, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "atelier-gen",
    version,
    about = "Generate NixOS backup modules from a flake's data declarations",
    long_about = "Generate NixOS backup modules from a flake's data declarations.\n\n\
atelier-gen reads your flake's .nix sources (no Nix needed), follows each \
host's modules, finds every service that declares data (mkService data \
blocks, atelier.backup.services registrations) and writes generated/<host>.nix: \
the restic units, timers and the manifest atelier-backup reads on the host.",
    after_help = "Typical use, from the flake's directory:\n  \
atelier-gen generate            write generated/<host>.nix for every host\n  \
atelier-gen check               in CI: fail (exit 1, with a diff) when a generated file is stale\n  \
atelier-gen plan --host web     show what would be backed up on host `web`\n  \
atelier-gen eval services/x.nix see what atelier-gen's evaluator reads in a file\n\n\
Then import the generated module next to atelier.nixosModules.default in the host's modules."
)]
struct Cli {
    /// How diagnostics are printed: human (with source excerpts), short
    /// (`file:line:col: error[code]: message`), json.
    #[arg(long, global = true, value_enum, default_value_t = OutputFormat::Human)]
    format: OutputFormat,
    /// Evaluate from scratch: neither use nor update the evaluation cache
    /// (nor the syntax trees kept beside it).
    #[arg(
        long,
        global = true,
        env = "ATELIER_GEN_NO_CACHE",
        value_parser = clap::builder::FalseyValueParser::new()
    )]
    no_cache: bool,
    /// Where evaluation results are cached, each with the file contents and
    /// listings it depends on (used only when all are unchanged)
    /// [default: $XDG_CACHE_HOME/atelier-gen or ~/.cache/atelier-gen].
    #[arg(long, global = true, value_name = "DIR", env = "ATELIER_GEN_CACHE_DIR")]
    cache_dir: Option<PathBuf>,
    /// Say on stderr whether each host came from the cache, and if not, why
    /// and how many files had to be parsed.
    #[arg(long, short, global = true)]
    verbose: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Args)]
struct Target {
    /// The flake's directory (containing flake.nix).
    #[arg(default_value = ".")]
    flake_dir: PathBuf,
    /// Only this host (a name under nixosConfigurations); repeatable.
    #[arg(long = "host", value_name = "HOST", conflicts_with = "all_hosts")]
    hosts: Vec<String>,
    /// Every host of the flake (the default when no --host is given; a host
    /// that declares no atelier service or repository and has no generated
    /// module yet is skipped).
    #[arg(long)]
    all_hosts: bool,
    /// Directory of the generated modules [default: `FLAKE_DIR/generated`].
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Accept hosts whose module tree is partly unread (an `imports` that
    /// is not known statically): services declared there are missed.
    #[arg(long)]
    allow_partial: bool,
    #[command(flatten)]
    inputs: InputArgs,
}

/// Where flake inputs' sources come from (docs/architecture.md, "Inputs").
#[derive(Debug, Args)]
struct InputArgs {
    /// Evaluate flake input NAME (`a/b`: input `b` of input `a`) from the
    /// directory PATH, as `nix --override-input` does; repeatable.
    #[arg(long = "override-input", num_args = 2, value_names = ["NAME", "PATH"])]
    override_input: Vec<String>,
    /// Download the locked inputs a host needs that are neither overridden
    /// nor in the Nix store, check each against flake.lock's narHash, and
    /// keep them in the cache directory (later runs are offline).
    #[arg(
        long,
        env = "ATELIER_FETCH_INPUTS",
        value_parser = clap::builder::FalseyValueParser::new()
    )]
    fetch_inputs: bool,
    /// With --fetch-inputs: keep all of a fetched nixpkgs. Without it only
    /// what evaluation reads of nixpkgs is kept (lib/, nixos/lib/,
    /// nixos/modules/ and its top-level files); a pruned copy kept earlier
    /// is fetched again, whole.
    #[arg(
        long,
        env = "ATELIER_KEEP_FULL_INPUTS",
        value_parser = clap::builder::FalseyValueParser::new()
    )]
    keep_full_inputs: bool,
}

impl InputArgs {
    /// Sets where evaluation finds input sources.
    fn configure(&self, cli: &Cli) {
        let cache_dir = cli
            .cache_dir
            .clone()
            .filter(|d| !d.as_os_str().is_empty())
            .or_else(cache::default_dir);
        atelier::discover::lock::configure(atelier::discover::lock::Sources {
            overrides: self
                .override_input
                .chunks(2)
                .map(|p| (p[0].clone(), PathBuf::from(&p[1])))
                .collect(),
            fetch: self.fetch_inputs,
            keep_full: self.keep_full_inputs,
            cache_dir,
            store_dir: atelier::discover::lock::default_store_dir(),
        });
    }
}

impl Target {
    fn selection(&self) -> HostSelection {
        if self.hosts.is_empty() {
            HostSelection::All
        } else {
            HostSelection::Only(self.hosts.clone())
        }
    }

    fn out_dir(&self) -> PathBuf {
        self.out.clone().unwrap_or_else(|| {
            if self.flake_dir == Path::new(".") {
                PathBuf::from("generated")
            } else {
                self.flake_dir.join("generated")
            }
        })
    }

    fn regenerate_command(&self) -> String {
        let mut cmd = String::from("atelier-gen generate");
        if self.flake_dir != Path::new(".") {
            cmd.push(' ');
            cmd.push_str(&self.flake_dir.display().to_string());
        }
        for h in &self.hosts {
            cmd.push_str(" --host ");
            cmd.push_str(h);
        }
        if let Some(out) = &self.out {
            cmd.push_str(" --out ");
            cmd.push_str(&out.display().to_string());
        }
        cmd
    }
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Write generated/<host>.nix for the selected hosts.
    ///
    /// Nothing is written when any declaration has an error. Existing files
    /// are only replaced when they carry atelier-gen's header.
    Generate(Target),
    /// Fail (exit 1) when a generated file is missing or stale; prints a
    /// unified diff against a fresh render. Writes nothing. Use it in CI.
    Check(Target),
    /// Show the plan of one host: what is backed up, where, and when.
    ///
    /// With --json, the manifest schema (/etc/atelier/backup-manifest.json);
    /// values only Nix knows at rebuild time (secret paths from config,
    /// hooks using pkgs) are null.
    Plan(PlanArgs),
    /// Print what the static evaluator sees in a .nix file, as JSON.
    ///
    /// Unknown values show as `{"unknown": "<reason>", "at": "<file:line:col>"}`,
    /// functions as `{"function": "<file:line:col>"}`.
    Eval(atelier::nix::cli::EvalArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff).
    Man,
}

#[derive(Debug, Args)]
struct PlanArgs {
    /// The flake's directory (containing flake.nix).
    #[arg(default_value = ".")]
    flake_dir: PathBuf,
    /// The host (required when the flake has several).
    #[arg(long, value_name = "HOST")]
    host: Option<String>,
    /// Print the manifest JSON instead of a summary.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    inputs: InputArgs,
}

/// How hosts are evaluated: the cache (unless disabled), and verbosity.
struct Evaluation {
    cache: Option<Cache>,
    verbose: bool,
}

impl Evaluation {
    fn from_cli(cli: &Cli) -> Self {
        let cache = if cli.no_cache {
            None
        } else {
            cli.cache_dir
                .clone()
                .filter(|d| !d.as_os_str().is_empty())
                .or_else(cache::default_dir)
                .map(Cache::new)
        };
        if cli.verbose {
            atelier::discover::keep_notes();
        }
        Self {
            cache,
            verbose: cli.verbose,
        }
    }

    /// One host's result; `render`: with its module; `json_only`: of the
    /// plan, only the `plan --json` text is needed.
    fn host(
        &self,
        flake_dir: &Path,
        host: &str,
        generated: &[PathBuf],
        render: bool,
        json_only: bool,
    ) -> HostOutput {
        let Some(cache) = &self.cache else {
            if self.verbose {
                eprintln!("atelier-gen: host {host}: evaluated (cache disabled)");
            }
            let out = if render {
                pipeline::process_host(flake_dir, host, generated)
            } else {
                pipeline::plan_host(flake_dir, host, generated)
            };
            self.print_notes(host);
            return out;
        };
        let before = atelier::nix::syntax_cache::process_stats();
        let (out, lookup) =
            pipeline::host_with_cache(flake_dir, host, generated, render, json_only, cache);
        if self.verbose {
            let after = atelier::nix::syntax_cache::process_stats();
            let (kept, parsed) = (after.0 - before.0, after.1 - before.1);
            let hit = matches!(lookup, Lookup::Hit | Lookup::HitAfterTrivia(_));
            let what = match lookup {
                Lookup::Hit => "from the cache (its files are unchanged)".to_owned(),
                Lookup::HitAfterTrivia(files) => format!(
                    "from the cache ({} changed only after the end of its Nix expression)",
                    files
                        .iter()
                        .map(|f| f.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                Lookup::Absent => "evaluated (not in the cache yet)".to_owned(),
                Lookup::Changed(why) => format!("evaluated ({why} since it was cached)"),
                Lookup::Unusable => {
                    "evaluated (the cached entry is damaged or from another atelier-gen build)"
                        .to_owned()
                }
            };
            if hit {
                eprintln!("atelier-gen: host {host}: {what}");
            } else {
                eprintln!(
                    "atelier-gen: host {host}: {what}; files parsed: {parsed}, from the syntax cache: {kept}"
                );
            }
        }
        self.print_notes(host);
        out
    }

    /// With `-v`: which inputs `host`'s evaluation took from their sources,
    /// and the frameworks that kept built-in knowledge although their
    /// source is here, with why.
    fn print_notes(&self, host: &str) {
        if self.verbose {
            for line in atelier::discover::take_notes(host) {
                eprintln!("atelier-gen: host {host}: {line}");
            }
        }
    }
}

fn print_diagnostics(diags: &[Diagnostic], format: OutputFormat) {
    if diags.is_empty() {
        return;
    }
    let _ = write!(std::io::stderr().lock(), "{}", render(diags, format));
}

fn run_hosts(
    target: &Target,
    format: OutputFormat,
    eval: &Evaluation,
) -> Result<Vec<HostOutput>, u8> {
    let hosts = match pipeline::select_hosts(&target.flake_dir, &target.selection()) {
        Ok(h) => h,
        Err(d) => {
            print_diagnostics(&d, format);
            return Err(1);
        }
    };
    // Our own output is never read back: neither where this run writes it
    // nor where the flake usually imports it from.
    let generated: Vec<PathBuf> = hosts
        .iter()
        .flat_map(|h| {
            [
                pipeline::module_path(&target.out_dir(), h),
                pipeline::module_path(&target.flake_dir.join("generated"), h),
            ]
        })
        .collect();
    let outputs: Vec<HostOutput> = hosts
        .iter()
        .map(|h| eval.host(&target.flake_dir, h, &generated, true, false))
        .collect();
    // A diagnostic about the flake as a whole comes with every host: once.
    let mut all: Vec<Diagnostic> = Vec::new();
    for d in outputs.iter().flat_map(|o| o.diagnostics.iter()) {
        if !all.iter().any(|x| x.short() == d.short()) {
            all.push(d.clone());
        }
    }
    print_diagnostics(&all, format);
    // Every host, when some hosts' names could not be computed: those are
    // missed, so not a clean result unless the user accepts it.
    if target.hosts.is_empty()
        && !target.allow_partial
        && all.iter().any(|d| d.code == UNRESOLVED_HOSTS)
    {
        eprintln!("atelier-gen: the flake may have hosts whose names atelier-gen cannot compute (above): they would be missed");
        eprintln!("atelier-gen: name the hosts by values atelier-gen can read, or pass --allow-partial to accept it");
        return Err(1);
    }
    // A host whose module tree is partly unread may hide declarations:
    // not a clean result unless the user accepts it.
    let partial: Vec<&HostOutput> = outputs.iter().filter(|o| o.is_partial()).collect();
    if !partial.is_empty() && !target.allow_partial {
        for o in &partial {
            eprintln!(
                "atelier-gen: host {} is partly read: {} import(s) could not be read (listed above); services declared there would be missed",
                o.host,
                o.unread_imports().count()
            );
        }
        eprintln!("atelier-gen: make those imports readable, or pass --allow-partial to accept it");
        return Err(1);
    }
    // Without --host, a host that declares nothing for atelier (no service,
    // no repository) and has no generated module yet is left alone.
    let outputs = if target.hosts.is_empty() {
        outputs
            .into_iter()
            .filter(|o| {
                let unused = o.plan.as_ref().is_some_and(|p| {
                    p.manifest.services.is_empty() && p.manifest.repositories.is_empty()
                }) && !pipeline::module_path(&target.out_dir(), &o.host).exists();
                if unused {
                    eprintln!(
                        "atelier-gen: skipped host {}: it declares no atelier services or repositories",
                        o.host
                    );
                }
                !unused
            })
            .collect()
    } else {
        outputs
    };
    Ok(outputs)
}

fn generate(target: &Target, format: OutputFormat, eval: &Evaluation) -> u8 {
    let outputs = match run_hosts(target, format, eval) {
        Ok(o) => o,
        Err(code) => {
            eprintln!("atelier-gen: nothing was written");
            return code;
        }
    };
    let Some(files) = pipeline::files(&target.out_dir(), &outputs) else {
        let n = outputs.iter().filter(|o| o.has_errors()).count();
        eprintln!("atelier-gen: {n} host(s) have errors; nothing was written");
        return 1;
    };
    match output::write_all(&files) {
        Ok(written) => {
            let mut out = std::io::stdout().lock();
            for f in &files {
                let state = if written.contains(&f.path) {
                    "wrote"
                } else {
                    "unchanged"
                };
                let _ = writeln!(out, "{state} {}", f.path.display());
            }
            0
        }
        Err(e) => {
            eprintln!("atelier-gen: {e}");
            1
        }
    }
}

fn check(target: &Target, format: OutputFormat, eval: &Evaluation) -> u8 {
    let outputs = match run_hosts(target, format, eval) {
        Ok(o) => o,
        Err(code) => return code,
    };
    let Some(files) = pipeline::files(&target.out_dir(), &outputs) else {
        eprintln!(
            "atelier-gen: the declarations have errors; fix them, then run `{}`",
            target.regenerate_command()
        );
        return 1;
    };
    let mut stale = 0;
    let mut out = std::io::stdout().lock();
    for f in &files {
        match output::compare(f) {
            Staleness::UpToDate => {
                let _ = writeln!(out, "up to date {}", f.path.display());
            }
            Staleness::Missing => {
                stale += 1;
                let _ = writeln!(out, "missing {}", f.path.display());
            }
            Staleness::Stale(diff) => {
                stale += 1;
                let _ = writeln!(out, "stale {}", f.path.display());
                let _ = write!(out, "{diff}");
            }
        }
    }
    if stale > 0 {
        eprintln!(
            "atelier-gen: {stale} generated file(s) missing or stale; regenerate with: {}",
            target.regenerate_command()
        );
        return 1;
    }
    0
}

fn plan(args: &PlanArgs, format: OutputFormat, eval: &Evaluation) -> u8 {
    let host = match &args.host {
        Some(h) => h.clone(),
        None => match pipeline::select_hosts(&args.flake_dir, &HostSelection::All) {
            Ok(hosts) if hosts.len() == 1 => hosts[0].clone(),
            Ok(hosts) => return plan_hosts(args, &hosts, format, eval),
            Err(d) => {
                print_diagnostics(&d, format);
                return 1;
            }
        },
    };
    let generated = vec![pipeline::module_path(
        &args.flake_dir.join("generated"),
        &host,
    )];
    let o = eval.host(&args.flake_dir, &host, &generated, false, args.json);
    // An unknown host: say which hosts there are (reading the flake again
    // only in that case keeps the common path to one evaluation).
    if o.diagnostics.iter().any(|d| d.code == "unknown-host") {
        if let Err(d) =
            pipeline::select_hosts(&args.flake_dir, &HostSelection::Only(vec![host.clone()]))
        {
            print_diagnostics(&d, format);
            return 1;
        }
    }
    print_diagnostics(&o.diagnostics, format);
    let mut out = std::io::stdout().lock();
    if o.has_errors() {
        if args.json {
            let _ = writeln!(out, "{}", plan_json_with_errors(&host, &o));
        }
        return 1;
    }
    if o.is_partial() {
        eprintln!(
            "atelier-gen: host {host} is partly read: {} import(s) could not be read (above); services declared there are not in this plan",
            o.unread_imports().count()
        );
    }
    if let (true, true, Some(json)) = (args.json, o.is_partial(), &o.plan_json) {
        // A partly read host: the plan found, and what was not read
        // (where, and the atelier options a module there could define).
        if let Ok(mut v) = serde_json::from_str::<serde_json::Value>(json) {
            v["unread"] = o.unread_json();
            let _ = writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&v).unwrap_or_default()
            );
            return 0;
        }
    }
    if let (true, Some(json)) = (args.json, &o.plan_json) {
        let _ = writeln!(out, "{json}");
        return 0;
    }
    let Some(plan) = o.plan else {
        return 1;
    };
    if args.json {
        let mut w = std::io::BufWriter::with_capacity(1 << 20, out);
        let _ = plan.write_json(&mut w);
        let _ = writeln!(w);
        let _ = w.flush();
    } else {
        let _ = write!(out, "{}", atelier::render::summary(&plan));
    }
    0
}

/// `plan` of a flake with several hosts and no --host: every host with its
/// state. Exit 1 when a host cannot be read, or is read only partly.
fn plan_hosts(args: &PlanArgs, hosts: &[String], format: OutputFormat, eval: &Evaluation) -> u8 {
    // Warnings about the flake as a whole (hosts that may be missing) come
    // with every host: said once.
    let mut flake_warnings: Vec<Diagnostic> = Vec::new();
    let states: Vec<(String, pipeline::HostState)> = hosts
        .iter()
        .map(|h| {
            let generated = vec![pipeline::module_path(&args.flake_dir.join("generated"), h)];
            let o = eval.host(&args.flake_dir, h, &generated, false, false);
            for d in &o.diagnostics {
                if !d.is_error()
                    && (d.code == "unsupported-input" || d.code == UNRESOLVED_HOSTS)
                    && !flake_warnings.iter().any(|w| w.message == d.message)
                {
                    flake_warnings.push(d.clone());
                }
            }
            (h.clone(), pipeline::HostState::of(&o))
        })
        .collect();
    print_diagnostics(&flake_warnings, format);
    let mut out = std::io::stdout().lock();
    if args.json {
        let list: Vec<serde_json::Value> = states
            .iter()
            .map(|(h, s)| {
                let mut v = serde_json::Map::new();
                v.insert("name".into(), h.clone().into());
                if let serde_json::Value::Object(rest) = s.to_json() {
                    v.extend(rest);
                }
                serde_json::Value::Object(v)
            })
            .collect();
        let _ = writeln!(out, "{}", serde_json::json!({ "hosts": list }));
    } else {
        let width = hosts.iter().map(String::len).max().unwrap_or(0);
        for (h, s) in &states {
            let _ = writeln!(out, "{h:width$}  {}", s.describe());
        }
        let _ = writeln!(
            out,
            "(plan one host with --host NAME to see its services and every diagnostic)"
        );
    }
    // Hosts whose names could not be computed are not a clean result either.
    u8::from(
        states.iter().any(|(_, s)| !s.is_clean())
            || flake_warnings.iter().any(|d| d.code == UNRESOLVED_HOSTS),
    )
}

/// The warning of a flake whose `nixosConfigurations` has names atelier-gen
/// cannot compute beside those it can.
const UNRESOLVED_HOSTS: &str = "unresolved-hosts";

/// `plan --json` of a host with errors, for CI tools: the services that
/// could be planned (the manifest schema) plus every diagnostic.
fn plan_json_with_errors(host: &str, o: &HostOutput) -> String {
    let mut v = o
        .plan_json
        .as_deref()
        .and_then(|j| serde_json::from_str::<serde_json::Value>(j).ok())
        .filter(serde_json::Value::is_object)
        .unwrap_or_else(|| {
            serde_json::json!({
                "version": atelier::plan::manifest::MANIFEST_VERSION,
                "host": host,
                "services": {},
            })
        });
    v["diagnostics"] = o.diagnostics.iter().map(Diagnostic::to_json).collect();
    serde_json::to_string_pretty(&v).unwrap_or_default()
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let eval = Evaluation::from_cli(&cli);
    match &cli.command {
        Command::Generate(t) | Command::Check(t) => t.inputs.configure(&cli),
        Command::Plan(p) => p.inputs.configure(&cli),
        _ => {}
    }
    let code = match &cli.command {
        Command::Generate(t) => generate(t, cli.format, &eval),
        Command::Check(t) => check(t, cli.format, &eval),
        Command::Plan(p) => plan(p, cli.format, &eval),
        Command::Eval(args) => atelier::nix::cli::run_eval(args, cli.format),
        Command::Completions { shell } => {
            clap_complete::generate(
                *shell,
                &mut Cli::command(),
                "atelier-gen",
                &mut std::io::stdout(),
            );
            0
        }
        Command::Man => {
            match clap_mangen::Man::new(Cli::command()).render(&mut std::io::stdout()) {
                Ok(()) => 0,
                Err(e) => {
                    eprintln!("error: writing the man page: {e}");
                    1
                }
            }
        }
    };
    ExitCode::from(code)
}
