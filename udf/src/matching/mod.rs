//! Matching functions: string similarities, names and pinyin, and fuzzy
//! record matching (`match_records`, `train_match_model`).

use std::sync::Arc;

use datafusion::logical_expr::ScalarUDF;

use crate::singleton::singleton;

mod damerau_levenshtein;
mod jaro_winkler;
mod match_call;
mod match_records;
mod normalize_name;
mod to_pinyin;
mod train_match_model;

pub use damerau_levenshtein::DamerauLevenshtein;
pub use jaro_winkler::JaroWinkler;
pub use match_records::MatchRecordsFunc;
pub use normalize_name::NormalizeName;
pub use to_pinyin::ToPinyin;
pub use train_match_model::TrainMatchModelFunc;

singleton!(scalar jaro_winkler = JaroWinkler::new());
singleton!(scalar damerau_levenshtein = DamerauLevenshtein::new());
singleton!(scalar normalize_name = NormalizeName::new());
singleton!(scalar to_pinyin = ToPinyin::new());
singleton!(table match_records = MatchRecordsFunc);
singleton!(table train_match_model = TrainMatchModelFunc);

/// The family's scalar functions, for `register_all`.
pub fn scalar_functions() -> Vec<Arc<ScalarUDF>> {
    vec![
        jaro_winkler(),
        damerau_levenshtein(),
        normalize_name(),
        to_pinyin(),
    ]
}

/// The family's table functions, for `register_all`.
pub fn table_functions() -> Vec<Arc<dyn crate::CdpTableFunction>> {
    vec![match_records(), train_match_model()]
}
