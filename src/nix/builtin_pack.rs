//! atelier's own Nix sources (the built-in lib and its license table, the
//! flake knowledge, the mkService and options modules), shipped already
//! lowered.
//!
//! Every evaluation needs most of them, and parsing them with rnix is most
//! of what a small flake's first run costs (about 85 M of 96 M instructions for a
//! flake of one service, docs/bench.md). `builtin.pack` holds their trees
//! in the syntax cache's encoding ([`super::syntax_cache::encode`]), each
//! under the SHA-256 of its text, after a header naming the code that
//! lowered them: the SHA-256 of `syntax.rs`, `syntax_cache.rs` and
//! `Cargo.lock` (the rnix that parsed them). A text whose digest is not
//! there, or a pack written by other code, is parsed as before, so a stale
//! pack costs time, never a wrong tree; the unit test
//! `builtin_pack_is_current` fails until it is written again:
//!
//! ```sh
//! ATELIER_UPDATE_BUILTIN_PACK=1 cargo test --lib builtin_pack_is_current
//! ```

use std::sync::{Arc, OnceLock};

use sha2::{Digest, Sha256};

use super::syntax::ExprRef;
use crate::diagnostic::SourceFile;

static PACK: &[u8] = include_bytes!("builtin.pack");

const MAGIC: &[u8; 8] = b"ATLBPK1\n";

/// The code whose lowering the pack holds.
fn code_digest() -> &'static [u8; 32] {
    static D: OnceLock<[u8; 32]> = OnceLock::new();
    D.get_or_init(|| {
        let mut h = Sha256::new();
        for part in [
            include_str!("syntax.rs"),
            include_str!("syntax_cache.rs"),
            include_str!("../../Cargo.lock"),
        ] {
            h.update((part.len() as u64).to_le_bytes());
            h.update(part.as_bytes());
        }
        h.finalize().into()
    })
}

/// The sources the pack holds.
#[cfg(test)]
fn sources() -> [&'static str; 8] {
    [
        super::builtins::LIB_NIX,
        super::builtins::LICENSES_NIX,
        super::builtins::LIB_MORE_NIX,
        super::builtins::DERIVATION_NIX,
        crate::discover::flake::FLAKE_NIX,
        crate::modules::MKSERVICE,
        crate::modules::ATELIER_OPTIONS,
        crate::modules::MODULE_OPTIONS,
    ]
}

/// The records of a pack written by this code: (text digest, tree).
fn records(pack: &[u8]) -> Option<Vec<([u8; 32], &[u8])>> {
    let rest = pack.strip_prefix(MAGIC.as_slice())?;
    let (code, mut rest) = rest.split_at_checked(32)?;
    if code != code_digest() {
        return None;
    }
    let mut out = Vec::new();
    while !rest.is_empty() {
        let (key, r) = rest.split_at_checked(32)?;
        let (len, r) = r.split_at_checked(4)?;
        let len = usize::try_from(u32::from_le_bytes(len.try_into().ok()?)).ok()?;
        let (tree, r) = r.split_at_checked(len)?;
        out.push((key.try_into().ok()?, tree));
        rest = r;
    }
    Some(out)
}

/// The kept tree of `file`, whose contents are `text`, when the pack has
/// it.
pub(crate) fn tree(text: &str, file: &Arc<SourceFile>) -> Option<ExprRef> {
    static INDEX: OnceLock<Vec<([u8; 32], &'static [u8])>> = OnceLock::new();
    let index = INDEX.get_or_init(|| records(PACK).unwrap_or_default());
    if index.is_empty() {
        return None;
    }
    let key: [u8; 32] = Sha256::digest(text.as_bytes()).into();
    let (_, bytes) = index.iter().find(|(k, _)| *k == key)?;
    super::syntax_cache::decode(bytes, file)
}

/// The pack for the sources as they are now.
#[cfg(test)]
fn generate() -> Vec<u8> {
    let mut out = MAGIC.to_vec();
    out.extend_from_slice(code_digest());
    for text in sources() {
        let file = Arc::new(SourceFile {
            name: "<atelier>".into(),
            path: "/<atelier>".into(),
            text: text.to_owned(),
        });
        let tree = super::syntax::parse(&file).expect("atelier's own sources parse");
        let bytes = super::syntax_cache::encode(&tree);
        out.extend_from_slice(&Sha256::digest(text.as_bytes()));
        out.extend_from_slice(&u32::try_from(bytes.len()).expect("small").to_le_bytes());
        out.extend_from_slice(&bytes);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shipped pack is the one this code writes for these sources
    /// (which also means each kept tree is what parsing gives: the
    /// encoding is a function of the tree).
    #[test]
    fn builtin_pack_is_current() {
        let fresh = generate();
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/nix/builtin.pack");
        if std::env::var_os("ATELIER_UPDATE_BUILTIN_PACK").is_some() {
            std::fs::write(&path, &fresh).unwrap();
            return;
        }
        assert!(
            PACK == fresh.as_slice(),
            "src/nix/builtin.pack is stale (atelier's Nix sources or the lowering changed): write it again with `ATELIER_UPDATE_BUILTIN_PACK=1 cargo test --lib builtin_pack_is_current`"
        );
        for text in sources() {
            let file = Arc::new(SourceFile {
                name: "<atelier>".into(),
                path: "/<atelier>".into(),
                text: text.to_owned(),
            });
            let kept = tree(text, &file).expect("every source is kept");
            let parsed = super::super::syntax::parse(&file).unwrap();
            assert_eq!(
                super::super::syntax_cache::encode(&kept),
                super::super::syntax_cache::encode(&parsed)
            );
        }
    }

    /// A text that is not one of the sources is not found (it is parsed).
    #[test]
    fn other_texts_are_parsed() {
        let file = Arc::new(SourceFile {
            name: "t.nix".into(),
            path: "/t.nix".into(),
            text: "1 + 1".into(),
        });
        assert!(tree("1 + 1", &file).is_none());
        assert!(records(b"ATLBPK1\nshort").is_none());
    }
}
