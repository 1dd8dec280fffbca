//! cdpfusion's session settings: `SET cdpfusion.catalog = '...'`.

use datafusion::common::config::ConfigExtension;
use datafusion::common::extensions_options;

extensions_options! {
    /// Settings of cdpfusion, under the `cdpfusion.` prefix.
    pub struct CdpfusionOptions {
        /// Where segments are kept: a local directory or an object store URL
        /// (`s3://bucket/segments`). Empty: `$CDPFUSION_CATALOG`, else the
        /// user's data directory (`$XDG_DATA_HOME/cdpfusion/segments`, or
        /// `~/.local/share/cdpfusion/segments`).
        pub catalog: String, default = String::new()
        /// How many membership snapshots each segment keeps (at least 2).
        pub segment_history: usize, default = 10
        /// How many versions of each identity graph keep their mapping and
        /// lookup file (at least 2); every version keeps its links.
        pub graph_history: usize, default = 10
    }
}

impl ConfigExtension for CdpfusionOptions {
    const PREFIX: &'static str = "cdpfusion";
}

impl CdpfusionOptions {
    /// The defaults, with the catalog at `catalog` when one is given.
    pub fn with_catalog(catalog: Option<String>) -> Self {
        let mut options = Self::default();
        if let Some(catalog) = catalog {
            options.catalog = catalog;
        }
        options
    }

    /// The catalog location these settings name, with the defaults applied.
    pub fn catalog_location(&self) -> String {
        if !self.catalog.trim().is_empty() {
            return self.catalog.trim().to_string();
        }
        if let Some(location) = std::env::var_os("CDPFUSION_CATALOG").filter(|v| !v.is_empty()) {
            return location.to_string_lossy().into_owned();
        }
        let data = std::env::var_os("XDG_DATA_HOME")
            .filter(|v| !v.is_empty())
            .map(std::path::PathBuf::from)
            .or_else(|| {
                std::env::var_os("HOME").map(|home| std::path::PathBuf::from(home).join(".local/share"))
            })
            .unwrap_or_else(std::env::temp_dir);
        data.join("cdpfusion")
            .join("segments")
            .to_string_lossy()
            .into_owned()
    }
}
