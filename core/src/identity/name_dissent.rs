//! Names that set two persons apart without setting any identifier aside:
//! records that dissent from their identifier's name, when their own other
//! identifiers confirm the dissent, and links between two identifiers
//! whose records name two persons.
//!
//! A record whose full name shares no word with the name most records of
//! one of its identifiers carry is either its owner's record with a nickname
//! (or a spouse's name) or another person's record with the owner's
//! identifier typed into it (a mistyped phone, a customer's phone on a
//! relative's CRM record). The names alone cannot tell them apart; the
//! record's other identifiers can: when another record holding one of them
//! carries the dissenting name too, the record belongs to that name's
//! person, and it does not join through the identifier. A nickname is
//! rarely typed twice.
//!
//! A record without a name can still bridge two persons: a blank walk-in
//! lead with the customer's own phone and, mistyped, another customer's.
//! When each of the two identifiers has a majority name and the two share
//! no word, the record's link between them is refused; the record map
//! then gives the record one of the two persons (`conflict`).

use crate::identity::evidence::{NO_RECORD, Reason};
use crate::identity::record_names::{RecordNames, share_a_word};

/// The dissents (`record << 32 | rank`, sorted, from
/// [`crate::identity::evidence::shared_by_names`]) that another record
/// confirms: a record holding another of the dissenting record's
/// identifiers (one not set aside) and carrying a name that shares a word
/// with the dissenting one. `memberships` are all distinct
/// `record << 32 | rank` pairs, sorted. Returned sorted.
pub fn confirmed_dissents(
    memberships: &[u64],
    dissents: &[u64],
    names: &RecordNames,
    reasons: &[Reason],
) -> Vec<u64> {
    if dissents.is_empty() {
        return Vec::new();
    }
    let of_record = |record: u32| {
        let start = memberships.partition_point(|&m| m >> 32 < record as u64);
        let end = memberships.partition_point(|&m| m >> 32 <= record as u64);
        &memberships[start..end]
    };
    let witnessing = |m: u64, dissent: u64| m != dissent && !reasons[m as u32 as usize].excludes();
    // The identifiers that could confirm a dissent, and the records holding
    // them: few, gathered in one pass over the memberships.
    let mut wanted = vec![0u64; reasons.len().div_ceil(64)];
    for &dissent in dissents {
        for &m in of_record((dissent >> 32) as u32) {
            if witnessing(m, dissent) {
                let rank = m as u32 as usize;
                wanted[rank / 64] |= 1 << (rank % 64);
            }
        }
    }
    let is_wanted = |rank: usize| wanted[rank / 64] >> (rank % 64) & 1 == 1;
    // `rank << 32 | record`: the holders of each wanted identifier.
    let mut holders: Vec<u64> = memberships
        .iter()
        .filter(|&&m| is_wanted(m as u32 as usize))
        .map(|&m| (m & 0xFFFF_FFFF) << 32 | m >> 32)
        .collect();
    holders.sort_unstable();
    let holders_of = |rank: u32| {
        let start = holders.partition_point(|&h| h >> 32 < rank as u64);
        let end = holders.partition_point(|&h| h >> 32 <= rank as u64);
        holders[start..end].iter().map(|&h| h as u32)
    };
    dissents
        .iter()
        .copied()
        .filter(|&dissent| {
            let record = (dissent >> 32) as u32;
            let name = names.name(record);
            of_record(record)
                .iter()
                .filter(|&&m| witnessing(m, dissent))
                .any(|&m| {
                    holders_of(m as u32).any(|other| other != record && share_a_word(names.name(other), name))
                })
        })
        .collect()
}

/// Removes the links (`a << 32 | b`, ranks) between two identifiers whose
/// majority names share no word. `majority_record` gives, per rank, a
/// record carrying the identifier's majority name, or [`NO_RECORD`].
pub fn refuse_links_between_names(links: &mut Vec<u64>, majority_record: &[u32], names: &RecordNames) {
    links.retain(|&l| {
        let (a, b) = (
            majority_record[(l >> 32) as usize],
            majority_record[l as u32 as usize],
        );
        if a == NO_RECORD || b == NO_RECORD {
            return true;
        }
        let (name_a, name_b) = (names.name(a), names.name(b));
        name_a == name_b || share_a_word(name_a, name_b)
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::record_names::names_of;

    fn membership(record: u64, rank: u64) -> u64 {
        record << 32 | rank
    }

    #[test]
    fn a_dissent_stands_when_another_record_of_the_records_other_identifier_bears_it() {
        // Phone (rank 0) on records 0-2 named 黄刚静; record 3, 王依芳's CRM
        // record, has the phone mistyped and her crm_id (rank 1), which her
        // order (record 4) names too. Record 5 is a nickname on the phone
        // beside the owner's e-mail (rank 2), which record 0 also holds.
        let names = names_of(&["黄刚静", "黄刚静", "黄女士", "王依芳", "王依芳", "李娜"]);
        let memberships = vec![
            membership(0, 0),
            membership(0, 2),
            membership(1, 0),
            membership(2, 0),
            membership(3, 0),
            membership(3, 1),
            membership(4, 1),
            membership(5, 0),
            membership(5, 2),
        ];
        let reasons = vec![Reason::None; 3];
        let dissents = vec![membership(3, 0), membership(5, 0)];
        assert_eq!(
            confirmed_dissents(&memberships, &dissents, &names, &reasons),
            vec![membership(3, 0)]
        );
        // A set-aside identifier confirms nothing.
        let reasons = vec![Reason::None, Reason::MaxRecordsPerIdentifier, Reason::None];
        assert!(confirmed_dissents(&memberships, &dissents, &names, &reasons).is_empty());
    }

    #[test]
    fn links_between_identifiers_of_two_names_are_refused() {
        let names = names_of(&["万强博", "周强宏", "万先生", "Qianghong Zhou"]);
        // Ranks 0-3: majority names 万强博, 周强宏, 万 (a title), none.
        let majority = [0, 1, 2, NO_RECORD];
        let link = |a: u64, b: u64| a << 32 | b;
        let mut links = vec![link(0, 1), link(0, 2), link(0, 3), link(1, 2), link(1, 3)];
        refuse_links_between_names(&mut links, &majority, &names);
        assert_eq!(links, vec![link(0, 2), link(0, 3), link(1, 3)]);
        assert!(
            share_a_word(names.name(1), names.name(3)),
            "one name in two scripts"
        );
    }

    #[test]
    fn a_record_with_no_other_identifier_is_never_confirmed() {
        let names = names_of(&["张伟", "张伟", "李娜"]);
        let memberships = vec![membership(0, 0), membership(1, 0), membership(2, 0)];
        let reasons = vec![Reason::None];
        assert!(confirmed_dissents(&memberships, &[membership(2, 0)], &names, &reasons).is_empty());
    }
}
