//! A pair's comparison vector packed in one integer: four bits per
//! comparison (its level plus one, 0 for missing), so EM counts vectors in a
//! hash map and a candidate pair costs 16 bytes with its two records.

/// At most this many comparisons fit.
pub const MAX_COMPARISONS: usize = 16;
/// At most this many levels per comparison ("else" and "exact" included).
pub const MAX_LEVELS: usize = 15;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Pattern(u64);

impl Pattern {
    pub fn of(levels: &[i8]) -> Self {
        let mut pattern = Self::default();
        for (k, level) in levels.iter().enumerate() {
            pattern.set(k, *level);
        }
        pattern
    }

    #[inline]
    pub fn set(&mut self, k: usize, level: i8) {
        self.0 |= ((level + 1) as u64 & 0xf) << (4 * k);
    }

    /// The level of comparison `k`; `None` when a value was missing.
    #[inline]
    pub fn level(&self, k: usize) -> Option<i8> {
        let packed = (self.0 >> (4 * k)) & 0xf;
        (packed != 0).then(|| packed as i8 - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_round_trip() {
        let levels = [-1, 0, 14 - 1, 2, -1, 5];
        let pattern = Pattern::of(&levels);
        for (k, level) in levels.iter().enumerate() {
            assert_eq!(pattern.level(k), (*level >= 0).then_some(*level));
        }
        assert_eq!(pattern.level(MAX_COMPARISONS - 1), None);
    }
}
