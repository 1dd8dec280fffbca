//! What the segment table functions share: reading a name argument, and a
//! table that loads from the catalog when scanned (table functions are
//! called while planning, synchronously; the catalog is read in `scan`).

use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::catalog::{Session, TableProvider};
use datafusion::common::{Result, plan_err};
use datafusion::datasource::TableType;
use datafusion::datasource::memory::MemorySourceConfig;
use datafusion::logical_expr::Expr;
use datafusion::physical_plan::ExecutionPlan;
use futures::future::BoxFuture;

use super::catalog::SegmentCatalog;
use super::open::open_catalog;
use crate::arguments::required_argument;

/// Builds the rows from the catalog.
pub(crate) type Load = Arc<dyn Fn(SegmentCatalog) -> BoxFuture<'static, Result<RecordBatch>> + Send + Sync>;

/// The segment names a table function is called with: one string literal
/// per entry of `names`, and no other argument.
pub(crate) fn name_arguments<const N: usize>(
    function: &str,
    exprs: &[Expr],
    names: [&str; N],
) -> Result<[String; N]> {
    if exprs.len() != N {
        return plan_err!(
            "{function}: expected ({}), got {} arguments",
            names.join(", "),
            exprs.len()
        );
    }
    let mut values: [String; N] = std::array::from_fn(|_| String::new());
    for (index, (value, name)) in values.iter_mut().zip(names).enumerate() {
        *value = required_argument(function, name, exprs, index)?;
    }
    Ok(values)
}

#[derive(Clone)]
pub(crate) struct SegmentTable {
    schema: SchemaRef,
    load: Load,
}

impl SegmentTable {
    /// The table of one call, whose schema carries the call's arguments
    /// ([`crate::schema_of_call`]).
    pub fn new(schema: &SchemaRef, arguments: &[&str], load: Load) -> Self {
        Self {
            schema: crate::schema_of_call(schema, arguments),
            load,
        }
    }
}

impl std::fmt::Debug for SegmentTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SegmentTable")
            .field("schema", &self.schema)
            .finish()
    }
}

#[async_trait]
impl TableProvider for SegmentTable {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn table_type(&self) -> TableType {
        TableType::Temporary
    }

    async fn scan(
        &self,
        session: &dyn Session,
        projection: Option<&Vec<usize>>,
        _filters: &[Expr],
        _limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let (catalog, _) = open_catalog(session.config_options())?;
        let batch = (self.load)(catalog).await?.with_schema(self.schema.clone())?;
        Ok(MemorySourceConfig::try_new_exec(
            &[vec![batch]],
            self.schema.clone(),
            projection.cloned(),
        )?)
    }
}
