//! The table functions that show one person's identity graph:
//! `identity_lookup` (a row per record and identifier) and `identity_graph`
//! (Graphviz DOT and JSON). Both resolve the query, find the person who owns
//! the given identifier, then read the query twice more to collect the
//! records that hold the person's identifiers and everything those records
//! hold.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use datafusion::arrow::datatypes::{DataType, SchemaRef};
use datafusion::catalog::{Session, TableFunctionArgs, TableProvider};
use datafusion::common::Result;
use datafusion::execution::TaskContext;
use datafusion::physical_plan::ExecutionPlan;
use futures::StreamExt;

use cdpfusion_core::identity::graph::{GraphIdentifier, GraphRecord, PersonGraph};

use super::resolution_plan::{CallRules, PlannedResolution, rules_argument};
use crate::arguments::{ArgumentKind, Parameters, optional, required};
use crate::table_function::{CallScan, CallTable, Produce, deferred_plan};

/// Turns a person's graph (or none, for an unknown identifier) into the
/// function's output rows.
pub(crate) type Render = fn(Option<&PersonGraph>) -> Result<RecordBatch>;

/// The arguments of `identity_lookup` and `identity_graph`.
const PARAMETERS: Parameters = Parameters::List(&[
    required("query", ArgumentKind::Text),
    required("id_type", ArgumentKind::Text),
    required("id_value", ArgumentKind::Text),
    optional("rules_json", ArgumentKind::Text),
]);

/// Parses `(query, id_type, id_value [, rules_json])`.
pub(crate) fn person_graph_table(
    function: &'static str,
    args: TableFunctionArgs,
    schema: SchemaRef,
    render: Render,
) -> Result<Arc<dyn TableProvider>> {
    let ([query, id_type, id_value], [rules]) = PARAMETERS.literals(function, args.exprs())?;
    let rules = rules_argument(function, rules.as_deref())?;
    let called_with = [query.as_str(), &id_type, &id_value, &format!("{rules:?}")].map(str::to_string);
    let scan = PersonGraphScan {
        function,
        query,
        id_type,
        id_value,
        rules,
        render,
    };
    Ok(CallTable::new(
        &schema,
        &called_with.each_ref().map(String::as_str),
        scan,
    ))
}

/// What scanning an identity_lookup or identity_graph call does: resolve the
/// query, then collect and render the person's graph.
#[derive(Debug)]
struct PersonGraphScan {
    function: &'static str,
    query: String,
    id_type: String,
    id_value: String,
    rules: Arc<CallRules>,
    render: Render,
}

#[async_trait]
impl CallScan for PersonGraphScan {
    async fn scan(
        &self,
        session: &dyn Session,
        schema: &SchemaRef,
        projection: Option<&Vec<usize>>,
        limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let planned =
            PlannedResolution::plan(self.function, session, &self.query, self.rules.clone()).await?;
        let (id_type, id_value, render) = (self.id_type.clone(), self.id_value.clone(), self.render);
        let produce: Produce = Arc::new(move |ctx, schema| {
            let (planned, id_type, id_value) = (planned.clone(), id_type.clone(), id_value.clone());
            let batch = async move {
                let graph = person_graph(&planned, ctx, &id_type, &id_value).await?;
                Ok(render(graph.as_ref())?.with_schema(schema)?)
            };
            futures::stream::once(batch).boxed()
        });
        deferred_plan(schema, projection, limit, produce)
    }
}

/// Identifier values keyed by value, then type, so rows are looked up by
/// `&str` without allocating.
type IdentifierSet = HashMap<String, HashSet<String>>;

fn contains(set: &IdentifierSet, id_type: &str, id_value: &str) -> bool {
    set.get(id_value).is_some_and(|types| types.contains(id_type))
}

/// The record ids of a batch as text (integers written in decimal).
fn record_text(column: &ArrayRef) -> Result<ArrayRef> {
    Ok(datafusion::arrow::compute::cast(column, &DataType::Utf8)?)
}

fn strings(column: &ArrayRef) -> Result<ArrayRef> {
    Ok(datafusion::arrow::compute::cast(column, &DataType::Utf8)?)
}

async fn person_graph(
    planned: &PlannedResolution,
    ctx: Arc<TaskContext>,
    id_type: &str,
    id_value: &str,
) -> Result<Option<PersonGraph>> {
    let resolution = planned.run(ctx.clone(), false).await?;
    let Some(position) = resolution.position(id_type, id_value) else {
        return Ok(None);
    };
    let one_id = resolution.get(position).one_id;
    let mut members: IdentifierSet = HashMap::new();
    for r in resolution.iter().filter(|r| r.one_id == one_id) {
        members
            .entry(r.id_value.to_string())
            .or_default()
            .insert(r.id_type.to_string());
    }

    // The records holding one of the person's identifiers.
    let mut records: HashSet<String> = HashSet::new();
    planned
        .input
        .for_each_batch(ctx.clone(), |c, _| {
            let (record, types, values) = (record_text(c[0])?, strings(c[1])?, strings(c[2])?);
            let (record, types, values) = (
                record.as_string::<i32>(),
                types.as_string::<i32>(),
                values.as_string::<i32>(),
            );
            for i in 0..record.len() {
                if record.is_valid(i)
                    && types.is_valid(i)
                    && values.is_valid(i)
                    && contains(&members, types.value(i), values.value(i))
                {
                    records.insert(record.value(i).to_string());
                }
            }
            Ok(())
        })
        .await?;

    // Everything those records hold, in record order.
    let mut held: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    planned
        .input
        .for_each_batch(ctx, |c, _| {
            let (record, types, values) = (record_text(c[0])?, strings(c[1])?, strings(c[2])?);
            let (record, types, values) = (
                record.as_string::<i32>(),
                types.as_string::<i32>(),
                values.as_string::<i32>(),
            );
            for i in 0..record.len() {
                if record.is_valid(i)
                    && types.is_valid(i)
                    && values.is_valid(i)
                    && records.contains(record.value(i))
                {
                    held.entry(record.value(i).to_string())
                        .or_default()
                        .push((types.value(i).to_string(), values.value(i).to_string()));
                }
            }
            Ok(())
        })
        .await?;

    // Identifiers: the person's in canonical order, then the others met.
    let mut identifiers: Vec<GraphIdentifier> = Vec::new();
    let mut index: HashMap<(String, String), usize> = HashMap::new();
    for r in resolution.iter().filter(|r| r.one_id == one_id) {
        index.insert((r.id_type.to_string(), r.id_value.to_string()), identifiers.len());
        identifiers.push(GraphIdentifier::new(r.id_type, r.id_value, r.status, true));
    }
    let mut graph_records = Vec::new();
    for (record_id, pairs) in held {
        let mut positions = Vec::new();
        for key in pairs {
            let next = identifiers.len();
            let position = *index.entry(key.clone()).or_insert_with(|| {
                let status = resolution
                    .position(&key.0, &key.1)
                    .map(|p| resolution.get(p).status);
                identifiers.push(GraphIdentifier::new(
                    &key.0,
                    &key.1,
                    status.unwrap_or(cdpfusion_core::identity::resolve::Status::Singleton),
                    false,
                ));
                next
            });
            if !positions.contains(&position) {
                positions.push(position);
            }
        }
        graph_records.push(GraphRecord {
            record_id,
            identifiers: positions,
        });
    }
    Ok(Some(PersonGraph {
        one_id,
        identifiers,
        records: graph_records,
    }))
}
