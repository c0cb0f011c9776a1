//! Shape: the generic dump contract
//! (`dumps.<name> = { backupCmd; restoreCmd; user; backupName; }`).

use super::model::{DumpDecl, ServiceDecl};
use super::shape::{p, Shape, View};
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
        for name in r.defs.children(&p(&base)) {
            let field = |f: &str| {
                let mut path = base.clone();
                path.push(name.clone());
                path.push(f.to_owned());
                path
            };
            let span = r.defs.first_span(&p(&{
                let mut x = base.clone();
                x.push(name.clone());
                x
            }));
            svc.dumps.push(DumpDecl {
                name: name.clone(),
                span,
                backup_cmd: r.string(&p(&field("backupCmd"))),
                restore_cmd: r.string(&p(&field("restoreCmd"))),
                user: r.string(&p(&field("user"))),
                backup_name: r.string(&p(&field("backupName"))),
            });
        }
    }
}
