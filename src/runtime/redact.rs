//! Redaction for the support bundle: every secret the manifest points at
//! (password file, environment file values, repository file contents and URL
//! credentials) is replaced by `<redacted>` wherever it appears, and
//! credential-shaped text (URL userinfo, `*TOKEN*=…`, `Bearer …`) is masked
//! even when we did not know the value.

use crate::plan::Manifest;

pub const MASK: &str = "<redacted>";

#[derive(Debug, Default, Clone)]
pub struct Secrets {
    values: Vec<String>,
}

impl Secrets {
    /// Reads the secret files of every repository (as root on the host).
    pub fn collect(manifest: &Manifest) -> Self {
        let mut s = Self::default();
        for repo in manifest.repositories.values() {
            if let Some(f) = &repo.password_file {
                if let Ok(text) = std::fs::read_to_string(f) {
                    s.add(text.trim_end_matches(['\n', '\r']));
                    s.add(text.trim());
                }
            }
            if let Some(f) = &repo.environment_file {
                if let Ok(text) = std::fs::read_to_string(f) {
                    for (_, v) in super::restore_restic::parse_env(&text) {
                        s.add(&v);
                    }
                }
            }
            if let Some(f) = &repo.repository_file {
                if let Ok(text) = std::fs::read_to_string(f) {
                    for line in text.lines() {
                        s.add_url(line.trim());
                    }
                }
            }
            if let Some(r) = &repo.repository {
                s.add_url(r);
            }
        }
        s.values.sort_by_key(|v| std::cmp::Reverse(v.len()));
        s.values.dedup();
        s
    }

    pub fn add(&mut self, v: &str) {
        // Very short values would mask ordinary words; they are not credentials anyway.
        if v.len() >= 4 && !self.values.iter().any(|x| x == v) {
            self.values.push(v.to_owned());
        }
    }

    fn add_url(&mut self, url: &str) {
        if let Some((user, pass)) = userinfo(url) {
            self.add(pass);
            self.add(user);
        }
    }

    /// Masks known secrets, then credential-shaped text.
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for v in &self.values {
            out = out.replace(v.as_str(), MASK);
        }
        mask_patterns(&out)
    }

    /// Redacts every string in a JSON value (keys included).
    pub fn redact_json(&self, v: &mut serde_json::Value) {
        match v {
            serde_json::Value::String(s) => *s = self.redact(s),
            serde_json::Value::Array(a) => a.iter_mut().for_each(|x| self.redact_json(x)),
            serde_json::Value::Object(o) => {
                let old = std::mem::take(o);
                for (k, mut x) in old {
                    self.redact_json(&mut x);
                    o.insert(self.redact(&k), x);
                }
            }
            _ => {}
        }
    }
}

/// `(user, password)` of `scheme:…//user:password@host…`.
fn userinfo(url: &str) -> Option<(&str, &str)> {
    let after = &url[url.find("://")? + 3..];
    let at = after.find('@')?;
    let info = &after[..at];
    if info.contains('/') {
        return None;
    }
    info.split_once(':')
}

fn mask_patterns(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&mask_line(line));
    }
    out
}

fn mask_line(line: &str) -> String {
    let mut l = line.to_owned();
    // URL userinfo: keep the scheme and host, drop user:password.
    let mut search = 0;
    while let Some(p) = l[search..].find("://") {
        let start = search + p + 3;
        let rest = &l[start..];
        let end = rest
            .find(|c: char| c.is_whitespace() || c == '"' || c == '\'')
            .unwrap_or(rest.len());
        if let Some(at) = rest[..end].find('@') {
            if !rest[..at].contains('/') && rest[..at].contains(':') {
                l.replace_range(start..start + at, MASK);
            }
        }
        search = start;
    }
    // KEY=value / KEY: value with a credential-like key.
    let upper = l.to_ascii_uppercase();
    for key in [
        "TOKEN",
        "SECRET",
        "PASSWORD",
        "PASSWD",
        "ACCESS_KEY",
        "API_KEY",
        "ACCOUNT_KEY",
        "PRIVATE_KEY",
        "SECRET_KEY",
        "_KEY=",
        "CREDENTIAL",
        "AUTH",
    ] {
        if let Some(k) = upper.find(key) {
            if let Some(eq) = l[k..].find(['=', ':']).map(|e| e + k) {
                let val = l[eq + 1..].trim();
                let looks_path = val.starts_with('/') || val.starts_with("\"/");
                if !val.is_empty() && !looks_path && !val.starts_with(MASK) {
                    // The rest of the line is the value: mask all of it.
                    l = format!("{}{MASK}", &l[..=eq]);
                }
            }
            break;
        }
    }
    if let Some(p) = l.find("Bearer ") {
        l = format!("{}Bearer {MASK}", &l[..p]);
    }
    l
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_url_credentials_and_token_lines() {
        let s = Secrets::default();
        assert_eq!(
            s.redact("rest:https://alice:hunter22@backup.example/repo"),
            "rest:https://<redacted>@backup.example/repo"
        );
        assert_eq!(
            s.redact("B2_ACCOUNT_KEY=abcdef"),
            "B2_ACCOUNT_KEY=<redacted>"
        );
        assert!(!s.redact("GITHUB_TOKEN: ghp_xyz").contains("ghp_xyz"));
        assert!(!s
            .redact("Authorization: Bearer abc.def")
            .contains("abc.def"));
        assert_eq!(
            s.redact("passwordFile path is /run/x"),
            "passwordFile path is /run/x"
        );
    }

    #[test]
    fn masks_known_values_everywhere() {
        let mut s = Secrets::default();
        s.add("correct horse battery");
        let mut v = serde_json::json!({"log": ["opened with correct horse battery ok"], "correct horse battery": 1});
        s.redact_json(&mut v);
        assert!(!v.to_string().contains("horse"));
    }
}
