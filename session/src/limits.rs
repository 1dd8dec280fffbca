//! Memory and spill limits of a session, as datafusion-cli's
//! `--memory-limit` and `--disk-limit`: the shell, `serve` and Python's
//! `connect()` take the same three settings. Operators that can spill
//! (sorts, aggregations, joins) write to the spill directory when the
//! memory limit is reached; what cannot fails with DataFusion's "Resources
//! exhausted" error, which names the limit and the largest consumers.

use std::path::PathBuf;
use std::sync::Arc;

use datafusion::error::{DataFusionError, Result};
use datafusion::execution::memory_pool::{FairSpillPool, TrackConsumersPool};
use datafusion::execution::runtime_env::RuntimeEnvBuilder;

/// Consumers named in a "Resources exhausted" error.
const CONSUMERS_REPORTED: usize = 5;

#[derive(Debug, Clone, Default)]
pub struct ResourceLimits {
    /// Bytes of memory for all the session's queries.
    pub memory: Option<usize>,
    /// Bytes the spill files may take.
    pub disk: Option<u64>,
    /// Where spill files go (default: the system's temporary directory).
    pub spill_directory: Option<PathBuf>,
}

impl ResourceLimits {
    /// `builder` with these limits applied.
    pub fn apply(&self, mut builder: RuntimeEnvBuilder) -> RuntimeEnvBuilder {
        if let Some(bytes) = self.memory {
            // Fair: every spilling operator gets its share, so one cannot
            // starve the others into failing.
            let pool = TrackConsumersPool::new(
                FairSpillPool::new(bytes),
                std::num::NonZeroUsize::new(CONSUMERS_REPORTED).expect("not zero"),
            );
            builder = builder.with_memory_pool(Arc::new(pool));
        }
        if let Some(directory) = &self.spill_directory {
            builder = builder.with_temp_file_path(directory.clone());
        }
        if let Some(bytes) = self.disk {
            builder = builder.with_max_temp_directory_size(bytes);
        }
        builder
    }
}

/// A size such as `2G`, `512M`, `1.5GB`, `64k` or a number of bytes.
pub fn parse_size(option: &str, text: &str) -> Result<u64> {
    let trimmed = text.trim();
    let split = trimmed
        .find(|c: char| c.is_ascii_alphabetic())
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(split);
    let scale: u64 = match unit
        .to_ascii_lowercase()
        .trim_end_matches('b')
        .trim_end_matches('i')
    {
        "" => 1,
        "k" => 1 << 10,
        "m" => 1 << 20,
        "g" => 1 << 30,
        "t" => 1 << 40,
        _ => return Err(size_error(option, text)),
    };
    match number.trim().parse::<f64>() {
        Ok(value) if value.is_finite() && value > 0.0 => Ok((value * scale as f64) as u64),
        _ => Err(size_error(option, text)),
    }
}

fn size_error(option: &str, text: &str) -> DataFusionError {
    DataFusionError::Configuration(format!(
        "{option}: expected a size such as 2G, 512M or 1048576, got '{text}'"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_datafusion_cli_reads_them() {
        assert_eq!(parse_size("-m", "2G").unwrap(), 2 << 30);
        assert_eq!(parse_size("-m", "512MB").unwrap(), 512 << 20);
        assert_eq!(parse_size("-m", "1.5g").unwrap(), 3 << 29);
        assert_eq!(parse_size("-m", "64KiB").unwrap(), 64 << 10);
        assert_eq!(parse_size("-m", "1048576").unwrap(), 1 << 20);
        let err = parse_size("--memory-limit", "lots").unwrap_err().to_string();
        assert!(err.contains("--memory-limit: expected a size"), "{err}");
        assert!(parse_size("-m", "-1G").is_err());
    }
}
