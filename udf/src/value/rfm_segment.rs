use std::sync::Arc;

use datafusion::arrow::array::{Array, AsArray, StringBuilder};
use datafusion::arrow::datatypes::{DataType, Int64Type};
use datafusion::common::{Result, exec_err};
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};
use datafusion_macros::user_doc;

use crate::arguments::{ArgumentKind, Parameters, required, same_shape};

use cdpfusion_core::value::rfm::rfm_segment;

const NAME: &str = "rfm_segment";
const ARGUMENTS: [&str; 3] = ["r_score", "f_score", "m_score"];

const PARAMETERS: Parameters = Parameters::List(&[
    required("r_score", ArgumentKind::Integer),
    required("f_score", ArgumentKind::Integer),
    required("m_score", ArgumentKind::Integer),
]);

#[user_doc(
    doc_section(label = "cdpfusion Value Functions"),
    description = "The standard RFM segment of 1..5 scores: Champions, Loyal Customers, Potential Loyalists, New Customers, Promising, Need Attention, About to Sleep, At Risk, Can't Lose Them, Hibernating or Lost. The segment is looked up by the R score and the mean of the F and M scores rounded half up (the table is in docs/value.md). NULL when a score is NULL; a score outside 1..5 is an error.",
    syntax_example = "rfm_segment(r_score, f_score, m_score)",
    sql_example = r#"```sql
> SELECT rfm_segment(5, 5, 4) AS best, rfm_segment(1, 5, 5) AS slipping, rfm_segment(1, 1, 2) AS gone;
+-----------+-----------------+------+
| best      | slipping        | gone |
+-----------+-----------------+------+
| Champions | Can't Lose Them | Lost |
+-----------+-----------------+------+
```"#,
    argument(
        name = "r_score",
        description = "Recency score 1..5, 5 the most recent (`NTILE(5) OVER (ORDER BY recency_days DESC)`)."
    ),
    argument(
        name = "f_score",
        description = "Frequency score 1..5 (`NTILE(5) OVER (ORDER BY frequency)`)."
    ),
    argument(
        name = "m_score",
        description = "Monetary score 1..5 (`NTILE(5) OVER (ORDER BY monetary)`)."
    )
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct RfmSegment {
    signature: Signature,
}

impl Default for RfmSegment {
    fn default() -> Self {
        Self::new()
    }
}

impl RfmSegment {
    pub fn new() -> Self {
        Self {
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for RfmSegment {
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
        let rows = args.number_rows;
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let scores: Vec<_> = arrays.iter().map(|a| a.as_primitive::<Int64Type>()).collect();
        let mut out = StringBuilder::with_capacity(rows, rows * 12);
        for row in 0..rows {
            if scores.iter().any(|s| s.is_null(row)) {
                out.append_null();
                continue;
            }
            let [r, f, m] = [0, 1, 2].map(|k| scores[k].value(row));
            match rfm_segment(r, f, m) {
                Some(segment) => out.append_value(segment),
                None => {
                    let (name, value) = ARGUMENTS
                        .iter()
                        .zip([r, f, m])
                        .find(|(_, v)| !(1..=5).contains(v))
                        .unwrap();
                    return exec_err!(
                        "{NAME}: argument '{name}' must be a score between 1 and 5, got {value}"
                    );
                }
            }
        }
        same_shape(&args.args, Arc::new(out.finish()))
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}
