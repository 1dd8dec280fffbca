//! A map from 128-bit hash keys to `u32` numbers, for the One-ID ingest.
//!
//! The keys are already uniform hashes: their low bits pick the slot (linear
//! probing) and nothing is hashed again, not even when the table grows. A
//! slot is 16 bytes, four to a cache line, so a probe usually costs one miss,
//! and a caller that knows its next keys [`KeyIndex::prefetch`]es their
//! slots so that the misses of a batch overlap instead of queueing.
//!
//! A slot keeps 96 bits of the key (the low 64 and 32 of the high half): two
//! different keys are taken for one with probability about n² / 2^97, under
//! 10^-11 at a billion keys.

const EMPTY: u32 = u32::MAX;

#[derive(Clone, Copy)]
struct Slot {
    key_low: u64,
    key_high: u32,
    value: u32,
}

const EMPTY_SLOT: Slot = Slot {
    key_low: 0,
    key_high: 0,
    value: EMPTY,
};

pub struct KeyIndex {
    slots: Vec<Slot>,
    mask: usize,
    len: usize,
}

impl Default for KeyIndex {
    fn default() -> Self {
        Self::new()
    }
}

fn split(key: u128) -> (u64, u32) {
    (key as u64, (key >> 64) as u32)
}

impl KeyIndex {
    /// Bytes held, for memory accounting.
    pub fn memory_size(&self) -> usize {
        self.slots.capacity() * std::mem::size_of::<Slot>()
    }

    pub fn new() -> Self {
        let capacity = 1024;
        KeyIndex {
            slots: vec![EMPTY_SLOT; capacity],
            mask: capacity - 1,
            len: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Asks the CPU to start loading `key`'s slot; a hint, never a fault.
    #[inline]
    pub fn prefetch(&self, key: u128) {
        crate::prefetch::prefetch(&self.slots[key as u64 as usize & self.mask]);
    }

    /// The slot holding `key`, or the empty slot where it would go.
    #[inline]
    fn position(&self, key: u128) -> usize {
        let (low, high) = split(key);
        let mut i = low as usize & self.mask;
        loop {
            let slot = &self.slots[i];
            if slot.value == EMPTY || (slot.key_low == low && slot.key_high == high) {
                return i;
            }
            i = (i + 1) & self.mask;
        }
    }

    pub fn get(&self, key: u128) -> Option<u32> {
        let slot = &self.slots[self.position(key)];
        (slot.value != EMPTY).then_some(slot.value)
    }

    /// The number of `key`, inserting `next` when it is absent; `true` when
    /// it was inserted. `next` must not be `u32::MAX`.
    #[inline]
    pub fn get_or_insert(&mut self, key: u128, next: u32) -> (u32, bool) {
        debug_assert_ne!(next, EMPTY);
        let mut i = self.position(key);
        if self.slots[i].value != EMPTY {
            return (self.slots[i].value, false);
        }
        // At most 3/4 full, so probe runs stay short.
        if (self.len + 1) * 4 > self.slots.len() * 3 {
            self.grow();
            i = self.position(key);
        }
        let (low, high) = split(key);
        self.slots[i] = Slot {
            key_low: low,
            key_high: high,
            value: next,
        };
        self.len += 1;
        (next, true)
    }

    fn grow(&mut self) {
        let capacity = self.slots.len() * 2;
        let old = std::mem::replace(&mut self.slots, vec![EMPTY_SLOT; capacity]);
        self.mask = capacity - 1;
        for slot in old.into_iter().filter(|s| s.value != EMPTY) {
            let mut i = slot.key_low as usize & self.mask;
            while self.slots[i].value != EMPTY {
                i = (i + 1) & self.mask;
            }
            self.slots[i] = slot;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_keep_their_numbers_through_growth() {
        let mut index = KeyIndex::new();
        // Keys sharing their low bits collide on the slot and must probe on.
        let key = |i: u128| i << 64 | (i % 7);
        for i in 0..3_000u128 {
            assert_eq!(index.get_or_insert(key(i), i as u32), (i as u32, true));
        }
        assert_eq!(index.len(), 3_000);
        for i in 0..3_000u128 {
            index.prefetch(key(i));
            assert_eq!(index.get(key(i)), Some(i as u32));
            assert_eq!(index.get_or_insert(key(i), 0), (i as u32, false));
        }
        assert_eq!(index.get(key(3_000)), None);
        assert_eq!(index.len(), 3_000);
    }
}
