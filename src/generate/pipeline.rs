//! The whole of `atelier-gen generate | check | plan` for a flake, as library
//! functions the thin binary calls: discover → plan → render, host by host.

use std::path::{Path, PathBuf};

use crate::diagnostic::Diagnostic;
use crate::discover;
use crate::nix::syntax_cache::{self, SyntaxCache};
use crate::plan::{self, Plan};

use super::cache::{Cache, Lookup};
use crate::render::output::GeneratedFile;

/// Everything about one host.
pub struct HostOutput {
    pub host: String,
    pub plan: Option<Plan>,
    /// What `plan --json` prints for `plan` ([`Plan::write_json`]), when
    /// it was made already (by `plan_host`, or kept in the cache). With
    /// errors (no `plan`), the same of the services that could be planned.
    pub plan_json: Option<String>,
    /// The generated module (when the plan has no errors).
    pub module: Option<String>,
    pub diagnostics: Vec<Diagnostic>,
}

impl HostOutput {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// The `imports` of the host's modules that could not be read: services
    /// declared there are not seen.
    pub fn unread_imports(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.code == UNREAD_IMPORT)
    }

    /// Whether part of the host's module tree could not be read.
    pub fn is_partial(&self) -> bool {
        self.unread_imports().next().is_some()
    }

    /// The unread imports for `plan --json`: where, why, and the atelier
    /// options a module there could define.
    pub fn unread_json(&self) -> serde_json::Value {
        self.unread_imports()
            .map(|d| {
                serde_json::json!({
                    "at": d.span.as_ref().map(crate::diagnostic::Span::location),
                    "message": d.message,
                    "couldDefine": could_define_of(d),
                })
            })
            .collect()
    }
}

/// How the note on an unread import that names the atelier options a
/// module there could define begins (the paths follow, comma-separated).
const COULD_DEFINE_NOTE: &str = "atelier options a module there could define: ";

/// The option paths an unread import's note names.
pub fn could_define_of(d: &Diagnostic) -> Vec<String> {
    d.notes
        .iter()
        .find_map(|n| n.strip_prefix(COULD_DEFINE_NOTE))
        .map(|list| {
            list.split(", ")
                .map(|p| p.trim_matches('`').to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// The atelier options of `host` that a module it could not read could
/// define, changing the plan: any new service or registration or
/// repository; `enable` of each service declared but not enabled; more
/// data of each planned service; `atelier.backup.enable` when unset.
fn could_define(host: &discover::model::HostDecl) -> Vec<String> {
    let mut out = vec![
        "atelier.services.<name>".to_owned(),
        "atelier.backup.services.<name>".to_owned(),
    ];
    for s in &host.services {
        match (s.enabled, s.origin) {
            (false, _) => out.push(format!("atelier.services.{}.enable", s.name)),
            (true, discover::model::Origin::MkService) => {
                out.push(format!("atelier.services.{}.data", s.name));
            }
            (true, discover::model::Origin::Manual) => {
                out.push(format!("atelier.backup.services.{}.paths", s.name));
            }
        }
    }
    out.push("atelier.backup.repositories.<name>".to_owned());
    if !matches!(
        host.settings.enable.as_ref().map(|e| &e.value),
        Some(discover::model::Known::Value(true))
    ) {
        out.push("atelier.backup.enable".to_owned());
    }
    out.dedup();
    out
}

/// The code of the warning a module walk gives for `imports` it cannot read.
pub const UNREAD_IMPORT: &str = "unresolved-import";

/// What `plan` says of a host when it lists them all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostState {
    /// Declares services or repositories; with their counts.
    Planned {
        services: usize,
        repositories: usize,
    },
    /// Read entirely; declares nothing for atelier.
    NoData,
    /// Read, but some `imports` could not be (their locations).
    Partial {
        unread: Vec<String>,
        services: usize,
        /// The atelier options a module there could define.
        could_define: Vec<String>,
    },
    /// Not readable: the first error (`code`, message, location).
    Unreadable {
        code: String,
        message: String,
        at: Option<String>,
    },
}

impl HostState {
    pub fn of(o: &HostOutput) -> Self {
        if let Some(d) = o.diagnostics.iter().find(|d| d.is_error()) {
            return HostState::Unreadable {
                code: d.code.to_owned(),
                message: d.message.clone(),
                at: d.span.as_ref().map(crate::diagnostic::Span::location),
            };
        }
        let (services, repositories) = o.plan.as_ref().map_or((0, 0), |p| {
            (p.manifest.services.len(), p.manifest.repositories.len())
        });
        if o.is_partial() {
            return HostState::Partial {
                unread: o
                    .unread_imports()
                    .map(|d| {
                        d.span
                            .as_ref()
                            .map_or_else(|| d.message.clone(), crate::diagnostic::Span::location)
                    })
                    .collect(),
                services,
                could_define: o
                    .unread_imports()
                    .next()
                    .map(could_define_of)
                    .unwrap_or_default(),
            };
        }
        if services == 0 && repositories == 0 {
            HostState::NoData
        } else {
            HostState::Planned {
                services,
                repositories,
            }
        }
    }

    /// Planned or declaring nothing, with every module read.
    pub fn is_clean(&self) -> bool {
        matches!(self, HostState::Planned { .. } | HostState::NoData)
    }

    /// One line for `plan`'s list of hosts.
    pub fn describe(&self) -> String {
        match self {
            HostState::Planned {
                services,
                repositories,
            } => format!("planned: {services} service(s), {repositories} repository(ies)"),
            HostState::NoData => "no atelier data".to_owned(),
            HostState::Partial {
                unread,
                services,
                could_define,
            } => format!(
                "partly read: {services} service(s) found, imports not read at {}; they could define {}",
                unread.join(", "),
                could_define.join(", ")
            ),
            HostState::Unreadable { code, message, at } => format!(
                "not readable: {}error[{code}]: {message}",
                at.as_ref().map(|a| format!("{a}: ")).unwrap_or_default()
            ),
        }
    }

    /// For `plan --json`'s list of hosts.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::json;
        match self {
            HostState::Planned {
                services,
                repositories,
            } => json!({ "state": "planned", "services": services, "repositories": repositories }),
            HostState::NoData => json!({ "state": "no-data" }),
            HostState::Partial {
                unread,
                services,
                could_define,
            } => {
                json!({ "state": "partial", "services": services, "unread": unread, "couldDefine": could_define })
            }
            HostState::Unreadable { code, message, at } => {
                json!({ "state": "unreadable", "code": code, "message": message, "at": at })
            }
        }
    }
}

/// Which hosts to process.
#[derive(Debug, Clone)]
pub enum HostSelection {
    All,
    Only(Vec<String>),
}

/// Discovers, plans and renders one host. Runs the evaluator on a thread
/// with a large stack (deep but finite Nix code must not overflow).
pub fn process_host(flake_dir: &Path, host: &str, generated: &[PathBuf]) -> HostOutput {
    run_host(flake_dir, host, generated, true, None).0
}

/// Discovers and plans one host without rendering its module (what
/// `atelier-gen plan` needs); `module` is `None`.
pub fn plan_host(flake_dir: &Path, host: &str, generated: &[PathBuf]) -> HostOutput {
    run_host(flake_dir, host, generated, false, None).0
}

/// [`process_host`] (`render`) or [`plan_host`], answered from `cache`
/// when the flake's files are unchanged since it was stored there, and
/// stored there otherwise. Also says what the lookup found. `json_only`:
/// the caller needs only `plan_json` of the plan (a cache hit then leaves
/// `plan` out when it has that text).
pub fn host_with_cache(
    flake_dir: &Path,
    host: &str,
    generated: &[PathBuf],
    render: bool,
    json_only: bool,
    cache: &Cache,
) -> (HostOutput, Lookup) {
    let (lookup, hit) = cache.lookup(flake_dir, host, generated, render, json_only);
    if let Some(out) = hit {
        return (out, lookup);
    }
    let (out, inputs) = run_host(flake_dir, host, generated, render, Some(cache.dir()));
    if let Some((started_ns, inputs)) = inputs {
        cache.store(flake_dir, host, generated, started_ns, &inputs, &out);
    }
    (out, lookup)
}

/// When the evaluation began, and what it asked the file system.
type Recorded = (i128, Vec<crate::nix::inputs::Record>);

fn run_host(
    flake_dir: &Path,
    host: &str,
    generated: &[PathBuf],
    render: bool,
    cache_dir: Option<&Path>,
) -> (HostOutput, Option<Recorded>) {
    let record = cache_dir.is_some();
    // Lowered files of earlier runs, kept next to the evaluation cache.
    let syntax = cache_dir.map(|dir| {
        let flake = std::fs::canonicalize(flake_dir).unwrap_or_else(|_| flake_dir.to_path_buf());
        std::sync::Arc::new(SyntaxCache::new(dir, &flake, host))
    });
    let flake_dir = flake_dir.to_path_buf();
    let host = host.to_owned();
    let generated = generated.to_vec();
    // The result comes back as soon as it is ready; the evaluator's memory
    // is freed afterwards on the same thread, while the caller goes on (a
    // large flake takes a while to free, and a CLI about to exit need not
    // wait for it).
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    let thread = crate::nix::spawn_with_large_stack(move || {
        let (found, mut residue) = syntax_cache::with(syntax.clone(), || {
            discover::discover_host_keeping(&flake_dir, &host, &generated)
        });
        if let Some(s) = &syntax {
            s.flush();
        }
        let inputs = record.then(|| {
            let inputs = residue.inputs();
            (inputs.started_ns(), inputs.log().to_vec())
        });
        let _ = tx.send((host_output(host, found, render), inputs));
        drop(residue);
    });
    match rx.recv() {
        Ok(out) => out,
        Err(_) => match thread.join() {
            Err(panic) => std::panic::resume_unwind(panic),
            Ok(()) => unreachable!("the evaluation thread sends its result before it ends"),
        },
    }
}

fn host_output(host: String, found: discover::Discovery, render: bool) -> HostOutput {
    let mut diagnostics = found.diagnostics;
    let Some(decl) = found.host else {
        return HostOutput {
            host,
            plan: None,
            plan_json: None,
            module: None,
            diagnostics,
        };
    };
    if diagnostics.iter().any(|d| d.code == UNREAD_IMPORT) {
        let note = format!(
            "{COULD_DEFINE_NOTE}{}",
            could_define(&decl)
                .iter()
                .map(|p| format!("`{p}`"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        for d in diagnostics.iter_mut().filter(|d| d.code == UNREAD_IMPORT) {
            d.notes.push(note.clone());
        }
    }
    let outcome = plan::build(&decl);
    diagnostics.extend(outcome.diagnostics);
    let discovery_failed = diagnostics.iter().any(Diagnostic::is_error);
    let (plan, partial) = match outcome.plan {
        Some(p) if discovery_failed => (None, Some(p)),
        plan => (plan, outcome.partial),
    };
    let mut out = HostOutput {
        host,
        plan,
        plan_json: None,
        module: None,
        diagnostics,
    };
    if render {
        render_into(&mut out);
    } else if let Some(p) = out.plan.as_ref().or(partial.as_ref()) {
        // With errors, the services that could be planned: `plan --json`
        // prints them with the diagnostics.
        let mut json = Vec::new();
        if p.write_json(&mut json).is_ok() {
            out.plan_json = String::from_utf8(json).ok();
        }
    }
    out
}

/// Renders the module of a host's plan (when it has one) into `out`.
pub(crate) fn render_into(out: &mut HostOutput) {
    match out.plan.as_ref().map(crate::render::render_host_module) {
        Some(Ok(m)) => out.module = Some(m),
        Some(Err(e)) => out.diagnostics.push(Diagnostic::error(
            "render-error",
            format!("rendering the generated module failed: {e}"),
            None,
        )),
        None => {}
    }
}

/// Resolves the host selection against the flake.
pub fn select_hosts(flake_dir: &Path, sel: &HostSelection) -> Result<Vec<String>, Vec<Diagnostic>> {
    let dir = flake_dir.to_path_buf();
    let all = crate::nix::with_large_stack(move || discover::hosts(&dir))?;
    // A host name becomes a file name: never a path.
    if let Some(bad) = all.iter().find(|h| {
        h.is_empty()
            || *h == "."
            || *h == ".."
            || h.contains(['/', '\\'])
            || h.chars().any(char::is_control)
    }) {
        return Err(vec![Diagnostic::error(
            "invalid-host-name",
            format!("host name {bad:?} cannot be the file name of its generated module"),
            None,
        )
        .with_note("rename the nixosConfigurations entry to a plain name")]);
    }
    match sel {
        HostSelection::All => {
            if all.is_empty() {
                return Err(vec![Diagnostic::error(
                    "no-hosts",
                    format!(
                        "the flake in {} defines no nixosConfigurations",
                        flake_dir.display()
                    ),
                    None,
                )]);
            }
            Ok(all)
        }
        HostSelection::Only(wanted) => {
            let mut out = Vec::new();
            for h in wanted {
                if !all.contains(h) {
                    return Err(vec![Diagnostic::error(
                        "unknown-host",
                        format!("the flake has no nixosConfigurations.{h}"),
                        None,
                    )
                    .with_note(format!("hosts: {}", all.join(", ")))]);
                }
                if !out.contains(h) {
                    out.push(h.clone());
                }
            }
            Ok(out)
        }
    }
}

/// Where a host's module is written.
pub fn module_path(out_dir: &Path, host: &str) -> PathBuf {
    out_dir.join(format!("{host}.nix"))
}

/// The files of every host, or `None` when any host has errors.
pub fn files(out_dir: &Path, outputs: &[HostOutput]) -> Option<Vec<GeneratedFile>> {
    if outputs.iter().any(HostOutput::has_errors) {
        return None;
    }
    outputs
        .iter()
        .map(|o| {
            o.module.as_ref().map(|m| GeneratedFile {
                path: module_path(out_dir, &o.host),
                contents: m.clone(),
            })
        })
        .collect()
}
