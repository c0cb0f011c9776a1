//! `atelier-bench`: the runtime and `atelier-gen plan` benchmarks
//! (docs/bench.md) and the SQLite
//! writer process used by the tests and the benchmark.
//!
//! ```text
//! atelier-bench run [--size-mib 1024] [--services 50] [--snapshots 20]
//! atelier-bench plan [--services 1000] [--runs 9]
//! atelier-bench dr [--services 10] [--mib 50] [--db-mib 32] [--jobs 4] [--rounds 1]
//! atelier-bench growth [--db-mib 200] [--percent 1]
//! atelier-bench eval-rss [--inputs 100000] [--checkpoints 10] [--corpus DIR]... [--pipeline]
//! atelier-bench fetch [--files 45000] [--mib 420] [--runs 3] [--tree DIR]
//! atelier-bench sqlite-writer DB STOP_FILE [--interval-ms 2] [--ready-after 50]
//! ```

use std::process::ExitCode;

mod bench;

// Reading a flake allocates many small syntax and value nodes; mimalloc
// makes that markedly cheaper than the system allocator (docs/bench.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("sqlite-writer") => atelier::runtime::writer::main(&args[1..]),
        Some("run") => bench::run::main(&args[1..]),
        Some("plan") => bench::plan::main(&args[1..]),
        Some("dr") => bench::dr::main(&args[1..]),
        Some("growth") => bench::growth::main(&args[1..]),
        Some("eval-rss") => bench::eval_rss::main(&args[1..]),
        Some("fetch") => bench::fetch::main(&args[1..]),
        _ => {
            eprintln!(
                "usage: atelier-bench run [--size-mib N] [--services N] [--snapshots N]\n       atelier-bench plan [--services N] [--runs N]\n       atelier-bench dr [--services N] [--mib N] [--db-mib N] [--jobs N] [--rounds N]\n       atelier-bench growth [--db-mib N] [--percent N]\n       atelier-bench eval-rss [--inputs N] [--checkpoints N] [--corpus DIR]... [--pipeline]\n       atelier-bench fetch [--files N] [--mib N] [--runs N] [--tree DIR] [--dir DIR]\n       atelier-bench sqlite-writer DB STOP_FILE [--interval-ms N] [--ready-after N]"
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}
