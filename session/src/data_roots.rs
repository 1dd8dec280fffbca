//! The locations a session may read and write: `cdpfusion serve
//! --data-root`. Every file a query touches goes through the session's
//! object stores (tables by path, `CREATE EXTERNAL TABLE`, `COPY ... TO`,
//! `parquet_metadata()`, the queries inside `resolve_identities`), so the
//! check sits there: a store outside every root refuses, whatever SQL
//! asked. Local paths are checked after symbolic links and `..` are
//! resolved; named files (the users file, the TLS key) are refused even
//! inside a root.

use std::path::{Path as FilePath, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::catalog::{
    DynamicFileCatalog, TableFunctionArgs, TableFunctionImpl, TableProvider, UrlTableFactory,
};
use datafusion::common::ScalarValue;
use datafusion::datasource::dynamic_file::DynamicListTableFactory;
use datafusion::datasource::listing::ListingTableUrl;
use datafusion::error::{DataFusionError, Result};
use datafusion::execution::SessionStateBuilder;
use datafusion::execution::object_store::ObjectStoreRegistry;
use datafusion::logical_expr::Expr;
use datafusion::object_store::path::Path;
use datafusion::object_store::{
    CopyOptions, GetOptions, GetResult, ListResult, MultipartUpload, ObjectMeta, ObjectStore,
    PutMultipartOptions, PutOptions, PutPayload, PutResult, RenameOptions,
};
use datafusion::prelude::SessionContext;
use datafusion_cli::functions::ParquetMetadataFunc;
use futures::StreamExt;
use futures::stream::BoxStream;
use url::Url;

/// Roots as given: local directories and `s3://bucket[/prefix]` URLs.
#[derive(Debug, Clone, Default)]
pub struct DataRoots {
    local: Vec<PathBuf>,
    /// (scheme, bucket, prefix inside the bucket)
    buckets: Vec<(String, String, Path)>,
    denied: Vec<PathBuf>,
}

impl DataRoots {
    /// `roots` are directories (which must exist) or object store URLs;
    /// `denied` are files refused even inside a root.
    pub fn new(roots: &[String], denied: &[PathBuf]) -> Result<Self> {
        let mut data_roots = Self::default();
        for root in roots {
            match Url::parse(root) {
                Ok(url) if url.scheme() != "file" && url.host_str().is_some() => {
                    let bucket = url.host_str().unwrap_or_default().to_string();
                    let prefix = Path::from(url.path().trim_matches('/'));
                    data_roots
                        .buckets
                        .push((url.scheme().to_string(), bucket, prefix));
                }
                _ => {
                    let directory = root.strip_prefix("file://").unwrap_or(root);
                    let canonical = std::fs::canonicalize(directory)
                        .map_err(|e| DataFusionError::Configuration(format!("--data-root '{root}': {e}")))?;
                    data_roots.local.push(canonical);
                }
            }
        }
        data_roots.denied = denied.iter().map(|file| resolve(file)).collect();
        Ok(data_roots)
    }

    /// Whether `location` is inside a root (and not a denied file).
    fn inside(&self, scope: &Scope, location: &Path) -> bool {
        match scope {
            Scope::Local => self.inside_local(&local_path(location)),
            Scope::Bucket { scheme, bucket } => self
                .buckets
                .iter()
                .any(|(s, b, prefix)| s == scheme && b == bucket && location.prefix_match(prefix).is_some()),
        }
    }

    fn inside_local(&self, path: &FilePath) -> bool {
        self.local.iter().any(|root| path.starts_with(root))
            && !self.denied.iter().any(|denied| path == denied)
    }

    /// Whether listing under `prefix` can reach a root: it is inside one,
    /// or a root is inside it (its entries are then filtered).
    fn reaches(&self, scope: &Scope, prefix: &Path) -> bool {
        match scope {
            Scope::Local => {
                // Resolved once: it touches the file system.
                let path = local_path(prefix);
                self.inside_local(&path) || self.local.iter().any(|root| root.starts_with(&path))
            }
            Scope::Bucket { scheme, bucket } => self.buckets.iter().any(|(s, b, root)| {
                s == scheme
                    && b == bucket
                    && (prefix.prefix_match(root).is_some() || root.prefix_match(prefix).is_some())
            }),
        }
    }

    /// The scope of a store URL, or an error when no root names its bucket.
    fn scope(&self, url: &Url) -> Result<Scope> {
        if url.scheme() == "file" {
            return Ok(Scope::Local);
        }
        let bucket = url.host_str().unwrap_or_default();
        if !self
            .buckets
            .iter()
            .any(|(s, b, _)| s == url.scheme() && b == bucket)
        {
            return Err(self.outside(url.as_str()));
        }
        Ok(Scope::Bucket {
            scheme: url.scheme().to_string(),
            bucket: bucket.to_string(),
        })
    }

    fn outside(&self, location: &str) -> DataFusionError {
        DataFusionError::Plan(format!(
            "'{location}' is outside this server's data roots ({})",
            self.describe()
        ))
    }

    /// Refuses a table location (a path, a glob or a URL) outside the roots.
    pub fn check_location(&self, location: &str) -> Result<()> {
        let url = ListingTableUrl::parse(location)?;
        let scope = self.scope(url.as_ref())?;
        if self.reaches(&scope, url.prefix()) {
            Ok(())
        } else {
            Err(self.outside(location))
        }
    }

    fn describe(&self) -> String {
        let mut roots: Vec<String> = self.local.iter().map(|p| p.display().to_string()).collect();
        roots.extend(
            self.buckets
                .iter()
                .map(|(scheme, bucket, prefix)| format!("{scheme}://{bucket}/{prefix}")),
        );
        if roots.is_empty() {
            "none: start the server with --data-root DIR to serve files".to_string()
        } else {
            roots.join(", ")
        }
    }

    /// Wraps `registry` so that every store it hands out checks these roots.
    pub fn guard(self, registry: Arc<dyn ObjectStoreRegistry>) -> Arc<dyn ObjectStoreRegistry> {
        Arc::new(RootedRegistry {
            inner: registry,
            roots: Arc::new(self),
        })
    }
}

/// Tables named by their location (`SELECT * FROM 'data/leads.csv'`),
/// refused with a clear error outside the roots: DataFusion's own factory
/// reports any failure to read a location as "table not found".
#[derive(Debug)]
struct RootedUrlTables {
    inner: Arc<DynamicListTableFactory>,
    roots: DataRoots,
}

#[async_trait]
impl UrlTableFactory for RootedUrlTables {
    async fn try_new(&self, url: &str) -> Result<Option<Arc<dyn TableProvider>>> {
        // A plain name (`leads`) is not a location: not found, as before.
        if url.contains('/') || url.contains(':') {
            self.roots.check_location(url)?;
        }
        self.inner.try_new(url).await
    }
}

impl DataRoots {
    /// `ctx` with tables by location, as `enable_url_table` gives, within
    /// these roots.
    pub fn url_tables(self, ctx: SessionContext) -> SessionContext {
        let factory = Arc::new(DynamicListTableFactory::default());
        let tables = RootedUrlTables {
            inner: factory.clone(),
            roots: self,
        };
        let catalogs = Arc::new(DynamicFileCatalog::new(
            ctx.state().catalog_list().clone(),
            Arc::new(tables),
        ));
        let ctx: SessionContext = SessionStateBuilder::new_from_existing(ctx.state())
            .with_catalog_list(catalogs)
            .build()
            .into();
        factory.session_store().with_state(ctx.state_weak_ref());
        ctx
    }
}

/// datafusion-cli's `parquet_metadata(path)` opens the file itself, not
/// through an object store: its path is checked here first.
#[derive(Debug)]
pub struct RootedParquetMetadata {
    roots: DataRoots,
}

impl RootedParquetMetadata {
    pub fn new(roots: DataRoots) -> Self {
        Self { roots }
    }
}

impl TableFunctionImpl for RootedParquetMetadata {
    fn call_with_args(&self, args: TableFunctionArgs) -> Result<Arc<dyn TableProvider>> {
        // The two spellings datafusion-cli accepts: 'path' and "path".
        let path = match args.exprs().first() {
            Some(Expr::Literal(ScalarValue::Utf8(Some(path)), _)) => Some(path.as_str()),
            Some(Expr::Column(column)) => Some(column.name.as_str()),
            _ => None,
        };
        if let Some(path) = path {
            self.roots.check_location(path)?;
        }
        ParquetMetadataFunc {}.call_with_args(args)
    }
}

/// The file a local store's `location` names, resolved.
fn local_path(location: &Path) -> PathBuf {
    resolve(&FilePath::new("/").join(location.as_ref()))
}

/// `path` with symbolic links and `..` resolved as far as it exists: a file
/// about to be written is judged by the directory it would land in.
fn resolve(path: &FilePath) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut existing = absolute.as_path();
    let mut rest = Vec::new();
    loop {
        if let Ok(canonical) = std::fs::canonicalize(existing) {
            return rest.iter().rev().fold(canonical, |path, part| path.join(part));
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_owned());
                existing = parent;
            }
            _ => return absolute,
        }
    }
}

/// Which roots one store is judged by.
#[derive(Debug, Clone)]
enum Scope {
    Local,
    Bucket { scheme: String, bucket: String },
}

#[derive(Debug)]
struct RootedRegistry {
    inner: Arc<dyn ObjectStoreRegistry>,
    roots: Arc<DataRoots>,
}

impl ObjectStoreRegistry for RootedRegistry {
    fn register_store(&self, url: &Url, store: Arc<dyn ObjectStore>) -> Option<Arc<dyn ObjectStore>> {
        self.inner.register_store(url, store)
    }

    fn deregister_store(&self, url: &Url) -> Result<Arc<dyn ObjectStore>> {
        self.inner.deregister_store(url)
    }

    fn get_store(&self, url: &Url) -> Result<Arc<dyn ObjectStore>> {
        let scope = self.roots.scope(url)?;
        Ok(Arc::new(RootedStore {
            inner: self.inner.get_store(url)?,
            roots: self.roots.clone(),
            scope,
        }))
    }
}

#[derive(Debug, Clone)]
struct RootedStore {
    inner: Arc<dyn ObjectStore>,
    roots: Arc<DataRoots>,
    scope: Scope,
}

impl std::fmt::Display for RootedStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (within the data roots)", self.inner)
    }
}

impl RootedStore {
    fn inside(&self, location: &Path) -> bool {
        self.roots.inside(&self.scope, location)
    }

    fn reaches(&self, prefix: Option<&Path>) -> bool {
        self.roots
            .reaches(&self.scope, &prefix.cloned().unwrap_or_default())
    }

    fn check(&self, location: &Path) -> datafusion::object_store::Result<()> {
        if self.inside(location) {
            Ok(())
        } else {
            Err(self.refusal(location))
        }
    }

    fn refusal(&self, location: &Path) -> datafusion::object_store::Error {
        let shown = match &self.scope {
            Scope::Local => format!("/{location}"),
            Scope::Bucket { scheme, bucket } => format!("{scheme}://{bucket}/{location}"),
        };
        datafusion::object_store::Error::PermissionDenied {
            path: shown.clone(),
            source: format!(
                "'{shown}' is outside this server's data roots ({})",
                self.roots.describe()
            )
            .into(),
        }
    }

    fn listing(
        &self,
        prefix: Option<&Path>,
        list: BoxStream<'static, datafusion::object_store::Result<ObjectMeta>>,
    ) -> BoxStream<'static, datafusion::object_store::Result<ObjectMeta>> {
        if !self.reaches(prefix) {
            let refusal = self.refusal(&prefix.cloned().unwrap_or_default());
            return futures::stream::once(async move { Err(refusal) }).boxed();
        }
        let store = self.clone();
        list.filter(move |entry| {
            let keep = entry.as_ref().map_or(true, |meta| store.inside(&meta.location));
            futures::future::ready(keep)
        })
        .boxed()
    }
}

#[async_trait]
impl ObjectStore for RootedStore {
    async fn put_opts(
        &self,
        location: &Path,
        payload: PutPayload,
        opts: PutOptions,
    ) -> datafusion::object_store::Result<PutResult> {
        self.check(location)?;
        self.inner.put_opts(location, payload, opts).await
    }

    async fn put_multipart_opts(
        &self,
        location: &Path,
        opts: PutMultipartOptions,
    ) -> datafusion::object_store::Result<Box<dyn MultipartUpload>> {
        self.check(location)?;
        self.inner.put_multipart_opts(location, opts).await
    }

    async fn get_opts(
        &self,
        location: &Path,
        options: GetOptions,
    ) -> datafusion::object_store::Result<GetResult> {
        self.check(location)?;
        self.inner.get_opts(location, options).await
    }

    fn delete_stream(
        &self,
        locations: BoxStream<'static, datafusion::object_store::Result<Path>>,
    ) -> BoxStream<'static, datafusion::object_store::Result<Path>> {
        let roots = self.clone();
        let checked = locations
            .map(move |location| location.and_then(|location| roots.check(&location).map(|()| location)))
            .boxed();
        self.inner.delete_stream(checked)
    }

    fn list(
        &self,
        prefix: Option<&Path>,
    ) -> BoxStream<'static, datafusion::object_store::Result<ObjectMeta>> {
        self.listing(prefix, self.inner.list(prefix))
    }

    fn list_with_offset(
        &self,
        prefix: Option<&Path>,
        offset: &Path,
    ) -> BoxStream<'static, datafusion::object_store::Result<ObjectMeta>> {
        self.listing(prefix, self.inner.list_with_offset(prefix, offset))
    }

    async fn list_with_delimiter(
        &self,
        prefix: Option<&Path>,
    ) -> datafusion::object_store::Result<ListResult> {
        if !self.reaches(prefix) {
            return Err(self.refusal(&prefix.cloned().unwrap_or_default()));
        }
        let mut result = self.inner.list_with_delimiter(prefix).await?;
        result.objects.retain(|meta| self.inside(&meta.location));
        result
            .common_prefixes
            .retain(|directory| self.reaches(Some(directory)));
        Ok(result)
    }

    async fn copy_opts(
        &self,
        from: &Path,
        to: &Path,
        options: CopyOptions,
    ) -> datafusion::object_store::Result<()> {
        self.check(from)?;
        self.check(to)?;
        self.inner.copy_opts(from, to, options).await
    }

    async fn rename_opts(
        &self,
        from: &Path,
        to: &Path,
        options: RenameOptions,
    ) -> datafusion::object_store::Result<()> {
        self.check(from)?;
        self.check(to)?;
        self.inner.rename_opts(from, to, options).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::execution::object_store::DefaultObjectStoreRegistry;
    use datafusion::object_store::ObjectStoreExt;

    #[tokio::test]
    async fn only_files_under_a_root_are_served_even_through_links_and_dot_dots() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("data");
        std::fs::create_dir(&root).unwrap();
        std::fs::write(root.join("leads.csv"), "a\n1\n").unwrap();
        std::fs::write(dir.path().join("secret.csv"), "a\n2\n").unwrap();
        std::fs::write(root.join("users"), "analyst:pw\n").unwrap();
        std::os::unix::fs::symlink(dir.path().join("secret.csv"), root.join("link.csv")).unwrap();
        let roots = DataRoots::new(&[root.display().to_string()], &[root.join("users")]).unwrap();
        let registry = roots.guard(Arc::new(DefaultObjectStoreRegistry::new()));
        let store = registry.get_store(&Url::parse("file:///").unwrap()).unwrap();
        let path = |p: &FilePath| Path::from_filesystem_path(p).unwrap();
        let canonical_root = std::fs::canonicalize(&root).unwrap();

        assert!(store.get(&path(&canonical_root.join("leads.csv"))).await.is_ok());
        for refused in [
            dir.path().join("secret.csv"),
            root.join("link.csv"),
            root.join("users"),
            PathBuf::from("/etc/passwd"),
        ] {
            let err = store.get(&path(&refused)).await.unwrap_err().to_string();
            assert!(
                err.contains("outside this server's data roots"),
                "{refused:?}: {err}"
            );
        }
        let listed: Vec<_> = store
            .list(Some(&path(dir.path())))
            .map(|meta| meta.unwrap().location.filename().unwrap().to_string())
            .collect()
            .await;
        assert_eq!(listed, vec!["leads.csv".to_string()]);
        assert!(
            store
                .list(Some(&Path::from("etc")))
                .next()
                .await
                .unwrap()
                .is_err()
        );
        let outside = Url::parse("s3://other-bucket/x.parquet").unwrap();
        assert!(registry.get_store(&outside).is_err());
    }
}
