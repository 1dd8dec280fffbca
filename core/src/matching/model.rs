//! The Fellegi–Sunter model: λ, the prior probability that two random
//! records are the same person, and for each comparison level m (how often
//! matching pairs reach it) and u (how often non-matching pairs do). A
//! pair's match weight is log2 of the prior odds plus log2 of each level's
//! Bayes factor m/u; its probability follows from the weight. Kept as JSON
//! so that it can be saved, read and passed back to score without training.

use serde::{Deserialize, Serialize};

use super::MatchError;
use super::comparison::Comparison;

/// Which pairs are compared.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkType {
    /// Every pair of records (one data set with duplicates).
    #[default]
    Dedupe,
    /// Only pairs from different `source`s.
    LinkOnly,
    /// Every pair, across and within sources.
    LinkAndDedupe,
}

/// One level of one comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelLevel {
    /// 0 is "else", the highest is "exact".
    pub level: i8,
    pub label: String,
    pub m_probability: f64,
    pub u_probability: f64,
    /// m / u; written for reading, recomputed from m and u when a model is
    /// read back.
    #[serde(default)]
    pub bayes_factor: f64,
    /// log2 of the Bayes factor.
    #[serde(default)]
    pub match_weight: f64,
}

/// A comparison with its levels' probabilities.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelComparison {
    #[serde(flatten)]
    pub comparison: Comparison,
    pub levels: Vec<ModelLevel>,
    /// False when no training session could estimate m (the column was in
    /// every blocking rule): m is then the documented starting guess.
    #[serde(default = "yes")]
    pub m_estimated: bool,
}

fn yes() -> bool {
    true
}

/// One expectation-maximisation session: the pairs of one blocking rule,
/// its columns' comparisons left out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmSession {
    pub blocking: Vec<String>,
    pub pairs: u64,
    pub iterations: u32,
    pub converged: bool,
    /// The share of the session's pairs estimated to match.
    pub proportion_matched: f64,
}

/// How a model was trained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainingReport {
    pub records: u64,
    pub seed: u64,
    /// Random pairs compared to estimate u.
    pub u_pairs_sampled: u64,
    pub sessions: Vec<EmSession>,
    /// How λ was estimated: from `deterministic_rules`, or from the
    /// candidate pairs with m and u known.
    pub lambda_from: String,
}

/// A trained model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatchModel {
    pub link_type: LinkType,
    pub probability_two_random_records_match: f64,
    pub comparisons: Vec<ModelComparison>,
    #[serde(default)]
    pub training: Option<TrainingReport>,
}

/// The smallest probability a level gets: a level never seen in training
/// is unlikely, not impossible (no infinite weights, no NaN).
pub const MIN_PROBABILITY: f64 = 1e-6;

impl MatchModel {
    /// Reads a saved model, checking what scoring relies on.
    pub fn from_json(json: &str) -> Result<Self, MatchError> {
        let mut model: MatchModel =
            serde_json::from_str(json).map_err(|e| MatchError::Options(format!("model: {e}")))?;
        let lambda = model.probability_two_random_records_match;
        if !(lambda > 0.0 && lambda < 1.0) {
            return Err(MatchError::Options(format!(
                "model: probability_two_random_records_match must be between 0 and 1, got {lambda}"
            )));
        }
        for comparison in &mut model.comparisons {
            comparison.comparison.validate()?;
            let expected = comparison.comparison.level_count();
            let column = &comparison.comparison.column;
            if comparison.levels.len() != expected {
                return Err(MatchError::Options(format!(
                    "model: comparison of '{column}' has {} levels where its kind and thresholds make {expected}",
                    comparison.levels.len()
                )));
            }
            for (index, level) in comparison.levels.iter_mut().enumerate() {
                let (m, u) = (level.m_probability, level.u_probability);
                if level.level as usize != index || !(m > 0.0 && m <= 1.0) || !(u > 0.0 && u <= 1.0) {
                    return Err(MatchError::Options(format!(
                        "model: comparison of '{column}', level {index}: levels must be numbered 0.. in order, with m and u in (0, 1]"
                    )));
                }
                level.set_factors();
            }
        }
        Ok(model)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a model is plain data")
    }

    /// log2 of the prior odds of a match.
    pub fn prior_weight(&self) -> f64 {
        let lambda = self.probability_two_random_records_match;
        (lambda / (1.0 - lambda)).log2()
    }
}

impl ModelLevel {
    pub fn set_factors(&mut self) {
        self.bayes_factor = self.m_probability / self.u_probability;
        self.match_weight = self.bayes_factor.log2();
    }
}

/// The probability of a match weight.
#[inline]
pub fn probability_of_weight(weight: f64) -> f64 {
    1.0 / (1.0 + (-weight).exp2())
}
