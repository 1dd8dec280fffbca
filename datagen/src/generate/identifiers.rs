//! Identifier values for generated persons: unique by construction (a
//! bijective permutation of the person index), deterministic for a seed.

use std::fmt::Write;

use super::vocabulary::{MOBILE_PREFIXES, SHARED_PHONE_PREFIX};

/// splitmix64: a well-mixed 64-bit hash of the inputs.
pub fn mix(seed: u64, a: u64, b: u64) -> u64 {
    let mut z = seed ^ a.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ b.wrapping_mul(0xD6E8_FEB8_6659_FD93);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A bijection of `0..modulus` (a power of 2 or 10): multiplying by a power
/// of 3 permutes the residues, so distinct inputs stay distinct.
fn permute(value: u64, salt: u64, modulus: u64) -> u64 {
    const POWER_OF_THREE: u64 = 387_420_489; // 3^18
    ((value + salt) % modulus) * POWER_OF_THREE % modulus
}

/// The largest person count whose identifiers stay unique (2 phones each
/// within 10^8 suffixes).
pub const MAX_PERSONS: u64 = 50_000_000;

/// The 11-digit mobile number `k` (0 or 1) of person `index`.
pub fn mobile(seed: u64, index: u64, k: u64, out: &mut String) {
    let prefix = MOBILE_PREFIXES[(mix(seed, index, 11 + k) % MOBILE_PREFIXES.len() as u64) as usize];
    let suffix = permute(index * 2 + k, seed % 100_000_000, 100_000_000);
    out.clear();
    let _ = write!(out, "{prefix}{suffix:08}");
}

/// The phone a salesperson of store `store` types into walk-in leads.
pub fn salesperson_mobile(store: usize, k: usize, out: &mut String) {
    out.clear();
    let _ = write!(out, "{SHARED_PHONE_PREFIX}{:08}", store * 10 + k);
}

pub fn crm_id(seed: u64, index: u64, out: &mut String) {
    out.clear();
    let _ = write!(
        out,
        "CRM{:09}",
        permute(index, seed % 1_000_000_000, 1_000_000_000)
    );
}

pub fn account_id(seed: u64, index: u64, out: &mut String) {
    out.clear();
    let _ = write!(
        out,
        "U{:09}",
        permute(index, (seed >> 8) % 1_000_000_000, 1_000_000_000)
    );
}

const OPENID_ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// A WeChat openid: `o` and 27 URL-safe characters. The first five encode
/// the person index, so two persons never share one.
pub fn wechat_openid(seed: u64, index: u64, out: &mut String) {
    out.clear();
    out.push('o');
    let mut unique = permute(index, seed % (1 << 30), 1 << 30);
    for _ in 0..5 {
        out.push(OPENID_ALPHABET[(unique % 64) as usize] as char);
        unique /= 64;
    }
    let mut bits = mix(seed, index, 0x57);
    let mut more = mix(seed, index, 0x58);
    for i in 0..22 {
        if i == 10 {
            bits = more;
            more = 0;
        }
        out.push(OPENID_ALPHABET[(bits % 64) as usize] as char);
        bits /= 64;
    }
}

/// A device id in UUID form; device `k` of person `index`.
pub fn device_id(seed: u64, index: u64, k: u64, out: &mut String) {
    let high = mix(seed, index, 0xD0 + k);
    let unique = index * 4 + k;
    out.clear();
    let _ = write!(
        out,
        "{:08X}-{:04X}-{:04X}-{:04X}-{:012X}",
        (high >> 32) as u32,
        (high >> 16) as u16,
        (high as u16 & 0x0FFF) | 0x4000,
        0x8000 | (unique >> 48) as u16 & 0x3FFF,
        unique & 0xFFFF_FFFF_FFFF
    );
}

/// The all-zero advertising id iOS reports when tracking is limited: one
/// "device" that thousands of persons appear to share.
pub const ZERO_DEVICE_ID: &str = "00000000-0000-0000-0000-000000000000";

/// The demo tablet of a store, on which walk-in leads are typed.
pub fn demo_tablet(store_id: &str, out: &mut String) {
    out.clear();
    let _ = write!(out, "TABLET-{store_id}");
}

/// A 17-character VIN; car `k` of person `index`.
pub fn vin(seed: u64, index: u64, k: u64, model: usize, out: &mut String) {
    const YEAR_CODES: &[u8] = b"LMNPRSTVW";
    out.clear();
    let year = YEAR_CODES[(mix(seed, index, 0x71 + k) % YEAR_CODES.len() as u64) as usize] as char;
    let serial = permute(index * 2 + k, (seed >> 16) % 1_000_000_000, 1_000_000_000);
    let _ = write!(out, "LGXC{}{year}A{serial:09}", (b'A' + model as u8) as char);
    out.insert(8, 'Z');
}

/// The canonical email of person `index`, as `normalize_email` returns it.
pub fn email(seed: u64, index: u64, stem: &str, domain: &str, out: &mut String) {
    out.clear();
    let _ = write!(
        out,
        "{stem}.{}@{domain}",
        permute(index, seed % 1_000_000_000, 1_000_000_000)
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn identifiers_are_unique_and_well_formed() {
        let mut seen = HashSet::new();
        let mut s = String::new();
        for index in 0..20_000 {
            for k in 0..2 {
                mobile(7, index, k, &mut s);
                assert_eq!(s.len(), 11);
                assert!(seen.insert(s.clone()), "duplicate mobile {s}");
                vin(7, index, k, 2, &mut s);
                assert_eq!(s.len(), 17, "{s}");
                assert!(seen.insert(s.clone()), "duplicate vin {s}");
                device_id(7, index, k, &mut s);
                assert!(seen.insert(s.clone()), "duplicate device {s}");
            }
            wechat_openid(7, index, &mut s);
            assert_eq!(s.len(), 28);
            assert!(seen.insert(s.clone()), "duplicate openid {s}");
        }
    }
}
