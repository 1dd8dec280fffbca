use datafusion::arrow::datatypes::DataType;
use datafusion::common::{Result, exec_err};
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};
use datafusion_macros::user_doc;

use cdpfusion_core::identity::phone::{self, Region};

use crate::arguments::{ArgumentKind, Parameters, constant_string, optional, required};
use crate::string_kernel::map_strings;

const PARAMETERS: Parameters = Parameters::List(&[
    required("phone", ArgumentKind::TextOrInteger),
    optional("region", ArgumentKind::Text),
]);

#[user_doc(
    doc_section(label = "cdpfusion Identity Functions"),
    description = "Normalises a phone number to E.164 (`+8613800138000`), or NULL when it is not a valid personal number. Accepts spaces, dashes, dots, parentheses, full-width digits, `+86`/`0086`/`86` prefixes and a trunk `0`; landlines need their area code; service numbers (400, 95xxx) and extensions are NULL. Integer arguments are read as their digits.",
    syntax_example = "normalize_phone(phone [, region])",
    sql_example = r#"```sql
> SELECT normalize_phone('+86 138-0013-8000') AS mobile, normalize_phone('(0755) 8765 4321') AS landline, normalize_phone('9123 4567', 'HK') AS hk, normalize_phone('400-820-8820') AS service;
+----------------+----------------+--------------+---------+
| mobile         | landline       | hk           | service |
+----------------+----------------+--------------+---------+
| +8613800138000 | +8675587654321 | +85291234567 | NULL    |
+----------------+----------------+--------------+---------+
```"#,
    argument(name = "phone", description = "The number as typed: a string or an integer."),
    argument(
        name = "region",
        description = "Constant ISO 3166 code of the numbering plan for numbers without a country code: 'CN' (default), 'HK' or 'MO'."
    )
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct NormalizePhone {
    signature: Signature,
}

impl Default for NormalizePhone {
    fn default() -> Self {
        Self::new()
    }
}

impl NormalizePhone {
    pub fn new() -> Self {
        Self {
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for NormalizePhone {
    fn name(&self) -> &str {
        "normalize_phone"
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
        let region = match args.args.get(1) {
            None => Region::Cn,
            Some(value) => match constant_string(self.name(), "region", value)? {
                None => Region::Cn,
                Some(code) => match Region::parse(&code) {
                    Some(region) => region,
                    None => {
                        return exec_err!(
                            "normalize_phone: argument 'region' must be one of {}, got '{code}'",
                            phone::SUPPORTED_REGIONS.join(", ")
                        );
                    }
                },
            },
        };
        map_strings(
            self.name(),
            &args.args[0],
            |text, out| match phone::normalize_phone(text, region) {
                Some(number) => {
                    out.clear();
                    out.push_str(number.as_str());
                    true
                }
                None => false,
            },
        )
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}
