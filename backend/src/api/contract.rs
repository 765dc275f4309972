//! The last pass over the generated OpenAPI document: what every operation shares is stated once
//! here rather than repeated on each handler — the errors that extractors and middleware answer
//! before a handler runs, the `If-Match` rule, list pages by reference, binary downloads.

use serde_json::{json, Value};

use crate::domain::evidence::filetype::FileType;

/// An entity-tag list or `*` (RFC 9110 §8.8.3, §13.1.1), or a bare version.
pub const IF_MATCH_PATTERN: &str = r#"^(\*|[0-9]+|(W/)?"[!#-~]*"([ \t]*,[ \t]*(W/)?"[!#-~]*")*)$"#;
/// Not blank: some character that `str::trim` keeps (Unicode White_Space is what it removes).
pub const NOT_BLANK_PATTERN: &str = "[^\\t-\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]";
/// 1 to 255 visible ASCII characters other than `"`, bare or quoted.
pub const IDEMPOTENCY_KEY_PATTERN: &str = r#"^("[!#-~]{1,255}"|[!#-~]{1,255})$"#;

/// Shared error responses, referenced from the operations as `#/components/responses/<name>`.
const SHARED: [(&str, &str, &str); 9] = [
    ("MalformedRequest", "400", "Malformed request: JSON syntax, query parameters or headers (`malformed_json`, `invalid_query`, `invalid_if_match`, …)"),
    ("NotSignedIn", "401", "Not signed in, or the token is invalid or expired"),
    ("PayloadTooLarge", "413", "The body is larger than the server accepts (`payload_too_large`)"),
    ("UnsupportedMediaType", "415", "The body is not of the documented media type (`unsupported_media_type`)"),
    ("Conflict", "409", "Conflicts with the current state (`code` says how): e.g. the item is closed out and read-only, a duplicate, or a concurrent change (`concurrent_change`)"),
    ("InvalidBody", "422", "Well-formed but invalid: a body or query value out of range, or a rule the schema cannot state; `errors` points at each field"),
    ("StaleVersion", "412", "If-Match names no current version (`version_mismatch`): reload and try again"),
    ("VersionRequired", "428", "If-Match is missing (`if_match_required`)"),
    ("Unavailable", "503", "The database does not answer (`database_unavailable`); try again shortly"),
];

pub fn apply(doc: &mut Value) {
    doc["info"]["license"]["identifier"] = json!("AGPL-3.0-or-later");
    doc["servers"] = json!([{"url": "/", "description": "This server"}]);
    let responses = doc["components"].as_object_mut().expect("components").entry("responses").or_insert_with(|| json!({}));
    for (name, _, description) in SHARED {
        responses[name] = json!({
            "description": description,
            "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
        });
    }
    reference_page_items(doc);
    not_blank(doc);
    let mut closed_forms = Vec::new();
    let paths = doc["paths"].as_object_mut().expect("paths");
    for (path, item) in paths.iter_mut() {
        for (method, op) in item.as_object_mut().expect("path item").iter_mut() {
            operation(path, method, op, &mut closed_forms);
        }
    }
    // Multipart forms take their declared fields only (`unknown_field` otherwise).
    for form in closed_forms {
        doc["components"]["schemas"][&form]["additionalProperties"] = json!(false);
    }
}

fn operation(path: &str, method: &str, op: &mut Value, closed_forms: &mut Vec<String>) {
    let api = path.starts_with("/api/");
    let mut add = Vec::new();
    if op["security"].as_array().is_some_and(|s| !s.is_empty()) {
        add.push("NotSignedIn");
    }
    let params = op["parameters"].as_array_mut().map(std::mem::take).unwrap_or_default();
    let mut checked_params = !params.iter().all(|p| p["in"] == "path");
    let params: Vec<Value> = params.into_iter().map(|p| parameter(p, &mut add)).collect();
    if !params.is_empty() {
        op["parameters"] = Value::Array(params);
    }
    if let Some(content) = op["requestBody"]["content"].as_object() {
        add.extend(["MalformedRequest", "PayloadTooLarge", "UnsupportedMediaType", "InvalidBody"]);
        checked_params = true;
        if let Some(form) = content.get("multipart/form-data").and_then(|c| c["schema"]["$ref"].as_str()) {
            closed_forms.push(form.trim_start_matches("#/components/schemas/").to_string());
        }
        op["requestBody"]["required"] = json!(true);
    }
    if checked_params {
        add.extend(["MalformedRequest", "InvalidBody"]);
    }
    if api {
        add.push("Unavailable");
        // Any write can meet a state it may not change, or a concurrent one.
        if method != "get" && !path.starts_with("/api/v1/auth/") {
            add.push("Conflict");
        }
    }
    let responses = op["responses"].as_object_mut().expect("responses");
    for name in add {
        let (_, status, _) = SHARED.iter().find(|(n, ..)| *n == name).expect("a shared response");
        responses.entry(status.to_string()).or_insert_with(|| json!({"$ref": format!("#/components/responses/{name}")}));
    }
    for response in responses.values_mut() {
        binary_downloads(response);
    }
}

fn parameter(mut p: Value, add: &mut Vec<&'static str>) -> Value {
    match (p["in"].as_str(), p["name"].as_str()) {
        (Some("header"), Some("If-Match")) => {
            p["required"] = json!(true);
            p["schema"] = json!({"type": "string", "pattern": IF_MATCH_PATTERN});
            p["description"] = json!("The ETag you read (`\"3\"`), several of them, or `*` for whatever is current");
            add.extend(["MalformedRequest", "StaleVersion", "VersionRequired"]);
        }
        (Some("header"), Some("Idempotency-Key")) => {
            p["schema"] = json!({"type": "string", "pattern": IDEMPOTENCY_KEY_PATTERN});
            add.push("MalformedRequest");
        }
        _ => {}
    }
    p
}

/// Required text is trimmed and must not be blank: `minLength: 1` on a text field says so, and
/// the pattern says which characters count as blank.
fn not_blank(doc: &mut Value) {
    for schema in doc["components"]["schemas"].as_object_mut().expect("schemas").values_mut() {
        for field in schema.get_mut("properties").and_then(Value::as_object_mut).into_iter().flat_map(|p| p.values_mut()) {
            if field["minLength"] == 1 && field.get("pattern").is_none() {
                field["pattern"] = json!(NOT_BLANK_PATTERN);
            }
        }
    }
}

/// `Page_X` lists items of schema `X`: say so by reference instead of a copy.
fn reference_page_items(doc: &mut Value) {
    let schemas = doc["components"]["schemas"].as_object_mut().expect("schemas");
    let names: Vec<String> = schemas.keys().cloned().collect();
    for name in names {
        let Some(item) = name.strip_prefix("Page_") else { continue };
        if schemas.contains_key(item) {
            schemas[&name]["properties"]["items"]["items"] = json!({"$ref": format!("#/components/schemas/{item}")});
        }
    }
}

/// Bodies declared as bytes are binary strings; evidence downloads list the media types a file
/// can be served as.
fn binary_downloads(response: &mut Value) {
    let Some(content) = response.get_mut("content").and_then(Value::as_object_mut) else { return };
    let binary = json!({"type": "string", "format": "binary"});
    let is_bytes = |c: &Value| c["schema"]["type"] == "array" && c["schema"]["items"]["type"] == "integer";
    if let Some(c) = content.get("application/octet-stream").filter(|c| is_bytes(c)) {
        let c = c.clone();
        content.remove("application/octet-stream");
        for t in FileType::ALL {
            let mut typed = c.clone();
            typed["schema"] = binary.clone();
            content.insert(t.content_type().to_string(), typed);
        }
        return;
    }
    for c in content.values_mut().filter(|c| is_bytes(c)) {
        c["schema"] = binary.clone();
    }
}
