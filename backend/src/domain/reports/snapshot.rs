//! The part of the ledger a document is made from, as plain data: read once from the database
//! (`store`), then turned into reports and plans by pure functions.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::ledger::{GroupRole, MeasureKind};

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Snapshot {
    /// The organisation (school) whose rectification this is.
    pub organisation: String,
    pub inspection_id: i64,
    pub inspection_title: String,
    /// The inspecting body, e.g. 县委第三巡察组.
    pub inspector: String,
    pub onsite_start: Option<NaiveDate>,
    pub onsite_end: Option<NaiveDate>,
    pub feedback_date: Option<NaiveDate>,
    pub deadline: Option<NaiveDate>,
    /// In the order the inspection lists them.
    pub leading_group: Vec<Member>,
    /// People of the organisation whose names the public edition may mask (not the leading group).
    pub people: Vec<String>,
    pub categories: Vec<SnapCategory>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Member {
    pub name: String,
    pub role: GroupRole,
    pub title: String,
    pub from: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct SnapCategory {
    pub id: i64,
    pub ordinal: i32,
    pub title: String,
    pub problems: Vec<SnapProblem>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct SnapProblem {
    pub id: i64,
    /// Numbered across categories, 1…N.
    pub ordinal: i32,
    pub title: String,
    pub feedback: String,
    pub measures: Vec<SnapMeasure>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct SnapMeasure {
    pub id: i64,
    pub ordinal: i32,
    pub title: String,
    pub content: String,
    /// The latest progress report (整改进展), empty when none.
    pub progress: String,
    pub kind: MeasureKind,
    pub deadline: Option<NaiveDate>,
    pub responsible_leader: Option<String>,
    pub lead_department: Option<String>,
    pub supporting_departments: Vec<String>,
    pub assignees: Vec<String>,
    /// 文号 of its evidence (not deleted), in the order it was filed.
    pub document_numbers: Vec<String>,
}

impl Snapshot {
    pub fn problems(&self) -> impl Iterator<Item = &SnapProblem> {
        self.categories.iter().flat_map(|c| c.problems.iter())
    }
    pub fn measures(&self) -> impl Iterator<Item = &SnapMeasure> {
        self.problems().flat_map(|p| p.measures.iter())
    }
}
