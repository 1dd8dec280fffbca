//! Value functions: RFM and its segments, lead scores and grades.

use std::sync::Arc;

use datafusion::logical_expr::{AggregateUDF, ScalarUDF};

mod grading;
mod lead_grade;
mod lead_grade_by_days;
mod lead_score;
mod rfm;
mod rfm_segment;

pub use lead_grade::LeadGrade;
pub use lead_grade_by_days::LeadGradeByDays;
pub use lead_score::LeadScore;
pub use rfm::Rfm;
pub use rfm_segment::RfmSegment;

pub fn scalar_functions() -> Vec<Arc<ScalarUDF>> {
    vec![
        Arc::new(ScalarUDF::new_from_impl(LeadGrade::new())),
        Arc::new(ScalarUDF::new_from_impl(LeadGradeByDays::new())),
        Arc::new(ScalarUDF::new_from_impl(RfmSegment::new())),
    ]
}

pub fn aggregate_functions() -> Vec<Arc<AggregateUDF>> {
    vec![
        Arc::new(AggregateUDF::new_from_impl(LeadScore::new())),
        Arc::new(AggregateUDF::new_from_impl(Rfm::new())),
    ]
}
