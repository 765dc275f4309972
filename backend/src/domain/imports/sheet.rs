//! A 台账 table becomes a draft ledger: which row is the header, which column holds what.
// placeholder: replaced by the sheet reader

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Draft, InputFormat, Table};
use crate::error::AppResult;

#[derive(Serialize, Deserialize, ToSchema, Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Category,
    Problem,
    Feedback,
    Measure,
    Kind,
    ResponsibleLeader,
    LeadDepartment,
    SupportingDepartments,
    Assignees,
    Deadline,
    Progress,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Column {
    pub index: usize,
    pub letter: String,
    pub header: String,
    pub field: Option<Field>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SheetLayout {
    pub sheet: usize,
    pub header_rows: (usize, usize),
    pub columns: Vec<Column>,
}

pub fn read_sheets(_bytes: &[u8], _format: InputFormat) -> AppResult<Vec<Table>> {
    Ok(Vec::new())
}

pub fn read_csv(_text: &str) -> AppResult<Table> {
    Ok(Table::default())
}

pub fn detect(_tables: &[Table], _saved: &HashMap<String, Field>) -> Option<SheetLayout> {
    None
}

pub fn to_draft(_table: &Table, _layout: &SheetLayout) -> Draft {
    Draft::empty()
}
