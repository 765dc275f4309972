//! The 整改台账 as a workbook and as CSV, read back as a person's spreadsheet program would and
//! compared with the ledger the API lists.

use std::collections::BTreeSet;
use std::io::Cursor;

use calamine::{Data, DataType, Range, Reader, Xlsx};
use serde_json::{json, Value};

use crate::common::*;
use crate::on_the_demo_ledger;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The ledger sheet's first data row (title, note and two header rows above it).
const FIRST: usize = 4;

fn header<'a>(headers: &'a [(String, String)], name: &str) -> &'a str {
    headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str()).unwrap_or("")
}

fn inspection(app: &TestApp, token: &str) -> i64 {
    app.get("/api/v1/inspections", token).json["items"][0]["id"].as_i64().unwrap()
}

/// The ledger rows the API lists (all of them).
fn ledger_rows(app: &TestApp, token: &str, inspection: i64) -> Vec<Value> {
    let page = app.get(&format!("/api/v1/inspections/{inspection}/ledger?limit=200"), token);
    page.ok(200)["items"].as_array().unwrap().clone()
}

/// Downloads a workbook and checks it is one, sent as an attachment with a Chinese name.
fn workbook(app: &TestApp, path: &str, token: &str) -> Xlsx<Cursor<Vec<u8>>> {
    let (status, headers, body) = app.get_bytes(path, token, &[]);
    assert_eq!(status, 200, "{path}: {}", String::from_utf8_lossy(&body));
    assert_eq!(header(&headers, "content-type"), XLSX);
    let disposition = header(&headers, "content-disposition");
    assert!(disposition.starts_with("attachment; filename=\"ledger_"), "{disposition}");
    // 整改台账, percent-encoded as RFC 6266 / 8187 want it.
    assert!(disposition.contains("filename*=UTF-8''") && disposition.contains("%E6%95%B4%E6%94%B9%E5%8F%B0%E8%B4%A6"), "{disposition}");
    assert!(disposition.contains(".xlsx"), "{disposition}");
    assert_eq!(header(&headers, "x-content-type-options"), "nosniff");
    calamine::open_workbook_from_rs(Cursor::new(body)).expect("a workbook calamine reads")
}

/// The column of a heading in the ledger sheet's header rows.
fn column(sheet: &Range<Data>, heading: &str) -> usize {
    (0..sheet.width())
        .find(|c| [2u32, 3].iter().any(|r| sheet.get_value((*r, *c as u32)).is_some_and(|v| *v == heading)))
        .unwrap_or_else(|| panic!("no column {heading}"))
}

/// The ledger sheet's data rows as text, merged cells filled in from the first cell of their range.
fn data_rows(sheet: &Range<Data>, merges: &[calamine::Dimensions]) -> Vec<Vec<String>> {
    let text = |r: usize, c: usize| sheet.get_value((r as u32, c as u32)).map(|v| v.to_string()).unwrap_or_default();
    // The rows run until the first without a number (a blank line and the colours' legend follow).
    (FIRST..sheet.height())
        .take_while(|r| matches!(sheet.get_value((*r as u32, 0)), Some(Data::Float(_) | Data::Int(_))))
        .map(|r| {
            (0..sheet.width())
                .map(|c| {
                    let origin = merges
                        .iter()
                        .find(|m| m.start.0 as usize >= FIRST && m.contains(r as u32, c as u32))
                        .map(|m| (m.start.0 as usize, m.start.1 as usize))
                        .unwrap_or((r, c));
                    text(origin.0, origin.1)
                })
                .collect()
        })
        .collect()
}

/// The 整改措施 cell: the measure's label and its text (its title when it has none).
fn measure_text(m: &Value) -> String {
    let content = m["content"].as_str().unwrap();
    format!("{}{}", m["label"].as_str().unwrap(), if content.trim().is_empty() { m["title"].as_str().unwrap() } else { content })
}

const STATUS_ZH: [(&str, &str); 7] = [
    ("not_started", "未开始"),
    ("in_progress", "整改中"),
    ("submitted", "待审核"),
    ("approved", "待审批"),
    ("signed", "待核验"),
    ("verified", "已完成"),
    ("monitoring", "长期坚持"),
];

fn status_zh(code: &str) -> &'static str {
    STATUS_ZH.iter().find(|(c, _)| *c == code).unwrap().1
}

on_the_demo_ledger!(the_inspection_workbook_is_the_ledger, |app: &TestApp| {
    let zgb = app.login("zgb");
    let id = inspection(app, &zgb);
    // The leader approves the demo's extension: the row then shows the deadline it had before.
    let zhanghc = app.login("zhanghc");
    let pending = app.get("/api/v1/me/tasks", &zhanghc).ok(200)["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["kind"] == "extension")
        .expect("the demo's extension request")
        .clone();
    let extended = pending["measure_id"].as_i64().unwrap();
    let requests = app.get(&format!("/api/v1/measures/{extended}/extensions"), &zgb);
    let request = requests.ok(200)[0].clone();
    let decided = app.post(&format!("/api/v1/extensions/{}/decision", request["id"]), &zhanghc, json!({"decision": "approve"}));
    decided.ok(200);

    let rows = ledger_rows(app, &zgb, id);
    assert_eq!(rows.len(), 105);
    let mut book = workbook(app, &format!("/api/v1/inspections/{id}/ledger.xlsx"), &zgb);
    assert_eq!(book.sheet_names(), ["整改台账", "签核记录", "退回记录", "延期记录", "统计"]);
    let sheet = book.worksheet_range("整改台账").unwrap();
    let merges = book.merge_cells_by_sheet_name("整改台账").unwrap();
    let title = sheet.get_value((0, 0)).unwrap().to_string();
    assert_eq!(title, "长阳土家族自治县职业教育中心县委第三巡察组巡察反馈问题整改台账");
    let cells = data_rows(&sheet, &merges);
    assert_eq!(cells.len(), rows.len(), "one row per measure");
    // No 单位 or 巡察 column in one inspection's workbook.
    assert_eq!(column(&sheet, "问题类别"), 1);
    let (cat, prob, measure, status) =
        (column(&sheet, "问题类别"), column(&sheet, "问题"), column(&sheet, "整改措施"), column(&sheet, "状态"));
    for (n, (row, r)) in cells.iter().zip(&rows).enumerate() {
        assert_eq!(row[0], (n + 1).to_string());
        assert_eq!(row[cat], format!("{}{}", r["category_label"].as_str().unwrap(), r["category_title"].as_str().unwrap()));
        assert_eq!(row[prob], format!("{}{}", r["problem_label"].as_str().unwrap(), r["problem_title"].as_str().unwrap()));
        let m = &r["measure"];
        assert_eq!(row[measure], measure_text(m), "row {n}");
        assert!(row[status].starts_with(status_zh(m["status"].as_str().unwrap())), "row {n}: {}", row[status]);
        if r["overdue"] == true {
            assert!(row[status].contains("已逾期"), "row {n}: {}", row[status]);
        }
    }
    // Categories and problems are merged over their rows: one range per category, one per
    // problem with more than one measure.
    let data_merges: Vec<&calamine::Dimensions> = merges.iter().filter(|m| m.start.0 as usize >= FIRST).collect();
    let spans = |col: usize| {
        let mut v: Vec<(u32, u32)> = data_merges.iter().filter(|m| m.start.1 as usize == col).map(|m| (m.start.0, m.end.0)).collect();
        v.sort();
        v
    };
    assert_eq!(spans(cat).len(), 3);
    let mut problems: Vec<(i64, u32)> = Vec::new();
    for r in &rows {
        let p = r["problem_id"].as_i64().unwrap();
        match problems.last_mut() {
            Some((last, n)) if *last == p => *n += 1,
            _ => problems.push((p, 1)),
        }
    }
    assert_eq!(spans(prob).len(), problems.iter().filter(|(_, n)| *n > 1).count());
    assert_eq!(spans(prob)[0], (FIRST as u32, FIRST as u32 + problems[0].1 - 1), "problem 1 spans its measures");

    // A verified measure shows who approved, signed and verified it, and when.
    let (n, verified) = rows.iter().enumerate().find(|(_, r)| r["measure"]["status"] == "verified").unwrap();
    let signoffs = app.get(&format!("/api/v1/measures/{}/signoffs", verified["measure"]["id"]), &zgb);
    let standing = |stage: &str| {
        signoffs.json["items"].as_array().unwrap().iter().find(|s| s["stage"] == stage && s["standing"] == true).unwrap()["signer_name"]
            .as_str()
            .unwrap()
            .to_string()
    };
    for (stage, who, when) in [("approve", "审核人", "审核时间"), ("sign", "审批人", "审批时间"), ("verify", "核验人", "核验时间")]
    {
        assert_eq!(cells[n][column(&sheet, who)], standing(stage), "{who}");
        let at = sheet.get_value(((FIRST + n) as u32, column(&sheet, when) as u32)).unwrap();
        assert!(matches!(at, Data::DateTime(_)), "{when}: {at:?}");
    }
    // Problem 1 was closed out by the bureau: its rows say when and by whom.
    assert_eq!(cells[0][column(&sheet, "销号人")], "马杰平");
    assert!(matches!(sheet.get_value((FIRST as u32, column(&sheet, "销号时间") as u32)), Some(Data::DateTime(_))));
    assert_eq!(cells[cells.len() - 1][column(&sheet, "销号人")], "");

    // The extended measure: its deadline now, the one before, once extended; and the 延期 sheet.
    let (e, _) = rows.iter().enumerate().find(|(_, r)| r["measure"]["id"] == extended).unwrap();
    let date = |c: &str| sheet.get_value(((FIRST + e) as u32, column(&sheet, c) as u32)).and_then(|v| v.as_date()).map(|d| d.to_string());
    assert_eq!(date("完成时限").as_deref(), request["new_deadline"].as_str());
    assert_eq!(date("原定时限").as_deref(), request["old_deadline"].as_str());
    assert_eq!(cells[e][column(&sheet, "延期次数")], "1");
    let ext = book.worksheet_range("延期记录").unwrap();
    let ext_rows: Vec<Vec<String>> = ext.rows().skip(1).map(|r| r.iter().map(|v| v.to_string()).collect()).collect();
    assert_eq!(ext_rows.len(), 1);
    assert_eq!(
        ext_rows[0][2],
        format!("{}{}", rows[e]["measure"]["label"].as_str().unwrap(), rows[e]["measure"]["title"].as_str().unwrap())
    );
    assert_eq!(
        (ext_rows[0][5].as_str(), ext_rows[0][8].as_str(), ext_rows[0][9].as_str()),
        (request["reason"].as_str().unwrap(), "已批准", "张红昌")
    );
    // The return of problem 3 ① with its reason, in 签核记录 and 退回记录.
    let returns = book.worksheet_range("退回记录").unwrap();
    let returned: Vec<Vec<String>> = returns.rows().skip(1).map(|r| r.iter().map(|v| v.to_string()).collect()).collect();
    assert!(returned.iter().any(|r| r[3] == "审核退回" && r[4].contains("会议纪要") && r[5] == "覃守生"), "{returned:?}");
    let signoff_sheet = book.worksheet_range("签核记录").unwrap();
    assert!(signoff_sheet.rows().skip(1).any(|r| r[4] == "审核" && r[5] == "退回"));
    // The statistics count as the statistics endpoint does.
    let stats = app.get(&format!("/api/v1/inspections/{id}/stats"), &zgb);
    let sheet = book.worksheet_range("统计").unwrap();
    let total: Vec<String> = sheet.rows().nth(1).unwrap().iter().map(|v| v.to_string()).collect();
    assert_eq!(total[..4], ["合计".to_string(), "全部措施".into(), "105".into(), stats.json["overall"]["done"].to_string()]);
    assert_eq!(total[5], stats.json["overall"]["overdue"].to_string());
    let by_category: Vec<String> = sheet.rows().filter(|r| r[0] == "按问题类别").map(|r| r[2].to_string()).collect();
    let expected: Vec<String> = stats.json["by_category"].as_array().unwrap().iter().map(|g| g["total"].to_string()).collect();
    assert_eq!(by_category, expected);
});

on_the_demo_ledger!(staff_export_only_their_own_measures, |app: &TestApp| {
    let jiangf = app.login("jiangf");
    let id = inspection(app, &jiangf);
    let mine = ledger_rows(app, &jiangf, id);
    assert!(!mine.is_empty() && mine.len() < 105);
    let mut book = workbook(app, &format!("/api/v1/inspections/{id}/ledger.xlsx"), &jiangf);
    let sheet = book.worksheet_range("整改台账").unwrap();
    let merges = book.merge_cells_by_sheet_name("整改台账").unwrap();
    let cells = data_rows(&sheet, &merges);
    assert_eq!(cells.len(), mine.len());
    let measure = column(&sheet, "整改措施");
    let texts: BTreeSet<String> = mine.iter().map(|r| measure_text(&r["measure"])).collect();
    assert!(cells.iter().all(|c| texts.contains(&c[measure])));
    // The list export holds the same measures as the staff member's list.
    let (status, _, body) = app.get_bytes("/api/v1/measures/export?format=csv", &jiangf, &[]);
    assert_eq!(status, 200);
    let listed = app.get("/api/v1/measures?limit=1", &jiangf).json["total"].as_u64().unwrap();
    let mut reader = csv::Reader::from_reader(&body[3..]);
    assert_eq!(reader.records().count() as u64, listed);
});

on_the_demo_ledger!(another_school_gets_nothing_of_the_ledger, |app: &TestApp| {
    let id = inspection(app, &app.login("zgb"));
    let other = app.login("yz.zgb");
    app.call("GET", &format!("/api/v1/inspections/{id}/ledger.xlsx"), Some(&other), None, &[]).problem(404, "not_found");
    app.call("GET", "/api/v1/inspections/999999/ledger.xlsx", Some(&other), None, &[]).problem(404, "not_found");
    // Its own export is its own (empty) ledger, none of the demo school's measures.
    let mut book = workbook(app, "/api/v1/measures/export", &other);
    let sheet = book.worksheet_range("整改台账").unwrap();
    let merges = book.merge_cells_by_sheet_name("整改台账").unwrap();
    assert!(data_rows(&sheet, &merges).is_empty(), "headers only");
    let (status, _, body) = app.get_bytes("/api/v1/measures/export?format=csv", &other, &[]);
    assert_eq!(status, 200);
    assert_eq!(csv::Reader::from_reader(&body[3..]).records().count(), 0);
    // Nobody signed in: 401.
    app.call("GET", &format!("/api/v1/inspections/{id}/ledger.xlsx"), None, None, &[]).problem(401, "unauthenticated");
});

on_the_demo_ledger!(csv_opens_with_a_bom_and_holds_the_same_rows, |app: &TestApp| {
    let zgb = app.login("zgb");
    let id = inspection(app, &zgb);
    let rows = ledger_rows(app, &zgb, id);
    let (status, headers, body) = app.get_bytes(&format!("/api/v1/measures/export?format=csv&inspection_id={id}"), &zgb, &[]);
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "content-type"), "text/csv; charset=utf-8");
    assert!(header(&headers, "content-disposition").contains(".csv"));
    assert!(body.starts_with(b"\xEF\xBB\xBF"), "UTF-8 with a byte order mark, for Excel");
    let mut reader = csv::Reader::from_reader(&body[3..]);
    let heads: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(heads[..5], ["序号", "问题类别", "问题", "整改措施", "措施类型"]);
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), rows.len());
    for (rec, r) in records.iter().zip(&rows) {
        // Every line carries its category and problem (nothing is merged in CSV).
        assert_eq!(&rec[1], format!("{}{}", r["category_label"].as_str().unwrap(), r["category_title"].as_str().unwrap()));
        assert_eq!(&rec[2], format!("{}{}", r["problem_label"].as_str().unwrap(), r["problem_title"].as_str().unwrap()));
        assert_eq!(&rec[3], measure_text(&r["measure"]));
        assert_eq!(&rec[9], r["measure"]["deadline"].as_str().unwrap_or(""));
    }
    // The filters of the list apply: the verified ones only.
    let (_, _, body) = app.get_bytes("/api/v1/measures/export?format=csv&status=verified", &zgb, &[]);
    let verified = app.get("/api/v1/measures?status=verified&limit=1", &zgb).json["total"].as_u64().unwrap();
    let recs: Vec<csv::StringRecord> = csv::Reader::from_reader(&body[3..]).records().map(Result::unwrap).collect();
    assert_eq!(recs.len() as u64, verified);
    assert!(recs.iter().all(|r| r[13].starts_with("已完成")), "{recs:?}");
});

on_the_demo_ledger!(the_bureau_exports_every_school_it_supervises, |app: &TestApp| {
    // The other school starts a ledger of its own.
    let yz = app.login("yz.zgb");
    let insp = app.post("/api/v1/inspections", &yz, json!({"title": "县委第一巡察组巡察反馈问题整改", "inspector": "县委第一巡察组"}));
    let insp = insp.ok(201)["id"].as_i64().unwrap();
    let cat = app.post(&format!("/api/v1/inspections/{insp}/categories"), &yz, json!({"title": "履行职责使命方面"})).ok(201)["id"].clone();
    let prob = app.post(&format!("/api/v1/inspections/{insp}/problems"), &yz, json!({"category_id": cat, "title": "制度执行不严问题"}));
    let prob = prob.ok(201)["id"].as_i64().unwrap();
    app.post(&format!("/api/v1/problems/{prob}/measures"), &yz, json!({"title": "修订制度汇编", "kind": "time_bound"})).ok(201);

    let majp = app.login("majp");
    let listed = app.get("/api/v1/measures?limit=1", &majp).json["total"].as_u64().unwrap();
    assert_eq!(listed, 106);
    let mut book = workbook(app, "/api/v1/measures/export?format=xlsx", &majp);
    let sheet = book.worksheet_range("整改台账").unwrap();
    let merges = book.merge_cells_by_sheet_name("整改台账").unwrap();
    assert_eq!(sheet.get_value((0, 0)).unwrap().to_string(), "长阳土家族自治县教育局及所属学校整改台账");
    let cells = data_rows(&sheet, &merges);
    assert_eq!(cells.len() as u64, listed);
    let (unit, insp_col) = (column(&sheet, "单位"), column(&sheet, "巡察"));
    let schools: BTreeSet<&str> = cells.iter().map(|c| c[unit].as_str()).collect();
    assert_eq!(schools, BTreeSet::from([rectify::demo::SCHOOL, rectify::demo::OTHER_SCHOOL]));
    assert!(cells.iter().any(|c| c[insp_col] == "县委第一巡察组巡察反馈问题整改"));
    // Statistics by school.
    let stats = book.worksheet_range("统计").unwrap();
    let by_school: Vec<(String, String)> =
        stats.rows().filter(|r| r[0] == "按单位").map(|r| (r[1].to_string(), r[2].to_string())).collect();
    assert_eq!(
        by_school,
        [(rectify::demo::SCHOOL.to_string(), "105".to_string()), (rectify::demo::OTHER_SCHOOL.to_string(), "1".to_string())]
    );
});

on_the_demo_ledger!(an_unknown_format_is_refused_with_its_code, |app: &TestApp| {
    let zgb = app.login("zgb");
    let r = app.call("GET", "/api/v1/measures/export?format=pdf", Some(&zgb), None, &[]);
    r.problem(422, "validation_failed");
    assert_eq!(
        (r.json["errors"][0]["pointer"].as_str(), r.json["errors"][0]["code"].as_str()),
        (Some("/format"), Some("unsupported_file_type"))
    );
    // The list's own checks hold for the export too.
    app.call("GET", "/api/v1/measures/export?due_within_days=0", Some(&zgb), None, &[]).problem(422, "validation_failed");
    app.call("GET", "/api/v1/measures/export?status=lost", Some(&zgb), None, &[]).problem(400, "invalid_query");
    // `export` is not taken for a measure id.
    assert_eq!(app.get_bytes("/api/v1/measures/export?format=XLSX", &zgb, &[]).0, 200);
});
