//! Value functions: RFM and its segments, lead scores and grades.

use std::sync::Arc;

use datafusion::logical_expr::{AggregateUDF, ScalarUDF};

use crate::singleton::singleton;

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

singleton!(scalar lead_grade = LeadGrade::new());
singleton!(scalar lead_grade_by_days = LeadGradeByDays::new());
singleton!(scalar rfm_segment = RfmSegment::new());
singleton!(aggregate lead_score = LeadScore::new());
singleton!(aggregate rfm = Rfm::new());

/// The family's scalar functions, for `register_all`.
pub fn scalar_functions() -> Vec<Arc<ScalarUDF>> {
    vec![lead_grade(), lead_grade_by_days(), rfm_segment()]
}

/// The family's aggregate functions, for `register_all`.
pub fn aggregate_functions() -> Vec<Arc<AggregateUDF>> {
    vec![lead_score(), rfm()]
}
