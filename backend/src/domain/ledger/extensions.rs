//! Extension requests (延期申请): an assignee or the responsible leader asks for a new deadline
//! with a reason; the leader of the inspection's leading group approves or rejects. Approved
//! requests are the measure's deadline history.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::measures::visible;
use super::query::user_names;
use super::signoffs::{note, reviews};
use super::workflow::Stage;
use super::{ensure_problem_open, today_in};
use crate::auth::Caller;
use crate::db::{write_tx, DbConn};
use crate::domain::{audit, check, now, required, required_text, utc};
use crate::error::{AppError, AppResult, FieldError};
use crate::models::{ExtensionRequest, Measure};
use crate::schema::{extension_requests, measure_assignees, measures};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewExtension {
    pub new_deadline: NaiveDate,
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExtensionDecision {
    Approve,
    /// Needs a comment.
    Reject,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtensionDecisionInput {
    pub decision: ExtensionDecision,
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub comment: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExtensionView {
    pub id: i64,
    pub measure_id: i64,
    pub requested_by: i64,
    /// Who asked, by display name.
    pub requested_by_name: String,
    pub old_deadline: Option<NaiveDate>,
    pub new_deadline: NaiveDate,
    pub reason: String,
    /// `pending`, `approved` or `rejected`.
    pub status: String,
    pub decided_by: Option<i64>,
    pub decided_by_name: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_comment: String,
    pub created_at: DateTime<Utc>,
}

fn view(conn: &mut DbConn, e: ExtensionRequest) -> AppResult<ExtensionView> {
    let names = user_names(conn, std::iter::once(e.requested_by).chain(e.decided_by).collect())?;
    Ok(ExtensionView {
        id: e.id,
        measure_id: e.measure_id,
        requested_by: e.requested_by,
        requested_by_name: names.get(&e.requested_by).cloned().unwrap_or_default(),
        decided_by_name: e.decided_by.and_then(|id| names.get(&id).cloned()),
        old_deadline: e.old_deadline,
        new_deadline: e.new_deadline,
        reason: e.reason,
        status: e.status,
        decided_by: e.decided_by,
        decided_at: e.decided_at.map(utc),
        decision_comment: e.decision_comment,
        created_at: utc(e.created_at),
    })
}

/// Every request for the measure, newest first.
pub fn list(conn: &mut DbConn, caller: &Caller, measure_id: i64) -> AppResult<Vec<ExtensionView>> {
    visible(conn, caller, measure_id)?;
    let rows: Vec<ExtensionRequest> = extension_requests::table
        .filter(extension_requests::measure_id.eq(measure_id))
        .order(extension_requests::id.desc())
        .select(ExtensionRequest::as_select())
        .load(conn)?;
    rows.into_iter().map(|e| view(conn, e)).collect()
}

pub fn request(conn: &mut DbConn, caller: &Caller, measure_id: i64, input: NewExtension) -> AppResult<ExtensionView> {
    write_tx(conn, |conn| {
        let m = visible(conn, caller, measure_id)?;
        let Some(user) = caller.user_id() else { return Err(refuse()) };
        let assigned = measure_assignees::table
            .filter(measure_assignees::measure_id.eq(measure_id))
            .filter(measure_assignees::user_id.eq(user))
            .select(measure_assignees::user_id)
            .first::<i64>(conn)
            .optional()?
            .is_some();
        if !assigned && m.responsible_leader_id != Some(user) {
            return Err(refuse());
        }
        ensure_problem_open(conn, m.problem_id)?;
        let pending = extension_requests::table
            .filter(extension_requests::measure_id.eq(measure_id))
            .filter(extension_requests::status.eq("pending"))
            .select(extension_requests::id)
            .first::<i64>(conn)
            .optional()?;
        if pending.is_some() {
            return Err(AppError::conflict("extension_pending", "a request for this measure is waiting for the leader"));
        }
        let mut errors = Vec::new();
        let reason = required_text(&mut errors, "/reason", &input.reason, 2000);
        let today = today_in(conn, m.organisation_id)?;
        if input.new_deadline <= today || m.deadline.is_some_and(|d| input.new_deadline <= d) {
            errors.push(FieldError::new("/new_deadline", "not_later", "a date after today and after the current deadline"));
        }
        check(errors)?;
        let e: ExtensionRequest = diesel::insert_into(extension_requests::table)
            .values((
                extension_requests::organisation_id.eq(m.organisation_id),
                extension_requests::measure_id.eq(measure_id),
                extension_requests::requested_by.eq(user),
                extension_requests::old_deadline.eq(m.deadline),
                extension_requests::new_deadline.eq(input.new_deadline),
                extension_requests::reason.eq(&reason),
                extension_requests::created_at.eq(now()),
            ))
            .returning(extension_requests::all_columns)
            .get_result(conn)?;
        let summary = json!({"extension_id": e.id, "old_deadline": m.deadline, "new_deadline": e.new_deadline, "reason": reason});
        audit::record(conn, caller, m.organisation_id, "measure.request_extension", ("measure", measure_id), summary)?;
        view(conn, e)
    })
}

fn refuse() -> AppError {
    AppError::forbidden("not_assigned", "the measure's assignees and its responsible leader ask for extensions")
}

/// The leader of the inspection's leading group decides; approving moves the deadline.
pub fn decide(conn: &mut DbConn, caller: &Caller, id: i64, input: ExtensionDecisionInput) -> AppResult<ExtensionView> {
    write_tx(conn, |conn| {
        let e: ExtensionRequest = extension_requests::table.find(id).select(ExtensionRequest::as_select()).first(conn)?;
        let m: Measure = visible(conn, caller, e.measure_id)?;
        if !reviews(conn, caller, &m, Stage::Sign)? {
            return Err(AppError::forbidden("not_group_leader", "the leader of the inspection's leading group decides extensions"));
        }
        if e.status != "pending" {
            return Err(AppError::conflict("extension_decided", "this request was already decided"));
        }
        ensure_problem_open(conn, m.problem_id)?;
        let approve = input.decision == ExtensionDecision::Approve;
        let comment = if approve { input.comment.trim().to_string() } else { required("/comment", &input.comment, 2000)? };
        let t = now();
        let e: ExtensionRequest = diesel::update(extension_requests::table.find(id).filter(extension_requests::status.eq("pending")))
            .set((
                extension_requests::status.eq(if approve { "approved" } else { "rejected" }),
                extension_requests::decided_by.eq(caller.user_id()),
                extension_requests::decided_at.eq(t),
                extension_requests::decision_comment.eq(&comment),
            ))
            .returning(extension_requests::all_columns)
            .get_result::<ExtensionRequest>(conn)
            .optional()?
            .ok_or_else(|| AppError::conflict("extension_decided", "this request was already decided"))?;
        if approve {
            diesel::update(measures::table.find(m.id))
                .set((measures::deadline.eq(e.new_deadline), measures::version.eq(measures::version + 1), measures::updated_at.eq(t)))
                .execute(conn)?;
            let from = m.deadline.map(|d| d.to_string()).unwrap_or_else(|| "无".into());
            note(conn, m.id, caller.user_id(), &format!("延期：{from} → {}（{}）", e.new_deadline, e.reason))?;
        }
        let summary = json!({"extension_id": e.id, "decision": e.status, "comment": comment, "new_deadline": e.new_deadline});
        audit::record(conn, caller, m.organisation_id, "measure.extension_decision", ("measure", m.id), summary)?;
        view(conn, e)
    })
}
