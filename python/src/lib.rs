//! `cdpfusion._cdpfusion`: the native half of the `cdpfusion` Python
//! package. The Python half (`cdpfusion/__init__.py`) adds `connect` and
//! `register`.

mod arrow_stream;
mod context;
mod errors;
mod functions;
mod result;
mod runtime;

use pyo3::prelude::*;

#[pymodule]
fn _cdpfusion(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<context::Context>()?;
    m.add_class::<result::QueryResult>()?;
    m.add_class::<arrow_stream::ComputedBatches>()?;
    m.add_class::<functions::ScalarFunction>()?;
    m.add_class::<functions::AggregateFunction>()?;
    m.add_class::<functions::TableFunction>()?;
    m.add_function(wrap_pyfunction!(functions::scalar_functions, m)?)?;
    m.add_function(wrap_pyfunction!(functions::aggregate_functions, m)?)?;
    m.add_function(wrap_pyfunction!(functions::table_functions, m)?)?;
    m.add("SQLError", m.py().get_type::<errors::SQLError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("DATAFUSION_VERSION", datafusion::DATAFUSION_VERSION)?;
    m.add("FFI_VERSION", datafusion_ffi::version())?;
    Ok(())
}
