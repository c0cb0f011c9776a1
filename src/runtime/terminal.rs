//! Text for a terminal: data paths may hold newlines, tabs or escape
//! sequences, and printed raw they forge lines or drive the terminal.
//! Human output escapes them (Rust's `escape_debug` form: `\n`, `\t`,
//! `\u{1b}`); JSON output keeps the exact values.

use std::borrow::Cow;

/// One line of human text with every control character escaped, so it
/// stays one line whatever paths or names it contains.
pub fn line(s: &str) -> Cow<'_, str> {
    if s.chars().any(char::is_control) {
        Cow::Owned(escape_controls(s, false))
    } else {
        Cow::Borrowed(s)
    }
}

/// Multi-line human text (an error with its hints): control characters
/// other than the line breaks are escaped.
pub fn lines(s: &str) -> Cow<'_, str> {
    if s.chars().any(|c| c.is_control() && c != '\n') {
        Cow::Owned(escape_controls(s, true))
    } else {
        Cow::Borrowed(s)
    }
}

/// A path as a terminal shows it: as is when it holds no control
/// character, else quoted and escaped (`"/srv/a\nb"`).
pub fn path(p: impl AsRef<std::ffi::OsStr>) -> String {
    Shown(p.as_ref()).to_string()
}

/// A path in an error or status message: `format!("cannot read {}",
/// shown(&p))`. The one way paths enter human text, so that a newline in a
/// path cannot split a message (multi-line errors keep their own line
/// breaks, see [`lines`]) nor forge one.
pub fn shown<P: AsRef<std::ffi::OsStr> + ?Sized>(p: &P) -> Shown<'_> {
    Shown(p.as_ref())
}

/// `p.shown()`: [`shown`] as a method, in place of `p.display()` in
/// messages for humans.
pub trait ShowPath {
    fn shown(&self) -> Shown<'_>;
}

impl<T: AsRef<std::ffi::OsStr> + ?Sized> ShowPath for T {
    fn shown(&self) -> Shown<'_> {
        Shown(self.as_ref())
    }
}

/// See [`shown`]: displays as [`path`] does, without allocating when the
/// path is plain.
#[derive(Clone, Copy)]
pub struct Shown<'a>(&'a std::ffi::OsStr);

impl std::fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = self.0.to_string_lossy();
        if s.chars().any(char::is_control) {
            write!(f, "\"{}\"", s.escape_debug())
        } else {
            f.write_str(&s)
        }
    }
}

fn escape_controls(s: &str, keep_newlines: bool) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c.is_control() && !(keep_newlines && c == '\n') {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    out
}

/// `1.5 MiB`.
#[allow(clippy::cast_precision_loss)]
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped_and_the_rest_kept() {
        assert_eq!(
            line("replace files /srv/a\nb\tc"),
            "replace files /srv/a\\nb\\tc"
        );
        assert_eq!(line("/srv/café \"q\""), "/srv/café \"q\"");
        assert_eq!(line("\u{1b}[31mred"), "\\u{1b}[31mred");
        assert_eq!(lines("a\tb\nhint: c"), "a\\tb\nhint: c");
        assert_eq!(path("/srv/a\nb"), "\"/srv/a\\nb\"");
        assert_eq!(path("/srv/plain"), "/srv/plain");
        assert_eq!(
            format!("cannot read {}", shown(std::path::Path::new("/a\nb"))),
            "cannot read \"/a\\nb\""
        );
        assert_eq!(format!("{}", shown("/srv/plain")), "/srv/plain");
    }
}
