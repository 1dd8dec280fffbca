use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::common::utils::take_function_args;
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};
use datafusion_macros::user_doc;

use cdpfusion_core::matching::names::normalize_name_into;

use crate::arguments::{ArgumentKind, Parameters, required};
use crate::string_kernel::map_strings;

const PARAMETERS: Parameters = Parameters::List(&[required("name", ArgumentKind::Text)]);

#[user_doc(
    doc_section(label = "cdpfusion Matching Functions"),
    description = "The normal form of a personal name, as `match_records` compares names: white space trimmed and collapsed, full-width letters folded, lower case, separators (the middle dot of transliterated names, hyphens, dots, commas) as single spaces, and no space between Chinese characters. NULL when nothing is left.",
    syntax_example = "normalize_name(name)",
    sql_example = r#"```sql
> SELECT normalize_name('  Zhang   WEI ') AS latin, normalize_name('Ｚｈａｎｇ　Ｗｅｉ') AS full_width, normalize_name('张 伟') AS chinese, normalize_name(' · ') AS empty;
+-----------+------------+---------+-------+
| latin     | full_width | chinese | empty |
+-----------+------------+---------+-------+
| zhang wei | zhang wei  | 张伟    | NULL  |
+-----------+------------+---------+-------+
```"#,
    argument(name = "name", description = "A personal name as typed.")
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct NormalizeName {
    signature: Signature,
}

impl Default for NormalizeName {
    fn default() -> Self {
        Self::new()
    }
}

impl NormalizeName {
    pub fn new() -> Self {
        Self {
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for NormalizeName {
    fn name(&self) -> &str {
        "normalize_name"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        PARAMETERS.coerce(self.name(), arg_types)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let [name] = take_function_args(self.name(), &args.args)?;
        map_strings(self.name(), name, |name, out| {
            normalize_name_into(name, out);
            !out.is_empty()
        })
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}
