//! Flake inputs as content: NAR hashes and store paths ([`nar`]) and
//! downloading locked sources ([`fetch`]). Evaluation never comes here for
//! its reads: `discover::lock` decides where an input's source is and
//! records that through `nix::inputs`; this module only writes sources
//! into atelier-gen's cache, checked against flake.lock's `narHash`.

pub mod fetch;
pub mod nar;
pub mod prune;
pub mod unpack;
