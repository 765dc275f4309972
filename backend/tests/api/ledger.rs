//! The rectification ledger through the API: structure, numbering, responsibility, progress,
//! queries and who may do what.

use serde_json::{json, Value};

use crate::common::*;
use crate::on_both_databases;
use rectify::demo::SCHOOL;

/// A small ledger built by the coordinator; returns ids by name.
pub struct Built {
    pub inspection: i64,
    pub cats: Vec<i64>,
    pub problems: Vec<i64>,
    /// m[0]: assigned to jiangf, led by qinss, overdue; m[1]: assigned to qinlm, led by xuzg;
    /// m[2]: nobody assigned, led by qinss, long-term.
    pub measures: Vec<i64>,
}

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap()
}

pub fn build(app: &TestApp) -> Built {
    let zgb = app.login("zgb");
    let user = |name: &str| app.user_id(&zgb, name);
    let school = app.org_id(SCHOOL);
    let deps = app.get(&format!("/api/v1/organisations/{school}/departments"), &zgb);
    let dep = |name: &str| deps.json.as_array().unwrap().iter().find(|d| d["name"] == name).unwrap()["id"].as_i64().unwrap();
    let insp = app.post(
        "/api/v1/inspections",
        &zgb,
        json!({
            "title": "县委第三巡察组反馈问题整改", "inspector": "县委第三巡察组",
            "onsite_start": "2021-03-15", "onsite_end": "2021-04-14", "feedback_date": "2021-07-23", "deadline": "2021-12-31",
            "status": "rectifying",
            "leading_group": [
                {"user_id": user("yangk"), "group_role": "leader", "title": "校长", "until_date": "2021-08-24"},
                {"user_id": user("zhanghc"), "group_role": "leader", "title": "校党委书记、校长", "from_date": "2021-08-24"},
                {"user_id": user("daixb"), "group_role": "deputy_leader"},
                {"user_id": user("qinss"), "group_role": "member"}
            ]
        }),
    );
    let inspection = id(insp.ok(201));
    let c1 = id(app.post(&format!("/api/v1/inspections/{inspection}/categories"), &zgb, json!({"title": "履行职责使命方面"})).ok(201));
    let c2 = id(app
        .post(&format!("/api/v1/inspections/{inspection}/categories"), &zgb, json!({"title": "履行全面从严治党两个责任方面"}))
        .ok(201));
    let p = |cat: i64, title: &str| {
        id(app
            .post(&format!("/api/v1/inspections/{inspection}/problems"), &zgb, json!({"category_id": cat, "title": title, "feedback": "巡察反馈意见原文", "responsible_leader_id": user("qinss"), "lead_department_id": dep("党政办公室")}))
            .ok(201))
    };
    let p1 = p(c1, "理论武装不够问题");
    let p2 = p(c2, "压力传导层层递减问题");
    let p3 = p(c1, "党委发挥领导作用不充分问题"); // goes between p1 and p2
    let m = |problem: i64, body: Value| id(app.post(&format!("/api/v1/problems/{problem}/measures"), &zgb, body).ok(201));
    let m1 = m(
        p1,
        json!({"title": "强化思想武装", "content": "将“党政联席会”调整为“党委（扩大）会”", "kind": "immediate",
        "responsible_leader_id": user("qinss"), "lead_department_id": dep("党政办公室"), "supporting_department_ids": [dep("教务处")],
        "assignee_ids": [user("jiangf")], "deadline": "2021-09-30"}),
    );
    let m2 = m(
        p1,
        json!({"title": "强化理论武装", "content": "汇编《职业教育文件汇编》", "kind": "time_bound",
        "responsible_leader_id": user("xuzg"), "lead_department_id": dep("教务处"), "assignee_ids": [user("qinlm")], "deadline": "2099-01-01"}),
    );
    let m3 = m(p2, json!({"title": "压实班子成员责任", "kind": "long_term", "responsible_leader_id": user("qinss")}));
    Built { inspection, cats: vec![c1, c2], problems: vec![p1, p3, p2], measures: vec![m1, m2, m3] }
}

on_both_databases!(coordinator_builds_a_numbered_ledger, |app: &TestApp| {
    let b = build(app);
    let zgb = app.login("zgb");
    let insp = app.get(&format!("/api/v1/inspections/{}", b.inspection), &zgb);
    let j = insp.ok(200);
    assert_eq!(j["leading_group"].as_array().unwrap().len(), 4);
    assert_eq!(j["leading_group"][1]["display_name"], "张红昌");
    assert_eq!(j["leading_group"][0]["until_date"], "2021-08-24");
    let cats = app.get(&format!("/api/v1/inspections/{}/categories", b.inspection), &zgb);
    let labels: Vec<&str> = cats.json.as_array().unwrap().iter().map(|c| c["label"].as_str().unwrap()).collect();
    assert_eq!(labels, ["（一）", "（二）"]);
    // Problems are numbered across categories: the one added to （一） later comes before （二）'s.
    let probs = app.get(&format!("/api/v1/inspections/{}/problems", b.inspection), &zgb);
    let got: Vec<(i64, &str)> = probs.json.as_array().unwrap().iter().map(|p| (id(p), p["label"].as_str().unwrap())).collect();
    assert_eq!(got, [(b.problems[0], "1."), (b.problems[1], "2."), (b.problems[2], "3.")]);
    let ms = app.get(&format!("/api/v1/problems/{}/measures", b.problems[0]), &zgb);
    let labels: Vec<&str> = ms.json.as_array().unwrap().iter().map(|m| m["label"].as_str().unwrap()).collect();
    assert_eq!(labels, ["①", "②"]);
    assert_eq!(ms.json[0]["assignee_ids"].as_array().unwrap().len(), 1);
    assert_eq!(ms.json[0]["status"], "not_started");

    // Reordering categories renumbers the problems.
    let order_path = format!("/api/v1/inspections/{}/categories/order", b.inspection);
    let new_order = json!({"ids": [b.cats[1], b.cats[0]]});
    app.call("PUT", &order_path, Some(&zgb), Some(new_order.clone()), &[]).problem(428, "if_match_required");
    app.call("PUT", &order_path, Some(&zgb), Some(new_order.clone()), &[("If-Match", "\"9\"")]).problem(412, "version_mismatch");
    let r = app.call("PUT", &order_path, Some(&zgb), Some(new_order), &[("If-Match", "\"1\"")]);
    assert_eq!(r.ok(200)[0]["id"], b.cats[1]);
    assert_eq!(r.etag(), "\"2\"", "the order belongs to the inspection");
    let probs = app.get(&format!("/api/v1/inspections/{}/problems", b.inspection), &zgb);
    let order: Vec<i64> = probs.json.as_array().unwrap().iter().map(id).collect();
    assert_eq!(order, [b.problems[2], b.problems[0], b.problems[1]]);
    // …and the measures follow in ledger order.
    let ms = app.get(&format!("/api/v1/measures?inspection_id={}", b.inspection), &zgb);
    let order: Vec<i64> = ms.json["items"].as_array().unwrap().iter().map(id).collect();
    assert_eq!(order, [b.measures[2], b.measures[0], b.measures[1]]);
    app.call("PUT", &order_path, Some(&zgb), Some(json!({"ids": [b.cats[1]]})), &[("If-Match", "\"2\"")]).problem(422, "validation_failed");
    // Reordering measures.
    let r = app.call(
        "PUT",
        &format!("/api/v1/problems/{}/measures/order", b.problems[0]),
        Some(&zgb),
        Some(json!({"ids": [b.measures[1], b.measures[0]]})),
        &[("If-Match", "\"1\"")],
    );
    assert_eq!(r.ok(200)[0]["label"], "①");
    assert_eq!(r.json[0]["id"], b.measures[1]);
    // Reordering the problems of a category.
    let r = app.call(
        "PUT",
        &format!("/api/v1/categories/{}/problems/order", b.cats[0]),
        Some(&zgb),
        Some(json!({"ids": [b.problems[1], b.problems[0]]})),
        &[("If-Match", "\"1\"")],
    );
    let got: Vec<(i64, &str)> = r.ok(200).as_array().unwrap().iter().map(|p| (id(p), p["label"].as_str().unwrap())).collect();
    assert_eq!(got, [(b.problems[1], "2."), (b.problems[0], "3.")]);

    // Deleting is refused while something hangs off it.
    // (Each reorder above moved its parent's version on to 2.)
    app.call("DELETE", &format!("/api/v1/inspections/{}", b.inspection), Some(&zgb), None, &[("If-Match", "\"2\"")])
        .problem(409, "inspection_not_empty");
    app.call("DELETE", &format!("/api/v1/categories/{}", b.cats[0]), Some(&zgb), None, &[("If-Match", "\"2\"")])
        .problem(409, "category_not_empty");
    app.call("DELETE", &format!("/api/v1/problems/{}", b.problems[0]), Some(&zgb), None, &[("If-Match", "\"2\"")])
        .problem(409, "problem_not_empty");
    // An empty problem goes, and the rest close ranks.
    let r = app.call("DELETE", &format!("/api/v1/problems/{}", b.problems[1]), Some(&zgb), None, &[("If-Match", "\"1\"")]);
    assert_eq!(r.status, 204);
    let probs = app.get(&format!("/api/v1/inspections/{}/problems", b.inspection), &zgb);
    let labels: Vec<&str> = probs.json.as_array().unwrap().iter().map(|p| p["label"].as_str().unwrap()).collect();
    assert_eq!(labels, ["1.", "2."]);
});

on_both_databases!(ledger_input_is_validated, |app: &TestApp| {
    let b = build(app);
    let zgb = app.login("zgb");
    let other_user = app.user_id(&app.login("yz.zgb"), "yz.zgb");
    let r = app.post(
        &format!("/api/v1/problems/{}/measures", b.problems[0]),
        &zgb,
        json!({"title": "", "kind": "time_bound", "assignee_ids": [other_user], "lead_department_id": 999999}),
    );
    r.problem(422, "validation_failed");
    let pointers: Vec<&str> = r.json["errors"].as_array().unwrap().iter().map(|e| e["pointer"].as_str().unwrap()).collect();
    assert_eq!(pointers, ["/title", "/assignee_ids/0", "/lead_department_id"]);
    app.post(&format!("/api/v1/problems/{}/measures", b.problems[0]), &zgb, json!({"title": "x", "kind": "someday"}))
        .problem(422, "invalid_body");
    let r = app.post(
        "/api/v1/inspections",
        &zgb,
        json!({"title": "x", "inspector": "y", "onsite_start": "2021-04-14", "onsite_end": "2021-03-15"}),
    );
    assert_eq!(r.problem(422, "validation_failed").json["errors"][0]["pointer"], "/onsite_end");
    app.post("/api/v1/inspections", &zgb, json!({"title": "x", "inspector": "y", "feedback_date": "2021-02-30"}))
        .problem(422, "invalid_body");
    app.post(&format!("/api/v1/inspections/{}/problems", b.inspection), &zgb, json!({"category_id": 999999, "title": "x"}))
        .problem(422, "validation_failed");
    // Nothing half-written.
    assert_eq!(app.get(&format!("/api/v1/problems/{}/measures", b.problems[0]), &zgb).json.as_array().unwrap().len(), 2);
    assert_eq!(app.get("/api/v1/inspections", &zgb).json["total"], 1);
});

on_both_databases!(staff_see_and_report_only_their_measures, |app: &TestApp| {
    let b = build(app);
    let jiangf = app.login("jiangf");
    let mine = app.get("/api/v1/measures", &jiangf);
    assert_eq!(mine.json["total"], 1);
    assert_eq!(id(&mine.json["items"][0]), b.measures[0]);
    app.get(&format!("/api/v1/measures/{}", b.measures[1]), &jiangf).problem(404, "not_found");
    app.get(&format!("/api/v1/problems/{}", b.problems[2]), &jiangf).problem(404, "not_found");
    app.get(&format!("/api/v1/problems/{}", b.problems[0]), &jiangf).ok(200);
    assert_eq!(app.get(&format!("/api/v1/problems/{}/measures", b.problems[0]), &jiangf).json.as_array().unwrap().len(), 1);
    assert_eq!(app.get(&format!("/api/v1/inspections/{}/problems", b.inspection), &jiangf).json.as_array().unwrap().len(), 1);
    assert_eq!(app.get(&format!("/api/v1/inspections/{}/ledger", b.inspection), &jiangf).json["total"], 1);
    app.get(&format!("/api/v1/inspections/{}/stats", b.inspection), &jiangf).problem(403, "insufficient_role");
    // A staff member without assignments sees no inspection at all.
    let zengxy = app.login("zengxy");
    assert_eq!(app.get("/api/v1/inspections", &zengxy).json["total"], 0);
    app.get(&format!("/api/v1/inspections/{}", b.inspection), &zengxy).problem(404, "not_found");

    // Progress: with the version, kept in the history, first report starts the measure.
    let path = format!("/api/v1/measures/{}/progress", b.measures[0]);
    app.call("PATCH", &path, Some(&jiangf), Some(json!({"progress": "x"})), &[]).problem(428, "if_match_required");
    let r = app.patch(&path, &jiangf, "\"1\"", json!({"progress": "9月起，“党政联席会”调整为“党委（扩大）会”"}));
    assert_eq!(r.ok(200)["status"], "in_progress");
    assert_eq!(r.etag(), "\"2\"");
    app.patch(&path, &jiangf, "\"1\"", json!({"progress": "stale"})).problem(412, "version_mismatch");
    app.patch(&path, &jiangf, "\"2\"", json!({"progress": "  "})).problem(422, "validation_failed");
    app.patch(&path, &app.login("qinss"), "\"2\"", json!({"progress": "已召开3次党委（扩大）会"})).ok(200);
    let hist = app.get(&path, &jiangf);
    let h: Vec<(&str, &str)> =
        hist.json.as_array().unwrap().iter().map(|e| (e["author_name"].as_str().unwrap(), e["progress"].as_str().unwrap())).collect();
    assert_eq!(h, [("覃守生", "已召开3次党委（扩大）会"), ("蒋芳", "9月起，“党政联席会”调整为“党委（扩大）会”")]);
    // Not on a measure of someone else, and no structural edits.
    app.patch(&format!("/api/v1/measures/{}/progress", b.measures[1]), &jiangf, "\"1\"", json!({"progress": "x"}))
        .problem(404, "not_found");
    app.patch(&format!("/api/v1/measures/{}", b.measures[0]), &jiangf, "\"3\"", json!({"title": "x"})).problem(403, "ledger_read_only");
    app.post(&format!("/api/v1/problems/{}/measures", b.problems[0]), &jiangf, json!({"title": "x", "kind": "immediate"}))
        .problem(403, "ledger_read_only");
});

on_both_databases!(leaders_read_and_responsible_leaders_edit_what_they_lead, |app: &TestApp| {
    let b = build(app);
    for user in ["zhanghc", "daixb", "majp"] {
        let t = app.login(user);
        assert_eq!(app.get("/api/v1/measures", &t).json["total"], 3, "{user}");
        app.get(&format!("/api/v1/inspections/{}/stats", b.inspection), &t).ok(200);
        app.patch(&format!("/api/v1/measures/{}", b.measures[0]), &t, "\"1\"", json!({"title": "x"})).problem(403, "ledger_read_only");
        app.post(&format!("/api/v1/inspections/{}/categories", b.inspection), &t, json!({"title": "x"})).problem(403, "ledger_read_only");
        app.patch(&format!("/api/v1/measures/{}/progress", b.measures[0]), &t, "\"1\"", json!({"progress": "x"}))
            .problem(403, "not_assigned");
    }
    let qinss = app.login("qinss");
    let r = app.patch(
        &format!("/api/v1/measures/{}", b.measures[0]),
        &qinss,
        "\"1\"",
        json!({"deadline": "2021-10-15", "assignee_ids": [app.user_id(&qinss, "jiangf"), app.user_id(&qinss, "zengxy")]}),
    );
    assert_eq!(r.ok(200)["deadline"], "2021-10-15");
    assert_eq!(r.json["assignee_ids"].as_array().unwrap().len(), 2);
    app.patch(&format!("/api/v1/measures/{}", b.measures[1]), &qinss, "\"1\"", json!({"title": "x"})).problem(403, "ledger_read_only");
    app.patch(&format!("/api/v1/measures/{}", b.measures[0]), &qinss, "\"2\"", json!({"responsible_leader_id": null}))
        .problem(403, "ledger_read_only");
    // The newly assigned staff member sees it at once.
    assert_eq!(app.get("/api/v1/measures", &app.login("zengxy")).json["total"], 1);
});

on_both_databases!(other_schools_and_tokens, |app: &TestApp| {
    let b = build(app);
    let other = app.login("yz.zgb");
    assert_eq!(app.get("/api/v1/measures", &other).json["total"], 0);
    assert_eq!(app.get("/api/v1/inspections", &other).json["total"], 0);
    for path in [
        format!("/api/v1/inspections/{}", b.inspection),
        format!("/api/v1/inspections/{}/ledger", b.inspection),
        format!("/api/v1/inspections/{}/stats", b.inspection),
        format!("/api/v1/inspections/{}/categories", b.inspection),
        format!("/api/v1/problems/{}", b.problems[0]),
        format!("/api/v1/measures/{}", b.measures[0]),
        format!("/api/v1/measures/{}/progress", b.measures[0]),
    ] {
        app.get(&path, &other).problem(404, "not_found");
    }
    app.patch(&format!("/api/v1/measures/{}", b.measures[0]), &other, "\"1\"", json!({"title": "x"})).problem(404, "not_found");
    app.post(&format!("/api/v1/inspections/{}/categories", b.inspection), &other, json!({"title": "x"})).problem(404, "not_found");
    app.post("/api/v1/inspections", &other, json!({"organisation_id": app.org_id(SCHOOL), "title": "x", "inspector": "y"}))
        .problem(404, "not_found");

    let zgb = app.login("zgb");
    let token = |scopes: Value| {
        app.post("/api/v1/api-tokens", &zgb, json!({"name": "t", "scopes": scopes})).json["token"].as_str().unwrap().to_string()
    };
    let read = token(json!(["read"]));
    let write = token(json!(["read", "write"]));
    assert_eq!(app.get("/api/v1/measures", &read).json["total"], 3);
    app.post(&format!("/api/v1/inspections/{}/categories", b.inspection), &read, json!({"title": "x"})).problem(403, "ledger_read_only");
    app.post(&format!("/api/v1/inspections/{}/categories", b.inspection), &write, json!({"title": "履行党的建设责任方面"})).ok(201);
    // Tokens of the other school see nothing here.
    let theirs = app.post("/api/v1/api-tokens", &other, json!({"name": "t", "scopes": ["read", "write"]})).json["token"]
        .as_str()
        .unwrap()
        .to_string();
    app.get(&format!("/api/v1/measures/{}", b.measures[0]), &theirs).problem(404, "not_found");
});

on_both_databases!(measure_queries_ledger_rows_and_stats, |app: &TestApp| {
    let b = build(app);
    let zgb = app.login("zgb");
    let total = |q: &str| app.get(&format!("/api/v1/measures?{q}"), &zgb).json["total"].as_i64().unwrap();
    let ids = |q: &str| -> Vec<i64> {
        app.get(&format!("/api/v1/measures?{q}"), &zgb).json["items"].as_array().unwrap().iter().map(id).collect()
    };
    let qinss = app.user_id(&zgb, "qinss");
    let qinlm = app.user_id(&zgb, "qinlm");
    assert_eq!(total(""), 3);
    assert_eq!(total(&format!("inspection_id={}", b.inspection)), 3);
    assert_eq!(ids(&format!("category_id={}", b.cats[1])), [b.measures[2]]);
    assert_eq!(ids(&format!("problem_id={}", b.problems[0])), [b.measures[0], b.measures[1]]);
    assert_eq!(ids("kind=long_term"), [b.measures[2]]);
    assert_eq!(total(&format!("responsible_leader_id={qinss}")), 2);
    assert_eq!(ids(&format!("assignee_id={qinlm}")), [b.measures[1]]);
    assert_eq!(ids("overdue=true"), [b.measures[0]]);
    assert_eq!(total("overdue=false"), 2);
    assert_eq!(ids("due_before=2021-12-31"), [b.measures[0]]);
    assert_eq!(ids(&format!("q={}", "%E6%B1%87%E7%BC%96")), [b.measures[1]], "汇编, in the content");
    assert_eq!(total("q=%E2%80%9C"), 1, "a quotation mark (“) is plain text");
    assert_eq!(ids("sort=-deadline&limit=1"), [b.measures[1]]);
    assert_eq!(app.get("/api/v1/measures?sort=-deadline&limit=1&offset=1", &zgb).json["items"][0]["id"], b.measures[0]);
    assert_eq!(ids("status=in_progress"), Vec::<i64>::new());
    app.get("/api/v1/measures?sort=random", &zgb).problem(400, "invalid_query");
    app.get("/api/v1/measures?overdue=perhaps", &zgb).problem(400, "invalid_query");

    let ledger = app.get(&format!("/api/v1/inspections/{}/ledger", b.inspection), &zgb);
    let rows = ledger.json["items"].as_array().unwrap();
    assert_eq!(ledger.json["total"], 3);
    let flat: Vec<String> = rows
        .iter()
        .map(|r| {
            format!(
                "{}{} {}{}",
                r["category_label"].as_str().unwrap(),
                r["problem_label"].as_str().unwrap(),
                r["measure"]["label"].as_str().unwrap(),
                r["measure"]["title"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(flat, ["（一）1. ①强化思想武装", "（一）1. ②强化理论武装", "（二）3. ①压实班子成员责任"]);
    assert_eq!(rows[0]["responsible_leader_name"], "覃守生");
    assert_eq!(rows[0]["lead_department_name"], "党政办公室");
    assert_eq!(rows[0]["supporting_department_names"], json!(["教务处"]));
    assert_eq!(rows[0]["assignee_names"], json!(["蒋芳"]));
    assert_eq!(rows[0]["overdue"], true);
    assert_eq!(rows[1]["overdue"], false);
    let filtered = app.get(&format!("/api/v1/inspections/{}/ledger?kind=immediate", b.inspection), &zgb);
    assert_eq!(filtered.json["total"], 1);

    let stats = app.get(&format!("/api/v1/inspections/{}/stats", b.inspection), &zgb);
    let s = stats.ok(200);
    assert_eq!(s["overall"]["total"], 3);
    assert_eq!(s["overall"]["overdue"], 1);
    assert_eq!(s["overall"]["by_status"]["not_started"], 3);
    let cats: Vec<(String, i64)> = s["by_category"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["label"].as_str().unwrap().to_string(), g["total"].as_i64().unwrap()))
        .collect();
    assert_eq!(cats, [("（一）履行职责使命方面".to_string(), 2), ("（二）履行全面从严治党两个责任方面".to_string(), 1)]);
    let leaders: Vec<(String, i64)> = s["by_responsible_leader"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["label"].as_str().unwrap().to_string(), g["total"].as_i64().unwrap()))
        .collect();
    assert_eq!(leaders, [("覃守生".to_string(), 2), ("许志刚".to_string(), 1)]);
    assert_eq!(s["by_lead_department"].as_array().unwrap().iter().find(|g| g["id"].is_null()).unwrap()["total"], 1);
});

// The measure list keeps rendered pages while the ledger is unchanged: every kind of change,
// made through any server instance, must show in the next read of every instance.
on_both_databases!(measure_list_is_current_after_changes_on_any_instance, |app: &TestApp| {
    let b = build(app);
    let other = app.another_instance();
    let (zgb, zgb_other, majp) = (app.login("zgb"), other.login("zgb"), other.login("majp"));
    let qinlm = app.user_id(&zgb, "qinlm");
    let page = |on: &TestApp, token: &str, q: &str| on.get(&format!("/api/v1/measures?{q}"), token).ok(200).clone();
    let first = |on: &TestApp, token: &str| page(on, token, "limit=1");
    for (on, token) in [(app, &zgb), (&other, &zgb_other), (&other, &majp)] {
        assert_eq!(first(on, token)["items"][0]["title"], "强化思想武装");
    }

    let m = b.measures[0];
    app.patch(&format!("/api/v1/measures/{m}"), &zgb, "\"1\"", json!({"title": "强化理论武装学习"})).ok(200);
    assert_eq!(first(&other, &zgb_other)["items"][0]["title"], "强化理论武装学习", "edited on one instance, read on another");
    assert_eq!(first(&other, &majp)["items"][0]["title"], "强化理论武装学习", "the supervising bureau sees it too");

    let r = other.patch(&format!("/api/v1/measures/{m}"), &zgb_other, "\"2\"", json!({"assignee_ids": [qinlm]}));
    assert_eq!(r.ok(200)["assignee_ids"], json!([qinlm]));
    assert_eq!(first(app, &zgb)["items"][0]["assignee_ids"], json!([qinlm]), "assignees changed on the other instance");
    assert_eq!(page(app, &zgb, &format!("assignee_id={qinlm}"))["total"], 2);

    let jiangf = app.login("jiangf");
    assert_eq!(page(app, &jiangf, "")["total"], 0, "staff see only what is assigned to them");
    app.patch(&format!("/api/v1/measures/{}/progress", b.measures[1]), &app.login("qinlm"), "\"1\"", json!({"progress": "已汇编"})).ok(200);
    assert_eq!(page(&other, &zgb_other, "status=in_progress")["total"], 1, "progress reported on one instance");

    app.call("DELETE", &format!("/api/v1/measures/{}", b.measures[2]), Some(&zgb), None, &[("If-Match", "\"1\"")]).ok(204);
    assert_eq!(page(&other, &majp, "")["total"], 2, "deleted on one instance");
});

on_both_databases!(comments_on_measures_and_problems, |app: &TestApp| {
    let b = build(app);
    let (m, p) = (b.measures[0], b.problems[0]);
    let (jiangf, majp, zgb) = (app.login("jiangf"), app.login("majp"), app.login("zgb"));
    let path = format!("/api/v1/measures/{m}/comments");
    app.post(&path, &jiangf, json!({"body": "会议纪要已上传，请审核"})).ok(201);
    app.post(&path, &majp, json!({"body": "请补充签到表"})).ok(201);
    app.post(&path, &jiangf, json!({"body": "  "})).problem(422, "validation_failed");
    app.post(&path, &app.login("qinlm"), json!({"body": "x"})).problem(404, "not_found");
    app.post(&path, &app.login("yz.zgb"), json!({"body": "x"})).problem(404, "not_found");
    let token = app.post("/api/v1/api-tokens", &zgb, json!({"name": "县督查平台", "scopes": ["read", "write"]})).ok(201)["token"]
        .as_str()
        .unwrap()
        .to_string();
    app.post(&path, &token, json!({"body": "x"})).problem(403, "users_only");
    let list = app.get(&path, &zgb).ok(200).clone();
    let said: Vec<(&str, &str)> =
        list.as_array().unwrap().iter().map(|c| (c["author_name"].as_str().unwrap(), c["body"].as_str().unwrap())).collect();
    assert_eq!(said, [("蒋芳", "会议纪要已上传，请审核"), ("马杰平", "请补充签到表")]);
    let timeline = app.get(&format!("/api/v1/measures/{m}/timeline"), &jiangf).ok(200).clone();
    assert!(timeline.as_array().unwrap().iter().any(|e| e["action"] == "measure.comment"), "comments are part of the measure's history");
    app.post(&format!("/api/v1/problems/{p}/comments"), &zgb, json!({"body": "本问题两项措施均已完成"})).ok(201);
    assert_eq!(app.get(&format!("/api/v1/problems/{p}/comments"), &majp).ok(200).as_array().unwrap().len(), 1);
    app.get(&format!("/api/v1/problems/{p}/comments"), &app.login("yz.zgb")).problem(404, "not_found");
});
