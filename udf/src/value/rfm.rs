use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Float64Array, Int64Array, StructArray,
};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Fields, Float64Type, Int64Type};
use datafusion::common::Result;
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::utils::format_state_name;
use datafusion::logical_expr::{
    Accumulator, AggregateUDFImpl, Documentation, GroupsAccumulator, Signature, Volatility,
};
use datafusion_macros::user_doc;

use cdpfusion_core::value::rfm::RfmState;

use crate::arguments::{
    ArgumentKind, Parameters, constant_instant, event_times, expect_state_columns, number_values, passes,
    required,
};
use crate::fold_accumulator::{FoldAccumulator, FoldGroups, GroupFold};

const NAME: &str = "rfm";

const PARAMETERS: Parameters = Parameters::List(&[
    required("ts", ArgumentKind::Timestamp),
    required("amount", ArgumentKind::Number),
    required("as_of", ArgumentKind::Instant),
]);

#[user_doc(
    doc_section(label = "cdpfusion Value Functions"),
    description = "Recency, frequency and monetary value of one group's (a person's) purchases as of a moment: a struct `{recency_days, frequency, monetary, skipped}`. `recency_days` is whole days from the latest purchase to `as_of` (NULL without one); `frequency` counts purchases; `monetary` is their net amount. A negative amount is a refund: it lowers `monetary` and is not a purchase. A NULL amount is a purchase of unknown amount (adds 0). Rows with a NULL time or a time after `as_of` are not counted, and `skipped` says how many. Score with NTILE(5) over the population and name the segment with `rfm_segment`.",
    syntax_example = "rfm(ts, amount, as_of)",
    sql_example = r#"```sql
> SELECT person, rfm(ts, amount, TIMESTAMP '2026-06-30 00:00:00') AS r
  FROM (VALUES (1, TIMESTAMP '2026-06-20 10:00:00', 300.0), (1, TIMESTAMP '2026-01-05 10:00:00', 200.0),
               (1, TIMESTAMP '2026-02-01 10:00:00', -50.0), (2, TIMESTAMP '2025-06-30 00:00:00', 1000.0),
               (2, TIMESTAMP '2026-07-01 00:00:00', 80.0)) AS purchases(person, ts, amount)
  GROUP BY person ORDER BY person;
+--------+-----------------------------------------------------------------+
| person | r                                                               |
+--------+-----------------------------------------------------------------+
| 1      | {recency_days: 9, frequency: 2, monetary: 450.0, skipped: 0}    |
| 2      | {recency_days: 365, frequency: 1, monetary: 1000.0, skipped: 1} |
+--------+-----------------------------------------------------------------+
```"#,
    argument(
        name = "ts",
        description = "The purchase time: a timestamp (any unit or time zone) or a date."
    ),
    argument(
        name = "amount",
        description = "The amount, any number; negative for a refund."
    ),
    argument(
        name = "as_of",
        description = "A constant timestamp or date the recency is measured at (`now()` works)."
    )
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Rfm {
    signature: Signature,
}

impl Default for Rfm {
    fn default() -> Self {
        Self::new()
    }
}

impl Rfm {
    pub fn new() -> Self {
        Self {
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

fn result_fields() -> Fields {
    Fields::from(vec![
        Field::new("recency_days", DataType::Int64, true),
        Field::new("frequency", DataType::Int64, false),
        Field::new("monetary", DataType::Float64, false),
        Field::new("skipped", DataType::Int64, false),
    ])
}

/// The call's `as_of`: what every row is folded against.
#[derive(Debug)]
struct RfmFold {
    as_of: i64,
}

impl GroupFold for RfmFold {
    type State = RfmState;

    fn fold(
        &self,
        values: &[ArrayRef],
        filter: Option<&BooleanArray>,
        states: &mut [RfmState],
        group_of: impl Fn(usize) -> usize,
    ) {
        let (times, time_nulls) = event_times(&values[0]);
        let (amounts, amount_nulls) = number_values(&values[1]);
        for row in 0..times.len() {
            if !passes(filter, row) {
                continue;
            }
            let ts = (!time_nulls.is_some_and(|n| n.is_null(row))).then(|| times[row]);
            let amount = (!amount_nulls.is_some_and(|n| n.is_null(row))).then(|| amounts[row]);
            states[group_of(row)].add(ts, amount, self.as_of);
        }
    }

    fn merge(&self, state: &mut RfmState, other: &RfmState) {
        state.merge(other);
    }

    fn state_arrays(&self, states: &[RfmState]) -> Vec<ArrayRef> {
        vec![
            Arc::new(Int64Array::from_iter(states.iter().map(|s| s.last))),
            Arc::new(Int64Array::from_iter_values(states.iter().map(|s| s.frequency))),
            Arc::new(Float64Array::from_iter_values(states.iter().map(|s| s.monetary))),
            Arc::new(Int64Array::from_iter_values(states.iter().map(|s| s.skipped))),
        ]
    }

    fn read_states(&self, columns: &[ArrayRef], mut each: impl FnMut(usize, &RfmState)) -> Result<()> {
        expect_state_columns(NAME, columns, 4)?;
        let last = columns[0].as_primitive::<Int64Type>();
        let frequency = columns[1].as_primitive::<Int64Type>().values();
        let monetary = columns[2].as_primitive::<Float64Type>().values();
        let skipped = columns[3].as_primitive::<Int64Type>().values();
        for row in 0..last.len() {
            each(
                row,
                &RfmState {
                    last: last.is_valid(row).then(|| last.value(row)),
                    frequency: frequency[row],
                    monetary: monetary[row],
                    skipped: skipped[row],
                },
            );
        }
        Ok(())
    }

    fn evaluate(&self, states: &[RfmState]) -> Result<ArrayRef> {
        let columns: Vec<ArrayRef> = vec![
            Arc::new(Int64Array::from_iter(
                states.iter().map(|s| s.recency_days(self.as_of)),
            )),
            Arc::new(Int64Array::from_iter_values(states.iter().map(|s| s.frequency))),
            Arc::new(Float64Array::from_iter_values(states.iter().map(|s| s.monetary))),
            Arc::new(Int64Array::from_iter_values(states.iter().map(|s| s.skipped))),
        ];
        Ok(Arc::new(StructArray::new(result_fields(), columns, None)))
    }
}

impl AggregateUDFImpl for Rfm {
    fn name(&self) -> &str {
        NAME
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        PARAMETERS.coerce(NAME, arg_types)
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Struct(result_fields()))
    }

    fn is_nullable(&self) -> bool {
        false
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        let field = |name: &str, data_type: DataType| {
            Arc::new(Field::new(format_state_name(args.name, name), data_type, true))
        };
        Ok(vec![
            field("last", DataType::Int64),
            field("frequency", DataType::Int64),
            field("monetary", DataType::Float64),
            field("skipped", DataType::Int64),
        ])
    }

    fn accumulator(&self, acc_args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        let as_of = constant_instant(NAME, "as_of", &acc_args, 2)?;
        Ok(Box::new(FoldAccumulator::new(RfmFold { as_of })))
    }

    fn groups_accumulator_supported(&self, _args: AccumulatorArgs) -> bool {
        true
    }

    fn create_groups_accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn GroupsAccumulator>> {
        let as_of = constant_instant(NAME, "as_of", &args, 2)?;
        Ok(Box::new(FoldGroups::new(RfmFold { as_of })))
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}
