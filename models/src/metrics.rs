//! Evaluation metrics, defined as scikit-learn defines them.

/// Area under the ROC curve: the Mann-Whitney statistic, ties at half.
pub fn auc(scores: &[f64], labels: &[f64]) -> f64 {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    let positives = labels.iter().filter(|&&y| y == 1.0).count() as f64;
    let negatives = labels.len() as f64 - positives;
    if positives == 0.0 || negatives == 0.0 {
        return f64::NAN;
    }
    let mut rank_sum = 0.0;
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && scores[order[end]] == scores[order[start]] {
            end += 1;
        }
        // Ranks start..end share their average, (start + 1 + end) / 2.
        let rank = (start + 1 + end) as f64 / 2.0;
        let tied_positives = order[start..end].iter().filter(|&&i| labels[i] == 1.0).count() as f64;
        rank_sum += rank * tied_positives;
        start = end;
    }
    (rank_sum - positives * (positives + 1.0) / 2.0) / (positives * negatives)
}

/// Mean log loss, probabilities clipped to [1e-15, 1 - 1e-15].
pub fn log_loss(probabilities: &[f64], labels: &[f64]) -> f64 {
    let sum: f64 = probabilities
        .iter()
        .zip(labels)
        .map(|(&p, &y)| {
            let p = p.clamp(1e-15, 1.0 - 1e-15);
            -(y * p.ln() + (1.0 - y) * (1.0 - p).ln())
        })
        .sum();
    sum / labels.len() as f64
}

/// Share of rows whose probability is on the label's side of 0.5.
pub fn accuracy(probabilities: &[f64], labels: &[f64]) -> f64 {
    let right = probabilities
        .iter()
        .zip(labels)
        .filter(|&(&p, &y)| (p >= 0.5) == (y == 1.0))
        .count();
    right as f64 / labels.len() as f64
}

pub fn rmse(predictions: &[f64], labels: &[f64]) -> f64 {
    let sum: f64 = predictions
        .iter()
        .zip(labels)
        .map(|(p, y)| (p - y) * (p - y))
        .sum();
    (sum / labels.len() as f64).sqrt()
}

/// The coefficient of determination.
pub fn r2(predictions: &[f64], labels: &[f64]) -> f64 {
    let mean = labels.iter().sum::<f64>() / labels.len() as f64;
    let residual: f64 = predictions
        .iter()
        .zip(labels)
        .map(|(p, y)| (y - p) * (y - p))
        .sum();
    let total: f64 = labels.iter().map(|y| (y - mean) * (y - mean)).sum();
    1.0 - residual / total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_match_hand_computed_values() {
        // scikit-learn: roc_auc_score([0,0,1,1],[0.1,0.4,0.35,0.8]) == 0.75
        assert_eq!(auc(&[0.1, 0.4, 0.35, 0.8], &[0.0, 0.0, 1.0, 1.0]), 0.75);
        // A tie between a positive and a negative counts half.
        assert_eq!(auc(&[0.5, 0.5], &[0.0, 1.0]), 0.5);
        assert!(auc(&[0.5, 0.6], &[1.0, 1.0]).is_nan());
        let loss = log_loss(&[0.9, 0.2], &[1.0, 0.0]);
        assert!((loss - (-(0.9f64.ln()) - 0.8f64.ln()) / 2.0).abs() < 1e-12);
        assert_eq!(accuracy(&[0.9, 0.6, 0.2], &[1.0, 0.0, 0.0]), 2.0 / 3.0);
        assert_eq!(rmse(&[1.0, 3.0], &[2.0, 2.0]), 1.0);
        assert_eq!(r2(&[1.0, 2.0, 3.0], &[1.0, 2.0, 3.0]), 1.0);
    }
}
