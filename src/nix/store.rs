//! Nix store paths computed the way Nix computes them (`Nix 2.8`'s
//! `makeStorePath`, `hashDerivationModulo`, the `ATerm` form of a
//! derivation), for the inputs atelier knows exactly.
//!
//! A derivation's inputs come from its attributes' context (`context.rs`):
//! store paths of sources are input sources, outputs of derivations this
//! evaluation computed are input derivations, by their modulo hash.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

pub const STORE_DIR: &str = "/nix/store";

const BASE32_CHARS: &[u8; 32] = b"0123456789abcdfghijklmnpqrsvwxyz";

/// Nix's base-32 (its own alphabet, least significant bits first).
pub fn base32(hash: &[u8]) -> String {
    if hash.is_empty() {
        return String::new();
    }
    let len = (hash.len() * 8 - 1) / 5 + 1;
    let mut s = String::with_capacity(len);
    for n in (0..len).rev() {
        let b = n * 5;
        let i = b / 8;
        let j = b % 8;
        let lo = u32::from(hash[i]) >> j;
        let hi = if i + 1 < hash.len() {
            u32::from(hash[i + 1]) << (8 - j)
        } else {
            0
        };
        s.push(BASE32_CHARS[((lo | hi) & 0x1f) as usize] as char);
    }
    s
}

fn compress_hash(hash: &[u8], size: usize) -> Vec<u8> {
    let mut out = vec![0u8; size];
    for (i, b) in hash.iter().enumerate() {
        out[i % size] ^= b;
    }
    out
}

/// `makeStorePath(type, sha256 hash, name)`.
pub fn make_store_path(kind: &str, hash: &[u8; 32], name: &str) -> String {
    let fingerprint = format!("{kind}:sha256:{}:{STORE_DIR}:{name}", hex::encode(hash));
    let h = Sha256::digest(fingerprint.as_bytes());
    format!("{STORE_DIR}/{}-{name}", base32(&compress_hash(&h, 20)))
}

/// The store path of a text file (`builtins.toFile`, a `.drv`):
/// `makeTextPath`, whose type is `text:<ref>:<ref>…` (references sorted).
pub fn text_path(name: &str, contents: &str, refs: &[&str]) -> String {
    let mut refs = refs.to_vec();
    refs.sort_unstable();
    let mut kind = String::from("text");
    for r in refs {
        kind.push(':');
        kind.push_str(r);
    }
    make_store_path(&kind, &Sha256::digest(contents.as_bytes()).into(), name)
}

/// An input-addressed derivation.
pub struct Derivation {
    pub name: String,
    pub system: String,
    pub builder: String,
    pub args: Vec<String>,
    pub env: BTreeMap<String, String>,
    pub outputs: Vec<String>,
    /// Store paths it depends on (sources, `toFile` texts).
    pub input_srcs: std::collections::BTreeSet<String>,
    /// `.drv` paths it depends on → the outputs used, with each one's
    /// `hashDerivationModulo` (hex), which stands for it in the hashes.
    pub input_drvs: BTreeMap<String, (String, std::collections::BTreeSet<String>)>,
}

fn aterm_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            _ => out.push(c),
        }
    }
    out.push('"');
}

fn aterm_list<T>(out: &mut String, items: &[T], mut f: impl FnMut(&mut String, &T)) {
    out.push('[');
    for (i, x) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        f(out, x);
    }
    out.push(']');
}

impl Derivation {
    /// The `ATerm` text, with the given output paths (empty when masked);
    /// input derivations by their modulo hash (`modulo`) or their path.
    fn aterm(&self, paths: &BTreeMap<String, String>, modulo: bool) -> String {
        let mut out = String::from("Derive(");
        let outputs: Vec<&String> = self
            .outputs
            .iter()
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        aterm_list(&mut out, &outputs, |o, name| {
            o.push('(');
            aterm_string(o, name);
            o.push(',');
            aterm_string(o, paths.get(*name).map_or("", String::as_str));
            o.push_str(",\"\",\"\")");
        });
        out.push(',');
        let mut inputs: Vec<(&str, Vec<&String>)> = self
            .input_drvs
            .iter()
            .map(|(p, (h, outs))| {
                (
                    if modulo { h.as_str() } else { p.as_str() },
                    outs.iter().collect(),
                )
            })
            .collect();
        inputs.sort();
        aterm_list(&mut out, &inputs, |o, (p, outs)| {
            o.push('(');
            aterm_string(o, p);
            o.push(',');
            aterm_list(o, outs, |o, x| aterm_string(o, x));
            o.push(')');
        });
        out.push(',');
        let srcs: Vec<&String> = self.input_srcs.iter().collect();
        aterm_list(&mut out, &srcs, |o, x| aterm_string(o, x));
        out.push(',');
        aterm_string(&mut out, &self.system);
        out.push(',');
        aterm_string(&mut out, &self.builder);
        out.push(',');
        aterm_list(&mut out, &self.args, |o, a| aterm_string(o, a));
        out.push(',');
        let mut env = self.env.clone();
        for o in &self.outputs {
            env.insert(o.clone(), paths.get(o).cloned().unwrap_or_default());
        }
        let env: Vec<(String, String)> = env.into_iter().collect();
        aterm_list(&mut out, &env, |o, (k, v)| {
            o.push('(');
            aterm_string(o, k);
            o.push(',');
            aterm_string(o, v);
            o.push(')');
        });
        out.push(')');
        out
    }

    /// `(drvPath, output name -> path, hashDerivationModulo)`, as
    /// `derivationStrict` computes them for an input-addressed derivation.
    pub fn paths(&self) -> (String, BTreeMap<String, String>, [u8; 32]) {
        let masked = self.aterm(&BTreeMap::new(), true);
        let h: [u8; 32] = Sha256::digest(masked.as_bytes()).into();
        let paths: BTreeMap<String, String> = self
            .outputs
            .iter()
            .map(|o| {
                let name = if o == "out" {
                    self.name.clone()
                } else {
                    format!("{}-{o}", self.name)
                };
                (
                    o.clone(),
                    make_store_path(&format!("output:{o}"), &h, &name),
                )
            })
            .collect();
        let drv = self.aterm(&paths, false);
        let modulo: [u8; 32] = Sha256::digest(self.aterm(&paths, true).as_bytes()).into();
        let mut refs: Vec<&str> = self.input_srcs.iter().map(String::as_str).collect();
        refs.extend(self.input_drvs.keys().map(String::as_str));
        let drv_path = text_path(&format!("{}.drv", self.name), &drv, &refs);
        (drv_path, paths, modulo)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `nix-instantiate --eval -E '(derivation { name = "x"; system = "y";
    /// builder = "z"; })'` (Nix 2.8).
    #[test]
    fn derivation_paths_match_nix() {
        let d = Derivation {
            name: "x".into(),
            system: "y".into(),
            builder: "z".into(),
            args: vec![],
            env: [("builder", "z"), ("name", "x"), ("system", "y")]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            outputs: vec!["out".into()],
            input_srcs: std::collections::BTreeSet::new(),
            input_drvs: BTreeMap::new(),
        };
        let (drv, outs, _) = d.paths();
        assert_eq!(drv, "/nix/store/n01dy158nk2mfsjgkgdpm9ma51dy2ry5-x.drv");
        assert_eq!(outs["out"], "/nix/store/lh8kzldrj2y4hmixfhi5kyagwjrxzsb0-x");
    }

    #[test]
    fn base32_of_known_hash() {
        // `nix hash to-base32` of sha256("") in Nix's alphabet.
        let h = Sha256::digest(b"");
        assert_eq!(
            base32(&h),
            "0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73"
        );
    }
}
