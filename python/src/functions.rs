//! cdpfusion's functions for a `datafusion.SessionContext` of the
//! `datafusion` Python package, through datafusion-ffi's PyCapsules
//! (`__datafusion_scalar_udf__`, ...). `cdpfusion.register(ctx)` uses them.
//!
//! Both sides must be built on the same DataFusion major version: the FFI
//! structs are only stable within one. The version is checked on every
//! capsule handed out, with an error naming both versions.

use std::sync::Arc;

use datafusion::catalog::TableFunctionImpl;
use datafusion::logical_expr::{AggregateUDF, ScalarUDF};
use datafusion_ffi::proto::logical_extension_codec::FFI_LogicalExtensionCodec;
use datafusion_ffi::udaf::FFI_AggregateUDF;
use datafusion_ffi::udf::FFI_ScalarUDF;
use datafusion_ffi::udtf::FFI_TableFunction;
use pyo3::exceptions::PyImportError;
use pyo3::prelude::*;
use pyo3::types::PyCapsule;

use crate::runtime::runtime;

/// Fails unless the installed `datafusion` package has our DataFusion major version.
fn check_datafusion_package(py: Python<'_>) -> PyResult<()> {
    let installed: String = py
        .import("importlib.metadata")?
        .call_method1("version", ("datafusion",))?
        .extract()?;
    let major = installed.split('.').next().and_then(|m| m.parse::<u64>().ok());
    if major != Some(datafusion_ffi::version()) {
        return Err(PyImportError::new_err(format!(
            "cdpfusion {} is built on DataFusion {}: it works with the datafusion Python package {}.x, \
             but datafusion {installed} is installed (pip install 'datafusion=={}.*')",
            env!("CARGO_PKG_VERSION"),
            datafusion::DATAFUSION_VERSION,
            datafusion_ffi::version(),
            datafusion_ffi::version(),
        )));
    }
    Ok(())
}

#[pyclass(name = "ScalarFunction", module = "cdpfusion", frozen)]
pub struct ScalarFunction(Arc<ScalarUDF>);

#[pymethods]
impl ScalarFunction {
    #[getter]
    fn name(&self) -> String {
        self.0.name().to_string()
    }

    fn __datafusion_scalar_udf__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyCapsule>> {
        check_datafusion_package(py)?;
        PyCapsule::new_with_value(py, FFI_ScalarUDF::from(self.0.clone()), c"datafusion_scalar_udf")
    }
}

#[pyclass(name = "AggregateFunction", module = "cdpfusion", frozen)]
pub struct AggregateFunction(Arc<AggregateUDF>);

#[pymethods]
impl AggregateFunction {
    #[getter]
    fn name(&self) -> String {
        self.0.name().to_string()
    }

    fn __datafusion_aggregate_udf__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyCapsule>> {
        check_datafusion_package(py)?;
        PyCapsule::new_with_value(
            py,
            FFI_AggregateUDF::from(self.0.clone()),
            c"datafusion_aggregate_udf",
        )
    }
}

/// No `__call__` on purpose: `datafusion.udtf` treats callables as Python
/// table functions.
#[pyclass(name = "TableFunction", module = "cdpfusion", frozen)]
pub struct TableFunction {
    name: &'static str,
    function: Arc<dyn TableFunctionImpl>,
}

#[pymethods]
impl TableFunction {
    #[getter]
    fn name(&self) -> &'static str {
        self.name
    }

    /// `session` is the `datafusion` package's session, or its logical
    /// extension codec capsule.
    fn __datafusion_table_function__<'py>(
        &self,
        py: Python<'py>,
        session: Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        check_datafusion_package(py)?;
        let codec = logical_codec(&session)?;
        // Our tokio runtime's handle: scans started from the foreign session
        // run their tasks there.
        let function = FFI_TableFunction::new_with_ffi_codec(
            self.function.clone(),
            Some(runtime().handle().clone()),
            codec,
        );
        PyCapsule::new_with_value(py, function, c"datafusion_table_function")
    }
}

fn logical_codec(session: &Bound<'_, PyAny>) -> PyResult<FFI_LogicalExtensionCodec> {
    let capsule = if session.is_instance_of::<PyCapsule>() {
        session.clone()
    } else {
        session.call_method0("__datafusion_logical_extension_codec__")?
    };
    let capsule = capsule.cast_into::<PyCapsule>()?;
    let pointer = capsule.pointer_checked(Some(c"datafusion_logical_extension_codec"))?;
    // Safety: the capsule's name guarantees its content; it stays alive
    // while we clone the codec out of it.
    let codec = unsafe { pointer.cast::<FFI_LogicalExtensionCodec>().as_ref() };
    let found = unsafe { (codec.version)() };
    if found != datafusion_ffi::version() {
        return Err(PyImportError::new_err(format!(
            "the datafusion package speaks FFI version {found}, cdpfusion {}",
            datafusion_ffi::version()
        )));
    }
    Ok(codec.clone())
}

#[pyfunction]
pub fn scalar_functions() -> Vec<ScalarFunction> {
    cdpfusion::all_scalar_functions()
        .into_iter()
        .map(ScalarFunction)
        .collect()
}

#[pyfunction]
pub fn aggregate_functions() -> Vec<AggregateFunction> {
    cdpfusion::all_aggregate_functions()
        .into_iter()
        .map(AggregateFunction)
        .collect()
}

#[pyfunction]
pub fn table_functions() -> Vec<TableFunction> {
    cdpfusion::all_table_functions()
        .into_iter()
        .map(|function| TableFunction {
            name: function.name(),
            function,
        })
        .collect()
}
