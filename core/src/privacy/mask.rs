//! Masking phone numbers for display.

use crate::identity::phone::E164;

/// Digits of the national number left visible at the start and at the end.
const KEEP_HEAD: usize = 3;
const KEEP_TAIL: usize = 4;

/// Writes `phone` with the middle of its national number replaced by `*` into
/// `out` (cleared first): `+8613800138000` becomes `+86138****8000`, the
/// convention of Chinese apps. Numbers of 7 national digits or fewer keep only
/// the last 4 digits visible.
pub fn mask_phone_into(phone: &E164, out: &mut String) {
    out.clear();
    let national = phone.national();
    let head = if national.len() > KEEP_HEAD + KEEP_TAIL {
        KEEP_HEAD
    } else {
        0
    };
    let tail = KEEP_TAIL.min(national.len());
    for &b in phone.country_prefix() {
        out.push(b as char);
    }
    for (i, &b) in national.iter().enumerate() {
        let visible = i < head || i >= national.len() - tail;
        out.push(if visible { b as char } else { '*' });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::phone::{Region, normalize_phone};

    fn mask(s: &str) -> String {
        let mut out = String::new();
        mask_phone_into(&normalize_phone(s, Region::Cn).unwrap(), &mut out);
        out
    }

    #[test]
    fn middle_digits_are_hidden() {
        assert_eq!(mask("138-0013-8000"), "+86138****8000");
        assert_eq!(mask("010-62345678"), "+86106***5678");
        assert_eq!(mask("+853 6612 3456"), "+853661*3456");
    }
}
