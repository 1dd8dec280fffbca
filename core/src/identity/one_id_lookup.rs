//! A persisted mapping held for lookups: each identifier's `one_id` by a
//! 128-bit hash of its type and value, 24 bytes a slot, so that looking up
//! a million identifiers costs a million hash probes and no string is kept.

use std::collections::HashMap;

use twox_hash::XxHash3_128;

/// The `one_id` of each identifier of a mapping.
#[derive(Debug, Default)]
pub struct OneIdLookup {
    ids: HashMap<u128, i64>,
}

/// The key of an identifier: its type and value, hashed as one byte string
/// with a separator no type name holds.
fn key(id_type: &str, id_value: &str, buffer: &mut Vec<u8>) -> u128 {
    buffer.clear();
    buffer.extend_from_slice(id_type.as_bytes());
    buffer.push(0xFF);
    buffer.extend_from_slice(id_value.as_bytes());
    XxHash3_128::oneshot(buffer)
}

impl OneIdLookup {
    /// Holds `(id_type, id_value, one_id)` rows.
    pub fn from_rows<'a>(rows: impl IntoIterator<Item = (&'a str, &'a str, i64)>) -> Self {
        let mut buffer = Vec::new();
        let ids = rows
            .into_iter()
            .map(|(id_type, id_value, one_id)| (key(id_type, id_value, &mut buffer), one_id))
            .collect();
        OneIdLookup { ids }
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// An identifier's `one_id`; `None` when the mapping does not hold it.
    /// `buffer` is reused between calls.
    pub fn get(&self, id_type: &str, id_value: &str, buffer: &mut Vec<u8>) -> Option<i64> {
        self.ids.get(&key(id_type, id_value, buffer)).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_found_by_type_and_value() {
        let lookup = OneIdLookup::from_rows([
            ("phone", "+8613800138000", 7),
            ("crm_id", "C1", 7),
            ("email", "a", 9),
        ]);
        let mut buffer = Vec::new();
        assert_eq!(lookup.get("phone", "+8613800138000", &mut buffer), Some(7));
        assert_eq!(lookup.get("email", "a", &mut buffer), Some(9));
        assert_eq!(
            lookup.get("phone", "C1", &mut buffer),
            None,
            "the type is part of the key"
        );
        assert_eq!(lookup.get("phon", "e\u{FF}a", &mut buffer), None);
        assert_eq!(lookup.len(), 3);
    }
}
