//! Discovery: a flake's sources → what each host declares (`model::HostDecl`).
//!
//! `flake` finds the hosts, `graph` walks a host's modules, `defs` collects
//! their `atelier.*` definitions the way the module system merges them, and
//! the shapes in [`SHAPES`] — one file each — turn those into declarations.
//! Adding a shape = one file + one row below + one fixture folder.

pub mod defs;
pub mod dumps;
pub mod flake;
pub mod graph;
pub mod hooks;
pub mod host_settings;
pub mod lock;
pub mod manual;
pub mod mkservice;
pub mod model;
pub mod overrides;
pub mod paths;
pub mod postgres;
pub mod shape;
pub mod values;

use std::collections::HashMap;
use std::path::Path;

use crate::diagnostic::Diagnostic;
use crate::nix::{Evaluator, Value};

use model::{HostDecl, HostSettingsDecl, Origin};
use shape::{Cx, Shape, View};
use values::Reader;

/// Every declaration shape, in the order they are applied.
pub static SHAPES: &[&dyn Shape] = &[
    &mkservice::MkService,
    &manual::Manual,
    &paths::Paths,
    &postgres::Postgres,
    &dumps::Dumps,
    &hooks::Hooks,
    &overrides::Overrides,
    &host_settings::HostSettings,
];

/// The keys a data block may have: the union of the shapes' `data_keys`
/// (a test keeps the two in step; `defs` needs a `'static` list).
pub const DATA_KEYS: &[&str] = &[
    "sqlite",
    "files",
    "exclude",
    "postgres",
    "dumps",
    "hooks",
    "check",
    "stopForBackup",
    "stopUnits",
    "schedule",
    "randomizedDelay",
    "retention",
    "staleAfter",
    "tags",
    "repositories",
];

/// What discovery found in a flake for one host, and what went wrong.
pub struct Discovery {
    pub host: Option<HostDecl>,
    pub diagnostics: Vec<Diagnostic>,
}

/// The names of the flake's hosts (`nixosConfigurations`), sorted.
pub fn hosts(flake_dir: &Path) -> Result<Vec<String>, Vec<Diagnostic>> {
    let mut ev = Evaluator::new(flake_dir);
    let flake = flake::read(&mut ev, flake_dir);
    if flake.hosts.is_empty() && flake.diagnostics.iter().any(Diagnostic::is_error) {
        return Err(flake.diagnostics);
    }
    let mut names: Vec<String> = flake.hosts.into_iter().map(|h| h.name).collect();
    names.sort();
    Ok(names)
}

/// Discovers everything `host` declares in the flake at `flake_dir`.
pub fn discover_host(flake_dir: &Path, host: &str, generated: &[std::path::PathBuf]) -> Discovery {
    discover_host_keeping(flake_dir, host, generated).0
}

/// What discovery leaves behind: the evaluator and the values it made.
/// Dropping it frees the evaluation's memory, which takes a while for a
/// large flake, so a caller can hand on its result first and drop this
/// afterwards (`generate::pipeline` does).
pub struct Residue {
    evaluator: Evaluator,
    _values: Vec<Box<dyn std::any::Any>>,
}

impl Residue {
    /// What the evaluation asked the file system (for the cache).
    pub fn inputs(&mut self) -> &crate::nix::inputs::Inputs {
        self.evaluator.inputs()
    }
}

/// [`discover_host`], with the evaluator's memory handed to the caller.
pub fn discover_host_keeping(
    flake_dir: &Path,
    host: &str,
    generated: &[std::path::PathBuf],
) -> (Discovery, Residue) {
    let mut ev = Evaluator::new(flake_dir);
    let mut keep: Vec<Box<dyn std::any::Any>> = Vec::new();
    let found = discover_in(&mut ev, &mut keep, flake_dir, host, generated);
    (
        found,
        Residue {
            evaluator: ev,
            _values: keep,
        },
    )
}

fn discover_in(
    ev: &mut Evaluator,
    keep: &mut Vec<Box<dyn std::any::Any>>,
    flake_dir: &Path,
    host: &str,
    generated: &[std::path::PathBuf],
) -> Discovery {
    let flake = flake::read(ev, flake_dir);
    let mut diagnostics = flake.diagnostics;
    let Some(href) = flake.hosts.iter().find(|h| h.name == host) else {
        if !diagnostics.iter().any(Diagnostic::is_error) {
            diagnostics.push(Diagnostic::error(
                "unknown-host",
                format!("the flake has no nixosConfigurations.{host}"),
                None,
            ));
        }
        return Discovery {
            host: None,
            diagnostics,
        };
    };
    // Only this host is evaluated: the others' errors are theirs.
    let entry = match flake::host(ev, &flake.inputs, href) {
        Ok(e) => e,
        Err(d) => {
            diagnostics.extend(d);
            return Discovery {
                host: None,
                diagnostics,
            };
        }
    };
    let (args, arg_diags) = graph::ModuleArgs::new(ev, entry.special_args.as_ref());
    diagnostics.extend(arg_diags);
    let mut g = graph::walk_modules(ev, &entry.modules, &args, generated);
    diagnostics.extend(std::mem::take(&mut g.diagnostics));

    // `config`, as the module system computes it from every module.
    let config = match ev.force(&args.modules.config()) {
        Ok(v) => v,
        Err(d) => {
            diagnostics.extend(d);
            Value::unknown_root("config", crate::modules::UNDECLARED_REASON, None)
        }
    };
    // Errors in option declarations (read with the first value of config).
    diagnostics.extend(args.modules.take_diagnostics());
    let mut host_defs = defs::Defs::default();
    for (config, span) in &g.configs {
        match ev.force(config) {
            Ok(v) => defs::collect(ev, &v, span.clone(), DATA_KEYS, &mut host_defs),
            Err(d) => diagnostics.extend(d),
        }
    }
    let expanded = mkservice::expand(
        ev,
        &g.mk_services,
        &config,
        &mut host_defs,
        DATA_KEYS,
        &mut diagnostics,
    );

    let cx = Cx {
        host,
        expanded: &expanded,
        config: &config,
    };
    let mut decl = HostDecl {
        host: host.to_owned(),
        settings: HostSettingsDecl::default(),
        services: Vec::new(),
    };
    let mut reader_diags = Vec::new();
    {
        let mut r = Reader {
            ev,
            defs: host_defs.view(),
            diags: &mut reader_diags,
        };
        for shape in SHAPES {
            decl.services.extend(shape.services(&mut r, &cx));
        }
        for shape in SHAPES {
            shape.read_host(&mut r, &mut decl.settings);
        }
    }
    // The first expansion of each service name.
    let mut first_expanded: HashMap<&str, &mkservice::Expanded> = HashMap::new();
    for e in &expanded {
        first_expanded.entry(e.name.as_str()).or_insert(e);
    }
    // Each service's data, from the host's definitions (or, for a service
    // the host does not enable, from what its mkService would define).
    for svc in &mut decl.services {
        let view = View {
            name: svc.name.clone(),
            manual: svc.origin == Origin::Manual,
        };
        // An enabled expansion's definitions are in the host's already.
        let defs = match first_expanded.get(svc.name.as_str()) {
            Some(e) if !svc.enabled && !e.enabled => host_defs.view_with(&e.defs),
            _ => host_defs.view(),
        };
        let prefix = view.prefix();
        let defs = defs.scoped(&prefix);
        // A disabled service only gets a warning: its errors do not matter here.
        let mut ignored = Vec::new();
        let mut r = Reader {
            ev,
            defs,
            diags: if svc.enabled {
                &mut reader_diags
            } else {
                &mut ignored
            },
        };
        for shape in SHAPES {
            shape.read_data(&mut r, &view, svc);
        }
        if !svc.enabled {
            svc.unknown_keys.clear();
        }
    }
    // Unknown keys and evaluation errors of enabled code.
    decl.settings
        .unknown_keys
        .extend(host_defs.unknown_keys.iter().cloned());
    diagnostics.extend(host_defs.diagnostics.iter().cloned());
    diagnostics.extend(reader_diags);
    // A value read twice (by the module system for a condition, by a
    // shape for the data) fails twice: say it once.
    let mut said = std::collections::HashSet::new();
    diagnostics.retain(|d| {
        said.insert((
            d.code,
            d.message.clone(),
            d.span
                .as_ref()
                .map(|s| (s.file.path.clone(), s.start, s.end)),
        ))
    });
    keep.push(Box::new(g));
    keep.push(Box::new(host_defs));
    keep.push(Box::new(expanded));
    keep.push(Box::new(args));
    Discovery {
        host: Some(decl),
        diagnostics,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_keys_are_the_union_of_the_shapes() {
        let mut from_shapes: Vec<&str> = SHAPES
            .iter()
            .flat_map(|s| s.data_keys().iter().copied())
            .collect();
        let mut listed = DATA_KEYS.to_vec();
        from_shapes.sort_unstable();
        listed.sort_unstable();
        assert_eq!(from_shapes, listed);
    }
}
