use datafusion::arrow::array::{Array, ArrayRef, Float64Array};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{Result, exec_err};
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};
use datafusion_macros::user_doc;
use std::sync::Arc;

use cdpfusion_core::assignment::affinity::Affinity;
use cdpfusion_core::assignment::tags::{TagNumbers, TagVectors};

use crate::arguments::{ArgumentKind, Parameters, constant_string, optional, required, same_shape};

const NAME: &str = "tag_affinity";
const PARAMETERS: Parameters = Parameters::List(&[
    required("tags_a", ArgumentKind::Tags),
    required("tags_b", ArgumentKind::Tags),
    optional("kind", ArgumentKind::Utf8),
]);

#[user_doc(
    doc_section(label = "cdpfusion Assignment Functions"),
    description = "How well two sets of tags match, from 0 (nothing in common) to 1 (the same): `'cosine'` (the default) of the tag weights, or `'jaccard'`, the sum of the smaller weights over the sum of the larger (for lists: shared tags over all tags). Tags are a list of strings, each weighing 1 (a repeated tag counts once), or a map of tag to weight (repeats add up, NULL weights are skipped, a negative weight is an error). Tags are compared trimmed and with ASCII letters folded to lower case. NULL when either side is NULL; a side with no tags matches nothing (0). `assign_leads` scores pairs with the same measures, cosine weighting rare tags up (see docs/assignment.md).",
    syntax_example = "tag_affinity(tags_a, tags_b [, kind])",
    sql_example = r#"```sql
> SELECT round(tag_affinity(['SUV', 'ev', 'wechat'], ['suv', 'ev']), 4) AS cosine, tag_affinity(['suv', 'ev', 'wechat'], ['suv', 'ev', 'mpv'], 'jaccard') AS jaccard, tag_affinity(MAP {'suv': 3.0, 'ev': 1.0}, MAP {'suv': 1.0, 'ev': 1.0}, 'jaccard') AS weighted;
+--------+---------+----------+
| cosine | jaccard | weighted |
+--------+---------+----------+
| 0.8165 | 0.5     | 0.5      |
+--------+---------+----------+
```"#,
    argument(name = "tags_a", description = "A list of tags, or a map of tag to weight."),
    argument(
        name = "tags_b",
        description = "The tags to compare them with, in either form."
    ),
    argument(
        name = "kind",
        description = "`'cosine'` (the default) or `'jaccard'`, a constant."
    )
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct TagAffinity {
    signature: Signature,
}

impl Default for TagAffinity {
    fn default() -> Self {
        Self::new()
    }
}

impl TagAffinity {
    pub fn new() -> Self {
        Self {
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for TagAffinity {
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
        let kind = match args.args.get(2) {
            None => Affinity::Cosine,
            Some(value) => match constant_string(NAME, "kind", value)? {
                None => Affinity::Cosine,
                Some(name) => match Affinity::parse(&name) {
                    Ok(kind) => kind,
                    Err(e) => return exec_err!("{NAME}: argument 'kind': {e}"),
                },
            },
        };
        let rows = args.number_rows;
        let mut numbers = TagNumbers::default();
        let mut read = |index: usize, name: &str| -> Result<TagVectors> {
            let array: ArrayRef = args.args[index].to_array(rows)?;
            TagVectors::from_arrow(&array, &mut numbers)
                .or_else(|e| exec_err!("{NAME}: argument '{name}': {e}"))
        };
        let (a, b) = (read(0, "tags_a")?, read(1, "tags_b")?);
        let scores: Float64Array = (0..rows)
            .map(|row| (!a.is_null(row) && !b.is_null(row)).then(|| kind.of(a.row(row), b.row(row))))
            .collect();
        let scores: ArrayRef = Arc::new(scores);
        debug_assert_eq!(scores.len(), rows);
        same_shape(&args.args, scores)
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}
