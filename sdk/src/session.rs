//! Sessions: the tokens a [`Client`] sends, and how they are renewed.

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::SystemTime;

use futures::future::BoxFuture;

use crate::{Client, ClientInfo, Error, jwt, types};

/// Who a [`Client`] is: nobody ([`Auth::anonymous`]) or a session whose tokens it renews.
///
/// This is the generated client's inner value (`Client::new(base, auth)`). Clones of a client
/// share one session, so a token renewed by one request serves them all.
#[derive(Clone, Default)]
pub struct Auth(Option<Arc<Session>>);

impl Auth {
    /// No credentials: enough for `health_check`, `users_register`, `token_obtain` and
    /// `token_refresh`; everything else answers 401.
    pub fn anonymous() -> Auth {
        Auth(None)
    }

    /// Logs in with `username` and `password` before the first request, and again whenever
    /// the refresh token is refused. [`Client::login`] does the same but logs in at once, so a
    /// wrong password shows up there as a typed 401.
    pub fn with_credentials(username: impl Into<String>, password: impl Into<String>) -> Auth {
        Auth::session(
            Some(Credentials {
                username: username.into(),
                password: password.into(),
            }),
            None,
        )
    }

    /// Starts from a token pair obtained earlier (e.g. saved from [`Client::tokens`]). Without
    /// credentials, requests fail once the refresh token is refused.
    pub fn with_tokens(tokens: types::TokenPairResponse) -> Auth {
        Auth::session(None, Some(tokens))
    }

    fn session(credentials: Option<Credentials>, tokens: Option<types::TokenPairResponse>) -> Auth {
        Auth(Some(Arc::new(Session {
            credentials,
            tokens: Mutex::new(tokens.map(Tokens::new)),
            renewing: futures::lock::Mutex::new(()),
        })))
    }

    pub(crate) fn get(&self) -> Option<&Session> {
        self.0.as_deref()
    }
}

impl fmt::Debug for Auth {
    // Never prints a password or a token.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.get() {
            None => f.write_str("Auth::anonymous()"),
            Some(session) => f
                .debug_struct("Auth")
                .field(
                    "username",
                    &session.credentials.as_ref().map(|c| c.username.as_str()),
                )
                .field("has_tokens", &session.current().is_some())
                .finish(),
        }
    }
}

struct Credentials {
    username: String,
    password: String,
}

struct Tokens {
    pair: types::TokenPairResponse,
    renew_at: Option<SystemTime>,
}

impl Tokens {
    fn new(pair: types::TokenPairResponse) -> Tokens {
        let renew_at = jwt::renew_at(&pair.access);
        Tokens { pair, renew_at }
    }
}

/// A session's state, shared by the clones of a client.
pub(crate) struct Session {
    credentials: Option<Credentials>,
    tokens: Mutex<Option<Tokens>>,
    /// Held while renewing: refresh tokens are single-use, so two concurrent refreshes would
    /// spend the same one and the second would be refused.
    renewing: futures::lock::Mutex<()>,
}

impl Session {
    fn lock(&self) -> MutexGuard<'_, Option<Tokens>> {
        // The data stays consistent even if a holder panicked: it is replaced whole.
        self.tokens.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn current(&self) -> Option<types::TokenPairResponse> {
        self.lock().as_ref().map(|t| t.pair.clone())
    }

    /// The access token, if it is not due for renewal.
    fn fresh_access(&self) -> Option<String> {
        let tokens = self.lock();
        let tokens = tokens.as_ref()?;
        let fresh = tokens.renew_at.is_none_or(|at| SystemTime::now() < at);
        fresh.then(|| tokens.pair.access.clone())
    }

    /// An access token to send now, renewing it first if it is (nearly) expired.
    pub(crate) async fn access_token(
        &self,
        client: &Client,
    ) -> Result<String, Error<types::ApiError>> {
        if let Some(access) = self.fresh_access() {
            return Ok(access);
        }
        let _turn = self.renewing.lock().await;
        // Another request may have renewed while this one waited.
        if let Some(access) = self.fresh_access() {
            return Ok(access);
        }
        Ok(self.renew(client).await?.access)
    }

    /// After the server refused `rejected` (clock skew, a restarted server with a new secret):
    /// a new access token, unless renewing fails.
    pub(crate) async fn replace_rejected(
        &self,
        client: &Client,
        rejected: &str,
    ) -> Result<String, Error<types::ApiError>> {
        let _turn = self.renewing.lock().await;
        match self.current() {
            Some(pair) if pair.access != rejected => Ok(pair.access),
            _ => Ok(self.renew(client).await?.access),
        }
    }

    /// Refreshes the pair, or logs in again when there is no refresh token or it is refused.
    /// Callers hold `renewing`.
    // Boxed: the token requests run through the same hooks that call this, so the future
    // would otherwise contain itself.
    fn renew<'a>(
        &'a self,
        client: &'a Client,
    ) -> BoxFuture<'a, Result<types::TokenPairResponse, Error<types::ApiError>>> {
        Box::pin(async move {
            // The token endpoints take no Bearer header; an anonymous twin sharing the
            // connection pool keeps the hooks out of the way.
            let anonymous = Client::new_with_client(
                client.baseurl(),
                client.client().clone(),
                Auth::anonymous(),
            );
            let mut refused = None;
            if let Some(old) = self.current() {
                match anonymous
                    .token_refresh()
                    .body_map(|b| b.refresh(old.refresh))
                    .send()
                    .await
                {
                    Ok(pair) => return Ok(self.store(pair.into_inner())),
                    Err(e) => refused = Some(e),
                }
            }
            let Some(credentials) = &self.credentials else {
                return Err(refused.unwrap_or_else(|| {
                    Error::Custom("chat-sdk: the session has neither tokens nor credentials".into())
                }));
            };
            let pair = anonymous
                .token_obtain()
                .body_map(|b| {
                    b.username(credentials.username.clone())
                        .password(credentials.password.clone())
                })
                .send()
                .await?;
            Ok(self.store(pair.into_inner()))
        })
    }

    fn store(&self, pair: types::TokenPairResponse) -> types::TokenPairResponse {
        *self.lock() = Some(Tokens::new(pair.clone()));
        pair
    }
}

/// Session helpers on the generated client.
impl Client {
    /// A client without credentials (see [`Auth::anonymous`]).
    pub fn anonymous(baseurl: &str) -> Client {
        Client::new(baseurl, Auth::anonymous())
    }

    /// Logs in now and returns a client that keeps itself logged in: it sends the access
    /// token, refreshes it shortly before it expires, and logs in again with these
    /// credentials if the refresh is refused.
    ///
    /// Wrong credentials are a typed 401 (`detail`: "No active account found with the given
    /// credentials").
    pub async fn login(
        baseurl: &str,
        username: &str,
        password: &str,
    ) -> Result<Client, Error<types::ApiError>> {
        let client = Client::new(baseurl, Auth::with_credentials(username, password));
        client.renew_tokens().await?;
        Ok(client)
    }

    /// The session's current token pair (e.g. to save it for [`Auth::with_tokens`]); `None`
    /// for an anonymous client or before the first login.
    pub fn tokens(&self) -> Option<types::TokenPairResponse> {
        self.inner().get()?.current()
    }

    /// Renews the tokens now: refreshes them, or logs in again if that is refused. Requests do
    /// this by themselves when needed; this is for callers who want the typed error of a
    /// failed renewal, or fresh tokens to save.
    pub async fn renew_tokens(&self) -> Result<types::TokenPairResponse, Error<types::ApiError>> {
        let Some(session) = self.inner().get() else {
            return Err(Error::Custom(
                "chat-sdk: an anonymous client has no tokens to renew".into(),
            ));
        };
        let _turn = session.renewing.lock().await;
        session.renew(self).await
    }
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    use super::*;

    fn token(exp: u64) -> String {
        let payload = URL_SAFE_NO_PAD.encode(format!(r#"{{"exp":{exp},"iat":{}}}"#, exp - 300));
        format!("e30.{payload}.sig")
    }

    fn session(access: String) -> Auth {
        Auth::with_tokens(types::TokenPairResponse {
            access,
            refresh: "r".into(),
        })
    }

    fn now() -> u64 {
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .expect("after 1970")
            .as_secs()
    }

    #[test]
    fn a_token_is_used_until_shortly_before_it_expires() {
        let fresh = session(token(now() + 300));
        assert!(fresh.get().expect("a session").fresh_access().is_some());
        // Within the last 30 seconds of a 5-minute token: renew first.
        let due = session(token(now() + 10));
        assert!(due.get().expect("a session").fresh_access().is_none());
    }

    #[test]
    fn an_unreadable_token_is_used_until_the_server_refuses_it() {
        let auth = session("opaque".into());
        assert_eq!(
            auth.get().expect("a session").fresh_access().as_deref(),
            Some("opaque")
        );
    }

    #[test]
    fn debug_output_hides_secrets() {
        let auth = Auth::with_credentials("alice", "hunter22-secret");
        let shown = format!("{auth:?}");
        assert!(
            shown.contains("alice") && !shown.contains("hunter22"),
            "{shown}"
        );
        let shown = format!("{:?}", session("secret-token".into()));
        assert!(!shown.contains("secret-token"), "{shown}");
        assert_eq!(format!("{:?}", Auth::anonymous()), "Auth::anonymous()");
    }
}
