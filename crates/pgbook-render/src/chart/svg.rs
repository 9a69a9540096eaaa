//! The SVG of a chart: a fixed-width view box scaled by CSS, plot area, grid and ticks, then
//! the marks of each series. Classes, not colours: `series-N`, `chart-grid`, `chart-axis`.
//!
//! Builds a string; every database text goes through `escape`.

use std::fmt::Write;

use pgbook_book::ChartKind;
use pgbook_verify::chart::ChartData;

use super::scale::{label, Axis};
use crate::escape::escape;

const WIDTH: f64 = 560.0;
const HEIGHT: f64 = 300.0;
/// Height of one row of a horizontal bar chart.
const ROW: f64 = 26.0;
const TOP: f64 = 12.0;
const RIGHT: f64 = 16.0;
/// Longest label drawn in full; longer ones are cut (the full text is in `<title>`).
const LABEL_CHARS: usize = 18;
/// Above this many rows, bar value labels and most category labels are left out.
const LABELLED_ROWS: usize = 24;

/// The plot area in view-box units.
struct Area {
    left: f64,
    top: f64,
    width: f64,
    height: f64,
}

pub fn draw(data: &ChartData, id: &str) -> String {
    let hbar = data.kind == ChartKind::Hbar;
    let rows = data.labels.len();
    let height = if hbar {
        TOP + 28.0 + ROW * rows as f64
    } else {
        HEIGHT
    };
    let (lo, hi) = value_range(data);
    let from_zero = matches!(
        data.kind,
        ChartKind::Bar | ChartKind::Hbar | ChartKind::Area
    );
    let axis = Axis::covering(lo, hi, from_zero);
    let area = if hbar {
        let longest = data
            .labels
            .iter()
            .map(|l| l.chars().count().min(LABEL_CHARS))
            .max();
        let left = 12.0 + 9.0 * longest.unwrap_or(1) as f64;
        Area {
            left,
            top: TOP,
            width: WIDTH - left - RIGHT,
            height: ROW * rows as f64,
        }
    } else {
        Area {
            left: 52.0,
            top: TOP,
            width: WIDTH - 52.0 - RIGHT,
            height: HEIGHT - TOP - 46.0,
        }
    };
    let mut out = String::with_capacity(4096);
    let _ = write!(
        out,
        r#"<svg class="chart-svg" viewBox="0 0 {WIDTH} {height}" role="img" aria-labelledby="{id}-title {id}-desc" xmlns="http://www.w3.org/2000/svg"><title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>"#,
        escape(&title(data)),
        escape(&description(data)),
    );
    value_grid(&mut out, &axis, &area, hbar);
    category_labels(&mut out, data, &area, hbar);
    match data.kind {
        ChartKind::Bar | ChartKind::Hbar => bars(&mut out, data, &axis, &area, hbar),
        ChartKind::Line | ChartKind::Area | ChartKind::Scatter => {
            lines(&mut out, data, &axis, &area)
        }
    }
    out.push_str("</svg>");
    out
}

fn value_range(data: &ChartData) -> (f64, f64) {
    let values = data.series.iter().flat_map(|s| s.values.iter().flatten());
    values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
        (lo.min(v), hi.max(v))
    })
}

fn title(data: &ChartData) -> String {
    let names: Vec<&str> = data.series.iter().map(|s| s.name.as_str()).collect();
    format!("{} by {}", names.join(", "), data.x_name)
}

fn description(data: &ChartData) -> String {
    format!(
        "{} chart of {} rows; the same values are in the table below.",
        data.kind.name(),
        data.labels.len()
    )
}

fn short(label: &str) -> String {
    if label.chars().count() <= LABEL_CHARS {
        return label.to_string();
    }
    let cut: String = label.chars().take(LABEL_CHARS - 1).collect();
    format!("{cut}…")
}

/// Grid lines and tick labels along the value axis (left for vertical charts, bottom for
/// horizontal bars).
fn value_grid(out: &mut String, axis: &Axis, a: &Area, hbar: bool) {
    for tick in axis.ticks() {
        let f = axis.fraction(tick);
        let text = label(tick);
        let _ = if hbar {
            let x = a.left + f * a.width;
            write!(
                out,
                r#"<line class="chart-grid" x1="{x:.1}" y1="{}" x2="{x:.1}" y2="{:.1}"/><text x="{x:.1}" y="{:.1}" text-anchor="middle">{text}</text>"#,
                a.top,
                a.top + a.height,
                a.top + a.height + 16.0
            )
        } else {
            let y = a.top + a.height - f * a.height;
            write!(
                out,
                r#"<line class="chart-grid" x1="{}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}"/><text x="{:.1}" y="{:.1}" text-anchor="end">{text}</text>"#,
                a.left,
                a.left + a.width,
                a.left - 6.0,
                y + 4.0
            )
        };
    }
    let _ = write!(
        out,
        r#"<line class="chart-axis" x1="{l:.1}" y1="{b:.1}" x2="{r:.1}" y2="{b:.1}"/><line class="chart-axis" x1="{l:.1}" y1="{t:.1}" x2="{l:.1}" y2="{b:.1}"/>"#,
        l = a.left,
        r = a.left + a.width,
        t = a.top,
        b = a.top + a.height
    );
}

/// Centre of category `i` of `n` along the category axis.
fn slot(i: usize, n: usize, length: f64) -> f64 {
    (i as f64 + 0.5) * length / n as f64
}

/// Position of row `i` along the x axis of a vertical chart: by value when the first column
/// is numeric (lines, areas, points), evenly spaced otherwise.
fn x_position(data: &ChartData, i: usize, a: &Area) -> f64 {
    match (&data.x_values, data.kind) {
        (Some(xs), ChartKind::Line | ChartKind::Area | ChartKind::Scatter) => {
            let (lo, hi) = xs
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &v| {
                    (l.min(v), h.max(v))
                });
            let axis = Axis::covering(lo, hi, false);
            a.left + axis.fraction(xs[i]) * a.width
        }
        _ => a.left + slot(i, data.labels.len(), a.width),
    }
}

fn category_labels(out: &mut String, data: &ChartData, a: &Area, hbar: bool) {
    let n = data.labels.len();
    // Keep at most about a dozen labels along a vertical chart's x axis.
    let every = if hbar { 1 } else { n.div_ceil(12).max(1) };
    for (i, text) in data.labels.iter().enumerate().step_by(every) {
        let shown = escape(&short(text));
        let _ = if hbar {
            let y = a.top + slot(i, n, a.height) + 4.0;
            write!(
                out,
                r#"<text x="{:.1}" y="{y:.1}" text-anchor="end">{shown}</text>"#,
                a.left - 6.0
            )
        } else {
            let x = x_position(data, i, a);
            write!(
                out,
                r#"<text x="{x:.1}" y="{:.1}" text-anchor="middle">{shown}</text>"#,
                a.top + a.height + 16.0
            )
        };
    }
    if !hbar {
        let _ = write!(
            out,
            r#"<text class="chart-axis-name" x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
            a.left + a.width / 2.0,
            a.top + a.height + 36.0,
            escape(&data.x_name)
        );
    }
}

fn bars(out: &mut String, data: &ChartData, axis: &Axis, a: &Area, hbar: bool) {
    let n = data.labels.len();
    let k = data.series.len();
    let length = if hbar { a.height } else { a.width };
    let band = length / n as f64 * 0.8;
    let thickness = band / k as f64;
    let zero = axis.fraction(0.0);
    let labelled = n <= LABELLED_ROWS && k == 1;
    for (s, series) in data.series.iter().enumerate() {
        for (i, value) in series.values.iter().enumerate() {
            let Some(v) = *value else { continue };
            let start = slot(i, n, length) - band / 2.0 + s as f64 * thickness;
            let (from, to) = (zero.min(axis.fraction(v)), zero.max(axis.fraction(v)));
            let tip = format!("{}: {} {}", data.labels[i], series.name, label(v));
            let (x, y, w, h) = if hbar {
                (
                    a.left + from * a.width,
                    a.top + start,
                    (to - from) * a.width,
                    thickness,
                )
            } else {
                (
                    a.left + start,
                    a.top + a.height - to * a.height,
                    thickness,
                    (to - from) * a.height,
                )
            };
            let _ = write!(
                out,
                r#"<rect class="chart-bar series-{s}" x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}"><title>{}</title></rect>"#,
                escape(&tip)
            );
            if labelled {
                let text = label(v);
                let _ = if hbar {
                    write!(
                        out,
                        r#"<text class="chart-value" x="{:.1}" y="{:.1}">{text}</text>"#,
                        x + w + 4.0,
                        y + h / 2.0 + 4.0
                    )
                } else {
                    write!(
                        out,
                        r#"<text class="chart-value" x="{:.1}" y="{:.1}" text-anchor="middle">{text}</text>"#,
                        x + w / 2.0,
                        y - 4.0
                    )
                };
            }
        }
    }
}

fn lines(out: &mut String, data: &ChartData, axis: &Axis, a: &Area) {
    let y_of = |v: f64| a.top + a.height - axis.fraction(v) * a.height;
    for (s, series) in data.series.iter().enumerate() {
        let points: Vec<(f64, f64, usize, f64)> = series
            .values
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.map(|v| (x_position(data, i, a), y_of(v), i, v)))
            .collect();
        let path: Vec<String> = points
            .iter()
            .map(|(x, y, _, _)| format!("{x:.1},{y:.1}"))
            .collect();
        match data.kind {
            ChartKind::Area if !points.is_empty() => {
                let base = y_of(axis.min.max(0.0).min(axis.max));
                let (first, last) = (points[0].0, points[points.len() - 1].0);
                let _ = write!(
                    out,
                    r#"<polygon class="chart-area series-{s}" points="{first:.1},{base:.1} {} {last:.1},{base:.1}"/>"#,
                    path.join(" ")
                );
            }
            ChartKind::Line => {
                let _ = write!(
                    out,
                    r#"<polyline class="chart-line series-{s}" points="{}"/>"#,
                    path.join(" ")
                );
            }
            _ => {}
        }
        let radius = if data.kind == ChartKind::Scatter {
            3.5
        } else {
            2.5
        };
        for (x, y, i, v) in points {
            let tip = format!("{}: {} {}", data.labels[i], series.name, label(v));
            let _ = write!(
                out,
                r#"<circle class="chart-point series-{s}" cx="{x:.1}" cy="{y:.1}" r="{radius}"><title>{}</title></circle>"#,
                escape(&tip)
            );
        }
    }
}
