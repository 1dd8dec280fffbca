//! Functions are called synchronously inside the query's runtime (scalar
//! functions while they run, table functions while planning). What they
//! must await there (reading the segment catalog, planning a query) runs on
//! a thread of its own, with a runtime of its own, while the caller waits.

use std::future::Future;

use datafusion::common::{DataFusionError, Result};

/// Runs the future `make` gives on a thread and runtime of its own and
/// waits for it; `what` names the work in the error when that thread fails.
pub(crate) fn block_on_own_thread<T, F>(
    function: &str,
    what: &str,
    make: impl FnOnce() -> F + Send,
) -> Result<T>
where
    T: Send,
    F: Future<Output = Result<T>>,
{
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| DataFusionError::Execution(format!("{function}: {e}")))?;
                runtime.block_on(make())
            })
            .join()
            .map_err(|_| DataFusionError::Execution(format!("{function}: {what} failed")))?
    })
}
