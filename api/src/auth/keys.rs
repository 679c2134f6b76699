//! The configured keys: which may verify a token (chosen by `kid`, algorithm pinned per key)
//! and which one signs Firebreak's own tokens.

use crate::config::AuthConfig;
use jsonwebtoken::jwk::{JwkSet, KeyAlgorithm};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use std::fmt;
use thiserror::Error;

/// HMAC secrets shorter than this are refused (RFC 7518 §3.2: at least the hash size).
pub const MIN_SECRET_BYTES: usize = 32;

/// Where a verification key comes from; it decides whether an unknown `sub` may be
/// provisioned (only for an identity provider's tokens).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySource {
    /// Firebreak's own HMAC secret (current or retired): tokens from `firebreak token`.
    Local,
    /// An identity provider's public key.
    IdentityProvider,
}

pub struct VerifyKey {
    pub kid: String,
    pub alg: Algorithm,
    pub key: DecodingKey,
    pub source: KeySource,
}

impl fmt::Debug for VerifyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyKey")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

/// The key Firebreak signs its own tokens with.
pub struct SigningKey {
    pub kid: String,
    pub key: EncodingKey,
}

#[derive(Debug, Error)]
pub enum KeyError {
    #[error("the JWT secret must be at least {MIN_SECRET_BYTES} bytes long")]
    SecretTooShort,
    #[error("cannot read the JWT key file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("the JWT key file {path} is not a JSON Web Key Set: {reason}")]
    Parse { path: String, reason: String },
    #[error("key {index} in the JWT key file: {reason}")]
    Key { index: usize, reason: String },
    #[error("two configured keys share the kid `{0}`")]
    DuplicateKid(String),
}

#[derive(Debug, Default)]
pub struct KeyRing {
    verify: Vec<VerifyKey>,
    default_kid: Option<String>,
    signing: Option<SigningKeyBox>,
}

struct SigningKeyBox(SigningKey);
impl fmt::Debug for SigningKeyBox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SigningKey({})", self.0.kid)
    }
}

/// The `kid` of a local secret: a fingerprint, so a rotated secret gets a new kid and a
/// retired one (kept in the key file) still verifies the tokens it signed.
pub fn local_kid(secret: &[u8]) -> String {
    let digest = Sha256::digest(secret);
    format!("local-{}", &hex::encode(digest)[..16])
}

impl KeyRing {
    /// Builds the ring from the configured secret (if any) and key file (if any).
    pub fn load(config: &AuthConfig, secret: Option<&SecretString>) -> Result<Self, KeyError> {
        let mut ring = KeyRing::default();
        if let Some(secret) = secret {
            ring.add_local_secret(secret.expose_secret().as_bytes())?;
        }
        if let Some(path) = &config.jwt_keys_file {
            let text = std::fs::read_to_string(path).map_err(|source| KeyError::Read {
                path: path.display().to_string(),
                source,
            })?;
            ring.add_jwks(&text).map_err(|e| match e {
                KeyError::Parse { reason, .. } => KeyError::Parse {
                    path: path.display().to_string(),
                    reason,
                },
                other => other,
            })?;
        }
        Ok(ring)
    }

    /// Adds Firebreak's own HMAC secret: it signs new tokens and verifies them, including
    /// tokens without a `kid`.
    pub fn add_local_secret(&mut self, secret: &[u8]) -> Result<(), KeyError> {
        if secret.len() < MIN_SECRET_BYTES {
            return Err(KeyError::SecretTooShort);
        }
        let kid = local_kid(secret);
        self.push(VerifyKey {
            kid: kid.clone(),
            alg: Algorithm::HS256,
            key: DecodingKey::from_secret(secret),
            source: KeySource::Local,
        })?;
        self.default_kid = Some(kid.clone());
        self.signing = Some(SigningKeyBox(SigningKey {
            kid,
            key: EncodingKey::from_secret(secret),
        }));
        Ok(())
    }

    /// Adds the keys of a JSON Web Key Set. Every key must name its `kid` and `alg`: the
    /// algorithm is pinned per key, never taken from the token.
    pub fn add_jwks(&mut self, json: &str) -> Result<(), KeyError> {
        let set: JwkSet = serde_json::from_str(json).map_err(|e| KeyError::Parse {
            path: String::new(),
            reason: e.to_string(),
        })?;
        for (index, jwk) in set.keys.iter().enumerate() {
            let kid = jwk.common.key_id.clone().ok_or_else(|| KeyError::Key {
                index,
                reason: "no `kid`".into(),
            })?;
            let key_alg = jwk.common.key_algorithm.ok_or_else(|| KeyError::Key {
                index,
                reason: "no `alg`".into(),
            })?;
            let alg = Algorithm::try_from(key_alg).map_err(|_| KeyError::Key {
                index,
                reason: format!("`{key_alg:?}` is not a signature algorithm"),
            })?;
            let source = match key_alg {
                KeyAlgorithm::HS256 | KeyAlgorithm::HS384 | KeyAlgorithm::HS512 => KeySource::Local,
                _ => KeySource::IdentityProvider,
            };
            let key = DecodingKey::from_jwk(jwk).map_err(|e| KeyError::Key {
                index,
                reason: e.to_string(),
            })?;
            self.push(VerifyKey {
                kid,
                alg,
                key,
                source,
            })?;
        }
        Ok(())
    }

    fn push(&mut self, key: VerifyKey) -> Result<(), KeyError> {
        if self.verify.iter().any(|k| k.kid == key.kid) {
            return Err(KeyError::DuplicateKid(key.kid));
        }
        self.verify.push(key);
        Ok(())
    }

    /// The key a token's header points at: by `kid` among the configured keys only; a
    /// token without `kid` may only use the local secret.
    pub fn find(&self, kid: Option<&str>) -> Option<&VerifyKey> {
        let kid = kid.or(self.default_kid.as_deref())?;
        self.verify.iter().find(|k| k.kid == kid)
    }

    pub fn signing(&self) -> Option<&SigningKey> {
        self.signing.as_ref().map(|b| &b.0)
    }

    pub fn is_empty(&self) -> bool {
        self.verify.is_empty()
    }
}

/// A user's stored subject: the token's `sub` scoped by where the token comes from
/// (`local:alice`, `idp:00u1abc`), so an identity provider's subject can never name a
/// local login, whatever the two happen to be called.
pub fn scoped_subject(source: KeySource, sub: &str) -> String {
    match source {
        KeySource::Local => format!("local:{sub}"),
        KeySource::IdentityProvider => format!("idp:{sub}"),
    }
}

/// The `sub` inside a stored subject (the login people see).
pub fn unscoped_subject(stored: &str) -> &str {
    stored
        .strip_prefix("local:")
        .or_else(|| stored.strip_prefix("idp:"))
        .unwrap_or(stored)
}
