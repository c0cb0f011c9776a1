//! Writing generated files: only over files that carry our header, all or
//! nothing, and comparing for `check`.

use std::path::{Path, PathBuf};

use super::HEADER_PREFIX;

/// One file to write.
#[derive(Debug, Clone)]
pub struct GeneratedFile {
    pub path: PathBuf,
    pub contents: String,
}

#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("refusing to overwrite {path}: it does not start with `{HEADER_PREFIX}`, so it was not written by atelier-gen\n  hint: move it away or choose another --out directory")]
    NotGenerated { path: String },
    #[error("cannot write {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// Whether an existing file may be replaced.
fn check_overwritable(path: &Path) -> Result<(), OutputError> {
    match std::fs::read_to_string(path) {
        Ok(text) if text.starts_with(HEADER_PREFIX) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        // Another file, or unreadable (binary, permissions): not ours either.
        Ok(_) | Err(_) => Err(OutputError::NotGenerated {
            path: path.display().to_string(),
        }),
    }
}

/// Writes every file, or none when any target is not ours. Each file is
/// replaced atomically (temp file + rename in the same directory).
pub fn write_all(files: &[GeneratedFile]) -> Result<Vec<PathBuf>, OutputError> {
    for f in files {
        check_overwritable(&f.path)?;
    }
    let mut written = Vec::new();
    for f in files {
        let io = |source| OutputError::Io {
            path: f.path.display().to_string(),
            source,
        };
        if std::fs::read_to_string(&f.path).is_ok_and(|old| old == f.contents) {
            continue;
        }
        let dir = f
            .path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(io)?;
        let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(io)?;
        std::io::Write::write_all(&mut tmp, f.contents.as_bytes()).map_err(io)?;
        tmp.persist(&f.path).map_err(|e| io(e.error))?;
        written.push(f.path.clone());
    }
    Ok(written)
}

/// The state of a generated file on disk compared with a fresh render.
#[derive(Debug)]
pub enum Staleness {
    UpToDate,
    Missing,
    /// A unified diff from the file on disk to the fresh render.
    Stale(String),
}

pub fn compare(file: &GeneratedFile) -> Staleness {
    match std::fs::read_to_string(&file.path) {
        Err(_) => Staleness::Missing,
        Ok(old) if old == file.contents => Staleness::UpToDate,
        Ok(old) => {
            let name = file.path.display().to_string();
            let diff = similar::TextDiff::from_lines(&old, &file.contents)
                .unified_diff()
                .context_radius(3)
                .header(
                    &format!("{name} (on disk)"),
                    &format!("{name} (fresh render)"),
                )
                .to_string();
            Staleness::Stale(diff)
        }
    }
}
