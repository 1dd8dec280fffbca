//! What fuzzy matching needs and identifiers do not give: each person's
//! birth date and address on their CRM records, and the insurance policies
//! an insurer partner sends back, typed by other clerks with other habits: a
//! homophone picked from the input method, the name in pinyin or with given
//! and family name swapped, a changed number or a relative's, a birth date
//! with one digit off, the address in another form, and most without the
//! VIN. `truth_records` says whose each CRM record and policy is.
//!
//! These values come from a random stream of their own per person, so the
//! other tables stay what they were before they existed.

use arrow::array::StringBuilder;
use chrono::NaiveDate;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::identifiers::{self as ids, mix};
use super::person::put;
use super::tables::Tables;
use super::vocabulary::*;
use super::world::World;

/// Sets the profile streams apart from the persons' main streams.
const PROFILE_SALT: u64 = 0x5EED_F022_7A11_0001;
const DAY_US: i64 = 86_400_000_000;
/// Birth dates: 1960-01-01 to 2003-12-31, as days since 1970-01-01.
const BIRTH_DAYS: std::ops::Range<i32> = -3653..12418;

/// Sets the hash that picks a given name's second character apart from the
/// generator's other hashes of a person.
const SECOND_CHARACTER_SALT: u64 = 0x4E;
/// Per hundred persons, how many have a one-character given name.
const ONE_CHARACTER_GIVEN_NAMES: u64 = 15;

/// A person's name, as indices into [`SURNAMES`], [`GIVEN_NAMES`] and
/// [`GIVEN_SECOND`].
#[derive(Clone, Copy)]
pub(super) struct Name {
    surname: usize,
    given: usize,
    second: Option<usize>,
}

impl Name {
    /// The name of person `index` whose surname and first given character
    /// were drawn. The second character comes from a hash of the person, not
    /// from their random stream, so the stream's later draws (and so every
    /// other table) are what they were before names had a second character.
    pub fn new(seed: u64, index: u64, surname: usize, given: usize) -> Name {
        let hash = mix(seed, index, SECOND_CHARACTER_SALT);
        let second =
            (hash % 100 >= ONE_CHARACTER_GIVEN_NAMES).then(|| (hash / 100) as usize % GIVEN_SECOND.len());
        Name {
            surname,
            given,
            second,
        }
    }

    pub fn surname(&self) -> &'static str {
        SURNAMES[self.surname]
    }

    /// The given name in characters: "秀英".
    pub fn given(&self) -> String {
        let second = self.second.map_or("", |s| GIVEN_SECOND[s].0);
        format!("{}{second}", GIVEN_NAMES[self.given])
    }

    /// The surname and the given name in pinyin: ("Wang", "Xiuying").
    fn pinyin(&self) -> (&'static str, String) {
        let second = self.second.map_or("", |s| GIVEN_SECOND[s].1);
        (
            SURNAME_PINYIN[self.surname],
            format!("{}{second}", GIVEN_PINYIN[self.given]),
        )
    }
}

/// What the person's CRM records were written with.
pub(super) struct CrmWritten {
    pub name: Name,
    pub copies: usize,
}

/// What a person's profile is built from.
pub(super) struct Person<'a> {
    pub index: u64,
    pub crm_id: Option<&'a str>,
    pub crm: Option<CrmWritten>,
    pub mobile: &'a str,
    pub vin: Option<&'a str>,
    pub delivery: Option<i64>,
    pub city: &'static str,
}

/// The date `days` after 1970-01-01.
fn date_of(days: i32) -> NaiveDate {
    NaiveDate::default() + chrono::Duration::days(days as i64)
}

/// Days since 1970-01-01.
fn days_of(date: NaiveDate) -> i32 {
    (date - NaiveDate::default()).num_days() as i32
}

/// The birth date with one digit of YYYYMMDD typed wrong (the result is
/// still a real day).
fn digit_off(rng: &mut impl Rng, days: i32) -> i32 {
    let digits = date_of(days).format("%Y%m%d").to_string();
    for _ in 0..20 {
        let position = [3, 5, 6, 7][rng.random_range(0..4)];
        let wrong = b'0' + rng.random_range(0..10u8);
        if digits.as_bytes()[position] == wrong {
            continue;
        }
        let mut typed = digits.clone().into_bytes();
        typed[position] = wrong;
        let typed = String::from_utf8(typed).expect("digits are ASCII");
        if let Ok(date) = NaiveDate::parse_from_str(&typed, "%Y%m%d") {
            return days_of(date);
        }
    }
    days + 1
}

/// "上海市浦东新区人民路88号3栋1202室" or "浦东新区人民路88号3-1202，上海".
fn address(out: &mut StringBuilder, city: &str, parts: (usize, usize, u32, u32, u32), long_form: bool) {
    let (district, road, number, building, room) = parts;
    let (district, road) = (DISTRICTS[district], ROADS[road]);
    if long_form {
        put(
            out,
            format_args!("{city}市{district}{road}{number}号{building}栋{room}室"),
        );
    } else {
        put(
            out,
            format_args!("{district}{road}{number}号{building}-{room}，{city}"),
        );
    }
}

fn homophone_typo(name: &str, rng: &mut impl Rng) -> Option<String> {
    let typable: Vec<usize> = name
        .char_indices()
        .filter(|(_, c)| HOMOPHONES.iter().any(|(from, _)| from == c))
        .map(|(i, _)| i)
        .collect();
    let at = *typable.get(rng.random_range(0..typable.len().max(1)))?;
    let c = name[at..].chars().next()?;
    let to = HOMOPHONES.iter().find(|(from, _)| *from == c)?.1;
    Some(format!("{}{to}{}", &name[..at], &name[at + c.len_utf8()..]))
}

/// Writes the person's CRM birth dates and addresses, insurance policy and
/// truth records.
pub(super) fn write_profile(world: &World, person: &Person, out: &mut Tables) {
    let mut rng = ChaCha8Rng::seed_from_u64(world.seed ^ PROFILE_SALT);
    rng.set_stream(person.index);
    let name = match &person.crm {
        Some(crm) => crm.name,
        None => {
            let surname = rng.random_range(0..SURNAMES.len());
            let given = rng.random_range(0..GIVEN_NAMES.len());
            Name::new(world.seed, person.index, surname, given)
        }
    };
    let birth = rng.random_range(BIRTH_DAYS);
    let home = (
        rng.random_range(0..DISTRICTS.len()),
        rng.random_range(0..ROADS.len()),
        rng.random_range(1..400),
        rng.random_range(1..30),
        rng.random_range(101..2800),
    );
    let key = format!("P{}", person.index);

    if let (Some(crm), Some(crm_id)) = (&person.crm, person.crm_id) {
        // A buyer's ID card number is on the invoice and the registration
        // the dealer files, so the CRM knows most owners' birth date and
        // address; others give them when they like.
        let buyer = person.delivery.is_some();
        let with_birth = rng.random_bool(if buyer { 0.97 } else { 0.8 });
        let with_address = rng.random_bool(if buyer { 0.85 } else { 0.6 });
        for _ in 0..crm.copies {
            let c = &mut out.crm_customers;
            c.birth_date.append_option(with_birth.then_some(birth));
            if with_address {
                address(&mut c.address, person.city, home, true);
            } else {
                c.address.append_null();
            }
        }
        let r = &mut out.truth_records;
        r.source.append_value("crm_customers");
        r.record_id.append_value(crm_id);
        r.person_key.append_value(&key);
    }

    // Owners insure the car they took delivery of, seven in ten through the
    // dealer group's insurer partner.
    let Some(delivery) = person.delivery else { return };
    if !rng.random_bool(0.7) {
        return;
    }
    let p = &mut out.insurance_policies;
    let policy_id = format!("INS{:012}", mix(world.seed, person.index, 91) % 1_000_000_000_000);
    p.policy_id.append_value(&policy_id);
    let (surname_pinyin, given_pinyin) = name.pinyin();
    let written = format!("{}{}", name.surname(), name.given());
    match rng.random_range(0..100) {
        0..55 => p.holder_name.append_value(&written),
        55..70 => p
            .holder_name
            .append_value(homophone_typo(&written, &mut rng).unwrap_or(written)),
        70..82 => put(
            &mut p.holder_name,
            format_args!("{surname_pinyin} {given_pinyin}"),
        ),
        82..88 => put(
            &mut p.holder_name,
            format_args!("{given_pinyin} {surname_pinyin}"),
        ),
        88..95 => put(
            &mut p.holder_name,
            format_args!(
                "{} {}",
                surname_pinyin.to_uppercase(),
                given_pinyin.to_uppercase()
            ),
        ),
        _ => p.holder_name.append_null(),
    }
    let mut scratch = String::new();
    match rng.random_range(0..100) {
        0..60 => p.phone.append_value(person.mobile),
        // A new number, nobody else's.
        60..80 => put(
            &mut p.phone,
            format_args!("147{:08}", mix(world.seed, person.index, 93) % 100_000_000),
        ),
        // A relative's: the neighbouring person's own number.
        80..92 => {
            ids::mobile(world.seed, person.index ^ 1, 0, &mut scratch);
            p.phone.append_value(&scratch);
        }
        _ => p.phone.append_null(),
    }
    match rng.random_range(0..100) {
        0..85 => p.birth_date.append_value(birth),
        85..95 => p.birth_date.append_value(digit_off(&mut rng, birth)),
        _ => p.birth_date.append_null(),
    }
    match rng.random_range(0..100) {
        0..45 => address(&mut p.address, person.city, home, true),
        45..90 => address(&mut p.address, person.city, home, false),
        _ => p.address.append_null(),
    }
    p.city.append_option(rng.random_bool(0.9).then_some(person.city));
    p.vin.append_option(person.vin.filter(|_| rng.random_bool(0.4)));
    p.start_date.append_value(((delivery).div_euclid(DAY_US)) as i32);
    let r = &mut out.truth_records;
    r.source.append_value("insurance_policies");
    r.record_id.append_value(&policy_id);
    r.person_key.append_value(&key);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip_and_a_digit_off_is_another_real_day() {
        for days in [-3653, 0, 3652, 12417, 11016] {
            assert_eq!(days_of(date_of(days)), days);
        }
        assert_eq!(date_of(0).format("%Y%m%d").to_string(), "19700101");
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        for _ in 0..200 {
            let days = rng.random_range(BIRTH_DAYS);
            let off = digit_off(&mut rng, days);
            assert_ne!(off, days);
            let digits = |days: i32| date_of(days).format("%Y%m%d").to_string();
            let (a, b) = (digits(days), digits(off));
            let differing = a.chars().zip(b.chars()).filter(|(x, y)| x != y).count();
            assert!(differing <= 1 || off == days + 1, "{a} {b}");
        }
        assert_eq!(
            homophone_typo("张伟", &mut rng).map(|n| n.chars().count()),
            Some(2)
        );
    }
}
