//! The demo's reference ledger and importing documents, through the API and the command line.

use serde_json::{json, Value};

use crate::common::*;
use crate::on_both_databases;

fn demo(backend: rectify::db::Backend) -> Option<TestApp> {
    TestApp::start_with_demo_ledger(backend)
}

pub fn reference() -> Value {
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

/// Where a measure of the demo ledger is in the reference document: (category, problem, measure).
fn position(doc: &Value, problem_title: &str, measure_title: &str) -> (usize, usize, usize) {
    for (ci, c) in doc["categories"].as_array().unwrap().iter().enumerate() {
        for (pi, p) in c["problems"].as_array().unwrap().iter().enumerate() {
            if p["title"] != problem_title {
                continue;
            }
            for (mi, m) in p["measures"].as_array().unwrap().iter().enumerate() {
                if rectify::domain::ledger::import::derive_title(m["text"].as_str().unwrap()) == measure_title {
                    return (ci, pi, mi);
                }
            }
        }
    }
    panic!("{problem_title} {measure_title} is not in the document")
}

#[test]
fn importing_what_the_inspection_holds_sqlite() {
    reimport_the_demo_ledger(&demo(rectify::db::Backend::Sqlite).unwrap());
}

#[test]
fn importing_what_the_inspection_holds_postgres() {
    if let Some(app) = demo(rectify::db::Backend::Postgres) {
        reimport_the_demo_ledger(&app);
    }
}

fn reimport_the_demo_ledger(app: &TestApp) {
    let zgb = app.login("zgb");
    let insp = app.get("/api/v1/inspections", &zgb).json["items"][0]["id"].as_i64().unwrap();
    let path = format!("/api/v1/inspections/{insp}/import");
    let total = |q: &str| app.get(&format!("/api/v1/measures?inspection_id={insp}&limit=1&{q}"), &zgb).json["total"].as_i64().unwrap();
    let all = json!({"categories": 3, "problems": 30, "measures": 105});
    let none = json!({"categories": 0, "problems": 0, "measures": 0});

    // The dry run finds the whole document in the inspection and says what each choice does.
    let r = app.post(&format!("{path}?dry_run=true"), &zgb, reference());
    let j = r.ok(200);
    assert_eq!((&j["valid"], &j["existing"], &j["created"], &j["skipped"]), (&json!(true), &all, &none, &all));
    let choice = |name: &str| j["choices"].as_array().unwrap().iter().find(|c| c["on_existing"] == name).unwrap().clone();
    assert_eq!((&choice("skip")["created"], &choice("skip")["skipped"]), (&none, &all));
    assert_eq!((&choice("update")["created"], &choice("update")["updated"]), (&none, &none));
    assert_eq!(choice("update")["unchanged"], all, "the document gives nothing the demo does not hold");
    assert_eq!(choice("add")["created"], all);
    let labels: Vec<(&str, &str)> =
        j["preview"].as_array().unwrap().iter().map(|c| (c["label"].as_str().unwrap(), c["state"].as_str().unwrap())).collect();
    assert_eq!(labels, [("（一）", "existing"), ("（二）", "existing"), ("（三）", "existing")], "not （四）（五）（六）");
    assert_eq!(j["preview"][0]["problems"][0]["measures"][0]["state"], "existing");
    // Added anyway, they would follow as new.
    let r = app.post(&format!("{path}?dry_run=true&on_existing=add"), &zgb, reference());
    assert_eq!((&r.json["preview"][0]["label"], &r.json["preview"][0]["state"]), (&json!("（四）"), &json!("new")));
    app.post(&format!("{path}?dry_run=true&on_existing=sometimes"), &zgb, reference()).problem(400, "invalid_query");

    // A real import without a choice is refused, and writes nothing.
    app.post(&path, &zgb, reference()).problem(409, "import_has_existing");
    assert_eq!(total(""), 105);

    // The measures to work with: one not started, one in progress, one handed in for sign-off.
    let pick =
        |status: &str| app.get(&format!("/api/v1/measures?inspection_id={insp}&status={status}&limit=1"), &zgb).json["items"][0].clone();
    let (fresh, started, handed_in) = (pick("not_started"), pick("in_progress"), pick("submitted"));
    let problem_title =
        |m: &Value| app.get(&format!("/api/v1/problems/{}", m["problem_id"]), &zgb).json["title"].as_str().unwrap().to_string();
    let doc_at = |m: &Value| position(&reference(), &problem_title(m), m["title"].as_str().unwrap());

    // Skip: only what is new is created, inside the existing category and problem.
    let mut doc = reference();
    let (ci, pi, _) = doc_at(&fresh);
    let fresh_measures = doc["categories"][ci]["problems"][pi]["measures"].as_array().unwrap().len();
    doc["categories"][ci]["problems"][pi]["measures"]
        .as_array_mut()
        .unwrap()
        .push(json!({"text": "建立整改回头看机制。每学期开展一次自查。", "kind": "长期坚持"}));
    // A new problem at the end of （一）: the document's own numbering (optional) would move on too.
    for c in doc["categories"].as_array_mut().unwrap() {
        for p in c["problems"].as_array_mut().unwrap() {
            p.as_object_mut().unwrap().remove("ordinal");
        }
    }
    doc["categories"][0]["problems"]
        .as_array_mut()
        .unwrap()
        .push(json!({"title": "整改回头看发现的新问题", "measures": [{"text": "逐项核查。", "kind": "立行立改"}]}));
    let (fci, fpi, fmi) = doc_at(&fresh);
    doc["categories"][fci]["problems"][fpi]["measures"][fmi]["deadline"] = json!("2099-12-31");
    let r = app.post(&format!("{path}?on_existing=skip"), &zgb, doc.clone());
    let j = r.ok(201);
    assert_eq!(j["created"], json!({"categories": 0, "problems": 1, "measures": 2}));
    assert_eq!(j["skipped"], all);
    assert_eq!(total(""), 107);
    let cats = app.get(&format!("/api/v1/inspections/{insp}/categories"), &zgb);
    assert_eq!(cats.json.as_array().unwrap().len(), 3, "no category duplicated");
    let problems = app.get(&format!("/api/v1/inspections/{insp}/problems"), &zgb);
    let p = problems.json.as_array().unwrap();
    assert_eq!(p.len(), 31);
    // （一） had 11 problems: the new one is 12., and （二）'s first moves on to 13.
    assert_eq!((p[11]["label"].as_str(), p[11]["title"].as_str()), (Some("12."), Some("整改回头看发现的新问题")));
    assert_eq!((p[12]["label"].as_str(), &p[12]["title"]), (Some("13."), &reference()["categories"][1]["problems"][0]["title"]));
    let ms = app.get(&format!("/api/v1/problems/{}/measures", fresh["problem_id"]), &zgb);
    let last = ms.json.as_array().unwrap().last().unwrap().clone();
    assert_eq!((last["ordinal"].as_i64(), last["kind"].as_str()), (Some(fresh_measures as i64 + 1), Some("long_term")));
    let fresh_now = app.get(&format!("/api/v1/measures/{}", fresh["id"]), &zgb);
    assert_eq!(fresh_now.json["deadline"], fresh["deadline"], "skip leaves existing measures alone");
    // The same document again: everything exists now.
    let r = app.post(&format!("{path}?dry_run=true"), &zgb, doc.clone());
    assert_eq!(r.json["existing"], json!({"categories": 3, "problems": 31, "measures": 107}));

    // Update: existing measures take the document's fields like an edit, keeping their status;
    // the one handed in for sign-off stays as it is; all in one go or not at all.
    let mut doc = reference();
    let set = |doc: &mut Value, m: &Value, field: &str, value: Value| {
        let (ci, pi, mi) = doc_at(m);
        doc["categories"][ci]["problems"][pi]["measures"][mi][field] = value;
    };
    set(&mut doc, &fresh, "deadline", json!("2099-12-31"));
    set(&mut doc, &started, "kind", json!("长期坚持"));
    set(&mut doc, &started, "assignees", json!(["蒋芳", "qinlm"]));
    set(&mut doc, &handed_in, "deadline", json!("2099-12-31"));
    let mut broken = doc.clone();
    set(&mut broken, &started, "responsible_leader", json!("不存在的人"));
    let r = app.post(&format!("{path}?on_existing=update"), &zgb, broken);
    assert_eq!(r.problem(422, "validation_failed").json["errors"][0]["code"], "unknown_user");
    assert_eq!(app.get(&format!("/api/v1/measures/{}", fresh["id"]), &zgb).json["version"], fresh["version"], "nothing written");

    let r = app.post(&format!("{path}?dry_run=true&on_existing=update"), &zgb, doc.clone());
    let (hci, hpi, hmi) = doc_at(&handed_in);
    let locked = &r.json["preview"][hci]["problems"][hpi]["measures"][hmi];
    assert_eq!((&locked["changes"], &locked["locked"]), (&json!(["deadline"]), &json!(true)));
    let r = app.post(&format!("{path}?on_existing=update"), &zgb, doc);
    let j = r.ok(201);
    assert_eq!(j["created"], none);
    assert_eq!(j["updated"]["measures"], 2);
    assert_eq!(j["skipped"]["measures"], 1, "the measure handed in");
    let fresh_now = app.get(&format!("/api/v1/measures/{}", fresh["id"]), &zgb).json.clone();
    assert_eq!((&fresh_now["deadline"], &fresh_now["status"]), (&json!("2099-12-31"), &json!("not_started")));
    assert_eq!(fresh_now["version"], fresh["version"].as_i64().unwrap() + 1);
    let started_now = app.get(&format!("/api/v1/measures/{}", started["id"]), &zgb).json.clone();
    assert_eq!((&started_now["kind"], &started_now["status"]), (&json!("long_term"), &json!("in_progress")));
    assert_eq!(started_now["progress"], started["progress"]);
    let (jiangf, qinlm) = (app.user_id(&zgb, "jiangf"), app.user_id(&zgb, "qinlm"));
    let mut want = vec![jiangf, qinlm];
    want.sort();
    assert_eq!(started_now["assignee_ids"], json!(want));
    let handed_in_now = app.get(&format!("/api/v1/measures/{}", handed_in["id"]), &zgb).json.clone();
    assert_eq!((&handed_in_now["deadline"], &handed_in_now["status"]), (&handed_in["deadline"], &json!("submitted")));
    assert_eq!(handed_in_now["version"], handed_in["version"]);
    // Recorded like an edit, in the measure's history.
    let timeline = app.get(&format!("/api/v1/measures/{}/timeline", started["id"]), &zgb).ok(200).clone();
    let last = timeline.as_array().unwrap().last().unwrap();
    assert_eq!((&last["action"], &last["summary"]["kind"]), (&json!("measure.update"), &json!("long_term")));
    assert_eq!(app.get("/api/v1/audit/verify", &app.login("daixb")).ok(200)["intact"], true);

    // Add anyway: today's behaviour, everything once more after what exists.
    let r = app.post(&format!("{path}?on_existing=add"), &zgb, json!({"categories": [reference()["categories"][0].clone()]}));
    assert_eq!(r.ok(201)["created"], json!({"categories": 1, "problems": 11, "measures": total_of(&reference(), 0)}));
    let cats = app.get(&format!("/api/v1/inspections/{insp}/categories"), &zgb);
    assert_eq!(cats.json[3]["label"], "（四）");
    assert_eq!(cats.json[3]["title"], "履行职责使命方面");
}

fn total_of(doc: &Value, category: usize) -> usize {
    doc["categories"][category]["problems"].as_array().unwrap().iter().map(|p| p["measures"].as_array().unwrap().len()).sum()
}
