//! `environmentFile`: `KEY=value` lines (systemd `EnvironmentFile=` style:
//! `#` comments, optional `export `, optional single or double quotes).

use std::path::Path;

use super::terminal::ShowPath as _;

/// Reads an environment file. The error names the file and the line, never
/// a value.
pub fn read(path: &Path) -> Result<Vec<(String, String)>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read environment file {}: {e}", path.shown()))?;
    parse(&text).map_err(|line| {
        format!(
            "{}:{line}: expected KEY=value (values are not shown)",
            path.shown()
        )
    })
}

/// Parses `KEY=value` lines; `Err(line number)` on a malformed line.
pub fn parse(text: &str) -> Result<Vec<(String, String)>, usize> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line).trim_start();
        let Some((k, v)) = line.split_once('=') else {
            return Err(i + 1);
        };
        let k = k.trim();
        if k.is_empty() || !k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(i + 1);
        }
        let v = v.trim();
        let v = if v.len() >= 2
            && ((v.starts_with('"') && v.ends_with('"'))
                || (v.starts_with('\'') && v.ends_with('\'')))
        {
            &v[1..v.len() - 1]
        } else {
            v
        };
        out.push((k.to_owned(), v.to_owned()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn parses_systemd_style() {
        let v = super::parse("# c\nexport A=1\nB = \"two words\"\n\nC='x'\n").unwrap();
        assert_eq!(
            v,
            [
                ("A".into(), "1".into()),
                ("B".into(), "two words".into()),
                ("C".into(), "x".into())
            ]
        );
        assert_eq!(super::parse("ok=1\nnot a line\n"), Err(2));
    }
}
