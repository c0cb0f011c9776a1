//! Shape: `mkService { name; extraConfig = cfg: { ... }; }`. The service's
//! own options (`cfg`) are built from the host's definitions of
//! `atelier.services.<name>.{enable,dataDir,user,group,...}` with mkService's
//! defaults (`/var/lib/<name>`, user and group `<name>`), then `extraConfig`
//! runs with that `cfg`; its definitions count only where the host enables
//! the service.

use std::collections::HashSet;

use crate::diagnostic::{Diagnostic, Span};
use crate::nix::Evaluator;
use crate::nix::Value;

use super::defs::{self, Defs};
use super::graph::MkServiceCall;
use super::model::{Known, Located, Origin, ServiceDecl};
use super::shape::{Cx, Shape};
use super::values::{self, Reader};

/// One mkService call, expanded for this host.
pub struct Expanded {
    pub name: String,
    pub span: Option<Span>,
    pub enabled: bool,
    /// The definitions `extraConfig` made when the service is not enabled
    /// (an enabled service's are moved into the host's; this is then empty).
    pub defs: Defs,
    pub data_dir: Located<String>,
    pub user: Located<String>,
    pub group: Located<String>,
}

/// Runs every mkService call's `extraConfig`; merges the definitions of
/// enabled services into `host`.
pub fn expand(
    ev: &mut Evaluator,
    calls: &[MkServiceCall],
    config: &Value,
    host: &mut Defs,
    data_keys: &'static [&'static str],
    diags: &mut Vec<Diagnostic>,
) -> Vec<Expanded> {
    let mut out = Vec::new();
    for call in calls {
        let arg = match ev.force(&call.arg) {
            Ok(v) => v,
            Err(d) => {
                diags.extend(d);
                continue;
            }
        };
        let name = match ev.select(&arg, &["name"]) {
            Ok(Some(Value::String(s))) => s.to_string(),
            Ok(Some(Value::Unknown(u))) => {
                diags.push(Diagnostic::error(
                    "unresolved-value",
                    format!(
                        "the name of this mkService is not known statically: {}",
                        values::describe_unknown(&u)
                    ),
                    call.span.clone(),
                ));
                continue;
            }
            Ok(_) => {
                diags.push(Diagnostic::error(
                    "missing-key",
                    "mkService needs `name = \"...\";` (a string)",
                    call.span.clone(),
                ));
                continue;
            }
            Err(d) => {
                diags.extend(d);
                continue;
            }
        };
        let opt = |o| ["atelier", "services", name.as_str(), o];
        // Whether the service is enabled, as the module system computes it
        // (a host definition, a default, another module's, under mkIf).
        let enable = match ev.select(config, &opt("enable")) {
            Ok(v) => v,
            Err(d) => {
                diags.extend(d);
                continue;
            }
        };
        let mut r = Reader {
            ev,
            defs: host.view(),
            diags,
        };
        let enabled = match enable {
            Some(Value::Bool(b)) => b,
            other => {
                // Said where the host defines it, when it does.
                let at = r.boolean(&opt("enable"));
                let reason = match (&other, at.as_ref().map(|e| &e.value)) {
                    (_, Some(Known::Unknown(reason))) => reason.clone(),
                    (Some(Value::Unknown(u)), _) => values::describe_unknown(u),
                    (Some(v), _) => format!("it is {} while a Boolean was expected", v.type_name()),
                    (None, _) => "the option is not declared".to_owned(),
                };
                r.diags.push(
                    Diagnostic::error(
                        "unresolved-value",
                        format!(
                            "whether service `{name}` is enabled is not known statically: {reason}"
                        ),
                        at.as_ref()
                            .and_then(|e| e.span.clone())
                            .or(call.span.clone()),
                    )
                    .with_note(format!(
                        "write `atelier.services.{name}.enable = true;` (or false) literally"
                    )),
                );
                false
            }
        };
        let call_span = call.span.clone();
        // The module system fails on conflicting definitions; so do we.
        for o in ["dataDir", "user", "group"] {
            if let Err(d) = r.ev.select(config, &opt(o)) {
                r.diags.extend(d);
            }
        }
        let data_dir = r
            .string(&opt("dataDir"))
            .unwrap_or_else(|| Located::known(format!("/var/lib/{name}"), call_span.clone()));
        let user = r
            .string(&opt("user"))
            .unwrap_or_else(|| Located::known(name.clone(), call_span.clone()));
        let group = r
            .string(&opt("group"))
            .unwrap_or_else(|| Located::known(name.clone(), call_span.clone()));

        // cfg: the service's options, as the module system computes them.
        let cfg = match r.ev.select(config, &["atelier", "services", name.as_str()]) {
            Ok(Some(v)) => v,
            Ok(None) => Value::unknown_root(
                "cfg",
                "the service's options are not declared",
                call_span.clone(),
            ),
            Err(d) => {
                r.diags.extend(d);
                continue;
            }
        };

        // An enabled service's definitions go straight into the host's
        // (appended, as `Defs::extend` would); a disabled one's are kept apart.
        let mut svc_defs = Defs::default();
        let target = if enabled { &mut *host } else { &mut svc_defs };
        let diags_before = target.diagnostics.len();
        let mut errors = Vec::new();
        // What the module system evaluated already: the content of the
        // call's module's `mkIf cfg.enable (extraConfig ...)`.
        let evaluated = match &call.config {
            Some(t) => match ev.force(t) {
                Ok(v) => v
                    .as_attrs()
                    .and_then(|a| a.get("content"))
                    .map(|e| e.value.clone())
                    .map(|t| ev.force(&t)),
                Err(d) => Some(Err(d)),
            },
            None => None,
        };
        match evaluated {
            Some(Ok(content)) => {
                defs::collect(ev, &content, call_span.clone(), data_keys, target);
            }
            Some(Err(d)) => errors.extend(d),
            None => match ev.select(&arg, &["extraConfig"]) {
                Ok(Some(f)) if f.is_function() => match apply_extra_config(ev, &f, cfg, config) {
                    Ok(config) => {
                        defs::collect(ev, &config, call_span.clone(), data_keys, target);
                    }
                    Err(d) => errors.extend(d),
                },
                Ok(Some(config)) => {
                    defs::collect(ev, &config, call_span.clone(), data_keys, target);
                }
                Ok(None) => {}
                Err(d) => errors.extend(d),
            },
        }
        errors.extend(target.diagnostics.drain(diags_before..));
        if enabled {
            diags.extend(errors);
        } else if let Some(first) = errors.into_iter().next() {
            // Nix never evaluates a disabled service's config; neither do we
            // fail on it.
            diags.push(
                Diagnostic::warning(
                    "disabled-service",
                    format!("service `{name}` is not enabled on this host and its extraConfig could not be read: {}", first.message),
                    first.span.or_else(|| call_span.clone()),
                ),
            );
        }
        let defs = svc_defs;
        out.push(Expanded {
            name,
            span: call_span,
            enabled,
            defs,
            data_dir,
            user,
            group,
        });
    }
    out
}

/// `extraConfig cfg`, or, for a function of a set pattern
/// (`{ cfg, pkgs, ... }:`), `extraConfig { cfg, config, lib, pkgs }`, as
/// nix/lib/mkService.nix calls it.
fn apply_extra_config(
    ev: &mut Evaluator,
    f: &Value,
    cfg: Value,
    config: &Value,
) -> crate::nix::EvalResult<Value> {
    let pattern = matches!(f, Value::Lambda(c) if matches!(c.lambda.param, crate::nix::syntax::Param::Pattern { .. }));
    if !pattern {
        return ev.apply(f, cfg);
    }
    let lib = ev.lib()?;
    let arg = Value::attrs([
        ("cfg".to_owned(), cfg),
        ("config".to_owned(), config.clone()),
        ("lib".to_owned(), lib),
        (
            "pkgs".to_owned(),
            Value::unknown_root(
                "pkgs",
                "packages are only known when Nix builds the system",
                None,
            ),
        ),
    ]);
    ev.apply(f, arg)
}

/// A string option: its value as the module system computes it when that
/// is known (a default counts), located where the host defines it; else
/// what the host's definitions say.
fn from_config(r: &mut Reader<'_>, config: &Value, path: &[&str]) -> Option<Located<String>> {
    let defined = r.string(path);
    match r.ev.select(config, path) {
        Ok(Some(Value::String(v))) => Some(Located::known(
            v.to_string(),
            defined
                .and_then(|d| d.span)
                .or_else(|| r.defs.first_span(path)),
        )),
        Ok(_) => defined,
        // Conflicting definitions, an error in the option's default.
        Err(d) => {
            r.diags.extend(d);
            defined
        }
    }
}

pub struct MkService;

impl Shape for MkService {
    fn name(&self) -> &'static str {
        "mkService"
    }

    fn services(&self, r: &mut Reader<'_>, cx: &Cx<'_>) -> Vec<ServiceDecl> {
        let mut out: Vec<ServiceDecl> = cx
            .expanded
            .iter()
            .map(|e| {
                let mut s = ServiceDecl::new(e.name.clone(), Origin::MkService, e.span.clone());
                s.enabled = e.enabled;
                s.data_dir = Some(e.data_dir.clone());
                s.user = Some(e.user.clone());
                s.group = Some(e.group.clone());
                s
            })
            .collect();
        // Data declared for a service without mkService (a hand-written
        // module with the same options) still counts.
        let expanded: HashSet<&str> = cx.expanded.iter().map(|e| e.name.as_str()).collect();
        // (The names are distinct, so none pushed below comes up again.)
        for name in r.defs.children(&["atelier", "services"]) {
            if expanded.contains(name.as_str()) {
                continue;
            }
            let data = ["atelier", "services", name.as_str(), "data"];
            if r.defs.children(&data).is_empty() && r.defs.winning(&data).is_empty() {
                continue;
            }
            let span = r.defs.first_span(&data);
            let mut s = ServiceDecl::new(name.clone(), Origin::MkService, span);
            let opt = |o| ["atelier", "services", name.as_str(), o];
            // A hand-written module declares these options itself (with
            // defaults the module system knows); without a declaration,
            // the host's definitions say.
            s.enabled = match r.ev.select(cx.config, &opt("enable")) {
                Ok(Some(Value::Bool(b))) => b,
                _ => r
                    .boolean(&opt("enable"))
                    .and_then(|e| e.get().copied())
                    .unwrap_or(true),
            };
            s.data_dir = Some(
                from_config(r, cx.config, &opt("dataDir"))
                    .unwrap_or_else(|| Located::known(format!("/var/lib/{name}"), None)),
            );
            s.user = from_config(r, cx.config, &opt("user"));
            s.group = from_config(r, cx.config, &opt("group"));
            out.push(s);
        }
        out
    }
}
