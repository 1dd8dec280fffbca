//! Union-find over dense identifier numbers, with path halving, union by
//! size, and per-person counts of the identifier types that have a limit.
//!
//! A node's parent, size and counts sit together in one flat array: the
//! unions come in an order unrelated to memory (identifier ranks follow
//! value hashes), so each field kept apart would cost its own cache miss.

pub struct UnionFind {
    /// Per node `stride` words: parent, size, then one byte per limited
    /// type, four to a word. Sizes and counts are meaningful at roots only.
    nodes: Vec<u32>,
    stride: usize,
    slots: usize,
}

const PARENT: usize = 0;
const SIZE: usize = 1;
const COUNTS: usize = 2;

impl UnionFind {
    /// `slot_of[i]` is the limited-type slot of node `i`, if its type has a limit.
    pub fn new(slot_of: impl Iterator<Item = Option<usize>>, slots: usize, n: usize) -> Self {
        let stride = COUNTS + slots.div_ceil(4);
        let mut nodes = vec![0u32; n * stride];
        for (i, node) in nodes.chunks_exact_mut(stride).enumerate() {
            node[PARENT] = i as u32;
            node[SIZE] = 1;
        }
        let mut uf = UnionFind { nodes, stride, slots };
        for (i, slot) in slot_of.enumerate() {
            if let Some(s) = slot {
                uf.set_count(i, s, 1);
            }
        }
        uf
    }

    fn parent(&self, x: u32) -> u32 {
        self.nodes[x as usize * self.stride + PARENT]
    }

    fn set_parent(&mut self, x: u32, parent: u32) {
        self.nodes[x as usize * self.stride + PARENT] = parent;
    }

    fn count(&self, node: usize, slot: usize) -> u32 {
        self.nodes[node * self.stride + COUNTS + slot / 4] >> (slot % 4 * 8) & 0xFF
    }

    fn set_count(&mut self, node: usize, slot: usize, count: u32) {
        let word = &mut self.nodes[node * self.stride + COUNTS + slot / 4];
        let shift = slot % 4 * 8;
        *word = *word & !(0xFF << shift) | count.min(0xFF) << shift;
    }

    pub fn find(&mut self, mut x: u32) -> u32 {
        while self.parent(x) != x {
            let grandparent = self.parent(self.parent(x));
            self.set_parent(x, grandparent);
            x = grandparent;
        }
        x
    }

    /// The number of nodes in the set of `root`, a root.
    pub fn size(&self, root: u32) -> u32 {
        self.nodes[root as usize * self.stride + SIZE]
    }

    /// Merges the sets of `a` and `b` unless that would give a person more
    /// identifiers of a limited type than `limits[slot]`. Returns whether the
    /// two are now in one set.
    pub fn union_within(&mut self, a: u32, b: u32, limits: &[u8]) -> bool {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra == rb {
            return true;
        }
        for (s, &limit) in limits.iter().enumerate() {
            if self.count(ra as usize, s) + self.count(rb as usize, s) > limit as u32 {
                return false;
            }
        }
        let (root, child) = if self.size(ra) >= self.size(rb) {
            (ra, rb)
        } else {
            (rb, ra)
        };
        self.set_parent(child, root);
        self.nodes[root as usize * self.stride + SIZE] += self.size(child);
        for s in 0..self.slots {
            let total = self.count(root as usize, s) + self.count(child as usize, s);
            self.set_count(root as usize, s, total);
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
