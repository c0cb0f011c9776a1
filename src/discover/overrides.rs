//! Shape: per-service overrides of the host's schedule, randomized delay,
//! retention, tags and repositories (a service may go to several).

use super::model::{RetentionDecl, ServiceDecl};
use super::shape::{p, Shape, View};
use super::values::Reader;
use crate::discover::defs::RETENTION_KEYS;

pub struct Overrides;

impl Shape for Overrides {
    fn name(&self) -> &'static str {
        "schedule, retention, tags, repositories"
    }

    fn data_keys(&self) -> &'static [&'static str] {
        &[
            "schedule",
            "randomizedDelay",
            "retention",
            "tags",
            "repositories",
        ]
    }

    fn read_data(&self, r: &mut Reader<'_>, view: &View, svc: &mut ServiceDecl) {
        svc.schedule = r.string(&p(&view.path(&["schedule"])));
        svc.randomized_delay = r.string(&p(&view.path(&["randomizedDelay"])));
        svc.tags = r.strings(&p(&view.path(&["tags"])));
        svc.repositories = r.strings_opt(&p(&view.path(&["repositories"])));
        svc.retention = retention(r, &view.path(&["retention"]));
    }
}

/// `retention = { last; hourly; daily; weekly; monthly; yearly; }` at `base`.
pub fn retention(r: &mut Reader<'_>, base: &[String]) -> Option<RetentionDecl> {
    let mut out = RetentionDecl {
        span: r.defs.first_span(&p(base)),
        keep: Vec::new(),
    };
    for key in RETENTION_KEYS {
        let mut path = base.to_vec();
        path.push((*key).to_owned());
        if let Some(v) = r.int(&p(&path)) {
            out.keep.push(((*key).to_owned(), v));
        }
    }
    (!out.keep.is_empty()).then_some(out)
}
