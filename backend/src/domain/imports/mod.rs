//! Documents in: a feedback document, a rectification plan or report, or a hand-made 台账
//! becomes a draft ledger that the coordinator checks and corrects before committing it
//! through the ledger import.
//!
//! Reading ([`read`]) turns bytes into paragraphs or tables; [`parse`] turns the paragraphs of
//! an official document into a [`Draft`]; [`sheet`] turns a 台账 table into one. All of it is
//! pure: no HTTP, no SQL (the saved column mappings live in [`mappings`]).

pub mod mappings;
pub mod parse;
pub mod preview;
pub mod read;
pub mod sheet;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Lines of the source, 1-based and inclusive: lines of the text, or rows of a sheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Lines {
    pub first: u32,
    pub last: u32,
}

impl Lines {
    pub fn one(n: u32) -> Lines {
        Lines { first: n, last: n }
    }
    pub fn to(self, other: Lines) -> Lines {
        Lines { first: self.first.min(other.first), last: self.last.max(other.last) }
    }
}

/// Something the reader or the parser was not sure of, in words the coordinator reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Warning {
    /// Stable code, e.g. `count_mismatch`, `damaged_date`, `unmapped_column`.
    pub code: String,
    /// What it means, in Chinese.
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lines: Option<Lines>,
    /// The cell of a sheet it is about, e.g. `C12`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cell: Option<String>,
}

impl Warning {
    pub fn new(code: &str, message: impl Into<String>) -> Warning {
        Warning { code: code.into(), message: message.into(), lines: None, cell: None }
    }
    pub fn at(mut self, lines: Lines) -> Warning {
        self.lines = Some(lines);
        self
    }
    pub fn in_cell(mut self, cell: impl Into<String>) -> Warning {
        self.cell = Some(cell.into());
        self
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DraftMeasure {
    /// The label as the source writes it (①, (1), 一是 …); empty when it has none.
    #[serde(default)]
    pub label: String,
    pub text: String,
    /// 立行立改, 限期整改 or 长期坚持, as the source says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub responsible_leader: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lead_department: Option<String>,
    #[serde(default)]
    pub supporting_departments: Vec<String>,
    #[serde(default)]
    pub assignees: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<NaiveDate>,
    /// 整改进展 as the source states it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub progress: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lines: Option<Lines>,
    #[serde(default)]
    pub warnings: Vec<Warning>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DraftProblem {
    #[serde(default)]
    pub label: String,
    pub title: String,
    /// What the feedback said about the problem (问题表现, or the quoted sub-problems of a
    /// four-level document), kept with the problem.
    #[serde(default)]
    pub feedback: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub responsible_leader: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lead_department: Option<String>,
    #[serde(default)]
    pub measures: Vec<DraftMeasure>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lines: Option<Lines>,
    #[serde(default)]
    pub warnings: Vec<Warning>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DraftCategory {
    #[serde(default)]
    pub label: String,
    pub title: String,
    #[serde(default)]
    pub problems: Vec<DraftProblem>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lines: Option<Lines>,
    #[serde(default)]
    pub warnings: Vec<Warning>,
}

/// What the document says about the inspection and about itself.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Metadata {
    /// The document's title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The inspecting body, e.g. 县委第三巡察组.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inspector: Option<String>,
    /// First and last day on site.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_on: Option<NaiveDate>,
    /// The day the inspection fed back its findings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feedback_on: Option<NaiveDate>,
    /// e.g. 长职组〔2021〕20号, as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc_number: Option<String>,
    /// Who issued the document (its signature) and when.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dated: Option<NaiveDate>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CountOf {
    Categories,
    Problems,
    Measures,
    /// Problems (or measures) said to be rectified.
    Done,
    /// Problems (or measures) said to be in progress.
    InProgress,
}

/// A figure the document states about itself (共反馈问题3个方面30个问题), with what was parsed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DeclaredCount {
    pub of: CountOf,
    pub declared: u32,
    /// What the parsed ledger holds; absent where the ledger cannot tell (done, in progress).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parsed: Option<u32>,
    pub lines: Lines,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BlockKind {
    /// Before the first part: how the inspection came and what the document is.
    Intro,
    /// How the rectification was organised (领导小组, 工作机制 …).
    Organisation,
    /// Any other part outside the problems, e.g. 整改成效.
    Other,
    /// What comes next (下一步, 巩固整改成果).
    NextSteps,
    /// The closing words: contact details, signature, date.
    Closing,
}

/// A part of the document outside the problems, kept as text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TextBlock {
    pub kind: BlockKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heading: Option<String>,
    pub text: String,
    pub lines: Lines,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    High,
    Medium,
    Low,
}

/// A ledger read from a document, before anyone has checked it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Draft {
    pub metadata: Metadata,
    pub categories: Vec<DraftCategory>,
    pub blocks: Vec<TextBlock>,
    pub declared: Vec<DeclaredCount>,
    /// Warnings about the whole document; each node carries its own.
    pub warnings: Vec<Warning>,
    /// How sure the reading is: high when the structure is regular and the figures agree.
    pub confidence: Confidence,
}

impl Draft {
    pub fn empty() -> Draft {
        Draft {
            metadata: Metadata::default(),
            categories: Vec::new(),
            blocks: Vec::new(),
            declared: Vec::new(),
            warnings: Vec::new(),
            confidence: Confidence::Low,
        }
    }

    /// Categories, problems and measures.
    pub fn counts(&self) -> (usize, usize, usize) {
        let problems = self.categories.iter().map(|c| c.problems.len()).sum();
        let measures = self.categories.iter().flat_map(|c| &c.problems).map(|p| p.measures.len()).sum();
        (self.categories.len(), problems, measures)
    }
}

/// A table as read from a sheet or a Word table: cell texts by row, merged ranges kept apart
/// (a merged range's text is in its top-left cell only).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    /// The sheet's name, or 表格1 … for a Word table.
    pub name: String,
    pub rows: Vec<Vec<String>>,
    pub merges: Vec<Merge>,
}

/// A merged range, 0-based and inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Merge {
    pub first_row: usize,
    pub last_row: usize,
    pub first_col: usize,
    pub last_col: usize,
}

/// What a file holds once read.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    /// A text document: its paragraphs in order (Word's automatic numbering put back in front
    /// of them), and its tables.
    Text { paragraphs: Vec<String>, tables: Vec<Table> },
    /// A workbook or a CSV file: its sheets.
    Sheets(Vec<Table>),
}

/// The formats a document comes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InputFormat {
    Text,
    Docx,
    Pdf,
    Xlsx,
    Xls,
    Csv,
}
