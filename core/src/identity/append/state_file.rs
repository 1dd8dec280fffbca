//! A graph's state on disk, for appends: the identifiers and records a
//! version changed, each under a 128-bit hash of its key, in one file whose
//! index an append searches in place (a mapped file is touched only where
//! the closure's keys are). A graph is a stack of such files, the newest
//! first ([`StateStack`]): a version writes what it changed, and a key's
//! state is the newest file's that holds it.
//!
//! ```text
//! "CDPFSTA2"                  8 bytes
//! identifiers n, records m    u64, u64
//! identifiers' payload bytes  u64
//! identifiers' index          n × (key u128, payload offset u64), sorted by key
//! records' index              m × (key u128, payload offset u64), sorted by key
//! identifiers' payloads       in key order
//! records' payloads           in key order
//! ```
//!
//! An identifier's payload: one_id i64, cluster size u32, status u8, reason
//! u8, reason before links u8, majority name u64, type and value, then its
//! records' hashes (u128 each). A record's: its source and id, its name,
//! then its identifiers (type, value, dropped u8), whose hashes a reader
//! computes. Strings are a u32 length and UTF-8; an absent
//! one is length `u32::MAX`; a record id is a tag byte (0 text, 1 integer)
//! and the text or an i64. All numbers are little-endian. The file carries
//! no checksum of its own: the catalog keeps one per file, as for its
//! other files, and checks it when it reads a file whole.

use hashbrown::HashSet;
use std::fmt;

use super::changes::Changes;
use super::store::{
    GraphStore, IdentifierKey, KeyAndName, KeyHash, Membership, RecordId, RecordKey, StoredIdentifier,
    StoredRecord, identifier_hash,
};
use crate::identity::evidence::Reason;
use crate::identity::one_id_lookup::find_spread;
use crate::identity::resolve::Status;

const MAGIC: &[u8; 8] = b"CDPFSTA2";
const HEADER_BYTES: usize = 32;
const INDEX_ENTRY_BYTES: usize = 24;
const ABSENT: u32 = u32::MAX;

/// Why a state file cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DamagedState(pub String);

impl fmt::Display for DamagedState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the state file is damaged: {}", self.0)
    }
}

/// The file of a version's changes.
pub fn encode(changes: &Changes) -> Vec<u8> {
    let mut identifiers: Vec<(u128, Vec<u8>)> = changes
        .identifiers
        .iter()
        .map(|(hash, (id_type, id_value), state)| {
            let mut payload = Vec::new();
            encode_identifier(&mut payload, id_type, id_value, state);
            (*hash, payload)
        })
        .collect();
    let mut records: Vec<(u128, Vec<u8>)> = changes
        .records
        .iter()
        .map(|(hash, state)| {
            let mut payload = Vec::new();
            encode_record(&mut payload, state);
            (*hash, payload)
        })
        .collect();
    for entries in [&mut identifiers, &mut records] {
        entries.sort_unstable_by_key(|(key, _)| *key);
        entries.dedup_by_key(|(key, _)| *key);
    }
    let identifiers_bytes: usize = identifiers.iter().map(|(_, p)| p.len()).sum();
    let records_bytes: usize = records.iter().map(|(_, p)| p.len()).sum();
    let mut bytes = Vec::with_capacity(
        HEADER_BYTES
            + (identifiers.len() + records.len()) * INDEX_ENTRY_BYTES
            + identifiers_bytes
            + records_bytes,
    );
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&(identifiers.len() as u64).to_le_bytes());
    bytes.extend_from_slice(&(records.len() as u64).to_le_bytes());
    bytes.extend_from_slice(&(identifiers_bytes as u64).to_le_bytes());
    for entries in [&identifiers, &records] {
        let mut offset = 0u64;
        for (key, payload) in entries {
            bytes.extend_from_slice(&key.to_le_bytes());
            bytes.extend_from_slice(&offset.to_le_bytes());
            offset += payload.len() as u64;
        }
    }
    for (_, payload) in identifiers.iter().chain(&records) {
        bytes.extend_from_slice(payload);
    }
    bytes
}

fn put_str(out: &mut Vec<u8>, value: Option<&str>) {
    match value {
        Some(value) => {
            out.extend_from_slice(&(value.len() as u32).to_le_bytes());
            out.extend_from_slice(value.as_bytes());
        }
        None => out.extend_from_slice(&ABSENT.to_le_bytes()),
    }
}

fn put_record_key(out: &mut Vec<u8>, record: &RecordKey) {
    put_str(out, record.source.as_deref());
    match &record.record_id {
        RecordId::Text(id) => {
            out.push(0);
            put_str(out, Some(id));
        }
        RecordId::Integer(id) => {
            out.push(1);
            out.extend_from_slice(&id.to_le_bytes());
        }
    }
}

fn encode_identifier(out: &mut Vec<u8>, id_type: &str, id_value: &str, state: &StoredIdentifier) {
    out.extend_from_slice(&state.one_id.to_le_bytes());
    out.extend_from_slice(&state.cluster_size.to_le_bytes());
    out.push(status_code(state.status));
    out.push(reason_code(state.reason));
    out.push(reason_code(state.reason_before_links));
    out.extend_from_slice(&state.majority_name.to_le_bytes());
    put_str(out, Some(id_type));
    put_str(out, Some(id_value));
    out.extend_from_slice(&(state.records.len() as u32).to_le_bytes());
    for record in &state.records {
        out.extend_from_slice(&record.to_le_bytes());
    }
}

fn encode_record(out: &mut Vec<u8>, state: &StoredRecord) {
    put_record_key(out, &state.key);
    put_str(out, state.name.as_deref());
    out.extend_from_slice(&(state.identifiers.len() as u32).to_le_bytes());
    for m in &state.identifiers {
        put_str(out, Some(&m.identifier.0));
        put_str(out, Some(&m.identifier.1));
        out.push(m.dropped as u8);
    }
}

const STATUSES: [Status; 5] = [
    Status::Singleton,
    Status::Merged,
    Status::Refused,
    Status::Shared,
    Status::Blocked,
];
const REASONS: [Reason; 8] = [
    Reason::None,
    Reason::MaxPerPerson,
    Reason::NameDisagreement,
    Reason::MaxRecordsPerIdentifier,
    Reason::SharedOnConflict,
    Reason::MaxLinksPerType,
    Reason::MaxIdentifierDegree,
    Reason::Block,
];

fn status_code(status: Status) -> u8 {
    STATUSES.iter().position(|&s| s == status).unwrap_or(0) as u8
}

fn reason_code(reason: Reason) -> u8 {
    REASONS.iter().position(|&r| r == reason).unwrap_or(0) as u8
}

/// A reader of a payload, every read checked against its end.
struct Cursor<'a> {
    bytes: &'a [u8],
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], DamagedState> {
        if self.bytes.len() < n {
            return Err(DamagedState("an entry is cut short".into()));
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    fn u8(&mut self) -> Result<u8, DamagedState> {
        Ok(self.take(1)?[0])
    }

    fn u32(&mut self) -> Result<u32, DamagedState> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into().unwrap_or_default()))
    }

    fn u64(&mut self) -> Result<u64, DamagedState> {
        Ok(u64::from_le_bytes(self.take(8)?.try_into().unwrap_or_default()))
    }

    fn u128(&mut self) -> Result<u128, DamagedState> {
        Ok(u128::from_le_bytes(self.take(16)?.try_into().unwrap_or_default()))
    }

    fn string(&mut self) -> Result<Option<String>, DamagedState> {
        let length = self.u32()?;
        if length == ABSENT {
            return Ok(None);
        }
        let bytes = self.take(length as usize)?;
        String::from_utf8(bytes.to_vec())
            .map(Some)
            .map_err(|_| DamagedState("a string is not UTF-8".into()))
    }

    fn required(&mut self) -> Result<String, DamagedState> {
        self.string()?
            .ok_or_else(|| DamagedState("a required string is absent".into()))
    }

    fn record_key(&mut self) -> Result<RecordKey, DamagedState> {
        let source = self.string()?;
        let record_id = match self.u8()? {
            0 => RecordId::Text(self.required()?),
            1 => RecordId::Integer(self.u64()? as i64),
            tag => return Err(DamagedState(format!("record id tag {tag}"))),
        };
        Ok(RecordKey { source, record_id })
    }

    fn code<T: Copy>(&mut self, values: &[T], what: &str) -> Result<T, DamagedState> {
        let code = self.u8()?;
        values
            .get(code as usize)
            .copied()
            .ok_or_else(|| DamagedState(format!("{what} {code}")))
    }

    fn identifier(&mut self) -> Result<(IdentifierKey, StoredIdentifier), DamagedState> {
        let one_id = self.u64()? as i64;
        let cluster_size = self.u32()?;
        let status = self.code(&STATUSES, "status")?;
        let reason = self.code(&REASONS, "reason")?;
        let reason_before_links = self.code(&REASONS, "reason")?;
        let majority_name = self.u64()?;
        let key = (self.required()?, self.required()?);
        let count = self.u32()?;
        let records = (0..count).map(|_| self.u128()).collect::<Result<_, _>>()?;
        Ok((
            key,
            StoredIdentifier {
                one_id,
                cluster_size,
                status,
                reason,
                reason_before_links,
                majority_name,
                records,
            },
        ))
    }

    /// A record's key and name, the start of its payload.
    fn record_head(&mut self) -> Result<(RecordKey, Option<String>), DamagedState> {
        Ok((self.record_key()?, self.string()?))
    }

    fn record(&mut self, buffer: &mut Vec<u8>) -> Result<StoredRecord, DamagedState> {
        let (key, name) = self.record_head()?;
        let count = self.u32()?;
        let identifiers = (0..count)
            .map(|_| {
                let identifier = (self.required()?, self.required()?);
                Ok(Membership {
                    hash: identifier_hash(&identifier.0, &identifier.1, buffer),
                    identifier,
                    dropped: self.u8()? != 0,
                })
            })
            .collect::<Result<_, DamagedState>>()?;
        Ok(StoredRecord {
            key,
            name,
            identifiers,
        })
    }
}

/// One section of a state file: a sorted index and its payloads.
#[derive(Debug, Clone, Copy)]
struct Section {
    index_at: usize,
    count: usize,
    payloads_at: usize,
    payloads_end: usize,
}

impl Section {
    fn key_at(&self, bytes: &[u8], i: usize) -> u128 {
        let at = self.index_at + i * INDEX_ENTRY_BYTES;
        u128::from_le_bytes(bytes[at..at + 16].try_into().unwrap_or_default())
    }

    fn payload<'a>(&self, bytes: &'a [u8], i: usize) -> Result<&'a [u8], DamagedState> {
        let offset_at = |i: usize| {
            let at = self.index_at + i * INDEX_ENTRY_BYTES + 16;
            u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap_or_default()) as usize
        };
        let start = self.payloads_at + offset_at(i);
        let end = if i + 1 < self.count {
            self.payloads_at + offset_at(i + 1)
        } else {
            self.payloads_end
        };
        bytes
            .get(start..end)
            .filter(|_| start <= end && end <= self.payloads_end)
            .ok_or_else(|| DamagedState("an entry's offset is out of range".into()))
    }

    fn find(&self, bytes: &[u8], key: u128) -> Option<usize> {
        find_spread(self.count, (key >> 64) as u64, |i| self.key_at(bytes, i), key)
    }
}

/// A state file, read or mapped.
pub struct StateFile<B> {
    bytes: B,
    identifiers: Section,
    records: Section,
}

impl<B: AsRef<[u8]>> StateFile<B> {
    pub fn read(bytes: B) -> Result<Self, DamagedState> {
        let file = bytes.as_ref();
        if file.len() < HEADER_BYTES || &file[..8] != MAGIC {
            return Err(DamagedState("it does not start as one".into()));
        }
        let word = |at: usize| u64::from_le_bytes(file[at..at + 8].try_into().unwrap_or_default()) as usize;
        let (identifiers, records, identifiers_bytes) = (word(8), word(16), word(24));
        let index_bytes = identifiers
            .checked_add(records)
            .and_then(|n| n.checked_mul(INDEX_ENTRY_BYTES))
            .filter(|&n| HEADER_BYTES + n <= file.len())
            .ok_or_else(|| DamagedState("its index is cut short".into()))?;
        let payloads_at = HEADER_BYTES + index_bytes;
        if payloads_at + identifiers_bytes > file.len() {
            return Err(DamagedState("its payloads are cut short".into()));
        }
        Ok(StateFile {
            identifiers: Section {
                index_at: HEADER_BYTES,
                count: identifiers,
                payloads_at,
                payloads_end: payloads_at + identifiers_bytes,
            },
            records: Section {
                index_at: HEADER_BYTES + identifiers * INDEX_ENTRY_BYTES,
                count: records,
                payloads_at: payloads_at + identifiers_bytes,
                payloads_end: file.len(),
            },
            bytes,
        })
    }

    fn identifier(&self, hash: u128) -> Result<Option<(IdentifierKey, StoredIdentifier)>, DamagedState> {
        let bytes = self.bytes.as_ref();
        let Some(i) = self.identifiers.find(bytes, hash) else {
            return Ok(None);
        };
        Cursor {
            bytes: self.identifiers.payload(bytes, i)?,
        }
        .identifier()
        .map(Some)
    }

    fn record_cursor(&self, hash: u128) -> Result<Option<Cursor<'_>>, DamagedState> {
        let bytes = self.bytes.as_ref();
        let Some(i) = self.records.find(bytes, hash) else {
            return Ok(None);
        };
        Ok(Some(Cursor {
            bytes: self.records.payload(bytes, i)?,
        }))
    }

    /// Every identifier the file holds, with its key's hash.
    pub fn identifiers(
        &self,
    ) -> impl Iterator<Item = Result<(u128, IdentifierKey, StoredIdentifier), DamagedState>> + '_ {
        let bytes = self.bytes.as_ref();
        (0..self.identifiers.count).map(move |i| {
            let (key, state) = Cursor {
                bytes: self.identifiers.payload(bytes, i)?,
            }
            .identifier()?;
            Ok((self.identifiers.key_at(bytes, i), key, state))
        })
    }

    /// Every record the file holds, with its key's hash.
    pub fn records(&self) -> impl Iterator<Item = Result<(u128, StoredRecord), DamagedState>> + '_ {
        let bytes = self.bytes.as_ref();
        let mut buffer = Vec::new();
        (0..self.records.count).map(move |i| {
            let state = Cursor {
                bytes: self.records.payload(bytes, i)?,
            }
            .record(&mut buffer)?;
            Ok((self.records.key_at(bytes, i), state))
        })
    }
}

/// A graph as a stack of state files, the newest first, and the one_ids
/// its newest mapping holds.
pub struct StateStack<B> {
    pub files: Vec<StateFile<B>>,
    /// Sorted ([`Changes::taken_one_ids`] gives them so): searched.
    pub taken_one_ids: Vec<i64>,
}

impl<B: AsRef<[u8]>> StateStack<B> {
    /// Every identifier's newest state: what the graph's mapping is.
    pub fn all_identifiers(&self) -> Result<Vec<(u128, IdentifierKey, StoredIdentifier)>, DamagedState> {
        let mut seen: HashSet<u128> = HashSet::new();
        let mut all = Vec::new();
        for file in &self.files {
            for entry in file.identifiers() {
                let (hash, key, state) = entry?;
                if seen.insert(hash) {
                    all.push((hash, key, state));
                }
            }
        }
        Ok(all)
    }

    /// The whole graph in one file's changes: every identifier's and every
    /// record's newest state (a compaction of the stack).
    pub fn merged(&self) -> Result<Changes, DamagedState> {
        let mut seen: HashSet<u128> = HashSet::new();
        let mut records = Vec::new();
        for file in &self.files {
            for entry in file.records() {
                let (hash, state) = entry?;
                if seen.insert(hash) {
                    records.push((hash, state));
                }
            }
        }
        Ok(Changes {
            identifiers: self.all_identifiers()?,
            records,
            previous_one_ids: Vec::new(),
        })
    }
}

impl<B: AsRef<[u8]>> StateStack<B> {
    /// The newest file's cursor at a record, if any file holds it.
    fn record_cursor(&self, hash: u128) -> Result<Option<Cursor<'_>>, DamagedState> {
        for file in &self.files {
            if let Some(cursor) = file.record_cursor(hash)? {
                return Ok(Some(cursor));
            }
        }
        Ok(None)
    }
}

impl<B: AsRef<[u8]>> GraphStore for StateStack<B> {
    type Error = DamagedState;

    fn identifiers(
        &self,
        hashes: &[KeyHash],
    ) -> Result<Vec<Option<(IdentifierKey, StoredIdentifier)>>, DamagedState> {
        hashes
            .iter()
            .map(|&hash| {
                for file in &self.files {
                    if let Some(found) = file.identifier(hash)? {
                        return Ok(Some(found));
                    }
                }
                Ok(None)
            })
            .collect()
    }

    fn records(&self, hashes: &[KeyHash]) -> Result<Vec<Option<StoredRecord>>, DamagedState> {
        let mut buffer = Vec::new();
        hashes
            .iter()
            .map(|&hash| {
                self.record_cursor(hash)?
                    .map(|mut cursor| cursor.record(&mut buffer))
                    .transpose()
            })
            .collect()
    }

    fn record_names(&self, hashes: &[KeyHash]) -> Result<Vec<Option<KeyAndName>>, DamagedState> {
        hashes
            .iter()
            .map(|&hash| {
                self.record_cursor(hash)?
                    .map(|mut cursor| cursor.record_head())
                    .transpose()
            })
            .collect()
    }

    fn one_id_taken(&self, one_id: i64) -> bool {
        self.taken_one_ids.binary_search(&one_id).is_ok()
    }
}
