//! The SQLite and PostgreSQL migration sets must describe the same tables and columns.

use std::collections::BTreeMap;

use diesel::prelude::*;
use diesel::sql_types::Text;

use crate::common::TestDb;
use rectify::db::Backend;

#[derive(QueryableByName)]
struct Col {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
}

fn columns(db: &TestDb) -> BTreeMap<String, Vec<String>> {
    use diesel::r2d2::ManageConnection;
    let mut conn = rectify::db::Manager::new(&db.url).connect().unwrap();
    rectify::db::migrate(&mut conn).unwrap();
    let sql = match db.backend {
        Backend::Sqlite => {
            "SELECT m.name AS table_name, p.name AS column_name FROM sqlite_master m, pragma_table_info(m.name) p \
                            WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '__diesel%'"
        }
        Backend::Postgres => {
            "SELECT table_name::text AS table_name, column_name::text AS column_name FROM information_schema.columns \
                              WHERE table_schema = 'public' AND table_name NOT LIKE '__diesel%'"
        }
    };
    let rows: Vec<Col> = diesel::sql_query(sql).load(&mut conn).unwrap();
    let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in rows {
        map.entry(r.table_name).or_default().push(r.column_name);
    }
    map.values_mut().for_each(|v| v.sort());
    map
}

#[test]
fn sqlite_and_postgres_migrations_define_the_same_columns() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../migrations");
    let names = |d: &str| {
        let mut v: Vec<String> =
            std::fs::read_dir(format!("{root}/{d}")).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        v.sort();
        v
    };
    assert_eq!(names("sqlite"), names("postgres"), "migration names must be kept in step");
    let sqlite = columns(&TestDb::create(Backend::Sqlite).unwrap());
    assert!(sqlite.contains_key("users") && sqlite["users"].contains(&"token_epoch".to_string()));
    let Some(pg) = TestDb::create(Backend::Postgres) else { return };
    assert_eq!(sqlite, columns(&pg));
}

/// An organisation's column choices for 台账 imports: saved, replaced, forgotten, and kept
/// apart from another organisation's, on both databases.
#[test]
fn import_column_mappings_on_both_databases() {
    use diesel::r2d2::ManageConnection;
    use rectify::domain::imports::mappings;
    use rectify::domain::imports::sheet::Field;
    use rectify::schema::organisations;

    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(db) = TestDb::create(backend) else { continue };
        db.migrate_and_seed();
        let mut conn = rectify::db::Manager::new(&db.url).connect().unwrap();
        let ids: Vec<i64> = organisations::table.select(organisations::id).order(organisations::id).load(&mut conn).unwrap();
        let (school, other) = (ids[0], ids[1]);
        let columns = |pairs: &[(&str, Option<Field>)]| pairs.iter().map(|(h, f)| (h.to_string(), *f)).collect::<Vec<_>>();
        mappings::save(
            &mut conn,
            school,
            &columns(&[("整改要求", Some(Field::Measure)), ("办理 人：", Some(Field::Assignees)), ("序号", None)]),
        )
        .unwrap();
        mappings::save(&mut conn, other, &columns(&[("整改要求", Some(Field::Problem))])).unwrap();
        let saved = mappings::load(&mut conn, school).unwrap();
        assert_eq!(saved.len(), 3, "{backend:?}: {saved:?}");
        assert_eq!(
            (saved["整改要求"], saved["办理人"], saved["序号"]),
            (Some(Field::Measure), Some(Field::Assignees), None),
            "{backend:?}"
        );
        // A new choice replaces the old one; 不导入 is a choice too.
        mappings::save(&mut conn, school, &columns(&[("整改要求", Some(Field::Progress)), ("办理人", None)])).unwrap();
        let saved = mappings::load(&mut conn, school).unwrap();
        assert_eq!((saved["整改要求"], saved["办理人"]), (Some(Field::Progress), None), "{backend:?}");
        assert_eq!(mappings::load(&mut conn, other).unwrap()["整改要求"], Some(Field::Problem), "{backend:?}");
        // An organisation keeps its 500 most recent choices.
        for batch in 0..3 {
            let headers: Vec<(String, Option<Field>)> = (0..200).map(|n| (format!("表头{batch}x{n}"), Some(Field::Progress))).collect();
            mappings::save(&mut conn, other, &headers).unwrap();
        }
        let saved = mappings::load(&mut conn, other).unwrap();
        assert_eq!(saved.len(), 500, "{backend:?}");
        assert!((0..200).all(|n| saved.contains_key(&format!("表头2x{n}"))), "{backend:?}: the latest choices are kept");
    }
}
