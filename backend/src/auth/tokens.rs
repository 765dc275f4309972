//! Access JWTs (HS256, pinned) and opaque secrets (refresh and API tokens).
//!
//! RFC 8725: the algorithm is fixed at verification, and `exp`, `iss`, `aud` and `sub` are
//! required and checked (jsonwebtoken only checks `exp` unless told). A `typ` claim tells access
//! tokens apart; refresh and API tokens are opaque random strings, never JWTs, so neither can be
//! presented as the other.

use base64::Engine as _;
use chrono::{DateTime, Utc};
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::AppError;

pub const API_TOKEN_PREFIX: &str = "rct_";
pub const REFRESH_TOKEN_PREFIX: &str = "rfr_";
const ACCESS_TYP: &str = "access";

#[derive(Debug, Serialize, Deserialize)]
pub struct AccessClaims {
    pub iss: String,
    pub aud: String,
    pub sub: String,
    pub exp: i64,
    pub iat: i64,
    pub jti: String,
    pub typ: String,
    /// The user's token epoch when issued; bumping it (password change, disable) ends old tokens.
    pub epo: i64,
}

pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
    pub access_ttl: i64,
}

impl TokenKeys {
    pub fn new(secret: &[u8], issuer: &str, audience: &str, access_ttl: i64) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.leeway = 30;
        TokenKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            issuer: issuer.into(),
            audience: audience.into(),
            access_ttl,
        }
    }

    pub fn issue_access(&self, user_id: i64, epoch: i64, now: DateTime<Utc>) -> (String, DateTime<Utc>) {
        let exp = chrono::SubsecRound::trunc_subsecs(now + chrono::Duration::seconds(self.access_ttl), 0);
        let claims = AccessClaims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: user_id.to_string(),
            exp: exp.timestamp(),
            iat: now.timestamp(),
            jti: random_secret(12),
            typ: ACCESS_TYP.into(),
            epo: epoch,
        };
        let token = encode(&Header::new(Algorithm::HS256), &claims, &self.encoding).expect("HS256 signing cannot fail");
        (token, exp)
    }

    /// Returns the user id and token epoch of a valid access token.
    pub fn verify_access(&self, token: &str) -> Result<(i64, i64), AppError> {
        let invalid = || AppError::unauthorized("invalid_token", "the access token is invalid or has expired");
        let data = decode::<AccessClaims>(token, &self.decoding, &self.validation).map_err(|_| invalid())?;
        if data.claims.typ != ACCESS_TYP {
            return Err(invalid());
        }
        let id = data.claims.sub.parse::<i64>().map_err(|_| invalid())?;
        Ok((id, data.claims.epo))
    }
}

/// `bytes` random bytes, base64url without padding.
pub fn random_secret(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::fill(&mut buf[..]);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

/// Opaque tokens carry 256 random bits, so a fast hash is enough to store them safely.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> TokenKeys {
        TokenKeys::new(&[7u8; 32], "rectify", "rectify-api", 900)
    }

    fn sign(claims: serde_json::Value, alg: Algorithm, secret: &[u8]) -> String {
        encode(&Header::new(alg), &claims, &EncodingKey::from_secret(secret)).unwrap()
    }

    #[test]
    fn issued_tokens_verify_and_carry_the_user() {
        let (t, exp) = keys().issue_access(42, 3, Utc::now());
        assert_eq!(keys().verify_access(&t).unwrap(), (42, 3));
        assert!(exp > Utc::now());
    }

    #[test]
    fn tokens_missing_or_wrong_claims_are_refused() {
        let now = Utc::now().timestamp();
        let good =
            serde_json::json!({"iss":"rectify","aud":"rectify-api","sub":"1","exp":now+600,"iat":now,"jti":"x","typ":"access","epo":0});
        assert!(keys().verify_access(&sign(good.clone(), Algorithm::HS256, &[7u8; 32])).is_ok());
        for (field, value) in [
            ("iss", serde_json::json!("someone-else")),
            ("aud", serde_json::json!("another-api")),
            ("exp", serde_json::json!(now - 3600)),
            ("typ", serde_json::json!("refresh")),
            ("sub", serde_json::json!("not-a-number")),
        ] {
            let mut c = good.clone();
            c[field] = value;
            assert!(keys().verify_access(&sign(c, Algorithm::HS256, &[7u8; 32])).is_err(), "{field}");
        }
        for field in ["iss", "aud", "exp", "sub"] {
            let mut c = good.clone();
            c.as_object_mut().unwrap().remove(field);
            assert!(keys().verify_access(&sign(c, Algorithm::HS256, &[7u8; 32])).is_err(), "missing {field}");
        }
        assert!(keys().verify_access(&sign(good.clone(), Algorithm::HS256, &[8u8; 32])).is_err(), "other key");
        assert!(keys().verify_access(&sign(good, Algorithm::HS512, &[7u8; 32])).is_err(), "algorithm is pinned");
    }

    #[test]
    fn unsigned_tokens_are_refused() {
        let header = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        let now = Utc::now().timestamp();
        let body = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(
            serde_json::json!({"iss":"rectify","aud":"rectify-api","sub":"1","exp":now+600,"typ":"access","epo":0,"iat":now,"jti":"x"})
                .to_string(),
        );
        assert!(keys().verify_access(&format!("{header}.{body}.")).is_err());
    }

    #[test]
    fn secrets_are_random_and_hashes_stable() {
        assert_ne!(random_secret(32), random_secret(32));
        assert_eq!(random_secret(32).len(), 43);
        assert_eq!(token_hash("abc"), token_hash("abc"));
        assert_ne!(token_hash("abc"), token_hash("abd"));
    }
}
