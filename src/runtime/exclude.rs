//! restic's `--exclude` matching, so that an in-place restore can keep the
//! live files a backup never saved (they are not in the snapshot, and the
//! swap would otherwise delete them for good).
//!
//! A port of restic's `internal/filter` (`Match`/`List`) over Go's
//! `path/filepath.Match`: a pattern is split at `/` and its parts are
//! matched against consecutive path components; a pattern not starting with
//! `/` may match at any depth; `**` matches any number of components. A path
//! below a matching directory is excluded with it.

use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};

use anyhow::Context as _;

use super::terminal::ShowPath as _;

/// Whether restic would exclude `path` (absolute) with `patterns`, in
/// order: a pattern starting with `!` cancels a match of the patterns
/// before it. A malformed pattern matches nothing (restic refuses such a
/// backup).
pub fn is_excluded(patterns: &[String], path: &str) -> bool {
    let strs: Vec<&str> = path.split('/').collect();
    let mut excluded = false;
    for pattern in patterns.iter().filter(|p| !p.is_empty()) {
        let (negated, pattern) = match pattern.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, pattern.as_str()),
        };
        if match_parts(&prepare(pattern), &strs).unwrap_or(false) {
            excluded = !negated;
        }
    }
    excluded
}

/// Go's `filepath.Clean`, lexically, then split at `/` (an absolute
/// pattern starts with an empty part).
fn prepare(pattern: &str) -> Vec<String> {
    let clean = crate::plan::validate::normal_path(pattern);
    if clean == "/" {
        return vec![String::new(), String::new()];
    }
    clean.split('/').map(str::to_owned).collect()
}

fn match_parts(pattern: &[String], strs: &[&str]) -> Option<bool> {
    if let Some(pos) = pattern.iter().position(|p| p == "**") {
        // Expand `**` into 0, 1, 2, … single-component wildcards.
        let rest = &pattern[pos + 1..];
        let Some(max) = (strs.len() + 1).checked_sub(pattern.len()) else {
            return Some(false);
        };
        for n in 0..=max {
            let mut expanded: Vec<String> = pattern[..pos].to_vec();
            expanded.extend(std::iter::repeat_n("*".to_owned(), n));
            expanded.extend(rest.iter().cloned());
            if match_parts(&expanded, strs)? {
                return Some(true);
            }
        }
        return Some(false);
    }
    if pattern.is_empty() {
        return Some(strs.is_empty());
    }
    if pattern.len() > strs.len() {
        return Some(false);
    }
    let max_offset = if pattern[0].is_empty() {
        0
    } else {
        strs.len() - pattern.len()
    };
    'offsets: for offset in (0..=max_offset).rev() {
        for (i, part) in pattern.iter().enumerate().rev() {
            if !go_match(part, strs[offset + i])? {
                continue 'offsets;
            }
        }
        return Some(true);
    }
    Some(false)
}

/// Go's `path/filepath.Match` on one name (`None`: malformed pattern).
fn go_match(pattern: &str, name: &str) -> Option<bool> {
    let mut pattern: Vec<char> = pattern.chars().collect();
    let mut name: Vec<char> = name.chars().collect();
    'chunks: while !pattern.is_empty() {
        let (star, chunk, rest) = scan_chunk(&pattern);
        if star && chunk.is_empty() {
            // A trailing `*` matches the rest, unless it holds a separator.
            return Some(!name.contains(&'/'));
        }
        let (chunk, rest) = (chunk.to_vec(), rest.to_vec());
        if let Some(t) = match_chunk(&chunk, &name).ok()? {
            if t.is_empty() || !rest.is_empty() {
                name = t;
                pattern = rest;
                continue;
            }
        }
        if star {
            let mut i = 0;
            while i < name.len() && name[i] != '/' {
                if let Some(t) = match_chunk(&chunk, &name[i + 1..]).ok()? {
                    if !rest.is_empty() || t.is_empty() {
                        name = t;
                        pattern = rest;
                        continue 'chunks;
                    }
                }
                i += 1;
            }
        }
        return Some(false);
    }
    Some(name.is_empty())
}

/// Splits off a leading run of `*` and the chunk up to the next `*`.
fn scan_chunk(pattern: &[char]) -> (bool, &[char], &[char]) {
    let start = pattern.iter().take_while(|c| **c == '*').count();
    let pattern = &pattern[start..];
    let mut in_range = false;
    let mut i = 0;
    while i < pattern.len() {
        match pattern[i] {
            '\\' if i + 1 < pattern.len() => i += 1,
            '[' => in_range = true,
            ']' => in_range = false,
            '*' if !in_range => break,
            _ => {}
        }
        i += 1;
    }
    (start > 0, &pattern[..i], &pattern[i..])
}

/// A pattern Go's `filepath.Match` calls malformed.
struct BadPattern;

/// Matches `chunk` at the start of `s`: the rest of `s`, or `None` when it
/// does not match.
fn match_chunk(chunk: &[char], s: &[char]) -> Result<Option<Vec<char>>, BadPattern> {
    let (mut chunk, mut s) = (chunk, s);
    let mut failed = false;
    while let Some(&c) = chunk.first() {
        if !failed && s.is_empty() {
            failed = true;
        }
        match c {
            '[' => {
                let r = if failed {
                    None
                } else {
                    let r = s[0];
                    s = &s[1..];
                    Some(r)
                };
                chunk = &chunk[1..];
                let negated = chunk.first() == Some(&'^');
                if negated {
                    chunk = &chunk[1..];
                }
                let mut matched = false;
                let mut ranges = 0;
                loop {
                    if chunk.first() == Some(&']') && ranges > 0 {
                        chunk = &chunk[1..];
                        break;
                    }
                    let (lo, rest) = escaped(chunk).ok_or(BadPattern)?;
                    chunk = rest;
                    let mut hi = lo;
                    if chunk.first() == Some(&'-') {
                        let (h, rest) = escaped(&chunk[1..]).ok_or(BadPattern)?;
                        hi = h;
                        chunk = rest;
                    }
                    if r.is_some_and(|r| lo <= r && r <= hi) {
                        matched = true;
                    }
                    ranges += 1;
                }
                if matched == negated {
                    failed = true;
                }
            }
            '?' => {
                if !failed {
                    if s[0] == '/' {
                        failed = true;
                    }
                    s = &s[1..];
                }
                chunk = &chunk[1..];
            }
            _ => {
                if c == '\\' {
                    chunk = &chunk[1..];
                    if chunk.is_empty() {
                        return Err(BadPattern);
                    }
                }
                if !failed {
                    if chunk[0] != s[0] {
                        failed = true;
                    }
                    s = &s[1..];
                }
                chunk = &chunk[1..];
            }
        }
    }
    Ok((!failed).then(|| s.to_vec()))
}

/// One character of a range, `\`-escapes resolved (Go's `getEsc`).
fn escaped(chunk: &[char]) -> Option<(char, &[char])> {
    let mut chunk = chunk;
    if chunk.is_empty() || chunk[0] == '-' || chunk[0] == ']' {
        return None;
    }
    if chunk[0] == '\\' {
        chunk = &chunk[1..];
    }
    let (&c, rest) = chunk.split_first()?;
    if rest.is_empty() {
        return None;
    }
    Some((c, rest))
}

/// The entries under `root` (not `root` itself) that `patterns` exclude;
/// below an excluded directory nothing more is listed.
pub fn excluded_entries(root: &Path, patterns: &[String]) -> Vec<PathBuf> {
    if patterns.is_empty() || !root.is_dir() {
        return Vec::new();
    }
    let mut found = Vec::new();
    let mut walk = walkdir::WalkDir::new(root)
        .min_depth(1)
        .sort_by_file_name()
        .into_iter();
    while let Some(entry) = walk.next() {
        let Ok(entry) = entry else { continue };
        if is_excluded(patterns, &entry.path().to_string_lossy()) {
            if entry.file_type().is_dir() {
                walk.skip_current_dir();
            }
            found.push(entry.into_path());
        }
    }
    found
}

/// How many files (not directories) `entries` hold, counted recursively.
pub fn file_count(entries: &[PathBuf]) -> usize {
    entries
        .iter()
        .flat_map(|e| walkdir::WalkDir::new(e).into_iter().filter_map(Result::ok))
        .filter(|e| !e.file_type().is_dir())
        .count()
}

/// Puts each of `entries` (under `live_root`) at the same place under
/// `staged_root`, replacing what the snapshot put there: hard links (same
/// filesystem, checked before), copies where linking fails. Missing parent
/// directories take the live ones' mode and owner. The live tree is only
/// read. Returns the number of files carried over.
pub fn carry_over(
    live_root: &Path,
    staged_root: &Path,
    entries: &[PathBuf],
) -> anyhow::Result<usize> {
    let mut files = 0;
    for entry in entries {
        let rel = entry
            .strip_prefix(live_root)
            .with_context(|| format!("{} is not under {}", entry.shown(), live_root.shown()))?;
        let dst = staged_root.join(rel);
        let mut missing = Vec::new();
        let mut dir = dst.parent();
        while let Some(d) = dir {
            if d.symlink_metadata().is_ok() || d == staged_root {
                break;
            }
            missing.push(d.to_path_buf());
            dir = d.parent();
        }
        for d in missing.iter().rev() {
            let live = live_root.join(d.strip_prefix(staged_root)?);
            make_dir_like(&live, d)?;
        }
        super::swap::remove_any(&dst);
        files += link_tree(entry, &dst)?;
    }
    Ok(files)
}

fn make_dir_like(live: &Path, dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir(dir).with_context(|| format!("cannot create {}", dir.shown()))?;
    let md = live.symlink_metadata()?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(md.mode() & 0o7777))?;
    let _ = nix::unistd::chown(
        dir,
        Some(nix::unistd::Uid::from_raw(md.uid())),
        Some(nix::unistd::Gid::from_raw(md.gid())),
    );
    Ok(())
}

fn link_tree(src: &Path, dst: &Path) -> anyhow::Result<usize> {
    let md = src
        .symlink_metadata()
        .with_context(|| format!("cannot read {}", src.shown()))?;
    if md.is_dir() {
        make_dir_like(src, dst)?;
        let mut files = 0;
        for e in std::fs::read_dir(src).with_context(|| format!("cannot list {}", src.shown()))? {
            let e = e?;
            files += link_tree(&e.path(), &dst.join(e.file_name()))?;
        }
        return Ok(files);
    }
    if std::fs::hard_link(src, dst).is_err() {
        if md.file_type().is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(src)?, dst)?;
        } else {
            std::fs::copy(src, dst)
                .with_context(|| format!("cannot copy {} into the restored tree", src.shown()))?;
        }
        let _ = nix::unistd::fchownat(
            nix::fcntl::AT_FDCWD,
            dst,
            Some(nix::unistd::Uid::from_raw(md.uid())),
            Some(nix::unistd::Gid::from_raw(md.gid())),
            nix::fcntl::AtFlags::AT_SYMLINK_NOFOLLOW,
        );
    }
    Ok(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn excluded(pattern: &str, path: &str) -> bool {
        is_excluded(&[pattern.to_owned()], path)
    }

    #[test]
    fn go_filepath_match() {
        for (p, n, want) in [
            ("abc", "abc", true),
            ("*", "abc", true),
            ("*c", "abc", true),
            ("a*", "a", true),
            ("a*", "abc", true),
            ("a*/b", "abc/b", true),
            ("a*b*c*d*e*/f", "axbxcxdxe/f", true),
            ("a*b?c*x", "abxbbxdbxebxczzx", true),
            ("a*b?c*x", "abxbbxdbxebxczzy", false),
            ("ab[c]", "abc", true),
            ("ab[b-d]", "abc", true),
            ("ab[e-g]", "abc", false),
            ("ab[^c]", "abc", false),
            ("ab[^b-d]", "abc", false),
            ("ab[^e-g]", "abc", true),
            ("a\\*b", "a*b", true),
            ("a\\*b", "ab", false),
            ("a?b", "a☺b", true),
            ("*.tmp", "cache.tmp", true),
            ("*.tmp", "cache.tmpx", false),
            ("*x", "xxx", true),
        ] {
            assert_eq!(go_match(p, n), Some(want), "{p} {n}");
        }
        for bad in ["[", "[^", "a\\", "[a-", "[]a]"] {
            assert_eq!(go_match(bad, "a"), None, "{bad}");
        }
    }

    #[test]
    fn restic_filter_semantics() {
        for (p, path, want) in [
            ("*.tmp", "/srv/app/cache.tmp", true),
            ("*.tmp", "/srv/app/sub/x.tmp", true),
            ("*.tmp", "/srv/app/build.tmp/inner/obj", true),
            ("*.tmp", "/srv/app/a.txt", false),
            ("cache", "/srv/app/cache/x", true),
            ("cache", "/srv/app/cached", false),
            ("/srv/app/cache", "/srv/app/cache/x", true),
            ("/srv/app/cache", "/other/srv/app/cache", false),
            ("app/cache", "/srv/app/cache", true),
            ("/srv/**/*.log", "/srv/a/b/c.log", true),
            ("/srv/**/*.log", "/srv/c.log", true),
            ("/srv/**/*.log", "/var/c.log", false),
            ("**/node_modules", "/srv/app/web/node_modules/x", true),
            ("/srv/app/", "/srv/app/x", true),
            (
                "\\/srv\\/app\\/db\\[1\\].sqlite",
                "/srv/app/db[1].sqlite",
                false,
            ),
            ("/srv/app/db\\[1\\].sqlite", "/srv/app/db[1].sqlite", true),
            ("/srv/app/db\\[1\\].sqlite", "/srv/app/db1.sqlite", false),
        ] {
            assert_eq!(excluded(p, path), want, "{p} {path}");
        }
        assert!(!is_excluded(&[String::new()], "/srv/x"));
        let list = |ps: &[&str]| ps.iter().map(|p| (*p).to_owned()).collect::<Vec<_>>();
        let keep = list(&["*.tmp", "!keep.tmp"]);
        assert!(is_excluded(&keep, "/srv/a.tmp"));
        assert!(!is_excluded(&keep, "/srv/keep.tmp"));
        // A negation only cancels the patterns before it.
        assert!(is_excluded(&list(&["!keep.tmp", "*.tmp"]), "/srv/keep.tmp"));
    }
}
