//! Models in SQL, below the SQL: what `CREATE MODEL` trains and what
//! `model_predict`, `predict`, `model_evaluate` and `model_drivers` read
//! (docs/models.md).
//!
//! A [`Model`] is trained from Arrow columns ([`train`]): the features are
//! encoded ([`encoding`]: numbers standardised and NULLs imputed, text
//! one-hot encoded under a cap), a share of the rows is held out
//! ([`split`]), a solver from a well-kept crate fits the model (argmin's
//! L-BFGS for logistic regression, linfa-linalg's Cholesky for linear
//! regression, forust's histogram gradient boosting, linfa's k-means++),
//! and the held-out rows evaluate it ([`metrics`]). The model is plain data
//! (serde), so the catalog stores it as JSON.

mod drivers;
pub mod encoding;
mod error;
mod gbdt;
mod kmeans;
mod label;
mod linear;
mod linear_algebra;
mod logistic;
pub mod metrics;
mod model;
mod options;
pub mod split;

pub use drivers::Driver;
pub use error::ModelError;
pub use label::LabelEncoding;
pub use model::{Evaluation, Model, train};
pub use options::{ModelOptions, ModelType, OPTION_NAMES};
