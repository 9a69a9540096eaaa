//! What a `chart=KIND` snippet draws: its last result set read as a label (or x) column and
//! one numeric series per further column, or the reason it cannot be drawn (no result set, no
//! rows, a series column that is not numeric). The checker turns that reason into a located
//! failure and the renderer draws the data, so both read the result set the same way.
//!
//! Pure data: it knows nothing of SVG or HTML and prints nothing.

use pgbook_book::{ChartKind, Event, ResultSet, SnippetOutcome};

/// A chart's data.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartData {
    pub kind: ChartKind,
    /// The first column's name.
    pub x_name: String,
    /// The first column's values as text (labels; NULL is shown as `NULL`).
    pub labels: Vec<String>,
    /// The first column's values as numbers, when it is numeric (then line, area and scatter
    /// charts place points by value, not evenly).
    pub x_values: Option<Vec<f64>>,
    pub series: Vec<Series>,
}

/// One numeric column.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    /// One value per row; NULL is a gap.
    pub values: Vec<Option<f64>>,
}

/// Type OIDs a chart can plot: int2/4/8, oid, float4/8, numeric (`money` prints with a
/// currency sign, so it is not one of them).
fn is_plottable(type_oid: u32) -> bool {
    matches!(type_oid, 20 | 21 | 23 | 26 | 700 | 701 | 1700)
}

/// The last result set of a snippet that psql printed (not one `\gset` or `\gexec` took),
/// if any statement returned one.
pub fn last_result_set(outcome: &SnippetOutcome) -> Option<&ResultSet> {
    outcome
        .statements
        .iter()
        .filter(|s| !s.rows_consumed)
        .flat_map(|s| &s.events)
        .filter_map(|e| match e {
            Event::Complete {
                rows: Some(rows), ..
            } => Some(rows),
            _ => None,
        })
        .next_back()
}

/// Reads the snippet's last result set for a chart of `kind`; the error says why it cannot
/// be drawn, in words for the author.
pub fn chart_data(kind: ChartKind, outcome: &SnippetOutcome) -> Result<ChartData, String> {
    let name = kind.name();
    let rows = last_result_set(outcome).ok_or_else(|| {
        format!("chart={name} needs a result set, but no statement of the snippet returns rows")
    })?;
    if rows.rows.is_empty() {
        return Err(format!(
            "chart={name}: the last result set has no rows to draw"
        ));
    }
    if rows.elided_rows > 0 {
        return Err(format!(
            "chart={name}: the last result set has {} rows; a chart draws at most {}",
            rows.total_rows(),
            pgbook_book::KEPT_ROWS
        ));
    }
    let Some((x, rest)) = rows.columns.split_first() else {
        return Err(format!("chart={name}: the last result set has no columns"));
    };
    if rest.is_empty() {
        return Err(format!(
            "chart={name} needs a label column and at least one numeric column, but the last result set has only '{}'",
            x.name
        ));
    }
    let mut series = Vec::with_capacity(rest.len());
    for (i, column) in rest.iter().enumerate() {
        if !is_plottable(column.type_oid) {
            return Err(format!(
                "chart={name}: column {} '{}' is not numeric; every column after the first is a series (cast it, e.g. '{}::numeric')",
                i + 2,
                column.name,
                column.name
            ));
        }
        let values = rows
            .rows
            .iter()
            .map(|r| r.get(i + 1).cloned().flatten().and_then(|v| v.parse().ok()))
            .collect();
        series.push(Series {
            name: column.name.clone(),
            values,
        });
    }
    let first = |r: &Vec<Option<String>>| r.first().cloned().flatten();
    let x_values = is_plottable(x.type_oid)
        .then(|| {
            rows.rows
                .iter()
                .map(|r| first(r).and_then(|v| v.parse().ok()))
                .collect::<Option<Vec<f64>>>()
        })
        .flatten();
    Ok(ChartData {
        kind,
        x_name: x.name.clone(),
        labels: rows
            .rows
            .iter()
            .map(|r| first(r).unwrap_or_else(|| "NULL".into()))
            .collect(),
        x_values,
        series,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use pgbook_book::{Column, StatementOutcome};

    fn outcome(columns: &[(&str, u32)], rows: &[&[Option<&str>]]) -> SnippetOutcome {
        let rows = ResultSet {
            elided_rows: 0,
            all_rows: None,
            columns: columns
                .iter()
                .map(|&(name, type_oid)| Column {
                    name: name.into(),
                    type_oid,
                })
                .collect(),
            rows: rows
                .iter()
                .map(|r| r.iter().map(|v| v.map(str::to_string)).collect())
                .collect(),
        };
        SnippetOutcome {
            statements: vec![StatementOutcome {
                sql: "SELECT".into(),
                offset: 0,
                events: vec![Event::Complete {
                    rows: Some(rows),
                    tag: "SELECT".into(),
                }],
                printed: None,
                interpolations: Vec::new(),
                expanded: false,
                rows_consumed: false,
            }],
            ..SnippetOutcome::default()
        }
    }

    #[test]
    fn reads_labels_and_series() {
        let o = outcome(
            &[("index", 25), ("kB", 20), ("ratio", 1700)],
            &[
                &[Some("a_pkey"), Some("240"), None],
                &[Some("a_k_idx"), Some("96"), Some("0.4")],
            ],
        );
        let data = chart_data(ChartKind::Bar, &o).unwrap();
        assert_eq!(data.labels, ["a_pkey", "a_k_idx"]);
        assert_eq!(data.x_values, None);
        assert_eq!(data.series[0].values, [Some(240.0), Some(96.0)]);
        assert_eq!(data.series[1].values, [None, Some(0.4)]);
        let o = outcome(&[("n", 23), ("ms", 701)], &[&[Some("10"), Some("1.5")]]);
        assert_eq!(
            chart_data(ChartKind::Line, &o).unwrap().x_values,
            Some(vec![10.0])
        );
    }

    #[test]
    fn says_why_a_result_cannot_be_drawn() {
        let table = [
            (outcome(&[("a", 25), ("b", 25)], &[&[Some("x"), Some("y")]]),
             "chart=bar: column 2 'b' is not numeric; every column after the first is a series (cast it, e.g. 'b::numeric')"),
            (outcome(&[("a", 25), ("b", 23)], &[]), "chart=bar: the last result set has no rows to draw"),
            (outcome(&[("a", 25)], &[&[Some("x")]]),
             "chart=bar needs a label column and at least one numeric column, but the last result set has only 'a'"),
            (SnippetOutcome::default(), "chart=bar needs a result set, but no statement of the snippet returns rows"),
        ];
        for (o, message) in table {
            assert_eq!(chart_data(ChartKind::Bar, &o).unwrap_err(), message);
        }
    }
}
