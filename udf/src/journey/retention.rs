use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, BooleanArray, ListArray, UInt8Array, UInt32Array};
use datafusion::arrow::buffer::OffsetBuffer;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, UInt32Type};
use datafusion::common::Result;
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::utils::format_state_name;
use datafusion::logical_expr::{
    Accumulator, AggregateUDFImpl, Documentation, GroupsAccumulator, Signature, Volatility,
};
use datafusion_macros::user_doc;

use cdpfusion_core::journey::retention::{MAX_CONDITIONS, retention_flags};

use crate::arguments::{ArgumentKind, Parameters, expect_state_columns, or_condition_bits, passes};
use crate::fold_accumulator::{FoldAccumulator, FoldGroups, GroupFold};

const NAME: &str = "retention";

const PARAMETERS: Parameters = Parameters::Repeated {
    prefix: "cond",
    kind: ArgumentKind::Condition,
    max: MAX_CONDITIONS,
};

#[user_doc(
    doc_section(label = "cdpfusion Journey Functions"),
    description = "ClickHouse's `retention`: for one group (a person), an array with one flag (0 or 1) per condition: `r[1]` is whether some row met `cond1`, `r[i]` whether some row met `cond1` and some row met `cond_i`. Sum the flags over persons to get retention counts. A NULL condition is false.",
    syntax_example = "retention(cond1 [, cond2, ...])",
    sql_example = r#"```sql
> SELECT uid, retention(d = DATE '2020-01-01', d = DATE '2020-01-02', d = DATE '2020-01-03') AS r
  FROM (VALUES (0, DATE '2020-01-01'), (0, DATE '2020-01-03'), (1, DATE '2020-01-02')) AS visits(uid, d)
  GROUP BY uid ORDER BY uid;
+-----+-----------+
| uid | r         |
+-----+-----------+
| 0   | [1, 0, 1] |
| 1   | [0, 0, 0] |
+-----+-----------+
```"#,
    argument(name = "cond1", description = "Boolean conditions: 1 to 32 of them.")
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Retention {
    signature: Signature,
}

impl Default for Retention {
    fn default() -> Self {
        Self::new()
    }
}

impl Retention {
    pub fn new() -> Self {
        Self {
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

fn flags_type() -> DataType {
    DataType::new_list(DataType::UInt8, true)
}

/// Bit i of each row's mask: the row met condition i+1.
fn row_masks(values: &[ArrayRef]) -> Vec<u32> {
    let mut masks = vec![0u32; values.first().map_or(0, |v| v.len())];
    for (bit, condition) in values.iter().enumerate() {
        or_condition_bits(condition, bit as u32, &mut masks);
    }
    masks
}

/// One list of flags per group's mask.
fn flags_array(masks: &[u32], conditions: usize) -> ArrayRef {
    let mut flags = Vec::with_capacity(masks.len() * conditions);
    for &mask in masks {
        retention_flags(mask, conditions, &mut flags);
    }
    Arc::new(ListArray::new(
        Arc::new(Field::new_list_field(DataType::UInt8, true)),
        OffsetBuffer::from_lengths(std::iter::repeat_n(conditions, masks.len())),
        Arc::new(UInt8Array::from(flags)),
        None,
    ))
}

/// The number of conditions of the call.
#[derive(Debug)]
struct RetentionFold {
    conditions: usize,
}

impl GroupFold for RetentionFold {
    /// Bit i: some row met condition i+1.
    type State = u32;

    fn fold(
        &self,
        values: &[ArrayRef],
        filter: Option<&BooleanArray>,
        states: &mut [u32],
        group_of: impl Fn(usize) -> usize,
    ) {
        for (row, mask) in row_masks(values).into_iter().enumerate() {
            if passes(filter, row) {
                states[group_of(row)] |= mask;
            }
        }
    }

    fn merge(&self, state: &mut u32, other: &u32) {
        *state |= other;
    }

    fn state_arrays(&self, states: &[u32]) -> Vec<ArrayRef> {
        vec![Arc::new(UInt32Array::from(states.to_vec()))]
    }

    fn read_states(&self, columns: &[ArrayRef], mut each: impl FnMut(usize, &u32)) -> Result<()> {
        expect_state_columns(NAME, columns, 1)?;
        for (row, mask) in columns[0].as_primitive::<UInt32Type>().iter().enumerate() {
            each(row, &mask.unwrap_or(0));
        }
        Ok(())
    }

    fn evaluate(&self, states: &[u32]) -> Result<ArrayRef> {
        Ok(flags_array(states, self.conditions))
    }
}

impl AggregateUDFImpl for Retention {
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
        Ok(flags_type())
    }

    fn is_nullable(&self) -> bool {
        false
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(vec![Arc::new(Field::new(
            format_state_name(args.name, "met"),
            DataType::UInt32,
            true,
        ))])
    }

    fn accumulator(&self, acc_args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(FoldAccumulator::new(RetentionFold {
            conditions: acc_args.exprs.len(),
        })))
    }

    fn groups_accumulator_supported(&self, _args: AccumulatorArgs) -> bool {
        true
    }

    fn create_groups_accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn GroupsAccumulator>> {
        Ok(Box::new(FoldGroups::new(RetentionFold {
            conditions: args.exprs.len(),
        })))
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}
