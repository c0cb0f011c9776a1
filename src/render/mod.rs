//! Plan → generated NixOS module, through minijinja templates in `templates/`.
//!
//! The environment is strict (a missing variable is an error) and its
//! auto-escape renders every value as a Nix literal (`escape.rs`); raw Nix
//! needs the visible `|raw_nix` filter. Each template has one typed context.

pub mod escape;
pub mod output;

use minijinja::value::Value;
use minijinja::{AutoEscape, Environment, UndefinedBehavior};
use serde::Serialize;

use crate::discover::model::Origin;
use crate::plan::{Maintenance, Plan, Service};

/// Every generated file starts with this; files without it are never
/// overwritten (defined in `discover`, which skips generated files).
pub use crate::discover::HEADER_PREFIX;

const HOST_MODULE: &str = "host-module.nix.j2";
const HOST_MODULE_SOURCE: &str = include_str!("../../templates/host-module.nix.j2");

/// Context of `templates/host-module.nix.j2`.
#[derive(Debug, Serialize)]
struct HostModuleContext<'a> {
    header: String,
    version: u32,
    host: &'a str,
    generator: &'a str,
    repositories: Vec<&'a str>,
    services: Vec<ServiceContext<'a>>,
    maintenance: &'a Maintenance,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ServiceContext<'a> {
    name: &'a str,
    origin: &'static str,
    postgres_names: Vec<&'a str>,
    dump_list: Vec<DumpContext<'a>>,
    #[serde(flatten)]
    service: &'a Service,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct DumpContext<'a> {
    name: &'a str,
    backup_name: &'a str,
}

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_syntax(
        minijinja::syntax::SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .keep_trailing_newline(true)
            .build()
            .expect("valid syntax config"),
    );
    env.set_auto_escape_callback(|_| AutoEscape::Custom("nix".into()));
    env.set_formatter(|out, _state, value| {
        out.write_str(&escape::nix_literal(value)?)
            .map_err(|e| minijinja::Error::new(minijinja::ErrorKind::WriteFailure, e.to_string()))
    });
    // The visible opt-out: this text is Nix code, emit it verbatim.
    env.add_filter("raw_nix", |s: String| Value::from_safe_string(s));
    env.add_filter("attr_name", |s: String| {
        Value::from_safe_string(escape::nix_attr_name(&s))
    });
    env.add_template(HOST_MODULE, HOST_MODULE_SOURCE)
        .expect("templates/host-module.nix.j2 compiles");
    env
}

/// The header line: what wrote the file and how to regenerate it.
pub fn header(host: &str, generator: &str) -> String {
    // Host names come from attribute names; keep the comment on one line.
    let host: String = host
        .chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    format!(
        "{HEADER_PREFIX} {} — do not edit.\n# Regenerate: atelier-gen generate --host {host}",
        generator.trim_start_matches("atelier-gen ")
    )
}

/// Renders the generated module of the plan's host. Deterministic: the same
/// plan always gives the same bytes.
pub fn render_host_module(plan: &Plan) -> Result<String, minijinja::Error> {
    let m = &plan.manifest;
    let generator = m.generator.as_deref().unwrap_or("atelier-gen");
    let services = m
        .services
        .iter()
        .map(|(name, service)| ServiceContext {
            name,
            origin: match plan.origins.get(name) {
                Some(Origin::Manual) => "manual",
                _ => "mkService",
            },
            postgres_names: service.postgres.iter().map(|p| p.name.as_str()).collect(),
            dump_list: service
                .dumps
                .iter()
                .map(|(d, dump)| DumpContext {
                    name: d,
                    backup_name: dump.backup_name.as_deref().unwrap_or(d),
                })
                .collect(),
            service,
        })
        .collect();
    let ctx = HostModuleContext {
        header: header(&m.host, generator),
        version: m.version,
        host: &m.host,
        generator,
        repositories: m.repositories.keys().map(String::as_str).collect(),
        services,
        maintenance: &plan.maintenance,
    };
    let env = environment();
    env.get_template(HOST_MODULE)?
        .render(Value::from(minijinja::value::Serde(ctx)))
}

/// A plain-text summary of a plan (`atelier-gen plan` without `--json`).
pub fn summary(plan: &Plan) -> String {
    use std::fmt::Write as _;
    let m = &plan.manifest;
    let mut out = format!("host {}: {} service(s)\n", m.host, m.services.len());
    for (name, r) in &m.repositories {
        // An empty value is one only Nix can compute: the generated module
        // reads it from the host's configuration at rebuild time.
        let loc = r
            .repository
            .as_deref()
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .or_else(|| {
                r.repository_file
                    .as_deref()
                    .filter(|f| !f.is_empty())
                    .map(|f| format!("(from file {f})"))
            })
            .unwrap_or_else(|| "(known at rebuild time)".into());
        let _ = writeln!(out, "  repository {name}: {loc}");
    }
    for (name, s) in &m.services {
        let _ = writeln!(
            out,
            "  {name}: {} → {} at {}{}",
            s.kinds().join("+"),
            s.repositories.join(", "),
            s.schedule.on_calendar,
            s.source
                .as_deref()
                .map(|x| format!(" ({x})"))
                .unwrap_or_default()
        );
        for p in &s.sqlite {
            let _ = writeln!(out, "      sqlite   {p}");
        }
        for p in &s.postgres {
            let _ = writeln!(out, "      postgres {}", p.name);
        }
        for p in &s.files {
            let _ = writeln!(out, "      files    {p}");
        }
        for d in s.dumps.keys() {
            let _ = writeln!(out, "      dump     {d}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discover::model::{
        HostDecl, Located, Origin, PostgresDecl, RepositoryDecl, ServiceDecl,
    };

    fn s(v: &str) -> Located<String> {
        Located::known(v.to_owned(), None)
    }

    pub(crate) fn sample() -> HostDecl {
        let mut app = ServiceDecl::new("my-app", Origin::MkService, None);
        app.sqlite.push(s("/var/lib/my app/\"q\"/${x}\\.db"));
        app.files.push(s("/var/lib/my app/uploads\nnewline ünï"));
        app.postgres.push(PostgresDecl {
            name: s("myapp"),
            create_enable: None,
            create_options: vec![("OWNER".into(), s("myapp"))],
            stop_on_restore: vec![s("myapp-worker.service")],
            span: None,
        });
        let mut manual = ServiceDecl::new("legacy", Origin::Manual, None);
        manual.files.push(s("/srv/legacy"));
        HostDecl {
            host: "atlas".into(),
            settings: crate::discover::model::HostSettingsDecl {
                repositories: vec![RepositoryDecl {
                    name: "local".into(),
                    span: None,
                    repository: Some(s("/srv/restic")),
                    repository_file: None,
                    password_file: Some(s("/run/agenix/restic-password")),
                    environment_file: None,
                    initialize: None,
                    timeout: None,
                }],
                ..Default::default()
            },
            services: vec![app, manual],
        }
    }

    #[test]
    fn renders_parseable_deterministic_nix() {
        let out = crate::plan::build(&sample());
        assert!(!out.has_errors(), "{:?}", out.diagnostics);
        let plan = out.plan.unwrap();
        let a = render_host_module(&plan).unwrap();
        let b = render_host_module(&plan).unwrap();
        assert_eq!(a, b);
        assert!(a.starts_with(HEADER_PREFIX));
        let parse = rnix::Root::parse(&a);
        assert!(parse.errors().is_empty(), "{:?}\n{a}", parse.errors());
    }
}
