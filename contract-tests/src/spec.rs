//! `openapi.yaml` read as data: its operations, what each documents, and which operation a
//! request is for.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;

use crate::schema::{ObjectPolicy, SchemaSet};

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// The parsed contract.
pub struct Spec {
    /// The whole document, for rules that look at more than operations.
    pub document: Value,
    pub operations: Vec<Operation>,
    /// The component schemas, converted for validation (objects closed: see [`ObjectPolicy`]).
    pub schemas: SchemaSet,
}

/// One method of one path.
#[derive(Debug, Clone)]
pub struct Operation {
    /// `""` when the spec gives none (a spec rule reports that).
    pub id: String,
    /// Upper case, as on the wire.
    pub method: String,
    /// The path template as written, e.g. `/api/chat/rooms/{id}/`.
    pub path: String,
    /// By status code; `default` or ranges like `4XX` are kept under their own key.
    pub responses: BTreeMap<String, DocumentedResponse>,
    /// The operation object itself.
    pub raw: Value,
}

#[derive(Debug, Clone)]
pub struct DocumentedResponse {
    /// The one media type of its body, if it has one.
    pub media_type: Option<String>,
    pub schema: Option<Value>,
    /// Headers marked `required: true`.
    pub required_headers: Vec<String>,
}

impl Spec {
    /// The workspace's `openapi.yaml`.
    pub fn load() -> Spec {
        let path = crate::server::workspace_root().join("openapi.yaml");
        Spec::read(&path)
    }

    pub fn read(path: &Path) -> Spec {
        let text = std::fs::read_to_string(path)
            .unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()));
        let document: Value = serde_yaml::from_str(&text)
            .unwrap_or_else(|err| panic!("{} is not YAML: {err}", path.display()));
        Spec::from_document(document)
    }

    pub fn from_document(document: Value) -> Spec {
        let mut operations = Vec::new();
        if let Some(paths) = document.get("paths").and_then(Value::as_object) {
            for (path, item) in paths {
                for method in METHODS {
                    if let Some(op) = item.get(method) {
                        operations.push(Operation::new(path, method, op));
                    }
                }
            }
        }
        let schemas = SchemaSet::new(&document["components"], ObjectPolicy::Closed);
        Spec {
            document,
            operations,
            schemas,
        }
    }

    /// The operation `method` + `path` (no query) is a request for. A path matches a template
    /// with or without its trailing slash; where several templates match, the one with the
    /// most literal segments wins (`/users/me/` over `/users/{id}/`).
    pub fn operation_for(&self, method: &str, path: &str) -> Result<&Operation, Unmatched> {
        let scored: Vec<(usize, &Operation)> = self
            .operations
            .iter()
            .filter_map(|op| literal_segments(&op.path, path).map(|score| (score, op)))
            .collect();
        let best = scored.iter().map(|(score, _)| *score).max();
        let on_path: Vec<&Operation> = scored
            .into_iter()
            .filter(|(score, _)| Some(*score) == best)
            .map(|(_, op)| op)
            .collect();
        if on_path.is_empty() {
            return Err(Unmatched::Path);
        }
        on_path
            .iter()
            .find(|op| op.method.eq_ignore_ascii_case(method))
            .copied()
            .ok_or_else(|| Unmatched::Method {
                allowed: on_path.iter().map(|op| op.method.clone()).collect(),
            })
    }

    /// Every (operationId, status) the spec documents with a numeric status.
    pub fn documented_pairs(&self) -> BTreeSet<(String, u16)> {
        self.operations
            .iter()
            .flat_map(|op| {
                op.documented_statuses()
                    .into_iter()
                    .map(|status| (op.id.clone(), status))
            })
            .collect()
    }
}

/// Why a request is for no operation of the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unmatched {
    Path,
    Method { allowed: Vec<String> },
}

impl Operation {
    fn new(path: &str, method: &str, raw: &Value) -> Operation {
        let responses = raw
            .get("responses")
            .and_then(Value::as_object)
            .map(|responses| {
                responses
                    .iter()
                    .map(|(status, response)| (status.clone(), DocumentedResponse::new(response)))
                    .collect()
            })
            .unwrap_or_default();
        Operation {
            id: raw["operationId"].as_str().unwrap_or_default().to_owned(),
            method: method.to_ascii_uppercase(),
            path: path.to_owned(),
            responses,
            raw: raw.clone(),
        }
    }

    pub fn documented_statuses(&self) -> Vec<u16> {
        self.responses
            .keys()
            .filter_map(|status| status.parse().ok())
            .collect()
    }

    /// What the spec says about `status`: the exact code, else its range (`4XX`), else
    /// `default`.
    pub fn response(&self, status: u16) -> Option<&DocumentedResponse> {
        let range = format!("{}XX", status / 100);
        self.responses
            .get(&status.to_string())
            .or_else(|| self.responses.get(&range))
            .or_else(|| self.responses.get("default"))
    }

    pub fn has_request_body(&self) -> bool {
        self.raw.get("requestBody").is_some()
    }

    pub fn is_secured(&self) -> bool {
        self.raw
            .get("security")
            .and_then(Value::as_array)
            .is_some_and(|requirements| !requirements.is_empty())
    }

    pub fn has_path_parameters(&self) -> bool {
        self.path.contains('{')
    }
}

impl DocumentedResponse {
    fn new(response: &Value) -> DocumentedResponse {
        let content = response.get("content").and_then(Value::as_object);
        let (media_type, schema) = content
            .and_then(|content| content.iter().next())
            .map(|(media_type, body)| (Some(media_type.clone()), body.get("schema").cloned()))
            .unwrap_or((None, None));
        let required_headers = response
            .get("headers")
            .and_then(Value::as_object)
            .map(|headers| {
                headers
                    .iter()
                    .filter(|(_, header)| header["required"] == Value::Bool(true))
                    .map(|(name, _)| name.clone())
                    .collect()
            })
            .unwrap_or_default();
        DocumentedResponse {
            media_type,
            schema,
            required_headers,
        }
    }
}

/// How many literal segments of `template` match `path`, or `None` if it does not match.
fn literal_segments(template: &str, path: &str) -> Option<usize> {
    let template: Vec<&str> = segments(template);
    let path: Vec<&str> = segments(path);
    if template.len() != path.len() {
        return None;
    }
    let mut literals = 0;
    for (expected, actual) in template.iter().zip(&path) {
        if expected.starts_with('{') && expected.ends_with('}') {
            if actual.is_empty() {
                return None;
            }
        } else if expected == actual {
            literals += 1;
        } else {
            return None;
        }
    }
    Some(literals)
}

fn segments(path: &str) -> Vec<&str> {
    path.strip_suffix('/').unwrap_or(path).split('/').collect()
}
