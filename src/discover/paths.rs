//! Shape: `SQLite` databases, plain files and exclude patterns
//! (`sqlite = "..." | [ ... ]; files = [ ... ]; exclude = [ ... ];`).

use super::model::ServiceDecl;
use super::shape::{Shape, View};
use super::values::Reader;

pub struct Paths;

impl Shape for Paths {
    fn name(&self) -> &'static str {
        "sqlite, files and exclude"
    }

    fn data_keys(&self) -> &'static [&'static str] {
        &["sqlite", "files", "exclude"]
    }

    fn read_data(&self, r: &mut Reader<'_>, view: &View, svc: &mut ServiceDecl) {
        svc.sqlite = r.strings(&view.path(&["sqlite"]));
        svc.files = r.strings(&view.path(&["files"]));
        svc.exclude = r.strings(&view.path(&["exclude"]));
    }
}
