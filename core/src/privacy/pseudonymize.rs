//! Keyed pseudonyms: HMAC-SHA256 of an identifier, so data can be merged
//! and shared without raw phone numbers. Equal inputs under one key give
//! equal pseudonyms; without the key they cannot be reversed or recomputed.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// An HMAC-SHA256 keyed once; each value then costs one clone of the keyed
/// state (no allocation) and one hash.
#[derive(Clone)]
pub struct Pseudonymizer {
    keyed: Hmac<Sha256>,
}

impl Pseudonymizer {
    /// Fails on an empty key: a pseudonym without a secret is a plain hash,
    /// which anyone could recompute from a list of phone numbers.
    pub fn new(key: &[u8]) -> Result<Self, String> {
        if key.is_empty() {
            return Err("the key must not be empty".to_string());
        }
        let keyed = Hmac::<Sha256>::new_from_slice(key).map_err(|e| e.to_string())?;
        Ok(Pseudonymizer { keyed })
    }

    /// Writes the pseudonym of `value` as 64 lower-case hex digits into `out`
    /// (cleared first).
    pub fn pseudonymize_into(&self, value: &[u8], out: &mut String) {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut mac = self.keyed.clone();
        mac.update(value);
        out.clear();
        for byte in mac.finalize().into_bytes() {
            out.push(HEX[(byte >> 4) as usize] as char);
            out.push(HEX[(byte & 0xF) as usize] as char);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_rfc_4231_test_vector() {
        // RFC 4231, test case 2.
        let p = Pseudonymizer::new(b"Jefe").unwrap();
        let mut out = String::new();
        p.pseudonymize_into(b"what do ya want for nothing?", &mut out);
        assert_eq!(
            out,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn an_empty_key_is_refused() {
        assert!(Pseudonymizer::new(b"").is_err());
    }
}
