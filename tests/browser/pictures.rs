//! Pictures in Chromium: a plan profile, charts, a sessions timeline and a nodes topology
//! (with the notes of how each node was made) from the `pictures` fixture, in light and dark and at a phone's 360 px width — bars present, labels at a
//! legible size, colours that follow the theme, nothing wider than the screen. Screenshots are
//! saved for a human to look at.

use std::path::{Path, PathBuf};

use serde_json::json;

use crate::cdp::Browser;
use crate::support::{copy_dir, pgbook, stderr};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/build/pictures");

/// The smallest text, in CSS pixels as drawn, that counts as legible.
const LEGIBLE_PX: f64 = 9.0;

fn number(browser: &mut Browser, expression: &str) -> f64 {
    let value = browser.eval(expression);
    value
        .as_f64()
        .unwrap_or_else(|| panic!("{expression} = {value}"))
}

fn text(browser: &mut Browser, expression: &str) -> String {
    browser
        .eval(expression)
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// What the page must show in the current theme and width.
fn check_pictures(browser: &mut Browser, width: u32) {
    let bars = number(
        browser,
        "document.querySelectorAll('.profile-node .profile-bar-fill').length",
    );
    assert_eq!(bars, 4.0, "one bar per plan node");
    // The dominant node's bar is drawn, and its time is written beside it as text.
    let widest = number(
        browser,
        "Math.max(...[...document.querySelectorAll('.profile-bar-fill')].map(b => b.getBoundingClientRect().width))",
    );
    assert!(widest > 20.0, "widest profile bar {widest}px");
    assert!(text(
        browser,
        "document.querySelector('.profile-time').textContent"
    )
    .contains(" ms · "));
    let chart_bars = number(
        browser,
        "document.querySelectorAll('.chart svg rect.chart-bar').length",
    );
    assert_eq!(chart_bars, 4.0, "one bar per relation");
    assert_eq!(
        number(
            browser,
            "document.querySelectorAll('.chart svg polyline').length"
        ),
        2.0
    );
    assert_eq!(
        number(
            browser,
            "document.querySelectorAll('.chart-legend li').length"
        ),
        2.0
    );
    // Every chart label, as drawn after the SVG is scaled to the column, is legible.
    let smallest = number(
        browser,
        "Math.min(...[...document.querySelectorAll('.chart svg text')].map(t =>
            parseFloat(getComputedStyle(t).fontSize) * t.ownerSVGElement.getScreenCTM().a))",
    );
    assert!(
        smallest >= LEGIBLE_PX,
        "chart text drawn at {smallest}px at width {width}"
    );
    // The timeline has a column per session and marks the wait.
    assert_eq!(
        number(
            browser,
            "document.querySelectorAll('.timeline-table thead th').length"
        ),
        4.0
    );
    assert_eq!(
        number(
            browser,
            "document.querySelectorAll('.timeline-table .tl-waits').length"
        ),
        1.0
    );
    // Nothing is wider than the screen.
    let page = number(browser, "document.documentElement.scrollWidth");
    assert!(
        page <= f64::from(width),
        "page is {page}px wide at {width}px"
    );
    for selector in [".profile", ".chart svg", ".timeline"] {
        let right = number(
            browser,
            &format!("Math.max(...[...document.querySelectorAll('{selector}')].map(e => e.getBoundingClientRect().right))"),
        );
        assert!(
            right <= f64::from(width),
            "{selector} reaches {right}px at {width}px"
        );
    }
}

/// What the nodes page must show: a box per node, an arrow per "made from", legible text,
/// nothing wider than the screen, and a note per node action with its real commands.
fn check_topology(browser: &mut Browser, width: u32) {
    assert_eq!(
        number(
            browser,
            "document.querySelectorAll('.topology .topology-node').length"
        ),
        3.0
    );
    assert_eq!(
        number(
            browser,
            "document.querySelectorAll('.topology .topology-edge line').length"
        ),
        2.0
    );
    let labels = text(
        browser,
        "[...document.querySelectorAll('.topology-edge text')].map(t => t.textContent).join('|')",
    );
    assert_eq!(labels, "streams WAL|backup base");
    let smallest = number(
        browser,
        "Math.min(...[...document.querySelectorAll('.topology svg text')].map(t =>
            parseFloat(getComputedStyle(t).fontSize) * t.ownerSVGElement.getScreenCTM().a))",
    );
    assert!(
        smallest >= LEGIBLE_PX,
        "topology text drawn at {smallest}px at width {width}"
    );
    let page = number(browser, "document.documentElement.scrollWidth");
    assert!(
        page <= f64::from(width),
        "page is {page}px wide at {width}px"
    );
    let right = number(
        browser,
        "Math.max(...[...document.querySelectorAll('.topology, .node-note')].map(e => e.getBoundingClientRect().right))",
    );
    assert!(
        right <= f64::from(width),
        "nodes reach {right}px at {width}px"
    );
    let notes = text(
        browser,
        "[...document.querySelectorAll('.node-note')].map(n => n.textContent).join('\\n')",
    );
    assert!(
        notes.contains("pg_basebackup --pgdata=$REPLICA_DATA"),
        "{notes}"
    );
    assert!(notes.contains("recovery_target_lsn = '0/"), "{notes}");
    assert!(!notes.contains("/tmp/"), "a scratch path is shown: {notes}");
}

/// Colours of a chart bar and a profile bar in the current theme.
fn colours(browser: &mut Browser) -> (String, String) {
    (
        text(
            browser,
            "getComputedStyle(document.querySelector('.chart rect.chart-bar')).fill",
        ),
        text(
            browser,
            "getComputedStyle(document.querySelector('.profile-bar-fill')).backgroundColor",
        ),
    )
}

pub fn pictures_in_both_themes_and_at_phone_width(
    browser: &mut Browser,
    work: &Path,
    shots: &Path,
) {
    let root = work.join("pictures-src");
    copy_dir(Path::new(FIXTURE), &root);
    let out = pgbook(&["build", root.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let page = format!("file://{}/book/pictures.html", root.display());
    let mut seen: Vec<(String, String)> = Vec::new();
    for width in [1280u32, 360] {
        browser.call(
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 600 }),
        );
        browser.goto(&page);
        for theme in ["light", "dark"] {
            if text(browser, "document.documentElement.dataset.theme") != theme {
                browser.eval("document.getElementById('theme-toggle').click()");
            }
            assert_eq!(
                text(browser, "document.documentElement.dataset.theme"),
                theme
            );
            check_pictures(browser, width);
            seen.push(colours(browser));
            for (name, selector) in [("profile", ".profile"), ("chart", ".chart")] {
                browser.eval(&format!(
                    "document.querySelector('{selector}').scrollIntoView()"
                ));
                let file: PathBuf = shots.join(format!("{name}-{theme}-{width}.png"));
                std::fs::write(file, browser.screenshot()).unwrap();
            }
        }
    }
    let nodes_page = format!("file://{}/book/nodes.html", root.display());
    let mut node_colours: Vec<String> = Vec::new();
    for width in [1280u32, 360] {
        browser.call(
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 600 }),
        );
        browser.goto(&nodes_page);
        for theme in ["light", "dark"] {
            if text(browser, "document.documentElement.dataset.theme") != theme {
                browser.eval("document.getElementById('theme-toggle').click()");
            }
            check_topology(browser, width);
            node_colours.push(text(
                browser,
                "getComputedStyle(document.querySelector('.topology-node rect')).fill",
            ));
            browser.eval("document.querySelector('.topology').scrollIntoView()");
            let file: PathBuf = shots.join(format!("topology-{theme}-{width}.png"));
            std::fs::write(file, browser.screenshot()).unwrap();
        }
    }
    assert_ne!(
        node_colours[0], node_colours[1],
        "light and dark node boxes"
    );
    browser.call("Emulation.clearDeviceMetricsOverride", json!({}));
    // The pictures take the theme's colours: dark differs from light.
    assert_ne!(seen[0], seen[1], "light and dark colours");
    assert!(
        !seen[0].0.is_empty() && seen[0].0 != "none",
        "chart bars are filled: {:?}",
        seen[0]
    );
}
