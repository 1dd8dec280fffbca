//! One call of `match_records` or `train_match_model`: choose and prepare
//! the comparisons, make the candidate pairs rule by rule (each pair once),
//! train or take the model, and score the pairs.

use arrow::array::{Array, ArrayRef, AsArray, StringArray};
use arrow::compute::cast;
use arrow::datatypes::DataType;
use hashbrown::HashMap;

use super::MatchError;
use super::blocking::{Blocks, rule_keys, total_pairs};
use super::comparison::{Comparison, ComparisonKind, PreparedColumn};
use super::model::{
    LinkType, MatchModel, ModelComparison, ModelLevel, TrainingReport, probability_of_weight,
};
use super::options::MatchOptions;
use super::pattern::{MAX_COMPARISONS, MAX_LEVELS, Pattern};
use super::training::{
    EmSettings, estimate_u, expectation_maximisation, probability_two_random_records_match, session_report,
    starting_m,
};

/// The records of one call: their columns (not `record_id` or `source`)
/// and, when given, each record's source as a small number.
pub struct MatchInput {
    pub records: usize,
    pub columns: Vec<(String, ArrayRef)>,
    pub sources: Option<Vec<u32>>,
}

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

impl MatchInput {
    fn column(&self, name: &str) -> Result<&ArrayRef, MatchError> {
        self.columns
            .iter()
            .find(|(column, _)| column == name)
            .map(|(_, array)| array)
            .ok_or_else(|| {
                let names: Vec<&str> = self.columns.iter().map(|(c, _)| c.as_str()).collect();
                MatchError::Input(format!(
                    "column '{name}' is named in the options but the query does not return it (it returns {})",
                    names.join(", ")
                ))
            })
    }
}

/// The kind a column gets when the options do not name it: by its name
/// (phone, e-mail, address, name, birth or date), then by its type (dates,
/// numbers);
/// other text is compared by Damerau–Levenshtein when its values are
/// mostly digits (identifiers, postcodes) and by Jaro–Winkler otherwise.
pub fn automatic_kind(name: &str, array: &ArrayRef) -> ComparisonKind {
    let lower = name.to_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| lower.contains(w));
    let data_type = array.data_type();
    if has(&["phone", "mobile", "tel"]) {
        ComparisonKind::Phone
    } else if has(&["email", "e_mail", "mail"]) {
        ComparisonKind::Email
    } else if has(&["address", "addr"]) {
        ComparisonKind::Address
    } else if has(&["name"]) {
        ComparisonKind::Name
    } else if matches!(
        data_type,
        DataType::Date32 | DataType::Date64 | DataType::Timestamp(_, _)
    ) || has(&["birth", "dob", "date"])
    {
        ComparisonKind::Date
    } else if data_type.is_numeric() {
        ComparisonKind::Numeric
    } else if mostly_digits(array) {
        ComparisonKind::DamerauLevenshtein
    } else {
        ComparisonKind::JaroWinkler
    }
}

/// Whether nine in ten of the first thousand values are digits only.
fn mostly_digits(array: &ArrayRef) -> bool {
    let Ok(text) = cast(array, &DataType::Utf8) else {
        return false;
    };
    let values: Vec<&str> = text
        .as_string::<i32>()
        .iter()
        .flatten()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .take(1000)
        .collect();
    let digits = values
        .iter()
        .filter(|v| v.chars().all(|c| c.is_ascii_digit()))
        .count();
    !values.is_empty() && digits * 10 >= values.len() * 9
}

/// The comparisons of a call: the model's, or the options' for the columns
/// they name and the automatic kind for the rest, in column order.
fn comparisons_of(input: &MatchInput, options: &MatchOptions) -> Result<Vec<Comparison>, MatchError> {
    let comparisons: Vec<Comparison> = match &options.model {
        Some(model) => {
            for comparison in &model.comparisons {
                input.column(&comparison.comparison.column)?;
            }
            model.comparisons.iter().map(|c| c.comparison.clone()).collect()
        }
        None => {
            for comparison in &options.comparisons {
                input.column(&comparison.column)?;
            }
            input
                .columns
                .iter()
                .map(|(name, array)| {
                    options
                        .comparisons
                        .iter()
                        .find(|c| &c.column == name)
                        .cloned()
                        .unwrap_or_else(|| Comparison::new(name, automatic_kind(name, array)))
                })
                .filter(|c| c.kind != ComparisonKind::None)
                .collect()
        }
    };
    if comparisons.is_empty() {
        return Err(MatchError::Input(
            "nothing to compare: the query returns no column besides record_id and source".into(),
        ));
    }
    if comparisons.len() > MAX_COMPARISONS {
        return Err(MatchError::Input(format!(
            "at most {MAX_COMPARISONS} columns can be compared, got {}; mark others {{\"kind\": \"none\"}}",
            comparisons.len()
        )));
    }
    for comparison in &comparisons {
        if comparison.level_count() > MAX_LEVELS {
            return Err(MatchError::Options(format!(
                "comparison of '{}' has {} levels, at most {MAX_LEVELS}",
                comparison.column,
                comparison.level_count()
            )));
        }
    }
    Ok(comparisons)
}

/// The records, prepared: compared columns, and each column's text as
/// blocking reads it.
struct Prepared<'a> {
    input: &'a MatchInput,
    columns: Vec<PreparedColumn>,
    block_text: HashMap<String, StringArray>,
}

impl<'a> Prepared<'a> {
    fn new(input: &'a MatchInput, comparisons: Vec<Comparison>) -> Result<Self, MatchError> {
        let columns = comparisons
            .into_iter()
            .map(|comparison| {
                let array = input.column(&comparison.column)?;
                PreparedColumn::new(comparison, array)
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            input,
            columns,
            block_text: HashMap::new(),
        })
    }

    /// Each record's key under `rule`: the values as compared (normalised)
    /// for compared columns, trimmed lower-case text for the others.
    fn keys(&mut self, rule: &[String]) -> Result<Vec<Option<u64>>, MatchError> {
        for column in rule {
            if self.block_text.contains_key(column) {
                continue;
            }
            let text = match self.columns.iter().find(|c| &c.comparison.column == column) {
                Some(prepared) => prepared.block_text(),
                None => {
                    let plain = PreparedColumn::new(
                        Comparison::new(column, ComparisonKind::Exact),
                        self.input.column(column)?,
                    )?;
                    plain.text
                }
            };
            self.block_text.insert(column.clone(), text);
        }
        let texts: Vec<&StringArray> = rule.iter().map(|c| &self.block_text[c]).collect();
        Ok(rule_keys(&texts, self.input.records))
    }

    fn pattern(&self, a: usize, b: usize) -> Pattern {
        let mut pattern = Pattern::default();
        for (k, column) in self.columns.iter().enumerate() {
            pattern.set(k, column.level(a, b));
        }
        pattern
    }
}

/// Candidate pairs of every rule, each once, and each rule's vector counts.
struct Candidates {
    left: Vec<u32>,
    right: Vec<u32>,
    patterns: Vec<Pattern>,
    /// Per rule: comparison vectors and how many of its pairs have them,
    /// sorted (so that EM sums in one order: deterministic).
    sessions: Vec<Vec<(Pattern, u64)>>,
}

fn automatic_rules(prepared: &mut Prepared, options: &MatchOptions) -> Result<Vec<Vec<String>>, MatchError> {
    let sources = prepared.input.sources.clone();
    let columns: Vec<String> = prepared
        .columns
        .iter()
        .map(|c| c.comparison.column.clone())
        .collect();
    let mut counted = vec![];
    for column in columns {
        let rule = vec![column];
        let keys = prepared.keys(&rule)?;
        let pairs = Blocks::new(&keys).pair_count(options.link_type, sources.as_deref());
        counted.push((pairs, rule));
    }
    counted.sort();
    let mut rules = vec![];
    let mut total = 0;
    for (pairs, rule) in counted {
        if total + pairs <= options.max_pairs {
            total += pairs;
            rules.push(rule);
        }
    }
    if rules.is_empty() {
        return Err(MatchError::Options(format!(
            "no single-column blocking rule stays under max_pairs ({}); give 'blocking'",
            options.max_pairs
        )));
    }
    Ok(rules)
}

fn candidates(
    prepared: &mut Prepared,
    rules: &[Vec<String>],
    options: &MatchOptions,
) -> Result<Candidates, MatchError> {
    let sources = prepared.input.sources.clone();
    let sources = sources.as_deref();
    let mut earlier: Vec<Vec<Option<u64>>> = vec![];
    let mut result = Candidates {
        left: vec![],
        right: vec![],
        patterns: vec![],
        sessions: vec![],
    };
    for rule in rules {
        let keys = prepared.keys(rule)?;
        let blocks = Blocks::new(&keys);
        let pairs = blocks.pair_count(options.link_type, sources);
        if pairs > options.max_pairs {
            return Err(MatchError::TooManyPairs {
                rule: rule.clone(),
                pairs,
                max_pairs: options.max_pairs,
            });
        }
        let mut counts: HashMap<Pattern, u64> = HashMap::new();
        blocks.for_each_pair(options.link_type, sources, |a, b| {
            let pattern = prepared.pattern(a as usize, b as usize);
            *counts.entry(pattern).or_default() += 1;
            let covered = earlier
                .iter()
                .any(|keys| keys[a as usize].is_some() && keys[a as usize] == keys[b as usize]);
            if !covered {
                result.left.push(a);
                result.right.push(b);
                result.patterns.push(pattern);
            }
        });
        let mut counts: Vec<(Pattern, u64)> = counts.into_iter().collect();
        counts.sort_unstable();
        result.sessions.push(counts);
        earlier.push(keys);
    }
    Ok(result)
}

/// Pairs the deterministic rules accept, each once.
fn deterministic_pairs(
    prepared: &mut Prepared,
    rules: &[Vec<String>],
    link_type: LinkType,
) -> Result<u64, MatchError> {
    let sources = prepared.input.sources.clone();
    let mut earlier: Vec<Vec<Option<u64>>> = vec![];
    let mut count = 0u64;
    for rule in rules {
        let keys = prepared.keys(rule)?;
        Blocks::new(&keys).for_each_pair(link_type, sources.as_deref(), |a, b| {
            let covered = earlier
                .iter()
                .any(|keys| keys[a as usize].is_some() && keys[a as usize] == keys[b as usize]);
            count += u64::from(!covered);
        });
        earlier.push(keys);
    }
    Ok(count)
}

fn train(
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
    let (lambda, lambda_from) = match &options.deterministic_rules {
        Some(rules) => {
            let count = deterministic_pairs(prepared, rules, options.link_type)? as f64;
            (
                count / (options.recall * total),
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
            let lambda = probability_two_random_records_match(&counts, &m, &u, total);
            (lambda, "candidate pairs, m and u known".to_string())
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

/// Each record's share of the non-missing values equal to its own, for the
/// comparisons that adjust by term frequency.
fn term_frequencies(columns: &[PreparedColumn]) -> Vec<Option<Vec<f64>>> {
    columns
        .iter()
        .map(|column| {
            if !column.comparison.term_frequency {
                return None;
            }
            let text = &column.text;
            let mut counts: HashMap<&str, u32> = HashMap::new();
            for value in text.iter().flatten() {
                *counts.entry(value).or_default() += 1;
            }
            let present = (text.len() - text.null_count()).max(1) as f64;
            Some(
                text.iter()
                    .map(|v| v.map_or(0.0, |v| counts[v] as f64 / present))
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
