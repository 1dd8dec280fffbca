//! Fuzzy record matching (Fellegi–Sunter, trained by EM, blocked): which
//! records are the same person when no identifier joins them. The steps,
//! each a file: [`options`], [`comparison`] (levels of each column),
//! [`blocking`] (grouping records by key), [`input`] (what is compared),
//! `candidates` (the pairs, rule by rule), [`training`] (u, m by EM, λ),
//! [`model`] (the model and its JSON) and [`run`] (the whole call, and
//! scoring).

pub mod blocking;
mod candidates;
pub mod comparison;
pub mod input;
pub mod model;
pub mod names;
pub mod options;
pub mod pattern;
pub mod run;
pub mod similarity;
pub mod training;

pub use comparison::{Comparison, ComparisonKind};
pub use input::MatchInput;
pub use model::{LinkType, MatchModel};
pub use options::MatchOptions;
pub use run::{MatchedPairs, match_records, train_match_model};

/// Why a match could not run; the SQL layer names the function.
#[derive(Debug, Clone, PartialEq)]
pub enum MatchError {
    /// The options (or a model passed in them) are wrong.
    Options(String),
    /// The records are wrong (a missing column, a type that cannot be
    /// compared).
    Input(String),
    /// A blocking rule would make more candidate pairs than allowed.
    TooManyPairs {
        rule: Vec<String>,
        pairs: u64,
        max_pairs: u64,
    },
}

impl std::fmt::Display for MatchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MatchError::Options(message) => write!(f, "{message}"),
            MatchError::Input(message) => write!(f, "{message}"),
            MatchError::TooManyPairs {
                rule,
                pairs,
                max_pairs,
            } => write!(
                f,
                "blocking rule [{}] makes {pairs} candidate pairs, more than max_pairs ({max_pairs}); add a column to the rule or raise max_pairs",
                rule.join(", ")
            ),
        }
    }
}

impl std::error::Error for MatchError {}
