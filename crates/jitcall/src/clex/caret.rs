//! The caret under an error: the offending source line behind a gutter, then `^~~~`
//! under the offending characters, as gcc draws it.
//!
//! ```text
//!   2 | void g(int, foo *x);
//!     |             ^~~
//! ```
//!
//! It only draws: each error type finds its own line and columns (declarations count
//! lines and characters, literals byte offsets) and writes its own message above.

/// The two lines that show where an error is: `line` (without its newline) behind the
/// gutter `  {label} | ` (`  | ` for an empty label), and under it a caret at character
/// `column` (0-based) with `~` under the rest of the `width` characters marked, cut at
/// the end of the line. Tabs before the caret stay tabs, so it lines up however the
/// terminal expands them. Starts with a newline, to follow a message.
pub(crate) fn caret_lines(line: &str, label: &str, column: usize, width: usize) -> String {
    let label = if label.is_empty() {
        String::new()
    } else {
        format!("{label} ")
    };
    let pad: String = line
        .chars()
        .take(column)
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    let left = line.chars().count().saturating_sub(column);
    let tildes = width.min(left).saturating_sub(1);
    let blank = " ".repeat(label.chars().count());
    let mut out = format!("\n  {label}| {line}\n  {blank}| {pad}^");
    out.extend(std::iter::repeat_n('~', tildes));
    out
}

#[cfg(test)]
mod tests {
    use super::caret_lines;

    #[test]
    fn carets_line_up() {
        assert_eq!(
            caret_lines("\tvoid g(int, foo *x);", "2", 13, 3),
            "\n  2 | \tvoid g(int, foo *x);\n    | \t            ^~~"
        );
        assert_eq!(
            caret_lines("{1, 300}", "", 4, 3),
            "\n  | {1, 300}\n  |     ^~~"
        );
        // Past the end of the line, the caret stands alone.
        assert_eq!(
            caret_lines("int f(int", "1", 9, 1),
            "\n  1 | int f(int\n    |          ^"
        );
        assert_eq!(caret_lines("ab", "", 1, 5), "\n  | ab\n  |  ^");
    }
}
