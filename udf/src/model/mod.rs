//! Model functions (docs/models.md): applying a model trained with
//! `CREATE MODEL` (`model_predict`, `predict`), and reading what the catalog
//! keeps of it (`model_evaluate`, `model_drivers`, `models`), and
//! expanding a segment to the persons who look like its members (`lookalike`).

use std::sync::Arc;

use datafusion::logical_expr::ScalarUDF;

use crate::singleton::singleton;

mod lookalike;
mod model_drivers;
mod model_evaluate;
mod model_predict;
mod models_list;
mod predict;
mod stored_model;

pub use lookalike::LookalikeFunc;
pub use model_drivers::ModelDriversFunc;
pub use model_evaluate::ModelEvaluateFunc;
pub use model_predict::ModelPredictFunc;
pub use models_list::ModelsFunc;
pub use predict::Predict;

singleton!(scalar predict = Predict::new());
singleton!(table model_predict = ModelPredictFunc);
singleton!(table model_evaluate = ModelEvaluateFunc);
singleton!(table model_drivers = ModelDriversFunc);
singleton!(table models = ModelsFunc);
singleton!(table lookalike = LookalikeFunc);

/// The family's scalar functions, for `register_all`.
pub fn scalar_functions() -> Vec<Arc<ScalarUDF>> {
    vec![predict()]
}

/// The family's table functions, for `register_all`.
pub fn table_functions() -> Vec<Arc<dyn crate::CdpTableFunction>> {
    vec![
        model_predict(),
        model_evaluate(),
        model_drivers(),
        models(),
        lookalike(),
    ]
}
