//! Importing a ledger document: categories → problems → measures, in the format of
//! `fixtures/changyang-2021/ledger.json`, with optional responsibility fields given by name.
//!
//! Reading is separate from writing: [`plan`] checks the whole document and reports every
//! problem with its JSON pointer; [`Merge`] matches the plan against what the inspection already
//! holds and tells what each choice of [`OnExisting`] would create, update or skip (pure, no
//! database); [`apply`] and [`apply_merge`] write a checked plan inside one transaction.

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::inspections::editable;
use super::labels::{category_label, measure_label, problem_label};
use super::measures::{insert, write_patch, MeasurePatch, NewMeasure};
use super::structure::{insert_category, insert_problem, renumber_problems, write_problem_patch, NewProblem, ProblemPatch};
use super::workflow::open_to_import_update;
use super::{MeasureKind, MeasureStatus};
use crate::auth::Caller;
use crate::db::{write_tx, DbConn};
use crate::error::{AppError, AppResult, FieldError};
use crate::models::{Category, Measure, Problem};
use crate::schema::{categories, departments, measure_assignees, measure_supporting_departments, measures, problems, users};

/// Names of an organisation's people and departments, to resolve the document's references.
#[derive(Default)]
pub struct Directory {
    /// display name or user name → user ids (a display name may be shared).
    pub users: HashMap<String, Vec<i64>>,
    pub departments: HashMap<String, i64>,
}

impl Directory {
    pub fn load(conn: &mut DbConn, organisation_id: i64) -> AppResult<Directory> {
        let mut d = Directory::default();
        let people: Vec<(i64, String, String)> = users::table
            .filter(users::organisation_id.eq(organisation_id))
            .select((users::id, users::username, users::display_name))
            .load(conn)?;
        for (id, username, name) in people {
            d.users.entry(username).or_default().push(id);
            if !d.users.get(&name).is_some_and(|v| v.contains(&id)) {
                d.users.entry(name).or_default().push(id);
            }
        }
        d.departments = departments::table
            .filter(departments::organisation_id.eq(organisation_id))
            .select((departments::name, departments::id))
            .load::<(String, i64)>(conn)?
            .into_iter()
            .collect();
        Ok(d)
    }
}

/// What to do with the document's categories, problems and measures that the inspection
/// already holds (same trimmed title: a category in the inspection, a problem in that category,
/// a measure in that problem).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OnExisting {
    /// 跳过已有: leave them as they are and create only what is new; new problems join the
    /// existing category and new measures the existing problem, numbered after theirs.
    Skip,
    /// 更新已有: as `skip`, and existing problems and measures take the fields the document
    /// gives, as an edit would; measures already handed in for sign-off (or done) and problems
    /// whose close-out is requested or done are left as they are, and counted as skipped.
    Update,
    /// 仍然新增: create everything anew after what exists, duplicates included.
    Add,
}

impl OnExisting {
    pub const ALL: [OnExisting; 3] = [OnExisting::Skip, OnExisting::Update, OnExisting::Add];

    pub fn as_str(self) -> &'static str {
        match self {
            OnExisting::Skip => "skip",
            OnExisting::Update => "update",
            OnExisting::Add => "add",
        }
    }

    pub fn parse(s: &str) -> Option<OnExisting> {
        OnExisting::ALL.into_iter().find(|o| o.as_str() == s)
    }
}

/// Which optional fields a document gives for a problem (absent or `null`: keep what exists).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProblemGiven {
    pub feedback: bool,
    pub responsible_leader: bool,
    pub lead_department: bool,
}

/// Which optional fields a document gives for a measure; its text is always given.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MeasureGiven {
    pub kind: bool,
    pub responsible_leader: bool,
    pub lead_department: bool,
    pub supporting_departments: bool,
    pub assignees: bool,
    pub deadline: bool,
}

impl MeasureGiven {
    pub const ALL: MeasureGiven = MeasureGiven {
        kind: true,
        responsible_leader: true,
        lead_department: true,
        supporting_departments: true,
        assignees: true,
        deadline: true,
    };
}

#[derive(Debug, Clone)]
pub struct MeasurePlan {
    pub measure: NewMeasure,
    pub given: MeasureGiven,
}

impl From<NewMeasure> for MeasurePlan {
    fn from(measure: NewMeasure) -> Self {
        MeasurePlan { measure, given: MeasureGiven::ALL }
    }
}

#[derive(Debug, Clone)]
pub struct ProblemPlan {
    pub title: String,
    pub feedback: String,
    pub responsible_leader_id: Option<i64>,
    pub lead_department_id: Option<i64>,
    pub given: ProblemGiven,
    pub measures: Vec<MeasurePlan>,
}

#[derive(Debug, Clone)]
pub struct CategoryPlan {
    pub title: String,
    pub problems: Vec<ProblemPlan>,
}

/// A measure's short title: the text up to its first full stop when that is short, as the
/// report writes them (“强化思想武装。…”), otherwise its beginning.
pub fn derive_title(text: &str) -> String {
    let text = text.trim();
    if let Some((head, _)) = text.split_once('。') {
        if !head.is_empty() && head.chars().count() <= 30 {
            return head.to_string();
        }
    }
    let short: String = text.chars().take(24).collect();
    if short.chars().count() < text.chars().count() {
        format!("{short}…")
    } else {
        short
    }
}

const KINDS: &str = "立行立改, 限期整改 or 长期坚持 (or immediate, time_bound, long_term)";

struct Checker<'a> {
    dir: &'a Directory,
    errors: Vec<FieldError>,
}

impl Checker<'_> {
    fn err(&mut self, pointer: &str, code: &str, message: impl Into<String>) {
        self.errors.push(FieldError::new(pointer, code, message));
    }

    fn text(&mut self, v: &Value, pointer: &str, required: bool, max: usize) -> String {
        match v {
            Value::Null if !required => String::new(),
            Value::String(s) if !(required && s.trim().is_empty()) => {
                if s.chars().count() > max {
                    self.err(pointer, "too_long", format!("at most {max} characters"));
                }
                s.trim().to_string()
            }
            Value::String(_) | Value::Null => {
                self.err(pointer, "required", "must not be empty");
                String::new()
            }
            _ => {
                self.err(pointer, "invalid_type", "must be a string");
                String::new()
            }
        }
    }

    fn array<'v>(&mut self, v: &'v Value, pointer: &str) -> &'v [Value] {
        match v {
            Value::Array(a) => a,
            Value::Null => &[],
            _ => {
                self.err(pointer, "invalid_type", "must be an array");
                &[]
            }
        }
    }

    fn ordinal(&mut self, v: &Value, pointer: &str, expected: usize) {
        match v {
            Value::Null => {}
            Value::Number(n) if n.as_u64() == Some(expected as u64) => {}
            _ => self.err(pointer, "ordinal_out_of_sequence", format!("expected {expected}")),
        }
    }

    fn user(&mut self, v: &Value, pointer: &str) -> Option<i64> {
        let name = match v {
            Value::Null => return None,
            Value::String(s) => s.trim(),
            _ => {
                self.err(pointer, "invalid_type", "a user's name or user name");
                return None;
            }
        };
        match self.dir.users.get(name).map(Vec::as_slice) {
            Some([id]) => Some(*id),
            Some(_) => {
                self.err(pointer, "ambiguous_user", format!("several users are called {name}; use the user name"));
                None
            }
            None => {
                self.err(pointer, "unknown_user", format!("no user {name} in this organisation"));
                None
            }
        }
    }

    fn department(&mut self, v: &Value, pointer: &str) -> Option<i64> {
        match v {
            Value::Null => None,
            Value::String(s) => {
                let id = self.dir.departments.get(s.trim()).copied();
                if id.is_none() {
                    self.err(pointer, "unknown_department", format!("no department {} in this organisation", s.trim()));
                }
                id
            }
            _ => {
                self.err(pointer, "invalid_type", "a department's name");
                None
            }
        }
    }

    fn names<T>(&mut self, v: &Value, pointer: &str, one: fn(&mut Self, &Value, &str) -> Option<T>) -> Vec<T> {
        self.array(v, pointer).iter().enumerate().filter_map(|(n, x)| one(self, x, &format!("{pointer}/{n}"))).collect()
    }

    fn measure(&mut self, m: &Value, p: &str, n: usize) -> MeasurePlan {
        self.ordinal(&m["ordinal"], &format!("{p}/ordinal"), n + 1);
        let content = self.text(&m["text"], &format!("{p}/text"), true, 10_000);
        let title = match &m["title"] {
            Value::Null => derive_title(&content),
            t => self.text(t, &format!("{p}/title"), true, 200),
        };
        let kind = match &m["kind"] {
            Value::Null => MeasureKind::TimeBound,
            Value::String(s) => MeasureKind::from_input(s).unwrap_or_else(|| {
                self.err(&format!("{p}/kind"), "invalid_kind", KINDS);
                MeasureKind::TimeBound
            }),
            _ => {
                self.err(&format!("{p}/kind"), "invalid_kind", KINDS);
                MeasureKind::TimeBound
            }
        };
        let deadline = match &m["deadline"] {
            Value::Null => None,
            Value::String(s) => {
                s.trim().parse::<NaiveDate>().map_err(|_| self.err(&format!("{p}/deadline"), "invalid_date", "a date YYYY-MM-DD")).ok()
            }
            _ => {
                self.err(&format!("{p}/deadline"), "invalid_date", "a date YYYY-MM-DD");
                None
            }
        };
        let given = |k: &str| !m[k].is_null();
        MeasurePlan {
            given: MeasureGiven {
                kind: given("kind"),
                responsible_leader: given("responsible_leader"),
                lead_department: given("lead_department"),
                supporting_departments: given("supporting_departments"),
                assignees: given("assignees"),
                deadline: given("deadline"),
            },
            measure: NewMeasure {
                title,
                content,
                kind,
                responsible_leader_id: self.user(&m["responsible_leader"], &format!("{p}/responsible_leader")),
                lead_department_id: self.department(&m["lead_department"], &format!("{p}/lead_department")),
                supporting_department_ids: self.names(
                    &m["supporting_departments"],
                    &format!("{p}/supporting_departments"),
                    Self::department,
                ),
                assignee_ids: self.names(&m["assignees"], &format!("{p}/assignees"), Self::user),
                deadline,
            },
        }
    }
}

/// Checks a whole document against an organisation's directory. Problem ordinals, where given,
/// run 1…N across the document's categories, as in the report.
pub fn plan(doc: &Value, dir: &Directory) -> Result<Vec<CategoryPlan>, Vec<FieldError>> {
    let mut c = Checker { dir, errors: Vec::new() };
    if !doc.is_object() {
        return Err(vec![FieldError::new("", "invalid_type", "the document must be a JSON object")]);
    }
    let cats = c.array(&doc["categories"], "/categories").to_vec();
    if cats.is_empty() {
        c.err("/categories", "required", "the document has no categories");
    }
    let mut problem_no = 1;
    let mut out = Vec::new();
    for (ci, cat) in cats.iter().enumerate() {
        let cp = format!("/categories/{ci}");
        let title = c.text(&cat["title"], &format!("{cp}/title"), true, 100);
        let mut problems_ = Vec::new();
        for (pi, prob) in c.array(&cat["problems"], &format!("{cp}/problems")).to_vec().iter().enumerate() {
            let pp = format!("{cp}/problems/{pi}");
            c.ordinal(&prob["ordinal"], &format!("{pp}/ordinal"), problem_no);
            problem_no += 1;
            let title = c.text(&prob["title"], &format!("{pp}/title"), true, 200);
            let feedback = c.text(&prob["feedback"], &format!("{pp}/feedback"), false, 10_000);
            let responsible_leader_id = c.user(&prob["responsible_leader"], &format!("{pp}/responsible_leader"));
            let lead_department_id = c.department(&prob["lead_department"], &format!("{pp}/lead_department"));
            let given = ProblemGiven {
                feedback: !prob["feedback"].is_null(),
                responsible_leader: !prob["responsible_leader"].is_null(),
                lead_department: !prob["lead_department"].is_null(),
            };
            let ms = c.array(&prob["measures"], &format!("{pp}/measures")).to_vec();
            let measures_ = ms.iter().enumerate().map(|(mi, m)| c.measure(m, &format!("{pp}/measures/{mi}"), mi)).collect();
            problems_.push(ProblemPlan { title, feedback, responsible_leader_id, lead_department_id, given, measures: measures_ });
        }
        out.push(CategoryPlan { title, problems: problems_ });
    }
    if c.errors.is_empty() {
        Ok(out)
    } else {
        Err(c.errors)
    }
}

/// A measure the inspection holds, as far as an import compares it.
#[derive(Debug, Clone)]
pub struct ExistingMeasure {
    pub id: i64,
    pub ordinal: i32,
    pub title: String,
    pub content: String,
    pub kind: MeasureKind,
    pub responsible_leader_id: Option<i64>,
    pub lead_department_id: Option<i64>,
    /// Sorted.
    pub supporting_department_ids: Vec<i64>,
    /// Sorted.
    pub assignee_ids: Vec<i64>,
    pub deadline: Option<NaiveDate>,
    pub status: MeasureStatus,
}

#[derive(Debug, Clone)]
pub struct ExistingProblem {
    pub id: i64,
    pub title: String,
    pub feedback: String,
    pub responsible_leader_id: Option<i64>,
    pub lead_department_id: Option<i64>,
    /// `open`, `requested` or `closed`.
    pub closeout_status: String,
    /// In order.
    pub measures: Vec<ExistingMeasure>,
}

#[derive(Debug, Clone)]
pub struct ExistingCategory {
    pub id: i64,
    pub ordinal: i32,
    pub title: String,
    /// In order.
    pub problems: Vec<ExistingProblem>,
}

/// What an inspection holds, in ledger order.
#[derive(Debug, Clone, Default)]
pub struct ExistingLedger {
    pub categories: Vec<ExistingCategory>,
}

impl ExistingLedger {
    pub fn load(conn: &mut DbConn, inspection_id: i64) -> AppResult<ExistingLedger> {
        let cats: Vec<Category> = categories::table
            .filter(categories::inspection_id.eq(inspection_id))
            .order(categories::ordinal)
            .select(Category::as_select())
            .load(conn)?;
        let probs: Vec<Problem> = problems::table
            .filter(problems::inspection_id.eq(inspection_id))
            .order(problems::ordinal)
            .select(Problem::as_select())
            .load(conn)?;
        let ms: Vec<Measure> = measures::table
            .filter(measures::inspection_id.eq(inspection_id))
            .order((measures::problem_id, measures::ordinal))
            .select(Measure::as_select())
            .load(conn)?;
        let mut assignees: HashMap<i64, Vec<i64>> = HashMap::new();
        let rows: Vec<(i64, i64)> = measure_assignees::table
            .inner_join(measures::table)
            .filter(measures::inspection_id.eq(inspection_id))
            .select((measure_assignees::measure_id, measure_assignees::user_id))
            .load(conn)?;
        for (m, u) in rows {
            assignees.entry(m).or_default().push(u);
        }
        let mut supporting: HashMap<i64, Vec<i64>> = HashMap::new();
        let rows: Vec<(i64, i64)> = measure_supporting_departments::table
            .inner_join(measures::table)
            .filter(measures::inspection_id.eq(inspection_id))
            .select((measure_supporting_departments::measure_id, measure_supporting_departments::department_id))
            .load(conn)?;
        for (m, d) in rows {
            supporting.entry(m).or_default().push(d);
        }
        let sorted = |v: Option<Vec<i64>>| {
            let mut v = v.unwrap_or_default();
            v.sort();
            v.dedup();
            v
        };
        let mut by_problem: HashMap<i64, Vec<ExistingMeasure>> = HashMap::new();
        for m in ms {
            by_problem.entry(m.problem_id).or_default().push(ExistingMeasure {
                id: m.id,
                ordinal: m.ordinal,
                supporting_department_ids: sorted(supporting.remove(&m.id)),
                assignee_ids: sorted(assignees.remove(&m.id)),
                kind: MeasureKind::parse(&m.kind).unwrap_or(MeasureKind::TimeBound),
                status: MeasureStatus::parse(&m.status).unwrap_or(MeasureStatus::NotStarted),
                title: m.title,
                content: m.content,
                responsible_leader_id: m.responsible_leader_id,
                lead_department_id: m.lead_department_id,
                deadline: m.deadline,
            });
        }
        let mut by_category: HashMap<i64, Vec<ExistingProblem>> = HashMap::new();
        for p in probs {
            by_category.entry(p.category_id).or_default().push(ExistingProblem {
                id: p.id,
                measures: by_problem.remove(&p.id).unwrap_or_default(),
                title: p.title,
                feedback: p.feedback,
                responsible_leader_id: p.responsible_leader_id,
                lead_department_id: p.lead_department_id,
                closeout_status: p.closeout_status,
            });
        }
        Ok(ExistingLedger {
            categories: cats
                .into_iter()
                .map(|c| ExistingCategory {
                    id: c.id,
                    ordinal: c.ordinal,
                    problems: by_category.remove(&c.id).unwrap_or_default(),
                    title: c.title,
                })
                .collect(),
        })
    }

    fn problem_count(&self) -> usize {
        self.categories.iter().map(|c| c.problems.len()).sum()
    }
}

/// Pairs wanted titles with existing ones, one to one and in order: the n-th document item
/// called T matches the n-th existing item called T (titles compared trimmed).
fn pair<'a>(wanted: impl Iterator<Item = &'a str>, have: &[&str]) -> Vec<Option<usize>> {
    let mut used = vec![false; have.len()];
    wanted
        .map(|w| {
            let i = (0..have.len()).find(|&i| !used[i] && have[i].trim() == w.trim())?;
            used[i] = true;
            Some(i)
        })
        .collect()
}

/// The fields of an existing problem that the document's would change.
pub fn problem_changes(p: &ProblemPlan, e: &ExistingProblem) -> Vec<&'static str> {
    let mut out = Vec::new();
    if p.given.feedback && p.feedback != e.feedback.trim() {
        out.push("feedback");
    }
    if p.given.responsible_leader && p.responsible_leader_id != e.responsible_leader_id {
        out.push("responsible_leader");
    }
    if p.given.lead_department && p.lead_department_id != e.lead_department_id {
        out.push("lead_department");
    }
    out
}

fn set(v: &[i64]) -> Vec<i64> {
    let mut v = v.to_vec();
    v.sort();
    v.dedup();
    v
}

/// The fields of an existing measure that the document's would change (named as in the document).
pub fn measure_changes(m: &MeasurePlan, e: &ExistingMeasure) -> Vec<&'static str> {
    let (n, g) = (&m.measure, m.given);
    let mut out = Vec::new();
    if n.content != e.content.trim() {
        out.push("text");
    }
    if g.kind && n.kind != e.kind {
        out.push("kind");
    }
    if g.deadline && n.deadline != e.deadline {
        out.push("deadline");
    }
    if g.responsible_leader && n.responsible_leader_id != e.responsible_leader_id {
        out.push("responsible_leader");
    }
    if g.lead_department && n.lead_department_id != e.lead_department_id {
        out.push("lead_department");
    }
    if g.supporting_departments && set(&n.supporting_department_ids) != e.supporting_department_ids {
        out.push("supporting_departments");
    }
    if g.assignees && set(&n.assignee_ids) != e.assignee_ids {
        out.push("assignees");
    }
    out
}

/// The change an update makes to an existing measure: only the fields that differ.
fn measure_patch(m: &MeasurePlan, changes: &[&str]) -> MeasurePatch {
    let n = &m.measure;
    let has = |f: &str| changes.contains(&f);
    MeasurePatch {
        title: None,
        content: has("text").then(|| n.content.clone()),
        kind: has("kind").then_some(n.kind),
        responsible_leader_id: has("responsible_leader").then_some(n.responsible_leader_id),
        lead_department_id: has("lead_department").then_some(n.lead_department_id),
        supporting_department_ids: has("supporting_departments").then(|| n.supporting_department_ids.clone()),
        assignee_ids: has("assignees").then(|| n.assignee_ids.clone()),
        deadline: has("deadline").then_some(n.deadline),
    }
}

fn problem_patch(p: &ProblemPlan, changes: &[&str]) -> ProblemPatch {
    let has = |f: &str| changes.contains(&f);
    ProblemPatch {
        category_id: None,
        title: None,
        feedback: has("feedback").then(|| p.feedback.clone()),
        responsible_leader_id: has("responsible_leader").then_some(p.responsible_leader_id),
        lead_department_id: has("lead_department").then_some(p.lead_department_id),
    }
}

/// Whether an update leaves an existing problem as it is: its close-out is requested or done.
pub fn problem_locked(e: &ExistingProblem) -> bool {
    e.closeout_status != "open"
}

/// Whether an update leaves an existing measure as it is: handed in for sign-off, or done.
pub fn measure_locked(e: &ExistingMeasure) -> bool {
    !open_to_import_update(e.status)
}

/// Categories, problems and measures.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct ImportCounts {
    pub categories: usize,
    pub problems: usize,
    pub measures: usize,
}

impl ImportCounts {
    pub fn total(&self) -> usize {
        self.categories + self.problems + self.measures
    }
}

/// What an import does with one choice for what exists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ImportOutcome {
    pub on_existing: OnExisting,
    /// New rows written.
    pub created: ImportCounts,
    /// Existing problems and measures whose fields change (`update`).
    pub updated: ImportCounts,
    /// Existing items that already agree with the document (`update`; categories have only a title).
    pub unchanged: ImportCounts,
    /// Existing items left as they are although the document differs or repeats them: all of
    /// them with `skip`; with `update`, measures handed in for sign-off or done and problems
    /// whose close-out is requested or done.
    pub skipped: ImportCounts,
}

/// Whether a document's item is new to the inspection or already in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ItemState {
    New,
    Existing,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PreviewMeasure {
    /// The label it has after the import.
    pub label: String,
    pub title: String,
    /// After the import.
    pub kind: MeasureKind,
    /// After the import.
    pub deadline: Option<NaiveDate>,
    pub state: ItemState,
    /// The measure it matches, when existing.
    pub existing_id: Option<i64>,
    /// Fields the document gives differently from the existing measure, named as in the
    /// document (`text`, `kind`, `deadline`, `responsible_leader`, `lead_department`,
    /// `supporting_departments`, `assignees`): what `update` changes unless `locked`.
    pub changes: Vec<String>,
    /// Handed in for sign-off or done: `update` leaves it as it is. A new measure of a problem
    /// whose close-out is requested or done is locked too: it is not added.
    pub locked: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PreviewProblem {
    pub label: String,
    pub title: String,
    pub state: ItemState,
    pub existing_id: Option<i64>,
    /// `feedback`, `responsible_leader`, `lead_department`: what `update` changes unless `locked`.
    pub changes: Vec<String>,
    /// Close-out requested or done: `update` leaves the problem's fields as they are.
    pub locked: bool,
    pub measures: Vec<PreviewMeasure>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PreviewCategory {
    pub label: String,
    pub title: String,
    pub state: ItemState,
    pub existing_id: Option<i64>,
    pub problems: Vec<PreviewProblem>,
}

/// What an import created, or (dry run) would create, update and skip.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportReport {
    pub dry_run: bool,
    /// Whether the document can be imported as it is.
    pub valid: bool,
    /// The choice for what exists, as given.
    pub on_existing: Option<OnExisting>,
    /// Categories, problems and measures in the document.
    pub categories: usize,
    pub problems: usize,
    pub measures: usize,
    /// Of those, the ones the inspection already holds.
    pub existing: ImportCounts,
    /// What this import creates (a dry run: would create) with `on_existing`; without a choice
    /// nothing that exists is touched, so these count as `skip` does. A real import without a
    /// choice is refused (409 `import_has_existing`) when `existing` is not empty.
    pub created: ImportCounts,
    pub updated: ImportCounts,
    pub unchanged: ImportCounts,
    pub skipped: ImportCounts,
    /// Dry runs: what each choice would do, to choose from.
    pub choices: Vec<ImportOutcome>,
    /// The document's items in its order, with the labels they have after the import and
    /// whether each exists (with `add`, everything is new and follows what exists).
    pub preview: Vec<PreviewCategory>,
    /// Every problem found, with its JSON pointer into the document.
    pub errors: Vec<FieldError>,
}

/// A checked plan matched against what an inspection holds. Pure: the database is read before.
pub struct Merge<'a> {
    plan: &'a [CategoryPlan],
    existing: &'a ExistingLedger,
    /// Per document category, the index of the existing category it matches.
    cats: Vec<Option<usize>>,
    /// Per document category and problem, the index of the matching problem in that existing category.
    probs: Vec<Vec<Option<usize>>>,
    /// Per document category, problem and measure, the index of the matching measure in that existing problem.
    meas: Vec<Vec<Vec<Option<usize>>>>,
}

impl<'a> Merge<'a> {
    pub fn new(plan: &'a [CategoryPlan], existing: &'a ExistingLedger) -> Merge<'a> {
        let titles: Vec<&str> = existing.categories.iter().map(|c| c.title.as_str()).collect();
        let cats = pair(plan.iter().map(|c| c.title.as_str()), &titles);
        let mut probs = Vec::new();
        let mut meas = Vec::new();
        for (c, m) in plan.iter().zip(&cats) {
            let Some(ec) = m.map(|i| &existing.categories[i]) else {
                probs.push(vec![None; c.problems.len()]);
                meas.push(c.problems.iter().map(|p| vec![None; p.measures.len()]).collect());
                continue;
            };
            let titles: Vec<&str> = ec.problems.iter().map(|p| p.title.as_str()).collect();
            let ps = pair(c.problems.iter().map(|p| p.title.as_str()), &titles);
            meas.push(
                c.problems
                    .iter()
                    .zip(&ps)
                    .map(|(p, m)| match m {
                        None => vec![None; p.measures.len()],
                        Some(i) => {
                            let titles: Vec<&str> = ec.problems[*i].measures.iter().map(|m| m.title.as_str()).collect();
                            pair(p.measures.iter().map(|m| m.measure.title.as_str()), &titles)
                        }
                    })
                    .collect(),
            );
            probs.push(ps);
        }
        Merge { plan, existing, cats, probs, meas }
    }

    fn category(&self, ci: usize) -> Option<&'a ExistingCategory> {
        self.cats[ci].map(|i| &self.existing.categories[i])
    }

    fn problem(&self, ci: usize, pi: usize) -> Option<&'a ExistingProblem> {
        Some(&self.category(ci)?.problems[self.probs[ci][pi]?])
    }

    fn measure(&self, ci: usize, pi: usize, mi: usize) -> Option<&'a ExistingMeasure> {
        Some(&self.problem(ci, pi)?.measures[self.meas[ci][pi][mi]?])
    }

    /// The document's counts.
    pub fn document(&self) -> ImportCounts {
        ImportCounts {
            categories: self.plan.len(),
            problems: self.plan.iter().map(|c| c.problems.len()).sum(),
            measures: self.plan.iter().flat_map(|c| &c.problems).map(|p| p.measures.len()).sum(),
        }
    }

    /// How many of the document's items exist.
    pub fn existing(&self) -> ImportCounts {
        let n = |v: &[Option<usize>]| v.iter().filter(|x| x.is_some()).count();
        ImportCounts {
            categories: n(&self.cats),
            problems: self.probs.iter().map(|v| n(v)).sum(),
            measures: self.meas.iter().flatten().map(|v| n(v)).sum(),
        }
    }

    pub fn outcome(&self, choice: OnExisting) -> ImportOutcome {
        let mut o = ImportOutcome {
            on_existing: choice,
            created: ImportCounts::default(),
            updated: ImportCounts::default(),
            unchanged: ImportCounts::default(),
            skipped: ImportCounts::default(),
        };
        if choice == OnExisting::Add {
            o.created = self.document();
            return o;
        }
        let update = choice == OnExisting::Update;
        // Where an existing item lands: unchanged, updated, or skipped.
        let tally = |changes: bool, locked: bool| -> usize {
            match (update, changes, locked) {
                (false, _, _) => 2,
                (true, false, _) => 0,
                (true, true, false) => 1,
                (true, true, true) => 2,
            }
        };
        let bump = |o: &mut ImportOutcome, slot: usize, f: fn(&mut ImportCounts) -> &mut usize| match slot {
            0 => *f(&mut o.unchanged) += 1,
            1 => *f(&mut o.updated) += 1,
            _ => *f(&mut o.skipped) += 1,
        };
        for (ci, c) in self.plan.iter().enumerate() {
            match self.category(ci) {
                None => o.created.categories += 1,
                Some(_) => bump(&mut o, tally(false, false), |c| &mut c.categories),
            }
            for (pi, p) in c.problems.iter().enumerate() {
                match self.problem(ci, pi) {
                    None => o.created.problems += 1,
                    Some(e) => bump(&mut o, tally(!problem_changes(p, e).is_empty(), problem_locked(e)), |c| &mut c.problems),
                }
                // A problem whose close-out is requested or done takes no new measure either.
                let closed = self.problem(ci, pi).is_some_and(problem_locked);
                for (mi, m) in p.measures.iter().enumerate() {
                    match self.measure(ci, pi, mi) {
                        None if closed => o.skipped.measures += 1,
                        None => o.created.measures += 1,
                        Some(e) => bump(&mut o, tally(!measure_changes(m, e).is_empty(), measure_locked(e)), |c| &mut c.measures),
                    }
                }
            }
        }
        o
    }

    /// The document's items with the labels they have after the import.
    pub fn preview(&self, choice: Option<OnExisting>) -> Vec<PreviewCategory> {
        if choice == Some(OnExisting::Add) {
            return self.preview_added();
        }
        let update = choice == Some(OnExisting::Update);
        // Problems are numbered across the inspection: the existing ones of each category in
        // order, then the document's new ones for that category, then the new categories'.
        let mut no = 0;
        let mut existing_no: HashMap<i64, i32> = HashMap::new();
        let mut new_no: HashMap<(usize, usize), i32> = HashMap::new();
        for (ei, ec) in self.existing.categories.iter().enumerate() {
            for p in &ec.problems {
                no += 1;
                existing_no.insert(p.id, no);
            }
            for ci in (0..self.plan.len()).filter(|&ci| self.cats[ci] == Some(ei)) {
                for pi in (0..self.plan[ci].problems.len()).filter(|&pi| self.probs[ci][pi].is_none()) {
                    no += 1;
                    new_no.insert((ci, pi), no);
                }
            }
        }
        for ci in (0..self.plan.len()).filter(|&ci| self.cats[ci].is_none()) {
            for pi in 0..self.plan[ci].problems.len() {
                no += 1;
                new_no.insert((ci, pi), no);
            }
        }
        let mut next_category = self.existing.categories.iter().map(|c| c.ordinal).max().unwrap_or(0);
        let state = |e: Option<i64>| if e.is_some() { ItemState::Existing } else { ItemState::New };
        self.plan
            .iter()
            .enumerate()
            .map(|(ci, c)| {
                let ec = self.category(ci);
                let ordinal = ec.map(|e| e.ordinal).unwrap_or_else(|| {
                    next_category += 1;
                    next_category
                });
                PreviewCategory {
                    label: category_label(ordinal),
                    title: c.title.clone(),
                    state: state(ec.map(|e| e.id)),
                    existing_id: ec.map(|e| e.id),
                    problems: c
                        .problems
                        .iter()
                        .enumerate()
                        .map(|(pi, p)| {
                            let ep = self.problem(ci, pi);
                            let no = ep.map(|e| existing_no[&e.id]).unwrap_or_else(|| new_no[&(ci, pi)]);
                            let mut next_measure = ep.and_then(|e| e.measures.iter().map(|m| m.ordinal).max()).unwrap_or(0);
                            PreviewProblem {
                                label: problem_label(no),
                                title: p.title.clone(),
                                state: state(ep.map(|e| e.id)),
                                existing_id: ep.map(|e| e.id),
                                changes: ep.map(|e| problem_changes(p, e)).unwrap_or_default().into_iter().map(String::from).collect(),
                                locked: ep.is_some_and(problem_locked),
                                measures: p
                                    .measures
                                    .iter()
                                    .enumerate()
                                    .map(|(mi, m)| {
                                        let em = self.measure(ci, pi, mi);
                                        let changes = em.map(|e| measure_changes(m, e)).unwrap_or_default();
                                        let locked = em.map_or(ep.is_some_and(problem_locked), measure_locked);
                                        let (ordinal, kind, deadline) = match em {
                                            None => {
                                                next_measure += 1;
                                                (next_measure, m.measure.kind, m.measure.deadline)
                                            }
                                            Some(e) => {
                                                let applied = update && !locked;
                                                let kind = if applied && changes.contains(&"kind") { m.measure.kind } else { e.kind };
                                                let deadline =
                                                    if applied && changes.contains(&"deadline") { m.measure.deadline } else { e.deadline };
                                                (e.ordinal, kind, deadline)
                                            }
                                        };
                                        PreviewMeasure {
                                            label: measure_label(ordinal),
                                            title: m.measure.title.clone(),
                                            kind,
                                            deadline,
                                            state: state(em.map(|e| e.id)),
                                            existing_id: em.map(|e| e.id),
                                            changes: changes.into_iter().map(String::from).collect(),
                                            locked,
                                        }
                                    })
                                    .collect(),
                            }
                        })
                        .collect(),
                }
            })
            .collect()
    }

    /// Everything new, after what exists.
    fn preview_added(&self) -> Vec<PreviewCategory> {
        let first_category = self.existing.categories.iter().map(|c| c.ordinal).max().unwrap_or(0) + 1;
        let mut p_no = self.existing.problem_count() as i32;
        self.plan
            .iter()
            .enumerate()
            .map(|(ci, c)| PreviewCategory {
                label: category_label(first_category + ci as i32),
                title: c.title.clone(),
                state: ItemState::New,
                existing_id: None,
                problems: c
                    .problems
                    .iter()
                    .map(|p| {
                        p_no += 1;
                        PreviewProblem {
                            label: problem_label(p_no),
                            title: p.title.clone(),
                            state: ItemState::New,
                            existing_id: None,
                            changes: Vec::new(),
                            locked: false,
                            measures: p
                                .measures
                                .iter()
                                .enumerate()
                                .map(|(mi, m)| PreviewMeasure {
                                    label: measure_label(mi as i32 + 1),
                                    title: m.measure.title.clone(),
                                    kind: m.measure.kind,
                                    deadline: m.measure.deadline,
                                    state: ItemState::New,
                                    existing_id: None,
                                    changes: Vec::new(),
                                    locked: false,
                                })
                                .collect(),
                        }
                    })
                    .collect(),
            })
            .collect()
    }
}

/// Checks a document and describes what it would do to an inspection holding `existing`.
pub fn check(
    doc: &Value,
    dir: &Directory,
    existing: &ExistingLedger,
    dry_run: bool,
    on_existing: Option<OnExisting>,
) -> (Vec<CategoryPlan>, ImportReport) {
    let (plan, errors) = match plan(doc, dir) {
        Ok(p) => (p, Vec::new()),
        Err(e) => (Vec::new(), e),
    };
    let merge = Merge::new(&plan, existing);
    let doc_counts = merge.document();
    let outcome = merge.outcome(on_existing.unwrap_or(OnExisting::Skip));
    let report = ImportReport {
        dry_run,
        valid: errors.is_empty(),
        on_existing,
        categories: doc_counts.categories,
        problems: doc_counts.problems,
        measures: doc_counts.measures,
        existing: merge.existing(),
        created: outcome.created,
        updated: outcome.updated,
        unchanged: outcome.unchanged,
        skipped: outcome.skipped,
        choices: if dry_run { OnExisting::ALL.iter().map(|c| merge.outcome(*c)).collect() } else { Vec::new() },
        preview: merge.preview(on_existing),
        errors,
    };
    (plan, report)
}

/// Checks and (unless `dry_run`) imports a document into an inspection. A real import is all
/// or nothing: any error and nothing is written. When the document repeats what the
/// inspection holds, a real import needs `on_existing`.
pub fn import(
    conn: &mut DbConn,
    caller: &Caller,
    inspection_id: i64,
    doc: &Value,
    dry_run: bool,
    on_existing: Option<OnExisting>,
    progress: &mut dyn FnMut(usize, usize),
) -> AppResult<ImportReport> {
    write_tx(conn, |conn| {
        let inspection = editable(conn, caller, inspection_id)?;
        let dir = Directory::load(conn, inspection.organisation_id)?;
        let existing = ExistingLedger::load(conn, inspection_id)?;
        let (plan, report) = check(doc, &dir, &existing, dry_run, on_existing);
        if dry_run {
            return Ok(report);
        }
        if !report.valid {
            return Err(AppError::validation(report.errors));
        }
        if on_existing.is_none() && report.existing.total() > 0 {
            let e = report.existing;
            return Err(AppError::conflict(
                "import_has_existing",
                format!(
                    "{} categories, {} problems and {} measures of the document are already in the inspection; \
                     choose on_existing=skip, update or add",
                    e.categories, e.problems, e.measures
                ),
            ));
        }
        let org = inspection.organisation_id;
        match on_existing.unwrap_or(OnExisting::Add) {
            OnExisting::Add => apply(conn, org, inspection_id, &plan, progress)?,
            choice => apply_merge(conn, caller, org, inspection_id, &Merge::new(&plan, &existing), choice == OnExisting::Update, progress)?,
        }
        let summary = serde_json::json!({
            "on_existing": on_existing,
            "categories": report.categories, "problems": report.problems, "measures": report.measures,
            "created": report.created, "updated": report.updated, "unchanged": report.unchanged, "skipped": report.skipped,
        });
        crate::domain::audit::record(conn, caller, org, "inspection.import", ("inspection", inspection_id), summary)?;
        Ok(report)
    })
}

/// Writes a checked plan after the inspection's existing categories and problems, all of it
/// new. Must run inside a transaction.
pub fn apply(
    conn: &mut DbConn,
    organisation_id: i64,
    inspection_id: i64,
    plan: &[CategoryPlan],
    progress: &mut dyn FnMut(usize, usize),
) -> AppResult<()> {
    let total: usize = plan.iter().flat_map(|c| &c.problems).map(|p| p.measures.len()).sum();
    let mut done = 0;
    for c in plan {
        let category_id = insert_category(conn, inspection_id, &c.title)?.id;
        for p in &c.problems {
            let problem_id = insert_problem(conn, inspection_id, &new_problem(category_id, p))?;
            for (n, m) in p.measures.iter().enumerate() {
                // The problem ordinal is set by the renumbering at the end.
                insert(conn, (organisation_id, inspection_id, problem_id, 0), n as i32 + 1, &m.measure)?;
                done += 1;
                progress(done, total);
            }
        }
    }
    renumber_problems(conn, inspection_id)
}

fn new_problem(category_id: i64, p: &ProblemPlan) -> NewProblem {
    NewProblem {
        category_id,
        title: p.title.clone(),
        feedback: p.feedback.clone(),
        responsible_leader_id: p.responsible_leader_id,
        lead_department_id: p.lead_department_id,
    }
}

/// A validation error of an edit made by the import, pointed at the item's field in the document.
fn within(e: AppError, at: &str) -> AppError {
    if e.errors.is_empty() {
        return e;
    }
    const FIELDS: [(&str, &str); 6] = [
        ("/content", "/text"),
        ("/responsible_leader_id", "/responsible_leader"),
        ("/lead_department_id", "/lead_department"),
        ("/supporting_department_ids", "/supporting_departments"),
        ("/assignee_ids", "/assignees"),
        ("/deadline", "/deadline"),
    ];
    let named = |p: &str| {
        FIELDS.iter().find_map(|(api, doc)| p.strip_prefix(api).map(|rest| format!("{doc}{rest}"))).unwrap_or_else(|| p.to_string())
    };
    AppError::validation(e.errors.into_iter().map(|f| FieldError { pointer: format!("{at}{}", named(&f.pointer)), ..f }).collect())
}

/// Writes a checked plan into what the inspection holds: new problems at the end of their
/// (existing or new) category, new measures after their problem's; with `update`, existing
/// problems and measures that are not locked take the document's fields through the same
/// checks and audit as an edit. Must run inside a transaction.
pub fn apply_merge(
    conn: &mut DbConn,
    caller: &Caller,
    organisation_id: i64,
    inspection_id: i64,
    merge: &Merge,
    update: bool,
    progress: &mut dyn FnMut(usize, usize),
) -> AppResult<()> {
    let total = merge.document().measures;
    let mut done = 0;
    for (ci, c) in merge.plan.iter().enumerate() {
        let category_id = match merge.category(ci) {
            Some(e) => e.id,
            None => insert_category(conn, inspection_id, &c.title)?.id,
        };
        for (pi, p) in c.problems.iter().enumerate() {
            let at = format!("/categories/{ci}/problems/{pi}");
            let ep = merge.problem(ci, pi);
            let problem_id = match ep {
                None => insert_problem(conn, inspection_id, &new_problem(category_id, p))?,
                Some(e) => {
                    let changes = problem_changes(p, e);
                    if update && !changes.is_empty() && !problem_locked(e) {
                        let row: Problem = problems::table.find(e.id).select(Problem::as_select()).first(conn)?;
                        write_problem_patch(conn, caller, organisation_id, row, problem_patch(p, &changes)).map_err(|x| within(x, &at))?;
                    }
                    e.id
                }
            };
            let mut next = ep.and_then(|e| e.measures.iter().map(|m| m.ordinal).max()).unwrap_or(0);
            let closed = ep.is_some_and(problem_locked);
            for (mi, m) in p.measures.iter().enumerate() {
                match merge.measure(ci, pi, mi) {
                    None if closed => {}
                    None => {
                        next += 1;
                        insert(conn, (organisation_id, inspection_id, problem_id, 0), next, &m.measure)?;
                    }
                    Some(e) => {
                        let changes = measure_changes(m, e);
                        if update && !changes.is_empty() && !measure_locked(e) {
                            let row: Measure = measures::table.find(e.id).select(Measure::as_select()).first(conn)?;
                            write_patch(conn, caller, row, measure_patch(m, &changes))
                                .map_err(|x| within(x, &format!("{at}/measures/{mi}")))?;
                        }
                    }
                }
                done += 1;
                progress(done, total);
            }
        }
    }
    renumber_problems(conn, inspection_id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn dir() -> Directory {
        let mut d = Directory::default();
        d.users.insert("覃守生".into(), vec![7]);
        d.users.insert("qinss".into(), vec![7]);
        d.users.insert("王芳".into(), vec![8, 9]);
        d.departments.insert("教务处".into(), 3);
        d
    }

    #[test]
    fn titles_come_from_the_first_sentence() {
        assert_eq!(derive_title("强化思想武装。9 月份开始，正式将……"), "强化思想武装");
        assert_eq!(
            derive_title("全面梳理、完善学校制度，形成制度管人、流程管事机制，《制度汇编》完成更新。"),
            "全面梳理、完善学校制度，形成制度管人、流程管事机…"
        );
        assert_eq!(derive_title("及时补缴"), "及时补缴");
    }

    #[test]
    fn the_reference_ledger_plans_as_3_30_105() {
        let doc: Value = serde_json::from_str(include_str!("../../../fixtures/changyang-2021/ledger.json")).unwrap();
        let plan = plan(&doc, &Directory::default()).unwrap();
        assert_eq!(plan.len(), 3);
        assert_eq!(plan.iter().map(|c| c.problems.len()).sum::<usize>(), 30);
        assert_eq!(plan.iter().flat_map(|c| &c.problems).map(|p| p.measures.len()).sum::<usize>(), 105);
        assert_eq!(plan[0].problems[0].measures[0].measure.title, "强化思想武装");
    }

    #[test]
    fn every_error_is_reported_with_its_pointer() {
        let doc = json!({"categories": [
            {"title": "一", "problems": [
                {"ordinal": 1, "title": "p", "responsible_leader": "王芳", "measures": [
                    {"ordinal": 1, "text": "做。", "assignees": ["覃守生", "nobody"], "lead_department": "后勤处", "deadline": "2021-13-01", "kind": "soon"},
                    {"ordinal": 3, "text": ""}
                ]}
            ]},
            {"title": "", "problems": [{"ordinal": 5, "title": "q", "measures": []}]}
        ]});
        let errors = plan(&doc, &dir()).unwrap_err();
        let got: Vec<(&str, &str)> = errors.iter().map(|e| (e.pointer.as_str(), e.code.as_str())).collect();
        assert_eq!(
            got,
            [
                ("/categories/0/problems/0/responsible_leader", "ambiguous_user"),
                ("/categories/0/problems/0/measures/0/kind", "invalid_kind"),
                ("/categories/0/problems/0/measures/0/deadline", "invalid_date"),
                ("/categories/0/problems/0/measures/0/lead_department", "unknown_department"),
                ("/categories/0/problems/0/measures/0/assignees/1", "unknown_user"),
                ("/categories/0/problems/0/measures/1/ordinal", "ordinal_out_of_sequence"),
                ("/categories/0/problems/0/measures/1/text", "required"),
                ("/categories/1/title", "required"),
                ("/categories/1/problems/0/ordinal", "ordinal_out_of_sequence"),
            ]
        );
        assert!(errors[1].message.contains("立行立改"), "the message names the kinds as people write them: {}", errors[1].message);
        assert!(plan(&json!([1]), &dir()).is_err());
        assert_eq!(plan(&json!({"categories": []}), &dir()).unwrap_err()[0].code, "required");
    }

    #[test]
    fn measure_kinds_are_accepted_as_people_write_them() {
        let doc = json!({"categories": [{"title": "一", "problems": [{"title": "p", "measures": [
            {"text": "a。", "kind": "立行立改"}, {"text": "b。", "kind": "长期坚持"}, {"text": "c。", "kind": " 限期整改 "},
            {"text": "d。", "kind": "long_term"}, {"text": "e。"}
        ]}]}]});
        let plan = plan(&doc, &dir()).unwrap();
        let kinds: Vec<MeasureKind> = plan[0].problems[0].measures.iter().map(|m| m.measure.kind).collect();
        use MeasureKind::*;
        assert_eq!(kinds, [Immediate, LongTerm, TimeBound, LongTerm, TimeBound]);
        let given: Vec<bool> = plan[0].problems[0].measures.iter().map(|m| m.given.kind).collect();
        assert_eq!(given, [true, true, true, true, false], "a missing kind is not a kind to update to");
    }

    fn reference_plan() -> Vec<CategoryPlan> {
        let doc: Value = serde_json::from_str(include_str!("../../../fixtures/changyang-2021/ledger.json")).unwrap();
        plan(&doc, &Directory::default()).unwrap()
    }

    /// An inspection holding exactly a plan, with ids 1000+ for categories, 2000+ problems, 3000+ measures.
    fn holding(plan: &[CategoryPlan]) -> ExistingLedger {
        let (mut p_id, mut m_id) = (2000, 3000);
        ExistingLedger {
            categories: plan
                .iter()
                .enumerate()
                .map(|(ci, c)| ExistingCategory {
                    id: 1000 + ci as i64,
                    ordinal: ci as i32 + 1,
                    title: c.title.clone(),
                    problems: c
                        .problems
                        .iter()
                        .map(|p| {
                            p_id += 1;
                            ExistingProblem {
                                id: p_id,
                                title: p.title.clone(),
                                feedback: p.feedback.clone(),
                                responsible_leader_id: p.responsible_leader_id,
                                lead_department_id: p.lead_department_id,
                                closeout_status: "open".into(),
                                measures: p
                                    .measures
                                    .iter()
                                    .enumerate()
                                    .map(|(mi, m)| {
                                        m_id += 1;
                                        let n = &m.measure;
                                        ExistingMeasure {
                                            id: m_id,
                                            ordinal: mi as i32 + 1,
                                            title: n.title.clone(),
                                            content: n.content.clone(),
                                            kind: n.kind,
                                            responsible_leader_id: n.responsible_leader_id,
                                            lead_department_id: n.lead_department_id,
                                            supporting_department_ids: set(&n.supporting_department_ids),
                                            assignee_ids: set(&n.assignee_ids),
                                            deadline: n.deadline,
                                            status: MeasureStatus::NotStarted,
                                        }
                                    })
                                    .collect(),
                            }
                        })
                        .collect(),
                })
                .collect(),
        }
    }

    fn counts(categories: usize, problems: usize, measures: usize) -> ImportCounts {
        ImportCounts { categories, problems, measures }
    }

    #[test]
    fn a_document_already_imported_is_found_whole_and_each_choice_says_what_it_does() {
        let plan = reference_plan();
        let existing = holding(&plan);
        let merge = Merge::new(&plan, &existing);
        let all = counts(3, 30, 105);
        assert_eq!(merge.document(), all);
        assert_eq!(merge.existing(), all);
        let skip = merge.outcome(OnExisting::Skip);
        assert_eq!(
            (skip.created, skip.updated, skip.unchanged, skip.skipped),
            (ImportCounts::default(), ImportCounts::default(), ImportCounts::default(), all)
        );
        let update = merge.outcome(OnExisting::Update);
        assert_eq!(
            (update.created, update.updated, update.unchanged, update.skipped),
            (ImportCounts::default(), ImportCounts::default(), all, ImportCounts::default())
        );
        let add = merge.outcome(OnExisting::Add);
        assert_eq!((add.created, add.skipped), (all, ImportCounts::default()));

        // Merged, the preview keeps the labels they have; added, everything follows as new.
        let merged = merge.preview(None);
        assert_eq!((merged[0].label.as_str(), merged[0].state), ("（一）", ItemState::Existing));
        assert_eq!(merged[0].existing_id, Some(1000));
        assert_eq!((merged[2].problems[0].label.as_str(), merged[2].problems[0].state), ("21.", ItemState::Existing));
        let m = &merged[0].problems[0].measures[1];
        assert_eq!((m.label.as_str(), m.state, m.existing_id, m.changes.len()), ("②", ItemState::Existing, Some(3002), 0));
        let added = merge.preview(Some(OnExisting::Add));
        assert_eq!((added[0].label.as_str(), added[0].state), ("（四）", ItemState::New));
        assert_eq!(added[0].problems[0].label, "31.");
        assert_eq!(added[2].problems[9].label, "60.");
    }

    #[test]
    fn titles_are_compared_trimmed_and_pair_one_to_one() {
        assert_eq!(pair(["a", " b ", "a", "c"].into_iter(), &["b", "a", "a "]), [Some(1), Some(0), Some(2), None]);
        assert_eq!(pair(["a", "a"].into_iter(), &["a"]), [Some(0), None], "a repeated title matches one existing item");
    }

    #[test]
    fn new_items_join_what_exists_numbered_after_it() {
        let full = reference_plan();
        // The inspection holds the first problem of each category without its last measure.
        let mut held: Vec<CategoryPlan> = full
            .iter()
            .cloned()
            .map(|mut c| {
                c.problems.truncate(1);
                c
            })
            .collect();
        held[0].problems[0].measures.pop();
        held.truncate(2);
        let existing = holding(&held);
        let doc = vec![full[0].clone(), full[2].clone()];
        let merge = Merge::new(&doc, &existing);
        assert_eq!(merge.existing(), counts(1, 1, full[0].problems[0].measures.len() - 1));
        let o = merge.outcome(OnExisting::Skip);
        let doc_measures: usize = doc.iter().flat_map(|c| &c.problems).map(|p| p.measures.len()).sum();
        assert_eq!(o.created, counts(1, 10 + 10, doc_measures - (full[0].problems[0].measures.len() - 1)));
        let preview = merge.preview(Some(OnExisting::Skip));
        // （一） exists; its new problems follow its one existing problem, before （二）'s.
        assert_eq!(preview[0].label, "（一）");
        let labels: Vec<(&str, ItemState)> = preview[0].problems.iter().take(3).map(|p| (p.label.as_str(), p.state)).collect();
        assert_eq!(labels, [("1.", ItemState::Existing), ("2.", ItemState::New), ("3.", ItemState::New)]);
        let last = preview[0].problems[0].measures.last().unwrap();
        assert_eq!((last.label.as_str(), last.state), (measure_label(full[0].problems[0].measures.len() as i32).as_str(), ItemState::New));
        // （二） exists with 1 problem, so the new （三） comes after it, its problems after 11 + 1.
        assert_eq!((preview[1].label.as_str(), preview[1].state), ("（三）", ItemState::New));
        assert_eq!(preview[1].problems[0].label, "13.");
    }

    #[test]
    fn an_update_changes_what_the_document_gives_and_leaves_measures_in_sign_off() {
        let mut doc = reference_plan();
        doc.truncate(1);
        let mut existing = holding(&doc);
        let p = &mut doc[0].problems[0];
        p.feedback = "巡察反馈意见原文".into();
        p.given.feedback = true;
        for m in p.measures.iter_mut().take(3) {
            m.measure.deadline = NaiveDate::from_ymd_opt(2021, 12, 31);
            m.given.deadline = true;
        }
        // ①: not started → updated; ②: handed in → left as it is; ③: done → left as it is.
        existing.categories[0].problems[0].measures[1].status = MeasureStatus::Submitted;
        existing.categories[0].problems[0].measures[2].status = MeasureStatus::Verified;
        // The second problem's close-out is requested: its fields stay.
        existing.categories[0].problems[1].closeout_status = "requested".into();
        doc[0].problems[1].feedback = "新的反馈".into();
        doc[0].problems[1].given.feedback = true;
        // …and takes no new measure.
        let mut added = doc[0].problems[1].measures[0].clone();
        added.measure.title = "销号申请后新增的措施".into();
        doc[0].problems[1].measures.push(added);
        let merge = Merge::new(&doc, &existing);
        let o = merge.outcome(OnExisting::Update);
        assert_eq!(o.updated, counts(0, 1, 1));
        assert_eq!(o.skipped, counts(0, 1, 3));
        assert_eq!(o.created, ImportCounts::default());
        assert_eq!(merge.outcome(OnExisting::Skip).created, ImportCounts::default());
        assert!(merge.preview(Some(OnExisting::Skip))[0].problems[1].measures.last().unwrap().locked);
        assert_eq!(o.unchanged.measures, merge.document().measures - 4);
        let preview = merge.preview(Some(OnExisting::Update));
        let ms = &preview[0].problems[0].measures;
        assert_eq!(
            (ms[0].changes.clone(), ms[0].locked, ms[0].deadline),
            (vec!["deadline".to_string()], false, NaiveDate::from_ymd_opt(2021, 12, 31))
        );
        assert_eq!((ms[1].changes.clone(), ms[1].locked, ms[1].deadline), (vec!["deadline".to_string()], true, None));
        assert!(ms[2].locked);
        assert_eq!(preview[0].problems[0].changes, ["feedback"]);
        assert!(preview[0].problems[1].locked);
        // A field the document leaves out is no change.
        assert!(ms[3].changes.is_empty());
        // With skip the same differences are shown, and nothing is updated.
        assert_eq!(merge.outcome(OnExisting::Skip).updated, ImportCounts::default());
        assert_eq!(merge.preview(Some(OnExisting::Skip))[0].problems[0].measures[0].deadline, None);
    }
}
