//! Importing a ledger document: categories → problems → measures, in the format of
//! `fixtures/changyang-2021/ledger.json`, with optional responsibility fields given by name.
//!
//! Reading is separate from writing: [`plan`] checks the whole document and reports every
//! problem with its JSON pointer; [`apply`] writes a checked plan in one transaction.

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::inspections::editable;
use super::labels::{category_label, measure_label, problem_label};
use super::measures::{insert, NewMeasure};
use super::structure::{insert_category, insert_problem, renumber_problems, NewProblem};
use super::MeasureKind;
use crate::auth::Caller;
use crate::db::{write_tx, DbConn};
use crate::error::{AppError, AppResult, FieldError};
use crate::schema::{categories, departments, problems, users};

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

#[derive(Debug, Clone)]
pub struct ProblemPlan {
    pub title: String,
    pub feedback: String,
    pub responsible_leader_id: Option<i64>,
    pub lead_department_id: Option<i64>,
    pub measures: Vec<NewMeasure>,
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

    fn measure(&mut self, m: &Value, p: &str, n: usize) -> NewMeasure {
        self.ordinal(&m["ordinal"], &format!("{p}/ordinal"), n + 1);
        let content = self.text(&m["text"], &format!("{p}/text"), true, 10_000);
        let title = match &m["title"] {
            Value::Null => derive_title(&content),
            t => self.text(t, &format!("{p}/title"), true, 200),
        };
        let kind = match &m["kind"] {
            Value::Null => MeasureKind::TimeBound,
            Value::String(s) => MeasureKind::parse(s).unwrap_or_else(|| {
                self.err(&format!("{p}/kind"), "invalid_kind", "immediate, time_bound or long_term");
                MeasureKind::TimeBound
            }),
            _ => {
                self.err(&format!("{p}/kind"), "invalid_kind", "immediate, time_bound or long_term");
                MeasureKind::TimeBound
            }
        };
        let deadline = match &m["deadline"] {
            Value::Null => None,
            Value::String(s) => {
                s.parse::<NaiveDate>().map_err(|_| self.err(&format!("{p}/deadline"), "invalid_date", "a date YYYY-MM-DD")).ok()
            }
            _ => {
                self.err(&format!("{p}/deadline"), "invalid_date", "a date YYYY-MM-DD");
                None
            }
        };
        NewMeasure {
            title,
            content,
            kind,
            responsible_leader_id: self.user(&m["responsible_leader"], &format!("{p}/responsible_leader")),
            lead_department_id: self.department(&m["lead_department"], &format!("{p}/lead_department")),
            supporting_department_ids: self.names(&m["supporting_departments"], &format!("{p}/supporting_departments"), Self::department),
            assignee_ids: self.names(&m["assignees"], &format!("{p}/assignees"), Self::user),
            deadline,
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
            let ms = c.array(&prob["measures"], &format!("{pp}/measures")).to_vec();
            let measures_ = ms.iter().enumerate().map(|(mi, m)| c.measure(m, &format!("{pp}/measures/{mi}"), mi)).collect();
            problems_.push(ProblemPlan { title, feedback, responsible_leader_id, lead_department_id, measures: measures_ });
        }
        out.push(CategoryPlan { title, problems: problems_ });
    }
    if c.errors.is_empty() {
        Ok(out)
    } else {
        Err(c.errors)
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PreviewMeasure {
    pub label: String,
    pub title: String,
    pub kind: MeasureKind,
    pub deadline: Option<NaiveDate>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PreviewProblem {
    pub label: String,
    pub title: String,
    pub measures: Vec<PreviewMeasure>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PreviewCategory {
    pub label: String,
    pub title: String,
    pub problems: Vec<PreviewProblem>,
}

/// What an import created, or (dry run) would create.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportReport {
    pub dry_run: bool,
    /// Whether the document can be imported as it is.
    pub valid: bool,
    pub categories: usize,
    pub problems: usize,
    pub measures: usize,
    pub preview: Vec<PreviewCategory>,
    /// Every problem found, with its JSON pointer into the document.
    pub errors: Vec<FieldError>,
}

fn preview(plan: &[CategoryPlan], first_category: i32, first_problem: i32) -> Vec<PreviewCategory> {
    let mut p_no = first_problem;
    plan.iter()
        .enumerate()
        .map(|(ci, c)| PreviewCategory {
            label: category_label(first_category + ci as i32),
            title: c.title.clone(),
            problems: c
                .problems
                .iter()
                .map(|p| {
                    p_no += 1;
                    PreviewProblem {
                        label: problem_label(p_no - 1),
                        title: p.title.clone(),
                        measures: p
                            .measures
                            .iter()
                            .enumerate()
                            .map(|(mi, m)| PreviewMeasure {
                                label: measure_label(mi as i32 + 1),
                                title: m.title.clone(),
                                kind: m.kind,
                                deadline: m.deadline,
                            })
                            .collect(),
                    }
                })
                .collect(),
        })
        .collect()
}

/// Checks a document and describes what it would add after `existing` (categories, problems).
pub fn check(doc: &Value, dir: &Directory, existing: (i64, i64), dry_run: bool) -> (Vec<CategoryPlan>, ImportReport) {
    let (plan, errors) = match plan(doc, dir) {
        Ok(p) => (p, Vec::new()),
        Err(e) => (Vec::new(), e),
    };
    let report = ImportReport {
        dry_run,
        valid: errors.is_empty(),
        categories: plan.len(),
        problems: plan.iter().map(|c| c.problems.len()).sum(),
        measures: plan.iter().flat_map(|c| &c.problems).map(|p| p.measures.len()).sum(),
        preview: preview(&plan, existing.0 as i32 + 1, existing.1 as i32 + 1),
        errors,
    };
    (plan, report)
}

/// Checks and (unless `dry_run`) imports a document into an inspection, after what it holds.
/// A real import is all or nothing: any error and nothing is written.
pub fn import(
    conn: &mut DbConn,
    caller: &Caller,
    inspection_id: i64,
    doc: &Value,
    dry_run: bool,
    progress: &mut dyn FnMut(usize, usize),
) -> AppResult<ImportReport> {
    write_tx(conn, |conn| {
        let inspection = editable(conn, caller, inspection_id)?;
        let dir = Directory::load(conn, inspection.organisation_id)?;
        let cats_before: i64 = categories::table.filter(categories::inspection_id.eq(inspection_id)).count().get_result(conn)?;
        let probs_before: i64 = problems::table.filter(problems::inspection_id.eq(inspection_id)).count().get_result(conn)?;
        let (plan, report) = check(doc, &dir, (cats_before, probs_before), dry_run);
        if dry_run {
            return Ok(report);
        }
        if !report.valid {
            return Err(AppError::validation(report.errors));
        }
        apply(conn, inspection.organisation_id, inspection_id, &plan, progress)?;
        let summary = serde_json::to_value(&report).map_err(AppError::internal)?;
        crate::domain::audit::record(
            conn,
            caller,
            inspection.organisation_id,
            "inspection.import",
            ("inspection", inspection_id),
            summary,
        )?;
        Ok(report)
    })
}

/// Writes a checked plan after the inspection's existing categories and problems. Must run
/// inside a transaction.
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
            let new = NewProblem {
                category_id,
                title: p.title.clone(),
                feedback: p.feedback.clone(),
                responsible_leader_id: p.responsible_leader_id,
                lead_department_id: p.lead_department_id,
            };
            let problem_id = insert_problem(conn, inspection_id, &new)?;
            for (n, m) in p.measures.iter().enumerate() {
                // The problem ordinal is set by the renumbering at the end.
                insert(conn, (organisation_id, inspection_id, problem_id, 0), n as i32 + 1, m)?;
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
        assert_eq!(plan[0].problems[0].measures[0].title, "强化思想武装");
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
        assert!(plan(&json!([1]), &dir()).is_err());
        assert_eq!(plan(&json!({"categories": []}), &dir()).unwrap_err()[0].code, "required");
    }
}
