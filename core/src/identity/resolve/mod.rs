//! One-ID: identifiers seen in the same record belong to the same person.
//!
//! [`IdentityGraphBuilder`] takes `(record_id, id_type, id_value [, source]
//! [, name])` rows batch
//! by batch; [`IdentityGraphBuilder::resolve`] applies the [`Rules`] and
//! gives each distinct identifier a person (`one_id`) and a status.
//!
//! The result depends only on the set of input rows, never on their order:
//! identifiers are ranked canonically (type priority, type name, a hash of
//! the value) and every later step works in rank order.

mod error;
mod ids;
mod input;
mod links;
mod merge;
mod ranking;
mod resolution;
#[cfg(test)]
mod tests;

pub use error::ResolveError;
pub use input::{IdentityGraphBuilder, MAX_SOURCES};
pub(crate) use links::CLIQUE_LIMIT;
pub use resolution::{JudgedEvidence, Resolution, ResolutionStats, ResolvedIdentifier, Status};

use crate::identity::name_dissent::refuse_links_between_names;
use crate::identity::records::RecordResolution;
use crate::identity::rules::Rules;
use resolution::majority_name_hash;

impl IdentityGraphBuilder {
    /// Applies the rules, stage by stage: rank the identifiers, gather the
    /// evidence of shared identifiers from the records and the links, merge
    /// under the limits, then name each person. Each stage takes what it
    /// needs and frees what the next no longer does. `previous` gives
    /// one_ids of an earlier run as `(id_type, id_value, one_id)` (see
    /// `ids.rs` for how they carry over).
    pub fn resolve<'a>(
        self,
        rules: &Rules,
        previous: impl IntoIterator<Item = (&'a str, &'a str, i64)>,
    ) -> Result<Resolution, ResolveError> {
        self.resolve_retiring(rules, previous, |_| false)
    }

    /// [`Self::resolve`], and a new person never takes a one_id that
    /// `taken` holds: an incremental run resolves the persons it touches,
    /// and the earlier run's other persons keep their ids, as in a run over
    /// every row with the whole previous mapping (whose ids `previous`
    /// retires). Asked only of the ids new persons would take.
    pub fn resolve_retiring<'a>(
        self,
        rules: &Rules,
        previous: impl IntoIterator<Item = (&'a str, &'a str, i64)>,
        taken: impl Fn(i64) -> bool,
    ) -> Result<Resolution, ResolveError> {
        let IdentityGraphBuilder {
            interner,
            records,
            record_sources,
            source_names,
            record_ids,
            memberships,
            names,
            blocked,
            pinned,
            judged_evidence,
            rows,
            skipped_rows,
            ..
        } = self;
        let record_count = records.len();
        drop(records);
        let n = interner.len();
        let ranking = ranking::Ranking::new(&interner, rules);

        let mut memberships = links::memberships_by_record(memberships, &ranking, record_count);
        let mut reasons = links::block_reasons(&blocked, &ranking);
        drop(blocked);
        // Evidence only raises a reason: a pinned exclusion stands.
        for &(ident, before_links, _) in &pinned {
            let rank = ranking.rank_of[ident as usize] as usize;
            reasons[rank] = reasons[rank].max(before_links);
        }
        let name_evidence = links::shared_by_records_and_names(
            &memberships,
            &mut reasons,
            rules,
            &interner,
            &ranking,
            &record_sources,
            &source_names,
            names.as_ref(),
        );
        if let Some(evidence) = &name_evidence {
            links::drop_memberships(&mut memberships, &evidence.dissents);
        }
        let reasons_before_links = if judged_evidence {
            reasons.clone()
        } else {
            Vec::new()
        };
        let mut record_links = links::record_links(&memberships);
        // The record map needs each record's identifiers once more; without
        // it they are freed before the links are sorted.
        let memberships = if record_ids.is_some() {
            memberships
        } else {
            Vec::new()
        };
        links::sort_links(&mut record_links, n);
        links::shared_by_link_counts(&record_links, &mut reasons, rules, &interner, &ranking);
        // Pinned after the names, which judge an identifier set aside by
        // its links only, and take it as a witness.
        for (ident, _, reason) in pinned {
            let rank = ranking.rank_of[ident as usize] as usize;
            reasons[rank] = reasons[rank].max(reason);
        }
        // Counted as links above (evidence of sharing), never merged.
        if let (Some(evidence), Some(names)) = (&name_evidence, &names) {
            refuse_links_between_names(&mut record_links, &evidence.majority_record, names);
        }
        let judged = match (judged_evidence, name_evidence, &names) {
            (false, ..) => JudgedEvidence::default(),
            (true, Some(evidence), Some(names)) => JudgedEvidence {
                reasons_before_links,
                majority_names: evidence
                    .majority_record
                    .iter()
                    .map(|&record| majority_name_hash(names, record))
                    .collect(),
                dropped: evidence.dissents,
            },
            (true, ..) => JudgedEvidence {
                reasons_before_links,
                ..Default::default()
            },
        };
        drop(names);

        let mut status = merge::statuses(&reasons);
        let persons = merge::merge(
            record_links,
            &mut status,
            &mut reasons,
            rules,
            &interner,
            &ranking,
        );

        let one_id_of_root = ids::one_ids(&persons, previous, taken, &interner, &ranking)?;
        let one_id = (0..n)
            .map(|r| one_id_of_root[persons.root_of[r] as usize])
            .collect();
        let records = record_ids.map(|ids| {
            RecordResolution::assign(
                ids,
                record_sources,
                source_names,
                &memberships,
                &reasons,
                &persons.root_of,
                &one_id_of_root,
            )
        });
        Ok(Resolution {
            stats: ResolutionStats {
                rows,
                skipped_rows,
                identifiers: n as u64,
                persons: persons.anchors.len() as u64,
                links: persons.links,
            },
            interner,
            by_rank: ranking.by_rank,
            one_id,
            cluster_size: persons.cluster_size,
            status,
            reasons,
            records,
            judged,
        })
    }
}
