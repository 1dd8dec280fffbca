use std::sync::Arc;

use datafusion::arrow::array::{AsArray, BooleanArray};
use datafusion::arrow::datatypes::{DataType, Int64Type};
use datafusion::common::{Result, ScalarValue, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};
use datafusion_macros::user_doc;

use cdpfusion_core::segment::MemberLookup;

use crate::arguments::{ArgumentKind, Parameters, required, same_shape};
use crate::catalog_cache::CatalogCache;

const NAME: &str = "in_segment";

const PARAMETERS: Parameters = Parameters::List(&[
    required("name", ArgumentKind::Utf8),
    required("one_id", ArgumentKind::Integer),
]);

#[user_doc(
    doc_section(label = "cdpfusion Segment Functions"),
    description = "Whether `one_id` is a member of the segment as of its latest refresh, looked up in a hash set of its members: for filters and joins (`WHERE in_segment('vip', one_id)`). NULL when `one_id` is NULL; an unknown segment is an error.",
    syntax_example = "in_segment(name, one_id)",
    sql_example = r#"```sql
> SELECT one_id, in_segment('doc_example_vip', one_id) AS vip FROM (VALUES (1), (4)) AS t(one_id) ORDER BY one_id;
+--------+-------+
| one_id | vip   |
+--------+-------+
| 1      | true  |
| 4      | false |
+--------+-------+
```"#,
    argument(name = "name", description = "The segment's name: a constant string."),
    argument(name = "one_id", description = "The person's id, an integer.")
)]
#[derive(Debug)]
pub struct InSegment {
    signature: Signature,
    /// The members last read for each (catalog, segment), by the snapshot
    /// file they came from.
    cache: CatalogCache<MemberLookup>,
}

impl PartialEq for InSegment {
    fn eq(&self, other: &Self) -> bool {
        self.signature == other.signature
    }
}

impl Eq for InSegment {}

impl std::hash::Hash for InSegment {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.signature.hash(state);
    }
}

impl Default for InSegment {
    fn default() -> Self {
        Self::new()
    }
}

impl InSegment {
    pub fn new() -> Self {
        Self {
            // Volatile: membership changes with each refresh.
            signature: Signature::user_defined(Volatility::Volatile),
            cache: CatalogCache::default(),
        }
    }

    /// The segment's current members, read again only when its manifest
    /// names a new snapshot ([`CatalogCache`]).
    fn members(&self, args: &ScalarFunctionArgs, name: &str) -> Result<Arc<MemberLookup>> {
        self.cache
            .get(NAME, &args.config_options, name, |catalog, cached| async move {
                let manifest = catalog.manifest(name).await?;
                let file = manifest
                    .snapshots
                    .last()
                    .map(|s| s.file.clone())
                    .unwrap_or_default();
                let members = match cached {
                    Some((cached_file, members)) if cached_file == file && !file.is_empty() => members,
                    _ => Arc::new(MemberLookup::new(&catalog.current(name).await?)),
                };
                Ok((file, members))
            })
    }
}

impl ScalarUDFImpl for InSegment {
    fn name(&self) -> &str {
        NAME
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Boolean)
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        PARAMETERS.coerce(NAME, arg_types)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let name = match &args.args[0] {
            ColumnarValue::Scalar(ScalarValue::Utf8(Some(name))) => name.clone(),
            _ => return plan_err!("{NAME}: argument 'name' must be a constant string"),
        };
        let members = self.members(&args, &name)?;
        let ids = args.args[1].to_array(args.number_rows)?;
        let ids = ids.as_primitive::<Int64Type>();
        let result: BooleanArray = ids.iter().map(|id| id.map(|id| members.contains(id))).collect();
        same_shape(&args.args, Arc::new(result))
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}
