//! A cheap bound on how deeply a YAML text nests, checked before the YAML
//! library sees it: the library's own limit applies only after it has read
//! the whole event stream, which takes most of a minute for 100,000 levels.
//!
//! This is a scan of the text, not a parser: block nesting from the
//! indentation (and compact `- - x` sequences), flow nesting from brackets
//! that open a flow collection, quoted scalars, comments and block scalars
//! (`|`, `>`) skipped. It may overcount odd but valid YAML a little; the
//! bound is far above what any configuration needs.

/// Deeper than any configuration needs (the built-in one nests 4 levels).
pub const MAX_DEPTH: usize = 32;

/// The first line where the text nests deeper than [`MAX_DEPTH`], with its
/// depth. Pure; linear in the text.
pub fn too_deep(text: &str) -> Option<(usize, usize)> {
    let mut indents: Vec<usize> = vec![];
    let mut flow = 0usize;
    // The indentation of a block scalar's key: more-indented lines are text.
    let mut block_scalar: Option<usize> = None;
    for (index, line) in text.lines().enumerate() {
        let content = line.trim_start_matches(' ');
        let indent = line.len() - content.len();
        if content.trim().is_empty() || (flow == 0 && content.starts_with('#')) {
            continue;
        }
        if let Some(key_indent) = block_scalar {
            if indent > key_indent {
                continue;
            }
            block_scalar = None;
        }
        let mut depth = flow;
        if flow == 0 {
            while indents.last().is_some_and(|&top| top >= indent) {
                indents.pop();
            }
            indents.push(indent);
            // `- - - x`: each dash opens a sequence one level deeper.
            let mut rest = content;
            let mut column = indent;
            while let Some(after) = rest.strip_prefix("- ").or(rest.strip_prefix("-\t")) {
                column += rest.len() - after.trim_start().len();
                indents.push(column);
                rest = after.trim_start();
            }
            depth = indents.len();
            if rest.trim_end().ends_with(['|', '>']) || rest.contains(": |") || rest.contains(": >")
            {
                block_scalar = Some(indent);
            }
        }
        let line_depth = scan_flow(content, &mut flow);
        let deepest = depth.max(indents.len() + line_depth);
        if deepest > MAX_DEPTH {
            return Some((index + 1, deepest));
        }
    }
    None
}

/// Follows flow brackets through one line, updating `flow` (the open flow
/// collections, carried across lines); the deepest flow level on the line.
fn scan_flow(content: &str, flow: &mut usize) -> usize {
    let mut deepest = *flow;
    let mut quote: Option<char> = None;
    // Where a token may start: a bracket or quote there opens something.
    let mut token_start = true;
    let mut previous = ' ';
    let mut chars = content.chars().peekable();
    while let Some(c) = chars.next() {
        if let Some(q) = quote {
            if c == '\\' && q == '"' {
                chars.next();
            } else if c == q {
                if q == '\'' && chars.peek() == Some(&'\'') {
                    chars.next();
                } else {
                    quote = None;
                }
            }
            previous = c;
            continue;
        }
        match c {
            '#' if previous == ' ' || previous == '\t' => break,
            '[' | '{' if token_start || *flow > 0 => {
                *flow += 1;
                deepest = deepest.max(*flow);
            }
            ']' | '}' if *flow > 0 => *flow -= 1,
            '"' | '\'' if token_start => quote = Some(c),
            _ => {}
        }
        token_start = match c {
            ' ' | '\t' => token_start || matches!(previous, ':' | '-' | '?' | ',' | '[' | '{'),
            '[' | '{' | ',' => true,
            _ => false,
        };
        previous = c;
    }
    // A quote left open spans lines; the next line starts outside it, which
    // at worst counts a bracket inside it.
    deepest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_config_is_shallow() {
        assert_eq!(too_deep(super::super::DEFAULT_YAML), None);
        let engines = "engines:\n  - name: a\n    address: tcp://h:2376\n    tls: {ca: /c, cert: /d, key: /e}\n";
        assert_eq!(too_deep(engines), None);
    }

    #[test]
    fn deep_flow_block_and_compact_nesting_are_found_early() {
        let flow = format!("a: {}1{}\n", "[".repeat(100_000), "]".repeat(100_000));
        assert!(matches!(too_deep(&flow), Some((1, d)) if d > MAX_DEPTH));
        let block: String = (0..100)
            .map(|i| format!("{}k{i}:\n", " ".repeat(i)))
            .collect();
        assert_eq!(too_deep(&block), Some((MAX_DEPTH + 1, MAX_DEPTH + 1)));
        let compact = format!("{}x\n", "- ".repeat(50_000));
        assert!(too_deep(&compact).is_some());
        let mapping = format!("a: {}1\n", "{b: ".repeat(40));
        assert!(too_deep(&mapping).is_some());
    }

    #[test]
    fn brackets_that_are_text_do_not_count() {
        let brackets = "[".repeat(100);
        let braces = "{".repeat(100);
        let text = format!(
            "mirrors:\n  - https://x/{{version}}/P-{{version}}.tar.xz\n  - \"{brackets}\"\n  - '{braces}'\nnote: a[b[c[d # [[[[[[\nblock: |\n  {brackets}\n"
        );
        assert_eq!(too_deep(&text), None);
    }

    #[test]
    fn it_is_fast_on_a_large_text() {
        let text = "[".repeat(5_000_000);
        let start = std::time::Instant::now();
        assert!(too_deep(&text).is_some());
        assert!(start.elapsed() < std::time::Duration::from_secs(1));
    }
}
