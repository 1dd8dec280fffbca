//! Logistic regression: scikit-learn's objective (log loss plus
//! `l2_reg / 2 · |w|²` on the standardised weights, the intercept free),
//! minimised by argmin's L-BFGS. The loss and its gradient are two column
//! passes over the encoded features; standard errors come from the inverse
//! Hessian at the optimum.

use std::sync::Mutex;

use argmin::core::{CostFunction, Error, Executor, Gradient, State};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::LBFGS;

use crate::ModelError;
use crate::encoding::Matrix;
use crate::linear_algebra::{gram, inverse};

pub struct LinearFit {
    pub intercept: f64,
    pub weights: Vec<f64>,
    /// Of the intercept, then of each weight.
    pub std_errors: Vec<f64>,
}

/// The objective, divided by the number of rows so that tolerances do not
/// depend on it. The line search asks for the cost and the gradient at the
/// same point: both come from one pass, kept for the second call.
struct Objective<'a> {
    x: &'a Matrix,
    y: &'a [f64],
    l2: f64,
    last: Mutex<Option<(Vec<f64>, f64, Vec<f64>)>>,
}

pub fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// `log(1 + e^z)` without overflow.
fn softplus(z: f64) -> f64 {
    if z > 0.0 {
        z + (-z).exp().ln_1p()
    } else {
        z.exp().ln_1p()
    }
}

/// `intercept + Σ w_j x_j` for every row, a column at a time.
pub fn linear_predictor(x: &Matrix, intercept: f64, weights: &[f64]) -> Vec<f64> {
    let mut z = vec![intercept; x.rows];
    for (column, &w) in x.columns.iter().zip(weights) {
        z.iter_mut().zip(column).for_each(|(z, v)| *z += w * v);
    }
    z
}

impl Objective<'_> {
    fn evaluate(&self, theta: &[f64]) -> (f64, Vec<f64>) {
        if let Some((at, cost, gradient)) = &*self.last.lock().unwrap()
            && at.as_slice() == theta
        {
            return (*cost, gradient.clone());
        }
        let n = self.x.rows as f64;
        let z = linear_predictor(self.x, theta[0], &theta[1..]);
        let mut loss = 0.0;
        let residual: Vec<f64> = z
            .iter()
            .zip(self.y)
            .map(|(&z, &y)| {
                loss += softplus(z) - y * z;
                sigmoid(z) - y
            })
            .collect();
        let mut gradient = Vec::with_capacity(theta.len());
        gradient.push(residual.iter().sum::<f64>() / n);
        for (column, &w) in self.x.columns.iter().zip(&theta[1..]) {
            let g: f64 = residual.iter().zip(column).map(|(r, v)| r * v).sum();
            gradient.push((g + self.l2 * w) / n);
        }
        let penalty: f64 = theta[1..].iter().map(|w| w * w).sum::<f64>() * self.l2 / 2.0;
        let cost = (loss + penalty) / n;
        *self.last.lock().unwrap() = Some((theta.to_vec(), cost, gradient.clone()));
        (cost, gradient)
    }
}

impl CostFunction for Objective<'_> {
    type Param = Vec<f64>;
    type Output = f64;
    fn cost(&self, theta: &Self::Param) -> Result<f64, Error> {
        Ok(self.evaluate(theta).0)
    }
}

impl Gradient for Objective<'_> {
    type Param = Vec<f64>;
    type Gradient = Vec<f64>;
    fn gradient(&self, theta: &Self::Param) -> Result<Vec<f64>, Error> {
        Ok(self.evaluate(theta).1)
    }
}

/// Fits `y` (0/1) on the encoded features.
pub fn fit(
    x: &Matrix,
    y: &[f64],
    l2: f64,
    max_iterations: usize,
    names: &[String],
) -> Result<LinearFit, ModelError> {
    let objective = Objective {
        x,
        y,
        l2,
        last: Mutex::new(None),
    };
    // Start at the intercept of the base rate: one fewer thing to learn.
    let rate = (y.iter().sum::<f64>() / y.len() as f64).clamp(1e-6, 1.0 - 1e-6);
    let mut start = vec![0.0; x.columns.len() + 1];
    start[0] = (rate / (1.0 - rate)).ln();
    let solver = LBFGS::new(MoreThuenteLineSearch::new(), 10)
        .with_tolerance_grad(1e-6)
        .and_then(|s| s.with_tolerance_cost(1e-12))
        .map_err(|e| ModelError::Solver(e.to_string()))?;
    let result = Executor::new(objective, solver)
        .configure(|state| state.param(start).max_iters(max_iterations as u64))
        .run()
        .map_err(|e| ModelError::Solver(e.to_string()))?;
    let theta = result
        .state()
        .get_best_param()
        .cloned()
        .ok_or_else(|| ModelError::Solver("L-BFGS returned no parameters".into()))?;
    if theta.iter().any(|t| !t.is_finite()) {
        return Err(ModelError::Solver(
            "the weights diverged (the classes may be separated perfectly); set l2_reg above 0".into(),
        ));
    }
    let p: Vec<f64> = linear_predictor(x, theta[0], &theta[1..])
        .into_iter()
        .map(sigmoid)
        .collect();
    let w: Vec<f64> = p.iter().map(|p| p * (1.0 - p)).collect();
    let covariance = inverse(&gram(x, Some(&w), l2), names)?;
    Ok(LinearFit {
        intercept: theta[0],
        weights: theta[1..].to_vec(),
        std_errors: (0..theta.len())
            .map(|j| covariance[[j, j]].max(0.0).sqrt())
            .collect(),
    })
}
