//! The committed OpenAPI document must be what the code describes.

#[test]
fn committed_openapi_json_is_up_to_date() {
    let generated = rectify::api::openapi().to_pretty_json().unwrap() + "\n";
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi/openapi.json");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        generated == committed,
        "openapi/openapi.json is stale; regenerate it with:\n  cargo run -p rectify -- openapi --output openapi/openapi.json"
    );
}

#[test]
fn every_operation_is_tagged_documented_and_lists_its_errors() {
    let doc = serde_json::to_value(rectify::api::openapi()).unwrap();
    let mut ids = std::collections::HashSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let what = format!("{method} {path}");
            assert!(op["tags"].as_array().is_some_and(|t| !t.is_empty()), "{what}: no tag");
            assert!(op["summary"].is_string(), "{what}: no summary");
            assert!(ids.insert(op["operationId"].as_str().unwrap().to_string()), "{what}: duplicate operationId");
            let responses = op["responses"].as_object().unwrap();
            if path.starts_with("/api/v1/") {
                assert!(responses.keys().any(|s| s.starts_with('4')), "{what}: no error responses");
                let public = ["/api/v1/auth/login", "/api/v1/auth/refresh", "/api/v1/auth/logout"].contains(&path.as_str());
                if !public {
                    assert!(responses.contains_key("401"), "{what}: 401 not documented");
                    assert!(op["security"].is_array(), "{what}: no security");
                }
                // Tokens are never changed, only revoked.
                let exempt = path.starts_with("/api/v1/api-tokens");
                if ["patch", "put", "delete"].contains(&method.as_str()) && !exempt {
                    assert!(responses.contains_key("412") && responses.contains_key("428"), "{what}: If-Match errors not documented");
                }
            }
        }
    }
}
