//! Each person's `one_id`: the previous run's id where its identifiers
//! carried one, else a hash of its strongest identifier (the anchor).

use hashbrown::HashSet;
use twox_hash::XxHash3_64;

use super::ResolveError;
use super::merge::Persons;
use super::ranking::Ranking;
use crate::identity::interner::IdentifierInterner;

const NO_ID: i64 = i64::MIN;

/// Each root's `one_id`. `previous` gives one_ids of an earlier run as
/// `(id_type, id_value, one_id)`; see [`assign_one_ids`] for how they carry
/// over. `taken` holds previous ids of persons not in the rows.
pub(super) fn one_ids<'a>(
    persons: &Persons,
    previous: impl IntoIterator<Item = (&'a str, &'a str, i64)>,
    taken: impl Fn(i64) -> bool,
    interner: &IdentifierInterner,
    ranking: &Ranking,
) -> Result<Vec<i64>, ResolveError> {
    // The previous run's ids, for the identifiers seen now.
    let mut previous_of_rank: Vec<i64> = vec![NO_ID; ranking.by_rank.len()];
    // Every id handed out, previous or new: about one per person.
    let mut retired = HashSet::with_capacity(persons.anchors.len());
    for (id_type, id_value, one_id) in previous {
        retired.insert(one_id);
        let Some(ident) = interner.find_named(id_type, id_value) else {
            continue;
        };
        let slot = &mut previous_of_rank[ranking.rank_of[ident as usize] as usize];
        if *slot != NO_ID && *slot != one_id {
            return Err(ResolveError::PreviousConflict {
                id_type: id_type.to_string(),
                id_value: id_value.to_string(),
                first: *slot,
                second: one_id,
            });
        }
        *slot = one_id;
    }
    let anchor_name = |r: u32| {
        let ident = ranking.by_rank[r as usize];
        (interner.type_name(interner.type_of(ident)), interner.value(ident))
    };
    Ok(assign_one_ids(
        &persons.anchors,
        &persons.root_of,
        &persons.anchor_of_root,
        &previous_of_rank,
        retired,
        taken,
        anchor_name,
    ))
}

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
    taken: impl Fn(i64) -> bool,
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
            if !taken(id) && used.insert(id) {
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
