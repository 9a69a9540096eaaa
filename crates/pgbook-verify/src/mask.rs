//! Masks: rewriting volatile text (EXPLAIN costs and timings; process and transaction ids in
//! lock, deadlock and notification messages; `\timing`'s `Time:` lines; the server's source
//! line in `VERBOSITY verbose`'s `LOCATION:`; `[verify] mask`
//! regexes) to a fixed placeholder on *both* sides before expected and actual output are
//! compared.
//!
//! Masks only decide what is compared; they never change what is shown or written back to
//! the book (bless keeps the expected block's own figures where the masked lines agree).
//! This module knows nothing of files, snippets or wildcards.

use regex::Regex;
use std::borrow::Cow;

/// What a masked figure becomes. It contains no `[..]`, so it cannot pose as a wildcard.
const PLACEHOLDER: &str = "#";

/// A `[verify] mask` entry that is not a valid regex.
#[derive(Debug, thiserror::Error)]
#[error("[verify] mask: bad regex '{pattern}'")]
pub struct BadMask {
    pub pattern: String,
    #[source]
    pub source: regex::Error,
}

/// The regexes applied to each line, built-in EXPLAIN masks first, then the book's own.
#[derive(Debug, Clone)]
pub struct Masks {
    builtin: Vec<(Regex, &'static str)>,
    user: Vec<Regex>,
}

impl Masks {
    /// Compiles the built-in masks and `[verify] mask`; a bad regex is an error naming it.
    pub fn new(user_patterns: &[String]) -> Result<Masks, BadMask> {
        let user = user_patterns
            .iter()
            .map(|p| {
                Regex::new(p).map_err(|source| BadMask {
                    pattern: p.clone(),
                    source,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Masks {
            builtin: builtin_masks(),
            user,
        })
    }

    /// Masks every line of `text` (split on `\n`, trailing whitespace already removed by the
    /// caller). The centred `QUERY PLAN` header and the rule under it lose their widths.
    /// A line nothing masks is borrowed, not copied: a million-line transcript costs no
    /// second copy of its text.
    pub fn apply<'a>(&self, lines: &[&'a str]) -> Vec<Cow<'a, str>> {
        let mut out: Vec<Cow<'a, str>> = Vec::with_capacity(lines.len());
        let mut after_plan_header = false;
        for line in lines {
            let masked = if is_query_plan_header(line) {
                after_plan_header = true;
                out.push(Cow::Borrowed("QUERY PLAN"));
                continue;
            } else if after_plan_header && is_rule(line) {
                Cow::Borrowed("---")
            } else {
                self.mask(line)
            };
            after_plan_header = false;
            out.push(masked);
        }
        out
    }

    /// One line masked as [`Masks::apply`] masks it, given whether the line before it was
    /// psql's `QUERY PLAN` header.
    pub fn apply_after<'a>(&self, after_plan_header: bool, line: &'a str) -> Cow<'a, str> {
        if is_query_plan_header(line) {
            Cow::Borrowed("QUERY PLAN")
        } else if after_plan_header && is_rule(line) {
            Cow::Borrowed("---")
        } else {
            self.mask(line)
        }
    }

    /// Masks one line with the built-in and user regexes.
    pub fn mask_line(&self, line: &str) -> String {
        self.mask(line).into_owned()
    }

    /// [`Masks::mask_line`], borrowing the line when nothing in it is masked.
    fn mask<'a>(&self, line: &'a str) -> Cow<'a, str> {
        let volatile = VOLATILE_MARKERS.iter().any(|m| line.contains(m));
        if !volatile && !self.user.iter().any(|re| re.is_match(line)) {
            return Cow::Borrowed(line);
        }
        let mut s = line.to_string();
        for (re, replacement) in self.builtin.iter().filter(|_| volatile) {
            // Repeated until nothing matches, for rules that mask each figure after a label
            // (`I/O Timings: read=1.2 write=0.3`); every replacement removes one match.
            while re.is_match(&s) {
                s = re.replace_all(&s, *replacement).into_owned();
            }
        }
        for re in &self.user {
            if re.is_match(&s) {
                s = re.replace_all(&s, PLACEHOLDER).into_owned();
            }
        }
        Cow::Owned(s)
    }
}

/// psql centres the single `QUERY PLAN` column header within the widest plan line.
pub(crate) fn is_query_plan_header(line: &str) -> bool {
    line.trim() == "QUERY PLAN"
}

fn is_rule(line: &str) -> bool {
    !line.is_empty() && line.bytes().all(|b| b == b'-')
}

/// Every built-in mask needs one of these in the line; most lines have none, and a substring
/// search is much cheaper than running each regex.
const VOLATILE_MARKERS: &[&str] = &[
    "cost=",
    "time=",
    "ime: ",
    "Buffers: ",
    "Memory",
    "Disk",
    "I/O Timings",
    "rocess ",
    "ransaction ",
    "PID ",
    "LOCATION:  ",
];

/// EXPLAIN's volatile figures (DESIGN §3). Estimated `rows=`/`width=` are masked only inside
/// the cost parentheses; `actual ... rows= loops=` stay compared.
fn builtin_masks() -> Vec<(Regex, &'static str)> {
    let num = r"[0-9]+(?:\.[0-9]+)?";
    let rules: Vec<(String, &'static str)> = vec![
        (
            format!(r"cost={num}\.\.{num} rows=[0-9]+ width=[0-9]+"),
            "cost=# rows=# width=#",
        ),
        (format!(r"cost={num}\.\.{num}"), "cost=#"),
        (format!(r"actual time={num}\.\.{num}"), "actual time=#"),
        (
            format!(r"(Planning|Execution) [Tt]ime: {num} ms"),
            "$1 Time: # ms",
        ),
        // Which kinds a Buffers line lists (hit, read, dirtied, written) depends on the cache
        // and on hint bits set by earlier reads, not only its figures: the whole list varies.
        (r"(Buffers: )[a-z].*".into(), "$1#"),
        (
            r"(Memory Usage|Peak Memory Usage|Memory|Disk Usage|Disk): [0-9]+([kMG]?B)".into(),
            "$1: #$2",
        ),
        (r"(Memory: used|allocated)=[0-9]+([kMG]?B)".into(), "$1=#$2"),
        (format!(r"(I/O Timings: .*?)={num}"), "$1=#"),
        // Values the server makes up on every run (DESIGN §3): the process ids and
        // transaction ids of lock waits and deadlocks ...
        (
            r"([Pp]rocess) [0-9]+ (waits for|still waiting for|acquired)".into(),
            "$1 # $2",
        ),
        (r"(blocked by process) [0-9]+".into(), "$1 #"),
        (r"(on transaction) [0-9]+".into(), "$1 #"),
        (r"(on virtual transaction) [0-9]+/[0-9]+".into(), "$1 #"),
        (r"(Process holding the lock): [0-9]+".into(), "$1: #"),
        (r"(Wait queue: (?:#, )*)[0-9]+".into(), "$1#"),
        // ... the sender of a notification ...
        (
            r"(received from server process with PID) [0-9]+".into(),
            "$1 #",
        ),
        // ... the source line `VERBOSITY verbose` names, which moves between server builds ...
        (r"^(LOCATION:  .*\.[a-z]+):[0-9]+$".into(), "$1:#"),
        // ... and `\timing`'s figures (a duration over a second adds its clock form).
        (
            format!(r"^Time: {num} ms(?: \([0-9:.d ]+\))?$"),
            "Time: # ms",
        ),
    ];
    rules
        .into_iter()
        .map(|(pattern, replacement)| {
            let re = Regex::new(&pattern).expect("built-in masks are valid regexes");
            (re, replacement)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mask(lines: &[&str]) -> Vec<String> {
        Masks::new(&[])
            .unwrap()
            .apply(lines)
            .into_iter()
            .map(Cow::into_owned)
            .collect()
    }

    #[test]
    fn explain_figures_table() {
        let cases: &[(&str, &str)] = &[
            (
                "Seq Scan on t  (cost=0.00..35.50 rows=2550 width=4)",
                "Seq Scan on t  (cost=# rows=# width=#)",
            ),
            (
                "Seq Scan on t  (cost=0.00..1.10 rows=10 width=4) (actual time=0.010..0.012 rows=10 loops=1)",
                "Seq Scan on t  (cost=# rows=# width=#) (actual time=# rows=10 loops=1)",
            ),
            ("Planning Time: 0.058 ms", "Planning Time: # ms"),
            ("Execution Time: 12.5 ms", "Execution Time: # ms"),
            (
                "  Buffers: shared hit=12 read=3 dirtied=1",
                "  Buffers: #",
            ),
            (
                "Buckets: 1024  Batches: 1  Memory Usage: 9kB",
                "Buckets: 1024  Batches: 1  Memory Usage: #kB",
            ),
            (
                "Sort Method: quicksort  Memory: 25kB",
                "Sort Method: quicksort  Memory: #kB",
            ),
            (
                "Sort Method: external merge  Disk: 1928kB",
                "Sort Method: external merge  Disk: #kB",
            ),
            (
                "  Memory: used=12kB  allocated=16kB",
                "  Memory: used=#kB  allocated=#kB",
            ),
            // Not volatile: compared as written.
            ("Filter: (id = 3)", "Filter: (id = 3)"),
            ("Rows Removed by Filter: 97", "Rows Removed by Filter: 97"),
            ("Index Cond: (id < 10)", "Index Cond: (id < 10)"),
        ];
        for (input, want) in cases {
            assert_eq!(mask(&[input]), vec![want.to_string()], "input: {input}");
        }
    }

    /// Lines as PostgreSQL 15 and psql print them; the figures change on every run.
    #[test]
    fn volatile_ids_and_timings_table() {
        let cases: &[(&str, &str)] = &[
            (
                "DETAIL:  Process 4242 waits for ShareLock on transaction 741; blocked by process 4243.",
                "DETAIL:  Process # waits for ShareLock on transaction #; blocked by process #.",
            ),
            (
                "Process 4243 waits for ShareLock on transaction 740; blocked by process 4242.",
                "Process # waits for ShareLock on transaction #; blocked by process #.",
            ),
            (
                "Process 17 waits for ExclusiveLock on virtual transaction 3/12; blocked by process 18.",
                "Process # waits for ExclusiveLock on virtual transaction #; blocked by process #.",
            ),
            (
                "DETAIL:  Process holding the lock: 4242. Wait queue: 4243, 4244.",
                "DETAIL:  Process holding the lock: #. Wait queue: #, #.",
            ),
            (
                "Asynchronous notification \"ch\" with payload \"p\" received from server process with PID 4242.",
                "Asynchronous notification \"ch\" with payload \"p\" received from server process with PID #.",
            ),
            ("Time: 0.512 ms", "Time: # ms"),
            ("Time: 1234.567 ms (00:01.235)", "Time: # ms"),
            (
                "LOCATION:  parserOpenTable, parse_relation.c:1392",
                "LOCATION:  parserOpenTable, parse_relation.c:#",
            ),
            ("LOCATION:  scanner_yyerror, scan.l:1188", "LOCATION:  scanner_yyerror, scan.l:#"),
            // Not volatile: compared as written.
            ("CONTEXT:  while updating tuple (0,1) in relation \"t\"", "CONTEXT:  while updating tuple (0,1) in relation \"t\""),
            (" process 42 | transaction 7", " process 42 | transaction 7"),
            ("Time: later", "Time: later"),
        ];
        for (input, want) in cases {
            assert_eq!(mask(&[input]), vec![want.to_string()], "input: {input}");
        }
    }

    #[test]
    fn query_plan_header_and_rule_widths() {
        assert_eq!(
            mask(&[
                "                QUERY PLAN",
                "-----------------------------",
                "x",
                "---"
            ]),
            vec!["QUERY PLAN", "---", "x", "---"]
        );
        assert_eq!(
            mask(&["  QUERY PLAN", "------------"]),
            mask(&["           QUERY PLAN", "---------------------------"]),
        );
        // A rule that does not follow the plan header keeps its width.
        assert_eq!(mask(&[" a ", "---"]), vec![" a ", "---"]);
        assert_ne!(mask(&[" a ", "---"]), mask(&[" a ", "-----"]));
    }

    #[test]
    fn user_masks() {
        let m = Masks::new(&[r"\d{4}-\d\d-\d\d".into(), "pid [0-9]+".into()]).unwrap();
        assert_eq!(m.mask_line("on 2024-01-31 by pid 4242"), "on # by #");
        let err = Masks::new(&["(".into()]).unwrap_err();
        assert_eq!(err.to_string(), "[verify] mask: bad regex '('");
        assert_eq!(err.pattern, "(");
    }
}
