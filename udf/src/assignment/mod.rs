//! Assignment functions (docs/assignment.md): how well two tag sets match
//! (`tag_affinity`), and each lead handed to the best-matching sales
//! advisor within capacity and store (`assign_leads`).

use std::sync::Arc;

use datafusion::logical_expr::ScalarUDF;

use crate::singleton::singleton;

mod assign_leads;
mod tag_affinity;

pub use assign_leads::AssignLeadsFunc;
pub use tag_affinity::TagAffinity;

singleton!(scalar tag_affinity = TagAffinity::new());
singleton!(table assign_leads = AssignLeadsFunc);

/// The family's scalar functions, for `register_all`.
pub fn scalar_functions() -> Vec<Arc<ScalarUDF>> {
    vec![tag_affinity()]
}

/// The family's table functions, for `register_all`.
pub fn table_functions() -> Vec<Arc<dyn crate::CdpTableFunction>> {
    vec![assign_leads()]
}
