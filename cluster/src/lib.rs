//! cdpfusion on an Apache Ballista cluster.
//!
//! Ballista, DataFusion's own distributed engine, runs the scheduler and the
//! executors; this crate only tells them about cdpfusion: every scalar and
//! aggregate function is in the executors' function registry and in the
//! scheduler's sessions, and every process knows cdpfusion's settings. A
//! [`remote_session`] plans SQL where it is typed (cdpfusion statements,
//! table functions) and sends the plan to the scheduler.
//! docs/scale-out.md says what runs where.

mod executor;
mod functions;
mod remote;
mod scheduler;
mod session_tables;

pub use executor::{ExecutorOptions, run_executor};
pub use functions::{cluster_config, cluster_runtime, function_registry};
pub use remote::remote_session;
pub use scheduler::{SchedulerOptions, run_scheduler};
