//! LSD radix sort by a `u64` key: linear time, where the resolver's sorts
//! of millions of integer keys spent most of their time comparing.

/// Sorts `items` by `key`, stably. Digits of 11 bits; a digit that is the
/// same in every key is skipped, so narrow keys cost fewer passes.
pub fn radix_sort_by_key<T: Copy>(items: &mut Vec<T>, key: impl Fn(&T) -> u64) {
    const BITS: u32 = 11;
    const BUCKETS: usize = 1 << BITS;
    if items.len() < 256 {
        items.sort_by_key(&key);
        return;
    }
    let (mut all_or, mut all_and) = (0u64, u64::MAX);
    for item in items.iter() {
        let k = key(item);
        all_or |= k;
        all_and &= k;
    }
    let varying = all_or ^ all_and;
    let mut scratch: Vec<T> = Vec::with_capacity(items.len());
    let mut counts = vec![0usize; BUCKETS];
    let mut shift = 0;
    while shift < 64 {
        let mask = (BUCKETS as u64 - 1) << shift;
        if varying & mask != 0 {
            counts.fill(0);
            for item in items.iter() {
                counts[((key(item) >> shift) as usize) & (BUCKETS - 1)] += 1;
            }
            let mut offset = 0;
            for count in counts.iter_mut() {
                let c = *count;
                *count = offset;
                offset += c;
            }
            scratch.clear();
            let destination = scratch.spare_capacity_mut();
            for item in items.iter() {
                let bucket = ((key(item) >> shift) as usize) & (BUCKETS - 1);
                destination[counts[bucket]].write(*item);
                counts[bucket] += 1;
            }
            // SAFETY: the offsets are a permutation of 0..len, so every
            // slot up to len was written exactly once above.
            unsafe { scratch.set_len(items.len()) };
            std::mem::swap(items, &mut scratch);
        }
        shift += BITS;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_like_the_standard_sort_and_keeps_equal_keys_in_order() {
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for (len, key_mask) in [
            (0, u64::MAX),
            (100, u64::MAX),
            (10_000, u64::MAX),
            (10_000, 0xFF),
            (50_000, 0xFFFF_0000_0000),
        ] {
            let mut items: Vec<(u64, u32)> = (0..len as u32).map(|i| (next() & key_mask, i)).collect();
            let mut expected = items.clone();
            expected.sort_by_key(|&(k, _)| k);
            radix_sort_by_key(&mut items, |&(k, _)| k);
            assert_eq!(items, expected, "len {len}, mask {key_mask:#x}");
        }
    }
}
