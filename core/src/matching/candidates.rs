//! Candidate pairs, made rule by rule so that each pair is compared once,
//! with each rule's counts of comparison vectors for its EM session; the
//! automatic blocking rules; the pairs deterministic rules accept.

use arrow::array::StringArray;
use hashbrown::HashMap;
use rayon::prelude::*;

use super::MatchError;
use super::blocking::{Blocks, in_earlier_block, rule_keys};
use super::comparison::{Comparison, ComparisonKind, PreparedColumn};
use super::input::MatchInput;
use super::model::LinkType;
use super::options::MatchOptions;
use super::pattern::Pattern;

/// The records, prepared: compared columns, and each column's text as
/// blocking reads it.
pub(super) struct Prepared<'a> {
    pub input: &'a MatchInput,
    pub columns: Vec<PreparedColumn>,
    block_text: HashMap<String, StringArray>,
}

impl<'a> Prepared<'a> {
    pub fn new(input: &'a MatchInput, comparisons: Vec<Comparison>) -> Result<Self, MatchError> {
        // Each column is prepared on its own core (names into pinyin are the
        // costliest).
        let columns = comparisons
            .into_par_iter()
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
    pub fn keys(&mut self, rule: &[String]) -> Result<Vec<Option<u64>>, MatchError> {
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

    fn prefetch(&self, row: usize) {
        for column in &self.columns {
            column.prefetch(row);
        }
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
pub(super) struct Candidates {
    pub left: Vec<u32>,
    pub right: Vec<u32>,
    pub patterns: Vec<Pattern>,
    /// Per rule: comparison vectors and how many of its pairs have them,
    /// sorted (so that EM sums in one order: deterministic).
    pub sessions: Vec<Vec<(Pattern, u64)>>,
}

pub(super) fn automatic_rules(
    prepared: &mut Prepared,
    options: &MatchOptions,
) -> Result<Vec<Vec<String>>, MatchError> {
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

/// Candidate pairs one task compares.
const PAIRS_PER_TASK: usize = 1 << 16;
/// How many pairs ahead the records' values are fetched.
const PREFETCH_AHEAD: usize = 8;

pub(super) fn candidates(
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
        let mut pairs_of_rule: Vec<(u32, u32)> = Vec::with_capacity(pairs as usize);
        blocks.for_each_pair(options.link_type, sources, |a, b| pairs_of_rule.push((a, b)));
        // Comparing is the cost: chunks of pairs on every core, put back
        // together in their order (the result does not depend on the cores).
        let (shared, made_before) = (&*prepared, &earlier);
        let compared: Vec<(HashMap<Pattern, u64>, Vec<(u32, u32, Pattern)>)> = pairs_of_rule
            .par_chunks(PAIRS_PER_TASK)
            .map(|chunk| {
                let mut counts: HashMap<Pattern, u64> = HashMap::new();
                let mut new_pairs = Vec::with_capacity(chunk.len());
                for (i, &(a, b)) in chunk.iter().enumerate() {
                    if let Some(&(next_a, next_b)) = chunk.get(i + PREFETCH_AHEAD) {
                        shared.prefetch(next_a as usize);
                        shared.prefetch(next_b as usize);
                    }
                    let pattern = shared.pattern(a as usize, b as usize);
                    *counts.entry(pattern).or_default() += 1;
                    if !in_earlier_block(made_before, a, b) {
                        new_pairs.push((a, b, pattern));
                    }
                }
                (counts, new_pairs)
            })
            .collect();
        let mut counts: HashMap<Pattern, u64> = HashMap::new();
        for (chunk_counts, new_pairs) in compared {
            for (pattern, n) in chunk_counts {
                *counts.entry(pattern).or_default() += n;
            }
            for (a, b, pattern) in new_pairs {
                result.left.push(a);
                result.right.push(b);
                result.patterns.push(pattern);
            }
        }
        let mut counts: Vec<(Pattern, u64)> = counts.into_iter().collect();
        counts.sort_unstable();
        result.sessions.push(counts);
        earlier.push(keys);
    }
    Ok(result)
}

/// Pairs the deterministic rules accept, each once.
pub(super) fn deterministic_pairs(
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
            count += u64::from(!in_earlier_block(&earlier, a, b));
        });
        earlier.push(keys);
    }
    Ok(count)
}
