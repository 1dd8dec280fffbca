//! What an append writes: the new state of every identifier and record it
//! changed, for a store to keep beside (or over) the old.

use hashbrown::HashSet;

use super::Appended;
use super::reads::Reads;
use super::store::{
    AppendRow, GraphStore, IdentifierKey, KeyHash, Membership, StoredIdentifier, StoredRecord,
};
use crate::identity::evidence::Reason;
use crate::identity::resolve::Status;

/// The new state of what an append changed: every identifier of the
/// closure and the day, every record of the day or read whole. Everything
/// else keeps its stored state.
#[derive(Debug, Default)]
pub struct Changes {
    /// Each with its hash ([`super::identifier_hash`]).
    pub identifiers: Vec<(KeyHash, IdentifierKey, StoredIdentifier)>,
    /// Each with its hash ([`super::record_hash`]).
    pub records: Vec<(KeyHash, StoredRecord)>,
    /// The one_ids the changed identifiers held before: a person whose
    /// identifier is among them is wholly among them (the closure holds
    /// whole persons), so an id no changed identifier holds now is held by
    /// no one.
    pub previous_one_ids: Vec<i64>,
}

impl Changes {
    /// The one_ids of the mapping after the append, from those before.
    pub fn taken_one_ids(&self, before: &[i64]) -> Vec<i64> {
        let now: HashSet<i64> = self.identifiers.iter().map(|(_, _, s)| s.one_id).collect();
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

/// The changes `appended` (an append of `day` to `store`: the same rows, as
/// it hashed them) makes.
pub fn changes<S: GraphStore>(
    store: &S,
    day: &[AppendRow],
    appended: &Appended,
) -> Result<Changes, S::Error> {
    let resolution = &appended.resolution;
    let judged = resolution.judged();
    let hashes = &appended.resolved;
    let day_hashes = &appended.day_hashes;
    // The day's rows by identifier and by record, sorted (each keeping the
    // day's order of rows: a record's name is its first row's), so that a
    // first version's millions of keys need no map of lists.
    let mut by_identifier: Vec<(KeyHash, usize, KeyHash)> = Vec::with_capacity(day.len());
    let mut by_record: Vec<(KeyHash, usize, KeyHash)> = Vec::with_capacity(day.len());
    for (i, (&identifier, &record)) in day_hashes.identifiers.iter().zip(&day_hashes.records).enumerate() {
        if let Some(record) = record {
            by_identifier.push((identifier, i, record));
            by_record.push((record, i, identifier));
        }
    }
    by_identifier.sort_unstable();
    by_record.sort_unstable();
    // The append read all of them: the store is asked only for what it
    // did not.
    let reads = &appended.reads;
    let mut more = Reads::default();
    more.read_identifiers(
        store,
        hashes.iter().copied().filter(|h| !reads.knows_identifier(h)),
    )?;
    more.read_records(
        store,
        appended
            .whole_records
            .iter()
            .copied()
            .filter(|h| !reads.knows_record(h)),
    )?;
    let mut identifiers = Vec::with_capacity(hashes.len());
    let mut previous_one_ids = Vec::new();
    // In the order of their hashes, so that their rows are found by
    // walking the sorted rows, not by searching them from afar each time.
    let mut in_hash_order: Vec<usize> = (0..hashes.len()).collect();
    in_hash_order.sort_unstable_by_key(|&i| hashes[i]);
    let mut walked = 0;
    for i in in_hash_order {
        let hash = hashes[i];
        let resolved = resolution.get(i);
        let judged_whole = !judged.majority_names.is_empty() || !appended.pinned.contains(&hash);
        let stored = reads.identifier(&hash).or_else(|| more.identifier(&hash));
        let mut state = match stored {
            Some((_, stored)) => {
                previous_one_ids.push(stored.one_id);
                stored.clone()
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
        let new = rows_of(&by_identifier, hash, &mut walked);
        if state.reason != Reason::Block && !new.is_empty() {
            let mut held: HashSet<KeyHash> = state.records.iter().copied().collect();
            state
                .records
                .extend(new.iter().map(|&(_, _, r)| r).filter(|&r| held.insert(r)));
        }
        let key = (resolved.id_type.to_string(), resolved.id_value.to_string());
        identifiers.push((hash, key, state));
    }
    let mut records = Vec::with_capacity(appended.whole_records.len());
    let mut walked = 0;
    for &hash in &appended.whole_records {
        let day_rows = rows_of(&by_record, hash, &mut walked);
        let stored = reads.record(&hash).or_else(|| more.record(&hash));
        let first = day_rows.first().and_then(|&(_, row, _)| day[row].record.as_ref());
        let mut state = match (stored, first) {
            (Some(stored), _) => stored.clone(),
            (None, Some(key)) => StoredRecord {
                key: key.clone(),
                name: None,
                identifiers: Vec::with_capacity(day_rows.len()),
            },
            // Neither stored nor the day's: nothing to keep.
            (None, None) => continue,
        };
        for &(_, row, identifier) in day_rows {
            let row = &day[row];
            // A record's name is the first its rows give.
            if state.name.is_none() {
                state.name = row.name.clone();
            }
            // A record holds a handful of identifiers: a scan is fastest.
            if !state.identifiers.iter().any(|m| m.hash == identifier) {
                state.identifiers.push(Membership {
                    hash: identifier,
                    identifier: row.identifier.clone(),
                    dropped: false,
                });
            }
        }
        for m in &mut state.identifiers {
            m.dropped = appended.dropped.contains(&(hash, m.hash));
        }
        records.push((hash, state));
    }
    Ok(Changes {
        identifiers,
        records,
        previous_one_ids,
    })
}

/// The entries of `sorted` (by their first field) under `key`, searched
/// forward from `*walked` (where the previous key's ended), galloping: keys
/// asked in order touch the rows in order. A key before `*walked` is
/// searched from the start.
fn rows_of<'a>(
    sorted: &'a [(KeyHash, usize, KeyHash)],
    key: KeyHash,
    walked: &mut usize,
) -> &'a [(KeyHash, usize, KeyHash)] {
    let mut from = (*walked).min(sorted.len());
    if from > 0 && sorted[from - 1].0 >= key {
        from = 0;
    }
    let mut step = 1;
    while from + step < sorted.len() && sorted[from + step].0 < key {
        from += step;
        step *= 2;
    }
    let window = &sorted[from..(from + step + 1).min(sorted.len())];
    let start = from + window.partition_point(|&(k, ..)| k < key);
    let end = start + sorted[start..].iter().take_while(|&&(k, ..)| k == key).count();
    *walked = end;
    &sorted[start..end]
}

#[cfg(test)]
mod tests {
    use super::rows_of;

    #[test]
    fn rows_are_found_whatever_order_the_keys_come_in() {
        let sorted: Vec<(u128, usize, u128)> = [1u128, 1, 3, 4, 4, 4, 9]
            .iter()
            .enumerate()
            .map(|(i, &k)| (k, i, 0))
            .collect();
        let rows = |keys: &[u128]| {
            let mut walked = 0;
            keys.iter()
                .map(|&k| {
                    rows_of(&sorted, k, &mut walked)
                        .iter()
                        .map(|r| r.1)
                        .collect::<Vec<_>>()
                })
                .collect::<Vec<_>>()
        };
        let expected = |k: u128| {
            sorted
                .iter()
                .filter(|r| r.0 == k)
                .map(|r| r.1)
                .collect::<Vec<_>>()
        };
        for keys in [vec![0u128, 1, 2, 3, 4, 5, 9, 10], vec![9, 4, 1, 4, 0, 3, 10, 1]] {
            let want: Vec<Vec<usize>> = keys.iter().map(|&k| expected(k)).collect();
            assert_eq!(rows(&keys), want, "{keys:?}");
        }
    }
}
