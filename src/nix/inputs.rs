//! Everything an evaluation asked of the file system, and what it was told.
//!
//! The evaluator and discovery touch the file system only through
//! [`Inputs`]: canonical paths, file kinds, file contents, directory
//! listings. Each question is recorded once with its answer (contents and
//! listings as SHA-256 digests). Evaluation is otherwise pure (no
//! environment, clock or network: `getEnv` is always `""`), so replaying the
//! questions and getting the same answers proves that evaluating again would
//! give the same result; `generate::cache` relies on exactly that.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// One question to the file system.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Probe {
    /// `realpath`.
    Canonical(PathBuf),
    /// The kind of what is at the path, without following a final symlink.
    Lstat(PathBuf),
    /// The kind of what the path leads to (symlinks followed).
    Stat(PathBuf),
    /// The whole contents.
    Read(PathBuf),
    /// The first bytes (at most this many).
    Head(PathBuf, usize),
    /// The names and kinds of a directory's entries.
    ReadDir(PathBuf),
    /// [`normalize`]: what a path means, whether or not it exists.
    Normalized(PathBuf),
    /// Whether a content-addressed tree is there (a flake input's source in
    /// the Nix store or fetched under its NAR hash). What is inside such a
    /// tree never changes, so questions about it are not asked again.
    Immutable(PathBuf),
    /// A symlink's target (`readlink`).
    ReadLink(PathBuf),
    /// Whether a file is executable by its owner (the NAR form of a copy
    /// to the store records it).
    Executable(PathBuf),
}

impl Probe {
    /// The path the question is about.
    pub fn path(&self) -> &Path {
        match self {
            Probe::Canonical(p)
            | Probe::Lstat(p)
            | Probe::Stat(p)
            | Probe::Read(p)
            | Probe::Head(p, _)
            | Probe::ReadDir(p)
            | Probe::Normalized(p)
            | Probe::Immutable(p)
            | Probe::ReadLink(p)
            | Probe::Executable(p) => p,
        }
    }
}

/// What the file system answered: a path, a kind or a digest, or the kind
/// of error (errors are answers too: a file that appears changes results).
pub type Answer = Result<String, String>;

/// The kind of a directory entry or path, as Nix's `readDir` names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Regular,
    Directory,
    Symlink,
    Unknown,
}

impl Kind {
    fn of(t: std::fs::FileType) -> Self {
        if t.is_symlink() {
            Kind::Symlink
        } else if t.is_dir() {
            Kind::Directory
        } else if t.is_file() {
            Kind::Regular
        } else {
            Kind::Unknown
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Kind::Regular => "regular",
            Kind::Directory => "directory",
            Kind::Symlink => "symlink",
            Kind::Unknown => "unknown",
        }
    }
}

fn io_answer(e: &std::io::Error) -> String {
    format!("{:?}", e.kind())
}

/// The digest recorded for a file's contents.
pub fn digest(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn listing_answer(entries: &[(String, Kind)]) -> String {
    let mut h = Sha256::new();
    for (name, kind) in entries {
        h.update(name.as_bytes());
        h.update([0]);
        h.update(kind.name().as_bytes());
        h.update([0]);
    }
    hex::encode(h.finalize())
}

/// A directory's entries, sorted by name (Nix's order).
fn list_dir(path: &Path) -> std::io::Result<Vec<(String, Kind)>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(path)? {
        let entry = entry?;
        let kind = entry.file_type().map_or(Kind::Unknown, Kind::of);
        out.push((entry.file_name().to_string_lossy().into_owned(), kind));
    }
    out.sort();
    Ok(out)
}

fn head(path: &Path, n: usize) -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(n);
    std::fs::File::open(path)?
        .take(n as u64)
        .read_to_end(&mut buf)?;
    Ok(buf)
}

/// When a file was last changed, as `stat` tells: a whole-file read whose
/// file still has the same stamp need not be read again to be trusted
/// (unless the file changed close to when it was read; see [`Replay`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    len: u64,
    ino: u64,
    dev: u64,
    mtime_ns: i128,
    ctime_ns: i128,
}

impl Stamp {
    fn of(m: &std::fs::Metadata) -> Self {
        use std::os::unix::fs::MetadataExt;
        let ns = |s: i64, n: i64| i128::from(s) * 1_000_000_000 + i128::from(n);
        Stamp {
            len: m.size(),
            ino: m.ino(),
            dev: m.dev(),
            mtime_ns: ns(m.mtime(), m.mtime_nsec()),
            ctime_ns: ns(m.ctime(), m.ctime_nsec()),
        }
    }
}

/// One question, its answer, and for a whole-file read the file's stamp
/// when it was read.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Record {
    pub probe: Probe,
    pub answer: Answer,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stamp: Option<Stamp>,
    /// For a whole-file read whose bytes were only ever parsed as Nix (never
    /// read by `readFile`, hashed into the store, ...): what of the file the
    /// evaluation can have seen ([`Parsed`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parsed: Option<Parsed>,
}

/// What evaluating a parsed file can have seen of its text: its lowered
/// tree (kept by the syntax cache under the file's digest) and the text up
/// to `end`, the end of the tree's root expression. Spans are offsets below
/// `end`, and lines and columns are counted in the text before them; what
/// follows `end` (trailing comments and blank lines) reaches no result but
/// the excerpts of diagnostics. `generate::cache` uses it to keep a result
/// across an edit of trailing trivia only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Parsed {
    pub end: usize,
    /// SHA-256 (hex) of the text's first `end` bytes.
    pub prefix: String,
}

/// A whole file read the way the evaluator reads: its bytes, the answer
/// to record and the file's stamp (from the open file, so it describes what
/// was read or something older).
pub fn read_file(path: &Path) -> (std::io::Result<Vec<u8>>, Answer, Option<Stamp>) {
    let mut stamp = None;
    let r = std::fs::File::open(path).and_then(|mut f| {
        let meta = f.metadata()?;
        stamp = Some(Stamp::of(&meta));
        let mut buf = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0) + 1);
        f.read_to_end(&mut buf)?;
        Ok(buf)
    });
    let answer = read_answer(&r);
    (r, answer, stamp)
}

fn now_ns() -> i128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i128::try_from(d.as_nanos()).unwrap_or(i128::MAX))
}

/// The questions asked so far, in order, each once.
#[derive(Debug)]
pub struct Inputs {
    /// When asking began (nanoseconds since the epoch).
    started_ns: i128,
    /// Each question's index in `log`.
    asked: FxHashMap<Probe, usize>,
    log: Vec<Record>,
}

impl Default for Inputs {
    fn default() -> Self {
        Self {
            started_ns: now_ns(),
            asked: FxHashMap::default(),
            log: Vec::new(),
        }
    }
}

impl Inputs {
    /// Records a question answered elsewhere (a file read on another thread).
    pub fn note(&mut self, probe: Probe, answer: Answer) {
        self.note_stamped(probe, answer, None);
    }

    /// [`Inputs::note`] for a whole-file read with its file's stamp.
    pub fn note_stamped(&mut self, probe: Probe, answer: Answer, stamp: Option<Stamp>) {
        self.note_full(probe, answer, stamp, None);
    }

    /// [`Inputs::note_stamped`] for a file read to be parsed, with what its
    /// parse made visible. A file whose bytes are also used otherwise keeps
    /// no `parsed` ([`Inputs::read`]).
    pub fn note_parsed(
        &mut self,
        probe: Probe,
        answer: Answer,
        stamp: Option<Stamp>,
        parsed: Option<Parsed>,
    ) {
        self.note_full(probe, answer, stamp, parsed);
    }

    fn note_full(
        &mut self,
        probe: Probe,
        answer: Answer,
        stamp: Option<Stamp>,
        parsed: Option<Parsed>,
    ) {
        if !self.asked.contains_key(&probe) {
            self.asked.insert(probe.clone(), self.log.len());
            self.log.push(Record {
                probe,
                answer,
                stamp,
                parsed,
            });
        }
    }

    /// The bytes of `path` are used as they are, not only parsed: a
    /// result depends on all of them.
    pub(crate) fn used_raw(&mut self, path: &Path) {
        if let Some(&i) = self.asked.get(&Probe::Read(path.to_path_buf())) {
            self.log[i].parsed = None;
        }
    }

    /// Every question with its answer, in the order first asked.
    pub fn log(&self) -> &[Record] {
        &self.log
    }

    /// When the first question was asked, in nanoseconds since the epoch.
    pub fn started_ns(&self) -> i128 {
        self.started_ns
    }

    pub fn canonicalize(&mut self, path: &Path) -> std::io::Result<PathBuf> {
        let r = std::fs::canonicalize(path);
        let answer = match &r {
            Ok(p) => Ok(p.to_string_lossy().into_owned()),
            Err(e) => Err(io_answer(e)),
        };
        self.note(Probe::Canonical(path.to_path_buf()), answer);
        r
    }

    /// The kind of what is at `path` (a final symlink not followed).
    pub fn lstat(&mut self, path: &Path) -> Option<Kind> {
        let k = std::fs::symlink_metadata(path)
            .ok()
            .map(|m| Kind::of(m.file_type()));
        self.note(Probe::Lstat(path.to_path_buf()), kind_answer(k));
        k
    }

    /// The kind of what `path` leads to (symlinks followed).
    pub fn stat(&mut self, path: &Path) -> Option<Kind> {
        let k = std::fs::metadata(path)
            .ok()
            .map(|m| Kind::of(m.file_type()));
        self.note(Probe::Stat(path.to_path_buf()), kind_answer(k));
        k
    }

    pub fn is_dir(&mut self, path: &Path) -> bool {
        self.stat(path) == Some(Kind::Directory)
    }

    pub fn is_file(&mut self, path: &Path) -> bool {
        self.stat(path) == Some(Kind::Regular)
    }

    /// A whole file.
    pub fn read(&mut self, path: &Path) -> std::io::Result<Vec<u8>> {
        let (r, answer, stamp) = read_file(path);
        self.note_stamped(Probe::Read(path.to_path_buf()), answer, stamp);
        self.used_raw(path);
        r
    }

    /// A whole file, unless it is longer than `max` bytes: then its length,
    /// unread (and recorded so that a cached result that depends on it is
    /// never used: it was not read, so it cannot be proven unchanged).
    pub fn read_at_most(
        &mut self,
        path: &Path,
        max: usize,
    ) -> std::io::Result<Result<Vec<u8>, u64>> {
        let len = match std::fs::metadata(path) {
            Ok(m) => m.len(),
            Err(e) => {
                self.note(Probe::Read(path.to_path_buf()), Err(io_answer(&e)));
                self.used_raw(path);
                return Err(e);
            }
        };
        if usize::try_from(len).map_or(true, |l| l > max) {
            self.note(Probe::Read(path.to_path_buf()), Err("too large".into()));
            self.used_raw(path);
            return Ok(Err(len));
        }
        self.read(path).map(Ok)
    }

    /// The first `n` bytes of a file (fewer when it is shorter).
    pub fn head(&mut self, path: &Path, n: usize) -> std::io::Result<Vec<u8>> {
        let r = head(path, n);
        self.note(Probe::Head(path.to_path_buf(), n), read_answer(&r));
        r
    }

    /// [`normalize`], recorded by its result only: a file appearing where
    /// the path already pointed changes nothing.
    pub fn normalize(&mut self, path: &Path) -> PathBuf {
        let n = normalize(path);
        let answer = Ok(n.to_string_lossy().into_owned());
        self.note(Probe::Normalized(path.to_path_buf()), answer);
        n
    }

    /// A symlink's target.
    pub fn symlink_target(&mut self, path: &Path) -> std::io::Result<PathBuf> {
        let r = std::fs::read_link(path);
        self.note(Probe::ReadLink(path.to_path_buf()), link_answer(&r));
        r
    }

    /// Whether the owner may execute the file (symlinks not followed).
    pub fn is_executable(&mut self, path: &Path) -> std::io::Result<bool> {
        let r = executable(path);
        let answer = match &r {
            Ok(x) => Ok(x.to_string()),
            Err(e) => Err(io_answer(e)),
        };
        self.note(Probe::Executable(path.to_path_buf()), answer);
        r
    }

    /// A directory's entries, sorted by name.
    pub fn read_dir(&mut self, path: &Path) -> std::io::Result<Vec<(String, Kind)>> {
        let r = list_dir(path);
        let answer = match &r {
            Ok(entries) => Ok(listing_answer(entries)),
            Err(e) => Err(io_answer(e)),
        };
        self.note(Probe::ReadDir(path.to_path_buf()), answer);
        r
    }
}

fn link_answer(r: &std::io::Result<PathBuf>) -> Answer {
    match r {
        Ok(t) => Ok(t.to_string_lossy().into_owned()),
        Err(e) => Err(io_answer(e)),
    }
}

fn executable(path: &Path) -> std::io::Result<bool> {
    use std::os::unix::fs::PermissionsExt as _;
    Ok(std::fs::symlink_metadata(path)?.permissions().mode() & 0o100 != 0)
}

fn kind_answer(k: Option<Kind>) -> Answer {
    k.map(|k| k.name().to_owned())
        .ok_or_else(|| "absent".to_owned())
}

/// The answer recorded for reading a whole file.
pub fn read_answer(r: &std::io::Result<Vec<u8>>) -> Answer {
    match r {
        Ok(bytes) => Ok(digest(bytes)),
        Err(e) => Err(io_answer(e)),
    }
}

/// How close to the start of an evaluation a file may have changed and
/// still be trusted by its stamp alone: file times come from a clock that
/// ticks coarsely, so a change right after the read could leave the same
/// stamp (git's "racily clean" entries). Such files are read again.
const RACY_NS: i128 = 2_000_000_000;

/// Asks recorded questions again, to tell whether their answers still hold.
pub struct Replay {
    started_ns: i128,
    /// Content-addressed trees found present in this replay: questions
    /// inside them hold without being asked.
    immutable: Vec<PathBuf>,
    /// `lstat` results of this replay, reused by whole-file reads of the
    /// same (non-symlink) path.
    lstats: FxHashMap<PathBuf, std::fs::Metadata>,
}

impl Replay {
    /// For records of an evaluation that began at `started_ns`
    /// ([`Inputs::started_ns`]).
    pub fn new(started_ns: i128) -> Self {
        Self {
            started_ns,
            immutable: Vec::new(),
            lstats: FxHashMap::default(),
        }
    }

    /// Whether the recorded answer still holds.
    pub fn holds(&mut self, r: &Record) -> bool {
        if let Probe::Immutable(root) = &r.probe {
            let holds = replay(&r.probe) == r.answer;
            if holds && r.answer.is_ok() {
                self.immutable.push(root.clone());
            }
            return holds;
        }
        let inside = |root: &PathBuf| r.probe.path().starts_with(root);
        // A pruned copy's marker is asked again: `--keep-full-inputs`
        // replaces that copy by the whole source at the same path.
        let marker =
            r.probe.path().file_name() == Some(std::ffi::OsStr::new(crate::flake::prune::MARKER));
        if !matches!(r.probe, Probe::Normalized(_)) && !marker && self.immutable.iter().any(inside)
        {
            return true;
        }
        if let (Probe::Read(p), Some(stamp)) = (&r.probe, &r.stamp) {
            let settled = stamp.ctime_ns < self.started_ns - RACY_NS
                && stamp.mtime_ns < self.started_ns - RACY_NS;
            let now = match self.lstats.get(p) {
                Some(m) if !m.file_type().is_symlink() => Some(Stamp::of(m)),
                _ => std::fs::metadata(p).ok().map(|m| Stamp::of(&m)),
            };
            if settled && now.as_ref() == Some(stamp) {
                return true;
            }
        }
        if let Probe::Lstat(p) = &r.probe {
            let (m, answer) = lstat(p);
            if let Some(m) = m {
                self.lstats.insert(p.clone(), m);
            }
            return answer == r.answer;
        }
        replay(&r.probe) == r.answer
    }
}

/// `lstat(p)`: the metadata (kept by [`Replay::holds`]) and the answer.
fn lstat(p: &Path) -> (Option<std::fs::Metadata>, Answer) {
    let m = std::fs::symlink_metadata(p).ok();
    let answer = kind_answer(m.as_ref().map(|m| Kind::of(m.file_type())));
    (m, answer)
}

/// Asks the question again: the answer to compare with the recorded one.
pub fn replay(probe: &Probe) -> Answer {
    match probe {
        Probe::Canonical(p) => std::fs::canonicalize(p)
            .map(|c| c.to_string_lossy().into_owned())
            .map_err(|e| io_answer(&e)),
        Probe::Lstat(p) => lstat(p).1,
        Probe::Stat(p) => kind_answer(std::fs::metadata(p).ok().map(|m| Kind::of(m.file_type()))),
        Probe::Read(p) => read_file(p).1,
        Probe::Head(p, n) => read_answer(&head(p, *n)),
        Probe::ReadDir(p) => match list_dir(p) {
            Ok(entries) => Ok(listing_answer(&entries)),
            Err(e) => Err(io_answer(&e)),
        },
        Probe::Normalized(p) => Ok(normalize(p).to_string_lossy().into_owned()),
        Probe::Immutable(p) => kind_answer(
            std::fs::symlink_metadata(p)
                .ok()
                .map(|m| Kind::of(m.file_type())),
        ),
        Probe::ReadLink(p) => link_answer(&std::fs::read_link(p)),
        Probe::Executable(p) => match executable(p) {
            Ok(x) => Ok(x.to_string()),
            Err(e) => Err(io_answer(&e)),
        },
    }
}

/// An absolute path without `.`/`..`: canonical when it exists, else its
/// parent's canonical form (when that exists) and its name, so that
/// symlinked and missing files compare consistently.
pub fn normalize(p: &Path) -> PathBuf {
    if let Ok(c) = std::fs::canonicalize(p) {
        return c;
    }
    let out = crate::lexical::normalize(p);
    match (
        out.parent().and_then(|d| std::fs::canonicalize(d).ok()),
        out.file_name(),
    ) {
        (Some(d), Some(f)) => d.join(f),
        _ => out,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_question_is_recorded_once_and_replays_to_the_same_answer() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("a.nix");
        std::fs::write(&f, "{ }").unwrap();
        let mut inputs = Inputs::default();
        inputs.read(&f).unwrap();
        inputs.read(&f).unwrap();
        assert!(inputs.lstat(&dir.path().join("missing")).is_none());
        assert_eq!(inputs.read_dir(dir.path()).unwrap().len(), 1);
        assert!(inputs.canonicalize(&f).is_ok());
        assert_eq!(inputs.log().len(), 4);
        for r in inputs.log() {
            assert_eq!(replay(&r.probe), r.answer, "{:?}", r.probe);
        }
        // Any change is a different answer: contents, a new file, a listing.
        std::fs::write(&f, "{ a = 1; }").unwrap();
        std::fs::write(dir.path().join("missing"), "").unwrap();
        let changed = inputs
            .log()
            .iter()
            .filter(|r| replay(&r.probe) != r.answer)
            .count();
        assert_eq!(changed, 3);
    }
}
