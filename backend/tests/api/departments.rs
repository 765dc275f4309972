use serde_json::json;

use crate::common::*;
use crate::on_both_databases;
use rectify::demo::{OTHER_SCHOOL, SCHOOL};

on_both_databases!(coordinators_manage_their_own_departments, |app: &TestApp| {
    let school = app.org_id(SCHOOL);
    let other = app.org_id(OTHER_SCHOOL);
    let zgb = app.login("zgb");
    let path = format!("/api/v1/organisations/{school}/departments");
    let created = app.post(&path, &zgb, json!({"name": "旅游专业部"}));
    let dep = created.ok(201).clone();
    assert_eq!(dep["organisation_id"], school);
    app.post(&path, &zgb, json!({"name": "旅游专业部"})).problem(409, "already_exists");
    app.post(&path, &zgb, json!({"name": ""})).problem(422, "validation_failed");
    // Another school's coordinator cannot even see this school.
    app.post(&path, &app.login("yz.zgb"), json!({"name": "x"})).problem(404, "not_found");
    app.get(&path, &app.login("yz.zgb")).problem(404, "not_found");
    // Nor can this coordinator see the other school.
    app.post(&format!("/api/v1/organisations/{other}/departments"), &zgb, json!({"name": "x"})).problem(404, "not_found");
    // Every other role of the school is refused.
    for user in ["zhanghc", "daixb", "qinss", "jiangf"] {
        app.post(&path, &app.login(user), json!({"name": "x"})).problem(403, "insufficient_role");
    }
    // The supervising bureau reads but does not manage.
    let majp = app.login("majp");
    assert!(app.get(&path, &majp).ok(200).as_array().unwrap().iter().any(|d| d["name"] == "旅游专业部"));
    app.post(&path, &majp, json!({"name": "x"})).problem(403, "insufficient_role");
});

on_both_databases!(renaming_and_deleting_departments, |app: &TestApp| {
    let school = app.org_id(SCHOOL);
    let zgb = app.login("zgb");
    let deps = app.get(&format!("/api/v1/organisations/{school}/departments"), &zgb);
    let psych = deps.json.as_array().unwrap().iter().find(|d| d["name"] == "心理健康教育中心").unwrap().clone();
    let path = format!("/api/v1/departments/{}", psych["id"]);

    app.patch(&path, &app.login("jiangf"), "\"1\"", json!({"name": "x"})).problem(403, "insufficient_role");
    app.patch(&path, &app.login("yz.zgb"), "\"1\"", json!({"name": "x"})).problem(404, "not_found");
    let renamed = app.patch(&path, &zgb, "\"1\"", json!({"name": "心理健康中心"}));
    assert_eq!(renamed.ok(200)["name"], "心理健康中心");
    assert_eq!(renamed.etag(), "\"2\"");

    app.call("DELETE", &path, Some(&zgb), None, &[]).problem(428, "if_match_required");
    app.call("DELETE", &path, Some(&zgb), None, &[("If-Match", "\"1\"")]).problem(412, "version_mismatch");
    let r = app.call("DELETE", &path, Some(&zgb), None, &[("If-Match", "\"2\"")]);
    assert_eq!(r.status, 204);
    // Its member keeps the account, without a department.
    let jiangf = app.user_id(&zgb, "jiangf");
    assert_eq!(app.get(&format!("/api/v1/users/{jiangf}"), &zgb).json["department_id"], serde_json::Value::Null);
    app.login("jiangf");
});
