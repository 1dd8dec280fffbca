//! Merging: links applied strongest first (a link is as strong as its weaker
//! end, the higher rank), never letting a person hold more identifiers of a
//! type than `max_per_person`; shared and blocked identifiers join no one.

use crate::bucket_sort::bucket_sort_by;
use crate::identity::evidence::Reason;
use crate::identity::interner::IdentifierInterner;
use crate::identity::rules::Rules;
use crate::identity::union_find::UnionFind;

use super::ranking::Ranking;
use super::resolution::Status;

/// The persons the links make, by rank.
pub(super) struct Persons {
    /// Each rank's person, named by its union-find root.
    pub root_of: Vec<u32>,
    /// Each root's anchor: its person's strongest identifier.
    pub anchor_of_root: Vec<u32>,
    /// The anchors, one per person, in rank order.
    pub anchors: Vec<u32>,
    /// The size of each rank's person.
    pub cluster_size: Vec<u32>,
    /// Links applied.
    pub links: u64,
}

/// Each rank's status from its reason, before merging.
pub(super) fn statuses(reasons: &[Reason]) -> Vec<Status> {
    reasons
        .iter()
        .map(|&reason| match reason {
            Reason::Block => Status::Blocked,
            reason if reason.excludes() => Status::Shared,
            _ => Status::Singleton,
        })
        .collect()
}

/// Applies `links` under the limits; refused merges mark their weaker end.
pub(super) fn merge(
    mut links: Vec<u64>,
    status: &mut [Status],
    reasons: &mut [Reason],
    rules: &Rules,
    interner: &IdentifierInterner,
    ranking: &Ranking,
) -> Persons {
    let n = status.len();
    let types = ranking.type_order.len();
    let mut slot_of_type: Vec<Option<usize>> = vec![None; types];
    let mut limits: Vec<u8> = Vec::new();
    for (t, slot) in slot_of_type.iter_mut().enumerate() {
        if let Some(max) = rules.max_per_person(interner.type_name(t as u16))
            && max < u8::MAX as u32
        {
            *slot = Some(limits.len());
            limits.push(max as u8);
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
    bucket_sort_by(&mut links, types, |&l| ranking.type_rank_at(l as u32), u64::cmp);
    let mut uf = UnionFind::new(
        (0..n as u32).map(|r| slot_of_type[ranking.type_order[ranking.type_rank_at(r)] as usize]),
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
    let mut persons = Persons {
        root_of: vec![0u32; n],
        anchor_of_root: vec![u32::MAX; n],
        anchors: Vec::new(),
        cluster_size: vec![0u32; n],
        links: applied,
    };
    for r in 0..n as u32 {
        let root = uf.find(r);
        persons.root_of[r as usize] = root;
        if persons.anchor_of_root[root as usize] == u32::MAX {
            persons.anchor_of_root[root as usize] = r;
            persons.anchors.push(r);
        }
        // The unions are done: the root's size is its person's.
        let size = uf.size(root);
        persons.cluster_size[r as usize] = size;
        if size > 1 && status[r as usize] == Status::Singleton {
            status[r as usize] = Status::Merged;
        }
    }
    persons
}
