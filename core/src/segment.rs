//! Segment membership: the sorted, distinct `one_id`s of a segment.
//!
//! One-IDs are 63-bit hashes, so a segment's ids are sparse: a roaring
//! bitmap (which compresses runs of dense integers) would keep one
//! container per id and take seconds to intersect millions. A sorted vector
//! intersects two 5M-member segments by one merge in milliseconds, and
//! stores as deltas in variable-length integers.

/// The members of a segment, ascending.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Members(Vec<i64>);

/// What a snapshot file starts with; version 2 ends with a checksum.
const MAGIC: &[u8; 8] = b"CDPSEG2\0";
/// Version 1, without a checksum: still read.
const MAGIC_V1: &[u8; 8] = b"CDPSEG1\0";
const CHECKSUM_BYTES: usize = 8;

impl Members {
    pub fn from_ids(ids: impl IntoIterator<Item = i64>) -> Self {
        let mut ids: Vec<i64> = ids.into_iter().collect();
        ids.sort_unstable();
        ids.dedup();
        Self(ids)
    }

    /// Binary search; for many lookups build a [`MemberLookup`].
    pub fn contains(&self, id: i64) -> bool {
        self.0.binary_search(&id).is_ok()
    }

    pub fn len(&self) -> u64 {
        self.0.len() as u64
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = i64> + '_ {
        self.0.iter().copied()
    }

    /// The sizes of the intersection and the union, by one walk over both
    /// sorted lists (branch-free, as random ids defeat branch prediction).
    pub fn overlap(&self, other: &Members) -> (u64, u64) {
        let (a, b) = (&self.0, &other.0);
        let (mut i, mut j, mut both) = (0, 0, 0u64);
        while i < a.len() && j < b.len() {
            let (x, y) = (a[i], b[j]);
            both += (x == y) as u64;
            i += (x <= y) as usize;
            j += (y <= x) as usize;
        }
        (both, a.len() as u64 + b.len() as u64 - both)
    }

    /// Members of `self` not in `other`.
    pub fn minus(&self, other: &Members) -> Members {
        let mut j = 0;
        let b = &other.0;
        let kept = self
            .0
            .iter()
            .copied()
            .filter(|&id| {
                while j < b.len() && b[j] < id {
                    j += 1;
                }
                !(j < b.len() && b[j] == id)
            })
            .collect();
        Members(kept)
    }

    /// The snapshot encoding: a magic, the count, the first id (zigzag) and
    /// the gaps between ids, each as LEB128, then the XXH3 checksum of all
    /// that (little-endian), so a damaged file is told, not decoded.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(MAGIC.len() + 10 + self.0.len() * 7 + CHECKSUM_BYTES);
        bytes.extend_from_slice(MAGIC);
        put_varint(&mut bytes, self.0.len() as u64);
        let mut previous: Option<i64> = None;
        for &id in &self.0 {
            let word = match previous {
                None => ((id << 1) ^ (id >> 63)) as u64,
                Some(p) => (id as i128 - p as i128) as u64,
            };
            put_varint(&mut bytes, word);
            previous = Some(id);
        }
        let checksum = twox_hash::XxHash3_64::oneshot(&bytes);
        bytes.extend_from_slice(&checksum.to_le_bytes());
        bytes
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, String> {
        let mut rest = if let Some(body) = bytes.strip_prefix(MAGIC.as_slice()) {
            let Some(split) = bytes
                .len()
                .checked_sub(CHECKSUM_BYTES)
                .filter(|&at| at >= MAGIC.len())
            else {
                return Err("truncated segment snapshot".to_string());
            };
            let (content, stored) = bytes.split_at(split);
            let stored = u64::from_le_bytes(stored.try_into().expect("eight bytes"));
            if twox_hash::XxHash3_64::oneshot(content) != stored {
                return Err("corrupt segment snapshot: checksum mismatch".to_string());
            }
            &body[..body.len() - CHECKSUM_BYTES]
        } else if let Some(body) = bytes.strip_prefix(MAGIC_V1.as_slice()) {
            body
        } else {
            return Err("not a cdpfusion segment snapshot".to_string());
        };
        let count = take_varint(&mut rest)? as usize;
        if count > rest.len() {
            return Err("truncated segment snapshot".to_string());
        }
        let mut ids = Vec::with_capacity(count);
        for k in 0..count {
            let word = take_varint(&mut rest)?;
            let id = match ids.last() {
                None => ((word >> 1) as i64) ^ -((word & 1) as i64),
                Some(&p) => i64::try_from(p as i128 + word as i128)
                    .map_err(|_| "corrupt segment snapshot: an id beyond the 64-bit range".to_string())?,
            };
            if k > 0 && word == 0 {
                return Err("corrupt segment snapshot: repeated id".to_string());
            }
            ids.push(id);
        }
        if !rest.is_empty() {
            return Err("corrupt segment snapshot: trailing bytes".to_string());
        }
        Ok(Members(ids))
    }
}

fn put_varint(bytes: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        bytes.push((value as u8) | 0x80);
        value >>= 7;
    }
    bytes.push(value as u8);
}

fn take_varint(rest: &mut &[u8]) -> Result<u64, String> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let Some((&byte, tail)) = rest.split_first() else {
            return Err("truncated segment snapshot".to_string());
        };
        *rest = tail;
        value |= ((byte & 0x7F) as u64) << shift;
        if byte & 0x80 == 0 {
            return Ok(value);
        }
    }
    Err("corrupt segment snapshot: varint too long".to_string())
}

/// Members in a hash set, for `in_segment` over many rows.
#[derive(Debug, Clone, Default)]
pub struct MemberLookup(hashbrown::HashSet<i64>);

impl MemberLookup {
    pub fn new(members: &Members) -> Self {
        Self(members.iter().collect())
    }

    #[inline]
    pub fn contains(&self, id: i64) -> bool {
        self.0.contains(&id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_algebra_and_round_trip() {
        let a = Members::from_ids([3, 1, 2, 3, -5, i64::MAX, i64::MIN]);
        let b = Members::from_ids([3, 4, -5]);
        assert_eq!(a.len(), 6);
        assert_eq!(a.overlap(&b), (2, 7));
        assert_eq!(a.minus(&b).iter().collect::<Vec<_>>(), [i64::MIN, 1, 2, i64::MAX]);
        assert!(a.contains(-5) && !a.contains(4));
        assert!(MemberLookup::new(&a).contains(i64::MIN));
        for members in [a, b, Members::default()] {
            assert_eq!(Members::from_bytes(&members.to_bytes()).unwrap(), members);
        }
        assert!(
            Members::from_bytes(b"junk")
                .unwrap_err()
                .contains("not a cdpfusion segment snapshot")
        );
        let mut cut = Members::from_ids([1, 1 << 40]).to_bytes();
        cut.pop();
        assert!(Members::from_bytes(&cut).unwrap_err().contains("checksum"));
    }

    /// A version 1 file (no checksum) as earlier versions wrote it: ids 1
    /// and 3 (zigzag 1 is 2, then a gap of 2).
    fn version_1(words: &[u8]) -> Vec<u8> {
        let mut bytes = MAGIC_V1.to_vec();
        bytes.extend_from_slice(words);
        bytes
    }

    #[test]
    fn damaged_snapshots_are_told_not_decoded() {
        assert_eq!(
            Members::from_bytes(&version_1(&[2, 2, 2])).unwrap(),
            Members::from_ids([1, 3])
        );
        // A gap that runs past i64::MAX.
        let overflowing = version_1(&[
            2, 0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0x7F,
        ]);
        let err = Members::from_bytes(&overflowing).unwrap_err();
        assert!(err.contains("beyond the 64-bit range"), "{err}");
        let mut flipped = Members::from_ids([5, 9, 1 << 50]).to_bytes();
        flipped[10] ^= 0x01;
        assert!(
            Members::from_bytes(&flipped)
                .unwrap_err()
                .contains("checksum mismatch")
        );
    }
}
