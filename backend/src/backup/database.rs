//! What backups need from a database, on SQLite and PostgreSQL alike: its tables, columns, keys
//! and sequences read from its own catalog (so a table a later migration adds is backed up
//! without anyone remembering to list it), every row in the backup's encoding, and loading rows.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use diesel::connection::DefaultLoadingMode;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Date, Integer, Nullable, Text, Timestamp};
use serde_json::Value;

use super::format::{self, Column, ColumnType, TableDigest};
use super::Error;
use crate::db::{DbConn, MultiBackend};

/// How a column's values are bound when rows are loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bind {
    Int4,
    Int8,
    Text,
    Bool,
    Timestamp,
    Date,
}

#[derive(Debug, Clone)]
pub struct CatalogColumn {
    pub column: Column,
    bind: Bind,
}

#[derive(Debug, Clone)]
pub struct Table {
    pub name: String,
    pub columns: Vec<CatalogColumn>,
    pub primary_key: Vec<String>,
    /// Tables its foreign keys reference.
    pub references: BTreeSet<String>,
    /// A column referencing the table's own single-column key (an organisation's parent).
    pub parent_column: Option<String>,
    /// The table's ids come from a sequence (AUTOINCREMENT / an identity column).
    pub has_sequence: bool,
}

impl Table {
    pub fn column(&self, name: &str) -> Option<&CatalogColumn> {
        self.columns.iter().find(|c| c.column.name == name)
    }

    pub fn plain_columns(&self) -> Vec<Column> {
        self.columns.iter().map(|c| c.column.clone()).collect()
    }
}

pub struct Catalog {
    pub tables: BTreeMap<String, Table>,
    /// Referenced tables first.
    pub order: Vec<String>,
}

#[derive(QueryableByName)]
struct NameRow {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct SqliteTableRow {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    sql: String,
}

#[derive(QueryableByName)]
struct ColumnRow {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    declared: String,
    #[diesel(sql_type = Bool)]
    not_null: bool,
}

#[derive(QueryableByName)]
struct ForeignKeyRow {
    #[diesel(sql_type = Text)]
    target: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Nullable<Text>)]
    target_column: Option<String>,
}

#[derive(QueryableByName)]
struct OptionalText {
    #[diesel(sql_type = Nullable<Text>)]
    value: Option<String>,
}

#[derive(QueryableByName)]
struct OptionalNumber {
    #[diesel(sql_type = Nullable<BigInt>)]
    value: Option<i64>,
}

#[derive(QueryableByName)]
struct JsonRow {
    #[diesel(sql_type = Text)]
    row: String,
}

/// `"name"`, safe for any name (names come from the database's own catalog anyway).
pub fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn is_pg(conn: &DbConn) -> bool {
    matches!(conn, DbConn::Pg(_))
}

/// The database's tables (diesel's bookkeeping left out) with everything a backup needs.
pub fn catalog(conn: &mut DbConn) -> Result<Catalog, Error> {
    let names: Vec<(String, bool)> = match conn {
        DbConn::Sqlite(c) => diesel::sql_query(
            "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite^_%' ESCAPE '^' \
             AND name NOT LIKE '^_^_diesel%' ESCAPE '^' ORDER BY name",
        )
        .load::<SqliteTableRow>(c)?
        .into_iter()
        .map(|t| (t.name, t.sql.to_ascii_uppercase().contains("AUTOINCREMENT")))
        .collect(),
        DbConn::Pg(c) => diesel::sql_query(
            "SELECT table_name::text AS name FROM information_schema.tables WHERE table_schema = current_schema() \
             AND table_type = 'BASE TABLE' AND table_name NOT LIKE '^_^_diesel%' ESCAPE '^' ORDER BY table_name",
        )
        .load::<NameRow>(c)?
        .into_iter()
        .map(|t| (t.name, false))
        .collect(),
    };
    let mut tables = BTreeMap::new();
    for (name, autoincrement) in names {
        let table = describe(conn, &name, autoincrement)?;
        tables.insert(name, table);
    }
    let references = tables.values().map(|t| (t.name.clone(), t.references.clone())).collect();
    let order = format::load_order(&references).map_err(Error::Failed)?;
    Ok(Catalog { tables, order })
}

fn describe(conn: &mut DbConn, name: &str, autoincrement: bool) -> Result<Table, Error> {
    let (columns, primary_key, foreign_keys) = match conn {
        DbConn::Sqlite(c) => (
            diesel::sql_query("SELECT name, type AS declared, \"notnull\" <> 0 AS not_null FROM pragma_table_info(?) ORDER BY cid")
                .bind::<Text, _>(name)
                .load::<ColumnRow>(c)?,
            diesel::sql_query("SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk").bind::<Text, _>(name).load::<NameRow>(c)?,
            diesel::sql_query(
                "SELECT \"table\" AS target, \"from\" AS column_name, \"to\" AS target_column FROM pragma_foreign_key_list(?)",
            )
            .bind::<Text, _>(name)
            .load::<ForeignKeyRow>(c)?,
        ),
        DbConn::Pg(c) => (
            diesel::sql_query(
                "SELECT column_name::text AS name, data_type::text AS declared, is_nullable = 'NO' AS not_null \
                 FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
            )
            .bind::<Text, _>(name)
            .load::<ColumnRow>(c)?,
            diesel::sql_query(
                "SELECT a.attname::text AS name FROM pg_index i \
                 JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) \
                 WHERE i.indrelid = to_regclass(quote_ident($1)) AND i.indisprimary \
                 ORDER BY array_position(i.indkey::int2[], a.attnum)",
            )
            .bind::<Text, _>(name)
            .load::<NameRow>(c)?,
            diesel::sql_query(
                "SELECT rf.relname::text AS target, a.attname::text AS column_name, af.attname::text AS target_column \
                 FROM pg_constraint k JOIN pg_class rf ON rf.oid = k.confrelid \
                 JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1] \
                 JOIN pg_attribute af ON af.attrelid = k.confrelid AND af.attnum = k.confkey[1] \
                 WHERE k.contype = 'f' AND k.conrelid = to_regclass(quote_ident($1))",
            )
            .bind::<Text, _>(name)
            .load::<ForeignKeyRow>(c)?,
        ),
    };
    let pg = is_pg(conn);
    let columns = columns
        .into_iter()
        .map(|c| {
            let ty = ColumnType::from_sql(&c.declared)
                .ok_or_else(|| Error::Failed(format!("column {name}.{} has type {}, which backups do not know", c.name, c.declared)))?;
            let bind = match ty {
                ColumnType::Integer if pg && c.declared != "bigint" => Bind::Int4,
                ColumnType::Integer => Bind::Int8,
                ColumnType::Text => Bind::Text,
                ColumnType::Boolean => Bind::Bool,
                ColumnType::Timestamp => Bind::Timestamp,
                ColumnType::Date => Bind::Date,
            };
            Ok(CatalogColumn { column: Column { name: c.name, ty, nullable: !c.not_null }, bind })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    let primary_key: Vec<String> = primary_key.into_iter().map(|k| k.name).collect();
    let parent_column = match primary_key.as_slice() {
        [key] => foreign_keys
            .iter()
            .find(|f| f.target == name && f.target_column.as_deref().unwrap_or(key) == key)
            .map(|f| f.column_name.clone()),
        _ => None,
    };
    let has_sequence = match conn {
        DbConn::Sqlite(_) => autoincrement,
        DbConn::Pg(_) => sequence_of(conn, name, &primary_key)?.is_some(),
    };
    Ok(Table {
        name: name.to_string(),
        columns,
        primary_key,
        references: foreign_keys.into_iter().map(|f| f.target).collect(),
        parent_column,
        has_sequence,
    })
}

/// PostgreSQL: the sequence behind a table's single-column key, if any.
fn sequence_of(conn: &mut DbConn, table: &str, key: &[String]) -> Result<Option<String>, Error> {
    let (DbConn::Pg(c), [key]) = (conn, key) else { return Ok(None) };
    Ok(diesel::sql_query("SELECT pg_get_serial_sequence(quote_ident($1), $2) AS value")
        .bind::<Text, _>(table)
        .bind::<Text, _>(key)
        .get_result::<OptionalText>(c)?
        .value)
}

/// The versions of the migrations applied, read as a query (diesel's own reader would create
/// its table, which a read-only snapshot may not); none for a database never migrated.
pub fn applied_migrations(conn: &mut DbConn) -> Result<Vec<String>, Error> {
    let exists = match conn {
        DbConn::Sqlite(c) => diesel::sql_query("SELECT name AS value FROM sqlite_master WHERE name = '__diesel_schema_migrations'")
            .get_result::<OptionalText>(c)
            .optional()?
            .is_some(),
        DbConn::Pg(c) => diesel::sql_query("SELECT to_regclass('__diesel_schema_migrations')::text AS value")
            .get_result::<OptionalText>(c)?
            .value
            .is_some(),
    };
    if !exists {
        return Ok(Vec::new());
    }
    let versions = diesel::sql_query("SELECT version AS name FROM __diesel_schema_migrations ORDER BY version").load::<NameRow>(conn)?;
    Ok(versions.into_iter().map(|v| v.name).collect())
}

/// The last id a table's sequence handed out.
pub fn last_id(conn: &mut DbConn, table: &Table) -> Result<Option<i64>, Error> {
    if !table.has_sequence {
        return Ok(None);
    }
    let value = match conn {
        DbConn::Sqlite(c) => diesel::sql_query("SELECT seq AS value FROM sqlite_sequence WHERE name = ?")
            .bind::<Text, _>(&table.name)
            .get_result::<OptionalNumber>(c)
            .optional()?
            .and_then(|r| r.value),
        DbConn::Pg(_) => {
            let seq =
                sequence_of(conn, &table.name, &table.primary_key)?.ok_or_else(|| Error::Failed(format!("{}: no sequence", table.name)))?;
            let DbConn::Pg(c) = conn else { unreachable!() };
            // `seq` comes from pg_get_serial_sequence, already quoted as an identifier.
            diesel::sql_query(format!("SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END AS value FROM {seq}"))
                .get_result::<OptionalNumber>(c)?
                .value
        }
    };
    Ok(Some(value.unwrap_or(0)))
}

/// Moves a table's sequence on to at least `last_id`, so new rows get ids never used before.
pub fn set_last_id(conn: &mut DbConn, table: &Table, last_id: i64) -> Result<(), Error> {
    if !table.has_sequence {
        return Ok(());
    }
    let key = &table.primary_key[0];
    let max: Option<i64> = diesel::sql_query(format!("SELECT MAX({}) AS value FROM {}", quote(key), quote(&table.name)))
        .get_result::<OptionalNumber>(conn)?
        .value;
    let last = last_id.max(max.unwrap_or(0));
    match conn {
        DbConn::Sqlite(c) => {
            let updated = diesel::sql_query("UPDATE sqlite_sequence SET seq = MAX(seq, ?) WHERE name = ?")
                .bind::<BigInt, _>(last)
                .bind::<Text, _>(&table.name)
                .execute(c)?;
            if updated == 0 && last > 0 {
                diesel::sql_query("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)")
                    .bind::<Text, _>(&table.name)
                    .bind::<BigInt, _>(last)
                    .execute(c)?;
            }
        }
        DbConn::Pg(c) => {
            diesel::sql_query("SELECT setval(pg_get_serial_sequence(quote_ident($1), $2), GREATEST($3, 1), $3 > 0)::text AS value")
                .bind::<Text, _>(&table.name)
                .bind::<Text, _>(key)
                .bind::<BigInt, _>(last)
                .get_result::<OptionalText>(c)?;
        }
    }
    Ok(())
}

/// Rows of each table that holds any.
pub fn row_counts(conn: &mut DbConn, catalog: &Catalog) -> Result<Vec<(String, i64)>, Error> {
    let mut counts = Vec::new();
    for name in &catalog.order {
        let n: Option<i64> =
            diesel::sql_query(format!("SELECT COUNT(*) AS value FROM {}", quote(name))).get_result::<OptionalNumber>(conn)?.value;
        if let Some(n) = n.filter(|n| *n > 0) {
            counts.push((name.clone(), n));
        }
    }
    Ok(counts)
}

pub fn delete_all(conn: &mut DbConn, table: &str) -> Result<(), Error> {
    diesel::sql_query(format!("DELETE FROM {}", quote(table))).execute(conn)?;
    Ok(())
}

/// Calls `each` with every row of `table` in the backup's encoding, `columns` in that order,
/// rows by primary key (byte order for text, as on both databases alike).
pub fn read_rows(
    conn: &mut DbConn,
    table: &Table,
    columns: &[Column],
    each: &mut dyn FnMut(Vec<Value>) -> Result<(), Error>,
) -> Result<(), Error> {
    let pg = is_pg(conn);
    let list: Vec<String> = columns.iter().map(|c| quote(&c.name)).collect();
    let keys = if table.primary_key.is_empty() { columns.iter().map(|c| c.name.clone()).collect() } else { table.primary_key.clone() };
    let order: Vec<String> = keys
        .iter()
        .map(|k| match table.column(k).map(|c| c.column.ty) {
            Some(ColumnType::Text) if pg => format!("{} COLLATE \"C\"", quote(k)),
            _ => quote(k),
        })
        .collect();
    let sql = if pg {
        format!("SELECT json_build_array({})::text AS row FROM {} ORDER BY {}", list.join(", "), quote(&table.name), order.join(", "))
    } else {
        format!("SELECT json_array({}) AS row FROM {} ORDER BY {}", list.join(", "), quote(&table.name), order.join(", "))
    };
    for row in diesel::sql_query(sql).load_iter::<JsonRow, DefaultLoadingMode>(conn)? {
        let row: Value = serde_json::from_str(&row?.row).map_err(|e| Error::Failed(format!("{}: {e}", table.name)))?;
        each(format::canonical_row(columns, row).map_err(|e| Error::Failed(format!("table {}: {e}", table.name)))?)?;
    }
    Ok(())
}

/// The rows of a table as the backup would hold them: their count and SHA-256.
pub fn digest(conn: &mut DbConn, table: &Table, columns: &[Column]) -> Result<(u64, String), Error> {
    let mut digest = TableDigest::default();
    read_rows(conn, table, columns, &mut |row| {
        digest.line(&row);
        Ok(())
    })?;
    Ok(digest.finish())
}

/// A value in the backup's encoding, ready to bind to a column of `bind`'s type.
fn bind_value<'f>(
    q: diesel::query_builder::BoxedSqlQuery<'f, MultiBackend, diesel::query_builder::SqlQuery>,
    c: &CatalogColumn,
    v: &Value,
) -> Result<diesel::query_builder::BoxedSqlQuery<'f, MultiBackend, diesel::query_builder::SqlQuery>, String> {
    let name = &c.column.name;
    let bad = || format!("column {name} cannot hold {v}");
    if v.is_null() {
        if !c.column.nullable {
            return Err(format!("column {name} may not be NULL"));
        }
    } else if format::canonical(&c.column, v.clone()).as_ref() != Ok(v) {
        return Err(bad());
    }
    let text = || v.as_str().map(str::to_string);
    Ok(match c.bind {
        Bind::Int8 => q.bind::<Nullable<BigInt>, _>(v.as_i64()),
        Bind::Int4 => q.bind::<Nullable<Integer>, _>(v.as_i64().map(i32::try_from).transpose().map_err(|_| bad())?),
        Bind::Text => q.bind::<Nullable<Text>, _>(text()),
        Bind::Bool => q.bind::<Nullable<Bool>, _>(v.as_bool()),
        Bind::Timestamp => q.bind::<Nullable<Timestamp>, _>(v.as_str().and_then(format::parse_time)),
        Bind::Date => q.bind::<Nullable<Date>, _>(v.as_str().and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())),
    })
}

fn placeholders(pg: bool, first: usize, n: usize) -> String {
    let marks: Vec<String> = (first..first + n).map(|i| if pg { format!("${i}") } else { "?".into() }).collect();
    format!("({})", marks.join(", "))
}

/// The table's columns named by `columns`, in that order.
fn targets<'t>(table: &'t Table, columns: &[Column]) -> Result<Vec<&'t CatalogColumn>, Error> {
    columns.iter().map(|c| table.column(&c.name).ok_or_else(|| Error::Failed(format!("{}.{} is missing", table.name, c.name)))).collect()
}

/// Inserts rows (values in the order of `columns`, names of the table's columns) in batches.
pub fn insert_rows(conn: &mut DbConn, table: &Table, columns: &[Column], rows: &[Vec<Value>]) -> Result<(), Error> {
    let pg = is_pg(conn);
    let targets = targets(table, columns)?;
    let names: Vec<String> = columns.iter().map(|c| quote(&c.name)).collect();
    // Well below both databases' limits on bound parameters.
    let per_batch = (1000 / columns.len().max(1)).max(1);
    for batch in rows.chunks(per_batch) {
        let values: Vec<String> = (0..batch.len()).map(|i| placeholders(pg, i * columns.len() + 1, columns.len())).collect();
        let sql = format!("INSERT INTO {} ({}) VALUES {}", quote(&table.name), names.join(", "), values.join(", "));
        let mut q = diesel::sql_query(sql).into_boxed::<MultiBackend>();
        for row in batch {
            for (c, v) in targets.iter().zip(row) {
                q = bind_value(q, c, v).map_err(|e| Error::Damaged(format!("table {}: {e}", table.name)))?;
            }
        }
        q.execute(conn).map_err(|e| Error::Failed(format!("table {}: the rows do not go in: {e}", table.name)))?;
    }
    Ok(())
}

/// Writes rows' values over what the database holds for the same keys (undoing what triggers
/// did to rows loaded earlier).
pub fn overwrite_rows(conn: &mut DbConn, table: &Table, columns: &[Column], rows: &[Vec<Value>]) -> Result<(), Error> {
    let pg = is_pg(conn);
    let targets = targets(table, columns)?;
    let key_at: Vec<usize> = table
        .primary_key
        .iter()
        .map(|k| columns.iter().position(|c| &c.name == k))
        .collect::<Option<_>>()
        .ok_or_else(|| Error::Failed(format!("{}: the primary key is not among the columns", table.name)))?;
    let mark = |i: usize| if pg { format!("${i}") } else { "?".into() };
    let sets: Vec<String> = columns.iter().enumerate().map(|(i, c)| format!("{} = {}", quote(&c.name), mark(i + 1))).collect();
    let wheres: Vec<String> =
        table.primary_key.iter().enumerate().map(|(i, k)| format!("{} = {}", quote(k), mark(columns.len() + i + 1))).collect();
    let sql = format!("UPDATE {} SET {} WHERE {}", quote(&table.name), sets.join(", "), wheres.join(" AND "));
    for row in rows {
        let mut q = diesel::sql_query(sql.clone()).into_boxed::<MultiBackend>();
        for (c, v) in targets.iter().zip(row) {
            q = bind_value(q, c, v).map_err(|e| Error::Damaged(format!("table {}: {e}", table.name)))?;
        }
        for &i in &key_at {
            q = bind_value(q, targets[i], &row[i]).map_err(|e| Error::Damaged(format!("table {}: {e}", table.name)))?;
        }
        q.execute(conn)?;
    }
    Ok(())
}
