//! What drives a model's predictions, per encoded feature column, most
//! important first (docs/models.md, "Drivers").
//!
//! - Logistic and linear: the weight on the standardised feature (change in
//!   log-odds, or in the label, per standard deviation), its standard error
//!   and a two-sided Wald p-value; importance is the weight's share of the
//!   sum of absolute weights.
//! - Gradient boosting: importance is the feature's share of the total split
//!   gain (the weight repeats it); the direction is the sign of the
//!   correlation between the feature and the predicted score.
//! - k-means: importance is the share of the feature's variance that the
//!   clusters explain (between-cluster over total sum of squares).

use serde::{Deserialize, Serialize};

use crate::encoding::Matrix;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Driver {
    pub feature: String,
    pub weight: f64,
    pub importance: f64,
    /// "raises", "lowers" or "none": what a higher value does to the prediction.
    pub direction: String,
    pub std_error: Option<f64>,
    pub p_value: Option<f64>,
}

fn direction(sign: f64) -> String {
    if sign > 0.0 {
        "raises"
    } else if sign < 0.0 {
        "lowers"
    } else {
        "none"
    }
    .to_string()
}

fn most_important_first(mut drivers: Vec<Driver>) -> Vec<Driver> {
    drivers.sort_by(|a, b| {
        b.importance
            .total_cmp(&a.importance)
            .then(a.feature.cmp(&b.feature))
    });
    drivers
}

/// Two-sided p-value of a standard normal statistic.
fn p_value(z: f64) -> f64 {
    libm::erfc(z.abs() / std::f64::consts::SQRT_2)
}

/// Drivers of a linear model; `std_errors[0]` is the intercept's.
pub fn of_weights(names: &[String], weights: &[f64], std_errors: &[f64]) -> Vec<Driver> {
    let total: f64 = weights.iter().map(|w| w.abs()).sum();
    let drivers = names
        .iter()
        .zip(weights)
        .zip(&std_errors[1..])
        .map(|((name, &weight), &se)| Driver {
            feature: name.clone(),
            weight,
            importance: if total > 0.0 { weight.abs() / total } else { 0.0 },
            direction: direction(weight),
            std_error: se.is_finite().then_some(se),
            p_value: (se > 0.0 && se.is_finite()).then(|| p_value(weight / se)),
        })
        .collect();
    most_important_first(drivers)
}

/// Pearson correlation over the rows where the feature is not missing.
fn correlation(x: &[f64], y: &[f64]) -> f64 {
    let pairs = || x.iter().zip(y).filter(|(x, _)| !x.is_nan());
    let n = pairs().count() as f64;
    if n < 2.0 {
        return 0.0;
    }
    let (mx, my) = (
        pairs().map(|p| p.0).sum::<f64>() / n,
        pairs().map(|p| p.1).sum::<f64>() / n,
    );
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (x, y) in pairs() {
        sxy += (x - mx) * (y - my);
        sxx += (x - mx) * (x - mx);
        syy += (y - my) * (y - my);
    }
    if sxx == 0.0 || syy == 0.0 {
        0.0
    } else {
        sxy / (sxx * syy).sqrt()
    }
}

/// Drivers of a tree model from its gain shares and its scores on `x`.
pub fn of_importance(names: &[String], importance: &[f64], x: &Matrix, scores: &[f64]) -> Vec<Driver> {
    let drivers = names
        .iter()
        .zip(importance)
        .zip(&x.columns)
        .map(|((name, &importance), column)| Driver {
            feature: name.clone(),
            weight: importance,
            importance,
            direction: direction(if importance > 0.0 {
                correlation(column, scores)
            } else {
                0.0
            }),
            std_error: None,
            p_value: None,
        })
        .collect();
    most_important_first(drivers)
}

/// Drivers of a clustering: the share of each feature's variance the
/// clusters explain.
pub fn of_clusters(names: &[String], x: &Matrix, clusters: &[u32], k: usize) -> Vec<Driver> {
    let drivers = names
        .iter()
        .zip(&x.columns)
        .map(|(name, column)| {
            let mut sums = vec![(0.0, 0usize); k];
            for (&v, &c) in column.iter().zip(clusters) {
                sums[c as usize].0 += v;
                sums[c as usize].1 += 1;
            }
            let mean = column.iter().sum::<f64>() / column.len() as f64;
            let total: f64 = column.iter().map(|v| (v - mean) * (v - mean)).sum();
            let between: f64 = sums
                .iter()
                .filter(|(_, n)| *n > 0)
                .map(|(s, n)| {
                    let m = s / *n as f64;
                    *n as f64 * (m - mean) * (m - mean)
                })
                .sum();
            let share = if total > 0.0 { between / total } else { 0.0 };
            Driver {
                feature: name.clone(),
                weight: share,
                importance: share,
                direction: "none".into(),
                std_error: None,
                p_value: None,
            }
        })
        .collect();
    most_important_first(drivers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wald_p_values_and_order() {
        let names = vec!["a".to_string(), "b".to_string()];
        let drivers = of_weights(&names, &[0.5, -1.96], &[0.1, 1.0, 1.0]);
        assert_eq!(drivers[0].feature, "b");
        assert_eq!(drivers[0].direction, "lowers");
        assert!((drivers[0].p_value.unwrap() - 0.05).abs() < 1e-3);
        assert!((drivers[0].importance - 1.96 / 2.46).abs() < 1e-12);
    }
}
