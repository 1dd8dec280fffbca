//! Journey functions: lifecycle stages, funnels and retention, as aggregates
//! over one person's events (`GROUP BY one_id`).

use std::sync::Arc;

use datafusion::logical_expr::AggregateUDF;

use crate::singleton::singleton;

mod lifecycle_stage;
mod retention;
mod window_funnel;

pub use lifecycle_stage::LifecycleStage;
pub use retention::Retention;
pub use window_funnel::WindowFunnel;

singleton!(aggregate lifecycle_stage = LifecycleStage::new());
singleton!(aggregate retention = Retention::new());
singleton!(aggregate window_funnel = WindowFunnel::new());

/// The family's aggregate functions, for `register_all`.
pub fn aggregate_functions() -> Vec<Arc<AggregateUDF>> {
    vec![lifecycle_stage(), retention(), window_funnel()]
}
