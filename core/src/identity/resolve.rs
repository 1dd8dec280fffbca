//! One-ID: identifiers seen in the same record belong to the same person.
//!
//! [`IdentityGraphBuilder`] takes `(record_id, id_type, id_value)` rows batch
//! by batch; [`IdentityGraphBuilder::resolve`] applies the [`Rules`] and
//! gives each distinct identifier a person (`one_id`) and a status.
//!
//! The result depends only on the set of input rows, never on their order:
//! identifiers are ranked canonically (type priority, type name, a hash of
//! the value) and every later step works in rank order.

use arrow::array::{Array, ArrayRef, AsArray};
use arrow::datatypes::{DataType, Int32Type, Int64Type, UInt32Type, UInt64Type};
use hashbrown::HashSet;
use twox_hash::{XxHash3_64, XxHash3_128};

use super::evidence::{LinkLimits, Reason, shared_by_links, shared_by_records};
use super::interner::IdentifierInterner;
use super::records::{RecordIdTexts, RecordResolution};
use super::rules::{BlockMatcher, Rules};
use super::union_find::UnionFind;
use crate::bucket_sort::bucket_sort_by;
use crate::key_index::KeyIndex;

/// Records with at most this many identifiers link them all pairwise; larger
/// ones link each to the record's strongest identifier.
const CLIQUE_LIMIT: usize = 16;

/// What became of an identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    /// Alone: no record links it to another identifier.
    Singleton,
    /// Part of a person with more than one identifier.
    Merged,
    /// A merge through it was refused because the person would have held
    /// more identifiers of a type than `max_per_person` allows.
    Refused,
    /// Linked to more identifiers than `max_identifier_degree`, or to more of
    /// one type than `max_links_per_type`: kept out of merging (a demo
    /// tablet, a salesperson's phone).
    Shared,
    /// A junk value from the block list: kept out of merging.
    Blocked,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Singleton => "singleton",
            Status::Merged => "merged",
            Status::Refused => "refused",
            Status::Shared => "shared",
            Status::Blocked => "blocked",
        }
    }
}

/// Accumulates identifier links from batches of rows.
pub struct IdentityGraphBuilder {
    interner: IdentifierInterner,
    /// Record numbers by the 128-bit hash of the source and record id.
    records: KeyIndex,
    /// Each record's source number.
    record_sources: Vec<u16>,
    /// Source names by number; number 0 is no source (NULL or no column).
    source_names: Vec<Option<String>>,
    /// Each record's id as text, when the record map is wanted.
    record_ids: Option<RecordIdTexts>,
    /// `record << 32 | identifier` for every linkable row.
    memberships: Vec<u64>,
    block: BlockMatcher,
    blocked: Vec<bool>,
    rows: u64,
    skipped_rows: u64,
}

/// Counts reported next to the result.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResolutionStats {
    pub rows: u64,
    /// Rows with a NULL `id_type` or `id_value`: they name no identifier.
    pub skipped_rows: u64,
    pub identifiers: u64,
    pub persons: u64,
    pub links: u64,
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
            + self.blocked.capacity()
    }

    pub fn new(rules: &Rules) -> Result<Self, String> {
        Ok(IdentityGraphBuilder {
            interner: IdentifierInterner::new(),
            records: KeyIndex::new(),
            record_sources: Vec::new(),
            source_names: vec![None],
            record_ids: None,
            memberships: Vec::new(),
            block: rules.compile_block_list()?,
            blocked: Vec::new(),
            rows: 0,
            skipped_rows: 0,
        })
    }

    /// Keeps each record's id, so that the resolution also tells each
    /// record's person ([`Resolution::records`]).
    pub fn with_record_map(mut self) -> Self {
        self.record_ids = Some(RecordIdTexts::default());
        self
    }

    /// Adds one batch. `record_ids` may be a string or integer array;
    /// `id_types`, `id_values` and `sources` string arrays (Utf8, LargeUtf8,
    /// Utf8View). A record is its source and id together: `lead` 7 and
    /// `order` 7 are two records.
    pub fn add_batch(
        &mut self,
        record_ids: &ArrayRef,
        id_types: &ArrayRef,
        id_values: &ArrayRef,
        sources: Option<&ArrayRef>,
    ) -> Result<(), String> {
        let mut records = record_keys(record_ids)?;
        let row_sources = self.source_numbers(sources, &mut records)?;
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
                    let id = self.interner.type_id(id_type)?;
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
            let Some((type_id, key, id_value)) = identifier else {
                continue;
            };
            let (ident, new) = self.interner.intern_keyed(type_id, key, id_value)?;
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
    ) -> Result<u32, String> {
        let next = self.records.len() as u32;
        if next == u32::MAX {
            return Err(format!("more than {} distinct record_id values", u32::MAX - 1));
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
    ) -> Result<Vec<u16>, String> {
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
                            return Err(format!(
                                "more than {MAX_SOURCES} distinct source values (a source names a system such as 'crm' or 'lead', not a record)"
                            ));
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

    /// Applies the rules. `previous` gives one_ids of an earlier run as
    /// `(id_type, id_value, one_id)`; see [`assign_one_ids`] for how they carry over.
    pub fn resolve<'a>(
        self,
        rules: &Rules,
        previous: impl IntoIterator<Item = (&'a str, &'a str, i64)>,
    ) -> Result<Resolution, String> {
        let IdentityGraphBuilder {
            interner,
            records,
            record_sources,
            source_names,
            record_ids,
            mut memberships,
            blocked,
            rows,
            skipped_rows,
            ..
        } = self;
        let record_count = records.len();
        drop(records);
        let n = interner.len();

        // Canonical order: strongest type first, then type name, then value hash.
        let mut type_order: Vec<u16> = (0..interner.type_names().len() as u16).collect();
        type_order.sort_by(|&a, &b| {
            let (na, nb) = (interner.type_name(a), interner.type_name(b));
            rules.priority(na).cmp(&rules.priority(nb)).then(na.cmp(nb))
        });
        let mut type_rank = vec![0u16; type_order.len()];
        for (rank, &t) in type_order.iter().enumerate() {
            type_rank[t as usize] = rank as u16;
        }
        let by_rank = canonical_order(&interner, &type_rank);
        let mut rank_of = vec![0u32; n];
        for (rank, &ident) in by_rank.iter().enumerate() {
            rank_of[ident as usize] = rank as u32;
        }
        // Ranks are grouped by type rank: where each group ends tells the type
        // rank of any rank without a memory access per identifier.
        let mut type_ends = vec![0u32; type_order.len()];
        for ident in 0..n as u32 {
            type_ends[type_rank[interner.type_of(ident) as usize] as usize] += 1;
        }
        for t in 1..type_ends.len() {
            type_ends[t] += type_ends[t - 1];
        }
        let type_rank_at = |r: u32| type_ends.iter().take_while(|&&end| end <= r).count();

        // Links: identifiers of one record, in rank numbers, deduplicated.
        for m in memberships.iter_mut() {
            *m = (*m & !0xFFFF_FFFF) | rank_of[(*m & 0xFFFF_FFFF) as usize] as u64;
        }
        // Grouped by record, each record's few identifiers in rank order.
        bucket_sort_by(&mut memberships, record_count, |&m| (m >> 32) as usize, u64::cmp);
        memberships.dedup();

        // Shared identifiers: on too many records of one source (counted
        // here, from the rows), linked to too many others, or to more of a
        // type than one person holds (below, from the links).
        let mut reasons = vec![Reason::None; n];
        for (r, reason) in reasons.iter_mut().enumerate() {
            if blocked[by_rank[r] as usize] {
                *reason = Reason::Block;
            }
        }
        let mut slot_of_source: Vec<Option<usize>> = Vec::with_capacity(source_names.len());
        let mut counted_sources = 0;
        for name in &source_names {
            let counted = rules.counts_records_of(name.as_deref().unwrap_or_default());
            slot_of_source.push(counted.then(|| {
                counted_sources += 1;
                counted_sources - 1
            }));
        }
        let record_limits: Vec<Option<u32>> = type_order
            .iter()
            .map(|&t| rules.max_records(interner.type_name(t)))
            .collect();
        shared_by_records(
            &memberships,
            &mut reasons,
            counted_sources,
            |record| slot_of_source[record_sources[record as usize] as usize],
            |r| record_limits[type_rank_at(r)],
            rules.max_records_unconfirmed,
        );
        drop(record_limits);
        let mut links: Vec<u64> = Vec::with_capacity(memberships.len());
        let mut ranks: Vec<u32> = Vec::new();
        for group in memberships.chunk_by(|a, b| a >> 32 == b >> 32) {
            ranks.clear();
            ranks.extend(group.iter().map(|m| (m & 0xFFFF_FFFF) as u32));
            if ranks.len() <= CLIQUE_LIMIT {
                for (i, &a) in ranks.iter().enumerate() {
                    for &b in &ranks[i + 1..] {
                        links.push((a as u64) << 32 | b as u64);
                    }
                }
            } else {
                links.extend(ranks[1..].iter().map(|&b| (ranks[0] as u64) << 32 | b as u64));
            }
        }
        // The record map needs each record's identifiers once more.
        let memberships = if record_ids.is_some() {
            memberships
        } else {
            drop(memberships);
            Vec::new()
        };
        bucket_sort_by(&mut links, n, |&l| (l >> 32) as usize, u64::cmp);
        links.dedup();

        let link_limits = LinkLimits {
            max_identifier_degree: rules.max_identifier_degree,
            max_links_per_type: rules.max_links_per_type,
            max_per_person: type_order
                .iter()
                .map(|&t| {
                    rules
                        .max_per_person(interner.type_name(t))
                        .filter(|_| rules.shared_on_conflict)
                })
                .collect(),
        };
        shared_by_links(&links, &mut reasons, type_rank_at, &link_limits);
        let mut status: Vec<Status> = reasons
            .iter()
            .map(|&reason| match reason {
                Reason::Block => Status::Blocked,
                reason if reason.excludes() => Status::Shared,
                _ => Status::Singleton,
            })
            .collect();

        // Merge through the strongest links first; a link is as strong as its
        // weaker end, which is the higher rank.
        let mut slot_of_type: Vec<Option<usize>> = vec![None; type_order.len()];
        let mut limits: Vec<u8> = Vec::new();
        for (t, slot) in slot_of_type.iter_mut().enumerate() {
            if let Some(max) = rules.max_per_person(interner.type_name(t as u16)) {
                if max < u8::MAX as u32 {
                    *slot = Some(limits.len());
                    limits.push(max as u8);
                }
            }
        }
        // Shared and blocked identifiers join no one: their links go before
        // sorting. A bit per identifier stays in cache where statuses would not.
        let mut excluded = vec![0u64; n.div_ceil(64)];
        for (r, s) in status.iter().enumerate() {
            if *s >= Status::Shared {
                excluded[r / 64] |= 1 << (r % 64);
            }
        }
        let is_excluded = |r: u32| excluded[r as usize / 64] >> (r % 64) & 1 == 1;
        links.retain(|&l| !is_excluded((l >> 32) as u32) && !is_excluded(l as u32));
        // Stable: within a strength, links stay in (a, b) order.
        bucket_sort_by(
            &mut links,
            type_order.len(),
            |&l| type_rank_at(l as u32),
            u64::cmp,
        );
        let mut uf = UnionFind::new(
            (0..n as u32).map(|r| slot_of_type[type_order[type_rank_at(r)] as usize]),
            limits.len(),
            n,
        );
        let mut applied = 0u64;
        for &l in &links {
            let (a, b) = ((l >> 32) as u32, (l & 0xFFFF_FFFF) as u32);
            if uf.union_within(a, b, &limits) {
                applied += 1;
            } else {
                status[b as usize] = status[b as usize].max(Status::Refused);
                reasons[b as usize] = reasons[b as usize].max(Reason::MaxPerPerson);
            }
        }
        drop(links);

        // Persons: each identified by its strongest identifier, the anchor.
        let mut root_of = vec![0u32; n];
        let mut anchor_of_root = vec![u32::MAX; n];
        let mut anchors = Vec::new();
        let mut cluster_size = vec![0u32; n];
        for r in 0..n as u32 {
            let root = uf.find(r);
            root_of[r as usize] = root;
            if anchor_of_root[root as usize] == u32::MAX {
                anchor_of_root[root as usize] = r;
                anchors.push(r);
            }
            // The unions are done: the root's size is its person's.
            let size = uf.size(root);
            cluster_size[r as usize] = size;
            if size > 1 && status[r as usize] == Status::Singleton {
                status[r as usize] = Status::Merged;
            }
        }
        drop(uf);

        // The previous run's ids, for the identifiers seen now.
        let mut previous_of_rank: Vec<i64> = vec![NO_ID; n];
        // Every id handed out, previous or new: about one per person.
        let mut retired = HashSet::with_capacity(anchors.len());
        for (id_type, id_value, one_id) in previous {
            retired.insert(one_id);
            let Some(type_id) = interner.find_type(id_type) else {
                continue;
            };
            let Some(ident) = interner.find(type_id, id_value.as_bytes()) else {
                continue;
            };
            let slot = &mut previous_of_rank[rank_of[ident as usize] as usize];
            if *slot != NO_ID && *slot != one_id {
                return Err(format!(
                    "the previous mapping gives {id_type} '{id_value}' two one_ids, {} and {one_id}",
                    *slot
                ));
            }
            *slot = one_id;
        }
        let anchor_name = |r: u32| {
            let ident = by_rank[r as usize];
            (interner.type_name(interner.type_of(ident)), interner.value(ident))
        };
        let one_id_of_root = assign_one_ids(
            &anchors,
            &root_of,
            &anchor_of_root,
            &previous_of_rank,
            retired,
            anchor_name,
        );
        let one_id = (0..n).map(|r| one_id_of_root[root_of[r] as usize]).collect();
        let records = record_ids.map(|ids| {
            RecordResolution::assign(
                ids,
                record_sources,
                source_names,
                &memberships,
                &reasons,
                &root_of,
                &one_id_of_root,
            )
        });

        Ok(Resolution {
            stats: ResolutionStats {
                rows,
                skipped_rows,
                identifiers: n as u64,
                persons: anchors.len() as u64,
                links: applied,
            },
            interner,
            by_rank,
            one_id,
            cluster_size,
            status,
            reasons,
            records,
        })
    }
}

/// Identifiers by type rank, then value hash, then value (for the rare
/// equal hashes): a bucket sort on type and hash prefix, with value bytes
/// read only on a tie.
fn canonical_order(interner: &IdentifierInterner, type_rank: &[u16]) -> Vec<u32> {
    let n = interner.len();
    // About 32 identifiers per bucket when the types are of similar size.
    let prefix_bits = (usize::BITS - (n / 32).leading_zeros()).min(24);
    let buckets = type_rank.len() << prefix_bits;
    let mut keyed: Vec<(u16, u64, u32)> = (0..n as u32)
        .map(|i| (type_rank[interner.type_of(i) as usize], interner.value_hash(i), i))
        .collect();
    bucket_sort_by(
        &mut keyed,
        buckets,
        |&(rank, hash, _)| (rank as usize) << prefix_bits | (hash >> 32 >> (32 - prefix_bits)) as usize,
        |a, b| {
            (a.0, a.1)
                .cmp(&(b.0, b.1))
                .then_with(|| interner.value(a.2).cmp(interner.value(b.2)))
        },
    );
    keyed.into_iter().map(|(_, _, i)| i).collect()
}

const NO_ID: i64 = i64::MIN;

/// Gives each person (a root, known by its anchor) a `one_id`.
///
/// - Without a previous run, the id is a hash of the anchor's type and value
///   (xxh3, 63 bits), so a person keeps the id while its strongest identifier
///   stays the same. A hash already taken moves to the next free one.
/// - With a previous run, a person whose identifiers carried previous ids keeps
///   the id carried by most of its identifiers (ties: the id of its strongest
///   identifier). When two persons claim the same previous id (a person split),
///   the one with more identifiers carrying it keeps it (ties: the stronger
///   anchor); the other gets a new id. Previous ids are never given to
///   anyone else, even when their person is gone.
fn assign_one_ids<'a>(
    anchors: &[u32],
    root_of: &[u32],
    anchor_of_root: &[u32],
    previous_of_rank: &[i64],
    mut used: HashSet<i64>,
    anchor_name: impl Fn(u32) -> (&'a str, &'a [u8]),
) -> Vec<i64> {
    let n = root_of.len();
    let mut one_id_of_root = vec![NO_ID; n];
    if previous_of_rank.iter().any(|&p| p != NO_ID) {
        // Votes per (root, previous id), in rank order so ties go to the stronger.
        let mut votes: Vec<(u32, i64, u32, u32)> = Vec::new(); // root, id, count, first rank
        let mut by_root: hashbrown::HashMap<(u32, i64), usize> = hashbrown::HashMap::new();
        for r in 0..n {
            let p = previous_of_rank[r];
            if p == NO_ID {
                continue;
            }
            let key = (root_of[r], p);
            match by_root.get(&key) {
                Some(&i) => votes[i].2 += 1,
                None => {
                    by_root.insert(key, votes.len());
                    votes.push((root_of[r], p, 1, r as u32));
                }
            }
        }
        // Each root's best claim: most votes, then strongest identifier.
        let mut best: hashbrown::HashMap<u32, (u32, u32, i64)> = hashbrown::HashMap::new();
        for &(root, id, count, first) in &votes {
            let entry = best.entry(root).or_insert((count, first, id));
            if (count, std::cmp::Reverse(first)) > (entry.0, std::cmp::Reverse(entry.1)) {
                *entry = (count, first, id);
            }
        }
        // Each previous id to one claimant: most votes, then strongest anchor.
        let mut winner: hashbrown::HashMap<i64, (u32, u32, u32)> = hashbrown::HashMap::new();
        for (&root, &(count, _, id)) in &best {
            let anchor = anchor_of_root[root as usize];
            let claim = (count, anchor, root);
            let entry = winner.entry(id).or_insert(claim);
            if (claim.0, std::cmp::Reverse(claim.1)) > (entry.0, std::cmp::Reverse(entry.1)) {
                *entry = claim;
            }
        }
        for (&id, &(_, _, root)) in &winner {
            one_id_of_root[root as usize] = id;
        }
    }
    // One buffer for every anchor: a streaming hasher per person would
    // allocate and copy its state each time.
    let mut anchor_bytes: Vec<u8> = Vec::new();
    for &anchor in anchors {
        let root = root_of[anchor as usize] as usize;
        if one_id_of_root[root] != NO_ID {
            continue;
        }
        let (type_name, value) = anchor_name(anchor);
        anchor_bytes.clear();
        anchor_bytes.extend_from_slice(type_name.as_bytes());
        anchor_bytes.push(0xFF);
        anchor_bytes.extend_from_slice(value);
        let mut seed = 0u64;
        let id = loop {
            let id = hash_one_id(seed, &anchor_bytes);
            if used.insert(id) {
                break id;
            }
            seed += 1;
        };
        one_id_of_root[root] = id;
    }
    one_id_of_root
}

/// A positive 63-bit id from the anchor identifier, given as its type name,
/// a 0xFF byte and its value.
fn hash_one_id(seed: u64, anchor_bytes: &[u8]) -> i64 {
    (XxHash3_64::oneshot_with_seed(seed, anchor_bytes) & i64::MAX as u64).max(1) as i64
}

/// The result: for each identifier in canonical order, its person and status.
pub struct Resolution {
    pub stats: ResolutionStats,
    interner: IdentifierInterner,
    by_rank: Vec<u32>,
    one_id: Vec<i64>,
    cluster_size: Vec<u32>,
    status: Vec<Status>,
    reasons: Vec<Reason>,
    records: Option<RecordResolution>,
}

/// One identifier of the result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedIdentifier<'a> {
    pub id_type: &'a str,
    pub id_value: &'a str,
    pub one_id: i64,
    pub cluster_size: u32,
    pub status: Status,
}

impl Resolution {
    pub fn len(&self) -> usize {
        self.by_rank.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_rank.is_empty()
    }

    /// The identifier at position `i` of the canonical order.
    pub fn get(&self, i: usize) -> ResolvedIdentifier<'_> {
        ResolvedIdentifier {
            id_type: self.id_type(i),
            id_value: self.id_value(i),
            one_id: self.one_id[i],
            cluster_size: self.cluster_size[i],
            status: self.status[i],
        }
    }

    // One field at a time, for output that needs only some columns: the
    // numbers are read in order, the texts through the interner.
    pub fn id_type(&self, i: usize) -> &str {
        self.interner.type_name(self.interner.type_of(self.by_rank[i]))
    }

    pub fn id_value(&self, i: usize) -> &str {
        self.interner.value_str(self.by_rank[i])
    }

    pub fn one_ids(&self) -> &[i64] {
        &self.one_id
    }

    pub fn cluster_sizes(&self) -> &[u32] {
        &self.cluster_size
    }

    pub fn statuses(&self) -> &[Status] {
        &self.status
    }

    /// The rule behind each identifier's status (`Reason::None` for merged
    /// and singleton identifiers).
    pub fn reasons(&self) -> &[Reason] {
        &self.reasons
    }

    /// Each record's person, when the builder kept record ids
    /// ([`IdentityGraphBuilder::with_record_map`]).
    pub fn records(&self) -> Option<&RecordResolution> {
        self.records.as_ref()
    }

    /// The position of an identifier in the canonical order. A scan: for
    /// looking up one person, not for joins.
    pub fn position(&self, id_type: &str, id_value: &str) -> Option<usize> {
        let type_id = self.interner.find_type(id_type)?;
        let ident = self.interner.find(type_id, id_value.as_bytes())?;
        self.by_rank.iter().position(|&i| i == ident)
    }

    pub fn iter(&self) -> impl Iterator<Item = ResolvedIdentifier<'_>> {
        (0..self.len()).map(|i| self.get(i))
    }
}

/// 128-bit keys of the record ids: strings by their bytes, integers by value.
fn record_keys(array: &ArrayRef) -> Result<Vec<Option<u128>>, String> {
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
        other => return Err(format!("record_id must be a string or an integer, got {other}")),
    };
    Ok(keys)
}

fn strings<'a>(
    array: &'a ArrayRef,
    name: &str,
) -> Result<Box<dyn Iterator<Item = Option<&'a str>> + 'a>, String> {
    Ok(match array.data_type() {
        DataType::Utf8 => Box::new(array.as_string::<i32>().iter()),
        DataType::LargeUtf8 => Box::new(array.as_string::<i64>().iter()),
        DataType::Utf8View => Box::new(array.as_string_view().iter()),
        DataType::Null => Box::new(std::iter::repeat_n(None, array.len())),
        other => return Err(format!("{name} must be a string, got {other}")),
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::sync::Arc;

    use arrow::array::StringArray;

    use super::*;
    use crate::identity::records::RecordStatus;

    type Row<'a> = (Option<&'a str>, Option<&'a str>, Option<&'a str>);

    fn resolve_batches(batches: &[Vec<Row>], rules: &Rules, previous: &[(&str, &str, i64)]) -> Resolution {
        let mut builder = IdentityGraphBuilder::new(rules).unwrap();
        for rows in batches {
            let records: ArrayRef = Arc::new(rows.iter().map(|r| r.0).collect::<StringArray>());
            let types: ArrayRef = Arc::new(rows.iter().map(|r| r.1).collect::<StringArray>());
            let values: ArrayRef = Arc::new(rows.iter().map(|r| r.2).collect::<StringArray>());
            builder.add_batch(&records, &types, &values, None).unwrap();
        }
        builder.resolve(rules, previous.iter().copied()).unwrap()
    }

    fn resolve(rows: &[(&str, &str, &str)]) -> HashMap<String, (i64, u32, Status)> {
        let rows: Vec<Row> = rows
            .iter()
            .map(|&(r, t, v)| (Some(r), Some(t), Some(v)))
            .collect();
        table(&resolve_batches(&[rows], &Rules::default(), &[]))
    }

    fn table(resolution: &Resolution) -> HashMap<String, (i64, u32, Status)> {
        resolution
            .iter()
            .map(|r| {
                (
                    format!("{}:{}", r.id_type, r.id_value),
                    (r.one_id, r.cluster_size, r.status),
                )
            })
            .collect()
    }

    #[test]
    fn identifiers_of_one_record_are_one_person() {
        let out = resolve(&[
            ("crm1", "crm_id", "C1"),
            ("crm1", "phone", "+8613800138000"),
            ("lead1", "phone", "+8613800138000"),
            ("lead1", "wechat_openid", "oABC"),
            ("lead2", "device_id", "D9"),
        ]);
        let person = out["crm_id:C1"].0;
        assert_eq!(out["phone:+8613800138000"], (person, 3, Status::Merged));
        assert_eq!(out["wechat_openid:oABC"], (person, 3, Status::Merged));
        assert_eq!(out["device_id:D9"].1, 1);
        assert_eq!(out["device_id:D9"].2, Status::Singleton);
        assert_ne!(out["device_id:D9"].0, person);
        assert!(person > 0);
    }

    #[test]
    fn one_id_depends_on_the_rows_not_their_order_or_batches() {
        let mut rows: Vec<(String, &str, String)> = Vec::new();
        for i in 0..300 {
            rows.push((format!("r{i}"), "phone", format!("p{}", i % 97)));
            rows.push((format!("r{i}"), "email", format!("e{}", i % 89)));
            rows.push((format!("r{i}"), "device_id", format!("d{}", i % 53)));
        }
        fn as_rows<'a>(rows: &'a [(String, &'a str, String)]) -> Vec<Row<'a>> {
            rows.iter()
                .map(|(r, t, v)| (Some(r.as_str()), Some(*t), Some(v.as_str())))
                .collect()
        }
        let expected = table(&resolve_batches(&[as_rows(&rows)], &Rules::default(), &[]));
        let mut shuffled = rows.clone();
        // A fixed permutation: reverse, then interleave halves.
        shuffled.reverse();
        let (a, b) = shuffled.split_at(shuffled.len() / 2);
        let interleaved: Vec<_> = a
            .iter()
            .zip(b)
            .flat_map(|(x, y)| [y.clone(), x.clone()])
            .collect();
        let batches: Vec<Vec<Row>> = interleaved.chunks(37).map(as_rows).collect();
        assert_eq!(
            table(&resolve_batches(&batches, &Rules::default(), &[])),
            expected
        );
    }

    #[test]
    fn an_identifier_linked_to_too_many_is_shared() {
        let mut rows = Vec::new();
        let names: Vec<(String, String)> = (0..60)
            .map(|i| (format!("lead{i}"), format!("+86138{i:08}")))
            .collect();
        for (record, phone) in &names {
            rows.push((record.as_str(), "device_id", "TABLET-S001"));
            rows.push((record.as_str(), "phone", phone.as_str()));
        }
        let out = resolve(&rows);
        assert_eq!(out["device_id:TABLET-S001"].2, Status::Shared);
        assert_eq!(out["device_id:TABLET-S001"].1, 1);
        let phone = &out["phone:+8613800000007"];
        assert_eq!((phone.1, phone.2), (1, Status::Singleton));
        let persons: HashSet<i64> = out.values().map(|v| v.0).collect();
        assert_eq!(persons.len(), 61, "60 customers and the tablet");
    }

    #[test]
    fn a_persons_id_is_the_same_in_every_release() {
        // The hash of (type, 0xFF, value) of the anchor: a saved mapping and
        // a new run must agree without `previous`.
        let out = resolve(&[("crm:1", "phone", "+8613800138000")]);
        assert_eq!(out["phone:+8613800138000"].0, 5226281374670669972);
    }

    /// Resolves `(source, record, type, value)` rows with the record map.
    fn resolve_sourced(rows: &[(&str, &str, &str, &str)], rules: &Rules) -> Resolution {
        let column = |field: usize| -> ArrayRef {
            Arc::new(
                rows.iter()
                    .map(|r| Some([r.0, r.1, r.2, r.3][field]))
                    .collect::<StringArray>(),
            )
        };
        let mut builder = IdentityGraphBuilder::new(rules).unwrap().with_record_map();
        builder
            .add_batch(&column(1), &column(2), &column(3), Some(&column(0)))
            .unwrap();
        builder.resolve(rules, std::iter::empty()).unwrap()
    }

    /// `source:record` -> (one_id, status) of the record map.
    fn record_map(resolution: &Resolution) -> HashMap<String, (Option<i64>, RecordStatus)> {
        let records = resolution.records().unwrap();
        (0..records.len())
            .map(|i| {
                (
                    format!("{}:{}", records.source(i).unwrap_or("-"), records.record_id(i)),
                    (records.one_ids()[i], records.statuses()[i]),
                )
            })
            .collect()
    }

    fn reason_of(resolution: &Resolution, id_type: &str, id_value: &str) -> Reason {
        resolution.reasons()[resolution.position(id_type, id_value).unwrap()]
    }

    const CRM_RECORDS_SHARING_A_PHONE: [(&str, &str, &str); 5] = [
        ("crm1", "crm_id", "C1"),
        ("crm1", "phone", "+8613800138000"),
        ("crm2", "crm_id", "C2"),
        ("crm2", "phone", "+8613800138000"),
        ("crm2", "email", "b@qq.com"),
    ];

    #[test]
    fn an_identifier_whose_records_disagree_is_shared() {
        // Two CRM customers give the same phone: one person holds one crm_id,
        // so the phone is no one's.
        let out = resolve(&CRM_RECORDS_SHARING_A_PHONE);
        assert_eq!(out["phone:+8613800138000"].2, Status::Shared);
        assert_eq!(out["phone:+8613800138000"].1, 1);
        assert_ne!(out["crm_id:C1"].0, out["crm_id:C2"].0);
        assert_eq!(
            out["crm_id:C2"].0, out["email:b@qq.com"].0,
            "crm2's own link stands"
        );
        let rows: Vec<Row> = CRM_RECORDS_SHARING_A_PHONE
            .iter()
            .map(|&(r, t, v)| (Some(r), Some(t), Some(v)))
            .collect();
        let resolution = resolve_batches(&[rows], &Rules::default(), &[]);
        assert_eq!(
            reason_of(&resolution, "phone", "+8613800138000"),
            Reason::SharedOnConflict
        );
    }

    #[test]
    fn without_shared_on_conflict_a_merge_over_the_limit_is_refused() {
        let rules = Rules::from_json(r#"{"shared_on_conflict": false}"#).unwrap();
        let rows: Vec<Row> = CRM_RECORDS_SHARING_A_PHONE
            .iter()
            .map(|&(r, t, v)| (Some(r), Some(t), Some(v)))
            .collect();
        let resolution = resolve_batches(&[rows], &rules, &[]);
        let out = table(&resolution);
        // The phone merges with the crm_id that ranks first (by value hash);
        // the other would be a second crm_id, so that link is refused.
        let phone = out["phone:+8613800138000"].0;
        let (c1, c2) = (out["crm_id:C1"].0, out["crm_id:C2"].0);
        assert_eq!(out["phone:+8613800138000"].2, Status::Refused);
        assert_eq!(
            reason_of(&resolution, "phone", "+8613800138000"),
            Reason::MaxPerPerson
        );
        assert_ne!(c1, c2);
        assert!(
            (phone == c1) != (phone == c2),
            "the phone is with exactly one crm_id"
        );
        assert_eq!(c2, out["email:b@qq.com"].0, "crm2's own link stands");
        assert_eq!(out["crm_id:C2"].2, Status::Merged);
    }

    #[test]
    fn a_phone_on_many_leads_is_shared_though_it_meets_almost_no_one() {
        // A salesperson's phone on 11 walk-in leads, one of which also holds
        // a customer's openid; the customer's own lead holds the openid and
        // the customer's phone.
        let leads: Vec<String> = (0..11).map(|i| format!("L{i}")).collect();
        let mut rows: Vec<(&str, &str, &str, &str)> = leads
            .iter()
            .map(|lead| ("lead", lead.as_str(), "phone", "+8613900000001"))
            .collect();
        rows.push(("lead", "L0", "wechat_openid", "oCUSTOMER"));
        rows.push(("lead", "L99", "wechat_openid", "oCUSTOMER"));
        rows.push(("lead", "L99", "phone", "+8613800138000"));
        let resolution = resolve_sourced(&rows, &Rules::default());
        assert_eq!(
            reason_of(&resolution, "phone", "+8613900000001"),
            Reason::MaxRecordsPerIdentifier
        );
        let out = table(&resolution);
        assert_eq!(out["phone:+8613900000001"].2, Status::Shared);
        assert_eq!(
            out["wechat_openid:oCUSTOMER"].1, 2,
            "the openid and the customer's phone"
        );
        let records = record_map(&resolution);
        assert_eq!(records["lead:L5"], (None, RecordStatus::Unlinked));
        assert_eq!(
            records["lead:L0"],
            (Some(out["wechat_openid:oCUSTOMER"].0), RecordStatus::Assigned),
            "the shared phone is set aside; the openid decides"
        );

        // The same rows as events are not counted.
        let events: Vec<_> = rows.iter().map(|&(_, r, t, v)| ("app", r, t, v)).collect();
        let resolution = resolve_sourced(&events, &Rules::default());
        assert_eq!(reason_of(&resolution, "phone", "+8613900000001"), Reason::None);
        // Limits are rules: here the phone may be on 11 records.
        let rules = Rules::from_json(r#"{"max_records_unconfirmed": 11}"#).unwrap();
        let resolution = resolve_sourced(&rows, &rules);
        assert_eq!(reason_of(&resolution, "phone", "+8613900000001"), Reason::None);
    }

    #[test]
    fn an_identifier_another_source_confirms_may_sit_on_more_records() {
        // A customer's phone on 30 leads and a CRM record: within the limit
        // of 30 records per source. On 31 leads it is too many.
        let leads: Vec<String> = (0..31).map(|i| format!("L{i}")).collect();
        let mut rows: Vec<(&str, &str, &str, &str)> = vec![("crm", "C1", "phone", "+8613800138000")];
        rows.extend(
            leads
                .iter()
                .map(|lead| ("lead", lead.as_str(), "phone", "+8613800138000")),
        );
        let resolution = resolve_sourced(&rows[..31], &Rules::default());
        assert_eq!(reason_of(&resolution, "phone", "+8613800138000"), Reason::None);
        let resolution = resolve_sourced(&rows, &Rules::default());
        assert_eq!(
            reason_of(&resolution, "phone", "+8613800138000"),
            Reason::MaxRecordsPerIdentifier
        );
        // A type's own limit overrides the default.
        let rules = Rules::from_json(r#"{"types": {"phone": {"max_records_per_identifier": 31}}}"#).unwrap();
        let resolution = resolve_sourced(&rows, &rules);
        assert_eq!(reason_of(&resolution, "phone", "+8613800138000"), Reason::None);
    }

    #[test]
    fn records_are_counted_per_source() {
        // 8 leads and 8 orders: each source confirms the other, and 8 is
        // within the limit of 30 records per source.
        let ids: Vec<String> = (0..8).map(|i| format!("R{i}")).collect();
        let rows: Vec<(&str, &str, &str, &str)> = ids
            .iter()
            .flat_map(|id| {
                [
                    ("lead", id.as_str(), "phone", "+8613800138000"),
                    ("order", id.as_str(), "phone", "+8613800138000"),
                ]
            })
            .collect();
        let resolution = resolve_sourced(&rows, &Rules::default());
        assert_eq!(reason_of(&resolution, "phone", "+8613800138000"), Reason::None);
        let records = record_map(&resolution);
        assert_eq!(records.len(), 16, "lead R1 and order R1 are two records");
        let person = table(&resolution)["phone:+8613800138000"].0;
        assert!(
            records
                .values()
                .all(|&r| r == (Some(person), RecordStatus::Assigned))
        );
    }

    #[test]
    fn every_record_is_mapped_even_without_identifiers() {
        let rules = Rules::from_json(r#"{"shared_on_conflict": false}"#).unwrap();
        let rows: Vec<Row> = vec![
            (Some("crm1"), Some("crm_id"), Some("C1")),
            (Some("crm1"), Some("phone"), Some("+8613800138000")),
            (Some("crm2"), Some("crm_id"), Some("C2")),
            (Some("crm2"), Some("email"), Some("b@qq.com")),
            // The phone goes to one crm_id; the email's link to it is refused.
            (Some("lead1"), Some("phone"), Some("+8613800138000")),
            (Some("lead1"), Some("email"), Some("b@qq.com")),
            (Some("lead2"), Some("phone"), Some("unknown")),
            (Some("lead3"), Some("phone"), None),
            (Some(""), Some("phone"), Some("+8613900000002")),
        ];
        let mut builder = IdentityGraphBuilder::new(&rules).unwrap().with_record_map();
        let column = |field: usize| -> ArrayRef {
            Arc::new(
                rows.iter()
                    .map(|r| [r.0, r.1, r.2][field])
                    .collect::<StringArray>(),
            )
        };
        builder
            .add_batch(&column(0), &column(1), &column(2), None)
            .unwrap();
        let resolution = builder.resolve(&rules, std::iter::empty()).unwrap();
        let out = table(&resolution);
        let records = record_map(&resolution);
        assert_eq!(records.len(), 6);
        assert_eq!(
            records["-:crm1"],
            (Some(out["crm_id:C1"].0), RecordStatus::Assigned)
        );
        assert_eq!(
            records["-:crm2"],
            (Some(out["crm_id:C2"].0), RecordStatus::Assigned)
        );
        // Its strongest identifier is the phone (priority 30 before 40).
        assert_eq!(
            records["-:lead1"],
            (Some(out["phone:+8613800138000"].0), RecordStatus::Conflict)
        );
        assert_eq!(
            records["-:lead2"],
            (None, RecordStatus::Unlinked),
            "only a blocked value"
        );
        assert_eq!(
            records["-:lead3"],
            (None, RecordStatus::Unlinked),
            "only a NULL value"
        );
        assert_eq!(
            records["-:"].1,
            RecordStatus::Assigned,
            "an empty record id is an id"
        );
    }

    #[test]
    fn integer_record_ids_come_back_in_decimal() {
        let mut builder = IdentityGraphBuilder::new(&Rules::default())
            .unwrap()
            .with_record_map();
        let records: ArrayRef = Arc::new(arrow::array::Int64Array::from(vec![-7, 42]));
        let s = |v: &[&str]| -> ArrayRef { Arc::new(StringArray::from(v.to_vec())) };
        builder
            .add_batch(&records, &s(&["phone", "phone"]), &s(&["P", "P"]), None)
            .unwrap();
        let resolution = builder.resolve(&Rules::default(), std::iter::empty()).unwrap();
        let map = record_map(&resolution);
        assert_eq!(map["-:-7"].1, RecordStatus::Assigned);
        assert_eq!(map["-:-7"], map["-:42"]);
    }

    #[test]
    fn too_many_sources_is_an_error() {
        let mut builder = IdentityGraphBuilder::new(&Rules::default()).unwrap();
        let ids: Vec<String> = (0..=MAX_SOURCES).map(|i| format!("r{i}")).collect();
        let strings = |v: &[String]| -> ArrayRef { Arc::new(StringArray::from_iter_values(v)) };
        let phone = vec!["phone".to_string(); ids.len()];
        let err = builder
            .add_batch(
                &strings(&ids),
                &strings(&phone),
                &strings(&ids),
                Some(&strings(&ids)),
            )
            .unwrap_err();
        assert!(err.contains("more than 64 distinct source values"), "{err}");
    }

    #[test]
    fn junk_values_are_blocked_and_nulls_lose_nothing() {
        let rows: Vec<Row> = vec![
            (Some("l1"), Some("phone"), Some("unknown")),
            (Some("l1"), Some("email"), Some("a@qq.com")),
            (Some("l2"), Some("phone"), Some("unknown")),
            (Some("l2"), Some("email"), Some("b@qq.com")),
            (None, Some("email"), Some("c@qq.com")),
            (Some("l3"), None, Some("x")),
            (Some("l3"), Some("email"), None),
        ];
        let resolution = resolve_batches(&[rows], &Rules::default(), &[]);
        let out = table(&resolution);
        assert_eq!(out["phone:unknown"].2, Status::Blocked);
        assert_ne!(out["email:a@qq.com"].0, out["email:b@qq.com"].0);
        assert_eq!(
            out["email:c@qq.com"].2,
            Status::Singleton,
            "a row without record still names an identifier"
        );
        assert_eq!(out.len(), 4);
        assert_eq!(resolution.stats.rows, 7);
        assert_eq!(resolution.stats.skipped_rows, 2);
    }

    #[test]
    fn previous_ids_survive_merges_and_splits() {
        let first = resolve(&[
            ("a", "crm_id", "C1"),
            ("a", "phone", "P1"),
            ("b", "crm_id", "C2"),
            ("b", "phone", "P2"),
            ("c", "email", "E3"),
            ("c", "device_id", "D3"),
        ]);
        let previous: Vec<(String, String, i64)> = first
            .iter()
            .map(|(k, v)| {
                let (t, val) = k.split_once(':').unwrap();
                (t.to_string(), val.to_string(), v.0)
            })
            .collect();
        let previous: Vec<(&str, &str, i64)> = previous
            .iter()
            .map(|(t, v, id)| (t.as_str(), v.as_str(), *id))
            .collect();
        // Now: a new record joins P2 to E3 (person c merges into person b),
        // and D3 is no longer linked to E3 (person c splits).
        let rows: Vec<Row> = [
            ("a", "crm_id", "C1"),
            ("a", "phone", "P1"),
            ("b", "crm_id", "C2"),
            ("b", "phone", "P2"),
            ("d", "phone", "P2"),
            ("d", "email", "E3"),
            ("e", "device_id", "D3"),
            ("f", "email", "NEW"),
        ]
        .iter()
        .map(|&(r, t, v)| (Some(r), Some(t), Some(v)))
        .collect();
        let second = table(&resolve_batches(&[rows], &Rules::default(), &previous));
        assert_eq!(
            second["crm_id:C1"].0, first["crm_id:C1"].0,
            "unchanged person keeps its id"
        );
        assert_eq!(
            second["email:E3"].0, first["crm_id:C2"].0,
            "the merged person keeps the id most of it had"
        );
        assert_eq!(
            second["device_id:D3"].0, first["device_id:D3"].0,
            "the split-off part keeps c's id"
        );
        let all_previous: HashSet<i64> = first.values().map(|v| v.0).collect();
        assert!(
            !all_previous.contains(&second["email:NEW"].0),
            "a new person never reuses an old id"
        );
    }

    #[test]
    fn conflicting_previous_ids_are_an_error() {
        let mut builder = IdentityGraphBuilder::new(&Rules::default()).unwrap();
        let s = |v: &[&str]| -> ArrayRef { Arc::new(StringArray::from(v.to_vec())) };
        builder
            .add_batch(&s(&["r"]), &s(&["phone"]), &s(&["P"]), None)
            .unwrap();
        let err = builder
            .resolve(&Rules::default(), [("phone", "P", 1), ("phone", "P", 2)])
            .err()
            .unwrap();
        assert!(err.contains("two one_ids"), "{err}");
    }

    #[test]
    fn wrong_column_types_are_explained() {
        let mut builder = IdentityGraphBuilder::new(&Rules::default()).unwrap();
        let s: ArrayRef = Arc::new(StringArray::from(vec!["x"]));
        let f: ArrayRef = Arc::new(arrow::array::Float64Array::from(vec![1.0]));
        assert!(
            builder
                .add_batch(&f, &s, &s, None)
                .unwrap_err()
                .contains("record_id must be a string or an integer")
        );
        assert!(
            builder
                .add_batch(&s, &f, &s, None)
                .unwrap_err()
                .contains("id_type must be a string")
        );
        assert!(
            builder
                .add_batch(&s, &s, &f, None)
                .unwrap_err()
                .contains("id_value must be a string")
        );
    }
}
