//! Verifying and signing JWTs. jsonwebtoken's defaults are loose (60 s leeway, `nbf` and
//! `aud` unchecked), so every check is set here explicitly; `exp` and `nbf` are compared
//! with Firebreak's [`Clock`](scheduler::clock::Clock), not the system time, so tests can
//! move time.

use super::keys::{KeyRing, KeySource};
use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::{Header, Validation, decode, decode_header, encode};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Why a token was refused. The message a client sees is always the same ("invalid
/// token"): the variants are for logs and tests, so an attacker learns nothing.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum AuthError {
    #[error("the Authorization header is not `Bearer <token>`")]
    Malformed,
    #[error("the token header is unreadable or names an unsupported algorithm")]
    BadHeader,
    #[error("the token header carries `{0}`: keys are never taken from a token")]
    ForbiddenHeader(&'static str),
    #[error("no configured key matches the token's kid")]
    UnknownKey,
    #[error("the token's algorithm is not the one configured for its key")]
    AlgorithmMismatch,
    #[error("the token failed verification: {0}")]
    Invalid(String),
    #[error("the token has expired")]
    Expired,
    #[error("the token is not valid yet")]
    NotYetValid,
    #[error("the token names no known active user")]
    UnknownUser,
    #[error("no signing key: configure FIREBREAK_JWT_SECRET (only public keys are configured)")]
    NoSigningKey,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub iss: String,
    pub aud: Audience,
    pub exp: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
}

/// `aud` is a string or an array of strings (RFC 7519 §4.1.3); jsonwebtoken checks that
/// ours is among them, this only lets both shapes deserialize.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum Audience {
    One(String),
    Many(Vec<String>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedToken {
    pub subject: String,
    pub source: KeySource,
}

pub struct TokenService {
    keys: KeyRing,
    issuer: String,
    audience: String,
    leeway_seconds: i64,
}

impl TokenService {
    pub fn new(keys: KeyRing, issuer: String, audience: String, leeway_seconds: u64) -> Self {
        Self {
            keys,
            issuer,
            audience,
            leeway_seconds: i64::try_from(leeway_seconds).unwrap_or(i64::MAX),
        }
    }

    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<VerifiedToken, AuthError> {
        let header = decode_header(token).map_err(|_| AuthError::BadHeader)?;
        if header.jku.is_some() {
            return Err(AuthError::ForbiddenHeader("jku"));
        }
        if header.x5u.is_some() {
            return Err(AuthError::ForbiddenHeader("x5u"));
        }
        if header.jwk.is_some() {
            return Err(AuthError::ForbiddenHeader("jwk"));
        }
        let key = self
            .keys
            .find(header.kid.as_deref())
            .ok_or(AuthError::UnknownKey)?;
        if header.alg != key.alg {
            return Err(AuthError::AlgorithmMismatch);
        }

        let mut validation = Validation::new(key.alg);
        validation.set_audience(&[&self.audience]);
        validation.set_issuer(&[&self.issuer]);
        validation.set_required_spec_claims(&["exp", "aud", "iss", "sub"]);
        // Checked below against Firebreak's clock.
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.leeway = 0;

        let data = decode::<Claims>(token, &key.key, &validation)
            .map_err(|e| AuthError::Invalid(e.kind_name()))?;
        let claims = data.claims;
        let now = now.timestamp();
        if claims.exp <= now - self.leeway_seconds {
            return Err(AuthError::Expired);
        }
        if let Some(nbf) = claims.nbf
            && nbf > now + self.leeway_seconds
        {
            return Err(AuthError::NotYetValid);
        }
        if claims.sub.trim().is_empty() {
            return Err(AuthError::Invalid("empty sub".into()));
        }
        Ok(VerifiedToken {
            subject: claims.sub,
            source: key.source,
        })
    }

    /// Signs a token for `subject` with the local secret.
    pub fn sign(
        &self,
        subject: &str,
        ttl: Duration,
        now: DateTime<Utc>,
    ) -> Result<String, AuthError> {
        let signing = self.keys.signing().ok_or(AuthError::NoSigningKey)?;
        let mut header = Header::new(jsonwebtoken::Algorithm::HS256);
        header.kid = Some(signing.kid.clone());
        let claims = Claims {
            sub: subject.to_owned(),
            iss: self.issuer.clone(),
            aud: Audience::One(self.audience.clone()),
            exp: (now + ttl).timestamp(),
            nbf: Some(now.timestamp()),
            iat: Some(now.timestamp()),
        };
        encode(&header, &claims, &signing.key).map_err(|e| AuthError::Invalid(e.kind_name()))
    }
}

trait KindName {
    fn kind_name(&self) -> String;
}

impl KindName for jsonwebtoken::errors::Error {
    /// The error's kind without any token content.
    fn kind_name(&self) -> String {
        let debug = format!("{:?}", self.kind());
        debug.split('(').next().unwrap_or("Unknown").to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    fn service() -> TokenService {
        let mut ring = KeyRing::default();
        ring.add_local_secret(SECRET).unwrap();
        TokenService::new(ring, "firebreak".into(), "firebreak".into(), 5)
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap()
    }

    #[test]
    fn round_trip() {
        let s = service();
        let t = s.sign("ada", Duration::hours(12), now()).unwrap();
        let v = s.verify(&t, now()).unwrap();
        assert_eq!(v.subject, "ada");
        assert_eq!(v.source, KeySource::Local);
    }

    #[test]
    fn expiry_and_not_before_use_the_given_clock_with_leeway() {
        let s = service();
        let t = s.sign("ada", Duration::minutes(1), now()).unwrap();
        assert!(s.verify(&t, now() + Duration::seconds(64)).is_ok());
        assert_eq!(
            s.verify(&t, now() + Duration::seconds(65)),
            Err(AuthError::Expired)
        );
        assert!(s.verify(&t, now() - Duration::seconds(5)).is_ok());
        assert_eq!(
            s.verify(&t, now() - Duration::seconds(6)),
            Err(AuthError::NotYetValid)
        );
    }

    #[test]
    fn short_secret_refused() {
        let mut ring = KeyRing::default();
        assert!(ring.add_local_secret(b"short").is_err());
    }

    #[test]
    fn jwks_keys_need_kid_and_alg() {
        let mut ring = KeyRing::default();
        let no_alg = r#"{"keys":[{"kty":"oct","kid":"a","k":"MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY"}]}"#;
        assert!(ring.add_jwks(no_alg).is_err());
        let no_kid = r#"{"keys":[{"kty":"oct","alg":"HS256","k":"MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY"}]}"#;
        assert!(ring.add_jwks(no_kid).is_err());
        let ok = r#"{"keys":[{"kty":"oct","kid":"old","alg":"HS256","k":"MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY"}]}"#;
        ring.add_jwks(ok).unwrap();
        assert!(ring.find(Some("old")).is_some());
        assert!(
            ring.find(None).is_none(),
            "no kid only matches a local secret"
        );
    }
}
