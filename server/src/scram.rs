//! SCRAM-SHA-256 (RFC 5802, RFC 7677) as PostgreSQL stores it: a verifier
//! `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>` (base64
//! parts) proves a client knows the password without the server ever
//! holding the password or anything a client could log in with.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

/// PostgreSQL's default iteration count.
pub const ITERATIONS: u32 = 4096;

const PREFIX: &str = "SCRAM-SHA-256$";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verifier {
    pub iterations: u32,
    pub salt: Vec<u8>,
    pub stored_key: Vec<u8>,
    pub server_key: Vec<u8>,
}

fn hmac(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

/// PBKDF2-HMAC-SHA-256 with one output block: SCRAM's `Hi()`.
fn salted_password(password: &str, salt: &[u8], iterations: u32) -> Vec<u8> {
    let mut first = salt.to_vec();
    first.extend_from_slice(&1u32.to_be_bytes());
    let mut block = hmac(password.as_bytes(), &first);
    let mut result = block.clone();
    for _ in 1..iterations {
        block = hmac(password.as_bytes(), &block);
        result.iter_mut().zip(&block).for_each(|(r, b)| *r ^= b);
    }
    result
}

/// Equal in time that does not depend on where the inputs differ.
fn constant_time_equal(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl Verifier {
    /// A verifier for `password` with a fresh random salt.
    pub fn from_password(password: &str) -> Self {
        let salt: [u8; 16] = rand::random();
        Self::from_password_and_salt(password, &salt, ITERATIONS)
    }

    fn from_password_and_salt(password: &str, salt: &[u8], iterations: u32) -> Self {
        let salted = salted_password(password, salt, iterations);
        let client_key = hmac(&salted, b"Client Key");
        Self {
            iterations,
            salt: salt.to_vec(),
            stored_key: Sha256::digest(&client_key).to_vec(),
            server_key: hmac(&salted, b"Server Key"),
        }
    }

    /// A verifier no proof matches, for a user who does not exist: its salt
    /// is derived from the name, so asking twice gives the same answer, as
    /// for a real user (PostgreSQL's "mock authentication").
    pub fn mock(server_secret: &[u8], user: &str) -> Self {
        let salt = hmac(server_secret, user.as_bytes())[..16].to_vec();
        Self {
            iterations: ITERATIONS,
            salt,
            stored_key: rand::random::<[u8; 32]>().to_vec(),
            server_key: rand::random::<[u8; 32]>().to_vec(),
        }
    }

    /// `text` if it is a verifier, `None` if it does not start like one.
    pub fn parse(text: &str) -> Option<Result<Self, String>> {
        let rest = text.strip_prefix(PREFIX)?;
        let parsed = (|| {
            let (parameters, keys) = rest.split_once('$')?;
            let (iterations, salt) = parameters.split_once(':')?;
            let (stored_key, server_key) = keys.split_once(':')?;
            let decode = |part: &str| BASE64.decode(part).ok();
            let verifier = Self {
                iterations: iterations.parse().ok().filter(|&n: &u32| n > 0)?,
                salt: decode(salt)?,
                stored_key: decode(stored_key).filter(|key| key.len() == 32)?,
                server_key: decode(server_key).filter(|key| key.len() == 32)?,
            };
            Some(verifier)
        })();
        Some(parsed.ok_or_else(|| {
            "a SCRAM verifier is SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>, each part in base64".to_string()
        }))
    }

    pub fn server_first_parameters(&self) -> String {
        format!("s={},i={}", BASE64.encode(&self.salt), self.iterations)
    }

    /// Whether `proof` proves the password for this `auth_message`.
    pub fn accepts(&self, auth_message: &[u8], proof: &[u8]) -> bool {
        let signature = hmac(&self.stored_key, auth_message);
        if proof.len() != signature.len() {
            return false;
        }
        let client_key: Vec<u8> = proof.iter().zip(&signature).map(|(p, s)| p ^ s).collect();
        constant_time_equal(&Sha256::digest(&client_key), &self.stored_key)
    }

    pub fn server_signature(&self, auth_message: &[u8]) -> String {
        BASE64.encode(hmac(&self.server_key, auth_message))
    }
}

impl std::fmt::Display for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{PREFIX}{}:{}${}:{}",
            self.iterations,
            BASE64.encode(&self.salt),
            BASE64.encode(&self.stored_key),
            BASE64.encode(&self.server_key)
        )
    }
}

/// One SCRAM exchange on the server's side: the client's first message in,
/// the server's first out; then the client's final in, the server's final
/// out or a refusal.
pub struct Exchange {
    client_first_bare: String,
    server_first: String,
    nonce: String,
    channel_binding: String,
}

impl Exchange {
    /// Reads `n,,n=<user>,r=<nonce>` (channel binding is not offered, so
    /// the header is `n` or `y`) and returns the exchange and the server's
    /// first message.
    pub fn start(client_first: &str, verifier: &Verifier) -> Result<(Self, String), String> {
        let mut parts = client_first.splitn(3, ',');
        let (binding, authzid, bare) = (parts.next(), parts.next(), parts.next());
        let (Some(binding @ ("n" | "y")), Some(authzid), Some(bare)) = (binding, authzid, bare) else {
            return Err("malformed SCRAM client-first message".to_string());
        };
        let client_nonce = bare
            .split(',')
            .find_map(|attribute| attribute.strip_prefix("r="))
            .filter(|nonce| !nonce.is_empty())
            .ok_or("SCRAM client-first message without a nonce")?;
        let server_nonce = BASE64.encode(rand::random::<[u8; 18]>());
        let nonce = format!("{client_nonce}{server_nonce}");
        let server_first = format!("r={nonce},{}", verifier.server_first_parameters());
        let exchange = Self {
            client_first_bare: bare.to_string(),
            server_first: server_first.clone(),
            nonce,
            channel_binding: BASE64.encode(format!("{binding},{authzid},")),
        };
        Ok((exchange, server_first))
    }

    /// Reads `c=<binding>,r=<nonce>,p=<proof>`: the server's final message
    /// when the proof holds, `None` when it does not.
    pub fn finish(&self, client_final: &str, verifier: &Verifier) -> Result<Option<String>, String> {
        let (without_proof, proof) = client_final
            .rsplit_once(",p=")
            .ok_or("SCRAM client-final message without a proof")?;
        let mut attributes = without_proof.split(',');
        let binding = attributes.next().and_then(|a| a.strip_prefix("c="));
        let nonce = attributes.next().and_then(|a| a.strip_prefix("r="));
        if binding != Some(self.channel_binding.as_str()) || nonce != Some(self.nonce.as_str()) {
            return Ok(None);
        }
        let Ok(proof) = BASE64.decode(proof) else {
            return Ok(None);
        };
        let auth_message = format!("{},{},{without_proof}", self.client_first_bare, self.server_first);
        Ok(verifier
            .accepts(auth_message.as_bytes(), &proof)
            .then(|| format!("v={}", verifier.server_signature(auth_message.as_bytes()))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7677's example exchange (user "user", password "pencil").
    #[test]
    fn the_rfc_7677_exchange_verifies() {
        let salt = BASE64.decode("W22ZaJ0SNY7soEsUEjb6gQ==").unwrap();
        let verifier = Verifier::from_password_and_salt("pencil", &salt, 4096);
        let client_first_bare = "n=user,r=rOprNGfwEbeRWgbNEkqO";
        let server_first =
            "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
        let without_proof = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
        let auth_message = format!("{client_first_bare},{server_first},{without_proof}");
        let proof = BASE64
            .decode("dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=")
            .unwrap();
        assert!(verifier.accepts(auth_message.as_bytes(), &proof));
        assert_eq!(
            verifier.server_signature(auth_message.as_bytes()),
            "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="
        );
        let mut wrong = proof.clone();
        wrong[0] ^= 1;
        assert!(!verifier.accepts(auth_message.as_bytes(), &wrong));
    }

    #[test]
    fn verifiers_round_trip_and_malformed_ones_are_named() {
        let verifier = Verifier::from_password("s3cret");
        let text = verifier.to_string();
        assert!(text.starts_with("SCRAM-SHA-256$4096:"), "{text}");
        assert_eq!(Verifier::parse(&text), Some(Ok(verifier)));
        assert_eq!(Verifier::parse("plain-password"), None);
        let err = Verifier::parse("SCRAM-SHA-256$4096:abc").unwrap().unwrap_err();
        assert!(err.contains("<StoredKey>"), "{err}");
    }

    #[test]
    fn a_mock_verifier_keeps_its_salt_per_user_and_accepts_nothing() {
        let (a, b) = (Verifier::mock(b"k", "eve"), Verifier::mock(b"k", "eve"));
        assert_eq!(a.salt, b.salt);
        assert_ne!(a.salt, Verifier::mock(b"k", "mallory").salt);
        assert!(!a.accepts(b"message", &[0; 32]));
    }
}
