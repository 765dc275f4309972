//! No state of the ledger may contradict another: a closed-out problem holds only done measures,
//! a closed inspection only closed-out problems, a measure's status stands on exactly the
//! approvals its chain needs for it. [`contradictions`] reads every inspection, problem and
//! measure and names each contradiction; `rectify check` and the tests run it.

use std::collections::{BTreeSet, HashMap};

use diesel::prelude::*;

use super::workflow::{Chain, Stage, DONE};
use super::{InspectionStatus, MeasureStatus};
use crate::db::DbConn;
use crate::error::AppResult;
use crate::models::{Inspection, Measure, Problem};
use crate::schema::{inspections, measures, problems, signoffs};

/// What was read, and what contradicts what.
#[derive(Debug, Default)]
pub struct Report {
    pub inspections: usize,
    pub problems: usize,
    pub measures: usize,
    pub contradictions: Vec<String>,
}

/// Checks the whole database.
pub fn contradictions(conn: &mut DbConn) -> AppResult<Report> {
    let inspections: Vec<Inspection> = inspections::table.select(Inspection::as_select()).load(conn)?;
    let problems: Vec<Problem> = problems::table.select(Problem::as_select()).load(conn)?;
    let measures: Vec<Measure> = measures::table.select(Measure::as_select()).load(conn)?;
    // Approvals that stand: (measure, round, stage).
    let standing: Vec<(i64, i32, String)> = signoffs::table
        .filter(signoffs::decision.eq("approve"))
        .filter(signoffs::invalidated_at.is_null())
        .select((signoffs::measure_id, signoffs::round, signoffs::stage))
        .load(conn)?;
    Ok(Report {
        inspections: inspections.len(),
        problems: problems.len(),
        measures: measures.len(),
        contradictions: check(&inspections, &problems, &measures, &standing),
    })
}

fn check(inspections: &[Inspection], problems: &[Problem], measures: &[Measure], standing: &[(i64, i32, String)]) -> Vec<String> {
    let mut found = Vec::new();
    let inspection_by_id: HashMap<i64, &Inspection> = inspections.iter().map(|i| (i.id, i)).collect();
    let problem_by_id: HashMap<i64, &Problem> = problems.iter().map(|p| (p.id, p)).collect();
    let mut measures_of: HashMap<i64, Vec<&Measure>> = HashMap::new();
    for m in measures {
        measures_of.entry(m.problem_id).or_default().push(m);
    }
    let mut problems_of: HashMap<i64, Vec<&Problem>> = HashMap::new();
    for p in problems {
        problems_of.entry(p.inspection_id).or_default().push(p);
    }
    let mut approvals: HashMap<(i64, i32), BTreeSet<&str>> = HashMap::new();
    for (m, round, stage) in standing {
        approvals.entry((*m, *round)).or_default().insert(stage.as_str());
    }

    for i in inspections {
        let ps = problems_of.get(&i.id).map(Vec::as_slice).unwrap_or(&[]);
        let all_closed = !ps.is_empty() && ps.iter().all(|p| p.closeout_status == "closed");
        let closed = i.status == InspectionStatus::Closed.as_str();
        if closed && !all_closed {
            found.push(format!("inspection {}: closed, but not every one of its {} problems is closed out", i.id, ps.len()));
        }
        if !closed && all_closed {
            found.push(format!("inspection {}: every problem is closed out, but the inspection is {}", i.id, i.status));
        }
    }

    for p in problems {
        let ms = measures_of.get(&p.id).map(Vec::as_slice).unwrap_or(&[]);
        if matches!(p.closeout_status.as_str(), "requested" | "closed") {
            let open: Vec<String> = ms.iter().filter(|m| !is_done(&m.status)).map(|m| format!("{} {}", m.id, m.status)).collect();
            if ms.is_empty() || !open.is_empty() {
                found.push(format!("problem {}: close-out {}, but measures are not done: [{}]", p.id, p.closeout_status, open.join(", ")));
            }
        } else if p.closeout_status != "open" {
            found.push(format!("problem {}: unknown close-out status {:?}", p.id, p.closeout_status));
        }
        if (p.closeout_status == "closed") != p.closed_at.is_some() || (p.closeout_status == "closed") != p.closed_by.is_some() {
            found.push(format!(
                "problem {}: close-out {} with closed_at {:?} and closed_by {:?}",
                p.id, p.closeout_status, p.closed_at, p.closed_by
            ));
        }
        if !inspection_by_id.contains_key(&p.inspection_id) {
            found.push(format!("problem {}: its inspection {} does not exist", p.id, p.inspection_id));
        }
    }

    for m in measures {
        let here = format!("measure {}", m.id);
        let Some(p) = problem_by_id.get(&m.problem_id) else {
            found.push(format!("{here}: its problem {} does not exist", m.problem_id));
            continue;
        };
        let Some(i) = inspection_by_id.get(&m.inspection_id) else {
            found.push(format!("{here}: its inspection {} does not exist", m.inspection_id));
            continue;
        };
        if p.inspection_id != m.inspection_id || i.organisation_id != m.organisation_id {
            found.push(format!(
                "{here}: in inspection {} of organisation {}, its problem in inspection {}",
                m.inspection_id, m.organisation_id, p.inspection_id
            ));
        }
        if p.ordinal != m.problem_ordinal {
            found.push(format!("{here}: numbered under problem {}, which is number {}", m.problem_ordinal, p.ordinal));
        }
        let Some(status) = MeasureStatus::parse(&m.status) else {
            found.push(format!("{here}: unknown status {:?}", m.status));
            continue;
        };
        if status == MeasureStatus::Monitoring && m.next_lookback.is_none() {
            found.push(format!("{here}: monitored without a next look-back date"));
        }
        let handed_in = !matches!(status, MeasureStatus::NotStarted | MeasureStatus::InProgress);
        if handed_in && (m.submission_round < 1 || m.submitted_at.is_none()) {
            found.push(format!("{here}: {} but never submitted", m.status));
        }
        let chain = Chain::parse(&i.signoff_chain).unwrap_or_else(Chain::full);
        let have: BTreeSet<&str> = approvals.get(&(m.id, m.submission_round)).cloned().unwrap_or_default();
        match chain.passed(status) {
            None => found.push(format!("{here}: {} cannot be reached by the chain {}", m.status, i.signoff_chain)),
            Some(needed) => {
                let needed: BTreeSet<&str> = needed.iter().map(|s: &Stage| s.as_str()).collect();
                if have != needed {
                    found.push(format!(
                        "{here}: {} stands on the approvals {have:?} of round {}, but needs {needed:?}",
                        m.status, m.submission_round
                    ));
                }
            }
        }
    }
    found
}

fn is_done(status: &str) -> bool {
    DONE.iter().any(|d| d.as_str() == status)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at() -> chrono::NaiveDateTime {
        NaiveDate::from_ymd_opt(2021, 9, 1).unwrap().and_hms_opt(8, 0, 0).unwrap()
    }

    fn inspection(status: &str) -> Inspection {
        Inspection {
            id: 1,
            organisation_id: 10,
            title: "巡察".into(),
            inspector: "县委第三巡察组".into(),
            onsite_start: None,
            onsite_end: None,
            feedback_date: None,
            deadline: None,
            status: status.into(),
            version: 1,
            created_at: at(),
            updated_at: at(),
            signoff_chain: "approve,sign,verify".into(),
        }
    }

    fn problem(closeout: &str) -> Problem {
        let closed = closeout == "closed";
        Problem {
            id: 2,
            inspection_id: 1,
            category_id: 1,
            ordinal: 1,
            title: "问题".into(),
            feedback: String::new(),
            responsible_leader_id: None,
            lead_department_id: None,
            version: 1,
            created_at: at(),
            updated_at: at(),
            closeout_status: closeout.into(),
            closeout_requested_by: Some(5),
            closed_by: closed.then_some(7),
            closed_at: closed.then(at),
            closeout_comment: String::new(),
        }
    }

    fn measure(status: &str) -> Measure {
        Measure {
            id: 3,
            organisation_id: 10,
            inspection_id: 1,
            problem_id: 2,
            ordinal: 1,
            problem_ordinal: 1,
            title: "措施".into(),
            content: String::new(),
            kind: "time_bound".into(),
            responsible_leader_id: Some(4),
            lead_department_id: None,
            deadline: None,
            progress: String::new(),
            status: status.into(),
            version: 1,
            created_at: at(),
            updated_at: at(),
            submission_round: 1,
            submitted_by: Some(6),
            submitted_at: Some(at()),
            next_lookback: None,
        }
    }

    fn approvals(stages: &[&str]) -> Vec<(i64, i32, String)> {
        stages.iter().map(|s| (3, 1, s.to_string())).collect()
    }

    #[test]
    fn a_consistent_ledger_has_no_contradiction() {
        let all = approvals(&["approve", "sign", "verify"]);
        assert!(check(&[inspection("closed")], &[problem("closed")], &[measure("verified")], &all).is_empty());
        assert!(check(&[inspection("rectifying")], &[problem("open")], &[measure("approved")], &approvals(&["approve"])).is_empty());
        assert!(check(&[inspection("rectifying")], &[problem("requested")], &[measure("verified")], &all).is_empty());
    }

    #[test]
    fn the_closed_out_problem_edited_afterwards_is_found() {
        // The hole: evidence edited after close-out sent the measure back to `submitted`.
        let found = check(&[inspection("closed")], &[problem("closed")], &[measure("submitted")], &[]);
        assert_eq!(found, vec!["problem 2: close-out closed, but measures are not done: [3 submitted]".to_string()]);
    }

    #[test]
    fn statuses_without_their_approvals_are_found() {
        let found = check(&[inspection("rectifying")], &[problem("open")], &[measure("signed")], &approvals(&["approve"]));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("needs {\"approve\", \"sign\"}"), "{found:?}");
        let found = check(&[inspection("rectifying")], &[problem("open")], &[measure("in_progress")], &approvals(&["approve"]));
        assert_eq!(found.len(), 1, "a returned measure keeps no standing approval: {found:?}");
        let mut monitored = measure("monitoring");
        monitored.kind = "long_term".into();
        let found = check(&[inspection("rectifying")], &[problem("open")], &[monitored], &approvals(&["approve", "sign", "verify"]));
        assert_eq!(found, vec!["measure 3: monitored without a next look-back date".to_string()]);
    }

    #[test]
    fn every_problem_closed_means_a_closed_inspection() {
        let all = approvals(&["approve", "sign", "verify"]);
        let found = check(&[inspection("rectifying")], &[problem("closed")], &[measure("verified")], &all);
        assert_eq!(found.len(), 1, "{found:?}");
        let mut unstamped = problem("closed");
        unstamped.closed_at = None;
        let found = check(&[inspection("closed")], &[unstamped], &[measure("verified")], &all);
        assert_eq!(found.len(), 1, "{found:?}");
    }
}
