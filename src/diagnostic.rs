//! Diagnostics are plain values (span, stable code, message, notes), rendered
//! at the edge by the binaries: `human` (source excerpt), `short`
//! (`file:line:col: error[code]: message`) or `json`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// A loaded source file. Shared so that spans can point into it cheaply.
#[derive(Debug)]
pub struct SourceFile {
    /// Path as shown to the user (relative to the flake root where possible).
    pub name: String,
    pub path: PathBuf,
    pub text: String,
}

impl SourceFile {
    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let col = before[line_start..].chars().count() + 1;
        (line, col)
    }
}

/// A byte range in a source file.
#[derive(Debug, Clone)]
pub struct Span {
    pub file: Arc<SourceFile>,
    pub start: usize,
    pub end: usize,
}

impl Span {
    /// `file:line:col`.
    pub fn location(&self) -> String {
        let (line, col) = self.file.line_col(self.start);
        format!("{}:{line}:{col}", self.file.name)
    }

    pub fn path(&self) -> &Path {
        &self.file.path
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Debug, Clone)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Stable kebab-case code, e.g. `parse-error`, `unresolved-path`.
    pub code: &'static str,
    pub message: String,
    pub span: Option<Span>,
    /// Extra lines: why, and what to do.
    pub notes: Vec<String>,
}

impl Diagnostic {
    pub fn error(code: &'static str, message: impl Into<String>, span: Option<Span>) -> Self {
        Self {
            severity: Severity::Error,
            code,
            message: message.into(),
            span,
            notes: Vec::new(),
        }
    }

    pub fn warning(code: &'static str, message: impl Into<String>, span: Option<Span>) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::error(code, message, span)
        }
    }

    #[must_use]
    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// `file:line:col: error[code]: message` (the `--format short` line).
    pub fn short(&self) -> String {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        match &self.span {
            Some(span) => format!(
                "{}: {sev}[{}]: {}",
                span.location(),
                self.code,
                self.message
            ),
            None => format!("{sev}[{}]: {}", self.code, self.message),
        }
    }
}

/// How diagnostics are printed (`--format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum OutputFormat {
    /// Message with a source excerpt.
    #[default]
    Human,
    /// One line per diagnostic: `file:line:col: error[code]: message`.
    Short,
    /// A JSON array of diagnostics.
    Json,
}

impl Span {
    /// 1-based (line, column) of the start.
    pub fn line_col(&self) -> (usize, usize) {
        self.file.line_col(self.start)
    }
}

impl Diagnostic {
    fn severity_str(&self) -> &'static str {
        match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }

    /// Human rendering with a source excerpt, in the style of rustc and
    /// codespan-reporting (no colour, so the output is stable):
    ///
    /// ```text
    /// error[parse-error]: unexpected `}`
    ///   --> services/myapp.nix:3:7
    ///    |
    ///  3 |   a = };
    ///    |       ^
    ///    = note: ...
    /// ```
    pub fn human(&self) -> String {
        let mut out = format!("{}[{}]: {}\n", self.severity_str(), self.code, self.message);
        if let Some(span) = &self.span {
            let (line, col) = span.line_col();
            let width = line.to_string().len();
            let pad = " ".repeat(width);
            let _ = writeln!(out, "{pad}--> {}:{line}:{col}", span.file.name);
            if let Some(text) = span.file.text.lines().nth(line - 1) {
                // Underline to the end of the span or of the line.
                let line_start = span.start - col_byte_offset(&span.file.text, span.start);
                let end = span.end.max(span.start).min(line_start + text.len());
                let len = span
                    .file
                    .text
                    .get(span.start..end)
                    .map_or(1, |s| s.chars().count().max(1));
                // Long lines are shown as a window around the column.
                let chars: Vec<char> = text
                    .chars()
                    .map(|c| if c == '\t' { ' ' } else { c })
                    .collect();
                let skip = (col - 1).saturating_sub(EXCERPT_CONTEXT);
                let take = EXCERPT_CONTEXT * 2;
                let mut shown: String = chars.iter().skip(skip).take(take).collect();
                let mut caret_col = col - 1 - skip;
                if skip > 0 {
                    shown.insert(0, '…');
                    caret_col += 1;
                }
                if chars.len() > skip + take {
                    shown.push('…');
                }
                let len = len.min(take.saturating_sub(caret_col).max(1));
                let _ = writeln!(out, "{pad} |");
                let _ = writeln!(out, "{line} | {shown}");
                let _ = writeln!(out, "{pad} | {}{}", " ".repeat(caret_col), "^".repeat(len));
            }
            for note in &self.notes {
                let _ = writeln!(out, "{pad} = note: {note}");
            }
        } else {
            for note in &self.notes {
                let _ = writeln!(out, "  = note: {note}");
            }
        }
        out
    }

    /// The `--format json` object of one diagnostic.
    pub fn to_json(&self) -> serde_json::Value {
        let mut m = serde_json::Map::new();
        m.insert("severity".into(), self.severity_str().into());
        m.insert("code".into(), self.code.into());
        m.insert("message".into(), self.message.clone().into());
        if let Some(span) = &self.span {
            let (line, col) = span.line_col();
            let (end_line, end_col) = span.file.line_col(span.end);
            m.insert("file".into(), span.file.name.clone().into());
            m.insert("line".into(), line.into());
            m.insert("column".into(), col.into());
            m.insert("end_line".into(), end_line.into());
            m.insert("end_column".into(), end_col.into());
            m.insert("location".into(), span.location().into());
        }
        m.insert(
            "notes".into(),
            serde_json::Value::Array(self.notes.iter().cloned().map(Into::into).collect()),
        );
        serde_json::Value::Object(m)
    }
}

/// Characters of context shown on each side of the column in excerpts.
const EXCERPT_CONTEXT: usize = 60;

fn col_byte_offset(text: &str, offset: usize) -> usize {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    before.rfind('\n').map_or(offset, |i| offset - i - 1)
}

/// Renders diagnostics in the chosen format (text ends with a newline).
pub fn render(diags: &[Diagnostic], format: OutputFormat) -> String {
    match format {
        OutputFormat::Human => {
            let mut out = String::new();
            for (i, d) in diags.iter().enumerate() {
                if i > 0 {
                    out.push('\n');
                }
                out.push_str(&d.human());
            }
            out
        }
        OutputFormat::Short => diags.iter().map(|d| d.short() + "\n").collect(),
        OutputFormat::Json => {
            let arr: Vec<serde_json::Value> = diags.iter().map(Diagnostic::to_json).collect();
            serde_json::to_string_pretty(&arr).unwrap_or_default() + "\n"
        }
    }
}
