//! Every atelier snapshot of this host, read with ONE `restic snapshots
//! --json` per repository (not one per service) and grouped by service.

// Catalog keeps restic's (large) error per repository on purpose.
#![allow(clippy::result_large_err)]

use std::collections::{BTreeMap, BTreeSet};

use crate::plan::Manifest;

use super::backup::Env;
use super::restic::{ResticError, Snapshot};

/// The bound of `status`'s `restic snapshots`: it answers within about
/// this (plus restic's grace to stop), however many repositories do not.
pub const QUERY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(20);

/// Snapshots per repository, or the error reading that repository.
#[derive(Debug)]
pub struct Catalog {
    pub repositories: BTreeMap<String, Result<Vec<Snapshot>, ResticError>>,
}

impl Catalog {
    /// Reads the repositories used by `services` (all when empty), each
    /// bounded by its repository's timeout.
    pub fn load(env: &Env, manifest: &Manifest, services: &[String]) -> anyhow::Result<Self> {
        Self::load_within(env, manifest, services, None)
    }

    /// [`Self::load`], each repository bounded by at most `limit` too
    /// (`status` uses [`QUERY_TIMEOUT`]).
    pub fn load_within(
        env: &Env,
        manifest: &Manifest,
        services: &[String],
        limit: Option<std::time::Duration>,
    ) -> anyhow::Result<Self> {
        let repos: BTreeSet<&String> = manifest
            .services
            .iter()
            .filter(|(n, _)| services.is_empty() || services.contains(n))
            .flat_map(|(_, s)| s.repositories.iter())
            .collect();
        Self::load_repositories(env, manifest, repos, limit)
    }

    /// Reads the repositories `repos` of the manifest (`list` reads every
    /// one: snapshots of removed services may be in any of them).
    pub fn load_repositories(
        env: &Env,
        manifest: &Manifest,
        repos: BTreeSet<&String>,
        limit: Option<std::time::Duration>,
    ) -> anyhow::Result<Self> {
        // One thread per repository (each waits for its own restic, see
        // `child`): an unreachable one costs its bound once, not per repository.
        let repositories = std::thread::scope(|scope| {
            let handles: Vec<_> = repos
                .into_iter()
                .map(|repo| {
                    scope.spawn(move || {
                        let snaps = env.restic_for(manifest, repo).and_then(|restic| {
                            let timeout = limit.unwrap_or(restic.timeout());
                            restic
                                .with_timeout_at_most(timeout)
                                .snapshots(&["atelier".to_owned()], Some(&manifest.host))
                        });
                        (
                            repo.clone(),
                            snaps.map(|mut s| {
                                s.sort_by_key(|a| a.time);
                                s
                            }),
                        )
                    })
                })
                .collect();
            handles
                .into_iter()
                .filter_map(|h| h.join().ok())
                .collect::<BTreeMap<_, _>>()
        });
        Ok(Self { repositories })
    }

    /// Snapshots of `service` in `repo`, oldest first.
    pub fn for_service<'a>(&'a self, repo: &str, service: &'a str) -> Vec<&'a Snapshot> {
        match self.repositories.get(repo) {
            Some(Ok(snaps)) => snaps
                .iter()
                .filter(|s| s.service() == Some(service))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Newest snapshot of `service` in `repo` that is neither a pre-restore
    /// one nor incomplete.
    pub fn latest<'a>(&'a self, repo: &str, service: &'a str) -> Option<&'a Snapshot> {
        self.for_service(repo, service)
            .into_iter()
            .rev()
            .find(|s| !s.is_pre_restore() && !s.is_incomplete())
    }

    pub fn error(&self, repo: &str) -> Option<&ResticError> {
        self.repositories.get(repo).and_then(|r| r.as_ref().err())
    }
}
