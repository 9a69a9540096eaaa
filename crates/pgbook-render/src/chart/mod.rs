//! Charts from result sets (`chart=KIND`): the snippet's last result set, as read by
//! `pgbook_verify::chart`, drawn as an inline SVG at build time — bars, horizontal bars,
//! lines, areas or points, axes with round ticks, each element carrying its value as text
//! (`<title>`), and the chart's `<title>`/`<desc>` for screen readers.
//!
//! The SVG is written by hand (see ARCHITECTURE.md, "Hand-written on purpose"): every colour
//! is a class that `css/pictures.css` maps to the theme's variables, so light, dark and print
//! follow the theme. Every text from the database is escaped here. It never judges whether a
//! chart can be drawn; the checker does.

mod scale;
mod svg;

use pgbook_verify::chart::ChartData;
use serde::Serialize;

/// Everything `partials/chart.html` receives.
#[derive(Debug, Clone, Serialize)]
pub struct ChartView {
    /// `bar`, `hbar`, ...
    pub kind: &'static str,
    /// The SVG element (trusted: built here from escaped text).
    pub svg: String,
    /// Series names in colour order, for the legend (shown when there are several).
    pub legend: Vec<String>,
}

/// Draws `data`; `id` makes the SVG's `<title>`/`<desc>` ids unique in the page.
pub fn chart_view(data: &ChartData, id: &str) -> ChartView {
    ChartView {
        kind: data.kind.name(),
        svg: svg::draw(data, id),
        legend: data.series.iter().map(|s| s.name.clone()).collect(),
    }
}

/// Puts the chart of a `chart=KIND` snippet just above its last result table (the table stays
/// beneath it). Nothing is drawn when the result cannot be charted: the checker reports that.
pub(crate) fn insert_chart(
    items: &mut Vec<crate::snippet::OutputItem>,
    outcome: &pgbook_book::SnippetOutcome,
    kind: Option<pgbook_book::ChartKind>,
    anchor: &str,
) {
    use crate::snippet::OutputItem;
    let Some(kind) = kind else { return };
    let Ok(data) = pgbook_verify::chart::chart_data(kind, outcome) else {
        return;
    };
    let Some(at) = items
        .iter()
        .rposition(|i| matches!(i, OutputItem::Table { .. }))
    else {
        return;
    };
    let chart = chart_view(&data, &format!("chart-{anchor}"));
    items.insert(at, OutputItem::Chart { chart });
}

#[cfg(test)]
mod tests;
