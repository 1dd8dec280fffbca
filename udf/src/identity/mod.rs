//! Identity (One-ID) functions: identifier normalisation, identity resolution
//! and the graph of one person.

use std::sync::Arc;

use datafusion::logical_expr::ScalarUDF;

use crate::singleton::singleton;

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

singleton!(scalar normalize_phone = NormalizePhone::new());
singleton!(scalar normalize_email = NormalizeEmail::new());
singleton!(table resolve_identities = ResolveIdentitiesFunc);
singleton!(table resolve_records = ResolveRecordsFunc);
singleton!(table identity_lookup = IdentityLookupFunc);
singleton!(table identity_graph = IdentityGraphFunc);

/// The family's scalar functions, for `register_all`.
pub fn scalar_functions() -> Vec<Arc<ScalarUDF>> {
    vec![normalize_phone(), normalize_email()]
}

/// The family's table functions, for `register_all`.
pub fn table_functions() -> Vec<Arc<dyn crate::CdpTableFunction>> {
    vec![
        resolve_identities(),
        resolve_records(),
        identity_lookup(),
        identity_graph(),
    ]
}
