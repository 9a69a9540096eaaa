//! The matcher: does an actual transcript satisfy an expected `output` block?
//!
//! Trailing whitespace on each line and trailing blank lines are not significant; `[..]`
//! matches any text within a line; a line that is exactly `...` matches any number of lines;
//! masks (see [`crate::mask`]) hide volatile figures on both sides. When the texts differ the
//! actual is *normalised toward the expected* (snapbox's rule): every actual line that an
//! expected line or `...` accounts for is replaced by that expected line, so a diff shows only
//! real differences and `--bless` keeps wildcards that still hold.
//!
//! Pure functions of strings: no files, no snippets, no database.

use std::borrow::Cow;

use crate::mask::Masks;

/// The wildcard that matches any text within one line.
pub const LINE_WILDCARD: &str = "[..]";
/// An expected line that matches any number of actual lines.
pub const ELLIPSIS: &str = "...";

/// Beyond this many (expected × actual) line pairs the least-edit alignment is used only
/// between the lines that match at both ends, so huge outputs never take quadratic time or
/// memory.
const MAX_ALIGNMENT_CELLS: usize = 4_000_000;

/// The result of comparing an expected block with an actual transcript.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comparison {
    pub matches: bool,
    /// The expected text with insignificant whitespace removed (one `\n` per line).
    pub expected: String,
    /// The actual text normalised toward the expected, in the same form.
    pub actual: String,
}

/// Compares `expected` (an `output` block) with `actual` (a transcript).
///
/// The actual text is read in place, line by line, each line masked when it is compared:
/// a transcript of a million lines that matches costs no copy of it. Only a mismatch, to
/// be shown as a diff, splits it into lines.
pub fn compare(expected: &str, actual: &str, masks: &Masks) -> Comparison {
    let exp_lines = significant_lines(expected);
    let exp_masked = masks.apply(&exp_lines);
    let pattern: Vec<Token> = exp_lines
        .iter()
        .zip(&exp_masked)
        .map(|(line, masked)| {
            if *line == ELLIPSIS {
                Token::Ellipsis
            } else {
                Token::Line(masked)
            }
        })
        .collect();
    if glob_in_place(&pattern, &ActualLines::new(actual, masks)) {
        return Comparison {
            matches: true,
            expected: join_lines(&exp_lines),
            actual: join_lines(&exp_lines),
        };
    }
    let act_lines = significant_lines(actual);
    let act_masked = masks.apply(&act_lines);
    let matches = glob_lines(&pattern, &act_masked);
    let normalised = if matches {
        exp_lines.clone()
    } else if pattern.len().saturating_mul(act_masked.len()) <= MAX_ALIGNMENT_CELLS {
        Alignment::new(&pattern, &act_masked).normalise(&exp_lines, &act_lines)
    } else {
        anchored_normalise(&pattern, &exp_lines, &act_masked, &act_lines)
    };
    Comparison {
        matches,
        expected: join_lines(&exp_lines),
        actual: join_lines(&normalised),
    }
}

/// The lines of `text` without trailing whitespace, without trailing blank lines.
pub fn significant_lines(text: &str) -> Vec<&str> {
    let mut lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    lines
}

/// Lines joined with `\n`, each terminated, as written into an `output` block.
pub fn join_lines<S: AsRef<str>>(lines: &[S]) -> String {
    let mut out = String::new();
    for line in lines {
        out.push_str(line.as_ref());
        out.push('\n');
    }
    out
}

/// Whether one expected line (masked) matches one actual line (masked), honouring `[..]`.
pub fn line_matches(pattern: &str, line: &str) -> bool {
    if !pattern.contains(LINE_WILDCARD) {
        return pattern == line;
    }
    let parts: Vec<&str> = pattern.split(LINE_WILDCARD).collect();
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    let Some(mut rest) = line.strip_prefix(first) else {
        return false;
    };
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(at) => rest = &rest[at + middle.len()..],
            None => return false,
        }
    }
    rest.ends_with(last)
}

enum Token<'a> {
    Line(&'a str),
    Ellipsis,
}

impl Token<'_> {
    fn matches(&self, line: &str) -> bool {
        match self {
            Token::Line(p) => line_matches(p, line),
            Token::Ellipsis => true,
        }
    }
}

/// Glob matching over lines with `...` as the star: linear-time greedy with backtracking to
/// the last star, which is exact when the other tokens match single lines.
fn glob_lines(pattern: &[Token], lines: &[Cow<str>]) -> bool {
    let (mut i, mut j) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while j < lines.len() {
        match pattern.get(i) {
            Some(Token::Ellipsis) => {
                star = Some((i, j));
                i += 1;
            }
            Some(tok) if tok.matches(&lines[j]) => {
                i += 1;
                j += 1;
            }
            _ => match star {
                Some((s, mark)) => {
                    star = Some((s, mark + 1));
                    i = s + 1;
                    j = mark + 1;
                }
                None => return false,
            },
        }
    }
    pattern[i..].iter().all(|t| matches!(t, Token::Ellipsis))
}

/// The significant lines of an actual text (see [`significant_lines`]), read in place: a
/// line is named by the [`Cursor`] at its start.
struct ActualLines<'t, 'm> {
    /// The text without trailing whitespace, so without trailing blank lines.
    text: &'t str,
    masks: &'m Masks,
}

/// Where a line starts, and whether the line before it was psql's `QUERY PLAN` header
/// (whose rule is masked, as [`Masks::apply`] does).
#[derive(Clone, Copy)]
struct Cursor {
    at: usize,
    after_plan_header: bool,
}

impl<'t> ActualLines<'t, '_> {
    fn new<'m>(text: &'t str, masks: &'m Masks) -> ActualLines<'t, 'm> {
        ActualLines {
            text: text.trim_end(),
            masks,
        }
    }

    fn start() -> Cursor {
        Cursor {
            at: 0,
            after_plan_header: false,
        }
    }

    /// The line at `cursor` as written (trailing whitespace removed), if there is one.
    fn line(&self, cursor: Cursor) -> Option<&'t str> {
        let rest = self.text.get(cursor.at..).filter(|rest| !rest.is_empty())?;
        Some(rest.split('\n').next().unwrap_or("").trim_end())
    }

    /// The line at `cursor` masked.
    fn masked(&self, cursor: Cursor, line: &'t str) -> Cow<'t, str> {
        let mut masked = self.masks.apply_after(cursor.after_plan_header, line);
        if let Cow::Owned(text) = &mut masked {
            text.shrink_to_fit();
        }
        masked
    }

    fn next(&self, cursor: Cursor) -> Cursor {
        let rest = &self.text[cursor.at..];
        let raw = rest.find('\n').map_or(rest.len(), |end| end);
        Cursor {
            at: cursor.at + raw + 1,
            after_plan_header: self
                .line(cursor)
                .is_some_and(crate::mask::is_query_plan_header),
        }
    }
}

/// [`glob_lines`] over lines read in place. Backtracking goes back to just after the last
/// `...`, so it looks ahead at most as many lines as the pattern has.
fn glob_in_place(pattern: &[Token], lines: &ActualLines) -> bool {
    let mut i = 0;
    let mut j = ActualLines::start();
    let mut star: Option<(usize, Cursor)> = None;
    while let Some(line) = lines.line(j) {
        match pattern.get(i) {
            Some(Token::Ellipsis) => {
                star = Some((i, j));
                i += 1;
            }
            Some(tok) if tok.matches(&lines.masked(j, line)) => {
                i += 1;
                j = lines.next(j);
            }
            _ => match star {
                Some((s, mark)) => {
                    let after_mark = lines.next(mark);
                    star = Some((s, after_mark));
                    i = s + 1;
                    j = after_mark;
                }
                None => return false,
            },
        }
    }
    pattern[i..].iter().all(|t| matches!(t, Token::Ellipsis))
}

/// Least-edit alignment of expected tokens against actual lines: a matching line costs 0,
/// an unmatched expected or actual line costs 1, `...` absorbs any lines for free.
struct Alignment<'p, 'a> {
    pattern: &'p [Token<'a>],
    lines: &'p [Cow<'a, str>],
    /// `cost[i * (m + 1) + j]`: cheapest alignment of `pattern[i..]` with `lines[j..]`.
    cost: Vec<u32>,
}

impl<'p, 'a> Alignment<'p, 'a> {
    fn new(pattern: &'p [Token<'a>], lines: &'p [Cow<'a, str>]) -> Self {
        let (n, m) = (pattern.len(), lines.len());
        let mut a = Alignment {
            pattern,
            lines,
            cost: vec![0; (n + 1) * (m + 1)],
        };
        for j in 0..=m {
            a.set(n, j, (m - j) as u32);
        }
        for i in (0..n).rev() {
            for j in (0..=m).rev() {
                let c = match &pattern[i] {
                    Token::Ellipsis => {
                        let stop = a.at(i + 1, j);
                        if j < m {
                            stop.min(a.at(i, j + 1))
                        } else {
                            stop
                        }
                    }
                    tok => {
                        let mut best = 1 + a.at(i + 1, j);
                        if j < m {
                            best = best.min(1 + a.at(i, j + 1));
                            if tok.matches(&lines[j]) {
                                best = best.min(a.at(i + 1, j + 1));
                            }
                        }
                        best
                    }
                };
                a.set(i, j, c);
            }
        }
        a
    }

    fn at(&self, i: usize, j: usize) -> u32 {
        self.cost[i * (self.lines.len() + 1) + j]
    }

    fn set(&mut self, i: usize, j: usize, c: u32) {
        let m = self.lines.len();
        self.cost[i * (m + 1) + j] = c;
    }

    /// Walks the cheapest alignment, writing expected lines where they account for actual
    /// lines and actual lines elsewhere.
    fn normalise<'t>(&self, exp_lines: &[&'t str], act_lines: &[&'t str]) -> Vec<&'t str> {
        let (n, m) = (self.pattern.len(), self.lines.len());
        let (mut i, mut j) = (0, 0);
        let mut out = Vec::new();
        while i < n || j < m {
            if i == n {
                out.push(act_lines[j]);
                j += 1;
                continue;
            }
            let here = self.at(i, j);
            match &self.pattern[i] {
                Token::Ellipsis => {
                    if self.at(i + 1, j) == here {
                        out.push(ELLIPSIS);
                        i += 1;
                    } else {
                        j += 1;
                    }
                }
                tok => {
                    if j < m && tok.matches(&self.lines[j]) && self.at(i + 1, j + 1) == here {
                        out.push(exp_lines[i]);
                        i += 1;
                        j += 1;
                    } else if j < m && 1 + self.at(i, j + 1) == here {
                        out.push(act_lines[j]);
                        j += 1;
                    } else {
                        i += 1;
                    }
                }
            }
        }
        out
    }
}

/// The normalisation for outputs too large for one [`Alignment`]: the lines that match at
/// the start and at the end are paired off first (in linear time: a large result differs
/// from its expected block in a few rows, and `...` covers the rest), then the middle is
/// aligned by [`Alignment`] when it is small enough, else by [`greedy_normalise`].
fn anchored_normalise<'t>(
    pattern: &[Token],
    exp_lines: &[&'t str],
    act_masked: &[Cow<str>],
    act_lines: &[&'t str],
) -> Vec<&'t str> {
    let (n, m) = (pattern.len(), act_lines.len());
    let is_line = |tok: &Token| matches!(tok, Token::Line(_));
    let mut head = 0;
    while head < n
        && head < m
        && is_line(&pattern[head])
        && pattern[head].matches(&act_masked[head])
    {
        head += 1;
    }
    let (mut pattern_end, mut actual_end) = (n, m);
    while pattern_end > head
        && actual_end > head
        && is_line(&pattern[pattern_end - 1])
        && pattern[pattern_end - 1].matches(&act_masked[actual_end - 1])
    {
        pattern_end -= 1;
        actual_end -= 1;
    }
    let mut out: Vec<&'t str> = exp_lines[..head].to_vec();
    let middle = (
        &pattern[head..pattern_end],
        &exp_lines[head..pattern_end],
        &act_masked[head..actual_end],
        &act_lines[head..actual_end],
    );
    if middle.0.len().saturating_mul(middle.2.len()) <= MAX_ALIGNMENT_CELLS {
        out.extend(Alignment::new(middle.0, middle.2).normalise(middle.1, middle.3));
    } else {
        out.extend(greedy_normalise(middle.0, middle.1, middle.2, middle.3));
    }
    out.extend(&exp_lines[pattern_end..]);
    out
}

/// How far past the last paired actual line [`greedy_normalise`] looks for the next expected
/// line (after `...`, it looks as far as it must).
const GREEDY_LOOK_AHEAD: usize = 1_000;

/// Pairs each expected line with the first actual line it matches, in order: actual lines
/// passed over are kept (or absorbed by a preceding `...`); an expected line that matches none
/// accounts for no line, so the diff shows it removed. Linear in the actual lines but for the
/// look-ahead.
fn greedy_normalise<'t>(
    pattern: &[Token],
    exp_lines: &[&'t str],
    act_masked: &[Cow<str>],
    act_lines: &[&'t str],
) -> Vec<&'t str> {
    let mut out = Vec::new();
    let mut j = 0;
    let mut after_ellipsis = false;
    for (i, tok) in pattern.iter().enumerate() {
        if let Token::Ellipsis = tok {
            out.push(ELLIPSIS);
            after_ellipsis = true;
            continue;
        }
        let reach = if after_ellipsis {
            act_masked.len()
        } else {
            (j + GREEDY_LOOK_AHEAD).min(act_masked.len())
        };
        if let Some(k) = (j..reach).find(|&k| tok.matches(&act_masked[k])) {
            if !after_ellipsis {
                out.extend(&act_lines[j..k]);
            }
            out.push(exp_lines[i]);
            j = k + 1;
            after_ellipsis = false;
        }
    }
    if !after_ellipsis {
        out.extend(&act_lines[j..]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_wildcard_table() {
        let cases: &[(&str, &str, bool)] = &[
            ("abc", "abc", true),
            ("abc", "abd", false),
            ("[..]", "", true),
            ("[..]", "anything", true),
            ("a[..]", "abc", true),
            ("[..]c", "abc", true),
            ("a[..]c", "ac", true),
            ("a[..]c", "abbbc", true),
            ("a[..]c", "abcd", false),
            ("a[..]b[..]c", "a-b-c", true),
            ("a[..]b[..]c", "a-c-b", false),
            ("ab[..]bc", "abc", false),
            ("x[..][..]y", "xy", true),
            ("[..]", "", true),
        ];
        for (pattern, line, want) in cases {
            assert_eq!(
                line_matches(pattern, line),
                *want,
                "{pattern:?} vs {line:?}"
            );
        }
    }

    fn check(expected: &str, actual: &str) -> Comparison {
        compare(expected, actual, &Masks::new(&[]).unwrap())
    }

    #[test]
    fn matching_table() {
        let cases: &[(&str, &str, bool)] = &[
            ("a\nb\n", "a\nb\n", true),
            ("a  \nb\n", "a\nb   \n", true),
            ("a\nb\n", "a\nb\n\n\n", true),
            ("a\nb\n\n\n", "a\nb\n", true),
            ("a\r\nb\r\n", "a\nb\n", true),
            ("a\nb\n", "a\nc\n", false),
            ("a\n", "a\nb\n", false),
            ("a\nb\n", "a\n", false),
            ("\na\n", "a\n", false),
            ("...\n", "", true),
            ("...\n", "x\ny\nz\n", true),
            ("a\n...\n", "a\n", true),
            ("a\n...\nz\n", "a\nb\nc\nz\n", true),
            ("a\n...\nz\n", "a\nz\n", true),
            ("a\n...\nz\n", "a\nb\nc\n", false),
            ("...\nz\n...\nz\n", "z\nq\nz\n", true),
            ("...\nz\n...\nz\n", "z\n", false),
            ("a\n...\nb[..]\n", "a\nx\nbcd\n", true),
            (
                " ?column?\n----------\n [..]\n(1 row)\n",
                " ?column? \n----------\n        1\n(1 row)\n\n",
                true,
            ),
            ("....\n", "x\n", false),
        ];
        for (expected, actual, want) in cases {
            assert_eq!(
                check(expected, actual).matches,
                *want,
                "{expected:?} vs {actual:?}"
            );
        }
    }

    #[test]
    fn explain_masks_apply_on_both_sides() {
        let expected = "      QUERY PLAN\n----------------\n Seq Scan on t  (cost=0.00..1.01 rows=1 width=4)\n(1 row)\n";
        let actual = "                      QUERY PLAN\n--------------------------------------------------------\n Seq Scan on t  (cost=0.00..35.50 rows=2550 width=4)\n(1 row)\n\n";
        assert!(check(expected, actual).matches);
        let other_node = actual.replace("Seq Scan", "Index Scan");
        assert!(!check(expected, &other_node).matches);
    }

    #[test]
    fn normalises_toward_expected_table() {
        // (expected, actual, normalised actual)
        let cases: &[(&str, &str, &str)] = &[
            ("a[..]\nb\n", "abc\nB\n", "a[..]\nB\n"),
            ("a\n...\nz\nold\n", "a\n1\n2\nz\nnew\n", "a\n...\nz\nnew\n"),
            (
                "x[..]\nold\ny[..]\n",
                "x1\nnew\ny2\n",
                "x[..]\nnew\ny[..]\n",
            ),
            ("gone\nkeep[..]\n", "keep it\n", "keep[..]\n"),
            (
                "keep\n",
                "added\nkeep\nadded too\n",
                "added\nkeep\nadded too\n",
            ),
            (
                " Seq Scan on t  (cost=0.00..1.00 rows=1 width=4)\n(1 row)\n",
                " Seq Scan on t  (cost=0.00..9.00 rows=7 width=4)\n(2 rows)\n",
                " Seq Scan on t  (cost=0.00..1.00 rows=1 width=4)\n(2 rows)\n",
            ),
        ];
        for (expected, actual, want) in cases {
            let c = check(expected, actual);
            assert!(!c.matches, "{expected:?} vs {actual:?}");
            assert_eq!(c.actual, *want, "{expected:?} vs {actual:?}");
            // The normalised text is itself a matching expectation: blessing it is stable.
            assert!(check(&c.actual, actual).matches, "{want:?} vs {actual:?}");
        }
    }

    #[test]
    fn huge_outputs_keep_wildcards_after_a_difference() {
        // 3000 × 3000 lines is past the alignment limit.
        let actual: String = (0..3000).map(|i| format!("line {i}\n")).collect();
        let mut expected: String = (0..3000)
            .map(|i| match i {
                5 => "changed\n".to_string(),
                2000 => "line [..]\n".to_string(),
                _ => format!("line {i}\n"),
            })
            .collect();
        expected.push_str("...\n");
        let c = check(&expected, &actual);
        assert!(!c.matches);
        let want = expected.replace("changed\n", "line 5\n");
        assert_eq!(c.actual, want);
        assert!(check(&c.actual, &actual).matches);
    }

    /// Read in place or split into lines, the actual text gets the same verdict: every case
    /// of the table, and each with masked `QUERY PLAN` lines and CRLF endings around it.
    #[test]
    fn in_place_and_split_agree() {
        let masks = Masks::new(&["pid [0-9]+".to_string()]).unwrap();
        let texts = [
            "",
            "\n",
            "a\n",
            "a\nb\n",
            "a  \nb\n\n\n",
            "a\r\nb\r\n",
            "a\nz\n",
            "a\nb\nc\nz\n",
            "  QUERY PLAN  \n-----\n Seq Scan  (cost=0.00..1.01 rows=1 width=4)\n",
            "QUERY PLAN\n---\nSeq Scan  (cost=[..])\n",
            "by pid 42\n...\n",
            "...\n",
            "a\n...\nz\n",
            "...\nz\n...\nz\n",
            "z\nq\nz\n",
            "\na\n",
            "x\n\ny\n",
            "[..]\n...\n",
        ];
        for expected in texts {
            for actual in texts {
                let exp_lines = significant_lines(expected);
                let exp_masked = masks.apply(&exp_lines);
                let pattern: Vec<Token> = exp_lines
                    .iter()
                    .zip(&exp_masked)
                    .map(|(l, m)| {
                        if *l == ELLIPSIS {
                            Token::Ellipsis
                        } else {
                            Token::Line(m)
                        }
                    })
                    .collect();
                let act_lines = significant_lines(actual);
                let split = glob_lines(&pattern, &masks.apply(&act_lines));
                let in_place = glob_in_place(&pattern, &ActualLines::new(actual, &masks));
                assert_eq!(in_place, split, "{expected:?} against {actual:?}");
            }
        }
    }

    /// A large result: `...` spans 200,000 lines in place; a change near the end fails,
    /// and the diff shows that very line.
    #[test]
    fn wildcards_across_a_large_result_and_a_mismatch_far_down() {
        let rows = 200_000;
        let mut actual = String::from("   g    \n--------\n");
        for i in 1..=rows {
            actual.push_str(&format!(" {i:>6}\n"));
        }
        actual.push_str(&format!("({rows} rows)\n\n"));
        let expected = format!(
            "   g\n--------\n...\n {:>6}\n {rows:>6}\n({rows} rows)\n",
            rows - 1
        );
        assert!(check(&expected, &actual).matches);
        // Any row count past the wildcard still matches; a wrong footer does not.
        assert!(check("...\n(200000 rows)\n", &actual).matches);
        assert!(!check("...\n(200001 rows)\n", &actual).matches);

        let changed = format!("   g\n--------\n...\n 19999x\n {rows:>6}\n({rows} rows)\n");
        let c = check(&changed, &actual);
        assert!(!c.matches);
        let diff = similar::TextDiff::from_lines(&c.expected, &c.actual)
            .unified_diff()
            .to_string();
        assert!(diff.contains("- 19999x\n"), "{diff}");
        // `...` takes the actual row the changed line stood for, so the diff shows the
        // expected line that no row matches, between its neighbours.
        assert!(diff.contains(&format!("  {rows:>6}\n")), "{diff}");
        assert!(!diff.contains("\n+"), "{diff}");
    }
}
