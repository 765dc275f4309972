//! The public report (整改情况报告) and the rectification plan (整改方案), made from the demo
//! ledger: structure, editions, release, documents, and who may do what.

use std::io::Read;
use std::path::PathBuf;
use std::process::Command;

use serde_json::{json, Value};

use crate::common::*;
use crate::demo_ledger::reference;
use crate::on_the_demo_ledger;

fn inspection(app: &TestApp, token: &str) -> i64 {
    app.get("/api/v1/inspections", token).ok(200)["items"][0]["id"].as_i64().unwrap()
}

/// A new draft of the demo inspection's report, by the coordinator.
fn draft(app: &TestApp) -> (i64, Value, String) {
    let zgb = app.login("zgb");
    let r = app.call("POST", &format!("/api/v1/inspections/{}/reports", inspection(app, &zgb)), Some(&zgb), None, &[]);
    let d = r.ok(201).clone();
    (d["report"]["id"].as_i64().unwrap(), d, r.etag())
}

fn paragraphs(model: &Value) -> Vec<Value> {
    model["sections"].as_array().unwrap().iter().flat_map(|s| s["paragraphs"].as_array().unwrap().clone()).collect()
}

fn of_kind(model: &Value, kind: &str) -> Vec<(String, String)> {
    paragraphs(model)
        .iter()
        .filter(|p| p["kind"] == kind)
        .map(|p| (p["label"].as_str().unwrap_or("").to_string(), p["title"].as_str().unwrap_or("").to_string()))
        .collect()
}

/// (label, title) of the reference's categories, problems and measures, in order.
type Labelled = Vec<(String, String)>;

fn reference_items() -> (Labelled, Labelled, Labelled) {
    let doc = reference();
    let (mut cats, mut probs, mut meas) = (vec![], vec![], vec![]);
    for c in doc["categories"].as_array().unwrap() {
        cats.push((
            rectify::domain::ledger::labels::category_label(c["ordinal"].as_i64().unwrap() as i32),
            c["title"].as_str().unwrap().into(),
        ));
        for p in c["problems"].as_array().unwrap() {
            probs.push((
                rectify::domain::ledger::labels::problem_label(p["ordinal"].as_i64().unwrap() as i32),
                p["title"].as_str().unwrap().into(),
            ));
            for m in p["measures"].as_array().unwrap() {
                let title = rectify::domain::ledger::import::derive_title(m["text"].as_str().unwrap());
                meas.push((rectify::domain::ledger::labels::measure_label(m["ordinal"].as_i64().unwrap() as i32), title));
            }
        }
    }
    (cats, probs, meas)
}

on_the_demo_ledger!(the_demo_report_has_the_reference_structure, |app: &TestApp| {
    let (_, d, _) = draft(app);
    let (cats, probs, meas) = reference_items();
    assert_eq!((cats.len(), probs.len(), meas.len()), (3, 30, 105));
    for edition in ["public", "internal"] {
        let m = &d[edition];
        assert_eq!(m["counts"], json!({"categories": 3, "problems": 30, "measures": 105}), "{edition}");
        assert_eq!(of_kind(m, "category"), cats, "{edition}");
        assert_eq!(of_kind(m, "problem"), probs, "{edition}");
        assert_eq!(of_kind(m, "measure"), meas, "{edition}");
    }
    let public = &d["public"];
    let texts: Vec<String> = paragraphs(public).iter().map(|p| p["text"].as_str().unwrap().to_string()).collect();
    assert_eq!(public["title"], "中共长阳土家族自治县职业教育中心委员会关于巡察反馈问题整改情况的报告");
    assert!(texts.contains(&"（社会公开稿）".to_string()));
    // The opening and 一、 are made from the inspection and its leading group, with its change.
    assert!(texts
        .iter()
        .any(|t| t.starts_with("根据县委统一部署，2021年3月15日至4月14日，县委第三巡察组对") && t.contains("7月23日反馈巡察意见")));
    assert!(texts.iter().any(|t| t.contains(
        "成立以县教育局党组成员、校党委副书记、校长杨奎为组长（8月24日变更为县教育局党组成员、校党委书记、校长张红昌），\
         校党委副书记、纪委书记、副校长戴先波为副组长，党委委员、副校长覃守生、许志刚、李向阳及工会主席曾祥云为成员的巡察整改领导小组"
    )));
    assert!(texts.iter().any(|t| t.contains("戴先波兼任办公室主任")));
    // A measure without progress reads as the reference does; the first measure as the report prints it.
    assert!(texts.contains(&"①强化思想武装。9 月份开始，正式将“党政联席会”调整为“党委（扩大）会”，坚持每次会议先学指示批示、学文件、学精神，切实贯彻落实党中央决策部署，增强“四个意识”，推动学习走深走实。".to_string())
        || texts.iter().any(|t| t.starts_with("①强化思想武装。")));
    assert!(texts.iter().any(|t| t.ends_with("无不宜公开事项。")));
    assert_eq!(d["differences"], json!([]));
    assert_eq!(d["report"]["status"], "draft");
    assert_eq!(d["report"]["number"], 1);
});

on_the_demo_ledger!(withholding_and_masking_change_only_the_public_edition, |app: &TestApp| {
    let zgb = app.login("zgb");
    let (id, d, etag) = draft(app);
    let internal = &d["internal"];
    let problem_key =
        |n: usize| paragraphs(internal).iter().filter(|p| p["kind"] == "problem").nth(n).unwrap()["key"].as_str().unwrap().to_string();
    let id_of = |key: &str| key.split(':').nth(1).unwrap().parse::<i64>().unwrap();
    let p5 = problem_key(4);
    // 覃立明 and 蒋芳 are the demo school's staff, named in some measures.
    let measures: Vec<Value> = paragraphs(internal).into_iter().filter(|p| p["kind"] == "measure").collect();
    let qinlm = measures.iter().find(|p| p["text"].as_str().unwrap().contains("覃立明")).unwrap().clone();
    let first = measures[0]["key"].as_str().unwrap().to_string();
    let path = format!("/api/v1/reports/{id}");

    // Changes need If-Match; a stale one is refused.
    app.call("PATCH", &path, Some(&zgb), Some(json!({"document_number": "长职组〔2021〕20号"})), &[]).problem(428, "if_match_required");
    app.patch(&path, &zgb, "\"99\"", json!({"document_number": "长职组〔2021〕20号"})).problem(412, "version_mismatch");
    // Fields are checked, each with its pointer.
    let bad = app.patch(
        &path,
        &zgb,
        &etag,
        json!({
            "withheld_measures": [999999], "redaction": {"terms": ["", "罗凤玲", "罗凤玲"]},
            "organisation_text": "{组长}", "issuer": " ", "public_wording": [{"measure_id": id_of(&first), "text": ""}]
        }),
    );
    bad.problem(422, "validation_failed");
    let pointers: Vec<&str> = bad.json["errors"].as_array().unwrap().iter().map(|e| e["pointer"].as_str().unwrap()).collect();
    for p in ["/withheld_measures/0", "/redaction/terms/0", "/redaction/terms/2", "/organisation_text", "/issuer", "/public_wording/0/text"]
    {
        assert!(pointers.contains(&p), "{p} in {pointers:?}");
    }
    app.patch(&path, &zgb, &etag, json!({"no_such_field": 1})).problem(422, "invalid_body");

    let r = app.patch(&path, &zgb, &etag, json!({
        "document_number": "长职组〔2021〕20号",
        "withheld_problems": [id_of(&p5)],
        "withheld_measures": [id_of(&first)],
        "public_wording": [{"measure_id": id_of(qinlm["key"].as_str().unwrap()), "text": "覃立明老师长期指导茶叶加工厂提质增效，学校已撰写案例上报。"}],
        "redaction": {"names": true, "phone_numbers": true, "id_numbers": true, "amounts": true, "terms": ["罗凤玲"]},
        "contact": {"phone": "0717-5315948", "office": "党政办公室", "address": "长阳土家族自治县龙舟坪镇潘家塘路 48 号", "postcode": "443501"}
    }));
    let d = r.ok(200).clone();
    assert_ne!(r.etag(), etag);
    let (public, internal) = (&d["public"], &d["internal"]);
    let ptexts: String = paragraphs(public).iter().map(|p| p["text"].as_str().unwrap().to_string() + "\n").collect();
    let itexts: String = paragraphs(internal).iter().map(|p| p["text"].as_str().unwrap().to_string() + "\n").collect();
    // Withheld: gone from the public edition, which says so and renumbers; marked in the internal one.
    assert_eq!(public["counts"], json!({"categories": 3, "problems": 29, "measures": 101}));
    assert_eq!(internal["counts"], json!({"categories": 3, "problems": 30, "measures": 105}));
    assert!(!ptexts.contains("对重大问题研究不够") && itexts.contains("对重大问题研究不够"));
    assert!(!ptexts.contains("强化思想武装") && itexts.contains("强化思想武装"));
    assert!(ptexts.contains("有1个问题及1项整改措施涉及不宜公开事项，未在本稿中公开"));
    assert!(ptexts.contains("\n5. 服务地方经济发展不够问题\n"), "renumbered");
    // Masked: names of staff, the coordinator's terms and amounts, in the public edition only.
    assert!(!ptexts.contains("覃立明") && ptexts.contains("覃某某老师"));
    assert!(!ptexts.contains("蒋芳") && ptexts.contains("蒋某老师"));
    assert!(!ptexts.contains("罗凤玲") && ptexts.contains("×××老师"));
    assert!(ptexts.contains("节约资金××万元") && itexts.contains("节约资金30万元"));
    assert!(itexts.contains("覃立明") && itexts.contains("罗凤玲") && itexts.contains("蒋芳"));
    // The leading group and the contact block stay as they are.
    assert!(ptexts.contains("张红昌") && ptexts.contains("联系电话：0717-5315948 党政办公室"));
    // The public wording replaces the progress text in the public edition only.
    assert!(ptexts.contains("茶叶加工厂提质增效，学校已撰写案例上报。"));
    // The differences say which paragraphs change and where.
    let diffs = d["differences"].as_array().unwrap();
    let changes = |key: &str| diffs.iter().find(|x| x["key"] == key).map(|x| x["changes"].clone()).unwrap_or(json!([]));
    assert_eq!(changes(&p5), json!(["withheld"]));
    assert_eq!(changes(&first), json!(["withheld"]));
    assert!(changes(qinlm["key"].as_str().unwrap()).as_array().unwrap().contains(&json!("reworded")));
    let masked = diffs.iter().find(|x| x["changes"].as_array().unwrap().contains(&json!("masked"))).unwrap();
    let key = masked["key"].as_str().unwrap();
    let span = &masked["masks"][0];
    let text: Vec<char> = paragraphs(internal).iter().find(|p| p["key"] == key).unwrap()["text"].as_str().unwrap().chars().collect();
    let hidden: String = text[span["start"].as_u64().unwrap() as usize..span["end"].as_u64().unwrap() as usize].iter().collect();
    assert!(["覃立明", "蒋芳", "罗凤玲"].contains(&hidden.as_str()) || hidden.chars().all(|c| c.is_ascii_digit() || c == '.'), "{hidden}");

    // The documents follow the editions: HTML and DOCX alike.
    let html = |edition: &str| {
        let (status, headers, body) = app.get_bytes(&format!("{path}/document?format=html&edition={edition}"), &zgb, &[]);
        assert_eq!(status, 200);
        assert!(headers.iter().any(|(k, v)| k.eq_ignore_ascii_case("content-type") && v.starts_with("text/html")));
        String::from_utf8(body).unwrap()
    };
    let (ph, ih) = (html("public"), html("internal"));
    assert!(ph.starts_with("<!DOCTYPE html>") && ph.contains("@page"));
    assert!(!ph.contains("覃立明") && ph.contains("（社会公开稿）"));
    assert!(ih.contains("<mark class=\"masked\" data-kind=\"name\">蒋芳</mark>") && ih.contains("【不宜公开】"));
    let docx = docx_text(&app.get_bytes(&format!("{path}/document?format=docx"), &zgb, &[]).2);
    assert!(!docx.contains("覃立明") && docx.contains("覃某某") && !docx.contains("强化思想武装"));
    let docx = docx_text(&app.get_bytes(&format!("{path}/document?format=docx&edition=internal"), &zgb, &[]).2);
    assert!(docx.contains("覃立明") && docx.contains("强化思想武装"));
    // Unknown formats and editions.
    app.get(&format!("{path}/document?format=pdf"), &zgb).problem(406, "unsupported_format");
    let r = app.get(&format!("{path}/document?format=html&edition=secret"), &zgb);
    r.problem(422, "validation_failed");
    assert_eq!(r.json["errors"][0]["pointer"], "/edition");
});

/// The text of a DOCX's body.
pub fn docx_text(bytes: &[u8]) -> String {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a DOCX is a zip");
    let mut xml = String::new();
    z.by_name("word/document.xml").unwrap().read_to_string(&mut xml).unwrap();
    let mut text = String::new();
    for piece in xml.split("<w:t xml:space=\"preserve\">").skip(1) {
        text.push_str(piece.split("</w:t>").next().unwrap());
    }
    text
}

fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

on_the_demo_ledger!(release_freezes_the_report_for_ever, |app: &TestApp| {
    let (zgb, zhanghc, majp, daixb) = (app.login("zgb"), app.login("zhanghc"), app.login("majp"), app.login("daixb"));
    let (id, _, etag) = draft(app);
    let path = format!("/api/v1/reports/{id}");
    let r = app.patch(&path, &zgb, &etag, json!({"document_number": "长职组〔2021〕20号", "dated": "2021-11-10"}));
    let etag = r.etag();
    let release = |token: &str, etag: &str| app.call("POST", &format!("{path}/release"), Some(token), None, &[("If-Match", etag)]);
    // Only the leader of the leading group releases: not the coordinator, not the bureau, not the discipline committee.
    for t in [&zgb, &majp, &daixb] {
        release(t, &etag).problem(403, "not_group_leader");
    }
    app.call("POST", &format!("{path}/release"), Some(&zhanghc), None, &[]).problem(428, "if_match_required");
    release(&zhanghc, "\"1\"").problem(412, "version_mismatch");
    let r = release(&zhanghc, &etag);
    let d = r.ok(200).clone();
    assert_eq!(d["report"]["status"], "released");
    assert_eq!(d["report"]["released_by_name"], "张红昌");
    let sha = d["report"]["sha256"].as_str().unwrap().to_string();
    assert_eq!(sha.len(), 64);
    // The public DOCX downloads byte-identical, whatever changes in the ledger afterwards.
    let download = || app.get_bytes(&format!("{path}/document?format=docx"), &zgb, &[]);
    let (status, headers, first) = download();
    assert_eq!(status, 200);
    assert_eq!(sha256(&first), sha);
    assert!(headers.iter().any(|(k, v)| k.eq_ignore_ascii_case("x-content-sha256") && *v == sha));
    assert!(headers.iter().any(|(k, v)| k.eq_ignore_ascii_case("content-disposition") && v.contains("filename*=UTF-8''")));
    // A measure of the last problem, which is open.
    let problems = app.get(&format!("/api/v1/inspections/{}/problems", inspection(app, &zgb)), &zgb).ok(200).clone();
    let last = problems.as_array().unwrap().last().unwrap()["id"].clone();
    let m = app.get(&format!("/api/v1/measures?problem_id={last}&limit=1"), &zgb).ok(200)["items"][0].clone();
    let mpath = format!("/api/v1/measures/{}", m["id"]);
    app.patch(&mpath, &zgb, &format!("\"{}\"", m["version"]), json!({"title": "改过的标题"})).ok(200);
    assert_eq!(download().2, first);
    assert!(!docx_text(&first).contains("改过的标题"));
    assert!(docx_text(&first).contains("长职组〔2021〕20号") && docx_text(&first).contains("2021年11月10日"));
    // Its SHA-256 is in the audit log.
    let events = app.get(&format!("/api/v1/audit?entity_type=report&entity_id={id}"), &daixb).ok(200).clone();
    let released = events["items"].as_array().unwrap().iter().find(|e| e["action"] == "report.release").expect("a release event");
    assert_eq!(released["summary"]["sha256"], sha.as_str());
    // A released report cannot change, nor be released again.
    let etag = r.etag();
    app.patch(&path, &zgb, &etag, json!({"document_number": "x"})).problem(409, "report_released");
    release(&zhanghc, &etag).problem(409, "report_released");
    // Later edits make a new version, which starts from this one's text.
    let r = app.call("POST", &format!("/api/v1/inspections/{}/reports", inspection(app, &zgb)), Some(&zgb), None, &[]);
    let next = r.ok(201).clone();
    assert_eq!(next["report"]["number"], 2);
    assert_eq!(next["report"]["content"]["document_number"], "长职组〔2021〕20号");
    assert_eq!(next["report"]["content"]["dated"], Value::Null);
    // One draft at a time: it is the version the leader will release.
    app.call("POST", &format!("/api/v1/inspections/{}/reports", inspection(app, &zgb)), Some(&zgb), None, &[]).problem(409, "draft_open");
    let list = app.get(&format!("/api/v1/inspections/{}/reports", inspection(app, &zgb)), &zgb).ok(200).clone();
    assert_eq!(
        list["items"].as_array().unwrap().iter().map(|r| r["status"].clone()).collect::<Vec<_>>(),
        [json!("draft"), json!("released")]
    );
});

on_the_demo_ledger!(reports_are_refused_to_those_who_may_not_see_or_change_them, |app: &TestApp| {
    let (zgb, jiangf, majp, other, zhanghc) =
        (app.login("zgb"), app.login("jiangf"), app.login("majp"), app.login("yz.zgb"), app.login("zhanghc"));
    let insp = inspection(app, &zgb);
    let (id, _, etag) = draft(app);
    let path = format!("/api/v1/reports/{id}");
    // Another school: nothing exists.
    app.get(&path, &other).problem(404, "not_found");
    app.get(&format!("{path}/document?format=docx"), &other).problem(404, "not_found");
    app.patch(&path, &other, &etag, json!({"title": "x"})).problem(404, "not_found");
    app.call("POST", &format!("/api/v1/inspections/{insp}/reports"), Some(&other), None, &[]).problem(404, "not_found");
    app.get(&format!("/api/v1/inspections/{insp}/reports"), &other).problem(404, "not_found");
    app.get(&format!("/api/v1/inspections/{insp}/plan"), &other).problem(404, "not_found");
    // Staff: no drafts, no creating, no editing.
    app.get(&path, &jiangf).problem(404, "not_found");
    app.patch(&path, &jiangf, &etag, json!({"title": "x"})).problem(404, "not_found");
    app.call("POST", &format!("/api/v1/inspections/{insp}/reports"), Some(&jiangf), None, &[]).problem(403, "ledger_read_only");
    assert_eq!(app.get(&format!("/api/v1/inspections/{insp}/reports"), &jiangf).ok(200)["total"], 0);
    // The bureau reads the draft and its internal edition, but neither creates, edits nor releases.
    let d = app.get(&path, &majp).ok(200).clone();
    assert!(d["internal"].is_object());
    app.call("POST", &format!("/api/v1/inspections/{insp}/reports"), Some(&majp), None, &[]).problem(403, "ledger_read_only");
    app.patch(&path, &majp, &etag, json!({"title": "x"})).problem(403, "ledger_read_only");
    // Released, staff read the public edition only.
    let r = app.call("POST", &format!("{path}/release"), Some(&zhanghc), None, &[("If-Match", &etag)]);
    r.ok(200);
    let d = app.get(&path, &jiangf).ok(200).clone();
    assert!(d["internal"].is_null() && d["differences"] == json!([]) && d["public"].is_object());
    app.get(&format!("{path}/document?format=html&edition=internal"), &jiangf).problem(403, "insufficient_role");
    assert_eq!(app.get_bytes(&format!("{path}/document?format=docx"), &jiangf, &[]).0, 200);
    assert_eq!(app.get(&format!("/api/v1/inspections/{insp}/reports"), &jiangf).ok(200)["total"], 1);
});

on_the_demo_ledger!(the_plan_lists_problems_tasks_and_responsibilities, |app: &TestApp| {
    let (zgb, jiangf, other) = (app.login("zgb"), app.login("jiangf"), app.login("yz.zgb"));
    let insp = inspection(app, &zgb);
    let (status, _, body) = app.get_bytes(&format!("/api/v1/inspections/{insp}/plan?format=html"), &zgb, &[]);
    assert_eq!(status, 200);
    let html = String::from_utf8(body).unwrap();
    assert_eq!(html.matches("<table>").count(), 3);
    for h in
        ["一、问题清单", "二、任务清单", "三、责任清单", "落实县委第三巡察组反馈问题整改方案", "理论武装不够问题", "组织生活不规范问题"]
    {
        assert!(html.contains(h), "{h}");
    }
    // Problem 1's four measures share one merged problem cell.
    assert!(html.contains("<td rowspan=\"4\" class=\"short\">1.理论武装不够问题</td>"));
    let (status, _, docx) = app.get_bytes(&format!("/api/v1/inspections/{insp}/plan"), &zgb, &[]);
    assert_eq!(status, 200);
    let text = docx_text(&docx);
    assert!(text.contains("责任领导") && text.contains("覃守生"));
    // Staff get their own measures only.
    let own = String::from_utf8(app.get_bytes(&format!("/api/v1/inspections/{insp}/plan?format=html"), &jiangf, &[]).2).unwrap();
    let rows = |h: &str| h.matches("<tr>").count();
    assert!(rows(&own) < rows(&html), "{} < {}", rows(&own), rows(&html));
    app.get(&format!("/api/v1/inspections/{insp}/plan?format=xlsx"), &zgb).problem(406, "unsupported_format");
    app.get(&format!("/api/v1/inspections/{insp}/plan"), &other).problem(404, "not_found");
});

fn artifacts() -> PathBuf {
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"));
    target.join("artifacts")
}

/// Whether LibreOffice can be used; without it the check is skipped unless required.
fn office() -> bool {
    let found = Command::new("soffice").arg("--version").output().is_ok_and(|o| o.status.success())
        && Command::new("pdftotext").arg("-v").output().is_ok();
    if !found {
        assert!(
            std::env::var("RECTIFY_TEST_REQUIRE_OFFICE").map_or(true, |v| v != "1"),
            "RECTIFY_TEST_REQUIRE_OFFICE=1 but soffice or pdftotext is missing"
        );
        eprintln!("skipped: LibreOffice (soffice) or poppler-utils (pdftotext) is not installed");
    }
    found
}

/// Converts a DOCX to PDF with LibreOffice and returns (pdf path, pages as `pdftotext -layout` text).
fn to_pdf(docx: &[u8], dir: &std::path::Path, name: &str) -> (PathBuf, Vec<String>) {
    std::fs::create_dir_all(dir).unwrap();
    let file = dir.join(format!("{name}.docx"));
    std::fs::write(&file, docx).unwrap();
    let profile = dir.join("lo-profile");
    // Where the official faces are not installed, their usual stand-ins (as a Chinese office's
    // machine has them), else Noto CJK: the pages then look as they would there.
    let fonts = dir.join("fonts.conf");
    let alias = |name: &str, to: &str| format!("<alias binding=\"same\"><family>{name}</family><prefer>{to}</prefer></alias>");
    let serif = "<family>FangSong</family><family>Noto Serif CJK SC</family>";
    let conf = [
        alias("仿宋_GB2312", serif),
        alias("楷体_GB2312", "<family>KaiTi</family><family>Noto Serif CJK SC</family>"),
        alias("方正小标宋简体", "<family>Noto Serif CJK SC</family>"),
        alias("宋体", "<family>SimSun</family><family>Noto Serif CJK SC</family>"),
        alias("黑体", "<family>SimHei</family><family>Noto Sans CJK SC</family>"),
    ]
    .concat();
    std::fs::write(
        &fonts,
        format!("<?xml version=\"1.0\"?><fontconfig><include ignore_missing=\"yes\">/etc/fonts/fonts.conf</include>{conf}</fontconfig>"),
    )
    .unwrap();
    let out = Command::new("soffice")
        .env("FONTCONFIG_FILE", &fonts)
        .arg(format!("-env:UserInstallation=file://{}", profile.display()))
        .args(["--headless", "--convert-to", "pdf", "--outdir"])
        .arg(dir)
        .arg(&file)
        .output()
        .unwrap();
    let pdf = dir.join(format!("{name}.pdf"));
    assert!(pdf.exists(), "soffice made no PDF: {}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let text = Command::new("pdftotext").arg("-layout").arg(&pdf).arg("-").output().unwrap();
    let pages = String::from_utf8_lossy(&text.stdout).split('\u{c}').map(str::to_string).filter(|p| !p.trim().is_empty()).collect();
    (pdf, pages)
}

on_the_demo_ledger!(the_docx_reads_as_a_person_would_read_it, |app: &TestApp| {
    if !office() {
        return;
    }
    let zgb = app.login("zgb");
    let (id, d, etag) = draft(app);
    let r = app.patch(&format!("/api/v1/reports/{id}"), &zgb, &etag, json!({"document_number": "长职组〔2021〕20号", "dated": "2021-11-10",
        "contact": {"phone": "0717-5315948", "office": "党政办公室", "address": "长阳土家族自治县龙舟坪镇潘家塘路 48 号", "postcode": "443501"}}));
    r.ok(200);
    let (_, _, docx) = app.get_bytes(&format!("/api/v1/reports/{id}/document?format=docx"), &zgb, &[]);
    let dir = artifacts().join(format!("report-{}", format!("{:?}", app.db.backend).to_lowercase()));
    let _ = std::fs::remove_dir_all(&dir);
    let (pdf, pages) = to_pdf(&docx, &dir, "report-public");
    // The reference report runs to some 12 pages; this one carries the measures' progress too.
    assert!((6..=40).contains(&pages.len()), "{} pages", pages.len());
    let all: String = pages.join("\n");
    // pdftotext keeps the reading order: the title, every category and every problem title in turn.
    let squeeze = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    let flat = squeeze(&all);
    let mut at = 0;
    let mut expect = vec![squeeze("关于巡察反馈问题整改情况的报告"), squeeze("（社会公开稿）")];
    let (cats, probs, _) = reference_items();
    let public = &d["public"];
    let mut ordered: Vec<String> = Vec::new();
    for p in paragraphs(public) {
        if p["kind"] == "category" || p["kind"] == "problem" {
            ordered.push(squeeze(p["title"].as_str().unwrap()));
        }
    }
    assert_eq!(ordered.len(), cats.len() + probs.len());
    expect.extend(ordered);
    for e in &expect {
        match flat[at..].find(e.as_str()) {
            Some(i) => at += i + e.len(),
            None => panic!("{e} is missing or out of order in the PDF text"),
        }
    }
    // Page numbers: "— N —" on the right of odd pages, on the left of even pages.
    for (n, page) in pages.iter().enumerate() {
        let number = n + 1;
        let line = page.lines().rev().find(|l| !l.trim().is_empty()).unwrap();
        assert_eq!(squeeze(line), format!("—{number}—"), "page {number}: {line:?}");
        let col = line.chars().take_while(|c| c.is_whitespace()).count();
        let width = page.lines().map(|l| l.trim_end().chars().count()).max().unwrap();
        if number % 2 == 1 {
            assert!(col > width / 2, "page {number}: the number should be on the right (column {col} of {width})");
        } else {
            assert!(col < width / 4, "page {number}: the number should be on the left (column {col} of {width})");
        }
    }
    // PNG pages to look at.
    let png = Command::new("pdftoppm").args(["-r", "50", "-png"]).arg(&pdf).arg(dir.join("report-public")).status();
    assert!(png.is_ok_and(|s| s.success()));
    // The plan converts too, with its landscape lists.
    let (_, _, plan) = app.get_bytes(&format!("/api/v1/inspections/{}/plan", inspection(app, &zgb)), &zgb, &[]);
    let (pdf, pages) = to_pdf(&plan, &dir, "plan");
    let flat = squeeze(&pages.join("\n"));
    for h in ["一、问题清单", "二、任务清单", "三、责任清单"] {
        assert!(flat.contains(h), "{h}");
    }
    let _ = Command::new("pdftoppm").args(["-r", "50", "-png"]).arg(&pdf).arg(dir.join("plan")).status();
});
