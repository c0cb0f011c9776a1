//! Progress bars drawn from restic's JSON status lines (only on a terminal
//! and without `--no-progress`; the caller decides).

use indicatif::{ProgressBar, ProgressStyle};

use super::restic::BackupStatus;

/// A byte progress bar on stderr, or nothing.
pub struct Bar(Option<ProgressBar>);

impl Bar {
    pub fn new(enabled: bool, label: &str) -> Self {
        if !enabled {
            return Self(None);
        }
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template(
                "{prefix} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
            )
            .expect("valid template")
            .progress_chars("=> "),
        );
        bar.set_prefix(label.to_owned());
        Self(Some(bar))
    }

    pub fn update(&self, s: &BackupStatus) {
        if let Some(b) = &self.0 {
            b.set_length(s.total_bytes.max(s.bytes_done));
            b.set_position(s.bytes_done);
        }
    }

    pub fn finish(&self) {
        if let Some(b) = &self.0 {
            b.finish_and_clear();
        }
    }
}
