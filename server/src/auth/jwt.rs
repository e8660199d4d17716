//! HS256 access and refresh tokens with Simple JWT's claims.

use std::time::Duration;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenType {
    Access,
    Refresh,
}

impl TokenType {
    fn as_str(self) -> &'static str {
        match self {
            Self::Access => "access",
            Self::Refresh => "refresh",
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub token_type: String,
    pub exp: i64,
    pub iat: i64,
    pub jti: Uuid,
    pub user_id: i64,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TokenError {
    /// Expired, not valid yet (`nbf`), tampered, signed with another key or algorithm, or not a
    /// JWT at all.
    #[error("token is invalid or expired")]
    Invalid,
    #[error("token has wrong type")]
    WrongType,
}

pub struct TokenPair {
    pub access: String,
    pub refresh: String,
}

pub struct TokenIssuer {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    access_ttl: Duration,
    refresh_ttl: Duration,
}

impl TokenIssuer {
    pub fn new(secret: &[u8], access_ttl: Duration, refresh_ttl: Duration) -> Self {
        // Only HS256 is accepted: `alg: none` and algorithm-confusion tokens fail here.
        let mut validation = Validation::new(Algorithm::HS256);
        // Simple JWT's default leeway is 0: a token is dead the second it expires.
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp"]);
        // We never issue `nbf`, but a token that carries one is not valid before it: a token
        // minted for later (by whoever holds the secret) must not work early.
        validation.validate_nbf = true;
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            access_ttl,
            refresh_ttl,
        }
    }

    pub fn issue_pair(&self, user_id: i64) -> Result<TokenPair, jsonwebtoken::errors::Error> {
        Ok(TokenPair {
            access: self.issue(user_id, TokenType::Access, self.access_ttl)?,
            refresh: self.issue(user_id, TokenType::Refresh, self.refresh_ttl)?,
        })
    }

    fn issue(
        &self,
        user_id: i64,
        token_type: TokenType,
        ttl: Duration,
    ) -> Result<String, jsonwebtoken::errors::Error> {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            token_type: token_type.as_str().to_owned(),
            exp: now.saturating_add(i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX)),
            iat: now,
            jti: Uuid::new_v4(),
            user_id,
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
    }

    pub fn verify(&self, token: &str, expected: TokenType) -> Result<Claims, TokenError> {
        let claims = decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|_| TokenError::Invalid)?
            .claims;
        if claims.token_type != expected.as_str() {
            return Err(TokenError::WrongType);
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issuer(secret: &[u8]) -> TokenIssuer {
        TokenIssuer::new(
            secret,
            Duration::from_secs(300),
            Duration::from_secs(86_400),
        )
    }

    #[test]
    fn round_trip_and_type_check() -> Result<(), jsonwebtoken::errors::Error> {
        let tokens = issuer(b"secret-one");
        let pair = tokens.issue_pair(42)?;
        assert_eq!(
            tokens
                .verify(&pair.access, TokenType::Access)
                .map(|c| c.user_id),
            Ok(42)
        );
        assert_eq!(
            tokens.verify(&pair.refresh, TokenType::Access).err(),
            Some(TokenError::WrongType)
        );
        assert_eq!(
            tokens.verify(&pair.access, TokenType::Refresh).err(),
            Some(TokenError::WrongType)
        );
        Ok(())
    }

    #[test]
    fn another_key_or_garbage_is_invalid() -> Result<(), jsonwebtoken::errors::Error> {
        let pair = issuer(b"secret-one").issue_pair(1)?;
        let other = issuer(b"secret-two");
        assert_eq!(
            other.verify(&pair.access, TokenType::Access).err(),
            Some(TokenError::Invalid)
        );
        assert_eq!(
            other.verify("not.a.jwt", TokenType::Access).err(),
            Some(TokenError::Invalid)
        );
        Ok(())
    }

    #[test]
    fn not_yet_valid_is_invalid() -> Result<(), jsonwebtoken::errors::Error> {
        let tokens = issuer(b"k");
        let now = chrono::Utc::now().timestamp();
        let claims = serde_json::json!({
            "token_type": "access", "exp": now + 7200, "iat": now, "nbf": now + 3600,
            "jti": Uuid::new_v4(), "user_id": 1,
        });
        let early = encode(&Header::new(Algorithm::HS256), &claims, &tokens.encoding)?;
        assert_eq!(
            tokens.verify(&early, TokenType::Access).err(),
            Some(TokenError::Invalid)
        );
        Ok(())
    }

    #[test]
    fn expired_is_invalid() -> Result<(), jsonwebtoken::errors::Error> {
        let tokens = TokenIssuer::new(b"k", Duration::ZERO, Duration::ZERO);
        let pair = tokens.issue_pair(1)?;
        std::thread::sleep(Duration::from_millis(1100));
        assert_eq!(
            tokens.verify(&pair.access, TokenType::Access).err(),
            Some(TokenError::Invalid)
        );
        Ok(())
    }
}
