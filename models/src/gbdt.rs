//! Gradient-boosted trees: forust's histogram GBDT (log loss for a
//! classifier, squared error for a regression), with missing values left
//! missing so the trees learn where they go. Defaults close to
//! scikit-learn's `HistGradientBoosting*`: 100 trees, learning rate 0.1,
//! at most 31 leaves (depth 5), 256 bins, histograms filled row-wise in tiles.

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
        .set_seed(options.seed)
        // The row-wise tiled histogram fill: the same trees, a fifth less
        // time (1M × 20: 6.3 s to 5.0 s in-process, 6.1-6.4 s to 5.5 s for
        // the whole `CREATE MODEL`).
        .set_tiled_histograms(true);
    booster
        .fit_unweighted(&matrix, y, None)
        .map_err(|e| ModelError::Solver(e.to_string()))?;
    Ok(booster)
}

/// Rows per piece handed to forust's prediction.
const PREDICT_ROWS: usize = 4_096;

/// The raw score of each row: log-odds for a classifier. forust reads a
/// row's features a column apart: over the whole matrix each read is a
/// cache miss; over pieces of a few thousand rows the piece stays in cache
/// (1M rows × 20 at depth 5: 1.3 s in pieces, 0.8M rows/s).
pub fn predict(booster: &GradientBooster, x: &Matrix) -> Vec<f64> {
    let mut scores = Vec::with_capacity(x.rows);
    let mut piece = Vec::with_capacity(PREDICT_ROWS * x.columns.len());
    for start in (0..x.rows).step_by(PREDICT_ROWS) {
        let end = (start + PREDICT_ROWS).min(x.rows);
        piece.clear();
        for column in &x.columns {
            piece.extend_from_slice(&column[start..end]);
        }
        scores.extend(booster.predict(
            &forust_ml::Matrix::new(&piece, end - start, x.columns.len()),
            true,
        ));
    }
    scores
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
