//! A hand-made 台账 becomes a draft ledger.
//!
//! [`read_sheets`] and [`read_csv`] turn a workbook or a CSV file into [`Table`](super::Table)s (a Word
//! document's tables come from the reader as tables too); [`detect`] finds the sheet, its header
//! rows and what each column holds, guessing from the header words unless the organisation
//! chose before; [`to_draft`] groups the rows below the header into categories, problems and
//! measures, one measure per row.

pub(crate) mod cells;
mod columns;
mod draft;
mod read;
#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use columns::{detect, normalise_header};

/// An organisation's earlier column choices: header → field, `None` for a column it does not import.
pub type Saved = std::collections::HashMap<String, Option<Field>>;
pub use draft::to_draft;
pub use read::{read_csv, read_sheets, MAX_COLUMNS, MAX_ROWS};

/// What a column of a 台账 holds.
#[derive(Serialize, Deserialize, ToSchema, Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// 问题类别
    Category,
    /// 问题
    Problem,
    /// 问题表现 / 反馈意见: what the feedback said about the problem.
    Feedback,
    /// 整改措施
    Measure,
    /// 措施类型: 立行立改, 限期整改, 长期坚持
    Kind,
    /// 责任领导
    ResponsibleLeader,
    /// 牵头单位
    LeadDepartment,
    /// 配合单位
    SupportingDepartments,
    /// 责任人
    Assignees,
    /// 完成时限
    Deadline,
    /// 整改进展
    Progress,
}

impl Field {
    pub const ALL: [Field; 11] = [
        Field::Category,
        Field::Problem,
        Field::Feedback,
        Field::Measure,
        Field::Kind,
        Field::ResponsibleLeader,
        Field::LeadDepartment,
        Field::SupportingDepartments,
        Field::Assignees,
        Field::Deadline,
        Field::Progress,
    ];

    /// The name in the API and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Field::Category => "category",
            Field::Problem => "problem",
            Field::Feedback => "feedback",
            Field::Measure => "measure",
            Field::Kind => "kind",
            Field::ResponsibleLeader => "responsible_leader",
            Field::LeadDepartment => "lead_department",
            Field::SupportingDepartments => "supporting_departments",
            Field::Assignees => "assignees",
            Field::Deadline => "deadline",
            Field::Progress => "progress",
        }
    }

    pub fn parse(s: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.as_str() == s)
    }

    /// The usual header of such a column, as warnings name it.
    pub fn name_zh(self) -> &'static str {
        match self {
            Field::Category => "问题类别",
            Field::Problem => "问题",
            Field::Feedback => "问题表现",
            Field::Measure => "整改措施",
            Field::Kind => "措施类型",
            Field::ResponsibleLeader => "责任领导",
            Field::LeadDepartment => "牵头单位",
            Field::SupportingDepartments => "配合单位",
            Field::Assignees => "责任人",
            Field::Deadline => "完成时限",
            Field::Progress => "整改进展",
        }
    }
}

/// Where the ledger is in a workbook and what its columns hold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SheetLayout {
    /// Index of the sheet (table) among those read.
    pub sheet: usize,
    /// First and last header row, 0-based and inclusive; the data starts below the last.
    #[schema(value_type = Vec<usize>, min_items = 2, max_items = 2, example = json!([2, 3]))]
    pub header_rows: (usize, usize),
    /// The sheet's columns that have a header or data, left to right.
    pub columns: Vec<Column>,
}

impl SheetLayout {
    /// The column that holds `field`, if any.
    pub fn column_of(&self, field: Field) -> Option<usize> {
        self.columns.iter().find(|c| c.field == Some(field)).map(|c| c.index)
    }
}

/// One column of a sheet and what it was taken to hold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Column {
    /// 0-based.
    pub index: usize,
    /// The column's letter in the spreadsheet.
    #[schema(example = "C")]
    pub letter: String,
    /// The header as the sheet writes it (of a two-row header, the lower label).
    #[schema(example = "整改措施")]
    pub header: String,
    /// What the column holds; none for 序号, 备注 and columns not recognised.
    pub field: Option<Field>,
}

/// A column's letters: 0 → A, 25 → Z, 26 → AA.
pub fn column_letter(index: usize) -> String {
    let mut n = index + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(char::from(b'A' + rem as u8));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}

/// A cell's A1 name from 0-based row and column: (11, 2) → C12.
pub fn cell_name(row: usize, col: usize) -> String {
    format!("{}{}", column_letter(col), row + 1)
}
