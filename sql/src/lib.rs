//! The cdpfusion session: every cdpfusion function registered on a DataFusion
//! `SessionContext`, the built-in automotive dataset and the demo pipeline.
//!
//! ```no_run
//! # async fn example() -> datafusion::error::Result<()> {
//! let ctx = datafusion::prelude::SessionContext::new();
//! cdpfusion_sql::register_all(&ctx);
//! ctx.sql("SELECT normalize_phone('138-0013-8000')").await?.show().await?;
//! # Ok(())
//! # }
//! ```

pub mod data_roots;
pub mod demo;
pub mod function_docs;
pub mod generate;
pub mod limits;
pub mod object_stores;
pub mod segment_statements;
pub mod segments;
pub mod server;
mod session;
pub mod statements;

pub use segments::sql;
pub use session::{cdpfusion_session, cdpfusion_session_with, cdpfusion_session_within, register_all};
