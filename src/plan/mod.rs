//! The plan: what atelier-gen resolved for one host. It has exactly the schema
//! of the host manifest (`/etc/atelier/backup-manifest.json`, DESIGN.md §4.4).

pub mod build;
pub mod manifest;
pub mod validate;

pub use build::{build, generator, Maintenance, Outcome, Plan};
pub use manifest::*;
