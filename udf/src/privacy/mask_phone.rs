use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::common::utils::take_function_args;
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};
use datafusion_macros::user_doc;

use cdpfusion_core::identity::phone::{Region, normalize_phone};
use cdpfusion_core::privacy::mask::mask_phone_into;

use crate::arguments::{ArgumentKind, Parameters, required};
use crate::string_kernel::map_strings;

const PARAMETERS: Parameters = Parameters::List(&[required("phone", ArgumentKind::TextOrInteger)]);

#[user_doc(
    doc_section(label = "cdpfusion Privacy Functions"),
    description = "Normalises a phone number like `normalize_phone` (region CN) and hides the middle of its national number: the first 3 and last 4 digits stay visible. NULL when the number is not valid, so raw input never leaks through.",
    syntax_example = "mask_phone(phone)",
    sql_example = r#"```sql
> SELECT mask_phone('138-0013-8000') AS mobile, mask_phone('010-62345678') AS landline, mask_phone('12345') AS bad;
+----------------+---------------+------+
| mobile         | landline      | bad  |
+----------------+---------------+------+
| +86138****8000 | +86106***5678 | NULL |
+----------------+---------------+------+
```"#,
    argument(name = "phone", description = "The number as typed: a string or an integer.")
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct MaskPhone {
    signature: Signature,
}

impl Default for MaskPhone {
    fn default() -> Self {
        Self::new()
    }
}

impl MaskPhone {
    pub fn new() -> Self {
        Self {
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for MaskPhone {
    fn name(&self) -> &str {
        "mask_phone"
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
        let [phone] = take_function_args(self.name(), &args.args)?;
        map_strings(self.name(), phone, |text, out| {
            match normalize_phone(text, Region::Cn) {
                Some(number) => {
                    mask_phone_into(&number, out);
                    true
                }
                None => false,
            }
        })
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}
