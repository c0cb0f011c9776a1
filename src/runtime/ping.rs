//! Dead-man's-switch pings, healthchecks.io's protocol (which most such
//! services accept): `POST <url>/start` before a run, `POST <url>` after a
//! success, `POST <url>/fail` after a failure, the body a short summary or
//! the error. The URL is read at run time from `monitoring.pingUrlFile` (it
//! holds a token) and never printed. A ping that fails is logged and never
//! fails the run: each attempt is bounded by a timeout, and there are few.

use std::fmt::Write as _;
use std::time::Duration;

use super::state::RunRecord;

/// Attempts per ping, and the time each may take.
const ATTEMPTS: u32 = 3;
const TIMEOUT: Duration = Duration::from_secs(10);
/// healthchecks.io keeps the first 100 kB of a body; ours stay well below.
const MAX_BODY: usize = 10_000;

/// Pings of one run (`what` names it in log lines, e.g. `backup of app`).
pub struct Pinger {
    url: Option<String>,
    what: String,
}

impl Pinger {
    /// No pings when `file` is `None`. An unreadable or empty file is logged
    /// and disables the pings of this run (the run itself goes on).
    pub fn from_file(file: Option<&str>, what: &str) -> Self {
        let url = file.and_then(|f| match std::fs::read_to_string(f) {
            Ok(text) => match text.lines().next().map(str::trim) {
                Some(u) if !u.is_empty() => Some(u.trim_end_matches('/').to_owned()),
                _ => {
                    eprintln!(
                        "atelier-backup: ping URL file {f} is empty; no pings for the {what}"
                    );
                    None
                }
            },
            Err(e) => {
                eprintln!(
                    "atelier-backup: cannot read the ping URL file {f}: {e}; no pings for the {what}"
                );
                None
            }
        });
        Self {
            url,
            what: what.to_owned(),
        }
    }

    pub fn start(&self) {
        self.send("/start", "start", &format!("{} started", self.what));
    }

    pub fn success(&self, summary: &str) {
        self.send("", "success", summary);
    }

    pub fn fail(&self, error: &str) {
        self.send("/fail", "failure", error);
    }

    /// Success or failure from a result.
    pub fn finish(&self, result: Result<&str, &str>) {
        match result {
            Ok(summary) => self.success(summary),
            Err(error) => self.fail(error),
        }
    }

    /// One ping for a run over several subjects (repositories, services):
    /// success when none failed, else the failures as the body.
    pub fn finish_all(&self, outcomes: &[(String, Option<String>)]) {
        let failures: Vec<String> = outcomes
            .iter()
            .filter_map(|(subject, err)| err.as_ref().map(|e| format!("{subject}: {e}")))
            .collect();
        if failures.is_empty() {
            let subjects: Vec<&str> = outcomes.iter().map(|(s, _)| s.as_str()).collect();
            self.success(&format!("{} succeeded: {}", self.what, subjects.join(", ")));
        } else {
            self.fail(&failures.join("\n"));
        }
    }

    fn send(&self, suffix: &str, kind: &str, body: &str) {
        let Some(url) = &self.url else { return };
        let body = truncate(body);
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(TIMEOUT))
            .build()
            .into();
        let target = format!("{url}{suffix}");
        let mut last = String::new();
        for attempt in 1..=ATTEMPTS {
            match agent.post(&target).send(body.as_str()) {
                Ok(_) => return,
                // The URL holds a token: never in a log line.
                Err(e) => last = e.to_string().replace(url.as_str(), "<ping URL>"),
            }
            if attempt < ATTEMPTS {
                std::thread::sleep(Duration::from_millis(500 * u64::from(attempt)));
            }
        }
        eprintln!(
            "atelier-backup: the {kind} ping of the {} failed after {ATTEMPTS} attempts ({last}); the run itself is not affected",
            self.what
        );
    }
}

/// The body of a backup's success ping: per repository the snapshot and
/// what it added.
pub fn backup_summary(r: &RunRecord) -> String {
    let mut out = format!(
        "backup of {} on {}: success in {:.1} s",
        r.service, r.host, r.duration_seconds
    );
    for (repo, res) in &r.repositories {
        let _ = write!(
            out,
            "\n{repo}: snapshot {}, {} bytes added, {} files ({} new, {} changed)",
            res.snapshot_id.as_deref().unwrap_or("-"),
            res.bytes_added,
            res.total_files,
            res.files_new,
            res.files_changed
        );
    }
    out
}

fn truncate(body: &str) -> String {
    if body.len() <= MAX_BODY {
        return body.to_owned();
    }
    let mut end = MAX_BODY;
    while !body.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &body[..end])
}

#[cfg(test)]
mod tests {
    #[test]
    fn long_bodies_are_cut_on_a_character_boundary() {
        let long = "é".repeat(super::MAX_BODY);
        let cut = super::truncate(&long);
        assert!(cut.len() <= super::MAX_BODY + "…".len());
        assert!(cut.ends_with('…'));
    }
}
