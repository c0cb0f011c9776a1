//! `atelier-backup`: consistent backups, status, restore and disaster recovery
//! on the host. Thin: parses arguments, calls `atelier::commands`, maps errors
//! to exit codes (0 ok, 1 failed or stale, 2 usage or configuration).

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

use atelier::commands::{self, Context};

#[derive(Debug, Parser)]
#[command(
    name = "atelier-backup",
    version,
    about = "Consistent backups, status, restore and disaster recovery for atelier-managed services",
    long_about = "Reads the manifest written by the generated NixOS module \
(/etc/atelier/backup-manifest.json) and drives restic, SQLite, pg_dump and systemctl.\n\n\
Without a command on a terminal it opens an interactive menu.",
    after_help = "Environment: ATELIER_MANIFEST, ATELIER_STATE_DIR (default /var/lib/atelier), \
ATELIER_SYSTEMCTL (default systemctl), ATELIER_RESTIC (default restic), \
ATELIER_JOURNALCTL (default journalctl; `backup` follows the unit's journal with it, empty = off).\n\
Exit codes: 0 ok, 1 failed or stale, 2 usage or configuration error."
)]
struct Cli {
    /// Manifest to read.
    #[arg(long, global = true, env = "ATELIER_MANIFEST", default_value = atelier::plan::DEFAULT_MANIFEST_PATH)]
    manifest: PathBuf,
    /// Print one JSON document on stdout (human text goes to stderr).
    #[arg(long, global = true)]
    json: bool,
    /// Do not draw progress bars.
    #[arg(long, global = true)]
    no_progress: bool,
    /// Answer yes to confirmations (needed to replace live data non-interactively).
    #[arg(long, short = 'y', global = true)]
    yes: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Last snapshot and its age, last run result, staleness (exit 1 if any is stale or failed).
    Status(commands::status::Args),
    /// Snapshots: id, time, tags, size.
    List(commands::list::Args),
    /// One backup of SERVICE now, in this process (what the timer's unit executes).
    Run(commands::run::Args),
    /// Start the service's backup unit and follow it (--direct: run in this process).
    Backup(commands::backup::Args),
    /// Restore a service from a snapshot (--inspect DIR or --in-place).
    Restore(commands::restore::Args),
    /// Disaster recovery: restore every service from its latest snapshot.
    Dr(commands::dr::Args),
    /// Restore the latest snapshot into scratch, verify it and record evidence.
    Drill(commands::drill::Args),
    /// restic check, reading a rotating subset of the data.
    Check(commands::check::Args),
    /// forget + prune by each service's retention policy.
    Prune(commands::prune::Args),
    /// Per service: newest snapshot age, last check, retention, repository type, last drill.
    Evidence(commands::evidence::Args),
    /// Write diagnostics with every secret redacted.
    SupportBundle(commands::support_bundle::Args),
    /// Run restic with a repository's credentials set up: `atelier-backup restic -- ARGS`.
    Restic(commands::restic::Args),
    /// Print a shell completion script.
    Completions(commands::completions::Args),
    /// Print the man page.
    Man,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let ctx = Context {
        manifest_path: cli.manifest.clone(),
        json: cli.json,
        progress: !cli.no_progress && std::io::stderr().is_terminal(),
        yes: cli.yes,
        state_dir: std::env::var_os("ATELIER_STATE_DIR")
            .map_or_else(|| PathBuf::from("/var/lib/atelier"), PathBuf::from),
        systemctl: std::env::var("ATELIER_SYSTEMCTL").unwrap_or_else(|_| "systemctl".into()),
        restic: std::env::var("ATELIER_RESTIC").unwrap_or_else(|_| "restic".into()),
    };
    let result = match &cli.command {
        None => {
            if std::io::stdin().is_terminal() && std::io::stdout().is_terminal() {
                commands::menu::run(&ctx, &commands::menu::Args {})
            } else {
                let _ = Cli::command().print_help();
                Ok(2)
            }
        }
        Some(Command::Status(a)) => commands::status::run(&ctx, a),
        Some(Command::List(a)) => commands::list::run(&ctx, a),
        Some(Command::Run(a)) => commands::run::run(&ctx, a),
        Some(Command::Backup(a)) => commands::backup::run(&ctx, a),
        Some(Command::Restore(a)) => commands::restore::run(&ctx, a),
        Some(Command::Dr(a)) => commands::dr::run(&ctx, a),
        Some(Command::Drill(a)) => commands::drill::run(&ctx, a),
        Some(Command::Check(a)) => commands::check::run(&ctx, a),
        Some(Command::Prune(a)) => commands::prune::run(&ctx, a),
        Some(Command::Evidence(a)) => commands::evidence::run(&ctx, a),
        Some(Command::SupportBundle(a)) => commands::support_bundle::run(&ctx, a),
        Some(Command::Restic(a)) => commands::restic::run(&ctx, a),
        Some(Command::Completions(a)) => commands::completions::run(&ctx, a, &mut Cli::command()),
        Some(Command::Man) => commands::completions::man(&mut Cli::command()),
    };
    let code = commands::exit_code(&result);
    if let Err(e) = &result {
        // Paths in errors may hold control characters: never drive the terminal with them.
        eprintln!(
            "error: {}",
            atelier::runtime::terminal::lines(&format!("{e:#}"))
        );
    }
    ExitCode::from(code)
}
