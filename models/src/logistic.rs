//! Logistic regression: scikit-learn's objective (log loss plus
//! `l2_reg / 2 · |w|²` on the standardised weights, the intercept free),
//! minimised by argmin's L-BFGS. The loss and its gradient are two column
//! passes over the encoded features; standard errors come from the inverse
//! Hessian at the optimum.

use std::sync::Mutex;

use argmin::core::{CostFunction, Error, Executor, Gradient, State};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::LBFGS;
use rayon::prelude::*;

use crate::ModelError;
use crate::encoding::Matrix;
use crate::linear_algebra::{LinearFit, gram, inverse, linear_predictor};

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

/// Rows per block: a block's scores stay in cache while every column of
/// it is read, and the blocks are shared out over the cores.
const BLOCK: usize = 16_384;

impl Objective<'_> {
    /// The loss and gradient (not yet divided by the rows) of one block.
    fn block(&self, theta: &[f64], rows: std::ops::Range<usize>) -> (f64, Vec<f64>) {
        let mut residual = vec![theta[0]; rows.len()];
        for (column, &w) in self.x.columns.iter().zip(&theta[1..]) {
            residual
                .iter_mut()
                .zip(&column[rows.clone()])
                .for_each(|(z, v)| *z += w * v);
        }
        let mut loss = 0.0;
        for (z, &y) in residual.iter_mut().zip(&self.y[rows.clone()]) {
            // One exponential for both the loss and the probability.
            let e = (-z.abs()).exp();
            loss += z.max(0.0) + e.ln_1p() - y * *z;
            let p = if *z >= 0.0 { 1.0 / (1.0 + e) } else { e / (1.0 + e) };
            *z = p - y;
        }
        let mut gradient = Vec::with_capacity(theta.len());
        gradient.push(residual.iter().sum::<f64>());
        for column in &self.x.columns {
            gradient.push(
                residual
                    .iter()
                    .zip(&column[rows.clone()])
                    .map(|(r, v)| r * v)
                    .sum(),
            );
        }
        (loss, gradient)
    }

    fn evaluate(&self, theta: &[f64]) -> (f64, Vec<f64>) {
        if let Some((at, cost, gradient)) = &*self.last.lock().unwrap()
            && at.as_slice() == theta
        {
            return (*cost, gradient.clone());
        }
        let n = self.x.rows;
        // Blocks in parallel, summed in block order: the same sums, to the
        // last bit, on any number of cores.
        let parts: Vec<(f64, Vec<f64>)> = (0..n.div_ceil(BLOCK))
            .into_par_iter()
            .map(|b| self.block(theta, b * BLOCK..((b + 1) * BLOCK).min(n)))
            .collect();
        let mut loss = 0.0;
        let mut gradient = vec![0.0; theta.len()];
        for (part_loss, part_gradient) in &parts {
            loss += part_loss;
            gradient.iter_mut().zip(part_gradient).for_each(|(g, p)| *g += p);
        }
        let n = n as f64;
        for (g, &w) in gradient[1..].iter_mut().zip(&theta[1..]) {
            *g += self.l2 * w;
        }
        gradient.iter_mut().for_each(|g| *g /= n);
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
    // The standard errors are a report: where the Hessian is singular
    // (classes separated without a penalty) they are unknown, and the model
    // still stands.
    let std_errors = match inverse(&gram(x, Some(&w), l2), names) {
        Ok(covariance) => (0..theta.len())
            .map(|j| covariance[[j, j]].max(0.0).sqrt())
            .collect(),
        Err(_) => vec![f64::NAN; theta.len()],
    };
    Ok(LinearFit {
        intercept: theta[0],
        weights: theta[1..].to_vec(),
        std_errors,
    })
}
