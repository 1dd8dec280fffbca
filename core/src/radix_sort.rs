//! Linear-time sorts of integer keys, where the resolver's comparison sorts
//! of millions of keys spent most of their time comparing.

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

/// Sorts `items` by `bucket` (each below `buckets`), then each bucket's
/// items with `compare`: one counting pass and one scatter (a single-digit
/// MSD radix sort), then small sorts that stay in cache. For keys spread
/// over many buckets: records, identifier ranks, hash prefixes.
pub fn bucket_sort_by<T: Copy>(
    items: &mut Vec<T>,
    buckets: usize,
    bucket: impl Fn(&T) -> usize,
    compare: impl Fn(&T, &T) -> std::cmp::Ordering,
) {
    let mut starts = vec![0usize; buckets + 1];
    for item in items.iter() {
        starts[bucket(item) + 1] += 1;
    }
    for b in 0..buckets {
        starts[b + 1] += starts[b];
    }
    let mut next = starts[..buckets].to_vec();
    let mut sorted: Vec<T> = Vec::with_capacity(items.len());
    let destination = sorted.spare_capacity_mut();
    for item in items.iter() {
        let slot = &mut next[bucket(item)];
        destination[*slot].write(*item);
        *slot += 1;
    }
    // SAFETY: the slots are a permutation of 0..len (the counts above), so
    // every one up to len was written exactly once.
    unsafe { sorted.set_len(items.len()) };
    drop(next);
    for bounds in starts.windows(2) {
        if bounds[1] - bounds[0] > 1 {
            sorted[bounds[0]..bounds[1]].sort_unstable_by(&compare);
        }
    }
    *items = sorted;
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

    #[test]
    fn bucket_sort_matches_the_standard_sort() {
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for (len, buckets) in [(0, 1), (1, 1), (1_000, 1), (10_000, 64), (10_000, 20_000)] {
            let mut items: Vec<u64> = (0..len).map(|_| next()).collect();
            let mut expected = items.clone();
            expected.sort_unstable();
            // The bucket is the key's top bits, so bucket order is key order.
            let bucket = |&k: &u64| ((k as u128 * buckets as u128) >> 64) as usize;
            bucket_sort_by(&mut items, buckets, bucket, |a, b| a.cmp(b));
            assert_eq!(items, expected, "len {len}, buckets {buckets}");
        }
    }
}
