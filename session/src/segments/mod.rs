//! The segment statements: `CREATE [OR REPLACE] SEGMENT`, `REFRESH
//! SEGMENT(S)`, `DROP SEGMENT`, `SHOW SEGMENTS` (docs/segments.md). How
//! each is recognised (`parse`) and run against the catalog (`run`).

mod parse;
mod run;

pub use parse::{SegmentStatement, parse_segment_statement};
pub use run::{execute_segment_statement, failed_refreshes, segment_statement_schema};
