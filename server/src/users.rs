//! Who may connect: users and their passwords from a file or the
//! environment, never from the command line (where `ps` would show them).
//!
//! Both sources hold `user:secret` entries, the file one per line (blank
//! lines and `#` comments allowed), `CDPFUSION_USERS` separated by commas.
//! A secret is a SCRAM-SHA-256 verifier as PostgreSQL stores it (what
//! `cdpfusion hash-password` prints) or, with a warning, a plaintext
//! password. Only verifiers are kept in memory.

use std::collections::HashMap;
use std::path::Path;

use datafusion::error::{DataFusionError, Result};

use super::scram::Verifier;

pub const USERS_VARIABLE: &str = "CDPFUSION_USERS";

#[derive(Debug)]
pub struct Users {
    verifiers: HashMap<String, Verifier>,
    /// Keys the mock verifiers of users who do not exist.
    mock_secret: [u8; 32],
    /// What loading found worth telling the operator (plaintext passwords,
    /// a file others can read).
    pub warnings: Vec<String>,
}

impl Users {
    /// The users of `file` if given, else of `$CDPFUSION_USERS`; at least one.
    pub fn load(file: Option<&Path>) -> Result<Self> {
        let mut warnings = Vec::new();
        let (entries, source) = match file {
            Some(path) => {
                let source = format!("users file '{}'", path.display());
                let text = std::fs::read_to_string(path)
                    .map_err(|e| DataFusionError::Configuration(format!("cannot read the {source}: {e}")))?;
                if let Some(mode) = readable_by_others(path) {
                    warnings.push(format!(
                        "the {source} can be read by other users of this machine (mode {mode:o}); run chmod 600 on it"
                    ));
                }
                (parse_entries(text.lines(), &source)?, source)
            }
            None => match std::env::var(USERS_VARIABLE) {
                Ok(value) => (
                    parse_entries(value.split(','), USERS_VARIABLE)?,
                    USERS_VARIABLE.to_string(),
                ),
                Err(_) => (Vec::new(), USERS_VARIABLE.to_string()),
            },
        };
        if entries.is_empty() {
            return Err(DataFusionError::Configuration(format!(
                "no users configured: pass --users-file FILE (lines of user:password) or set {USERS_VARIABLE}=user:password"
            )));
        }
        let mut users = Self::from_entries(entries, &source)?;
        users.warnings.splice(0..0, warnings);
        Ok(users)
    }

    /// Users from `(user, secret)` pairs; `source` names them in messages.
    pub fn from_entries(entries: Vec<(String, String)>, source: &str) -> Result<Self> {
        let mut verifiers = HashMap::new();
        let mut plaintext = Vec::new();
        for (user, secret) in entries {
            let verifier = match Verifier::parse(&secret) {
                Some(Ok(verifier)) => verifier,
                Some(Err(expected)) => {
                    return Err(DataFusionError::Configuration(format!(
                        "{source}: the secret of user '{user}' is not a valid verifier: {expected}"
                    )));
                }
                None => {
                    plaintext.push(user.clone());
                    Verifier::from_password(&secret)
                }
            };
            verifiers.insert(user, verifier);
        }
        let mut warnings = Vec::new();
        if !plaintext.is_empty() {
            warnings.push(format!(
                "{source} holds plaintext passwords (users {}); replace each with the SCRAM verifier `cdpfusion hash-password` prints",
                plaintext.join(", ")
            ));
        }
        Ok(Self {
            verifiers,
            mock_secret: rand::random(),
            warnings,
        })
    }

    /// The user's verifier, or for an unknown user one no password matches,
    /// so that a client cannot tell which users exist.
    pub fn verifier(&self, user: &str) -> (Verifier, bool) {
        match self.verifiers.get(user) {
            Some(verifier) => (verifier.clone(), true),
            None => (Verifier::mock(&self.mock_secret, user), false),
        }
    }
}

/// The file's mode when group or others may read it.
fn readable_by_others(path: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o777;
    (mode & 0o044 != 0).then_some(mode)
}

/// `user:password` entries; the error names the source and the entry's
/// position, never its password.
fn parse_entries<'a>(lines: impl Iterator<Item = &'a str>, source: &str) -> Result<Vec<(String, String)>> {
    let mut entries = Vec::new();
    for (index, line) in lines.enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match line.split_once(':') {
            Some((user, password)) if !user.trim().is_empty() && !password.is_empty() => {
                entries.push((user.trim().to_string(), password.to_string()))
            }
            _ => {
                return Err(DataFusionError::Configuration(format!(
                    "{source}: entry {} is not user:password",
                    index + 1
                )));
            }
        }
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_skip_comments_and_reject_malformed_lines_without_echoing_them() {
        let entries = parse_entries("# team\nalice:s3cret:with:colons\n\n bob : pw".lines(), "f").unwrap();
        assert_eq!(
            entries,
            vec![
                ("alice".to_string(), "s3cret:with:colons".to_string()),
                ("bob".to_string(), " pw".to_string())
            ]
        );
        let err = parse_entries("alice:ok\nhunter2".lines(), "users file 'x'")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("users file 'x': entry 2 is not user:password"),
            "{err}"
        );
        assert!(!err.contains("hunter2"), "{err}");
    }
}
