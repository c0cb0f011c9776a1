//! atelier: backups for NixOS services, declared next to the service.
//!
//! The pipeline runs one way (see `docs/architecture.md`):
//! `nix` (parse + static evaluation) → `discover` (declaration shapes) →
//! `plan` (the manifest schema, validation) → `render` (the generated module);
//! `generate` runs that pipeline per host, with its cache;
//! `flake` hashes and fetches flake inputs' sources for `discover`.
//! `runtime` and `commands` make up `atelier-backup` and depend only on `plan`.
//! `lexical` (path normalization by name) depends on nothing; both sides use it.

pub mod commands;
pub mod diagnostic;
pub mod discover;
pub mod flake;
pub mod generate;
pub mod lexical;
pub mod modules;
pub mod nix;
pub mod plan;
pub mod render;
pub mod runtime;
