//! What a strict client relies on beyond the bodies: methods, preconditions, media types.

use serde_json::json;

use crate::common::*;
use crate::on_both_databases;

on_both_databases!(a_wrong_method_is_405_with_allow_and_an_unknown_path_404, |app: &TestApp| {
    let zgb = app.login("zgb");
    let r = app.call("PUT", "/api/v1/users", Some(&zgb), Some(json!({})), &[]);
    r.problem(405, "method_not_allowed");
    assert_eq!(r.header("allow"), Some("GET, POST"));
    let r = app.call("POST", "/api/v1/users/7", Some(&zgb), None, &[]);
    r.problem(405, "method_not_allowed");
    assert_eq!(r.header("allow"), Some("GET, PATCH"));
    // Also before signing in: the method is wrong whoever asks.
    app.call("DELETE", "/healthz", None, None, &[]).problem(405, "method_not_allowed");
    app.call("GET", "/api/v1/users/7/nothing", Some(&zgb), None, &[]).problem(404, "not_found");
    // A literal route beside a templated one: the literal one's methods.
    let r = app.call("PATCH", "/api/v1/measures/export", Some(&zgb), Some(json!({})), &[("If-Match", "*")]);
    r.problem(405, "method_not_allowed");
    assert_eq!(r.header("allow"), Some("GET"));
    app.call("GET", "/api/v1/measures/abc", Some(&zgb), None, &[]).problem(404, "not_found");
});

on_both_databases!(if_match_follows_rfc_9110, |app: &TestApp| {
    let zgb = app.login("zgb");
    let id = app.user_id(&zgb, "zengxy");
    let path = format!("/api/v1/users/{id}");
    let version = app.get(&path, &zgb).json["version"].as_i64().unwrap();
    let rename = |tag: &str, name: &str| app.patch(&path, &zgb, tag, json!({"display_name": name}));
    // Well-formed tags that are not the current version: 412, whatever their form.
    for stale in [format!("\"{}\"", version + 1), format!("W/\"{version}\""), "\"abc\"".into(), format!("\"{}\", \"x\"", version - 1)] {
        rename(&stale, "曾祥云").problem(412, "version_mismatch");
    }
    // Not an entity tag at all: 400; none: 428.
    rename("\"a b\"", "曾祥云").problem(400, "invalid_if_match");
    app.call("PATCH", &path, Some(&zgb), Some(json!({"display_name": "x"})), &[]).problem(428, "if_match_required");
    // One of a list, then `*`: the change applies and the version moves on each time.
    let r = rename(&format!("\"{}\", \"{version}\"", version + 5), "曾祥云（一）");
    assert_eq!(r.ok(200)["version"], version + 1);
    assert_eq!(r.etag(), format!("\"{}\"", version + 1));
    let r = rename("*", "曾祥云（二）");
    assert_eq!(r.ok(200)["display_name"], "曾祥云（二）");
    assert_eq!(r.json["version"], version + 2);
});

on_both_databases!(numbers_are_read_as_json_schema_reads_them, |app: &TestApp| {
    let zgb = app.login("zgb");
    let id = app.user_id(&zgb, "zengxy");
    let path = format!("/api/v1/users/{id}");
    let user = app.get(&path, &zgb).json;
    let department = user["department_id"].as_i64().expect("the demo teacher has a department");
    // `7.0` is the integer 7 to JSON Schema, and so to the server; `7.5` is no id.
    let r = app.patch(&path, &zgb, "*", json!({"department_id": department as f64}));
    assert_eq!(r.ok(200)["department_id"], department);
    app.patch(&path, &zgb, "*", json!({"department_id": department as f64 + 0.5})).problem(422, "invalid_body");
    // A body that is not the documented object is refused, and nothing changes.
    let r = app.call("PATCH", &path, Some(&zgb), Some(json!([1, 2])), &[("If-Match", "*")]);
    r.problem(422, "invalid_body");
    assert_eq!(app.get(&path, &zgb).json["version"], user["version"].as_i64().unwrap() + 1, "only the first change applied");
});
