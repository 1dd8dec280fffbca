use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, BooleanArray, Float64Array, ListArray};
use datafusion::arrow::buffer::OffsetBuffer;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Float64Type};
use datafusion::common::{Result, ScalarValue, plan_err};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::utils::format_state_name;
use datafusion::logical_expr::{
    Accumulator, AggregateUDFImpl, Documentation, EmitTo, GroupsAccumulator, Signature, Volatility,
};
use datafusion_macros::user_doc;

use cdpfusion_core::value::lead_score::{LeadScoreRules, LeadScorer};

use crate::arguments::{
    ArgumentKind, Parameters, constant_instant, constant_text, event_times, expect_state_columns,
    number_values, optional, passes, required,
};

const NAME: &str = "lead_score";

const PARAMETERS: Parameters = Parameters::List(&[
    required("event_type", ArgumentKind::EventName),
    required("ts", ArgumentKind::Timestamp),
    required("dwell_s", ArgumentKind::Number),
    required("as_of", ArgumentKind::Instant),
    optional("weights_json", ArgumentKind::Text),
]);

#[user_doc(
    doc_section(label = "cdpfusion Value Functions"),
    description = "A lead's activity score, 0 to 99.9, from one group's (a person's) events: each event scores its type's weight plus dwell time (0.5 points a minute, at most 5 minutes an event), halved every 30 days before `as_of`; each type's points are capped, and the sum `s` becomes `100 * (1 - exp(-s / 50))`, rounded down to 0.1, so no amount of one activity (a bot's 10,000 views) reaches the top. Default weights (points, cap): view_content (1, 20), share (3, 15), leave_info (10, 20), store_visit (15, 30), test_drive (25, 40), survey (5, 10); other event types score nothing. Events after `as_of` and rows with a NULL time or type are skipped; a NULL dwell adds nothing.",
    syntax_example = "lead_score(event_type, ts, dwell_s, as_of [, weights_json])",
    sql_example = r#"```sql
> SELECT person, lead_score(event, ts, dwell, TIMESTAMP '2026-06-30 00:00:00') AS score
  FROM (VALUES (1, 'leave_info', TIMESTAMP '2026-06-30 00:00:00', NULL),
               (2, 'leave_info', TIMESTAMP '2026-05-31 00:00:00', NULL),
               (3, 'test_drive', TIMESTAMP '2026-06-29 00:00:00', NULL), (3, 'view_content', TIMESTAMP '2026-06-28 00:00:00', 240)) AS e(person, event, ts, dwell)
  GROUP BY person ORDER BY person;
+--------+-------+
| person | score |
+--------+-------+
| 1      | 18.1  |
| 2      | 9.5   |
| 3      | 42.0  |
+--------+-------+
```"#,
    argument(name = "event_type", description = "The event's name."),
    argument(
        name = "ts",
        description = "The event time: a timestamp (any unit or time zone) or a date."
    ),
    argument(name = "dwell_s", description = "Seconds spent on the content, or NULL."),
    argument(
        name = "as_of",
        description = "A constant timestamp or date the score is computed at."
    ),
    argument(
        name = "weights_json",
        description = r#"Optional constant JSON: `{"events": {"booking": {"weight": 20, "cap": 40}}, "half_life_days": 14}`. Keys: events (merged into the defaults), dwell_points_per_minute, dwell_cap_s, half_life_days, saturation."#
    )
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct LeadScore {
    signature: Signature,
}

impl Default for LeadScore {
    fn default() -> Self {
        Self::new()
    }
}

impl LeadScore {
    pub fn new() -> Self {
        Self {
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

fn scorer_of(args: &AccumulatorArgs) -> Result<LeadScorer> {
    let as_of = constant_instant(NAME, "as_of", args, 3)?;
    let rules = match constant_text(NAME, "weights_json", args, 4)? {
        Some(json) => {
            LeadScoreRules::from_json(&json).or_else(|e| plan_err!("{NAME}: argument 'weights_json': {e}"))?
        }
        None => LeadScoreRules::default(),
    };
    Ok(LeadScorer::new(&rules, as_of))
}

/// Adds each row's points to its group's per-type sums (`types` a group).
fn fold_rows(
    scorer: &LeadScorer,
    values: &[ArrayRef],
    filter: Option<&BooleanArray>,
    group_of: impl Fn(usize) -> usize,
    sums: &mut [f64],
) {
    let types = scorer.types();
    let event_types = values[0].as_string_view();
    let (times, time_nulls) = event_times(&values[1]);
    let (dwells, dwell_nulls) = number_values(&values[2]);
    for row in 0..event_types.len() {
        if !passes(filter, row) || event_types.is_null(row) || time_nulls.is_some_and(|n| n.is_null(row)) {
            continue;
        }
        let Some(slot) = scorer.slot(event_types.value(row)) else {
            continue;
        };
        let dwell = (!dwell_nulls.is_some_and(|n| n.is_null(row))).then(|| dwells[row]);
        if let Some(points) = scorer.points(slot, times[row], dwell) {
            sums[group_of(row) * types + slot] += points;
        }
    }
}

fn scores(scorer: &LeadScorer, sums: &[f64]) -> ArrayRef {
    let types = scorer.types().max(1);
    Arc::new(Float64Array::from_iter_values(
        sums.chunks(types).map(|group| scorer.score(group)),
    ))
}

fn state_list(types: usize, sums: Vec<f64>) -> ArrayRef {
    let groups = if types == 0 { 0 } else { sums.len() / types };
    Arc::new(ListArray::new(
        Arc::new(Field::new_list_field(DataType::Float64, false)),
        OffsetBuffer::from_lengths(std::iter::repeat_n(types, groups)),
        Arc::new(Float64Array::from(sums)),
        None,
    ))
}

fn for_each_state(states: &[ArrayRef], types: usize, mut merge: impl FnMut(usize, &[f64])) -> Result<()> {
    expect_state_columns(NAME, states, 1)?;
    let lists = states[0].as_list::<i32>();
    let values = lists.values().as_primitive::<Float64Type>().values();
    for row in 0..lists.len() {
        let start = lists.value_offsets()[row] as usize;
        let end = lists.value_offsets()[row + 1] as usize;
        if end - start == types {
            merge(row, &values[start..end]);
        }
    }
    Ok(())
}

impl AggregateUDFImpl for LeadScore {
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
        Ok(DataType::Float64)
    }

    fn is_nullable(&self) -> bool {
        false
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(vec![Arc::new(Field::new_list(
            format_state_name(args.name, "points"),
            Field::new_list_field(DataType::Float64, false),
            true,
        ))])
    }

    fn accumulator(&self, acc_args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        let scorer = scorer_of(&acc_args)?;
        let sums = vec![0.0; scorer.types()];
        Ok(Box::new(ScoreAccumulator { scorer, sums }))
    }

    fn groups_accumulator_supported(&self, _args: AccumulatorArgs) -> bool {
        true
    }

    fn create_groups_accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn GroupsAccumulator>> {
        Ok(Box::new(ScoreGroups {
            scorer: scorer_of(&args)?,
            sums: Vec::new(),
        }))
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}

#[derive(Debug)]
struct ScoreAccumulator {
    scorer: LeadScorer,
    sums: Vec<f64>,
}

impl Accumulator for ScoreAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        fold_rows(&self.scorer, values, None, |_| 0, &mut self.sums);
        Ok(())
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let sums = &mut self.sums;
        for_each_state(states, sums.len(), |_, other| {
            sums.iter_mut().zip(other).for_each(|(s, o)| *s += o)
        })
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        Ok(vec![ScalarValue::try_from_array(
            &state_list(self.sums.len(), self.sums.clone()),
            0,
        )?])
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        Ok(ScalarValue::Float64(Some(self.scorer.score(&self.sums))))
    }

    fn size(&self) -> usize {
        size_of::<Self>() + self.sums.capacity() * size_of::<f64>()
    }
}

/// One flat vector of per-type sums, `types` entries a group.
#[derive(Debug)]
struct ScoreGroups {
    scorer: LeadScorer,
    sums: Vec<f64>,
}

impl ScoreGroups {
    fn take(&mut self, emit_to: EmitTo) -> Vec<f64> {
        let types = self.scorer.types();
        match emit_to {
            EmitTo::All => std::mem::take(&mut self.sums),
            EmitTo::First(n) => {
                let rest = self.sums.split_off(n * types);
                std::mem::replace(&mut self.sums, rest)
            }
        }
    }
}

impl GroupsAccumulator for ScoreGroups {
    fn update_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        opt_filter: Option<&BooleanArray>,
        total_num_groups: usize,
    ) -> Result<()> {
        self.sums.resize(total_num_groups * self.scorer.types(), 0.0);
        fold_rows(
            &self.scorer,
            values,
            opt_filter,
            |row| group_indices[row],
            &mut self.sums,
        );
        Ok(())
    }

    fn merge_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        total_num_groups: usize,
    ) -> Result<()> {
        let types = self.scorer.types();
        self.sums.resize(total_num_groups * types, 0.0);
        let sums = &mut self.sums;
        for_each_state(values, types, |row, other| {
            let group = group_indices[row];
            sums[group * types..(group + 1) * types]
                .iter_mut()
                .zip(other)
                .for_each(|(s, o)| *s += o)
        })
    }

    fn evaluate(&mut self, emit_to: EmitTo) -> Result<ArrayRef> {
        let sums = self.take(emit_to);
        Ok(scores(&self.scorer, &sums))
    }

    fn state(&mut self, emit_to: EmitTo) -> Result<Vec<ArrayRef>> {
        let sums = self.take(emit_to);
        Ok(vec![state_list(self.scorer.types(), sums)])
    }

    fn convert_to_state(
        &self,
        values: &[ArrayRef],
        opt_filter: Option<&BooleanArray>,
    ) -> Result<Vec<ArrayRef>> {
        let mut sums = vec![0.0; values[0].len() * self.scorer.types()];
        fold_rows(&self.scorer, values, opt_filter, |row| row, &mut sums);
        Ok(vec![state_list(self.scorer.types(), sums)])
    }

    fn size(&self) -> usize {
        size_of::<Self>() + self.sums.capacity() * size_of::<f64>()
    }
}
