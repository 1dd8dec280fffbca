//! Making identifiers safe to show and share.

pub mod mask;
pub mod pseudonymize;
