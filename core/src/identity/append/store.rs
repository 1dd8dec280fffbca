//! What an append reads of a stored graph, and the rows it takes.

use crate::identity::evidence::Reason;
use crate::identity::resolve::Status;

/// An identifier: its type and value.
pub type IdentifierKey = (String, String);

/// A record's id, as the links query gave it: `7` and `'7'` are two records.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RecordId {
    Text(String),
    Integer(i64),
}

/// A record: its source (NULL when the links have none) and its id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RecordKey {
    pub source: Option<String>,
    pub record_id: RecordId,
}

/// One link row of a day: an identifier, on a record unless the record id
/// is NULL (then it names the identifier and links nothing), and the
/// record's name when the links carry names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppendRow {
    pub record: Option<RecordKey>,
    pub identifier: IdentifierKey,
    pub name: Option<String>,
}

/// What the graph holds of an identifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredIdentifier {
    pub one_id: i64,
    pub cluster_size: u32,
    pub status: Status,
    /// The rule behind its status.
    pub reason: Reason,
    /// The rule its records' counts and names alone gave it, before its
    /// links were counted.
    pub reason_before_links: Reason,
    /// A hash of the name most of its records carry (0: none, or no names).
    pub majority_name: u64,
    /// Every record that holds it.
    pub records: Vec<RecordKey>,
}

/// What the graph holds of a record.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoredRecord {
    /// The first name its rows gave.
    pub name: Option<String>,
    /// Its identifiers, each with whether name dissent dropped it from
    /// the record's links.
    pub identifiers: Vec<(IdentifierKey, bool)>,
}

/// A stored graph as an append reads it: a few identifiers and records at
/// a time, in batches, so that a store on disk reads each batch's ranges
/// together.
pub trait GraphStore {
    type Error;

    /// Each identifier's stored state, `None` when the graph does not hold it.
    fn identifiers(&self, keys: &[IdentifierKey]) -> Result<Vec<Option<StoredIdentifier>>, Self::Error>;

    /// Each record (empty for one the graph does not hold).
    fn records(&self, keys: &[RecordKey]) -> Result<Vec<StoredRecord>, Self::Error>;

    /// Each record's name alone: an identifier kept set aside is judged by
    /// the names of all of its records again, without their other rows.
    fn record_names(&self, keys: &[RecordKey]) -> Result<Vec<Option<String>>, Self::Error>;

    /// The one_ids of the newest mapping: a new person never takes one, as
    /// in a run over every row with the mapping as `previous`.
    fn taken_one_ids(&self) -> Result<Vec<i64>, Self::Error>;
}
