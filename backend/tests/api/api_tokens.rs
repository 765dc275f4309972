use serde_json::json;

use crate::common::*;
use crate::on_both_databases;
use rectify::demo::{OTHER_SCHOOL, SCHOOL};

on_both_databases!(tokens_are_shown_once_scoped_and_revocable, |app: &TestApp| {
    let zgb = app.login("zgb");
    let created = app.post("/api/v1/api-tokens", &zgb, json!({"name": "县督查平台", "scopes": ["read"]}));
    let c = created.ok(201).clone();
    let secret = c["token"].as_str().unwrap().to_string();
    assert!(secret.starts_with("rct_") && secret.len() > 40);
    assert_eq!(c["scopes"], json!(["read"]));
    assert_eq!(c["organisation_id"], app.org_id(SCHOOL));
    assert_eq!(c["token_prefix"], &secret[..8]);

    // The secret is never listed again.
    let list = app.get("/api/v1/api-tokens", &zgb);
    assert_eq!(list.json["total"], 1);
    assert!(!list.body.contains(&secret[8..]));
    assert_eq!(list.json["items"][0]["last_used_at"], serde_json::Value::Null);

    // It reads the school's directory, nothing else, and changes nothing.
    let users = app.get("/api/v1/users?limit=200", &secret);
    assert_eq!(users.json["total"], 10);
    app.post("/api/v1/users", &secret, json!({"username": "x", "display_name": "x", "roles": ["staff"], "password": "a fine password"}))
        .problem(403, "insufficient_role");
    app.post("/api/v1/api-tokens", &secret, json!({"name": "child", "scopes": ["read"]})).problem(403, "insufficient_role");
    assert!(app.get("/api/v1/api-tokens", &zgb).json["items"][0]["last_used_at"].is_string(), "use is recorded");

    // Revoked: refused at once.
    let id = c["id"].as_i64().unwrap();
    app.call("DELETE", &format!("/api/v1/api-tokens/{id}"), Some(&app.login("yz.zgb")), None, &[]).problem(404, "not_found");
    let r = app.call("DELETE", &format!("/api/v1/api-tokens/{id}"), Some(&zgb), None, &[]);
    assert_eq!(r.status, 204);
    app.get("/api/v1/users", &secret).problem(401, "invalid_token");
    assert_eq!(app.get("/api/v1/api-tokens", &zgb).json["total"], 0);
    assert_eq!(app.get("/api/v1/api-tokens?include_revoked=true", &zgb).json["items"][0]["revoked_at"].is_string(), true);
});

on_both_databases!(only_managers_create_tokens_for_their_organisation, |app: &TestApp| {
    for user in ["zhanghc", "daixb", "qinss", "jiangf", "majp"] {
        app.post("/api/v1/api-tokens", &app.login(user), json!({"name": "x", "scopes": ["read"]})).problem(403, "insufficient_role");
        app.get("/api/v1/api-tokens", &app.login(user)).problem(403, "insufficient_role");
    }
    let zgb = app.login("zgb");
    let other = app.org_id(OTHER_SCHOOL);
    app.post("/api/v1/api-tokens", &zgb, json!({"name": "x", "scopes": ["read"], "organisation_id": other})).problem(404, "not_found");
    app.post("/api/v1/api-tokens", &zgb, json!({"name": "x", "scopes": ["read"], "expires_at": "2020-01-01T00:00:00Z"}))
        .problem(422, "validation_failed");
    // The admin creates tokens for any organisation; the other school's coordinator sees only its own.
    let admin = app.login("admin");
    app.post("/api/v1/api-tokens", &admin, json!({"name": "一中", "scopes": ["read", "write"], "organisation_id": other})).ok(201);
    app.post("/api/v1/api-tokens", &zgb, json!({"name": "职教", "scopes": ["read"]})).ok(201);
    let theirs = app.get("/api/v1/api-tokens", &app.login("yz.zgb"));
    assert_eq!(theirs.json["total"], 1);
    assert_eq!(theirs.json["items"][0]["scopes"], json!(["read", "write"]));
    assert_eq!(app.get("/api/v1/api-tokens", &admin).json["total"], 2);
});

on_both_databases!(expired_tokens_are_refused, |app: &TestApp| {
    let zgb = app.login("zgb");
    let soon = (chrono::Utc::now() + chrono::Duration::seconds(2)).to_rfc3339();
    let secret = app.post("/api/v1/api-tokens", &zgb, json!({"name": "短期", "scopes": ["read"], "expires_at": soon})).json["token"]
        .as_str()
        .unwrap()
        .to_string();
    app.get("/api/v1/users", &secret).ok(200);
    std::thread::sleep(std::time::Duration::from_millis(2500));
    app.get("/api/v1/users", &secret).problem(401, "invalid_token");
});
