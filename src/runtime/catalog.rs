//! Every atelier snapshot of this host, read with ONE `restic snapshots
//! --json` per repository (not one per service) and grouped by service.

use std::collections::{BTreeMap, BTreeSet};

use crate::plan::Manifest;

use super::backup::Env;
use super::restic::{ResticError, Snapshot};

/// Snapshots per repository, or the error reading that repository.
#[derive(Debug)]
pub struct Catalog {
    pub repositories: BTreeMap<String, Result<Vec<Snapshot>, ResticError>>,
}

impl Catalog {
    /// Reads the repositories used by `services` (all when empty).
    pub fn load(env: &Env, manifest: &Manifest, services: &[String]) -> anyhow::Result<Self> {
        let repos: BTreeSet<&String> = manifest
            .services
            .iter()
            .filter(|(n, _)| services.is_empty() || services.contains(n))
            .flat_map(|(_, s)| s.repositories.iter())
            .collect();
        let mut repositories = BTreeMap::new();
        for repo in repos {
            let restic = env.restic(manifest, repo)?;
            let mut snaps = restic.snapshots(&["atelier".to_owned()], Some(&manifest.host));
            if let Ok(s) = &mut snaps {
                s.sort_by_key(|a| a.time);
            }
            repositories.insert(repo.clone(), snaps);
        }
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

    /// Newest snapshot of `service` in `repo` that is not a pre-restore one.
    pub fn latest<'a>(&'a self, repo: &str, service: &'a str) -> Option<&'a Snapshot> {
        self.for_service(repo, service)
            .into_iter()
            .rev()
            .find(|s| !s.is_pre_restore())
    }

    pub fn error(&self, repo: &str) -> Option<&ResticError> {
        self.repositories.get(repo).and_then(|r| r.as_ref().err())
    }
}
