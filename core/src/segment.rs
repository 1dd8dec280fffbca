//! Segment membership: a compressed bitmap of `one_id`s (64-bit roaring),
//! so overlaps and set algebra over millions of persons take milliseconds.

use roaring::RoaringTreemap;

/// The members of a segment. Ids are stored by their bits (`i64` as `u64`),
/// so every `one_id`, negative ones included, round-trips.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Members(RoaringTreemap);

impl Members {
    pub fn from_ids(ids: impl IntoIterator<Item = i64>) -> Self {
        Self(ids.into_iter().map(|id| id as u64).collect())
    }

    pub fn insert(&mut self, id: i64) {
        self.0.insert(id as u64);
    }

    #[inline]
    pub fn contains(&self, id: i64) -> bool {
        self.0.contains(id as u64)
    }

    pub fn len(&self) -> u64 {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = i64> + '_ {
        self.0.iter().map(|id| id as i64)
    }

    pub fn intersection_len(&self, other: &Members) -> u64 {
        self.0.intersection_len(&other.0)
    }

    pub fn union_len(&self, other: &Members) -> u64 {
        self.0.union_len(&other.0)
    }

    /// Members of `self` not in `other`.
    pub fn minus(&self, other: &Members) -> Members {
        Members(&self.0 - &other.0)
    }

    /// The portable roaring serialization.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(self.0.serialized_size());
        self.0
            .serialize_into(&mut bytes)
            .expect("writing to a Vec does not fail");
        bytes
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, String> {
        RoaringTreemap::deserialize_from(bytes)
            .map(Members)
            .map_err(|e| format!("not a roaring bitmap: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_algebra_and_round_trip() {
        let a = Members::from_ids([1, 2, 3, -5, i64::MAX]);
        let b = Members::from_ids([3, 4, -5]);
        assert_eq!(a.intersection_len(&b), 2);
        assert_eq!(a.union_len(&b), 6);
        assert_eq!(a.minus(&b).iter().collect::<Vec<_>>(), [1, 2, i64::MAX]);
        assert!(a.contains(-5) && !a.contains(4));
        let back = Members::from_bytes(&a.to_bytes()).unwrap();
        assert_eq!(back, a);
        assert!(Members::from_bytes(b"junk").is_err());
    }
}
