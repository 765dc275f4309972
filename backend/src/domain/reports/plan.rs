//! The rectification plan (整改方案) with its three lists: 问题清单 (categories, problems),
//! 任务清单 (measures, kind, deadline) and 责任清单 (responsible leader, lead and supporting
//! departments, people), made from a ledger snapshot.

use serde::Serialize;
use utoipa::ToSchema;

use super::group::date_zh;
use super::ooxml::{Cell, Merge};
use super::snapshot::Snapshot;
use crate::domain::ledger::labels::{category_label, measure_label, problem_label};

#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct PlanModel {
    pub title: String,
    pub opening: String,
    /// What follows the opening: a line per list.
    pub contents: Vec<String>,
    pub lists: Vec<PlanList>,
}

#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct PlanList {
    /// `问题清单`, `任务清单`, `责任清单`.
    pub key: String,
    pub heading: String,
    pub header: Vec<String>,
    /// Relative column widths.
    pub weights: Vec<u32>,
    pub rows: Vec<Vec<PlanCell>>,
}

#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct PlanCell {
    pub text: String,
    /// Rows this cell spans (1 = itself); 0: covered by the cell above.
    pub rowspan: usize,
}

impl PlanList {
    pub fn docx_rows(&self) -> Vec<Vec<Cell>> {
        self.rows
            .iter()
            .map(|r| {
                r.iter()
                    .map(|c| {
                        let merge = match c.rowspan {
                            0 => Merge::Continue,
                            1 => Merge::None,
                            _ => Merge::Start,
                        };
                        let short = c.text.chars().count() <= 12;
                        let cell = Cell::new(c.text.clone()).merged(merge);
                        if short {
                            cell.centered()
                        } else {
                            cell
                        }
                    })
                    .collect()
            })
            .collect()
    }
}

/// Cells of one column merged over runs of rows that share a group: `groups[i]` is row i's group.
fn merged_column(texts: Vec<String>, groups: &[i64]) -> Vec<PlanCell> {
    let mut cells = Vec::with_capacity(texts.len());
    let mut i = 0;
    while i < texts.len() {
        let run = groups[i..].iter().take_while(|g| **g == groups[i]).count();
        cells.push(PlanCell { text: texts[i].clone(), rowspan: run });
        for k in 1..run {
            cells.push(PlanCell { text: texts[i + k].clone(), rowspan: 0 });
        }
        i += run;
    }
    cells
}

fn cell(text: impl Into<String>) -> PlanCell {
    PlanCell { text: text.into(), rowspan: 1 }
}

/// Assemble rows from columns (some merged).
fn rows_of(columns: Vec<Vec<PlanCell>>) -> Vec<Vec<PlanCell>> {
    let n = columns.first().map_or(0, Vec::len);
    (0..n).map(|i| columns.iter().map(|c| c[i].clone()).collect()).collect()
}

pub fn build(s: &Snapshot) -> PlanModel {
    let issuer = format!("中共{}委员会", s.organisation);
    let title = format!("{issuer}落实{}反馈问题整改方案", s.inspector);
    let problems = s.problems().count();
    let measures = s.measures().count();
    let feedback = s.feedback_date.map(|d| format!("（{}反馈）", date_zh(d, None))).unwrap_or_default();
    let opening = format!(
        "为认真落实{}巡察反馈意见{feedback}，切实抓好整改工作，结合实际，制定本方案。巡察反馈问题分{}个方面共{problems}个，\
         制定整改措施{measures}项，逐项明确整改措施、完成时限、责任领导、牵头处室和责任人员，形成问题清单、任务清单和责任清单如下。",
        s.inspector,
        s.categories.len()
    );
    let contents =
        vec![format!("一、问题清单（{problems}个问题）"), format!("二、任务清单（{measures}项整改措施）"), "三、责任清单".to_string()];

    // 问题清单: one row per problem, the category merged over its problems.
    let (mut cat_text, mut cat_group, mut nums, mut titles, mut feedbacks) = (vec![], vec![], vec![], vec![], vec![]);
    for c in &s.categories {
        for p in &c.problems {
            cat_text.push(format!("{}{}", category_label(c.ordinal), c.title));
            cat_group.push(c.id);
            nums.push(cell(problem_label(p.ordinal).trim_end_matches('.').to_string()));
            titles.push(cell(p.title.clone()));
            feedbacks.push(cell(p.feedback.clone()));
        }
    }
    // The feedback's wording, where the ledger holds it.
    let with_feedback = feedbacks.iter().any(|c| !c.text.trim().is_empty());
    let problem_list = if with_feedback {
        PlanList {
            key: "problems".into(),
            heading: "一、问题清单".into(),
            header: ["问题类别", "序号", "问题", "具体表现"].map(String::from).to_vec(),
            weights: vec![16, 6, 24, 54],
            rows: rows_of(vec![merged_column(cat_text, &cat_group), nums, titles, feedbacks]),
        }
    } else {
        PlanList {
            key: "problems".into(),
            heading: "一、问题清单".into(),
            header: ["问题类别", "序号", "问题"].map(String::from).to_vec(),
            weights: vec![30, 8, 62],
            rows: rows_of(vec![merged_column(cat_text, &cat_group), nums, titles]),
        }
    };

    // One row per measure (a problem without measures keeps one empty row).
    struct Row<'a> {
        category: (i64, String),
        problem: (i64, String),
        m: Option<&'a super::snapshot::SnapMeasure>,
    }
    let mut rows = Vec::new();
    for c in &s.categories {
        for p in &c.problems {
            let category = (c.id, format!("{}{}", category_label(c.ordinal), c.title));
            let problem = (p.id, format!("{}{}", problem_label(p.ordinal), p.title));
            if p.measures.is_empty() {
                rows.push(Row { category: category.clone(), problem: problem.clone(), m: None });
            }
            for m in &p.measures {
                rows.push(Row { category: category.clone(), problem: problem.clone(), m: Some(m) });
            }
        }
    }
    let p_groups: Vec<i64> = rows.iter().map(|r| r.problem.0).collect();
    let c_groups: Vec<i64> = rows.iter().map(|r| r.category.0).collect();
    let col = |f: &dyn Fn(&Row) -> String| rows.iter().map(|r| cell(f(r))).collect::<Vec<_>>();
    let merged = |f: &dyn Fn(&Row) -> String, g: &[i64]| merged_column(rows.iter().map(f).collect(), g);
    let deadline = |r: &Row| r.m.and_then(|m| m.deadline).map(|d| date_zh(d, None)).unwrap_or_default();

    let task_list = PlanList {
        key: "tasks".into(),
        heading: "二、任务清单".into(),
        header: ["问题类别", "问题", "序号", "整改措施", "整改时效", "完成时限"].map(String::from).to_vec(),
        weights: vec![10, 15, 6, 47, 9, 13],
        rows: rows_of(vec![
            merged(&|r| r.category.1.clone(), &c_groups),
            merged(&|r| r.problem.1.clone(), &p_groups),
            col(&|r| r.m.map(|m| measure_label(m.ordinal)).unwrap_or_default()),
            col(&|r| {
                r.m.map(|m| if m.content.trim().is_empty() { m.title.clone() } else { m.content.trim().to_string() }).unwrap_or_default()
            }),
            col(&|r| r.m.map(|m| m.kind.name_zh().to_string()).unwrap_or_default()),
            col(&deadline),
        ]),
    };
    let responsibility_list = PlanList {
        key: "responsibilities".into(),
        heading: "三、责任清单".into(),
        header: ["问题", "整改措施", "责任领导", "牵头处室", "配合处室", "责任人", "完成时限"].map(String::from).to_vec(),
        weights: vec![18, 24, 10, 12, 14, 10, 12],
        rows: rows_of(vec![
            merged(&|r| r.problem.1.clone(), &p_groups),
            col(&|r| r.m.map(|m| format!("{}{}", measure_label(m.ordinal), m.title)).unwrap_or_default()),
            col(&|r| r.m.and_then(|m| m.responsible_leader.clone()).unwrap_or_default()),
            col(&|r| r.m.and_then(|m| m.lead_department.clone()).unwrap_or_default()),
            col(&|r| r.m.map(|m| m.supporting_departments.join("、")).unwrap_or_default()),
            col(&|r| r.m.map(|m| m.assignees.join("、")).unwrap_or_default()),
            col(&deadline),
        ]),
    };
    PlanModel { title, opening, contents, lists: vec![problem_list, task_list, responsibility_list] }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::reports::model::tests::snapshot;

    #[test]
    fn the_three_lists_merge_cells_per_problem_and_category() {
        let p = build(&snapshot());
        assert_eq!(p.title, "中共长阳土家族自治县职业教育中心委员会落实县委第三巡察组反馈问题整改方案");
        assert!(p.opening.contains("分2个方面共3个，制定整改措施4项"));
        let [problems, tasks, duties] = [&p.lists[0], &p.lists[1], &p.lists[2]];
        assert_eq!(problems.rows.len(), 3);
        // The first category spans its two problems.
        assert_eq!((problems.rows[0][0].rowspan, problems.rows[1][0].rowspan, problems.rows[2][0].rowspan), (2, 0, 1));
        assert_eq!(problems.rows[0][0].text, "（一）履行职责使命方面");
        assert_eq!(tasks.rows.len(), 4);
        // Problem 1 spans its two measures; problem 2 and 3 one each.
        let spans: Vec<usize> = tasks.rows.iter().map(|r| r[1].rowspan).collect();
        assert_eq!(spans, [2, 0, 1, 1]);
        assert_eq!(tasks.rows[0][1].text, "1.理论武装不够问题");
        assert_eq!(tasks.rows[1][2].text, "②");
        assert_eq!(tasks.rows[0][4].text, "限期整改");
        assert_eq!(duties.rows[0][2..6].iter().map(|c| c.text.as_str()).collect::<Vec<_>>(), ["覃守生", "党政办公室", "教务处", "覃立明"]);
        assert_eq!(duties.docx_rows()[1][0].merge, Merge::Continue);
        assert_eq!(duties.header.len(), duties.weights.len());
        assert_eq!(tasks.header.len(), tasks.weights.len());
    }
}
