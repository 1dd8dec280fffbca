use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::common::utils::take_function_args;
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};
use datafusion_macros::user_doc;

use cdpfusion_core::identity::email::normalize_email_into;

use crate::arguments::{ArgumentKind, Parameters, required};
use crate::string_kernel::map_strings;

const PARAMETERS: Parameters = Parameters::List(&[required("email", ArgumentKind::Text)]);

#[user_doc(
    doc_section(label = "cdpfusion Identity Functions"),
    description = "Normalises an email address: trims white space, folds full-width characters (`＠`) and lower-cases it; NULL when it is not a valid address (no single `@`, a domain without a dot, inner white space, ...).",
    syntax_example = "normalize_email(email)",
    sql_example = r#"```sql
> SELECT normalize_email('  Zhang.Wei@QQ.com ') AS ok, normalize_email('wang＠sina.com') AS full_width, normalize_email('zhang@qq') AS bad;
+------------------+---------------+------+
| ok               | full_width    | bad  |
+------------------+---------------+------+
| zhang.wei@qq.com | wang@sina.com | NULL |
+------------------+---------------+------+
```"#,
    argument(name = "email", description = "The address as typed.")
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct NormalizeEmail {
    signature: Signature,
}

impl Default for NormalizeEmail {
    fn default() -> Self {
        Self::new()
    }
}

impl NormalizeEmail {
    pub fn new() -> Self {
        Self {
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for NormalizeEmail {
    fn name(&self) -> &str {
        "normalize_email"
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
        let [email] = take_function_args(self.name(), &args.args)?;
        map_strings(self.name(), email, normalize_email_into)
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}
