//! What the segment table functions share: reading a name argument, and a
//! table that loads from the catalog when scanned (table functions are
//! called while planning, synchronously; the catalog is read in `scan`).

use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::catalog::{Session, TableProvider};
use datafusion::common::Result;
use datafusion::datasource::memory::MemorySourceConfig;
use datafusion::physical_plan::ExecutionPlan;
use futures::future::BoxFuture;

use crate::table_function::{CallScan, CallTable};
use cdpfusion_catalog::SegmentCatalog;
use cdpfusion_catalog::open_catalog;

/// Builds the rows from the catalog.
pub(crate) type Load = Arc<dyn Fn(SegmentCatalog) -> BoxFuture<'static, Result<RecordBatch>> + Send + Sync>;

/// The table of one segment function call with `arguments`: its rows are
/// loaded from the catalog when the table is scanned.
pub(crate) fn segment_table(schema: &SchemaRef, arguments: &[&str], load: Load) -> Arc<dyn TableProvider> {
    CallTable::new(schema, arguments, SegmentScan { load })
}

struct SegmentScan {
    load: Load,
}

impl std::fmt::Debug for SegmentScan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SegmentScan")
    }
}

#[async_trait]
impl CallScan for SegmentScan {
    async fn scan(
        &self,
        session: &dyn Session,
        schema: &SchemaRef,
        projection: Option<&Vec<usize>>,
        _limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let (catalog, _) = open_catalog(session.config_options())?;
        let batch = (self.load)(catalog).await?.with_schema(schema.clone())?;
        Ok(MemorySourceConfig::try_new_exec(
            &[vec![batch]],
            schema.clone(),
            projection.cloned(),
        )?)
    }
}
