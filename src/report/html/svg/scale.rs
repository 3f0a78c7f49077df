//! Scales from data to pixels, and the ticks of their axes.

/// Maps a domain linearly onto a range of pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Linear {
    pub domain: (f64, f64),
    pub range: (f64, f64),
}

impl Linear {
    pub fn map(&self, x: f64) -> f64 {
        let (d0, d1) = self.domain;
        let (r0, r1) = self.range;
        if d1 == d0 {
            return (r0 + r1) / 2.0;
        }
        r0 + (x - d0) / (d1 - d0) * (r1 - r0)
    }
}

/// Maps a positive domain logarithmically onto a range of pixels: a ratio
/// of 0.5 lies as far left of 1 as 2 lies right of it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Log {
    pub domain: (f64, f64),
    pub range: (f64, f64),
}

impl Log {
    /// `NaN` for values that are not positive, which the primitives skip.
    pub fn map(&self, x: f64) -> f64 {
        if x <= 0.0 || self.domain.0 <= 0.0 || self.domain.1 <= 0.0 {
            return f64::NAN;
        }
        Linear {
            domain: (self.domain.0.ln(), self.domain.1.ln()),
            range: self.range,
        }
        .map(x.ln())
    }
}

/// Round ticks between `lo` and `hi` (positive) for a log axis: from the
/// sparsest of the 1-2-5 families that gives at least four, always with 1
/// when it is in range, and at most ten.
pub fn log_ticks(lo: f64, hi: f64) -> Vec<f64> {
    if !(lo > 0.0 && hi > lo && hi.is_finite()) {
        return vec![];
    }
    let families: [&[f64]; 3] = [
        &[1.0, 2.0, 5.0],
        &[1.0, 1.5, 2.0, 3.0, 5.0, 7.0],
        &[1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0],
    ];
    let in_range = |family: &[f64]| -> Vec<f64> {
        let (k0, k1) = (lo.log10().floor() as i32 - 1, hi.log10().ceil() as i32);
        let mut ticks = vec![];
        for k in k0..=k1 {
            for m in family {
                let t = m * 10f64.powi(k);
                // Rounded so 0.3 prints as 0.3, not 0.30000000000000004.
                let t = (t * 1e6).round() / 1e6;
                if t >= lo && t <= hi {
                    ticks.push(t);
                }
            }
        }
        ticks
    };
    let mut ticks = families
        .iter()
        .map(|f| in_range(f))
        .find(|t| t.len() >= 4)
        .unwrap_or_else(|| in_range(families[2]));
    // Extra ticks near 1 help read small changes: the edges of "similar".
    if ticks.len() < 4 {
        let band = crate::analysis::verdict::Band::DEFAULT;
        for t in [band.low(), band.high()] {
            if t >= lo && t <= hi && !ticks.contains(&t) {
                ticks.push(t);
            }
        }
        ticks.sort_by(f64::total_cmp);
    }
    while ticks.len() > 10 {
        ticks = ticks
            .iter()
            .enumerate()
            .filter(|(i, t)| i % 2 == 0 || **t == 1.0)
            .map(|(_, t)| *t)
            .collect();
    }
    ticks
}

/// Round ticks from `lo` to `hi` with a 1-2-5 step, at most `max` of them.
pub fn linear_ticks(lo: f64, hi: f64, max: usize) -> Vec<f64> {
    if !(hi > lo && lo.is_finite() && hi.is_finite()) || max < 2 {
        return vec![];
    }
    let raw = (hi - lo) / (max - 1) as f64;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|s| (hi - lo) / s <= (max - 1) as f64)
        .unwrap_or(10.0 * magnitude);
    let mut ticks = vec![];
    let mut t = (lo / step).ceil() * step;
    while t <= hi + step * 1e-9 {
        ticks.push((t / step).round() * step);
        t += step;
    }
    ticks
}

/// A tick label: `0.5`, `1`, `1.25`.
pub fn tick_label(x: f64) -> String {
    let text = format!("{x:.3}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_map_ends_and_middles() {
        let lin = Linear {
            domain: (0.0, 10.0),
            range: (100.0, 200.0),
        };
        assert_eq!(
            (lin.map(0.0), lin.map(5.0), lin.map(10.0)),
            (100.0, 150.0, 200.0)
        );
        let flat = Linear {
            domain: (3.0, 3.0),
            range: (0.0, 10.0),
        };
        assert_eq!(flat.map(3.0), 5.0);
        let log = Log {
            domain: (0.5, 2.0),
            range: (0.0, 100.0),
        };
        assert!((log.map(1.0) - 50.0).abs() < 1e-9);
        assert!((log.map(0.5)).abs() < 1e-9 && (log.map(2.0) - 100.0).abs() < 1e-9);
        assert!(log.map(0.0).is_nan() && log.map(-1.0).is_nan());
    }

    #[test]
    fn log_ticks_are_round_and_in_range() {
        let ticks = log_ticks(0.4, 2.2);
        assert!(ticks.len() >= 4 && ticks.len() <= 10, "{ticks:?}");
        assert!(ticks.contains(&1.0) && ticks.contains(&0.5) && ticks.contains(&2.0));
        assert!(ticks.iter().all(|t| (0.4..=2.2).contains(t)));
        // A narrow range still has ticks to read, among them the ±10% bounds.
        let narrow = log_ticks(0.85, 1.2);
        assert!(narrow.contains(&1.0) && narrow.contains(&0.9), "{narrow:?}");
        assert!(narrow.len() >= 3);
        // Many decades are thinned, 1 kept.
        let wide = log_ticks(0.001, 1000.0);
        assert!(wide.len() <= 10 && wide.contains(&1.0), "{wide:?}");
        assert!(log_ticks(0.0, 1.0).is_empty() && log_ticks(2.0, 1.0).is_empty());
    }

    #[test]
    fn linear_ticks_step_by_one_two_five() {
        assert_eq!(linear_ticks(0.0, 4.4, 6), vec![0.0, 1.0, 2.0, 3.0, 4.0]);
        assert_eq!(
            linear_ticks(0.0, 10.0, 6),
            vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0]
        );
        assert_eq!(
            linear_ticks(0.0, 45.0, 6),
            vec![0.0, 10.0, 20.0, 30.0, 40.0]
        );
        assert!(linear_ticks(1.0, 1.0, 5).is_empty());
        assert_eq!(tick_label(0.5), "0.5");
        assert_eq!(tick_label(1.0), "1");
        assert_eq!(tick_label(1.25), "1.25");
    }
}
