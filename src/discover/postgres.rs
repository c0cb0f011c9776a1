//! Shape: `PostgreSQL` databases — a name, a list of names, or
//! `{ name; create = { OWNER = ...; ... }; stopOnRestore = [ ... ]; }`, with
//! `create` also in the manifest's `{ enable; options = { OWNER = ...; }; }` form
//! (clan's `restore.stopOnRestore` is accepted too).

use crate::diagnostic::Diagnostic;
use crate::nix::Value;

use super::model::{Located, PostgresDecl, ServiceDecl, UnknownKey};
use super::shape::{Shape, View};
use super::values::{self, Reader};

pub struct Postgres;

const DB_KEYS: &[&str] = &["name", "create", "stopOnRestore", "restore"];

impl Shape for Postgres {
    fn name(&self) -> &'static str {
        "postgres"
    }

    fn data_keys(&self) -> &'static [&'static str] {
        &["postgres"]
    }

    fn read_data(&self, r: &mut Reader<'_>, view: &View, svc: &mut ServiceDecl) {
        let path = view.path(&["postgres"]);
        for (value, span, cond) in r.items(&path) {
            match &value {
                Value::Attrs(a) => {
                    for k in a.keys() {
                        if !DB_KEYS.contains(&k) {
                            svc.unknown_keys.push(UnknownKey {
                                key: k.to_owned(),
                                span: a.get(k).and_then(|e| e.span.clone()),
                                valid: DB_KEYS,
                                context: format!("a database of {}", path.join(".")),
                            });
                        }
                    }
                    let Some((v, s)) = r.attr(&value, "name") else {
                        r.diags.push(Diagnostic::error(
                            "missing-key",
                            format!("service `{}`: a PostgreSQL database needs `name`", svc.name),
                            span.clone(),
                        ));
                        continue;
                    };
                    let Some(name) = values::string(&v, s, cond.as_ref(), "database name", r.diags)
                    else {
                        continue;
                    };
                    let mut db = PostgresDecl {
                        name,
                        create_enable: None,
                        create_options: Vec::new(),
                        stop_on_restore: Vec::new(),
                        span: span.clone(),
                    };
                    if let Some((create, cspan)) = r.attr(&value, "create") {
                        read_create(r, &create, cspan, &mut db, &mut svc.unknown_keys);
                    }
                    let mut stop = r.attr(&value, "stopOnRestore");
                    if stop.is_none() {
                        if let Some((restore, _)) = r.attr(&value, "restore") {
                            stop = r.attr(&restore, "stopOnRestore");
                        }
                    }
                    if let Some((units, uspan)) = stop {
                        db.stop_on_restore = list_of_strings(r, &units, uspan, "stopOnRestore");
                    }
                    svc.postgres.push(db);
                }
                _ => {
                    if let Some(name) = values::string(
                        &value,
                        span.clone(),
                        cond.as_ref(),
                        "database name",
                        r.diags,
                    ) {
                        svc.postgres.push(PostgresDecl {
                            name,
                            create_enable: None,
                            create_options: Vec::new(),
                            stop_on_restore: Vec::new(),
                            span,
                        });
                    }
                }
            }
        }
    }
}

/// The keys of the manifest's own `create` shape (`nix/lib/types.nix`
/// `postgresCreate`); any other key makes `create` the flat clan spelling.
const CREATE_KEYS: &[&str] = &["enable", "options"];

/// `create` in either spelling: the manifest's `{ enable; options = { OWNER = ...; }; }`
/// or the flat `{ OWNER = ...; }`. Like the Nix type, a set with `enable` or
/// `options` is the first form, so other keys next to them are unknown.
fn read_create(
    r: &mut Reader<'_>,
    create: &Value,
    span: Option<crate::diagnostic::Span>,
    db: &mut PostgresDecl,
    unknown: &mut Vec<UnknownKey>,
) {
    match create {
        Value::Attrs(a) => {
            let structured = a.keys().any(|k| CREATE_KEYS.contains(&k));
            let keys: Vec<String> = a.keys().map(str::to_owned).collect();
            for k in keys {
                let Some((v, s)) = r.attr(create, &k) else {
                    continue;
                };
                if k == "enable" {
                    db.create_enable = values::boolean(&v, s, None, "create.enable", r.diags);
                } else if k == "options" {
                    read_options(r, &v, s, "create.options.", db);
                } else if structured {
                    unknown.push(UnknownKey {
                        key: k.clone(),
                        span: s,
                        valid: CREATE_KEYS,
                        context: format!(
                            "create of database `{}` (next to `enable`/`options`, \
                             CREATE DATABASE options go in `options`)",
                            db.name.get().map_or("?", String::as_str)
                        ),
                    });
                } else {
                    push_option(r, k, &v, s, "create.", db);
                }
            }
        }
        Value::Bool(b) => db.create_enable = Some(Located::known(*b, span)),
        other => r.diags.push(Diagnostic::error(
            "type-error",
            format!(
                "create is {} while an attribute set was expected",
                other.type_name()
            ),
            span,
        )),
    }
}

fn read_options(
    r: &mut Reader<'_>,
    options: &Value,
    span: Option<crate::diagnostic::Span>,
    what: &str,
    db: &mut PostgresDecl,
) {
    let Value::Attrs(a) = options else {
        r.diags.push(Diagnostic::error(
            "type-error",
            format!(
                "create.options is {} while an attribute set was expected",
                options.type_name()
            ),
            span,
        ));
        return;
    };
    let keys: Vec<String> = a.keys().map(str::to_owned).collect();
    for k in keys {
        if let Some((v, s)) = r.attr(options, &k) {
            push_option(r, k, &v, s, what, db);
        }
    }
}

fn push_option(
    r: &mut Reader<'_>,
    key: String,
    v: &Value,
    span: Option<crate::diagnostic::Span>,
    what: &str,
    db: &mut PostgresDecl,
) {
    // Numbers (CONNECTION LIMIT) are written as Nix integers.
    let text = match v {
        Value::Int(i) => Some(Located::known(i.to_string(), span)),
        _ => values::string(v, span, None, format!("{what}{key}"), r.diags),
    };
    if let Some(t) = text {
        db.create_options.push((key, t));
    }
}

pub(crate) fn list_of_strings(
    r: &mut Reader<'_>,
    v: &Value,
    span: Option<crate::diagnostic::Span>,
    what: &str,
) -> Vec<Located<String>> {
    match v {
        Value::List(items) => {
            let mut out = Vec::new();
            for t in items.iter() {
                let s = t.span().or_else(|| span.clone());
                match r.ev.force(t) {
                    Ok(x) => out.extend(values::string(&x, s, None, what, r.diags)),
                    Err(d) => r.diags.extend(d),
                }
            }
            out
        }
        other => values::string(other, span, None, what, r.diags)
            .into_iter()
            .collect(),
    }
}
