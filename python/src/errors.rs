//! DataFusion errors as Python exceptions.

use datafusion::error::DataFusionError;
use pyo3::PyErr;
use pyo3::create_exception;
use pyo3::exceptions::PyException;

create_exception!(
    cdpfusion,
    SQLError,
    PyException,
    "A statement failed: the message is DataFusion's error, naming the function or table at fault."
);

pub fn sql_error(e: DataFusionError) -> PyErr {
    SQLError::new_err(e.strip_backtrace())
}
