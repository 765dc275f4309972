//! Documents in: a document read into a draft ledger to review, then committed through the
//! ledger import into a new inspection or an existing one.

use serde_json::{json, Value};

use crate::common::*;
use crate::on_both_databases;

const REPORT: &str = include_str!("../../fixtures/changyang-2021/report.txt");

fn counts(draft: &Value) -> (usize, usize, usize) {
    let cats = draft["categories"].as_array().unwrap();
    let problems: Vec<&Value> = cats.iter().flat_map(|c| c["problems"].as_array().unwrap()).collect();
    let measures = problems.iter().map(|p| p["measures"].as_array().unwrap().len()).sum();
    (cats.len(), problems.len(), measures)
}

fn preview_text(app: &TestApp, token: &str, text: &str) -> Resp {
    app.call("POST", "/api/v1/imports", Some(token), Some(json!({ "text": text })), &[])
}

/// The ledger document the review page commits: the draft's titles and texts, and the fields
/// it read.
fn ledger_of(draft: &Value) -> Value {
    let categories: Vec<Value> = draft["categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let problems: Vec<Value> = c["problems"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| {
                    let measures: Vec<Value> = p["measures"].as_array().unwrap().iter().map(|m| json!({ "text": m["text"] })).collect();
                    json!({ "title": p["title"], "feedback": p["feedback"], "measures": measures })
                })
                .collect();
            json!({ "title": c["title"], "problems": problems })
        })
        .collect();
    json!({ "categories": categories })
}

on_both_databases!(the_reference_report_previews_as_its_ledger, |app: &TestApp| {
    let zgb = app.login("zgb");
    let pasted = preview_text(app, &zgb, REPORT);
    let p = pasted.ok(200);
    assert_eq!(p["format"], "text");
    assert_eq!(counts(&p["draft"]), (3, 30, 105));
    assert_eq!(p["draft"]["confidence"], "high");
    let meta = &p["draft"]["metadata"];
    assert_eq!(meta["inspector"], "县委第三巡察组");
    assert_eq!((meta["started_on"].as_str(), meta["ended_on"].as_str()), (Some("2021-03-15"), Some("2021-04-14")));
    assert_eq!(meta["feedback_on"], "2021-07-23");
    assert_eq!(meta["doc_number"], "长职组〔2021〕20号");
    // The source is numbered as the draft's lines count it.
    assert_eq!(p["source"].as_array().unwrap().len(), REPORT.lines().count());
    let first = &p["draft"]["categories"][0]["problems"][0];
    assert_eq!(p["source"][first["lines"]["first"].as_u64().unwrap() as usize - 1], "1. 理论武装不够问题");

    // The same text as a file gives the same draft.
    let uploaded = app.upload("POST", "/api/v1/imports", &zgb, multipart(&[], Some(("整改报告.txt", REPORT.as_bytes()))), &[]);
    let u = uploaded.ok(200);
    assert_eq!(u["file_name"], "整改报告.txt");
    assert_eq!(u["draft"], p["draft"]);
    // Saved by an office that writes GBK.
    let (gbk, _, lossy) = encoding_rs::GBK.encode(REPORT);
    assert!(!lossy);
    let g = app.upload("POST", "/api/v1/imports", &zgb, multipart(&[], Some(("整改报告.txt", &gbk))), &[]);
    assert_eq!(g.ok(200)["draft"], p["draft"]);
    // A Word document saved as .doc is named as such.
    let mut doc = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    doc.resize(4096, 0);
    let old = app.upload("POST", "/api/v1/imports", &zgb, multipart(&[], Some(("整改报告.doc", &doc))), &[]);
    assert_eq!(old.problem(422, "validation_failed").json["errors"][0]["pointer"], "/file");
});

on_both_databases!(only_the_office_reads_documents_into_a_ledger, |app: &TestApp| {
    for user in ["zengxy", "qinss", "majp"] {
        let token = app.login(user);
        preview_text(app, &token, REPORT).problem(403, "ledger_read_only");
    }
    app.call("POST", "/api/v1/imports", None, Some(json!({ "text": REPORT })), &[]).problem(401, "unauthenticated");
    let admin = app.login("admin");
    assert_eq!(counts(&preview_text(app, &admin, REPORT).ok(200)["draft"]), (3, 30, 105));
});

on_both_databases!(bad_documents_get_clear_errors, |app: &TestApp| {
    let zgb = app.login("zgb");
    let empty = preview_text(app, &zgb, "  \n ");
    empty.problem(422, "validation_failed");
    assert_eq!(empty.json["errors"][0]["pointer"], "/text");
    app.call("POST", "/api/v1/imports", Some(&zgb), Some(json!({ "text": "x", "other": 1 })), &[]).problem(422, "invalid_body");
    let plain = app.call("POST", "/api/v1/imports", Some(&zgb), None, &[("Content-Type", "text/plain")]);
    plain.problem(415, "unsupported_media_type");
    let no_file = app.upload("POST", "/api/v1/imports", &zgb, multipart(&[("choices", "{}")], None), &[]);
    no_file.problem(422, "validation_failed");
    assert_eq!(no_file.json["errors"][0]["pointer"], "/file");
    let stray = app.upload("POST", "/api/v1/imports", &zgb, multipart(&[("title", "x")], Some(("a.txt", b"x"))), &[]);
    assert_eq!(stray.problem(422, "validation_failed").json["errors"][0]["pointer"], "/title");
    let bad_choices =
        app.upload("POST", "/api/v1/imports", &zgb, multipart(&[("choices", "{\"sheet\": \"a\"}")], Some(("a.txt", b"x"))), &[]);
    assert_eq!(bad_choices.problem(422, "validation_failed").json["errors"][0]["code"], "invalid_choices");
    let huge = vec![b'a'; 20 * 1024 * 1024 + 1];
    app.upload("POST", "/api/v1/imports", &zgb, multipart(&[], Some(("big.txt", &huge))), &[]).problem(413, "file_too_large");
    // Text with no numbering, or numbering only: an empty draft that says why.
    for text in ["随便一段文字，没有任何编号。", "一、\n二、\n1.\n①\n（1）"] {
        let d = preview_text(app, &zgb, text).ok(200)["draft"].clone();
        assert_eq!(counts(&d), (0, 0, 0), "{text}");
        assert_eq!(d["confidence"], "low");
        assert!(d["warnings"].as_array().unwrap().iter().any(|w| w["code"] == "no_problems"), "{d}");
    }
});

on_both_databases!(people_and_departments_are_matched_to_the_organisation, |app: &TestApp| {
    let zgb = app.login("zgb");
    let text = "（一）履行职责使命方面\n1.理论武装不够问题\n①强化思想武装。（责任领导：覃守生；牵头单位：党政办公室；配合单位：后勤处；责任人：覃立明、王某某；完成时限：2021年12月底）\n";
    let p = preview_text(app, &zgb, text).ok(200).clone();
    let people: Vec<(String, Option<String>)> = p["people"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| (x["name"].as_str().unwrap().to_string(), x["user"]["username"].as_str().map(String::from)))
        .collect();
    assert_eq!(
        people,
        [
            ("王某某".to_string(), None),
            ("覃守生".to_string(), Some("qinss".to_string())),
            ("覃立明".to_string(), Some("qinlm".to_string()))
        ]
    );
    let depts: Vec<(String, bool)> = p["departments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["name"].as_str().unwrap().to_string(), d["department_id"].is_i64()))
        .collect();
    assert_eq!(depts, [("党政办公室".to_string(), true), ("后勤处".to_string(), false)]);
    let m = &p["draft"]["categories"][0]["problems"][0]["measures"][0];
    assert_eq!(m["deadline"], "2021-12-31");
    assert_eq!(m["text"], "强化思想武装。");
});

on_both_databases!(a_new_inspection_is_created_with_its_ledger_or_not_at_all, |app: &TestApp| {
    let zgb = app.login("zgb");
    let p = preview_text(app, &zgb, REPORT).ok(200).clone();
    let meta = &p["draft"]["metadata"];
    let before = app.get("/api/v1/inspections", &zgb).ok(200)["total"].as_i64().unwrap();
    let new = |ledger: Value| {
        json!({ "title": "县委第三巡察组巡察反馈问题整改（导入）", "inspector": meta["inspector"], "onsite_start": meta["started_on"],
                "onsite_end": meta["ended_on"], "feedback_date": meta["feedback_on"], "ledger": ledger })
    };
    // A name that is no one's: nothing is created, and the error points into the ledger.
    let mut bad = ledger_of(&p["draft"]);
    bad["categories"][1]["problems"][2]["measures"][0]["assignees"] = json!(["王某某"]);
    let refused = app.post("/api/v1/inspections", &zgb, new(bad));
    refused.problem(422, "validation_failed");
    assert_eq!(refused.json["errors"][0]["pointer"], "/ledger/categories/1/problems/2/measures/0/assignees/0");
    assert_eq!(app.get("/api/v1/inspections", &zgb).ok(200)["total"].as_i64().unwrap(), before);

    let created = app.post("/api/v1/inspections", &zgb, new(ledger_of(&p["draft"])));
    let id = created.ok(201)["id"].as_i64().unwrap();
    assert_eq!(created.json["onsite_start"], "2021-03-15");
    let ledger = app.get(&format!("/api/v1/inspections/{id}/ledger?limit=200"), &zgb).ok(200).clone();
    assert_eq!(ledger["total"], 105, "{ledger}");
    // Imported again into the same inspection, everything is already there.
    let again = app.post(&format!("/api/v1/inspections/{id}/import?dry_run=true"), &zgb, ledger_of(&p["draft"]));
    assert_eq!(again.ok(200)["existing"], json!({"categories": 3, "problems": 30, "measures": 105}));
});

on_both_databases!(the_exported_workbook_imports_back_as_the_same_ledger, |app: &TestApp| {
    let zgb = app.login("zgb");
    let reference = preview_text(app, &zgb, REPORT).ok(200)["draft"].clone();
    let demo = ledger_of(&reference);
    let meta = &reference["metadata"];
    let created = app.post("/api/v1/inspections", &zgb, json!({ "title": "原台账", "inspector": meta["inspector"], "ledger": demo }));
    let id = created.ok(201)["id"].as_i64().unwrap();
    let (status, _, xlsx) = app.get_bytes(&format!("/api/v1/inspections/{id}/ledger.xlsx"), &zgb, &[]);
    assert_eq!(status, 200);

    let p = app.upload("POST", "/api/v1/imports", &zgb, multipart(&[], Some(("整改台账.xlsx", &xlsx))), &[]);
    let p = p.ok(200).clone();
    assert_eq!(p["format"], "xlsx");
    assert_eq!(counts(&p["draft"]), (3, 30, 105));
    let titles = |d: &Value| -> Vec<(String, Vec<String>)> {
        d["categories"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|c| c["problems"].as_array().unwrap().clone())
            .map(|p| {
                (
                    p["title"].as_str().unwrap().to_string(),
                    p["measures"].as_array().unwrap().iter().map(|m| m["text"].as_str().unwrap().to_string()).collect(),
                )
            })
            .collect()
    };
    assert_eq!(titles(&p["draft"]), titles(&reference));
    let fields: Vec<&str> = p["sheet"]["layout"]["columns"].as_array().unwrap().iter().filter_map(|c| c["field"].as_str()).collect();
    for f in ["category", "problem", "measure", "deadline"] {
        assert!(fields.contains(&f), "{f} in {fields:?}");
    }

    // Committed into a new inspection: the same ledger again.
    let again = app.post(
        "/api/v1/inspections",
        &zgb,
        json!({ "title": "导回的台账", "inspector": "县委第三巡察组", "ledger": ledger_of(&p["draft"]) }),
    );
    let copy = again.ok(201)["id"].as_i64().unwrap();
    let rows = |i: i64| -> Vec<(String, String)> {
        app.get(&format!("/api/v1/inspections/{i}/ledger?limit=200"), &zgb).ok(200)["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["problem_title"].as_str().unwrap_or("").to_string(), r["measure"]["content"].as_str().unwrap_or("").to_string()))
            .collect()
    };
    assert_eq!(rows(copy), rows(id));

    // A column the guess got wrong is corrected, and the choice is kept for next time.
    let measure_col =
        p["sheet"]["layout"]["columns"].as_array().unwrap().iter().find(|c| c["field"] == "measure").unwrap()["index"].as_u64().unwrap();
    let choices = json!({ "columns": [{ "column": measure_col, "field": null }] }).to_string();
    let without = app.upload("POST", "/api/v1/imports", &zgb, multipart(&[("choices", &choices)], Some(("整改台账.xlsx", &xlsx))), &[]);
    assert_eq!(counts(&without.ok(200)["draft"]).2, 0);
    let next = app.upload("POST", "/api/v1/imports", &zgb, multipart(&[], Some(("整改台账.xlsx", &xlsx))), &[]);
    let kept = next.ok(200)["sheet"]["layout"]["columns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["index"].as_u64() == Some(measure_col))
        .unwrap()
        .clone();
    assert!(kept["field"].is_null(), "{kept}");
});
