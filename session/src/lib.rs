//! The cdpfusion session: every cdpfusion function registered on a DataFusion
//! `SessionContext`, and [`sql`], the one statement router every front end
//! calls (docs/architecture.md).
//!
//! ```no_run
//! # async fn example() -> datafusion::error::Result<()> {
//! let ctx = datafusion::prelude::SessionContext::new();
//! cdpfusion::register_all(&ctx);
//! ctx.sql("SELECT normalize_phone('138-0013-8000')").await?.show().await?;
//! # Ok(())
//! # }
//! ```

pub mod data_roots;
pub mod function_docs;
pub mod identity_graphs;
pub mod limits;
pub mod models;
pub mod object_stores;
pub mod script;
pub mod segments;
mod session;
pub mod statement;
mod statement_syntax;

/// The `cdpfusion.*` session options (the segment catalog's location).
pub use cdpfusion_catalog::CdpfusionOptions;
/// cdpfusion's functions, for a session `register_all` does not build (the
/// Python `datafusion` package's).
pub use cdpfusion_udf::{
    CdpTableFunction, all_aggregate_functions, all_scalar_functions, all_table_functions,
};
pub use session::{
    cdpfusion_session, cdpfusion_session_planned_by, cdpfusion_session_with, cdpfusion_session_within,
    register_all,
};
pub use statement::{CdpfusionStatement, sql};
