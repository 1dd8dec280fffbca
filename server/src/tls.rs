//! TLS for the server from PEM files (PKCS#8, PKCS#1 or SEC1 keys). Any
//! problem is an error: the server never falls back to clear text.

use std::path::Path;
use std::sync::Arc;

use datafusion::error::{DataFusionError, Result};
use datafusion_postgres::pgwire::tokio::TlsAcceptor;
use datafusion_postgres::pgwire::tokio::tokio_rustls::rustls::ServerConfig;
use datafusion_postgres::pgwire::tokio::tokio_rustls::rustls::crypto::ring;
use datafusion_postgres::pgwire::tokio::tokio_rustls::rustls::pki_types::pem::PemObject;
use datafusion_postgres::pgwire::tokio::tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

pub fn acceptor(cert: &Path, key: &Path) -> Result<TlsAcceptor> {
    let fail =
        |what: &str, e: &dyn std::fmt::Display| DataFusionError::Configuration(format!("TLS {what}: {e}"));
    let certs = CertificateDer::pem_file_iter(cert)
        .and_then(|certs| certs.collect::<std::result::Result<Vec<_>, _>>())
        .map_err(|e| fail(&format!("certificate '{}'", cert.display()), &e))?;
    let key = PrivateKeyDer::from_pem_file(key).map_err(|e| fail(&format!("key '{}'", key.display()), &e))?;
    let mut config = ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| fail("protocol versions", &e))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| fail("certificate and key", &e))?;
    // PostgreSQL 17's direct TLS negotiation (sslnegotiation=direct) requires ALPN.
    config.alpn_protocols = vec![b"postgresql".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}
