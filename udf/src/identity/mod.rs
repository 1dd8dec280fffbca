//! Identity (One-ID) functions: identifier normalisation.

use std::sync::Arc;

use datafusion::logical_expr::ScalarUDF;

mod normalize_email;
mod normalize_phone;
mod resolve_identities;

pub use normalize_email::NormalizeEmail;
pub use normalize_phone::NormalizePhone;
pub use resolve_identities::ResolveIdentitiesFunc;

pub fn scalar_functions() -> Vec<Arc<ScalarUDF>> {
    vec![
        Arc::new(ScalarUDF::new_from_impl(NormalizePhone::new())),
        Arc::new(ScalarUDF::new_from_impl(NormalizeEmail::new())),
    ]
}

pub fn table_functions() -> Vec<Arc<dyn crate::CdpTableFunction>> {
    vec![Arc::new(ResolveIdentitiesFunc)]
}
