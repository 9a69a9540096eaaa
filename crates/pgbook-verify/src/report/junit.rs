//! JUnit XML: one `<testsuite>` per chapter file and one `<testcase>` per snippet (failures
//! carry their messages and diff, ignored snippets are `<skipped/>`), plus a `links` suite
//! for book-level problems, so CI systems show them like test failures.

use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Writer;

use super::{failure_text, CheckedSnippet, Report};
use crate::check::CheckStatus;

type XmlWriter = Writer<Vec<u8>>;

pub(super) fn render(report: &Report) -> String {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    let c = report.counts();
    let failures = c.failed + report.problems.len();
    let tests = report.snippets.len() + report.problems.len();
    write(
        &mut w,
        Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)),
    );
    let root = BytesStart::new("testsuites").with_attributes([
        ("name", "pgbook test"),
        ("tests", &*tests.to_string()),
        ("failures", &*failures.to_string()),
        ("skipped", &*c.ignored.to_string()),
    ]);
    write(&mut w, Event::Start(root));
    for (file, snippets) in by_file(&report.snippets) {
        write_suite(&mut w, file, &snippets);
    }
    if !report.problems.is_empty() {
        write_links_suite(&mut w, report);
    }
    write(&mut w, Event::End(BytesEnd::new("testsuites")));
    let mut xml = String::from_utf8(w.into_inner()).expect("the writer emits UTF-8");
    xml.push('\n');
    xml
}

fn write(w: &mut XmlWriter, event: Event) {
    w.write_event(event).expect("writing to memory cannot fail");
}

/// Snippets grouped by chapter file, in book order.
fn by_file(snippets: &[CheckedSnippet]) -> Vec<(&str, Vec<&CheckedSnippet>)> {
    let mut groups: Vec<(&str, Vec<&CheckedSnippet>)> = Vec::new();
    for s in snippets {
        match groups.last_mut() {
            Some((file, group)) if *file == s.file => group.push(s),
            _ => groups.push((&s.file, vec![s])),
        }
    }
    groups
}

fn write_suite(w: &mut XmlWriter, file: &str, snippets: &[&CheckedSnippet]) {
    let count = |status| snippets.iter().filter(|s| s.check.status == status).count();
    let suite = BytesStart::new("testsuite").with_attributes([
        ("name", file),
        ("tests", &*snippets.len().to_string()),
        ("failures", &*count(CheckStatus::Failed).to_string()),
        ("skipped", &*count(CheckStatus::Ignored).to_string()),
    ]);
    write(w, Event::Start(suite));
    for s in snippets {
        let name = format!("{}:{}", s.file, s.line);
        let line = s.line.to_string();
        let case = BytesStart::new("testcase").with_attributes([
            ("name", name.as_str()),
            ("classname", file),
            ("file", file),
            ("line", &*line),
        ]);
        match s.check.status {
            CheckStatus::Passed => write(w, Event::Empty(case)),
            CheckStatus::Ignored => {
                write(w, Event::Start(case));
                write(w, Event::Empty(BytesStart::new("skipped")));
                write(w, Event::End(BytesEnd::new("testcase")));
            }
            CheckStatus::Failed => {
                write(w, Event::Start(case));
                let first = s.check.messages.first().map_or("failed", String::as_str);
                write_failure(w, first, &failure_text(s));
                write(w, Event::End(BytesEnd::new("testcase")));
            }
        }
    }
    write(w, Event::End(BytesEnd::new("testsuite")));
}

fn write_links_suite(w: &mut XmlWriter, report: &Report) {
    let n = report.problems.len().to_string();
    let suite = BytesStart::new("testsuite").with_attributes([
        ("name", "links"),
        ("tests", n.as_str()),
        ("failures", n.as_str()),
        ("skipped", "0"),
    ]);
    write(w, Event::Start(suite));
    for p in &report.problems {
        let name = p.to_string();
        let file = p.file.display().to_string();
        let line = p.line.to_string();
        let case = BytesStart::new("testcase").with_attributes([
            ("name", name.as_str()),
            ("classname", "links"),
            ("file", &*file),
            ("line", &*line),
        ]);
        write(w, Event::Start(case));
        write_failure(w, &p.message, &name);
        write(w, Event::End(BytesEnd::new("testcase")));
    }
    write(w, Event::End(BytesEnd::new("testsuite")));
}

fn write_failure(w: &mut XmlWriter, message: &str, body: &str) {
    let message = xml_safe(message);
    let failure = BytesStart::new("failure").with_attributes([("message", message.as_str())]);
    write(w, Event::Start(failure));
    write(w, Event::Text(BytesText::new(&xml_safe(body))));
    write(w, Event::End(BytesEnd::new("failure")));
}

/// XML 1.0 cannot carry most control characters, which a transcript may contain.
fn xml_safe(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c < ' ' && !matches!(c, '\t' | '\n' | '\r') {
                '\u{FFFD}'
            } else {
                c
            }
        })
        .collect()
}
