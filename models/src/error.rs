//! What can go wrong training or applying a model, worded for the SQL user:
//! the SQL layer puts the function or statement and the model's name first.

use std::fmt;

#[derive(Debug, Clone, PartialEq)]
pub enum ModelError {
    /// An option that is unknown, has a bad value, or does not apply to the
    /// model's type.
    Option { option: String, problem: String },
    /// A feature column that cannot be used.
    Feature { feature: String, problem: String },
    /// The label column is missing or cannot be learned.
    Label(String),
    /// Nothing to train on.
    NoRows(String),
    /// The solver could not fit the model.
    Solver(String),
    /// A stored model that cannot be read.
    Stored(String),
}

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ModelError::Option { option, problem } => write!(f, "option '{option}': {problem}"),
            ModelError::Feature { feature, problem } => write!(f, "feature '{feature}': {problem}"),
            ModelError::Label(problem) => write!(f, "label: {problem}"),
            ModelError::NoRows(problem) => write!(f, "{problem}"),
            ModelError::Solver(problem) => write!(f, "training failed: {problem}"),
            ModelError::Stored(problem) => write!(f, "the stored model cannot be read: {problem}"),
        }
    }
}

impl std::error::Error for ModelError {}
