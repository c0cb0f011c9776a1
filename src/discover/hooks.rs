//! Shape: hooks (pre/post backup/restore), `check`, `stopForBackup` and
//! `stopUnits`.

use super::model::ServiceDecl;
use super::shape::{Shape, View};
use super::values::Reader;

pub struct Hooks;

impl Shape for Hooks {
    fn name(&self) -> &'static str {
        "hooks, check, stopForBackup, stopUnits"
    }

    fn data_keys(&self) -> &'static [&'static str] {
        &["hooks", "check", "stopForBackup", "stopUnits"]
    }

    fn read_data(&self, r: &mut Reader<'_>, view: &View, svc: &mut ServiceDecl) {
        svc.hooks.pre_backup = r.string(&view.path(&["hooks", "preBackup"]));
        svc.hooks.post_backup = r.string(&view.path(&["hooks", "postBackup"]));
        svc.hooks.pre_restore = r.string(&view.path(&["hooks", "preRestore"]));
        svc.hooks.post_restore = r.string(&view.path(&["hooks", "postRestore"]));
        svc.check = r.string(&view.path(&["check"]));
        svc.stop_for_backup = r.boolean(&view.path(&["stopForBackup"]));
        svc.stop_units = r.strings_opt(&view.path(&["stopUnits"]));
    }
}
