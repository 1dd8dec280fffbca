//! Arrow C stream interface (`__arrow_c_stream__`) in both directions, so
//! results reach pyarrow, pandas and polars without a copy, and any Arrow
//! producer can be registered as a table.

use std::sync::Mutex;

use arrow::array::{RecordBatch, RecordBatchIterator, RecordBatchReader};
use arrow::datatypes::SchemaRef;
use arrow::error::ArrowError;
use arrow::ffi_stream::{ArrowArrayStreamReader, FFI_ArrowArrayStream};
use datafusion::execution::SendableRecordBatchStream;
use futures::StreamExt;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyCapsule;

use crate::runtime::runtime;

/// A query's batches as a synchronous reader: the consumer (pyarrow) pulls
/// batch by batch; nothing is collected ahead.
struct BlockingStream {
    schema: SchemaRef,
    stream: Mutex<SendableRecordBatchStream>,
}

impl Iterator for BlockingStream {
    type Item = Result<RecordBatch, ArrowError>;

    fn next(&mut self) -> Option<Self::Item> {
        let stream = self.stream.get_mut().ok()?;
        runtime()
            .block_on(stream.next())
            .map(|batch| batch.map_err(ArrowError::from))
    }
}

impl RecordBatchReader for BlockingStream {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }
}

pub fn export_stream<'py>(
    py: Python<'py>,
    stream: SendableRecordBatchStream,
) -> PyResult<Bound<'py, PyCapsule>> {
    let reader = BlockingStream {
        schema: stream.schema(),
        stream: Mutex::new(stream),
    };
    export_reader(py, Box::new(reader))
}

fn export_reader<'py>(
    py: Python<'py>,
    reader: Box<dyn RecordBatchReader + Send>,
) -> PyResult<Bound<'py, PyCapsule>> {
    PyCapsule::new_with_value(py, FFI_ArrowArrayStream::new(reader), c"arrow_array_stream")
}

type BatchIterator = RecordBatchIterator<std::vec::IntoIter<Result<RecordBatch, ArrowError>>>;

/// Batches already computed, handed to an Arrow consumer once through
/// `__arrow_c_stream__` without a copy.
#[pyclass(name = "ComputedBatches", module = "cdpfusion", frozen)]
pub struct ComputedBatches(Mutex<Option<BatchIterator>>);

impl ComputedBatches {
    pub fn new(schema: SchemaRef, batches: Vec<RecordBatch>) -> Self {
        let batches: Vec<_> = batches.into_iter().map(Ok).collect();
        Self(Mutex::new(Some(RecordBatchIterator::new(
            batches.into_iter(),
            schema,
        ))))
    }
}

#[pymethods]
impl ComputedBatches {
    #[pyo3(signature = (requested_schema = None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        let _ = requested_schema;
        let reader = self
            .0
            .lock()
            .ok()
            .and_then(|mut reader| reader.take())
            .ok_or_else(|| PyValueError::new_err("these batches were already read"))?;
        export_reader(py, Box::new(reader))
    }
}

/// The batches of anything with `__arrow_c_stream__` (pyarrow tables and
/// readers, polars frames, ...); other data (a pandas frame, a dict of
/// columns) goes through `pyarrow.table` first.
pub fn import_batches(data: &Bound<'_, PyAny>) -> PyResult<(SchemaRef, Vec<RecordBatch>)> {
    let py = data.py();
    let producer = if data.hasattr("__arrow_c_stream__")? {
        data.clone()
    } else {
        py.import("pyarrow")?.call_method1("table", (data,)).map_err(|e| {
            PyTypeError::new_err(format!(
                "register_arrow: expected an object with __arrow_c_stream__ or something pyarrow.table() accepts: {e}"
            ))
        })?
    };
    let capsule = producer
        .call_method0("__arrow_c_stream__")?
        .cast_into::<PyCapsule>()?;
    let pointer = capsule.pointer_checked(Some(c"arrow_array_stream"))?;
    // Safety: the capsule holds an FFI_ArrowArrayStream (its name says so);
    // from_raw moves the stream out and leaves a released one behind, which
    // the capsule's destructor then ignores.
    let reader = unsafe { ArrowArrayStreamReader::from_raw(pointer.as_ptr().cast::<FFI_ArrowArrayStream>()) }
        .map_err(|e| PyValueError::new_err(format!("register_arrow: {e}")))?;
    let schema = reader.schema();
    let batches = reader
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| PyValueError::new_err(format!("register_arrow: {e}")))?;
    Ok((schema, batches))
}
