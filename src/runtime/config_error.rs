//! A usage or configuration error (`atelier-backup` exits 2 on it) and the
//! messages that the commands and the runtime both give.

/// A usage or configuration error: exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

/// Names for an error message, comma-separated (`known: a, b`).
pub fn known<'a>(names: impl Iterator<Item = &'a String>) -> String {
    names.cloned().collect::<Vec<_>>().join(", ")
}

/// ``service `NAME` is not in the manifest (known: …)``, a configuration
/// error.
pub fn service_not_in_manifest(manifest: &crate::plan::Manifest, name: &str) -> ConfigError {
    ConfigError(format!(
        "service `{name}` is not in the manifest (known: {})",
        known(manifest.services.keys())
    ))
}
