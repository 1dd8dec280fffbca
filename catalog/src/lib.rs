//! The catalog: where cdpfusion keeps segments and identity graphs (a local
//! directory or an object store URL such as `s3://bucket/segments`), one
//! folder per segment with its definition, manifest and snapshots
//! (docs/segments.md), and the identity graphs' versions in a folder of
//! their own (docs/identity-graphs.md), and the models (docs/models.md).
//! Its own crate because two audiences share it: the segment functions in
//! `cdpfusion-udf` read it, the segment statements in the session write it.

pub mod catalog;
pub mod identity_graphs;
pub mod models;
pub mod open;
pub mod options;
pub mod refresh;

pub use catalog::{SegmentCatalog, SegmentDefinition};
pub use identity_graphs::{GraphVersion, IdentityGraphs, for_each_mapped};
pub use models::{ModelVersion, Models};
pub use open::{graph_history, open_catalog, open_location};
pub use options::CdpfusionOptions;
pub use refresh::{Refreshed, segment_error};
