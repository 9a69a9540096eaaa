//! Axis arithmetic for charts: a value range widened to "nice" round ticks (1, 2 or 5 times a
//! power of ten), and tick labels short enough to read (`1.5k`, `20M`).
//!
//! Pure numbers; knows nothing of SVG.

/// A linear axis from `min` to `max` with ticks every `step`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Axis {
    pub min: f64,
    pub max: f64,
    pub step: f64,
}

impl Axis {
    /// An axis covering `lo..=hi` (and zero, when `from_zero`) with about five ticks.
    pub fn covering(lo: f64, hi: f64, from_zero: bool) -> Axis {
        let (mut lo, mut hi) = if from_zero {
            (lo.min(0.0), hi.max(0.0))
        } else {
            (lo, hi)
        };
        if !(lo.is_finite() && hi.is_finite()) {
            (lo, hi) = (0.0, 1.0);
        }
        if hi - lo <= f64::EPSILON * hi.abs().max(1.0) {
            // One value: give it room around it.
            let pad = if hi == 0.0 { 1.0 } else { hi.abs() / 2.0 };
            (lo, hi) = if from_zero && lo >= 0.0 {
                (0.0, hi + pad)
            } else {
                (lo - pad, hi + pad)
            };
        }
        let step = nice_step((hi - lo) / 5.0);
        Axis {
            min: (lo / step).floor() * step,
            max: (hi / step).ceil() * step,
            step,
        }
    }

    /// The tick values from `min` to `max`.
    pub fn ticks(&self) -> Vec<f64> {
        let n = ((self.max - self.min) / self.step).round() as usize;
        (0..=n).map(|i| self.min + i as f64 * self.step).collect()
    }

    /// Where `v` falls between 0 (at `min`) and 1 (at `max`).
    pub fn fraction(&self, v: f64) -> f64 {
        (v - self.min) / (self.max - self.min)
    }
}

/// The smallest of 1, 2, 5 × 10^n at least `raw`.
fn nice_step(raw: f64) -> f64 {
    let power = 10f64.powf(raw.log10().floor());
    let m = raw / power;
    let nice = if m <= 1.0 {
        1.0
    } else if m <= 2.0 {
        2.0
    } else if m <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * power
}

/// A tick or value label: up to three decimals, thousands as `k`, millions as
/// `M`, billions as `G`.
pub fn label(v: f64) -> String {
    let abs = v.abs();
    let (scaled, suffix) = if abs >= 1e9 {
        (v / 1e9, "G")
    } else if abs >= 1e6 {
        (v / 1e6, "M")
    } else if abs >= 1e4 {
        (v / 1e3, "k")
    } else {
        (v, "")
    };
    // Scaled values keep one decimal (`16.4k`); small ones up to three (`0.125`).
    let text = if suffix.is_empty() {
        format!("{scaled:.3}")
    } else {
        format!("{scaled:.1}")
    };
    let text = text.trim_end_matches('0').trim_end_matches('.');
    let text = if text == "-0" { "0" } else { text };
    format!("{text}{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_axes() {
        // (lo, hi, from zero, min, max, step)
        let table = [
            (3.0, 97.0, true, 0.0, 100.0, 20.0),
            (0.12, 0.9, true, 0.0, 1.0, 0.2),
            (-30.0, 45.0, true, -40.0, 60.0, 20.0),
            (1000.0, 1240.0, false, 1000.0, 1250.0, 50.0),
            (5.0, 5.0, true, 0.0, 5.0, 1.0),
            (5.0, 5.0, false, 2.0, 8.0, 1.0),
            (0.0, 0.0, true, 0.0, 1.0, 0.2),
        ];
        for (lo, hi, zero, min, max, step) in table {
            let a = Axis::covering(lo, hi, zero);
            assert_eq!((a.min, a.max, a.step), (min, max, step), "{lo}..{hi}");
        }
        assert_eq!(Axis::covering(0.0, 97.0, true).ticks().len(), 6);
    }

    #[test]
    fn labels() {
        let table = [
            (0.0, "0"),
            (2.5, "2.5"),
            (0.1 + 0.2, "0.3"),
            (1200.0, "1200"),
            (15000.0, "15k"),
            (2_500_000.0, "2.5M"),
            (-4e9, "-4G"),
            (-0.0001, "0"),
        ];
        for (v, text) in table {
            assert_eq!(label(v), text, "{v}");
        }
    }
}
