use serde_json::json;

use crate::common::*;
use crate::on_both_databases;
use rectify::demo::SCHOOL;

// 32 clients writing at once: every write succeeds (no "database is locked" on SQLite), and
// every row is there afterwards.
on_both_databases!(thirty_two_concurrent_writers, |app: &TestApp| {
    let zgb = app.login("zgb");
    let school = app.org_id(SCHOOL);
    let path = format!("/api/v1/organisations/{school}/departments");
    let statuses: Vec<Vec<u16>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..32)
            .map(|i| {
                let (zgb, path) = (&zgb, &path);
                s.spawn(move || (0..5).map(|j| app.post(path, zgb, json!({"name": format!("专班{i}-{j}")})).status).collect())
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(statuses.iter().flatten().all(|s| *s == 201), "{statuses:?}");
    let deps = app.get(&path, &zgb);
    assert_eq!(deps.json.as_array().unwrap().len(), 12 + 32 * 5);
});

// Two administrators change the same user at once with the same version: one wins.
on_both_databases!(concurrent_updates_with_one_version_let_one_win, |app: &TestApp| {
    let zgb = app.login("zgb");
    let id = app.user_id(&zgb, "jiangf");
    let path = format!("/api/v1/users/{id}");
    let statuses: Vec<u16> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..8)
            .map(|i| {
                let (zgb, path) = (&zgb, &path);
                s.spawn(move || app.patch(path, zgb, "\"1\"", json!({"title": format!("title {i}")})).status)
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 412).count(), 7, "{statuses:?}");
    assert_eq!(app.get(&path, &zgb).json["version"], 2);
});

// The same at the storage layer with one connection per writer, each transaction reading
// before it writes: the pattern that fails with SQLITE_BUSY unless the write lock is taken
// at BEGIN.
#[test]
fn thirty_two_writers_on_separate_sqlite_connections() {
    use diesel::r2d2::ManageConnection;
    use rectify::domain::departments::{self, DepartmentInput};
    let db = TestDb::create(rectify::db::Backend::Sqlite).unwrap();
    db.migrate_and_seed();
    let failures: Vec<String> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..32)
            .map(|i| {
                let url = db.url.clone();
                s.spawn(move || {
                    let mut conn = rectify::db::Manager::new(&url).connect().unwrap();
                    let mut errors = Vec::new();
                    for j in 0..10 {
                        let caller = rectify::demo::system_caller(2);
                        if let Err(e) = departments::create(&mut conn, &caller, 2, DepartmentInput { name: format!("w{i}-{j}") }) {
                            errors.push(e.to_string());
                        }
                    }
                    errors
                })
            })
            .collect();
        hs.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    assert!(failures.is_empty(), "{failures:?}");
}
