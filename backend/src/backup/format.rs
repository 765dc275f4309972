//! The backup format, apart from any database or file: the manifest, the backend-neutral
//! encoding of rows, the order tables and rows must be loaded in, and the checks a restore makes
//! before it trusts a file.
//!
//! A backup is one zip file:
//!
//! ```text
//! manifest.json              format, schema (migrations), source, time, tables, objects
//! tables/<table>.jsonl       one JSON array per row, in the manifest's column order, by primary key
//! objects/<key>              every evidence object the rows refer to, byte for byte
//! ```
//!
//! Values are encoded the same way whichever database they come from, so that a table's
//! SHA-256 is a property of its content: integers as numbers, booleans as `true`/`false`, text
//! as strings, dates as `YYYY-MM-DD`, times (UTC, no zone) as `YYYY-MM-DDTHH:MM:SS.ffffff` —
//! microseconds, which is what PostgreSQL keeps — and NULL as `null`.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{NaiveDate, NaiveDateTime, Timelike};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

pub const FORMAT: &str = "rectify-backup";
pub const FORMAT_VERSION: u32 = 1;
pub const MANIFEST: &str = "manifest.json";

/// The zip entry holding a table's rows.
pub fn table_entry(table: &str) -> String {
    format!("tables/{table}.jsonl")
}

/// The zip entry holding an object.
pub fn object_entry(key: &str) -> String {
    format!("objects/{key}")
}

/// The kinds of column the schema uses, as both databases name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnType {
    Integer,
    Text,
    Boolean,
    Timestamp,
    Date,
}

impl ColumnType {
    /// From a declared SQLite type or a PostgreSQL `information_schema` data type. Anything else
    /// is refused, so that a new kind of column cannot silently go missing from backups.
    pub fn from_sql(declared: &str) -> Option<ColumnType> {
        Some(match declared.trim().to_ascii_lowercase().as_str() {
            "integer" | "bigint" | "int" | "smallint" => ColumnType::Integer,
            "text" | "character varying" | "varchar" => ColumnType::Text,
            "boolean" | "bool" => ColumnType::Boolean,
            "timestamp" | "timestamp without time zone" => ColumnType::Timestamp,
            "date" => ColumnType::Date,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: ColumnType,
    pub nullable: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableManifest {
    pub name: String,
    pub columns: Vec<Column>,
    pub primary_key: Vec<String>,
    pub rows: u64,
    /// SHA-256 of the table's entry: every row's encoding followed by a newline.
    pub sha256: String,
    /// The last id the table's sequence handed out (ids of deleted rows are not reused).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ObjectEntry {
    pub key: String,
    pub size: u64,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub format_version: u32,
    /// The version of Rectify that wrote it.
    pub rectify_version: String,
    /// `sqlite` or `postgres`.
    pub source_backend: String,
    pub created_at: String,
    /// The schema: versions of the migrations applied to the source, in order.
    pub migrations: Vec<String>,
    /// In the order they can be loaded (referenced tables first).
    pub tables: Vec<TableManifest>,
    pub objects: Vec<ObjectEntry>,
}

impl Manifest {
    /// Parses a manifest and checks what can be checked without the rest of the file.
    pub fn parse(bytes: &[u8]) -> Result<Manifest, String> {
        let m: Manifest = serde_json::from_slice(bytes).map_err(|e| format!("the manifest is not readable: {e}"))?;
        if m.format != FORMAT {
            return Err(format!("not a Rectify backup (format {:?})", m.format));
        }
        if m.format_version != FORMAT_VERSION {
            return Err(format!("backup format version {} is not supported (this version reads {FORMAT_VERSION})", m.format_version));
        }
        let mut names = BTreeSet::new();
        for t in &m.tables {
            if !names.insert(t.name.as_str()) {
                return Err(format!("the manifest names table {} twice", t.name));
            }
        }
        for o in &m.objects {
            check_key(&o.key)?;
        }
        Ok(m)
    }

    pub fn table(&self, name: &str) -> Option<&TableManifest> {
        self.tables.iter().find(|t| t.name == name)
    }
}

/// Object keys are made by the server (`evidence/<organisation>/<random hex>`); anything else in
/// a backup — an absolute path, `..`, odd characters — is refused before it reaches a store.
pub fn check_key(key: &str) -> Result<(), String> {
    let ok = !key.is_empty()
        && key.len() <= 512
        && key.split('/').all(|part| !part.is_empty() && part != "." && part != "..")
        && key.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'_' | b'.'));
    if ok {
        Ok(())
    } else {
        Err(format!("object key {key:?} is not one the server makes"))
    }
}

const TIME_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.6f";

/// A time in the backup's encoding (microseconds, finer digits dropped).
pub fn encode_time(t: NaiveDateTime) -> String {
    let t = t.with_nanosecond(t.nanosecond() / 1000 * 1000).unwrap_or(t);
    t.format(TIME_FORMAT).to_string()
}

/// A time as a database hands it over: `2021-09-15 08:30:00.123` (SQLite, as diesel writes it)
/// or `2021-09-15T08:30:00.123456` (PostgreSQL's JSON).
pub fn parse_time(s: &str) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f").or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f")).ok()
}

/// Brings a value as the database's JSON gives it to the backup's encoding.
pub fn canonical(column: &Column, v: Value) -> Result<Value, String> {
    let bad = |v: &Value| format!("column {} ({:?}) holds {v}", column.name, column.ty);
    match (column.ty, v) {
        (_, Value::Null) if column.nullable => Ok(Value::Null),
        (_, Value::Null) => Err(format!("column {} is NULL but may not be", column.name)),
        (ColumnType::Integer, v @ Value::Number(_)) if v.is_i64() => Ok(v),
        (ColumnType::Text, v @ Value::String(_)) => Ok(v),
        (ColumnType::Boolean, v @ Value::Bool(_)) => Ok(v),
        // SQLite keeps booleans as 0 and 1.
        (ColumnType::Boolean, Value::Number(n)) if matches!(n.as_i64(), Some(0 | 1)) => Ok(Value::Bool(n.as_i64() == Some(1))),
        (ColumnType::Timestamp, Value::String(s)) => {
            parse_time(&s).map(|t| Value::String(encode_time(t))).ok_or_else(|| bad(&Value::String(s)))
        }
        (ColumnType::Date, Value::String(s)) if NaiveDate::parse_from_str(&s, "%Y-%m-%d").is_ok() => Ok(Value::String(s)),
        (_, v) => Err(bad(&v)),
    }
}

/// A row in the backup's encoding, checked against the columns it is said to have.
pub fn canonical_row(columns: &[Column], row: Value) -> Result<Vec<Value>, String> {
    let Value::Array(values) = row else { return Err("a row is not a JSON array".into()) };
    if values.len() != columns.len() {
        return Err(format!("a row has {} values for {} columns", values.len(), columns.len()));
    }
    columns.iter().zip(values).map(|(c, v)| canonical(c, v)).collect()
}

/// Counts and hashes a table's rows in their encoded form, which is also the line written.
#[derive(Default)]
pub struct TableDigest {
    hasher: Sha256,
    pub rows: u64,
}

impl TableDigest {
    /// The line for `row` (with its newline), counted and hashed.
    pub fn line(&mut self, row: &[Value]) -> Vec<u8> {
        let mut line = serde_json::to_vec(row).expect("JSON values serialize");
        line.push(b'\n');
        self.hasher.update(&line);
        self.rows += 1;
        line
    }

    pub fn finish(self) -> (u64, String) {
        (self.rows, hex::encode(self.hasher.finalize()))
    }
}

/// Orders tables so that every table comes after the tables it references (a table may
/// reference itself). Ties keep alphabetical order, so the order is the same on both databases.
pub fn load_order(references: &BTreeMap<String, BTreeSet<String>>) -> Result<Vec<String>, String> {
    let mut done: Vec<String> = Vec::with_capacity(references.len());
    let mut left: BTreeMap<&String, BTreeSet<&String>> =
        references.iter().map(|(t, refs)| (t, refs.iter().filter(|r| *r != t && references.contains_key(*r)).collect())).collect();
    while !left.is_empty() {
        let ready: Vec<&String> = left.iter().filter(|(_, refs)| refs.is_empty()).map(|(t, _)| *t).collect();
        if ready.is_empty() {
            let cycle: Vec<&str> = left.keys().map(|t| t.as_str()).collect();
            return Err(format!("the tables {} reference each other in a cycle", cycle.join(", ")));
        }
        for t in ready {
            left.remove(t);
            left.values_mut().for_each(|refs| {
                refs.remove(t);
            });
            done.push(t.clone());
        }
    }
    Ok(done)
}

/// Orders the rows of a table that references itself (an organisation's parent) so that a
/// referenced row is inserted before the rows that reference it; otherwise keeps their order.
pub fn parents_first(rows: Vec<Vec<Value>>, key: usize, parent: usize) -> Result<Vec<Vec<Value>>, String> {
    let ids: HashMap<String, usize> = rows.iter().enumerate().map(|(i, r)| (r[key].to_string(), i)).collect();
    let mut placed = vec![false; rows.len()];
    let mut order = Vec::with_capacity(rows.len());
    for start in 0..rows.len() {
        // Walk up to the first ancestor not yet placed, then place the chain top down.
        let mut chain = Vec::new();
        let mut at = Some(start);
        while let Some(i) = at.filter(|i| !placed[*i]) {
            if chain.contains(&i) {
                return Err(format!("rows reference each other in a cycle (at {})", rows[i][key]));
            }
            chain.push(i);
            at = match &rows[i][parent] {
                Value::Null => None,
                p => ids.get(&p.to_string()).copied(),
            };
        }
        for i in chain.into_iter().rev() {
            placed[i] = true;
            order.push(i);
        }
    }
    let mut rows: Vec<Option<Vec<Value>>> = rows.into_iter().map(Some).collect();
    Ok(order.into_iter().filter_map(|i| rows[i].take()).collect())
}

/// How far to migrate an empty database before loading a backup made at `backup`'s schema:
/// the backup's migrations must be the first ones this version knows, and the database may not
/// be past them. Returns how many migrations the database must have when the rows go in.
pub fn migrations_to_load_at(backup: &[String], known: &[String], applied: &[String]) -> Result<usize, String> {
    if let Some((i, v)) = backup.iter().enumerate().find(|(i, v)| known.get(*i) != Some(*v)) {
        return Err(match known.get(i) {
            None => format!(
                "the backup's schema has migration {v}, which this version of Rectify does not know; restore it with a newer version"
            ),
            Some(k) => format!("the backup's schema has migration {v} where this version has {k}"),
        });
    }
    if applied.len() > backup.len() || applied.iter().zip(backup).any(|(a, b)| a != b) {
        return Err(
            "the target database has migrations the backup does not have; restore into a database that has not been migrated".into()
        );
    }
    Ok(backup.len())
}

/// The objects the rows of `evidence_files` refer to must be exactly the objects in the file.
pub fn check_objects(listed: &[ObjectEntry], referenced: &[ObjectEntry]) -> Result<(), String> {
    let listed: BTreeSet<&ObjectEntry> = listed.iter().collect();
    let referenced: BTreeSet<&ObjectEntry> = referenced.iter().collect();
    if let Some(o) = referenced.difference(&listed).next() {
        return Err(format!(
            "object {} (sha256 {}, {} bytes) is recorded in evidence_files but not in the manifest",
            o.key, o.sha256, o.size
        ));
    }
    if let Some(o) = listed.difference(&referenced).next() {
        return Err(format!("object {} is in the manifest but no evidence_files row records it so", o.key));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn col(name: &str, ty: ColumnType, nullable: bool) -> Column {
        Column { name: name.into(), ty, nullable }
    }

    #[test]
    fn both_databases_values_encode_alike() {
        let t = col("created_at", ColumnType::Timestamp, false);
        // SQLite's text (as diesel writes it, with 0, 3 or 6 digits) and PostgreSQL's JSON.
        for (given, expected) in [
            ("2021-09-15 08:30:00.123456", "2021-09-15T08:30:00.123456"),
            ("2021-09-15T08:30:00.123456", "2021-09-15T08:30:00.123456"),
            ("2021-09-15 08:30:00", "2021-09-15T08:30:00.000000"),
            ("2021-09-15T08:30:00.12", "2021-09-15T08:30:00.120000"),
            ("2021-09-15 08:30:00.123456789", "2021-09-15T08:30:00.123456"),
        ] {
            assert_eq!(canonical(&t, json!(given)).unwrap(), json!(expected), "{given}");
        }
        assert!(canonical(&t, json!("15/09/2021")).unwrap_err().contains("created_at"));
        let b = col("active", ColumnType::Boolean, false);
        assert_eq!(canonical(&b, json!(1)).unwrap(), json!(true));
        assert_eq!(canonical(&b, json!(0)).unwrap(), json!(false));
        assert_eq!(canonical(&b, json!(false)).unwrap(), json!(false));
        assert!(canonical(&b, json!(2)).is_err());
        let d = col("deadline", ColumnType::Date, true);
        assert_eq!(canonical(&d, json!("2021-09-30")).unwrap(), json!("2021-09-30"));
        assert_eq!(canonical(&d, Value::Null).unwrap(), Value::Null);
        assert!(canonical(&d, json!("2021-02-30")).is_err());
        let i = col("id", ColumnType::Integer, false);
        assert_eq!(canonical(&i, json!(9_007_199_254_740_993_i64)).unwrap(), json!(9_007_199_254_740_993_i64));
        assert!(canonical(&i, Value::Null).unwrap_err().contains("may not be"));
        assert!(canonical(&i, json!("1")).is_err(), "text in an integer column");
        assert!(canonical(&i, json!(1.5)).is_err());
        let s = col("title", ColumnType::Text, false);
        assert_eq!(canonical(&s, json!("强化思想武装 \"引号\"\n")).unwrap(), json!("强化思想武装 \"引号\"\n"));
    }

    #[test]
    fn a_table_hash_depends_on_content_only() {
        let cols = [col("id", ColumnType::Integer, false), col("ok", ColumnType::Boolean, false)];
        let from_sqlite = canonical_row(&cols, json!([1, 1])).unwrap();
        let from_pg = canonical_row(&cols, json!([1, true])).unwrap();
        let (mut a, mut b) = (TableDigest::default(), TableDigest::default());
        assert_eq!(a.line(&from_sqlite), b"[1,true]\n");
        b.line(&from_pg);
        assert_eq!(a.finish(), b.finish());
        let mut c = TableDigest::default();
        c.line(&canonical_row(&cols, json!([1, false])).unwrap());
        assert_ne!(c.finish().1, TableDigest::default().finish().1);
        assert!(canonical_row(&cols, json!([1])).unwrap_err().contains("1 values for 2 columns"));
        assert!(canonical_row(&cols, json!({"id": 1})).is_err());
    }

    fn refs(pairs: &[(&str, &[&str])]) -> BTreeMap<String, BTreeSet<String>> {
        pairs.iter().map(|(t, r)| (t.to_string(), r.iter().map(|s| s.to_string()).collect())).collect()
    }

    #[test]
    fn tables_load_after_what_they_reference() {
        let order = load_order(&refs(&[
            ("users", &["organisations", "departments"]),
            ("departments", &["organisations"]),
            ("organisations", &["organisations"]),
            ("audit_heads", &["organisations"]),
            ("measures", &["users", "problems"]),
            ("problems", &["users"]),
        ]))
        .unwrap();
        assert_eq!(order, ["organisations", "audit_heads", "departments", "users", "problems", "measures"]);
        let err = load_order(&refs(&[("a", &["b"]), ("b", &["a"]), ("c", &[])])).unwrap_err();
        assert!(err.contains("a, b"), "{err}");
    }

    #[test]
    fn parents_are_inserted_before_their_children() {
        let rows = vec![json!([3, 1]), json!([1, null]), json!([2, 3]), json!([4, null]), json!([5, 99])];
        let rows: Vec<Vec<Value>> = rows.into_iter().map(|r| r.as_array().unwrap().clone()).collect();
        let ids: Vec<i64> = parents_first(rows, 0, 1).unwrap().iter().map(|r| r[0].as_i64().unwrap()).collect();
        assert_eq!(ids, [1, 3, 2, 4, 5], "a parent missing from the rows is left to the database to refuse");
        let cycle = vec![vec![json!(1), json!(2)], vec![json!(2), json!(1)]];
        assert!(parents_first(cycle, 0, 1).unwrap_err().contains("cycle"));
    }

    #[test]
    fn a_backup_loads_at_its_own_schema() {
        let v = |s: &[&str]| s.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let known = v(&["1", "2", "3"]);
        assert_eq!(migrations_to_load_at(&v(&["1", "2", "3"]), &known, &[]), Ok(3));
        assert_eq!(migrations_to_load_at(&v(&["1", "2"]), &known, &v(&["1"])), Ok(2), "an older backup, the rest after loading");
        assert!(migrations_to_load_at(&v(&["1", "2", "3", "4"]), &known, &[]).unwrap_err().contains("newer version"));
        assert!(migrations_to_load_at(&v(&["1", "9"]), &known, &[]).unwrap_err().contains("9 where this version has 2"));
        assert!(migrations_to_load_at(&v(&["1", "2"]), &known, &known).unwrap_err().contains("not been migrated"));
    }

    #[test]
    fn keys_are_those_the_server_makes() {
        assert!(check_key("evidence/2/0f3a9c1e2b4d5f60718293a4b5c6d7e8").is_ok());
        for bad in ["", "/etc/passwd", "evidence/../../x", "evidence//x", "evidence/2/a b", "evidence/2/%2e%2e", "./x"] {
            assert!(check_key(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn objects_must_match_the_rows_that_record_them() {
        let o = |k: &str, sha: &str| ObjectEntry { key: k.into(), size: 3, sha256: sha.into() };
        assert!(check_objects(&[o("a", "1"), o("b", "2")], &[o("b", "2"), o("a", "1")]).is_ok());
        assert!(check_objects(&[o("a", "1")], &[o("a", "9")]).unwrap_err().contains("object a"));
        assert!(check_objects(&[o("a", "1"), o("b", "2")], &[o("a", "1")]).unwrap_err().contains("no evidence_files row"));
    }

    #[test]
    fn only_rectify_backups_of_a_known_version_are_read() {
        let m = Manifest {
            format: FORMAT.into(),
            format_version: FORMAT_VERSION,
            rectify_version: "0.1.0".into(),
            source_backend: "sqlite".into(),
            created_at: "2021-09-15T08:30:00Z".into(),
            migrations: vec!["20261127000001".into()],
            tables: vec![],
            objects: vec![ObjectEntry { key: "evidence/2/ab".into(), size: 1, sha256: "00".into() }],
        };
        let bytes = serde_json::to_vec(&m).unwrap();
        assert_eq!(Manifest::parse(&bytes).unwrap(), m);
        let other = |f: &dyn Fn(&mut Manifest)| {
            let mut x = m.clone();
            f(&mut x);
            Manifest::parse(&serde_json::to_vec(&x).unwrap()).unwrap_err()
        };
        assert!(other(&|x| x.format = "zip".into()).contains("not a Rectify backup"));
        assert!(other(&|x| x.format_version = 2).contains("version 2"));
        assert!(other(&|x| x.objects[0].key = "../x".into()).contains("not one the server makes"));
        assert!(Manifest::parse(b"{").unwrap_err().contains("not readable"));
    }
}
