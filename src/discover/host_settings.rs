//! Shape: host settings `atelier.backup = { enable; repositories.<r> = {...};
//! schedule; randomizedDelay; staleAfter; retention; prune/check/drill.schedule; }`.

use crate::nix::Value;

use super::model::{HostSettingsDecl, Located, RepositoryDecl};
use super::overrides::retention;
use super::shape::Shape;
use super::values::{describe_unknown, Reader};

pub struct HostSettings;

impl Shape for HostSettings {
    fn name(&self) -> &'static str {
        "host settings"
    }

    fn read_host(&self, r: &mut Reader<'_>, s: &mut HostSettingsDecl) {
        s.enable = r.boolean(&["atelier", "backup", "enable"]);
        s.schedule = r.string(&["atelier", "backup", "schedule"]);
        s.randomized_delay = r.string(&["atelier", "backup", "randomizedDelay"]);
        s.stale_after = r.string(&["atelier", "backup", "staleAfter"]);
        s.prune_schedule = r.string(&["atelier", "backup", "prune", "schedule"]);
        s.check_schedule = r.string(&["atelier", "backup", "check", "schedule"]);
        s.drill_schedule = r.string(&["atelier", "backup", "drill", "schedule"]);
        // host and port are `nullOr`: an explicit null is libpq's default.
        let is_null = |r: &Reader<'_>, k: &str| {
            r.scalar_def(&["atelier", "backup", "postgres", k])
                .is_some_and(|d| matches!(d.value, Value::Null) && d.cond.is_none())
        };
        if !is_null(r, "host") {
            s.postgres_host = r.string(&["atelier", "backup", "postgres", "host"]);
        }
        if !is_null(r, "port") {
            s.postgres_port = r.int(&["atelier", "backup", "postgres", "port"]);
        }
        s.postgres_run_as = r.string(&["atelier", "backup", "postgres", "runAs"]);
        s.retention = retention(r, &["atelier", "backup", "retention"]);
        if let Some(d) = r
            .defs
            .winning(&["atelier", "backup", "repositories"])
            .into_iter()
            .find(|d| matches!(d.value, Value::Unknown(_)))
        {
            if let Value::Unknown(u) = &d.value {
                s.repositories_unknown =
                    Some(Located::unknown(describe_unknown(u), d.span.clone()));
            }
        }
        for name in r.defs.children(&["atelier", "backup", "repositories"]) {
            let f = |k: &'static str| ["atelier", "backup", "repositories", name.as_str(), k];
            s.repositories.push(RepositoryDecl {
                span: r
                    .defs
                    .first_span(&["atelier", "backup", "repositories", name.as_str()]),
                repository: r.string(&f("repository")),
                repository_file: r.string(&f("repositoryFile")),
                password_file: r.string(&f("passwordFile")),
                environment_file: r.string(&f("environmentFile")),
                initialize: r.boolean(&f("initialize")),
                timeout: r.string(&f("timeout")),
                name: name.clone(),
            });
        }
    }
}
