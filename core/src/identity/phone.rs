//! Phone numbers to E.164.
//!
//! Chinese systems store the same mobile number as `+86 138 0013 8000`,
//! `138-0013-8000`, `13800138000`, `0086 13800138000`, `8613800138000` or in
//! full-width digits. [`normalize_phone`] reduces every such spelling to one
//! E.164 string (`+8613800138000`) and rejects what is not a personal number.

use crate::text::fold_full_width;

/// The regions whose national numbers can be validated (ISO 3166 alpha-2).
pub const SUPPORTED_REGIONS: &[&str] = &["CN", "HK", "MO"];

/// The numbering plan a number without a country code is read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Region {
    /// Mainland China, +86.
    Cn,
    /// Hong Kong, +852.
    Hk,
    /// Macao, +853.
    Mo,
}

impl Region {
    /// Parses an ISO 3166 alpha-2 code, ignoring case and surrounding space.
    pub fn parse(code: &str) -> Option<Region> {
        match code.trim().to_ascii_uppercase().as_str() {
            "CN" => Some(Region::Cn),
            "HK" => Some(Region::Hk),
            "MO" => Some(Region::Mo),
            _ => None,
        }
    }

    fn country_code(self) -> &'static [u8] {
        match self {
            Region::Cn => b"86",
            Region::Hk => b"852",
            Region::Mo => b"853",
        }
    }

    /// Validates a national number (digits after the country code, trunk
    /// prefix included if it was written) and returns its significant digits.
    fn national_significant(self, digits: &[u8], international: bool) -> Option<&[u8]> {
        match self {
            Region::Cn => cn_national(digits, international),
            Region::Hk => eight_digits_starting(digits, b"2356789"),
            Region::Mo => eight_digits_starting(digits, b"26"),
        }
    }
}

/// The longest E.164 number is 15 digits; one more byte for the `+`.
const MAX_E164: usize = 16;
/// Input may carry prefixes (`0086`, a trunk `0`) beyond the 15 digits.
const MAX_INPUT_DIGITS: usize = 20;

/// A phone number in E.164 form, held inline so normalising never allocates.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct E164 {
    bytes: [u8; MAX_E164],
    len: u8,
    country_code_len: u8,
}

impl E164 {
    fn new(country_code: &[u8], national: &[u8]) -> Option<E164> {
        let len = 1 + country_code.len() + national.len();
        if len > MAX_E164 {
            return None;
        }
        let mut bytes = [0u8; MAX_E164];
        bytes[0] = b'+';
        bytes[1..1 + country_code.len()].copy_from_slice(country_code);
        bytes[1 + country_code.len()..len].copy_from_slice(national);
        Some(E164 {
            bytes,
            len: len as u8,
            country_code_len: country_code.len() as u8,
        })
    }

    /// The number as `+<country code><national significant number>`.
    pub fn as_str(&self) -> &str {
        // Only ASCII digits and '+' are ever written.
        std::str::from_utf8(&self.bytes[..self.len as usize]).unwrap_or_default()
    }

    /// The digits after the country code.
    pub fn national(&self) -> &[u8] {
        &self.bytes[1 + self.country_code_len as usize..self.len as usize]
    }

    /// `+` and the country code.
    pub fn country_prefix(&self) -> &[u8] {
        &self.bytes[..1 + self.country_code_len as usize]
    }
}

impl std::fmt::Debug for E164 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Normalises `input` to E.164, reading a number without a country code in
/// `region`. Returns `None` for anything that is not a valid personal number.
///
/// Accepted: ASCII or full-width digits; separators space, `-`, `.`, `/`,
/// `(`, `)`; a leading `+` or `00` before a country code; for mainland China
/// also a bare `86` before an 11-digit mobile number and a trunk `0` before an
/// area code or a mobile number. Rejected: letters and extensions (`转`, `ext`),
/// numbers of the wrong length, service numbers (`400…`, `95…`, `12345`), and
/// landlines written without an area code.
///
/// Numbers with a country code other than +86/+852/+853 are checked only for
/// E.164 shape (8 to 15 digits, not starting with 0).
pub fn normalize_phone(input: &str, region: Region) -> Option<E164> {
    let mut digits = [0u8; MAX_INPUT_DIGITS];
    let mut n = 0usize;
    let mut plus = false;
    for c in input.chars() {
        match fold_full_width(c) {
            d @ '0'..='9' => {
                if n == MAX_INPUT_DIGITS {
                    return None;
                }
                digits[n] = d as u8;
                n += 1;
            }
            '+' if n == 0 && !plus => plus = true,
            ' ' | '-' | '.' | '/' | '(' | ')' | '\t' | '\u{00A0}' | '\u{2010}'..='\u{2015}' => {}
            _ => return None,
        }
    }
    let digits = &digits[..n];

    if plus {
        return international(digits);
    }
    if let Some(rest) = digits.strip_prefix(b"00") {
        return international(rest);
    }
    // A bare "86" before a mobile number is how many exports write +86.
    if region == Region::Cn && digits.len() == 13 && digits.starts_with(b"86") {
        if let Some(mobile) = cn_mobile(&digits[2..]) {
            return E164::new(b"86", mobile);
        }
    }
    let national = region.national_significant(digits, false)?;
    E164::new(region.country_code(), national)
}

fn international(digits: &[u8]) -> Option<E164> {
    for region in [Region::Cn, Region::Hk, Region::Mo] {
        if let Some(rest) = digits.strip_prefix(region.country_code()) {
            let national = region.national_significant(rest, true)?;
            return E164::new(region.country_code(), national);
        }
    }
    if (8..=15).contains(&digits.len()) && digits[0] != b'0' {
        // The whole digit string is country code plus national number; a
        // one-digit country-code split is as good as any for the shape check.
        return E164::new(&digits[..1], &digits[1..]);
    }
    None
}

fn cn_mobile(digits: &[u8]) -> Option<&[u8]> {
    (digits.len() == 11 && digits[0] == b'1' && (b'3'..=b'9').contains(&digits[1])).then_some(digits)
}

/// Mainland numbers: 11-digit mobiles (`1[3-9]…`), or landlines of a 2-digit
/// (`10`, `2x`) or 3-digit area code and a 7- or 8-digit subscriber number.
/// Written nationally a landline needs its trunk `0`; after +86 it may keep it.
fn cn_national(digits: &[u8], international: bool) -> Option<&[u8]> {
    let (had_trunk, rest) = match digits.strip_prefix(b"0") {
        Some(rest) => (true, rest),
        None => (false, digits),
    };
    if let Some(mobile) = cn_mobile(rest) {
        return Some(mobile);
    }
    if !(had_trunk || international) || rest.is_empty() {
        return None;
    }
    let (area_len, subscriber_lens) = match rest[0] {
        b'1' if rest.get(1) == Some(&b'0') => (2, 8..=8),
        b'2' => (2, 8..=8),
        b'3'..=b'9' => (3, 7..=8),
        _ => return None,
    };
    let subscriber = rest.get(area_len..)?;
    let valid = subscriber_lens.contains(&subscriber.len()) && (b'2'..=b'9').contains(&subscriber[0]);
    valid.then_some(rest)
}

fn eight_digits_starting<'a>(digits: &'a [u8], first: &[u8]) -> Option<&'a [u8]> {
    (digits.len() == 8 && first.contains(&digits[0])).then_some(digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cn(s: &str) -> Option<String> {
        normalize_phone(s, Region::Cn).map(|p| p.as_str().to_string())
    }

    #[test]
    fn every_common_spelling_of_a_mobile_number_agrees() {
        for s in [
            "13800138000",
            "138-0013-8000",
            "138 0013 8000",
            "+86 138 0013 8000",
            "+86-138-0013-8000",
            "(+86)13800138000",
            "0086 13800138000",
            "008613800138000",
            "8613800138000",
            "86-13800138000",
            "013800138000",
            "１３８００１３８０００",
            "＋８６ １３８ ００１３ ８０００",
            "  138.0013.8000  ",
        ] {
            assert_eq!(cn(s).as_deref(), Some("+8613800138000"), "input {s:?}");
        }
    }

    #[test]
    fn landlines_need_an_area_code() {
        assert_eq!(cn("010-62345678").as_deref(), Some("+861062345678"));
        assert_eq!(cn("(0755) 8765 4321").as_deref(), Some("+8675587654321"));
        assert_eq!(cn("0571-8765432").as_deref(), Some("+865718765432"));
        assert_eq!(cn("+86 10 6234 5678").as_deref(), Some("+861062345678"));
        assert_eq!(cn("+86 (0)21 6123 4567").as_deref(), Some("+862161234567"));
        assert_eq!(cn("12345678"), None, "no area code");
        assert_eq!(cn("1062345678"), None, "area code without trunk 0");
        assert_eq!(cn("010-0234567"), None, "subscriber starts with 0");
        assert_eq!(cn("021-1234567"), None, "7 digits after a 2-digit area code");
    }

    #[test]
    fn invalid_and_service_numbers_are_rejected() {
        for s in [
            "",
            "   ",
            "-",
            "+",
            "1380013800",
            "138001380001",
            "12800138000",
            "00000000000",
            "400-820-8820",
            "95588",
            "12345",
            "138 0013 8000 转 801",
            "ext 123",
            "13800138000x",
            "++8613800138000",
            "138+00138000",
            "0086",
            "+86",
            "123456789012345678901234",
        ] {
            assert_eq!(cn(s), None, "input {s:?}");
        }
    }

    #[test]
    fn other_regions_and_country_codes() {
        let hk = |s| normalize_phone(s, Region::Hk).map(|p| p.as_str().to_string());
        assert_eq!(hk("9123 4567").as_deref(), Some("+85291234567"));
        assert_eq!(hk("+852 9123 4567").as_deref(), Some("+85291234567"));
        assert_eq!(hk("1234 5678"), None);
        assert_eq!(hk("+86 138 0013 8000").as_deref(), Some("+8613800138000"));
        assert_eq!(cn("+853 6612 3456").as_deref(), Some("+85366123456"));
        assert_eq!(cn("+1 650 253 0000").as_deref(), Some("+16502530000"));
        assert_eq!(cn("+44 20 7946 0958").as_deref(), Some("+442079460958"));
        assert_eq!(cn("+0 12345678"), None);
        assert_eq!(Region::parse(" cn "), Some(Region::Cn));
        assert_eq!(Region::parse("US"), None);
    }

    #[test]
    fn parts_of_a_number() {
        let p = normalize_phone("13800138000", Region::Cn).unwrap();
        assert_eq!(p.country_prefix(), b"+86");
        assert_eq!(p.national(), b"13800138000");
    }
}
