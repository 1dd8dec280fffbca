//! An incremental append: a day's rows resolved together with only the
//! stored records they can change, and the persons come out as in one run
//! over every row with the graph's mapping as `previous`.
//!
//! The closure of a day is found from the stored graph, identifier by
//! identifier. An identifier is *opened* (every record holding it is read
//! whole, and every identifier on those records decided in turn) when it is
//! new, when it merges (is not set aside), or when the day can turn its
//! exclusion; otherwise it is *pinned*: kept set aside with the reason the
//! graph found ([`IdentityGraphBuilder::pin`]), its records not read whole.
//! Opening closes over the identifiers that merge, so the closure holds
//! whole components, and the persons of every other component cannot
//! change: their records are not touched and no identifier of theirs is on
//! a closure record.
//!
//! A set-aside identifier stays set aside as records arrive, since what
//! sets it aside only grows (records per source, links, links per type,
//! identifiers held per type), with these exceptions, which open it:
//! - `max_records_per_identifier` under `max_records_unconfirmed`: an
//!   identifier one source alone held on many records is confirmed when a
//!   record of another source holds it (or, with names, when its records'
//!   names come to be one person's);
//! - a record of more identifiers than the clique limit links them to its
//!   strongest, which a new identifier of the record can change.
//!
//! With names, links also fall away: a record whose name dissents from an
//! identifier's majority name, confirmed by a witness, is dropped from the
//! identifier. So with names:
//! - a pinned identifier that the day touches, or that the names judge (one
//!   set aside by its links alone), takes part with every record's name
//!   (not their other rows), so that the names judge it, and it witnesses,
//!   as in a whole run; any other keeps the reason its records' counts and
//!   names gave it, as they are unchanged;
//! - a new record of a pinned identifier that the names judge (one set
//!   aside by its links alone) may witness a dissent on its other records:
//!   those whose name shares a word with the new record's are read whole;
//! - after resolving, a pinned identifier whose names tell something new
//!   (its reason before links, its majority name), or that sits on a
//!   record whose dropped memberships changed, is opened and the closure
//!   resolved again, until none is.
//!
//! The status is the whole run's; a pinned identifier's reason is the
//! graph's or what the closure's records show, whichever is stronger, and
//! may be weaker than a whole run's when more than one rule holds.

mod changes;
mod memory;
mod state_file;
mod store;
#[cfg(test)]
mod tests;

pub use changes::{Changes, changes};
pub use memory::MemoryGraph;
pub use state_file::{DamagedState, StateFile, StateStack, encode as encode_state, record_hash};
pub use store::{
    AppendRow, GraphStore, IdentifierKey, RecordId, RecordKey, StoredIdentifier, StoredRecord, append_rows,
    batch_rows,
};

use hashbrown::{HashMap, HashSet};
use std::sync::Arc;

use arrow::array::{ArrayRef, Int64Array, StringArray};

use crate::identity::evidence::Reason;
use crate::identity::record_names::{name_words, share_a_word};
use crate::identity::resolve::{CLIQUE_LIMIT, IdentityGraphBuilder, Resolution, ResolveError};
use crate::identity::rules::{BlockMatcher, Rules};

/// How much of the stored graph an append read and resolved again.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppendStats {
    /// Stored identifiers whose records were read whole and which were
    /// resolved again.
    pub opened: usize,
    /// Set-aside identifiers on closure records, kept set aside.
    pub pinned: usize,
    /// Stored records read whole.
    pub records_read: usize,
    /// Rows resolved: the closure records', the pinned identifiers' and the
    /// day's.
    pub rows: usize,
    /// Times the closure was resolved: once, and again each time names
    /// opened more.
    pub rounds: usize,
}

/// The outcome of an append: the new state of every identifier in the
/// closure (opened and pinned), in the resolver's order. Identifiers not in
/// it keep their stored state.
pub struct Appended {
    pub resolution: Resolution,
    pub stats: AppendStats,
    /// The identifiers kept set aside: their reason before links and
    /// majority name are exact only with names.
    pub pinned: HashSet<IdentifierKey>,
    /// Records resolved with all of their rows: the day's and those read
    /// whole. Their dropped memberships are `dropped`; other records keep
    /// theirs.
    pub whole_records: Vec<RecordKey>,
    pub dropped: HashSet<(RecordKey, IdentifierKey)>,
}

/// Why an append failed: the store could not be read, or the resolver
/// refused the rows.
#[derive(Debug)]
pub enum AppendError<E> {
    Store(E),
    Resolve(ResolveError),
}

impl<E: std::fmt::Display> std::fmt::Display for AppendError<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AppendError::Store(e) => e.fmt(f),
            AppendError::Resolve(e) => e.fmt(f),
        }
    }
}

/// Resolves `day` against `store` (see the module's documentation).
/// `with_names`: the graph's links carry names.
pub fn append<S: GraphStore>(
    store: &S,
    day: &[AppendRow],
    rules: &Rules,
    with_names: bool,
) -> Result<Appended, AppendError<S::Error>> {
    let with_names = with_names && rules.shared_on_name_disagreement;
    let taken = store.taken_one_ids().map_err(AppendError::Store)?;
    let mut block = rules
        .compile_block_list()
        .map_err(|e| AppendError::Resolve(ResolveError::Rules(e)))?;
    let mut opened_by_names: HashSet<IdentifierKey> = HashSet::new();
    let mut rounds = 0;
    loop {
        rounds += 1;
        let closure = Closure::find(store, day, with_names, &opened_by_names, &mut block)
            .map_err(AppendError::Store)?;
        let (builder, record_order) = closure.builder(rules, with_names).map_err(AppendError::Resolve)?;
        let resolution = closure
            .resolve(builder, rules, &taken)
            .map_err(AppendError::Resolve)?;
        let position: HashMap<(&str, &str), usize> = (0..resolution.len())
            .map(|i| ((resolution.id_type(i), resolution.id_value(i)), i))
            .collect();
        let judged = resolution.judged();
        let dropped: HashSet<(RecordKey, IdentifierKey)> = judged
            .dropped
            .iter()
            .map(|&m| {
                let (record, i) = ((m >> 32) as usize, m as u32 as usize);
                let identifier = (
                    resolution.id_type(i).to_string(),
                    resolution.id_value(i).to_string(),
                );
                (record_order[record].clone(), identifier)
            })
            .collect();
        let before = opened_by_names.len();
        if with_names {
            for key in &closure.judged_here {
                let (stored, i) = (&closure.pinned[key], position[&(key.0.as_str(), key.1.as_str())]);
                if judged.reasons_before_links[i] != stored.reason_before_links
                    || judged.majority_names[i] != stored.majority_name
                {
                    opened_by_names.insert(key.clone());
                }
            }
            for (record, identifiers) in &closure.stored_whole {
                let changed = identifiers
                    .iter()
                    .any(|(key, was)| dropped.contains(&(record.clone(), key.clone())) != *was);
                if changed {
                    opened_by_names.extend(
                        identifiers
                            .iter()
                            .map(|(key, _)| key)
                            .filter(|key| closure.pinned.contains_key(*key))
                            .cloned(),
                    );
                }
            }
        }
        if opened_by_names.len() == before {
            drop(position);
            let stats = AppendStats {
                opened: closure.opened,
                pinned: closure.pinned.len(),
                records_read: closure.stored_whole.len(),
                rows: closure.rows.len(),
                rounds,
            };
            let mut whole_records: Vec<RecordKey> = closure.stored_whole.into_keys().collect();
            whole_records.extend(day.iter().filter_map(|r| r.record.clone()));
            whole_records.sort_unstable();
            whole_records.dedup();
            return Ok(Appended {
                resolution,
                stats,
                pinned: closure.pinned.into_keys().collect(),
                whole_records,
                dropped,
            });
        }
    }
}

/// What an append resolves: rows, the pins, and the stored ids.
struct Closure {
    /// The stored records read whole, then the other records of the pinned
    /// identifiers judged here (their rows of the identifier alone), then
    /// the day's: a record's name is the first its rows give.
    rows: Vec<AppendRow>,
    pinned: HashMap<IdentifierKey, StoredIdentifier>,
    /// The pinned identifiers the closure's rows judge again by the names of
    /// all their records: those the day touches, and those the names judge
    /// (set aside by their links alone). The others keep what the graph
    /// found before their links were counted: their records are unchanged.
    judged_here: HashSet<IdentifierKey>,
    /// Stored records read whole, with their memberships' dropped flags.
    stored_whole: HashMap<RecordKey, Vec<(IdentifierKey, bool)>>,
    previous: Vec<(IdentifierKey, i64)>,
    opened: usize,
}

impl Closure {
    fn find<S: GraphStore>(
        store: &S,
        day: &[AppendRow],
        with_names: bool,
        opened_by_names: &HashSet<IdentifierKey>,
        block: &mut BlockMatcher,
    ) -> Result<Closure, S::Error> {
        // The sources each identifier comes with today, for the exclusion a
        // new source can turn.
        let mut day_sources: HashMap<&IdentifierKey, HashSet<Option<&str>>> = HashMap::new();
        for row in day {
            let source = row.record.as_ref().map(|r| r.source.as_deref());
            day_sources.entry(&row.identifier).or_default().extend(source);
        }
        let mut forced: HashSet<IdentifierKey> = opened_by_names.clone();
        let mut read: HashMap<RecordKey, StoredRecord> = HashMap::new();
        let mut frontier: Vec<IdentifierKey> = day.iter().map(|r| r.identifier.clone()).collect();
        // Records of the day the graph holds already: read whole, and a
        // record grown past the clique limit opens all of its identifiers.
        // (One named for the first time needs nothing more: read whole, it
        // is judged as in a whole run, and what its name changes shows
        // after resolving.)
        let mut day_records: Vec<RecordKey> = day.iter().filter_map(|r| r.record.clone()).collect();
        day_records.sort_unstable();
        day_records.dedup();
        let mut day_identifiers_of: HashMap<&RecordKey, Vec<&IdentifierKey>> = HashMap::new();
        for row in day {
            if let Some(record) = &row.record {
                day_identifiers_of
                    .entry(record)
                    .or_default()
                    .push(&row.identifier);
            }
        }
        for (record, stored) in day_records.iter().zip(store.records(&day_records)?) {
            if stored.identifiers.is_empty() {
                continue;
            }
            let mut all: HashSet<&IdentifierKey> = stored.identifiers.iter().map(|(key, _)| key).collect();
            all.extend(day_identifiers_of.get(record).into_iter().flatten().copied());
            if all.len() > CLIQUE_LIMIT {
                forced.extend(all.iter().map(|&key| key.clone()));
            }
            drop(all);
            frontier.extend(stored.identifiers.iter().map(|(key, _)| key.clone()));
            read.insert(record.clone(), stored);
        }
        let mut decided: HashSet<IdentifierKey> = HashSet::new();
        let mut pinned: HashMap<IdentifierKey, StoredIdentifier> = HashMap::new();
        let mut previous = Vec::new();
        let mut opened = 0;
        let mut to_read: Vec<RecordKey> = Vec::new();
        let mut witnesses_read = !with_names;
        loop {
            frontier.sort_unstable();
            frontier.dedup();
            frontier.retain(|key| !decided.contains(key));
            let stored = store.identifiers(&frontier)?;
            for (key, stored) in frontier.drain(..).zip(stored) {
                decided.insert(key.clone());
                let Some(stored) = stored else { continue };
                previous.push((key.clone(), stored.one_id));
                let open = forced.contains(&key)
                    || !stored.reason.excludes()
                    || (stored.reason == Reason::MaxRecordsPerIdentifier
                        && brings_a_new_source(&stored, day_sources.get(&key)));
                if open {
                    opened += 1;
                    to_read.extend(stored.records.iter().filter(|r| !read.contains_key(*r)).cloned());
                } else {
                    pinned.insert(key, stored);
                }
            }
            if to_read.is_empty() && !witnesses_read {
                // Every identifier of the day is decided: read the records
                // on which the day's pinned witnesses may confirm a dissent.
                witnesses_read = true;
                to_read = witnessed_records(store, day, &pinned, &read, block)?;
            }
            if to_read.is_empty() {
                break;
            }
            to_read.sort_unstable();
            to_read.dedup();
            let records = store.records(&to_read)?;
            for (record, stored) in to_read.drain(..).zip(records) {
                frontier.extend(
                    stored
                        .identifiers
                        .iter()
                        .map(|(key, _)| key)
                        .filter(|key| !decided.contains(*key))
                        .cloned(),
                );
                read.insert(record, stored);
            }
        }
        let mut rows: Vec<AppendRow> = Vec::new();
        for (record, stored) in &read {
            rows.extend(stored.identifiers.iter().map(|(identifier, _)| AppendRow {
                record: Some(record.clone()),
                identifier: identifier.clone(),
                name: stored.name.clone(),
            }));
        }
        let judged_here: HashSet<IdentifierKey> = pinned
            .iter()
            .filter(|(key, stored)| {
                with_names && (day_sources.contains_key(key) || !stored.reason_before_links.excludes())
            })
            .map(|(key, _)| key.clone())
            .collect();
        if with_names {
            // Their other records, with their names.
            let mut others: Vec<(RecordKey, &IdentifierKey)> = judged_here
                .iter()
                .map(|key| (key, &pinned[key]))
                .flat_map(|(key, stored)| {
                    stored
                        .records
                        .iter()
                        .filter(|r| !read.contains_key(*r))
                        .map(move |r| (r.clone(), key))
                })
                .collect();
            others.sort_unstable();
            let records: Vec<RecordKey> = others.iter().map(|(r, _)| r.clone()).collect();
            for ((record, key), name) in others.iter().zip(store.record_names(&records)?) {
                rows.push(AppendRow {
                    record: Some(record.clone()),
                    identifier: (*key).clone(),
                    name,
                });
            }
        }
        rows.extend(day.iter().cloned());
        let stored_whole = read
            .into_iter()
            .map(|(record, stored)| (record, stored.identifiers))
            .collect();
        Ok(Closure {
            rows,
            pinned,
            judged_here,
            stored_whole,
            previous,
            opened,
        })
    }

    /// A builder holding the closure's rows (text and integer record ids in
    /// a batch each), and the records in the order the builder numbers them.
    fn builder(
        &self,
        rules: &Rules,
        with_names: bool,
    ) -> Result<(IdentityGraphBuilder, Vec<RecordKey>), ResolveError> {
        let mut builder = IdentityGraphBuilder::new(rules)?.with_judged_evidence();
        let strings = |values: Vec<Option<&str>>| -> ArrayRef { Arc::new(StringArray::from(values)) };
        let is_integer = |row: &&AppendRow| {
            matches!(
                row.record,
                Some(RecordKey {
                    record_id: RecordId::Integer(_),
                    ..
                })
            )
        };
        let (integers, texts): (Vec<&AppendRow>, Vec<&AppendRow>) = self.rows.iter().partition(is_integer);
        let mut order: Vec<RecordKey> = Vec::new();
        let mut numbered: HashSet<&RecordKey> = HashSet::new();
        for (rows, integer_ids) in [(&texts, false), (&integers, true)] {
            if rows.is_empty() {
                continue;
            }
            let record_ids: ArrayRef = if integer_ids {
                Arc::new(Int64Array::from(
                    rows.iter()
                        .map(|r| match &r.record {
                            Some(RecordKey {
                                record_id: RecordId::Integer(id),
                                ..
                            }) => Some(*id),
                            _ => None,
                        })
                        .collect::<Vec<_>>(),
                ))
            } else {
                strings(
                    rows.iter()
                        .map(|r| match &r.record {
                            Some(RecordKey {
                                record_id: RecordId::Text(id),
                                ..
                            }) => Some(id.as_str()),
                            _ => None,
                        })
                        .collect(),
                )
            };
            let names = with_names.then(|| strings(rows.iter().map(|r| r.name.as_deref()).collect()));
            builder.add_batch(
                &record_ids,
                &strings(rows.iter().map(|r| Some(r.identifier.0.as_str())).collect()),
                &strings(rows.iter().map(|r| Some(r.identifier.1.as_str())).collect()),
                Some(&strings(
                    rows.iter()
                        .map(|r| r.record.as_ref().and_then(|k| k.source.as_deref()))
                        .collect(),
                )),
                names.as_ref(),
            )?;
            for record in rows.iter().filter_map(|r| r.record.as_ref()) {
                if numbered.insert(record) {
                    order.push(record.clone());
                }
            }
        }
        Ok((builder, order))
    }

    /// Resolves the rows with the pins and the stored ids.
    fn resolve(
        &self,
        mut builder: IdentityGraphBuilder,
        rules: &Rules,
        taken: &[i64],
    ) -> Result<Resolution, ResolveError> {
        for ((id_type, id_value), stored) in &self.pinned {
            let key = (id_type.clone(), id_value.clone());
            let before_links = if self.judged_here.contains(&key) {
                Reason::None
            } else {
                stored.reason_before_links
            };
            builder.pin(id_type, id_value, before_links, stored.reason);
        }
        builder.retire(taken.iter().copied());
        let previous = self
            .previous
            .iter()
            .map(|((id_type, id_value), one_id)| (id_type.as_str(), id_value.as_str(), *one_id));
        builder.resolve(rules, previous)
    }
}

/// The stored records, not read whole, on which a dissent may be confirmed
/// by a record of the day: a dissent from an identifier's name is
/// confirmed by a witness (another identifier of the dissenting record, not
/// set aside by its records or names) with another record carrying the
/// dissenting name. So a pinned witness the day brings a record of, with
/// a name, may confirm a dissent on each of its records whose name shares
/// a word with that name; those records are read whole, and what the
/// confirmation drops shows after resolving.
fn witnessed_records<S: GraphStore>(
    store: &S,
    day: &[AppendRow],
    pinned: &HashMap<IdentifierKey, StoredIdentifier>,
    read: &HashMap<RecordKey, StoredRecord>,
    block: &mut BlockMatcher,
) -> Result<Vec<RecordKey>, S::Error> {
    let mut new_names: HashMap<&IdentifierKey, Vec<String>> = HashMap::new();
    for row in day {
        let Some(stored) = pinned.get(&row.identifier) else {
            continue;
        };
        if stored.reason_before_links.excludes() {
            continue;
        }
        let stored_name = row
            .record
            .as_ref()
            .and_then(|r| read.get(r))
            .and_then(|r| r.name.as_deref());
        for name in [stored_name, row.name.as_deref()].into_iter().flatten() {
            if let Some(words) = name_words(name, block) {
                new_names.entry(&row.identifier).or_default().push(words);
            }
        }
    }
    let candidates: Vec<(RecordKey, &IdentifierKey)> = new_names
        .keys()
        .flat_map(|&key| {
            pinned[key]
                .records
                .iter()
                .filter(|r| !read.contains_key(*r))
                .map(move |r| (r.clone(), key))
        })
        .collect();
    let records: Vec<RecordKey> = candidates.iter().map(|(r, _)| r.clone()).collect();
    let names = store.record_names(&records)?;
    Ok(candidates
        .into_iter()
        .zip(names)
        .filter_map(|((record, key), name)| {
            let words = name_words(name.as_deref()?, block)?;
            new_names[key]
                .iter()
                .any(|new| share_a_word(new, &words))
                .then_some(record)
        })
        .collect())
}

/// Whether the day holds an identifier on a record of a source none of its
/// stored records has: the only way an identifier set aside for its records
/// can be confirmed without names, as one source alone held it.
fn brings_a_new_source(stored: &StoredIdentifier, day_sources: Option<&HashSet<Option<&str>>>) -> bool {
    day_sources.is_some_and(|sources| {
        sources
            .iter()
            .any(|&source| !stored.records.iter().any(|r| r.source.as_deref() == source))
    })
}
