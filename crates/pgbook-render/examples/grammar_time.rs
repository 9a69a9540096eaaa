//! Times loading the PostgreSQL grammar and highlighting with it (a profiling aid).
use std::time::Instant;
use syntect::html::{ClassStyle, ClassedHTMLGenerator};
use syntect::parsing::{SyntaxDefinition, SyntaxSetBuilder};
fn main() {
    let t = Instant::now();
    let def = SyntaxDefinition::load_from_str(
        include_str!("../syntaxes/postgresql.sublime-syntax"),
        true,
        None,
    )
    .unwrap();
    eprintln!("yaml {:?}", t.elapsed());
    let mut b = SyntaxSetBuilder::new();
    b.add(def);
    let set = b.build();
    eprintln!("build {:?}", t.elapsed());
    for code in [
        "select 1;\n",
        "select 2 from t where x = 'a';\n",
        "CREATE FUNCTION f() RETURNS int AS $$ select 1 $$ LANGUAGE sql;\n",
    ] {
        let mut g = ClassedHTMLGenerator::new_with_class_style(
            &set.syntaxes()[0],
            &set,
            ClassStyle::SpacedPrefixed { prefix: "hl-" },
        );
        g.parse_html_for_line_which_includes_newline(code).unwrap();
        let _ = g.finalize();
        eprintln!("line {:?}", t.elapsed());
    }
}
