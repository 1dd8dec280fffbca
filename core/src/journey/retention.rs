//! ClickHouse's `retention`: which conditions a person met, each counted only
//! when the first one was met too.

/// The most conditions `retention` takes (one bit each in a `u32`).
pub const MAX_CONDITIONS: usize = 32;

/// Writes `r[0] = met(0)`, `r[i] = met(0) && met(i)` for `conditions` bits
/// of `met` (bit i = condition i+1 held on some row).
pub fn retention_flags(met: u32, conditions: usize, out: &mut impl Extend<u8>) {
    let first = met & 1;
    out.extend((0..conditions).map(|i| (first & (met >> i)) as u8));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn later_conditions_count_only_with_the_first() {
        let mut out = Vec::new();
        retention_flags(0b101, 3, &mut out);
        assert_eq!(out, [1, 0, 1]);
        out.clear();
        retention_flags(0b110, 3, &mut out);
        assert_eq!(out, [0, 0, 0]);
    }
}
