//! `cdpfusion.Context`: a cdpfusion session as the shell has it (every
//! function, the segment statements, `s3://` locations) for Python.

use std::path::PathBuf;
use std::sync::Arc;

use datafusion::datasource::MemTable;
use datafusion::prelude::{ParquetReadOptions, SessionConfig, SessionContext};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use cdpfusion::CdpfusionOptions;
use cdpfusion::limits::{ResourceLimits, parse_size};
use cdpfusion::script::split_statements;
use cdpfusion_datagen::demo::{DemoOptions, run_demo_in};
use cdpfusion_datagen::generate::{GenerateOptions, generate};
use datafusion::execution::runtime_env::RuntimeEnvBuilder;

use crate::arrow_stream::import_batches;
use crate::errors::sql_error;
use crate::result::QueryResult;
use crate::runtime::wait;

#[pyclass(name = "Context", module = "cdpfusion", frozen)]
pub struct Context {
    ctx: SessionContext,
}

/// A size given as bytes or as text (`"2G"`, `"512M"`).
#[derive(FromPyObject)]
enum Size {
    Bytes(u64),
    Text(String),
}

impl Size {
    fn bytes(&self, argument: &str) -> PyResult<u64> {
        match self {
            Size::Bytes(0) => Err(crate::errors::SQLError::new_err(format!(
                "connect: {argument} must be above 0"
            ))),
            Size::Bytes(bytes) => Ok(*bytes),
            Size::Text(text) => parse_size(&format!("connect: {argument}"), text).map_err(sql_error),
        }
    }
}

#[pymethods]
impl Context {
    /// A new session. `catalog` is where segments are kept (a directory or
    /// an `s3://` URL); by default `$CDPFUSION_CATALOG`, else
    /// ~/.local/share/cdpfusion/segments. `memory_limit` and `disk_limit`
    /// are sizes (`"2G"`, or bytes), `spill_directory` where spill files go.
    /// `remote` (`df://HOST:PORT`) runs the queries on the Ballista cluster
    /// of that `cdpfusion scheduler`.
    #[new]
    #[pyo3(signature = (catalog = None, memory_limit = None, disk_limit = None, spill_directory = None, remote = None))]
    fn new(
        py: Python<'_>,
        catalog: Option<String>,
        memory_limit: Option<Size>,
        disk_limit: Option<Size>,
        spill_directory: Option<std::path::PathBuf>,
        remote: Option<String>,
    ) -> PyResult<Self> {
        let mut config = SessionConfig::from_env().map_err(sql_error)?;
        config
            .options_mut()
            .extensions
            .insert(CdpfusionOptions::with_catalog(catalog));
        let limits = ResourceLimits {
            memory: memory_limit
                .map(|size| size.bytes("memory_limit").map(|bytes| bytes as usize))
                .transpose()?,
            disk: disk_limit.map(|size| size.bytes("disk_limit")).transpose()?,
            spill_directory,
        };
        let runtime = limits
            .apply(RuntimeEnvBuilder::new())
            .build_arc()
            .map_err(sql_error)?;
        let ctx = match remote {
            Some(url) => wait(py, async move {
                cdpfusion_cluster::remote_session(&url, config, runtime, None).await
            })?,
            None => cdpfusion::cdpfusion_session_with(config, runtime),
        }
        .map_err(sql_error)?;
        Ok(Self { ctx })
    }

    /// Runs SQL: one statement or a script of several separated by `;`
    /// (segment statements included). Statements before the last run to
    /// completion; the last one's result is returned, not yet computed.
    fn sql(&self, py: Python<'_>, query: &str) -> PyResult<QueryResult> {
        let statements = split_statements(query).map_err(sql_error)?;
        let Some((last, before)) = statements.split_last() else {
            return Err(crate::errors::SQLError::new_err("sql: the query is empty"));
        };
        let (ctx, before, last) = (self.ctx.clone(), before.to_vec(), last.clone());
        let frame = wait(py, async move {
            for statement in &before {
                cdpfusion::sql(&ctx, statement).await?.collect().await?;
            }
            cdpfusion::sql(&ctx, &last).await
        })?
        .map_err(sql_error)?;
        Ok(QueryResult::new(frame))
    }

    /// Registers Parquet files (a file, a directory or an `s3://` URL) as a table.
    fn register_parquet(&self, py: Python<'_>, name: &str, path: &str) -> PyResult<()> {
        let (ctx, name, path) = (self.ctx.clone(), name.to_string(), path.to_string());
        wait(py, async move {
            ctx.register_parquet(&name, &path, ParquetReadOptions::default())
                .await
        })?
        .map_err(sql_error)
    }

    /// Registers Arrow data as a table: anything with `__arrow_c_stream__`
    /// (a pyarrow Table, a polars DataFrame, ...) or a pandas DataFrame.
    fn register_arrow(&self, name: &str, data: &Bound<'_, PyAny>) -> PyResult<()> {
        let (schema, batches) = import_batches(data)?;
        let table = MemTable::try_new(schema, vec![batches]).map_err(sql_error)?;
        self.ctx
            .register_table(name, Arc::new(table))
            .map_err(sql_error)?;
        Ok(())
    }

    /// The names of the tables and views registered in this session.
    fn tables(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .ctx
            .catalog("datafusion")
            .and_then(|catalog| catalog.schema("public"))
            .map(|schema| schema.table_names())
            .unwrap_or_default();
        names.sort();
        names
    }

    /// Writes the built-in automotive dataset as Parquet files in `out`;
    /// returns the rows written per table.
    #[pyo3(signature = (persons, out, seed = 42))]
    fn generate<'py>(
        &self,
        py: Python<'py>,
        persons: u64,
        out: PathBuf,
        seed: u64,
    ) -> PyResult<Bound<'py, PyDict>> {
        let options = GenerateOptions {
            persons,
            seed,
            out,
            progress: false,
        };
        let summary = py.detach(|| generate(&options)).map_err(sql_error)?;
        let rows = PyDict::new(py);
        for (table, count) in &summary.rows {
            rows.set_item(table, count)?;
        }
        Ok(rows)
    }

    /// Generates the demo dataset in `data` (reused when already there) and
    /// runs the demo pipeline in this session; returns its report. The
    /// session then holds the dataset's tables and everything the pipeline
    /// made (`one_id`, `events`, `customer_value`, ...); its two demo
    /// segments are written to this session's catalog.
    #[pyo3(signature = (persons = 20_000, data = PathBuf::from("demo-data"), seed = 42))]
    fn demo(&self, py: Python<'_>, persons: u64, data: PathBuf, seed: u64) -> PyResult<String> {
        let options = DemoOptions {
            persons,
            seed,
            data_dir: data,
            regenerate: false,
        };
        let ctx = self.ctx.clone();
        let report = wait(py, async move {
            let mut report = Vec::new();
            run_demo_in(&ctx, &options, &mut report).await?;
            Ok::<_, datafusion::error::DataFusionError>(String::from_utf8_lossy(&report).into_owned())
        })?;
        report.map_err(sql_error)
    }

    fn __repr__(&self) -> String {
        format!("cdpfusion.Context(tables={:?})", self.tables())
    }
}
