//! Evidence that an identifier is held by more than one person, gathered
//! before any merge: how many identifiers it meets (in all, of one type, more
//! of a type than one person may hold) and on how many records of one source
//! it is found, and whether the names on those records disagree. An
//! identifier with such evidence is `shared` and joins no one.

use crate::bucket_sort::bucket_sort_by;
use crate::identity::record_names::{RecordNames, is_full_name, same_full_name, share_a_word};

/// Why an identifier was kept out of merging, or a merge through it refused:
/// the rule (its key in the rules JSON) that decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Reason {
    /// Nothing: merged or alone.
    None,
    /// `max_per_person`: a merge through it was refused.
    MaxPerPerson,
    /// `shared_on_name_disagreement`: the names on its records are those of
    /// several persons.
    NameDisagreement,
    /// `max_records_per_identifier`: on too many records of one source.
    MaxRecordsPerIdentifier,
    /// `shared_on_conflict`: its records carry more identifiers of one type
    /// than one person may hold.
    SharedOnConflict,
    /// `max_links_per_type`: linked to too many identifiers of one type.
    MaxLinksPerType,
    /// `max_identifier_degree`: linked to too many identifiers.
    MaxIdentifierDegree,
    /// `block`: a junk value.
    Block,
}

impl Reason {
    pub fn as_str(self) -> Option<&'static str> {
        match self {
            Reason::None => None,
            Reason::MaxPerPerson => Some("max_per_person"),
            Reason::NameDisagreement => Some("shared_on_name_disagreement"),
            Reason::MaxRecordsPerIdentifier => Some("max_records_per_identifier"),
            Reason::SharedOnConflict => Some("shared_on_conflict"),
            Reason::MaxLinksPerType => Some("max_links_per_type"),
            Reason::MaxIdentifierDegree => Some("max_identifier_degree"),
            Reason::Block => Some("block"),
        }
    }

    /// Whether the identifier was kept out of merging (blocked or shared).
    pub fn excludes(self) -> bool {
        self >= Reason::NameDisagreement
    }
}

/// The limits that link counts are held against, per type rank.
pub struct LinkLimits {
    pub max_identifier_degree: u32,
    pub max_links_per_type: u32,
    /// Per type rank: how many identifiers of the type one person may hold,
    /// when `shared_on_conflict` holds and the type has a limit.
    pub max_per_person: Vec<Option<u32>>,
}

/// Marks identifiers whose links say they are shared. `links` are distinct
/// `a << 32 | b` rank pairs with `a < b`; ranks are grouped by type rank
/// (`type_rank_at`).
pub fn shared_by_links(
    links: &[u64],
    reasons: &mut [Reason],
    type_rank_at: impl Fn(u32) -> usize,
    limits: &LinkLimits,
) {
    let mut held = HeldPerType::new(reasons.len(), &type_rank_at, &limits.max_per_person);
    let mut degree = vec![0u32; reasons.len()];
    // One pass for both counts. Links are sorted by `a`: its entries are
    // touched in order, `b`'s at random, so `b`'s are prefetched ahead.
    const AHEAD: usize = 16;
    for (i, &l) in links.iter().enumerate() {
        if let Some(&next) = links.get(i + AHEAD) {
            let b = next as u32 as usize;
            crate::prefetch::prefetch(&degree[b]);
            held.prefetch(b);
        }
        let (a, b) = ((l >> 32) as u32, l as u32);
        degree[a as usize] += 1;
        degree[b as usize] += 1;
        held.count(a, type_rank_at(b));
        held.count(b, type_rank_at(a));
    }
    for ((reason, &d), over) in reasons.iter_mut().zip(&degree).zip(held.over_max()) {
        if d > limits.max_identifier_degree {
            *reason = (*reason).max(Reason::MaxIdentifierDegree);
        }
        if over {
            *reason = (*reason).max(Reason::SharedOnConflict);
        }
    }
    drop(held);
    shared_by_type_counts(links, reasons, &degree, &type_rank_at, limits.max_links_per_type);
}

/// `max_links_per_type`: only an identifier with more links in all than the
/// limit can have too many of one type, so (identifier, neighbour type)
/// pairs are counted for those few alone.
fn shared_by_type_counts(
    links: &[u64],
    reasons: &mut [Reason],
    degree: &[u32],
    type_rank_at: &impl Fn(u32) -> usize,
    max_links_per_type: u32,
) {
    let busy = |r: usize| degree[r] > max_links_per_type;
    let mut ends: Vec<u64> = Vec::new();
    for &l in links {
        let (a, b) = ((l >> 32) as usize, (l & 0xFFFF_FFFF) as usize);
        if busy(a) {
            ends.push((a as u64) << 16 | type_rank_at(b as u32) as u64);
        }
        if busy(b) {
            ends.push((b as u64) << 16 | type_rank_at(a as u32) as u64);
        }
    }
    ends.sort_unstable();
    for run in ends.chunk_by(|x, y| x == y) {
        if run.len() as u32 > max_links_per_type {
            let r = (run[0] >> 16) as usize;
            reasons[r] = reasons[r].max(Reason::MaxLinksPerType);
        }
    }
}

/// `shared_on_conflict`: for each identifier, how many identifiers of each
/// limited type a person holding it and the identifiers it meets would
/// hold: a saturating byte per identifier and limited type, the identifier
/// itself counted in its own type's.
struct HeldPerType {
    held: Vec<u8>,
    identifiers: usize,
    slots: usize,
    slot_of_type: Vec<Option<usize>>,
    slot_limits: Vec<u32>,
}

impl HeldPerType {
    fn new(n: usize, type_rank_at: impl Fn(u32) -> usize, max_per_person: &[Option<u32>]) -> Self {
        let mut slot_of_type: Vec<Option<usize>> = Vec::with_capacity(max_per_person.len());
        let mut slot_limits: Vec<u32> = Vec::new();
        for max in max_per_person {
            slot_of_type.push(max.map(|max| {
                slot_limits.push(max);
                slot_limits.len() - 1
            }));
        }
        let slots = slot_limits.len();
        let mut held = vec![0u8; n * slots];
        if slots > 0 {
            for (r, counts) in held.chunks_exact_mut(slots).enumerate() {
                if let Some(slot) = slot_of_type[type_rank_at(r as u32)] {
                    counts[slot] = 1;
                }
            }
        }
        HeldPerType {
            held,
            identifiers: n,
            slots,
            slot_of_type,
            slot_limits,
        }
    }

    #[inline]
    fn prefetch(&self, r: usize) {
        if let Some(counts) = self.held.get(r * self.slots) {
            crate::prefetch::prefetch(counts);
        }
    }

    /// Counts a neighbour of type rank `neighbour_type` of identifier `r`.
    #[inline]
    fn count(&mut self, r: u32, neighbour_type: usize) {
        if let Some(slot) = self.slot_of_type[neighbour_type] {
            let count = &mut self.held[r as usize * self.slots + slot];
            *count = count.saturating_add(1);
        }
    }

    /// For each identifier, whether some type is held beyond its limit.
    fn over_max(&self) -> impl Iterator<Item = bool> + '_ {
        (0..self.identifiers).map(move |r| {
            self.held[r * self.slots..(r + 1) * self.slots]
                .iter()
                .zip(&self.slot_limits)
                .any(|(&count, &max)| count as u32 > max)
        })
    }
}

/// Marks identifiers found on more distinct records of one counted source
/// than their type allows. `memberships` are distinct `record << 32 | rank`
/// pairs; `slot_of_record` gives a record's counted-source slot (`None` for
/// event sources), `limit_at` a rank's record limit (`None`: no limit).
///
/// An identifier that one source alone holds on more records than
/// `unconfirmed_limit` but not more than its type's limit is not marked:
/// its ranks are returned, in order, for the names on its records to
/// confirm it ([`shared_by_names`]) or for [`set_aside_unconfirmed`].
pub fn shared_by_records(
    memberships: &[u64],
    reasons: &mut [Reason],
    slots: usize,
    slot_of_record: impl Fn(u32) -> Option<usize>,
    limit_at: impl Fn(u32) -> Option<u32>,
    unconfirmed_limit: u32,
) -> Vec<u32> {
    let mut awaiting_names = Vec::new();
    if slots == 0 {
        return awaiting_names;
    }
    // A saturating byte per identifier and counted source: limits are
    // below 255 (255 is no limit).
    let mut counts = vec![0u8; reasons.len() * slots];
    // Rows are sorted by record: identifiers come at random, prefetched ahead.
    const AHEAD: usize = 16;
    for (i, &m) in memberships.iter().enumerate() {
        if let Some(&next) = memberships.get(i + AHEAD) {
            crate::prefetch::prefetch(&counts[next as u32 as usize * slots]);
        }
        let (record, rank) = ((m >> 32) as u32, m as u32);
        if let Some(slot) = slot_of_record(record) {
            let count = &mut counts[rank as usize * slots + slot];
            *count = count.saturating_add(1);
        }
    }
    for (r, per_source) in counts.chunks_exact(slots).enumerate() {
        if let Some(limit) = limit_at(r as u32) {
            let mut held_by = per_source.iter().filter(|&&c| c > 0);
            let over = match (held_by.next(), held_by.next()) {
                // One source alone: nothing else confirms the identifier,
                // unless the names do.
                (Some(&only), None) if only as u32 > limit.min(unconfirmed_limit) => {
                    if only as u32 > limit {
                        true
                    } else {
                        awaiting_names.push(r as u32);
                        false
                    }
                }
                (Some(_), None) => false,
                _ => per_source.iter().any(|&c| c as u32 > limit),
            };
            if over {
                reasons[r] = reasons[r].max(Reason::MaxRecordsPerIdentifier);
            }
        }
    }
    awaiting_names
}

/// Sets aside the identifiers [`shared_by_records`] left to the names, when
/// no names confirm them (`awaiting_names` is then what remains).
pub fn set_aside_unconfirmed(reasons: &mut [Reason], awaiting_names: &[u32]) {
    for &r in awaiting_names {
        reasons[r as usize] = reasons[r as usize].max(Reason::MaxRecordsPerIdentifier);
    }
}

/// Marks identifiers whose records name several persons
/// (`shared_on_name_disagreement`); run after [`shared_by_records`], whose
/// limits bound the records judged here. Among the named records of counted
/// sources that hold an identifier (`memberships` are distinct
/// `record << 32 | rank` pairs; `slot_of_record` as for
/// [`shared_by_records`]; `judged_at` says which ranks are judged):
///
/// - three or more different full names, none of them on half the records
///   with a full name: a salesperson's phone on the leads of many
///   customers. A customer's own records carry their name, now and then a
///   title alone or a nickname, so their name keeps the majority;
/// - or, when one source alone holds the identifier (nothing else confirms
///   it), no name sharing a word (a family name) with more than half of the
///   named records: two bare walk-in leads, 王先生 and 李娜, on one phone.
///
/// Names agree allowing a typing error in a long word
/// ([`crate::identity::record_names::words_agree`]).
///
/// An identifier awaiting names (`awaiting_names`, sorted ranks, from
/// [`shared_by_records`]) is confirmed when most of its records are named
/// and every name is one person's: two full names at least, all one name,
/// and every title alone with its family name. Those that are not are set
/// aside for `max_records_unconfirmed`.
///
/// Returns what the names say of the identifiers they do not set aside
/// ([`NameEvidence`]).
pub fn shared_by_names(
    memberships: &[u64],
    reasons: &mut [Reason],
    names: &RecordNames,
    slot_of_record: impl Fn(u32) -> Option<usize>,
    judged_at: impl Fn(u32) -> bool,
    awaiting_names: &[u32],
) -> NameEvidence {
    let awaits = |rank: usize| awaiting_names.binary_search(&(rank as u32)).is_ok();
    /// A judged membership, its record's source slot read while the
    /// memberships are still in record order.
    #[derive(Clone, Copy)]
    struct Held {
        rank: u32,
        record: u32,
        slot: u8,
    }
    // Identifiers already set aside (on too many records, most often) are
    // not judged again: comparing the names of hundreds of records costs
    // the square of their spellings.
    let mut held: Vec<Held> = memberships
        .iter()
        .filter_map(|&m| {
            let (record, rank) = ((m >> 32) as u32, m as u32);
            let judged = judged_at(rank) && !reasons[rank as usize].excludes();
            let slot = slot_of_record(record).filter(|_| judged)?;
            Some(Held {
                rank,
                record,
                slot: slot as u8,
            })
        })
        .collect();
    bucket_sort_by(
        &mut held,
        reasons.len(),
        |h| h.rank as usize,
        |a, b| a.record.cmp(&b.record),
    );
    // Grouped by identifier, records come at random: their names are
    // prefetched ahead.
    const AHEAD: usize = 16;
    let mut names_held: Vec<&str> = Vec::new();
    let mut distinct: Vec<(&str, usize)> = Vec::new();
    let mut evidence = NameEvidence {
        dissents: Vec::new(),
        majority_record: vec![NO_RECORD; reasons.len()],
    };
    let mut group_start = 0;
    for group in held.chunk_by(|a, b| a.rank == b.rank) {
        let first = group_start;
        group_start += group.len();
        // Sources are below 128 (`MAX_SOURCES`).
        let mut sources = 0u128;
        names_held.clear();
        for (offset, h) in group.iter().enumerate() {
            if let Some(next) = held.get(first + offset + AHEAD) {
                names.prefetch(next.record);
            }
            sources |= 1 << h.slot;
            let name = names.name(h.record);
            if !name.is_empty() {
                names_held.push(name);
            }
        }
        let rank = group[0].rank as usize;
        if names_disagree(&mut names_held, &mut distinct, sources.count_ones() == 1) {
            reasons[rank] = reasons[rank].max(Reason::NameDisagreement);
        } else if awaits(rank) && !names_confirm(&distinct, names_held.len(), group.len()) {
            reasons[rank] = reasons[rank].max(Reason::MaxRecordsPerIdentifier);
        } else if let Some(majority) = majority_name(&distinct, names_held.len()) {
            for h in group {
                let name = names.name(h.record);
                if name == majority && evidence.majority_record[rank] == NO_RECORD {
                    evidence.majority_record[rank] = h.record;
                } else if is_full_name(name) && !share_a_word(name, majority) {
                    evidence.dissents.push((h.record as u64) << 32 | rank as u64);
                }
            }
        }
    }
    evidence.dissents.sort_unstable();
    evidence
}

/// No record: an identifier without a majority name.
pub const NO_RECORD: u32 = u32::MAX;

/// What the names on their records say of the identifiers they do not set
/// aside.
pub struct NameEvidence {
    /// The memberships (`record << 32 | rank`, sorted) of records that
    /// dissent from their identifier's majority name: a full name with no
    /// word of it. A nickname, or another customer's phone typed into this
    /// record: whether the record still joins through the identifier is
    /// decided by [`crate::identity::name_dissent::confirmed_dissents`].
    pub dissents: Vec<u64>,
    /// Per rank, a record that carries the identifier's majority name (the
    /// name more than half of its named records, two at least, share a
    /// word with), or [`NO_RECORD`]. Links between two identifiers whose
    /// majority names share no word are two persons'
    /// ([`crate::identity::name_dissent::refuse_links_between_names`]).
    pub majority_record: Vec<u32>,
}

/// Whether the names on an identifier's `held` records are one person's:
/// more than half of them named, two full names at least and all one name,
/// every title alone holding a word of it. `distinct` are the spellings
/// with their counts, as [`names_disagree`] leaves them for `named` names.
fn names_confirm(distinct: &[(&str, usize)], named: usize, held: usize) -> bool {
    if named * 2 <= held || named < 2 {
        return false;
    }
    let full_names = || distinct.iter().filter(|(name, _)| is_full_name(name));
    let full_count: usize = full_names().map(|(_, count)| count).sum();
    let Some((one, _)) = full_names().next() else {
        return false;
    };
    full_count >= 2
        && full_names().all(|(name, _)| same_full_name(name, one))
        && distinct.iter().all(|(name, _)| share_a_word(name, one))
}

/// The name that most of an identifier's named records share a word with,
/// when there is one: on more than half of its named records, and on two
/// of them at least. `distinct` are the spellings with their counts, as
/// [`names_disagree`] leaves them.
fn majority_name<'a>(distinct: &[(&'a str, usize)], named: usize) -> Option<&'a str> {
    if named < 2 {
        return None;
    }
    let (name, sharing) = most_shared_name(distinct)?;
    (sharing * 2 > named && sharing >= 2).then_some(name)
}

/// More different spellings of names than one person's records carry.
const MAX_SPELLINGS: usize = 64;

/// The two rules of [`shared_by_names`] over the names an identifier's
/// records carry. Names are compared as distinct spellings with their
/// counts: most identifiers' records carry one.
fn names_disagree<'a>(
    names: &mut [&'a str],
    distinct: &mut Vec<(&'a str, usize)>,
    unconfirmed: bool,
) -> bool {
    let named = names.len();
    if named < 2 {
        return false;
    }
    names.sort_unstable();
    distinct.clear();
    distinct.extend(names.chunk_by(|a, b| a == b).map(|run| (run[0], run.len())));
    if distinct.len() == 1 {
        return false;
    }
    // No one person's records carry this many spellings of their name; and
    // the comparisons below grow with the square of the spellings.
    if distinct.len() > MAX_SPELLINGS {
        return true;
    }
    // Many full names, none with a majority among the full names (a title
    // alone neither backs one nor opposes it).
    let full_names = distinct.iter().filter(|(name, _)| is_full_name(name));
    let full_count: usize = full_names.clone().map(|(_, count)| count).sum();
    let mut different = 0;
    let mut most_agreeing = 0;
    for (i, (name, _)) in distinct
        .iter()
        .enumerate()
        .filter(|(_, (name, _))| is_full_name(name))
    {
        let agreeing: usize = full_names
            .clone()
            .filter(|(other, _)| same_full_name(name, other))
            .map(|(_, count)| count)
            .sum();
        most_agreeing = most_agreeing.max(agreeing);
        // A spelling that agrees with none before it is another name.
        if !distinct[..i]
            .iter()
            .any(|(earlier, _)| is_full_name(earlier) && same_full_name(name, earlier))
        {
            different += 1;
        }
    }
    if different >= 3 && most_agreeing * 2 < full_count {
        return true;
    }
    // Held by one source alone: no name shares a word with most of them.
    unconfirmed && most_shared_name(distinct).is_none_or(|(_, sharing)| sharing * 2 <= named)
}

/// The spelling that shares a word with the most named records, and how
/// many. `distinct` are the spellings with their counts.
fn most_shared_name<'a>(distinct: &[(&'a str, usize)]) -> Option<(&'a str, usize)> {
    distinct
        .iter()
        .map(|(name, _)| {
            let sharing: usize = distinct
                .iter()
                .filter(|(other, _)| share_a_word(name, other))
                .map(|(_, count)| count)
                .sum();
            (*name, sharing)
        })
        .max_by_key(|&(_, sharing)| sharing)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(max_per_person: Vec<Option<u32>>) -> LinkLimits {
        LinkLimits {
            max_identifier_degree: 50,
            max_links_per_type: 5,
            max_per_person,
        }
    }

    /// Ranks 0..3 are type 0, ranks 3.. type 1.
    fn type_at(r: u32) -> usize {
        usize::from(r >= 3)
    }

    fn link(a: u32, b: u32) -> u64 {
        (a as u64) << 32 | b as u64
    }

    #[test]
    fn more_of_a_type_than_a_person_holds_is_a_conflict() {
        // Rank 0 meets ranks 3, 4, 5 of type 1, which a person holds at most two of.
        let links = [link(0, 3), link(0, 4), link(0, 5), link(1, 3)];
        let mut reasons = vec![Reason::None; 6];
        shared_by_links(&links, &mut reasons, type_at, &limits(vec![None, Some(2)]));
        assert_eq!(reasons[0], Reason::SharedOnConflict);
        assert_eq!(&reasons[1..], &[Reason::None; 5]);

        let mut reasons = vec![Reason::None; 6];
        shared_by_links(&links, &mut reasons, type_at, &limits(vec![None, Some(3)]));
        assert_eq!(reasons, vec![Reason::None; 6]);
    }

    #[test]
    fn a_type_met_from_both_sides_counts_once_with_the_identifier() {
        // Rank 1 meets ranks 0 and 2, of its own type: a person with all
        // three would hold three.
        let links = [link(0, 1), link(1, 2)];
        let mut reasons = vec![Reason::None; 6];
        shared_by_links(&links, &mut reasons, type_at, &limits(vec![Some(2), None]));
        assert_eq!(reasons[1], Reason::SharedOnConflict);
        assert_eq!(reasons[0], Reason::None, "two of the type: within the limit");

        let mut reasons = vec![Reason::None; 6];
        shared_by_links(&links, &mut reasons, type_at, &limits(vec![Some(3), None]));
        assert_eq!(reasons, vec![Reason::None; 6]);
    }

    #[test]
    fn too_many_neighbours_in_all_or_of_one_type() {
        let links: Vec<u64> = (1..=7).map(|b| link(0, b)).collect();
        let mut reasons = vec![Reason::None; 8];
        let mut tight = limits(vec![None, None]);
        tight.max_identifier_degree = 6;
        shared_by_links(&links, &mut reasons, |r| usize::from(r >= 1), &tight);
        assert_eq!(reasons[0], Reason::MaxIdentifierDegree);

        let mut reasons = vec![Reason::None; 8];
        shared_by_links(
            &links,
            &mut reasons,
            |r| usize::from(r >= 1),
            &limits(vec![None, None]),
        );
        assert_eq!(reasons[0], Reason::MaxLinksPerType, "7 of one type, over 5");
        assert_eq!(reasons[7], Reason::None);
    }

    #[test]
    fn records_are_counted_per_source_and_event_sources_not_at_all() {
        // Rank 0 on records 0..4 of source slot 0 and 4..8 of slot 1;
        // records 8..20 are events.
        let memberships: Vec<u64> = (0..20u64).map(|record| record << 32).collect();
        let slot = |record: u32| match record {
            0..4 => Some(0),
            4..8 => Some(1),
            _ => None,
        };
        let mut reasons = vec![Reason::None; 1];
        let awaiting = shared_by_records(&memberships, &mut reasons, 2, slot, |_| Some(4), 1);
        assert_eq!(reasons[0], Reason::None, "4 per source, 12 events");
        assert!(awaiting.is_empty(), "two sources confirm it");
        shared_by_records(&memberships, &mut reasons, 2, slot, |_| Some(3), 3);
        assert_eq!(reasons[0], Reason::MaxRecordsPerIdentifier);
    }

    /// Reasons after judging rank 0 held by records named `names` (record
    /// `i` in source slot `slots[i]`; `None`: an event source).
    fn judged_by_names(names: &[&str], slots: &[Option<usize>]) -> Reason {
        judged_with_dissents(names, slots).0
    }

    /// As [`judged_by_names`], with the records that dissent.
    fn judged_with_dissents(names: &[&str], slots: &[Option<usize>]) -> (Reason, Vec<u32>) {
        let record_names = crate::identity::record_names::names_of(names);
        let memberships: Vec<u64> = (0..names.len() as u64).map(|record| record << 32).collect();
        let mut reasons = vec![Reason::None];
        let evidence = shared_by_names(
            &memberships,
            &mut reasons,
            &record_names,
            |r| slots[r as usize],
            |_| true,
            &[],
        );
        let majority = evidence.majority_record[0];
        assert!(majority == NO_RECORD || !record_names.name(majority).is_empty());
        (
            reasons[0],
            evidence.dissents.iter().map(|m| (m >> 32) as u32).collect(),
        )
    }

    /// The reason of rank 0, held by leads named `names`, when the unconfirmed
    /// limit is 2 and the type's 8.
    fn unconfirmed_on_leads(names: &[&str]) -> Reason {
        let record_names = crate::identity::record_names::names_of(names);
        let memberships: Vec<u64> = (0..names.len() as u64).map(|record| record << 32).collect();
        let mut reasons = vec![Reason::None];
        let lead = |_| Some(0);
        let awaiting = shared_by_records(&memberships, &mut reasons, 1, lead, |_| Some(8), 2);
        shared_by_names(
            &memberships,
            &mut reasons,
            &record_names,
            lead,
            |_| true,
            &awaiting,
        );
        reasons[0]
    }

    #[test]
    fn names_of_one_person_confirm_an_identifier_one_source_holds() {
        // A customer's phone on five of their leads: their name, a title.
        assert_eq!(
            unconfirmed_on_leads(&["杨亮颖", "杨女士", "杨亮颖", "Liangying Yang", ""]),
            Reason::None
        );
        // A namesake's title or a blank majority confirm nothing.
        assert_eq!(
            unconfirmed_on_leads(&["杨亮颖", "王女士", "杨亮颖", "杨亮颖", ""]),
            Reason::MaxRecordsPerIdentifier
        );
        assert_eq!(
            unconfirmed_on_leads(&["杨亮颖", "杨亮颖", "", "", ""]),
            Reason::MaxRecordsPerIdentifier
        );
        // Two persons of one family are two persons.
        assert_eq!(
            unconfirmed_on_leads(&["杨亮颖", "杨女士", "杨亮颖", "杨伟", ""]),
            Reason::MaxRecordsPerIdentifier
        );
        // Within the unconfirmed limit, nothing is asked of the names.
        assert_eq!(unconfirmed_on_leads(&["杨亮颖", ""]), Reason::None);
        // Over the type's limit, names do not help.
        assert_eq!(
            unconfirmed_on_leads(&["杨亮颖"; 9]),
            Reason::MaxRecordsPerIdentifier
        );
    }

    #[test]
    fn a_full_name_without_a_word_of_the_majority_dissents() {
        let leads = [Some(1); 5];
        assert_eq!(
            judged_with_dissents(&["张伟", "Wei Zhang", "张先生", "李娜", "王女士"], &leads),
            (Reason::None, vec![3]),
            "a title is no full name, so 王女士 does not dissent"
        );
        // Two named records make no majority.
        assert_eq!(
            judged_with_dissents(&["张伟", "李娜", ""], &leads),
            (Reason::NameDisagreement, vec![])
        );
        assert_eq!(
            judged_with_dissents(&["张伟", "李娜"], &[Some(0), Some(1)]),
            (Reason::None, vec![])
        );
    }

    #[test]
    fn many_names_without_a_majority_are_several_persons() {
        let crm_and_leads = [Some(0), Some(1), Some(1), Some(1)];
        assert_eq!(
            judged_by_names(&["张伟", "李娜", "王芳", "刘洋"], &crm_and_leads),
            Reason::NameDisagreement
        );
        // A customer's own records: the name, a title, a nickname.
        assert_eq!(
            judged_by_names(&["张伟", "张先生", "Wei Zhang", "小胖"], &crm_and_leads),
            Reason::None
        );
        assert_eq!(
            judged_by_names(&["张伟", "李娜", "张伟", ""], &crm_and_leads),
            Reason::None
        );
        // Titles alone count for no full name: 张伟 is on half the full names.
        let five = [Some(0), Some(1), Some(1), Some(1), Some(1), Some(1)];
        assert_eq!(
            judged_by_names(&["张伟", "李娜", "王芳", "张伟", "张先生", "张先生"], &five),
            Reason::None
        );
        assert_eq!(
            judged_by_names(&["张伟", "李娜", "王芳", "刘洋", "张先生", "张先生"], &five),
            Reason::NameDisagreement
        );
    }

    #[test]
    fn an_unconfirmed_identifier_needs_a_family_name_on_most_records() {
        let leads = [Some(1), Some(1), Some(1)];
        assert_eq!(
            judged_by_names(&["王先生", "李娜"], &leads),
            Reason::NameDisagreement
        );
        assert_eq!(judged_by_names(&["王先生", "王磊", "李娜"], &leads), Reason::None);
        // Confirmed by a CRM record, two names are not enough.
        assert_eq!(
            judged_by_names(&["王先生", "李娜"], &[Some(0), Some(1)]),
            Reason::None
        );
        // Event records and records without a name are not read.
        assert_eq!(
            judged_by_names(&["王先生", "李娜"], &[Some(1), None]),
            Reason::None
        );
        assert_eq!(judged_by_names(&["王先生", "", "未知"], &leads), Reason::None);
    }
}
