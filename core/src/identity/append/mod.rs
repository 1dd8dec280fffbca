//! An incremental append: a day's rows resolved together with only the
//! stored records they can change, and the persons come out as in one run
//! over every row with the graph's mapping as `previous`.
//!
//! The closure of a day is found from the stored graph, identifier by
//! identifier. An identifier is *opened* (every record holding it is
//! read, and every identifier on those records decided in turn) when it is
//! new, when it merges (is not set aside), or when the day can turn its
//! exclusion; otherwise it is *pinned*: kept set aside with the reason the
//! graph found, its records not read. Opening closes over the identifiers
//! that merge, so the closure holds whole components and the persons of
//! every other component cannot change: their records are not touched and
//! no identifier of theirs is on a closure record.
//!
//! Pinning is exact because, on rows without names, an exclusion cannot
//! turn as records arrive except in two ways, which open the identifier:
//! - `max_records_per_identifier` under `max_records_unconfirmed`: an
//!   identifier one source alone held on many records is confirmed when a
//!   record of another source holds it;
//! - a record of more identifiers than the clique limit links them to its
//!   strongest, which a new identifier of the record can change.
//!
//! Every other count (records per source, links, links per type, identifiers
//! held per type) only grows with records, so a set-aside identifier stays
//! set aside. Its reason is the graph's or what the closure's records
//! show, whichever is stronger: the status is the whole run's, the reason
//! may be weaker than a whole run's when more than one rule holds. Rows
//! with names are not taken yet (a dissent can drop a membership, and a
//! majority name can form, as records arrive).

mod memory;
mod store;
#[cfg(test)]
mod tests;

pub use memory::MemoryGraph;
pub use store::{AppendRow, GraphStore, IdentifierKey, RecordId, RecordKey, StoredIdentifier};

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use arrow::array::{ArrayRef, Int64Array, StringArray};

use crate::identity::evidence::Reason;
use crate::identity::resolve::{CLIQUE_LIMIT, IdentityGraphBuilder, Resolution, ResolveError};
use crate::identity::rules::Rules;

/// How much of the stored graph an append read and resolved again.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppendStats {
    /// Stored identifiers whose records were read and which were resolved
    /// again, with the new ones.
    pub opened: usize,
    /// Set-aside identifiers on closure records, kept set aside.
    pub pinned: usize,
    /// Stored records read.
    pub records_read: usize,
    /// Rows resolved: the closure records' and the day's.
    pub rows: usize,
}

/// The outcome of an append: the new state of every identifier in the
/// closure (opened and pinned), in the resolver's order. Identifiers not in
/// it keep their stored state.
pub struct Appended {
    pub resolution: Resolution,
    pub stats: AppendStats,
}

/// Why an append failed: the store could not be read, or the resolver
/// refused the rows.
#[derive(Debug)]
pub enum AppendError<E> {
    Store(E),
    Resolve(ResolveError),
}

/// Resolves `day` against `store` (see the module's documentation).
pub fn append<S: GraphStore>(
    store: &S,
    day: &[AppendRow],
    rules: &Rules,
) -> Result<Appended, AppendError<S::Error>> {
    let closure = Closure::find(store, day).map_err(AppendError::Store)?;
    let taken = store.taken_one_ids().map_err(AppendError::Store)?;
    let stats = AppendStats {
        opened: closure.opened,
        pinned: closure.pinned.len(),
        records_read: closure.records_read,
        rows: closure.rows.len(),
    };
    let mut builder = closure.builder(rules).map_err(AppendError::Resolve)?;
    for ((id_type, id_value), reason) in &closure.pinned {
        builder.pin(id_type, id_value, *reason);
    }
    builder.retire(taken);
    let previous = closure
        .previous
        .iter()
        .map(|((id_type, id_value), one_id)| (id_type.as_str(), id_value.as_str(), *one_id));
    let resolution = builder.resolve(rules, previous).map_err(AppendError::Resolve)?;
    Ok(Appended { resolution, stats })
}

/// What an append resolves: rows, the pins, and the stored ids.
struct Closure {
    rows: Vec<AppendRow>,
    pinned: Vec<(IdentifierKey, Reason)>,
    previous: Vec<(IdentifierKey, i64)>,
    opened: usize,
    records_read: usize,
}

/// Whether an identifier's records are read.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Decision {
    Open,
    Pin(Reason),
}

impl Closure {
    fn find<S: GraphStore>(store: &S, day: &[AppendRow]) -> Result<Closure, S::Error> {
        // The sources each identifier comes with today, for the one
        // exclusion a new source can turn.
        let mut day_sources: HashMap<&IdentifierKey, HashSet<Option<&str>>> = HashMap::new();
        for row in day {
            let source = row.record.as_ref().map(|r| r.source.as_deref());
            day_sources.entry(&row.identifier).or_default().extend(source);
        }
        // Records of the day the graph holds already: their stored rows join
        // the day's, and a record grown past the clique limit opens all of
        // its identifiers.
        let mut day_records: Vec<RecordKey> = day.iter().filter_map(|r| r.record.clone()).collect();
        day_records.sort_unstable();
        day_records.dedup();
        let stored_of_day = store.records(&day_records)?;
        let mut rows: Vec<AppendRow> = day.to_vec();
        let mut forced: HashSet<IdentifierKey> = HashSet::new();
        let mut read: HashSet<RecordKey> = HashSet::new();
        let mut frontier: Vec<IdentifierKey> = day.iter().map(|r| r.identifier.clone()).collect();
        for (record, identifiers) in day_records.iter().zip(stored_of_day) {
            if identifiers.is_empty() {
                continue;
            }
            let mut all: HashSet<&IdentifierKey> = identifiers.iter().collect();
            all.extend(
                day.iter()
                    .filter(|r| r.record.as_ref() == Some(record))
                    .map(|r| &r.identifier),
            );
            if all.len() > CLIQUE_LIMIT {
                forced.extend(all.into_iter().cloned());
            }
            read.insert(record.clone());
            frontier.extend(identifiers.iter().cloned());
            rows.extend(identifiers.into_iter().map(|identifier| AppendRow {
                record: Some(record.clone()),
                identifier,
            }));
        }
        let mut decided: HashMap<IdentifierKey, Decision> = HashMap::new();
        let mut previous = Vec::new();
        let mut opened = 0;
        while !frontier.is_empty() {
            frontier.sort_unstable();
            frontier.dedup();
            frontier.retain(|key| !decided.contains_key(key));
            let stored = store.identifiers(&frontier)?;
            let mut to_read: Vec<RecordKey> = Vec::new();
            for (key, stored) in frontier.drain(..).zip(stored) {
                let decision = match &stored {
                    None => Decision::Open,
                    Some(s) if forced.contains(&key) || !s.reason.excludes() => Decision::Open,
                    Some(s)
                        if s.reason == Reason::MaxRecordsPerIdentifier
                            && brings_a_new_source(s, day_sources.get(&key)) =>
                    {
                        Decision::Open
                    }
                    Some(s) => Decision::Pin(s.reason),
                };
                if let Some(s) = stored {
                    previous.push((key.clone(), s.one_id));
                    if decision == Decision::Open {
                        opened += 1;
                        to_read.extend(s.records.into_iter().filter(|r| !read.contains(r)));
                    }
                }
                decided.insert(key, decision);
            }
            to_read.sort_unstable();
            to_read.dedup();
            let identifiers = store.records(&to_read)?;
            for (record, identifiers) in to_read.into_iter().zip(identifiers) {
                frontier.extend(identifiers.iter().filter(|k| !decided.contains_key(*k)).cloned());
                rows.extend(identifiers.into_iter().map(|identifier| AppendRow {
                    record: Some(record.clone()),
                    identifier,
                }));
                read.insert(record);
            }
        }
        let pinned = decided
            .into_iter()
            .filter_map(|(key, decision)| match decision {
                Decision::Pin(reason) => Some((key, reason)),
                Decision::Open => None,
            })
            .collect();
        Ok(Closure {
            rows,
            pinned,
            previous,
            opened,
            records_read: read.len(),
        })
    }

    /// A builder holding the closure's rows: text and integer record ids in
    /// a batch each.
    fn builder(&self, rules: &Rules) -> Result<IdentityGraphBuilder, ResolveError> {
        let mut builder = IdentityGraphBuilder::new(rules)?;
        let strings = |values: Vec<Option<&str>>| -> ArrayRef { Arc::new(StringArray::from(values)) };
        let text = |row: &&AppendRow| {
            !matches!(
                row.record,
                Some(RecordKey {
                    record_id: RecordId::Integer(_),
                    ..
                })
            )
        };
        let (texts, integers): (Vec<&AppendRow>, Vec<&AppendRow>) = self.rows.iter().partition(text);
        for (rows, record_ids) in [
            (
                &texts,
                strings(
                    texts
                        .iter()
                        .map(|r| match &r.record {
                            Some(RecordKey {
                                record_id: RecordId::Text(id),
                                ..
                            }) => Some(id.as_str()),
                            _ => None,
                        })
                        .collect(),
                ),
            ),
            (
                &integers,
                Arc::new(Int64Array::from(
                    integers
                        .iter()
                        .map(|r| match &r.record {
                            Some(RecordKey {
                                record_id: RecordId::Integer(id),
                                ..
                            }) => Some(*id),
                            _ => None,
                        })
                        .collect::<Vec<_>>(),
                )) as ArrayRef,
            ),
        ] {
            if rows.is_empty() {
                continue;
            }
            builder.add_batch(
                &record_ids,
                &strings(rows.iter().map(|r| Some(r.identifier.0.as_str())).collect()),
                &strings(rows.iter().map(|r| Some(r.identifier.1.as_str())).collect()),
                Some(&strings(
                    rows.iter()
                        .map(|r| r.record.as_ref().and_then(|k| k.source.as_deref()))
                        .collect(),
                )),
                None,
            )?;
        }
        Ok(builder)
    }
}

/// Whether the day holds an identifier on a record of a source none of its
/// stored records has: the only way an identifier set aside for its records
/// can be confirmed, as one source alone held it.
fn brings_a_new_source(stored: &StoredIdentifier, day_sources: Option<&HashSet<Option<&str>>>) -> bool {
    day_sources.is_some_and(|sources| {
        sources
            .iter()
            .any(|&source| !stored.records.iter().any(|r| r.source.as_deref() == source))
    })
}
