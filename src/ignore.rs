//! `.dockerignore` matching with Docker's semantics, implemented without a
//! crate so the rules that decide what reaches the daemon are fully ours.
//!
//! Mirrors `moby/patternmatcher`: patterns are cleaned like Go's
//! `filepath.Clean`, use `filepath.Match` syntax plus `**`, `!` re-includes,
//! the last matching line wins, and a pattern that matches a directory also
//! matches everything beneath it.

use std::fmt;

/// Why a `.dockerignore` line could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "line {line} of .dockerignore has an invalid pattern {pattern:?}: {reason}. \
     Patterns use Go filepath.Match syntax (`*`, `?`, `[a-z]`, `\\` escapes) plus `**` \
     and a leading `!` for exceptions; fix or delete that line."
)]
pub struct IgnoreError {
    /// 1-based line number in the file (or index in the pattern list).
    pub line: usize,
    pub pattern: String,
    pub reason: String,
}

/// An ordered list of `.dockerignore` patterns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IgnoreRules {
    patterns: Vec<Pattern>,
}

impl IgnoreRules {
    /// Rules that exclude nothing.
    pub fn empty() -> Self {
        Self::default()
    }

    /// Parses the text of a `.dockerignore` file.
    pub fn parse(text: &str) -> Result<Self, IgnoreError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut patterns = Vec::new();
        for (idx, raw) in text.lines().enumerate() {
            // Docker checks for comments before trimming whitespace.
            if raw.starts_with('#') {
                continue;
            }
            if let Some(p) = Pattern::parse(raw, idx + 1)? {
                patterns.push(p);
            }
        }
        Ok(Self { patterns })
    }

    /// Whether `path` (relative to the context root, `/`-separated) is
    /// excluded: the last pattern matching it or one of its parents wins.
    pub fn is_excluded(&self, path: &str) -> bool {
        let path = clean(path);
        let parents = parent_prefixes(&path);
        let mut excluded = false;
        for p in &self.patterns {
            if p.matches(&path) || parents.iter().any(|d| p.matches(d)) {
                excluded = !p.exception;
            }
        }
        excluded
    }

    /// Whether some `!` pattern could re-include a path beneath the excluded
    /// directory `dir`, in which case the walker must descend into it.
    /// Over-approximates: descending needlessly only costs time.
    pub fn may_reinclude_under(&self, dir: &str) -> bool {
        let dir = clean(dir);
        let dir_parts: Vec<&str> = dir.split('/').collect();
        self.patterns
            .iter()
            .filter(|p| p.exception)
            .any(|p| p.may_match_beneath(&dir_parts))
    }
}

/// All proper parent directories of a cleaned relative path, shortest first.
fn parent_prefixes(path: &str) -> Vec<&str> {
    path.match_indices('/').map(|(i, _)| &path[..i]).collect()
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Pattern {
    /// Cleaned pattern text without the `!`.
    text: String,
    exception: bool,
    tokens: Vec<Token>,
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.exception {
            f.write_str("!")?;
        }
        f.write_str(&self.text)
    }
}

impl Pattern {
    /// Parses one line; `Ok(None)` for lines that carry no pattern.
    fn parse(raw: &str, line: usize) -> Result<Option<Self>, IgnoreError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Ok(None);
        }
        let (exception, body) = match trimmed.strip_prefix('!') {
            Some(rest) => (true, rest.trim()),
            None => (false, trimmed),
        };
        let err = |reason: &str| IgnoreError {
            line,
            pattern: trimmed.to_string(),
            reason: reason.to_string(),
        };
        if body.is_empty() {
            return Err(err(
                "a lone `!` excludes nothing; write `!path` to re-include a path",
            ));
        }
        let mut text = clean(body);
        // Patterns are relative to the context root, so `/foo` means `foo`.
        if text.len() > 1 && text.starts_with('/') {
            text.remove(0);
        }
        let tokens = compile(&text).map_err(|reason| err(&reason))?;
        Ok(Some(Self {
            text,
            exception,
            tokens,
        }))
    }

    fn matches(&self, path: &str) -> bool {
        run(&self.tokens, path)
    }

    /// Could this pattern match some path strictly beneath `dir`?
    /// Compares the pattern's leading segments with the directory's.
    fn may_match_beneath(&self, dir: &[&str]) -> bool {
        let segments: Vec<&str> = self.text.split('/').collect();
        for (i, dir_part) in dir.iter().enumerate() {
            let Some(seg) = segments.get(i) else {
                return false;
            };
            if seg.contains("**") {
                return true;
            }
            match compile(seg) {
                Ok(tokens) if run(&tokens, dir_part) => {}
                _ => return false,
            }
        }
        segments.len() > dir.len()
    }
}

/// One step of a compiled pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Literal(char),
    /// `?`: any single character except `/`.
    AnyChar,
    /// `*`: any run of characters except `/`.
    Star,
    /// `**/` (or `**` before more pattern): zero or more whole directories.
    AnyDirs,
    /// Trailing `**`: anything at all, including `/`.
    AnyRest,
    Class(Class),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Class {
    negated: bool,
    ranges: Vec<(char, char)>,
}

impl Class {
    fn matches(&self, c: char) -> bool {
        self.ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi) != self.negated
    }
}

/// Compiles a cleaned pattern, rejecting what Go's `filepath.Match` rejects.
fn compile(pattern: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        let token = match c {
            '*' if chars.peek() == Some(&'*') => {
                chars.next();
                // `**/` behaves like `**` followed by more pattern.
                if chars.peek() == Some(&'/') {
                    chars.next();
                }
                if chars.peek().is_some() {
                    Token::AnyDirs
                } else {
                    Token::AnyRest
                }
            }
            '*' => Token::Star,
            '?' => Token::AnyChar,
            '[' => Token::Class(parse_class(&mut chars)?),
            '\\' => match chars.next() {
                Some(escaped) => Token::Literal(escaped),
                None => return Err("it ends with a lone `\\`".into()),
            },
            other => Token::Literal(other),
        };
        tokens.push(token);
    }
    Ok(tokens)
}

type Chars<'a> = std::iter::Peekable<std::str::Chars<'a>>;

/// Parses a `[...]` class body; the opening `[` is already consumed.
fn parse_class(chars: &mut Chars<'_>) -> Result<Class, String> {
    let negated = chars.peek() == Some(&'^');
    if negated {
        chars.next();
    }
    let mut ranges = Vec::new();
    loop {
        if chars.peek() == Some(&']') && !ranges.is_empty() {
            chars.next();
            return Ok(Class { negated, ranges });
        }
        let lo = class_char(chars)?;
        let hi = if chars.peek() == Some(&'-') {
            chars.next();
            class_char(chars)?
        } else {
            lo
        };
        if lo > hi {
            return Err(format!("the range `{lo}-{hi}` is backwards"));
        }
        ranges.push((lo, hi));
    }
}

/// One (possibly escaped) character inside a class.
fn class_char(chars: &mut Chars<'_>) -> Result<char, String> {
    let unclosed = || "a `[` character class is never closed with `]`".to_string();
    match chars.next() {
        None => Err(unclosed()),
        Some('-') | Some(']') => {
            Err("a character class has a `-` or `]` that must be escaped with `\\`".into())
        }
        Some('\\') => chars.next().ok_or_else(unclosed),
        Some(c) => Ok(c),
    }
}

/// Matches `path` against `tokens` by simulating the pattern as an NFA, so
/// the cost stays linear in pattern × path even for many `*`s.
fn run(tokens: &[Token], path: &str) -> bool {
    let mut states = vec![false; tokens.len() + 1];
    states[0] = true;
    close(tokens, &mut states);
    for c in path.chars() {
        let mut next = vec![false; tokens.len() + 1];
        for (i, token) in tokens.iter().enumerate() {
            if states[i] {
                step(token, c, i, &mut next);
            }
        }
        close(tokens, &mut next);
        if !next.iter().any(|&s| s) {
            return false;
        }
        states = next;
    }
    states[tokens.len()]
}

/// Consumes one character `c` at token `i`, marking reachable states.
fn step(token: &Token, c: char, i: usize, next: &mut [bool]) {
    match token {
        Token::Literal(l) if *l == c => next[i + 1] = true,
        Token::AnyChar if c != '/' => next[i + 1] = true,
        Token::Class(class) if class.matches(c) => next[i + 1] = true,
        Token::Star if c != '/' => next[i] = true,
        Token::AnyRest => next[i] = true,
        Token::AnyDirs => {
            // Inside the `.*` of `(.*/)?`; a `/` may also end it.
            next[i] = true;
            if c == '/' {
                next[i + 1] = true;
            }
        }
        _ => {}
    }
}

/// Follows the empty-match transitions of `*`, `**/` and `**`.
fn close(tokens: &[Token], states: &mut [bool]) {
    for (i, token) in tokens.iter().enumerate() {
        if states[i] && matches!(token, Token::Star | Token::AnyDirs | Token::AnyRest) {
            states[i + 1] = true;
        }
    }
}

/// Go's `filepath.Clean` for `/`-separated paths.
pub fn clean(path: &str) -> String {
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => match parts.last() {
                Some(&last) if last != ".." => {
                    parts.pop();
                }
                // `/..` is `/`; a relative path keeps its leading `..`s.
                _ if rooted => {}
                _ => parts.push(".."),
            },
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(lines: &[&str]) -> IgnoreRules {
        IgnoreRules::parse(&lines.join("\n")).expect("valid patterns")
    }

    fn glob(pattern: &str, path: &str) -> bool {
        run(&compile(pattern).expect("valid pattern"), path)
    }

    impl IgnoreRules {
        /// The cleaned patterns, `!`-prefixed for exceptions, in file order.
        pub(crate) fn patterns(&self) -> Vec<String> {
            self.patterns.iter().map(|p| p.to_string()).collect()
        }
    }

    #[test]
    fn clean_matches_go() {
        let cases = [
            ("", "."),
            ("./", "."),
            ("./foo", "foo"),
            ("foo//bar/", "foo/bar"),
            ("foo/./bar", "foo/bar"),
            ("foo/../bar", "bar"),
            ("../foo", "../foo"),
            ("/../foo", "/foo"),
            ("/", "/"),
            ("a/b/../../..", ".."),
        ];
        for (input, want) in cases {
            assert_eq!(clean(input), want, "clean({input:?})");
        }
    }

    #[test]
    fn star_does_not_cross_slash() {
        assert!(glob("*.txt", "a.txt"));
        assert!(!glob("*.txt", "dir/a.txt"));
        assert!(glob("a*b", "ab"));
        assert!(glob("a*b*c", "aXXbYYc"));
        assert!(!glob("a*", "a/b"));
    }

    #[test]
    fn question_mark_and_classes() {
        assert!(glob("temp?", "temp1"));
        assert!(!glob("temp?", "temp"));
        assert!(!glob("temp?", "temp12"));
        assert!(!glob("a?b", "a/b"));
        assert!(glob("[a-c]x", "bx"));
        assert!(!glob("[a-c]x", "dx"));
        assert!(glob("[^a-c]x", "dx"));
        assert!(!glob("[^a-c]x", "ax"));
        assert!(glob("[abc]", "c"));
        assert!(glob("[\\]]", "]"));
        assert!(glob("[\\-]", "-"));
    }

    #[test]
    fn backslash_escapes() {
        assert!(glob("\\*.txt", "*.txt"));
        assert!(!glob("\\*.txt", "a.txt"));
        assert!(glob("a\\?", "a?"));
        assert!(!glob("a\\?", "ab"));
    }

    #[test]
    fn double_star() {
        assert!(glob("**/*.go", "main.go"));
        assert!(glob("**/*.go", "a/b/c/main.go"));
        assert!(!glob("**/*.go", "main.rs"));
        assert!(glob("a/**/b", "a/b"));
        assert!(glob("a/**/b", "a/x/y/b"));
        assert!(!glob("a/**/b", "a/x/y/c"));
        assert!(glob("a/**", "a/x/y"));
        assert!(glob("**", "anything/at/all"));
    }

    #[test]
    fn bad_patterns_are_rejected_with_line_numbers() {
        for bad in ["[abc", "a\\", "[]", "[z-a]", "[a-]", "!"] {
            let err = IgnoreRules::parse(&format!("ok\n{bad}\n")).unwrap_err();
            assert_eq!(err.line, 2, "{bad}");
            let msg = err.to_string();
            assert!(msg.contains("line 2"), "{msg}");
            assert!(msg.contains("fix or delete"), "{msg}");
        }
    }

    #[test]
    fn parse_skips_comments_blanks_and_strips_prefixes() {
        let r = IgnoreRules::parse(
            "\u{feff}# comment\n\n   \n/build\n./dist/\n  spaced.txt  \n! keep.txt\n",
        )
        .unwrap();
        assert_eq!(
            r.patterns(),
            vec!["build", "dist", "spaced.txt", "!keep.txt"]
        );
        assert!(r.is_excluded("build"));
        assert!(r.is_excluded("build/out.o"));
        assert!(r.is_excluded("dist/x"));
        assert!(!r.is_excluded("src/build"));
    }

    #[test]
    fn only_leading_hash_is_a_comment() {
        // Docker looks for `#` before trimming, so ` #x` is a pattern.
        let r = IgnoreRules::parse(" #x\n").unwrap();
        assert!(r.is_excluded("#x"));
    }

    // The examples from Docker's documentation on .dockerignore.
    #[test]
    fn docker_doc_examples() {
        let r = rules(&["*/temp*", "*/*/temp*", "temp?"]);
        assert!(r.is_excluded("somedir/temporary.txt"));
        assert!(r.is_excluded("somedir/temp"));
        assert!(r.is_excluded("somedir/subdir/temp.txt"));
        assert!(r.is_excluded("tempa"));
        assert!(r.is_excluded("tempb"));
        assert!(!r.is_excluded("temporary.txt"));
        assert!(!r.is_excluded("a/b/c/temp.txt"));

        let go = rules(&["**/*.go"]);
        assert!(go.is_excluded("main.go"));
        assert!(go.is_excluded("cmd/tool/main.go"));
        assert!(!go.is_excluded("main.rs"));
    }

    #[test]
    fn markdown_exception_example() {
        let r = rules(&["*.md", "!README*.md", "README-secret.md"]);
        assert!(r.is_excluded("CHANGELOG.md"));
        assert!(!r.is_excluded("README.md"));
        assert!(!r.is_excluded("README-public.md"));
        assert!(r.is_excluded("README-secret.md"));
    }

    #[test]
    fn exception_order_matters() {
        // The documented pitfall: a later `*.md` undoes the exception.
        let r = rules(&["*.md", "README-secret.md", "!README*.md"]);
        assert!(!r.is_excluded("README-secret.md"));
        assert!(r.is_excluded("notes.md"));

        let r = rules(&["!keep.txt", "*.txt"]);
        assert!(r.is_excluded("keep.txt"));
    }

    #[test]
    fn directory_pattern_covers_contents() {
        let r = rules(&["target"]);
        assert!(r.is_excluded("target"));
        assert!(r.is_excluded("target/debug/app"));
        assert!(!r.is_excluded("targets"));
        assert!(!r.is_excluded("src/target"));
    }

    #[test]
    fn exception_beneath_excluded_directory() {
        let r = rules(&["build", "!build/keep.txt"]);
        assert!(r.is_excluded("build"));
        assert!(r.is_excluded("build/other.txt"));
        assert!(!r.is_excluded("build/keep.txt"));
        assert!(r.may_reinclude_under("build"));
        assert!(!r.may_reinclude_under("src"));
        assert!(!r.may_reinclude_under("build/keep.txt/x"));
    }

    #[test]
    fn may_reinclude_handles_globs() {
        let r = rules(&["*", "!**/*.py", "!src/*/keep"]);
        assert!(r.may_reinclude_under("anything"));
        let r = rules(&["*", "!src/*/keep"]);
        assert!(r.may_reinclude_under("src"));
        assert!(r.may_reinclude_under("src/pkg"));
        assert!(!r.may_reinclude_under("src/pkg/keep"));
        assert!(!r.may_reinclude_under("docs"));
        let r = rules(&["*"]);
        assert!(!r.may_reinclude_under("src"));
    }

    #[test]
    fn paths_are_cleaned_before_matching() {
        let r = rules(&["a/b"]);
        assert!(r.is_excluded("./a//b"));
        assert!(r.is_excluded("a/b/"));
    }

    #[test]
    fn empty_rules_exclude_nothing() {
        assert!(!IgnoreRules::empty().is_excluded("anything"));
    }

    #[test]
    fn many_stars_stay_fast() {
        let pattern = "*a".repeat(30);
        let path = "a".repeat(29) + "b";
        assert!(!glob(&pattern, &path));
    }
}
