use datafusion::arrow::datatypes::DataType;
use datafusion::common::utils::take_function_args;
use datafusion::common::{Result, exec_err};
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};
use datafusion_macros::user_doc;

use cdpfusion_core::privacy::pseudonymize::Pseudonymizer;

use crate::arguments::{ArgumentKind, Parameters, constant_string, required};
use crate::string_kernel::map_strings;

const PARAMETERS: Parameters = Parameters::List(&[
    required("value", ArgumentKind::TextOrInteger),
    required("key", ArgumentKind::Text),
]);

#[user_doc(
    doc_section(label = "cdpfusion Privacy Functions"),
    description = "Keyed pseudonym of an identifier: HMAC-SHA256 with `key`, as 64 lower-case hex digits. Equal values under one key give equal pseudonyms, so pseudonymised identifiers still merge in `resolve_identities`; without the key they cannot be reversed or recomputed. Normalise first (`pseudonymize(normalize_phone(phone), key)`) so that every spelling of a number gives one pseudonym. NULL in gives NULL out.",
    syntax_example = "pseudonymize(value, key)",
    sql_example = r#"```sql
> SELECT pseudonymize('what do ya want for nothing?', 'Jefe') AS rfc4231_case_2;
+------------------------------------------------------------------+
| rfc4231_case_2                                                   |
+------------------------------------------------------------------+
| 5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843 |
+------------------------------------------------------------------+
```"#,
    argument(name = "value", description = "The identifier: a string or an integer."),
    argument(
        name = "key",
        description = "The secret key: a constant, non-empty string. Keep it out of shared scripts."
    )
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Pseudonymize {
    signature: Signature,
}

impl Default for Pseudonymize {
    fn default() -> Self {
        Self::new()
    }
}

impl Pseudonymize {
    pub fn new() -> Self {
        Self {
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for Pseudonymize {
    fn name(&self) -> &str {
        "pseudonymize"
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
        let [value, key] = take_function_args(self.name(), &args.args)?;
        let Some(key) = constant_string(self.name(), "key", key)? else {
            return exec_err!("pseudonymize: argument 'key' must not be NULL");
        };
        let pseudonymizer = match Pseudonymizer::new(key.as_bytes()) {
            Ok(p) => p,
            Err(e) => return exec_err!("pseudonymize: argument 'key': {e}"),
        };
        map_strings(self.name(), value, |text, out| {
            pseudonymizer.pseudonymize_into(text.as_bytes(), out);
            true
        })
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}
