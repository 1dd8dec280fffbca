//! `s3://` URLs usable everywhere a session takes a location — `CREATE
//! EXTERNAL TABLE ... LOCATION`, `COPY ... TO`, bare table paths — in the
//! shell, the server and Python alike, configured by the usual AWS
//! environment variables (`AWS_ENDPOINT_URL`, `AWS_REGION`,
//! `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_ALLOW_HTTP`, ...).
//!
//! DataFusion looks a store up by URL and fails when none was registered;
//! datafusion-cli registers one only for the statements its own shell runs.
//! This registry builds a bucket's store from the environment the first time
//! the bucket is used, then keeps it. A store registered explicitly (by
//! statement options in the shell) wins.

use std::sync::Arc;

use datafusion::error::{DataFusionError, Result};
use datafusion::execution::object_store::ObjectStoreRegistry;
use datafusion::object_store::ObjectStore;
use datafusion::object_store::aws::AmazonS3Builder;
use url::Url;

#[derive(Debug)]
pub struct S3FromEnvironment {
    inner: Arc<dyn ObjectStoreRegistry>,
}

impl S3FromEnvironment {
    pub fn wrap(inner: Arc<dyn ObjectStoreRegistry>) -> Self {
        Self { inner }
    }
}

impl ObjectStoreRegistry for S3FromEnvironment {
    fn register_store(&self, url: &Url, store: Arc<dyn ObjectStore>) -> Option<Arc<dyn ObjectStore>> {
        self.inner.register_store(url, store)
    }

    fn deregister_store(&self, url: &Url) -> Result<Arc<dyn ObjectStore>> {
        self.inner.deregister_store(url)
    }

    fn get_store(&self, url: &Url) -> Result<Arc<dyn ObjectStore>> {
        match self.inner.get_store(url) {
            Ok(store) => Ok(store),
            Err(not_found) if matches!(url.scheme(), "s3" | "s3a") => {
                let Some(bucket) = url.host_str().filter(|bucket| !bucket.is_empty()) else {
                    return Err(not_found);
                };
                let store = s3_store_from_environment(bucket)?;
                let bucket_url = Url::parse(&format!("{}://{bucket}", url.scheme()))
                    .map_err(|e| DataFusionError::External(Box::new(e)))?;
                self.inner.register_store(&bucket_url, store);
                self.inner.get_store(url)
            }
            Err(not_found) => Err(not_found),
        }
    }
}

/// The store of one bucket, configured from the environment. Errors name the
/// bucket, never a credential.
pub fn s3_store_from_environment(bucket: &str) -> Result<Arc<dyn ObjectStore>> {
    let store = AmazonS3Builder::from_env()
        .with_bucket_name(bucket)
        .build()
        .map_err(|e| {
            DataFusionError::Configuration(format!(
                "cannot open S3 bucket '{bucket}' from the AWS environment variables: {e}"
            ))
        })?;
    Ok(Arc::new(store))
}
