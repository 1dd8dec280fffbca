//! Identity (One-ID) functions: identifier normalisation, identity resolution
//! and the graph of one person.

use std::sync::Arc;

use datafusion::logical_expr::ScalarUDF;

mod identity_graph;
mod identity_lookup;
mod normalize_email;
mod normalize_phone;
mod person_graph;
mod resolution_plan;
mod resolution_table;
mod resolve_identities;
mod resolve_records;

pub use identity_graph::IdentityGraphFunc;
pub use identity_lookup::IdentityLookupFunc;
pub use normalize_email::NormalizeEmail;
pub use normalize_phone::NormalizePhone;
pub use resolve_identities::ResolveIdentitiesFunc;
pub use resolve_records::ResolveRecordsFunc;

pub fn scalar_functions() -> Vec<Arc<ScalarUDF>> {
    vec![
        Arc::new(ScalarUDF::new_from_impl(NormalizePhone::new())),
        Arc::new(ScalarUDF::new_from_impl(NormalizeEmail::new())),
    ]
}

pub fn table_functions() -> Vec<Arc<dyn crate::CdpTableFunction>> {
    vec![
        Arc::new(ResolveIdentitiesFunc),
        Arc::new(ResolveRecordsFunc),
        Arc::new(IdentityLookupFunc),
        Arc::new(IdentityGraphFunc),
    ]
}
