//! Segments: audiences defined once by a query, refreshed into membership
//! snapshots in a catalog, and read by these functions. The
//! statements that define and refresh them are in the session crate (`cdpfusion`).

use std::sync::Arc;

use datafusion::logical_expr::ScalarUDF;

use crate::singleton::singleton;

mod in_segment;
mod segment_changes;
mod segment_members;
mod segment_overlap;
pub(crate) mod segment_table;
mod segments_list;

pub use in_segment::InSegment;
pub use segment_changes::SegmentChangesFunc;
pub use segment_members::SegmentMembersFunc;
pub use segment_overlap::SegmentOverlapFunc;
pub use segments_list::{SegmentsFunc, list_segments, segments_schema};

singleton!(scalar in_segment = InSegment::new());
singleton!(table segment_changes = SegmentChangesFunc);
singleton!(table segment_members = SegmentMembersFunc);
singleton!(table segment_overlap = SegmentOverlapFunc);
singleton!(table segments = SegmentsFunc);

/// The family's scalar functions, for `register_all`.
pub fn scalar_functions() -> Vec<Arc<ScalarUDF>> {
    vec![in_segment()]
}

/// The family's table functions, for `register_all`.
pub fn table_functions() -> Vec<Arc<dyn crate::CdpTableFunction>> {
    vec![
        segment_changes(),
        segment_members(),
        segment_overlap(),
        segments(),
    ]
}
