//! Identity (One-ID) functions: identifier normalisation, identity resolution
//! the graph of one person, and the mapping of a persistent identity graph.

use std::sync::Arc;

use datafusion::logical_expr::ScalarUDF;

use crate::singleton::singleton;

mod graph_table;
mod identity_changes;
mod identity_graph;
mod identity_lookup;
mod identity_map;
mod normalize_email;
mod normalize_phone;
mod one_id_of;
mod person_graph;
mod resolution_plan;
mod resolution_table;
mod resolve_identities;
mod resolve_records;

pub use identity_changes::IdentityChangesFunc;
pub use identity_graph::IdentityGraphFunc;
pub use identity_lookup::IdentityLookupFunc;
pub use identity_map::IdentityMapFunc;
pub use normalize_email::NormalizeEmail;
pub use normalize_phone::NormalizePhone;
pub use one_id_of::OneIdOf;
pub use resolve_identities::ResolveIdentitiesFunc;
pub use resolve_records::ResolveRecordsFunc;

singleton!(scalar normalize_phone = NormalizePhone::new());
singleton!(scalar normalize_email = NormalizeEmail::new());
singleton!(scalar one_id_of = OneIdOf::new());
singleton!(table resolve_identities = ResolveIdentitiesFunc);
singleton!(table resolve_records = ResolveRecordsFunc);
singleton!(table identity_lookup = IdentityLookupFunc);
singleton!(table identity_graph = IdentityGraphFunc);
singleton!(table identity_map = IdentityMapFunc);
singleton!(table identity_changes = IdentityChangesFunc);

/// The family's scalar functions, for `register_all`.
pub fn scalar_functions() -> Vec<Arc<ScalarUDF>> {
    vec![normalize_phone(), normalize_email(), one_id_of()]
}

/// The family's table functions, for `register_all`.
pub fn table_functions() -> Vec<Arc<dyn crate::CdpTableFunction>> {
    vec![
        resolve_identities(),
        resolve_records(),
        identity_lookup(),
        identity_graph(),
        identity_map(),
        identity_changes(),
    ]
}
