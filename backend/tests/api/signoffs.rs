//! The sign-off chain through the API: submit, approve → sign → verify, returns, segregation of
//! duties, sign-offs tied to evidence, and two reviewers racing for one stage.

use serde_json::{json, Value};

use crate::common::*;
use crate::evidence::PDF;
use crate::ledger::build;
use crate::on_both_databases;

fn add_evidence(app: &TestApp, token: &str, measure: i64, title: &str) -> Value {
    app.upload("POST", &format!("/api/v1/measures/{measure}/evidence"), token, multipart(&[("title", title)], Some(("a.pdf", PDF))), &[])
        .ok(201)
        .clone()
}

fn version(app: &TestApp, token: &str, measure: i64) -> String {
    app.get(&format!("/api/v1/measures/{measure}"), token).etag()
}

fn decide(app: &TestApp, token: &str, measure: i64, body: Value) -> Resp {
    let v = version(app, token, measure);
    app.call("POST", &format!("/api/v1/measures/{measure}/signoffs"), Some(token), Some(body), &[("If-Match", &v)])
}

fn submit(app: &TestApp, token: &str, measure: i64) -> Resp {
    let v = version(app, token, measure);
    app.call("POST", &format!("/api/v1/measures/{measure}/submit"), Some(token), None, &[("If-Match", &v)])
}

on_both_databases!(a_measure_is_submitted_approved_signed_and_verified, |app: &TestApp| {
    let b = build(app);
    let m = b.measures[0]; // assigned to jiangf, responsible leader qinss
    let (jiangf, qinss, zhanghc, daixb, zgb) =
        (app.login("jiangf"), app.login("qinss"), app.login("zhanghc"), app.login("daixb"), app.login("zgb"));
    submit(app, &jiangf, m).problem(409, "no_evidence");
    decide(app, &qinss, m, json!({"decision": "approve"})).problem(409, "not_awaiting_signoff");
    add_evidence(app, &jiangf, m, "党委（扩大）会会议纪要");
    app.call("POST", &format!("/api/v1/measures/{m}/submit"), Some(&jiangf), None, &[]).problem(428, "if_match_required");
    assert_eq!(submit(app, &jiangf, m).ok(200)["status"], "submitted");
    submit(app, &jiangf, m).problem(409, "not_submittable");

    // Each stage has its reviewer, in turn.
    decide(app, &zhanghc, m, json!({"decision": "approve"})).problem(403, "not_your_stage");
    decide(app, &daixb, m, json!({"decision": "approve"})).problem(403, "not_your_stage");
    decide(app, &jiangf, m, json!({"decision": "approve"})).problem(403, "not_your_stage");
    let r = decide(app, &qinss, m, json!({"decision": "approve", "comment": "材料齐全"}));
    assert_eq!(r.ok(201)["measure"]["status"], "approved");
    assert_eq!(r.json["signoff"]["stage"], "approve");
    decide(app, &qinss, m, json!({"decision": "approve"})).problem(403, "not_your_stage");
    // 张红昌 leads the group now (杨奎 did until 2021-08-24).
    assert_eq!(decide(app, &zhanghc, m, json!({"decision": "approve"})).ok(201)["measure"]["status"], "signed");
    assert_eq!(decide(app, &daixb, m, json!({"decision": "approve"})).ok(201)["measure"]["status"], "verified");
    decide(app, &daixb, m, json!({"decision": "approve"})).problem(409, "not_awaiting_signoff");

    let s = app.get(&format!("/api/v1/measures/{m}/signoffs"), &zgb).ok(200).clone();
    assert_eq!(s["chain"], json!(["approve", "sign", "verify"]));
    let items = s["items"].as_array().unwrap();
    assert_eq!(items.iter().map(|i| i["stage"].as_str().unwrap()).collect::<Vec<_>>(), ["verify", "sign", "approve"]);
    assert!(items.iter().all(|i| i["evidence_matches"] == true && i["signer_name"].is_string()));
    let stats = app.get(&format!("/api/v1/inspections/{}/stats", b.inspection), &zgb).ok(200).clone();
    assert_eq!(stats["overall"]["done"], 1, "a verified measure counts as done");
    assert_eq!(stats["overall"]["overdue"], 0, "and is no longer overdue");

    // New evidence after the sign-offs: they no longer stand, and the chain starts again.
    add_evidence(app, &jiangf, m, "补充的现场照片说明");
    assert_eq!(app.get(&format!("/api/v1/measures/{m}"), &zgb).ok(200)["status"], "submitted");
    let s = app.get(&format!("/api/v1/measures/{m}/signoffs"), &zgb).ok(200).clone();
    assert_eq!(s["pending_stage"], "approve");
    assert!(s["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["evidence_matches"] == false && i["invalidated_reason"].as_str().unwrap().contains("补充的现场照片说明")));
    let history = app.get(&format!("/api/v1/measures/{m}/progress"), &zgb).ok(200).clone();
    assert!(history[0]["progress"].as_str().unwrap().starts_with("系统：新增佐证材料《补充的现场照片说明》"), "{history}");
    assert_eq!(
        decide(app, &qinss, m, json!({"decision": "approve"})).ok(201)["measure"]["status"],
        "approved",
        "the same people sign again"
    );
});

on_both_databases!(returns_need_a_reason_and_duties_stay_segregated, |app: &TestApp| {
    let b = build(app);
    let (m1, m2) = (b.measures[1], b.measures[2]); // m1: qinlm, led by xuzg; m2: long-term, led by qinss
    let (xuzg, zgb, zhanghc, daixb) = (app.login("xuzg"), app.login("zgb"), app.login("zhanghc"), app.login("daixb"));

    // Nobody signs off their own submission.
    add_evidence(app, &xuzg, m1, "学习资料汇编");
    submit(app, &xuzg, m1).ok(200);
    decide(app, &xuzg, m1, json!({"decision": "approve"})).problem(403, "own_submission");
    decide(app, &xuzg, m1, json!({"decision": "return", "comment": "x"})).problem(403, "own_submission");

    // A return needs a reason, goes back to in_progress, and leaves the reason in the history.
    let zgb_v = version(app, &zgb, m2);
    app.patch(&format!("/api/v1/measures/{m2}"), &zgb, &zgb_v, json!({"responsible_leader_id": app.user_id(&zgb, "zhanghc")})).ok(200);
    add_evidence(app, &zgb, m2, "班子成员责任清单");
    submit(app, &zgb, m2).ok(200);
    decide(app, &zhanghc, m2, json!({"decision": "return"})).problem(422, "validation_failed");
    let r = decide(app, &zhanghc, m2, json!({"decision": "return", "comment": "缺少会议记录"}));
    assert_eq!(r.ok(201)["measure"]["status"], "in_progress");
    assert_eq!(r.json["signoff"]["decision"], "return");
    let history = app.get(&format!("/api/v1/measures/{m2}/progress"), &zgb).ok(200).clone();
    assert_eq!(history[0]["progress"], "退回（审核）：缺少会议记录");

    // One person signs at most one stage: 张红昌 approved as responsible leader, so he may not
    // also sign as the group's leader.
    submit(app, &zgb, m2).ok(200);
    decide(app, &zhanghc, m2, json!({"decision": "approve"})).ok(201);
    decide(app, &zhanghc, m2, json!({"decision": "approve"})).problem(403, "second_stage");

    // Discipline cannot jump the queue.
    decide(app, &daixb, m2, json!({"decision": "approve"})).problem(403, "not_your_stage");
});

on_both_databases!(two_reviewers_racing_for_one_stage_record_one_decision, |app: &TestApp| {
    let b = build(app);
    let m = b.measures[0];
    let (jiangf, qinss) = (app.login("jiangf"), app.login("qinss"));
    add_evidence(app, &jiangf, m, "会议纪要");
    submit(app, &jiangf, m).ok(200);
    let v = version(app, &qinss, m);
    let results: Vec<u16> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let (v, qinss) = (v.clone(), qinss.clone());
                s.spawn(move || {
                    app.call(
                        "POST",
                        &format!("/api/v1/measures/{m}/signoffs"),
                        Some(&qinss),
                        Some(json!({"decision": "approve"})),
                        &[("If-Match", &v)],
                    )
                    .status
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(results.iter().filter(|s| **s == 201).count(), 1, "exactly one decision wins: {results:?}");
    assert!(results.iter().all(|s| [201, 409, 412].contains(s)), "the others are told it moved on: {results:?}");
    let s = app.get(&format!("/api/v1/measures/{m}/signoffs"), &qinss).ok(200).clone();
    assert_eq!(s["items"].as_array().unwrap().len(), 1, "nothing half-written");
    assert_eq!(s["status"], "approved");
});

on_both_databases!(an_organisation_sets_its_chain_and_may_relax_segregation, |app: &TestApp| {
    let b = build(app);
    let (admin, zgb, zhanghc, daixb) = (app.login("admin"), app.login("zgb"), app.login("zhanghc"), app.login("daixb"));
    let school = app.org_id(rectify::demo::SCHOOL);
    let org = |token: &str, body: Value| {
        let v = app.get(&format!("/api/v1/organisations/{school}"), &admin).etag();
        app.patch(&format!("/api/v1/organisations/{school}"), token, &v, body)
    };
    org(&admin, json!({"signoff_chain": ["verify", "approve"]})).problem(422, "validation_failed");
    org(&zgb, json!({"allow_repeat_signer": true})).problem(403, "insufficient_role");
    let r = org(&admin, json!({"allow_repeat_signer": true, "signoff_chain": ["approve", "sign"]}));
    assert_eq!((r.ok(200)["allow_repeat_signer"].clone(), r.json["signoff_chain"].clone()), (json!(true), json!(["approve", "sign"])));

    // The existing inspection keeps its full chain; a small school lets 张红昌 sign twice, on record.
    let m = b.measures[2];
    let v = version(app, &zgb, m);
    app.patch(&format!("/api/v1/measures/{m}"), &zgb, &v, json!({"responsible_leader_id": app.user_id(&zgb, "zhanghc")})).ok(200);
    add_evidence(app, &zgb, m, "班子成员责任清单");
    submit(app, &zgb, m).ok(200);
    assert_eq!(decide(app, &zhanghc, m, json!({"decision": "approve"})).ok(201)["signoff"]["repeat_signer"], false);
    let r = decide(app, &zhanghc, m, json!({"decision": "approve"}));
    assert_eq!((r.ok(201)["signoff"]["repeat_signer"].clone(), r.json["measure"]["status"].clone()), (json!(true), json!("signed")));
    let r = decide(app, &daixb, m, json!({"decision": "approve", "next_lookback": "2027-03-01"}));
    assert_eq!(r.ok(201)["measure"]["status"], "monitoring", "a long-term measure is watched after verification");
    assert_eq!(r.json["measure"]["next_lookback"], "2027-03-01");

    // A new inspection takes the chain the organisation uses now.
    let insp = app.post("/api/v1/inspections", &zgb, json!({"title": "回头看", "inspector": "县委巡察办"})).ok(201).clone();
    let c =
        app.post(&format!("/api/v1/inspections/{}/categories", insp["id"]), &zgb, json!({"title": "整改落实方面"})).ok(201)["id"].clone();
    let problem = app
        .post(&format!("/api/v1/inspections/{}/problems", insp["id"]), &zgb, json!({"category_id": c, "title": "整改不到位问题"}))
        .ok(201)["id"]
        .as_i64()
        .unwrap();
    let nm = app
        .post(
            &format!("/api/v1/problems/{problem}/measures"),
            &zgb,
            json!({"title": "建立长效机制", "kind": "time_bound", "responsible_leader_id": app.user_id(&zgb, "qinss")}),
        )
        .ok(201)["id"]
        .as_i64()
        .unwrap();
    add_evidence(app, &zgb, nm, "制度文件");
    submit(app, &zgb, nm).ok(200);
    assert_eq!(app.get(&format!("/api/v1/measures/{nm}/signoffs"), &zgb).ok(200)["chain"], json!(["approve", "sign"]));
});

on_both_databases!(each_reviewer_finds_the_measure_in_their_queue_in_turn, |app: &TestApp| {
    let b = build(app);
    let m = b.measures[0]; // jiangf's, led by qinss, overdue
    let (jiangf, qinss, zhanghc, daixb) = (app.login("jiangf"), app.login("qinss"), app.login("zhanghc"), app.login("daixb"));
    let queue = |token: &str| app.get("/api/v1/me/tasks", token).ok(200).clone();
    let count = |token: &str, kind: &str| queue(token)["counts"][kind].as_i64().unwrap();
    let q = queue(&jiangf);
    assert_eq!((q["counts"]["work_on"].as_i64(), q["counts"]["overdue"].as_i64()), (Some(1), Some(1)));
    assert_eq!(q["items"][0]["kind"], "overdue", "overdue before other work");
    assert_eq!(q["items"][0]["label"], "①");
    assert_eq!(count(&qinss, "overdue"), 1, "the responsible leader answers for it too");
    add_evidence(app, &jiangf, m, "会议纪要");
    submit(app, &jiangf, m).ok(200);
    assert_eq!(count(&jiangf, "work_on"), 0);
    assert_eq!((count(&qinss, "approve"), count(&zhanghc, "sign")), (1, 0));
    decide(app, &qinss, m, json!({"decision": "approve"})).ok(201);
    assert_eq!((count(&qinss, "approve"), count(&zhanghc, "sign"), count(&daixb, "verify")), (0, 1, 0));
    decide(app, &zhanghc, m, json!({"decision": "approve"})).ok(201);
    assert_eq!((count(&zhanghc, "sign"), count(&daixb, "verify")), (0, 1));
    decide(app, &daixb, m, json!({"decision": "approve"})).ok(201);
    assert_eq!((count(&daixb, "verify"), count(&jiangf, "overdue")), (0, 0), "verified: nothing waits and nothing is overdue");
});

/// Takes a measure through the whole chain: evidence by `by`, then approve, sign, verify.
fn verify_measure(app: &TestApp, m: i64, by: &str, leader: &str) {
    let by = app.login(by);
    add_evidence(app, &by, m, "佐证材料");
    submit(app, &by, m).ok(200);
    for reviewer in [leader, "zhanghc", "daixb"] {
        decide(app, &app.login(reviewer), m, json!({"decision": "approve"})).ok(201);
    }
}

on_both_databases!(the_supervising_bureau_closes_problems_out, |app: &TestApp| {
    let b = build(app);
    let (p1, p3) = (b.problems[0], b.problems[1]); // p1 holds measures 0 and 1; p3 none
    let (zgb, majp) = (app.login("zgb"), app.login("majp"));
    let problem_version = |p: i64| app.get(&format!("/api/v1/problems/{p}"), &zgb).etag();
    let request =
        |p: i64| app.call("POST", &format!("/api/v1/problems/{p}/closeout"), Some(&zgb), None, &[("If-Match", &problem_version(p))]);
    let decide_closeout = |token: &str, p: i64, body: Value| {
        app.call("POST", &format!("/api/v1/problems/{p}/closeout/decision"), Some(token), Some(body), &[("If-Match", &problem_version(p))])
    };
    request(p1).problem(409, "measures_not_done");
    request(p3).problem(409, "measures_not_done");
    verify_measure(app, b.measures[0], "jiangf", "qinss");
    verify_measure(app, b.measures[1], "qinlm", "xuzg");
    decide_closeout(&majp, p1, json!({"decision": "close"})).problem(409, "closeout_not_requested");
    assert_eq!(request(p1).ok(200)["closeout_status"], "requested");
    request(p1).problem(409, "closeout_pending");

    decide_closeout(&zgb, p1, json!({"decision": "close"})).problem(403, "not_supervising_bureau");
    decide_closeout(&app.login("zhanghc"), p1, json!({"decision": "close"})).problem(403, "not_supervising_bureau");
    decide_closeout(&app.login("yz.zgb"), p1, json!({"decision": "close"})).problem(404, "not_found");
    decide_closeout(&majp, p1, json!({"decision": "return", "comment": "会议记录不全"})).problem(422, "validation_failed");
    decide_closeout(&majp, p1, json!({"decision": "return", "comment": "会议记录不全", "measure_ids": [b.measures[2]]}))
        .problem(422, "validation_failed");
    let r = decide_closeout(&majp, p1, json!({"decision": "return", "comment": "会议记录不全", "measure_ids": [b.measures[1]]}));
    assert_eq!(r.ok(200)["closeout_status"], "open");
    let m1 = app.get(&format!("/api/v1/measures/{}", b.measures[1]), &zgb).ok(200).clone();
    assert_eq!(m1["status"], "in_progress");
    assert_eq!(app.get(&format!("/api/v1/measures/{}/progress", b.measures[1]), &zgb).ok(200)[0]["progress"], "销号退回：会议记录不全");

    verify_measure(app, b.measures[1], "qinlm", "xuzg");
    request(p1).ok(200);
    let r = decide_closeout(&majp, p1, json!({"decision": "close", "comment": "整改到位，同意销号"}));
    assert_eq!((r.ok(200)["closeout_status"].as_str(), r.json["closeout_comment"].as_str()), (Some("closed"), Some("整改到位，同意销号")));
    assert_ne!(
        app.get(&format!("/api/v1/inspections/{}", b.inspection), &zgb).ok(200)["status"],
        "closed",
        "other problems are still open"
    );
    let log = app.get("/api/v1/audit?entity_type=problem&action=problem.closeout", &app.login("daixb")).ok(200).clone();
    assert_eq!(log["total"], 2, "the return and the close are on record");
});

on_both_databases!(extensions_are_asked_for_and_decided_by_the_leader, |app: &TestApp| {
    let b = build(app);
    let m = b.measures[0]; // jiangf's, led by qinss, deadline 2021-09-30
    let (jiangf, qinss, zhanghc, zgb) = (app.login("jiangf"), app.login("qinss"), app.login("zhanghc"), app.login("zgb"));
    let path = format!("/api/v1/measures/{m}/extensions");
    app.post(&path, &jiangf, json!({"new_deadline": "2099-06-30", "reason": ""})).problem(422, "validation_failed");
    app.post(&path, &jiangf, json!({"new_deadline": "2021-09-01", "reason": "x"})).problem(422, "validation_failed");
    app.post(&path, &app.login("qinlm"), json!({"new_deadline": "2099-06-30", "reason": "x"})).problem(404, "not_found");
    app.post(&path, &zgb, json!({"new_deadline": "2099-06-30", "reason": "x"})).problem(403, "not_assigned");
    let first = app.post(&path, &jiangf, json!({"new_deadline": "2099-06-30", "reason": "需等待上级文件"})).ok(201).clone();
    app.post(&path, &qinss, json!({"new_deadline": "2099-07-30", "reason": "x"})).problem(409, "extension_pending");
    assert_eq!(app.get("/api/v1/me/tasks", &zhanghc).ok(200)["counts"]["extension"], 1);

    let decision = |token: &str, id: &Value, body: Value| app.post(&format!("/api/v1/extensions/{id}/decision"), token, body);
    decision(&qinss, &first["id"], json!({"decision": "approve"})).problem(403, "not_group_leader");
    decision(&zhanghc, &first["id"], json!({"decision": "reject"})).problem(422, "validation_failed");
    assert_eq!(decision(&zhanghc, &first["id"], json!({"decision": "reject", "comment": "理由不充分"})).ok(200)["status"], "rejected");
    decision(&zhanghc, &first["id"], json!({"decision": "approve"})).problem(409, "extension_decided");
    assert_eq!(app.get(&format!("/api/v1/measures/{m}"), &zgb).ok(200)["deadline"], "2021-09-30", "a rejection keeps the deadline");

    let second = app.post(&path, &qinss, json!({"new_deadline": "2099-06-30", "reason": "上级文件未下发"})).ok(201).clone();
    assert_eq!(decision(&zhanghc, &second["id"], json!({"decision": "approve"})).ok(200)["status"], "approved");
    assert_eq!(app.get(&format!("/api/v1/measures/{m}"), &zgb).ok(200)["deadline"], "2099-06-30");
    let history = app.get(&path, &zgb).ok(200).clone();
    assert_eq!((history[0]["old_deadline"].as_str(), history[0]["status"].as_str()), (Some("2021-09-30"), Some("approved")));
    assert_eq!(history.as_array().unwrap().len(), 2, "both requests are kept");
    assert_eq!(app.get("/api/v1/me/tasks", &jiangf).ok(200)["counts"]["overdue"], 0, "no longer overdue");
    let ledger = app.get(&format!("/api/v1/inspections/{}/ledger", b.inspection), &zgb).ok(200).clone();
    let row = ledger["items"].as_array().unwrap().iter().find(|r| r["measure"]["id"] == m).unwrap().clone();
    assert_eq!(
        (row["original_deadline"].as_str(), row["extensions"].as_i64()),
        (Some("2021-09-30"), Some(1)),
        "the ledger shows the history"
    );
});

on_both_databases!(look_backs_confirm_or_reopen_verified_work, |app: &TestApp| {
    let b = build(app);
    let (m0, m1, m2) = (b.measures[0], b.measures[1], b.measures[2]);
    let (zgb, daixb, majp) = (app.login("zgb"), app.login("daixb"), app.login("majp"));
    verify_measure(app, m0, "jiangf", "qinss");
    let look = |token: &str, m: i64, body: Value| app.post(&format!("/api/v1/measures/{m}/lookbacks"), token, body);
    look(&daixb, m1, json!({"result": "holds", "findings": "x"})).problem(409, "not_verified");
    look(&zgb, m0, json!({"result": "holds", "findings": "x"})).problem(403, "not_a_checker");
    look(&daixb, m0, json!({"result": "holds", "findings": ""})).problem(422, "validation_failed");
    look(&daixb, m0, json!({"result": "holds", "findings": "党委（扩大）会制度执行正常"})).ok(201);
    assert_eq!(look(&majp, m0, json!({"result": "rebound", "findings": "9月后未再召开"})).ok(201)["result"], "rebound");
    let m = app.get(&format!("/api/v1/measures/{m0}"), &zgb).ok(200).clone();
    assert_eq!(m["status"], "in_progress", "a rebound reopens the measure");
    assert_eq!(app.get(&format!("/api/v1/measures/{m0}/lookbacks"), &zgb).ok(200).as_array().unwrap().len(), 2);
    assert_eq!(app.get(&format!("/api/v1/inspections/{}/stats", b.inspection), &zgb).ok(200)["rebounds"], 1);
    app.post(&format!("/api/v1/problems/{}/lookbacks", b.problems[0]), &daixb, json!({"result": "holds", "findings": "x"}))
        .problem(409, "not_closed");

    // A long-term measure under monitoring gets its next look-back date.
    let v = version(app, &zgb, m2);
    app.patch(&format!("/api/v1/measures/{m2}"), &zgb, &v, json!({"assignee_ids": [app.user_id(&zgb, "qinlm")]})).ok(200);
    verify_measure(app, m2, "qinlm", "qinss");
    assert_eq!(app.get(&format!("/api/v1/measures/{m2}"), &zgb).ok(200)["status"], "monitoring");
    look(&daixb, m2, json!({"result": "holds", "findings": "压力传导到位", "next_lookback": "2027-06-30"})).ok(201);
    assert_eq!(app.get(&format!("/api/v1/measures/{m2}"), &zgb).ok(200)["next_lookback"], "2027-06-30");
});

on_both_databases!(notifications_and_reminders_arrive_once, |app: &TestApp| {
    let b = build(app);
    let m = b.measures[0]; // jiangf's, led by qinss, deadline 2021-09-30
    let (jiangf, qinss) = (app.login("jiangf"), app.login("qinss"));
    let inbox = |token: &str| app.get("/api/v1/me/notifications", token).ok(200).clone();
    let kinds = |token: &str| -> Vec<String> {
        inbox(token)["items"].as_array().unwrap().iter().map(|n| n["kind"].as_str().unwrap().to_string()).collect()
    };
    assert_eq!(kinds(&jiangf), ["assigned"]);
    add_evidence(app, &jiangf, m, "会议纪要");
    submit(app, &jiangf, m).ok(200);
    decide(app, &qinss, m, json!({"decision": "return", "comment": "缺少签到表"})).ok(201);
    let n = inbox(&jiangf);
    assert_eq!((n["unread"].as_i64(), n["items"][0]["kind"].as_str()), (Some(2), Some("returned")));
    assert!(n["items"][0]["message"].as_str().unwrap().contains("缺少签到表"), "the assignee is told why");

    let first = n["items"][0]["id"].as_i64().unwrap();
    app.call("POST", &format!("/api/v1/me/notifications/{first}/read"), Some(&qinss), None, &[]).problem(404, "not_found");
    app.call("POST", &format!("/api/v1/me/notifications/{first}/read"), Some(&jiangf), None, &[]).ok(204);
    assert_eq!(inbox(&jiangf)["unread"], 1);
    app.call("POST", "/api/v1/me/notifications/read", Some(&jiangf), None, &[]).ok(204);
    assert_eq!(inbox(&jiangf)["unread"], 0);

    // Two instances producing the same day's reminders at once: each arrives once.
    let remind = |date: &str| {
        let date = date.to_string();
        std::thread::scope(|s| {
            let runs: Vec<_> = (0..2).map(|_| s.spawn(|| app.cli(&["remind", "--date", &date], &[]))).collect();
            runs.into_iter().for_each(|r| assert!(r.join().unwrap().status.success()));
        });
    };
    remind("2021-09-27");
    remind("2021-09-27");
    remind("2021-10-01");
    let count = |token: &str, kind: &str| kinds(token).iter().filter(|k| *k == kind).count();
    assert_eq!((count(&jiangf, "deadline_in_3_days"), count(&qinss, "deadline_in_3_days")), (1, 1));
    assert_eq!((count(&jiangf, "overdue"), count(&qinss, "overdue")), (1, 1));
});

// Another school's coordinator finds none of this school's workflow, reading or writing.
on_both_databases!(another_school_reaches_none_of_the_workflow, |app: &TestApp| {
    let b = build(app);
    let (m, p) = (b.measures[0], b.problems[0]);
    let jiangf = app.login("jiangf");
    let e = add_evidence(app, &jiangf, m, "会议纪要")["id"].as_i64().unwrap();
    let ext = app
        .post(&format!("/api/v1/measures/{m}/extensions"), &jiangf, json!({"new_deadline": "2099-06-30", "reason": "等待文件"}))
        .ok(201)["id"]
        .clone();
    let other = app.login("yz.zgb");
    for path in [
        format!("/api/v1/measures/{m}/signoffs"),
        format!("/api/v1/measures/{m}/extensions"),
        format!("/api/v1/measures/{m}/lookbacks"),
        format!("/api/v1/measures/{m}/evidence"),
        format!("/api/v1/problems/{p}/lookbacks"),
        format!("/api/v1/evidence/{e}"),
        format!("/api/v1/evidence/{e}/versions"),
        format!("/api/v1/evidence/{e}/verify"),
    ] {
        app.get(&path, &other).problem(404, "not_found");
    }
    let post = |path: String, body: Value, v: &str| app.call("POST", &path, Some(&other), Some(body), &[("If-Match", v)]);
    post(format!("/api/v1/measures/{m}/submit"), json!({}), "\"1\"").problem(404, "not_found");
    post(format!("/api/v1/measures/{m}/signoffs"), json!({"decision": "approve"}), "\"1\"").problem(404, "not_found");
    post(format!("/api/v1/measures/{m}/extensions"), json!({"new_deadline": "2099-06-30", "reason": "x"}), "\"1\"")
        .problem(404, "not_found");
    post(format!("/api/v1/extensions/{ext}/decision"), json!({"decision": "approve"}), "\"1\"").problem(404, "not_found");
    post(format!("/api/v1/measures/{m}/lookbacks"), json!({"result": "holds", "findings": "x"}), "\"1\"").problem(404, "not_found");
    post(format!("/api/v1/problems/{p}/closeout"), json!({}), "\"1\"").problem(404, "not_found");
    app.patch(&format!("/api/v1/evidence/{e}"), &other, "\"1\"", json!({"title": "x"})).problem(404, "not_found");
    app.call("DELETE", &format!("/api/v1/evidence/{e}"), Some(&other), Some(json!({"reason": "x"})), &[("If-Match", "\"1\"")])
        .problem(404, "not_found");

    // A read-only token of the school reads but does not act.
    let zgb = app.login("zgb");
    let token = app.post("/api/v1/api-tokens", &zgb, json!({"name": "县督查平台", "scopes": ["read"]})).ok(201)["token"]
        .as_str()
        .unwrap()
        .to_string();
    app.get(&format!("/api/v1/measures/{m}/signoffs"), &token).ok(200);
    app.call("POST", &format!("/api/v1/measures/{m}/submit"), Some(&token), None, &[("If-Match", "\"1\"")]).problem(403, "not_assigned");
});

on_both_databases!(reminders_count_days_in_each_organisations_time_zone, |app: &TestApp| {
    let b = build(app);
    let (admin, zgb) = (app.login("admin"), app.login("zgb"));
    let school = format!("/api/v1/organisations/{}", app.org_id(rectify::demo::SCHOOL));
    // Kiritimati (UTC+14) and Pago Pago (UTC−11) are 25 hours apart, so their dates always
    // differ: no one "today" for every organisation gets both right.
    for (zone, m, leader) in [("Pacific/Kiritimati", b.measures[0], "qinss"), ("Pacific/Pago_Pago", b.measures[1], "xuzg")] {
        let v = app.get(&school, &admin).etag();
        app.patch(&school, &admin, &v, json!({"timezone": zone})).ok(200);
        let tomorrow = rectify::domain::ledger::today_in_zone(zone) + chrono::Duration::days(1);
        app.patch(&format!("/api/v1/measures/{m}"), &zgb, &version(app, &zgb, m), json!({"deadline": tomorrow})).ok(200);
        assert!(app.cli(&["remind"], &[]).status.success());
        let inbox = app.get("/api/v1/me/notifications", &app.login(leader)).ok(200).clone();
        let kinds: Vec<&str> =
            inbox["items"].as_array().unwrap().iter().filter(|n| n["measure_id"] == m).map(|n| n["kind"].as_str().unwrap()).collect();
        assert!(kinds.contains(&"deadline_in_1_day"), "{zone}: {kinds:?}");
    }
});
