//! The evaluation cache: a host's result (plan, generated module,
//! diagnostics), kept with every question its evaluation asked the file
//! system and the answers it got ([`crate::nix::inputs`]).
//!
//! A cached result is used only when the same atelier-gen binary asks every
//! question again and gets the same answers: same canonical paths, same file
//! kinds, same contents (SHA-256), same directory listings — except that a
//! file evaluation only parsed may differ after the end of its expression
//! ([`trivia_only`]). Evaluation reads
//! nothing else (no environment, clock or network), so a hit is exactly what
//! evaluating again would give. Anything unexpected (unreadable, corrupt,
//! another version's entry) is a miss; a cache that cannot be written is
//! skipped. Entries live in one directory, one file per (flake directory,
//! host, working directory, generated paths); writing one removes those
//! written more than 30 days earlier.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use crate::diagnostic::{Diagnostic, Severity, SourceFile, Span};
use crate::nix::inputs::{self, Probe, Record, Replay};
use crate::nix::syntax_cache::SyntaxCache;
use crate::plan::Plan;

use super::pipeline::HostOutput;

/// Bump when the entry format or the meaning of a result changes.
const FORMAT: u32 = 1;

/// Entries older than this are removed when a new one is written.
const MAX_AGE: Duration = Duration::from_secs(30 * 24 * 3600);

/// A cache directory.
#[derive(Debug, Clone)]
pub struct Cache {
    dir: PathBuf,
}

/// What one lookup found, for `--verbose`-style reporting and tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    Hit,
    /// The entry, after files changed only past the end of their Nix
    /// expression (trailing comments or blank lines); their paths.
    HitAfterTrivia(Vec<PathBuf>),
    /// No entry for this flake and host yet.
    Absent,
    /// An entry whose inputs changed: the first question answered differently.
    Changed(String),
    /// An entry of another atelier-gen build or format, or a damaged one.
    Unusable,
}

/// Where the cache lives when nothing says otherwise:
/// `$XDG_CACHE_HOME/atelier-gen`, else `$HOME/.cache/atelier-gen` (a
/// relative value of either is ignored, as the XDG specification says).
pub fn default_dir() -> Option<PathBuf> {
    let absolute = |k: &str| {
        std::env::var_os(k)
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
    };
    absolute("XDG_CACHE_HOME")
        .or_else(|| absolute("HOME").map(|h| h.join(".cache")))
        .map(|d| d.join("atelier-gen"))
}

/// What identifies an entry. Stored in it too, so that a (vanishingly
/// unlikely) clash of file names is a miss, not a wrong result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Key {
    flake_dir: PathBuf,
    cwd: PathBuf,
    host: String,
    generated: Vec<PathBuf>,
    /// `--override-input` and `--fetch-inputs` (`discover::lock::Sources::key`).
    sources: String,
}

/// An entry file is its header (one line of JSON), then the sections it
/// lists, back to back: the diagnostics, the plan (both JSON), then the
/// texts of `plan --json` and of the module when there are any. The header
/// alone decides whether the entry is current; the plan, the largest part,
/// is decoded meanwhile, and only when the caller needs more than its text.
#[derive(Serialize, Deserialize)]
struct Header {
    format: u32,
    binary: String,
    key: Key,
    /// When the evaluation began (nanoseconds since the epoch).
    started_ns: i128,
    inputs: Vec<Record>,
    /// Byte lengths of the diagnostics, the plan, the `plan --json` text and
    /// the module.
    sections: [usize; 4],
    has_plan_json: bool,
    has_module: bool,
}

#[derive(Serialize, Deserialize)]
struct Payload {
    diagnostics: Vec<StoredDiagnostic>,
    /// The files the diagnostics point into (their excerpts need the text).
    files: Vec<StoredFile>,
}

#[derive(Serialize, Deserialize)]
struct StoredDiagnostic {
    severity: Severity,
    code: String,
    message: String,
    span: Option<(usize, usize, usize)>,
    notes: Vec<String>,
}

#[derive(Serialize, Deserialize)]
struct StoredFile {
    name: String,
    path: PathBuf,
    text: String,
}

/// This binary's identity (a rebuilt binary may evaluate differently); the
/// syntax cache keys its trees by the same identity.
fn binary_identity() -> String {
    crate::nix::syntax_cache::binary_identity().to_owned()
}

impl Cache {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn key(flake_dir: &Path, host: &str, generated: &[PathBuf]) -> Key {
        let cwd = std::env::current_dir().unwrap_or_default();
        let flake_dir = std::fs::canonicalize(flake_dir).unwrap_or_else(|_| cwd.join(flake_dir));
        Key {
            flake_dir,
            cwd,
            host: host.to_owned(),
            generated: generated.to_vec(),
            sources: crate::discover::lock::sources().key(),
        }
    }

    fn entry_path(&self, key: &Key) -> PathBuf {
        let id = serde_json::to_vec(key).unwrap_or_default();
        let digest = inputs::digest(&id);
        self.dir.join(format!("{}.json", &digest[..32]))
    }

    /// The cached result for this host, when every recorded question still
    /// gets its recorded answer. `render`: the module is needed too;
    /// `json_only`: of the plan, only the text of `plan --json` is (then
    /// `plan` stays `None` when that text is there).
    pub fn lookup(
        &self,
        flake_dir: &Path,
        host: &str,
        generated: &[PathBuf],
        render: bool,
        json_only: bool,
    ) -> (Lookup, Option<HostOutput>) {
        let key = Self::key(flake_dir, host, generated);
        let Ok(bytes) = std::fs::read(self.entry_path(&key)) else {
            return (Lookup::Absent, None);
        };
        let Some((mut header, rest)) = split_header(&bytes) else {
            return (Lookup::Unusable, None);
        };
        let sections = rest;
        if header.format != FORMAT || header.key != key || header.binary != binary_identity() {
            return (Lookup::Unusable, None);
        }
        let [payload_len, plan_len, json_len, module_len] = header.sections;
        if rest.len() != payload_len + plan_len + json_len + module_len {
            return (Lookup::Unusable, None);
        }
        let (payload, rest) = rest.split_at(payload_len);
        let (plan, rest) = rest.split_at(plan_len);
        let (json, module) = rest.split_at(json_len);
        let skip_plan = json_only && header.has_plan_json;
        // The questions are asked again while the plan is decoded. A file
        // that was only parsed and now differs is set apart: it may differ
        // in trailing trivia only (`trivia_only`).
        let (changed, plan) = std::thread::scope(|s| {
            let decoding =
                s.spawn(|| (!skip_plan).then(|| serde_json::from_slice::<Option<Plan>>(plan)));
            let mut replay = Replay::new(header.started_ns);
            let mut parsed_changed = Vec::new();
            let mut changed = None;
            for (i, r) in header.inputs.iter().enumerate() {
                if replay.holds(r) {
                    continue;
                }
                if matches!(
                    (&r.probe, &r.parsed, &r.answer),
                    (Probe::Read(_), Some(_), Ok(_))
                ) {
                    parsed_changed.push(i);
                } else {
                    changed = Some(r.clone());
                    break;
                }
            }
            (changed.ok_or(parsed_changed), decoding.join())
        });
        let parsed_changed = match changed {
            Ok(r) => return (Lookup::Changed(describe(&r.probe)), None),
            Err(list) => list,
        };
        let plan = match plan {
            Ok(None) => None,
            Ok(Some(Ok(p))) => p,
            _ => return (Lookup::Unusable, None),
        };
        let (Ok(payload), Ok(json), Ok(module)) = (
            serde_json::from_slice::<Payload>(payload),
            std::str::from_utf8(json),
            std::str::from_utf8(module),
        ) else {
            return (Lookup::Unusable, None);
        };
        let mut lookup = Lookup::Hit;
        if !parsed_changed.is_empty() {
            let syntax = SyntaxCache::new(&self.dir, &key.flake_dir, &key.host);
            let mut edited = Vec::new();
            for &i in &parsed_changed {
                let r = &mut header.inputs[i];
                if !trivia_only(r, &syntax, &payload.files) {
                    return (Lookup::Changed(describe(&r.probe)), None);
                }
                edited.push(r.probe.path().to_path_buf());
            }
            // The entry now holds the files' new answers (their stamps are
            // younger than the evaluation, so they are read again next time).
            let _ = self.rewrite(&self.entry_path(&key), &header, sections);
            lookup = Lookup::HitAfterTrivia(edited);
        }
        let mut out = payload.into_output(host);
        out.plan = plan;
        out.plan_json = header.has_plan_json.then(|| json.to_owned());
        out.module = header.has_module.then(|| module.to_owned());
        if render && out.module.is_none() {
            // Planned before, never rendered: render from the plan.
            super::pipeline::render_into(&mut out);
        }
        (lookup, Some(out))
    }

    /// Writes an entry again with a new header and its sections unchanged.
    fn rewrite(&self, path: &Path, header: &Header, sections: &[u8]) -> std::io::Result<()> {
        let mut bytes = serde_json::to_vec(header).map_err(std::io::Error::other)?;
        bytes.push(b'\n');
        bytes.extend_from_slice(sections);
        let mut tmp = tempfile::NamedTempFile::new_in(&self.dir)?;
        std::io::Write::write_all(tmp.as_file_mut(), &bytes)?;
        tmp.persist(path).map_err(|e| e.error)?;
        Ok(())
    }

    /// Keeps `out` with the questions that produced it. Failing to write is
    /// not an error: the next run evaluates again.
    pub fn store(
        &self,
        flake_dir: &Path,
        host: &str,
        generated: &[PathBuf],
        started_ns: i128,
        inputs: &[Record],
        out: &HostOutput,
    ) {
        let key = Self::key(flake_dir, host, generated);
        let path = self.entry_path(&key);
        let _ = self.write(&path, key, started_ns, inputs, out);
    }

    fn write(
        &self,
        path: &Path,
        key: Key,
        started_ns: i128,
        inputs: &[Record],
        out: &HostOutput,
    ) -> std::io::Result<()> {
        let payload = serde_json::to_vec(&Payload::new(out)).map_err(std::io::Error::other)?;
        let plan = serde_json::to_vec(&out.plan).map_err(std::io::Error::other)?;
        let json = out.plan_json.as_deref().unwrap_or_default();
        let module = out.module.as_deref().unwrap_or_default();
        let header = Header {
            format: FORMAT,
            binary: binary_identity(),
            key,
            started_ns,
            inputs: inputs.to_vec(),
            sections: [payload.len(), plan.len(), json.len(), module.len()],
            has_plan_json: out.plan_json.is_some(),
            has_module: out.module.is_some(),
        };
        let mut bytes = serde_json::to_vec(&header).map_err(std::io::Error::other)?;
        bytes.push(b'\n');
        bytes.extend_from_slice(&payload);
        bytes.extend_from_slice(&plan);
        bytes.extend_from_slice(json.as_bytes());
        bytes.extend_from_slice(module.as_bytes());
        create_private_dir(&self.dir)?;
        self.remove_old();
        let mut tmp = tempfile::NamedTempFile::new_in(&self.dir)?;
        std::io::Write::write_all(tmp.as_file_mut(), &bytes)?;
        tmp.persist(path).map_err(|e| e.error)?;
        Ok(())
    }

    /// Removes entries written more than [`MAX_AGE`] ago.
    fn remove_old(&self) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        let now = SystemTime::now();
        for e in entries.flatten() {
            let old = e
                .metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|t| now.duration_since(t).unwrap_or_default() > MAX_AGE);
            let ours = e.file_name().to_string_lossy().ends_with(".json");
            if old && ours {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
}

/// The header line of an entry, and the bytes after it.
fn split_header(bytes: &[u8]) -> Option<(Header, &[u8])> {
    let end = bytes.iter().position(|&b| b == b'\n')?;
    let header = serde_json::from_slice(&bytes[..end]).ok()?;
    Some((header, &bytes[end + 1..]))
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

/// Whether the file of `r`, a whole-file read that evaluation only parsed
/// ([`Record::parsed`]) and whose contents changed, changed in a way no
/// result can see; if so, `r` takes the file's new answer. What evaluation
/// saw of the file is its lowered tree, with spans as offsets below
/// `parsed.end`, and the text before `parsed.end` (lines and columns are
/// counted in it). So the result is the same when the new text has the
/// same first `end` bytes, lowers to the byte-same tree (kept by the
/// syntax cache under the old digest), and that tree has no span past
/// `end`. Diagnostics excerpt whole lines, past `end` too: an entry with a
/// diagnostic in the file (or in a file it cannot place) is not kept.
fn trivia_only(r: &mut Record, syntax: &SyntaxCache, files: &[StoredFile]) -> bool {
    let (Probe::Read(path), Some(parsed), Ok(old_digest)) = (&r.probe, &r.parsed, &r.answer) else {
        return false;
    };
    let points_into = |f: &StoredFile| {
        std::fs::canonicalize(&f.path).map_or(true, |c| c == *path) || f.path == *path
    };
    if files.iter().any(points_into) {
        return false;
    }
    let Some(old_tree) = syntax.kept(old_digest) else {
        return false;
    };
    let (read, answer, stamp) = inputs::read_file(path);
    let (Ok(bytes), Ok(new_digest)) = (read, &answer) else {
        return false;
    };
    let Ok(text) = String::from_utf8(bytes) else {
        return false;
    };
    match text.as_bytes().get(..parsed.end) {
        Some(prefix) if inputs::digest(prefix) == parsed.prefix => {}
        _ => return false,
    }
    let file = Arc::new(SourceFile {
        name: path.display().to_string(),
        path: path.clone(),
        text,
    });
    let new_tree = match syntax.kept(new_digest) {
        Some(t) => t,
        None => match crate::nix::syntax::parse(&file) {
            Ok(e) => crate::nix::syntax_cache::encode(&e),
            Err(_) => return false,
        },
    };
    if new_tree != old_tree {
        return false;
    }
    match crate::nix::syntax_cache::decode_extent(&new_tree, &file) {
        Some((_, extent)) if extent <= parsed.end => {}
        _ => return false,
    }
    syntax.keep(new_digest, &new_tree);
    r.answer = answer;
    r.stamp = stamp;
    true
}

fn describe(probe: &Probe) -> String {
    match probe {
        Probe::Canonical(p)
        | Probe::Lstat(p)
        | Probe::Stat(p)
        | Probe::Head(p, _)
        | Probe::Normalized(p)
        | Probe::ReadLink(p)
        | Probe::Executable(p) => {
            format!("{} changed", p.display())
        }
        Probe::Read(p) => format!("{} was edited", p.display()),
        Probe::ReadDir(p) => format!("the entries of {} changed", p.display()),
        Probe::Immutable(p) => format!("flake input source {} appeared or went", p.display()),
    }
}

impl Payload {
    fn new(out: &HostOutput) -> Self {
        let mut files: Vec<StoredFile> = Vec::new();
        let mut index: BTreeMap<*const SourceFile, usize> = BTreeMap::new();
        let diagnostics = out
            .diagnostics
            .iter()
            .map(|d| StoredDiagnostic {
                severity: d.severity,
                code: d.code.to_owned(),
                message: d.message.clone(),
                span: d.span.as_ref().map(|s| {
                    let i = *index.entry(Arc::as_ptr(&s.file)).or_insert_with(|| {
                        files.push(StoredFile {
                            name: s.file.name.clone(),
                            path: s.file.path.clone(),
                            text: s.file.text.clone(),
                        });
                        files.len() - 1
                    });
                    (i, s.start, s.end)
                }),
                notes: d.notes.clone(),
            })
            .collect();
        Payload { diagnostics, files }
    }

    fn into_output(self, host: &str) -> HostOutput {
        let files: Vec<Arc<SourceFile>> = self
            .files
            .into_iter()
            .map(|f| {
                Arc::new(SourceFile {
                    name: f.name,
                    path: f.path,
                    text: f.text,
                })
            })
            .collect();
        let diagnostics = self
            .diagnostics
            .into_iter()
            .map(|d| Diagnostic {
                severity: d.severity,
                code: static_code(d.code),
                message: d.message,
                span: d.span.and_then(|(i, start, end)| {
                    files.get(i).map(|f| Span {
                        file: Arc::clone(f),
                        start,
                        end,
                    })
                }),
                notes: d.notes,
            })
            .collect();
        HostOutput {
            host: host.to_owned(),
            plan: None,
            plan_json: None,
            module: None,
            diagnostics,
        }
    }
}

/// Diagnostic codes are `&'static str`; a cached one is interned once per
/// distinct code for the life of the process.
fn static_code(code: String) -> &'static str {
    use std::collections::HashSet;
    use std::sync::Mutex;
    static CODES: Mutex<Option<HashSet<&'static str>>> = Mutex::new(None);
    let mut codes = CODES
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let set = codes.get_or_insert_with(HashSet::new);
    if let Some(c) = set.get(code.as_str()) {
        return c;
    }
    let leaked: &'static str = Box::leak(code.into_boxed_str());
    set.insert(leaked);
    leaked
}
