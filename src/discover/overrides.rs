//! Shape: per-service overrides of the host's schedule, randomized delay,
//! retention, tags and repositories (a service may go to several).

use super::model::{RetentionDecl, ServiceDecl};
use super::shape::{Shape, View};
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
            "staleAfter",
            "tags",
            "repositories",
        ]
    }

    fn read_data(&self, r: &mut Reader<'_>, view: &View, svc: &mut ServiceDecl) {
        svc.schedule = r.string(&view.path(&["schedule"]));
        svc.randomized_delay = r.string(&view.path(&["randomizedDelay"]));
        svc.stale_after = r.string(&view.path(&["staleAfter"]));
        svc.tags = r.strings(&view.path(&["tags"]));
        svc.repositories = r.strings_opt(&view.path(&["repositories"]));
        svc.retention = retention(r, &view.path(&["retention"]));
    }
}

/// `retention = { last; hourly; daily; weekly; monthly; yearly; }` at `base`.
pub fn retention(r: &mut Reader<'_>, base: &[&str]) -> Option<RetentionDecl> {
    let mut out = RetentionDecl {
        span: r.defs.first_span(base),
        keep: Vec::new(),
    };
    let mut path = Vec::with_capacity(base.len() + 1);
    path.extend_from_slice(base);
    path.push("");
    for key in RETENTION_KEYS {
        *path.last_mut().expect("not empty") = key;
        if let Some(v) = r.int(&path) {
            out.keep.push(((*key).to_owned(), v));
        }
    }
    (!out.keep.is_empty()).then_some(out)
}
