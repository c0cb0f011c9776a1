//! Nix literals for template values. This is the template auto-escape: every
//! `{{ value }}` becomes a Nix literal (strings quoted and escaped), so a path
//! with `"`, `\`, `${` or a newline can never change the generated code. Raw
//! Nix needs the visible `|raw_nix` filter.

use std::fmt::Write as _;

use minijinja::value::{Value, ValueKind};
use minijinja::{Error, ErrorKind};

/// `s` as a double-quoted Nix string literal that evaluates to exactly `s`.
pub fn nix_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            // Every `$` is escaped, so no `${` (and no `$${`) can start an
            // interpolation whatever follows.
            '$' => out.push_str("\\$"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Whether `s` can be written as a bare attribute name.
fn is_bare_ident(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '\''))
        && !matches!(
            s,
            "if" | "then" | "else" | "assert" | "with" | "let" | "in" | "rec" | "inherit" | "or"
        )
}

/// An attribute name: bare when that is unambiguous, else a quoted string.
pub fn nix_attr_name(s: &str) -> String {
    if is_bare_ident(s) {
        s.to_owned()
    } else {
        nix_string(s)
    }
}

/// A template value as a Nix literal.
pub fn nix_literal(value: &Value) -> Result<String, Error> {
    let mut out = String::new();
    write_literal(&mut out, value)?;
    Ok(out)
}

fn write_literal(out: &mut String, value: &Value) -> Result<(), Error> {
    if value.is_safe() {
        // `|raw_nix`: the template asked for this text verbatim.
        out.push_str(value.as_str().unwrap_or_default());
        return Ok(());
    }
    match value.kind() {
        ValueKind::Undefined => {
            return Err(Error::new(
                ErrorKind::UndefinedError,
                "undefined value in a Nix template",
            ))
        }
        ValueKind::None => out.push_str("null"),
        ValueKind::Bool => out.push_str(if value.is_true() { "true" } else { "false" }),
        ValueKind::Number => match value.as_i64() {
            Some(n) => write!(out, "{n}").expect("write to String"),
            None => {
                return Err(Error::new(
                    ErrorKind::InvalidOperation,
                    format!("only integers can be rendered as Nix numbers, got {value}"),
                ))
            }
        },
        ValueKind::String => out.push_str(&nix_string(value.as_str().unwrap_or_default())),
        ValueKind::Seq | ValueKind::Iterable => {
            out.push('[');
            for item in value.try_iter()? {
                out.push(' ');
                write_literal(out, &item)?;
            }
            out.push_str(" ]");
        }
        ValueKind::Map => {
            out.push('{');
            for key in value.try_iter()? {
                let item = value.get_item(&key)?;
                let Some(k) = key.as_str() else {
                    return Err(Error::new(
                        ErrorKind::InvalidOperation,
                        "attribute names must be strings",
                    ));
                };
                out.push(' ');
                out.push_str(&nix_attr_name(k));
                out.push_str(" = ");
                write_literal(out, &item)?;
                out.push(';');
            }
            out.push_str(" }");
        }
        kind => {
            return Err(Error::new(
                ErrorKind::InvalidOperation,
                format!("a {kind} cannot be rendered as a Nix literal"),
            ))
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped() {
        assert_eq!(nix_string(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(nix_string("${x} $${y} $"), r#""\${x} \$\${y} \$""#);
        assert_eq!(nix_string("l1\nl2\t"), r#""l1\nl2\t""#);
        assert_eq!(nix_string("ünï"), "\"ünï\"");
    }

    #[test]
    fn attr_names() {
        assert_eq!(nix_attr_name("photos"), "photos");
        assert_eq!(nix_attr_name("my-app_2"), "my-app_2");
        assert_eq!(nix_attr_name("a.b"), "\"a.b\"");
        assert_eq!(nix_attr_name("in"), "\"in\"");
        assert_eq!(nix_attr_name("2x"), "\"2x\"");
    }

    #[test]
    fn values_become_literals() {
        let v = Value::from(minijinja::value::Serde(serde_json::json!({
            "a": [1, true, null, "x"],
            "b c": {}
        })));
        assert_eq!(
            nix_literal(&v).unwrap(),
            r#"{ a = [ 1 true null "x" ]; "b c" = { }; }"#
        );
        assert_eq!(
            nix_literal(&Value::from_safe_string("config.x".into())).unwrap(),
            "config.x"
        );
    }
}
