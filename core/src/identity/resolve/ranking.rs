//! The canonical order: every identifier gets a rank (strongest type first,
//! then type name, then a hash of the value), and every later stage works
//! in rank numbers, so the result depends on the set of rows, never on
//! their order.

use crate::bucket_sort::bucket_sort_by;
use crate::identity::interner::IdentifierInterner;
use crate::identity::rules::Rules;

/// Identifiers in rank order, and the types in theirs.
pub(super) struct Ranking {
    /// Type ids, strongest first.
    pub type_order: Vec<u16>,
    /// The identifier at each rank.
    pub by_rank: Vec<u32>,
    /// The rank of each identifier.
    pub rank_of: Vec<u32>,
    /// Where each type rank's ranks end: ranks are grouped by type rank.
    type_ends: Vec<u32>,
}

impl Ranking {
    pub fn new(interner: &IdentifierInterner, rules: &Rules) -> Self {
        let n = interner.len();
        let mut type_order: Vec<u16> = (0..interner.type_names().len() as u16).collect();
        type_order.sort_by(|&a, &b| {
            let (na, nb) = (interner.type_name(a), interner.type_name(b));
            rules.priority(na).cmp(&rules.priority(nb)).then(na.cmp(nb))
        });
        let mut type_rank = vec![0u16; type_order.len()];
        for (rank, &t) in type_order.iter().enumerate() {
            type_rank[t as usize] = rank as u16;
        }
        let by_rank = canonical_order(interner, &type_rank);
        let mut rank_of = vec![0u32; n];
        for (rank, &ident) in by_rank.iter().enumerate() {
            rank_of[ident as usize] = rank as u32;
        }
        let mut type_ends = vec![0u32; type_order.len()];
        for ident in 0..n as u32 {
            type_ends[type_rank[interner.type_of(ident) as usize] as usize] += 1;
        }
        for t in 1..type_ends.len() {
            type_ends[t] += type_ends[t - 1];
        }
        Ranking {
            type_order,
            by_rank,
            rank_of,
            type_ends,
        }
    }

    /// The type rank of rank `r`, from where each type's ranks end: no
    /// memory access per identifier.
    pub fn type_rank_at(&self, r: u32) -> usize {
        self.type_ends.iter().take_while(|&&end| end <= r).count()
    }

    /// The type name of each type rank.
    pub fn type_names<'a>(&'a self, interner: &'a IdentifierInterner) -> impl Iterator<Item = &'a str> + 'a {
        self.type_order.iter().map(|&t| interner.type_name(t))
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
