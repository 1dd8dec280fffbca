use datafusion::arrow::datatypes::DataType;
use datafusion::common::{Result, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};
use datafusion_macros::user_doc;

use cdpfusion_core::value::grade::DayThresholds;

use super::grading::{grade_rows, thresholds_json};
use crate::arguments::{ArgumentKind, Parameters, optional, required};

const NAME: &str = "lead_grade_by_days";

const PARAMETERS: Parameters = Parameters::List(&[
    required("expected_days", ArgumentKind::Number),
    optional("status", ArgumentKind::Utf8),
    optional("thresholds_json", ArgumentKind::Text),
]);

#[user_doc(
    doc_section(label = "cdpfusion Value Functions"),
    description = "The dealer grade of a lead from the days until its expected purchase (as the salesperson judges it): H (within 7 days), A (15), B (30), C (later). The optional status says what the caller knows: 'ordered' gives O, 'lost' gives F (战败), 'new' gives N; 'open' or NULL grades by the days, and NULL days is N (not yet graded). Negative days are an error.",
    syntax_example = "lead_grade_by_days(expected_days [, status [, thresholds_json]])",
    sql_example = r#"```sql
> SELECT lead_grade_by_days(7) AS h, lead_grade_by_days(8) AS a, lead_grade_by_days(30) AS b, lead_grade_by_days(31) AS c,
         lead_grade_by_days(3, 'lost') AS lost;
+---+---+---+---+------+
| h | a | b | c | lost |
+---+---+---+---+------+
| H | A | B | C | F    |
+---+---+---+---+------+
```"#,
    argument(
        name = "expected_days",
        description = "Days until the expected purchase, 0 or more."
    ),
    argument(
        name = "status",
        description = "Optional: 'open' (or NULL), 'new', 'ordered' or 'lost'."
    ),
    argument(
        name = "thresholds_json",
        description = r#"Optional constant: the most days of each grade, `{"H": 7, "A": 15, "B": 30}` by default."#
    )
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct LeadGradeByDays {
    signature: Signature,
}

impl Default for LeadGradeByDays {
    fn default() -> Self {
        Self::new()
    }
}

impl LeadGradeByDays {
    pub fn new() -> Self {
        Self {
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for LeadGradeByDays {
    fn name(&self) -> &str {
        NAME
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        PARAMETERS.coerce(NAME, arg_types)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let thresholds = match thresholds_json(NAME, &args)? {
            Some(json) => DayThresholds::from_json(&json)
                .or_else(|e| plan_err!("{NAME}: argument 'thresholds_json': {e}"))?,
            None => DayThresholds::default(),
        };
        grade_rows(
            NAME,
            "expected_days",
            &args,
            |days| days >= 0.0,
            "0 or more",
            |days| thresholds.grade(days),
        )
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}
