//! Checks on names and paths that do not need the whole plan. The stable
//! diagnostic codes live here and in `build.rs`; docs/architecture.md lists them.

use crate::diagnostic::{Diagnostic, Span};
use crate::discover::model::{Known, Located, UnknownKey};

/// Unit types `stopUnits` may name.
const UNIT_SUFFIXES: &[&str] = &[
    "service",
    "socket",
    "timer",
    "target",
    "path",
    "mount",
    "automount",
    "swap",
    "slice",
    "scope",
    "device",
];

/// Whether `name` is a full systemd unit name (`foo.service`, `bar@x.timer`).
/// The one rule for unit names: `atelier-gen` applies it to declarations,
/// `atelier-backup` to the manifest it loads and again before any name
/// reaches `systemctl`. A leading `-` is refused too: `systemctl` would
/// take the name for an option.
pub fn is_valid_unit_name(name: &str) -> bool {
    let Some((stem, suffix)) = name.rsplit_once('.') else {
        return false;
    };
    name.len() <= 255
        && UNIT_SUFFIXES.contains(&suffix)
        && !stem.is_empty()
        && stem.matches('@').count() <= 1
        && !stem.starts_with(['@', '-'])
        && stem
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '-' | '_' | '.' | '\\' | '@'))
}

/// What a valid unit name looks like (the note of `invalid-unit-name`, and
/// of the manifest error for the same rule).
pub fn unit_name_rule() -> String {
    format!(
        "a unit name is <name>.<type> with ASCII letters, digits and `:-_.\\@` (not starting with `-` or `@`), type one of {}",
        UNIT_SUFFIXES.join(", ")
    )
}

/// The `CREATE DATABASE` options that `create.options` may set: those of
/// PostgreSQL 15, then `ICU_RULES` (16) and `BUILTIN_LOCALE` (17), which an
/// older server refuses when the database is created (keys are
/// case-insensitive; `_` and a space are the same).
pub const POSTGRES_CREATE_OPTIONS: &[&str] = &[
    "OWNER",
    "TEMPLATE",
    "ENCODING",
    "STRATEGY",
    "LOCALE",
    "LC_COLLATE",
    "LC_CTYPE",
    "ICU_LOCALE",
    "LOCALE_PROVIDER",
    "COLLATION_VERSION",
    "TABLESPACE",
    "ALLOW_CONNECTIONS",
    "CONNECTION_LIMIT",
    "IS_TEMPLATE",
    "OID",
    "ICU_RULES",
    "BUILTIN_LOCALE",
];

/// `key` of `create.options` in its canonical spelling (`connection limit`
/// → `CONNECTION_LIMIT`), or `None` when it is not an option of
/// [`POSTGRES_CREATE_OPTIONS`].
pub fn postgres_create_option(key: &str) -> Option<&'static str> {
    let norm = key.trim().to_ascii_uppercase().replace(' ', "_");
    POSTGRES_CREATE_OPTIONS
        .iter()
        .find(|k| **k == norm)
        .copied()
}

/// The one rule for `create.options` entries, applied by `atelier-gen` to
/// declarations and by `atelier-backup` to the manifest it loads (and again
/// when it builds the SQL): a known key, and for the numeric and boolean
/// options a value of that kind.
pub fn check_postgres_create_option(key: &str, value: &str) -> Result<(), String> {
    let Some(canon) = postgres_create_option(key) else {
        return Err(format!(
            "`{key}` is not a PostgreSQL CREATE DATABASE option; accepted keys: {}",
            POSTGRES_CREATE_OPTIONS.join(", ")
        ));
    };
    let ok = match canon {
        "CONNECTION_LIMIT" => value.trim().parse::<i32>().is_ok_and(|n| n >= -1),
        "OID" => value.trim().parse::<u32>().is_ok(),
        "ALLOW_CONNECTIONS" | "IS_TEMPLATE" => matches!(
            value.trim().to_ascii_lowercase().as_str(),
            "true" | "false" | "on" | "off" | "yes" | "no" | "1" | "0"
        ),
        _ => !value.is_empty(),
    };
    if ok {
        Ok(())
    } else {
        Err(match canon {
            "CONNECTION_LIMIT" => {
                format!("{canon} must be an integer of -1 or more, not {value:?}")
            }
            "OID" => format!("{canon} must be a non-negative integer, not {value:?}"),
            "ALLOW_CONNECTIONS" | "IS_TEMPLATE" => {
                format!("{canon} must be true or false, not {value:?}")
            }
            _ => format!("{canon} must not be empty"),
        })
    }
}

/// Whether `name` can be a component of generated unit names
/// (`restic-backups-<name>`), a restic tag (`service:<name>`) and a file name.
pub fn is_valid_name_component(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 200
        && !name.starts_with(['.', '-'])
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// `unknown-key`, with the closest valid key when it is close enough.
pub fn unknown_key(k: &UnknownKey) -> Diagnostic {
    let best = k
        .valid
        .iter()
        .map(|v| (strsim::jaro_winkler(&k.key, v), *v))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0));
    let mut message = format!("unknown key `{}` in {}", k.key, k.context);
    if let Some((_, v)) = best {
        message.push_str("; did you mean `");
        message.push_str(v);
        message.push_str("`?");
    }
    Diagnostic::error("unknown-key", message, k.span.clone())
        .with_note(format!("valid keys here: {}", k.valid.join(", ")))
}

/// A data path: statically known, non-empty, absolute.
/// Returns the path when it is usable.
pub fn data_path(
    service: &str,
    what: &str,
    path: &Located<String>,
    data_dir: Option<&Located<String>>,
    diags: &mut Vec<Diagnostic>,
) -> Option<String> {
    match &path.value {
        Known::Unknown(reason) => {
            diags.push(
                Diagnostic::error(
                    "unresolved-path",
                    format!("service `{service}`: {what} path is not known statically: {reason}"),
                    path.span.clone(),
                )
                .with_note(
                    "atelier-gen must know every data path before rebuild time; write the path \
                     as a string literal, or build it from `cfg.dataDir` / let-bound strings",
                ),
            );
            None
        }
        Known::Value(p) if p.is_empty() => {
            diags.push(Diagnostic::error(
                "empty-path",
                format!("service `{service}`: {what} path is empty"),
                path.span.clone(),
            ));
            None
        }
        Known::Value(p) if !p.starts_with('/') => {
            let mut d = Diagnostic::error(
                "relative-path",
                format!("service `{service}`: {what} path `{p}` is relative"),
                path.span.clone(),
            )
            .with_note("data paths must be absolute, e.g. \"${cfg.dataDir}/data.db\"");
            // Say where a relative dataDir the path was built from was set.
            if let Some(dir) = data_dir {
                if let Known::Value(dv) = &dir.value {
                    if !dv.starts_with('/') && p.starts_with(dv.as_str()) {
                        d = d.with_note(format!(
                            "it is built from dataDir = \"{dv}\", set at {}",
                            dir.location()
                        ));
                    }
                }
            }
            diags.push(d);
            None
        }
        Known::Value(p) if normal_path(p) != *p => {
            diags.push(
                Diagnostic::error(
                    "non-normal-path",
                    format!(
                        "service `{service}`: {what} path `{p}` is not in normal form; write `{}`",
                        normal_path(p)
                    ),
                    path.span.clone(),
                )
                .with_note(
                    "restic stores the path as written but restores and compares it in normal form, \
                     and two spellings of one directory hide an overlap; write data paths without \
                     `.`, `..`, `//` or a trailing `/`",
                ),
            );
            None
        }
        Known::Value(p) => Some(p.clone()),
    }
}

/// The lexical normal form of a path: no empty or `.` components, `..`
/// taken against the component before it (never above `/`), no trailing
/// `/`. Symlinks are not consulted: this is the spelling to write.
pub fn normal_path(path: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    for c in path.split('/') {
        match c {
            "" | "." => {}
            ".." if out.last().is_some_and(|l| *l != "..") => {
                out.pop();
            }
            ".." if path.starts_with('/') => {}
            c => out.push(c),
        }
    }
    let joined = out.join("/");
    if path.starts_with('/') {
        format!("/{joined}")
    } else if joined.is_empty() {
        ".".to_owned()
    } else {
        joined
    }
}

/// The state directory of `atelier-backup` on a host (run records, locks,
/// staging, restore journals).
pub const STATE_DIR: &str = "/var/lib/atelier";

/// The directory of a repository on this host, in normal form, when its
/// location says so: a local path (`/srv/restic`, `local:/srv/restic`) or
/// SFTP to this host with an absolute path (`sftp:user@localhost:/srv/r`,
/// `sftp://user@localhost:22//srv/r`). `host` is the host's own name.
/// `None` for other backends and for paths relative to a home directory.
pub fn repository_local_path(repository: &str, host: &str) -> Option<String> {
    let repository = repository.trim();
    let local_host = |h: &str| {
        let h = h.trim_start_matches('[').trim_end_matches(']');
        ["localhost", "127.0.0.1", "::1"].contains(&h)
            || (!host.is_empty() && h.eq_ignore_ascii_case(host))
    };
    // The host part of `[user@]host[:port]` (IPv6 in brackets).
    let host_of = |authority: &str| -> String {
        let h = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        if let Some(rest) = h.strip_prefix('[') {
            rest.split(']').next().unwrap_or_default().to_owned()
        } else {
            h.split(':').next().unwrap_or_default().to_owned()
        }
    };
    let path = if let Some(rest) = repository.strip_prefix("sftp://") {
        let (authority, path) = rest.split_once('/')?;
        if !local_host(&host_of(authority)) || !path.starts_with('/') {
            return None;
        }
        path.to_owned()
    } else if let Some(rest) = repository.strip_prefix("sftp:") {
        // `[user@]host:/path`; an IPv6 host is in brackets.
        let after_host = match rest.find('[') {
            Some(i) if rest[..i].chars().all(|c| c != ':') => i + rest[i..].find(']')?,
            _ => 0,
        };
        let colon = after_host + rest[after_host..].find(':')?;
        let (authority, path) = (&rest[..colon], &rest[colon + 1..]);
        if !local_host(&host_of(authority)) || !path.starts_with('/') {
            return None;
        }
        path.to_owned()
    } else if let Some(path) = repository.strip_prefix("local:") {
        path.to_owned()
    } else {
        repository.to_owned()
    };
    path.starts_with('/').then(|| normal_path(&path))
}

/// A value the plan needs (unit names, schedules, exclude patterns, names).
pub fn required<T: Clone>(
    service: &str,
    what: &str,
    v: &Located<T>,
    diags: &mut Vec<Diagnostic>,
) -> Option<T> {
    match &v.value {
        Known::Value(x) => Some(x.clone()),
        Known::Unknown(reason) => {
            diags.push(
                Diagnostic::error(
                    "unresolved-value",
                    format!("{service}: {what} is not known statically: {reason}"),
                    v.span.clone(),
                )
                .with_note(
                    "write it as a literal (or from let-bound values) so atelier-gen can plan it",
                ),
            );
            None
        }
    }
}

/// A unit name the plan needs.
pub fn unit(
    service: &str,
    what: &str,
    v: &Located<String>,
    diags: &mut Vec<Diagnostic>,
) -> Option<String> {
    let name = required(&format!("service `{service}`"), what, v, diags)?;
    if is_valid_unit_name(&name) {
        Some(name)
    } else {
        diags.push(
            Diagnostic::error(
                "invalid-unit-name",
                format!("service `{service}`: `{name}` in {what} is not a valid systemd unit name"),
                v.span.clone(),
            )
            .with_note(unit_name_rule()),
        );
        None
    }
}

/// Path components, ignoring repeated and trailing slashes and `.`.
pub fn components(path: &str) -> Vec<&str> {
    path.split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .collect()
}

/// Whether `outer` is `inner` or one of its ancestors.
pub fn contains(outer: &str, inner: &str) -> bool {
    let (o, i) = (components(outer), components(inner));
    o.len() <= i.len() && o.iter().zip(&i).all(|(a, b)| a == b)
}

/// Escapes restic/Go `filepath.Match` metacharacters so a literal path can be
/// used as an exclude pattern.
pub fn glob_escape(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for c in path.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

pub fn location(span: Option<&Span>) -> String {
    span.map_or_else(|| "<unknown location>".to_owned(), Span::location)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_names() {
        for ok in [
            "a.service",
            "photos-worker.service",
            "getty@tty1.service",
            "x.timer",
            "a\\x2db.mount",
        ] {
            assert!(is_valid_unit_name(ok), "{ok}");
        }
        for bad in [
            "a",
            "a.servic",
            ".service",
            "a b.service",
            "a\".service",
            "@x.service",
            "a@b@c.service",
            "-.mount",
            "--help.service",
            "a;b.service",
            "$(x).service",
            "`x`.service",
            "a\nb.service",
            "a'.service",
            "",
        ] {
            assert!(!is_valid_unit_name(bad), "{bad}");
        }
    }

    #[test]
    fn containment_is_by_component() {
        assert!(contains("/var/lib/a", "/var/lib/a/b.db"));
        assert!(contains("/var/lib/a/", "/var/lib/a"));
        assert!(!contains("/var/lib/a", "/var/lib/ab"));
        assert!(!contains("/var/lib/a/b", "/var/lib/a"));
    }

    #[test]
    fn normal_forms() {
        for (p, n) in [
            ("/a/b", "/a/b"),
            ("/", "/"),
            ("/a/b/../a", "/a/a"),
            ("/a//b", "/a/b"),
            ("/a/./b", "/a/b"),
            ("/a/b/", "/a/b"),
            ("/../a", "/a"),
            ("//", "/"),
            ("a/../../b", "../b"),
            ("./a", "a"),
        ] {
            assert_eq!(normal_path(p), n, "{p}");
        }
    }

    #[test]
    fn repository_paths_on_this_host() {
        for (repo, path) in [
            ("/srv/restic", Some("/srv/restic")),
            ("/srv/x/../restic/", Some("/srv/restic")),
            ("local:/srv/restic", Some("/srv/restic")),
            ("sftp:backup@localhost:/srv/r", Some("/srv/r")),
            ("sftp:127.0.0.1:/srv/r", Some("/srv/r")),
            ("sftp:u@[::1]:/srv/r", Some("/srv/r")),
            ("sftp:u@box:/srv/r", Some("/srv/r")),
            ("sftp://u@localhost:2222//srv/r", Some("/srv/r")),
            ("sftp://u@[::1]:2222//srv/r", Some("/srv/r")),
            ("sftp://u@localhost/relative", None),
            ("sftp:u@localhost:relative", None),
            ("sftp:u@nas:/srv/r", None),
            ("sftp://u@nas//srv/r", None),
            ("rest:http://localhost:8000/", None),
            ("s3:s3.amazonaws.com/bucket", None),
            ("rclone:remote:/srv/r", None),
            ("relative/dir", None),
            ("", None),
        ] {
            assert_eq!(
                repository_local_path(repo, "box").as_deref(),
                path,
                "{repo}"
            );
        }
    }

    #[test]
    fn did_you_mean() {
        let k = UnknownKey {
            key: "sqllite".into(),
            span: None,
            valid: &["sqlite", "files", "postgres"],
            context: "data".into(),
        };
        assert!(unknown_key(&k).message.contains("did you mean `sqlite`"));
        let far = UnknownKey {
            key: "zzz".into(),
            ..k
        };
        assert!(!unknown_key(&far).message.contains("did you mean"));
    }
}
