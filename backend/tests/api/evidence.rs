//! Evidence through the API: uploads, downloads, versions, tombstones, integrity, and bad input
//! that must leave nothing behind — on local storage and on an S3-compatible server.

use std::io::{Cursor, Write};
use std::path::Path;

use serde_json::{json, Value};

use crate::common::*;
use crate::ledger::build;
use crate::on_both_databases;

pub const PDF: &[u8] = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";
const PNG: &[u8] = &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, b'I', b'H', b'D', b'R'];
const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF, 0xE0, 0, 16, b'J', b'F', b'I', b'F', 0];

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in entries {
        w.start_file(*name, zip::write::SimpleFileOptions::default()).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap()
}

/// Stored objects and unfinished spool files of a local-storage app.
fn stored_objects(app: &TestApp) -> (usize, usize) {
    let root = app.db.dir.join("data").join("objects");
    fn count(dir: &Path) -> usize {
        std::fs::read_dir(dir).map(|rd| rd.flatten().map(|e| if e.path().is_dir() { count(&e.path()) } else { 1 }).sum()).unwrap_or(0)
    }
    (count(&root.join("evidence")), count(&root.join("tmp")))
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> &'a str {
    headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str()).unwrap_or("")
}

/// Upload, download with ranges, list and filter, new versions, edits, tombstone, verify.
fn evidence_lifecycle(app: &TestApp) {
    let b = build(app);
    let m = b.measures[0];
    let jiangf = app.login("jiangf"); // assigned to m
    let form = multipart(
        &[("title", "关于调整党委（扩大）会议制度的通知"), ("document_number", "长职组〔2021〕16号"), ("document_date", "2021-09-01")],
        Some(("长职组〔2021〕16号.pdf", PDF)),
    );
    let r = app.upload("POST", &format!("/api/v1/measures/{m}/evidence"), &jiangf, form, &[]);
    let e = r.ok(201).clone();
    assert_eq!(r.header("etag"), Some("\"1\""));
    assert_eq!(e["file"]["file_type"], "pdf");
    assert_eq!(e["file"]["size"], PDF.len());
    assert_eq!(e["file"]["sha256"], hex::encode(<sha2::Sha256 as sha2::Digest>::digest(PDF)));
    assert_eq!(e["file"]["file_name"], "长职组〔2021〕16号.pdf");
    assert_eq!(e["document_date"], "2021-09-01");
    let eid = id(&e);

    // Download: the same bytes, as an attachment whose Chinese name survives.
    let (status, h, body) = app.get_bytes(&format!("/api/v1/evidence/{eid}/content"), &jiangf, &[]);
    assert_eq!((status, body.as_slice()), (200, PDF));
    assert!(header(&h, "content-disposition").starts_with("attachment;"));
    assert!(header(&h, "content-disposition").contains("filename*=UTF-8''%E9%95%BF%E8%81%8C%E7%BB%84"));
    assert_eq!(header(&h, "x-content-type-options"), "nosniff");
    assert_eq!(header(&h, "content-type"), "application/pdf");
    assert_eq!(header(&h, "etag"), format!("\"{}\"", e["file"]["sha256"].as_str().unwrap()));
    let (status, h, body) = app.get_bytes(&format!("/api/v1/evidence/{eid}/content"), &jiangf, &[("Range", "bytes=0-4")]);
    assert_eq!((status, body.as_slice()), (206, &b"%PDF-"[..]));
    assert_eq!(header(&h, "content-range"), format!("bytes 0-4/{}", PDF.len()));
    let (status, _, body) = app.get_bytes(&format!("/api/v1/evidence/{eid}/content"), &jiangf, &[("Range", "bytes=-6")]);
    assert_eq!((status, body.as_slice()), (206, &b"%%EOF\n"[..]));
    let (status, h, _) = app.get_bytes(&format!("/api/v1/evidence/{eid}/content"), &jiangf, &[("Range", "bytes=9999-")]);
    assert_eq!((status, header(&h, "content-range")), (416, format!("bytes */{}", PDF.len()).as_str()));
    let (status, h, _) = app.get_bytes(&format!("/api/v1/evidence/{eid}/content?inline=true"), &jiangf, &[]);
    assert_eq!(status, 200);
    assert!(header(&h, "content-disposition").starts_with("inline;"));
    assert_eq!(header(&h, "content-security-policy"), "sandbox");

    // The supervising bureau reads and downloads it; lists and filters find it.
    let majp = app.login("majp");
    assert_eq!(app.get_bytes(&format!("/api/v1/evidence/{eid}/content"), &majp, &[]).2, PDF);
    assert_eq!(app.get(&format!("/api/v1/measures/{m}/evidence"), &majp).ok(200)["total"], 1);
    let zgb = app.login("zgb");
    let found = |q: &str| app.get(&format!("/api/v1/evidence?{q}"), &zgb).ok(200)["total"].as_i64().unwrap();
    assert_eq!(found(&format!("inspection_id={}", b.inspection)), 1);
    assert_eq!(found("document_number=16%E5%8F%B7"), 1, "文号 substring 16号");
    assert_eq!(found("file_type=pdf"), 1);
    assert_eq!(found("file_type=png"), 0);
    assert_eq!(found("document_date_from=2021-09-02"), 0);
    assert_eq!(found(&format!("uploaded_by={}", app.user_id(&zgb, "jiangf"))), 1);

    // A new file is a new version; the old file stays downloadable.
    let path = format!("/api/v1/evidence/{eid}/versions");
    app.upload("POST", &path, &jiangf, multipart(&[], Some(("现场照片.png", PNG))), &[]).problem(428, "if_match_required");
    app.upload("POST", &path, &jiangf, multipart(&[], Some(("现场照片.png", PNG))), &[("If-Match", "\"7\"")])
        .problem(412, "version_mismatch");
    let r = app.upload("POST", &path, &jiangf, multipart(&[], Some(("现场照片.png", PNG))), &[("If-Match", "\"1\"")]);
    assert_eq!(r.ok(201)["version"], 2);
    assert_eq!(r.json["file"]["file_type"], "png");
    assert_eq!(r.json["title"], "关于调整党委（扩大）会议制度的通知", "details carry over");
    assert_eq!(app.get_bytes(&format!("/api/v1/evidence/{eid}/content"), &jiangf, &[]).2, PNG);
    assert_eq!(app.get_bytes(&format!("/api/v1/evidence/{eid}/content?version=1"), &jiangf, &[]).2, PDF);
    let (status, _, _) = app.get_bytes(&format!("/api/v1/evidence/{eid}/content?inline=true&version=1"), &jiangf, &[]);
    assert_eq!(status, 200);

    // Details are versioned too.
    let r = app.patch(
        &format!("/api/v1/evidence/{eid}"),
        &jiangf,
        "\"2\"",
        json!({"title": "党委（扩大）会议制度通知及现场照片", "document_number": null}),
    );
    assert_eq!(r.ok(200)["version"], 3);
    assert_eq!(r.json["document_number"], Value::Null);
    app.patch(&format!("/api/v1/evidence/{eid}"), &jiangf, "\"2\"", json!({"title": "x"})).problem(412, "version_mismatch");
    app.patch(&format!("/api/v1/evidence/{eid}"), &jiangf, "\"3\"", json!({"title": " "})).problem(422, "validation_failed");

    // Withdrawn with a reason: a tombstone; nothing is lost.
    let del = |v: &str, body: Value| app.call("DELETE", &format!("/api/v1/evidence/{eid}"), Some(&jiangf), Some(body), &[("If-Match", v)]);
    del("\"3\"", json!({"reason": ""})).problem(422, "validation_failed");
    let r = del("\"3\"", json!({"reason": "上传错了文件"}));
    assert_eq!(r.ok(200)["deleted"]["reason"], "上传错了文件");
    assert_eq!(app.get(&format!("/api/v1/measures/{m}/evidence"), &zgb).ok(200)["total"], 0);
    assert_eq!(app.get(&format!("/api/v1/measures/{m}/evidence?include_deleted=true"), &zgb).ok(200)["total"], 1);
    del("\"4\"", json!({"reason": "again"})).problem(409, "evidence_deleted");
    let history = app.get(&format!("/api/v1/evidence/{eid}/versions"), &zgb);
    let changes: Vec<&str> = history.ok(200).as_array().unwrap().iter().map(|v| v["change"].as_str().unwrap()).collect();
    assert_eq!(changes, ["deleted", "details_edited", "file_replaced", "created"]);
    assert_eq!(app.get_bytes(&format!("/api/v1/evidence/{eid}/content?version=1"), &zgb, &[]).2, PDF);

    // A measure with evidence stays in the ledger.
    app.call("DELETE", &format!("/api/v1/measures/{m}"), Some(&zgb), None, &[("If-Match", "\"1\"")]).problem(409, "measure_has_evidence");

    let report = app.get(&format!("/api/v1/evidence/{eid}/verify"), &zgb);
    assert_eq!(report.ok(200)["intact"], true);
    assert_eq!(report.json["files"].as_array().unwrap().len(), 2);
}

on_both_databases!(evidence_is_uploaded_versioned_downloaded_and_withdrawn, |app: &TestApp| {
    evidence_lifecycle(app);
});

#[test]
fn evidence_on_s3_compatible_storage() {
    let Some(endpoint) = s3_endpoint() else { return };
    let app = TestApp::start_with(rectify::db::Backend::Sqlite, |c| use_new_bucket(c, &endpoint)).unwrap();
    evidence_lifecycle(&app);
    let (objects, spooled) = stored_objects(&app);
    assert_eq!((objects, spooled), (0, 0), "nothing on the local disk when S3 is configured");
}

on_both_databases!(only_those_who_carry_out_a_measure_submit_evidence, |app: &TestApp| {
    let b = build(app);
    let m = b.measures[0]; // assigned to jiangf, led by qinss
    let form = || multipart(&[("title", "会议记录")], Some(("记录.txt", "党委（扩大）会会议记录".as_bytes())));
    let path = format!("/api/v1/measures/{m}/evidence");
    for who in ["jiangf", "qinss", "zgb"] {
        app.upload("POST", &path, &app.login(who), form(), &[]).ok(201);
    }
    app.upload("POST", &path, &app.login("zhanghc"), form(), &[]).problem(403, "evidence_forbidden");
    app.upload("POST", &path, &app.login("majp"), form(), &[]).problem(403, "evidence_forbidden");
    app.upload("POST", &path, &app.login("qinlm"), form(), &[]).problem(404, "not_found");
    app.upload("POST", &path, &app.login("yz.zgb"), form(), &[]).problem(404, "not_found");
    let zgb = app.login("zgb");
    let token = |scopes: Value| {
        app.post("/api/v1/api-tokens", &zgb, json!({"name": "县督查平台", "scopes": scopes})).ok(201)["token"].as_str().unwrap().to_string()
    };
    app.upload("POST", &path, &token(json!(["read"])), form(), &[]).problem(403, "evidence_forbidden");
    app.upload("POST", &path, &token(json!(["read", "write"])), form(), &[]).ok(201);
    let listed = app.get(&path, &app.login("jiangf")).ok(200).clone();
    assert_eq!(listed["total"], 4);
    let eid = listed["items"][0]["id"].as_i64().unwrap();
    app.get(&format!("/api/v1/evidence/{eid}"), &app.login("qinlm")).problem(404, "not_found");
    app.get(&format!("/api/v1/evidence/{eid}/content"), &app.login("yz.zgb")).problem(404, "not_found");
    app.patch(&format!("/api/v1/evidence/{eid}"), &app.login("zhanghc"), "\"1\"", json!({"title": "x"})).problem(403, "evidence_forbidden");
    assert_eq!(app.get("/api/v1/evidence", &app.login("qinlm")).ok(200)["total"], 0, "staff see evidence of their own measures only");
});

on_both_databases!(bad_uploads_are_refused_and_leave_nothing_behind, |app: &TestApp| {
    let b = build(app);
    let path = format!("/api/v1/measures/{}/evidence", b.measures[0]);
    let zgb = app.login("zgb");
    let send = |name: &str, bytes: &[u8]| app.upload("POST", &path, &zgb, multipart(&[("title", "佐证")], Some((name, bytes))), &[]);
    send("photo.pdf", JPEG).problem(415, "extension_mismatch");
    let mut polyglot = JPEG.to_vec();
    polyglot.extend(zip_of(&[("index.html", b"<script>alert(1)</script>")]));
    send("photo.jpg", &polyglot).problem(415, "polyglot_file");
    send("setup.exe", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00").problem(415, "unsupported_file_type");
    send("report.docx", &zip_of(&[("word/document.xml", &vec![b'a'; 9 << 20])])).problem(415, "archive_too_large");
    send("../../etc/passwd.pdf", PDF).problem(422, "validation_failed");
    // A NUL (or any control character) cannot even pass the multipart header parser.
    send("a\u{0}.pdf", PDF).problem(400, "invalid_multipart");
    send("empty.pdf", b"").problem(422, "validation_failed");
    send("big.pdf", &[PDF, &vec![b' '; 3 << 20][..]].concat()).problem(413, "file_too_large");
    app.upload("POST", &path, &zgb, multipart(&[("title", "佐证")], None), &[]).problem(422, "validation_failed");
    app.upload("POST", &path, &zgb, multipart(&[("title", "佐证"), ("colour", "red")], Some(("a.pdf", PDF))), &[])
        .problem(422, "validation_failed");
    app.upload("POST", &path, &zgb, multipart(&[("document_date", "2021-02-30")], Some(("a.pdf", PDF))), &[])
        .problem(422, "validation_failed");
    app.call("POST", &path, Some(&zgb), Some(json!({"title": "x"})), &[]).problem(415, "multipart_required");
    // A body cut off before its closing boundary.
    let (ct, body) = multipart(&[("title", "佐证")], Some(("a.pdf", PDF)));
    app.upload("POST", &path, &zgb, (ct, body[..body.len() - 30].to_vec()), &[]).problem(400, "invalid_multipart");

    // A client that goes away half-way through a file.
    let (ct, body) = multipart(&[("title", "佐证")], Some(("big.pdf", &[PDF, &vec![b' '; 1 << 20][..]].concat())));
    let mut s = std::net::TcpStream::connect(app.base.trim_start_matches("http://")).unwrap();
    write!(
        s,
        "POST {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {zgb}\r\nContent-Type: {ct}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .unwrap();
    s.write_all(&body[..body.len() / 2]).unwrap();
    s.flush().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(200));
    drop(s);

    let mut left = (usize::MAX, usize::MAX);
    for _ in 0..50 {
        left = stored_objects(app);
        if left == (0, 0) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(left, (0, 0), "no object and no spooled file is left");
    assert_eq!(app.get("/api/v1/evidence?include_deleted=true", &zgb).ok(200)["total"], 0);
    // And a good upload still works afterwards.
    send("a.pdf", PDF).ok(201);
});

on_both_databases!(idempotent_uploads_store_once, |app: &TestApp| {
    let b = build(app);
    let path = format!("/api/v1/measures/{}/evidence", b.measures[0]);
    let zgb = app.login("zgb");
    let key = [("Idempotency-Key", "c7b1e0b2-upload-1")];
    let first = app.upload("POST", &path, &zgb, multipart(&[("title", "佐证")], Some(("a.pdf", PDF))), &key);
    let again = app.upload("POST", &path, &zgb, multipart(&[("title", "佐证")], Some(("a.pdf", PDF))), &key);
    assert_eq!(first.ok(201)["id"], again.ok(201)["id"]);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(app.get(&path, &zgb).ok(200)["total"], 1);
    assert_eq!(stored_objects(app), (1, 0), "one object");
    let other = [PDF, b"% another"].concat();
    app.upload("POST", &path, &zgb, multipart(&[("title", "佐证")], Some(("a.pdf", &other))), &key).problem(422, "validation_failed");
    assert_eq!(stored_objects(app), (1, 0));
    // The quoted form of the same key is the same key; a key that is not one is refused.
    let quoted = [("Idempotency-Key", "\"c7b1e0b2-upload-1\"")];
    let replay = app.upload("POST", &path, &zgb, multipart(&[("title", "佐证")], Some(("a.pdf", PDF))), &quoted);
    assert_eq!(replay.ok(201)["id"], first.json["id"]);
    for bad in ["\"\"", "\"", "a\"b", "with space"] {
        app.upload("POST", &path, &zgb, multipart(&[("title", "佐证")], Some(("a.pdf", PDF))), &[("Idempotency-Key", bad)])
            .problem(400, "invalid_idempotency_key");
    }
});

#[test]
fn the_storage_quota_is_enforced_per_organisation() {
    let app = TestApp::start_with(rectify::db::Backend::Sqlite, |c| c.storage_quota = 2 * PDF.len() as u64 + 10).unwrap();
    let b = build(&app);
    let path = format!("/api/v1/measures/{}/evidence", b.measures[0]);
    let zgb = app.login("zgb");
    let send = || app.upload("POST", &path, &zgb, multipart(&[("title", "佐证")], Some(("a.pdf", PDF))), &[]);
    send().ok(201);
    send().ok(201);
    let r = send();
    r.problem(413, "storage_quota_exceeded");
    assert!(r.json["detail"].as_str().unwrap().contains("quota"));
    assert_eq!(stored_objects(&app), (2, 0));
}

#[test]
fn verify_reports_missing_and_altered_files() {
    let app = TestApp::start(rectify::db::Backend::Sqlite).unwrap();
    let b = build(&app);
    let zgb = app.login("zgb");
    let path = format!("/api/v1/measures/{}/evidence", b.measures[0]);
    let a = id(app.upload("POST", &path, &zgb, multipart(&[("title", "甲")], Some(("a.pdf", PDF))), &[]).ok(201));
    let c = id(app.upload("POST", &path, &zgb, multipart(&[("title", "乙")], Some(("b.pdf", PDF))), &[]).ok(201));
    let mut files: Vec<_> = files_under(&app.db.dir.join("data/objects/evidence"));
    files.sort_by_key(|p| std::fs::metadata(p).unwrap().modified().unwrap());
    std::fs::write(&files[0], [PDF, b"tampered"].concat()).unwrap();
    std::fs::remove_file(&files[1]).unwrap();
    let state = |eid: i64| app.get(&format!("/api/v1/evidence/{eid}/verify"), &zgb).ok(200)["files"][0]["state"].clone();
    assert_eq!(state(a), "altered");
    assert_eq!(state(c), "missing");
    let (status, _, _) = app.get_bytes(&format!("/api/v1/evidence/{c}/content"), &zgb, &[]);
    assert_eq!(status, 503, "a missing file is reported, not served empty");
    let out = app.cli(&["evidence", "verify"], &[]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{text}");
    assert!(text.contains("Missing") && text.contains("Altered") && text.contains("2 files checked, 0 intact"), "{text}");
}

/// Kills the server (SIGKILL) while uploads are in flight, plants what a crash between storing
/// an object and recording it would leave, restarts, and checks both sides agree.
#[test]
fn a_crash_during_uploads_leaves_every_row_with_its_object_and_no_object_without_a_row() {
    let app = TestApp::start(rectify::db::Backend::Sqlite).unwrap();
    let b = build(&app);
    let token = app.login("zgb");
    let db = app.db.clone();
    drop(app);
    let data = db.data_dir();
    let mut server = ServerProcess::start(db.clone(), &[("RECTIFY_SWEEP_GRACE", "0")]);
    let path = format!("/api/v1/measures/{}/evidence", b.measures[0]);

    // Uploads stuck half-way, and a stream of complete ones.
    let half_way: Vec<std::net::TcpStream> = (0..4)
        .map(|_| {
            let (ct, body) = multipart(&[("title", "半途")], Some(("big.pdf", &[PDF, &vec![b' '; 1 << 20][..]].concat())));
            let mut s = std::net::TcpStream::connect(server.base.trim_start_matches("http://")).unwrap();
            write!(
                s,
                "POST {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nContent-Type: {ct}\r\nContent-Length: {}\r\n\r\n",
                body.len()
            )
            .unwrap();
            s.write_all(&body[..body.len() / 2]).unwrap();
            s
        })
        .collect();
    let stream = {
        let (client, path, token) = (server.client.clone(), path.clone(), token.clone());
        std::thread::spawn(move || {
            let mut done = 0;
            loop {
                let form = multipart(&[("title", "完整")], Some(("a.pdf", &[PDF, &vec![b' '; 256 << 10][..]].concat())));
                match client.try_upload("POST", &path, &token, form, &[]) {
                    Ok(r) if r.status == 201 => done += 1,
                    _ => return done,
                }
            }
        })
    };
    std::thread::sleep(std::time::Duration::from_millis(700));
    server.kill();
    let completed = stream.join().unwrap();
    drop(half_way);
    assert!(completed > 0, "some uploads completed before the crash");

    // What a crash after finalizing and before the row would leave, and a stray spool file.
    let orphan = data.join("objects/evidence/2/0123456789abcdef0123456789abcdef");
    std::fs::write(&orphan, PDF).unwrap();
    std::fs::write(data.join("objects/tmp/fedcba9876543210fedcba9876543210"), b"partial").unwrap();

    server.restart();
    let rows = server.get("/api/v1/evidence?include_deleted=true&limit=1", &token).ok(200)["total"].as_u64().unwrap() as usize;
    let mut objects = usize::MAX;
    for _ in 0..50 {
        objects = files_under(&data.join("objects/evidence")).len();
        if objects == rows && files_under(&data.join("objects/tmp")).is_empty() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    server.kill();
    assert!(rows >= completed, "every answered upload has its row: {rows} rows, {completed} answered");
    assert_eq!(objects, rows, "no object without a row");
    assert!(!orphan.exists());
    assert!(files_under(&data.join("objects/tmp")).is_empty(), "no spooled file left");
    db.assert_clean(&[]);
}

/// On S3 too: an object without a row is swept, recorded ones stay intact.
#[test]
fn the_sweeper_and_verify_work_on_s3() {
    let Some(endpoint) = s3_endpoint() else { return };
    let mut bucket = String::new();
    let app = TestApp::start_with(rectify::db::Backend::Sqlite, |c| {
        use_new_bucket(c, &endpoint);
        bucket = c.s3.as_ref().unwrap().bucket.clone();
    })
    .unwrap();
    let b = build(&app);
    let zgb = app.login("zgb");
    app.upload(
        "POST",
        &format!("/api/v1/measures/{}/evidence", b.measures[0]),
        &zgb,
        multipart(&[("title", "甲")], Some(("a.pdf", PDF))),
        &[],
    )
    .ok(201);
    let orphan = format!("{endpoint}/{bucket}/evidence/2/0123456789abcdef0123456789abcdef");
    ureq::put(&orphan).send_bytes(PDF).unwrap();
    let cli = |args: &[&str]| app.cli(args, &[("RECTIFY_S3_BUCKET", &bucket), ("RECTIFY_S3_ENDPOINT", &endpoint)]);
    let out = cli(&["evidence", "sweep", "--grace", "0"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 objects without a row"), "{}", String::from_utf8_lossy(&out.stdout));
    assert!(ureq::get(&orphan).call().is_err(), "the orphan is gone");
    let out = cli(&["evidence", "verify"]);
    assert!(out.status.success() && String::from_utf8_lossy(&out.stdout).contains("1 files checked, 1 intact"));
}
