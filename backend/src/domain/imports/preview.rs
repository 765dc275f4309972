//! What a document would import, before anything is written: the file read, the draft ledger,
//! the source lines it came from, and the names it uses matched to the organisation's people
//! and departments. Only the column mapping a coordinator chose for a 台账 is kept, for next time.

use std::collections::{BTreeSet, HashMap};

use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::sheet::{self, Column, Field, Saved, SheetLayout};
use super::{mappings, parse, read, Draft, InputFormat, Source, Table, Warning};
use crate::auth::Caller;
use crate::db::DbConn;
use crate::domain::ledger::{edits_ledger, refuse_edit};
use crate::error::{AppError, AppResult};
use crate::schema::{departments, users};

/// What to read: pasted text or an uploaded file.
pub enum Input {
    Text(String),
    File { bytes: Vec<u8>, name: Option<String> },
}

/// The coordinator's corrections of how a 台账 was read.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Choices {
    /// Which sheet holds the ledger (0-based); by default the one that looks most like one.
    pub sheet: Option<usize>,
    /// What some columns hold; the others stay as guessed.
    #[serde(default)]
    pub columns: Vec<ColumnChoice>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ColumnChoice {
    /// 0-based column index (A is 0).
    pub column: usize,
    /// `null`: the column is not imported.
    pub field: Option<Field>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SheetPreview {
    /// The names of the workbook's sheets.
    pub sheets: Vec<String>,
    pub layout: SheetLayout,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct UserBrief {
    pub id: i64,
    pub username: String,
    pub display_name: String,
}

/// A person the document names, and the accounts of that name.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PersonMatch {
    pub name: String,
    /// The account, when exactly one has this name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<UserBrief>,
    /// Every account of this name (several: choose one).
    pub candidates: Vec<UserBrief>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DepartmentMatch {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub department_id: Option<i64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImportPreview {
    pub format: InputFormat,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_name: Option<String>,
    /// The source as the draft's line numbers count it: the lines of a text, or the rows of a
    /// sheet (cells separated by ` │ `).
    pub source: Vec<String>,
    pub draft: Draft,
    /// How a 台账 was read: present for workbooks, CSV files and Word tables.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sheet: Option<SheetPreview>,
    pub people: Vec<PersonMatch>,
    pub departments: Vec<DepartmentMatch>,
}

/// Read and parsed, before the names are matched.
pub struct Parsed {
    pub format: InputFormat,
    pub source: Vec<String>,
    pub draft: Draft,
    pub sheet: Option<SheetPreview>,
}

/// Reads and parses a document (pure).
pub fn parse_input(input: Input, saved: &Saved, choices: &Choices) -> AppResult<Parsed> {
    let (format, source) = match input {
        Input::Text(text) => (InputFormat::Text, Source::Text { paragraphs: read::lines(&text), tables: Vec::new() }),
        Input::File { bytes, name } => read::read(&bytes, name.as_deref())?,
    };
    match source {
        Source::Sheets(tables) => {
            let (draft, source, sheet) = from_tables(&tables, saved, choices)?;
            Ok(Parsed { format, source, draft, sheet: Some(sheet) })
        }
        Source::Text { paragraphs, tables } => {
            let mut draft = parse::parse(&paragraphs);
            // A Word document whose ledger is a table (三个清单): the table, with the text's metadata.
            if !tables.is_empty() {
                if let Some(layout) = sheet::detect(&tables, saved) {
                    if let Ok((from_table, rows, sheet)) =
                        from_tables(&tables, saved, &Choices { sheet: Some(layout.sheet), ..choices.clone() })
                    {
                        if from_table.counts().1 >= draft.counts().1 {
                            draft.categories = from_table.categories;
                            draft.confidence = from_table.confidence;
                            draft.warnings.extend(from_table.warnings);
                            return Ok(Parsed { format, source: rows, draft, sheet: Some(sheet) });
                        }
                    }
                }
            }
            Ok(Parsed { format, source: paragraphs, draft, sheet: None })
        }
    }
}

fn from_tables(tables: &[Table], saved: &Saved, choices: &Choices) -> AppResult<(Draft, Vec<String>, SheetPreview)> {
    if tables.is_empty() {
        return Err(AppError::field("/file", "empty_document", "the workbook has no sheet with data"));
    }
    let chosen = match choices.sheet {
        Some(i) if i >= tables.len() => {
            return Err(AppError::field("/choices/sheet", "out_of_range", format!("the workbook has {} sheets", tables.len())))
        }
        Some(i) => sheet::detect(&tables[i..=i], saved).map(|l| SheetLayout { sheet: i, ..l }).or_else(|| plain_layout(tables, i)),
        None => sheet::detect(tables, saved).or_else(|| plain_layout(tables, 0)),
    };
    let Some(mut layout) = chosen else {
        return Err(AppError::field("/file", "empty_document", "the sheet is empty"));
    };
    for c in &choices.columns {
        match layout.columns.iter_mut().find(|col| col.index == c.column) {
            Some(col) => col.field = c.field,
            None => {
                return Err(AppError::field(
                    "/choices/columns",
                    "unknown_column",
                    format!("the sheet has no column {}", c.column.saturating_add(1)),
                ))
            }
        }
    }
    let table = &tables[layout.sheet];
    let mut draft = sheet::to_draft(table, &layout);
    if !layout.columns.iter().any(|c| matches!(c.field, Some(Field::Problem | Field::Measure))) {
        draft.warnings.push(Warning::new("no_ledger_columns", "未找到“问题”或“整改措施”列：请在列对应关系中指定各列的内容"));
    }
    let rows = table.rows.iter().map(|r| r.iter().map(|c| c.trim()).filter(|c| !c.is_empty()).collect::<Vec<_>>().join(" │ ")).collect();
    Ok((draft, rows, SheetPreview { sheets: tables.iter().map(|t| t.name.clone()).collect(), layout }))
}

/// A layout with the first non-empty row as its header and nothing guessed, for a sheet the
/// guess did not recognise: the coordinator says what each column holds.
fn plain_layout(tables: &[Table], sheet: usize) -> Option<SheetLayout> {
    let table = tables.get(sheet)?;
    let header = table.rows.iter().position(|r| r.iter().any(|c| !c.trim().is_empty()))?;
    let columns = table.rows[header]
        .iter()
        .enumerate()
        .map(|(index, h)| Column { index, letter: sheet::column_letter(index), header: h.trim().to_string(), field: None })
        .collect();
    Some(SheetLayout { sheet, header_rows: (header, header), columns })
}

/// Names of people and departments the draft uses, each once, in order.
fn names(draft: &Draft) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut people = BTreeSet::new();
    let mut depts = BTreeSet::new();
    for p in draft.categories.iter().flat_map(|c| &c.problems) {
        people.extend(p.responsible_leader.clone());
        depts.extend(p.lead_department.clone());
        for m in &p.measures {
            people.extend(m.responsible_leader.clone());
            people.extend(m.assignees.iter().cloned());
            depts.extend(m.lead_department.clone());
            depts.extend(m.supporting_departments.iter().cloned());
        }
    }
    (people, depts)
}

/// The column choices the caller's organisation made before; refused for those who may not
/// import into its ledger.
pub fn saved_choices(conn: &mut DbConn, caller: &Caller) -> AppResult<Saved> {
    if !edits_ledger(caller, caller.organisation_id) {
        return Err(refuse_edit());
    }
    mappings::load(conn, caller.organisation_id)
}

/// Completes the preview of a parsed document: keeps the columns the coordinator chose and
/// matches the names to the organisation's people and departments.
pub fn preview(
    conn: &mut DbConn,
    caller: &Caller,
    parsed: Parsed,
    file_name: Option<String>,
    choices: &Choices,
) -> AppResult<ImportPreview> {
    let org = caller.organisation_id;
    if !edits_ledger(caller, org) {
        return Err(refuse_edit());
    }
    if let (Some(sheet), false) = (&parsed.sheet, choices.columns.is_empty()) {
        let chosen: Vec<(String, Option<Field>)> = choices
            .columns
            .iter()
            .filter_map(|c| sheet.layout.columns.iter().find(|col| col.index == c.column))
            .filter(|col| !col.header.is_empty())
            .map(|col| (col.header.clone(), col.field))
            .collect();
        mappings::save(conn, org, &chosen)?;
    }
    let (people, depts) = names(&parsed.draft);
    let accounts: Vec<(i64, String, String)> =
        users::table.filter(users::organisation_id.eq(org)).select((users::id, users::username, users::display_name)).load(conn)?;
    let people = people
        .into_iter()
        .map(|name| {
            let candidates: Vec<UserBrief> = accounts
                .iter()
                .filter(|(_, u, d)| *d == name || *u == name)
                .map(|(id, u, d)| UserBrief { id: *id, username: u.clone(), display_name: d.clone() })
                .collect();
            let user = if candidates.len() == 1 { candidates.first().cloned() } else { None };
            PersonMatch { name, user, candidates }
        })
        .collect();
    let known: HashMap<String, i64> = departments::table
        .filter(departments::organisation_id.eq(org))
        .select((departments::name, departments::id))
        .load::<(String, i64)>(conn)?
        .into_iter()
        .collect();
    let departments = depts.into_iter().map(|name| DepartmentMatch { department_id: known.get(&name).copied(), name }).collect();
    Ok(ImportPreview {
        format: parsed.format,
        file_name,
        source: parsed.source,
        draft: parsed.draft,
        sheet: parsed.sheet,
        people,
        departments,
    })
}
