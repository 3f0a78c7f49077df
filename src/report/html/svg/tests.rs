//! Checks of the markup, shared by the tests of every chart; the test of
//! the numbers every attribute is written with.

use super::num;

/// Checks that `markup` is well-formed as far as the charts need: every
/// element closed in order, attribute values quoted, no `NaN`/`inf`.
pub(crate) fn assert_well_formed(markup: &str) {
    assert!(
        !markup.contains("NaN") && !markup.contains("inf\""),
        "{markup}"
    );
    let mut stack: Vec<String> = vec![];
    let mut rest = markup;
    while let Some(start) = rest.find('<') {
        let end = rest[start..].find('>').expect("unclosed tag") + start;
        let tag = &rest[start + 1..end];
        assert_eq!(
            tag.matches('"').count() % 2,
            0,
            "unbalanced quotes in <{tag}>"
        );
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(stack.pop().as_deref(), Some(name), "in {markup}");
        } else if !tag.ends_with('/') && !tag.starts_with('!') {
            let name = tag.split_whitespace().next().unwrap_or_default();
            stack.push(name.to_string());
        }
        rest = &rest[end + 1..];
    }
    assert!(stack.is_empty(), "unclosed elements {stack:?}");
}

pub(crate) fn count(markup: &str, needle: &str) -> usize {
    markup.matches(needle).count()
}

#[test]
fn numbers_are_short() {
    assert_eq!(num(1.0), "1");
    assert_eq!(num(1.256), "1.26");
    assert_eq!(num(-0.001), "0");
    assert_eq!(num(120.5), "120.5");
}
