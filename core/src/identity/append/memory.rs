//! A stored graph held in memory: the reference an on-disk store is held
//! to, and the tests' store.

use hashbrown::{HashMap, HashSet};
use std::convert::Infallible;

use super::Appended;
use super::changes::changes;
use super::store::{AppendRow, GraphStore, IdentifierKey, RecordKey, StoredIdentifier, StoredRecord};
use crate::identity::resolve::Resolution;

/// Every identifier's state and every record's identifiers.
#[derive(Default)]
pub struct MemoryGraph {
    identifiers: HashMap<IdentifierKey, StoredIdentifier>,
    records: HashMap<RecordKey, StoredRecord>,
}

impl MemoryGraph {
    /// Takes a day's rows and what their append found
    /// ([`super::append`]).
    pub fn apply(&mut self, day: &[AppendRow], appended: &Appended) {
        let Ok(changes) = changes(&*self, day, appended);
        self.identifiers.extend(changes.identifiers);
        self.records.extend(changes.records);
    }

    /// The stored state of one identifier.
    pub fn get(&self, key: &IdentifierKey) -> Option<&StoredIdentifier> {
        self.identifiers.get(key)
    }

    /// Every identifier's one_id, as `previous` of a run over all rows.
    pub fn one_ids(&self) -> impl Iterator<Item = (&str, &str, i64)> {
        self.identifiers
            .iter()
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
        for r in whole.iter() {
            let key = (r.id_type.to_string(), r.id_value.to_string());
            let Some(stored) = self.identifiers.get(&key) else {
                differ.push(key);
                continue;
            };
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
        if both.len() < self.identifiers.len() {
            let in_whole: HashSet<&IdentifierKey> = both.iter().map(|(key, ..)| key).collect();
            differ.extend(self.identifiers.keys().filter(|k| !in_whole.contains(k)).cloned());
        }
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

    fn identifiers(&self, keys: &[IdentifierKey]) -> Result<Vec<Option<StoredIdentifier>>, Infallible> {
        Ok(keys
            .iter()
            .map(|key| self.identifiers.get(key).cloned())
            .collect())
    }

    fn records(&self, keys: &[RecordKey]) -> Result<Vec<StoredRecord>, Infallible> {
        Ok(keys
            .iter()
            .map(|key| self.records.get(key).cloned().unwrap_or_default())
            .collect())
    }

    fn record_names(&self, keys: &[RecordKey]) -> Result<Vec<Option<String>>, Infallible> {
        Ok(keys
            .iter()
            .map(|key| self.records.get(key).and_then(|r| r.name.clone()))
            .collect())
    }

    fn taken_one_ids(&self) -> Result<Vec<i64>, Infallible> {
        let taken: HashSet<i64> = self.identifiers.values().map(|s| s.one_id).collect();
        Ok(taken.into_iter().collect())
    }
}
