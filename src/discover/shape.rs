//! The shape trait: one implementation per declaration shape, registered in
//! `SHAPES` (mod.rs).

use crate::discover::model::{HostSettingsDecl, ServiceDecl};
use crate::discover::values::Reader;

/// Where a service's data options live: `atelier.services.<n>.data` for
/// mkService, `atelier.backup.services.<n>` for manual registrations (whose
/// `paths` are `files` and whose hooks are flat).
pub struct View {
    pub name: String,
    pub manual: bool,
}

impl View {
    /// The option path of the data block itself.
    pub fn prefix(&self) -> [&str; 4] {
        if self.manual {
            ["atelier", "backup", "services", &self.name]
        } else {
            ["atelier", "services", &self.name, "data"]
        }
    }

    /// The option path of `key` in this data block.
    pub fn path<'a>(&'a self, key: &[&'a str]) -> Vec<&'a str> {
        let key: &[&str] = match (self.manual, key) {
            (true, ["files"]) => &["paths"],
            (true, ["hooks", h]) => std::slice::from_ref(h),
            _ => key,
        };
        let prefix = self.prefix();
        let mut out = Vec::with_capacity(prefix.len() + key.len());
        out.extend_from_slice(&prefix);
        out.extend_from_slice(key);
        out
    }
}

/// What shapes need while reading one host.
pub struct Cx<'a> {
    pub host: &'a str,
    pub expanded: &'a [crate::discover::mkservice::Expanded],
    /// The host's `config`, as the module system computes it.
    pub config: &'a crate::nix::Value,
}

pub trait Shape: Sync {
    /// The shape's name (for docs and tests).
    fn name(&self) -> &'static str;

    /// Keys of a data block this shape reads.
    fn data_keys(&self) -> &'static [&'static str] {
        &[]
    }

    /// Reads this shape's keys of one service's data block.
    fn read_data(&self, _r: &mut Reader<'_>, _view: &View, _svc: &mut ServiceDecl) {}

    /// Host settings (`atelier.backup.*`).
    fn read_host(&self, _r: &mut Reader<'_>, _settings: &mut HostSettingsDecl) {}

    /// Services this shape declares (after the mkService modules ran).
    fn services(&self, _r: &mut Reader<'_>, _cx: &Cx<'_>) -> Vec<ServiceDecl> {
        Vec::new()
    }
}

/// Path as `&str`s for `Reader`.
pub fn p(path: &[String]) -> Vec<&str> {
    path.iter().map(String::as_str).collect()
}
