//! The SVG of each chart kind: one mark per value, values as text, database text escaped,
//! colours left to CSS classes.

use pgbook_book::ChartKind;
use pgbook_verify::chart::{ChartData, Series};

use super::svg::draw;

fn data(kind: ChartKind, series: usize) -> ChartData {
    ChartData {
        kind,
        x_name: "index".into(),
        labels: vec![
            "a_pkey".into(),
            "<b & c>".into(),
            "a_very_long_index_name_indeed".into(),
        ],
        x_values: None,
        series: (0..series)
            .map(|s| Series {
                name: format!("size {s}"),
                values: vec![Some(240.0), None, Some(16384.0 * (s + 1) as f64)],
            })
            .collect(),
    }
}

fn count(svg: &str, needle: &str) -> usize {
    svg.matches(needle).count()
}

#[test]
fn bars_one_per_value_with_their_numbers() {
    for kind in [ChartKind::Bar, ChartKind::Hbar] {
        let svg = draw(&data(kind, 1), "c1");
        assert_eq!(
            count(&svg, "<rect class=\"chart-bar series-0\""),
            2,
            "{svg}"
        );
        assert!(svg.contains("<title>a_pkey: size 0 240</title>"), "{svg}");
        assert!(svg.contains(">16.4k</text>"), "{svg}");
        assert!(svg.contains("&lt;b &amp; c&gt;"), "{svg}");
        assert!(!svg.contains("<b & c>"));
        assert!(svg.contains("a_very_long_index…"), "{svg}");
        assert!(svg.contains(r#"aria-labelledby="c1-title c1-desc""#));
        assert!(svg.contains("<title id=\"c1-title\">size 0 by index</title>"));
        assert!(
            !svg.contains("fill=\"#"),
            "colours belong to the theme's CSS"
        );
    }
    let two = draw(&data(ChartKind::Bar, 2), "c2");
    assert_eq!(count(&two, "series-1"), 2);
    // With several series the legend and the tooltips carry the numbers, not the bars.
    assert_eq!(count(&two, "chart-value"), 0);
}

#[test]
fn lines_areas_and_points() {
    let mut d = data(ChartKind::Line, 2);
    let svg = draw(&d, "l");
    assert_eq!(count(&svg, "<polyline"), 2);
    assert_eq!(count(&svg, "<circle"), 4);
    d.kind = ChartKind::Area;
    assert_eq!(count(&draw(&d, "a"), "<polygon class=\"chart-area"), 2);
    d.kind = ChartKind::Scatter;
    let svg = draw(&d, "s");
    assert_eq!((count(&svg, "<polyline"), count(&svg, "<circle")), (0, 4));
}

#[test]
fn numeric_x_places_points_by_value() {
    let d = ChartData {
        kind: ChartKind::Line,
        x_name: "n".into(),
        labels: vec!["0".into(), "1".into(), "10".into()],
        x_values: Some(vec![0.0, 1.0, 10.0]),
        series: vec![Series {
            name: "ms".into(),
            values: vec![Some(1.0), Some(2.0), Some(3.0)],
        }],
    };
    let svg = draw(&d, "x");
    let xs: Vec<f64> = svg
        .split("<circle")
        .skip(1)
        .map(|c| {
            c.split("cx=\"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap()
                .parse()
                .unwrap()
        })
        .collect();
    // 0, 1 and 10 on a 0..10 axis: the second point sits a tenth of the way along.
    let fraction = (xs[1] - xs[0]) / (xs[2] - xs[0]);
    assert!((fraction - 0.1).abs() < 0.01, "{xs:?}");
}
