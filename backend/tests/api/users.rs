use serde_json::json;

use crate::common::*;
use crate::on_both_databases;
use rectify::demo::{BUREAU, OTHER_SCHOOL, SCHOOL};

fn new_staff(username: &str) -> serde_json::Value {
    json!({"username": username, "display_name": "向老师", "title": "教师", "roles": ["staff"], "password": "spring tea 2021"})
}

on_both_databases!(coordinator_creates_members_of_its_own_school, |app: &TestApp| {
    let zgb = app.login("zgb");
    let created = app.post("/api/v1/users", &zgb, new_staff("xiangls"));
    let user = created.ok(201).clone();
    assert_eq!(user["organisation_id"], app.org_id(SCHOOL));
    assert_eq!(user["roles"], json!(["staff"]));
    assert_eq!(created.etag(), "\"1\"");
    app.login_pair("xiangls", "spring tea 2021").ok(200);

    let r = app.post("/api/v1/users", &zgb, new_staff("xiangls"));
    r.problem(422, "validation_failed");
    assert_eq!(r.json["errors"][0]["code"], "username_taken");
    // Another school: invisible.
    let other = app.org_id(OTHER_SCHOOL);
    let mut body = new_staff("someone");
    body["organisation_id"] = json!(other);
    app.post("/api/v1/users", &zgb, body).problem(404, "not_found");
    // Roles that reach beyond the school are the admin's to give.
    let mut body = new_staff("someone");
    body["roles"] = json!(["admin"]);
    app.post("/api/v1/users", &zgb, body).problem(403, "role_not_grantable");
    // Everyone else at the school is refused.
    for user in ["zhanghc", "daixb", "qinss", "jiangf", "majp"] {
        app.post("/api/v1/users", &app.login(user), new_staff("someone")).problem(403, "insufficient_role");
    }
});

on_both_databases!(new_users_are_validated, |app: &TestApp| {
    let zgb = app.login("zgb");
    let r = app.post(
        "/api/v1/users",
        &zgb,
        json!({"username": "张老师", "display_name": "", "roles": [], "password": "password1", "department_id": 999999}),
    );
    r.problem(422, "validation_failed");
    let codes: Vec<&str> = r.json["errors"].as_array().unwrap().iter().map(|e| e["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["invalid_username", "password_too_common"]);
    let r = app.post(
        "/api/v1/users",
        &zgb,
        json!({"username": "zhangls", "display_name": "", "roles": [], "password": "a fine password", "department_id": 999999}),
    );
    let codes: Vec<&str> = r.json["errors"].as_array().unwrap().iter().map(|e| e["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["required", "required", "invalid_department"]);
    let mut body = new_staff("zhangls");
    body["roles"] = json!(["bureau_supervisor"]);
    app.post("/api/v1/users", &app.login("admin"), {
        body["organisation_id"] = json!(app.org_id(SCHOOL));
        body
    })
    .problem(422, "validation_failed");
    let mut body = new_staff("zhangls");
    body["is_admin"] = json!(true);
    app.post("/api/v1/users", &zgb, body).problem(422, "invalid_body");
    let mut body = new_staff("zhangls");
    body["roles"] = json!(["principal"]);
    app.post("/api/v1/users", &zgb, body).problem(422, "invalid_body");
    // Nothing was stored by any of these.
    assert_eq!(app.get("/api/v1/users?q=zhangls", &zgb).json["total"], 0);
});

on_both_databases!(directory_reads_are_scoped, |app: &TestApp| {
    let staff = app.login("jiangf");
    let mine = app.get("/api/v1/users?limit=200", &staff);
    assert_eq!(mine.json["total"], 10, "the ten accounts of the school");
    assert!(mine.json["items"].as_array().unwrap().iter().all(|u| u["organisation_id"] == app.org_id(SCHOOL)));
    let other_user = app.user_id(&app.login("yz.zgb"), "yz.zgb");
    app.get(&format!("/api/v1/users/{other_user}"), &staff).problem(404, "not_found");
    let admin_id = app.user_id(&app.login("admin"), "admin");
    app.get(&format!("/api/v1/users/{admin_id}"), &staff).problem(404, "not_found");
    // The bureau reads its schools' members, filtered.
    let majp = app.login("majp");
    assert_eq!(app.get("/api/v1/users?limit=200", &majp).json["total"], 14);
    let leaders = app.get("/api/v1/users?role=responsible_leader", &majp);
    let names: Vec<&str> = leaders.json["items"].as_array().unwrap().iter().map(|u| u["display_name"].as_str().unwrap()).collect();
    assert_eq!(names, ["覃守生", "许志刚", "李向阳"]);
    assert_eq!(app.get("/api/v1/users?active=false", &majp).json["items"][0]["username"], "yangk");
    assert_eq!(app.get(&format!("/api/v1/users?organisation_id={}", app.org_id(BUREAU)), &majp).json["total"], 3);
    let q = app.get("/api/v1/users?q=%E8%A6%83", &majp); // 覃
    assert_eq!(q.json["total"], 2);
    assert_eq!(app.get("/api/v1/users?q=%25", &majp).json["total"], 0, "LIKE wildcards are literal");
});

on_both_databases!(disabling_a_user_ends_its_sessions_at_once, |app: &TestApp| {
    let zgb = app.login("zgb");
    let victim = app.login("zengxy");
    let id = app.user_id(&zgb, "zengxy");
    let path = format!("/api/v1/users/{id}");
    let current = app.get(&path, &zgb);
    app.patch(&path, &app.login("zhanghc"), &current.etag(), json!({"active": false})).problem(403, "insufficient_role");
    app.patch(&path, &app.login("yz.zgb"), &current.etag(), json!({"active": false})).problem(404, "not_found");
    let r = app.patch(&path, &zgb, &current.etag(), json!({"active": false, "title": "工会主席（已调离）"}));
    assert_eq!(r.ok(200)["active"], false);
    app.get("/api/v1/me", &victim).problem(401, "invalid_token");
    app.login_pair("zengxy", PASSWORD).problem(401, "invalid_credentials");
    // And back.
    let r = app.patch(&path, &zgb, &r.etag(), json!({"active": true}));
    r.ok(200);
    app.login("zengxy");
    // Nobody disables themselves.
    let me = app.user_id(&zgb, "zgb");
    let mine = app.get(&format!("/api/v1/users/{me}"), &zgb);
    app.patch(&format!("/api/v1/users/{me}"), &zgb, &mine.etag(), json!({"active": false})).problem(409, "cannot_disable_self");
});

on_both_databases!(roles_and_departments_change_with_the_version, |app: &TestApp| {
    let zgb = app.login("zgb");
    let id = app.user_id(&zgb, "jiangf");
    let path = format!("/api/v1/users/{id}");
    let deps = app.get(&format!("/api/v1/organisations/{}/departments", app.org_id(SCHOOL)), &zgb);
    let teaching = deps.json.as_array().unwrap().iter().find(|d| d["name"] == "教务处").unwrap()["id"].clone();
    let r = app.patch(&path, &zgb, "\"1\"", json!({"roles": ["staff", "responsible_leader"], "department_id": teaching}));
    assert_eq!(r.ok(200)["roles"], json!(["staff", "responsible_leader"]));
    assert_eq!(r.json["department_id"], teaching);
    // Role changes take effect on the next request with the same token.
    let token = app.login("jiangf");
    let r2 = app.patch(&path, &zgb, &r.etag(), json!({"department_id": null}));
    assert_eq!(r2.ok(200)["department_id"], serde_json::Value::Null);
    assert_eq!(app.get("/api/v1/me", &token).json["roles"], json!(["staff", "responsible_leader"]));
    app.patch(&path, &zgb, &r.etag(), json!({"title": "x"})).problem(412, "version_mismatch");
    app.patch(&path, &zgb, &r2.etag(), json!({"roles": ["admin"]})).problem(403, "role_not_grantable");
    app.patch(&path, &zgb, &r2.etag(), json!({"roles": []})).problem(422, "validation_failed");
});

on_both_databases!(admins_and_coordinators_reset_passwords, |app: &TestApp| {
    let admin = app.login("admin");
    // An admin placed in the school is out of the coordinator's reach.
    let school = app.org_id(SCHOOL);
    let created = app.post("/api/v1/users", &admin, json!({"username": "schooladmin", "display_name": "信息中心", "organisation_id": school, "roles": ["admin"], "password": "a long admin phrase"}));
    let sa = created.ok(201)["id"].as_i64().unwrap();
    let zgb = app.login("zgb");
    app.patch(&format!("/api/v1/users/{sa}"), &zgb, "\"1\"", json!({"title": "x"})).problem(403, "protected_user");
    app.call(
        "POST",
        &format!("/api/v1/users/{sa}/password"),
        Some(&zgb),
        Some(json!({"new_password": "another long phrase"})),
        &[("If-Match", "\"1\"")],
    )
    .problem(403, "protected_user");

    let id = app.user_id(&zgb, "qinlm");
    let victim = app.login("qinlm");
    let reset = |token: &str, pw: &str, v: &str| {
        app.call("POST", &format!("/api/v1/users/{id}/password"), Some(token), Some(json!({"new_password": pw})), &[("If-Match", v)])
    };
    reset(&app.login("jiangf"), "tea garden in autumn", "\"1\"").problem(403, "insufficient_role");
    reset(&app.login("yz.zgb"), "tea garden in autumn", "\"1\"").problem(404, "not_found");
    assert_eq!(reset(&zgb, "qinlm2021", "\"1\"").problem(422, "validation_failed").json["errors"][0]["code"], "password_contains_username");
    reset(&zgb, "tea garden in autumn", "\"1\"").ok(200);
    app.get("/api/v1/me", &victim).problem(401, "invalid_token");
    app.login_pair("qinlm", "tea garden in autumn").ok(200);
});
