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
mod reads;
mod state_file;
mod store;
#[cfg(test)]
mod tests;

pub use changes::{Changes, changes};
pub use memory::MemoryGraph;
pub use state_file::{DamagedState, StateFile, StateStack, encode as encode_state};
pub use store::{
    AppendRow, GraphStore, IdentifierKey, KeyAndName, KeyHash, Membership, RecordId, RecordKey,
    StoredIdentifier, StoredRecord, append_rows, batch_rows, identifier_hash, record_hash,
};

use std::sync::Arc;

use arrow::array::{ArrayRef, Int64Builder, StringBuilder};
use hashbrown::{HashMap, HashSet};

use crate::identity::evidence::Reason;
use crate::identity::record_names::{name_words, share_a_word};
use crate::identity::resolve::{CLIQUE_LIMIT, IdentityGraphBuilder, Resolution, ResolveError};
use crate::identity::rules::{BlockMatcher, Rules};
use reads::Reads;

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
    /// Rows of the pinned identifiers' other records, for their names.
    pub name_rows: usize,
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
    pub pinned: HashSet<KeyHash>,
    /// Records resolved with all of their rows: the day's and those read
    /// whole. Their dropped memberships are `dropped`, as (record,
    /// identifier); other records keep theirs.
    pub whole_records: Vec<KeyHash>,
    pub dropped: HashSet<(KeyHash, KeyHash)>,
    /// What the append read of the store: the changes start from it.
    pub(crate) reads: Reads,
    /// The hashes of the resolution's identifiers, in its order, and of
    /// the day's rows: the changes key by them too.
    pub(crate) resolved: Vec<KeyHash>,
    pub(crate) day_hashes: DayHashes,
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

/// The hashes of a day's rows: each row's identifier, and its record's.
pub(crate) struct DayHashes {
    pub(crate) identifiers: Vec<KeyHash>,
    pub(crate) records: Vec<Option<KeyHash>>,
}

impl DayHashes {
    fn of(day: &[AppendRow]) -> DayHashes {
        let mut buffer = Vec::new();
        let identifiers = day
            .iter()
            .map(|r| identifier_hash(&r.identifier.0, &r.identifier.1, &mut buffer))
            .collect();
        let records = day
            .iter()
            .map(|r| r.record.as_ref().map(|k| record_hash(k, &mut buffer)))
            .collect();
        DayHashes { identifiers, records }
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
    let mut block = rules
        .compile_block_list()
        .map_err(|e| AppendError::Resolve(ResolveError::Rules(e)))?;
    let hashes = DayHashes::of(day);
    let mut reads = Reads::default();
    let mut opened_by_names: HashSet<KeyHash> = HashSet::new();
    let mut rounds = 0;
    loop {
        rounds += 1;
        let closure = Closure::find(
            store,
            &mut reads,
            day,
            &hashes,
            with_names,
            &opened_by_names,
            &mut block,
        )
        .map_err(AppendError::Store)?;
        let (builder, record_order) = closure
            .builder(&reads, day, &hashes, rules, with_names)
            .map_err(AppendError::Resolve)?;
        let resolution = closure
            .resolve(&reads, builder, rules, |one_id| store.one_id_taken(one_id))
            .map_err(AppendError::Resolve)?;
        let (resolved, dropped) = dropped_memberships(&resolution, &record_order);
        let judged = resolution.judged();
        let before = opened_by_names.len();
        if with_names {
            let position: HashMap<KeyHash, usize> =
                resolved.iter().enumerate().map(|(i, &h)| (h, i)).collect();
            for hash in &closure.judged_here {
                let (stored, i) = (&closure.stored_identifier(&reads, hash).1, position[hash]);
                if judged.reasons_before_links[i] != stored.reason_before_links
                    || judged.majority_names[i] != stored.majority_name
                {
                    opened_by_names.insert(*hash);
                }
            }
            for (record, stored) in closure.records_read_whole(&reads) {
                let changed = stored
                    .identifiers
                    .iter()
                    .any(|m| dropped.contains(&(record, m.hash)) != m.dropped);
                if changed {
                    opened_by_names.extend(
                        stored
                            .identifiers
                            .iter()
                            .map(|m| m.hash)
                            .filter(|hash| closure.pinned.contains(hash)),
                    );
                }
            }
        }
        if opened_by_names.len() == before {
            let stats = AppendStats {
                opened: closure.opened,
                pinned: closure.pinned.len(),
                records_read: closure.stored_whole.len(),
                name_rows: closure.name_rows.len(),
                rows: closure.rows(&reads, day),
                rounds,
            };
            let whole_records = whole_records(closure.stored_whole, &hashes);
            return Ok(Appended {
                resolution,
                stats,
                pinned: closure.pinned,
                whole_records,
                dropped,
                reads,
                resolved,
                day_hashes: hashes,
            });
        }
    }
}

/// A graph's first version: every row resolved at once, as [`append`]
/// resolves them to an empty store, without searching one.
pub fn resolve_whole(rows: &[AppendRow], rules: &Rules, with_names: bool) -> Result<Appended, ResolveError> {
    let with_names = with_names && rules.shared_on_name_disagreement;
    let hashes = DayHashes::of(rows);
    let reads = Reads::default();
    let (builder, record_order) = Closure::default().builder(&reads, rows, &hashes, rules, with_names)?;
    let resolution = builder.resolve(rules, std::iter::empty())?;
    let (resolved, dropped) = dropped_memberships(&resolution, &record_order);
    let whole_records = whole_records(Vec::new(), &hashes);
    Ok(Appended {
        resolution,
        stats: AppendStats {
            rows: rows.len(),
            rounds: 1,
            ..AppendStats::default()
        },
        pinned: HashSet::new(),
        whole_records,
        dropped,
        reads,
        resolved,
        day_hashes: hashes,
    })
}

/// The records resolved with all of their rows, sorted (the changes walk
/// them in order): those read whole and the day's.
fn whole_records(mut read_whole: Vec<KeyHash>, day: &DayHashes) -> Vec<KeyHash> {
    read_whole.extend(day.records.iter().flatten());
    read_whole.sort_unstable();
    read_whole.dedup();
    read_whole
}

/// Each identifier's hash, in the resolution's order, and the memberships
/// name dissent dropped, as (record, identifier) hashes; `record_order`
/// holds the records as the resolver numbered them.
fn dropped_memberships(
    resolution: &Resolution,
    record_order: &[KeyHash],
) -> (Vec<KeyHash>, HashSet<(KeyHash, KeyHash)>) {
    let mut buffer = Vec::new();
    let resolved: Vec<KeyHash> = (0..resolution.len())
        .map(|i| identifier_hash(resolution.id_type(i), resolution.id_value(i), &mut buffer))
        .collect();
    let dropped = resolution
        .judged()
        .dropped
        .iter()
        .map(|&m| (record_order[(m >> 32) as usize], resolved[m as u32 as usize]))
        .collect();
    (resolved, dropped)
}

/// What an append resolves besides the day's rows, the pins, and the
/// stored ids, by hash: the stored states are in the append's [`Reads`].
#[derive(Default)]
struct Closure {
    /// The stored records read whole: resolved with all of their rows.
    stored_whole: Vec<KeyHash>,
    /// The other records of the pinned identifiers judged here, each for a
    /// row of the identifier alone with the record's name: (record,
    /// identifier).
    name_rows: Vec<(KeyHash, KeyHash)>,
    /// The identifiers kept set aside.
    pinned: HashSet<KeyHash>,
    /// The pinned identifiers the closure's rows judge again by the names of
    /// all their records: those the day touches, and those the names judge
    /// (set aside by their links alone). The others keep what the graph
    /// found before their links were counted: their records are unchanged.
    judged_here: HashSet<KeyHash>,
    /// The stored identifiers of the closure, whose one_ids are `previous`.
    stored: Vec<KeyHash>,
    opened: usize,
}

impl Closure {
    fn find<S: GraphStore>(
        store: &S,
        reads: &mut Reads,
        day: &[AppendRow],
        hashes: &DayHashes,
        with_names: bool,
        opened_by_names: &HashSet<KeyHash>,
        block: &mut BlockMatcher,
    ) -> Result<Closure, S::Error> {
        // The sources each identifier comes with today, for the exclusion a
        // new source can turn.
        let mut day_sources: HashMap<KeyHash, HashSet<Option<&str>>> = HashMap::new();
        for (row, &identifier) in day.iter().zip(&hashes.identifiers) {
            let source = row.record.as_ref().map(|r| r.source.as_deref());
            day_sources.entry(identifier).or_default().extend(source);
        }
        let mut forced: HashSet<KeyHash> = opened_by_names.clone();
        let mut read: HashSet<KeyHash> = HashSet::new();
        let mut frontier: Vec<KeyHash> = hashes.identifiers.clone();
        // Records of the day the graph holds already: read whole, and a
        // record grown past the clique limit opens all of its identifiers.
        // (One named for the first time needs nothing more: read whole, it
        // is judged as in a whole run, and what its name changes shows
        // after resolving.)
        let mut day_identifiers_of: HashMap<KeyHash, Vec<KeyHash>> = HashMap::new();
        for (&record, &identifier) in hashes.records.iter().zip(&hashes.identifiers) {
            if let Some(record) = record {
                day_identifiers_of.entry(record).or_default().push(identifier);
            }
        }
        reads.read_records(store, day_identifiers_of.keys().copied())?;
        for (record, day_identifiers) in &day_identifiers_of {
            let Some(stored) = reads.record(record).filter(|s| !s.identifiers.is_empty()) else {
                continue;
            };
            let mut all: HashSet<KeyHash> = stored.identifiers.iter().map(|m| m.hash).collect();
            all.extend(day_identifiers);
            if all.len() > CLIQUE_LIMIT {
                forced.extend(all);
            }
            frontier.extend(stored.identifiers.iter().map(|m| m.hash));
            read.insert(*record);
        }
        let mut closure = Closure::default();
        let mut decided: HashSet<KeyHash> = HashSet::new();
        let mut to_read: Vec<KeyHash> = Vec::new();
        let mut witnesses_read = !with_names;
        loop {
            frontier.sort_unstable();
            frontier.dedup();
            frontier.retain(|hash| !decided.contains(hash));
            reads.read_identifiers(store, frontier.iter().copied())?;
            // The records' sources of the identifiers a new source may
            // confirm: few are set aside so.
            let may_confirm = |hash: &KeyHash, stored: &StoredIdentifier| {
                stored.reason == Reason::MaxRecordsPerIdentifier && day_sources.contains_key(hash)
            };
            let sources_to_read: Vec<KeyHash> = frontier
                .iter()
                .filter_map(|hash| reads.identifier(hash).map(|(_, stored)| (hash, stored)))
                .filter(|(hash, stored)| may_confirm(hash, stored))
                .flat_map(|(_, stored)| stored.records.iter().copied())
                .collect();
            reads.read_names(store, sources_to_read)?;
            for hash in frontier.drain(..) {
                decided.insert(hash);
                let Some((_, stored)) = reads.identifier(&hash) else {
                    continue;
                };
                closure.stored.push(hash);
                let open = forced.contains(&hash)
                    || !stored.reason.excludes()
                    || (may_confirm(&hash, stored)
                        && brings_a_new_source(reads, stored, &day_sources[&hash]));
                if open {
                    closure.opened += 1;
                    to_read.extend(stored.records.iter().filter(|r| !read.contains(*r)));
                } else {
                    closure.pinned.insert(hash);
                }
            }
            if to_read.is_empty() && !witnesses_read {
                // Every identifier of the day is decided: read the records
                // on which the day's pinned witnesses may confirm a dissent.
                witnesses_read = true;
                to_read = witnessed_records(store, reads, day, hashes, &closure.pinned, &read, block)?;
            }
            if to_read.is_empty() {
                break;
            }
            reads.read_records(store, to_read.iter().copied())?;
            for hash in to_read.drain(..) {
                let Some(stored) = reads.record(&hash) else {
                    continue;
                };
                frontier.extend(
                    stored
                        .identifiers
                        .iter()
                        .map(|m| m.hash)
                        .filter(|hash| !decided.contains(hash)),
                );
                read.insert(hash);
            }
        }
        closure.judged_here = closure
            .pinned
            .iter()
            .filter(|hash| {
                with_names
                    && (day_sources.contains_key(*hash)
                        || !closure
                            .stored_identifier(reads, hash)
                            .1
                            .reason_before_links
                            .excludes())
            })
            .copied()
            .collect();
        if with_names {
            // Their other records, with their names.
            let mut others: Vec<(KeyHash, KeyHash)> = closure
                .judged_here
                .iter()
                .flat_map(|hash| {
                    closure
                        .stored_identifier(reads, hash)
                        .1
                        .records
                        .iter()
                        .filter(|r| !read.contains(*r))
                        .map(move |r| (*r, *hash))
                })
                .collect();
            others.sort_unstable();
            reads.read_names(store, others.iter().map(|(r, _)| *r))?;
            others.retain(|(record, _)| reads.name(record).is_some());
            closure.name_rows = others;
        }
        closure.stored_whole = read.into_iter().collect();
        closure.stored_whole.sort_unstable();
        Ok(closure)
    }

    /// A stored identifier of the closure (pinned or opened): its key and
    /// state, read while finding it.
    fn stored_identifier<'r>(
        &self,
        reads: &'r Reads,
        hash: &KeyHash,
    ) -> &'r (IdentifierKey, StoredIdentifier) {
        reads
            .identifier(hash)
            .expect("a closure's stored identifier was read")
    }

    /// The stored records read whole, with their hashes.
    fn records_read_whole<'r>(
        &'r self,
        reads: &'r Reads,
    ) -> impl Iterator<Item = (KeyHash, &'r StoredRecord)> + 'r {
        self.stored_whole
            .iter()
            .filter_map(|hash| reads.record(hash).map(|record| (*hash, record)))
    }

    /// The rows resolved: the stored records' read whole, the pinned
    /// identifiers' names, the day's.
    fn rows(&self, reads: &Reads, day: &[AppendRow]) -> usize {
        let stored: usize = self
            .records_read_whole(reads)
            .map(|(_, r)| r.identifiers.len())
            .sum();
        stored + self.name_rows.len() + day.len()
    }

    /// A builder holding the closure's rows and the day's (text and integer
    /// record ids in a batch each; a record's name is the first its rows
    /// give, so the stored records come first), and the records in the
    /// order the builder numbers them.
    fn builder(
        &self,
        reads: &Reads,
        day: &[AppendRow],
        hashes: &DayHashes,
        rules: &Rules,
        with_names: bool,
    ) -> Result<(IdentityGraphBuilder, Vec<KeyHash>), ResolveError> {
        let mut builder = IdentityGraphBuilder::new(rules)?.with_judged_evidence();
        let (mut texts, mut integers) = (RowColumns::new(false), RowColumns::new(true));
        let mut push =
            |record: Option<(&RecordKey, KeyHash)>, identifier: &IdentifierKey, name: Option<&str>| {
                let columns = match record {
                    Some((key, _)) if matches!(key.record_id, RecordId::Integer(_)) => &mut integers,
                    _ => &mut texts,
                };
                columns.push(record, identifier, name);
            };
        for (hash, stored) in self.records_read_whole(reads) {
            for m in &stored.identifiers {
                push(Some((&stored.key, hash)), &m.identifier, stored.name.as_deref());
            }
        }
        for (record, identifier) in &self.name_rows {
            if let Some((key, name)) = reads.name(record) {
                push(
                    Some((key, *record)),
                    &self.stored_identifier(reads, identifier).0,
                    name,
                );
            }
        }
        for (row, record) in day.iter().zip(&hashes.records) {
            push(
                row.record.as_ref().zip(*record),
                &row.identifier,
                row.name.as_deref(),
            );
        }
        let mut order: Vec<KeyHash> = Vec::new();
        let mut numbered: HashSet<KeyHash> = HashSet::new();
        for mut columns in [texts, integers] {
            if columns.record_hashes.is_empty() {
                continue;
            }
            let names = with_names.then(|| Arc::new(columns.names.finish()) as ArrayRef);
            builder.add_batch(
                &columns.record_ids(),
                &(Arc::new(columns.id_types.finish()) as ArrayRef),
                &(Arc::new(columns.id_values.finish()) as ArrayRef),
                Some(&(Arc::new(columns.sources.finish()) as ArrayRef)),
                names.as_ref(),
            )?;
            order.extend(
                columns
                    .record_hashes
                    .iter()
                    .flatten()
                    .filter(|&&h| numbered.insert(h)),
            );
        }
        Ok((builder, order))
    }

    /// Resolves the rows with the pins and the stored ids.
    fn resolve(
        &self,
        reads: &Reads,
        mut builder: IdentityGraphBuilder,
        rules: &Rules,
        taken: impl Fn(i64) -> bool,
    ) -> Result<Resolution, ResolveError> {
        for hash in &self.pinned {
            let ((id_type, id_value), stored) = self.stored_identifier(reads, hash);
            let before_links = if self.judged_here.contains(hash) {
                Reason::None
            } else {
                stored.reason_before_links
            };
            builder.pin(id_type, id_value, before_links, stored.reason);
        }
        let previous = self.stored.iter().map(|hash| {
            let ((id_type, id_value), stored) = self.stored_identifier(reads, hash);
            (id_type.as_str(), id_value.as_str(), stored.one_id)
        });
        builder.resolve_retiring(rules, previous, taken)
    }
}

/// The columns of the rows of one kind of record id, built without a
/// string per row.
struct RowColumns {
    record_ids: RecordIdColumn,
    id_types: StringBuilder,
    id_values: StringBuilder,
    sources: StringBuilder,
    names: StringBuilder,
    record_hashes: Vec<Option<KeyHash>>,
}

/// Record ids of one kind: the resolver tells `7` from `'7'` by the
/// column's type.
enum RecordIdColumn {
    Text(StringBuilder),
    Integer(Int64Builder),
}

impl RowColumns {
    fn new(integer_ids: bool) -> RowColumns {
        RowColumns {
            record_ids: if integer_ids {
                RecordIdColumn::Integer(Int64Builder::new())
            } else {
                RecordIdColumn::Text(StringBuilder::new())
            },
            id_types: StringBuilder::new(),
            id_values: StringBuilder::new(),
            sources: StringBuilder::new(),
            names: StringBuilder::new(),
            record_hashes: Vec::new(),
        }
    }

    fn push(
        &mut self,
        record: Option<(&RecordKey, KeyHash)>,
        identifier: &IdentifierKey,
        name: Option<&str>,
    ) {
        let key = record.map(|(key, _)| key);
        match &mut self.record_ids {
            RecordIdColumn::Text(ids) => ids.append_option(key.and_then(|k| match &k.record_id {
                RecordId::Text(id) => Some(id.as_str()),
                RecordId::Integer(_) => None,
            })),
            RecordIdColumn::Integer(ids) => ids.append_option(key.and_then(|k| match k.record_id {
                RecordId::Integer(id) => Some(id),
                RecordId::Text(_) => None,
            })),
        }
        self.id_types.append_value(&identifier.0);
        self.id_values.append_value(&identifier.1);
        self.sources.append_option(key.and_then(|k| k.source.as_deref()));
        self.names.append_option(name);
        self.record_hashes.push(record.map(|(_, hash)| hash));
    }

    fn record_ids(&mut self) -> ArrayRef {
        match &mut self.record_ids {
            RecordIdColumn::Text(ids) => Arc::new(ids.finish()),
            RecordIdColumn::Integer(ids) => Arc::new(ids.finish()),
        }
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
    reads: &mut Reads,
    day: &[AppendRow],
    hashes: &DayHashes,
    pinned: &HashSet<KeyHash>,
    read: &HashSet<KeyHash>,
    block: &mut BlockMatcher,
) -> Result<Vec<KeyHash>, S::Error> {
    let mut new_names: HashMap<KeyHash, Vec<String>> = HashMap::new();
    for ((row, identifier), record) in day.iter().zip(&hashes.identifiers).zip(&hashes.records) {
        let Some((_, stored)) = reads
            .identifier(identifier)
            .filter(|_| pinned.contains(identifier))
        else {
            continue;
        };
        if stored.reason_before_links.excludes() {
            continue;
        }
        let stored_name = record
            .filter(|r| read.contains(r))
            .and_then(|r| reads.record(&r))
            .and_then(|r| r.name.as_deref());
        for name in [stored_name, row.name.as_deref()].into_iter().flatten() {
            if let Some(words) = name_words(name, block) {
                new_names.entry(*identifier).or_default().push(words);
            }
        }
    }
    let candidates: Vec<(KeyHash, KeyHash)> = new_names
        .keys()
        .flat_map(|identifier| {
            let records = reads.identifier(identifier).map_or(&[][..], |(_, s)| &s.records);
            records
                .iter()
                .filter(|r| !read.contains(*r))
                .map(move |r| (*r, *identifier))
        })
        .collect();
    reads.read_names(store, candidates.iter().map(|(r, _)| *r))?;
    Ok(candidates
        .into_iter()
        .filter_map(|(record, identifier)| {
            let words = name_words(reads.name(&record)?.1?, block)?;
            new_names[&identifier]
                .iter()
                .any(|new| share_a_word(new, &words))
                .then_some(record)
        })
        .collect())
}

/// Whether the day holds an identifier on a record of a source none of its
/// stored records has (their keys read before): the only way an identifier
/// set aside for its records can be confirmed without names, as one source
/// alone held it.
fn brings_a_new_source(
    reads: &Reads,
    stored: &StoredIdentifier,
    day_sources: &HashSet<Option<&str>>,
) -> bool {
    let held: HashSet<Option<&str>> = stored
        .records
        .iter()
        .filter_map(|r| reads.name(r))
        .map(|(key, _)| key.source.as_deref())
        .collect();
    day_sources.iter().any(|source| !held.contains(source))
}
