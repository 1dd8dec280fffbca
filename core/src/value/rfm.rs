//! Recency, frequency and monetary value of one person's purchases, and the
//! standard segment of their 1..5 scores.

const DAY_US: i64 = 86_400_000_000;

/// One person's purchases folded: a fixed-size state.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RfmState {
    /// Latest purchase time (µs), if any.
    pub last: Option<i64>,
    /// Purchases (rows with a positive or NULL amount) up to `as_of`.
    pub frequency: i64,
    /// Net amount: purchases minus refunds (negative amounts).
    pub monetary: f64,
    /// Rows not counted: NULL time, or after `as_of`.
    pub skipped: i64,
}

impl RfmState {
    /// Folds one row in. A NULL amount still counts as a purchase (the
    /// amount is unknown, not zero), and so does a NaN or infinite one (a
    /// broken value, not an amount: summed it would make `monetary` NaN or
    /// infinite); a negative amount is a refund: it lowers `monetary` and is
    /// not a purchase.
    #[inline]
    pub fn add(&mut self, ts: Option<i64>, amount: Option<f64>, as_of: i64) {
        let Some(ts) = ts.filter(|&ts| ts <= as_of) else {
            self.skipped += 1;
            return;
        };
        let amount_value = amount.filter(|a| a.is_finite()).unwrap_or(0.0);
        if amount_value < 0.0 {
            self.monetary += amount_value;
            return;
        }
        self.monetary += amount_value;
        self.frequency += 1;
        self.last = Some(self.last.map_or(ts, |last| last.max(ts)));
    }

    pub fn merge(&mut self, other: &RfmState) {
        self.frequency += other.frequency;
        self.monetary += other.monetary;
        self.skipped += other.skipped;
        self.last = match (self.last, other.last) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
    }

    /// Whole days from the latest purchase to `as_of`; `None` without one.
    pub fn recency_days(&self, as_of: i64) -> Option<i64> {
        self.last.map(|last| (as_of - last).div_euclid(DAY_US))
    }
}

/// The standard segment names, indexed by R score (rows, 1..5) and the
/// rounded mean of the F and M scores (columns, 1..5).
pub const SEGMENT_TABLE: [[&str; 5]; 5] = [
    ["Lost", "Lost", "Hibernating", "At Risk", "Can't Lose Them"],
    [
        "Hibernating",
        "Hibernating",
        "At Risk",
        "At Risk",
        "Can't Lose Them",
    ],
    [
        "About to Sleep",
        "About to Sleep",
        "Need Attention",
        "Loyal Customers",
        "Loyal Customers",
    ],
    [
        "Promising",
        "Potential Loyalists",
        "Potential Loyalists",
        "Loyal Customers",
        "Champions",
    ],
    [
        "New Customers",
        "Potential Loyalists",
        "Potential Loyalists",
        "Champions",
        "Champions",
    ],
];

/// The segment of 1..5 scores; `None` when a score is outside 1..5.
pub fn rfm_segment(r: i64, f: i64, m: i64) -> Option<&'static str> {
    let valid = |s: i64| (1..=5).contains(&s);
    if !(valid(r) && valid(f) && valid(m)) {
        return None;
    }
    let fm = (f + m + 1) / 2;
    Some(SEGMENT_TABLE[(r - 1) as usize][(fm - 1) as usize])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purchases_refunds_and_skipped_rows() {
        let as_of = 100 * DAY_US;
        let mut s = RfmState::default();
        s.add(Some(90 * DAY_US), Some(100.0), as_of);
        s.add(Some(95 * DAY_US + 1), None, as_of);
        s.add(Some(96 * DAY_US), Some(-30.0), as_of);
        s.add(None, Some(5.0), as_of);
        s.add(Some(101 * DAY_US), Some(5.0), as_of);
        assert_eq!(s.frequency, 2);
        assert_eq!(s.monetary, 70.0);
        assert_eq!(s.skipped, 2);
        assert_eq!(s.recency_days(as_of), Some(4));
        assert_eq!(RfmState::default().recency_days(as_of), None);
    }

    #[test]
    fn segments() {
        assert_eq!(rfm_segment(5, 5, 5), Some("Champions"));
        assert_eq!(rfm_segment(5, 1, 1), Some("New Customers"));
        assert_eq!(rfm_segment(1, 1, 1), Some("Lost"));
        assert_eq!(rfm_segment(1, 5, 4), Some("Can't Lose Them"));
        assert_eq!(rfm_segment(3, 3, 3), Some("Need Attention"));
        assert_eq!(rfm_segment(0, 3, 3), None);
        let names: std::collections::BTreeSet<&str> = SEGMENT_TABLE.iter().flatten().copied().collect();
        assert_eq!(names.len(), 11);
    }
}
