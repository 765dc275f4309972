//! The audit log through the API: what is recorded, who reads it, and that neither an edit
//! behind the application's back nor concurrent writers go unnoticed or break the chain.

use diesel::connection::SimpleConnection;
use serde_json::json;

use crate::common::*;
use crate::evidence::PDF;
use crate::ledger::build;
use crate::on_both_databases;
use rectify::db::Backend;

fn raw(app: &TestApp, sql: &str) -> Result<(), String> {
    let pool = rectify::db::build_pool(&app.db.url, 1, std::time::Duration::from_secs(5)).unwrap();
    let mut conn = pool.get().unwrap();
    conn.batch_execute(sql).map_err(|e| e.to_string())
}

on_both_databases!(changes_are_recorded_in_a_chain_that_detects_tampering, |app: &TestApp| {
    let b = build(app);
    let m = b.measures[0];
    let (jiangf, qinss, daixb, majp, zgb) =
        (app.login("jiangf"), app.login("qinss"), app.login("daixb"), app.login("majp"), app.login("zgb"));
    app.patch(&format!("/api/v1/measures/{m}/progress"), &jiangf, "\"1\"", json!({"progress": "已调整会议制度"})).ok(200);
    app.upload("POST", &format!("/api/v1/measures/{m}/evidence"), &jiangf, multipart(&[("title", "会议纪要")], Some(("a.pdf", PDF))), &[])
        .ok(201);
    app.call("POST", &format!("/api/v1/measures/{m}/submit"), Some(&jiangf), None, &[("If-Match", "\"2\"")]).ok(200);
    app.call(
        "POST",
        &format!("/api/v1/measures/{m}/signoffs"),
        Some(&qinss),
        Some(json!({"decision": "approve"})),
        &[("If-Match", "\"3\"")],
    )
    .ok(201);

    let log = app.get(&format!("/api/v1/audit?entity_type=measure&entity_id={m}"), &daixb).ok(200).clone();
    let actions: Vec<&str> = log["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["measure.signoff", "measure.submit", "measure.progress", "measure.create"]);
    // Each change says what it changed from; the first has nothing before it.
    let progress = &log["items"][2];
    assert_eq!(
        (progress["summary"]["progress"].as_str(), progress["before"]["progress"].clone(), progress["before"]["status"].as_str()),
        (Some("已调整会议制度"), json!(""), Some("not_started")),
        "{progress}"
    );
    assert!(progress["before"].get("title").is_none(), "unchanged fields are left out");
    assert!(log["items"][3]["before"].is_null());
    let timeline = app.get(&format!("/api/v1/measures/{m}/timeline"), &jiangf).ok(200).clone();
    let shown = timeline.as_array().unwrap().iter().find(|e| e["id"] == progress["id"]).unwrap();
    assert_eq!(shown["before"], progress["before"], "the measure's timeline shows the same");
    let signoff = &log["items"][0];
    assert_eq!((signoff["actor"].as_str(), signoff["summary"]["stage"].as_str()), (Some("qinss"), Some("approve")));
    assert!(signoff["request_id"].as_str().is_some_and(|r| !r.is_empty()), "tied to the request");
    assert_eq!(app.get("/api/v1/audit?entity_type=evidence", &majp).ok(200)["total"], 1, "the bureau reads the school's log");
    app.get("/api/v1/audit", &zgb).problem(403, "insufficient_role");
    app.get("/api/v1/audit/verify", &jiangf).problem(403, "insufficient_role");
    let report = app.get("/api/v1/audit/verify", &daixb).ok(200).clone();
    assert_eq!(report["intact"], true, "{report}");
    assert!(report["events"].as_u64().unwrap() >= 7);

    // The measure's own history, for everyone who sees it.
    let timeline = app.get(&format!("/api/v1/measures/{m}/timeline"), &jiangf).ok(200).clone();
    let steps: Vec<&str> = timeline.as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(steps, ["measure.create", "measure.progress", "evidence.create", "measure.submit", "measure.signoff"]);
    app.get(&format!("/api/v1/measures/{m}/timeline"), &app.login("yz.zgb")).problem(404, "not_found");

    // Append-only, enforced by the database itself.
    assert!(raw(app, "UPDATE audit_events SET summary = '{}'").unwrap_err().contains("append-only"));
    assert!(raw(app, "DELETE FROM audit_events").unwrap_err().contains("append-only"));

    // Someone with the database's keys drops the guard and rewrites one event.
    let id = log["items"][1]["id"].as_i64().unwrap();
    let drop_guard = match app.db.backend {
        Backend::Sqlite => "DROP TRIGGER audit_events_no_update;",
        Backend::Postgres => "DROP TRIGGER audit_events_no_change ON audit_events;",
    };
    raw(app, &format!("{drop_guard} UPDATE audit_events SET actor = 'someone_else' WHERE id = {id};")).unwrap();
    let report = app.get("/api/v1/audit/verify", &daixb).ok(200).clone();
    assert_eq!(report["intact"], false);
    assert_eq!(report["breaks"][0]["event_id"], id);
    assert_eq!(report["breaks"][0]["problem"], "altered");
    let out = app.cli(&["audit", "verify"], &[]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success() && text.contains("altered") && text.contains("BROKEN"), "{text}");
});

on_both_databases!(concurrent_writers_leave_a_valid_chain, |app: &TestApp| {
    let b = build(app);
    let zgb = app.login("zgb");
    let path = format!("/api/v1/measures/{}/evidence", b.measures[0]);
    let statuses: Vec<u16> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..30)
            .map(|i| {
                let (zgb, path) = (zgb.clone(), path.clone());
                s.spawn(move || {
                    let title = format!("并发上传 {i}");
                    app.upload("POST", &path, &zgb, multipart(&[("title", &title)], Some(("a.pdf", PDF))), &[]).status
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(statuses.iter().all(|s| *s == 201), "{statuses:?}");
    let daixb = app.login("daixb");
    assert_eq!(app.get("/api/v1/audit?entity_type=evidence", &daixb).ok(200)["total"], 30);
    let report = app.get("/api/v1/audit/verify", &daixb).ok(200).clone();
    assert_eq!(report["intact"], true, "{report}");
});

on_both_databases!(every_kind_of_change_is_in_the_log, |app: &TestApp| {
    build(app); // an inspection with its group, categories, problems and measures
    let (zgb, admin, daixb) = (app.login("zgb"), app.login("admin"), app.login("daixb"));
    let school = app.org_id(rectify::demo::SCHOOL);
    let dep = app.post(&format!("/api/v1/organisations/{school}/departments"), &zgb, json!({"name": "督导室"})).ok(201)["id"].clone();
    app.patch(&format!("/api/v1/departments/{dep}"), &zgb, "\"1\"", json!({"name": "督导办公室"})).ok(200);
    let staff = json!({"username": "xiangls", "display_name": "向老师", "roles": ["staff"], "password": "a fine password 2021"});
    app.post("/api/v1/users", &zgb, staff).ok(201);
    let token = app.post("/api/v1/api-tokens", &zgb, json!({"name": "县督查平台", "scopes": ["read"]})).ok(201).clone();
    app.call("DELETE", &format!("/api/v1/api-tokens/{}", token["id"]), Some(&zgb), None, &[]).ok(204);
    let v = app.get(&format!("/api/v1/organisations/{school}"), &admin).etag();
    app.patch(&format!("/api/v1/organisations/{school}"), &admin, &v, json!({"allow_repeat_signer": true})).ok(200);

    let log = app.get("/api/v1/audit?limit=200", &daixb).ok(200).clone();
    let actions: std::collections::BTreeSet<&str> =
        log["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    for expected in [
        "inspection.create",
        "category.create",
        "problem.create",
        "measure.create",
        "department.create",
        "department.rename",
        "user.create",
        "api_token.create",
        "api_token.revoke",
        "organisation.update",
    ] {
        assert!(actions.contains(expected), "{expected} missing from {actions:?}");
    }
    assert!(!log.to_string().contains(token["token"].as_str().unwrap()), "secrets never reach the log");
    assert!(!log.to_string().contains("a fine password"), "nor passwords");
    assert_eq!(app.get("/api/v1/audit/verify", &admin).ok(200)["intact"], true);
});
