//! One instance per function, as DataFusion's `make_udf_function!` makes
//! them: `normalize_phone()` returns the same `Arc<ScalarUDF>` every time,
//! and each family's `mod.rs` lists its functions by these names.

/// `pub fn $name() -> Arc<$udf>`: the one instance of `$make`, built on first
/// use. `$udf` is `ScalarUDF`, `AggregateUDF` or `dyn CdpTableFunction`.
macro_rules! singleton {
    (scalar $name:ident = $make:expr) => {
        $crate::singleton::singleton!(@make $name, datafusion::logical_expr::ScalarUDF,
            datafusion::logical_expr::ScalarUDF::new_from_impl($make));
    };
    (aggregate $name:ident = $make:expr) => {
        $crate::singleton::singleton!(@make $name, datafusion::logical_expr::AggregateUDF,
            datafusion::logical_expr::AggregateUDF::new_from_impl($make));
    };
    (table $name:ident = $make:expr) => {
        $crate::singleton::singleton!(@make $name, dyn $crate::CdpTableFunction, $make);
    };
    (@make $name:ident, $udf:ty, $value:expr) => {
        #[doc = concat!("The `", stringify!($name), "` function.")]
        pub fn $name() -> std::sync::Arc<$udf> {
            static INSTANCE: std::sync::LazyLock<std::sync::Arc<$udf>> =
                std::sync::LazyLock::new(|| std::sync::Arc::new($value));
            std::sync::Arc::clone(&INSTANCE)
        }
    };
}
pub(crate) use singleton;
