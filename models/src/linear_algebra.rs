//! The one piece of linear algebra both linear models need: the weighted
//! Gram matrix `[1 X]ᵀ W [1 X]` of the encoded features with an intercept
//! column, and its inverse (linfa-linalg's Cholesky).

use linfa_linalg::cholesky::InverseC;
use ndarray::Array2;

use crate::ModelError;
use crate::encoding::Matrix;

/// `[1 X]ᵀ diag(w) [1 X]` (`w` = 1 when None), `penalty` added to the
/// diagonal of every column but the intercept's.
pub fn gram(x: &Matrix, weights: Option<&[f64]>, penalty: f64) -> Array2<f64> {
    let d = x.columns.len() + 1;
    let mut g = Array2::<f64>::zeros((d, d));
    let ones = vec![1.0; x.rows];
    let column = |j: usize| if j == 0 { &ones } else { &x.columns[j - 1] };
    let mut weighted = vec![0.0; x.rows];
    for a in 0..d {
        let ca = column(a);
        match weights {
            Some(w) => weighted
                .iter_mut()
                .zip(ca)
                .zip(w)
                .for_each(|((o, v), w)| *o = v * w),
            None => weighted.copy_from_slice(ca),
        }
        for b in a..d {
            let dot: f64 = weighted.iter().zip(column(b)).map(|(u, v)| u * v).sum();
            g[[a, b]] = dot;
            g[[b, a]] = dot;
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
