//! Gradient-boosted trees: forust's histogram GBDT (log loss for a
//! classifier, squared error for a regression), with missing values left
//! missing so the trees learn where they go. Defaults close to
//! scikit-learn's `HistGradientBoosting*`: 100 trees, learning rate 0.1,
//! at most 31 leaves (depth 5), 256 bins.

use forust_ml::gradientbooster::{GradientBooster, ImportanceMethod};
use forust_ml::objective::ObjectiveType;

use crate::encoding::Matrix;
use crate::{ModelError, ModelOptions};

pub fn fit(
    x: &Matrix,
    y: &[f64],
    classifier: bool,
    options: &ModelOptions,
) -> Result<GradientBooster, ModelError> {
    let data = x.column_major();
    let matrix = forust_ml::Matrix::new(&data, x.rows, x.columns.len());
    let objective = if classifier {
        ObjectiveType::LogLoss
    } else {
        ObjectiveType::SquaredLoss
    };
    let mut booster = GradientBooster::default()
        .set_objective_type(objective)
        .set_iterations(options.max_iterations)
        .set_learning_rate(options.learning_rate as f32)
        .set_max_depth(options.max_depth)
        .set_max_leaves(options.max_leaves)
        .set_nbins(256)
        .set_seed(options.seed);
    booster
        .fit_unweighted(&matrix, y, None)
        .map_err(|e| ModelError::Solver(e.to_string()))?;
    Ok(booster)
}

/// The raw score of each row: log-odds for a classifier.
pub fn predict(booster: &GradientBooster, x: &Matrix) -> Vec<f64> {
    let data = x.column_major();
    booster.predict(&forust_ml::Matrix::new(&data, x.rows, x.columns.len()), true)
}

/// Each encoded column's share of the total split gain.
pub fn importance(booster: &GradientBooster, columns: usize) -> Vec<f64> {
    let gains = booster.calculate_feature_importance(ImportanceMethod::TotalGain, true);
    (0..columns)
        .map(|j| gains.get(&j).copied().unwrap_or(0.0) as f64)
        .collect()
}

pub fn to_json(booster: &GradientBooster) -> Result<String, ModelError> {
    booster.json_dump().map_err(|e| ModelError::Solver(e.to_string()))
}

pub fn from_json(json: &str) -> Result<GradientBooster, ModelError> {
    GradientBooster::from_json(json).map_err(|e| ModelError::Stored(e.to_string()))
}
