use serde_json::json;

use crate::common::*;
use crate::on_both_databases;
use rectify::demo::{BUREAU, OTHER_SCHOOL, SCHOOL};

fn names(r: &Resp) -> Vec<String> {
    r.json["items"].as_array().unwrap().iter().map(|o| o["name"].as_str().unwrap().to_string()).collect()
}

on_both_databases!(each_caller_sees_only_its_organisations, |app: &TestApp| {
    let admin = app.login("admin");
    assert_eq!(names(&app.get("/api/v1/organisations", &admin)), [BUREAU, SCHOOL, OTHER_SCHOOL]);
    let supervisor = app.login("majp");
    assert_eq!(names(&app.get("/api/v1/organisations", &supervisor)), [BUREAU, SCHOOL, OTHER_SCHOOL]);
    for user in ["zgb", "zhanghc", "daixb", "qinss", "jiangf"] {
        let r = app.get("/api/v1/organisations", &app.login(user));
        assert_eq!(names(&r), [SCHOOL], "{user}");
        assert_eq!(r.json["total"], 1);
    }
    assert_eq!(names(&app.get("/api/v1/organisations", &app.login("yz.zgb"))), [OTHER_SCHOOL]);
    // Filters and paging.
    let schools = app.get("/api/v1/organisations?kind=school&limit=1", &admin);
    assert_eq!(schools.json["total"], 2);
    assert_eq!(schools.json["items"].as_array().unwrap().len(), 1);
    app.get("/api/v1/organisations?limit=500", &admin).problem(422, "validation_failed");
    app.get("/api/v1/organisations?kind=ministry", &admin).problem(400, "invalid_query");
});

on_both_databases!(another_schools_organisation_is_404, |app: &TestApp| {
    let other = app.org_id(OTHER_SCHOOL);
    let school = app.org_id(SCHOOL);
    let staff = app.login("jiangf");
    app.get(&format!("/api/v1/organisations/{other}"), &staff).problem(404, "not_found");
    app.get(&format!("/api/v1/organisations/{school}"), &staff).ok(200);
    app.get("/api/v1/organisations/999999", &staff).problem(404, "not_found");
    // The supervising bureau reads both schools.
    let supervisor = app.login("zongzf");
    app.get(&format!("/api/v1/organisations/{other}"), &supervisor).ok(200);
});

on_both_databases!(only_admins_create_and_change_organisations, |app: &TestApp| {
    let bureau = app.org_id(BUREAU);
    let body = json!({"name": "长阳土家族自治县实验小学", "kind": "school", "parent_id": bureau});
    for user in ["zgb", "majp", "zhanghc", "daixb", "qinss", "jiangf"] {
        app.post("/api/v1/organisations", &app.login(user), body.clone()).problem(403, "insufficient_role");
    }
    let admin = app.login("admin");
    let created = app.post("/api/v1/organisations", &admin, body.clone());
    let org = created.ok(201).clone();
    assert_eq!(created.etag(), "\"1\"");
    assert_eq!(org["timezone"], "Asia/Shanghai");
    assert_eq!(org["parent_id"], bureau);
    // The supervising bureau sees the new school at once.
    assert!(names(&app.get("/api/v1/organisations", &app.login("majp"))).contains(&"长阳土家族自治县实验小学".to_string()));

    app.post("/api/v1/organisations", &admin, body).problem(409, "already_exists");
    let r = app.post("/api/v1/organisations", &admin, json!({"name": " ", "kind": "school", "timezone": "Mars/Base"}));
    r.problem(422, "validation_failed");
    let pointers: Vec<&str> = r.json["errors"].as_array().unwrap().iter().map(|e| e["pointer"].as_str().unwrap()).collect();
    assert_eq!(pointers, ["/name", "/parent_id"]);
    let school = app.org_id(SCHOOL);
    app.post("/api/v1/organisations", &admin, json!({"name": "x", "kind": "school", "parent_id": school}))
        .problem(422, "validation_failed");

    // Changes need the version read.
    let path = format!("/api/v1/organisations/{}", org["id"]);
    app.call("PATCH", &path, Some(&admin), Some(json!({"timezone": "Asia/Urumqi"})), &[]).problem(428, "if_match_required");
    app.patch(&path, &admin, "\"7\"", json!({"timezone": "Asia/Urumqi"})).problem(412, "version_mismatch");
    let changed = app.patch(&path, &admin, "\"1\"", json!({"timezone": "Asia/Urumqi"}));
    assert_eq!(changed.ok(200)["timezone"], "Asia/Urumqi");
    assert_eq!(changed.etag(), "\"2\"");
    app.patch(&path, &admin, "\"1\"", json!({"name": "late"})).problem(412, "version_mismatch");
    app.patch(&path, &app.login("zgb"), "\"2\"", json!({"name": "x"})).problem(403, "insufficient_role");
});

on_both_databases!(api_tokens_read_their_own_organisation_only, |app: &TestApp| {
    let coordinator = app.login("zgb");
    let token = app.post("/api/v1/api-tokens", &coordinator, json!({"name": "大屏", "scopes": ["read", "write"]}));
    let token = token.ok(201)["token"].as_str().unwrap().to_string();
    assert_eq!(names(&app.get("/api/v1/organisations", &token)), [SCHOOL]);
    let bureau = app.org_id(BUREAU);
    app.get(&format!("/api/v1/organisations/{bureau}"), &token).problem(404, "not_found");
    app.post("/api/v1/organisations", &token, json!({"name": "x", "kind": "bureau"})).problem(403, "insufficient_role");
});
