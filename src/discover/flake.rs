//! `flake.nix` → hosts: evaluates `outputs` with every input unknown and
//! reads `nixosConfigurations.<host> = <nixpkgs>.lib.nixosSystem { ... }`.

use std::path::Path;
use std::rc::Rc;

use crate::diagnostic::{Diagnostic, Span};
use crate::nix::Evaluator;
use crate::nix::{Attrs, Thunk, Unknown, UnknownOrigin, Value};

use super::graph::call_of;

/// One `nixosConfigurations.<host>` entry.
pub struct HostEntry {
    pub name: String,
    pub span: Option<Span>,
    pub modules: Vec<Thunk>,
    pub special_args: Option<Value>,
}

pub struct Flake {
    pub hosts: Vec<HostEntry>,
    pub diagnostics: Vec<Diagnostic>,
}

fn fail(code: &'static str, msg: String, span: Option<Span>) -> Flake {
    Flake {
        hosts: Vec::new(),
        diagnostics: vec![Diagnostic::error(code, msg, span)],
    }
}

/// Reads the hosts of the flake in `dir`. Host modules are not walked here.
pub fn read(ev: &mut Evaluator, dir: &Path) -> Flake {
    let file = dir.join("flake.nix");
    if !ev.inputs().is_file(&file) {
        return fail(
            "no-flake",
            format!(
                "{} does not exist; pass the flake's directory",
                file.display()
            ),
            None,
        );
    }
    let top = match ev.eval_file(&file) {
        Ok(v) => v,
        Err(d) => {
            return Flake {
                hosts: Vec::new(),
                diagnostics: d,
            }
        }
    };
    let mut diagnostics = Vec::new();
    let input_names: Vec<String> = match ev.select(&top, &["inputs"]) {
        Ok(Some(Value::Attrs(a))) => a.keys().map(str::to_owned).collect(),
        _ => Vec::new(),
    };
    let outputs = match ev.select(&top, &["outputs"]) {
        Ok(Some(v)) if v.is_function() => v,
        Ok(_) => {
            return fail(
                "no-outputs",
                "flake.nix has no `outputs` function".into(),
                top.as_attrs().and_then(|a| a.span.clone()),
            )
        }
        Err(d) => {
            return Flake {
                hosts: Vec::new(),
                diagnostics: d,
            }
        }
    };
    // Inputs are only known once Nix fetches them; calls into them
    // (`nixpkgs.lib.nixosSystem`, `atelier.lib.mkService`) stay inspectable.
    // A nixpkgs input gets atelier's `lib` (so `nixpkgs.lib.genAttrs` and
    // `nixpkgs.lib.nixosSystem` work); everything else in it stays unknown.
    let lib = ev.lib().ok();
    let mut entries = Vec::new();
    for n in input_names
        .iter()
        .map(String::as_str)
        .chain(std::iter::once("self"))
    {
        let reason = format!("flake input `{n}` is only known when Nix fetches it");
        let is_nixpkgs = n.starts_with("nixpkgs")
            || matches!(
                ev.select(&top, &["inputs", n, "url"]),
                Ok(Some(Value::String(url))) if url.contains("NixOS/nixpkgs") || url.contains("nixos/nixpkgs")
            );
        let value = match (&lib, is_nixpkgs) {
            (Some(lib), true) => {
                let mut a = Attrs::from_values([("lib".to_owned(), lib.clone())]);
                a.unknown_keys = Some(Rc::new(Unknown {
                    reason: reason.clone(),
                    span: None,
                    origin: UnknownOrigin::Root(n.to_owned()),
                }));
                Value::Attrs(Rc::new(a))
            }
            _ => Value::unknown_root(n, reason, None),
        };
        entries.push((n.to_owned(), value));
    }
    let mut inputs = Attrs::from_values(entries);
    inputs.unknown_keys = Some(Rc::new(Unknown {
        reason: "flake inputs are only known when Nix fetches them".into(),
        span: None,
        origin: UnknownOrigin::Root("inputs".into()),
    }));
    // `self` is the flake's own outputs (`self.nixosModules.foo` in a host's
    // modules). One level deep: inside it, `self` is unknown again.
    if let Some(span) = top.as_attrs().and_then(|a| a.span.clone()) {
        let inner = Value::Attrs(Rc::new(inputs.clone()));
        let f = outputs.clone();
        inputs.insert(
            "self",
            Thunk::native(span, move |ev| ev.apply(&f, inner.clone())),
            None,
        );
    }
    let out = match ev.apply(&outputs, Value::Attrs(Rc::new(inputs))) {
        Ok(v) => v,
        Err(d) => {
            return Flake {
                hosts: Vec::new(),
                diagnostics: d,
            }
        }
    };
    let configs = match ev.select(&out, &["nixosConfigurations"]) {
        Ok(Some(Value::Attrs(a))) => a,
        Ok(Some(Value::Unknown(u))) => {
            return fail(
                "unresolved-value",
                format!(
                    "nixosConfigurations is not known statically: {}",
                    super::values::describe_unknown(&u)
                ),
                u.span.clone(),
            )
        }
        Ok(_) => {
            return fail(
                "no-hosts",
                "the flake's outputs have no `nixosConfigurations`".into(),
                out.as_attrs().and_then(|a| a.span.clone()),
            )
        }
        Err(d) => {
            return Flake {
                hosts: Vec::new(),
                diagnostics: d,
            }
        }
    };
    let mut hosts = Vec::new();
    for (name, entry) in &configs.entries {
        let span = entry.span.clone().or_else(|| entry.value.span());
        let value = match ev.force(&entry.value) {
            Ok(v) => v,
            Err(d) => {
                diagnostics.extend(d);
                continue;
            }
        };
        // `nixosSystem { ... }` either from our lib (a marker set) or as a
        // call into an unknown input.
        let args = match &value {
            Value::Unknown(u) => match call_of(u, "nixosSystem") {
                Some(arg) => match ev.force(arg) {
                    Ok(v) => v,
                    Err(d) => {
                        diagnostics.extend(d);
                        continue;
                    }
                },
                None => {
                    diagnostics.push(Diagnostic::error(
                        "unresolved-host",
                        format!(
                            "host `{name}`: its configuration is not a `nixosSystem {{ modules = [ ... ]; }}` call atelier-gen can read ({})",
                            super::values::describe_unknown(u)
                        ),
                        span,
                    ));
                    continue;
                }
            },
            Value::Attrs(a) if a.get("_type").is_some() => match ev.select(&value, &["args"]) {
                Ok(Some(v)) => v,
                _ => value.clone(),
            },
            other => {
                diagnostics.push(Diagnostic::error(
                    "unresolved-host",
                    format!(
                        "host `{name}` is {} while `nixosSystem {{ ... }}` was expected",
                        other.type_name()
                    ),
                    span,
                ));
                continue;
            }
        };
        let modules = match ev.select(&args, &["modules"]) {
            Ok(Some(Value::List(items))) => items.iter().cloned().collect(),
            Ok(Some(Value::Unknown(u))) => {
                diagnostics.push(Diagnostic::error(
                    "unresolved-value",
                    format!(
                        "host `{name}`: its modules list is not known statically: {}",
                        super::values::describe_unknown(&u)
                    ),
                    u.span.clone().or(span),
                ));
                continue;
            }
            Ok(_) => Vec::new(),
            Err(d) => {
                diagnostics.extend(d);
                continue;
            }
        };
        let special_args = match ev.select(&args, &["specialArgs"]) {
            Ok(v) => v,
            Err(d) => {
                diagnostics.extend(d);
                None
            }
        };
        hosts.push(HostEntry {
            name: name.clone(),
            span,
            modules,
            special_args,
        });
    }
    Flake { hosts, diagnostics }
}
