//! Finding where a key sits in the YAML text. The YAML library reports locations
//! for syntax and type errors only, so checks made after parsing find the key
//! again by walking its path (`containers` → `memory-mb`) through the text.
//!
//! Block mappings are followed by indentation; a flow mapping on the parent's line
//! (`containers: {memory-mb: 0}`) is searched too. Anything fancier (anchors,
//! aliases, complex keys) yields `None` and the message simply has no location.

/// 1-based line and column of the last key of `path`, like the YAML library's own.
pub fn key_location(text: &str, path: &[&str]) -> Option<(usize, usize)> {
    // The index in `path` of the key looked for, the indentation of the mapping
    // holding it (once known), and that of the parent key whose block we are in.
    let mut depth = 0;
    let mut level: Option<usize> = None;
    let mut parent: Option<usize> = None;
    for (index, line) in text.lines().enumerate() {
        let Some(indent) = content_indent(line) else {
            continue;
        };
        if parent.is_some_and(|p| indent <= p) {
            return None; // left the parent's block without finding the key
        }
        if *level.get_or_insert(indent) != indent {
            continue; // deeper content of a sibling key
        }
        let Some(len) = key_len(&line[indent..], path.get(depth)?) else {
            continue;
        };
        depth += 1;
        if depth == path.len() {
            return Some((index + 1, indent + 1));
        }
        let after = indent + len;
        if let Some(column) = flow_key_column(&line[after..], &path[depth..]) {
            return Some((index + 1, line[..after].chars().count() + column));
        }
        parent = Some(indent);
        level = None;
    }
    None
}

/// The indentation of a line that holds YAML content, or `None` for blank lines,
/// comments and document markers.
fn content_indent(line: &str) -> Option<usize> {
    let trimmed = line.trim_start_matches(' ');
    let bare = trimmed.trim_end();
    if bare.is_empty() || bare.starts_with('#') || bare == "---" || bare == "..." {
        return None;
    }
    Some(line.len() - trimmed.len())
}

/// If `s` starts with the mapping key `key` (plain or quoted) and its colon,
/// the length of that prefix.
fn key_len(s: &str, key: &str) -> Option<usize> {
    let quoted = [format!("\"{key}\""), format!("'{key}'"), key.to_string()];
    let spelled = quoted.iter().find(|q| s.starts_with(q.as_str()))?;
    let after = &s[spelled.len()..];
    let spaces = after.len() - after.trim_start_matches(' ').len();
    let after = &after[spaces..];
    let colon_ends_key = after.starts_with(':')
        && after[1..]
            .chars()
            .next()
            .is_none_or(|c| c == ' ' || c == '\t');
    colon_ends_key.then_some(spelled.len() + spaces + 1)
}

/// 1-based column, counted from the start of `s`, of the last of `path` inside a
/// flow mapping in `s` (`{memory-mb: 0, ...}`), each key nested in the previous.
fn flow_key_column(s: &str, path: &[&str]) -> Option<usize> {
    let mut from = 0;
    let mut found = None;
    for key in path {
        let at = (from..s.len()).find(|&i| {
            s.is_char_boundary(i)
                && flow_key_starts(&s[..i])
                && key_len_flow(&s[i..], key).is_some()
        })?;
        found = Some(at);
        from = at + key.len();
    }
    found.map(|at| s[..at].chars().count() + 1)
}

/// Whether a flow-mapping key can start right after `before`: after `{` or `,`.
fn flow_key_starts(before: &str) -> bool {
    before.trim_end().ends_with(['{', ','])
}

/// Like [`key_len`], but in a flow mapping the colon may be followed by anything.
fn key_len_flow(s: &str, key: &str) -> Option<usize> {
    let quoted = [format!("\"{key}\""), format!("'{key}'"), key.to_string()];
    let spelled = quoted.iter().find(|q| s.starts_with(q.as_str()))?;
    let after = s[spelled.len()..].trim_start();
    after.starts_with(':').then_some(s.len() - after.len() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "\
# comment: containers:
images:
  namespace: x
  memory-mb: 1   # same key under another parent

containers:
  # memory-mb: 5 in a comment
  timeout-seconds: 900
  nested:
    memory-mb: 2
  memory-mb: 4096
  pids-limit: 512
top: 1
";

    #[test]
    fn finds_the_key_under_its_parent() {
        assert_eq!(
            key_location(TEXT, &["containers", "memory-mb"]),
            Some((11, 3))
        );
        assert_eq!(
            key_location(TEXT, &["containers", "pids-limit"]),
            Some((12, 3))
        );
        assert_eq!(key_location(TEXT, &["images", "memory-mb"]), Some((4, 3)));
        assert_eq!(key_location(TEXT, &["top"]), Some((13, 1)));
    }

    #[test]
    fn nested_path_is_followed() {
        let path = ["containers", "nested", "memory-mb"];
        assert_eq!(key_location(TEXT, &path), Some((10, 5)));
    }

    #[test]
    fn missing_key_has_no_location() {
        assert_eq!(key_location(TEXT, &["containers", "tmpfs-mb"]), None);
        assert_eq!(key_location(TEXT, &["images", "pids-limit"]), None);
        assert_eq!(key_location(TEXT, &["nowhere", "memory-mb"]), None);
    }

    #[test]
    fn prefixes_and_quotes() {
        let text = "c:\n  memory-mb-extra: 1\n  \"memory-mb\" : 2\n";
        assert_eq!(key_location(text, &["c", "memory-mb"]), Some((3, 3)));
    }

    #[test]
    fn crlf_and_other_indentation() {
        let text = "c:\r\n    a: 1\r\n    b: 2\r\n";
        assert_eq!(key_location(text, &["c", "b"]), Some((3, 5)));
    }

    #[test]
    fn flow_mapping_on_the_parent_line() {
        let text = "x: 1\ncontainers: {timeout-seconds: 9, memory-mb: 0}\n";
        assert_eq!(
            key_location(text, &["containers", "memory-mb"]),
            Some((2, 34))
        );
        assert_eq!(key_location(text, &["containers", "pids-limit"]), None);
    }
}
