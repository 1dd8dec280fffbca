//! Privacy functions: identifiers made safe to show and share.

use std::sync::Arc;

use datafusion::logical_expr::ScalarUDF;

mod mask_phone;
mod pseudonymize;

pub use mask_phone::MaskPhone;
pub use pseudonymize::Pseudonymize;

pub fn scalar_functions() -> Vec<Arc<ScalarUDF>> {
    vec![
        Arc::new(ScalarUDF::new_from_impl(MaskPhone::new())),
        Arc::new(ScalarUDF::new_from_impl(Pseudonymize::new())),
    ]
}
