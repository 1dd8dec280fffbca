use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Int64Array, StringArray, UInt32Array,
};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Int64Type, UInt32Type};
use datafusion::common::{Result, plan_err};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::utils::format_state_name;
use datafusion::logical_expr::{
    Accumulator, AggregateUDFImpl, Documentation, GroupsAccumulator, Signature, Volatility,
};
use datafusion_macros::user_doc;

use cdpfusion_core::journey::lifecycle::{LifecycleClock, LifecycleRules, LifecycleState, MilestoneLookup};

use crate::arguments::{
    ArgumentKind, Parameters, constant_instant, constant_text, event_times, expect_state_columns, optional,
    passes, required,
};
use crate::fold_accumulator::{FoldAccumulator, FoldGroups, GroupFold};

const NAME: &str = "lifecycle_stage";

const PARAMETERS: Parameters = Parameters::List(&[
    required("event_type", ArgumentKind::EventName),
    required("ts", ArgumentKind::Timestamp),
    required("as_of", ArgumentKind::Instant),
    optional("rules_json", ArgumentKind::Text),
]);

#[user_doc(
    doc_section(label = "cdpfusion Journey Functions"),
    description = "The lifecycle stage of one group (a person) as of a moment, from their events: `anonymous`, `lead`, `prospect`, `customer`, `owner`, `loyal`, `at_risk`, `churned` or `replacement`. The first rule that applies wins, in this order: customer (ordered, not delivered since); replacement (newest car delivered 1095+ days ago and any event in the last 90 days); churned (no service visit, or delivery, for 365+ days); at_risk (for 270+ days); loyal (2+ service visits in the last 548 days); owner (delivered); prospect (store visit or test drive in the last 180 days); lead (left contact details in the last 365 days); anonymous. Events after `as_of`, and rows with a NULL time or event type, are skipped. The thresholds and the event names are rules (see docs/journey.md).",
    syntax_example = "lifecycle_stage(event_type, ts, as_of [, rules_json])",
    sql_example = r#"```sql
> SELECT person, lifecycle_stage(event, ts, TIMESTAMP '2026-06-30 00:00:00') AS stage
  FROM (VALUES (1, 'leave_info', TIMESTAMP '2026-05-01 10:00:00'),
               (2, 'delivery', TIMESTAMP '2024-01-10 10:00:00'), (2, 'service', TIMESTAMP '2025-02-01 09:00:00'),
               (3, 'delivery', TIMESTAMP '2025-03-01 10:00:00'), (3, 'service', TIMESTAMP '2025-09-01 10:00:00'),
               (3, 'service', TIMESTAMP '2026-03-01 10:00:00')) AS e(person, event, ts)
  GROUP BY person ORDER BY person;
+--------+---------+
| person | stage   |
+--------+---------+
| 1      | lead    |
| 2      | churned |
| 3      | loyal   |
+--------+---------+
```"#,
    argument(
        name = "event_type",
        description = "The event's name. The default vocabulary: leave_info (lead), store_visit and test_drive (visit), order, delivery, service; other names only show activity. `rules_json` maps other names."
    ),
    argument(
        name = "ts",
        description = "The event time: a timestamp (any unit or time zone) or a date."
    ),
    argument(
        name = "as_of",
        description = "A constant timestamp or date the stage is computed at, e.g. `now()` or `TIMESTAMP '2026-06-30 23:59:59+08:00'`. Times without a zone are read as UTC."
    ),
    argument(
        name = "rules_json",
        description = r#"Optional constant JSON overriding defaults: `{"events": {"maintenance": "service"}, "churned_days": 400}`. Keys: events, lead_days, prospect_days, loyal_service_visits, loyal_window_days, at_risk_days, churned_days, replacement_car_age_days, replacement_active_days."#
    )
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct LifecycleStage {
    signature: Signature,
}

impl Default for LifecycleStage {
    fn default() -> Self {
        Self::new()
    }
}

impl LifecycleStage {
    pub fn new() -> Self {
        Self {
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

/// The rules and `as_of` of one call.
#[derive(Debug, Clone)]
struct StageSpec {
    clock: LifecycleClock,
    lookup: MilestoneLookup,
}

impl StageSpec {
    fn of(args: &AccumulatorArgs) -> Result<Self> {
        let as_of = constant_instant(NAME, "as_of", args, 2)?;
        let rules = match constant_text(NAME, "rules_json", args, 3)? {
            Some(json) => LifecycleRules::from_json(&json)
                .or_else(|e| plan_err!("{NAME}: argument 'rules_json': {e}"))?,
            None => LifecycleRules::default(),
        };
        Ok(Self {
            clock: LifecycleClock::new(&rules, as_of),
            lookup: MilestoneLookup::new(&rules),
        })
    }
}

const STATE_FIELDS: [&str; 7] = [
    "lead",
    "visit",
    "order",
    "delivery",
    "service",
    "activity",
    "recent_services",
];

impl GroupFold for StageSpec {
    type State = LifecycleState;

    fn fold(
        &self,
        values: &[ArrayRef],
        filter: Option<&BooleanArray>,
        states: &mut [LifecycleState],
        group_of: impl Fn(usize) -> usize,
    ) {
        let (times, time_nulls) = event_times(&values[1]);
        let event_types = values[0].as_string_view();
        for row in 0..event_types.len() {
            if !passes(filter, row) || event_types.is_null(row) || time_nulls.is_some_and(|n| n.is_null(row))
            {
                continue;
            }
            let milestone = self.lookup.milestone(event_types.value(row));
            self.clock.add(&mut states[group_of(row)], milestone, times[row]);
        }
    }

    fn merge(&self, state: &mut LifecycleState, other: &LifecycleState) {
        LifecycleClock::merge(state, other);
    }

    fn state_arrays(&self, states: &[LifecycleState]) -> Vec<ArrayRef> {
        let column = |f: fn(&LifecycleState) -> i64| -> ArrayRef {
            Arc::new(Int64Array::from_iter_values(states.iter().map(f)))
        };
        vec![
            column(|s| s.lead),
            column(|s| s.visit),
            column(|s| s.order),
            column(|s| s.delivery),
            column(|s| s.service),
            column(|s| s.activity),
            Arc::new(UInt32Array::from_iter_values(
                states.iter().map(|s| s.recent_services),
            )),
        ]
    }

    fn read_states(&self, columns: &[ArrayRef], mut each: impl FnMut(usize, &LifecycleState)) -> Result<()> {
        expect_state_columns(NAME, columns, STATE_FIELDS.len())?;
        let times: Vec<&[i64]> = columns[..6]
            .iter()
            .map(|a| a.as_primitive::<Int64Type>().values().as_ref())
            .collect();
        let recent = columns[6].as_primitive::<UInt32Type>().values();
        for row in 0..columns[0].len() {
            each(
                row,
                &LifecycleState {
                    lead: times[0][row],
                    visit: times[1][row],
                    order: times[2][row],
                    delivery: times[3][row],
                    service: times[4][row],
                    activity: times[5][row],
                    recent_services: recent[row],
                },
            );
        }
        Ok(())
    }

    fn evaluate(&self, states: &[LifecycleState]) -> Result<ArrayRef> {
        Ok(Arc::new(StringArray::from_iter_values(
            states.iter().map(|s| self.clock.stage(s).as_str()),
        )))
    }
}

impl AggregateUDFImpl for LifecycleStage {
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
        Ok(DataType::Utf8)
    }

    fn is_nullable(&self) -> bool {
        false
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(STATE_FIELDS
            .iter()
            .map(|field| {
                let data_type = if *field == "recent_services" {
                    DataType::UInt32
                } else {
                    DataType::Int64
                };
                Arc::new(Field::new(format_state_name(args.name, field), data_type, true))
            })
            .collect())
    }

    fn accumulator(&self, acc_args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(FoldAccumulator::new(StageSpec::of(&acc_args)?)))
    }

    fn groups_accumulator_supported(&self, _args: AccumulatorArgs) -> bool {
        true
    }

    fn create_groups_accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn GroupsAccumulator>> {
        Ok(Box::new(FoldGroups::new(StageSpec::of(&args)?)))
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}
