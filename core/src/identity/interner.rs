//! Identifiers interned to dense `u32` numbers: every value is hashed once
//! and stored once in a byte arena, so no row allocates a String.
//!
//! The table is keyed by a 128-bit hash of (type, value) and never reads the
//! arena back: a lookup touches one slot of a [`KeyIndex`] instead of the
//! slot, the type, the offsets and the value bytes. Callers with a batch in
//! hand compute the keys first and prefetch the slots a few rows ahead.
//!
//! Each value's 64-bit hash is kept as well, computed once per distinct
//! identifier: the resolver orders identifiers by it.

use twox_hash::{XxHash3_64, XxHash3_128};

use crate::key_index::KeyIndex;

/// The distinct identifiers seen, numbered in order of first appearance.
#[derive(Default)]
pub struct IdentifierInterner {
    type_names: Vec<String>,
    types: Vec<u16>,
    hashes: Vec<u64>,
    offsets: Vec<usize>,
    bytes: Vec<u8>,
    table: KeyIndex,
}

/// The value's hash, whatever the type: type numbers follow the input's
/// order, and [`IdentifierInterner::value_hash`] must not.
fn value_hash(value: &[u8]) -> u64 {
    XxHash3_64::oneshot(value)
}

impl IdentifierInterner {
    /// Bytes held, for memory accounting.
    pub fn memory_size(&self) -> usize {
        self.types.capacity() * 2
            + self.hashes.capacity() * 8
            + self.offsets.capacity() * std::mem::size_of::<usize>()
            + self.bytes.capacity()
            + self.type_names.iter().map(String::capacity).sum::<usize>()
            + self.table.memory_size()
    }

    pub fn new() -> Self {
        IdentifierInterner {
            offsets: vec![0],
            ..Default::default()
        }
    }

    /// The number of a type name; a handful of types, so a scan is fastest.
    pub fn type_id(&mut self, name: &str) -> Result<u16, String> {
        if let Some(i) = self.type_names.iter().position(|t| t == name) {
            return Ok(i as u16);
        }
        if self.type_names.len() >= u16::MAX as usize {
            return Err(format!("more than {} distinct id_type values", u16::MAX));
        }
        self.type_names.push(name.to_string());
        Ok((self.type_names.len() - 1) as u16)
    }

    /// The number of a type name already seen.
    pub fn find_type(&self, name: &str) -> Option<u16> {
        self.type_names.iter().position(|t| t == name).map(|i| i as u16)
    }

    /// The key of an identifier: its value's 128-bit hash with the type
    /// folded into the high half, so equal values of two types differ.
    pub fn key(type_id: u16, value: &[u8]) -> u128 {
        let type_bits = (type_id as u128 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15) << 64;
        XxHash3_128::oneshot(value) ^ type_bits
    }

    /// Starts loading the table slot of a key about to be interned.
    #[inline]
    pub fn prefetch(&self, key: u128) {
        self.table.prefetch(key);
    }

    /// The identifier's number, and whether it is new.
    pub fn intern(&mut self, type_id: u16, value: &str) -> Result<(u32, bool), String> {
        self.intern_keyed(type_id, Self::key(type_id, value.as_bytes()), value)
    }

    /// [`Self::intern`] with the key already computed by [`Self::key`].
    #[inline]
    pub fn intern_keyed(&mut self, type_id: u16, key: u128, value: &str) -> Result<(u32, bool), String> {
        let id = self.types.len();
        if id >= u32::MAX as usize {
            return Err(format!("more than {} distinct identifiers", u32::MAX - 1));
        }
        let (number, new) = self.table.get_or_insert(key, id as u32);
        if new {
            let value = value.as_bytes();
            self.types.push(type_id);
            self.hashes.push(value_hash(value));
            self.bytes.extend_from_slice(value);
            self.offsets.push(self.bytes.len());
        }
        Ok((number, new))
    }

    /// The number of an identifier already seen.
    pub fn find(&self, type_id: u16, value: &[u8]) -> Option<u32> {
        self.table.get(Self::key(type_id, value))
    }

    /// The number of an identifier already seen, by its type's name.
    pub fn find_named(&self, id_type: &str, id_value: &str) -> Option<u32> {
        self.find(self.find_type(id_type)?, id_value.as_bytes())
    }

    pub fn len(&self) -> usize {
        self.types.len()
    }

    pub fn is_empty(&self) -> bool {
        self.types.is_empty()
    }

    pub fn type_of(&self, id: u32) -> u16 {
        self.types[id as usize]
    }

    /// A hash of the identifier's value, the same in every run.
    pub fn value_hash(&self, id: u32) -> u64 {
        self.hashes[id as usize]
    }

    pub fn type_name(&self, type_id: u16) -> &str {
        &self.type_names[type_id as usize]
    }

    pub fn type_names(&self) -> &[String] {
        &self.type_names
    }

    pub fn value(&self, id: u32) -> &[u8] {
        let i = id as usize;
        &self.bytes[self.offsets[i]..self.offsets[i + 1]]
    }

    /// The value as text, without checking it again: it was a `&str`.
    pub fn value_str(&self, id: u32) -> &str {
        // SAFETY: `intern` is the only writer of `bytes` and appends whole
        // `&str` values; `offsets` mark their boundaries.
        unsafe { std::str::from_utf8_unchecked(self.value(id)) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_value_same_number_per_type() {
        let mut interner = IdentifierInterner::new();
        let phone = interner.type_id("phone").unwrap();
        let email = interner.type_id("email").unwrap();
        assert_eq!(interner.type_id("phone").unwrap(), phone);
        let (a, new_a) = interner.intern(phone, "+8613800138000").unwrap();
        let (b, new_b) = interner.intern(phone, "+8613800138000").unwrap();
        let (c, _) = interner.intern(email, "+8613800138000").unwrap();
        assert!(new_a && !new_b);
        assert_eq!(a, b);
        assert_ne!(a, c);
        for i in 0..10_000u32 {
            interner.intern(email, &format!("user{i}@qq.com")).unwrap();
        }
        assert_eq!(
            interner
                .find(email, b"user77@qq.com")
                .map(|i| interner.value_str(i)),
            Some("user77@qq.com")
        );
        assert_eq!(interner.find(phone, b"user77@qq.com"), None);
        assert_eq!(interner.len(), 10_002);
    }
}
