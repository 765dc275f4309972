//! Workbooks (.xlsx, .xls) and CSV text to tables of cell texts, merged ranges kept apart.

use std::io::Cursor;
use std::panic::{catch_unwind, AssertUnwindSafe};

use calamine::{Data, DataRef, Dimensions, ExcelDateTime, Reader, SheetType, SheetVisible, Xls, Xlsx};
use chrono::{NaiveDate, NaiveTime};

use super::super::{InputFormat, Merge, Table};
use crate::error::{AppError, AppResult};

/// Rows of data a file may hold, over all its sheets: a county's 台账 has a few thousand.
pub const MAX_ROWS: usize = 200_000;
/// Columns a sheet may use: a 台账 has a dozen or two.
pub const MAX_COLUMNS: usize = 100;
/// What an .xlsx file may unpack to: the product's own export of a 14,000-row 台账 unpacks to
/// 15 MiB, so [`MAX_ROWS`] rows to about 220 MiB. Some parts are read whole (the shared
/// strings), and the unpacker holds each part to the size it states.
const MAX_UNPACKED: u64 = 256 << 20;

/// The visible, non-empty worksheets of a workbook, in order. Dates read as `YYYY-MM-DD`
/// (`YYYY-MM-DD HH:MM` with a time of day), whole numbers without a decimal point.
pub fn read_sheets(bytes: &[u8], format: InputFormat) -> AppResult<Vec<Table>> {
    let read: fn(&[u8]) -> AppResult<Vec<Table>> = match format {
        InputFormat::Xlsx => read_xlsx,
        InputFormat::Xls => read_xls,
        _ => return Err(AppError::field("/file", "unsupported_format", "not an Excel workbook")),
    };
    // The workbook parser walks untrusted bytes: should it ever panic, the upload is as
    // unreadable as any other damaged file, not a server error.
    catch_unwind(AssertUnwindSafe(|| read(bytes))).unwrap_or_else(|_| Err(unreadable("the workbook is damaged")))
}

fn unreadable(cause: impl std::fmt::Display) -> AppError {
    AppError::field("/file", "unreadable_workbook", format!("the workbook cannot be read: {cause}"))
}

fn wanted(sheet: &calamine::Sheet) -> bool {
    sheet.typ == SheetType::WorkSheet && sheet.visible == SheetVisible::Visible
}

/// Refuses a workbook that unpacks to more than [`MAX_UNPACKED`] (a few kilobytes can claim
/// gigabytes).
fn check_unpacked_size(bytes: &[u8]) -> AppResult<()> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(unreadable)?;
    let mut total = 0u64;
    for i in 0..zip.len() {
        total = total.saturating_add(zip.by_index_raw(i).map_err(unreadable)?.size());
    }
    if total > MAX_UNPACKED {
        return Err(AppError::field(
            "/file",
            "workbook_too_large",
            format!("the workbook unpacks to {} MiB: at most {} MiB are read", total >> 20, MAX_UNPACKED >> 20),
        ));
    }
    Ok(())
}

fn read_xlsx(bytes: &[u8]) -> AppResult<Vec<Table>> {
    check_unpacked_size(bytes)?;
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(unreadable)?;
    let sheets: Vec<String> = book.sheets_metadata().iter().filter(|s| wanted(s)).map(|s| s.name.clone()).collect();
    let mut budget = Budget::default();
    let mut tables = Vec::new();
    for name in sheets {
        let mut grid = Grid::new(&name);
        {
            // Cell by cell, so that a sheet far too long stops at the limit instead of filling
            // memory first.
            let mut cells = book.worksheet_cells_reader(&name).map_err(unreadable)?;
            while let Some(cell) = cells.next_cell().map_err(unreadable)? {
                let (r, c) = cell.get_position();
                let text = data_ref_text(cell.get_value());
                grid.put(r as usize, c as usize, text, &budget)?;
            }
        }
        let merges = book.merge_cells_by_sheet_name(&name).map_err(unreadable)?;
        if let Some(table) = grid.finish(&merges, &mut budget)? {
            tables.push(table);
        }
    }
    Ok(tables)
}

fn read_xls(bytes: &[u8]) -> AppResult<Vec<Table>> {
    let mut book: Xls<_> = Xls::new(Cursor::new(bytes)).map_err(unreadable)?;
    let sheets: Vec<String> = book.sheets_metadata().iter().filter(|s| wanted(s)).map(|s| s.name.clone()).collect();
    let mut budget = Budget::default();
    let mut tables = Vec::new();
    for name in sheets {
        let range = book.worksheet_range(&name).map_err(unreadable)?;
        let (top, left) = range.start().unwrap_or((0, 0));
        let mut grid = Grid::new(&name);
        for (r, c, value) in range.used_cells() {
            grid.put(top as usize + r, left as usize + c, data_text(value), &budget)?;
        }
        let merges = book.merge_cells_by_sheet_name(&name).map_err(unreadable)?;
        if let Some(table) = grid.finish(&merges, &mut budget)? {
            tables.push(table);
        }
    }
    Ok(tables)
}

/// Rows taken by the sheets read so far.
#[derive(Default)]
struct Budget {
    rows: usize,
}

/// A sheet's cells as they arrive, in any order.
struct Grid {
    name: String,
    rows: Vec<Vec<String>>,
}

impl Grid {
    fn new(name: &str) -> Grid {
        Grid { name: name.to_string(), rows: Vec::new() }
    }

    fn put(&mut self, r: usize, c: usize, text: String, budget: &Budget) -> AppResult<()> {
        // Empty cells (formatted, or blanks) say nothing and may lie far out.
        if text.is_empty() {
            return Ok(());
        }
        if c >= MAX_COLUMNS {
            return Err(AppError::field(
                "/file",
                "too_many_columns",
                format!("sheet {} has a value in column {}: at most {MAX_COLUMNS} columns are read", self.name, super::column_letter(c)),
            ));
        }
        if budget.rows + r >= MAX_ROWS {
            return Err(AppError::field(
                "/file",
                "too_many_rows",
                format!("sheet {} goes on to row {}: at most {MAX_ROWS} rows are read", self.name, r + 1),
            ));
        }
        if self.rows.len() <= r {
            self.rows.resize_with(r + 1, Vec::new);
        }
        let row = &mut self.rows[r];
        if row.len() <= c {
            row.resize_with(c + 1, String::new);
        }
        row[c] = text;
        Ok(())
    }

    /// The table, or none for an empty sheet. Merged ranges are clipped to the sheet's data:
    /// a range may claim far more cells than the sheet uses.
    fn finish(self, merges: &[Dimensions], budget: &mut Budget) -> AppResult<Option<Table>> {
        if self.rows.is_empty() {
            return Ok(None);
        }
        budget.rows += self.rows.len();
        let height = self.rows.len();
        let merges = merges
            .iter()
            .filter_map(|d| {
                let (first_row, first_col) = (d.start.0 as usize, d.start.1 as usize);
                let (last_row, last_col) = (d.end.0 as usize, d.end.1 as usize);
                if last_row < first_row || last_col < first_col || first_row >= height || first_col >= MAX_COLUMNS {
                    return None;
                }
                let m = Merge { first_row, first_col, last_row: last_row.min(height - 1), last_col: last_col.min(MAX_COLUMNS - 1) };
                (m.first_row != m.last_row || m.first_col != m.last_col).then_some(m)
            })
            .collect();
        Ok(Some(Table { name: self.name, rows: self.rows, merges }))
    }
}

/// Cell text with the line breaks of any platform as `\n`, and trimmed.
fn clean(s: &str) -> String {
    let s = s.trim();
    if s.contains('\r') {
        s.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        s.to_string()
    }
}

fn number_text(f: f64) -> String {
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        f.to_string()
    }
}

/// Days from 0 (1899-12-30) to 9999-12-31: the dates Excel can hold.
const EXCEL_DAYS: std::ops::Range<f64> = 0.0..2_958_466.0;

fn datetime_text(d: &ExcelDateTime) -> String {
    // Only dates Excel itself can hold: the conversion panics far outside them.
    if d.is_datetime() && EXCEL_DAYS.contains(&d.as_f64()) {
        if let Some(t) = d.as_datetime() {
            return if t.time() == NaiveTime::MIN {
                t.date().format("%Y-%m-%d").to_string()
            } else {
                t.format("%Y-%m-%d %H:%M").to_string()
            };
        }
    }
    number_text(d.as_f64())
}

fn iso_text(s: &str) -> String {
    let date = s.get(..10).and_then(|d| d.parse::<NaiveDate>().ok());
    match (date, s.get(10..)) {
        (Some(d), Some("" | "T00:00:00" | "T00:00")) => d.to_string(),
        _ => s.replace('T', " "),
    }
}

fn data_ref_text(v: &DataRef) -> String {
    match v {
        DataRef::SharedString(s) => clean(s),
        DataRef::String(s) => clean(s),
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) => number_text(*f),
        DataRef::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        DataRef::DateTime(d) => datetime_text(d),
        DataRef::DateTimeIso(s) => iso_text(s),
        DataRef::DurationIso(s) => s.clone(),
        DataRef::Error(e) => e.to_string(),
        DataRef::Empty => String::new(),
    }
}

fn data_text(v: &Data) -> String {
    match v {
        Data::String(s) => clean(s),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => number_text(*f),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        Data::DateTime(d) => datetime_text(d),
        Data::DateTimeIso(s) => iso_text(s),
        Data::DurationIso(s) => s.clone(),
        Data::Error(e) => e.to_string(),
        Data::Empty => String::new(),
    }
}

/// A CSV file's text (its byte order mark already gone) as a table named `CSV`: fields
/// separated by commas, or by tabs or semicolons when the text uses those; lines may have any
/// number of fields. Row numbers count blank lines, as a spreadsheet opening the file would.
pub fn read_csv(text: &str) -> AppResult<Table> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter(text)).from_reader(text.as_bytes());
    let mut budget = Budget::default();
    let mut grid = Grid::new("CSV");
    let mut record = csv::StringRecord::new();
    let mut row = 0usize;
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(AppError::field("/file", "unreadable_csv", format!("the CSV file cannot be read: {e}"))),
        }
        // The parser skips blank lines, which are rows to whoever opens the file in a
        // spreadsheet; a record's position is where the skipping began.
        let from = record.position().map_or(0, |p| p.byte() as usize);
        let blank = text
            .as_bytes()
            .get(from..)
            .unwrap_or_default()
            .iter()
            .take_while(|b| matches!(b, b'\n' | b'\r'))
            .filter(|b| **b == b'\n')
            .count();
        row += blank;
        for (c, field) in record.iter().enumerate() {
            grid.put(row, c, clean(field), &budget)?;
        }
        row += 1;
    }
    Ok(grid.finish(&[], &mut budget)?.unwrap_or_else(|| Table { name: "CSV".into(), ..Default::default() }))
}

/// The separator the text uses most in its first lines: comma, tab or semicolon.
fn delimiter(text: &str) -> u8 {
    let head: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).take(10).collect();
    let count = |d: char| head.iter().map(|l| l.matches(d).count()).sum::<usize>();
    let (comma, tab, semicolon) = (count(','), count('\t'), count(';'));
    if tab > comma && tab >= semicolon {
        b'\t'
    } else if semicolon > comma && semicolon > tab {
        b';'
    } else {
        b','
    }
}
