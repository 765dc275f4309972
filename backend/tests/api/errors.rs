use serde_json::json;

use crate::common::*;
use crate::on_both_databases;

on_both_databases!(bad_requests_get_problem_documents, |app: &TestApp| {
    let zgb = app.login("zgb");
    // Unknown route.
    let r = app.get("/api/v1/nothing-here", &zgb);
    r.problem(404, "not_found");
    assert_eq!(r.json["instance"], "/api/v1/nothing-here");
    assert_eq!(r.json["request_id"].as_str(), r.header("x-request-id"));
    // Malformed JSON, wrong content type, oversized body.
    let url = app.url("/api/v1/users");
    let send = |ct: &str, body: &str| -> Resp {
        ureq::post(&url).set("Authorization", &format!("Bearer {zgb}")).set("Content-Type", ct).send_string(body).into()
    };
    send("application/json", "{\"username\": ").problem(400, "malformed_json");
    send("text/plain", "{}").problem(415, "unsupported_media_type");
    let big = format!("{{\"username\": \"{}\"}}", "x".repeat(200 * 1024));
    send("application/json", &big).problem(413, "payload_too_large");
    let r = send("application/json", "{\"username\": 5}");
    r.problem(422, "invalid_body");
    assert!(!r.body.contains("line"), "no parser positions: {}", r.body);
    // Path ids that are not numbers.
    app.get("/api/v1/users/abc", &zgb).problem(404, "not_found");
    // Bad If-Match.
    app.patch("/api/v1/users/1", &zgb, "soon", json!({})).problem(400, "invalid_if_match");
});

on_both_databases!(operations_endpoints, |app: &TestApp| {
    let h = app.call("GET", "/healthz", None, None, &[]);
    assert_eq!((h.status, h.body.as_str()), (200, "ok"));
    let r = app.call("GET", "/readyz", None, None, &[]);
    assert_eq!((r.status, r.body.as_str()), (200, "ready"));
    // A request id given by the caller is echoed; otherwise one is made.
    let r = app.call("GET", "/healthz", None, None, &[("X-Request-Id", "trace-42")]);
    assert_eq!(r.header("x-request-id"), Some("trace-42"));
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    let r = app.call("GET", "/healthz", None, None, &[("X-Request-Id", "bad id with spaces")]);
    assert_ne!(r.header("x-request-id"), Some("bad id with spaces"));
    let zgb = app.login("zgb");
    app.get("/api/v1/users/1", &zgb);
    let m = app.call("GET", "/metrics", None, None, &[]);
    assert!(m.content_type.starts_with("text/plain"));
    assert!(m.body.contains("rectify_http_requests_total{method=\"GET\",route=\"/api/v1/users/{id}\",status=\"404\"} 1"), "{}", m.body);
    assert!(m.body.contains("rectify_http_requests_total{method=\"POST\",route=\"/api/v1/auth/login\",status=\"200\"}"));
    assert!(m.body.contains("rectify_http_request_duration_seconds_bucket{method=\"GET\",route=\"/healthz\",le=\"+Inf\"} 3"));
});

on_both_databases!(the_served_openapi_document_is_the_committed_one, |app: &TestApp| {
    let served = app.call("GET", "/api/openapi.json", None, None, &[]);
    let committed: serde_json::Value =
        serde_json::from_str(include_str!("../../../openapi/openapi.json")).expect("openapi/openapi.json parses");
    assert_eq!(served.json, committed);
    // ureq follows the redirect from /api/docs to /api/docs/.
    let ui = app.call("GET", "/api/docs", None, None, &[]);
    assert_eq!(ui.status, 200);
    assert!(ui.body.contains("swagger-ui"), "{}", &ui.body[..ui.body.len().min(300)]);
});
