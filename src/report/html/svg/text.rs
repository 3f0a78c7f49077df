//! The charts' font and how wide a text is in it.

/// The font the charts use, as the page's CSS does.
pub const FONT: &str = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', \
                        'Liberation Sans', 'DejaVu Sans', sans-serif";

/// Approximate width in pixels of `text` at `size` pixels in the charts'
/// sans-serif font (no font metrics here; wide enough to lay out labels).
pub fn text_width(text: &str, size: f64) -> f64 {
    text.chars()
        .map(|c| match c {
            'i' | 'l' | 'j' | '.' | ',' | ':' | ';' | '\'' | '|' | '!' | ' ' => 0.3,
            'f' | 't' | 'r' | '-' | '(' | ')' | '[' | ']' => 0.4,
            'm' | 'w' | 'M' | 'W' | '×' | '–' | '—' => 0.85,
            c if c.is_ascii_uppercase() => 0.68,
            _ => 0.58,
        })
        .sum::<f64>()
        * size
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_width_grows_with_text() {
        assert!(text_width("3.14t -X gil=1 ×2", 12.0) > text_width("3.14t", 12.0));
        assert_eq!(text_width("", 12.0), 0.0);
    }
}
