//! Who may connect: users and passwords from a file or the environment,
//! never from the command line (where `ps` would show them).
//!
//! Both sources hold `user:password` entries, the file one per line (blank
//! lines and `#` comments allowed), `CDPFUSION_USERS` separated by commas.
//! Passwords are kept only as SCRAM-SHA-256 salted hashes in memory.

use std::collections::HashMap;
use std::path::Path;

use async_trait::async_trait;
use datafusion::error::{DataFusionError, Result};
use datafusion_postgres::pgwire::api::auth::sasl::scram::gen_salted_password;
use datafusion_postgres::pgwire::api::auth::{AuthSource, LoginInfo, Password};
use datafusion_postgres::pgwire::error::{ErrorInfo, PgWireError, PgWireResult};

pub const USERS_VARIABLE: &str = "CDPFUSION_USERS";

/// PostgreSQL's default iteration count for SCRAM-SHA-256.
pub(super) const SCRAM_ITERATIONS: usize = 4096;

/// One user's SCRAM secret: the salt and the salted password.
#[derive(Debug)]
struct Secret {
    salt: Vec<u8>,
    salted_password: Vec<u8>,
}

#[derive(Debug)]
pub struct Users {
    secrets: HashMap<String, Secret>,
}

impl Users {
    /// The users of `file` if given, else of `$CDPFUSION_USERS`; at least one.
    pub fn load(file: Option<&Path>) -> Result<Self> {
        let entries = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| {
                    DataFusionError::Configuration(format!(
                        "cannot read the users file '{}': {e}",
                        path.display()
                    ))
                })?;
                parse_entries(text.lines(), &format!("users file '{}'", path.display()))?
            }
            None => match std::env::var(USERS_VARIABLE) {
                Ok(value) => parse_entries(value.split(','), USERS_VARIABLE)?,
                Err(_) => Vec::new(),
            },
        };
        if entries.is_empty() {
            return Err(DataFusionError::Configuration(format!(
                "no users configured: pass --users-file FILE (lines of user:password) or set {USERS_VARIABLE}=user:password"
            )));
        }
        Ok(Self::from_entries(entries))
    }

    pub fn from_entries(entries: Vec<(String, String)>) -> Self {
        let secrets = entries
            .into_iter()
            .map(|(user, password)| {
                let salt: [u8; 16] = rand::random();
                let salted_password = gen_salted_password(&password, &salt, SCRAM_ITERATIONS);
                (
                    user,
                    Secret {
                        salt: salt.to_vec(),
                        salted_password,
                    },
                )
            })
            .collect();
        Self { secrets }
    }
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

#[async_trait]
impl AuthSource for Users {
    async fn get_password(&self, login: &LoginInfo) -> PgWireResult<Password> {
        let user = login.user().unwrap_or_default();
        match self.secrets.get(user) {
            Some(secret) => Ok(Password::new(
                Some(secret.salt.clone()),
                secret.salted_password.clone(),
            )),
            // The same answer as a wrong password: no telling which users exist.
            None => Err(PgWireError::UserError(Box::new(ErrorInfo::new(
                "FATAL".to_string(),
                "28P01".to_string(),
                format!("password authentication failed for user \"{user}\""),
            )))),
        }
    }
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
