//! The generator's orchestration, above `discover`, `plan` and `render`:
//! `pipeline` runs discover → plan → render for each host of a flake (the
//! library side of `atelier-gen generate | check | plan`), `cache` keeps each
//! host's result with the file-system questions its evaluation asked.

pub mod cache;
pub mod pipeline;
