//! Customer value: RFM, RFM segments, lead scores and grades.

pub mod grade;
pub mod lead_score;
pub mod rfm;
