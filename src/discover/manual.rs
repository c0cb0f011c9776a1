//! Shape: manual registration, `atelier.backup.services.<name> = { paths;
//! exclude; tags; preBackup; postBackup; preRestore; postRestore; stopUnits; }`.

use super::model::{Origin, ServiceDecl};
use super::shape::{Cx, Shape};
use super::values::Reader;

pub struct Manual;

impl Shape for Manual {
    fn name(&self) -> &'static str {
        "manual registration"
    }

    fn services(&self, r: &mut Reader<'_>, _cx: &Cx<'_>) -> Vec<ServiceDecl> {
        r.defs
            .children(&["atelier", "backup", "services"])
            .into_iter()
            .map(|name| {
                let span = r
                    .defs
                    .first_span(&["atelier", "backup", "services", name.as_str()]);
                let mut s = ServiceDecl::new(name.clone(), Origin::Manual, span);
                s.user = r.string(&["atelier", "backup", "services", name.as_str(), "user"]);
                s.group = r.string(&["atelier", "backup", "services", name.as_str(), "group"]);
                s
            })
            .collect()
    }
}
