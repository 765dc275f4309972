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

#[test]
fn the_document_states_what_strict_clients_rely_on() {
    let doc = serde_json::to_value(rectify::api::openapi()).unwrap();
    assert_eq!(doc["info"]["license"]["identifier"], "AGPL-3.0-or-later");
    assert!(doc["servers"].as_array().is_some_and(|s| !s.is_empty()));
    let schemas = &doc["components"]["schemas"];
    // List pages refer to their item schema.
    for (name, schema) in schemas.as_object().unwrap().iter().filter(|(n, _)| n.starts_with("Page_")) {
        let item = format!("#/components/schemas/{}", &name["Page_".len()..]);
        assert_eq!(schema["properties"]["items"]["items"]["$ref"], item.as_str(), "{name}");
    }
    // Required text is not blank and bounded; the password rule and the multipart forms are stated.
    assert_eq!(schemas["NewMeasure"]["properties"]["title"]["minLength"], 1);
    assert_eq!(schemas["NewMeasure"]["properties"]["title"]["maxLength"], 200);
    assert!(schemas["NewMeasure"]["properties"]["title"]["pattern"].is_string());
    assert_eq!(schemas["NewUser"]["properties"]["password"]["minLength"], 8);
    assert_eq!(schemas["UploadForm"]["additionalProperties"], false);
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let what = format!("{method} {path}");
            let responses = op["responses"].as_object().unwrap();
            if op["requestBody"]["content"].get("application/json").is_some() {
                for status in ["400", "413", "415", "422"] {
                    assert!(responses.contains_key(status), "{what}: {status} not documented");
                }
            }
            for p in op["parameters"].as_array().into_iter().flatten() {
                if p["name"] == "If-Match" {
                    assert_eq!(p["required"], true, "{what}");
                    assert!(p["schema"]["pattern"].is_string(), "{what}");
                }
                if ["sort", "file_type"].contains(&p["name"].as_str().unwrap()) {
                    assert!(p["schema"]["$ref"].is_string(), "{what}: {} is not an enumeration", p["name"]);
                }
            }
            // Downloads are binary, typed with the media types they are served as.
            for r in responses.values() {
                for (media, c) in r["content"].as_object().into_iter().flatten() {
                    if !media.contains("json") && !media.starts_with("text/") {
                        assert_eq!(c["schema"], serde_json::json!({"type": "string", "format": "binary"}), "{what}: {media}");
                    }
                }
            }
        }
    }
    let content = &doc["paths"]["/api/v1/evidence/{id}/content"]["get"]["responses"]["200"]["content"];
    assert!(content.get("application/pdf").is_some() && content.get("image/jpeg").is_some(), "{content}");
}

/// utoipa names a schema after its Rust type and keeps the last one registered under a name: two
/// types of one name in different modules would silently replace each other in the document.
#[test]
fn schema_names_are_unique() {
    fn rust_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let p = entry.path();
            if p.is_dir() {
                rust_files(&p, out);
            } else if p.extension().is_some_and(|e| e == "rs") {
                out.push(p);
            }
        }
    }
    let mut files = Vec::new();
    rust_files(std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src")), &mut files);
    let mut seen: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    let mut clashes = Vec::new();
    for file in files {
        let source = std::fs::read_to_string(&file).unwrap();
        let lines: Vec<&str> = source.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            if !(line.trim_start().starts_with("#[derive(") && line.contains("ToSchema")) {
                continue;
            }
            // The item the derive belongs to, and a `#[schema(as = …)]` that renames it.
            let mut renamed = None;
            for next in &lines[i + 1..(i + 8).min(lines.len())] {
                let t = next.trim_start();
                if let Some(rest) = t.strip_prefix("#[schema(as = ") {
                    renamed = Some(rest.trim_end_matches(")]").to_string());
                }
                let item = t.strip_prefix("pub ").unwrap_or(t);
                if let Some(rest) = item.strip_prefix("struct ").or_else(|| item.strip_prefix("enum ")) {
                    let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                    let name = renamed.take().unwrap_or(name);
                    let at = format!("{}:{}", file.display(), i + 1);
                    if let Some(first) = seen.insert(name.clone(), at.clone()) {
                        clashes.push(format!("{name}: {first} and {at}"));
                    }
                    break;
                }
            }
        }
    }
    assert!(clashes.is_empty(), "schemas of the same name replace each other in the OpenAPI document:\n{}", clashes.join("\n"));
}
