//! What an append reads of a stored graph, and the rows it takes.

use arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Int64Type};
use twox_hash::XxHash3_128;

use crate::identity::evidence::Reason;
use crate::identity::resolve::{ResolveError, Status};

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

/// The hash a store keeps a key under: an identifier's by
/// [`identifier_hash`], a record's by [`record_hash`]. With 128 bits, two
/// of a billion keys share one with a chance of about 10^-21, so an append
/// finds its closure by hashes alone and reads keys only for the rows it
/// resolves.
pub type KeyHash = u128;

/// The hash an identifier is kept under (the lookup file's, too).
pub fn identifier_hash(id_type: &str, id_value: &str, buffer: &mut Vec<u8>) -> KeyHash {
    crate::identity::one_id_lookup::key(id_type, id_value, buffer)
}

/// The hash a record is kept under: its source and id.
pub fn record_hash(record: &RecordKey, buffer: &mut Vec<u8>) -> KeyHash {
    buffer.clear();
    match &record.source {
        Some(source) => {
            buffer.push(1);
            buffer.extend_from_slice(source.as_bytes());
        }
        None => buffer.push(0),
    }
    buffer.push(0xFF);
    match &record.record_id {
        RecordId::Text(id) => {
            buffer.push(0);
            buffer.extend_from_slice(id.as_bytes());
        }
        RecordId::Integer(id) => {
            buffer.push(1);
            buffer.extend_from_slice(&id.to_le_bytes());
        }
    }
    XxHash3_128::oneshot(buffer)
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
    /// Every record that holds it, by [`record_hash`].
    pub records: Vec<KeyHash>,
}

/// One identifier of a stored record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    /// [`identifier_hash`] of `identifier`.
    pub hash: KeyHash,
    pub identifier: IdentifierKey,
    /// Name dissent dropped it from the record's links.
    pub dropped: bool,
}

/// What the graph holds of a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRecord {
    pub key: RecordKey,
    /// The first name its rows gave.
    pub name: Option<String>,
    pub identifiers: Vec<Membership>,
}

/// A stored record's key and name: what judging an identifier by the names
/// of its records needs of each.
pub type KeyAndName = (RecordKey, Option<String>);

/// A stored graph as an append reads it: a few identifiers and records at
/// a time, in batches, so that a store on disk reads each batch's ranges
/// together. Keys are asked for by their hashes.
pub trait GraphStore {
    type Error;

    /// Each identifier's key and stored state, `None` when the graph does
    /// not hold it.
    fn identifiers(
        &self,
        hashes: &[KeyHash],
    ) -> Result<Vec<Option<(IdentifierKey, StoredIdentifier)>>, Self::Error>;

    /// Each record, `None` when the graph does not hold it.
    fn records(&self, hashes: &[KeyHash]) -> Result<Vec<Option<StoredRecord>>, Self::Error>;

    /// Each record's key and name alone: an identifier kept set aside is
    /// judged by the names of all of its records again, without their other
    /// rows.
    fn record_names(&self, hashes: &[KeyHash]) -> Result<Vec<Option<KeyAndName>>, Self::Error>;

    /// Whether a person of the newest mapping holds `one_id`: a new person
    /// never takes one, as in a run over every row with the mapping as
    /// `previous`. Asked only of the ids new persons would take, so a
    /// store searches for it rather than reading every id.
    fn one_id_taken(&self, one_id: i64) -> bool;
}

/// The rows of a batch of links: its `record_id`, `id_type` and `id_value`
/// columns, and `source` and `name` when it has them ([`append_rows`]).
pub fn batch_rows(batch: &RecordBatch) -> Result<Vec<AppendRow>, ResolveError> {
    let column = |name: &'static str| {
        batch
            .column_by_name(name)
            .ok_or_else(|| ResolveError::ColumnType {
                column: name,
                expected: "a column of the links",
                got: "no such column".to_string(),
            })
    };
    append_rows(
        column("record_id")?,
        column("id_type")?,
        column("id_value")?,
        batch.column_by_name("source"),
        batch.column_by_name("name"),
    )
}

/// The rows of one batch of links, from its `record_id`, `id_type`,
/// `id_value` and optional `source` and `name` columns (as
/// [`crate::identity::resolve::IdentityGraphBuilder::add_batch`] takes
/// them). Rows with a NULL `id_type` or `id_value` name no identifier and
/// are left out.
pub fn append_rows(
    record_ids: &ArrayRef,
    id_types: &ArrayRef,
    id_values: &ArrayRef,
    sources: Option<&ArrayRef>,
    names: Option<&ArrayRef>,
) -> Result<Vec<AppendRow>, ResolveError> {
    let text = |array: &ArrayRef, column: &'static str| -> Result<ArrayRef, ResolveError> {
        match array.data_type() {
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View | DataType::Null => {
                cast(array, &DataType::Utf8).map_err(|e| ResolveError::Capacity(e.to_string()))
            }
            other => Err(ResolveError::ColumnType {
                column,
                expected: "a string",
                got: other.to_string(),
            }),
        }
    };
    let (id_types, id_values) = (text(id_types, "id_type")?, text(id_values, "id_value")?);
    let sources = sources.map(|s| text(s, "source")).transpose()?;
    let names = names.map(|n| text(n, "name")).transpose()?;
    let integer_ids = match record_ids.data_type() {
        DataType::Int32 | DataType::Int64 | DataType::UInt32 => true,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View | DataType::Null => false,
        other => {
            return Err(ResolveError::ColumnType {
                column: "record_id",
                expected: "a string or a signed integer",
                got: other.to_string(),
            });
        }
    };
    let record_ids = cast(
        record_ids,
        if integer_ids {
            &DataType::Int64
        } else {
            &DataType::Utf8
        },
    )
    .map_err(|e| ResolveError::Capacity(e.to_string()))?;
    let string_at = |array: &ArrayRef, i: usize| {
        let strings = array.as_string::<i32>();
        strings.is_valid(i).then(|| strings.value(i).to_string())
    };
    let mut rows = Vec::with_capacity(id_types.len());
    for i in 0..id_types.len() {
        let (Some(id_type), Some(id_value)) = (string_at(&id_types, i), string_at(&id_values, i)) else {
            continue;
        };
        let record_id = if integer_ids {
            let ids = record_ids.as_primitive::<Int64Type>();
            ids.is_valid(i).then(|| RecordId::Integer(ids.value(i)))
        } else {
            string_at(&record_ids, i).map(RecordId::Text)
        };
        rows.push(AppendRow {
            record: record_id.map(|record_id| RecordKey {
                source: sources.as_ref().and_then(|s| string_at(s, i)),
                record_id,
            }),
            identifier: (id_type, id_value),
            name: names.as_ref().and_then(|n| string_at(n, i)),
        });
    }
    Ok(rows)
}
