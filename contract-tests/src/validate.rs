//! Whether one HTTP exchange keeps the contract: the status is one the operation documents,
//! the Content-Type and required headers are the documented ones, and the body matches the
//! status's schema.

use std::collections::BTreeMap;
use std::fmt;

use serde_json::Value;

use crate::annotate::annotated_json;
use crate::schema::SchemaError;
use crate::spec::{Spec, Unmatched};

/// Longest body text shown in a failure; longer ones are cut (a page of rooms is plenty).
const BODY_SHOWN: usize = 6000;

/// A request and the response it got, as seen on the wire.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub method: String,
    pub url: String,
    /// What was sent, for the failure report (`None` without a body).
    pub request_body: Option<String>,
    pub status: u16,
    /// Header names in lower case.
    pub headers: BTreeMap<String, String>,
    pub body: Vec<u8>,
}

/// What checking an exchange found.
#[derive(Debug, Clone)]
pub struct Verdict {
    /// The operation the request was for, if the spec has one.
    pub operation_id: Option<String>,
    /// Whether the spec documents the status for that operation.
    pub status_documented: bool,
    /// Empty when the exchange keeps the contract.
    pub problems: Vec<String>,
    /// The body's schema errors (also among `problems`), to mark in the printed body.
    pub schema_errors: Vec<SchemaError>,
    pub documented_statuses: Vec<String>,
}

impl Verdict {
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Checks `exchange` against `spec`.
pub fn check(spec: &Spec, exchange: &Exchange) -> Verdict {
    let mut verdict = Verdict {
        operation_id: None,
        status_documented: false,
        problems: Vec::new(),
        schema_errors: Vec::new(),
        documented_statuses: Vec::new(),
    };
    let path = request_path(&exchange.url);
    let operation = match spec.operation_for(&exchange.method, &path) {
        Ok(operation) => operation,
        Err(Unmatched::Path) => {
            verdict
                .problems
                .push(format!("no path of openapi.yaml matches {path}"));
            return verdict;
        }
        Err(Unmatched::Method { allowed }) => {
            verdict.problems.push(format!(
                "openapi.yaml documents {} for this path, not {}",
                allowed.join(", "),
                exchange.method
            ));
            return verdict;
        }
    };
    verdict.operation_id = Some(operation.id.clone());
    verdict.documented_statuses = operation.responses.keys().cloned().collect();

    let Some(documented) = operation.response(exchange.status) else {
        verdict.problems.push(format!(
            "status {} is not documented for {}",
            exchange.status, operation.id
        ));
        return verdict;
    };
    verdict.status_documented = true;

    for header in &documented.required_headers {
        if !exchange.headers.contains_key(&header.to_ascii_lowercase()) {
            verdict
                .problems
                .push(format!("the required header {header} is missing"));
        }
    }

    let content_type = exchange.headers.get("content-type");
    let Some(media_type) = &documented.media_type else {
        // A documented response without content: nothing may come back.
        if let Some(actual) = content_type {
            verdict.problems.push(format!(
                "Content-Type is {actual:?}, but status {} documents no body",
                exchange.status
            ));
        }
        if !exchange.body.is_empty() {
            verdict.problems.push(format!(
                "a body of {} bytes, but status {} documents none",
                exchange.body.len(),
                exchange.status
            ));
        }
        return verdict;
    };

    match content_type {
        Some(actual) if same_media_type(actual, media_type) => {}
        Some(actual) => verdict.problems.push(format!(
            "Content-Type is {actual:?}, documented {media_type:?}"
        )),
        None => verdict
            .problems
            .push(format!("no Content-Type, documented {media_type:?}")),
    }

    let body: Value = if is_json(media_type) {
        match serde_json::from_slice(&exchange.body) {
            Ok(body) => body,
            Err(err) => {
                verdict
                    .problems
                    .push(format!("the body is not JSON: {err}"));
                return verdict;
            }
        }
    } else {
        // A text body (`/metrics`' Prometheus text) is checked as the string it is.
        match std::str::from_utf8(&exchange.body) {
            Ok(text) => Value::String(text.to_owned()),
            Err(err) => {
                verdict
                    .problems
                    .push(format!("the {media_type} body is not UTF-8: {err}"));
                return verdict;
            }
        }
    };
    if let Some(schema) = &documented.schema {
        verdict.schema_errors = spec.schemas.errors(schema, &body);
        verdict
            .problems
            .extend(verdict.schema_errors.iter().map(ToString::to_string));
    }
    verdict
}

/// A failed check, ready to read: what was asked, what came back, and why it is wrong.
#[derive(Debug, Clone)]
pub struct Violation {
    pub exchange: Exchange,
    pub operation_id: Option<String>,
    pub documented_statuses: Vec<String>,
    pub problems: Vec<String>,
    pub schema_errors: Vec<SchemaError>,
}

impl Violation {
    pub fn new(exchange: Exchange, verdict: Verdict) -> Violation {
        Violation {
            exchange,
            operation_id: verdict.operation_id,
            documented_statuses: verdict.documented_statuses,
            problems: verdict.problems,
            schema_errors: verdict.schema_errors,
        }
    }

    /// The response body, pretty-printed, with each schema error beside its line.
    fn marked_body(&self) -> String {
        let Ok(body) = serde_json::from_slice::<Value>(&self.exchange.body) else {
            return pretty_body(&self.exchange.body);
        };
        let mut marks: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for error in &self.schema_errors {
            marks
                .entry(error.instance_path.clone())
                .or_default()
                .push(error.message.clone());
        }
        annotated_json(&body, &marks)
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let exchange = &self.exchange;
        writeln!(
            f,
            "{} {} -> {}",
            exchange.method, exchange.url, exchange.status
        )?;
        let operation = self.operation_id.as_deref().unwrap_or("(no operation)");
        writeln!(
            f,
            "  operation {operation}; documented statuses: {}",
            if self.documented_statuses.is_empty() {
                "none".to_owned()
            } else {
                self.documented_statuses.join(", ")
            }
        )?;
        for problem in &self.problems {
            writeln!(f, "  - {problem}")?;
        }
        if let Some(request) = &exchange.request_body {
            writeln!(f, "  request body:")?;
            write_indented(f, &shorten(request))?;
        }
        if let Some(content_type) = exchange.headers.get("content-type") {
            writeln!(f, "  response Content-Type: {content_type}")?;
        }
        writeln!(f, "  response body:")?;
        write_indented(f, &shorten(&self.marked_body()))
    }
}

/// The body as indented JSON when it is JSON, else as text.
pub fn pretty_body(body: &[u8]) -> String {
    if body.is_empty() {
        return "(empty)".to_owned();
    }
    serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|json| serde_json::to_string_pretty(&json).ok())
        .unwrap_or_else(|| String::from_utf8_lossy(body).into_owned())
}

fn shorten(text: &str) -> String {
    if text.len() <= BODY_SHOWN {
        return text.to_owned();
    }
    let mut end = BODY_SHOWN;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}\n... ({} bytes in all)", &text[..end], text.len())
}

fn write_indented(f: &mut fmt::Formatter<'_>, text: &str) -> fmt::Result {
    for line in text.lines() {
        writeln!(f, "    {line}")?;
    }
    Ok(())
}

/// The path of an absolute or relative URL, without its query.
fn request_path(url: &str) -> String {
    let without_origin = match url.find("://") {
        Some(scheme_end) => {
            let rest = &url[scheme_end + 3..];
            rest.find('/').map_or("/", |slash| &rest[slash..])
        }
        None => url,
    };
    without_origin
        .split(['?', '#'])
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// `application/json` or a `+json` suffix, with any parameters.
fn is_json(media_type: &str) -> bool {
    let essence = media_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json" || essence.ends_with("+json")
}

/// Media types compare without regard to case or the spaces around parameters.
fn same_media_type(actual: &str, documented: &str) -> bool {
    let normalise = |s: &str| {
        s.split(';')
            .map(|part| part.trim().to_ascii_lowercase())
            .collect::<Vec<_>>()
    };
    normalise(actual) == normalise(documented)
}
