//! Union-find over dense identifier numbers, with path halving, union by
//! size, and per-person counts of the identifier types that have a limit.

pub struct UnionFind {
    parent: Vec<u32>,
    size: Vec<u32>,
    /// `limited_slots` counts per node; meaningful at roots only.
    counts: Vec<u8>,
    slots: usize,
}

impl UnionFind {
    /// `slot_of[i]` is the limited-type slot of node `i`, if its type has a limit.
    pub fn new(slot_of: impl Iterator<Item = Option<usize>>, slots: usize, n: usize) -> Self {
        let mut counts = vec![0u8; n * slots];
        for (i, slot) in slot_of.enumerate() {
            if let Some(s) = slot {
                counts[i * slots + s] = 1;
            }
        }
        UnionFind {
            parent: (0..n as u32).collect(),
            size: vec![1; n],
            counts,
            slots,
        }
    }

    pub fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let grandparent = self.parent[self.parent[x as usize] as usize];
            self.parent[x as usize] = grandparent;
            x = grandparent;
        }
        x
    }

    /// Merges the sets of `a` and `b` unless that would give a person more
    /// identifiers of a limited type than `limits[slot]`. Returns whether the
    /// two are now in one set.
    pub fn union_within(&mut self, a: u32, b: u32, limits: &[u8]) -> bool {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra == rb {
            return true;
        }
        let (ia, ib) = (ra as usize * self.slots, rb as usize * self.slots);
        for (s, &limit) in limits.iter().enumerate() {
            if self.counts[ia + s] as u32 + self.counts[ib + s] as u32 > limit as u32 {
                return false;
            }
        }
        let (root, child) = if self.size[ra as usize] >= self.size[rb as usize] {
            (ra, rb)
        } else {
            (rb, ra)
        };
        self.parent[child as usize] = root;
        self.size[root as usize] += self.size[child as usize];
        let (ir, ic) = (root as usize * self.slots, child as usize * self.slots);
        for s in 0..self.slots {
            self.counts[ir + s] = self.counts[ir + s].saturating_add(self.counts[ic + s]);
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_refuse_merges() {
        // Nodes 0 and 1 are of the limited type (at most 1), 2 and 3 are not.
        let slot_of = [Some(0), Some(0), None, None];
        let mut uf = UnionFind::new(slot_of.into_iter(), 1, 4);
        assert!(uf.union_within(0, 2, &[1]));
        assert!(uf.union_within(1, 3, &[1]));
        assert!(!uf.union_within(2, 3, &[1]), "would hold two of the limited type");
        assert_ne!(uf.find(0), uf.find(1));
        assert!(uf.union_within(2, 0, &[1]), "already together");
    }
}
