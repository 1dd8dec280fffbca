use datafusion::arrow::datatypes::{DataType, Int64Type};
use datafusion::common::Result;
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};
use datafusion_macros::user_doc;

use cdpfusion_core::matching::similarity::damerau_levenshtein;

use crate::arguments::{ArgumentKind, Parameters, required};
use crate::string_kernel::map_string_pairs;

const NAME: &str = "damerau_levenshtein";
const PARAMETERS: Parameters = Parameters::List(&[
    required("a", ArgumentKind::Utf8),
    required("b", ArgumentKind::Utf8),
]);

#[user_doc(
    doc_section(label = "cdpfusion Matching Functions"),
    description = "The Damerau–Levenshtein distance of two strings: the fewest insertions, deletions, substitutions and swaps of two adjacent characters that turn one into the other, by characters (a Chinese character counts one). NULL when either is NULL. As `damerau_levenshtein` in DuckDB and `damerauLevenshteinDistance` in ClickHouse.",
    syntax_example = "damerau_levenshtein(a, b)",
    sql_example = r#"```sql
> SELECT damerau_levenshtein('19560909', '19569009') AS swap, damerau_levenshtein('张伟', '章伟') AS homophone, damerau_levenshtein('kitten', 'sitting') AS three;
+------+-----------+-------+
| swap | homophone | three |
+------+-----------+-------+
| 1    | 1         | 3     |
+------+-----------+-------+
```"#,
    argument(name = "a", description = "A string."),
    argument(name = "b", description = "The string to compare it with.")
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct DamerauLevenshtein {
    signature: Signature,
}

impl Default for DamerauLevenshtein {
    fn default() -> Self {
        Self::new()
    }
}

impl DamerauLevenshtein {
    pub fn new() -> Self {
        Self {
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for DamerauLevenshtein {
    fn name(&self) -> &str {
        NAME
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Int64)
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        PARAMETERS.coerce(NAME, arg_types)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        map_string_pairs::<Int64Type>(&args.args, args.number_rows, |a, b| {
            damerau_levenshtein(a, b) as i64
        })
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}
