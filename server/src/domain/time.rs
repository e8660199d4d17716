//! Timestamps: stored as microseconds since the Unix epoch, shown as RFC 3339 UTC with
//! microseconds (`2025-07-05T16:44:51.889737Z`), as Django REST Framework renders them.

use chrono::{DateTime, SecondsFormat, Utc};

pub fn now_micros() -> i64 {
    Utc::now().timestamp_micros()
}

pub fn rfc3339(micros: i64) -> String {
    DateTime::<Utc>::from_timestamp_micros(micros)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Micros, true)
}

#[cfg(test)]
mod tests {
    #[test]
    fn renders_like_drf() {
        assert_eq!(
            super::rfc3339(1_751_733_891_889_737),
            "2025-07-05T16:44:51.889737Z"
        );
        assert_eq!(
            super::rfc3339(1_751_733_891_000_000),
            "2025-07-05T16:44:51.000000Z"
        );
    }
}
