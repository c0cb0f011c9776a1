//! Shape: the generic dump contract
//! (`dumps.<name> = { backupCmd; restoreCmd; user; backupName; }`).

use super::model::{DumpDecl, ServiceDecl};
use super::shape::{Shape, View};
use super::values::Reader;

pub struct Dumps;

impl Shape for Dumps {
    fn name(&self) -> &'static str {
        "dumps"
    }

    fn data_keys(&self) -> &'static [&'static str] {
        &["dumps"]
    }

    fn read_data(&self, r: &mut Reader<'_>, view: &View, svc: &mut ServiceDecl) {
        let base = view.path(&["dumps"]);
        for name in r.defs.children(&base) {
            let mut path = Vec::with_capacity(base.len() + 2);
            path.extend_from_slice(&base);
            path.push(name.as_str());
            let span = r.defs.first_span(&path);
            let mut field = |r: &mut Reader<'_>, f| {
                path.truncate(base.len() + 1);
                path.push(f);
                r.string(&path)
            };
            let backup_cmd = field(r, "backupCmd");
            let restore_cmd = field(r, "restoreCmd");
            let user = field(r, "user");
            let backup_name = field(r, "backupName");
            svc.dumps.push(DumpDecl {
                name: name.clone(),
                span,
                backup_cmd,
                restore_cmd,
                user,
                backup_name,
            });
        }
    }
}
