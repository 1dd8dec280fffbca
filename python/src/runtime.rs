//! One tokio runtime for the module, and waiting on it without holding the
//! GIL while staying interruptible by Ctrl-C.

use std::future::Future;
use std::sync::OnceLock;
use std::time::Duration;

use pyo3::prelude::*;

pub fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .thread_name("cdpfusion")
            .build()
            .expect("cdpfusion: cannot start the tokio runtime")
    })
}

/// Runs `future` to completion with the GIL released. Every 100 ms it takes
/// the GIL back to see whether Ctrl-C was pressed; then the future is
/// dropped, which cancels the query, and KeyboardInterrupt is raised.
pub fn wait<F>(py: Python<'_>, future: F) -> PyResult<F::Output>
where
    F: Future + Send,
    F::Output: Send,
{
    py.check_signals()?;
    py.detach(|| {
        runtime().block_on(async {
            tokio::pin!(future);
            loop {
                tokio::select! {
                    output = &mut future => break Ok(output),
                    _ = tokio::time::sleep(Duration::from_millis(100)) => {
                        Python::attach(|py| py.check_signals())?;
                    }
                }
            }
        })
    })
}
