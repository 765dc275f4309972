//! The `rectify` command line against a real database, then the API on the same database.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::common::{TestApp, TestDb};
use rectify::db::Backend;

fn rectify(url: &str, args: &[&str], stdin: Option<&str>) -> (bool, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_rectify"))
        .args(args)
        .env("RECTIFY_DATABASE_URL", url)
        .env("RECTIFY_DATA_DIR", std::env::temp_dir().join("rectify-cli-test"))
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(s) = stdin {
        child.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr))
}

#[test]
fn first_admin_from_the_command_line_signs_in_through_the_api() {
    let db = TestDb::create(Backend::Sqlite).unwrap();
    let url = db.url.clone();
    let (ok, out) = rectify(&url, &["migrate"], None);
    assert!(ok, "{out}");
    let (ok, out) = rectify(&url, &["org", "create", "--name", "某县教育局", "--kind", "bureau"], None);
    assert!(ok, "{out}");
    let (ok, out) = rectify(&url, &["org", "create", "--name", "某县第二中学", "--kind", "school"], None);
    assert!(!ok && out.contains("parent"), "a school needs a bureau: {out}");
    let (ok, out) = rectify(&url, &["org", "create", "--name", "某县第二中学", "--kind", "school", "--parent", "某县教育局"], None);
    assert!(ok, "{out}");
    let args =
        ["user", "create", "--org", "某县教育局", "--username", "root", "--display-name", "管理员", "--role", "admin", "--password-stdin"];
    let (ok, out) = rectify(&url, &args, Some("password\n"));
    assert!(!ok && out.contains("password_too_common"), "{out}");
    let (ok, out) = rectify(&url, &args, Some("a long admin passphrase\n"));
    assert!(ok, "{out}");
    // Without --password-stdin a password is generated and shown once.
    let (ok, out) = rectify(
        &url,
        &["user", "create", "--org", "某县第二中学", "--username", "clerk", "--display-name", "办事员", "--role", "staff"],
        None,
    );
    assert!(ok, "{out}");
    let generated = out.lines().find_map(|l| l.strip_prefix("password: ")).unwrap().to_string();
    let (ok, out) = rectify(&url, &["user", "list"], None);
    assert!(ok && out.contains("root") && out.contains("admin") && out.contains("clerk"), "{out}");

    let app = TestApp::serve(db);
    assert_eq!(app.login_pair("root", "a long admin passphrase").status, 200);
    assert_eq!(app.login_pair("clerk", &generated).status, 200);

    let (ok, out) = rectify(&url, &["user", "disable", "--username", "clerk"], None);
    assert!(ok, "{out}");
    assert_eq!(app.login_pair("clerk", &generated).status, 401);
    let (ok, out) = rectify(&url, &["user", "set-password", "--username", "clerk", "--password-stdin"], Some("brand new passphrase\n"));
    assert!(ok, "{out}");
}

#[test]
fn the_command_line_imports_the_reference_ledger_all_or_nothing() {
    let db = TestDb::create(Backend::Sqlite).unwrap();
    db.migrate_and_seed();
    let url = db.url.clone();
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/changyang-2021/ledger.json");
    let (ok, out) = rectify(&url, &["import", file, "--org", rectify::demo::SCHOOL, "--dry-run"], None);
    assert!(ok && out.contains("\"measures\": 105"), "{out}");
    let bad = std::env::temp_dir().join(format!("rectify-bad-{}.json", std::process::id()));
    std::fs::write(
        &bad,
        r#"{"categories": [{"title": "x", "problems": [{"title": "p", "measures": [{"text": "t", "assignees": ["无此人"]}]}]}]}"#,
    )
    .unwrap();
    let (ok, out) = rectify(&url, &["import", bad.to_str().unwrap(), "--org", rectify::demo::SCHOOL], None);
    assert!(!ok && out.contains("/categories/0/problems/0/measures/0/assignees/0 unknown_user"), "{out}");
    let (ok, out) = rectify(&url, &["import", file, "--org", rectify::demo::SCHOOL], None);
    assert!(ok && out.contains("3 categories, 30 problems, 105 measures"), "{out}");
    // Into that inspection again: refused without a choice, nothing duplicated with one.
    let id = out.split("imported into inspection ").nth(1).and_then(|r| r.split(':').next()).unwrap().to_string();
    let (ok, out) = rectify(&url, &["import", file, "--org", rectify::demo::SCHOOL, "--inspection", &id], None);
    assert!(!ok && out.contains("import_has_existing"), "{out}");
    let (ok, out) = rectify(&url, &["import", file, "--org", rectify::demo::SCHOOL, "--inspection", &id, "--on-existing", "always"], None);
    assert!(!ok && out.contains("skip, update, add"), "{out}");
    let (ok, out) = rectify(&url, &["import", file, "--org", rectify::demo::SCHOOL, "--inspection", &id, "--on-existing", "skip"], None);
    assert!(
        ok && out.contains("0 categories, 0 problems, 0 measures") && out.contains("skipped: 3 categories, 30 problems, 105 measures"),
        "{out}"
    );
    let app = TestApp::serve(db);
    let zgb = app.login("zgb");
    // Only the real import left an inspection behind.
    assert_eq!(app.get("/api/v1/inspections", &zgb).json["total"], 1);
    assert_eq!(app.get("/api/v1/measures?limit=1", &zgb).json["total"], 105);
    let _ = std::fs::remove_file(bad);
}
