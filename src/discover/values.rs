//! Evaluator values → `Located` declaration values. An unknown keeps the
//! reason it is unknown, phrased for the user ("depends on `pkgs.x` …").

use std::fmt::{self, Display};
use std::rc::Rc;

use crate::diagnostic::{Diagnostic, Span};
use crate::discover::defs::{Def, DefsView};
use crate::discover::model::{Known, Located};
use crate::nix::Evaluator;
use crate::nix::{Unknown, UnknownOrigin, Value};

/// "depends on `config.x.y` (config is only known at rebuild time)".
pub fn describe_unknown(u: &Unknown) -> String {
    let mut cur = u;
    loop {
        if let Some(path) = cur.path() {
            return format!("depends on `{}`, {}", path.join("."), cur.reason);
        }
        match &cur.origin {
            UnknownOrigin::Derived(base)
            | UnknownOrigin::Select { base, .. }
            | UnknownOrigin::Choice { cond: base, .. } => cur = base,
            UnknownOrigin::Apply { func, .. } => {
                if let Some(p) = func.path() {
                    return format!(
                        "is the result of calling `{}`, {}",
                        p.join("."),
                        func.reason
                    );
                }
                return cur.reason.clone();
            }
            _ => return cur.reason.clone(),
        }
    }
}

fn cond_reason(cond: &Rc<Unknown>) -> String {
    format!(
        "it is defined under a `mkIf` whose condition {}",
        describe_unknown(cond)
    )
}

/// A string (or path) value.
pub fn string(
    value: &Value,
    span: Option<Span>,
    cond: Option<&Rc<Unknown>>,
    what: impl Display,
    diags: &mut Vec<Diagnostic>,
) -> Option<Located<String>> {
    if let Some(c) = cond {
        return Some(Located::unknown(cond_reason(c), span));
    }
    match value {
        Value::String(s) => Some(Located::known(s.to_string(), span)),
        Value::Path(p) => Some(Located::known(p.display().to_string(), span)),
        Value::Unknown(u) => Some(Located::unknown(
            describe_unknown(u),
            span.or(u.span.clone()),
        )),
        other => {
            diags.push(Diagnostic::error(
                "type-error",
                format!(
                    "{what} is {} while a string was expected",
                    other.type_name()
                ),
                span,
            ));
            None
        }
    }
}

pub fn boolean(
    value: &Value,
    span: Option<Span>,
    cond: Option<&Rc<Unknown>>,
    what: impl Display,
    diags: &mut Vec<Diagnostic>,
) -> Option<Located<bool>> {
    if let Some(c) = cond {
        return Some(Located::unknown(cond_reason(c), span));
    }
    match value {
        Value::Bool(b) => Some(Located::known(*b, span)),
        Value::Unknown(u) => Some(Located::unknown(describe_unknown(u), span)),
        other => {
            diags.push(Diagnostic::error(
                "type-error",
                format!(
                    "{what} is {} while a Boolean was expected",
                    other.type_name()
                ),
                span,
            ));
            None
        }
    }
}

pub fn int(
    value: &Value,
    span: Option<Span>,
    cond: Option<&Rc<Unknown>>,
    what: impl Display,
    diags: &mut Vec<Diagnostic>,
) -> Option<Located<i64>> {
    if let Some(c) = cond {
        return Some(Located::unknown(cond_reason(c), span));
    }
    match value {
        Value::Int(i) => Some(Located::known(*i, span)),
        Value::Unknown(u) => Some(Located::unknown(describe_unknown(u), span)),
        other => {
            diags.push(Diagnostic::error(
                "type-error",
                format!(
                    "{what} is {} while an integer was expected",
                    other.type_name()
                ),
                span,
            ));
            None
        }
    }
}

/// An option path printed as `a.b.c`, only when a message needs it.
struct Dotted<'a>(&'a [&'a str]);

impl Display for Dotted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, part) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            f.write_str(part)?;
        }
        Ok(())
    }
}

/// Reads definitions of one option path.
pub struct Reader<'a> {
    pub ev: &'a mut Evaluator,
    pub defs: DefsView<'a>,
    pub diags: &'a mut Vec<Diagnostic>,
}

impl Reader<'_> {
    /// The winning definition of a scalar option (the last of the highest priority).
    pub fn scalar_def(&self, path: &[&str]) -> Option<Def> {
        self.defs.last_winning(path).cloned()
    }

    pub fn string(&mut self, path: &[&str]) -> Option<Located<String>> {
        let d = self.defs.last_winning(path)?;
        string(
            &d.value,
            d.span.clone(),
            d.cond.as_ref(),
            Dotted(path),
            self.diags,
        )
    }

    pub fn boolean(&mut self, path: &[&str]) -> Option<Located<bool>> {
        let d = self.defs.last_winning(path)?;
        boolean(
            &d.value,
            d.span.clone(),
            d.cond.as_ref(),
            Dotted(path),
            self.diags,
        )
    }

    pub fn int(&mut self, path: &[&str]) -> Option<Located<i64>> {
        let d = self.defs.last_winning(path)?;
        int(
            &d.value,
            d.span.clone(),
            d.cond.as_ref(),
            Dotted(path),
            self.diags,
        )
    }

    /// The items of a list option (a single value counts as a one-item list),
    /// with each item's own span. All winning definitions are concatenated,
    /// like `types.listOf`.
    pub fn items(&mut self, path: &[&str]) -> Vec<(Value, Option<Span>, Option<Rc<Unknown>>)> {
        let defs = self.defs;
        let mut out = Vec::new();
        let mut winning = defs.winning(path);
        // Concatenated like the module system: by `mkOrder`, then module order.
        winning.sort_by_key(|d| d.order);
        for d in winning {
            match &d.value {
                Value::List(items) => {
                    for t in items.iter() {
                        let span = t.span().or_else(|| d.span.clone());
                        match self.ev.force(t) {
                            Ok(v) => out.push((v, span, d.cond.clone())),
                            Err(e) => self.diags.extend(e),
                        }
                    }
                }
                other => out.push((other.clone(), d.span.clone(), d.cond.clone())),
            }
        }
        out
    }

    pub fn strings(&mut self, path: &[&str]) -> Vec<Located<String>> {
        let what = Dotted(path);
        self.items(path)
            .into_iter()
            .filter_map(|(v, span, cond)| string(&v, span, cond.as_ref(), &what, self.diags))
            .collect()
    }

    /// Like `strings`, but `None` when the option has no definition at all.
    pub fn strings_opt(&mut self, path: &[&str]) -> Option<Vec<Located<String>>> {
        if self.defs.is_defined(path) {
            Some(self.strings(path))
        } else {
            None
        }
    }

    /// An attribute of an attribute-set value.
    pub fn attr(&mut self, v: &Value, name: &str) -> Option<(Value, Option<Span>)> {
        let entry = v.as_attrs()?.get(name)?.clone();
        let span = entry.span.clone().or_else(|| entry.value.span());
        match self.ev.force(&entry.value) {
            Ok(x) => Some((x, span)),
            Err(e) => {
                self.diags.extend(e);
                None
            }
        }
    }
}

impl<T> Located<T> {
    pub fn is_known(&self) -> bool {
        matches!(self.value, Known::Value(_))
    }
}
