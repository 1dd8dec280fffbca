//! A stored graph held in memory: the reference an on-disk store is held
//! to, and the tests' store.

use hashbrown::{HashMap, HashSet};
use std::convert::Infallible;

use super::Appended;
use super::changes::changes;
use super::store::{
    AppendRow, GraphStore, IdentifierKey, KeyAndName, KeyHash, StoredIdentifier, StoredRecord,
    identifier_hash,
};
use crate::identity::resolve::Resolution;

/// Every identifier's state and every record's identifiers, by their
/// hashes.
#[derive(Default)]
pub struct MemoryGraph {
    identifiers: HashMap<KeyHash, (IdentifierKey, StoredIdentifier)>,
    records: HashMap<KeyHash, StoredRecord>,
    /// The one_ids the identifiers hold.
    one_ids: HashSet<i64>,
}

impl MemoryGraph {
    /// Takes a day's rows and what their append found
    /// ([`super::append`]).
    pub fn apply(&mut self, day: &[AppendRow], appended: &Appended) {
        let Ok(changes) = changes(&*self, day, appended);
        self.identifiers.extend(
            changes
                .identifiers
                .into_iter()
                .map(|(hash, key, state)| (hash, (key, state))),
        );
        self.records.extend(changes.records);
        self.one_ids = self.identifiers.values().map(|(_, s)| s.one_id).collect();
    }

    /// The stored state of one identifier.
    pub fn get(&self, key: &IdentifierKey) -> Option<&StoredIdentifier> {
        let hash = identifier_hash(&key.0, &key.1, &mut Vec::new());
        self.identifiers.get(&hash).map(|(_, state)| state)
    }

    /// Every identifier's one_id, as `previous` of a run over all rows.
    pub fn one_ids(&self) -> impl Iterator<Item = (&str, &str, i64)> {
        self.identifiers
            .values()
            .map(|((id_type, id_value), stored)| (id_type.as_str(), id_value.as_str(), stored.one_id))
    }

    /// The identifiers whose status or person differs from `whole`'s (a run
    /// over every row), or that one of the two lacks. Persons are compared
    /// by their identifiers, each named by its first, not by their one_ids.
    pub fn differences_from(&self, whole: &Resolution) -> Vec<IdentifierKey> {
        let mut differ: Vec<IdentifierKey> = Vec::new();
        let mut first_whole: HashMap<i64, IdentifierKey> = HashMap::new();
        let mut first_here: HashMap<i64, IdentifierKey> = HashMap::new();
        let mut both = Vec::with_capacity(whole.len());
        let mut in_whole: HashSet<KeyHash> = HashSet::with_capacity(whole.len());
        let mut buffer = Vec::new();
        for r in whole.iter() {
            let key = (r.id_type.to_string(), r.id_value.to_string());
            let hash = identifier_hash(r.id_type, r.id_value, &mut buffer);
            let Some((_, stored)) = self.identifiers.get(&hash) else {
                differ.push(key);
                continue;
            };
            in_whole.insert(hash);
            for (first, one_id) in [(&mut first_whole, r.one_id), (&mut first_here, stored.one_id)] {
                first
                    .entry(one_id)
                    .and_modify(|k| {
                        if key < *k {
                            *k = key.clone()
                        }
                    })
                    .or_insert_with(|| key.clone());
            }
            both.push((key, r.one_id, r.status, stored));
        }
        differ.extend(
            self.identifiers
                .iter()
                .filter(|(hash, _)| !in_whole.contains(*hash))
                .map(|(_, (key, _))| key.clone()),
        );
        differ.extend(
            both.into_iter()
                .filter(|(_, one_id, status, stored)| {
                    stored.status != *status || first_whole[one_id] != first_here[&stored.one_id]
                })
                .map(|(key, ..)| key),
        );
        differ
    }

    pub fn len(&self) -> usize {
        self.identifiers.len()
    }

    pub fn is_empty(&self) -> bool {
        self.identifiers.is_empty()
    }
}

impl GraphStore for MemoryGraph {
    type Error = Infallible;

    fn identifiers(
        &self,
        hashes: &[KeyHash],
    ) -> Result<Vec<Option<(IdentifierKey, StoredIdentifier)>>, Infallible> {
        Ok(hashes
            .iter()
            .map(|hash| self.identifiers.get(hash).cloned())
            .collect())
    }

    fn records(&self, hashes: &[KeyHash]) -> Result<Vec<Option<StoredRecord>>, Infallible> {
        Ok(hashes
            .iter()
            .map(|hash| self.records.get(hash).cloned())
            .collect())
    }

    fn record_names(&self, hashes: &[KeyHash]) -> Result<Vec<Option<KeyAndName>>, Infallible> {
        Ok(hashes
            .iter()
            .map(|hash| self.records.get(hash).map(|r| (r.key.clone(), r.name.clone())))
            .collect())
    }

    fn one_id_taken(&self, one_id: i64) -> bool {
        self.one_ids.contains(&one_id)
    }
}
