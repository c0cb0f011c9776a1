//! The shape trait: one implementation per declaration shape, registered in
//! `SHAPES` (mod.rs).

use crate::discover::model::{HostSettingsDecl, ServiceDecl};
use crate::discover::values::Reader;

/// Where a service's data options live: `atelier.services.<n>.data` for
/// mkService, `atelier.backup.services.<n>` for manual registrations (whose
/// `paths` are `files` and whose hooks are flat).
pub struct View {
    pub prefix: Vec<String>,
    pub manual: bool,
}

impl View {
    pub fn path(&self, key: &[&str]) -> Vec<String> {
        let key: Vec<&str> = match (self.manual, key) {
            (true, ["files"]) => vec!["paths"],
            (true, ["hooks", h]) => vec![*h],
            _ => key.to_vec(),
        };
        self.prefix
            .iter()
            .cloned()
            .chain(key.iter().map(|k| (*k).to_owned()))
            .collect()
    }
}

/// What shapes need while reading one host.
pub struct Cx<'a> {
    pub host: &'a str,
    pub expanded: &'a [crate::discover::mkservice::Expanded],
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
