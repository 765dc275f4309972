//! The demo's reference ledger and importing documents, through the API and the command line.

use serde_json::{json, Value};

use crate::common::*;
use crate::on_both_databases;

fn demo(backend: rectify::db::Backend) -> Option<TestApp> {
    TestApp::start_with_demo_ledger(backend)
}

fn reference() -> Value {
    serde_json::from_str(include_str!("../../fixtures/changyang-2021/ledger.json")).unwrap()
}

#[test]
fn the_demo_holds_the_reference_ledger_sqlite() {
    check_demo(&demo(rectify::db::Backend::Sqlite).unwrap());
}

#[test]
fn the_demo_holds_the_reference_ledger_postgres() {
    if let Some(app) = demo(rectify::db::Backend::Postgres) {
        check_demo(&app);
    }
}

fn check_demo(app: &TestApp) {
    let zhanghc = app.login("zhanghc");
    let list = app.get("/api/v1/inspections", &zhanghc);
    assert_eq!(list.json["total"], 1);
    let insp = &list.json["items"][0];
    assert_eq!(insp["inspector"], "县委第三巡察组");
    assert_eq!((insp["onsite_start"].as_str(), insp["feedback_date"].as_str()), (Some("2021-03-15"), Some("2021-07-23")));
    // The group leader changed on 2021-08-24.
    let leaders: Vec<(&str, &Value, &Value)> = insp["leading_group"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["group_role"] == "leader")
        .map(|m| (m["display_name"].as_str().unwrap(), &m["from_date"], &m["until_date"]))
        .collect();
    assert_eq!(leaders, [("杨奎", &Value::Null, &json!("2021-08-24")), ("张红昌", &json!("2021-08-24"), &Value::Null)]);
    let id = insp["id"].as_i64().unwrap();
    let stats = app.get(&format!("/api/v1/inspections/{id}/stats"), &zhanghc);
    assert_eq!(stats.json["overall"]["total"], 105);
    assert_eq!(stats.json["by_category"].as_array().unwrap().len(), 3);
    let cats = app.get(&format!("/api/v1/inspections/{id}/categories"), &zhanghc);
    let titles: Vec<&str> = cats.json.as_array().unwrap().iter().map(|c| c["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["履行职责使命方面", "履行全面从严治党两个责任方面", "履行党的建设责任方面"]);
    let problems = app.get(&format!("/api/v1/inspections/{id}/problems"), &zhanghc);
    let p = problems.json.as_array().unwrap();
    assert_eq!(p.len(), 30);
    assert_eq!((p[0]["label"].as_str(), p[0]["title"].as_str()), (Some("1."), Some("理论武装不够问题")));
    assert_eq!((p[29]["label"].as_str(), p[29]["title"].as_str()), (Some("30."), Some("组织生活不规范问题")));
    // The ledger reads back in report order with the official labels.
    let page = app.get(&format!("/api/v1/inspections/{id}/ledger?limit=200"), &zhanghc);
    let rows = page.json["items"].as_array().unwrap();
    assert_eq!(rows.len(), 105);
    let doc = reference();
    let texts: Vec<&str> = doc["categories"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["problems"].as_array().unwrap())
        .flat_map(|p| p["measures"].as_array().unwrap())
        .map(|m| m["text"].as_str().unwrap())
        .collect();
    let got: Vec<&str> = rows.iter().map(|r| r["measure"]["content"].as_str().unwrap()).collect();
    assert_eq!(got, texts);
    assert_eq!(rows[0]["category_label"], "（一）");
    assert_eq!(rows[0]["measure"]["label"], "①");
    assert_eq!(rows[0]["measure"]["title"], "强化思想武装");
    assert!(rows.iter().all(|r| r["responsible_leader_name"].is_string()
        && r["lead_department_name"].is_string()
        && !r["assignee_names"].as_array().unwrap().is_empty()));
    // Every role has something: staff their measures, the bureau the school's ledger.
    assert!(app.get("/api/v1/measures", &app.login("jiangf")).json["total"].as_i64().unwrap() >= 30);
    assert_eq!(app.get("/api/v1/measures?limit=1", &app.login("majp")).json["total"], 105);
    assert_eq!(app.get("/api/v1/measures", &app.login("yz.zgb")).json["total"], 0);
    check_demo_work(app, id);
}

/// Every role finds something waiting, and the demo's history is as trustworthy as real work.
fn check_demo_work(app: &TestApp, inspection: i64) {
    let counts = |user: &str| app.get("/api/v1/me/tasks", &app.login(user)).ok(200)["counts"].clone();
    let staff: i64 = ["qinlm", "jiangf", "zengxy"].iter().map(|u| counts(u)["work_on"].as_i64().unwrap()).sum();
    assert!(staff >= 80, "the staff's open measures: {staff}");
    assert!(counts("qinss")["approve"].as_i64().unwrap() >= 1);
    let zhanghc = counts("zhanghc");
    assert!(zhanghc["sign"].as_i64().unwrap() >= 2);
    assert_eq!(zhanghc["extension"], 1);
    let daixb = counts("daixb");
    assert!(daixb["verify"].as_i64().unwrap() >= 1);
    assert_eq!(daixb["lookback_due"], 2);
    assert_eq!(counts("zgb")["request_closeout"], 1);
    // Close-outs and look-backs stay with their school's coordinator and its supervising bureau.
    let other_school = counts("yz.zgb");
    assert_eq!((other_school["request_closeout"].as_i64(), other_school["decide_closeout"].as_i64()), (Some(0), Some(0)));
    let teacher = counts("jiangf");
    assert_eq!((teacher["decide_closeout"].as_i64(), teacher["lookback_due"].as_i64()), (Some(0), Some(0)));
    let majp = counts("majp");
    assert_eq!((majp["decide_closeout"].as_i64(), majp["lookback_due"].as_i64()), (Some(1), Some(2)));

    // Measures in every state, a closed-out problem, an overdue measure.
    let majp = app.login("majp");
    for status in ["not_started", "in_progress", "submitted", "approved", "signed", "verified", "monitoring"] {
        let n = app.get(&format!("/api/v1/measures?inspection_id={inspection}&status={status}&limit=1"), &majp).json["total"].as_i64();
        assert!(n.unwrap() >= 1, "no measure {status}");
    }
    let problems = app.get(&format!("/api/v1/inspections/{inspection}/problems"), &majp);
    let closeout: Vec<&str> = problems.json.as_array().unwrap().iter().map(|p| p["closeout_status"].as_str().unwrap()).collect();
    assert_eq!((closeout[0], closeout[1]), ("closed", "requested"));
    let stats = app.get(&format!("/api/v1/inspections/{inspection}/stats"), &majp);
    assert!(stats.json["overall"]["overdue"].as_i64().unwrap() >= 1);

    // Each task says which problem it belongs to.
    let zengxy_tasks = app.get("/api/v1/me/tasks", &app.login("zengxy")).ok(200).clone();
    let p3 = zengxy_tasks["items"].as_array().unwrap().iter().find(|t| t["problem_label"] == "3.").expect("a task of problem 3");
    assert_eq!(p3["problem_title"], "党委发挥领导作用不充分问题");

    // The returned measure tells its assignee why.
    let zengxy = app.login("zengxy");
    let inbox = app.get("/api/v1/me/notifications", &zengxy);
    let returned = inbox.json["items"].as_array().unwrap().iter().find(|n| n["kind"] == "returned").expect("a returned measure");
    assert!(returned["message"].as_str().unwrap().contains("会议纪要"), "{returned}");

    // Signed-off evidence is stored, intact, and the sign-offs still match it.
    let verified = app.get(&format!("/api/v1/measures?inspection_id={inspection}&status=verified&limit=1"), &majp);
    let m = verified.json["items"][0]["id"].as_i64().unwrap();
    let signoffs = app.get(&format!("/api/v1/measures/{m}/signoffs"), &majp);
    assert!(signoffs.json["items"].as_array().unwrap().iter().all(|s| s["evidence_matches"] == true), "{}", signoffs.json);
    let evidence = app.get(&format!("/api/v1/measures/{m}/evidence"), &majp);
    let e = evidence.json["items"][0]["id"].as_i64().unwrap();
    assert_eq!(app.get(&format!("/api/v1/evidence/{e}/verify"), &majp).ok(200)["intact"], true);
    assert_eq!(app.get("/api/v1/audit/verify", &app.login("daixb")).ok(200)["intact"], true);
}

on_both_databases!(importing_a_ledger_document, |app: &TestApp| {
    let zgb = app.login("zgb");
    let insp =
        app.post("/api/v1/inspections", &zgb, json!({"title": "巡察整改", "inspector": "县委第三巡察组"})).json["id"].as_i64().unwrap();
    let path = format!("/api/v1/inspections/{insp}/import");
    // A dry run previews and writes nothing.
    let r = app.post(&format!("{path}?dry_run=true"), &zgb, reference());
    let j = r.ok(200);
    assert_eq!(
        (j["valid"].as_bool(), j["categories"].as_i64(), j["problems"].as_i64(), j["measures"].as_i64()),
        (Some(true), Some(3), Some(30), Some(105))
    );
    assert_eq!(j["preview"][2]["label"], "（三）");
    assert_eq!(j["preview"][2]["problems"][0]["label"], "21.");
    assert_eq!(app.get(&format!("/api/v1/measures?inspection_id={insp}"), &zgb).json["total"], 0);

    // Errors: all of them, with pointers, and nothing written.
    let mut bad = reference();
    bad["categories"][0]["problems"][1]["measures"][0]["assignees"] = json!(["蒋芳", "不存在的人"]);
    bad["categories"][1]["problems"][0]["lead_department"] = json!("后勤处");
    bad["categories"][2]["problems"][0]["measures"][1]["deadline"] = json!("2021-02-30");
    let r = app.post(&format!("{path}?dry_run=true"), &zgb, bad.clone());
    let errors: Vec<(&str, &str)> =
        r.json["errors"].as_array().unwrap().iter().map(|e| (e["pointer"].as_str().unwrap(), e["code"].as_str().unwrap())).collect();
    assert_eq!(
        errors,
        [
            ("/categories/0/problems/1/measures/0/assignees/1", "unknown_user"),
            ("/categories/1/problems/0/lead_department", "unknown_department"),
            ("/categories/2/problems/0/measures/1/deadline", "invalid_date"),
        ]
    );
    assert_eq!(r.json["valid"], false);
    let r = app.post(&path, &zgb, bad);
    assert_eq!(r.problem(422, "validation_failed").json["errors"].as_array().unwrap().len(), 3);
    assert_eq!(app.get(&format!("/api/v1/inspections/{insp}/categories"), &zgb).json.as_array().unwrap().len(), 0);

    // Who may: not staff, not another school.
    app.post(&path, &app.login("jiangf"), reference()).problem(404, "not_found");
    app.post(&path, &app.login("zhanghc"), reference()).problem(403, "ledger_read_only");
    app.post(&path, &app.login("yz.zgb"), reference()).problem(404, "not_found");

    // The real import, with responsibility by name.
    let mut doc = reference();
    doc["categories"][0]["problems"][0]["measures"][0]["assignees"] = json!(["蒋芳"]);
    doc["categories"][0]["problems"][0]["measures"][0]["responsible_leader"] = json!("qinss");
    doc["categories"][0]["problems"][0]["measures"][0]["kind"] = json!("immediate");
    let r = app.post(&path, &zgb, doc);
    assert_eq!(r.ok(201)["measures"], 105);
    let mine = app.get("/api/v1/measures", &app.login("jiangf"));
    assert_eq!(mine.json["total"], 1);
    assert_eq!(mine.json["items"][0]["kind"], "immediate");
    assert_eq!(mine.json["items"][0]["title"], "强化思想武装");
    // A second import appends after what is there, numbering on.
    let extra = json!({"categories": [{"title": "回头看发现的问题", "problems": [{"title": "整改不彻底问题", "measures": [{"text": "再次梳理。逐项核查。"}]}]}]});
    app.post(&path, &zgb, extra).ok(201);
    let probs = app.get(&format!("/api/v1/inspections/{insp}/problems"), &zgb);
    assert_eq!(probs.json[30]["label"], "31.");
    let cats = app.get(&format!("/api/v1/inspections/{insp}/categories"), &zgb);
    assert_eq!(cats.json[3]["label"], "（四）");
});
