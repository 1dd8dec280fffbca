//! Test support: the cdpfusion session as a sqllogictest database.

use arrow::array::RecordBatch;
use arrow::datatypes::DataType;
use arrow::util::display::{ArrayFormatter, FormatOptions};
use datafusion::error::{DataFusionError, Result};
use datafusion::prelude::SessionContext;
use sqllogictest::{DBOutput, DefaultColumnType};

/// A cdpfusion session (the same one the shell uses) that sqllogictest
/// drives, with a segment catalog of its own that lives as long as it.
pub struct CdpfusionDb {
    ctx: SessionContext,
    _catalog: tempfile::TempDir,
}

impl CdpfusionDb {
    pub fn new() -> Result<Self> {
        let catalog = tempfile::TempDir::new()?;
        Ok(Self {
            ctx: session_with_catalog(catalog.path())?,
            _catalog: catalog,
        })
    }

    /// The session with the functions `cdpfusion serve` adds for PostgreSQL
    /// clients, as a connection logged in as `user` has them.
    pub fn with_server_functions(user: &str) -> Result<Self> {
        let db = Self::new()?;
        for function in cdpfusion_server::pg_functions::server_functions() {
            db.ctx.register_udf(function);
        }
        db.ctx
            .register_udf(cdpfusion_server::pg_functions::user_function(user));
        Ok(db)
    }
}

/// A cdpfusion session whose segment catalog is `dir`.
pub fn session_with_catalog(dir: &std::path::Path) -> Result<SessionContext> {
    let mut config = datafusion::prelude::SessionConfig::from_env()?;
    let mut settings = cdpfusion::CdpfusionOptions::default();
    settings.catalog = dir.to_string_lossy().into_owned();
    config.options_mut().extensions.insert(settings);
    cdpfusion::cdpfusion_session_with(config, std::sync::Arc::new(Default::default()))
}

#[async_trait::async_trait]
impl sqllogictest::AsyncDB for CdpfusionDb {
    type Error = DataFusionError;
    type ColumnType = DefaultColumnType;

    async fn run(&mut self, sql: &str) -> Result<DBOutput<DefaultColumnType>> {
        let df = cdpfusion::sql(&self.ctx, sql).await?;
        let types = df
            .schema()
            .fields()
            .iter()
            .map(|f| column_type(f.data_type()))
            .collect();
        let batches = df.collect().await?;
        if types_are_ddl(&batches, sql) {
            return Ok(DBOutput::StatementComplete(0));
        }
        Ok(DBOutput::Rows {
            types,
            rows: format_rows(&batches)?,
        })
    }

    async fn shutdown(&mut self) {}

    fn engine_name(&self) -> &str {
        "cdpfusion"
    }
}

/// DDL (CREATE/DROP/SET ...) returns no batches with columns.
fn types_are_ddl(batches: &[RecordBatch], sql: &str) -> bool {
    let first = sql
        .trim_start()
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_ascii_uppercase();
    batches.iter().all(|b| b.num_rows() == 0)
        && matches!(first.as_str(), "CREATE" | "DROP" | "SET" | "INSERT" | "COPY")
}

fn column_type(data_type: &DataType) -> DefaultColumnType {
    match data_type {
        t if t.is_integer() => DefaultColumnType::Integer,
        t if t.is_floating() || matches!(t, DataType::Decimal128(..) | DataType::Decimal256(..)) => {
            DefaultColumnType::FloatingPoint
        }
        _ => DefaultColumnType::Text,
    }
}

/// Rows as text: NULL as `NULL`, the empty string as `(empty)`.
pub fn format_rows(batches: &[RecordBatch]) -> Result<Vec<Vec<String>>> {
    let options = FormatOptions::default().with_null("NULL");
    let mut rows = Vec::new();
    for batch in batches {
        let formatters = batch
            .columns()
            .iter()
            .map(|c| ArrayFormatter::try_new(c.as_ref(), &options))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        for row in 0..batch.num_rows() {
            rows.push(
                formatters
                    .iter()
                    .map(|f| {
                        let text = f.value(row).to_string();
                        if text.is_empty() {
                            "(empty)".to_string()
                        } else {
                            text
                        }
                    })
                    .collect(),
            );
        }
    }
    Ok(rows)
}

/// A generated dataset of `persons` (seed 7), made once per test process and
/// removed when it exits.
pub fn generated_dataset(persons: u64) -> std::path::PathBuf {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static DATASETS: OnceLock<Mutex<HashMap<u64, tempfile::TempDir>>> = OnceLock::new();
    let mut datasets = DATASETS.get_or_init(Default::default).lock().unwrap();
    datasets
        .entry(persons)
        .or_insert_with(|| {
            let dir = tempfile::TempDir::new().unwrap();
            cdpfusion_datagen::generate::generate(&cdpfusion_datagen::generate::GenerateOptions {
                persons,
                seed: 7,
                out: dir.path().to_path_buf(),
                progress: false,
            })
            .unwrap();
            dir
        })
        .path()
        .to_path_buf()
}

/// A cdpfusion session with a generated dataset's tables registered.
pub async fn dataset_session(persons: u64) -> SessionContext {
    // Segments go to a catalog of the test process, never the user's.
    static CATALOG: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    let catalog = CATALOG.get_or_init(|| tempfile::TempDir::new().unwrap());
    let ctx = session_with_catalog(catalog.path()).unwrap();
    cdpfusion_datagen::demo::register_dataset(&ctx, &generated_dataset(persons))
        .await
        .unwrap();
    ctx
}

/// Runs one step of the demo pipeline (`datagen/demo/<file>`), statement by
/// statement, in `ctx`.
pub async fn run_demo_step(ctx: &SessionContext, file: &str) {
    let (_, sql) = cdpfusion_datagen::demo::DEMO_STEPS
        .iter()
        .find(|(f, _)| *f == file)
        .unwrap_or_else(|| panic!("no demo step {file}"));
    for statement in cdpfusion::script::split_statements(sql).unwrap() {
        cdpfusion::sql(ctx, &statement)
            .await
            .unwrap()
            .collect()
            .await
            .unwrap();
    }
}

/// The first column of the first row, as an i64.
pub async fn query_i64(ctx: &SessionContext, sql: &str) -> i64 {
    let batches = ctx.sql(sql).await.unwrap().collect().await.unwrap();
    let column = datafusion::arrow::compute::cast(batches[0].column(0), &DataType::Int64).unwrap();
    datafusion::arrow::array::AsArray::as_primitive::<datafusion::arrow::datatypes::Int64Type>(&column)
        .value(0)
}
