//! Which rows train and which evaluate. With `data_split_col` the user
//! says; otherwise a seeded hash of each row's position holds out the
//! `holdout` share, so the same rows in the same order split the same way.

use arrow::array::{Array, BooleanArray};

/// Fewer rows than this train on all of them and are evaluated on the
/// training rows (as BigQuery ML does below 500 rows, for small tables).
pub const MIN_ROWS_TO_HOLD_OUT: usize = 100;

/// SplitMix64: a well-mixed 64-bit hash of a counter.
pub fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// True for each evaluation row.
pub fn holdout_rows(rows: usize, share: f64, seed: u64) -> Vec<bool> {
    if rows < MIN_ROWS_TO_HOLD_OUT || share <= 0.0 {
        return vec![false; rows];
    }
    let threshold = (share * u64::MAX as f64) as u64;
    (0..rows as u64).map(|i| mix(seed ^ mix(i)) < threshold).collect()
}

/// True for each evaluation row of a `data_split_col` (NULL trains).
pub fn split_column_rows(column: &BooleanArray) -> Vec<bool> {
    (0..column.len())
        .map(|i| column.is_valid(i) && column.value(i))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_share_is_held_out_and_small_tables_are_not_split() {
        let held = holdout_rows(100_000, 0.2, 42);
        let share = held.iter().filter(|&&h| h).count() as f64 / 100_000.0;
        assert!((share - 0.2).abs() < 0.01, "{share}");
        assert_eq!(held, holdout_rows(100_000, 0.2, 42));
        assert_ne!(held, holdout_rows(100_000, 0.2, 7));
        assert!(holdout_rows(99, 0.2, 42).iter().all(|&h| !h));
    }
}
