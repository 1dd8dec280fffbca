//! Each source record's person: the record map of One-ID.
//!
//! A record belongs to the person its identifiers joined. When they are in
//! several persons (a merge between them was refused), the record is a
//! `conflict` and goes to the person of its strongest identifier; when all
//! of them were set aside (shared, blocked) or it had none, it is `unlinked`
//! and has no person.

use std::io::Write;

use arrow::array::{Array, ArrayRef, AsArray};
use arrow::datatypes::{DataType, Int32Type, Int64Type, UInt32Type, UInt64Type};

use super::evidence::Reason;

/// What became of a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordStatus {
    /// Its identifiers are all in one person.
    Assigned,
    /// Its identifiers are in more than one person; it goes to the person of
    /// its strongest identifier (first in canonical order).
    Conflict,
    /// None of its identifiers joined anyone: no person.
    Unlinked,
}

impl RecordStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RecordStatus::Assigned => "assigned",
            RecordStatus::Conflict => "conflict",
            RecordStatus::Unlinked => "unlinked",
        }
    }
}

/// Record ids as text, in record-number order: integers in decimal.
#[derive(Default)]
pub struct RecordIdTexts {
    bytes: Vec<u8>,
    ends: Vec<usize>,
}

impl RecordIdTexts {
    /// Bytes held, for memory accounting.
    pub fn memory_size(&self) -> usize {
        self.bytes.capacity() + self.ends.capacity() * std::mem::size_of::<usize>()
    }

    /// Appends row `row` of a record id column (its type already checked).
    pub fn push(&mut self, array: &ArrayRef, row: usize) {
        match array.data_type() {
            DataType::Utf8 => self
                .bytes
                .extend_from_slice(array.as_string::<i32>().value(row).as_bytes()),
            DataType::LargeUtf8 => self
                .bytes
                .extend_from_slice(array.as_string::<i64>().value(row).as_bytes()),
            DataType::Utf8View => self
                .bytes
                .extend_from_slice(array.as_string_view().value(row).as_bytes()),
            DataType::Int32 => self.write_integer(array.as_primitive::<Int32Type>().value(row)),
            DataType::Int64 => self.write_integer(array.as_primitive::<Int64Type>().value(row)),
            DataType::UInt32 => self.write_integer(array.as_primitive::<UInt32Type>().value(row)),
            DataType::UInt64 => self.write_integer(array.as_primitive::<UInt64Type>().value(row)),
            // Only non-null ids name a record; other types were refused.
            _ => {}
        }
        self.ends.push(self.bytes.len());
    }

    fn write_integer(&mut self, value: impl std::fmt::Display) {
        // Writing to a Vec cannot fail.
        let _ = write!(self.bytes, "{value}");
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    pub fn get(&self, record: usize) -> &str {
        let start = if record == 0 { 0 } else { self.ends[record - 1] };
        // Pushed from whole UTF-8 strings or decimal digits.
        std::str::from_utf8(&self.bytes[start..self.ends[record]]).unwrap_or_default()
    }
}

/// Every record's person and status, in the order records first appeared.
pub struct RecordResolution {
    ids: RecordIdTexts,
    sources: Vec<u16>,
    source_names: Vec<Option<String>>,
    /// `None` for unlinked records.
    one_ids: Vec<Option<i64>>,
    statuses: Vec<RecordStatus>,
}

impl RecordResolution {
    /// Assigns each record from its identifiers. `memberships` are distinct
    /// `record << 32 | rank` pairs sorted by record, then rank.
    pub(crate) fn assign(
        ids: RecordIdTexts,
        sources: Vec<u16>,
        source_names: Vec<Option<String>>,
        memberships: &[u64],
        reasons: &[Reason],
        root_of: &[u32],
        one_id_of_root: &[i64],
    ) -> Self {
        let records = ids.len();
        let mut one_ids = vec![None; records];
        let mut statuses = vec![RecordStatus::Unlinked; records];
        for group in memberships.chunk_by(|a, b| a >> 32 == b >> 32) {
            let record = (group[0] >> 32) as usize;
            // Ranks ascend: the first that joined anyone is the strongest.
            let mut roots = group
                .iter()
                .map(|&m| m as u32 as usize)
                .filter(|&r| !reasons[r].excludes())
                .map(|r| root_of[r]);
            let Some(root) = roots.next() else { continue };
            one_ids[record] = Some(one_id_of_root[root as usize]);
            statuses[record] = if roots.all(|other| other == root) {
                RecordStatus::Assigned
            } else {
                RecordStatus::Conflict
            };
        }
        RecordResolution {
            ids,
            sources,
            source_names,
            one_ids,
            statuses,
        }
    }

    pub fn len(&self) -> usize {
        self.statuses.len()
    }

    pub fn is_empty(&self) -> bool {
        self.statuses.is_empty()
    }

    pub fn record_id(&self, record: usize) -> &str {
        self.ids.get(record)
    }

    /// The record's source; `None` when the query had no `source` column or
    /// the value was NULL.
    pub fn source(&self, record: usize) -> Option<&str> {
        self.source_names[self.sources[record] as usize].as_deref()
    }

    pub fn one_ids(&self) -> &[Option<i64>] {
        &self.one_ids
    }

    pub fn statuses(&self) -> &[RecordStatus] {
        &self.statuses
    }
}
