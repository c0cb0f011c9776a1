//! The staging directory of a service, `ATELIER_STATE_DIR/staging/<service>/`:
//! database copies, dumps and the self-description are written here, backed
//! up together with the service's files, and removed afterwards.

use std::path::{Path, PathBuf};

/// The staging directory of `service`.
pub fn dir(state_dir: &Path, service: &str) -> PathBuf {
    state_dir.join("staging").join(service)
}

/// A freshly created, empty staging directory; removed on drop.
#[derive(Debug)]
pub struct Staging {
    path: PathBuf,
}

impl Staging {
    /// Creates `state_dir/staging/<service>` (mode 0700: it holds database
    /// contents), removing leftovers of an interrupted run.
    pub fn create(state_dir: &Path, service: &str) -> anyhow::Result<Self> {
        let path = dir(state_dir, service);
        if path.exists() {
            std::fs::remove_dir_all(&path)
                .map_err(|e| anyhow::anyhow!("cannot clear old staging {}: {e}", path.display()))?;
        }
        std::fs::create_dir_all(&path)
            .map_err(|e| anyhow::anyhow!("cannot create staging {}: {e}", path.display()))?;
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o700))?;
            if let Some(parent) = path.parent() {
                std::fs::set_permissions(parent, std::fs::Permissions::from_mode(0o700))?;
            }
        }
        Ok(Self { path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// `staging/<sub>`, created.
    pub fn subdir(&self, sub: &str) -> anyhow::Result<PathBuf> {
        let p = self.path.join(sub);
        std::fs::create_dir_all(&p)
            .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", p.display()))?;
        Ok(p)
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}
