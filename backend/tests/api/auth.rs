use serde_json::json;

use crate::common::*;
use crate::on_both_databases;

on_both_databases!(login_returns_tokens_that_open_me, |app: &TestApp| {
    let pair = app.login_pair("zhanghc", PASSWORD);
    let j = pair.ok(200);
    assert_eq!(j["token_type"], "Bearer");
    assert_eq!(j["expires_in"], 900);
    assert!(j["refresh_token"].as_str().unwrap().starts_with("rfr_"));
    assert_eq!(j["user"]["display_name"], "张红昌");
    let me = app.get("/api/v1/me", j["access_token"].as_str().unwrap());
    let me = me.ok(200);
    assert_eq!(me["username"], "zhanghc");
    assert_eq!(me["roles"], json!(["leader"]));
    assert_eq!(me["organisation"]["name"], "长阳土家族自治县职业教育中心");
    assert!(me.get("password_hash").is_none());
    // User names are case-insensitive at sign-in.
    app.login_pair("ZhangHC", PASSWORD).ok(200);
});

on_both_databases!(unknown_user_disabled_user_and_wrong_password_look_the_same, |app: &TestApp| {
    let wrong = app.login_pair("zhanghc", "not the password");
    let unknown = app.login_pair("nobody", "not the password");
    let disabled = app.login_pair("yangk", PASSWORD);
    for r in [&wrong, &unknown, &disabled] {
        r.problem(401, "invalid_credentials");
        assert_eq!(r.json["detail"], wrong.json["detail"]);
    }
});

on_both_databases!(repeated_failures_are_throttled_with_retry_after, |app: &TestApp| {
    for _ in 0..5 {
        app.login_pair("qinss", "wrong password").problem(401, "invalid_credentials");
    }
    // Even the right password is refused while the account is throttled.
    let r = app.login_pair("qinss", PASSWORD);
    r.problem(429, "too_many_attempts");
    let wait: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=900).contains(&wait));
    // Other accounts are not affected.
    app.login_pair("xuzg", PASSWORD).ok(200);
});

on_both_databases!(missing_and_bad_tokens_are_401, |app: &TestApp| {
    app.call("GET", "/api/v1/me", None, None, &[]).problem(401, "unauthenticated");
    app.call("GET", "/api/v1/me", None, None, &[("Authorization", "Basic YWRtaW46eA==")]).problem(401, "unauthenticated");
    app.get("/api/v1/me", "garbage").problem(401, "invalid_token");
    // Signed with another key.
    let forged = jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &json!({"iss":"rectify","aud":"rectify-api","sub":"1","exp": 4102444800i64,"iat":0,"jti":"x","typ":"access","epo":0}),
        &jsonwebtoken::EncodingKey::from_secret(b"another-secret-another-secret-another"),
    )
    .unwrap();
    app.get("/api/v1/me", &forged).problem(401, "invalid_token");
    // A refresh token is not an access token.
    let pair = app.login_pair("zhanghc", PASSWORD);
    app.get("/api/v1/me", pair.json["refresh_token"].as_str().unwrap()).problem(401, "invalid_token");
});

on_both_databases!(refresh_rotates_and_reuse_revokes_the_family, |app: &TestApp| {
    let first = app.login_pair("jiangf", PASSWORD).json["refresh_token"].as_str().unwrap().to_string();
    let refresh = |t: &str| app.call("POST", "/api/v1/auth/refresh", None, Some(json!({"refresh_token": t})), &[]);
    let second = refresh(&first);
    let second_token = second.ok(200)["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(second_token, first);
    app.get("/api/v1/me", second.json["access_token"].as_str().unwrap()).ok(200);
    // The first token comes back: someone copied it. The whole family ends.
    refresh(&first).problem(401, "refresh_token_reused");
    refresh(&second_token).problem(401, "invalid_refresh_token");
    // An access token is not a refresh token.
    refresh(second.json["access_token"].as_str().unwrap()).problem(401, "invalid_refresh_token");
});

on_both_databases!(logout_ends_the_session, |app: &TestApp| {
    let pair = app.login_pair("jiangf", PASSWORD);
    let rt = pair.json["refresh_token"].as_str().unwrap();
    let r = app.call("POST", "/api/v1/auth/logout", None, Some(json!({"refresh_token": rt})), &[]);
    assert_eq!(r.status, 204);
    app.call("POST", "/api/v1/auth/refresh", None, Some(json!({"refresh_token": rt})), &[]).problem(401, "invalid_refresh_token");
});

on_both_databases!(changing_the_password_ends_other_sessions, |app: &TestApp| {
    let old = app.login_pair("qinlm", PASSWORD);
    let old_access = old.json["access_token"].as_str().unwrap().to_string();
    let old_refresh = old.json["refresh_token"].as_str().unwrap().to_string();
    let change =
        |current: &str, new: &str| app.post("/api/v1/me/password", &old_access, json!({"current_password": current, "new_password": new}));
    let r = change("wrong", "tea garden in spring");
    r.problem(422, "validation_failed");
    assert_eq!(r.json["errors"][0]["pointer"], "/current_password");
    assert_eq!(change(PASSWORD, "12345678").problem(422, "validation_failed").json["errors"][0]["code"], "password_too_common");
    assert_eq!(change(PASSWORD, "short").json["errors"][0]["code"], "password_too_short");
    let fresh = change(PASSWORD, "tea garden in spring");
    let fresh_access = fresh.ok(200)["access_token"].as_str().unwrap().to_string();
    app.get("/api/v1/me", &old_access).problem(401, "invalid_token");
    app.call("POST", "/api/v1/auth/refresh", None, Some(json!({"refresh_token": old_refresh})), &[]).problem(401, "invalid_refresh_token");
    app.get("/api/v1/me", &fresh_access).ok(200);
    app.login_pair("qinlm", PASSWORD).problem(401, "invalid_credentials");
    app.login_pair("qinlm", "tea garden in spring").ok(200);
});

on_both_databases!(api_tokens_cannot_use_personal_endpoints, |app: &TestApp| {
    let coordinator = app.login("zgb");
    let token = app.post("/api/v1/api-tokens", &coordinator, json!({"name": "督查平台", "scopes": ["read"]}));
    let token = token.ok(201)["token"].as_str().unwrap().to_string();
    app.get("/api/v1/me", &token).problem(403, "user_required");
    app.post("/api/v1/me/password", &token, json!({"current_password": "x", "new_password": "y"})).problem(403, "user_required");
});
