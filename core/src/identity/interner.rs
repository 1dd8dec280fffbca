//! Identifiers interned to dense `u32` numbers: every value is hashed once
//! and stored once in a byte arena, so no row allocates a String.
//!
//! The hash of each value is kept: the table grows without hashing values
//! again, and the resolver orders identifiers by it.

use hashbrown::HashTable;
use twox_hash::XxHash3_64;

/// The distinct identifiers seen, numbered in order of first appearance.
#[derive(Default)]
pub struct IdentifierInterner {
    type_names: Vec<String>,
    types: Vec<u16>,
    hashes: Vec<u64>,
    offsets: Vec<usize>,
    bytes: Vec<u8>,
    table: HashTable<u32>,
}

/// The value's hash, whatever the type: type numbers follow the input's
/// order, and [`IdentifierInterner::value_hash`] must not.
fn hash(value: &[u8]) -> u64 {
    XxHash3_64::oneshot(value)
}

impl IdentifierInterner {
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

    /// The identifier's number, and whether it is new.
    pub fn intern(&mut self, type_id: u16, value: &str) -> Result<(u32, bool), String> {
        let value = value.as_bytes();
        let h = hash(value);
        let (types, offsets, bytes) = (&self.types, &self.offsets, &self.bytes);
        let eq = |&i: &u32| {
            let i = i as usize;
            types[i] == type_id && &bytes[offsets[i]..offsets[i + 1]] == value
        };
        if let Some(&i) = self.table.find(h, eq) {
            return Ok((i, false));
        }
        let id = self.types.len();
        if id >= u32::MAX as usize {
            return Err(format!("more than {} distinct identifiers", u32::MAX));
        }
        self.types.push(type_id);
        self.hashes.push(h);
        self.bytes.extend_from_slice(value);
        self.offsets.push(self.bytes.len());
        let hashes = &self.hashes;
        self.table.insert_unique(h, id as u32, |&i| hashes[i as usize]);
        Ok((id as u32, true))
    }

    /// The number of an identifier already seen.
    pub fn find(&self, type_id: u16, value: &[u8]) -> Option<u32> {
        let eq = |&i: &u32| {
            let i = i as usize;
            self.types[i] == type_id && &self.bytes[self.offsets[i]..self.offsets[i + 1]] == value
        };
        self.table.find(hash(value), eq).copied()
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

    /// Bytes held per identifier beyond its value's own bytes.
    pub const OVERHEAD_BYTES: usize = 2 + 8 + 8 + 8;
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
