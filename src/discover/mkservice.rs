//! Shape: `mkService { name; extraConfig = cfg: { ... }; }`. The service's
//! own options (`cfg`) are built from the host's definitions of
//! `atelier.services.<name>.{enable,dataDir,user,group,...}` with mkService's
//! defaults (`/var/lib/<name>`, user and group `<name>`), then `extraConfig`
//! runs with that `cfg`; its definitions count only where the host enables
//! the service.

use std::collections::HashSet;
use std::rc::Rc;

use crate::diagnostic::{Diagnostic, Span};
use crate::nix::Evaluator;
use crate::nix::{Attrs, Thunk, Unknown, UnknownOrigin, Value};

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

fn located_value(l: &Located<String>) -> Value {
    match &l.value {
        Known::Value(s) => Value::string(s.as_str()),
        Known::Unknown(reason) => Value::unknown(reason.clone(), l.span.clone()),
    }
}

/// Runs every mkService call's `extraConfig`; merges the definitions of
/// enabled services into `host`.
pub fn expand(
    ev: &mut Evaluator,
    calls: &[MkServiceCall],
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
        let mut r = Reader {
            ev,
            defs: host.view(),
            diags,
        };
        let opt = |o| ["atelier", "services", name.as_str(), o];
        let enable = r.boolean(&opt("enable"));
        let enabled = match enable.as_ref().map(|e| &e.value) {
            Some(Known::Value(b)) => *b,
            Some(Known::Unknown(reason)) => {
                r.diags.push(
                    Diagnostic::error(
                        "unresolved-value",
                        format!(
                            "whether service `{name}` is enabled is not known statically: {reason}"
                        ),
                        enable.as_ref().and_then(|e| e.span.clone()),
                    )
                    .with_note(format!(
                        "write `atelier.services.{name}.enable = true;` (or false) literally"
                    )),
                );
                false
            }
            None => false,
        };
        let call_span = call.span.clone();
        let data_dir = r
            .string(&opt("dataDir"))
            .unwrap_or_else(|| Located::known(format!("/var/lib/{name}"), call_span.clone()));
        let user = r
            .string(&opt("user"))
            .unwrap_or_else(|| Located::known(name.clone(), call_span.clone()));
        let group = r
            .string(&opt("group"))
            .unwrap_or_else(|| Located::known(name.clone(), call_span.clone()));

        // cfg: the known options, then extraOptions (host value, else the
        // option's default); anything else is only known at rebuild time.
        let mut cfg = Attrs::from_values([
            ("name".to_owned(), Value::string(name.as_str())),
            ("enable".to_owned(), Value::Bool(enabled)),
            ("dataDir".to_owned(), located_value(&data_dir)),
            ("user".to_owned(), located_value(&user)),
            ("group".to_owned(), located_value(&group)),
        ]);
        if let Ok(Some(Value::Attrs(extra))) = r.ev.select(&arg, &["extraOptions"]) {
            for (k, e) in &extra.entries {
                if let Some(d) = r.defs.last_winning(&opt(k)) {
                    cfg.insert(k.clone(), Thunk::value(d.value.clone()), d.span.clone());
                    continue;
                }
                let default =
                    r.ev.force(&e.value)
                        .ok()
                        .and_then(|o| r.ev.select(&o, &["default"]).ok().flatten());
                if let Some(v) = default {
                    cfg.insert(k.clone(), Thunk::value(v), e.span.clone());
                }
            }
        }
        cfg.unknown_keys = Some(Rc::new(Unknown {
            reason: format!("options of service `{name}` other than enable, dataDir, user, group and extraOptions with defaults are only known at rebuild time"),
            span: call_span.clone(),
            origin: UnknownOrigin::Root(format!("cfg({name})")),
        }));
        let cfg = Value::Attrs(Rc::new(cfg));

        // An enabled service's definitions go straight into the host's
        // (appended, as `Defs::extend` would); a disabled one's are kept apart.
        let mut svc_defs = Defs::default();
        let target = if enabled { &mut *host } else { &mut svc_defs };
        let diags_before = target.diagnostics.len();
        let mut errors = Vec::new();
        match ev.select(&arg, &["extraConfig"]) {
            Ok(Some(f)) if f.is_function() => match ev.apply(&f, cfg) {
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
            let enable = r.boolean(&["atelier", "services", name.as_str(), "enable"]);
            s.enabled = enable.and_then(|e| e.get().copied()).unwrap_or(true);
            s.data_dir = Some(
                r.string(&["atelier", "services", name.as_str(), "dataDir"])
                    .unwrap_or_else(|| Located::known(format!("/var/lib/{name}"), None)),
            );
            s.user = r.string(&["atelier", "services", name.as_str(), "user"]);
            s.group = r.string(&["atelier", "services", name.as_str(), "group"]);
            out.push(s);
        }
        out
    }
}
