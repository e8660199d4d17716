//! The generated client's hooks: they put the session's Bearer token on each request.

use progenitor_client::{ClientHooks, OperationInfo};
use reqwest::header::{AUTHORIZATION, HeaderValue};

use crate::session::Auth;
use crate::{Client, ClientInfo, Error, types};

impl ClientHooks<Auth> for Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        _info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        let Some(session) = self.inner().get() else {
            return Ok(());
        };
        let access = session.access_token(self).await.map_err(renewal_failed)?;
        set_bearer(request, &access).ok_or_else(|| {
            progenitor_client::Error::Custom(
                "chat-sdk: the server issued an access token that is not a header value".into(),
            )
        })
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        _info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let session = self.inner().get();
        let sent = bearer(&request);
        // Bodies here are JSON bytes, so the clone only fails for streams (then no retry).
        let retry = session.and(sent.as_ref()).and_then(|_| request.try_clone());
        let response = self.client().execute(request).await?;
        let (Some(session), Some(sent), Some(mut retry)) = (session, sent, retry) else {
            return Ok(response);
        };
        if response.status() != reqwest::StatusCode::UNAUTHORIZED {
            return Ok(response);
        }
        // A token that looked valid was refused: renew once and resend. If renewing fails,
        // the caller gets the server's typed 401.
        match session.replace_rejected(self, &sent).await {
            Ok(access) if set_bearer(&mut retry, &access).is_some() => {
                self.client().execute(retry).await
            }
            _ => Ok(response),
        }
    }
}

fn bearer(request: &reqwest::Request) -> Option<String> {
    let value = request.headers().get(AUTHORIZATION)?.to_str().ok()?;
    value.strip_prefix("Bearer ").map(str::to_owned)
}

fn set_bearer(request: &mut reqwest::Request, access: &str) -> Option<()> {
    let mut value = HeaderValue::from_str(&format!("Bearer {access}")).ok()?;
    value.set_sensitive(true);
    request.headers_mut().insert(AUTHORIZATION, value);
    Some(())
}

/// The hook's error type is progenitor's and generic, so a failed renewal cannot stay a typed
/// `ErrorResponse`; transport failures keep their type, the rest becomes text.
fn renewal_failed<E>(error: Error<types::ApiError>) -> progenitor_client::Error<E> {
    match error {
        Error::CommunicationError(e) => progenitor_client::Error::CommunicationError(e),
        other => progenitor_client::Error::Custom(format!(
            "chat-sdk: the access token expired and could not be renewed: {other}"
        )),
    }
}
