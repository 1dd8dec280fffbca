//! What both linear models share: their fit, the linear predictor, and the
//! weighted Gram matrix `[1 X]ᵀ W [1 X]` of the encoded features with an intercept
//! column, and its inverse (linfa-linalg's Cholesky).

use linfa_linalg::cholesky::InverseC;
use ndarray::Array2;
use rayon::prelude::*;

use crate::ModelError;
use crate::encoding::Matrix;

/// A linear model on the encoded columns.
pub struct LinearFit {
    pub intercept: f64,
    pub weights: Vec<f64>,
    /// Of the intercept, then of each weight.
    pub std_errors: Vec<f64>,
}

/// `intercept + Σ w_j x_j` for every row, a column at a time.
pub fn linear_predictor(x: &Matrix, intercept: f64, weights: &[f64]) -> Vec<f64> {
    let mut z = vec![intercept; x.rows];
    for (column, &w) in x.columns.iter().zip(weights) {
        z.iter_mut().zip(column).for_each(|(z, v)| *z += w * v);
    }
    z
}

/// Rows per block of the Gram matrix, computed on all cores.
const BLOCK: usize = 16_384;

/// `[1 X]ᵀ diag(w) [1 X]` (`w` = 1 when None), `penalty` added to the
/// diagonal of every column but the intercept's. Blocks of rows in
/// parallel, summed in block order (the same result on any number of cores).
pub fn gram(x: &Matrix, weights: Option<&[f64]>, penalty: f64) -> Array2<f64> {
    let d = x.columns.len() + 1;
    let block = |rows: std::ops::Range<usize>| {
        let mut g = vec![0.0; d * d];
        let ones = vec![1.0; rows.len()];
        let column = |j: usize| {
            if j == 0 {
                &ones[..]
            } else {
                &x.columns[j - 1][rows.clone()]
            }
        };
        let mut weighted = vec![0.0; rows.len()];
        for a in 0..d {
            match weights {
                Some(w) => weighted
                    .iter_mut()
                    .zip(column(a))
                    .zip(&w[rows.clone()])
                    .for_each(|((o, v), w)| *o = v * w),
                None => weighted.copy_from_slice(column(a)),
            }
            for b in a..d {
                g[a * d + b] = weighted.iter().zip(column(b)).map(|(u, v)| u * v).sum();
            }
        }
        g
    };
    let parts: Vec<Vec<f64>> = (0..x.rows.div_ceil(BLOCK))
        .into_par_iter()
        .map(|b| block(b * BLOCK..((b + 1) * BLOCK).min(x.rows)))
        .collect();
    let mut g = Array2::<f64>::zeros((d, d));
    for part in &parts {
        for a in 0..d {
            for b in a..d {
                g[[a, b]] += part[a * d + b];
            }
        }
    }
    for a in 0..d {
        for b in 0..a {
            g[[a, b]] = g[[b, a]];
        }
        if a > 0 {
            g[[a, a]] += penalty;
        }
    }
    g
}

/// The inverse of a Gram matrix; an error names the features that make it
/// singular.
pub fn inverse(g: &Array2<f64>, names: &[String]) -> Result<Array2<f64>, ModelError> {
    g.invc().map_err(|_| {
        ModelError::Solver(format!(
            "the features are linearly dependent (one is a combination of others) among {}; leave one out or set l2_reg",
            names.join(", ")
        ))
    })
}
