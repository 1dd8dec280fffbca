use datafusion::arrow::datatypes::{DataType, Float64Type};
use datafusion::common::Result;
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};
use datafusion_macros::user_doc;

use cdpfusion_core::matching::similarity::jaro_winkler;

use crate::arguments::{ArgumentKind, Parameters, required};
use crate::string_kernel::map_string_pairs;

const NAME: &str = "jaro_winkler";
const PARAMETERS: Parameters = Parameters::List(&[
    required("a", ArgumentKind::Utf8),
    required("b", ArgumentKind::Utf8),
]);

#[user_doc(
    doc_section(label = "cdpfusion Matching Functions"),
    description = "The Jaro–Winkler similarity of two strings, from 0 (nothing in common) to 1 (equal), by characters, with a bonus for a common prefix of up to four characters (scale 0.1): the measure `match_records` cuts name levels from. NULL when either is NULL; two empty strings are 1. As `jaro_winkler_similarity` in DuckDB and `jaroWinklerSimilarity` in ClickHouse.",
    syntax_example = "jaro_winkler(a, b)",
    sql_example = r#"```sql
> SELECT round(jaro_winkler('martha', 'marhta'), 4) AS swapped, jaro_winkler('wang', 'wang') AS equal, jaro_winkler('abc', 'xyz') AS unlike;
+---------+-------+--------+
| swapped | equal | unlike |
+---------+-------+--------+
| 0.9611  | 1.0   | 0.0    |
+---------+-------+--------+
```"#,
    argument(name = "a", description = "A string."),
    argument(name = "b", description = "The string to compare it with.")
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct JaroWinkler {
    signature: Signature,
}

impl Default for JaroWinkler {
    fn default() -> Self {
        Self::new()
    }
}

impl JaroWinkler {
    pub fn new() -> Self {
        Self {
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for JaroWinkler {
    fn name(&self) -> &str {
        NAME
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Float64)
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        PARAMETERS.coerce(NAME, arg_types)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        map_string_pairs::<Float64Type>(&args.args, args.number_rows, jaro_winkler)
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}
