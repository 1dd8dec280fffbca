//! `OPTIONS (...)` of `CREATE MODEL`: each option, its default, and the
//! model types it applies to. An option given to a type it does not apply
//! to is an error, not silently ignored.

use serde::{Deserialize, Serialize};

use crate::ModelError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ModelType {
    Logistic,
    Linear,
    Gbdt,
    Kmeans,
}

impl ModelType {
    pub fn as_str(self) -> &'static str {
        match self {
            ModelType::Logistic => "logistic",
            ModelType::Linear => "linear",
            ModelType::Gbdt => "gbdt",
            ModelType::Kmeans => "kmeans",
        }
    }

    fn parse(name: &str) -> Option<Self> {
        [
            ModelType::Logistic,
            ModelType::Linear,
            ModelType::Gbdt,
            ModelType::Kmeans,
        ]
        .into_iter()
        .find(|t| t.as_str() == name.to_ascii_lowercase())
    }
}

/// Every option, with the types it applies to (empty: all types).
const APPLIES_TO: &[(&str, &[ModelType])] = &[
    ("type", &[]),
    (
        "label",
        &[ModelType::Logistic, ModelType::Linear, ModelType::Gbdt],
    ),
    ("positive_class", &[ModelType::Logistic, ModelType::Gbdt]),
    ("holdout", &[]),
    ("data_split_col", &[]),
    ("seed", &[]),
    ("max_categories", &[]),
    ("max_distinct", &[]),
    ("l2_reg", &[ModelType::Logistic, ModelType::Linear]),
    (
        "max_iterations",
        &[ModelType::Logistic, ModelType::Gbdt, ModelType::Kmeans],
    ),
    ("learning_rate", &[ModelType::Gbdt]),
    ("max_depth", &[ModelType::Gbdt]),
    ("max_leaves", &[ModelType::Gbdt]),
    ("k", &[ModelType::Kmeans]),
    ("n_init", &[ModelType::Kmeans]),
];

/// The names of the options, for error messages and documentation.
pub const OPTION_NAMES: &[&str] = &[
    "type",
    "label",
    "positive_class",
    "holdout",
    "data_split_col",
    "seed",
    "max_categories",
    "max_distinct",
    "l2_reg",
    "max_iterations",
    "learning_rate",
    "max_depth",
    "max_leaves",
    "k",
    "n_init",
];

/// The options of a model, defaults filled in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelOptions {
    pub model_type: ModelType,
    /// The column to predict (not for k-means).
    pub label: Option<String>,
    /// For classifiers: the label value whose probability is predicted.
    pub positive_class: Option<String>,
    /// The share of rows held out for evaluation (when `data_split_col` is
    /// not given and there are at least [`crate::split::MIN_ROWS_TO_HOLD_OUT`] rows).
    pub holdout: f64,
    /// A boolean column: true marks an evaluation row. Not a feature.
    pub data_split_col: Option<String>,
    pub seed: u64,
    /// Per text feature: the number of its values encoded one-hot (the most
    /// frequent; the rest share one "other" column).
    pub max_categories: usize,
    /// Per text feature: more distinct values than this is an error (an id
    /// column is no feature).
    pub max_distinct: usize,
    /// L2 penalty on the standardised weights (logistic: scikit-learn's 1/C).
    pub l2_reg: f64,
    pub max_iterations: usize,
    pub learning_rate: f64,
    pub max_depth: usize,
    pub max_leaves: usize,
    /// The number of clusters.
    pub k: usize,
    /// k-means runs from different k-means++ seeds; the best is kept.
    pub n_init: usize,
}

fn option_error(option: &str, problem: impl Into<String>) -> ModelError {
    ModelError::Option {
        option: option.to_string(),
        problem: problem.into(),
    }
}

fn number<T: std::str::FromStr>(option: &str, value: &str, expected: &str) -> Result<T, ModelError> {
    value
        .trim()
        .parse()
        .map_err(|_| option_error(option, format!("expected {expected}, got '{value}'")))
}

impl ModelOptions {
    /// Reads `(name, value)` pairs (names case-insensitive). `type` is
    /// required, and `label` for every type but k-means.
    pub fn parse(pairs: &[(String, String)]) -> Result<Self, ModelError> {
        let mut seen: Vec<String> = Vec::new();
        for (name, _) in pairs {
            let name = name.to_ascii_lowercase();
            if !OPTION_NAMES.contains(&name.as_str()) {
                return Err(option_error(
                    &name,
                    format!("unknown option; the options are {}", OPTION_NAMES.join(", ")),
                ));
            }
            if seen.contains(&name) {
                return Err(option_error(&name, "given twice"));
            }
            seen.push(name);
        }
        let get = |option: &str| {
            pairs
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(option))
                .map(|(_, value)| value.as_str())
        };
        let type_name = get("type")
            .ok_or_else(|| option_error("type", "required: 'logistic', 'linear', 'gbdt' or 'kmeans'"))?;
        let model_type = ModelType::parse(type_name).ok_or_else(|| {
            option_error(
                "type",
                format!("expected 'logistic', 'linear', 'gbdt' or 'kmeans', got '{type_name}'"),
            )
        })?;
        for (name, types) in APPLIES_TO {
            if get(name).is_some() && !types.is_empty() && !types.contains(&model_type) {
                let applies: Vec<&str> = types.iter().map(|t| t.as_str()).collect();
                return Err(option_error(
                    name,
                    format!(
                        "does not apply to a '{}' model (only to {})",
                        model_type.as_str(),
                        applies.join(", ")
                    ),
                ));
            }
        }
        let label = get("label").map(str::to_string);
        if label.is_none() && model_type != ModelType::Kmeans {
            return Err(option_error(
                "label",
                format!(
                    "required for a '{}' model: the column to predict",
                    model_type.as_str()
                ),
            ));
        }
        let mut options = ModelOptions {
            model_type,
            label,
            positive_class: get("positive_class").map(str::to_string),
            holdout: 0.2,
            data_split_col: get("data_split_col").map(str::to_string),
            seed: 42,
            max_categories: 50,
            max_distinct: 10_000,
            l2_reg: if model_type == ModelType::Logistic {
                1.0
            } else {
                0.0
            },
            max_iterations: match model_type {
                ModelType::Kmeans => 300,
                _ => 100,
            },
            learning_rate: 0.1,
            max_depth: 5,
            max_leaves: 31,
            k: 8,
            n_init: 1,
        };
        if let Some(v) = get("holdout") {
            options.holdout = number("holdout", v, "a share between 0 and 0.9")?;
            if !(0.0..=0.9).contains(&options.holdout) {
                return Err(option_error(
                    "holdout",
                    format!("expected a share between 0 and 0.9, got {v}"),
                ));
            }
        }
        if let Some(v) = get("seed") {
            options.seed = number("seed", v, "a whole number of 0 or more")?;
        }
        let positive = |option: &str, target: &mut usize, expected: &str| -> Result<(), ModelError> {
            if let Some(v) = get(option) {
                *target = number(option, v, expected)?;
                if *target == 0 {
                    return Err(option_error(option, format!("expected {expected}, got 0")));
                }
            }
            Ok(())
        };
        positive(
            "max_categories",
            &mut options.max_categories,
            "a whole number of 1 or more",
        )?;
        positive(
            "max_distinct",
            &mut options.max_distinct,
            "a whole number of 1 or more",
        )?;
        positive(
            "max_iterations",
            &mut options.max_iterations,
            "a whole number of 1 or more",
        )?;
        positive("max_depth", &mut options.max_depth, "a whole number of 1 or more")?;
        positive(
            "max_leaves",
            &mut options.max_leaves,
            "a whole number of 2 or more",
        )?;
        positive("k", &mut options.k, "a whole number of 1 or more")?;
        positive("n_init", &mut options.n_init, "a whole number of 1 or more")?;
        if let Some(v) = get("l2_reg") {
            options.l2_reg = number("l2_reg", v, "a number of 0 or more")?;
            if !(options.l2_reg >= 0.0 && options.l2_reg.is_finite()) {
                return Err(option_error(
                    "l2_reg",
                    format!("expected a number of 0 or more, got {v}"),
                ));
            }
        }
        if let Some(v) = get("learning_rate") {
            options.learning_rate = number("learning_rate", v, "a number above 0 and at most 1")?;
            if !(options.learning_rate > 0.0 && options.learning_rate <= 1.0) {
                return Err(option_error(
                    "learning_rate",
                    format!("expected a number above 0 and at most 1, got {v}"),
                ));
            }
        }
        Ok(options)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_follow_the_type() {
        let o = ModelOptions::parse(&pairs(&[("TYPE", "Logistic"), ("label", "y")])).unwrap();
        assert_eq!(
            (o.model_type, o.l2_reg, o.max_iterations),
            (ModelType::Logistic, 1.0, 100)
        );
        let o = ModelOptions::parse(&pairs(&[("type", "kmeans"), ("k", "3")])).unwrap();
        assert_eq!((o.k, o.label, o.max_iterations), (3, None, 300));
    }

    #[test]
    fn bad_options_are_named() {
        let err = |items: &[(&str, &str)]| ModelOptions::parse(&pairs(items)).unwrap_err().to_string();
        assert!(err(&[("label", "y")]).starts_with("option 'type': required"));
        assert!(err(&[("type", "svm"), ("label", "y")]).contains("got 'svm'"));
        assert!(err(&[("type", "logistic")]).starts_with("option 'label': required"));
        assert_eq!(
            err(&[("type", "kmeans"), ("label", "y")]),
            "option 'label': does not apply to a 'kmeans' model (only to logistic, linear, gbdt)"
        );
        assert!(err(&[("type", "logistic"), ("label", "y"), ("k", "3")]).contains("only to kmeans"));
        assert!(err(&[("type", "kmeans"), ("k", "0")]).contains("got 0"));
        assert!(err(&[("type", "kmeans"), ("k", "three")]).contains("got 'three'"));
        assert!(err(&[("type", "kmeans"), ("colour", "red")]).starts_with("option 'colour': unknown"));
        assert!(
            err(&[("type", "linear"), ("label", "y"), ("holdout", "0.95")]).contains("between 0 and 0.9")
        );
    }
}
