use std::sync::Arc;

use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{DataFusionError, Result, ScalarValue, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};
use datafusion_macros::user_doc;

use crate::arguments::same_shape;

use super::stored_model::stored_model;

const NAME: &str = "predict";

#[user_doc(
    doc_section(label = "cdpfusion Model Functions"),
    description = "A model's prediction (`CREATE MODEL`) as a scalar: the features are given in training order (as `models()` lists them). The probability of the positive class for a classifier, the value for a regression, the cluster number (as a DOUBLE) for k-means. `model_predict` does the same for a whole query, finding the features by name. See docs/models.md.",
    syntax_example = "predict(model, feature1 [, feature2, ...])",
    sql_example = r#"```sql
> SELECT round(predict('doc_example_model', 2.0), 3) AS prediction;
+------------+
| prediction |
+------------+
| 5.0        |
+------------+
```"#,
    argument(name = "model", description = "The model's name, a constant string."),
    argument(
        name = "feature1, ...",
        description = "The features, in the order the model was trained on them."
    )
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Predict {
    signature: Signature,
}

impl Predict {
    pub fn new() -> Self {
        // Volatile: CREATE OR REPLACE MODEL changes what it returns.
        Self {
            signature: Signature::user_defined(Volatility::Volatile),
        }
    }
}

impl Default for Predict {
    fn default() -> Self {
        Self::new()
    }
}

impl ScalarUDFImpl for Predict {
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
        if arg_types.len() < 2 {
            return plan_err!(
                "{NAME}: expected a model name and at least one feature, got {} arguments",
                arg_types.len()
            );
        }
        match &arg_types[0] {
            t if t.is_string() || *t == DataType::Null => {
                let mut types = vec![DataType::Utf8];
                types.extend(arg_types[1..].iter().cloned());
                Ok(types)
            }
            t => plan_err!("{NAME}: argument 'model' must be a string, got {t}"),
        }
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let model_name = match &args.args[0] {
            ColumnarValue::Scalar(ScalarValue::Utf8(Some(name))) => name.clone(),
            _ => return plan_err!("{NAME}: argument 'model' must be a constant string"),
        };
        let model = stored_model(NAME, &args.config_options, &model_name)?;
        let error = |e: String| DataFusionError::Execution(format!("{NAME}: model '{model_name}': {e}"));
        let features: Vec<&str> = model.features().map(|(f, _)| f).collect();
        if features.len() != args.args.len() - 1 {
            return Err(error(format!(
                "takes {} features in this order: {}; got {}",
                features.len(),
                features.join(", "),
                args.args.len() - 1
            )));
        }
        let inputs = args.args[1..]
            .iter()
            .map(|a| a.to_array(args.number_rows))
            .collect::<Result<Vec<_>>>()?;
        let prediction = model
            .predict(args.number_rows, |name| {
                features
                    .iter()
                    .position(|f| *f == name)
                    .map(|i| inputs[i].clone())
            })
            .map_err(|e| error(e.to_string()))?;
        same_shape(&args.args, cast(&prediction, &DataType::Float64).map(Arc::from)?)
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}
