use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, BooleanArray, ListArray, UInt8Array, UInt32Array};
use datafusion::arrow::buffer::OffsetBuffer;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, UInt32Type};
use datafusion::common::{Result, ScalarValue, plan_err};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{
    Accumulator, AggregateUDFImpl, Documentation, EmitTo, GroupsAccumulator, Signature, Volatility,
};
use datafusion_macros::user_doc;

use cdpfusion_core::journey::retention::{MAX_CONDITIONS, retention_flags};

use crate::arguments::{coerce_condition, expect_state_columns, or_condition_bits};

const NAME: &str = "retention";

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

fn state_masks(states: &[ArrayRef]) -> Result<&UInt32Array> {
    expect_state_columns(NAME, states, 1)?;
    Ok(states[0].as_primitive::<UInt32Type>())
}

impl AggregateUDFImpl for Retention {
    fn name(&self) -> &str {
        NAME
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        if arg_types.is_empty() || arg_types.len() > MAX_CONDITIONS {
            return plan_err!(
                "{NAME}: expected 1 to {MAX_CONDITIONS} conditions, got {}",
                arg_types.len()
            );
        }
        arg_types
            .iter()
            .enumerate()
            .map(|(i, t)| coerce_condition(NAME, &format!("cond{}", i + 1), t))
            .collect()
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(flags_type())
    }

    fn is_nullable(&self) -> bool {
        false
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(vec![Arc::new(Field::new(
            format!("{}[met]", args.name),
            DataType::UInt32,
            true,
        ))])
    }

    fn accumulator(&self, acc_args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(RetentionAccumulator {
            conditions: acc_args.exprs.len(),
            met: 0,
        }))
    }

    fn groups_accumulator_supported(&self, _args: AccumulatorArgs) -> bool {
        true
    }

    fn create_groups_accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn GroupsAccumulator>> {
        Ok(Box::new(RetentionGroups {
            conditions: args.exprs.len(),
            met: Vec::new(),
        }))
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}

#[derive(Debug)]
struct RetentionAccumulator {
    conditions: usize,
    met: u32,
}

impl Accumulator for RetentionAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        self.met = row_masks(values).iter().fold(self.met, |met, m| met | m);
        Ok(())
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        self.met = state_masks(states)?
            .iter()
            .flatten()
            .fold(self.met, |met, m| met | m);
        Ok(())
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        Ok(vec![ScalarValue::UInt32(Some(self.met))])
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        ScalarValue::try_from_array(&flags_array(&[self.met], self.conditions), 0)
    }

    fn size(&self) -> usize {
        size_of::<Self>()
    }
}

/// One `u32` per group: the conditions some row of the group met.
#[derive(Debug)]
struct RetentionGroups {
    conditions: usize,
    met: Vec<u32>,
}

impl GroupsAccumulator for RetentionGroups {
    fn update_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        opt_filter: Option<&BooleanArray>,
        total_num_groups: usize,
    ) -> Result<()> {
        self.met.resize(total_num_groups, 0);
        let masks = row_masks(values);
        for (row, (&group, &mask)) in group_indices.iter().zip(&masks).enumerate() {
            if opt_filter.is_none_or(|f| f.is_valid(row) && f.value(row)) {
                self.met[group] |= mask;
            }
        }
        Ok(())
    }

    fn merge_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        total_num_groups: usize,
    ) -> Result<()> {
        self.met.resize(total_num_groups, 0);
        let masks = state_masks(values)?;
        for (&group, mask) in group_indices.iter().zip(masks.iter()) {
            self.met[group] |= mask.unwrap_or(0);
        }
        Ok(())
    }

    fn evaluate(&mut self, emit_to: EmitTo) -> Result<ArrayRef> {
        Ok(flags_array(&emit_to.take_needed(&mut self.met), self.conditions))
    }

    fn state(&mut self, emit_to: EmitTo) -> Result<Vec<ArrayRef>> {
        Ok(vec![Arc::new(UInt32Array::from(
            emit_to.take_needed(&mut self.met),
        ))])
    }

    fn convert_to_state(
        &self,
        values: &[ArrayRef],
        opt_filter: Option<&BooleanArray>,
    ) -> Result<Vec<ArrayRef>> {
        let mut masks = row_masks(values);
        if let Some(filter) = opt_filter {
            for (row, mask) in masks.iter_mut().enumerate() {
                if !filter.is_valid(row) || !filter.value(row) {
                    *mask = 0;
                }
            }
        }
        Ok(vec![Arc::new(UInt32Array::from(masks))])
    }

    fn size(&self) -> usize {
        size_of::<Self>() + self.met.capacity() * size_of::<u32>()
    }
}
