//! Reading rows: `(record_id, id_type, id_value [, source] [, name])` batches
//! into numbered identifiers, records, their memberships and names. The
//! Arrow decoding lives here; the later stages see only numbers.

use arrow::array::{Array, ArrayRef, AsArray};
use arrow::datatypes::{DataType, Int32Type, Int64Type, UInt32Type, UInt64Type};
use twox_hash::XxHash3_128;

use super::ResolveError;
use crate::identity::evidence::Reason;
use crate::identity::interner::IdentifierInterner;
use crate::identity::record_names::RecordNames;
use crate::identity::records::RecordIdTexts;
use crate::identity::rules::{BlockMatcher, Rules};
use crate::key_index::KeyIndex;

/// Accumulates identifier links from batches of rows.
pub struct IdentityGraphBuilder {
    pub(super) interner: IdentifierInterner,
    /// Record numbers by the 128-bit hash of the source and record id.
    pub(super) records: KeyIndex,
    /// Each record's source number.
    pub(super) record_sources: Vec<u16>,
    /// Source names by number; number 0 is no source (NULL or no column).
    pub(super) source_names: Vec<Option<String>>,
    /// Each record's id as text, when the record map is wanted.
    pub(super) record_ids: Option<RecordIdTexts>,
    /// `record << 32 | identifier` for every linkable row.
    pub(super) memberships: Vec<u64>,
    /// Each record's name, when the rows carry names.
    pub(super) names: Option<RecordNames>,
    block: BlockMatcher,
    pub(super) blocked: Vec<bool>,
    /// Evidence given rather than gathered ([`Self::pin`]).
    pub(super) pinned: Vec<(u32, Reason, Reason)>,
    /// One_ids of persons outside the rows ([`Self::retire`]).
    /// Whether the resolution tells its judged evidence
    /// ([`Self::with_judged_evidence`]).
    pub(super) judged_evidence: bool,
    pub(super) rows: u64,
    pub(super) skipped_rows: u64,
}

/// Sources beyond this many would make the per-source record counts (a
/// byte per identifier and source) too large; a CDP has a handful.
pub const MAX_SOURCES: usize = 64;

impl IdentityGraphBuilder {
    /// Bytes the rows added so far hold, for memory accounting. Resolving
    /// needs up to a quarter more (the links sorted, the union-find).
    pub fn memory_size(&self) -> usize {
        self.interner.memory_size()
            + self.records.memory_size()
            + self.record_sources.capacity() * 2
            + self.record_ids.as_ref().map_or(0, RecordIdTexts::memory_size)
            + self.memberships.capacity() * 8
            + self.names.as_ref().map_or(0, RecordNames::memory_size)
            + self.blocked.capacity()
    }

    pub fn new(rules: &Rules) -> Result<Self, ResolveError> {
        Ok(IdentityGraphBuilder {
            interner: IdentifierInterner::new(),
            records: KeyIndex::new(),
            record_sources: Vec::new(),
            source_names: vec![None],
            record_ids: None,
            memberships: Vec::new(),
            names: None,
            block: rules.compile_block_list().map_err(ResolveError::Rules)?,
            blocked: Vec::new(),
            pinned: Vec::new(),
            judged_evidence: false,
            rows: 0,
            skipped_rows: 0,
        })
    }

    /// Keeps each record's id, so that the resolution also tells each
    /// record's person ([`super::Resolution::records`]).
    pub fn with_record_map(mut self) -> Self {
        self.record_ids = Some(RecordIdTexts::default());
        self
    }

    /// Keeps what the records' counts and names said of each identifier
    /// before its links were counted ([`super::Resolution::judged`]): what an
    /// incremental append stores. Without it the resolution holds none of
    /// it (nine bytes an identifier, and the dropped memberships).
    pub fn with_judged_evidence(mut self) -> Self {
        self.judged_evidence = true;
        self
    }

    /// Gives an identifier of the rows added so far the reasons an earlier
    /// run found for it, on top of what these rows show: an incremental run
    /// resolves the records of the persons it touches, and an identifier
    /// of those records that another person's records set aside (shared,
    /// blocked) is pinned, since its other records are not among the rows.
    ///
    /// `before_links` is applied before the records' counts and names are
    /// read: what they found of the identifier over all its records (set
    /// aside by them, it is neither judged by names nor a witness). Give
    /// `Reason::None` to have them judge it here instead, as in a run over
    /// every row: with names its every record must then be among the rows
    /// (with its name; the record's other identifiers are not needed), for
    /// its majority name and as a witness of dissents. `reason` is applied
    /// once the links are counted. An identifier not in the rows is
    /// ignored.
    pub fn pin(&mut self, id_type: &str, id_value: &str, before_links: Reason, reason: Reason) {
        if let Some(ident) = self.interner.find_named(id_type, id_value) {
            self.pinned.push((ident, before_links, reason));
        }
    }

    /// Adds one batch. `record_ids` may be a string or integer array;
    /// `id_types`, `id_values`, `sources` and `names` string arrays (Utf8,
    /// LargeUtf8, Utf8View). A record is its source and id together: `lead`
    /// 7 and `order` 7 are two records. A record's name is the first
    /// non-NULL one of its rows.
    pub fn add_batch(
        &mut self,
        record_ids: &ArrayRef,
        id_types: &ArrayRef,
        id_values: &ArrayRef,
        sources: Option<&ArrayRef>,
        names: Option<&ArrayRef>,
    ) -> Result<(), ResolveError> {
        let mut records = record_keys(record_ids)?;
        let row_sources = self.source_numbers(sources, &mut records)?;
        let row_names: Vec<Option<&str>> = match names {
            None => Vec::new(),
            Some(names) => {
                self.names.get_or_insert_with(RecordNames::default);
                strings(names, "name")?.collect()
            }
        };
        let types = strings(id_types, "id_type")?;
        let values = strings(id_values, "id_value")?;
        // First every row's identifier key, so that the second pass can
        // prefetch table slots a few rows ahead.
        let mut keyed: Vec<Option<(u16, u128, &str)>> = Vec::with_capacity(records.len());
        let mut last_type: Option<(&str, u16)> = None;
        for (id_type, id_value) in types.zip(values) {
            let (Some(id_type), Some(id_value)) = (id_type, id_value) else {
                self.skipped_rows += 1;
                keyed.push(None);
                continue;
            };
            let type_id = match last_type {
                Some((name, id)) if name == id_type => id,
                _ => {
                    let id = self.interner.type_id(id_type).map_err(ResolveError::Capacity)?;
                    last_type = Some((id_type, id));
                    id
                }
            };
            let key = IdentifierInterner::key(type_id, id_value.as_bytes());
            keyed.push(Some((type_id, key, id_value)));
        }
        self.rows += keyed.len() as u64;

        const AHEAD: usize = 8;
        // Consecutive rows of one record skip the record table.
        let mut last_record: Option<(u128, u32)> = None;
        for (i, (&identifier, &record)) in keyed.iter().zip(&records).enumerate() {
            if let Some(Some((_, key, _))) = keyed.get(i + AHEAD) {
                self.interner.prefetch(*key);
            }
            if let Some(Some(key)) = records.get(i + AHEAD) {
                self.records.prefetch(*key);
            }
            // Every record is numbered, even one whose identifiers are all
            // NULL or junk: the record map lists it.
            let record = match record {
                None => None,
                Some(key) => Some(match last_record {
                    Some((last, number)) if last == key => number,
                    _ => {
                        let number =
                            self.record_number(key, row_sources.get(i).copied().unwrap_or(0), record_ids, i)?;
                        last_record = Some((key, number));
                        number
                    }
                }),
            };
            if let (Some(record), Some(Some(name)), Some(names)) = (record, row_names.get(i), &mut self.names)
            {
                names.note(record, name, &mut self.block);
            }
            let Some((type_id, key, id_value)) = identifier else {
                continue;
            };
            let (ident, new) = self
                .interner
                .intern_keyed(type_id, key, id_value)
                .map_err(ResolveError::Capacity)?;
            if new {
                self.blocked.push(self.block.is_blocked(id_value));
            }
            let Some(record) = record else { continue };
            if self.blocked[ident as usize] {
                continue;
            }
            self.memberships.push((record as u64) << 32 | ident as u64);
        }
        Ok(())
    }

    /// The number of a record, numbering it (and keeping its source and id)
    /// when it is new.
    fn record_number(
        &mut self,
        key: u128,
        source: u16,
        record_ids: &ArrayRef,
        row: usize,
    ) -> Result<u32, ResolveError> {
        let next = self.records.len() as u32;
        if next == u32::MAX {
            return Err(ResolveError::Capacity(format!(
                "more than {} distinct record_id values",
                u32::MAX - 1
            )));
        }
        let (number, new) = self.records.get_or_insert(key, next);
        if new {
            self.record_sources.push(source);
            if let Some(ids) = &mut self.record_ids {
                ids.push(record_ids, row);
            }
        }
        Ok(number)
    }

    /// Each row's source number (empty when there is no source column),
    /// with the source folded into the row's record key.
    fn source_numbers(
        &mut self,
        sources: Option<&ArrayRef>,
        records: &mut [Option<u128>],
    ) -> Result<Vec<u16>, ResolveError> {
        let Some(sources) = sources else {
            return Ok(Vec::new());
        };
        let mut numbers = Vec::with_capacity(records.len());
        // Rows of one source come together: look a name up once per run.
        let mut last: Option<(&str, u16, u128)> = None;
        for (source, record) in strings(sources, "source")?.zip(records.iter_mut()) {
            let (number, salt) = match (source, last) {
                (None, _) => (0, 0),
                (Some(name), Some((last_name, number, salt))) if name == last_name => (number, salt),
                (Some(name), _) => {
                    let number = match self.source_names.iter().position(|s| s.as_deref() == Some(name)) {
                        Some(number) => number,
                        None if self.source_names.len() > MAX_SOURCES => {
                            return Err(ResolveError::Capacity(format!(
                                "more than {MAX_SOURCES} distinct source values (a source names a system such as 'crm' or 'lead', not a record)"
                            )));
                        }
                        None => {
                            self.source_names.push(Some(name.to_string()));
                            self.source_names.len() - 1
                        }
                    } as u16;
                    let salt = XxHash3_128::oneshot_with_seed(4, name.as_bytes());
                    last = Some((name, number, salt));
                    (number, salt)
                }
            };
            numbers.push(number);
            if let Some(key) = record {
                *key ^= salt;
            }
        }
        Ok(numbers)
    }
}

/// 128-bit keys of the record ids: strings by their bytes, integers by value.
fn record_keys(array: &ArrayRef) -> Result<Vec<Option<u128>>, ResolveError> {
    fn key(tag: u64, bytes: &[u8]) -> u128 {
        XxHash3_128::oneshot_with_seed(tag, bytes)
    }
    // A record's rows usually come together: hash a repeated id once.
    let mut previous: Option<(&[u8], u128)> = None;
    let mut string_key = |bytes| match previous {
        Some((p, k)) if p == bytes => k,
        _ => {
            let k = key(1, bytes);
            previous = Some((bytes, k));
            k
        }
    };
    let keys = match array.data_type() {
        DataType::Utf8 => array
            .as_string::<i32>()
            .iter()
            .map(|v| v.map(|s| string_key(s.as_bytes())))
            .collect(),
        DataType::LargeUtf8 => array
            .as_string::<i64>()
            .iter()
            .map(|v| v.map(|s| string_key(s.as_bytes())))
            .collect(),
        DataType::Utf8View => array
            .as_string_view()
            .iter()
            .map(|v| v.map(|s| string_key(s.as_bytes())))
            .collect(),
        DataType::Int32 => array
            .as_primitive::<Int32Type>()
            .iter()
            .map(|v| v.map(|i| key(2, &(i as i64).to_le_bytes())))
            .collect(),
        DataType::Int64 => array
            .as_primitive::<Int64Type>()
            .iter()
            .map(|v| v.map(|i| key(2, &i.to_le_bytes())))
            .collect(),
        DataType::UInt32 => array
            .as_primitive::<UInt32Type>()
            .iter()
            .map(|v| v.map(|i| key(2, &(i as i64).to_le_bytes())))
            .collect(),
        DataType::UInt64 => array
            .as_primitive::<UInt64Type>()
            .iter()
            .map(|v| v.map(|i| key(3, &i.to_le_bytes())))
            .collect(),
        DataType::Null => vec![None; array.len()],
        other => {
            return Err(ResolveError::ColumnType {
                column: "record_id",
                expected: "a string or an integer",
                got: other.to_string(),
            });
        }
    };
    Ok(keys)
}

fn strings<'a>(
    array: &'a ArrayRef,
    name: &'static str,
) -> Result<Box<dyn Iterator<Item = Option<&'a str>> + 'a>, ResolveError> {
    Ok(match array.data_type() {
        DataType::Utf8 => Box::new(array.as_string::<i32>().iter()),
        DataType::LargeUtf8 => Box::new(array.as_string::<i64>().iter()),
        DataType::Utf8View => Box::new(array.as_string_view().iter()),
        DataType::Null => Box::new(std::iter::repeat_n(None, array.len())),
        other => {
            return Err(ResolveError::ColumnType {
                column: name,
                expected: "a string",
                got: other.to_string(),
            });
        }
    })
}
