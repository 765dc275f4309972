//! The workflow's own rules under attack from inside: a closed-out problem stays as the bureau
//! closed it, nobody changes their own roles or verifies their own work, and one's own password
//! changes only with the current one.

use serde_json::{json, Value};

use crate::common::*;
use crate::{on_both_databases, on_the_demo_ledger};

/// Problem `label` of the demo inspection, as `token` reads it.
fn problem(app: &TestApp, token: &str, label: &str) -> Value {
    let insp = app.get("/api/v1/inspections", token).json["items"][0]["id"].as_i64().unwrap();
    let problems = app.get(&format!("/api/v1/inspections/{insp}/problems"), token);
    problems.json.as_array().unwrap().iter().find(|p| p["label"] == label).unwrap().clone()
}

fn measures_of(app: &TestApp, token: &str, problem: i64) -> Vec<Value> {
    app.get(&format!("/api/v1/problems/{problem}/measures"), token).json.as_array().unwrap().clone()
}

fn username(app: &TestApp, token: &str, id: &Value) -> String {
    app.get(&format!("/api/v1/users/{id}"), token).json["username"].as_str().unwrap().to_string()
}

fn version(v: &Value) -> String {
    format!("\"{}\"", v["version"])
}

on_the_demo_ledger!(a_closed_out_problem_is_read_only_until_the_bureau_reopens_it, |app: &TestApp| {
    let zgb = app.login("zgb");
    let p = problem(app, &zgb, "1.");
    assert_eq!(p["closeout_status"], "closed", "the demo's problem 1 is closed out");
    let pid = p["id"].as_i64().unwrap();
    let m = &measures_of(app, &zgb, pid)[0];
    let mid = m["id"].as_i64().unwrap();
    let assignee_name = username(app, &zgb, &m["assignee_ids"][0]);
    let assignee = app.login(&assignee_name);
    let e = app.get(&format!("/api/v1/measures/{mid}/evidence"), &assignee).json["items"][0].clone();
    let eid = e["id"].as_i64().unwrap();

    // The hole: the assignee edited a piece of evidence of the closed-out problem.
    app.patch(&format!("/api/v1/evidence/{eid}"), &assignee, &version(&e), json!({"title": "改过的标题"}))
        .problem(409, "problem_closed_out");
    let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".as_slice();
    app.upload(
        "POST",
        &format!("/api/v1/evidence/{eid}/versions"),
        &assignee,
        multipart(&[], Some(("新.pdf", pdf))),
        &[("If-Match", &version(&e))],
    )
    .problem(409, "problem_closed_out");
    app.upload(
        "POST",
        &format!("/api/v1/measures/{mid}/evidence"),
        &assignee,
        multipart(&[("title", "补充")], Some(("补充.pdf", pdf))),
        &[],
    )
    .problem(409, "problem_closed_out");
    app.call("DELETE", &format!("/api/v1/evidence/{eid}"), Some(&assignee), Some(json!({"reason": "错传"})), &[("If-Match", &version(&e))])
        .problem(409, "problem_closed_out");
    app.call(
        "PATCH",
        &format!("/api/v1/measures/{mid}/progress"),
        Some(&assignee),
        Some(json!({"progress": "又做了一些"})),
        &[("If-Match", &version(m))],
    )
    .problem(409, "problem_closed_out");
    app.post(&format!("/api/v1/measures/{mid}/extensions"), &assignee, json!({"new_deadline": "2099-01-01", "reason": "再等等"}))
        .problem(409, "problem_closed_out");
    // …and the coordinator added a measure to it. Nor may it change the problem or its measures.
    app.post(&format!("/api/v1/problems/{pid}/measures"), &zgb, json!({"title": "新增措施", "kind": "immediate"}))
        .problem(409, "problem_closed_out");
    app.patch(&format!("/api/v1/measures/{mid}"), &zgb, &version(m), json!({"title": "改"})).problem(409, "problem_closed_out");
    app.call("DELETE", &format!("/api/v1/measures/{mid}"), Some(&zgb), None, &[("If-Match", &version(m))])
        .problem(409, "problem_closed_out");
    app.patch(&format!("/api/v1/problems/{pid}"), &zgb, &version(&p), json!({"title": "改"})).problem(409, "problem_closed_out");
    let ids: Vec<i64> = measures_of(app, &zgb, pid).iter().rev().map(|m| m["id"].as_i64().unwrap()).collect();
    app.call(
        "PUT",
        &format!("/api/v1/problems/{pid}/measures/order"),
        Some(&zgb),
        Some(json!({"ids": ids})),
        &[("If-Match", &version(&p))],
    )
    .problem(409, "problem_closed_out");
    // Nothing moved.
    let now = app.get(&format!("/api/v1/measures/{mid}"), &zgb);
    assert_eq!((now.json["status"].as_str(), now.json["version"].clone()), (Some("verified"), m["version"].clone()));
    assert_eq!(app.get(&format!("/api/v1/evidence/{eid}"), &zgb).json["title"], e["title"]);
    assert_eq!(app.get(&format!("/api/v1/problems/{pid}"), &zgb).json["closeout_status"], "closed");

    // Only the close-out's owner reopens it, with a reason.
    let reopen = |token: &str, body: Value, v: &str| {
        app.call("POST", &format!("/api/v1/problems/{pid}/reopen"), Some(token), Some(body), &[("If-Match", v)])
    };
    let majp = app.login("majp");
    reopen(&zgb, json!({"reason": "自己打开"}), &version(&p)).problem(403, "not_supervising_bureau");
    reopen(&app.login("daixb"), json!({"reason": "纪委打开"}), &version(&p)).problem(403, "not_supervising_bureau");
    reopen(&app.login("yz.zgb"), json!({"reason": "x"}), &version(&p)).problem(404, "not_found");
    let r = reopen(&majp, json!({"reason": " "}), &version(&p));
    assert_eq!(r.problem(422, "validation_failed").json["errors"][0]["pointer"], "/reason");
    reopen(&majp, json!({"reason": "抽查发现会议记录不全", "measure_ids": [999_999]}), &version(&p)).problem(422, "validation_failed");
    let opened = reopen(&majp, json!({"reason": "抽查发现会议记录不全", "measure_ids": [mid]}), &version(&p));
    assert_eq!(opened.ok(200)["closeout_status"], "open");
    assert_eq!(opened.json["closeout_comment"], "抽查发现会议记录不全");
    reopen(&majp, json!({"reason": "再开一次"}), &opened.etag()).problem(409, "not_closed");
    assert_eq!(app.get(&format!("/api/v1/measures/{mid}"), &zgb).json["status"], "in_progress");
    // The coordinator hears of it, and the measure's people can work again.
    let inbox = app.get("/api/v1/me/notifications?kind=reopened", &zgb);
    assert!(inbox.json["items"][0]["message"].as_str().unwrap().contains("抽查发现会议记录不全"), "{}", inbox.body);
    assert_eq!(inbox.json["items"][0]["problem_id"], pid);
    let e = app.get(&format!("/api/v1/evidence/{eid}"), &assignee);
    app.patch(&format!("/api/v1/evidence/{eid}"), &assignee, &e.etag(), json!({"description": "补全会议记录"})).ok(200);
    let audit = app.get(&format!("/api/v1/audit?entity_type=problem&entity_id={pid}"), &majp);
    assert!(audit.json["items"].as_array().unwrap().iter().any(|a| a["action"] == "problem.reopen"), "{}", audit.body);
});

on_the_demo_ledger!(a_rebound_look_back_reopens_the_closed_out_problem_it_touches, |app: &TestApp| {
    let daixb = app.login("daixb");
    let p = problem(app, &daixb, "1.");
    let pid = p["id"].as_i64().unwrap();
    let mid = measures_of(app, &daixb, pid)[0]["id"].as_i64().unwrap();
    let r = app.post(&format!("/api/v1/measures/{mid}/lookbacks"), &daixb, json!({"result": "rebound", "findings": "制度未执行"}));
    r.ok(201);
    // Before, the measure was back in progress while its problem still said `closed`.
    let now = app.get(&format!("/api/v1/problems/{pid}"), &daixb);
    assert_eq!(now.json["closeout_status"], "open");
    assert_eq!(app.get(&format!("/api/v1/measures/{mid}"), &daixb).json["status"], "in_progress");
    app.assert_consistent();
});

on_both_databases!(nobody_changes_their_own_roles_and_overseers_are_granted_by_an_admin, |app: &TestApp| {
    let zgb = app.login("zgb");
    let admin = app.login("admin");
    let me = app.user_id(&zgb, "zgb");
    let mine = app.get(&format!("/api/v1/users/{me}"), &zgb);
    // The hole: the coordinator made itself the verifier.
    app.patch(&format!("/api/v1/users/{me}"), &zgb, &mine.etag(), json!({"roles": ["coordinator", "discipline"]}))
        .problem(403, "own_roles");
    // Its own roles sent back unchanged are no change.
    app.patch(&format!("/api/v1/users/{me}"), &zgb, &mine.etag(), json!({"roles": ["coordinator"], "title": "党政办主任"})).ok(200);
    let admin_id = app.user_id(&admin, "admin");
    let admin_self = app.get(&format!("/api/v1/users/{admin_id}"), &admin);
    app.patch(&format!("/api/v1/users/{admin_id}"), &admin, &admin_self.etag(), json!({"roles": ["admin", "discipline"]}))
        .problem(403, "own_roles");
    // Nor does it appoint who signs or verifies its work, or change them.
    let qinlm = app.user_id(&zgb, "qinlm");
    for role in ["discipline", "leader"] {
        app.patch(&format!("/api/v1/users/{qinlm}"), &zgb, "\"1\"", json!({"roles": ["staff", role]})).problem(403, "role_not_grantable");
    }
    let daixb = app.user_id(&zgb, "daixb");
    app.patch(&format!("/api/v1/users/{daixb}"), &zgb, "\"1\"", json!({"roles": ["staff"]})).problem(403, "protected_user");
    // Its working roles it still grants.
    app.patch(&format!("/api/v1/users/{qinlm}"), &zgb, "\"1\"", json!({"roles": ["staff", "responsible_leader"]})).ok(200);
    assert_eq!(app.get(&format!("/api/v1/users/{qinlm}"), &zgb).json["roles"], json!(["staff", "responsible_leader"]));

    // A change of roles is audited as such, and the discipline committee hears of it.
    let audit = app.get(&format!("/api/v1/audit?entity_type=user&entity_id={qinlm}"), &app.login("daixb"));
    let change = audit.json["items"].as_array().unwrap().iter().find(|a| a["action"] == "user.change_roles").expect("audited").clone();
    assert_eq!(change["summary"]["previous_roles"], json!(["staff"]));
    assert_eq!(change["summary"]["roles"], json!(["staff", "responsible_leader"]));
    let inbox = app.get("/api/v1/me/notifications?kind=roles_changed", &app.login("daixb"));
    let message = inbox.json["items"][0]["message"].as_str().unwrap_or_default().to_string();
    assert!(message.contains("覃立明") && message.contains("工作人员、责任领导"), "{}", inbox.body);
    // An unchanged list sends nothing more.
    assert_eq!(inbox.json["items"].as_array().unwrap().len(), 1);
});

on_the_demo_ledger!(whoever_worked_on_a_measure_never_verifies_it_whatever_roles_they_hold_later, |app: &TestApp| {
    let zgb = app.login("zgb");
    let admin = app.login("admin");
    // Problem 6 holds a measure at each stage; take the one waiting for 审核.
    let p = problem(app, &zgb, "6.");
    let submitted = measures_of(app, &zgb, p["id"].as_i64().unwrap()).into_iter().find(|m| m["status"] == "submitted").unwrap();
    let mid = submitted["id"].as_i64().unwrap();
    let leader_name = username(app, &zgb, &submitted["responsible_leader_id"]);
    let decide = |token: &str, v: &str| {
        app.call("POST", &format!("/api/v1/measures/{mid}/signoffs"), Some(token), Some(json!({"decision": "approve"})), &[("If-Match", v)])
    };
    let approved = decide(&app.login(&leader_name), &version(&submitted));
    let v = approved.ok(201)["measure"]["version"].to_string();
    let signed = decide(&app.login("zhanghc"), &format!("\"{v}\""));
    let v = signed.ok(201)["measure"]["version"].to_string();
    // The coordinator writes its progress (as the one who chases the work)…
    let progressed = app.call(
        "PATCH",
        &format!("/api/v1/measures/{mid}/progress"),
        Some(&zgb),
        Some(json!({"progress": "整改办已核对材料"})),
        &[("If-Match", &format!("\"{v}\""))],
    );
    let v = progressed.ok(200)["version"].to_string();
    // …and an admin now makes the leader who approved it and the coordinator members of the
    // discipline committee: neither verifies this measure.
    for name in [leader_name.as_str(), "zgb"] {
        let id = app.user_id(&admin, name);
        let u = app.get(&format!("/api/v1/users/{id}"), &admin);
        let mut roles: Vec<Value> = u.json["roles"].as_array().unwrap().clone();
        roles.push(json!("discipline"));
        app.patch(&format!("/api/v1/users/{id}"), &admin, &u.etag(), json!({"roles": roles})).ok(200);
        decide(&app.login(name), &format!("\"{v}\"")).problem(403, "not_independent");
    }
    // The discipline committee's own member does.
    let verified = decide(&app.login("daixb"), &format!("\"{v}\""));
    assert!(["verified", "monitoring"].contains(&verified.ok(201)["measure"]["status"].as_str().unwrap()));
});

on_both_databases!(ones_own_password_changes_only_with_the_current_one, |app: &TestApp| {
    for name in ["zgb", "admin"] {
        let token = app.login(name);
        let me = app.user_id(&token, name);
        let mine = app.get(&format!("/api/v1/users/{me}"), &token);
        let r = app.call(
            "POST",
            &format!("/api/v1/users/{me}/password"),
            Some(&token),
            Some(json!({"new_password": "a brand new phrase"})),
            &[("If-Match", &mine.etag())],
        );
        r.problem(403, "own_password");
        // Still the old password, and the session goes on.
        app.login_pair(name, PASSWORD).ok(200);
        app.get("/api/v1/me", &token).ok(200);
    }
    // The coordinator still resets a teacher's, and cannot reset the discipline committee's.
    let zgb = app.login("zgb");
    for (name, status) in [("jiangf", 200), ("daixb", 403)] {
        let id = app.user_id(&zgb, name);
        let r = app.call(
            "POST",
            &format!("/api/v1/users/{id}/password"),
            Some(&zgb),
            Some(json!({"new_password": "tea garden in autumn"})),
            &[("If-Match", "\"1\"")],
        );
        assert_eq!(r.status, status, "{name}: {}", r.body);
    }
});

on_the_demo_ledger!(an_import_adds_no_measure_to_a_closed_out_problem, |app: &TestApp| {
    let zgb = app.login("zgb");
    let insp = app.get("/api/v1/inspections", &zgb).json["items"][0]["id"].as_i64().unwrap();
    let p = problem(app, &zgb, "1.");
    let before = measures_of(app, &zgb, p["id"].as_i64().unwrap()).len();
    // The reference ledger again, with one more measure for problem 1, which the bureau closed out.
    let mut doc: Value = serde_json::from_str(include_str!("../../fixtures/changyang-2021/ledger.json")).unwrap();
    doc["categories"][0]["problems"][0]["measures"]
        .as_array_mut()
        .unwrap()
        .push(json!({"text": "补充措施。再学一遍。", "kind": "立行立改"}));
    let path = format!("/api/v1/inspections/{insp}/import");
    let preview = app.post(&format!("{path}?dry_run=true&on_existing=skip"), &zgb, doc.clone());
    let added = preview.ok(200)["preview"][0]["problems"][0]["measures"].as_array().unwrap().last().unwrap().clone();
    assert_eq!((&added["state"], &added["locked"]), (&json!("new"), &json!(true)));
    // Skip leaves all 105 as they are and adds nothing; update changes none and adds nothing.
    for (choice, skipped) in [("skip", 106), ("update", 1)] {
        let r = app.post(&format!("{path}?on_existing={choice}"), &zgb, doc.clone());
        let j = r.ok(201);
        assert_eq!((&j["created"]["measures"], &j["skipped"]["measures"]), (&json!(0), &json!(skipped)), "{choice}");
    }
    assert_eq!(measures_of(app, &zgb, p["id"].as_i64().unwrap()).len(), before);
});
