//! Hash of a whole tree: relative path, type, mode, owner, content or link
//! target of every entry (rt2's restore tests compare trees with it).
// "SQLite" and "PostgreSQL" are names, not code.
#![allow(clippy::doc_markdown)]
#![allow(dead_code)]

use std::os::unix::fs::MetadataExt;
use std::path::Path;

use sha2::{Digest, Sha256};

pub fn tree_hash(root: &Path) -> String {
    let mut h = Sha256::new();
    if root.symlink_metadata().is_err() {
        return "absent".into();
    }
    let mut entries: Vec<_> = walkdir::WalkDir::new(root)
        .sort_by_file_name()
        .into_iter()
        .map(Result::unwrap)
        .collect();
    entries.sort_by(|a, b| a.path().cmp(b.path()));
    for e in entries {
        let md = e.path().symlink_metadata().unwrap();
        let rel = e.path().strip_prefix(root).unwrap().display().to_string();
        h.update(format!(
            "{rel}\0{:o}\0{}:{}\0",
            md.mode(),
            md.uid(),
            md.gid()
        ));
        if md.file_type().is_symlink() {
            h.update(
                std::fs::read_link(e.path())
                    .unwrap()
                    .as_os_str()
                    .as_encoded_bytes(),
            );
        } else if md.is_file() {
            h.update(std::fs::read(e.path()).unwrap());
        }
        h.update(b"\n");
    }
    hex::encode(h.finalize())
}

/// Rows of table `t` (SQLite), in order.
pub fn sqlite_rows(db: &Path) -> Vec<(i64, String)> {
    let c = rusqlite::Connection::open(db).unwrap();
    let ok: String = c
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(ok, "ok");
    let mut st = c.prepare("SELECT id, v FROM t ORDER BY id").unwrap();
    st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}
