//! Linear regression: least squares (ridge when `l2_reg` > 0) on the
//! standardised features, solved through the normal equations with
//! linfa-linalg's Cholesky; standard errors from `σ² (XᵀX)⁻¹`.

use ndarray::Array1;

use crate::ModelError;
use crate::encoding::Matrix;
use crate::linear_algebra::{LinearFit, gram, inverse, linear_predictor};

pub fn fit(x: &Matrix, y: &[f64], l2: f64, names: &[String]) -> Result<LinearFit, ModelError> {
    let d = x.columns.len() + 1;
    let inv = inverse(&gram(x, None, l2), names)?;
    let mut xty = Array1::<f64>::zeros(d);
    xty[0] = y.iter().sum();
    for (j, column) in x.columns.iter().enumerate() {
        xty[j + 1] = column.iter().zip(y).map(|(v, y)| v * y).sum();
    }
    let beta = inv.dot(&xty);
    let fitted = linear_predictor(x, beta[0], &beta.as_slice().unwrap()[1..]);
    let rss: f64 = fitted.iter().zip(y).map(|(f, y)| (y - f) * (y - f)).sum();
    let dof = (x.rows as f64 - d as f64).max(1.0);
    let sigma2 = rss / dof;
    Ok(LinearFit {
        intercept: beta[0],
        weights: beta.iter().skip(1).copied().collect(),
        std_errors: (0..d).map(|j| (sigma2 * inv[[j, j]]).max(0.0).sqrt()).collect(),
    })
}
