//! Training, unsupervised: u from random pairs, m by expectation
//! maximisation over the candidate pairs of each blocking rule (with that
//! rule's own columns left out, since every pair agrees on them), and λ
//! from deterministic rules or from the candidate pairs once m and u are
//! known; then u without the matches that random pairs counted. EM iterates
//! over counts of comparison vectors, not over pairs.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use hashbrown::HashMap;

use super::MatchError;
use super::blocking::{pairs_across, pairs_across_sums, pairs_among, total_pairs};
use super::candidates::{Candidates, Prepared, deterministic_pairs};
use super::comparison::{NO_CODE, PreparedColumn};
use super::model::{
    EmSession, LinkType, MIN_PROBABILITY, MatchModel, ModelComparison, ModelLevel, TrainingReport,
};
use super::options::MatchOptions;
use super::pattern::Pattern;

/// How EM runs.
#[derive(Debug, Clone, Copy)]
pub struct EmSettings {
    pub max_iterations: u32,
    pub tolerance: f64,
}

/// Random pairs for u are drawn in this many chunks, each from its own
/// seeded stream, so the result is the same however many threads run them.
const U_CHUNKS: u64 = 8;

/// u per comparison and level from up to `sample` random pairs (of
/// different sources for `link_only`), deterministic for a seed; from every
/// pair when there are no more than `sample`. Counts are smoothed by half a
/// pair per level, so a level no random pair reached is rare, not
/// impossible.
pub fn estimate_u(
    columns: &[PreparedColumn],
    records: usize,
    link_type: LinkType,
    sources: Option<&[u32]>,
    sample: u64,
    seed: u64,
) -> (Vec<Vec<f64>>, u64) {
    let empty = || -> Vec<Vec<u64>> {
        columns
            .iter()
            .map(|c| vec![0; c.comparison.level_count()])
            .collect()
    };
    let count = |a: usize, b: usize, counts: &mut Vec<Vec<u64>>| {
        for (column, counts) in columns.iter().zip(counts.iter_mut()) {
            let level = column.level(a, b);
            if level >= 0 {
                counts[level as usize] += 1;
            }
        }
    };
    let mut counts = empty();
    let mut sampled = 0u64;
    if total_pairs(records, link_type, sources) <= sample as f64 {
        // Few records: every pair, exactly, instead of a sample.
        for a in 0..records {
            for b in a + 1..records {
                if link_type == LinkType::LinkOnly && sources.is_some_and(|s| s[a] == s[b]) {
                    continue;
                }
                sampled += 1;
                count(a, b, &mut counts);
            }
        }
    } else if records >= 2 {
        let chunk = |index: u64| -> (Vec<Vec<u64>>, u64) {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            rng.set_stream(index);
            let wanted = sample / U_CHUNKS + u64::from(index < sample % U_CHUNKS);
            let (mut counts, mut drawn, mut misses) = (empty(), 0u64, 0u32);
            // Rejection sampling of cross-source pairs gives up after this
            // many draws in a row (one source only: no pair to sample).
            while drawn < wanted && misses < 1_000 {
                let (a, b) = (rng.random_range(0..records), rng.random_range(0..records));
                let same_source = || sources.is_some_and(|s| s[a] == s[b]);
                if a == b || (link_type == LinkType::LinkOnly && same_source()) {
                    misses += 1;
                    continue;
                }
                misses = 0;
                drawn += 1;
                count(a, b, &mut counts);
            }
            (counts, drawn)
        };
        let chunks: Vec<(Vec<Vec<u64>>, u64)> = (0..U_CHUNKS).into_par_iter().map(chunk).collect();
        for (chunk_counts, drawn) in chunks {
            sampled += drawn;
            for (total, part) in counts.iter_mut().zip(chunk_counts) {
                total.iter_mut().zip(part).for_each(|(t, p)| *t += p);
            }
        }
    }
    let exact: Vec<f64> = columns
        .par_iter()
        .map(|column| exact_agreement(column, link_type, sources))
        .collect();
    let u = exact
        .into_iter()
        .zip(counts)
        .map(|(exact, counts)| {
            // The sample gives the shares of the levels below exact; exact
            // itself is counted over every pair (above): a rare value's
            // agreement is where a sample is least sure.
            let below: &[u64] = &counts[..counts.len() - 1];
            let total = below.iter().sum::<u64>() as f64 + 0.5 * below.len() as f64;
            let mut u: Vec<f64> = below
                .iter()
                .map(|&c| ((c as f64 + 0.5) / total * (1.0 - exact)).max(MIN_PROBABILITY))
                .collect();
            u.push(exact.max(MIN_PROBABILITY));
            u
        })
        .collect();
    (u, sampled)
}

/// The share of pairs (of different sources for `link_only`) whose values
/// are both present and equal, counted exactly from how often each value
/// occurs: u of the exact level, without sampling.
fn exact_agreement(column: &PreparedColumn, link_type: LinkType, sources: Option<&[u32]>) -> f64 {
    let across = link_type == LinkType::LinkOnly && sources.is_some();
    let source_of = |row: usize| if across { sources.map_or(0, |s| s[row]) } else { 0 };
    let mut per_value: HashMap<(u32, u32), f64> = HashMap::new();
    let mut per_source: HashMap<u32, f64> = HashMap::new();
    for (row, &code) in column.codes.iter().enumerate().filter(|(_, c)| **c != NO_CODE) {
        *per_value.entry((code, source_of(row))).or_default() += 1.0;
        *per_source.entry(source_of(row)).or_default() += 1.0;
    }
    let all = if across {
        pairs_across(per_source.values().copied())
    } else {
        pairs_among(per_source.values().sum())
    };
    if all <= 0.0 {
        return 0.0;
    }
    // Per value, the sum of its records over the sources and of their
    // squares. Counts are whole numbers, so the sums are exact in any order.
    let mut by_value: HashMap<u32, (f64, f64)> = HashMap::with_capacity(per_value.len());
    for (&(code, _), count) in &per_value {
        let (sum, squares) = by_value.entry(code).or_default();
        *sum += count;
        *squares += count * count;
    }
    let agreeing: f64 = by_value
        .values()
        .map(|&(sum, squares)| {
            if across {
                pairs_across_sums(sum, squares)
            } else {
                pairs_among(sum)
            }
        })
        .sum();
    agreeing / all
}

/// The starting m of a comparison with `levels` levels: each level twice as
/// likely as the one below, so "exact" holds about half.
pub fn starting_m(levels: usize) -> Vec<f64> {
    let total = (1u64 << levels) as f64 - 1.0;
    (0..levels).map(|level| (1u64 << level) as f64 / total).collect()
}

/// One EM session over `patterns` (a comparison vector and how many pairs
/// have it). Comparisons not `active` are left out; u stays fixed. Returns
/// m for the active comparisons (the others as given) and the session.
pub fn expectation_maximisation(
    patterns: &[(Pattern, u64)],
    active: &[bool],
    u: &[Vec<f64>],
    mut m: Vec<Vec<f64>>,
    settings: EmSettings,
) -> (Vec<Vec<f64>>, u32, bool, f64) {
    let mut lambda: f64 = 0.1;
    let mut iterations = 0;
    let mut converged = false;
    let total: f64 = patterns.iter().map(|(_, n)| *n as f64).sum();
    if total == 0.0 {
        return (m, 0, true, 0.0);
    }
    while iterations < settings.max_iterations {
        iterations += 1;
        let mut matched = 0.0;
        let mut level_sums: Vec<Vec<f64>> = m.iter().map(|levels| vec![0.0; levels.len()]).collect();
        for (pattern, count) in patterns {
            let p = posterior(pattern, active, &m, u, lambda);
            let weight = p * *count as f64;
            matched += weight;
            for (k, sums) in level_sums.iter_mut().enumerate() {
                if let Some(level) = pattern.level(k).filter(|_| active[k]) {
                    sums[level as usize] += weight;
                }
            }
        }
        let new_lambda = (matched / total).clamp(1e-9, 1.0 - 1e-9);
        let mut change = (new_lambda - lambda).abs();
        lambda = new_lambda;
        for (k, sums) in level_sums.iter().enumerate() {
            let mass: f64 = sums.iter().sum();
            if !active[k] || mass <= 0.0 {
                continue;
            }
            let levels = &mut m[k];
            for (level, sum) in levels.iter_mut().zip(sums) {
                let new = (sum / mass).max(MIN_PROBABILITY);
                change = change.max((new - *level).abs());
                *level = new;
            }
            let norm: f64 = levels.iter().sum();
            levels.iter_mut().for_each(|v| *v /= norm);
        }
        if change < settings.tolerance {
            converged = true;
            break;
        }
    }
    (m, iterations, converged, lambda)
}

/// The probability that pairs of `pattern` match, in log space so that
/// many strong levels never overflow or underflow to NaN.
fn posterior(pattern: &Pattern, active: &[bool], m: &[Vec<f64>], u: &[Vec<f64>], lambda: f64) -> f64 {
    let mut weight = (lambda / (1.0 - lambda)).ln();
    for k in 0..m.len() {
        if let Some(level) = pattern.level(k).filter(|_| active[k]) {
            weight += (m[k][level as usize] / u[k][level as usize]).ln();
        }
    }
    1.0 / (1.0 + (-weight).exp())
}

/// λ, the probability that two records of all `all_pairs` match, with m
/// and u fixed: the expected number of matches among the candidate pairs
/// (`patterns`), each weighed by its probability under λ itself, over all
/// pairs; blocking is taken to find (nearly) every match, and a pair outside
/// it counts as none. Solved as a fixed point from below, so that the many
/// candidate pairs that agree only on their blocking column (more than
/// random pairs would) do not lift λ, as the share among candidates would.
pub fn probability_two_random_records_match(
    patterns: &[(Pattern, u64)],
    m: &[Vec<f64>],
    u: &[Vec<f64>],
    all_pairs: f64,
) -> f64 {
    let active = vec![true; m.len()];
    if all_pairs <= 0.0 || patterns.is_empty() {
        return 0.0;
    }
    // At least one match in all pairs, at most half of them (two records).
    let floor = (1.0 / all_pairs).min(0.5);
    let mut lambda = floor;
    for _ in 0..200 {
        let matched: f64 = patterns
            .iter()
            .map(|(pattern, n)| posterior(pattern, &active, m, u, lambda) * *n as f64)
            .sum();
        let new = (matched / all_pairs).clamp(floor, 1.0 - 1e-12);
        if (new - lambda).abs() <= lambda * 1e-9 {
            return new;
        }
        lambda = new;
    }
    lambda
}

/// u among the pairs that do not match, from u among all pairs (`u_all`, which
/// counts the matches too: `u_all = λ·m + (1 − λ)·u`). It matters where a
/// level is rare: when one policy in ten thousand pairs is the CRM record's
/// own, the matches are a fair share of the pairs agreeing on a birth date.
fn without_matches(u_all: &[Vec<f64>], m: &[Vec<f64>], lambda: f64) -> Vec<Vec<f64>> {
    u_all
        .iter()
        .zip(m)
        .map(|(u_all, m)| {
            u_all
                .iter()
                .zip(m)
                .map(|(u_all, m)| ((u_all - lambda * m) / (1.0 - lambda)).max(MIN_PROBABILITY))
                .collect()
        })
        .collect()
}

/// λ and u among the pairs that do not match, each depending on the other,
/// as a fixed point from u among all pairs (λ's fixed point from below
/// starts it).
fn lambda_and_u(
    counts: &[(Pattern, u64)],
    m: &[Vec<f64>],
    u_all: &[Vec<f64>],
    total: f64,
) -> (f64, Vec<Vec<f64>>) {
    let mut u = u_all.to_vec();
    let mut lambda = 0.0;
    for _ in 0..100 {
        let next = probability_two_random_records_match(counts, m, &u, total);
        u = without_matches(u_all, m, next);
        let settled = (next - lambda).abs() <= next * 1e-9;
        lambda = next;
        if settled {
            break;
        }
    }
    (lambda, u)
}

/// A session as reported.
pub fn session_report(
    blocking: &[String],
    patterns: &[(Pattern, u64)],
    iterations: u32,
    converged: bool,
    lambda: f64,
) -> EmSession {
    EmSession {
        blocking: blocking.to_vec(),
        pairs: patterns.iter().map(|(_, n)| n).sum(),
        iterations,
        converged,
        proportion_matched: lambda,
    }
}

/// Trains a model on the candidate pairs: u from random pairs, m by one
/// EM session per blocking rule, then λ.
pub(super) fn train(
    prepared: &mut Prepared,
    rules: &[Vec<String>],
    candidates: &Candidates,
    options: &MatchOptions,
) -> Result<MatchModel, MatchError> {
    let records = prepared.input.records;
    if records < 2 {
        return Err(MatchError::Input(format!(
            "training needs at least two records, got {records}"
        )));
    }
    let sources = prepared.input.sources.clone();
    let (u, u_pairs_sampled) = estimate_u(
        &prepared.columns,
        records,
        options.link_type,
        sources.as_deref(),
        options.u_sample_pairs,
        options.seed,
    );
    let starting: Vec<Vec<f64>> = prepared
        .columns
        .iter()
        .map(|c| starting_m(c.comparison.level_count()))
        .collect();
    let settings = EmSettings {
        max_iterations: options.max_iterations,
        tolerance: options.tolerance,
    };
    let mut sums: Vec<Vec<f64>> = starting.iter().map(|m| vec![0.0; m.len()]).collect();
    let mut estimates = vec![0u32; starting.len()];
    let mut sessions = vec![];
    for (rule, patterns) in rules.iter().zip(&candidates.sessions) {
        let active: Vec<bool> = prepared
            .columns
            .iter()
            .map(|c| !rule.contains(&c.comparison.column))
            .collect();
        if !active.contains(&true) || patterns.is_empty() {
            continue;
        }
        let (m, iterations, converged, lambda) =
            expectation_maximisation(patterns, &active, &u, starting.clone(), settings);
        for (k, levels) in m.iter().enumerate().filter(|(k, _)| active[*k]) {
            estimates[k] += 1;
            sums[k].iter_mut().zip(levels).for_each(|(sum, m)| *sum += m);
        }
        sessions.push(session_report(rule, patterns, iterations, converged, lambda));
    }
    let m: Vec<Vec<f64>> = sums
        .iter()
        .zip(&estimates)
        .zip(&starting)
        .map(|((sum, &n), start)| {
            if n == 0 {
                start.clone()
            } else {
                sum.iter().map(|s| s / n as f64).collect()
            }
        })
        .collect();
    let total = total_pairs(records, options.link_type, sources.as_deref()).max(1.0);
    let (lambda, u, lambda_from) = match &options.deterministic_rules {
        Some(rules) => {
            let count = deterministic_pairs(prepared, rules, options.link_type)? as f64;
            let lambda = count / (options.recall * total);
            (
                lambda,
                without_matches(&u, &m, lambda.min(1.0 - 1e-9)),
                format!("deterministic_rules with recall {}", options.recall),
            )
        }
        None => {
            let mut counts: HashMap<Pattern, u64> = HashMap::new();
            for pattern in &candidates.patterns {
                *counts.entry(*pattern).or_default() += 1;
            }
            let mut counts: Vec<(Pattern, u64)> = counts.into_iter().collect();
            counts.sort_unstable();
            let (lambda, u) = lambda_and_u(&counts, &m, &u, total);
            (lambda, u, "candidate pairs, m and u known".to_string())
        }
    };
    let lambda = lambda.clamp(1.0 / (total + 1.0), 1.0 - 1e-9);
    let comparisons = prepared
        .columns
        .iter()
        .enumerate()
        .map(|(k, column)| {
            let labels = column.comparison.level_labels();
            let levels = (0..column.comparison.level_count())
                .map(|level| {
                    let mut model_level = ModelLevel {
                        level: level as i8,
                        label: if level == 0 {
                            "else".to_string()
                        } else {
                            labels[level - 1].clone()
                        },
                        m_probability: m[k][level],
                        u_probability: u[k][level],
                        bayes_factor: 0.0,
                        match_weight: 0.0,
                    };
                    model_level.set_factors();
                    model_level
                })
                .collect();
            ModelComparison {
                comparison: column.comparison.clone(),
                levels,
                m_estimated: estimates[k] > 0,
            }
        })
        .collect();
    Ok(MatchModel {
        link_type: options.link_type,
        probability_two_random_records_match: lambda,
        comparisons,
        training: Some(TrainingReport {
            records: records as u64,
            seed: options.seed,
            u_pairs_sampled,
            sessions,
            lambda_from,
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn em_finds_the_two_groups_of_a_mixture() {
        // Two comparisons with levels (else, exact): matches agree on both
        // 90% of the time, non-matches 5% of the time; 10% of pairs match.
        let u = vec![vec![0.95, 0.05], vec![0.95, 0.05]];
        let mut patterns = vec![];
        for (a, b) in [(0i8, 0i8), (0, 1), (1, 0), (1, 1)] {
            let p = |level: i8, m: f64, u: f64| if level == 1 { (m, u) } else { (1.0 - m, 1.0 - u) };
            let ((ma, ua), (mb, ub)) = (p(a, 0.9, 0.05), p(b, 0.9, 0.05));
            let count = (100_000.0 * (0.1 * ma * mb + 0.9 * ua * ub)).round() as u64;
            patterns.push((Pattern::of(&[a, b]), count));
        }
        let m = vec![starting_m(2), starting_m(2)];
        let settings = EmSettings {
            max_iterations: 100,
            tolerance: 1e-6,
        };
        let (m, _, converged, lambda) = expectation_maximisation(&patterns, &[true, true], &u, m, settings);
        assert!(converged);
        assert!((lambda - 0.1).abs() < 0.01, "{lambda}");
        assert!((m[0][1] - 0.9).abs() < 0.02, "{m:?}");
    }

    #[test]
    fn exact_agreement_is_counted_over_every_pair() {
        use super::super::comparison::{Comparison, ComparisonKind};
        use arrow::array::{ArrayRef, StringArray};
        let values: ArrayRef =
            std::sync::Arc::new(StringArray::from(vec![Some("a"), Some("a"), Some("b"), None]));
        let column = PreparedColumn::new(Comparison::new("c", ComparisonKind::Exact), &values).unwrap();
        // Three present values, three pairs, one agreeing.
        assert!((exact_agreement(&column, LinkType::Dedupe, None) - 1.0 / 3.0).abs() < 1e-12);
        let values: ArrayRef = std::sync::Arc::new(StringArray::from(vec!["a", "a", "a", "b"]));
        let column = PreparedColumn::new(Comparison::new("c", ComparisonKind::Exact), &values).unwrap();
        // Sources {a, a} and {a, b}: four pairs across, two agreeing.
        let sources = [0, 0, 1, 1];
        assert!((exact_agreement(&column, LinkType::LinkOnly, Some(&sources)) - 0.5).abs() < 1e-12);
    }

    #[test]
    fn lambda_is_a_probability_for_any_number_of_pairs() {
        let u = vec![vec![0.9, 0.1]];
        let m = vec![vec![0.1, 0.9]];
        for (patterns, all_pairs) in [
            (vec![(Pattern::of(&[1]), 1)], 1.0),
            (vec![(Pattern::of(&[0]), 3)], 3.0),
        ] {
            let lambda = probability_two_random_records_match(&patterns, &m, &u, all_pairs);
            assert!(lambda > 0.0 && lambda < 1.0, "{lambda}");
        }
        assert_eq!(probability_two_random_records_match(&[], &m, &u, 10.0), 0.0);
    }

    #[test]
    fn no_pairs_is_no_estimate_and_no_nan() {
        let settings = EmSettings {
            max_iterations: 25,
            tolerance: 1e-4,
        };
        let (m, iterations, _, lambda) =
            expectation_maximisation(&[], &[true], &[vec![0.9, 0.1]], vec![starting_m(2)], settings);
        assert_eq!((iterations, lambda), (0, 0.0));
        assert!(m[0].iter().all(|v| v.is_finite()));
    }
}
