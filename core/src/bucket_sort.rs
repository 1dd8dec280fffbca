//! A linear-time sort for integer-like keys, where the resolver's and the
//! funnel's comparison sorts of millions of keys spent most of their time
//! comparing.

/// Sorts `items` by `bucket` (each below `buckets`), then each bucket's
/// items with `compare`, stably: one counting pass and one scatter (a
/// single-digit MSD radix sort), then sorts of each bucket, small ones in
/// cache and already ordered ones in one linear pass. For keys spread over
/// many buckets (records, identifier ranks, hash prefixes) or a re-sort of
/// ordered items by a few classes.
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
            sorted[bounds[0]..bounds[1]].sort_by(&compare);
        }
    }
    *items = sorted;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_like_the_standard_sort_and_keeps_equal_items_in_order() {
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        // Wide keys, and keys of 16 values (ties everywhere: stability).
        for (len, buckets, mask) in [
            (0, 1, u64::MAX),
            (1, 1, u64::MAX),
            (1_000, 1, u64::MAX),
            (10_000, 64, u64::MAX),
            (10_000, 20_000, u64::MAX),
            (10_000, 64, 0xF << 60),
        ] {
            let mut items: Vec<(u64, u32)> = (0..len as u32).map(|i| (next() & mask, i)).collect();
            let mut expected = items.clone();
            expected.sort_by_key(|&(k, _)| k);
            // The bucket is the key's top bits, so bucket order is key order;
            // the compare sees the key only, not the position.
            let bucket = |&(k, _): &(u64, u32)| ((k as u128 * buckets as u128) >> 64) as usize;
            bucket_sort_by(&mut items, buckets, bucket, |a, b| a.0.cmp(&b.0));
            assert_eq!(items, expected, "len {len}, buckets {buckets}");
        }
    }
}
