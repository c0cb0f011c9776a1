//! Reading and parsing files in the background while the evaluator works.
//!
//! A batch is a list of canonical paths (the literal entries of a module
//! list, in the order the walk will import them). Worker threads claim files
//! from the front of the batch and parse them; when the evaluator needs a
//! file, it takes the result if it is there, parses the file itself if no
//! worker has claimed it yet, and otherwise helps with the next unclaimed
//! file until the one it waits for is done. So every core is busy, the
//! evaluator never waits while there is parsing left to do, and results are
//! the same as parsing on demand (a parse error is reported when, and only
//! when, the file is imported).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock};

/// Stack of a parsing thread: enough that `syntax::parse` never needs to
/// grow it (only touched pages are ever allocated).
const PARSE_THREAD_STACK: usize = 256 * 1024 * 1024;

/// What a worker does with one file (read and parse it).
type Parse<T> = Box<dyn Fn(&Path, &Path) -> T + Send + Sync>;

struct Shared<T> {
    root: PathBuf,
    files: Vec<PathBuf>,
    parse: Parse<T>,
    /// Whether someone (a worker or the evaluator) has taken file i.
    claimed: Vec<AtomicBool>,
    /// Where claiming in order resumes.
    cursor: AtomicUsize,
    /// `None`: the worker parsing it panicked; the evaluator parses it again
    /// itself (and meets the same panic where it would have without us).
    results: Vec<OnceLock<Option<T>>>,
    /// Set when the evaluator is gone: workers stop after their file.
    cancelled: AtomicBool,
    /// How many threads wait in `take` (results are only signalled then:
    /// locking and waking on every result cost a system call each).
    waiting: AtomicUsize,
    /// Signalled after a result when someone waits.
    done: Mutex<()>,
    signal: Condvar,
}

impl<T> Shared<T> {
    /// Claims the next unclaimed file in order.
    fn claim_next(&self) -> Option<usize> {
        loop {
            let i = self.cursor.fetch_add(1, Ordering::Relaxed);
            if i >= self.files.len() {
                return None;
            }
            if !self.claimed[i].swap(true, Ordering::AcqRel) {
                return Some(i);
            }
        }
    }

    fn run(&self, i: usize) {
        let r = (self.parse)(&self.root, &self.files[i]);
        self.publish(i, Some(r));
    }

    /// `run` on a worker thread: a panic is handed back, not lost.
    fn run_caught(&self, i: usize) {
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            (self.parse)(&self.root, &self.files[i])
        }));
        self.publish(i, r.ok());
    }

    fn publish(&self, i: usize, r: Option<T>) {
        let _ = self.results[i].set(r);
        // Pairs with the count in `take`: either the waiter sees this result
        // before it sleeps, or this sees the waiter and wakes it.
        std::sync::atomic::fence(Ordering::SeqCst);
        if self.waiting.load(Ordering::SeqCst) > 0 {
            let _guard = self
                .done
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            self.signal.notify_all();
        }
    }
}

/// A batch being parsed; dropping it stops the workers after their current
/// file.
pub(crate) struct Batch<T>(Arc<Shared<T>>);

impl<T> Drop for Batch<T> {
    fn drop(&mut self) {
        self.0.cancelled.store(true, Ordering::Relaxed);
    }
}

impl<T: Clone + Send + Sync + 'static> Batch<T> {
    /// Starts `workers` threads parsing `files` (canonical paths) with
    /// `parse`. Fewer threads start if the system refuses some; with none,
    /// the evaluator parses everything itself through [`Batch::take`].
    pub(crate) fn start(
        root: &Path,
        files: Vec<PathBuf>,
        workers: usize,
        parse: impl Fn(&Path, &Path) -> T + Send + Sync + 'static,
    ) -> Self {
        let n = files.len();
        let shared = Arc::new(Shared {
            root: root.to_path_buf(),
            files,
            parse: Box::new(parse),
            claimed: (0..n).map(|_| AtomicBool::new(false)).collect(),
            cursor: AtomicUsize::new(0),
            results: (0..n).map(|_| OnceLock::new()).collect(),
            cancelled: AtomicBool::new(false),
            waiting: AtomicUsize::new(0),
            done: Mutex::new(()),
            signal: Condvar::new(),
        });
        for _ in 0..workers {
            let s = Arc::clone(&shared);
            let spawned = std::thread::Builder::new()
                .name("nix-parse".into())
                .stack_size(PARSE_THREAD_STACK)
                .spawn(move || {
                    while !s.cancelled.load(Ordering::Relaxed) {
                        match s.claim_next() {
                            Some(i) => s.run_caught(i),
                            None => break,
                        }
                    }
                });
            if spawned.is_err() {
                break;
            }
        }
        Batch(shared)
    }

    pub(crate) fn files(&self) -> &[PathBuf] {
        &self.0.files
    }

    /// The parse of file `i`: parsed here if nobody has started it, else
    /// waited for while helping with the rest of the batch.
    pub(crate) fn take(&self, i: usize) -> T {
        let s = &self.0;
        if !s.claimed[i].swap(true, Ordering::AcqRel) {
            s.run(i);
        }
        loop {
            match s.results[i].get() {
                Some(Some(r)) => return r.clone(),
                Some(None) => return (s.parse)(&s.root, &s.files[i]),
                None => {}
            }
            if let Some(j) = s.claim_next() {
                s.run(j);
                continue;
            }
            s.waiting.fetch_add(1, Ordering::SeqCst);
            std::sync::atomic::fence(Ordering::SeqCst);
            let guard = s
                .done
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if s.results[i].get().is_none() {
                // Re-checked under the lock that `publish` signals under,
                // after counting ourselves in: the wake-up cannot be missed.
                drop(
                    s.signal
                        .wait(guard)
                        .unwrap_or_else(std::sync::PoisonError::into_inner),
                );
            } else {
                drop(guard);
            }
            s.waiting.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::SourceFile;
    use crate::nix::eval::EvalResult;
    use crate::nix::syntax::ExprRef;

    /// Parses the file's name as the expression (no I/O).
    fn parse_name(_root: &Path, p: &Path) -> EvalResult<ExprRef> {
        let text = p.file_name().unwrap().to_string_lossy().replace('_', " ");
        let file = Arc::new(SourceFile {
            name: text.clone(),
            path: p.to_path_buf(),
            text,
        });
        crate::nix::syntax::parse(&file)
    }

    static PARSED: AtomicUsize = AtomicUsize::new(0);

    fn parse_counted(root: &Path, p: &Path) -> EvalResult<ExprRef> {
        PARSED.fetch_add(1, Ordering::SeqCst);
        parse_name(root, p)
    }

    /// Panics on a worker; parses on the evaluator's thread.
    fn panic_on_worker(root: &Path, p: &Path) -> EvalResult<ExprRef> {
        assert_ne!(
            std::thread::current().name(),
            Some("nix-parse"),
            "worker failure (expected by the test)"
        );
        parse_name(root, p)
    }

    fn files(n: usize) -> Vec<PathBuf> {
        (0..n)
            .map(|i| PathBuf::from(format!("/f/{{_x_=_{i};_}}")))
            .collect()
    }

    fn text_of(r: &EvalResult<ExprRef>) -> String {
        let e = r.as_ref().expect("parses");
        e.span.file.text.clone()
    }

    #[test]
    fn every_file_is_parsed_once_in_any_order_of_taking() {
        for workers in [0, 1, 3] {
            PARSED.store(0, Ordering::SeqCst);
            let fs = files(40);
            let batch = Batch::start(Path::new("/"), fs.clone(), workers, parse_counted);
            // Taken backwards: the evaluator helps with the front meanwhile.
            for i in (0..fs.len()).rev() {
                assert_eq!(text_of(&batch.take(i)), format!("{{ x = {i}; }}"));
            }
            // Taking again gives the same result (errors included).
            assert_eq!(text_of(&batch.take(7)), "{ x = 7; }");
            assert_eq!(PARSED.load(Ordering::SeqCst), 40, "{workers} workers");
        }
    }

    #[test]
    fn a_parse_error_waits_for_its_file() {
        let mut fs = files(10);
        fs[4] = PathBuf::from("/f/{_x_=_;_}");
        let batch = Batch::start(Path::new("/"), fs, 1, parse_name);
        assert!(batch.take(3).is_ok());
        let err = batch.take(4).expect_err("file 4 does not parse");
        assert_eq!(err[0].code, "parse-error");
        assert!(batch.take(5).is_ok());
    }

    #[test]
    fn a_panicking_worker_hands_its_file_back() {
        let fs = files(12);
        let batch = Batch::start(Path::new("/"), fs.clone(), 2, panic_on_worker);
        for i in 0..fs.len() {
            assert_eq!(text_of(&batch.take(i)), format!("{{ x = {i}; }}"));
        }
    }
}
