//! Nix's own language tests as our conformance suite.
//!
//! `ATELIER_NIX_LANG_TESTS` points at `tests/functional/lang` of a NixOS/nix
//! checkout (never copied into this repository); when it is unset the test
//! prints a `SKIP` line and passes. Every `eval-okay-*.nix` is evaluated by
//! atelier and printed the way `nix-instantiate --eval --strict` prints, and
//! compared with the installed Nix's output (run here, cached in the temp
//! directory) or with the case's `.exp` (Nix's own expected output, from a
//! newer Nix). Every `eval-fail-*.nix` that the installed Nix rejects must be
//! rejected by atelier too, or be unknown.
//!
//! The cases atelier deliberately differs on are listed, each with its
//! reason, in `tests/data/conformance/differences.txt`.
//!
//! The test fails on any wrong value, any crash, any accepted `eval-fail`
//! case (unless listed), a listed case that no longer differs, and when the
//! share of equal results (of the cases the installed Nix evaluates) drops
//! below [`TARGET_EQUAL_PERCENT`]. It prints the counts.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::rc::Rc;
use std::sync::mpsc;
use std::time::Duration;

use atelier::nix::syntax::Param;
use atelier::nix::{Evaluator, Unknown, Value};
use sha2::{Digest, Sha256};

/// Of the `eval-okay` cases the installed Nix evaluates, at least this share
/// must give the same value.
const TARGET_EQUAL_PERCENT: usize = 90;

/// A case that has not finished after this long counts as a crash.
const CASE_TIMEOUT: Duration = Duration::from_secs(60);

fn differences_file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/conformance/differences.txt")
}

/// `case -> reason` from the checked-in list.
fn differences() -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(differences_file()).expect("differences.txt");
    let mut out = BTreeMap::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (case, reason) = line
            .split_once(':')
            .unwrap_or_else(|| panic!("differences.txt:{}: expected `case: reason`", n + 1));
        let reason = reason.trim();
        assert!(
            !reason.is_empty(),
            "differences.txt:{}: {case} needs a reason",
            n + 1
        );
        out.insert(case.trim().to_string(), reason.to_string());
    }
    out
}

// ------------------------------------------------------------------ the oracle

/// What the installed `nix-instantiate` printed.
#[derive(Clone, Debug)]
struct NixRun {
    ok: bool,
    stdout: String,
    stderr: String,
}

fn nix_version() -> String {
    let out = Command::new("nix-instantiate")
        .arg("--version")
        .output()
        .expect("nix-instantiate is required (./scripts/setup.sh installs nix-bin)");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A case's `.flags`, without the ones only newer Nix knows (lints,
/// experimental features, call depth); they do not change the value.
fn case_flags(lang: &Path, name: &str) -> Vec<String> {
    let Ok(text) = std::fs::read_to_string(lang.join(format!("{name}.flags"))) else {
        return Vec::new();
    };
    let words: Vec<String> = text
        .split('#')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .map(str::to_string)
        .collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let w = &words[i];
        if w.starts_with("--lint-")
            || w == "--extra-experimental-features"
            || w == "--max-call-depth"
        {
            i += 2;
            continue;
        }
        if matches!(
            w.as_str(),
            "--eval" | "--strict" | "--show-trace" | "--no-show-trace" | "--impure"
        ) {
            i += 1;
            continue;
        }
        out.push(w.clone());
        i += 1;
    }
    out
}

fn run_nix_uncached(lang: &Path, name: &str) -> NixRun {
    let cwd = lang.parent().expect("the lang folder has a parent");
    let out = Command::new("nix-instantiate")
        .args(case_flags(lang, name))
        .args(["--eval", "--strict"])
        .arg(format!("lang/{name}.nix"))
        .current_dir(cwd)
        .env("NIX_PATH", "lang/dir3:lang/dir4")
        .env("HOME", "/fake-home")
        .env("TEST_VAR", "foo")
        .env("NIX_REMOTE", "dummy://")
        .output()
        .expect("running nix-instantiate");
    NixRun {
        ok: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The installed Nix's result for every case, computed on `workers` threads
/// and cached in the temp directory, keyed by Nix's version and the case's
/// text and flags.
fn nix_results(lang: &Path, names: &[String], workers: usize) -> BTreeMap<String, NixRun> {
    let version = nix_version();
    let cache = std::env::temp_dir().join("atelier-nix-lang-oracle");
    std::fs::create_dir_all(&cache).expect("cache directory");
    let key = |name: &str| {
        let mut h = Sha256::new();
        h.update(version.as_bytes());
        h.update(lang.to_string_lossy().as_bytes());
        h.update(name.as_bytes());
        h.update(std::fs::read(lang.join(format!("{name}.nix"))).unwrap_or_default());
        h.update(case_flags(lang, name).join(" ").as_bytes());
        hex::encode(h.finalize())
    };
    let queue = std::sync::Mutex::new(names.iter());
    let results = std::sync::Mutex::new(BTreeMap::new());
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| loop {
                let Some(name) = queue.lock().unwrap().next() else {
                    break;
                };
                let entry = cache.join(key(name));
                let cached = std::fs::read_to_string(&entry)
                    .ok()
                    .and_then(|t| serde_json::from_str::<(bool, String, String)>(&t).ok());
                let run = if let Some((ok, stdout, stderr)) = cached {
                    NixRun { ok, stdout, stderr }
                } else {
                    let r = run_nix_uncached(lang, name);
                    let text = serde_json::to_string(&(r.ok, &r.stdout, &r.stderr)).unwrap();
                    let tmp = entry.with_extension(format!("tmp{}", std::process::id()));
                    if std::fs::write(&tmp, text).is_ok() {
                        let _ = std::fs::rename(&tmp, &entry);
                    }
                    r
                };
                results.lock().unwrap().insert(name.clone(), run);
            });
        }
    });
    results.into_inner().unwrap()
}

// ------------------------------------------------------------------ ours

/// What atelier made of a case.
#[derive(Debug)]
enum Ours {
    /// Printed like `nix-instantiate --eval --strict`.
    Value(String),
    Unknown(String),
    Error(String),
    Crash(String),
}

/// Prints a value like Nix 2.8's `nix-instantiate --eval --strict`,
/// forcing as it goes; `Err(unknown)` when any part is unknown.
struct Printer<'a> {
    ev: &'a mut Evaluator,
    seen: HashSet<usize>,
    out: String,
}

type Printed = Result<Result<(), Rc<Unknown>>, Vec<atelier::diagnostic::Diagnostic>>;

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    first_ok
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '\'' | '-'))
        && !matches!(
            s,
            "if" | "then" | "else" | "assert" | "with" | "let" | "in" | "rec" | "inherit" | "or"
        )
}

fn nix_string(s: &str) -> String {
    let mut out = String::from("\"");
    let mut it = s.chars().peekable();
    while let Some(c) = it.next() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' if it.peek() == Some(&'{') => out.push_str("\\$"),
            _ => out.push(c),
        }
    }
    out.push('"');
    out
}

/// C++'s default `ostream << double` (`%g`, 6 significant digits).
fn nix_float(f: f64) -> String {
    if f.is_nan() {
        return if f.is_sign_negative() { "-nan" } else { "nan" }.into();
    }
    if f.is_infinite() {
        return if f < 0.0 { "-inf" } else { "inf" }.into();
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0" } else { "0" }.into();
    }
    let sci = format!("{f:.5e}");
    let (mantissa, exp) = sci.split_once('e').unwrap();
    let exp: i32 = exp.parse().unwrap();
    let trim = |s: &str| -> String {
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s.to_string()
        }
    };
    if (-4..6).contains(&exp) {
        let decimals = usize::try_from(5 - exp).unwrap_or(0);
        trim(&format!("{f:.decimals$}"))
    } else {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{}e{sign}{:02}", trim(mantissa), exp.abs())
    }
}

impl Printer<'_> {
    /// Recurses once per nesting level, on the case's large-stack thread.
    fn print(&mut self, v: &Value) -> Printed {
        match v {
            Value::Null => self.out.push_str("null"),
            Value::Bool(b) => self.out.push_str(if *b { "true" } else { "false" }),
            Value::Int(i) => write!(self.out, "{i}").unwrap(),
            Value::Float(f) => self.out.push_str(&nix_float(*f)),
            Value::String(s) => self.out.push_str(&nix_string(s)),
            Value::Path(p) => self.out.push_str(&p.display().to_string()),
            Value::Lambda(_) => self.out.push_str("<LAMBDA>"),
            Value::PrimOp(p) => self.out.push_str(if p.args.is_empty() {
                "<PRIMOP>"
            } else {
                "<PRIMOP-APP>"
            }),
            Value::Unknown(u) => return Ok(Err(u.clone())),
            Value::List(items) => {
                if !items.is_empty() && !self.seen.insert(Rc::as_ptr(items) as usize) {
                    self.out.push_str("«repeated»");
                    return Ok(Ok(()));
                }
                self.out.push_str("[ ");
                for t in items.iter() {
                    let x = self.ev.force(t)?;
                    if let Err(u) = self.print(&x)? {
                        return Ok(Err(u));
                    }
                    self.out.push(' ');
                }
                self.out.push(']');
            }
            Value::Attrs(a) => {
                if let Some(u) = &a.unknown_keys {
                    return Ok(Err(u.clone()));
                }
                if !a.is_empty() && !self.seen.insert(Rc::as_ptr(a) as usize) {
                    self.out.push_str("«repeated»");
                    return Ok(Ok(()));
                }
                self.out.push_str("{ ");
                for (k, e) in &a.entries {
                    if is_identifier(k) {
                        self.out.push_str(k);
                    } else {
                        self.out.push_str(&nix_string(k));
                    }
                    self.out.push_str(" = ");
                    let x = self.ev.force(&e.value)?;
                    if let Err(u) = self.print(&x)? {
                        return Ok(Err(u));
                    }
                    self.out.push_str("; ");
                }
                self.out.push('}');
            }
        }
        Ok(Ok(()))
    }
}

fn render(d: &[atelier::diagnostic::Diagnostic]) -> String {
    d.iter()
        .map(atelier::diagnostic::Diagnostic::short)
        .collect::<Vec<_>>()
        .join("; ")
}

/// `--arg NAME EXPR` / `--argstr NAME STR` / `-A PATH` from a case's flags.
struct AutoArgs {
    args: Vec<(String, AutoArg)>,
    attr: Option<String>,
}

enum AutoArg {
    Expr(String),
    Str(String),
}

fn auto_args(lang: &Path, name: &str) -> AutoArgs {
    let flags = case_flags(lang, name);
    let mut out = AutoArgs {
        args: Vec::new(),
        attr: None,
    };
    let mut it = flags.into_iter();
    while let Some(f) = it.next() {
        match f.as_str() {
            "--arg" => {
                let (n, e) = (it.next().unwrap(), it.next().unwrap());
                out.args.push((n, AutoArg::Expr(e)));
            }
            "--argstr" => {
                let (n, s) = (it.next().unwrap(), it.next().unwrap());
                out.args.push((n, AutoArg::Str(s)));
            }
            "-A" => out.attr = it.next(),
            _ => {}
        }
    }
    out
}

fn eval_case(lang: &Path, name: &str) -> Ours {
    let root = lang.parent().unwrap().to_path_buf();
    let file = lang.join(format!("{name}.nix"));
    let mut ev = Evaluator::new(&root);
    ev.set_max_depth(atelier::nix::LARGE_STACK_MAX_DEPTH);
    let auto = auto_args(lang, name);
    let mut v = match ev.eval_file(&file) {
        Ok(v) => v,
        Err(d) => return Ours::Error(render(&d)),
    };
    // Like nix-instantiate: a function with formals is called with the
    // `--arg`s (and its defaults).
    if let Value::Lambda(c) = &v {
        if matches!(c.lambda.param, Param::Pattern { .. }) {
            let mut args = Vec::new();
            for (n, a) in &auto.args {
                let val = match a {
                    AutoArg::Str(s) => Value::string(s.as_str()),
                    AutoArg::Expr(e) => match ev.eval_source("«arg»", &root, e) {
                        Ok(x) => x,
                        Err(d) => return Ours::Error(render(&d)),
                    },
                };
                args.push((n.clone(), val));
            }
            v = match ev.apply(&v.clone(), Value::attrs(args)) {
                Ok(x) => x,
                Err(d) => return Ours::Error(render(&d)),
            };
        }
    }
    if let Some(attr) = &auto.attr {
        let path: Vec<&str> = attr.split('.').collect();
        v = match ev.select(&v, &path) {
            Ok(Some(x)) => x,
            Ok(None) => return Ours::Error(format!("attribute {attr} missing")),
            Err(d) => return Ours::Error(render(&d)),
        };
    }
    let mut p = Printer {
        ev: &mut ev,
        seen: HashSet::new(),
        out: String::new(),
    };
    let r = match p.print(&v) {
        Ok(Ok(())) => Ours::Value(std::mem::take(&mut p.out)),
        Ok(Err(u)) => Ours::Unknown(format!("{} ({})", u.reason, u.location())),
        Err(d) => Ours::Error(render(&d)),
    };
    // Values can be cyclic through thunks; freeing them is not what this
    // test is about.
    std::mem::forget(v);
    std::mem::forget(ev);
    r
}

/// Runs one case on its own large-stack thread, so a panic or a case that
/// never ends is reported as a crash of that case only.
fn eval_case_isolated(lang: &Path, name: &str) -> Ours {
    let (tx, rx) = mpsc::channel();
    let (l, n) = (lang.to_path_buf(), name.to_string());
    let _ = atelier::nix::spawn_with_large_stack(move || {
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| eval_case(&l, &n)));
        let _ = tx.send(match r {
            Ok(o) => o,
            Err(p) => Ours::Crash(
                p.downcast_ref::<String>()
                    .cloned()
                    .or_else(|| p.downcast_ref::<&str>().map(|s| (*s).to_string()))
                    .unwrap_or_else(|| "panic".into()),
            ),
        });
    });
    rx.recv_timeout(CASE_TIMEOUT)
        .unwrap_or_else(|_| Ours::Crash(format!("no result after {} s", CASE_TIMEOUT.as_secs())))
}

// ------------------------------------------------------------------ the suite

fn case_names(lang: &Path, prefix: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(lang)
        .expect("reading ATELIER_NIX_LANG_TESTS")
        .filter_map(|e| {
            let n = e.ok()?.file_name().into_string().ok()?;
            let stem = n.strip_suffix(".nix")?;
            stem.starts_with(prefix).then(|| stem.to_string())
        })
        .collect();
    names.sort();
    names
}

/// Nix's expected output, with the test's `/pwd` put back.
fn expected(lang: &Path, name: &str) -> Option<String> {
    let exp = std::fs::read_to_string(lang.join(format!("{name}.exp"))).ok()?;
    let pwd = lang.parent()?.display().to_string();
    Some(exp.replace("/pwd", &pwd).trim_end().to_string())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    Equal,
    Unknown,
    Error,
    WrongValue,
    Crash,
}

#[test]
#[allow(clippy::too_many_lines)]
fn nix_language_tests() {
    let Some(lang) = std::env::var_os("ATELIER_NIX_LANG_TESTS").filter(|s| !s.is_empty()) else {
        visible(
            "SKIP nix_language_tests: ATELIER_NIX_LANG_TESTS is unset (point it at tests/functional/lang of a NixOS/nix checkout)",
        );
        return;
    };
    let lang = std::fs::canonicalize(PathBuf::from(lang)).expect("ATELIER_NIX_LANG_TESTS exists");
    let listed = differences();
    let okay = case_names(&lang, "eval-okay-");
    let fail = case_names(&lang, "eval-fail-");
    assert!(!okay.is_empty(), "no eval-okay-*.nix in {}", lang.display());
    let all: Vec<String> = okay.iter().chain(&fail).cloned().collect();

    // Nix runs on two workers (it mostly waits for its own start-up) while
    // atelier evaluates.
    let (nix_tx, nix_rx) = mpsc::channel();
    {
        let (lang, all) = (lang.clone(), all.clone());
        std::thread::spawn(move || {
            let _ = nix_tx.send(nix_results(&lang, &all, 2));
        });
    }
    let ours: BTreeMap<String, Ours> = all
        .iter()
        .map(|n| (n.clone(), eval_case_isolated(&lang, n)))
        .collect();
    let nix = nix_rx.recv().expect("nix-instantiate results");

    let mut report = String::new();
    let mut failures = Vec::new();
    let mut counts: BTreeMap<Outcome, usize> = BTreeMap::new();
    let mut nix_evaluates = 0;
    let mut still_listed = HashSet::new();
    for name in &okay {
        let theirs = &nix[name];
        let exp = expected(&lang, name);
        let nix_out = theirs.ok.then(|| theirs.stdout.trim_end().to_string());
        if nix_out.is_none() {
            // Newer Nix only: compared with `.exp`, not counted.
            if let (Ours::Value(v), Some(e)) = (&ours[name], &exp) {
                if v != e && !listed.contains_key(name) {
                    failures.push(format!(
                        "WRONG VALUE {name} (a newer Nix's case)\n  ours: {v}\n  .exp: {e}"
                    ));
                }
            }
            if listed.contains_key(name) {
                still_listed.insert(name.clone());
            }
            let _ = writeln!(report, "  not in this Nix  {name}: {:?}", ours[name]);
            continue;
        }
        nix_evaluates += 1;
        let outcome = match &ours[name] {
            Ours::Value(v)
                if nix_out.as_ref().is_some_and(|n| same_print(v, n))
                    || exp.as_ref().is_some_and(|e| same_print(v, e)) =>
            {
                Outcome::Equal
            }
            Ours::Value(_) => Outcome::WrongValue,
            Ours::Unknown(_) => Outcome::Unknown,
            Ours::Error(_) => Outcome::Error,
            Ours::Crash(_) => Outcome::Crash,
        };
        *counts.entry(outcome).or_default() += 1;
        let detail = match &ours[name] {
            Ours::Value(v) => format!("\n    ours: {v}\n    nix:  {}", nix_out.unwrap()),
            Ours::Unknown(s) | Ours::Error(s) | Ours::Crash(s) => format!(": {s}"),
        };
        match (outcome, listed.get(name)) {
            (Outcome::Equal, _) => {}
            (Outcome::WrongValue, Some(reason)) => {
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

    let (mut nix_rejects, mut rejected, mut unknown, mut accepted) = (0, 0, 0, 0);
    for name in &fail {
        if nix[name].ok {
            continue;
        }
        nix_rejects += 1;
        match &ours[name] {
            Ours::Error(_) => rejected += 1,
            Ours::Unknown(_) => unknown += 1,
            Ours::Crash(s) => failures.push(format!("Crash {name}: {s}")),
            Ours::Value(v) => {
                if let Some(reason) = listed.get(name) {
                    still_listed.insert(name.clone());
                    let _ = writeln!(report, "  accepted (listed: {reason})  {name}: {v}");
                } else {
                    accepted += 1;
                    failures.push(format!(
                        "ACCEPTED {name}: Nix rejects it ({}), atelier gives {v}",
                        first_error_line(&nix[name].stderr)
                    ));
                }
            }
        }
    }
    for name in listed.keys() {
        if !still_listed.contains(name) {
            failures.push(format!(
                "{name} is listed in differences.txt but no longer differs (or does not exist): remove it"
            ));
        }
    }

    let c = |o| counts.get(&o).copied().unwrap_or(0);
    let equal = c(Outcome::Equal);
    let percent = equal * 100 / nix_evaluates.max(1);
    println!("{report}");
    let wrong = c(Outcome::WrongValue);
    let wrong_listed = okay
        .iter()
        .filter(|n| listed.contains_key(*n) && still_listed.contains(*n))
        .count();
    visible(&format!(
        "Nix language tests ({}): {} eval-okay cases, {nix_evaluates} evaluated by this Nix: {equal} equal ({percent} %), {} unknown, {} error, {} wrong value ({wrong_listed} of them listed in differences.txt), {} crash",
        nix_version(),
        okay.len(),
        c(Outcome::Unknown),
        c(Outcome::Error),
        wrong,
        c(Outcome::Crash),
    ));
    visible(&format!(
        "  {} eval-fail cases, {nix_rejects} rejected by this Nix: {rejected} rejected, {unknown} unknown, {accepted} accepted",
        fail.len()
    ));
    if percent < TARGET_EQUAL_PERCENT {
        failures.push(format!(
            "only {percent} % of the cases Nix evaluates are equal (target {TARGET_EQUAL_PERCENT} %)"
        ));
    }
    assert!(
        failures.is_empty(),
        "{} conformance failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The tokens of a printed value: strings, brackets, words.
fn tokens(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut it = s.chars().peekable();
    while let Some(&c) = it.peek() {
        if c.is_whitespace() {
            it.next();
        } else if c == ';' {
            out.push(it.next().unwrap().to_string());
        } else if c == '"' {
            let mut t = String::new();
            t.push(it.next().unwrap());
            while let Some(c) = it.next() {
                t.push(c);
                if c == '\\' {
                    if let Some(e) = it.next() {
                        t.push(e);
                    }
                } else if c == '"' {
                    break;
                }
            }
            out.push(t);
        } else {
            let mut t = String::new();
            while let Some(&c) = it.peek() {
                if c.is_whitespace() || c == ';' {
                    break;
                }
                t.push(c);
                it.next();
            }
            out.push(t);
        }
    }
    out
}

/// Where the value starting at `i` ends.
fn skip_value(t: &[String], i: usize) -> usize {
    let mut depth = 0usize;
    let mut j = i;
    while j < t.len() {
        match t[j].as_str() {
            "[" | "{" => depth += 1,
            "]" | "}" => depth = depth.saturating_sub(1),
            _ => {}
        }
        j += 1;
        if depth == 0 {
            break;
        }
    }
    j
}

/// Equal printed values, where `«repeated»` (Nix's mark for a value it
/// printed before, which depends on how Nix shares memory) stands for any
/// value.
#[allow(clippy::many_single_char_names)]
fn same_print(a: &str, b: &str) -> bool {
    let (x, y) = (tokens(a), tokens(b));
    let (mut i, mut j) = (0, 0);
    while i < x.len() && j < y.len() {
        if x[i] == "«repeated»" && y[j] != "«repeated»" {
            i += 1;
            j = skip_value(&y, j);
        } else if y[j] == "«repeated»" && x[i] != "«repeated»" {
            j += 1;
            i = skip_value(&x, i);
        } else if x[i] == y[j] {
            i += 1;
            j += 1;
        } else {
            return false;
        }
    }
    i == x.len() && j == y.len()
}

/// A line CI shows even when the test passes (the test harness captures
/// `println!`, not the process's stderr).
fn visible(line: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "{line}");
}

fn first_error_line(stderr: &str) -> String {
    stderr
        .lines()
        .find(|l| l.contains("error:"))
        .unwrap_or("")
        .trim()
        .to_string()
}

#[test]
fn repeated_stands_for_any_value() {
    assert!(same_print("[ [ «repeated» ] ]", "[ «repeated» ]"));
    assert!(same_print(
        "{ a = { b = 1; }; c = «repeated»; }",
        "{ a = { b = 1; }; c = { b = 1; }; }"
    ));
    assert!(!same_print("{ a = 1; }", "{ a = 2; }"));
    assert!(same_print("[ \"a b\" ]", "[ \"a b\" ]"));
    assert!(!same_print("[ \"a b\" ]", "[ \"a  b\" ]"));
}

#[test]
fn floats_print_like_nix() {
    for (f, s) in [
        (1.0, "1"),
        (0.1, "0.1"),
        (1e20, "1e+20"),
        (1e-5, "1e-05"),
        (123_456.0, "123456"),
        (1_234_567.0, "1.23457e+06"),
        (-2.5, "-2.5"),
        (1.0 / 3.0, "0.333333"),
    ] {
        assert_eq!(nix_float(f), s, "{f}");
    }
}
