//! restic's failures: the classified [`ResticError`] (from stderr and the
//! exit code, JSON error lines of newer restic turned into text), the hint
//! for each kind, and a failed backup with its partial summary.

use serde::Serialize;

use super::json::BackupSummary;
use super::Restic;

/// What kind of failure restic reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorKind {
    WrongPassword,
    NoRepository,
    Locked,
    Network,
    /// Exit 3: the snapshot was written but some source files were not read.
    SomeFilesUnreadable,
    /// The restic program itself could not be started.
    NotInstalled,
    /// Bad repository settings in the manifest (missing files, …).
    Config,
    /// restic did not finish within the repository's `timeout` and was stopped.
    Timeout,
    Other,
}

/// A restic failure: what was being done, to which repository, and the
/// stderr line that explains it, plus what to do.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{action} (repository `{repository}`): {detail}{}\n  hint: {hint}", exit_note(*.exit_code))]
pub struct ResticError {
    pub kind: ErrorKind,
    pub action: String,
    pub repository: String,
    pub exit_code: Option<i32>,
    /// The stderr line that explains the failure (secrets redacted).
    pub detail: String,
    pub hint: String,
    /// All of restic's stderr, secrets redacted (for logs and state records).
    pub stderr: String,
}

fn exit_note(code: Option<i32>) -> String {
    code.map(|c| format!(" (restic exit {c})"))
        .unwrap_or_default()
}

/// A failed `backup`: the error, and the summary restic printed if it wrote
/// a (partial) snapshot anyway (exit 3).
#[derive(Debug)]
pub struct BackupFailure {
    pub error: ResticError,
    pub partial: Option<BackupSummary>,
}

impl BackupFailure {
    pub(super) fn plain(error: ResticError) -> Self {
        Self {
            error,
            partial: None,
        }
    }
}

pub(super) fn config_error(repo: &str, action: &str, detail: String, hint: &str) -> ResticError {
    ResticError {
        kind: ErrorKind::Config,
        action: action.to_owned(),
        repository: repo.to_owned(),
        exit_code: None,
        detail,
        hint: hint.to_owned(),
        stderr: String::new(),
    }
}

/// restic ≥ 0.17 prints errors as JSON lines on stderr under `--json`
/// (`{"message_type":"exit_error","code":1,"message":"Fatal: …"}`, and
/// `{"message_type":"error","error":{"message":…},"item":…}`): they become
/// their text, so messages read the same with every version.
pub fn stderr_text(stderr: &str) -> String {
    let mut out = String::with_capacity(stderr.len());
    for line in stderr.lines() {
        let text = line
            .trim()
            .starts_with('{')
            .then(|| serde_json::from_str::<serde_json::Value>(line.trim()).ok())
            .flatten()
            .and_then(|v| {
                let kind = v.get("message_type")?.as_str()?.to_owned();
                let message = v
                    .get("message")
                    .and_then(|m| m.as_str())
                    .or_else(|| v.pointer("/error/message").and_then(|m| m.as_str()))
                    .map(str::to_owned);
                match (kind.as_str(), message) {
                    ("error", m) => {
                        let item = v.get("item").and_then(|i| i.as_str()).unwrap_or("");
                        let during = v.get("during").and_then(|i| i.as_str()).unwrap_or("");
                        Some(format!(
                            "error: {during} {item}: {}",
                            m.unwrap_or_else(|| "(no message)".into())
                        ))
                    }
                    (_, Some(m)) => Some(m),
                    _ => None,
                }
            });
        match text {
            Some(t) => out.push_str(&t),
            None => out.push_str(line),
        }
        out.push('\n');
    }
    out
}

/// Classifies restic's stderr and exit code; returns the kind and the line
/// that explains it.
pub fn classify(exit_code: Option<i32>, stderr: &str) -> (ErrorKind, Option<String>) {
    const PATTERNS: &[(&str, ErrorKind)] = &[
        ("wrong password or no key found", ErrorKind::WrongPassword),
        (
            "is there a repository at the following location",
            ErrorKind::NoRepository,
        ),
        ("repository does not exist", ErrorKind::NoRepository),
        ("unable to open config file", ErrorKind::NoRepository),
        ("repository is already locked", ErrorKind::Locked),
        ("unable to create lock", ErrorKind::Locked),
        ("connection refused", ErrorKind::Network),
        ("no such host", ErrorKind::Network),
        ("network is unreachable", ErrorKind::Network),
        ("i/o timeout", ErrorKind::Network),
        ("connection reset", ErrorKind::Network),
        ("tls handshake", ErrorKind::Network),
        ("dial tcp", ErrorKind::Network),
        ("temporary failure in name resolution", ErrorKind::Network),
    ];
    let lines: Vec<&str> = stderr
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    for (pat, kind) in PATTERNS {
        if let Some(line) = lines.iter().find(|l| l.to_ascii_lowercase().contains(pat)) {
            return (*kind, Some(explaining_line(&lines, line)));
        }
    }
    let kind = match exit_code {
        Some(3) => ErrorKind::SomeFilesUnreadable,
        Some(10) => ErrorKind::NoRepository,
        Some(11) => ErrorKind::Locked,
        Some(12) => ErrorKind::WrongPassword,
        _ => ErrorKind::Other,
    };
    let line = lines
        .iter()
        .rev()
        .find(|l| l.starts_with("Fatal:"))
        .or_else(|| {
            lines
                .iter()
                .rev()
                .find(|l| l.to_ascii_lowercase().contains("error"))
        })
        .or_else(|| lines.last())
        .map(|l| (*l).to_owned());
    (kind, line)
}

/// The `Fatal:` line is usually the one that explains; fall back to the
/// line that matched.
fn explaining_line(lines: &[&str], matched: &str) -> String {
    if matched.starts_with("Fatal:") {
        return matched.to_owned();
    }
    lines
        .iter()
        .find(|l| l.starts_with("Fatal:"))
        .map_or_else(|| matched.to_owned(), |f| format!("{f} ({matched})"))
}

impl Restic {
    pub(super) fn timeout_error(&self, action: &str, stderr: &[u8]) -> ResticError {
        let stderr = self.redact(&stderr_text(&String::from_utf8_lossy(stderr)));
        // What it was retrying says why (restic ≥ 0.17 retries a refused
        // connection for minutes); what it printed when stopped does not.
        let lines: Vec<&str> = stderr.lines().map(str::trim).collect();
        let last = lines
            .iter()
            .rev()
            .find(|l| l.contains("retrying") || l.contains("dial tcp"))
            .or_else(|| {
                lines.iter().rev().find(|l| {
                    !l.is_empty()
                        && !l.contains("signal terminated")
                        && !l.contains("context canceled")
                })
            })
            .map(|l| format!("; its last message: {l}"))
            .unwrap_or_default();
        ResticError {
            kind: ErrorKind::Timeout,
            action: action.to_owned(),
            repository: self.name.clone(),
            exit_code: None,
            detail: format!(
                "restic did not finish within {} and was stopped{last}",
                humantime::format_duration(self.timeout)
            ),
            hint: self.hint(ErrorKind::Timeout),
            stderr,
        }
    }

    pub(super) fn spawn_error(&self, action: &str, e: &std::io::Error) -> ResticError {
        let (kind, hint) = if e.kind() == std::io::ErrorKind::NotFound {
            (
                ErrorKind::NotInstalled,
                "install restic or set ATELIER_RESTIC to its path".to_owned(),
            )
        } else {
            (ErrorKind::Other, "check ATELIER_RESTIC".to_owned())
        };
        ResticError {
            kind,
            action: action.to_owned(),
            repository: self.name.clone(),
            exit_code: None,
            detail: format!("cannot run `{}`: {e}", self.program),
            hint,
            stderr: String::new(),
        }
    }

    /// Builds a classified error from restic's stderr. `detail` overrides
    /// the explaining line.
    pub(super) fn error(
        &self,
        fallback: ErrorKind,
        action: &str,
        exit_code: Option<i32>,
        stderr: &str,
        detail: Option<String>,
    ) -> ResticError {
        let stderr = self.redact(&stderr_text(stderr));
        let (mut kind, line) = classify(exit_code, &stderr);
        if kind == ErrorKind::Other {
            kind = fallback;
        }
        let detail = detail.unwrap_or_else(|| {
            line.unwrap_or_else(|| match exit_code {
                Some(c) => format!("restic failed with exit code {c} and no message"),
                None => "restic was killed by a signal".into(),
            })
        });
        ResticError {
            kind,
            action: action.to_owned(),
            repository: self.name.clone(),
            exit_code,
            detail: self.redact(&detail),
            hint: self.hint(kind),
            stderr,
        }
    }

    fn hint(&self, kind: ErrorKind) -> String {
        let n = &self.name;
        match kind {
            ErrorKind::WrongPassword => format!(
                "the password in `passwordFile` ({}) does not open repository `{n}`; check that the secret is the repository's password",
                self.repo.password_file.as_deref().unwrap_or("unset")
            ),
            ErrorKind::NoRepository => format!(
                "repository `{n}` does not exist or is not reachable at that location; create it with `atelier-backup restic --repository {n} -- init` or set `initialize = true` for it"
            ),
            ErrorKind::Locked => format!(
                "another restic process holds a lock on `{n}`; wait for it, or if none is running remove stale locks with `atelier-backup restic --repository {n} -- unlock`"
            ),
            ErrorKind::Network => format!(
                "the server of repository `{n}` is not reachable; check the network, the URL and the credentials in `environmentFile`"
            ),
            ErrorKind::SomeFilesUnreadable => "make every path readable (or exclude it) and run the backup again".into(),
            ErrorKind::NotInstalled => "install restic or set ATELIER_RESTIC to its path".into(),
            ErrorKind::Config => "fix the repository settings in the manifest".into(),
            ErrorKind::Timeout => format!(
                "the repository `{n}` did not answer in time (unreachable server, or a stale lock restic waits for); check it with `atelier-backup restic --repository {n} -- snapshots`; the bound is the repository's `timeout` (or ATELIER_RESTIC_TIMEOUT)"
            ),
            ErrorKind::Other => format!(
                "run `atelier-backup restic --repository {n} -- snapshots` to see restic's full output"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_restic_014_messages() {
        let (k, l) = classify(
            Some(1),
            "Fatal: unable to open config file: Stat: stat /x/config: no such file or directory\nIs there a repository at the following location?\n/x\n",
        );
        assert_eq!(k, ErrorKind::NoRepository);
        assert!(l.unwrap().starts_with("Fatal: unable to open config file"));
        let (k, _) = classify(Some(1), "Fatal: wrong password or no key found\n");
        assert_eq!(k, ErrorKind::WrongPassword);
        let (k, _) = classify(
            Some(1),
            "unable to create lock in backend: repository is already locked by PID 1\n",
        );
        assert_eq!(k, ErrorKind::Locked);
        let (k, _) = classify(Some(1), "Fatal: create repository at rest:http://127.0.0.1:1/ failed: Post \"http://127.0.0.1:1/?create=true\": dial tcp 127.0.0.1:1: connect: connection refused\n");
        assert_eq!(k, ErrorKind::Network);
        assert_eq!(classify(Some(12), "").0, ErrorKind::WrongPassword);
    }

    #[test]
    fn json_errors_of_newer_restic_become_text() {
        let text = stderr_text(
            "{\"message_type\":\"exit_error\",\"code\":1,\"message\":\"Fatal: unable to open config file: x\\nIs there a repository at the following location?\\nrest:http://u:***@h/\"}\nplain line\n",
        );
        assert_eq!(
            text,
            "Fatal: unable to open config file: x\nIs there a repository at the following location?\nrest:http://u:***@h/\nplain line\n"
        );
        assert_eq!(classify(Some(1), &text).0, ErrorKind::NoRepository);
        let text = stderr_text(
            "{\"message_type\":\"error\",\"error\":{\"message\":\"permission denied\"},\"during\":\"archival\",\"item\":\"/x\"}",
        );
        assert_eq!(text, "error: archival /x: permission denied\n");
    }
}
