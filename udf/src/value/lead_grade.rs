use datafusion::arrow::datatypes::DataType;
use datafusion::common::{Result, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};
use datafusion_macros::user_doc;

use cdpfusion_core::value::grade::ScoreThresholds;

use super::grading::{grade_rows, thresholds_json};
use crate::arguments::{ArgumentKind, Parameters, optional, required};

const NAME: &str = "lead_grade";

const PARAMETERS: Parameters = Parameters::List(&[
    required("score", ArgumentKind::Number),
    optional("status", ArgumentKind::Utf8),
    optional("thresholds_json", ArgumentKind::Text),
]);

#[user_doc(
    doc_section(label = "cdpfusion Value Functions"),
    description = "The dealer grade of a lead from its score (0..100, as `lead_score` gives): H (score >= 80), A (>= 60), B (>= 40), C (below). The optional status says what the caller knows: 'ordered' gives O, 'lost' gives F (战败), 'new' gives N; 'open' or NULL grades by the score, and a NULL score is N (not yet graded). A score outside 0..100 is an error.",
    syntax_example = "lead_grade(score [, status [, thresholds_json]])",
    sql_example = r#"```sql
> SELECT lead_grade(85) AS hot, lead_grade(59.9) AS b, lead_grade(NULL) AS new, lead_grade(85, 'ordered') AS ordered,
         lead_grade(85, NULL, '{"H": 90, "A": 70, "B": 50}') AS strict;
+-----+---+-----+---------+--------+
| hot | b | new | ordered | strict |
+-----+---+-----+---------+--------+
| H   | B | N   | O       | A      |
+-----+---+-----+---------+--------+
```"#,
    argument(name = "score", description = "The lead's score, 0..100."),
    argument(
        name = "status",
        description = "Optional: 'open' (or NULL), 'new', 'ordered' or 'lost'."
    ),
    argument(
        name = "thresholds_json",
        description = r#"Optional constant: the lowest score of each grade, `{"H": 80, "A": 60, "B": 40}` by default."#
    )
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct LeadGrade {
    signature: Signature,
}

impl Default for LeadGrade {
    fn default() -> Self {
        Self::new()
    }
}

impl LeadGrade {
    pub fn new() -> Self {
        Self {
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for LeadGrade {
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
            Some(json) => ScoreThresholds::from_json(&json)
                .or_else(|e| plan_err!("{NAME}: argument 'thresholds_json': {e}"))?,
            None => ScoreThresholds::default(),
        };
        grade_rows(
            NAME,
            "score",
            &args,
            |score| (0.0..=100.0).contains(&score),
            "between 0 and 100",
            |score| thresholds.grade(score),
        )
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}
