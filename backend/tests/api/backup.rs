//! `rectify backup`, `restore` and `copy` through the real command line: a backup taken while
//! people keep working is one consistent moment, restores into the other database with every
//! row and object identical, and what is damaged or not empty is refused with nothing written.

use std::collections::BTreeMap;
use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use serde_json::{json, Value};

use crate::common::*;
use crate::evidence::PDF;
use rectify::backup::{database, format};
use rectify::db::Backend;

type Rows = BTreeMap<String, Vec<BTreeMap<String, Value>>>;
/// A zip file's entries by name.
type Entries = BTreeMap<String, Vec<u8>>;

/// Every row of every table, read through the database's own catalog, each column by name.
fn tables(url: &str) -> Rows {
    use diesel::r2d2::ManageConnection;
    let mut conn = rectify::db::Manager::new(url).connect().unwrap();
    let catalog = database::catalog(&mut conn).unwrap();
    let mut out = Rows::new();
    for (name, table) in &catalog.tables {
        let columns = table.plain_columns();
        let mut rows = Vec::new();
        database::read_rows(&mut conn, table, &columns, &mut |row| {
            rows.push(columns.iter().map(|c| c.name.clone()).zip(row).collect());
            Ok(())
        })
        .unwrap();
        out.insert(name.clone(), rows);
    }
    out
}

/// Equal tables, naming the first row that differs.
#[track_caller]
fn assert_same(got: &Rows, expected: &Rows) {
    assert_eq!(got.keys().collect::<Vec<_>>(), expected.keys().collect::<Vec<_>>());
    for (name, rows) in expected {
        assert_eq!(got[name].len(), rows.len(), "rows of {name}");
        if let Some((a, b)) = got[name].iter().zip(rows).find(|(a, b)| a != b) {
            panic!("{name}: {a:?}\nwhere expected {b:?}");
        }
    }
}

/// The entries of a zip file, by name.
fn entries(path: &Path) -> Entries {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut e = zip.by_index(i).unwrap();
            let mut bytes = Vec::new();
            e.read_to_end(&mut bytes).unwrap();
            (e.name().unwrap().to_string(), bytes)
        })
        .collect()
}

fn write_zip(path: &Path, entries: &Entries) {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, bytes) in entries {
        w.start_file(name.as_str(), zip::write::SimpleFileOptions::default()).unwrap();
        w.write_all(bytes).unwrap();
    }
    std::fs::write(path, w.finish().unwrap().into_inner()).unwrap();
}

/// The rows the backup holds, each column by name, as [`tables`] reads a database.
fn backed_up_rows(manifest: &format::Manifest, files: &Entries) -> Rows {
    manifest
        .tables
        .iter()
        .map(|t| {
            let text = std::str::from_utf8(&files[&format::table_entry(&t.name)]).unwrap();
            let rows = text
                .lines()
                .map(|l| {
                    let values: Vec<Value> = serde_json::from_str(l).unwrap();
                    t.columns.iter().map(|c| c.name.clone()).zip(values).collect()
                })
                .collect();
            (t.name.clone(), rows)
        })
        .collect()
}

/// Runs the command line on a database and its data directory: exit status and output.
fn rectify(db: &TestDb, args: &[&str]) -> (i32, String) {
    rectify_with(db, args, &[])
}

fn rectify_with(db: &TestDb, args: &[&str], env: &[(&str, &str)]) -> (i32, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rectify"))
        .args(args)
        .env("RECTIFY_DATABASE_URL", &db.url)
        .env("RECTIFY_DATA_DIR", db.dir.join("data"))
        .env("RUST_LOG", "warn")
        .envs(env.iter().copied())
        .output()
        .unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr))
}

/// The demo installation (ledger, work in every state, evidence), with no server running.
fn demo_installation(backend: Backend) -> TestDb {
    use diesel::r2d2::ManageConnection;
    let db = TestDb::create(backend).unwrap();
    db.migrate_and_seed_with(true);
    let config = test_config(&db);
    let storage = rectify::storage::Storage::open(&config).unwrap();
    let mut conn = rectify::db::Manager::new(&db.url).connect().unwrap();
    assert!(rectify::demo::workflow::seed(&mut conn, &storage, config.storage_quota).unwrap());
    db
}

/// Files under a directory, at any depth.
fn files_under(dir: &Path) -> usize {
    std::fs::read_dir(dir).map(|rd| rd.flatten().map(|e| if e.path().is_dir() { files_under(&e.path()) } else { 1 }).sum()).unwrap_or(0)
}

fn object_path(data_dir: &Path, key: &str) -> PathBuf {
    data_dir.join("objects").join(key)
}

fn other(backend: Backend) -> Backend {
    match backend {
        Backend::Sqlite if postgres_admin_url().is_some() => Backend::Postgres,
        _ => Backend::Sqlite,
    }
}

fn backup_file(db: &TestDb, name: &str) -> PathBuf {
    db.dir.join(name)
}

/// The numbers `k` of the writes named `prefix k` that a list holds, in increasing order.
fn numbered(items: &[Value], field: &str, prefix: &str) -> Vec<usize> {
    let mut n: Vec<usize> = items.iter().filter_map(|i| i[field].as_str()?.strip_prefix(prefix)?.parse().ok()).collect();
    n.sort();
    n
}

/// One person keeps working — evidence uploads on one measure and progress reports on another,
/// one after the other — while `rectify backup` runs; the backup holds one moment of that work,
/// restores into the other database, and reads back row for row and byte for byte.
fn backup_under_load(backend: Backend) {
    let Some(app) = TestApp::start_with_demo_ledger(backend) else { return };
    let jiangf = app.login("jiangf");
    let open = app.get("/api/v1/measures?status=not_started&limit=2", &jiangf).ok(200).clone();
    let (uploads_to, reports_on) = (open["items"][0]["id"].as_i64().unwrap(), open["items"][1]["id"].as_i64().unwrap());
    let file = backup_file(&app.db, "under-load.zip");

    let stop = AtomicBool::new(false);
    let done = AtomicUsize::new(0);
    let (before, after) = std::thread::scope(|s| {
        let writer = s.spawn(|| {
            let mut version = app.get(&format!("/api/v1/measures/{reports_on}"), &jiangf).etag();
            for k in 1.. {
                let pdf = [&PDF[..9], format!("% load {k}\n").as_bytes(), &PDF[9..]].concat();
                let form = multipart(&[("title", &format!("负载材料 {k}"))], Some((&format!("load-{k}.pdf"), &pdf)));
                app.upload("POST", &format!("/api/v1/measures/{uploads_to}/evidence"), &jiangf, form, &[]).ok(201);
                let r = app.patch(
                    &format!("/api/v1/measures/{reports_on}/progress"),
                    &jiangf,
                    &version,
                    json!({"progress": format!("负载进展 {k}")}),
                );
                r.ok(200);
                version = r.etag();
                done.store(k, Ordering::SeqCst);
                if stop.load(Ordering::SeqCst) && k >= 3 {
                    break;
                }
            }
        });
        while done.load(Ordering::SeqCst) < 2 {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        let before = done.load(Ordering::SeqCst);
        let (code, out) = rectify(&app.db, &["backup", file.to_str().unwrap()]);
        assert_eq!(code, 0, "{out}");
        assert!(out.contains("backup written to") && out.contains("evidence objects"), "{out}");
        let after = done.load(Ordering::SeqCst);
        stop.store(true, Ordering::SeqCst);
        writer.join().unwrap();
        (before, after)
    });
    assert!(after > before, "the work went on while the backup ran ({before} → {after} rounds)");

    let files = entries(&file);
    let manifest = format::Manifest::parse(&files[format::MANIFEST]).unwrap();
    assert_eq!(manifest.source_backend, if backend == Backend::Sqlite { "sqlite" } else { "postgres" });
    assert_eq!(manifest.migrations.len(), std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../migrations/sqlite")).unwrap().count());
    let snapshot = backed_up_rows(&manifest, &files);
    for t in &manifest.tables {
        assert_eq!(snapshot[&t.name].len() as u64, t.rows, "{}", t.name);
    }
    assert!(snapshot["measures"].len() == 105 && snapshot["evidence_files"].len() >= 40 + before);

    let target = TestDb::create(other(backend)).unwrap();
    let (code, out) = rectify(&target, &["restore", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(&format!("{} evidence objects", manifest.objects.len())), "{out}");

    // Every table holds exactly the backup's rows, and every object its bytes — the source's.
    assert_same(&tables(&target.url), &snapshot);
    let (source_data, target_data) = (app.db.dir.join("data"), target.dir.join("data"));
    assert_eq!(manifest.objects.len(), snapshot["evidence_files"].len());
    for o in &manifest.objects {
        let restored = std::fs::read(object_path(&target_data, &o.key)).unwrap();
        assert_eq!(restored, files[&format::object_entry(&o.key)], "{}", o.key);
        assert_eq!(restored, std::fs::read(object_path(&source_data, &o.key)).unwrap(), "{}", o.key);
    }
    for check in [&["audit", "verify"][..], &["evidence", "verify"][..]] {
        let (code, out) = rectify(&target, check);
        assert_eq!(code, 0, "{check:?}: {out}");
        assert!(out.contains("intact"), "{out}");
    }

    // The backup is one moment: the writes it holds are the first n, on both tables alike.
    let restored = TestApp::serve(target);
    let jiangf = restored.login("jiangf");
    let evidence = restored.get(&format!("/api/v1/measures/{uploads_to}/evidence?limit=200"), &jiangf).ok(200).clone();
    let uploads = numbered(evidence["items"].as_array().unwrap(), "title", "负载材料 ");
    let history = restored.get(&format!("/api/v1/measures/{reports_on}/progress"), &jiangf).ok(200).clone();
    let reports = numbered(history.as_array().unwrap(), "progress", "负载进展 ");
    let n = uploads.len();
    assert!(n >= before, "the writes finished before the backup started are in it");
    assert_eq!(uploads, (1..=n).collect::<Vec<_>>(), "no upload is missing in between");
    assert!(reports == (1..=n).collect::<Vec<_>>() || reports == (1..n).collect::<Vec<_>>(), "{n} uploads, reports {reports:?}");

    // Restored files download as uploaded, and new rows get ids never used before.
    let last = evidence["items"].as_array().unwrap().iter().find(|e| e["title"] == format!("负载材料 {n}")).unwrap();
    let (status, _, body) = restored.get_bytes(&format!("/api/v1/evidence/{}/content", last["id"]), &jiangf, &[]);
    assert_eq!((status, body), (200, [&PDF[..9], format!("% load {n}\n").as_bytes(), &PDF[9..]].concat()));
    let form = multipart(&[("title", "恢复后的材料")], Some(("after.pdf", PDF)));
    let added = restored.upload("POST", &format!("/api/v1/measures/{uploads_to}/evidence"), &jiangf, form, &[]).ok(201).clone();
    let last_id = manifest.table("evidence").unwrap().last_id.unwrap();
    assert!(added["id"].as_i64().unwrap() > last_id, "{} after {last_id}", added["id"]);
}

#[test]
fn a_backup_under_load_restores_identically_sqlite() {
    backup_under_load(Backend::Sqlite);
}

#[test]
fn a_backup_under_load_restores_identically_postgres() {
    backup_under_load(Backend::Postgres);
}

/// Restores that must not happen: into a database with data, from a damaged or altered file.
/// The exit status says which, the message names what failed, and nothing is left behind.
#[test]
fn restore_refuses_what_it_cannot_trust() {
    let db = demo_installation(Backend::Sqlite);
    let file = backup_file(&db, "good.zip");
    let (code, out) = rectify(&db, &["backup", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    let (code, out) = rectify(&db, &["backup", file.to_str().unwrap()]);
    assert!(code == 1 && out.contains("already exists"), "an existing file is kept: {out}");

    let before = tables(&db.url);
    let (code, out) = rectify(&db, &["restore", file.to_str().unwrap()]);
    assert!(code == 3 && out.contains("not empty") && out.contains("organisations: 3 rows"), "{code}: {out}");
    assert_eq!(tables(&db.url), before, "nothing changed");

    let files = entries(&file);
    let manifest = format::Manifest::parse(&files[format::MANIFEST]).unwrap();
    let object = manifest.objects.last().unwrap();
    let changed = |name: &str, edit: &dyn Fn(&mut Entries)| {
        let mut altered = files.clone();
        edit(&mut altered);
        let path = backup_file(&db, name);
        write_zip(&path, &altered);
        path
    };
    // One byte of an object; a measure's title; an object and its hash in the manifest (the
    // evidence_files row still records the original); the manifest gone; not a zip at all.
    let object_altered = changed("object.zip", &|f| f.get_mut(&format::object_entry(&object.key)).unwrap()[0] ^= 1);
    let row_altered = changed("row.zip", &|f| {
        let rows = String::from_utf8(f[&format::table_entry("measures")].clone()).unwrap();
        f.insert(format::table_entry("measures"), rows.replacen("强化思想武装", "弱化思想武装", 1).into_bytes());
    });
    let both_altered = changed("both.zip", &|f| {
        let bytes = b"%PDF-1.7\n% another file\n%%EOF\n".to_vec();
        let mut m = format::Manifest::parse(&f[format::MANIFEST]).unwrap();
        let o = m.objects.last_mut().unwrap();
        o.sha256 = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes));
        o.size = bytes.len() as u64;
        f.insert(format::object_entry(&o.key), bytes);
        f.insert(format::MANIFEST.into(), serde_json::to_vec(&m).unwrap());
    });
    let no_manifest = changed("bare.zip", &|f| {
        f.remove(format::MANIFEST);
    });
    let not_zip = backup_file(&db, "not.zip");
    std::fs::write(&not_zip, "PK but not really").unwrap();
    for (path, expected) in [
        (&object_altered, format!("object {}", object.key)),
        (&row_altered, "table measures does not match the manifest".to_string()),
        (&both_altered, format!("object {} (sha256 {}", object.key, object.sha256)),
        (&no_manifest, "has no manifest".to_string()),
        (&not_zip, "is not a backup file".to_string()),
    ] {
        let target = TestDb::create(Backend::Sqlite).unwrap();
        let (code, out) = rectify(&target, &["restore", path.to_str().unwrap()]);
        assert_eq!(code, 4, "{}: {out}", path.display());
        assert!(out.contains(&expected), "{}: expected {expected:?} in {out}", path.display());
        let left: usize = tables(&target.url).values().map(Vec::len).sum();
        assert_eq!(left, 0, "{}: no rows are left behind", path.display());
        assert_eq!(files_under(&target.dir.join("data").join("objects")), 0, "{}: no objects are left behind", path.display());
    }

    // The untouched backup still restores.
    let target = TestDb::create(Backend::Sqlite).unwrap();
    let (code, out) = rectify(&target, &["restore", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(files_under(&target.dir.join("data").join("objects").join("evidence")), manifest.objects.len());
}

/// A school moves from the laptop (SQLite) to the county's server (PostgreSQL) and back: every
/// row and every object arrives, and the audit chains still verify at each step.
#[test]
fn copy_moves_an_installation_to_postgres_and_back() {
    let laptop = demo_installation(Backend::Sqlite);
    let server = TestDb::create(other(Backend::Sqlite)).unwrap();
    let server_data = server.dir.join("data");
    let (code, out) = rectify(&laptop, &["copy", "--to", &server.url, "--to-data-dir", server_data.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("copied into") && out.contains("40 evidence objects"), "{out}");
    let (code, out) = rectify(&laptop, &["copy", "--to", &server.url]);
    assert!(code == 3 && out.contains("not empty"), "a second copy into the same database is refused: {out}");
    for check in [&["audit", "verify"][..], &["evidence", "verify"][..]] {
        let (code, out) = rectify(&server, check);
        assert!(code == 0 && out.contains("intact"), "{check:?}: {out}");
    }

    let back = TestDb::create(Backend::Sqlite).unwrap();
    let back_data = back.dir.join("data");
    let (code, out) = rectify(&server, &["copy", "--to", &back.url, "--to-data-dir", back_data.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    let (code, out) = rectify(&back, &["audit", "verify"]);
    assert!(code == 0 && out.contains("intact"), "{out}");

    let original = tables(&laptop.url);
    assert_same(&tables(&server.url), &original);
    assert_same(&tables(&back.url), &original);
    for row in &original["evidence_files"] {
        let key = row["object_key"].as_str().unwrap();
        let bytes = std::fs::read(object_path(&laptop.dir.join("data"), key)).unwrap();
        assert_eq!(std::fs::read(object_path(&server_data, key)).unwrap(), bytes, "{key}");
        assert_eq!(std::fs::read(object_path(&back_data, key)).unwrap(), bytes, "{key}");
    }

    // The moved installation works: its people sign in and their new work gets fresh ids.
    let moved = TestApp::serve(server);
    let zgb = moved.login("zgb");
    let measure = moved.get("/api/v1/measures?limit=1", &zgb).ok(200)["items"][0]["id"].as_i64().unwrap();
    let c = moved.post(&format!("/api/v1/measures/{measure}/comments"), &zgb, json!({"body": "迁移后的第一条意见"})).ok(201).clone();
    let max = original["comments"].iter().map(|r| r["id"].as_i64().unwrap()).max().unwrap();
    assert!(c["id"].as_i64().unwrap() > max);
}

/// Evidence moves into an S3-compatible bucket with the database, and back out of one through a
/// backup: uploads in parts, each object checked.
#[test]
fn copy_and_restore_with_evidence_on_s3() {
    let Some(endpoint) = s3_endpoint() else { return };
    let new_bucket = |db: &TestDb| {
        let mut c = test_config(db);
        use_new_bucket(&mut c, &endpoint);
        c.s3.unwrap().bucket
    };
    let laptop = demo_installation(Backend::Sqlite);
    let server = TestDb::create(other(Backend::Sqlite)).unwrap();
    let bucket = new_bucket(&server);
    let on_s3 = [("RECTIFY_S3_BUCKET", bucket.as_str()), ("RECTIFY_S3_ENDPOINT", endpoint.as_str())];
    let (code, out) = rectify(&laptop, &["copy", "--to", &server.url, "--to-s3-bucket", &bucket, "--to-s3-endpoint", &endpoint]);
    assert_eq!(code, 0, "{out}");
    let (code, out) = rectify_with(&server, &["evidence", "verify"], &on_s3);
    assert!(code == 0 && out.contains("40 files checked, 40 intact"), "{out}");

    let file = backup_file(&server, "from-s3.zip");
    let (code, out) = rectify_with(&server, &["backup", file.to_str().unwrap()], &on_s3);
    assert_eq!(code, 0, "{out}");
    let local = TestDb::create(Backend::Sqlite).unwrap();
    let (code, out) = rectify(&local, &["restore", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    let (code, out) = rectify(&local, &["evidence", "verify"]);
    assert!(code == 0 && out.contains("40 files checked, 40 intact"), "{out}");

    let again = TestDb::create(Backend::Sqlite).unwrap();
    let bucket = new_bucket(&again);
    let on_s3 = [("RECTIFY_S3_BUCKET", bucket.as_str()), ("RECTIFY_S3_ENDPOINT", endpoint.as_str())];
    let (code, out) = rectify_with(&again, &["restore", file.to_str().unwrap()], &on_s3);
    assert_eq!(code, 0, "{out}");
    let (code, out) = rectify_with(&again, &["evidence", "verify"], &on_s3);
    assert!(code == 0 && out.contains("40 files checked, 40 intact"), "{out}");
    assert_same(&tables(&again.url), &tables(&laptop.url));
}
