//! Links and the evidence on them: each record's identifiers linked to one
//! another (in rank numbers, deduplicated), and the identifiers that the
//! records and links show to be shared by several persons.

use crate::bucket_sort::bucket_sort_by;
use crate::identity::evidence::{
    LinkLimits, NameEvidence, Reason, set_aside_unconfirmed, shared_by_links, shared_by_names,
    shared_by_records,
};
use crate::identity::interner::IdentifierInterner;
use crate::identity::name_dissent::confirmed_dissents;
use crate::identity::record_names::RecordNames;
use crate::identity::rules::Rules;

use super::ranking::Ranking;

/// Records with at most this many identifiers link them all pairwise; larger
/// ones link each to the record's strongest identifier.
pub(crate) const CLIQUE_LIMIT: usize = 16;

/// `record << 32 | rank` for every membership, grouped by record, each
/// record's identifiers in rank order, without repeats.
pub(super) fn memberships_by_record(
    mut memberships: Vec<u64>,
    ranking: &Ranking,
    records: usize,
) -> Vec<u64> {
    for m in memberships.iter_mut() {
        *m = (*m & !0xFFFF_FFFF) | ranking.rank_of[(*m & 0xFFFF_FFFF) as usize] as u64;
    }
    bucket_sort_by(&mut memberships, records, |&m| (m >> 32) as usize, u64::cmp);
    memberships.dedup();
    memberships
}

/// The reason of each rank before any evidence: blocked or nothing.
pub(super) fn block_reasons(blocked: &[bool], ranking: &Ranking) -> Vec<Reason> {
    ranking
        .by_rank
        .iter()
        .map(|&ident| {
            if blocked[ident as usize] {
                Reason::Block
            } else {
                Reason::None
            }
        })
        .collect()
}

/// Marks the identifiers found on too many records of one source
/// (`max_records_per_identifier`, `max_records_unconfirmed`: unless the
/// names on its records confirm an identifier one source alone holds) or,
/// when the records carry names, on records whose names disagree
/// (`shared_on_name_disagreement`). Both judge the same types (those with a
/// record limit: not a CRM id, not a VIN) on the same records (those of
/// counted sources). When names were read, returns their evidence, its
/// `dissents` narrowed to the confirmed ones: the memberships to drop
/// ([`crate::identity::name_dissent`]).
#[allow(clippy::too_many_arguments)]
pub(super) fn shared_by_records_and_names(
    memberships: &[u64],
    reasons: &mut [Reason],
    rules: &Rules,
    interner: &IdentifierInterner,
    ranking: &Ranking,
    record_sources: &[u16],
    source_names: &[Option<String>],
    names: Option<&RecordNames>,
) -> Option<NameEvidence> {
    let mut slot_of_source: Vec<Option<usize>> = Vec::with_capacity(source_names.len());
    let mut counted_sources = 0;
    for name in source_names {
        let counted = rules.counts_records_of(name.as_deref().unwrap_or_default());
        slot_of_source.push(counted.then(|| {
            counted_sources += 1;
            counted_sources - 1
        }));
    }
    let record_limits: Vec<Option<u32>> = ranking
        .type_names(interner)
        .map(|name| rules.max_records(name))
        .collect();
    let slot_of_record = |record: u32| slot_of_source[record_sources[record as usize] as usize];
    let awaiting_names = shared_by_records(
        memberships,
        reasons,
        counted_sources,
        slot_of_record,
        |r| record_limits[ranking.type_rank_at(r)],
        rules.max_records_unconfirmed,
    );
    let Some(names) = names.filter(|_| rules.shared_on_name_disagreement) else {
        set_aside_unconfirmed(reasons, &awaiting_names);
        return None;
    };
    let mut evidence = shared_by_names(
        memberships,
        reasons,
        names,
        slot_of_record,
        |r| record_limits[ranking.type_rank_at(r)].is_some(),
        &awaiting_names,
    );
    evidence.dissents = confirmed_dissents(memberships, &evidence.dissents, names, reasons);
    Some(evidence)
}

/// `memberships` without `dropped` (both sorted).
pub(super) fn drop_memberships(memberships: &mut Vec<u64>, dropped: &[u64]) {
    if !dropped.is_empty() {
        memberships.retain(|m| dropped.binary_search(m).is_err());
    }
}

/// `a << 32 | b` (`a < b`, ranks) for the identifiers of each record, in
/// record order, with repeats ([`sort_links`] orders them).
pub(super) fn record_links(memberships: &[u64]) -> Vec<u64> {
    let mut links: Vec<u64> = Vec::with_capacity(memberships.len());
    let mut ranks: Vec<u32> = Vec::new();
    for group in memberships.chunk_by(|a, b| a >> 32 == b >> 32) {
        ranks.clear();
        ranks.extend(group.iter().map(|m| (m & 0xFFFF_FFFF) as u32));
        if ranks.len() <= CLIQUE_LIMIT {
            for (i, &a) in ranks.iter().enumerate() {
                for &b in &ranks[i + 1..] {
                    links.push((a as u64) << 32 | b as u64);
                }
            }
        } else {
            links.extend(ranks[1..].iter().map(|&b| (ranks[0] as u64) << 32 | b as u64));
        }
    }
    links
}

/// Links sorted by their ends and deduplicated.
pub(super) fn sort_links(links: &mut Vec<u64>, identifiers: usize) {
    bucket_sort_by(links, identifiers, |&l| (l >> 32) as usize, u64::cmp);
    links.dedup();
}

/// Marks the identifiers linked to too many others, or to more of a type
/// than one person holds (`max_identifier_degree`, `max_links_per_type`,
/// `shared_on_conflict`).
pub(super) fn shared_by_link_counts(
    links: &[u64],
    reasons: &mut [Reason],
    rules: &Rules,
    interner: &IdentifierInterner,
    ranking: &Ranking,
) {
    let limits = LinkLimits {
        max_identifier_degree: rules.max_identifier_degree,
        max_links_per_type: rules.max_links_per_type,
        max_per_person: ranking
            .type_names(interner)
            .map(|name| rules.max_per_person(name).filter(|_| rules.shared_on_conflict))
            .collect(),
    };
    shared_by_links(links, reasons, |r| ranking.type_rank_at(r), &limits);
}
