//! `cdpfusion.Result`: a query's result, computed when it is read: as an
//! Arrow stream (zero copy into pyarrow, pandas and polars), as a table
//! printed by `show()`, or as HTML in a notebook.

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
use datafusion::arrow::util::pretty::pretty_format_batches;
use datafusion::dataframe::DataFrame;
use pyo3::prelude::*;
use pyo3::types::PyCapsule;

use std::sync::Arc;

use crate::arrow_stream::{ComputedBatches, export_stream};
use crate::errors::sql_error;
use crate::runtime::wait;

/// Rows shown by `show()`, `repr()` and in notebooks unless asked otherwise.
const SHOWN_ROWS: usize = 20;

#[pyclass(name = "Result", module = "cdpfusion", frozen)]
pub struct QueryResult {
    frame: DataFrame,
}

impl QueryResult {
    pub fn new(frame: DataFrame) -> Self {
        Self { frame }
    }

    /// The first `rows` rows, and whether there are more.
    fn head(&self, py: Python<'_>, rows: usize) -> PyResult<(Vec<RecordBatch>, bool)> {
        let frame = self.frame.clone().limit(0, Some(rows + 1)).map_err(sql_error)?;
        let mut batches = wait(py, frame.collect())?.map_err(sql_error)?;
        let total: usize = batches.iter().map(RecordBatch::num_rows).sum();
        if total > rows {
            let batch =
                datafusion::arrow::compute::concat_batches(&self.frame.schema().inner().clone(), &batches)
                    .map_err(|e| sql_error(e.into()))?;
            batches = vec![batch.slice(0, rows)];
        }
        Ok((batches, total > rows))
    }
}

#[pymethods]
impl QueryResult {
    /// The Arrow C stream interface: runs the query and hands its batches
    /// over one by one as they are computed.
    #[pyo3(signature = (requested_schema = None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        // The protocol lets a producer ignore the requested schema.
        let _ = requested_schema;
        let stream = wait(py, self.frame.clone().execute_stream())?.map_err(sql_error)?;
        export_stream(py, stream)
    }

    /// The result as a `pyarrow.Table`. Computed with the GIL released and
    /// Ctrl-C honoured, then handed over without a copy.
    fn to_arrow<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let frame = slf.get().frame.clone();
        let planned = Arc::new(frame.schema().as_arrow().clone());
        let batches = wait(py, frame.collect())?.map_err(sql_error)?;
        let schema = batches.first().map(|batch| batch.schema()).unwrap_or(planned);
        let computed = Bound::new(py, ComputedBatches::new(schema, batches))?;
        py.import("pyarrow")?
            .getattr("RecordBatchReader")?
            .call_method1("from_stream", (computed,))?
            .call_method0("read_all")
    }

    /// The result as a `pandas.DataFrame`.
    fn to_pandas<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        Self::to_arrow(slf)?.call_method0("to_pandas")
    }

    /// The result as a `polars.DataFrame`.
    fn to_polars<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let table = Self::to_arrow(slf)?;
        slf.py().import("polars")?.call_method1("from_arrow", (table,))
    }

    /// The column names.
    #[getter]
    fn columns(&self) -> Vec<String> {
        self.frame
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect()
    }

    /// Counts the rows.
    fn count(&self, py: Python<'_>) -> PyResult<usize> {
        wait(py, self.frame.clone().count())?.map_err(sql_error)
    }

    /// Prints the first `rows` rows as a table.
    #[pyo3(signature = (rows = SHOWN_ROWS))]
    fn show(&self, py: Python<'_>, rows: usize) -> PyResult<()> {
        let text = self.text(py, rows)?;
        py.import("builtins")?.call_method1("print", (text,))?;
        Ok(())
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        self.text(py, SHOWN_ROWS)
    }

    fn _repr_html_(&self, py: Python<'_>) -> PyResult<String> {
        let (batches, more) = self.head(py, SHOWN_ROWS)?;
        let mut html = String::from("<table class=\"cdpfusion\"><thead><tr>");
        for name in self.columns() {
            html.push_str(&format!("<th>{}</th>", escape(&name)));
        }
        html.push_str("</tr></thead><tbody>");
        let options = FormatOptions::default().with_null("NULL");
        for batch in &batches {
            let formatters = batch
                .columns()
                .iter()
                .map(|column| ArrayFormatter::try_new(column.as_ref(), &options))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| sql_error(e.into()))?;
            for row in 0..batch.num_rows() {
                html.push_str("<tr>");
                for formatter in &formatters {
                    html.push_str(&format!("<td>{}</td>", escape(&formatter.value(row).to_string())));
                }
                html.push_str("</tr>");
            }
        }
        html.push_str("</tbody></table>");
        if more {
            html.push_str(&format!("<p>first {SHOWN_ROWS} rows shown</p>"));
        }
        Ok(html)
    }
}

impl QueryResult {
    fn text(&self, py: Python<'_>, rows: usize) -> PyResult<String> {
        let (batches, more) = self.head(py, rows)?;
        let mut text = if batches.is_empty() {
            format!("(no rows; columns: {})", self.columns().join(", "))
        } else {
            pretty_format_batches(&batches)
                .map_err(|e| sql_error(e.into()))?
                .to_string()
        };
        if more {
            text.push_str(&format!("\n(first {rows} rows shown)"));
        }
        Ok(text)
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
