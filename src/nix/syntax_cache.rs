//! The syntax cache: each file's lowered syntax tree ([`super::syntax`]),
//! kept between runs so that a run after an edit parses only the edited
//! files.
//!
//! A tree is found by the SHA-256 of the file's contents (the digest the
//! evaluator computes anyway for [`super::inputs`]) together with this
//! binary's identity, so an edit of any kind, whatever it does to the
//! file's size or times, is a different key, and a tree lowered by another
//! build is never used. Only files that parse without errors are kept (an
//! error is reported from a fresh parse).
//!
//! Trees live in one *pack* per (flake directory, host) in the evaluation
//! cache's directory (`syntax-<digest>.pack`, mode 0600): a header (magic,
//! format, identity), then records appended back to back, each with its
//! length, key and a CRC-32 of its bytes. A run reads the pack once, takes
//! the trees it needs, and appends the ones it had to parse in one `write`.
//! A pack that is damaged, of another build, or grown past twice what the
//! last run used (or [`MAX_PACK_BYTES`]) is rewritten with only what that
//! run used (eviction); rewriting one removes packs not written for 30
//! days. A record that fails its check, or does not decode, is a miss: the
//! file is parsed again. Nothing here is ever an error: a cache that cannot
//! be read or written only costs time.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::io::{Read as _, Seek as _, Write as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime};

use sha2::{Digest, Sha256};

use super::syntax::{
    AttrName, AttrsDef, BinOp, Binding, DynamicBinding, Expr, ExprKind, ExprRef, Lambda, Param,
    PathKind, PatternEntry, StaticBinding, StrPart,
};
use crate::diagnostic::{SourceFile, Span};

/// Bump when the record format or the lowered tree changes meaning.
const FORMAT: u32 = 1;
const MAGIC: &[u8; 8] = b"ATSYNTAX";
/// Magic, format, identity.
const HEADER_LEN: usize = 8 + 4 + 32;
/// Length, key, CRC-32.
const RECORD_HEAD: usize = 4 + 32 + 4;
/// A pack is rewritten with only the last run's trees beyond this size.
pub const MAX_PACK_BYTES: u64 = 64 << 20;
/// Packs not written for this long are removed.
const MAX_AGE: Duration = Duration::from_secs(30 * 24 * 3600);

/// Trees found and parsed by this process, over all caches (for
/// `atelier-gen -v`).
static PROCESS_HITS: AtomicUsize = AtomicUsize::new(0);
static PROCESS_MISSES: AtomicUsize = AtomicUsize::new(0);

/// How many files this process took from a syntax cache, and how many it
/// parsed while a syntax cache was in use.
pub fn process_stats() -> (usize, usize) {
    (
        PROCESS_HITS.load(Ordering::Relaxed),
        PROCESS_MISSES.load(Ordering::Relaxed),
    )
}

type Key = [u8; 32];

/// One pack, opened for a run.
pub struct SyntaxCache {
    path: PathBuf,
    identity: Key,
    pack: OnceLock<Pack>,
    /// Records parsed in this run, to append.
    fresh: Mutex<Fresh>,
    /// Keys of the pack's records used in this run (kept on eviction).
    used: Mutex<HashSet<Key>>,
    hits: AtomicUsize,
    misses: AtomicUsize,
}

#[derive(Default)]
struct Fresh {
    bytes: Vec<u8>,
    keys: HashSet<Key>,
}

/// The pack as read at the start of the run.
#[derive(Default)]
struct Pack {
    bytes: Vec<u8>,
    /// Where each record's payload is (the last record of a key wins).
    index: HashMap<Key, (usize, usize)>,
    /// Header of this build, and every byte a whole record.
    clean: bool,
}

impl SyntaxCache {
    /// The pack of `host` of the flake in `flake_dir`, in the cache
    /// directory `dir` (nothing is read until a file is looked up).
    pub fn new(dir: &Path, flake_dir: &Path, host: &str) -> Self {
        Self::with_identity(dir, flake_dir, host, binary_identity())
    }

    /// [`SyntaxCache::new`] for a given build identity (tests).
    pub fn with_identity(dir: &Path, flake_dir: &Path, host: &str, identity: &str) -> Self {
        let mut h = Sha256::new();
        h.update(flake_dir.as_os_str().as_encoded_bytes());
        h.update([0]);
        h.update(host.as_bytes());
        let name = hex::encode(h.finalize());
        let mut id = Sha256::new();
        id.update(FORMAT.to_le_bytes());
        id.update(identity.as_bytes());
        Self {
            path: dir.join(format!("syntax-{}.pack", &name[..32])),
            identity: id.finalize().into(),
            pack: OnceLock::new(),
            fresh: Mutex::new(Fresh::default()),
            used: Mutex::new(HashSet::new()),
            hits: AtomicUsize::new(0),
            misses: AtomicUsize::new(0),
        }
    }

    /// The pack file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Files taken from the cache and files parsed, in this run.
    pub fn stats(&self) -> (usize, usize) {
        (
            self.hits.load(Ordering::Relaxed),
            self.misses.load(Ordering::Relaxed),
        )
    }

    fn key(&self, digest: &str) -> Key {
        let mut h = Sha256::new();
        h.update(self.identity);
        h.update(digest.as_bytes());
        h.finalize().into()
    }

    fn pack(&self) -> &Pack {
        self.pack.get_or_init(|| load(&self.path, &self.identity))
    }

    /// The tree of `file`, whose contents have SHA-256 `digest` (hex), when
    /// it is kept; else parses it (and keeps it when it parses).
    pub fn parse(
        &self,
        digest: &str,
        file: &Arc<SourceFile>,
    ) -> Result<ExprRef, Vec<crate::diagnostic::Diagnostic>> {
        let key = self.key(digest);
        if let Some(e) = self.lookup(&key, file) {
            self.hits.fetch_add(1, Ordering::Relaxed);
            PROCESS_HITS.fetch_add(1, Ordering::Relaxed);
            return Ok(e);
        }
        self.misses.fetch_add(1, Ordering::Relaxed);
        PROCESS_MISSES.fetch_add(1, Ordering::Relaxed);
        let r = super::syntax::parse(file);
        if let Ok(e) = &r {
            let payload = encode(e);
            let mut fresh = lock(&self.fresh);
            if u32::try_from(payload.len()).is_ok() && fresh.keys.insert(key) {
                push_record(&mut fresh.bytes, &key, &payload);
            }
        }
        r
    }

    /// The kept tree of a file whose contents have SHA-256 `digest`, in
    /// [`encode`]d form (its checksum checked), without using it in this run.
    pub fn kept(&self, digest: &str) -> Option<Vec<u8>> {
        let pack = self.pack();
        let &(start, len) = pack.index.get(&self.key(digest))?;
        let record = pack.bytes.get(start - RECORD_HEAD..start + len)?;
        let crc = u32::from_le_bytes(record[36..40].try_into().ok()?);
        let payload = &record[RECORD_HEAD..];
        (crc32(payload) == crc).then(|| payload.to_vec())
    }

    /// Appends the [`encode`]d tree of a file with SHA-256 `digest` to the
    /// pack, unless it is there already; never rewrites the pack (the
    /// trees this run did not use stay). Failing to write only costs time.
    pub fn keep(&self, digest: &str, payload: &[u8]) {
        let key = self.key(digest);
        if self.pack().index.contains_key(&key) || u32::try_from(payload.len()).is_err() {
            return;
        }
        let mut record = Vec::with_capacity(RECORD_HEAD + payload.len());
        push_record(&mut record, &key, payload);
        let _ = self.append(&record);
    }

    fn lookup(&self, key: &Key, file: &Arc<SourceFile>) -> Option<ExprRef> {
        let pack = self.pack();
        let &(start, len) = pack.index.get(key)?;
        let record = pack.bytes.get(start - RECORD_HEAD..start + len)?;
        let crc = u32::from_le_bytes(record[36..40].try_into().ok()?);
        let payload = &record[RECORD_HEAD..];
        if crc32(payload) != crc {
            return None;
        }
        let e = decode(payload, file)?;
        lock(&self.used).insert(*key);
        Some(e)
    }

    /// Writes what this run parsed: appended to the pack, or the pack
    /// rewritten with only what this run used when it is damaged, of another
    /// build, or too large. Failing to write only costs time.
    pub fn flush(&self) {
        let fresh = std::mem::take(&mut *lock(&self.fresh));
        let pack = self.pack();
        let used = lock(&self.used);
        let live: usize = used
            .iter()
            .filter_map(|k| pack.index.get(k))
            .map(|&(_, len)| RECORD_HEAD + len)
            .sum::<usize>()
            + fresh.bytes.len();
        let total = pack.bytes.len() + fresh.bytes.len();
        let compact = !pack.clean
            || total as u64 > MAX_PACK_BYTES
            || total > 2 * (HEADER_LEN + live) + (64 << 10);
        if !compact && fresh.bytes.is_empty() {
            return;
        }
        if let Some(dir) = self.path.parent() {
            if create_private_dir(dir).is_err() {
                return;
            }
        }
        if !compact && self.append(&fresh.bytes).is_ok() {
            return;
        }
        let mut bytes = Vec::with_capacity(HEADER_LEN + live);
        push_header(&mut bytes, &self.identity);
        for k in used.iter() {
            if let Some(&(start, len)) = pack.index.get(k) {
                bytes.extend_from_slice(&pack.bytes[start - RECORD_HEAD..start + len]);
            }
        }
        bytes.extend_from_slice(&fresh.bytes);
        let _ = self.replace(&bytes);
        remove_old(self.path.parent());
    }

    /// Appends to the pack when it is still this build's (another run may
    /// have replaced it meanwhile; the check is on the file written to).
    fn append(&self, records: &[u8]) -> std::io::Result<()> {
        let mut f = std::fs::OpenOptions::new()
            .read(true)
            .append(true)
            .open(&self.path)?;
        let mut head = [0u8; HEADER_LEN];
        f.read_exact(&mut head)?;
        let mut want = Vec::with_capacity(HEADER_LEN);
        push_header(&mut want, &self.identity);
        if head[..] != want[..] {
            return Err(std::io::Error::other("another build's pack"));
        }
        f.seek(std::io::SeekFrom::End(0))?;
        f.write_all(records)
    }

    fn replace(&self, bytes: &[u8]) -> std::io::Result<()> {
        let dir = self.path.parent().unwrap_or(Path::new("."));
        let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
        tmp.as_file_mut().write_all(bytes)?;
        tmp.persist(&self.path).map_err(|e| e.error)?;
        Ok(())
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn push_header(out: &mut Vec<u8>, identity: &Key) {
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT.to_le_bytes());
    out.extend_from_slice(identity);
}

/// `payload` is shorter than 4 GiB.
fn push_record(out: &mut Vec<u8>, key: &Key, payload: &[u8]) {
    let len = u32::try_from(payload.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(key);
    out.extend_from_slice(&crc32(payload).to_le_bytes());
    out.extend_from_slice(payload);
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut c = flate2::Crc::new();
    c.update(bytes);
    c.sum()
}

/// Reads a pack and indexes its whole records (a cut-off tail is left out
/// and makes the pack unclean, so the next write rewrites it).
fn load(path: &Path, identity: &Key) -> Pack {
    let Ok(bytes) = std::fs::read(path) else {
        // Absent: the first write creates it.
        return Pack::default();
    };
    let mut header = Vec::with_capacity(HEADER_LEN);
    push_header(&mut header, identity);
    if bytes.len() < HEADER_LEN || bytes[..HEADER_LEN] != header[..] {
        return Pack {
            bytes: Vec::new(),
            index: HashMap::new(),
            clean: false,
        };
    }
    let mut index = HashMap::new();
    let mut pos = HEADER_LEN;
    let mut clean = true;
    while pos < bytes.len() {
        let Some(head) = bytes.get(pos..pos + RECORD_HEAD) else {
            clean = false;
            break;
        };
        let len = u32::from_le_bytes([head[0], head[1], head[2], head[3]]) as usize;
        let start = pos + RECORD_HEAD;
        if bytes.len() - start < len {
            clean = false;
            break;
        }
        let mut key = [0u8; 32];
        key.copy_from_slice(&head[4..36]);
        index.insert(key, (start, len));
        pos = start + len;
    }
    Pack {
        bytes,
        index,
        clean,
    }
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

/// Removes packs not written for [`MAX_AGE`].
fn remove_old(dir: Option<&Path>) {
    let Some(Ok(entries)) = dir.map(std::fs::read_dir) else {
        return;
    };
    let now = SystemTime::now();
    for e in entries.flatten() {
        let name = e.file_name();
        let name = name.to_string_lossy();
        let ours = name.starts_with("syntax-") && name.ends_with(".pack");
        let old = e
            .metadata()
            .and_then(|m| m.modified())
            .is_ok_and(|t| now.duration_since(t).unwrap_or_default() > MAX_AGE);
        if ours && old {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// This binary: its version, and its file's path, size and modification
/// time (a rebuilt binary may lower differently).
pub fn binary_identity() -> &'static str {
    static ID: OnceLock<String> = OnceLock::new();
    ID.get_or_init(|| {
        let exe = std::env::current_exe().ok();
        let meta = exe.as_ref().and_then(|e| std::fs::metadata(e).ok());
        let mtime = meta
            .as_ref()
            .and_then(|m| m.modified().ok())
            .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        format!(
            "{} {} {} {mtime}",
            env!("CARGO_PKG_VERSION"),
            exe.unwrap_or_default().display(),
            meta.map_or(0, |m| m.len()),
        )
    })
}

// ------------------------------------------------------------ the cache in use

thread_local! {
    static CURRENT: RefCell<Option<Arc<SyntaxCache>>> = const { RefCell::new(None) };
}

/// Runs `f` with `cache` as the syntax cache of every [`super::Evaluator`]
/// made on this thread meanwhile.
pub fn with<T>(cache: Option<Arc<SyntaxCache>>, f: impl FnOnce() -> T) -> T {
    struct Restore(Option<Arc<SyntaxCache>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let prev = self.0.take();
            CURRENT.with(|c| *c.borrow_mut() = prev);
        }
    }
    let _restore = Restore(CURRENT.with(|c| c.replace(cache)));
    f()
}

/// The syntax cache [`with`] set on this thread.
pub(crate) fn current() -> Option<Arc<SyntaxCache>> {
    CURRENT.with(|c| c.borrow().clone())
}

// ------------------------------------------------------------ encoding

/// Kinds of expression; a shared node (an `inherit (e) a b;` source) is
/// written once with [`SHARED`] set and then referred to by [`BACKREF`].
mod tag {
    pub const INT: u8 = 0;
    pub const FLOAT: u8 = 1;
    pub const STR: u8 = 2;
    pub const PATH: u8 = 3;
    pub const SEARCH_PATH: u8 = 4;
    pub const URI: u8 = 5;
    pub const VAR: u8 = 6;
    pub const SELECT: u8 = 7;
    pub const HAS_ATTR: u8 = 8;
    pub const ATTRS: u8 = 9;
    pub const LIST: u8 = 10;
    pub const LET: u8 = 11;
    pub const WITH: u8 = 12;
    pub const LAMBDA: u8 = 13;
    pub const APPLY: u8 = 14;
    pub const IF: u8 = 15;
    pub const ASSERT: u8 = 16;
    pub const BINOP: u8 = 17;
    pub const NOT: u8 = 18;
    pub const NEG: u8 = 19;
    pub const CUR_POS: u8 = 20;
    pub const SHARED: u8 = 0x40;
    pub const BACKREF: u8 = 0x7f;
}

/// The compact form of a lowered tree (spans as offsets into its file).
pub fn encode(e: &ExprRef) -> Vec<u8> {
    stacker::maybe_grow(1 << 20, 16 << 20, || {
        let mut w = Writer {
            out: Vec::with_capacity(1024),
            shared: HashMap::new(),
        };
        w.expr(e);
        w.out
    })
}

/// The tree `encode` wrote, its spans in `file`; `None` when the bytes are
/// not such a tree for this file.
pub fn decode(bytes: &[u8], file: &Arc<SourceFile>) -> Option<ExprRef> {
    decode_extent(bytes, file).map(|(e, _)| e)
}

/// [`decode`], with the largest end of any span in the tree.
pub fn decode_extent(bytes: &[u8], file: &Arc<SourceFile>) -> Option<(ExprRef, usize)> {
    stacker::maybe_grow(1 << 20, 16 << 20, || {
        let mut r = Reader {
            bytes,
            pos: 0,
            file,
            shared: Vec::new(),
            max_end: 0,
        };
        let e = r.expr()?;
        (r.pos == bytes.len()).then_some((e, r.max_end))
    })
}

struct Writer {
    out: Vec<u8>,
    shared: HashMap<*const Expr, usize>,
}

impl Writer {
    #[allow(clippy::cast_possible_truncation)]
    fn u(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.out.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.out.push(v as u8);
    }

    fn n(&mut self, v: usize) {
        self.u(v as u64);
    }

    fn str(&mut self, s: &str) {
        self.n(s.len());
        self.out.extend_from_slice(s.as_bytes());
    }

    fn span(&mut self, s: &Span) {
        self.n(s.start);
        self.n(s.end - s.start);
    }

    fn opt_str(&mut self, s: Option<&String>) {
        match s {
            None => self.out.push(0),
            Some(s) => {
                self.out.push(1);
                self.str(s);
            }
        }
    }

    fn opt_expr(&mut self, e: Option<&ExprRef>) {
        match e {
            None => self.out.push(0),
            Some(e) => {
                self.out.push(1);
                self.expr(e);
            }
        }
    }

    #[allow(clippy::cast_sign_loss)]
    fn expr(&mut self, e: &ExprRef) {
        let mut shared = 0;
        if Arc::strong_count(e) > 1 {
            let ptr = Arc::as_ptr(e);
            if let Some(&i) = self.shared.get(&ptr) {
                self.out.push(tag::BACKREF);
                self.n(i);
                return;
            }
            let i = self.shared.len();
            self.shared.insert(ptr, i);
            shared = tag::SHARED;
        }
        let Expr { kind, span } = &**e;
        let at = self.out.len();
        self.out.push(0);
        self.span(span);
        let t = match kind {
            ExprKind::Int(i) => {
                self.u(((i << 1) ^ (i >> 63)) as u64);
                tag::INT
            }
            ExprKind::Float(f) => {
                self.out.extend_from_slice(&f.to_bits().to_le_bytes());
                tag::FLOAT
            }
            ExprKind::Str(parts) => {
                self.parts(parts);
                tag::STR
            }
            ExprKind::Path(kind, parts) => {
                self.out.push(match kind {
                    PathKind::Absolute => 0,
                    PathKind::Relative => 1,
                    PathKind::Home => 2,
                });
                self.parts(parts);
                tag::PATH
            }
            ExprKind::SearchPath(s) => {
                self.str(s);
                tag::SEARCH_PATH
            }
            ExprKind::Uri(s) => {
                self.str(s);
                tag::URI
            }
            ExprKind::Var(s) => {
                self.str(s);
                tag::VAR
            }
            ExprKind::Select {
                expr,
                path,
                default,
            } => {
                self.expr(expr);
                self.attr_path(path);
                self.opt_expr(default.as_ref());
                tag::SELECT
            }
            ExprKind::HasAttr { expr, path } => {
                self.expr(expr);
                self.attr_path(path);
                tag::HAS_ATTR
            }
            ExprKind::Attrs(a) => {
                self.attrs(a);
                tag::ATTRS
            }
            ExprKind::List(items) => {
                self.n(items.len());
                for i in items {
                    self.expr(i);
                }
                tag::LIST
            }
            ExprKind::Let { bindings, body } => {
                self.attrs(bindings);
                self.expr(body);
                tag::LET
            }
            ExprKind::With { namespace, body } => {
                self.expr(namespace);
                self.expr(body);
                tag::WITH
            }
            ExprKind::Lambda(l) => {
                let Lambda { param, body, span } = &**l;
                self.span(span);
                match param {
                    Param::Ident(name) => {
                        self.out.push(0);
                        self.str(name);
                    }
                    Param::Pattern {
                        entries,
                        ellipsis,
                        bind,
                    } => {
                        self.out.push(if *ellipsis { 2 } else { 1 });
                        self.opt_str(bind.as_ref());
                        self.n(entries.len());
                        for PatternEntry {
                            name,
                            default,
                            span,
                        } in entries
                        {
                            self.str(name);
                            self.span(span);
                            self.opt_expr(default.as_ref());
                        }
                    }
                }
                self.expr(body);
                tag::LAMBDA
            }
            ExprKind::Apply { func, arg } => {
                self.expr(func);
                self.expr(arg);
                tag::APPLY
            }
            ExprKind::If {
                cond,
                then,
                otherwise,
            } => {
                self.expr(cond);
                self.expr(then);
                self.expr(otherwise);
                tag::IF
            }
            ExprKind::Assert { cond, body } => {
                self.expr(cond);
                self.expr(body);
                tag::ASSERT
            }
            ExprKind::BinOp { op, lhs, rhs } => {
                self.out.push(binop_code(*op));
                self.expr(lhs);
                self.expr(rhs);
                tag::BINOP
            }
            ExprKind::Not(e) => {
                self.expr(e);
                tag::NOT
            }
            ExprKind::Neg(e) => {
                self.expr(e);
                tag::NEG
            }
            ExprKind::CurPos => tag::CUR_POS,
        };
        self.out[at] = t | shared;
    }

    fn parts(&mut self, parts: &[StrPart]) {
        self.n(parts.len());
        for p in parts {
            match p {
                StrPart::Lit(s) => {
                    self.out.push(0);
                    self.str(s);
                }
                StrPart::Interp(e) => {
                    self.out.push(1);
                    self.expr(e);
                }
            }
        }
    }

    fn attr_path(&mut self, path: &[AttrName]) {
        self.n(path.len());
        for a in path {
            match a {
                AttrName::Static(s) => {
                    self.out.push(0);
                    self.str(s);
                }
                AttrName::Dynamic(e) => {
                    self.out.push(1);
                    self.expr(e);
                }
            }
        }
    }

    fn binding(&mut self, b: &Binding) {
        match b {
            Binding::Inherit => self.out.push(0),
            Binding::Expr(e) => {
                self.out.push(1);
                self.expr(e);
            }
        }
    }

    fn attrs(&mut self, a: &AttrsDef) {
        let AttrsDef {
            rec,
            statics,
            dynamics,
        } = a;
        self.out.push(u8::from(*rec));
        self.n(statics.len());
        for StaticBinding { name, span, value } in statics {
            self.str(name);
            self.span(span);
            self.binding(value);
        }
        self.n(dynamics.len());
        for DynamicBinding { key, span, value } in dynamics {
            self.expr(key);
            self.span(span);
            self.binding(value);
        }
    }
}

const BINOPS: [BinOp; 15] = [
    BinOp::Concat,
    BinOp::Update,
    BinOp::Add,
    BinOp::Sub,
    BinOp::Mul,
    BinOp::Div,
    BinOp::And,
    BinOp::Or,
    BinOp::Implication,
    BinOp::Eq,
    BinOp::NotEq,
    BinOp::Less,
    BinOp::LessEq,
    BinOp::More,
    BinOp::MoreEq,
];

fn binop_code(op: BinOp) -> u8 {
    // Exhaustive, so a new operator cannot be forgotten here.
    match op {
        BinOp::Concat => 0,
        BinOp::Update => 1,
        BinOp::Add => 2,
        BinOp::Sub => 3,
        BinOp::Mul => 4,
        BinOp::Div => 5,
        BinOp::And => 6,
        BinOp::Or => 7,
        BinOp::Implication => 8,
        BinOp::Eq => 9,
        BinOp::NotEq => 10,
        BinOp::Less => 11,
        BinOp::LessEq => 12,
        BinOp::More => 13,
        BinOp::MoreEq => 14,
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    file: &'a Arc<SourceFile>,
    shared: Vec<ExprRef>,
    /// The largest span end read.
    max_end: usize,
}

impl Reader<'_> {
    fn byte(&mut self) -> Option<u8> {
        let b = *self.bytes.get(self.pos)?;
        self.pos += 1;
        Some(b)
    }

    fn u(&mut self) -> Option<u64> {
        let mut v = 0u64;
        let mut shift = 0;
        loop {
            let b = self.byte()?;
            if shift >= 64 {
                return None;
            }
            v |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return Some(v);
            }
            shift += 7;
        }
    }

    fn n(&mut self) -> Option<usize> {
        usize::try_from(self.u()?).ok()
    }

    /// A count of items that each take at least one byte.
    fn count(&mut self) -> Option<usize> {
        let n = self.n()?;
        (n <= self.bytes.len() - self.pos).then_some(n)
    }

    fn str(&mut self) -> Option<String> {
        let len = self.n()?;
        let end = self.pos.checked_add(len)?;
        let s = std::str::from_utf8(self.bytes.get(self.pos..end)?).ok()?;
        self.pos = end;
        Some(s.to_owned())
    }

    fn span(&mut self) -> Option<Span> {
        let start = self.n()?;
        let end = start.checked_add(self.n()?)?;
        self.max_end = self.max_end.max(end);
        (end <= self.file.text.len()).then(|| Span {
            file: Arc::clone(self.file),
            start,
            end,
        })
    }

    fn flag(&mut self) -> Option<bool> {
        match self.byte()? {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        }
    }

    /// `None`: not a tree; `Some(None)`: absent.
    #[allow(clippy::option_option)]
    fn opt_str(&mut self) -> Option<Option<String>> {
        Some(if self.flag()? {
            Some(self.str()?)
        } else {
            None
        })
    }

    #[allow(clippy::option_option)]
    fn opt_expr(&mut self) -> Option<Option<ExprRef>> {
        Some(if self.flag()? {
            Some(self.expr()?)
        } else {
            None
        })
    }

    #[allow(clippy::cast_possible_wrap)]
    fn expr(&mut self) -> Option<ExprRef> {
        let t = self.byte()?;
        if t == tag::BACKREF {
            let i = self.n()?;
            return self.shared.get(i).cloned();
        }
        // A shared node's number is taken before its children's.
        let slot = (t & tag::SHARED != 0).then(|| {
            self.shared.push(Arc::new(Expr {
                kind: ExprKind::CurPos,
                span: Span {
                    file: Arc::clone(self.file),
                    start: 0,
                    end: 0,
                },
            }));
            self.shared.len() - 1
        });
        let span = self.span()?;
        let kind = match t & !tag::SHARED {
            tag::INT => {
                let z = self.u()?;
                ExprKind::Int(((z >> 1) as i64) ^ -((z & 1) as i64))
            }
            tag::FLOAT => {
                let b = self.bytes.get(self.pos..self.pos + 8)?;
                self.pos += 8;
                ExprKind::Float(f64::from_bits(u64::from_le_bytes(b.try_into().ok()?)))
            }
            tag::STR => ExprKind::Str(self.parts()?),
            tag::PATH => {
                let kind = match self.byte()? {
                    0 => PathKind::Absolute,
                    1 => PathKind::Relative,
                    2 => PathKind::Home,
                    _ => return None,
                };
                ExprKind::Path(kind, self.parts()?)
            }
            tag::SEARCH_PATH => ExprKind::SearchPath(self.str()?),
            tag::URI => ExprKind::Uri(self.str()?),
            tag::VAR => ExprKind::Var(self.str()?),
            tag::SELECT => ExprKind::Select {
                expr: self.expr()?,
                path: self.attr_path()?,
                default: self.opt_expr()?,
            },
            tag::HAS_ATTR => ExprKind::HasAttr {
                expr: self.expr()?,
                path: self.attr_path()?,
            },
            tag::ATTRS => ExprKind::Attrs(Arc::new(self.attrs()?)),
            tag::LIST => {
                let n = self.count()?;
                let mut items = Vec::with_capacity(n);
                for _ in 0..n {
                    items.push(self.expr()?);
                }
                ExprKind::List(items)
            }
            tag::LET => ExprKind::Let {
                bindings: Arc::new(self.attrs()?),
                body: self.expr()?,
            },
            tag::WITH => ExprKind::With {
                namespace: self.expr()?,
                body: self.expr()?,
            },
            tag::LAMBDA => {
                let lspan = self.span()?;
                let param = match self.byte()? {
                    0 => Param::Ident(self.str()?),
                    p @ (1 | 2) => {
                        let bind = self.opt_str()?;
                        let n = self.count()?;
                        let mut entries = Vec::with_capacity(n);
                        for _ in 0..n {
                            entries.push(PatternEntry {
                                name: self.str()?,
                                span: self.span()?,
                                default: self.opt_expr()?,
                            });
                        }
                        Param::Pattern {
                            entries,
                            ellipsis: p == 2,
                            bind,
                        }
                    }
                    _ => return None,
                };
                ExprKind::Lambda(Arc::new(Lambda {
                    param,
                    body: self.expr()?,
                    span: lspan,
                }))
            }
            tag::APPLY => ExprKind::Apply {
                func: self.expr()?,
                arg: self.expr()?,
            },
            tag::IF => ExprKind::If {
                cond: self.expr()?,
                then: self.expr()?,
                otherwise: self.expr()?,
            },
            tag::ASSERT => ExprKind::Assert {
                cond: self.expr()?,
                body: self.expr()?,
            },
            tag::BINOP => {
                let op = *BINOPS.get(usize::from(self.byte()?))?;
                ExprKind::BinOp {
                    op,
                    lhs: self.expr()?,
                    rhs: self.expr()?,
                }
            }
            tag::NOT => ExprKind::Not(self.expr()?),
            tag::NEG => ExprKind::Neg(self.expr()?),
            tag::CUR_POS => ExprKind::CurPos,
            _ => return None,
        };
        let e = Arc::new(Expr { kind, span });
        if let Some(i) = slot {
            self.shared[i] = Arc::clone(&e);
        }
        Some(e)
    }

    fn parts(&mut self) -> Option<Vec<StrPart>> {
        let n = self.count()?;
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            out.push(if self.flag()? {
                StrPart::Interp(self.expr()?)
            } else {
                StrPart::Lit(self.str()?)
            });
        }
        Some(out)
    }

    fn attr_path(&mut self) -> Option<Vec<AttrName>> {
        let n = self.count()?;
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            out.push(if self.flag()? {
                AttrName::Dynamic(self.expr()?)
            } else {
                AttrName::Static(self.str()?)
            });
        }
        Some(out)
    }

    fn binding(&mut self) -> Option<Binding> {
        Some(if self.flag()? {
            Binding::Expr(self.expr()?)
        } else {
            Binding::Inherit
        })
    }

    fn attrs(&mut self) -> Option<AttrsDef> {
        let rec = self.flag()?;
        let n = self.count()?;
        let mut statics = Vec::with_capacity(n);
        for _ in 0..n {
            statics.push(StaticBinding {
                name: self.str()?,
                span: self.span()?,
                value: self.binding()?,
            });
        }
        let n = self.count()?;
        let mut dynamics = Vec::with_capacity(n);
        for _ in 0..n {
            dynamics.push(DynamicBinding {
                key: self.expr()?,
                span: self.span()?,
                value: self.binding()?,
            });
        }
        Some(AttrsDef {
            rec,
            statics,
            dynamics,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(name: &str, text: &str) -> Arc<SourceFile> {
        Arc::new(SourceFile {
            name: name.to_owned(),
            path: PathBuf::from(name),
            text: text.to_owned(),
        })
    }

    /// Every `.nix` file of the repository that parses.
    fn nix_files() -> Vec<PathBuf> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut out = Vec::new();
        for dir in ["src", "tests/data", "nix", "templates", "examples"] {
            for e in walkdir::WalkDir::new(root.join(dir)).into_iter().flatten() {
                if e.path().extension().is_some_and(|x| x == "nix") {
                    out.push(e.path().to_path_buf());
                }
            }
        }
        out
    }

    /// A tree decodes to what was encoded: re-encoding gives the same bytes
    /// (every field is written: the writer destructures exhaustively), and
    /// on a file with every construct the trees print the same.
    #[test]
    fn every_tree_decodes_to_itself() {
        let mut n = 0;
        for p in nix_files() {
            // (Some fixtures are not UTF-8 on purpose.)
            let Ok(text) = std::fs::read_to_string(&p) else {
                continue;
            };
            let file = source(&p.display().to_string(), &text);
            let Ok(tree) = super::super::syntax::parse(&file) else {
                continue;
            };
            let bytes = encode(&tree);
            let back = decode(&bytes, &file).unwrap_or_else(|| panic!("{}", p.display()));
            assert_eq!(encode(&back), bytes, "{}", p.display());
            n += 1;
        }
        assert!(n > 100, "only {n} files");

        let text = r#"let a = 1; inherit (b) c d; e.f.g = -2; h = 1.5e3; in
          rec { x = ./p/${a}.nix; y = /abs; z = ~/h; s = <nixpkgs>; u = http://x.y/z;
            l = [ (x: x) ({ p ? 1, q, ... }@args: p) (w: w.a.${"b"} or null) ];
            o = [ (a ? b) (b && !c || d -> e) (e == f) (f != g) (g < h) (h <= i) (i > j)
              (j >= k) (k ++ l // m + n - o * p / q) ];
            w = with a; assert b; if c then -d else __curPos;
            t = ''
              indented ''${x} ${y}
            ''; inherit c; ${d} = 2; "k${i}" = 3; }"#;
        let file = source("all.nix", text);
        let tree = super::super::syntax::parse(&file).unwrap();
        let back = decode(&encode(&tree), &file).unwrap();
        assert_eq!(format!("{back:?}"), format!("{tree:?}"));
    }

    /// `inherit (e) a b;` shares `e`: the decoded tree shares it too.
    #[test]
    fn a_shared_node_stays_shared() {
        let file = source("s.nix", "{ inherit (import ./x.nix) a b; }");
        let tree = super::super::syntax::parse(&file).unwrap();
        let back = decode(&encode(&tree), &file).unwrap();
        let ExprKind::Attrs(attrs) = &back.kind else {
            panic!("{back:?}")
        };
        let from = |i: usize| match &attrs.statics[i].value {
            Binding::Expr(e) => match &e.kind {
                ExprKind::Select { expr, .. } => Arc::clone(expr),
                other => panic!("{other:?}"),
            },
            Binding::Inherit => panic!("inherit"),
        };
        assert!(Arc::ptr_eq(&from(0), &from(1)));
    }

    /// Damaged bytes never decode to a tree (and never panic).
    #[test]
    fn damaged_bytes_are_refused() {
        let file = source("d.nix", "{ a = [ 1 \"two\" ./three ]; b = x: x.y or 4; }");
        let bytes = encode(&super::super::syntax::parse(&file).unwrap());
        for cut in 0..bytes.len() {
            assert!(decode(&bytes[..cut], &file).is_none(), "cut at {cut}");
        }
        // A span beyond the file.
        let short = source("d.nix", "{ }");
        assert!(decode(&bytes, &short).is_none());
        for i in 0..bytes.len() {
            let mut b = bytes.clone();
            b[i] = 0xff;
            let _ = decode(&b, &file);
        }
    }

    /// Trees of another build (or format) are never used; the pack is
    /// rewritten for this one.
    #[test]
    fn another_build_finds_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let file = source("f.nix", "{ a = 1; }");
        let digest = super::super::inputs::digest(file.text.as_bytes());
        let old = SyntaxCache::with_identity(dir.path(), Path::new("/flake"), "h", "build 1");
        old.parse(&digest, &file).unwrap();
        old.flush();
        let again = SyntaxCache::with_identity(dir.path(), Path::new("/flake"), "h", "build 1");
        again.parse(&digest, &file).unwrap();
        assert_eq!(again.stats(), (1, 0));
        let new = SyntaxCache::with_identity(dir.path(), Path::new("/flake"), "h", "build 2");
        new.parse(&digest, &file).unwrap();
        assert_eq!(new.stats(), (0, 1));
        new.flush();
        let old = SyntaxCache::with_identity(dir.path(), Path::new("/flake"), "h", "build 1");
        old.parse(&digest, &file).unwrap();
        assert_eq!(old.stats(), (0, 1));
        let new = SyntaxCache::with_identity(dir.path(), Path::new("/flake"), "h", "build 2");
        new.parse(&digest, &file).unwrap();
        assert_eq!(new.stats(), (1, 0));
    }

    /// Another file with the same contents gets the tree with its own spans.
    #[test]
    fn equal_contents_share_a_tree_with_their_own_file() {
        let dir = tempfile::tempdir().unwrap();
        let a = source("a.nix", "{ x = y; }");
        let b = source("b.nix", "{ x = y; }");
        let digest = super::super::inputs::digest(a.text.as_bytes());
        let c = SyntaxCache::with_identity(dir.path(), Path::new("/f"), "h", "t");
        c.parse(&digest, &a).unwrap();
        c.flush();
        let c = SyntaxCache::with_identity(dir.path(), Path::new("/f"), "h", "t");
        let e = c.parse(&digest, &b).unwrap();
        assert_eq!(c.stats(), (1, 0));
        assert_eq!(e.span.file.name, "b.nix");
    }

    /// A file that does not parse is not kept: its errors come from a parse.
    #[test]
    fn parse_errors_are_not_kept() {
        let dir = tempfile::tempdir().unwrap();
        let f = source("e.nix", "{ a = ; }");
        let digest = super::super::inputs::digest(f.text.as_bytes());
        let c = SyntaxCache::with_identity(dir.path(), Path::new("/f"), "h", "t");
        assert!(c.parse(&digest, &f).is_err());
        c.flush();
        let c = SyntaxCache::with_identity(dir.path(), Path::new("/f"), "h", "t");
        assert!(c.parse(&digest, &f).is_err());
        assert_eq!(c.stats(), (0, 1));
    }
}
