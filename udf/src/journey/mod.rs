//! Journey functions: lifecycle stages, funnels and retention, as aggregates
//! over one person's events (`GROUP BY one_id`).

use std::sync::Arc;

use datafusion::logical_expr::AggregateUDF;

mod lifecycle_stage;
mod retention;
mod window_funnel;

pub use lifecycle_stage::LifecycleStage;
pub use retention::Retention;
pub use window_funnel::WindowFunnel;

pub fn aggregate_functions() -> Vec<Arc<AggregateUDF>> {
    vec![
        Arc::new(AggregateUDF::new_from_impl(LifecycleStage::new())),
        Arc::new(AggregateUDF::new_from_impl(Retention::new())),
        Arc::new(AggregateUDF::new_from_impl(WindowFunnel::new())),
    ]
}
