//! How well two tag vectors match: cosine of the weights, or weighted
//! Jaccard (the sum of the smaller weights over the sum of the larger; for
//! lists, shared tags over all tags). Both lie in [0, 1]; a side with no
//! tags matches nothing (0).

use rayon::prelude::*;

use super::tags::TagVectors;

/// The affinity measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Affinity {
    Cosine,
    Jaccard,
}

impl Affinity {
    /// The measure named `name` (`'cosine'` or `'jaccard'`).
    pub fn parse(name: &str) -> Result<Affinity, String> {
        match name.trim().to_ascii_lowercase().as_str() {
            "cosine" => Ok(Affinity::Cosine),
            "jaccard" => Ok(Affinity::Jaccard),
            other => Err(format!(
                "unknown affinity '{other}'; expected 'cosine' or 'jaccard'"
            )),
        }
    }

    /// The measure from the dot product (cosine) or the sum of the smaller
    /// weights (Jaccard), and each side's norm (cosine) or weight sum.
    #[inline]
    fn finish(self, common: f64, a: f64, b: f64) -> f64 {
        let denominator = match self {
            Affinity::Cosine => a * b,
            Affinity::Jaccard => a + b - common,
        };
        if denominator > 0.0 {
            (common / denominator).clamp(0.0, 1.0)
        } else {
            0.0
        }
    }

    /// A row's norm (cosine) or weight sum (Jaccard).
    fn size(self, weights: &[f64]) -> f64 {
        match self {
            Affinity::Cosine => weights.iter().map(|w| w * w).sum::<f64>().sqrt(),
            Affinity::Jaccard => weights.iter().sum(),
        }
    }

    /// What one shared tag adds.
    #[inline]
    fn common(self, a: f64, b: f64) -> f64 {
        match self {
            Affinity::Cosine => a * b,
            Affinity::Jaccard => a.min(b),
        }
    }

    /// The affinity of two rows, each sorted by tag.
    pub fn of(self, (tags_a, weights_a): (&[u32], &[f64]), (tags_b, weights_b): (&[u32], &[f64])) -> f64 {
        let (mut i, mut j, mut common) = (0, 0, 0.0);
        while i < tags_a.len() && j < tags_b.len() {
            match tags_a[i].cmp(&tags_b[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    common += self.common(weights_a[i], weights_b[j]);
                    i += 1;
                    j += 1;
                }
            }
        }
        self.finish(common, self.size(weights_a), self.size(weights_b))
    }

    /// The affinities of rows `left` of `a` against rows `right` of `b`,
    /// row-major (`left.len() × right.len()`). The right rows' tags are
    /// indexed once, so each left row costs its tags' postings, not a merge
    /// against every right row.
    pub fn matrix(self, a: &TagVectors, left: &[usize], b: &TagVectors, right: &[usize]) -> Vec<f64> {
        let mut postings: Vec<(u32, u32, f64)> = Vec::new();
        for (column, &r) in right.iter().enumerate() {
            let (tags, weights) = b.row(r);
            postings.extend(tags.iter().zip(weights).map(|(&t, &w)| (t, column as u32, w)));
        }
        postings.sort_unstable_by_key(|&(t, c, _)| (t, c));
        let right_sizes: Vec<f64> = right.iter().map(|&r| self.size(b.row(r).1)).collect();
        let width = right.len();
        let mut out = vec![0.0; left.len() * width];
        if width == 0 {
            return out;
        }
        out.par_chunks_mut(width)
            .zip(left.par_iter())
            .with_min_len(64)
            .for_each(|(scores, &r)| {
                let (tags, weights) = a.row(r);
                for (&tag, &weight) in tags.iter().zip(weights) {
                    let start = postings.partition_point(|&(t, _, _)| t < tag);
                    for &(t, column, other) in &postings[start..] {
                        if t != tag {
                            break;
                        }
                        scores[column as usize] += self.common(weight, other);
                    }
                }
                let size = self.size(weights);
                for (score, &other) in scores.iter_mut().zip(&right_sizes) {
                    *score = self.finish(*score, size, other);
                }
            });
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cosine_and_jaccard_of_known_pairs() {
        let a = (&[1u32, 2, 3][..], &[1.0, 1.0, 1.0][..]);
        let b = (&[2u32, 3, 4, 5][..], &[1.0, 1.0, 1.0, 1.0][..]);
        assert!((Affinity::Jaccard.of(a, b) - 2.0 / 5.0).abs() < 1e-12);
        assert!((Affinity::Cosine.of(a, b) - 2.0 / (3f64.sqrt() * 2.0)).abs() < 1e-12);
        let weighted = (&[1u32, 2][..], &[3.0, 1.0][..]);
        let other = (&[1u32, 2][..], &[1.0, 1.0][..]);
        assert!((Affinity::Jaccard.of(weighted, other) - 2.0 / 4.0).abs() < 1e-12);
        assert_eq!(Affinity::Cosine.of(a, (&[], &[])), 0.0);
        assert_eq!(Affinity::Jaccard.of((&[], &[]), (&[], &[])), 0.0);
        assert_eq!(Affinity::Cosine.of(a, a), 1.0);
    }

    #[test]
    fn the_matrix_agrees_with_pairs() {
        use super::super::tags::TagNumbers;
        use arrow::array::{ArrayRef, ListBuilder, StringBuilder};
        use std::sync::Arc;
        let mut builder = ListBuilder::new(StringBuilder::new());
        builder.append_value([Some("a"), Some("b")]);
        builder.append_value([Some("b"), Some("c"), Some("d")]);
        builder.append_value([Some("e")]);
        builder.append_value([Some("a"), Some("d")]);
        let array: ArrayRef = Arc::new(builder.finish());
        let vectors = TagVectors::from_arrow(&array, &mut TagNumbers::default()).unwrap();
        for kind in [Affinity::Cosine, Affinity::Jaccard] {
            let matrix = kind.matrix(&vectors, &[0, 1, 2], &vectors, &[3, 1]);
            for (i, &l) in [0usize, 1, 2].iter().enumerate() {
                for (j, &r) in [3usize, 1].iter().enumerate() {
                    let pair = kind.of(vectors.row(l), vectors.row(r));
                    assert!((matrix[i * 2 + j] - pair).abs() < 1e-12, "{kind:?} {l} {r}");
                }
            }
        }
    }
}
