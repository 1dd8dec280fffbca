//! Candidate pairs: two records are compared when they are equal on every
//! column of at least one blocking rule. Records are grouped by a hash of
//! the rule's values (sorting, not a hash map of lists), so a rule's pair
//! count is known before any pair is made, and checked against `max_pairs`.

use arrow::array::{Array, StringArray};
use twox_hash::XxHash3_64;

use super::model::LinkType;

/// Each record's key under one rule: a hash of its values in the rule's
/// columns, `None` when any is missing (a missing value blocks nothing).
pub fn rule_keys(columns: &[&StringArray], records: usize) -> Vec<Option<u64>> {
    (0..records)
        .map(|row| {
            let mut hasher = XxHash3_64::with_seed(0);
            for column in columns {
                if column.is_null(row) {
                    return None;
                }
                std::hash::Hasher::write(&mut hasher, column.value(row).as_bytes());
                // A separator, so ("ab", "c") and ("a", "bc") differ.
                std::hash::Hasher::write_u8(&mut hasher, 0xff);
            }
            Some(std::hash::Hasher::finish(&hasher))
        })
        .collect()
}

/// Records with a key, sorted by it: each run of one key is a block.
pub struct Blocks {
    order: Vec<(u64, u32)>,
}

impl Blocks {
    pub fn new(keys: &[Option<u64>]) -> Self {
        let mut order: Vec<(u64, u32)> = keys
            .iter()
            .enumerate()
            .filter_map(|(row, key)| key.map(|key| (key, row as u32)))
            .collect();
        order.sort_unstable();
        Self { order }
    }

    fn runs(&self) -> impl Iterator<Item = &[(u64, u32)]> {
        self.order.chunk_by(|a, b| a.0 == b.0)
    }

    /// How many pairs the blocks hold for `link_type`.
    pub fn pair_count(&self, link_type: LinkType, sources: Option<&[u32]>) -> u64 {
        let mut total = 0u64;
        let mut per_source: hashbrown::HashMap<u32, u64> = hashbrown::HashMap::new();
        for run in self.runs() {
            let n = run.len() as u64;
            let all = n * (n - 1) / 2;
            total += match (link_type, sources) {
                (LinkType::LinkOnly, Some(sources)) => {
                    per_source.clear();
                    for &(_, row) in run {
                        *per_source.entry(sources[row as usize]).or_default() += 1;
                    }
                    all - per_source.values().map(|k| k * (k - 1) / 2).sum::<u64>()
                }
                _ => all,
            };
        }
        total
    }

    /// Calls `pair(a, b)` (a < b) for every pair the blocks hold.
    pub fn for_each_pair(
        &self,
        link_type: LinkType,
        sources: Option<&[u32]>,
        mut pair: impl FnMut(u32, u32),
    ) {
        for run in self.runs() {
            for (i, &(_, a)) in run.iter().enumerate() {
                for &(_, b) in &run[i + 1..] {
                    let (a, b) = if a < b { (a, b) } else { (b, a) };
                    if link_type == LinkType::LinkOnly
                        && sources.is_some_and(|s| s[a as usize] == s[b as usize])
                    {
                        continue;
                    }
                    pair(a, b);
                }
            }
        }
    }
}

/// All pairs a link type compares among `records` records.
pub fn total_pairs(records: usize, link_type: LinkType, sources: Option<&[u32]>) -> f64 {
    match (link_type, sources) {
        (LinkType::LinkOnly, Some(sources)) => {
            let mut per_source: hashbrown::HashMap<u32, f64> = hashbrown::HashMap::new();
            for &s in sources {
                *per_source.entry(s).or_default() += 1.0;
            }
            pairs_across(per_source.values().copied())
        }
        _ => pairs_among(records as f64),
    }
}

/// Pairs among `n` records.
pub fn pairs_among(n: f64) -> f64 {
    n * (n - 1.0) / 2.0
}

/// Pairs of records from different groups, given each group's size: all
/// pairs less those within a group.
pub fn pairs_across(sizes: impl IntoIterator<Item = f64>) -> f64 {
    let (mut sum, mut squares) = (0.0, 0.0);
    for size in sizes {
        sum += size;
        squares += size * size;
    }
    pairs_across_sums(sum, squares)
}

/// [`pairs_across`] from the sum of the groups' sizes and the sum of their
/// squares.
pub fn pairs_across_sums(sum: f64, squares: f64) -> f64 {
    (sum * sum - squares) / 2.0
}

/// Whether records `a` and `b` already share a block of an earlier rule
/// (their keys under it, `earlier`): such a pair was made by that rule.
pub fn in_earlier_block(earlier: &[Vec<Option<u64>>], a: u32, b: u32) -> bool {
    let (a, b) = (a as usize, b as usize);
    earlier.iter().any(|keys| keys[a].is_some() && keys[a] == keys[b])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_pair_equal_keys_only_and_count_before_pairing() {
        let surname = StringArray::from(vec![Some("wang"), Some("li"), Some("wang"), None, Some("wang")]);
        let keys = rule_keys(&[&surname], 5);
        assert_eq!(keys[3], None);
        let blocks = Blocks::new(&keys);
        assert_eq!(blocks.pair_count(LinkType::Dedupe, None), 3);
        let mut pairs = vec![];
        blocks.for_each_pair(LinkType::Dedupe, None, |a, b| pairs.push((a, b)));
        pairs.sort();
        assert_eq!(pairs, [(0, 2), (0, 4), (2, 4)]);
        let sources = [0, 0, 1, 1, 0];
        assert_eq!(blocks.pair_count(LinkType::LinkOnly, Some(&sources)), 2);
        let mut across = 0;
        blocks.for_each_pair(LinkType::LinkOnly, Some(&sources), |_, _| across += 1);
        assert_eq!(across, 2);
        assert_eq!(total_pairs(5, LinkType::LinkOnly, Some(&sources)), 6.0);
    }

    #[test]
    fn a_separator_keeps_column_boundaries() {
        let a = StringArray::from(vec!["ab", "a"]);
        let b = StringArray::from(vec!["c", "bc"]);
        let keys = rule_keys(&[&a, &b], 2);
        assert_ne!(keys[0], keys[1]);
    }
}
