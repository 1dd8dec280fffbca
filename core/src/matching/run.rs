//! One call of `match_records` or `train_match_model`: choose and prepare
//! the comparisons ([`super::input`]), make the candidate pairs
//! ([`super::candidates`]), train ([`super::training`]) or take the model,
//! and score the pairs.

use arrow::array::Array;

use super::MatchError;
use super::candidates::{Candidates, Prepared, automatic_rules, candidates};
use super::comparison::{NO_CODE, PreparedColumn};
use super::input::{MatchInput, comparisons_of};
use super::model::{LinkType, MatchModel, probability_of_weight};
use super::options::MatchOptions;
use super::training::train;

/// The pairs at or above the threshold.
#[derive(Debug)]
pub struct MatchedPairs {
    pub left: Vec<u32>,
    pub right: Vec<u32>,
    pub probability: Vec<f64>,
    pub weight: Vec<f64>,
    /// The compared columns, in the order of `levels`.
    pub columns: Vec<String>,
    /// Per compared column, each pair's level (-1 when a value is missing).
    pub levels: Vec<Vec<i8>>,
}

impl MatchedPairs {
    fn empty(columns: Vec<String>) -> Self {
        Self {
            left: vec![],
            right: vec![],
            probability: vec![],
            weight: vec![],
            levels: vec![vec![]; columns.len()],
            columns,
        }
    }
}

/// For each record, the share of the other records' non-missing values
/// equal to its own (how often a random record agrees with it), for the
/// comparisons that adjust by term frequency. The record itself is not
/// counted: a name held by one record of each source agrees with one record
/// in the other's n - 1, not two in n.
fn term_frequencies(columns: &[PreparedColumn]) -> Vec<Option<Vec<f64>>> {
    columns
        .iter()
        .map(|column| {
            if !column.comparison.term_frequency {
                return None;
            }
            let codes = &column.codes;
            let mut counts = vec![
                0u32;
                codes
                    .iter()
                    .filter(|&&c| c != NO_CODE)
                    .max()
                    .map_or(0, |&c| c as usize + 1)
            ];
            for &code in codes.iter().filter(|&&c| c != NO_CODE) {
                counts[code as usize] += 1;
            }
            let others = (codes.len() - column.text.null_count()).saturating_sub(1).max(1) as f64;
            Some(
                codes
                    .iter()
                    .map(|&code| {
                        if code == NO_CODE {
                            0.0
                        } else {
                            (counts[code as usize] - 1) as f64 / others
                        }
                    })
                    .collect(),
            )
        })
        .collect()
}

fn prepare_call<'a>(
    input: &'a MatchInput,
    options: &MatchOptions,
) -> Result<(Prepared<'a>, Vec<Vec<String>>, Candidates), MatchError> {
    if let Some(sources) = &input.sources
        && sources.len() != input.records
    {
        return Err(MatchError::Input("one source per record is needed".into()));
    }
    if options.link_type != LinkType::Dedupe && input.sources.is_none() {
        return Err(MatchError::Options(
            "link_type link_only and link_and_dedupe need a source column".into(),
        ));
    }
    let comparisons = comparisons_of(input, options)?;
    let mut prepared = Prepared::new(input, comparisons)?;
    let rules = match &options.blocking {
        Some(rules) => rules.clone(),
        None => automatic_rules(&mut prepared, options)?,
    };
    let candidates = candidates(&mut prepared, &rules, options)?;
    Ok((prepared, rules, candidates))
}

/// Trains a model on the records (the options' `model` is ignored).
pub fn train_match_model(input: &MatchInput, options: &MatchOptions) -> Result<MatchModel, MatchError> {
    let options = MatchOptions {
        model: None,
        ..options.clone()
    };
    let (mut prepared, rules, candidates) = prepare_call(input, &options)?;
    train(&mut prepared, &rules, &candidates, &options)
}

/// Scores the candidate pairs with the options' model, or one trained on
/// the records, and keeps those at or above the threshold. Fewer than two
/// records give no pairs.
pub fn match_records(input: &MatchInput, options: &MatchOptions) -> Result<MatchedPairs, MatchError> {
    let (mut prepared, rules, candidates) = prepare_call(input, options)?;
    let columns: Vec<String> = prepared
        .columns
        .iter()
        .map(|c| c.comparison.column.clone())
        .collect();
    let mut pairs = MatchedPairs::empty(columns);
    let model = match &options.model {
        Some(model) => model.clone(),
        None if input.records < 2 => return Ok(pairs),
        None => train(&mut prepared, &rules, &candidates, options)?,
    };
    let tf = term_frequencies(&prepared.columns);
    let weights: Vec<Vec<f64>> = model
        .comparisons
        .iter()
        .map(|c| c.levels.iter().map(|l| l.match_weight).collect())
        .collect();
    let m_top: Vec<f64> = model
        .comparisons
        .iter()
        .map(|c| c.levels.last().map_or(1.0, |l| l.m_probability))
        .collect();
    let prior = model.prior_weight();
    let floor = 1.0 / input.records.max(1) as f64;
    for ((&a, &b), pattern) in candidates
        .left
        .iter()
        .zip(&candidates.right)
        .zip(&candidates.patterns)
    {
        let mut weight = prior;
        for (k, levels) in weights.iter().enumerate() {
            let Some(level) = pattern.level(k) else { continue };
            let top = level as usize == levels.len() - 1;
            weight += match &tf[k] {
                // A match on a rare value counts for more: u of "exact"
                // is how often a random record has this value.
                Some(tf) if top => (m_top[k] / tf[a as usize].max(floor)).log2(),
                _ => levels[level as usize],
            };
        }
        let probability = probability_of_weight(weight);
        if probability >= options.threshold {
            pairs.left.push(a);
            pairs.right.push(b);
            pairs.probability.push(probability);
            pairs.weight.push(weight);
            for (k, levels) in pairs.levels.iter_mut().enumerate() {
                levels.push(pattern.level(k).unwrap_or(-1));
            }
        }
    }
    Ok(pairs)
}
