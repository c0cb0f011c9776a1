//! Lexical path normalization, shared by the generator (`nix::inputs`) and
//! the host runtime (`runtime::restore`): depends on nothing in the crate.

use std::path::{Component, Path, PathBuf};

/// `p` made absolute (against the current directory) with `.` and `..`
/// folded away by name alone: no symlink is resolved, nothing needs to
/// exist. When the current directory is unknown, a relative `p` stays
/// relative.
pub fn normalize(p: &Path) -> PathBuf {
    let abs = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir().map_or_else(|_| p.to_path_buf(), |d| d.join(p))
    };
    let mut out = PathBuf::new();
    for c in abs.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_dots_by_name() {
        assert_eq!(normalize(Path::new("/a/./b/../c")), PathBuf::from("/a/c"));
        assert_eq!(normalize(Path::new("/../a")), PathBuf::from("/a"));
        assert_eq!(
            normalize(Path::new("x/../y")),
            std::env::current_dir().unwrap().join("y")
        );
    }
}
