//! k-means on the standardised features: linfa's k-means++ (`n_init` runs
//! from different seeds, the lowest inertia kept). Assigning rows to the
//! nearest centroid, and the inertia (scikit-learn's: the sum of squared
//! distances), are computed here, a column at a time.

use linfa::DatasetBase;
use linfa::traits::Fit;
use linfa_clustering::KMeans;
use ndarray::Array2;
use rand_xoshiro::Xoshiro256Plus;
use rand_xoshiro::rand_core::SeedableRng;

use crate::ModelError;
use crate::encoding::Matrix;

pub fn fit(
    x: &Matrix,
    k: usize,
    n_init: usize,
    max_iterations: usize,
    seed: u64,
) -> Result<Vec<Vec<f64>>, ModelError> {
    if x.rows < k {
        return Err(ModelError::Option {
            option: "k".into(),
            problem: format!(
                "{k} clusters need at least {k} training rows; there are {}",
                x.rows
            ),
        });
    }
    if x.columns.is_empty() {
        return Err(ModelError::NoRows(
            "every feature is constant: there is nothing to cluster on".into(),
        ));
    }
    let d = x.columns.len();
    let mut rows = Array2::<f64>::zeros((x.rows, d));
    for (j, column) in x.columns.iter().enumerate() {
        rows.column_mut(j)
            .iter_mut()
            .zip(column)
            .for_each(|(o, v)| *o = *v);
    }
    let model = KMeans::params_with_rng(k, Xoshiro256Plus::seed_from_u64(seed))
        .n_runs(n_init)
        .max_n_iterations(max_iterations as u64)
        .tolerance(1e-4)
        .fit(&DatasetBase::from(rows))
        .map_err(|e| ModelError::Solver(e.to_string()))?;
    Ok(model.centroids().rows().into_iter().map(|c| c.to_vec()).collect())
}

/// Each row's nearest centroid and its squared distance.
pub fn assign(x: &Matrix, centroids: &[Vec<f64>]) -> (Vec<u32>, Vec<f64>) {
    let mut best = vec![f64::INFINITY; x.rows];
    let mut cluster = vec![0u32; x.rows];
    let mut distance = vec![0.0; x.rows];
    for (c, centroid) in centroids.iter().enumerate() {
        distance.iter_mut().for_each(|d| *d = 0.0);
        for (column, &centre) in x.columns.iter().zip(centroid) {
            distance
                .iter_mut()
                .zip(column)
                .for_each(|(d, v)| *d += (v - centre) * (v - centre));
        }
        for i in 0..x.rows {
            if distance[i] < best[i] {
                best[i] = distance[i];
                cluster[i] = c as u32;
            }
        }
    }
    (cluster, best)
}
