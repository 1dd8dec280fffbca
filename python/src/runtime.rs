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

/// Runs `future` to completion with the GIL released, on a task of its
/// own: this thread only waits on it and, every 100 ms, takes the GIL back
/// to see whether Ctrl-C was pressed. However busy the query's operators
/// are, the check is never starved (it was, when the query ran on this
/// thread). On Ctrl-C the task is aborted, which drops the query and frees
/// its memory, and KeyboardInterrupt is raised.
pub fn wait<F>(py: Python<'_>, future: F) -> PyResult<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    py.check_signals()?;
    let task = runtime().spawn(future);
    let abort = task.abort_handle();
    py.detach(|| {
        runtime().block_on(async {
            tokio::pin!(task);
            loop {
                tokio::select! {
                    joined = &mut task => {
                        return joined.map_err(|e| crate::errors::SQLError::new_err(format!("the query stopped: {e}")));
                    }
                    _ = tokio::time::sleep(Duration::from_millis(100)) => {
                        if let Err(interrupt) = Python::attach(|py| py.check_signals()) {
                            abort.abort();
                            return Err(interrupt);
                        }
                    }
                }
            }
        })
    })
}
