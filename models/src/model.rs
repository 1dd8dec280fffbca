//! A trained model: its options, its feature encoding, what the solver
//! fitted, its evaluation and its drivers; [`train`] makes one from a
//! query's columns and [`Model::predict`] applies it.

use std::sync::{Arc, OnceLock};

use arrow::array::{Array, ArrayRef, AsArray, BooleanArray, Float64Array, Int64Array};
use arrow::compute::filter;
use arrow::datatypes::DataType;
use forust_ml::gradientbooster::GradientBooster;
use serde::{Deserialize, Serialize};

use crate::drivers::{self, Driver};
use crate::encoding::{Encoder, Matrix, Missing};
use crate::label::{LabelEncoding, encode_binary, encode_number, looks_binary};
use crate::linear_algebra::linear_predictor;
use crate::logistic::sigmoid;
use crate::{ModelError, ModelOptions, ModelType, gbdt, kmeans, linear, logistic, metrics, split};

/// Rows whose scores give a tree model's driver directions.
const DIRECTION_SAMPLE_ROWS: usize = 10_000;

/// What the solver fitted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Fitted {
    /// Logistic (probability) or linear (value) on the encoded columns.
    Linear {
        intercept: f64,
        weights: Vec<f64>,
    },
    /// forust's booster as its own JSON; `classifier`: scores are log-odds.
    Gbdt {
        classifier: bool,
        booster: String,
    },
    Kmeans {
        centroids: Vec<Vec<f64>>,
    },
}

/// How the model did on the rows it did not train on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    /// "holdout" or "training" (too few rows to hold some out, or k-means).
    pub evaluated_on: String,
    pub training_rows: u64,
    pub evaluation_rows: u64,
    /// Rows left out because their label is NULL.
    pub rows_without_label: u64,
    /// `(metric, value)`, in the order they are reported.
    pub metrics: Vec<(String, f64)>,
}

impl Evaluation {
    /// The metrics, then the row counts, as `model_evaluate` reports them.
    pub fn report(&self) -> Vec<(String, f64)> {
        let mut rows = self.metrics.clone();
        rows.push(("training_rows".into(), self.training_rows as f64));
        rows.push(("evaluation_rows".into(), self.evaluation_rows as f64));
        rows.push(("rows_without_label".into(), self.rows_without_label as f64));
        rows
    }
}

#[derive(Serialize, Deserialize)]
pub struct Model {
    pub options: ModelOptions,
    pub encoder: Encoder,
    pub label: Option<LabelEncoding>,
    pub fitted: Fitted,
    pub evaluation: Evaluation,
    pub drivers: Vec<Driver>,
    /// The booster read back from `Fitted::Gbdt`, once per loaded model.
    #[serde(skip)]
    booster: OnceLock<GradientBooster>,
}

/// Finds a column by name: exactly, else ignoring case (SQL folds
/// unquoted names to lower case, the options are written as the user wrote them).
fn position(columns: &[(String, ArrayRef)], name: &str) -> Option<usize> {
    columns
        .iter()
        .position(|(n, _)| n == name)
        .or_else(|| columns.iter().position(|(n, _)| n.eq_ignore_ascii_case(name)))
}

fn names_of(columns: &[(String, ArrayRef)]) -> String {
    columns
        .iter()
        .map(|(n, _)| n.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Trains a model on a query's columns: every column but the label and the
/// split column is a feature.
pub fn train(mut columns: Vec<(String, ArrayRef)>, options: ModelOptions) -> Result<Model, ModelError> {
    let rows = columns.first().map_or(0, |(_, c)| c.len());
    if rows == 0 {
        return Err(ModelError::NoRows("the training query returned no rows".into()));
    }
    let mut held_out = match &options.data_split_col {
        Some(name) => {
            let i = position(&columns, name).ok_or_else(|| ModelError::Option {
                option: "data_split_col".into(),
                problem: format!(
                    "no column '{name}' among the query's columns ({})",
                    names_of(&columns)
                ),
            })?;
            let (name, column) = columns.remove(i);
            let flags = column.as_boolean_opt().ok_or_else(|| ModelError::Option {
                option: "data_split_col".into(),
                problem: format!(
                    "column '{name}' has type {}; expected a boolean (true: an evaluation row)",
                    column.data_type()
                ),
            })?;
            split::split_column_rows(flags)
        }
        None => split::holdout_rows(
            rows,
            if options.model_type == ModelType::Kmeans {
                0.0
            } else {
                options.holdout
            },
            options.seed,
        ),
    };
    let (label, y) = match &options.label {
        Some(name) => {
            let i = position(&columns, name).ok_or_else(|| {
                ModelError::Label(format!(
                    "no column '{name}' among the query's columns ({})",
                    names_of(&columns)
                ))
            })?;
            let (name, column) = columns.remove(i);
            let classifier = match options.model_type {
                ModelType::Logistic => true,
                ModelType::Linear => false,
                _ => looks_binary(&column)?,
            };
            if classifier {
                let (encoding, y) = encode_binary(&name, &column, options.positive_class.as_deref())?;
                (Some(encoding), y)
            } else {
                if options.positive_class.is_some() {
                    return Err(ModelError::Option {
                        option: "positive_class".into(),
                        problem: format!(
                            "'{name}' is a number with more than two values, so the model is a regression"
                        ),
                    });
                }
                (Some(LabelEncoding::Number), encode_number(&name, &column)?)
            }
        }
        None => (None, vec![0.0; rows]),
    };
    if columns.is_empty() {
        return Err(ModelError::NoRows(
            "the query has no feature columns besides the label".into(),
        ));
    }
    let labelled: Vec<bool> = y.iter().map(|v| !v.is_nan()).collect();
    let rows_without_label = labelled.iter().filter(|&&l| !l).count() as u64;
    let training: Vec<bool> = held_out.iter().zip(&labelled).map(|(&h, &l)| !h && l).collect();
    held_out.iter_mut().zip(&labelled).for_each(|(h, &l)| *h &= l);
    if !training.iter().any(|&t| t) {
        return Err(ModelError::NoRows(match label {
            Some(_) => "no training row has a label (every label is NULL, or every row is held out)".into(),
            None => "every row is held out for evaluation".into(),
        }));
    }
    let evaluated_on_training = !held_out.iter().any(|&h| h);
    let evaluation_mask = if evaluated_on_training {
        &training
    } else {
        &held_out
    };
    let pick = |mask: &[bool]| -> Result<(Vec<(String, ArrayRef)>, Vec<f64>), ModelError> {
        let mask_array = BooleanArray::from(mask.to_vec());
        let picked = columns
            .iter()
            .map(|(n, c)| {
                Ok((
                    n.clone(),
                    filter(c, &mask_array).map_err(|e| ModelError::Stored(e.to_string()))?,
                ))
            })
            .collect::<Result<Vec<_>, ModelError>>()?;
        let ys = y.iter().zip(mask).filter(|(_, m)| **m).map(|(v, _)| *v).collect();
        Ok((picked, ys))
    };
    let (train_columns, train_y) = pick(&training)?;
    let (eval_columns, eval_y) = pick(evaluation_mask)?;
    let encoder = Encoder::fit(&train_columns, options.max_categories, options.max_distinct)?;
    let names = encoder.column_names();
    let missing = if options.model_type == ModelType::Gbdt {
        Missing::NaN
    } else {
        Missing::Impute
    };
    let lookup = |cols: &[(String, ArrayRef)]| {
        let cols = cols.to_vec();
        move |name: &str| cols.iter().find(|(n, _)| n == name).map(|(_, c)| c.clone())
    };
    let x = encoder.transform(train_y.len(), lookup(&train_columns), missing)?;
    let x_eval = encoder.transform(eval_y.len(), lookup(&eval_columns), missing)?;
    let classifier = matches!(label, Some(LabelEncoding::Binary { .. }));

    // Training rows per cluster (k-means): counted where they are assigned.
    let mut cluster_sizes: Vec<u64> = Vec::new();
    let (fitted, drivers, scores_eval) = match options.model_type {
        ModelType::Logistic | ModelType::Linear => {
            let fit = if classifier {
                logistic::fit(&x, &train_y, options.l2_reg, options.max_iterations, &names)?
            } else {
                linear::fit(&x, &train_y, options.l2_reg, &names)?
            };
            let drivers = drivers::of_weights(&names, &fit.weights, &fit.std_errors);
            let mut scores = linear_predictor(&x_eval, fit.intercept, &fit.weights);
            if classifier {
                scores.iter_mut().for_each(|s| *s = sigmoid(*s));
            }
            let fitted = Fitted::Linear {
                intercept: fit.intercept,
                weights: fit.weights,
            };
            (fitted, drivers, scores)
        }
        ModelType::Gbdt => {
            let booster = gbdt::fit(&x, &train_y, classifier, &options)?;
            // The directions need scores, not all of them: a sample of the
            // training rows (predicting is a good part of training's cost).
            let sample = x.first_rows(DIRECTION_SAMPLE_ROWS);
            let sample_scores = gbdt::predict(&booster, &sample);
            let drivers = drivers::of_importance(
                &names,
                &gbdt::importance(&booster, names.len()),
                &sample,
                &sample_scores,
            );
            let mut scores = gbdt::predict(&booster, &x_eval);
            if classifier {
                scores.iter_mut().for_each(|s| *s = sigmoid(*s));
            }
            let fitted = Fitted::Gbdt {
                classifier,
                booster: gbdt::to_json(&booster)?,
            };
            (fitted, drivers, scores)
        }
        ModelType::Kmeans => {
            let centroids = kmeans::fit(
                &x,
                options.k,
                options.n_init,
                options.max_iterations,
                options.seed,
            )?;
            let (clusters, _) = kmeans::assign(&x, &centroids);
            let drivers = drivers::of_clusters(&names, &x, &clusters, options.k);
            cluster_sizes = vec![0u64; centroids.len()];
            clusters.iter().for_each(|&c| cluster_sizes[c as usize] += 1);
            let (_, distances) = kmeans::assign(&x_eval, &centroids);
            (Fitted::Kmeans { centroids }, drivers, distances)
        }
    };
    let mut reported: Vec<(String, f64)> = Vec::new();
    match (&fitted, classifier) {
        (Fitted::Kmeans { .. }, _) => {
            reported.push(("inertia".into(), scores_eval.iter().sum()));
            for (c, size) in cluster_sizes.into_iter().enumerate() {
                reported.push((format!("cluster_{c}_size"), size as f64));
            }
        }
        (_, true) => {
            reported.push(("auc".into(), metrics::auc(&scores_eval, &eval_y)));
            reported.push(("log_loss".into(), metrics::log_loss(&scores_eval, &eval_y)));
            reported.push(("accuracy".into(), metrics::accuracy(&scores_eval, &eval_y)));
        }
        (_, false) => {
            reported.push(("rmse".into(), metrics::rmse(&scores_eval, &eval_y)));
            reported.push(("r2".into(), metrics::r2(&scores_eval, &eval_y)));
        }
    }
    Ok(Model {
        evaluation: Evaluation {
            evaluated_on: if evaluated_on_training {
                "training"
            } else {
                "holdout"
            }
            .into(),
            training_rows: train_y.len() as u64,
            evaluation_rows: eval_y.len() as u64,
            rows_without_label,
            metrics: reported,
        },
        options,
        encoder,
        label,
        fitted,
        drivers,
        booster: OnceLock::new(),
    })
}

impl Model {
    /// The model as stored in the catalog.
    pub fn to_json(&self) -> Result<String, ModelError> {
        serde_json::to_string(self).map_err(|e| ModelError::Stored(e.to_string()))
    }

    pub fn from_json(json: &str) -> Result<Model, ModelError> {
        serde_json::from_str(json).map_err(|e| ModelError::Stored(e.to_string()))
    }

    /// The input features, in training order, with what kind of value each takes.
    pub fn features(&self) -> impl Iterator<Item = (&str, &'static str)> {
        self.encoder.features.iter().map(|f| (f.name(), f.kind()))
    }

    /// Checks, before any row is read, that every feature has an input
    /// column of a type it takes; `column_type` finds a column's type by name.
    pub fn check_columns(&self, column_type: impl Fn(&str) -> Option<DataType>) -> Result<(), ModelError> {
        for feature in &self.encoder.features {
            match column_type(feature.name()) {
                None => return Err(feature.missing()),
                Some(t) if !feature.accepts(&t) => return Err(feature.wrong_type(&t)),
                Some(_) => {}
            }
        }
        Ok(())
    }

    /// A probability (classifiers), a value (regressions) or a cluster
    /// number (k-means).
    pub fn prediction_type(&self) -> DataType {
        match self.fitted {
            Fitted::Kmeans { .. } => DataType::Int64,
            _ => DataType::Float64,
        }
    }

    fn booster(&self, json: &str) -> Result<&GradientBooster, ModelError> {
        if let Some(booster) = self.booster.get() {
            return Ok(booster);
        }
        let booster = gbdt::from_json(json)?;
        Ok(self.booster.get_or_init(|| booster))
    }

    /// Predicts `rows` rows; `column` finds a feature's input by name.
    pub fn predict(
        &self,
        rows: usize,
        column: impl Fn(&str) -> Option<ArrayRef>,
    ) -> Result<ArrayRef, ModelError> {
        let encode =
            |missing| -> Result<Matrix, ModelError> { self.encoder.transform(rows, &column, missing) };
        let classifier = matches!(self.label, Some(LabelEncoding::Binary { .. }));
        Ok(match &self.fitted {
            Fitted::Linear { intercept, weights } => {
                let mut z = linear_predictor(&encode(Missing::Impute)?, *intercept, weights);
                if classifier {
                    z.iter_mut().for_each(|s| *s = sigmoid(*s));
                }
                Arc::new(Float64Array::from(z))
            }
            Fitted::Gbdt { classifier, booster } => {
                let mut scores = gbdt::predict(self.booster(booster)?, &encode(Missing::NaN)?);
                if *classifier {
                    scores.iter_mut().for_each(|s| *s = sigmoid(*s));
                }
                Arc::new(Float64Array::from(scores))
            }
            Fitted::Kmeans { centroids } => {
                let (clusters, _) = kmeans::assign(&encode(Missing::Impute)?, centroids);
                Arc::new(Int64Array::from_iter_values(clusters.into_iter().map(i64::from)))
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::Float64Array;

    fn options(pairs: &[(&str, &str)]) -> ModelOptions {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        ModelOptions::parse(&pairs).unwrap()
    }

    #[test]
    fn separated_classes_without_a_penalty_train_and_their_weight_is_not_significant() {
        let x: Vec<f64> = (0..40).map(f64::from).collect();
        let y: Vec<bool> = x.iter().map(|&v| v >= 20.0).collect();
        let columns: Vec<(String, ArrayRef)> = vec![
            ("x".into(), Arc::new(Float64Array::from(x)) as ArrayRef),
            ("y".into(), Arc::new(BooleanArray::from(y)) as ArrayRef),
        ];
        let model = train(
            columns,
            options(&[("type", "logistic"), ("label", "y"), ("l2_reg", "0")]),
        )
        .unwrap();
        assert_eq!(model.evaluation.metrics[0], ("auc".to_string(), 1.0));
        // The weight runs away, so its error is huge (or unknown when the
        // Hessian is singular to the last bit): no evidence either way.
        let x_driver = &model.drivers[0];
        assert_eq!(x_driver.direction, "raises");
        assert!(x_driver.p_value.is_none_or(|p| p > 0.05), "{x_driver:?}");
    }

    #[test]
    fn a_model_survives_its_json() {
        let x: Vec<f64> = (0..200).map(|i| f64::from(i % 17)).collect();
        let columns: Vec<(String, ArrayRef)> =
            vec![("x".into(), Arc::new(Float64Array::from(x)) as ArrayRef)];
        let model = train(columns.clone(), options(&[("type", "kmeans"), ("k", "3")])).unwrap();
        let again = Model::from_json(&model.to_json().unwrap()).unwrap();
        let find = |name: &str| columns.iter().find(|(n, _)| n == name).map(|(_, c)| c.clone());
        let (a, b) = (
            model.predict(200, find).unwrap(),
            again.predict(200, find).unwrap(),
        );
        assert_eq!(a.as_ref(), b.as_ref());
        assert_eq!(
            model
                .evaluation
                .report()
                .iter()
                .filter(|(m, _)| m.starts_with("cluster_"))
                .count(),
            3
        );
    }
}
