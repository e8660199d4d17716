//! A JSON body pretty-printed with each schema error written beside the line it is about, so
//! a failure reads like a diff of what came back against what the spec allows.

use std::collections::BTreeMap;

use serde_json::Value;

/// `marks` maps JSON pointers (`""` is the whole value) to what is wrong there.
pub fn annotated_json(value: &Value, marks: &BTreeMap<String, Vec<String>>) -> String {
    let mut lines = Vec::new();
    write_value(
        &mut lines,
        value,
        &Place {
            pointer: String::new(),
            depth: 0,
            key: None,
            comma: false,
        },
        marks,
    );
    lines.join("\n")
}

struct Place<'a> {
    pointer: String,
    depth: usize,
    key: Option<&'a str>,
    comma: bool,
}

fn write_value(
    lines: &mut Vec<String>,
    value: &Value,
    place: &Place<'_>,
    marks: &BTreeMap<String, Vec<String>>,
) {
    let pad = "  ".repeat(place.depth);
    let head = match place.key {
        Some(key) => format!("{pad}{}: ", Value::String(key.to_owned())),
        None => pad.clone(),
    };
    let comma = if place.comma { "," } else { "" };
    let mark = marks
        .get(&place.pointer)
        .map(|found| format!("    <== {}", found.join("; ")))
        .unwrap_or_default();

    let children: Vec<(String, Option<&str>, &Value)> = match value {
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| (escape(k), Some(k.as_str()), v))
            .collect(),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, v)| (i.to_string(), None, v))
            .collect(),
        _ => Vec::new(),
    };
    if children.is_empty() {
        lines.push(format!("{head}{value}{comma}{mark}"));
        return;
    }
    let (open, close) = if value.is_object() {
        ("{", "}")
    } else {
        ("[", "]")
    };
    lines.push(format!("{head}{open}{mark}"));
    let last = children.len() - 1;
    for (index, (segment, key, child)) in children.into_iter().enumerate() {
        let child_place = Place {
            pointer: format!("{}/{segment}", place.pointer),
            depth: place.depth + 1,
            key,
            comma: index != last,
        };
        write_value(lines, child, &child_place, marks);
    }
    lines.push(format!("{pad}{close}{comma}"));
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}
