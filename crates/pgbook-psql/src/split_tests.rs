//! Table-driven tests of the splitter. The texts expected here are what psql sends; the
//! differential suite in `pgbook-engine` checks the same rules against psql itself.

use super::*;

fn texts(sql: &str) -> Vec<String> {
    split_statements(sql)
        .unwrap()
        .into_iter()
        .map(|s| s.text)
        .collect()
}

#[test]
fn splits_like_psql() {
    let cases: &[(&str, &[&str])] = &[
        ("select 1;", &["select 1;"]),
        ("select 1; select 2;", &["select 1;", "select 2;"]),
        ("select 1", &["select 1"]),
        ("select 1;\nselect 2", &["select 1;", "select 2"]),
        ("  \n\t select 1 ;  \n", &["select 1 ;"]),
        ("-- intro\n-- more\nselect 1;", &["select 1;"]),
        ("select -- inline\n 1;", &["select -- inline\n 1;"]),
        ("select 1; -- after\n", &["select 1;"]),
        ("/* lead */ select 1;", &["/* lead */ select 1;"]),
        ("select\n\n\n1;", &["select\n1;"]),
        ("select\n  \n1;", &["select\n  \n1;"]),
        ("select 1\n\n", &["select 1"]),
        ("select 1   ", &["select 1   "]),
        ("select ';';", &["select ';';"]),
        ("select 'it''s;';", &["select 'it''s;';"]),
        ("select E'a\\';b';", &["select E'a\\';b';"]),
        ("select 'a\\';select 2;", &["select 'a\\';", "select 2;"]),
        (
            "select e'\\\\'; select 2;",
            &["select e'\\\\';", "select 2;"],
        ),
        ("select U&'d\\0061t;';", &["select U&'d\\0061t;';"]),
        ("select \"a;\"\"b\";", &["select \"a;\"\"b\";"]),
        ("select $$a;b$$;", &["select $$a;b$$;"]),
        ("select $x$a;$$;b$x$;", &["select $x$a;$$;b$x$;"]),
        ("select $1; select 2;", &["select $1;", "select 2;"]),
        ("select a$b; select 2;", &["select a$b;", "select 2;"]),
        ("select $$a\n\nb$$;", &["select $$a\n\nb$$;"]),
        (
            "select /* a /* b; */ c; */ 1;",
            &["select /* a /* b; */ c; */ 1;"],
        ),
        ("select /*\n\n*/ 1;", &["select /*\n\n*/ 1;"]),
        ("select (1;2);", &["select (1;2);"]),
        (
            "select ((1);2); select 3;",
            &["select ((1);2);", "select 3;"],
        ),
        ("select 1 \\; select 2;", &["select 1 ; select 2;"]),
        ("select\r\n 1;\r\n", &["select\r\n 1;"]),
        ("\u{feff}select 1;", &["select 1;"]),
        ("-- only a comment\n", &[]),
        ("", &[]),
        ("select 1; /* trailing */", &["select 1;", "/* trailing */"]),
        ("select x'1f';", &["select x'1f';"]),
        ("select ex';'", &["select ex';'"]),
    ];
    for (sql, expected) in cases {
        assert_eq!(&texts(sql), expected, "input: {sql:?}");
    }
}

#[test]
fn begin_atomic_bodies_keep_their_semicolons() {
    let cases: &[(&str, &[&str])] = &[
        (
            "create function f() returns int language sql\nbegin atomic\n  select 1;\nend;\nselect 2;",
            &[
                "create function f() returns int language sql\nbegin atomic\n  select 1;\nend;",
                "select 2;",
            ],
        ),
        (
            "CREATE OR REPLACE PROCEDURE p() BEGIN ATOMIC select case when true then 1 end; select 2; END; select 3;",
            &[
                "CREATE OR REPLACE PROCEDURE p() BEGIN ATOMIC select case when true then 1 end; select 2; END;",
                "select 3;",
            ],
        ),
        ("begin; select 1; end;", &["begin;", "select 1;", "end;"]),
        (
            "create table t (begin int); select 1;",
            &["create table t (begin int);", "select 1;"],
        ),
        (
            "create function f() returns int as $$ begin return 1; end $$ language plpgsql; select 1;",
            &[
                "create function f() returns int as $$ begin return 1; end $$ language plpgsql;",
                "select 1;",
            ],
        ),
    ];
    for (sql, expected) in cases {
        assert_eq!(&texts(sql), expected, "input: {sql:?}");
    }
}

#[test]
fn offsets_point_at_the_first_byte_sent() {
    let sql = "-- c\n  select 1;  select\n\n 2;";
    let statements = split_statements(sql).unwrap();
    let offsets: Vec<usize> = statements.iter().map(|s| s.offset).collect();
    assert_eq!(offsets, vec![7, 18]);
    // "2" is the text's byte 8 ("select\n 2;"), and byte 27 of the input.
    assert_eq!(statements[1].source_offset(sql, 8), 27);
    assert_eq!(&sql[27..28], "2");
    // `\;` is sent as `;`: bytes after it are one further on in the input.
    let sql = "select 1 \\; select\n\n x";
    let statement = &split_statements(sql).unwrap()[0];
    let x = statement.text.find('x').unwrap();
    assert_eq!(&sql[statement.source_offset(sql, x)..], "x");
}

#[test]
fn meta_commands_are_rejected_with_their_offset() {
    let cases: &[(&str, usize, &str)] = &[
        ("\\d t", 0, "\\d"),
        ("select 1;\n\\x on\n", 10, "\\x"),
        ("select 1 \\gset", 9, "\\gset"),
    ];
    for (sql, offset, command) in cases {
        let expected = SplitError::MetaCommand {
            offset: *offset,
            command: command.to_string(),
        };
        assert_eq!(split_statements(sql), Err(expected), "input: {sql:?}");
    }
    // A backslash inside quotes is data.
    assert!(split_statements("select '\\d'; select $$\\x$$;").is_ok());
}

/// A compact view of what the splitter returns: `sql|TEXT|SENT_BY` or `\NAME|ARGS`.
fn commands(sql: &str) -> Vec<String> {
    split_commands(sql)
        .into_iter()
        .map(|command| match command {
            Command::Sql(s) => {
                let by = s.sent_by.map(|m| m.name).unwrap_or_default();
                format!("sql|{}|{by}", s.text)
            }
            Command::Meta(m) => format!("\\{}|{}", m.name, m.args),
        })
        .collect()
}

/// Each case is checked against psql in the differential corpus (`meta_*.sql`).
#[test]
fn meta_commands_split_like_psql() {
    let cases: &[(&str, &[&str])] = &[
        ("\\x\nselect 1;", &["\\x|", "sql|select 1;|"]),
        // A meta-command leaves the query buffer as it is: the statement goes on.
        (
            "select 1 +\n\\echo mid\n2;",
            &["\\echo| mid", "sql|select 1 +\n2;|"],
        ),
        ("select 1 \\gset p_", &["sql|select 1 |gset"]),
        ("select 1 \\gx", &["sql|select 1 |gx"]),
        (
            "select 'select 1' \\gexec",
            &["sql|select 'select 1' |gexec"],
        ),
        (
            "select 3;\n\\gexec",
            &["sql|select 3;|", "sql|select 3;|gexec"],
        ),
        // `\g` on an empty buffer sends the previous statement again.
        ("select 2;\n\\g", &["sql|select 2;|", "sql|select 2;|g"]),
        ("\\g", &[]),
        // `\\` ends a command's arguments; the rest of the line is SQL.
        ("\\x on \\\\ select 5;", &["\\x| on ", "sql|select 5;|"]),
        ("\\echo 'a \\\\ b' c", &["\\echo| 'a \\\\ b' c"]),
        ("\\pset null '(null)'", &["\\pset| null '(null)'"]),
        ("\\dt+ orders*", &["\\dt+| orders*"]),
        // Inside quotes, dollar quotes and comments a backslash is data.
        (
            "select '\\x', $$\\x$$ /* \\x */;",
            &["sql|select '\\x', $$\\x$$ /* \\x */;|"],
        ),
        // A command name and its arguments end at a backslash that starts another one.
        ("\\a\\t", &["\\a|", "\\t|"]),
        ("\\echo a \\x b", &["\\echo| a ", "\\x| b"]),
        (
            "select 1 as x \\echo hi\\echo there\n;",
            &["\\echo| hi", "\\echo| there", "sql|select 1 as x \n;|"],
        ),
    ];
    for (sql, expected) in cases {
        assert_eq!(&commands(sql), expected, "input: {sql:?}");
    }
}

#[test]
fn variable_references_are_found_where_psql_interpolates() {
    let Command::Sql(statement) =
        split_commands("select :a, :'b', :\"c\", 1::int, ':x', $$:y$$ -- :z\n;").remove(0)
    else {
        panic!("not a statement");
    };
    let found: Vec<(&str, VariableKind, &str)> = statement
        .variables
        .iter()
        .map(|v| (v.name.as_str(), v.kind, &statement.text[v.start..v.end]))
        .collect();
    assert_eq!(
        found,
        vec![
            ("a", VariableKind::Plain, ":a"),
            ("b", VariableKind::Literal, ":'b'"),
            ("c", VariableKind::Identifier, ":\"c\""),
        ]
    );
}

#[test]
fn copy_from_stdin_takes_the_lines_up_to_the_end_marker() {
    let sql = "copy t from stdin;\n1\tx\n\\N\t'y;'\n\\.\nselect 1;\nCOPY t FROM\n  STDIN;\n2\n";
    let statements = split_statements(sql).unwrap();
    let found: Vec<(&str, Option<&str>)> = statements
        .iter()
        .map(|s| (s.text.as_str(), s.copy_data.as_deref()))
        .collect();
    assert_eq!(
        found,
        vec![
            ("copy t from stdin;", Some("1\tx\n\\N\t'y;'\n")),
            ("select 1;", None),
            // Without `\.`, the data runs to the end of the snippet.
            ("COPY t FROM\n  STDIN;", Some("2\n")),
        ]
    );
    // COPY TO STDOUT, or FROM a file, reads nothing.
    let statements = split_statements("copy t to stdout;\ncopy t from '/f';\nselect 2;").unwrap();
    assert!(statements.iter().all(|s| s.copy_data.is_none()));
    assert_eq!(statements.len(), 3);
}
