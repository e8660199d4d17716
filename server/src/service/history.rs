//! A message's versions: every content it has had, written by the database on each edit that
//! changed it.

use super::PageWindow;
use super::readable::Readable;
use crate::domain::time::rfc3339;
use crate::error::Error;
use crate::store::{Store, VersionRow};

/// One content of a message.
#[derive(Debug, Clone, PartialEq)]
pub struct MessageVersion {
    /// 1 for the content the message was sent with; the highest is the current content.
    pub version: i64,
    pub content: String,
    pub created_at: String,
}

/// A page of the message's versions, oldest first, and how many there are.
pub async fn versions(
    store: &Store,
    message: &Readable,
    page: PageWindow<'_>,
) -> Result<(i64, Vec<MessageVersion>), Error> {
    let count = store.count_versions(message.id()).await?;
    let (limit, offset) = page(count)?;
    let rows = store.versions(message.id(), limit, offset).await?;
    let versions = (offset + 1..)
        .zip(rows)
        .map(
            |(
                version,
                VersionRow {
                    content,
                    created_at,
                },
            )| MessageVersion {
                version,
                content,
                created_at: rfc3339(created_at),
            },
        )
        .collect();
    Ok((count, versions))
}
