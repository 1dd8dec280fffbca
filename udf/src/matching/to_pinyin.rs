use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::common::utils::take_function_args;
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};
use datafusion_macros::user_doc;

use cdpfusion_core::matching::names::to_pinyin_into;

use crate::arguments::{ArgumentKind, Parameters, required};
use crate::string_kernel::map_strings;

const PARAMETERS: Parameters = Parameters::List(&[required("text", ArgumentKind::Text)]);

#[user_doc(
    doc_section(label = "cdpfusion Matching Functions"),
    description = "Chinese characters in plain pinyin (no tones), one syllable per character separated by spaces, each character read in its most common reading (pinyin data of the `pinyin` crate); other text as `normalize_name` leaves it. Homophones meet (张伟 and 章伟 are both `zhang wei`), and so do romanised names. NULL when nothing is left.",
    syntax_example = "to_pinyin(text)",
    sql_example = r#"```sql
> SELECT to_pinyin('张伟') AS zhang, to_pinyin('章伟') AS homophone, to_pinyin('Zhang Wei') AS romanised, to_pinyin('李 小龙') AS three;
+-----------+-----------+-----------+--------------+
| zhang     | homophone | romanised | three        |
+-----------+-----------+-----------+--------------+
| zhang wei | zhang wei | zhang wei | li xiao long |
+-----------+-----------+-----------+--------------+
```"#,
    argument(name = "text", description = "Text with Chinese characters.")
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct ToPinyin {
    signature: Signature,
}

impl Default for ToPinyin {
    fn default() -> Self {
        Self::new()
    }
}

impl ToPinyin {
    pub fn new() -> Self {
        Self {
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for ToPinyin {
    fn name(&self) -> &str {
        "to_pinyin"
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
        let [text] = take_function_args(self.name(), &args.args)?;
        let mut scratch = String::new();
        map_strings(self.name(), text, |text, out| {
            to_pinyin_into(text, out, &mut scratch);
            !out.is_empty()
        })
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}
