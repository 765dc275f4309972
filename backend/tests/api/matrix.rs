//! Every changing endpoint against every role that must be refused, and against a coordinator
//! of another school (who must not even learn that the object exists).

use serde_json::{json, Value};

use crate::common::*;
use crate::on_both_databases;
use rectify::demo::SCHOOL;

const SCHOOL_ROLES_WITHOUT_MANAGEMENT: [&str; 4] = ["zhanghc", "daixb", "qinss", "jiangf"];

on_both_databases!(changes_are_refused_to_other_roles_and_other_schools, |app: &TestApp| {
    let zgb = app.login("zgb");
    let school = app.org_id(SCHOOL);
    let dep = app.post(&format!("/api/v1/organisations/{school}/departments"), &zgb, json!({"name": "测试处"})).ok(201)["id"].clone();
    let user = app.user_id(&zgb, "zengxy");
    let token = app.post("/api/v1/api-tokens", &zgb, json!({"name": "t", "scopes": ["read"]})).ok(201)["id"].clone();
    let api_token = app.post("/api/v1/api-tokens", &zgb, json!({"name": "caller", "scopes": ["read", "write"]})).ok(201)["token"]
        .as_str()
        .unwrap()
        .to_string();

    // (method, path, body)
    let calls: Vec<(&str, String, Option<Value>)> = vec![
        ("PATCH", format!("/api/v1/organisations/{school}"), Some(json!({"name": "x"}))),
        ("POST", format!("/api/v1/organisations/{school}/departments"), Some(json!({"name": "x"}))),
        ("PATCH", format!("/api/v1/departments/{dep}"), Some(json!({"name": "x"}))),
        ("DELETE", format!("/api/v1/departments/{dep}"), None),
        (
            "POST",
            "/api/v1/users".to_string(),
            Some(json!({"username": "xx", "display_name": "x", "roles": ["staff"], "password": "a fine password"})),
        ),
        ("PATCH", format!("/api/v1/users/{user}"), Some(json!({"title": "x"}))),
        ("POST", format!("/api/v1/users/{user}/password"), Some(json!({"new_password": "another fine password"}))),
        ("POST", "/api/v1/api-tokens".to_string(), Some(json!({"name": "x", "scopes": ["read"]}))),
        ("DELETE", format!("/api/v1/api-tokens/{token}"), None),
    ];
    let mut callers: Vec<(String, String)> = SCHOOL_ROLES_WITHOUT_MANAGEMENT.iter().map(|u| (u.to_string(), app.login(u))).collect();
    callers.push(("majp (bureau_supervisor)".into(), app.login("majp")));
    callers.push(("API token with write".into(), api_token));
    for (method, path, body) in &calls {
        for (who, tok) in &callers {
            let r = app.call(method, path, Some(tok), body.clone(), &[("If-Match", "\"1\"")]);
            assert_eq!(r.status, 403, "{who}: {method} {path}: {}", r.body);
        }
    }
    // A coordinator of another school: the objects are invisible (404), except POST /users and
    // POST /api-tokens, which create in its own school and are not about these objects.
    let other = app.login("yz.zgb");
    for (method, path, body) in &calls {
        if path == "/api/v1/users" || path == "/api/v1/api-tokens" {
            continue;
        }
        let r = app.call(method, path, Some(&other), body.clone(), &[("If-Match", "\"1\"")]);
        let expected = if path.starts_with("/api/v1/organisations/") && *method == "PATCH" { 403 } else { 404 };
        assert_eq!(r.status, expected, "yz.zgb: {method} {path}: {}", r.body);
    }
    // Nothing changed.
    assert_eq!(app.get(&format!("/api/v1/users/{user}"), &zgb).json["version"], 1);
    assert_eq!(app.get("/api/v1/api-tokens", &zgb).json["total"], 2);
});
