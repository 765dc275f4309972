//! Backups of a whole installation — every table and every evidence object — taken while the
//! server runs, restored into an empty instance, or copied straight into another database
//! (SQLite ↔ PostgreSQL) and storage.
//!
//! A backup reads the database inside one snapshot ([`db::snapshot`]), so it holds the state
//! after some commit and before the next, whatever is being written meanwhile; then it copies
//! the objects that snapshot's `evidence_files` rows record (objects are never rewritten, and
//! ones written later are not needed). A restore checks the file against its manifest as it
//! goes and writes nothing that does not match: the rows go in, in foreign-key order, in one
//! transaction, which is committed only after every table reads back exactly as it is in the
//! backup and every object is stored with its recorded size and SHA-256. The audit log's rows
//! are inserted as they are (its triggers refuse only updates and deletes), so its hash chains
//! stay byte-identical.

pub mod database;
pub mod format;
pub mod objects;

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use chrono::{Datelike, Timelike};
use serde_json::Value;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

use crate::config::{redact_url, Config};
use crate::db::{self, DbConn};
use database::Catalog;
use format::{Column, Manifest, ObjectEntry, TableDigest, TableManifest};
use objects::Objects;

/// Why a backup, restore or copy did not happen; each kind has its own exit status.
#[derive(Debug, PartialEq, Eq)]
pub enum Error {
    /// The target database already holds data.
    NotEmpty(String),
    /// The file is not a backup, or does not match its manifest.
    Damaged(String),
    /// The backup's schema cannot be loaded by this version into this database.
    Incompatible(String),
    Failed(String),
}

impl Error {
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Failed(_) => 1,
            Error::NotEmpty(_) => 3,
            Error::Damaged(_) => 4,
            Error::Incompatible(_) => 5,
        }
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::NotEmpty(m) | Error::Damaged(m) | Error::Incompatible(m) | Error::Failed(m) => f.write_str(m),
        }
    }
}

impl From<diesel::result::Error> for Error {
    fn from(e: diesel::result::Error) -> Self {
        Error::Failed(format!("database: {e}"))
    }
}

/// The table whose rows record the evidence objects.
const EVIDENCE_FILES: &str = "evidence_files";

/// Tables whose rows the schema's triggers change while later tables are loaded: inserting
/// measures (and their assignees and supporting departments) moves their organisation's
/// `ledger_revision` on. Their rows are written again once everything is in. (Rows that
/// triggers insert — an organisation's audit chain head — are replaced by the backup's.)
const MOVED_BY_TRIGGERS: &[&str] = &["organisations"];

/// What a backup, restore or copy moved.
#[derive(Debug, Default)]
pub struct Summary {
    pub tables: usize,
    pub rows: u64,
    pub objects: usize,
    pub bytes: u64,
    /// Migrations newer than the backup's schema, applied after loading it.
    pub later_migrations: usize,
}

impl Summary {
    fn of(manifest: &Manifest) -> Summary {
        Summary {
            tables: manifest.tables.len(),
            rows: manifest.tables.iter().map(|t| t.rows).sum(),
            objects: manifest.objects.len(),
            bytes: manifest.objects.iter().map(|o| o.size).sum(),
            later_migrations: 0,
        }
    }
}

fn connect(url: &str) -> Result<DbConn, Error> {
    use diesel::r2d2::ManageConnection;
    db::Manager::new(url).connect().map_err(|e| Error::Failed(format!("cannot open the database {}: {e}", redact_url(url))))
}

/// The object a row of `evidence_files` records.
fn recorded_object(columns: &[Column], row: &[Value]) -> Result<ObjectEntry, Error> {
    let field = |name: &str| {
        columns
            .iter()
            .position(|c| c.name == name)
            .map(|i| &row[i])
            .ok_or_else(|| Error::Failed(format!("{EVIDENCE_FILES} has no column {name}")))
    };
    let (key, size, sha256) = (field("object_key")?, field("size")?, field("sha256")?);
    let object = ObjectEntry {
        key: key.as_str().unwrap_or_default().to_string(),
        size: size.as_u64().ok_or_else(|| Error::Damaged(format!("{EVIDENCE_FILES}: size {size} is not a size")))?,
        sha256: sha256.as_str().unwrap_or_default().to_string(),
    };
    format::check_key(&object.key).map_err(|e| Error::Damaged(format!("{EVIDENCE_FILES}: {e}")))?;
    Ok(object)
}

fn write_failed(e: impl std::fmt::Display) -> Error {
    Error::Failed(format!("writing the backup: {e}"))
}

/// Writes a backup of the configured database and evidence storage to `path` (which must not
/// exist yet). The file appears only when complete.
pub fn backup(config: &Config, path: &Path) -> Result<Summary, Error> {
    if path.exists() {
        return Err(Error::Failed(format!("{} already exists; name a new file", path.display())));
    }
    let mut conn = connect(&config.database_url)?;
    let objects = Objects::open(config)?;
    let mut partial = path.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    let file = File::create(&partial).map_err(|e| Error::Failed(format!("{}: {e}", partial.display())))?;
    let written = write_backup(&mut conn, &objects, file)
        .and_then(|m| std::fs::rename(&partial, path).map(|()| m).map_err(|e| Error::Failed(format!("{}: {e}", path.display()))));
    match written {
        Ok(manifest) => Ok(Summary::of(&manifest)),
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            Err(e)
        }
    }
}

fn write_backup(conn: &mut DbConn, objects: &Objects, file: File) -> Result<Manifest, Error> {
    let mut zip = ZipWriter::new(BufWriter::new(file));
    // Entries carry the time of the backup (UTC), not the zip format's 1980 default.
    let now = chrono::Utc::now();
    let stamp = zip::DateTime::from_date_and_time(
        now.year() as u16,
        now.month() as u8,
        now.day() as u8,
        now.hour() as u8,
        now.minute() as u8,
        now.second() as u8,
    )
    .unwrap_or_default();
    let stamped = SimpleFileOptions::default().last_modified_time(stamp);
    let deflated = stamped.compression_method(CompressionMethod::Deflated);
    let manifest = db::snapshot(conn, |conn| {
        let catalog = database::catalog(conn)?;
        let mut manifest = describe(conn, &catalog)?;
        for t in &mut manifest.tables {
            zip.start_file(format::table_entry(&t.name), deflated).map_err(write_failed)?;
            let mut digest = TableDigest::default();
            let is_files = t.name == EVIDENCE_FILES;
            database::read_rows(conn, &catalog.tables[&t.name], &t.columns, &mut |row| {
                if is_files {
                    manifest.objects.push(recorded_object(&t.columns, &row)?);
                }
                zip.write_all(&digest.line(&row)).map_err(write_failed)
            })?;
            (t.rows, t.sha256) = digest.finish();
        }
        Ok::<_, Error>(manifest)
    })?;
    // Outside the snapshot: the objects it records stay as they are.
    for o in &manifest.objects {
        // Evidence is mostly compressed already (PDF, JPEG, DOCX): stored as it is.
        let options = stamped.compression_method(CompressionMethod::Stored).large_file(o.size >= u32::MAX as u64);
        zip.start_file(format::object_entry(&o.key), options).map_err(write_failed)?;
        let missing = || Error::Failed(format!("object {} is missing from the evidence storage (see `rectify evidence verify`)", o.key));
        let mut reader = objects.reader(&o.key)?.ok_or_else(missing)?;
        let (size, sha256) = objects::copy_hashed(&mut reader, &mut zip).map_err(|e| Error::Failed(format!("object {}: {e}", o.key)))?;
        if size != o.size || sha256 != o.sha256 {
            return Err(Error::Failed(format!(
                "object {} has been altered: {size} bytes with sha256 {sha256} where {} bytes with sha256 {} were recorded \
                 (see `rectify evidence verify`)",
                o.key, o.size, o.sha256
            )));
        }
    }
    zip.start_file(format::MANIFEST, deflated).map_err(write_failed)?;
    serde_json::to_writer_pretty(&mut zip, &manifest).map_err(write_failed)?;
    let file = zip.finish().map_err(write_failed)?.into_inner().map_err(|e| write_failed(e.error()))?;
    file.sync_all().map_err(write_failed)?;
    Ok(manifest)
}

/// The manifest of a database as it is, before its rows are read (counts and hashes empty).
fn describe(conn: &mut DbConn, catalog: &Catalog) -> Result<Manifest, Error> {
    let migrations = database::applied_migrations(conn)?;
    if migrations.is_empty() {
        return Err(Error::Failed("the database has never been migrated: there is no installation to back up".into()));
    }
    let mut tables = Vec::new();
    for name in &catalog.order {
        let t = &catalog.tables[name];
        tables.push(TableManifest {
            name: name.clone(),
            columns: t.plain_columns(),
            primary_key: t.primary_key.clone(),
            rows: 0,
            sha256: String::new(),
            last_id: database::last_id(conn, t)?,
        });
    }
    Ok(Manifest {
        format: format::FORMAT.into(),
        format_version: format::FORMAT_VERSION,
        rectify_version: env!("CARGO_PKG_VERSION").into(),
        source_backend: match db::backend(conn) {
            db::Backend::Sqlite => "sqlite".into(),
            db::Backend::Postgres => "postgres".into(),
        },
        created_at: chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        migrations,
        tables,
        objects: Vec::new(),
    })
}

/// Where the rows and objects being loaded come from.
trait Source {
    /// Calls `each` with every row of the table, values in the order of its columns.
    fn rows(&mut self, table: &TableManifest, each: &mut dyn FnMut(Vec<Value>) -> Result<(), Error>) -> Result<(), Error>;
    /// Puts the object into `target`, refusing it unless it is exactly the object.
    fn copy_object(&mut self, object: &ObjectEntry, target: &Objects) -> Result<(), Error>;
}

/// A backup file.
struct Archive {
    zip: ZipArchive<BufReader<File>>,
}

/// Longest line a table's entry may have (a row); a damaged file cannot exhaust memory.
const MAX_LINE: u64 = 64 << 20;

impl Source for Archive {
    fn rows(&mut self, table: &TableManifest, each: &mut dyn FnMut(Vec<Value>) -> Result<(), Error>) -> Result<(), Error> {
        let name = &table.name;
        let entry =
            self.zip.by_name(&format::table_entry(name)).map_err(|_| Error::Damaged(format!("table {name} is missing from the backup")))?;
        let mut reader = BufReader::new(entry);
        let mut line = Vec::new();
        for n in 1.. {
            line.clear();
            let read =
                (&mut reader).take(MAX_LINE).read_until(b'\n', &mut line).map_err(|e| Error::Damaged(format!("table {name}: {e}")))?;
            if read == 0 {
                return Ok(());
            }
            let damaged = |e: String| Error::Damaged(format!("table {name}, row {n}: {e}"));
            let row: Value = serde_json::from_slice(&line).map_err(|e| damaged(e.to_string()))?;
            each(format::canonical_row(&table.columns, row).map_err(damaged)?)?;
        }
        Ok(())
    }

    fn copy_object(&mut self, object: &ObjectEntry, target: &Objects) -> Result<(), Error> {
        let mut entry = self
            .zip
            .by_name(&format::object_entry(&object.key))
            .map_err(|_| Error::Damaged(format!("object {} is missing from the backup", object.key)))?;
        target.write_checked(object, &mut entry)
    }
}

/// A database being read inside a snapshot, and its evidence storage.
struct Live<'a> {
    conn: &'a mut DbConn,
    catalog: &'a Catalog,
    objects: &'a Objects,
    /// The target uses the same storage: objects stay where they are.
    same_storage: bool,
}

impl Source for Live<'_> {
    fn rows(&mut self, table: &TableManifest, each: &mut dyn FnMut(Vec<Value>) -> Result<(), Error>) -> Result<(), Error> {
        database::read_rows(self.conn, &self.catalog.tables[&table.name], &table.columns, each)
    }

    fn copy_object(&mut self, object: &ObjectEntry, target: &Objects) -> Result<(), Error> {
        let missing =
            || Error::Failed(format!("object {} is missing from the evidence storage (see `rectify evidence verify`)", object.key));
        if self.same_storage {
            return match target.size(&object.key)? {
                Some(size) if size == object.size => Ok(()),
                Some(size) => Err(Error::Failed(format!("object {} has {size} bytes where {} were recorded", object.key, object.size))),
                None => Err(missing()),
            };
        }
        let mut reader = self.objects.reader(&object.key)?.ok_or_else(missing)?;
        target.write_checked(object, &mut reader)
    }
}

/// Restores the backup in `path` into the configured database, which must be empty, and the
/// configured evidence storage.
pub fn restore(config: &Config, path: &Path) -> Result<(Manifest, Summary), Error> {
    let file = File::open(path).map_err(|e| Error::Failed(format!("{}: {e}", path.display())))?;
    let mut zip =
        ZipArchive::new(BufReader::new(file)).map_err(|e| Error::Damaged(format!("{} is not a backup file: {e}", path.display())))?;
    let mut bytes = Vec::new();
    zip.by_name(format::MANIFEST)
        .map_err(|_| Error::Damaged(format!("{} has no manifest; it is not a Rectify backup", path.display())))?
        .take(MAX_LINE)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::Damaged(format!("the manifest: {e}")))?;
    let mut manifest = Manifest::parse(&bytes).map_err(Error::Damaged)?;
    let mut conn = connect(&config.database_url)?;
    let objects = Objects::open(config)?;
    let later_migrations = load_into(&mut conn, &objects, &mut manifest, &mut Archive { zip }, true)?;
    let summary = Summary { later_migrations, ..Summary::of(&manifest) };
    Ok((manifest, summary))
}

/// Copies the configured installation into `target`'s database, which must be empty, and its
/// evidence storage (or leaves the objects where they are with `same_storage`).
pub fn copy(config: &Config, target: &Config, same_storage: bool) -> Result<Summary, Error> {
    let mut source = connect(&config.database_url)?;
    let mut target_conn = connect(&target.database_url)?;
    let source_objects = Objects::open(config)?;
    let target_objects = if same_storage { None } else { Some(Objects::open(target)?) };
    db::snapshot(&mut source, |conn| {
        let catalog = database::catalog(conn)?;
        let mut manifest = describe(conn, &catalog)?;
        let mut live = Live { conn, catalog: &catalog, objects: &source_objects, same_storage };
        let later_migrations =
            load_into(&mut target_conn, target_objects.as_ref().unwrap_or(&source_objects), &mut manifest, &mut live, false)?;
        Ok(Summary { later_migrations, ..Summary::of(&manifest) })
    })
}

/// Loads rows and objects into an empty database; returns how many migrations newer than the
/// backup's schema were applied afterwards. From a file, every table and object must match the
/// manifest; from a live database (`from_file` false) the manifest's counts, hashes and objects
/// are filled in from what was loaded.
fn load_into(
    conn: &mut DbConn,
    objects: &Objects,
    manifest: &mut Manifest,
    source: &mut dyn Source,
    from_file: bool,
) -> Result<usize, Error> {
    // An empty database (checked before anything is done to it), at the backup's schema.
    let existing = database::catalog(conn)?;
    let held = database::row_counts(conn, &existing)?;
    if !held.is_empty() {
        let some: Vec<String> = held.iter().take(3).map(|(t, n)| format!("{t}: {n} rows")).collect();
        let more = if held.len() > 3 { format!(" and {} more tables", held.len() - 3) } else { String::new() };
        return Err(Error::NotEmpty(format!(
            "the target database is not empty ({}{more}); restore only into a new, empty database",
            some.join(", ")
        )));
    }
    let known = db::known_migrations(conn).map_err(Error::Failed)?;
    let applied = db::applied_migrations(conn).map_err(Error::Failed)?;
    let at = format::migrations_to_load_at(&manifest.migrations, &known, &applied).map_err(Error::Incompatible)?;
    db::migrate_until(conn, at).map_err(Error::Failed)?;
    let catalog = database::catalog(conn)?;
    check_schema(manifest, &catalog)?;

    let mut created: Vec<String> = Vec::new();
    let loaded = db::transaction(conn, |conn| {
        let mut recorded = Vec::new();
        let mut kept: BTreeMap<String, Vec<Vec<Value>>> = BTreeMap::new();
        let mut digests = BTreeMap::new();
        for name in &catalog.order {
            let table = &catalog.tables[name];
            let m = manifest.table(name).expect("checked by check_schema");
            let (rows, sha256) = load_table(conn, table, m, source, &mut recorded, &mut kept)?;
            if from_file && (rows, sha256.as_str()) != (m.rows, m.sha256.as_str()) {
                return Err(Error::Damaged(format!(
                    "table {name} does not match the manifest: {rows} rows with sha256 {sha256}, where the manifest records {} rows with sha256 {}",
                    m.rows, m.sha256
                )));
            }
            digests.insert(name.clone(), (rows, sha256));
        }
        for (name, rows) in &kept {
            database::overwrite_rows(conn, &catalog.tables[name], &manifest.table(name).expect("checked").columns, rows)?;
        }
        // Every table must read back exactly as it was loaded.
        for name in &catalog.order {
            let m = manifest.table(name).expect("checked by check_schema");
            if database::digest(conn, &catalog.tables[name], &m.columns)? != digests[name] {
                return Err(Error::Failed(format!(
                    "table {name} does not read back as it was loaded (changed by a trigger?); nothing was restored"
                )));
            }
            database::set_last_id(conn, &catalog.tables[name], m.last_id.unwrap_or(0))?;
        }
        if from_file {
            format::check_objects(&manifest.objects, &recorded).map_err(Error::Damaged)?;
        } else {
            manifest.objects = recorded;
            for t in &mut manifest.tables {
                (t.rows, t.sha256) = digests[&t.name].clone();
            }
        }
        // The objects before the commit, so that no committed row records a missing object.
        for o in &manifest.objects {
            let existed = objects.size(&o.key)?.is_some();
            source.copy_object(o, objects)?;
            if !existed {
                created.push(o.key.clone());
            }
        }
        Ok(())
    });
    if let Err(e) = loaded {
        for key in &created {
            let _ = objects.delete(key);
        }
        return Err(e);
    }
    // Migrations newer than the backup, then fresh planner statistics for the new data.
    let later = db::migrate(conn).map_err(Error::Failed)?;
    db::analyze(conn, true).map_err(Error::Failed)?;
    Ok(later)
}

/// Loads one table's rows (after removing any that triggers made while earlier tables were
/// loaded: the backup holds them as they were); returns their count and SHA-256. Notes the
/// objects `evidence_files` records, and keeps the rows of tables that triggers move on.
fn load_table(
    conn: &mut DbConn,
    table: &database::Table,
    m: &TableManifest,
    source: &mut dyn Source,
    recorded: &mut Vec<ObjectEntry>,
    kept: &mut BTreeMap<String, Vec<Vec<Value>>>,
) -> Result<(u64, String), Error> {
    database::delete_all(conn, &table.name)?;
    let keep = MOVED_BY_TRIGGERS.contains(&table.name.as_str());
    // A table referencing itself is loaded whole, parents first; the others in batches.
    let whole = table.parent_column.is_some() || keep;
    let mut digest = TableDigest::default();
    let mut rows = Vec::new();
    source.rows(m, &mut |row| {
        digest.line(&row);
        if table.name == EVIDENCE_FILES {
            recorded.push(recorded_object(&m.columns, &row)?);
        }
        rows.push(row);
        if !whole && rows.len() >= 500 {
            database::insert_rows(conn, table, &m.columns, &rows)?;
            rows.clear();
        }
        Ok(())
    })?;
    if let Some(parent) = &table.parent_column {
        let at = |c: &str| m.columns.iter().position(|x| x.name == c).expect("checked by check_schema");
        rows = format::parents_first(rows, at(&table.primary_key[0]), at(parent))
            .map_err(|e| Error::Damaged(format!("table {}: {e}", table.name)))?;
    }
    database::insert_rows(conn, table, &m.columns, &rows)?;
    if keep {
        kept.insert(table.name.clone(), rows);
    }
    Ok(digest.finish())
}

/// The database (at the backup's schema) must have the backup's tables and columns.
fn check_schema(manifest: &Manifest, catalog: &Catalog) -> Result<(), Error> {
    for name in catalog.tables.keys() {
        if manifest.table(name).is_none() {
            return Err(Error::Incompatible(format!("the backup has no table {name}")));
        }
    }
    for m in &manifest.tables {
        let table = catalog.tables.get(&m.name).ok_or_else(|| Error::Incompatible(format!("the database has no table {}", m.name)))?;
        let mut theirs: Vec<(&str, format::ColumnType)> = m.columns.iter().map(|c| (c.name.as_str(), c.ty)).collect();
        let mut ours: Vec<(&str, format::ColumnType)> = table.columns.iter().map(|c| (c.column.name.as_str(), c.column.ty)).collect();
        theirs.sort();
        ours.sort();
        if theirs != ours {
            return Err(Error::Incompatible(format!("table {} has other columns in the backup than in the database", m.name)));
        }
    }
    Ok(())
}
