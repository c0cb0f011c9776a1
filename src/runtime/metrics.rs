//! Prometheus text-format metrics for the node exporter's textfile
//! collector: one file per operation and subject under
//! `ATELIER_STATE_DIR/metrics/` (`backup-<service>.prom`,
//! `check-<repository>.prom`, `prune-<repository>.prom`), each replaced
//! atomically so the collector never reads half a file.

use std::fmt::Write as _;
use std::path::Path;

use super::state::{write_atomic, Outcome, RunRecord};

/// One metric sample.
pub struct Sample<'a> {
    pub name: &'a str,
    pub help: &'a str,
    pub labels: Vec<(&'a str, String)>,
    pub value: f64,
}

/// Renders samples in the text exposition format (HELP/TYPE once per name).
pub fn render(samples: &[Sample<'_>]) -> String {
    let mut out = String::new();
    let mut seen: Vec<&str> = Vec::new();
    for s in samples {
        if !seen.contains(&s.name) {
            seen.push(s.name);
            let _ = writeln!(out, "# HELP {} {}", s.name, s.help);
            let _ = writeln!(out, "# TYPE {} gauge", s.name);
        }
        let labels = s
            .labels
            .iter()
            .map(|(k, v)| format!("{k}=\"{}\"", escape(v)))
            .collect::<Vec<_>>()
            .join(",");
        if labels.is_empty() {
            let _ = writeln!(out, "{} {}", s.name, s.value);
        } else {
            let _ = writeln!(out, "{}{{{labels}}} {}", s.name, s.value);
        }
    }
    out
}

fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Writes `samples` to `state_dir/metrics/<file>.prom` atomically.
pub fn write(state_dir: &Path, file: &str, samples: &[Sample<'_>]) -> anyhow::Result<()> {
    write_atomic(
        &state_dir.join("metrics").join(format!("{file}.prom")),
        render(samples).as_bytes(),
    )
}

/// `atelier_backup_last_success_timestamp_seconds` after run `r`: its end
/// when it succeeded; otherwise the value the previous metrics file holds,
/// else the newest successful run record; 0 when there never was one.
pub fn last_backup_success(state_dir: &Path, r: &RunRecord) -> f64 {
    const NAME: &str = "atelier_backup_last_success_timestamp_seconds";
    if r.result == Outcome::Success {
        return seconds(&r.finished);
    }
    let previous = std::fs::read_to_string(
        state_dir
            .join("metrics")
            .join(format!("backup-{}.prom", r.service)),
    )
    .ok()
    .and_then(|text| {
        text.lines()
            .find(|l| l.starts_with(&format!("{NAME}{{")))
            .and_then(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
    });
    previous.unwrap_or_else(|| {
        RunRecord::history(state_dir, &r.service)
            .iter()
            .filter(|h| h.result == Outcome::Success)
            .map(|h| seconds(&h.finished))
            .fold(0.0, f64::max)
    })
}

/// An RFC 3339 time as Unix seconds (0 when unparsable).
#[allow(clippy::cast_precision_loss)]
pub fn seconds(rfc3339: &str) -> f64 {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .map_or(0.0, |t| t.timestamp_millis() as f64 / 1000.0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn renders_exposition_format() {
        let text = super::render(&[
            super::Sample {
                name: "atelier_backup_success",
                help: "1 if the last backup succeeded",
                labels: vec![("service", "a\"b".into())],
                value: 1.0,
            },
            super::Sample {
                name: "atelier_backup_success",
                help: "",
                labels: vec![("service", "c".into())],
                value: 0.0,
            },
        ]);
        assert_eq!(
            text,
            "# HELP atelier_backup_success 1 if the last backup succeeded\n# TYPE atelier_backup_success gauge\natelier_backup_success{service=\"a\\\"b\"} 1\natelier_backup_success{service=\"c\"} 0\n"
        );
    }
}
