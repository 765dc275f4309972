//! What the screens are told: only standing approvals can be contradicted by the evidence, the
//! due-soon figure and its lists agree, tasks carry the date they are due by, the audit log
//! names people and objects, notifications name the problem and filter, batch decisions are
//! decided one by one.

use serde_json::{json, Value};

use crate::common::*;
use crate::evidence::PDF;
use crate::ledger::build;
use crate::on_both_databases;

fn add_evidence(app: &TestApp, token: &str, measure: i64, title: &str) {
    app.upload("POST", &format!("/api/v1/measures/{measure}/evidence"), token, multipart(&[("title", title)], Some(("a.pdf", PDF))), &[])
        .ok(201);
}

fn version(app: &TestApp, token: &str, measure: i64) -> String {
    app.get(&format!("/api/v1/measures/{measure}"), token).etag()
}

fn act(app: &TestApp, token: &str, measure: i64, what: &str, body: Option<Value>) -> Resp {
    let v = version(app, token, measure);
    app.call("POST", &format!("/api/v1/measures/{measure}/{what}"), Some(token), body, &[("If-Match", &v)])
}

on_both_databases!(a_return_is_not_an_approval_the_evidence_can_contradict, |app: &TestApp| {
    let b = build(app);
    let m = b.measures[0]; // jiangf's, approved by qinss
    let (jiangf, qinss, zhanghc, daixb) = (app.login("jiangf"), app.login("qinss"), app.login("zhanghc"), app.login("daixb"));
    let signoffs = || app.get(&format!("/api/v1/measures/{m}/signoffs"), &jiangf).ok(200).clone();
    assert_eq!(signoffs()["next_reviewers"], json!(["覃守生"]), "the submit dialog names who reviews first");

    add_evidence(app, &jiangf, m, "党委（扩大）会会议纪要");
    act(app, &jiangf, m, "submit", None).ok(200);
    act(app, &qinss, m, "signoffs", Some(json!({"decision": "return", "comment": "缺少签到表"}))).ok(201);
    // Fixed: more evidence, submitted again, and through every stage.
    add_evidence(app, &jiangf, m, "会议签到表");
    act(app, &jiangf, m, "submit", None).ok(200);
    for (who, next) in [(&qinss, json!(["张红昌"])), (&zhanghc, json!(["戴先波"])), (&daixb, json!([]))] {
        act(app, who, m, "signoffs", Some(json!({"decision": "approve"}))).ok(201);
        let s = signoffs();
        assert_eq!(s["evidence_changed"], false, "no standing approval saw other evidence: {s}");
        assert_eq!(s["next_reviewers"], next);
    }
    // The assignee is told in the stages' own words.
    let inbox = app.get("/api/v1/me/notifications?kind=approved", &jiangf).ok(200).clone();
    let said: Vec<&str> = inbox["items"].as_array().unwrap().iter().map(|n| n["message"].as_str().unwrap()).collect();
    assert_eq!(said, ["1.① 强化思想武装 核验通过", "1.① 强化思想武装 审批同意", "1.① 强化思想武装 审核通过"]);
    let s = signoffs();
    let items = s["items"].as_array().unwrap();
    let returned = items.iter().find(|i| i["decision"] == "return").unwrap();
    assert_eq!((returned["standing"].as_bool(), returned["evidence_matches"].as_bool()), (Some(false), Some(false)));
    assert_eq!(items.iter().filter(|i| i["standing"] == true).count(), 3);

    // Evidence changed after the approvals: they are withdrawn (no longer standing), not contradicted.
    add_evidence(app, &jiangf, m, "补充说明");
    let s = signoffs();
    assert_eq!(s["evidence_changed"], false);
    assert!(s["items"].as_array().unwrap().iter().all(|i| i["standing"] == false));
    assert_eq!(s["next_reviewers"], json!(["覃守生"]));
});

on_both_databases!(the_due_soon_figure_is_what_the_lists_hold, |app: &TestApp| {
    let b = build(app);
    let zgb = app.login("zgb");
    let today = app.get(&format!("/api/v1/inspections/{}/stats", b.inspection), &zgb).ok(200)["today"].as_str().unwrap().to_string();
    let today: chrono::NaiveDate = today.parse().unwrap();
    let day = |n: i64| (today + chrono::Duration::days(n)).to_string();
    // Deadlines today and in 7 days count; yesterday's and one in 8 days do not.
    let (m1, m2, m3) = (b.measures[0], b.measures[1], b.measures[2]);
    let p = b.problems[0];
    for (m, d) in [(m1, day(0)), (m2, day(7)), (m3, day(8))] {
        let v = version(app, &zgb, m);
        app.patch(&format!("/api/v1/measures/{m}"), &zgb, &v, json!({"deadline": d})).ok(200);
    }
    let extra = |title: &str, d: String| {
        app.post(&format!("/api/v1/problems/{p}/measures"), &zgb, json!({"title": title, "kind": "immediate", "deadline": d})).ok(201)["id"]
            .as_i64()
            .unwrap()
    };
    extra("昨天到期", day(-1));
    extra("三天后到期", day(3));
    let stats = app.get(&format!("/api/v1/inspections/{}/stats", b.inspection), &zgb).ok(200).clone();
    assert_eq!(stats["overall"]["due_within_7_days"], 3, "today, in 3 and in 7 days: {stats}");
    let list = app.get(&format!("/api/v1/measures?inspection_id={}&due_within_days=7&sort=deadline&limit=2", b.inspection), &zgb);
    assert_eq!(list.ok(200)["total"], 3, "the figure and the list agree, whatever the page size");
    assert_eq!(list.json["items"][0]["id"], m1, "soonest first");
    let ledger = app.get(&format!("/api/v1/inspections/{}/ledger?due_within_days=7", b.inspection), &zgb);
    assert_eq!(ledger.ok(200)["total"], 3, "and so does the ledger filtered the same way");
    app.get("/api/v1/measures?due_within_days=0", &zgb).problem(422, "validation_failed");
});

on_both_databases!(look_back_tasks_are_due_on_the_look_back_date, |app: &TestApp| {
    let b = build(app);
    let m = b.measures[2]; // long-term, led by qinss, no assignee
    let (zgb, qinss, zhanghc, daixb) = (app.login("zgb"), app.login("qinss"), app.login("zhanghc"), app.login("daixb"));
    let v = version(app, &zgb, m);
    app.patch(&format!("/api/v1/measures/{m}"), &zgb, &v, json!({"deadline": "2099-12-31"})).ok(200);
    add_evidence(app, &zgb, m, "班子成员责任清单");
    act(app, &zgb, m, "submit", None).ok(200);
    act(app, &qinss, m, "signoffs", Some(json!({"decision": "approve"}))).ok(201);
    act(app, &zhanghc, m, "signoffs", Some(json!({"decision": "approve"}))).ok(201);
    act(app, &daixb, m, "signoffs", Some(json!({"decision": "approve", "next_lookback": "2021-10-01"}))).ok(201);
    let tasks = app.get("/api/v1/me/tasks", &daixb).ok(200).clone();
    let lookback = tasks["items"].as_array().unwrap().iter().find(|t| t["kind"] == "lookback_due").expect("a look-back is due");
    assert_eq!(lookback["due"], "2021-10-01", "the look-back's own date, not the deadline: {lookback}");
    assert_eq!(lookback["organisation_name"], "长阳土家族自治县职业教育中心", "whose work it is");
    assert_eq!(lookback["deadline"], "2099-12-31");
});

on_both_databases!(the_audit_log_names_people_objects_and_references, |app: &TestApp| {
    let b = build(app);
    let daixb = app.login("daixb");
    let m = b.measures[0];
    let page = app.get(&format!("/api/v1/audit?entity_type=measure&entity_id={m}"), &daixb).ok(200).clone();
    let created = page["items"].as_array().unwrap().iter().find(|e| e["action"] == "measure.create").unwrap().clone();
    assert_eq!(created["entity_label"], "1.① 强化思想武装");
    assert_eq!(created["actor"], "zgb");
    assert!(created["actor_name"].as_str().is_some_and(|n| n != "zgb"), "{created}");
    let jiangf = created["summary"]["assignee_ids"][0].as_i64().unwrap();
    assert_eq!(created["names"][format!("user:{jiangf}")], "蒋芳");
    let leader = created["summary"]["responsible_leader_id"].as_i64().unwrap();
    assert_eq!(created["names"][format!("user:{leader}")], "覃守生");
    let dep = created["summary"]["lead_department_id"].as_i64().unwrap();
    assert_eq!(created["names"][format!("department:{dep}")], "党政办公室");
    let problem = app.get(&format!("/api/v1/audit?entity_type=problem&entity_id={}", b.problems[0]), &daixb).ok(200).clone();
    assert_eq!(problem["items"][0]["entity_label"], "1. 理论武装不够问题");
    // The timeline names the same way; evidence with the measure it proves.
    add_evidence(app, &app.login("jiangf"), m, "会议纪要");
    let timeline = app.get(&format!("/api/v1/measures/{m}/timeline"), &daixb).ok(200).clone();
    assert_eq!(timeline[0]["entity_label"], "1.① 强化思想武装");
    let upload = timeline.as_array().unwrap().iter().find(|e| e["action"] == "evidence.create").unwrap();
    assert_eq!(upload["entity_label"], "1.① 强化思想武装：会议纪要");
});

on_both_databases!(notifications_name_the_problem_and_filter, |app: &TestApp| {
    let b = build(app);
    let (jiangf, qinss) = (app.login("jiangf"), app.login("qinss"));
    let m = b.measures[0];
    add_evidence(app, &jiangf, m, "会议纪要");
    act(app, &jiangf, m, "submit", None).ok(200);
    act(app, &qinss, m, "signoffs", Some(json!({"decision": "return", "comment": "缺少签到表"}))).ok(201);
    let all = app.get("/api/v1/me/notifications", &jiangf).ok(200).clone();
    let returned = app.get("/api/v1/me/notifications?kind=returned,closed_out", &jiangf).ok(200).clone();
    let items = returned["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert!(items[0]["message"].as_str().unwrap().starts_with("1.① 强化思想武装"), "{}", items[0]["message"]);
    let n = all["items"].as_array().unwrap().len();
    assert!(n > 1, "assigned and returned: {all}");
    let id = items[0]["id"].as_i64().unwrap();
    app.call("POST", &format!("/api/v1/me/notifications/{id}/read"), Some(&jiangf), None, &[]).ok(204);
    let unread = app.get("/api/v1/me/notifications?unread=true", &jiangf).ok(200).clone();
    assert_eq!(unread["items"].as_array().unwrap().len(), n - 1);
    assert!(unread["items"].as_array().unwrap().iter().all(|i| i["read"] == false));
    let read = app.get("/api/v1/me/notifications?unread=false", &jiangf).ok(200).clone();
    assert_eq!(read["items"][0]["id"], id);
});

on_both_databases!(batch_decisions_check_every_rule_per_measure, |app: &TestApp| {
    let b = build(app);
    let (zgb, qinss, xuzg) = (app.login("zgb"), app.login("qinss"), app.login("xuzg"));
    let [m1, m2, m3] = [b.measures[0], b.measures[1], b.measures[2]];
    for m in [m1, m2, m3] {
        add_evidence(app, &zgb, m, "材料");
        act(app, &zgb, m, "submit", None).ok(200);
    }
    let v = |m: i64| version(app, &qinss, m).trim_matches('"').parse::<i64>().unwrap();
    // m2 is xuzg's to approve, not qinss's; m3 is given at a stale version.
    let items =
        json!([{"measure_id": m1, "version": v(m1)}, {"measure_id": m2, "version": v(m2)}, {"measure_id": m3, "version": v(m3) - 1}]);
    app.post("/api/v1/signoffs/batch", &qinss, json!({"decision": "return", "items": items})).problem(422, "validation_failed");
    let r = app.post("/api/v1/signoffs/batch", &qinss, json!({"decision": "approve", "comment": "同意", "items": items})).ok(200).clone();
    assert_eq!(r["decided"], 1);
    let codes: Vec<(bool, &Value)> = r["items"].as_array().unwrap().iter().map(|i| (i["ok"].as_bool().unwrap(), &i["code"])).collect();
    assert_eq!(codes, [(true, &Value::Null), (false, &json!("not_your_stage")), (false, &json!("version_mismatch"))]);
    assert_eq!(r["items"][0]["status"], "approved");
    assert_eq!(app.get(&format!("/api/v1/measures/{m3}"), &zgb).ok(200)["status"], "submitted", "a refused item is left as it was");
    // Nobody decides what is not theirs: a teacher is refused the stage, another school sees nothing.
    let one = json!([{"measure_id": m3, "version": v(m3)}]);
    let own = json!([{"measure_id": m1, "version": v(m1)}]); // jiangf's, waiting for the 组长
    let staff = app.post("/api/v1/signoffs/batch", &app.login("jiangf"), json!({"decision": "approve", "items": own})).ok(200).clone();
    assert_eq!((staff["decided"].as_i64(), &staff["items"][0]["code"]), (Some(0), &json!("not_your_stage")));
    let other = app.post("/api/v1/signoffs/batch", &app.login("yz.zgb"), json!({"decision": "approve", "items": one})).ok(200).clone();
    assert_eq!((other["decided"].as_i64(), &other["items"][0]["code"]), (Some(0), &json!("not_found")));
    app.call("POST", "/api/v1/signoffs/batch", None, Some(json!({"decision": "approve", "items": one})), &[])
        .problem(401, "unauthenticated");
    assert_eq!(app.get(&format!("/api/v1/measures/{m3}"), &zgb).ok(200)["status"], "submitted");
    // The right reviewer can take the rest.
    let r = app.post("/api/v1/signoffs/batch", &xuzg, json!({"decision": "approve", "items": [{"measure_id": m2, "version": v(m2)}]}));
    assert_eq!(r.ok(200)["decided"], 1);
    app.post("/api/v1/signoffs/batch", &qinss, json!({"decision": "approve", "items": []})).problem(422, "validation_failed");
    let twice = json!([{"measure_id": m3, "version": v(m3)}, {"measure_id": m3, "version": v(m3)}]);
    app.post("/api/v1/signoffs/batch", &qinss, json!({"decision": "approve", "items": twice})).problem(422, "validation_failed");
});

on_both_databases!(extension_requests_name_who_asked_and_decided, |app: &TestApp| {
    let b = build(app);
    let (jiangf, zhanghc) = (app.login("jiangf"), app.login("zhanghc"));
    let m = b.measures[0];
    let x = app.post(&format!("/api/v1/measures/{m}/extensions"), &jiangf, json!({"new_deadline": "2099-06-30", "reason": "等待上级文件"}));
    assert_eq!(x.ok(201)["requested_by_name"], "蒋芳");
    let id = x.json["id"].as_i64().unwrap();
    let d = app.post(&format!("/api/v1/extensions/{id}/decision"), &zhanghc, json!({"decision": "approve", "comment": "同意延期"}));
    assert_eq!((d.ok(200)["decided_by_name"].as_str(), d.json["decision_comment"].as_str()), (Some("张红昌"), Some("同意延期")));
});
