//! Privacy functions: identifiers made safe to show and share.

use std::sync::Arc;

use datafusion::logical_expr::ScalarUDF;

use crate::singleton::singleton;

mod mask_phone;
mod pseudonymize;

pub use mask_phone::MaskPhone;
pub use pseudonymize::Pseudonymize;

singleton!(scalar mask_phone = MaskPhone::new());
singleton!(scalar pseudonymize = Pseudonymize::new());

/// The family's scalar functions, for `register_all`.
pub fn scalar_functions() -> Vec<Arc<ScalarUDF>> {
    vec![mask_phone(), pseudonymize()]
}
