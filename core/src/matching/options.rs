//! The options of `match_records` and `train_match_model`, read from JSON:
//! unknown keys are an error, every default is here and in
//! docs/fuzzy-matching.md.

use serde::Deserialize;
use serde_json::Value;

use super::MatchError;
use super::comparison::{Comparison, ComparisonKind};
use super::model::{LinkType, MatchModel};

pub const DEFAULT_THRESHOLD: f64 = 0.9;
pub const DEFAULT_MAX_PAIRS: u64 = 20_000_000;
pub const DEFAULT_SEED: u64 = 42;
pub const DEFAULT_U_SAMPLE_PAIRS: u64 = 200_000;
pub const DEFAULT_MAX_ITERATIONS: u32 = 25;
pub const DEFAULT_TOLERANCE: f64 = 1e-4;
pub const DEFAULT_RECALL: f64 = 1.0;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOptions {
    blocking: Option<Vec<Vec<String>>>,
    #[serde(default)]
    comparisons: serde_json::Map<String, Value>,
    #[serde(default)]
    link_type: Option<LinkType>,
    threshold: Option<f64>,
    max_pairs: Option<u64>,
    model: Option<Value>,
    deterministic_rules: Option<Vec<Vec<String>>>,
    recall: Option<f64>,
    seed: Option<u64>,
    u_sample_pairs: Option<u64>,
    max_iterations: Option<u32>,
    tolerance: Option<f64>,
}

/// The options of one call, defaults filled in.
#[derive(Debug, Clone)]
pub struct MatchOptions {
    /// Rules as lists of columns; `None` for the automatic choice.
    pub blocking: Option<Vec<Vec<String>>>,
    /// Comparisons named in the options, by column; the other columns get
    /// their automatic kind.
    pub comparisons: Vec<Comparison>,
    pub link_type: LinkType,
    pub threshold: f64,
    pub max_pairs: u64,
    pub model: Option<MatchModel>,
    pub deterministic_rules: Option<Vec<Vec<String>>>,
    pub recall: f64,
    pub seed: u64,
    pub u_sample_pairs: u64,
    pub max_iterations: u32,
    pub tolerance: f64,
}

impl Default for MatchOptions {
    fn default() -> Self {
        Self {
            blocking: None,
            comparisons: vec![],
            link_type: LinkType::Dedupe,
            threshold: DEFAULT_THRESHOLD,
            max_pairs: DEFAULT_MAX_PAIRS,
            model: None,
            deterministic_rules: None,
            recall: DEFAULT_RECALL,
            seed: DEFAULT_SEED,
            u_sample_pairs: DEFAULT_U_SAMPLE_PAIRS,
            max_iterations: DEFAULT_MAX_ITERATIONS,
            tolerance: DEFAULT_TOLERANCE,
        }
    }
}

fn invalid(message: impl Into<String>) -> MatchError {
    MatchError::Options(message.into())
}

fn kind_of(column: &str, name: &str) -> Result<ComparisonKind, MatchError> {
    serde_json::from_value(Value::String(name.to_string())).map_err(|_| {
        invalid(format!(
            "comparison of '{column}': unknown kind '{name}'; expected one of {}",
            ComparisonKind::NAMES.join(", ")
        ))
    })
}

/// A comparison given as a kind (`"jaro_winkler"`) or as an object
/// (`{"kind": "levenshtein", "thresholds": [3, 1], "term_frequency": true}`).
fn comparison_of(column: &str, value: &Value) -> Result<Comparison, MatchError> {
    let comparison = match value {
        Value::String(kind) => Comparison::new(column, kind_of(column, kind)?),
        Value::Object(fields) => {
            let kind = match fields.get("kind") {
                Some(Value::String(kind)) => kind_of(column, kind)?,
                _ => {
                    return Err(invalid(format!(
                        "comparison of '{column}': 'kind' must be given as a string"
                    )));
                }
            };
            let mut comparison = Comparison::new(column, kind);
            for (key, value) in fields {
                match key.as_str() {
                    "kind" => {}
                    "thresholds" => {
                        comparison.thresholds = serde_json::from_value(value.clone()).map_err(|_| {
                            invalid(format!(
                                "comparison of '{column}': 'thresholds' must be a list of numbers"
                            ))
                        })?
                    }
                    "term_frequency" => {
                        comparison.term_frequency = value.as_bool().ok_or_else(|| {
                            invalid(format!(
                                "comparison of '{column}': 'term_frequency' must be true or false"
                            ))
                        })?
                    }
                    other => {
                        return Err(invalid(format!(
                            "comparison of '{column}': unknown key '{other}'; expected kind, thresholds, term_frequency"
                        )));
                    }
                }
            }
            comparison
        }
        other => {
            return Err(invalid(format!(
                "comparison of '{column}' must be a kind or an object, got {other}"
            )));
        }
    };
    comparison.validate()?;
    Ok(comparison)
}

impl MatchOptions {
    pub fn from_json(json: &str) -> Result<Self, MatchError> {
        let raw: RawOptions =
            serde_json::from_str(json).map_err(|e| invalid(format!("invalid options JSON: {e}")))?;
        let defaults = Self::default();
        let model = match raw.model {
            None | Some(Value::Null) => None,
            Some(Value::String(json)) => Some(MatchModel::from_json(&json)?),
            Some(value) => Some(MatchModel::from_json(&value.to_string())?),
        };
        if model.is_some() && !raw.comparisons.is_empty() {
            return Err(invalid(
                "'comparisons' come from the model when 'model' is given; leave them out",
            ));
        }
        let comparisons = raw
            .comparisons
            .iter()
            .map(|(column, value)| comparison_of(column, value))
            .collect::<Result<Vec<_>, _>>()?;
        let threshold = raw.threshold.unwrap_or(defaults.threshold);
        if !(0.0..=1.0).contains(&threshold) {
            return Err(invalid(format!(
                "'threshold' is a match probability between 0 and 1, got {threshold}"
            )));
        }
        let recall = raw.recall.unwrap_or(defaults.recall);
        if !(recall > 0.0 && recall <= 1.0) {
            return Err(invalid(format!("'recall' must be in (0, 1], got {recall}")));
        }
        let tolerance = raw.tolerance.unwrap_or(defaults.tolerance);
        if !(tolerance > 0.0 && tolerance.is_finite()) {
            return Err(invalid(format!(
                "'tolerance' must be a positive number, got {tolerance}"
            )));
        }
        for (key, rules) in [
            ("blocking", &raw.blocking),
            ("deterministic_rules", &raw.deterministic_rules),
        ] {
            if let Some(rules) = rules
                && (rules.is_empty() || rules.iter().any(Vec::is_empty))
            {
                return Err(invalid(format!(
                    "'{key}' must be a non-empty list of non-empty lists of columns"
                )));
            }
        }
        let link_type = match (raw.link_type, &model) {
            (Some(link_type), _) => link_type,
            (None, Some(model)) => model.link_type,
            (None, None) => defaults.link_type,
        };
        Ok(Self {
            blocking: raw.blocking,
            comparisons,
            link_type,
            threshold,
            max_pairs: raw.max_pairs.unwrap_or(defaults.max_pairs),
            model,
            deterministic_rules: raw.deterministic_rules,
            recall,
            seed: raw.seed.unwrap_or(defaults.seed),
            u_sample_pairs: raw.u_sample_pairs.unwrap_or(defaults.u_sample_pairs),
            max_iterations: raw.max_iterations.unwrap_or(defaults.max_iterations),
            tolerance,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_are_read_with_their_defaults_and_checked() {
        let options = MatchOptions::from_json(
            r#"{"blocking": [["surname"]], "comparisons": {"given_name": "name", "postcode": {"kind": "levenshtein", "thresholds": [1]}}}"#,
        )
        .unwrap();
        assert_eq!(options.threshold, DEFAULT_THRESHOLD);
        assert_eq!(options.comparisons.len(), 2);
        let error = |json: &str| MatchOptions::from_json(json).unwrap_err().to_string();
        assert!(error(r#"{"blockng": []}"#).contains("unknown field `blockng`"));
        assert!(
            error(r#"{"comparisons": {"a": "soundex"}}"#)
                .contains("comparison of 'a': unknown kind 'soundex'")
        );
        assert!(error(r#"{"threshold": 2}"#).contains("between 0 and 1"));
        assert!(error(r#"{"blocking": [[]]}"#).contains("non-empty lists"));
        assert!(
            error(r#"{"comparisons": {"a": {"kind": "exact", "thresholds": [1]}}}"#).contains("not taken")
        );
    }
}
