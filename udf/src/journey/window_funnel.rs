use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, BooleanArray, ListArray, UInt8Array};
use datafusion::arrow::buffer::OffsetBuffer;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Int64Type, UInt8Type};
use datafusion::common::{Result, ScalarValue, plan_err};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::utils::format_state_name;
use datafusion::logical_expr::{
    Accumulator, AggregateUDFImpl, Documentation, EmitTo, GroupsAccumulator, Signature, Volatility,
};
use datafusion_macros::user_doc;

use cdpfusion_core::bucket_sort::bucket_sort_by;
use cdpfusion_core::journey::funnel::{FunnelEvent, FunnelMode, MAX_STEPS, deepest_step};

use crate::arguments::{
    ArgumentKind, constant_text, constant_window, event_times, expect_state_columns, is_time,
    or_condition_bits,
};

const NAME: &str = "window_funnel";
const SYNTAX: &str = "(window, [mode,] ts, cond1 [, cond2, ...])";

#[user_doc(
    doc_section(label = "cdpfusion Journey Functions"),
    description = "The deepest step of a funnel one group (a person) reached, with ClickHouse's `windowFunnel` semantics: the first event meeting `cond1` starts a chain; each next condition counts when it is met, in order, no later than `window` after the event that started the chain. Events are read by time; events of the same time in step order, so the answer does not depend on the input order. Rows with a NULL time are skipped; a NULL condition is false. Returns 0 when no row meets `cond1`.",
    syntax_example = "window_funnel(window, [mode,] ts, cond1 [, cond2, ...])",
    sql_example = r#"```sql
> SELECT person, window_funnel(INTERVAL '30 days', ts, event = 'leave_info', event = 'store_visit', event = 'test_drive', event = 'order') AS step
  FROM (VALUES (1, 'leave_info', TIMESTAMP '2026-03-01 10:00:00'), (1, 'store_visit', TIMESTAMP '2026-03-05 15:00:00'),
               (1, 'order', TIMESTAMP '2026-03-20 11:00:00'), (2, 'leave_info', TIMESTAMP '2026-03-01 09:00:00'),
               (2, 'store_visit', TIMESTAMP '2026-03-02 09:00:00'), (2, 'test_drive', TIMESTAMP '2026-05-01 09:00:00')) AS e(person, event, ts)
  GROUP BY person ORDER BY person;
+--------+------+
| person | step |
+--------+------+
| 1      | 2    |
| 2      | 2    |
+--------+------+
```"#,
    argument(
        name = "window",
        description = "A constant: an INTERVAL without months (`INTERVAL '30 days'`), or an integer number of seconds as in ClickHouse. With integer event times, an integer in their unit."
    ),
    argument(
        name = "mode",
        description = "Optional constant string, a comma-separated list of `strict_order` (a row meeting none of the conditions, or a step met before the one it follows, ends the chain), `strict_deduplication` (a step met again ends the chain), `strict_increase` (each step strictly later than the one before)."
    ),
    argument(
        name = "ts",
        description = "The event time: a timestamp (any unit or time zone), a date or an integer."
    ),
    argument(
        name = "cond1",
        description = "Boolean conditions, one per step, in funnel order: 1 to 32 of them."
    )
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct WindowFunnel {
    signature: Signature,
}

impl Default for WindowFunnel {
    fn default() -> Self {
        Self::new()
    }
}

impl WindowFunnel {
    pub fn new() -> Self {
        Self {
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

/// Where the arguments are: `mode` is present when the second argument is a
/// string. (An optional argument before the repeated ones is more than a
/// declared argument table says, so this function places its own.)
struct Layout {
    mode: Option<usize>,
    ts: usize,
    steps: usize,
}

impl Layout {
    fn of(arg_types: &[DataType]) -> Result<Self> {
        if arg_types.len() < 3 {
            return plan_err!("{NAME}: expected {SYNTAX}, got {} arguments", arg_types.len());
        }
        let has_mode = arg_types[1].is_string();
        let ts = if has_mode { 2 } else { 1 };
        let steps = arg_types.len().saturating_sub(ts + 1);
        if steps == 0 {
            return plan_err!("{NAME}: expected {SYNTAX}, got no condition");
        }
        if steps > MAX_STEPS {
            return plan_err!("{NAME}: at most {MAX_STEPS} conditions, got {steps}");
        }
        Ok(Self {
            mode: has_mode.then_some(1),
            ts,
            steps,
        })
    }
}

/// What an accumulator needs from the call.
#[derive(Debug, Clone, Copy)]
struct FunnelSpec {
    window: i64,
    mode: FunnelMode,
    ts: usize,
    steps: usize,
}

impl FunnelSpec {
    fn of(args: &AccumulatorArgs) -> Result<Self> {
        let types: Vec<DataType> = args.expr_fields.iter().map(|f| f.data_type().clone()).collect();
        let layout = Layout::of(&types)?;
        let window = constant_window(NAME, "window", args, 0, is_time(&types[layout.ts]))?;
        let mode = match layout.mode {
            Some(index) => match constant_text(NAME, "mode", args, index)? {
                Some(text) => {
                    FunnelMode::parse(&text).or_else(|e| plan_err!("{NAME}: argument 'mode': {e}"))?
                }
                None => FunnelMode::default(),
            },
            None => FunnelMode::default(),
        };
        Ok(Self {
            window,
            mode,
            ts: layout.ts,
            steps: layout.steps,
        })
    }

    /// Calls `push(row, event)` for each event of the rows the filter lets
    /// through: one per condition met, or a step-0 marker in `strict_order`.
    fn for_each_event(
        &self,
        values: &[ArrayRef],
        filter: Option<&BooleanArray>,
        mut push: impl FnMut(usize, FunnelEvent),
    ) {
        let rows = values[self.ts].len();
        let mut masks = vec![0u32; rows];
        for step in 0..self.steps {
            or_condition_bits(&values[self.ts + 1 + step], step as u32, &mut masks);
        }
        let (times, nulls) = event_times(&values[self.ts]);
        for (row, &mask) in masks.iter().enumerate() {
            if nulls.is_some_and(|n| n.is_null(row))
                || filter.is_some_and(|f| !f.is_valid(row) || !f.value(row))
            {
                continue;
            }
            let ts = times[row];
            if mask == 0 {
                if self.mode.strict_order {
                    push(row, FunnelEvent { ts, step: 0 });
                }
                continue;
            }
            let mut bits = mask;
            while bits != 0 {
                let step = bits.trailing_zeros();
                bits &= bits - 1;
                push(
                    row,
                    FunnelEvent {
                        ts,
                        step: step as u8 + 1,
                    },
                );
            }
        }
    }
}

impl AggregateUDFImpl for WindowFunnel {
    fn name(&self) -> &str {
        NAME
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        let layout = Layout::of(arg_types)?;
        let mut types = arg_types.to_vec();
        types[0] = ArgumentKind::Window.coerce(NAME, "window", &arg_types[0])?;
        types[layout.ts] = ArgumentKind::EventTime.coerce(NAME, "ts", &arg_types[layout.ts])?;
        for step in 0..layout.steps {
            let index = layout.ts + 1 + step;
            types[index] =
                ArgumentKind::Condition.coerce(NAME, &format!("cond{}", step + 1), &arg_types[index])?;
        }
        Ok(types)
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::UInt8)
    }

    fn is_nullable(&self) -> bool {
        false
    }

    fn default_value(&self, _data_type: &DataType) -> Result<ScalarValue> {
        Ok(ScalarValue::UInt8(Some(0)))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(vec![
            Arc::new(Field::new_list(
                format_state_name(args.name, "ts"),
                Field::new_list_field(DataType::Int64, false),
                true,
            )),
            Arc::new(Field::new_list(
                format_state_name(args.name, "step"),
                Field::new_list_field(DataType::UInt8, false),
                true,
            )),
        ])
    }

    fn accumulator(&self, acc_args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(FunnelAccumulator {
            spec: FunnelSpec::of(&acc_args)?,
            events: Vec::new(),
        }))
    }

    fn groups_accumulator_supported(&self, _args: AccumulatorArgs) -> bool {
        true
    }

    fn create_groups_accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn GroupsAccumulator>> {
        Ok(Box::new(FunnelGroups {
            spec: FunnelSpec::of(&args)?,
            events: Vec::new(),
            groups: 0,
        }))
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}

/// The events of state lists (`ts`, `step`), row by row.
fn for_each_state_event(states: &[ArrayRef], mut push: impl FnMut(usize, FunnelEvent)) -> Result<()> {
    expect_state_columns(NAME, states, 2)?;
    let (times, steps) = (states[0].as_list::<i32>(), states[1].as_list::<i32>());
    let time_values = times.values().as_primitive::<Int64Type>().values();
    let step_values = steps.values().as_primitive::<UInt8Type>().values();
    for row in 0..times.len() {
        if times.is_null(row) {
            continue;
        }
        let range = times.value_offsets()[row] as usize..times.value_offsets()[row + 1] as usize;
        for k in range {
            push(
                row,
                FunnelEvent {
                    ts: time_values[k],
                    step: step_values[k],
                },
            );
        }
    }
    Ok(())
}

/// State lists for `groups` groups whose events are sorted by group.
fn state_lists(groups: usize, events: impl Iterator<Item = (usize, FunnelEvent)>) -> Vec<ArrayRef> {
    let mut lengths = vec![0usize; groups];
    let (mut times, mut steps) = (Vec::new(), Vec::new());
    for (group, event) in events {
        lengths[group] += 1;
        times.push(event.ts);
        steps.push(event.step);
    }
    let offsets = OffsetBuffer::from_lengths(lengths);
    let list = |values: ArrayRef, data_type: DataType| -> ArrayRef {
        Arc::new(ListArray::new(
            Arc::new(Field::new_list_field(data_type, false)),
            offsets.clone(),
            values,
            None,
        ))
    };
    vec![
        list(
            Arc::new(datafusion::arrow::array::Int64Array::from(times)),
            DataType::Int64,
        ),
        list(Arc::new(UInt8Array::from(steps)), DataType::UInt8),
    ]
}

/// One group's events (for `GROUP BY`-less queries and window frames).
#[derive(Debug)]
struct FunnelAccumulator {
    spec: FunnelSpec,
    events: Vec<FunnelEvent>,
}

impl Accumulator for FunnelAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        self.spec
            .for_each_event(values, None, |_, event| self.events.push(event));
        Ok(())
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        for_each_state_event(states, |_, event| self.events.push(event))
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        let lists = state_lists(1, self.events.iter().map(|e| (0, *e)));
        lists
            .iter()
            .map(|list| ScalarValue::try_from_array(list, 0))
            .collect()
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        self.events.sort_unstable();
        let step = deepest_step(
            self.events.iter().copied(),
            self.spec.steps,
            self.spec.window,
            self.spec.mode,
        );
        Ok(ScalarValue::UInt8(Some(step)))
    }

    fn size(&self) -> usize {
        size_of::<Self>() + self.events.capacity() * size_of::<FunnelEvent>()
    }
}

/// An event and its group, in 16 bytes.
#[derive(Debug, Clone, Copy)]
struct GroupEvent {
    ts: i64,
    group: u32,
    step: u8,
}

impl GroupEvent {
    fn new(group: usize, event: FunnelEvent) -> Self {
        Self {
            ts: event.ts,
            group: group as u32,
            step: event.step,
        }
    }

    fn event(&self) -> FunnelEvent {
        FunnelEvent {
            ts: self.ts,
            step: self.step,
        }
    }

    /// Sorting by this puts each group's events together, in the order the
    /// funnel reads them.
    fn order_key(&self) -> (u32, i64, u8) {
        (self.group, self.ts, self.step)
    }
}

/// All groups' events in one vector: adding a row is a push, with no
/// allocation per group; groups are sorted apart when emitted.
#[derive(Debug)]
struct FunnelGroups {
    spec: FunnelSpec,
    events: Vec<GroupEvent>,
    groups: usize,
}

impl FunnelGroups {
    /// Removes and sorts the events of the groups `emit_to` emits; returns
    /// them with the number of groups emitted.
    fn take_sorted(&mut self, emit_to: EmitTo) -> (Vec<GroupEvent>, usize) {
        let (mut taken, emitted) = match emit_to {
            EmitTo::All => (std::mem::take(&mut self.events), std::mem::take(&mut self.groups)),
            EmitTo::First(n) => {
                let (taken, kept): (Vec<GroupEvent>, Vec<GroupEvent>) =
                    self.events.iter().partition(|e| (e.group as usize) < n);
                self.events = kept
                    .into_iter()
                    .map(|e| GroupEvent {
                        group: e.group - n as u32,
                        ..e
                    })
                    .collect();
                self.groups -= n;
                (taken, n)
            }
        };
        // Grouped in one pass (a comparison sort of millions of events was
        // most of the aggregate's time), then each group's few by time.
        bucket_sort_by(
            &mut taken,
            emitted,
            |e| e.group as usize,
            |a, b| a.order_key().cmp(&b.order_key()),
        );
        (taken, emitted)
    }
}

impl GroupsAccumulator for FunnelGroups {
    fn update_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        opt_filter: Option<&BooleanArray>,
        total_num_groups: usize,
    ) -> Result<()> {
        self.groups = total_num_groups;
        let events = &mut self.events;
        self.spec.for_each_event(values, opt_filter, |row, event| {
            events.push(GroupEvent::new(group_indices[row], event))
        });
        Ok(())
    }

    fn merge_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        total_num_groups: usize,
    ) -> Result<()> {
        self.groups = total_num_groups;
        let events = &mut self.events;
        for_each_state_event(values, |row, event| {
            events.push(GroupEvent::new(group_indices[row], event))
        })
    }

    fn evaluate(&mut self, emit_to: EmitTo) -> Result<ArrayRef> {
        let (events, groups) = self.take_sorted(emit_to);
        let mut deepest = vec![0u8; groups];
        for run in events.chunk_by(|a, b| a.group == b.group) {
            deepest[run[0].group as usize] = deepest_step(
                run.iter().map(GroupEvent::event),
                self.spec.steps,
                self.spec.window,
                self.spec.mode,
            );
        }
        Ok(Arc::new(UInt8Array::from(deepest)))
    }

    fn state(&mut self, emit_to: EmitTo) -> Result<Vec<ArrayRef>> {
        let (events, groups) = self.take_sorted(emit_to);
        Ok(state_lists(
            groups,
            events.iter().map(|e| (e.group as usize, e.event())),
        ))
    }

    fn convert_to_state(
        &self,
        values: &[ArrayRef],
        opt_filter: Option<&BooleanArray>,
    ) -> Result<Vec<ArrayRef>> {
        // Each row its own group; a row's events come out in row order.
        let mut events = Vec::new();
        self.spec
            .for_each_event(values, opt_filter, |row, event| events.push((row, event)));
        Ok(state_lists(values[0].len(), events.into_iter()))
    }

    fn size(&self) -> usize {
        size_of::<Self>() + self.events.capacity() * size_of::<GroupEvent>()
    }
}

#[cfg(test)]
mod tests {
    use datafusion::arrow::array::Int64Array;

    use super::*;

    /// A two-step funnel over integer times with a window of 10, and its
    /// arguments: (window, ts, cond1, cond2) per row.
    fn two_steps() -> FunnelGroups {
        FunnelGroups {
            spec: FunnelSpec {
                window: 10,
                mode: FunnelMode::default(),
                ts: 1,
                steps: 2,
            },
            events: Vec::new(),
            groups: 0,
        }
    }

    fn rows(times: &[i64], first: &[bool], second: &[bool]) -> Vec<ArrayRef> {
        vec![
            Arc::new(Int64Array::from(vec![10; times.len()])),
            Arc::new(Int64Array::from(times.to_vec())),
            Arc::new(BooleanArray::from(first.to_vec())),
            Arc::new(BooleanArray::from(second.to_vec())),
        ]
    }

    fn steps(array: ArrayRef) -> Vec<u8> {
        array.as_primitive::<UInt8Type>().values().to_vec()
    }

    /// DataFusion emits the first groups early when it spills or streams
    /// sorted input; the groups kept are numbered from 0 again.
    #[test]
    fn emitting_the_first_groups_keeps_the_rest_renumbered() {
        let mut funnel = two_steps();
        let values = rows(
            &[5, 1, 3, 6, 4, 30],
            &[true, true, true, false, false, false],
            &[false, false, false, true, true, true],
        );
        funnel
            .update_batch(&values, &[0, 1, 2, 0, 2, 1], None, 3)
            .unwrap();
        // Group 0 reached both steps, group 1 only the first (its second
        // came 29 after, outside the window).
        assert_eq!(steps(funnel.evaluate(EmitTo::First(2)).unwrap()), [2, 1]);
        assert_eq!(funnel.groups, 1);
        assert!(funnel.events.iter().all(|e| e.group == 0), "{:?}", funnel.events);
        // What was group 2 is now group 0, with its events intact.
        assert_eq!(steps(funnel.evaluate(EmitTo::All).unwrap()), [2]);
        assert_eq!(funnel.groups, 0);
        assert!(funnel.events.is_empty());
    }

    /// Skipping partial aggregation turns each row into a state of its own;
    /// merged, those states give what aggregating the rows gives.
    #[test]
    fn rows_converted_to_states_merge_to_the_aggregate_of_the_rows() {
        let values = rows(
            &[7, 2, 4, 9],
            &[false, true, false, true],
            &[true, false, true, false],
        );
        let filter = BooleanArray::from(vec![true, true, true, false]);
        let states = two_steps().convert_to_state(&values, Some(&filter)).unwrap();
        let times = states[0].as_list::<i32>();
        assert_eq!(times.len(), 4);
        // The filtered row is an empty state, not a missing one.
        assert_eq!(times.value_length(3), 0);

        let mut merged = two_steps();
        merged.merge_batch(&states, &[0, 0, 0, 0], 1).unwrap();
        let mut direct = two_steps();
        direct
            .update_batch(&values, &[0, 0, 0, 0], Some(&filter), 1)
            .unwrap();
        let (merged, direct) = (
            steps(merged.evaluate(EmitTo::All).unwrap()),
            steps(direct.evaluate(EmitTo::All).unwrap()),
        );
        assert_eq!(merged, direct);
        // Step 1 at 2, step 2 at 4 (the filtered row at 9 does not count).
        assert_eq!(merged, [2]);
    }
}
