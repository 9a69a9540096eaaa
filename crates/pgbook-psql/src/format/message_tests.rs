//! Table-driven tests of the severity line, the field order and the error excerpt.

use super::*;

fn error_at(position: u32) -> ServerMessage {
    ServerMessage {
        severity: "ERROR".into(),
        sqlstate: "42601".into(),
        message: "syntax error".into(),
        position: Some(position),
        ..ServerMessage::default()
    }
}

fn excerpt(query: &str, position: usize) -> String {
    let mut out = String::new();
    write_excerpt(query, position, &mut out);
    out
}

#[test]
fn excerpts() {
    // Observed from psql 15 for `select 1 as xxx… +* 1;` (100 x) and a 20-letter variant.
    let long = format!("select 1 as {} +* 1;", "x".repeat(100));
    let short = format!("select 1 as {} where;", "y".repeat(20));
    let cases: Vec<(&str, usize, String)> = vec![
        (
            "select foo;",
            8,
            "LINE 1: select foo;\n               ^\n".into(),
        ),
        ("select\n  foo;", 10, "LINE 2:   foo;\n          ^\n".into()),
        ("a\r\nb\rc", 6, "LINE 3: c\n        ^\n".into()),
        (
            "select\tfoo",
            8,
            "LINE 1: select foo\n               ^\n".into(),
        ),
        (
            "select 日本 x",
            11,
            "LINE 1: select 日本 x\n                    ^\n".into(),
        ),
        ("select", 7, "LINE 1: select\n              ^\n".into()),
        ("select", 9, String::new()),
        ("select", 0, String::new()),
        (
            long.as_str(),
            114,
            format!("LINE 1: ...{} +* 1;\n{}^\n", "x".repeat(54), " ".repeat(66)),
        ),
        (
            long.as_str(),
            13,
            format!(
                "LINE 1: select 1 as {}...\n{}^\n",
                "x".repeat(48),
                " ".repeat(20)
            ),
        ),
        (
            short.as_str(),
            39,
            format!("LINE 1: {short}\n{}^\n", " ".repeat(46)),
        ),
    ];
    for (query, position, expected) in cases {
        assert_eq!(
            excerpt(query, position),
            expected,
            "{query:?} at {position}"
        );
    }
}

#[test]
fn fields_come_in_libpq_order_and_context_only_for_errors() {
    let message = ServerMessage {
        detail: Some("d".into()),
        hint: Some("h".into()),
        context: Some("c".into()),
        internal_query: Some("q".into()),
        ..error_at(1)
    };
    let mut out = String::new();
    write_message(&message, "x", true, &ErrorStyle::default(), &mut out);
    assert_eq!(
        out,
        "ERROR:  syntax error\nLINE 1: x\n        ^\nDETAIL:  d\nHINT:  h\nQUERY:  q\nCONTEXT:  c\n"
    );
    let mut notice = String::new();
    let message = ServerMessage {
        severity: "NOTICE".into(),
        position: None,
        ..message
    };
    write_message(&message, "x", false, &ErrorStyle::default(), &mut notice);
    assert_eq!(
        notice,
        "NOTICE:  syntax error\nDETAIL:  d\nHINT:  h\nQUERY:  q\n"
    );
}
