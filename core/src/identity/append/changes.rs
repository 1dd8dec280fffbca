//! What an append writes: the new state of every identifier and record it
//! changed, for a store to keep beside (or over) the old.

use hashbrown::{HashMap, HashSet};

use super::Appended;
use super::store::{AppendRow, GraphStore, IdentifierKey, RecordKey, StoredIdentifier, StoredRecord};
use crate::identity::evidence::Reason;
use crate::identity::resolve::Status;

/// The new state of what an append changed: every identifier of the
/// closure and the day, every record of the day or read whole. Everything
/// else keeps its stored state.
#[derive(Debug, Default)]
pub struct Changes {
    pub identifiers: Vec<(IdentifierKey, StoredIdentifier)>,
    pub records: Vec<(RecordKey, StoredRecord)>,
    /// The one_ids the changed identifiers held before: a person whose
    /// identifier is among them is wholly among them (the closure holds
    /// whole persons), so an id no changed identifier holds now is held by
    /// no one.
    pub previous_one_ids: Vec<i64>,
}

impl Changes {
    /// The one_ids of the mapping after the append, from those before.
    pub fn taken_one_ids(&self, before: &[i64]) -> Vec<i64> {
        let now: HashSet<i64> = self.identifiers.iter().map(|(_, s)| s.one_id).collect();
        let gone: HashSet<i64> = self
            .previous_one_ids
            .iter()
            .copied()
            .filter(|id| !now.contains(id))
            .collect();
        let mut taken: Vec<i64> = before.iter().copied().filter(|id| !gone.contains(id)).collect();
        taken.extend(now);
        taken.sort_unstable();
        taken.dedup();
        taken
    }
}

/// The changes `appended` (an append of `day` to `store`) makes.
pub fn changes<S: GraphStore>(
    store: &S,
    day: &[AppendRow],
    appended: &Appended,
) -> Result<Changes, S::Error> {
    let resolution = &appended.resolution;
    let judged = resolution.judged();
    let keys: Vec<IdentifierKey> = resolution
        .iter()
        .map(|r| (r.id_type.to_string(), r.id_value.to_string()))
        .collect();
    // The day's rows by identifier and by record, each looked up once.
    let mut day_records_of: HashMap<&IdentifierKey, Vec<&RecordKey>> = HashMap::new();
    let mut day_rows_of: HashMap<&RecordKey, Vec<&AppendRow>> = HashMap::new();
    for row in day {
        if let Some(record) = &row.record {
            day_records_of.entry(&row.identifier).or_default().push(record);
            day_rows_of.entry(record).or_default().push(row);
        }
    }
    let mut identifiers = Vec::with_capacity(keys.len());
    let mut previous_one_ids = Vec::new();
    for (i, (key, stored)) in keys.iter().zip(store.identifiers(&keys)?).enumerate() {
        let resolved = resolution.get(i);
        let judged_whole = !judged.majority_names.is_empty() || !appended.pinned.contains(key);
        let mut state = match stored {
            Some(stored) => {
                previous_one_ids.push(stored.one_id);
                stored
            }
            None => StoredIdentifier {
                one_id: 0,
                cluster_size: 1,
                status: Status::Singleton,
                reason: Reason::None,
                reason_before_links: Reason::None,
                majority_name: 0,
                records: Vec::new(),
            },
        };
        state.one_id = resolved.one_id;
        state.cluster_size = resolved.cluster_size;
        state.status = resolved.status;
        state.reason = resolution.reasons()[i];
        // Without names a pinned identifier is judged on some of its
        // records only: it keeps what the graph found.
        if judged_whole {
            state.reason_before_links = judged.reasons_before_links[i];
            state.majority_name = judged.majority_names.get(i).copied().unwrap_or(0);
        }
        // A blocked value joins no record: its records (a placeholder's
        // may be many) are never read.
        if let Some(new) = day_records_of.get(key).filter(|_| state.reason != Reason::Block) {
            let mut held: HashSet<&RecordKey> = state.records.iter().collect();
            let added: Vec<RecordKey> = new
                .iter()
                .filter(|r| held.insert(r))
                .map(|&r| r.clone())
                .collect();
            drop(held);
            state.records.extend(added);
        }
        identifiers.push((key.clone(), state));
    }
    let mut records = Vec::with_capacity(appended.whole_records.len());
    for (key, stored) in appended
        .whole_records
        .iter()
        .zip(store.records(&appended.whole_records)?)
    {
        let mut state = stored;
        for &row in day_rows_of.get(key).into_iter().flatten() {
            // A record's name is the first its rows give.
            if state.name.is_none() {
                state.name = row.name.clone();
            }
            // A record holds a handful of identifiers: a scan is fastest.
            if !state.identifiers.iter().any(|(k, _)| k == &row.identifier) {
                state.identifiers.push((row.identifier.clone(), false));
            }
        }
        for (identifier, dropped) in &mut state.identifiers {
            *dropped = appended.dropped.contains(&(key.clone(), identifier.clone()));
        }
        records.push((key.clone(), state));
    }
    Ok(Changes {
        identifiers,
        records,
        previous_one_ids,
    })
}
