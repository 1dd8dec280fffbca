//! What an append has read of its store, each key once: the closure is
//! found again each round, and the changes are taken from the same reads.

use hashbrown::HashMap;

use super::store::{
    GraphStore, IdentifierKey, KeyAndName, KeyHash, RecordKey, StoredIdentifier, StoredRecord,
};

/// The stored identifiers, records and record names read so far; `None`
/// for a key the store does not hold.
#[derive(Default)]
pub struct Reads {
    identifiers: HashMap<KeyHash, Option<(IdentifierKey, StoredIdentifier)>>,
    records: HashMap<KeyHash, Option<StoredRecord>>,
    names: HashMap<KeyHash, Option<KeyAndName>>,
}

/// Reads into `read` the keys of `hashes` it lacks, each once, by `fetch`.
fn read_missing<V, E>(
    read: &mut HashMap<KeyHash, Option<V>>,
    hashes: impl IntoIterator<Item = KeyHash>,
    fetch: impl FnOnce(&[KeyHash]) -> Result<Vec<Option<V>>, E>,
) -> Result<(), E> {
    let mut missing: Vec<KeyHash> = hashes.into_iter().filter(|h| !read.contains_key(h)).collect();
    missing.sort_unstable();
    missing.dedup();
    let found = fetch(&missing)?;
    read.extend(missing.into_iter().zip(found));
    Ok(())
}

impl Reads {
    /// Reads the identifiers not read yet.
    pub fn read_identifiers<S: GraphStore>(
        &mut self,
        store: &S,
        hashes: impl IntoIterator<Item = KeyHash>,
    ) -> Result<(), S::Error> {
        read_missing(&mut self.identifiers, hashes, |missing| {
            store.identifiers(missing)
        })
    }

    /// Reads the records not read yet, whole.
    pub fn read_records<S: GraphStore>(
        &mut self,
        store: &S,
        hashes: impl IntoIterator<Item = KeyHash>,
    ) -> Result<(), S::Error> {
        read_missing(&mut self.records, hashes, |missing| store.records(missing))
    }

    /// Reads the keys and names of the records not read yet (whole or so).
    pub fn read_names<S: GraphStore>(
        &mut self,
        store: &S,
        hashes: impl IntoIterator<Item = KeyHash>,
    ) -> Result<(), S::Error> {
        let records = &self.records;
        let hashes = hashes.into_iter().filter(|h| !records.contains_key(h));
        read_missing(&mut self.names, hashes, |missing| store.record_names(missing))
    }

    /// Whether the identifier was read before (held by the store or not).
    pub fn knows_identifier(&self, hash: &KeyHash) -> bool {
        self.identifiers.contains_key(hash)
    }

    /// Whether the record was read whole before (held by the store or not).
    pub fn knows_record(&self, hash: &KeyHash) -> bool {
        self.records.contains_key(hash)
    }

    /// A stored identifier read before.
    pub fn identifier(&self, hash: &KeyHash) -> Option<&(IdentifierKey, StoredIdentifier)> {
        self.identifiers.get(hash).and_then(Option::as_ref)
    }

    /// A stored record read whole before.
    pub fn record(&self, hash: &KeyHash) -> Option<&StoredRecord> {
        self.records.get(hash).and_then(Option::as_ref)
    }

    /// A stored record's key and name, read whole or by name before.
    pub fn name(&self, hash: &KeyHash) -> Option<(&RecordKey, Option<&str>)> {
        match self.records.get(hash) {
            Some(record) => record.as_ref().map(|r| (&r.key, r.name.as_deref())),
            None => self
                .names
                .get(hash)
                .and_then(Option::as_ref)
                .map(|(key, name)| (key, name.as_deref())),
        }
    }
}
