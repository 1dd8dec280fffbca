//! How real systems mangle identifiers: the spellings of one phone number
//! and one email address that the generated tables carry.

use arrow::array::StringBuilder;
use rand::Rng;

/// How a phone number got into a system, which decides what can go wrong.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum PhoneEntry {
    /// Typed freely: any spelling, NULL, a lost digit, junk.
    Free,
    /// A mandatory field: never NULL, but typos and junk get through.
    Mandatory,
    /// An app or mini-program form that validates the number: any spelling,
    /// always a valid number.
    Validated,
}

/// Appends `mobile` (11 ASCII digits) as one of the spellings seen in
/// Chinese CRM, lead and DMS exports, or NULL, or junk, or a typo.
pub fn append_noisy_phone(rng: &mut impl Rng, mobile: &str, entry: PhoneEntry, out: &mut StringBuilder) {
    let d = mobile;
    let roll = match entry {
        PhoneEntry::Free => rng.random_range(0..1000),
        // 973 = 965 spellings + 8 typos and junk, skipping the 27 NULLs.
        PhoneEntry::Mandatory => match rng.random_range(0..973) {
            r if r >= 965 => r + 27,
            r => r,
        },
        PhoneEntry::Validated => rng.random_range(0..965),
    };
    let (a, b, c) = (&d[0..3], &d[3..7], &d[7..11]);
    match roll {
        0..350 => out.append_value(d),
        350..500 => out.append_value(format!("{a}-{b}-{c}")),
        500..650 => out.append_value(format!("+86 {a} {b} {c}")),
        650..750 => out.append_value(format!("+86{d}")),
        750..830 => out.append_value(format!("0086 {d}")),
        830..880 => out.append_value(format!("86-{d}")),
        880..920 => out.append_value(format!("{a} {b} {c}")),
        920..945 => out.append_value(d.chars().map(full_width_digit).collect::<String>()),
        945..965 => out.append_value(format!("(+86){a}-{b}-{c}")),
        965..992 => out.append_null(),
        992..997 => out.append_value(&d[..10]), // a digit lost in typing
        _ => out.append_value(["", "00000000000", "unknown", "无"][rng.random_range(0..4)]),
    }
}

fn full_width_digit(c: char) -> char {
    char::from_u32(c as u32 + 0xFEE0).unwrap_or(c)
}

/// Appends the canonical address `email` as typed: case, spaces, the
/// full-width `＠`, a missing top-level domain, or NULL.
pub fn append_noisy_email(rng: &mut impl Rng, email: &str, out: &mut StringBuilder) {
    match rng.random_range(0..100) {
        0..60 => out.append_value(email),
        60..75 => out.append_value(email.to_uppercase()),
        75..85 => out.append_value(format!("  {email} ")),
        85..90 => out.append_value(email.replace('@', "＠")),
        90..93 => out.append_value(email.rsplit_once('.').map_or(email, |(head, _)| head)),
        _ => out.append_null(),
    }
}
