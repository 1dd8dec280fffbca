//! The result of resolving: each identifier's person, size and status, in
//! canonical order, and each record's person when asked for.

use twox_hash::XxHash3_64;

use crate::identity::evidence::{NO_RECORD, Reason};
use crate::identity::interner::IdentifierInterner;
use crate::identity::record_names::RecordNames;
use crate::identity::records::RecordResolution;

/// What became of an identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    /// Alone: no record links it to another identifier.
    Singleton,
    /// Part of a person with more than one identifier.
    Merged,
    /// A merge through it was refused because the person would have held
    /// more identifiers of a type than `max_per_person` allows.
    Refused,
    /// Linked to more identifiers than `max_identifier_degree`, or to more of
    /// one type than `max_links_per_type`: kept out of merging (a demo
    /// tablet, a salesperson's phone).
    Shared,
    /// A junk value from the block list: kept out of merging.
    Blocked,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Singleton => "singleton",
            Status::Merged => "merged",
            Status::Refused => "refused",
            Status::Shared => "shared",
            Status::Blocked => "blocked",
        }
    }

    /// The status named `name` ([`Status::as_str`]).
    pub fn parse(name: &str) -> Option<Status> {
        [
            Status::Singleton,
            Status::Merged,
            Status::Refused,
            Status::Shared,
            Status::Blocked,
        ]
        .into_iter()
        .find(|status| status.as_str() == name)
    }
}

/// Counts reported next to the result.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResolutionStats {
    pub rows: u64,
    /// Rows with a NULL `id_type` or `id_value`: they name no identifier.
    pub skipped_rows: u64,
    pub identifiers: u64,
    pub persons: u64,
    pub links: u64,
}

/// The result: for each identifier in canonical order, its person and status.
pub struct Resolution {
    pub stats: ResolutionStats,
    pub(super) interner: IdentifierInterner,
    pub(super) by_rank: Vec<u32>,
    pub(super) one_id: Vec<i64>,
    pub(super) cluster_size: Vec<u32>,
    pub(super) status: Vec<Status>,
    pub(super) reasons: Vec<Reason>,
    pub(super) records: Option<RecordResolution>,
    pub(super) judged: JudgedEvidence,
}

/// What the records' counts and names said of each identifier before its
/// links were counted: what an incremental append keeps, to tell whether
/// a day changed it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JudgedEvidence {
    /// Per position: the reason from the records' counts and names alone.
    pub reasons_before_links: Vec<Reason>,
    /// Per position, when the rows carry names: [`majority_name_hash`] of the
    /// name most of its records carry (0: none).
    pub majority_names: Vec<u64>,
    /// The memberships name dissent dropped, `record << 32 | position`,
    /// sorted; records are numbered in the order the rows first name them.
    pub dropped: Vec<u64>,
}

/// A hash of the majority name carried by `record` (0 for [`NO_RECORD`]).
pub(super) fn majority_name_hash(names: &RecordNames, record: u32) -> u64 {
    if record == NO_RECORD {
        0
    } else {
        XxHash3_64::oneshot(names.name(record).as_bytes()).max(1)
    }
}

/// One identifier of the result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedIdentifier<'a> {
    pub id_type: &'a str,
    pub id_value: &'a str,
    pub one_id: i64,
    pub cluster_size: u32,
    pub status: Status,
}

impl Resolution {
    pub fn len(&self) -> usize {
        self.by_rank.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_rank.is_empty()
    }

    /// The identifier at position `i` of the canonical order.
    pub fn get(&self, i: usize) -> ResolvedIdentifier<'_> {
        ResolvedIdentifier {
            id_type: self.id_type(i),
            id_value: self.id_value(i),
            one_id: self.one_id[i],
            cluster_size: self.cluster_size[i],
            status: self.status[i],
        }
    }

    // One field at a time, for output that needs only some columns: the
    // numbers are read in order, the texts through the interner.
    pub fn id_type(&self, i: usize) -> &str {
        self.interner.type_name(self.interner.type_of(self.by_rank[i]))
    }

    pub fn id_value(&self, i: usize) -> &str {
        self.interner.value_str(self.by_rank[i])
    }

    pub fn one_ids(&self) -> &[i64] {
        &self.one_id
    }

    pub fn cluster_sizes(&self) -> &[u32] {
        &self.cluster_size
    }

    pub fn statuses(&self) -> &[Status] {
        &self.status
    }

    /// The rule behind each identifier's status (`Reason::None` for merged
    /// and singleton identifiers).
    pub fn reasons(&self) -> &[Reason] {
        &self.reasons
    }

    /// What the records' counts and names said before the links were
    /// counted ([`JudgedEvidence`]; empty unless the builder was asked,
    /// [`super::IdentityGraphBuilder::with_judged_evidence`]).
    pub fn judged(&self) -> &JudgedEvidence {
        &self.judged
    }

    /// Each record's person, when the builder kept record ids
    /// ([`super::IdentityGraphBuilder::with_record_map`]).
    pub fn records(&self) -> Option<&RecordResolution> {
        self.records.as_ref()
    }

    /// The position of an identifier in the canonical order. A scan: for
    /// looking up one person, not for joins.
    pub fn position(&self, id_type: &str, id_value: &str) -> Option<usize> {
        let ident = self.interner.find_named(id_type, id_value)?;
        self.by_rank.iter().position(|&i| i == ident)
    }

    pub fn iter(&self) -> impl Iterator<Item = ResolvedIdentifier<'_>> {
        (0..self.len()).map(|i| self.get(i))
    }
}
