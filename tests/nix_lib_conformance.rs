//! nixpkgs' own `lib` test suite as our conformance suite.
//!
//! `ATELIER_NIXPKGS_LIB` points at the `lib` directory of a nixpkgs checkout
//! (never copied into this repository); when it is unset the tests print a
//! `SKIP` line and pass. Every case of `lib/tests/misc.nix`
//! (`testX = { expr = ...; expected = ...; }`) is evaluated one by one:
//! `expr == expected`, by atelier's evaluator and by the installed Nix
//! (`nix-instantiate --eval --strict`, run in batches, cached in the temp
//! directory). `misc.nix` itself is evaluated once per run and its `lib`
//! shared by all cases.
//!
//! Per case: **equal** (same answer as Nix), **unknown** (atelier does not
//! know the value statically, with the reason), **error** (atelier reports
//! an error where Nix gives a value), **WRONG VALUE** (atelier gives another
//! answer than Nix), **crash** (panic or no end). Cases the installed Nix
//! cannot evaluate (newer builtins) are counted apart.
//!
//! Two runs: with nixpkgs' real `lib` (`import ../default.nix`, as the suite
//! is written), and with atelier's built-in `lib` (`src/nix/lib.nix`, the one
//! used when nixpkgs is absent) in its place; there a case that needs a
//! function the built-in `lib` lacks is unknown, never wrong.
//!
//! Deliberate differences are listed, each with its reason, in
//! `tests/data/conformance/lib-differences.txt`. The tests fail on any wrong
//! value or crash that is not listed, on a listed case that no longer
//! differs, (real lib) when the share of equal results of the cases Nix
//! evaluates drops below [`TARGET_EQUAL_PERCENT`], and (built-in lib) when
//! fewer cases than [`BUILTIN_MIN_EQUAL`] are equal. They print the counts.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::mpsc;
use std::time::Duration;

use atelier::nix::{Evaluator, Value};
use sha2::{Digest, Sha256};

/// Of the cases the installed Nix evaluates, at least this share must give
/// the same answer with nixpkgs' real lib.
const TARGET_EQUAL_PERCENT: usize = 95;

/// With atelier's built-in lib, at least this many cases must give Nix's
/// answer (the count reached so far: a function dropped from the built-in
/// lib, or one that stops agreeing, fails the test).
const BUILTIN_MIN_EQUAL: usize = 372;

/// A case that has not finished after this long counts as a crash (and
/// ends the run: the cases share one evaluator).
const CASE_TIMEOUT: Duration = Duration::from_secs(300);

/// Nix evaluates this many cases per `nix-instantiate` (a batch that fails
/// is split until the failing cases are alone).
const NIX_BATCH: usize = 64;

/// The line of `misc.nix` that applies the suite's runner; the test puts
/// the identity in its place to get the set of cases.
const RUN_TESTS: &str = "\nrunTests {";
const IMPORT_LIB: &str = "lib = import ../default.nix;";

fn lib_dir(test: &str) -> Option<PathBuf> {
    let Some(lib) = std::env::var_os("ATELIER_NIXPKGS_LIB").filter(|s| !s.is_empty()) else {
        visible(&format!(
            "SKIP {test}: ATELIER_NIXPKGS_LIB is unset (point it at nixpkgs' lib directory, which holds tests/misc.nix)"
        ));
        return None;
    };
    let lib = std::fs::canonicalize(PathBuf::from(&lib))
        .unwrap_or_else(|e| panic!("ATELIER_NIXPKGS_LIB={}: {e}", lib.to_string_lossy()));
    assert!(
        lib.join("tests/misc.nix").is_file(),
        "ATELIER_NIXPKGS_LIB={} has no tests/misc.nix; point it at nixpkgs' lib directory",
        lib.display()
    );
    Some(lib)
}

/// `misc.nix` returning its set of cases instead of running them.
fn cases_source(lib: &Path) -> String {
    let text = std::fs::read_to_string(lib.join("tests/misc.nix")).expect("reading misc.nix");
    assert_eq!(
        text.matches(RUN_TESTS).count(),
        1,
        "misc.nix no longer has exactly one `runTests {{` line; update tests/nix_lib_conformance.rs"
    );
    text.replacen(RUN_TESTS, "\n(cases: cases) {", 1)
}

fn differences_file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/conformance/lib-differences.txt")
}

/// `(run, case) -> reason` from the checked-in list; `run` is `real` or
/// `builtin`.
fn differences() -> BTreeMap<(String, String), String> {
    let text = std::fs::read_to_string(differences_file()).expect("lib-differences.txt");
    let mut out = BTreeMap::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (key, reason) = line.split_once(':').unwrap_or_else(|| {
            panic!("lib-differences.txt:{}: expected `run case: reason`", n + 1)
        });
        let (run, case) = key.trim().split_once(' ').unwrap_or_else(|| {
            panic!(
                "lib-differences.txt:{}: expected `real CASE` or `builtin CASE`",
                n + 1
            )
        });
        assert!(
            matches!(run, "real" | "builtin"),
            "lib-differences.txt:{}: the run is `real` or `builtin`, not {run}",
            n + 1
        );
        let reason = reason.trim();
        assert!(
            !reason.is_empty(),
            "lib-differences.txt:{}: {case} needs a reason",
            n + 1
        );
        out.insert(
            (run.to_string(), case.trim().to_string()),
            reason.to_string(),
        );
    }
    out
}

// ------------------------------------------------------------------ the oracle

fn nix_version() -> String {
    let out = Command::new("nix-instantiate")
        .arg("--version")
        .output()
        .expect("nix-instantiate is required (./scripts/setup.sh installs nix-bin)");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A copy of `lib`'s tree made of symbolic links, with the cases file next
/// to `misc.nix`, so that the suite's relative paths (`../default.nix`,
/// `./packages-from-directory`) resolve as in the real tree.
fn mirror(lib: &Path, source: &str, key: &str) -> PathBuf {
    let top = std::env::temp_dir().join(format!("atelier-lib-conformance-{}", &key[..16]));
    let tests = top.join("lib/tests");
    if tests.join("cases.nix").is_file() {
        return tests.join("cases.nix");
    }
    let link_all = |from: &Path, to: &Path, skip: &str| {
        std::fs::create_dir_all(to).expect("mirror directory");
        for e in std::fs::read_dir(from).expect("reading the lib directory") {
            let e = e.expect("directory entry");
            if e.file_name() == skip {
                continue;
            }
            let dest = to.join(e.file_name());
            // Both tests of this file may build the mirror at once.
            match std::os::unix::fs::symlink(e.path(), &dest) {
                Err(err) if err.kind() != std::io::ErrorKind::AlreadyExists => {
                    panic!("symbolic link {}: {err}", dest.display())
                }
                _ => {}
            }
        }
    };
    link_all(lib, &top.join("lib"), "tests");
    link_all(&lib.join("tests"), &tests, "");
    let tmp = tests.join(format!(
        "cases.nix.{}.{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    std::fs::write(&tmp, source).expect("writing cases.nix");
    std::fs::rename(&tmp, tests.join("cases.nix")).expect("writing cases.nix");
    tests.join("cases.nix")
}

/// What Nix answers for one case: `expr == expected`, or the first line of
/// its error.
type NixAnswer = Result<bool, String>;

fn nix_batch(cases: &Path, names: &[String]) -> Result<BTreeMap<String, bool>, String> {
    let mut expr = format!("let c = import {}; in {{ ", cases.display());
    for n in names {
        let _ = write!(expr, "\"{n}\" = c.\"{n}\".expr == c.\"{n}\".expected; ");
    }
    expr.push('}');
    let out = Command::new("nix-instantiate")
        .args(["--eval", "--strict", "--json", "-E", &expr])
        .env("NIX_REMOTE", "dummy://")
        .env("NIX_PATH", "")
        .output()
        .expect("running nix-instantiate");
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        return Err(stderr
            .lines()
            .find(|l| l.contains("error:"))
            .unwrap_or("nix-instantiate failed")
            .trim()
            .to_string());
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("Nix's JSON: {e}"))
}

/// Nix's answer for every case, in batches on two workers (splitting a
/// failing batch), cached in the temp directory by Nix's version and the
/// suite's text.
fn nix_answers(cases: &Path, names: &[String], key: &str) -> BTreeMap<String, NixAnswer> {
    let cache = std::env::temp_dir()
        .join("atelier-nix-lib-oracle")
        .join(format!("{key}.json"));
    if let Some(m) = std::fs::read_to_string(&cache)
        .ok()
        .and_then(|t| serde_json::from_str::<BTreeMap<String, NixAnswer>>(&t).ok())
    {
        if names.iter().all(|n| m.contains_key(n)) {
            return m;
        }
    }
    let queue = std::sync::Mutex::new(
        names
            .chunks(NIX_BATCH)
            .map(<[String]>::to_vec)
            .collect::<Vec<_>>(),
    );
    let results = std::sync::Mutex::new(BTreeMap::new());
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| loop {
                let Some(batch) = queue.lock().unwrap().pop() else {
                    break;
                };
                match nix_batch(cases, &batch) {
                    Ok(m) => {
                        let mut r = results.lock().unwrap();
                        for (n, b) in m {
                            r.insert(n, Ok(b));
                        }
                    }
                    Err(e) if batch.len() == 1 => {
                        results.lock().unwrap().insert(batch[0].clone(), Err(e));
                    }
                    Err(_) => {
                        let (a, b) = batch.split_at(batch.len() / 2);
                        let mut q = queue.lock().unwrap();
                        q.push(a.to_vec());
                        q.push(b.to_vec());
                    }
                }
            });
        }
    });
    let m = results.into_inner().unwrap();
    std::fs::create_dir_all(cache.parent().unwrap()).expect("cache directory");
    let tmp = cache.with_extension(format!("tmp{}", std::process::id()));
    if std::fs::write(&tmp, serde_json::to_string(&m).unwrap()).is_ok() {
        let _ = std::fs::rename(&tmp, &cache);
    }
    m
}

// ------------------------------------------------------------------ ours

/// What atelier made of a case.
#[derive(Debug, Clone)]
enum Ours {
    Answer(bool),
    Unknown(String),
    Error(String),
    Crash(String),
}

fn render(d: &[atelier::diagnostic::Diagnostic]) -> String {
    d.iter()
        .map(atelier::diagnostic::Diagnostic::short)
        .collect::<Vec<_>>()
        .join("; ")
}

/// Which `lib` the suite runs with.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Lib {
    /// nixpkgs' lib, as `misc.nix` imports it.
    Real,
    /// atelier's built-in lib in its place.
    Builtin,
}

/// Evaluates every case on one large-stack thread with one evaluator (the
/// suite and its `lib` are evaluated once), sending each answer as it comes.
fn our_answers(lib: &Path, source: &str, which: Lib, names: &[String]) -> BTreeMap<String, Ours> {
    let (tx, rx) = mpsc::channel();
    let (dir, names_t) = (lib.join("tests"), names.to_vec());
    let source = match which {
        Lib::Real => source.to_string(),
        Lib::Builtin => {
            assert_eq!(
                source.matches(IMPORT_LIB).count(),
                1,
                "misc.nix no longer has exactly one `{IMPORT_LIB}`; update tests/nix_lib_conformance.rs"
            );
            format!(
                "atelierBuiltinLib: {}",
                source.replacen(IMPORT_LIB, "lib = atelierBuiltinLib;", 1)
            )
        }
    };
    let root = lib.to_path_buf();
    let _ = atelier::nix::spawn_with_large_stack(move || {
        let mut ev = Evaluator::new(&root);
        ev.set_max_depth(atelier::nix::LARGE_STACK_MAX_DEPTH);
        let suite = ev
            .eval_source("misc.nix", &dir, &source)
            .and_then(|v| match which {
                Lib::Real => Ok(v),
                Lib::Builtin => {
                    let l = ev.lib()?;
                    ev.apply(&v, l)
                }
            });
        let check = ev.eval_source(
            "«check»",
            &dir,
            "c: builtins.deepSeq c.expr (builtins.deepSeq c.expected (c.expr == c.expected))",
        );
        let (suite, check) = match (suite, check) {
            (Ok(s), Ok(c)) => (s, c),
            (Err(d), _) | (_, Err(d)) => {
                let _ = tx.send(Err(render(&d)));
                return;
            }
        };
        for name in names_t {
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let case = match ev.select(&suite, &[&name]) {
                    Ok(Some(c)) => c,
                    Ok(None) => return Ours::Error(format!("case {name} missing")),
                    Err(d) => return Ours::Error(render(&d)),
                };
                match ev.apply(&check, case) {
                    Ok(Value::Bool(b)) => Ours::Answer(b),
                    Ok(Value::Unknown(u)) => {
                        Ours::Unknown(format!("{} ({})", u.reason, u.location()))
                    }
                    Ok(v) => Ours::Error(format!("`==` gave {v:?}")),
                    Err(d) => Ours::Error(render(&d)),
                }
            }));
            let o = r.unwrap_or_else(|p| {
                Ours::Crash(
                    p.downcast_ref::<String>()
                        .cloned()
                        .or_else(|| p.downcast_ref::<&str>().map(|s| (*s).to_string()))
                        .unwrap_or_else(|| "panic".into()),
                )
            });
            if tx.send(Ok((name, o))).is_err() {
                break;
            }
        }
        // Values can be cyclic through thunks; freeing them is not what
        // this test is about.
        std::mem::forget(suite);
        std::mem::forget(ev);
    });
    let mut out = BTreeMap::new();
    for name in names {
        match rx.recv_timeout(CASE_TIMEOUT) {
            Ok(Ok((n, o))) => {
                out.insert(n, o);
            }
            Ok(Err(e)) => panic!("misc.nix does not evaluate: {e}"),
            Err(_) => {
                out.insert(
                    name.clone(),
                    Ours::Crash(format!("no result after {} s", CASE_TIMEOUT.as_secs())),
                );
                break;
            }
        }
    }
    for name in names {
        out.entry(name.clone())
            .or_insert_with(|| Ours::Crash("not run: an earlier case did not end".into()));
    }
    out
}

// ------------------------------------------------------------------ the suite

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    Equal,
    Unknown,
    Error,
    WrongValue,
    Crash,
}

/// Names of the cases (those `runTests` runs: starting with `test`), from
/// Nix itself.
fn case_names(cases: &Path) -> Vec<String> {
    let out = Command::new("nix-instantiate")
        .args(["--eval", "--strict", "--json", "-E"])
        .arg(format!(
            "builtins.filter (n: builtins.substring 0 4 n == \"test\") (builtins.attrNames (import {}))",
            cases.display()
        ))
        .env("NIX_REMOTE", "dummy://")
        .output()
        .expect("running nix-instantiate");
    assert!(
        out.status.success(),
        "Nix cannot list the cases of misc.nix: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("Nix's list of cases")
}

/// An error of ours that only says the built-in lib lacks a function: a
/// missing attribute selected by the suite itself (`lib.x`, `inherit (lib)
/// x`), not one inside the built-in lib.
fn lacks_function(e: &str) -> bool {
    e.starts_with("misc.nix:") && e.contains("error[missing-attribute]")
}

fn run_suite(which: Lib) {
    let test = match which {
        Lib::Real => "nixpkgs_lib_suite_with_real_lib",
        Lib::Builtin => "nixpkgs_lib_suite_with_builtin_lib",
    };
    let Some(lib) = lib_dir(test) else {
        return;
    };
    let run = match which {
        Lib::Real => "real",
        Lib::Builtin => "builtin",
    };
    let source = cases_source(&lib);
    let version = nix_version();
    let key = {
        let mut h = Sha256::new();
        h.update(version.as_bytes());
        h.update(lib.to_string_lossy().as_bytes());
        h.update(source.as_bytes());
        hex::encode(h.finalize())
    };
    let cases = mirror(&lib, &source, &key);
    let names = case_names(&cases);
    assert!(!names.is_empty(), "no test cases in misc.nix");

    let (nix_tx, nix_rx) = mpsc::channel();
    {
        let (cases, names, key) = (cases.clone(), names.clone(), key.clone());
        std::thread::spawn(move || {
            let _ = nix_tx.send(nix_answers(&cases, &names, &key));
        });
    }
    let ours = our_answers(&lib, &source, which, &names);
    let nix = nix_rx.recv().expect("nix-instantiate results");

    let listed: BTreeMap<String, String> = differences()
        .into_iter()
        .filter(|((r, _), _)| r == run)
        .map(|((_, c), reason)| (c, reason))
        .collect();
    let mut still_listed = BTreeSet::new();
    let mut counts: BTreeMap<Outcome, usize> = BTreeMap::new();
    let mut lacking = 0;
    let mut report = String::new();
    let mut failures = Vec::new();
    let mut not_in_nix = 0;
    for name in &names {
        let theirs = match &nix[name] {
            Ok(b) => *b,
            Err(e) => {
                not_in_nix += 1;
                if listed.contains_key(name) {
                    still_listed.insert(name.clone());
                }
                let _ = writeln!(
                    report,
                    "  not in this Nix  {name}: {e}\n    ours: {:?}",
                    ours[name]
                );
                continue;
            }
        };
        let outcome = match &ours[name] {
            Ours::Answer(b) if *b == theirs => Outcome::Equal,
            Ours::Answer(_) => Outcome::WrongValue,
            Ours::Unknown(_) => Outcome::Unknown,
            Ours::Error(e) if which == Lib::Builtin && lacks_function(e) => {
                lacking += 1;
                Outcome::Unknown
            }
            Ours::Error(_) => Outcome::Error,
            Ours::Crash(_) => Outcome::Crash,
        };
        *counts.entry(outcome).or_default() += 1;
        let detail = match &ours[name] {
            Ours::Answer(b) => format!(": ours {b}, Nix {theirs}"),
            Ours::Unknown(s) | Ours::Error(s) | Ours::Crash(s) => format!(": {s}"),
        };
        match (outcome, listed.get(name)) {
            (Outcome::Equal, _) => {}
            (Outcome::WrongValue | Outcome::Crash, Some(reason)) => {
                still_listed.insert(name.clone());
                let _ = writeln!(report, "  differs (listed: {reason})  {name}{detail}");
            }
            (Outcome::WrongValue | Outcome::Crash, None) => {
                failures.push(format!("{outcome:?} {name}{detail}"));
            }
            (_, reason) => {
                if reason.is_some() {
                    still_listed.insert(name.clone());
                }
                let _ = writeln!(report, "  {outcome:?}  {name}{detail}");
            }
        }
    }
    for name in listed.keys() {
        if !still_listed.contains(name) {
            failures.push(format!(
                "`{run} {name}` is listed in lib-differences.txt but no longer differs (or does not exist): remove it"
            ));
        }
    }
    let c = |o| counts.get(&o).copied().unwrap_or(0);
    let evaluated = names.len() - not_in_nix;
    let equal = c(Outcome::Equal);
    let percent = equal * 100 / evaluated.max(1);
    println!("{report}");
    let which_lib = match which {
        Lib::Real => "nixpkgs' lib",
        Lib::Builtin => "atelier's built-in lib",
    };
    let lacking_note = if which == Lib::Builtin {
        format!(" ({lacking} of them: a function the built-in lib lacks)")
    } else {
        String::new()
    };
    visible(&format!(
        "lib/tests/misc.nix with {which_lib} ({version}): {} cases, {evaluated} evaluated by this Nix ({not_in_nix} not): {equal} equal ({percent} %), {} unknown{lacking_note}, {} error, {} wrong value, {} crash",
        names.len(),
        c(Outcome::Unknown),
        c(Outcome::Error),
        c(Outcome::WrongValue),
        c(Outcome::Crash),
    ));
    if which == Lib::Real && percent < TARGET_EQUAL_PERCENT {
        failures.push(format!(
            "only {percent} % of the cases Nix evaluates are equal (target {TARGET_EQUAL_PERCENT} %)"
        ));
    }
    if which == Lib::Builtin && equal < BUILTIN_MIN_EQUAL {
        failures.push(format!(
            "only {equal} cases are equal with the built-in lib (at least {BUILTIN_MIN_EQUAL} were)"
        ));
    }
    assert!(
        failures.is_empty(),
        "{} conformance failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn nixpkgs_lib_suite_with_real_lib() {
    run_suite(Lib::Real);
}

#[test]
fn nixpkgs_lib_suite_with_builtin_lib() {
    run_suite(Lib::Builtin);
}

/// A line CI shows even when the test passes (the test harness captures
/// `println!`, not the process's stderr).
fn visible(line: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "{line}");
}
