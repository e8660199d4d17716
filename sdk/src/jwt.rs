//! When a token expires, read from its payload. The signature is not checked: the server
//! checks it, and the client only needs to know when to renew.

use std::time::{Duration, SystemTime};

use base64::Engine;
use base64::alphabet::URL_SAFE;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde::Deserialize;

/// JWTs use unpadded base64url, but accepting padding costs nothing.
const BASE64URL: GeneralPurpose = GeneralPurpose::new(
    &URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Renew at most this long before expiry, so a request never leaves with a token that dies on
/// the way.
const MAX_MARGIN: Duration = Duration::from_secs(30);

#[derive(Deserialize)]
struct Claims {
    exp: f64,
    iat: Option<f64>,
}

/// When `token` should be replaced: a little before its `exp` (a quarter of its lifetime, at
/// most 30 s). `None` when the payload cannot be read; the token is then used until the server
/// refuses it.
pub(crate) fn renew_at(token: &str) -> Option<SystemTime> {
    let payload = token.split('.').nth(1)?;
    let claims: Claims = serde_json::from_slice(&BASE64URL.decode(payload).ok()?).ok()?;
    let exp = SystemTime::UNIX_EPOCH.checked_add(Duration::try_from_secs_f64(claims.exp).ok()?)?;
    let lifetime = claims
        .iat
        .and_then(|iat| Duration::try_from_secs_f64(claims.exp - iat).ok())
        .unwrap_or(MAX_MARGIN * 4);
    exp.checked_sub((lifetime / 4).min(MAX_MARGIN))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(payload: &str) -> String {
        format!("e30.{}.sig", BASE64URL.encode(payload))
    }

    #[test]
    fn renews_a_quarter_of_the_lifetime_early_at_most_30_seconds() {
        let at = |secs| SystemTime::UNIX_EPOCH + Duration::from_secs(secs);
        assert_eq!(renew_at(&token(r#"{"exp":1000,"iat":0}"#)), Some(at(970)));
        assert_eq!(
            renew_at(&token(r#"{"exp":1002,"iat":1000}"#)),
            Some(at(1000) + Duration::from_millis(1500))
        );
        assert_eq!(renew_at(&token(r#"{"exp":1000}"#)), Some(at(970)));
    }

    #[test]
    fn unreadable_tokens_have_no_renewal_time() {
        assert_eq!(renew_at("not a jwt"), None);
        assert_eq!(renew_at("a.!!!.c"), None);
        assert_eq!(renew_at(&token(r#"{"sub":"x"}"#)), None);
        assert_eq!(renew_at(&token(r#"{"exp":-5}"#)), None);
    }
}
