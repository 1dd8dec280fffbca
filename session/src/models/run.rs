//! Running the model statements: the training query runs through
//! DataFusion, `cdpfusion_models::train` fits the model on its rows (on a
//! blocking thread: training is CPU work), and the catalog keeps it as a
//! new version (`cdpfusion_catalog::Models`).

use std::sync::{Arc, LazyLock};

use datafusion::arrow::array::{ArrayRef, BooleanArray, Float64Array, RecordBatch, StringArray, UInt64Array};
use datafusion::arrow::compute::concat_batches;
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::error::{DataFusionError, Result};
use datafusion::prelude::SessionContext;

use cdpfusion_catalog::{ModelVersion, open_catalog};
use cdpfusion_models::{ModelOptions, train};

use super::parse::ModelStatement;
use crate::statement_syntax::plan_one_query;

fn model_error(name: &str, what: impl std::fmt::Display) -> DataFusionError {
    DataFusionError::Execution(format!("CREATE MODEL {name}: {what}"))
}

static EVALUATION_SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
    Arc::new(Schema::new(vec![
        Field::new("model", DataType::Utf8, false),
        Field::new("version", DataType::UInt64, false),
        Field::new("type", DataType::Utf8, false),
        Field::new("metric", DataType::Utf8, false),
        Field::new("value", DataType::Float64, true),
    ]))
});

static DROP_SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
    Arc::new(Schema::new(vec![
        Field::new("model", DataType::Utf8, false),
        Field::new("dropped", DataType::Boolean, false),
    ]))
});

pub fn model_statement_schema(statement: &ModelStatement) -> SchemaRef {
    match statement {
        ModelStatement::Create { .. } => EVALUATION_SCHEMA.clone(),
        ModelStatement::Drop { .. } => DROP_SCHEMA.clone(),
    }
}

/// Runs a model statement; returns the rows it reports: the new model's
/// evaluation, or whether it dropped one.
pub async fn execute_model_statement(ctx: &SessionContext, statement: ModelStatement) -> Result<RecordBatch> {
    let (catalog, _) = open_catalog(ctx.state().config_options())?;
    let models = catalog.models();
    match statement {
        ModelStatement::Create {
            name,
            or_replace,
            options,
            query,
        } => {
            // Options first: a typo should not wait for the query.
            let options = ModelOptions::parse(&options)
                .map_err(|e| DataFusionError::Plan(format!("CREATE MODEL {name}: {e}")))?;
            let latest = models.latest_number(&name).await?;
            if latest.is_some() && !or_replace {
                return Err(DataFusionError::Plan(format!(
                    "model '{name}' already exists; CREATE OR REPLACE MODEL trains a new version, DROP MODEL removes it"
                )));
            }
            let frame = plan_one_query(ctx, &query, "the training query", |e| model_error(&name, e)).await?;
            let schema: SchemaRef = Arc::new(frame.schema().as_arrow().clone());
            let batches = frame
                .collect()
                .await
                .map_err(|e| model_error(&name, format!("the training query failed: {e}")))?;
            let rows = concat_batches(&schema, &batches)?;
            let columns: Vec<(String, ArrayRef)> = schema
                .fields()
                .iter()
                .zip(rows.columns())
                .map(|(f, c)| (f.name().clone(), c.clone()))
                .collect();
            let model_type = options.model_type.as_str();
            let trained = tokio::task::spawn_blocking(move || train(columns, options))
                .await
                .map_err(|e| model_error(&name, format!("training stopped: {e}")))?
                .map_err(|e| model_error(&name, e))?;
            let json = trained.to_json().map_err(|e| model_error(&name, e))?;
            let number = latest.unwrap_or(0) + 1;
            models
                .write(&name, &ModelVersion::new(number, model_type, &query, json))
                .await?;
            let report = trained.evaluation.report();
            let n = report.len();
            Ok(RecordBatch::try_new(
                EVALUATION_SCHEMA.clone(),
                vec![
                    Arc::new(StringArray::from(vec![name.as_str(); n])),
                    Arc::new(UInt64Array::from(vec![number; n])),
                    Arc::new(StringArray::from(vec![model_type; n])),
                    Arc::new(StringArray::from_iter_values(report.iter().map(|(m, _)| m))),
                    Arc::new(Float64Array::from_iter(
                        report.iter().map(|(_, v)| v.is_finite().then_some(*v)),
                    )),
                ],
            )?)
        }
        ModelStatement::Drop { name, if_exists } => {
            let dropped = models.drop_model(&name).await?;
            if !dropped && !if_exists {
                return Err(DataFusionError::Plan(format!("model '{name}' does not exist")));
            }
            Ok(RecordBatch::try_new(
                DROP_SCHEMA.clone(),
                vec![
                    Arc::new(StringArray::from(vec![name])),
                    Arc::new(BooleanArray::from(vec![dropped])),
                ],
            )?)
        }
    }
}
