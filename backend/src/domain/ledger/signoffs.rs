//! Submissions and sign-offs of measures. Each sign-off records a digest of the evidence its
//! signer saw; a later change to that evidence invalidates it and sends the measure back to
//! `submitted`.

use crate::domain::precondition::Precondition;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use super::measures::{logged, view, visible, works_on, MeasureView};
use super::workflow::{segregation, submittable, Chain, Refusal, Stage};
use super::{ensure_problem_open, today_in, GroupRole, MeasureKind, MeasureStatus};
use crate::auth::{Caller, Role};
use crate::db::{write_tx, DbConn};
use crate::domain::{audit, notifications, now, required, utc};
use crate::error::{AppError, AppResult};
use crate::models::{Measure, Signoff};
use crate::schema::{
    audit_events, evidence, evidence_files, evidence_versions, inspections, leading_group_members, measure_assignees, measure_progress,
    measures, organisations, signoffs, user_roles, users,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Approve,
    /// 退回: back to `in_progress`, with a reason.
    Return,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignoffInput {
    pub decision: Decision,
    /// Required when returning.
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub comment: String,
    /// For a long-term measure's last stage: when the first look-back is due (default in 90 days).
    pub next_lookback: Option<NaiveDate>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SignoffView {
    pub id: i64,
    /// Which submission of the measure this belongs to (1, 2, … after returns).
    pub round: i32,
    #[schema(example = "approve")]
    pub stage: String,
    pub decision: Decision,
    pub comment: String,
    pub signer_id: i64,
    pub signer_name: String,
    /// The organisation let this person decide a second stage of the measure.
    pub repeat_signer: bool,
    /// SHA-256 over the sorted (evidence id, version, content hash) the signer saw.
    pub evidence_digest: String,
    /// The measure's evidence is still what the signer saw.
    pub evidence_matches: bool,
    /// An approval of the current round that has not been withdrawn: what the chain rests on.
    /// Returns and earlier rounds' approvals never stand.
    pub standing: bool,
    pub invalidated_at: Option<DateTime<Utc>>,
    /// What changed in the evidence afterwards.
    pub invalidated_reason: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SignoffsView {
    pub status: MeasureStatus,
    /// The stages of the chain, in order.
    pub chain: Vec<String>,
    /// The stage waiting for a decision.
    pub pending_stage: Option<String>,
    /// The digest of the measure's current evidence.
    pub evidence_digest: String,
    /// Some standing approval covered other evidence than the measure holds now.
    pub evidence_changed: bool,
    /// Who decides the next stage, by display name: the stage waiting, or for a measure not yet
    /// submitted the chain's first.
    pub next_reviewers: Vec<String>,
    /// Newest first.
    pub items: Vec<SignoffView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SignoffOutcome {
    pub signoff: SignoffView,
    pub measure: MeasureView,
}

/// SHA-256 over the sorted `(evidence id, version, content hash)` of the measure's current evidence.
pub fn evidence_digest(conn: &mut DbConn, measure_id: i64) -> AppResult<String> {
    let rows: Vec<(i64, i64, String)> = evidence::table
        .inner_join(evidence_files::table)
        .filter(evidence::measure_id.eq(measure_id))
        .filter(evidence::deleted_at.is_null())
        .order(evidence::id)
        .select((evidence::id, evidence::version, evidence_files::sha256))
        .load(conn)?;
    let mut h = Sha256::new();
    for (id, version, sha) in &rows {
        h.update(format!("{id}:{version}:{sha}\n"));
    }
    Ok(hex::encode(h.finalize()))
}

pub(super) fn chain_of(conn: &mut DbConn, m: &Measure) -> AppResult<Chain> {
    let chain: String = inspections::table.find(m.inspection_id).select(inspections::signoff_chain).first(conn)?;
    Ok(Chain::parse(&chain).unwrap_or_else(Chain::full))
}

fn status_of(m: &Measure) -> MeasureStatus {
    MeasureStatus::parse(&m.status).unwrap_or(MeasureStatus::NotStarted)
}

/// Hands the measure in for sign-off: its assignees, its responsible leader or the coordinator,
/// with at least one piece of evidence.
pub fn submit(conn: &mut DbConn, caller: &Caller, id: i64, expected: &Precondition) -> AppResult<MeasureView> {
    write_tx(conn, |conn| {
        let m = visible(conn, caller, id)?;
        if !works_on(conn, caller, &m)? {
            return Err(AppError::forbidden(
                "not_assigned",
                "only the measure's assignees, its responsible leader and the coordinator submit it",
            ));
        }
        ensure_problem_open(conn, m.problem_id)?;
        let expected_version = expected.check(m.version)?;
        if !submittable(status_of(&m)) {
            return Err(AppError::conflict("not_submittable", "the measure is already submitted or signed off"));
        }
        let has_evidence = evidence::table
            .filter(evidence::measure_id.eq(id))
            .filter(evidence::deleted_at.is_null())
            .select(evidence::id)
            .first::<i64>(conn)
            .optional()?;
        if has_evidence.is_none() {
            return Err(AppError::conflict("no_evidence", "submit evidence (佐证材料) before handing the measure in"));
        }
        if chain_of(conn, &m)?.stages().contains(&Stage::Approve) && m.responsible_leader_id.is_none() {
            return Err(AppError::conflict("no_responsible_leader", "name the measure's responsible leader, who approves it first"));
        }
        let m: Measure = diesel::update(measures::table.find(id).filter(measures::version.eq(expected_version)))
            .set((
                measures::status.eq(MeasureStatus::Submitted.as_str()),
                measures::submission_round.eq(m.submission_round + 1),
                measures::submitted_by.eq(caller.user_id()),
                measures::submitted_at.eq(now()),
                measures::version.eq(expected_version + 1),
                measures::updated_at.eq(now()),
            ))
            .returning(measures::all_columns)
            .get_result::<Measure>(conn)
            .optional()?
            .ok_or_else(AppError::version_mismatch)?;
        let v = view(conn, m)?;
        logged(conn, caller, "measure.submit", v)
    })
}

/// Everyone who had a hand in the measure, in any round: its assignees, the authors of its
/// progress and evidence, whoever submitted it, and whoever approved a stage of it.
fn involved_in(conn: &mut DbConn, m: &Measure) -> AppResult<Vec<i64>> {
    let mut ids: Vec<i64> =
        measure_assignees::table.filter(measure_assignees::measure_id.eq(m.id)).select(measure_assignees::user_id).load(conn)?;
    ids.extend(
        audit_events::table
            .filter(audit_events::entity_type.eq("measure"))
            .filter(audit_events::entity_id.eq(m.id))
            .filter(audit_events::action.eq_any(["measure.progress", "measure.submit"]))
            .filter(audit_events::actor_user_id.is_not_null())
            .select(audit_events::actor_user_id.assume_not_null())
            .load::<i64>(conn)?,
    );
    ids.extend(
        evidence_versions::table
            .filter(evidence_versions::evidence_id.eq_any(evidence::table.filter(evidence::measure_id.eq(m.id)).select(evidence::id)))
            .filter(evidence_versions::changed_by.is_not_null())
            .select(evidence_versions::changed_by.assume_not_null())
            .load::<i64>(conn)?,
    );
    ids.extend(
        signoffs::table
            .filter(signoffs::measure_id.eq(m.id))
            .filter(signoffs::decision.eq("approve"))
            .filter(signoffs::stage.ne(Stage::Verify.as_str()))
            .select(signoffs::signer_id)
            .load::<i64>(conn)?,
    );
    ids.extend(m.submitted_by);
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

/// The leaders of the measure's leading group today (the 组长 may change during a rectification).
fn group_leaders(conn: &mut DbConn, m: &Measure) -> AppResult<Vec<i64>> {
    let today = today_in(conn, m.organisation_id)?;
    Ok(leading_group_members::table
        .filter(leading_group_members::inspection_id.eq(m.inspection_id))
        .filter(leading_group_members::group_role.eq(GroupRole::Leader.as_str()))
        .filter(leading_group_members::from_date.is_null().or(leading_group_members::from_date.le(today)))
        .filter(leading_group_members::until_date.is_null().or(leading_group_members::until_date.gt(today)))
        .select(leading_group_members::user_id)
        .load(conn)?)
}

/// Whether the caller reviews `stage` of this measure.
pub(super) fn reviews(conn: &mut DbConn, caller: &Caller, m: &Measure, stage: Stage) -> AppResult<bool> {
    let Some(user) = caller.user_id() else { return Ok(false) };
    Ok(match stage {
        Stage::Approve => m.responsible_leader_id == Some(user),
        Stage::Sign => group_leaders(conn, m)?.contains(&user),
        Stage::Verify => caller.has(Role::Discipline) && caller.organisation_id == m.organisation_id,
    })
}

/// The people who decide `stage` of the measure today, by display name (see [`reviews`]).
fn reviewers(conn: &mut DbConn, m: &Measure, stage: Stage) -> AppResult<Vec<String>> {
    let active = users::table.filter(users::active.eq(true));
    Ok(match stage {
        Stage::Approve => match m.responsible_leader_id {
            Some(id) => active.filter(users::id.eq(id)).select(users::display_name).load(conn)?,
            None => Vec::new(),
        },
        Stage::Sign => {
            let leaders = group_leaders(conn, m)?;
            active.filter(users::id.eq_any(leaders)).order(users::id).select(users::display_name).load(conn)?
        }
        Stage::Verify => active
            .filter(users::organisation_id.eq(m.organisation_id))
            .filter(users::id.eq_any(user_roles::table.filter(user_roles::role.eq(Role::Discipline.as_str())).select(user_roles::user_id)))
            .order(users::id)
            .select(users::display_name)
            .load(conn)?,
    })
}

fn who_reviews(stage: Stage) -> &'static str {
    match stage {
        Stage::Approve => "the measure's responsible leader approves it",
        Stage::Sign => "the leader of the inspection's leading group signs it",
        Stage::Verify => "the discipline committee verifies it",
    }
}

/// A decision on the stage that is waiting. The stage follows from the measure's status; the
/// caller must be its reviewer and must not have submitted the measure or (unless the
/// organisation allows it) decided an earlier stage of this round.
pub fn decide(conn: &mut DbConn, caller: &Caller, id: i64, expected: &Precondition, input: SignoffInput) -> AppResult<SignoffOutcome> {
    write_tx(conn, |conn| {
        visible(conn, caller, id)?;
        // The precondition first: a decision on a measure that moved on is stale, whoever sends it.
        let m = lock(conn, id, expected)?;
        let expected_version = m.version;
        let chain = chain_of(conn, &m)?;
        let Some(stage) = chain.pending(status_of(&m)) else {
            return Err(AppError::conflict("not_awaiting_signoff", "the measure is not waiting for a sign-off"));
        };
        if !reviews(conn, caller, &m, stage)? {
            return Err(AppError::forbidden("not_your_stage", format!("at this stage {}", who_reviews(stage))));
        }
        let user = caller.user_id().unwrap_or_default();
        let earlier: Vec<i64> = valid_signoffs(conn, &m)?.into_iter().map(|s| s.signer_id).collect();
        let allow_repeat: bool = organisations::table.find(m.organisation_id).select(organisations::allow_repeat_signer).first(conn)?;
        let involved = if stage == Stage::Verify { involved_in(conn, &m)? } else { Vec::new() };
        let repeat_signer = segregation(user, stage, m.submitted_by, &earlier, &involved, allow_repeat).map_err(|r| match r {
            Refusal::OwnSubmission => AppError::forbidden("own_submission", "nobody signs off their own submission"),
            Refusal::SecondStage => AppError::forbidden("second_stage", "one person signs at most one stage of a measure"),
            Refusal::NotIndependent => AppError::forbidden(
                "not_independent",
                "核验 is independent: nobody verifies a measure they worked on, submitted or approved",
            ),
        })?;
        let comment =
            if input.decision == Decision::Return { required("/comment", &input.comment, 2000)? } else { input.comment.trim().to_string() };
        let t = now();
        let signoff: Signoff = diesel::insert_into(signoffs::table)
            .values((
                signoffs::measure_id.eq(id),
                signoffs::round.eq(m.submission_round),
                signoffs::stage.eq(stage.as_str()),
                signoffs::decision.eq(if input.decision == Decision::Approve { "approve" } else { "return" }),
                signoffs::comment.eq(&comment),
                signoffs::evidence_digest.eq(evidence_digest(conn, id)?),
                signoffs::signer_id.eq(user),
                signoffs::repeat_signer.eq(repeat_signer),
                signoffs::created_at.eq(t),
            ))
            .returning(signoffs::all_columns)
            .get_result(conn)?;
        let kind = MeasureKind::parse(&m.kind).unwrap_or(MeasureKind::TimeBound);
        let (status, next_lookback) = match input.decision {
            Decision::Return => (MeasureStatus::InProgress, m.next_lookback),
            Decision::Approve => match chain.after_approval(stage, kind) {
                MeasureStatus::Monitoring => {
                    let due = input.next_lookback.unwrap_or(today_in(conn, m.organisation_id)? + chrono::Duration::days(90));
                    (MeasureStatus::Monitoring, Some(due))
                }
                s => (s, m.next_lookback),
            },
        };
        if input.decision == Decision::Return {
            let text = format!("退回（{}）：{comment}", stage_name(stage));
            withdraw_standing(conn, &m, &text)?;
            note(conn, id, Some(user), &text)?;
        }
        let m: Measure = diesel::update(measures::table.find(id).filter(measures::version.eq(expected_version)))
            .set((
                measures::status.eq(status.as_str()),
                measures::next_lookback.eq(next_lookback),
                measures::version.eq(expected_version + 1),
                measures::updated_at.eq(t),
            ))
            .returning(measures::all_columns)
            .get_result::<Measure>(conn)
            .optional()?
            .ok_or_else(AppError::version_mismatch)?;
        let assigned = notifications::assignees(conn, id)?;
        let (kind, message) = match input.decision {
            Decision::Return => ("returned", format!("{} 被退回（{}）：{comment}", notifications::describe(&m), stage_name(stage))),
            Decision::Approve => ("approved", format!("{} {}", notifications::describe(&m), approved_name(stage))),
        };
        notifications::send(conn, &assigned, kind, &m, &message, None)?;
        let current = evidence_digest(conn, id)?;
        audit::record(
            conn,
            caller,
            m.organisation_id,
            "measure.signoff",
            ("measure", id),
            serde_json::json!({
                "stage": stage.as_str(), "decision": signoff.decision, "comment": signoff.comment, "round": signoff.round,
                "evidence_digest": signoff.evidence_digest, "repeat_signer": signoff.repeat_signer, "status": status,
            }),
        )?;
        Ok(SignoffOutcome { signoff: signoff_view(conn, signoff, &current, m.submission_round)?, measure: view(conn, m)? })
    })
}

/// One measure of a batch decision, at the version the reviewer saw.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchItem {
    pub measure_id: i64,
    pub version: i64,
}

/// The same decision on several measures (批量审核); each is decided on its own, by every rule
/// of a single decision.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchSignoffInput {
    pub decision: Decision,
    /// Required when returning.
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub comment: String,
    /// 1 to 100 measures, each once.
    #[schema(min_items = 1, max_items = 100)]
    pub items: Vec<BatchItem>,
}

/// What became of one measure of a batch.
#[derive(Debug, Serialize, ToSchema)]
pub struct BatchItemResult {
    pub measure_id: i64,
    /// Whether the decision was recorded.
    pub ok: bool,
    /// The measure's status and version afterwards, when recorded.
    pub status: Option<MeasureStatus>,
    pub version: Option<i64>,
    /// Why not: the `code` a single decision would have answered (`not_awaiting_signoff`,
    /// `version_mismatch`, `own_submission`, …).
    pub code: Option<String>,
    pub detail: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BatchSignoffResult {
    /// How many decisions were recorded.
    pub decided: usize,
    /// In the order asked.
    pub items: Vec<BatchItemResult>,
}

pub const MAX_BATCH: usize = 100;

/// Decides each measure in its own transaction: one refused item leaves the others decided.
pub fn decide_many(conn: &mut DbConn, caller: &Caller, input: BatchSignoffInput) -> AppResult<BatchSignoffResult> {
    if input.items.is_empty() || input.items.len() > MAX_BATCH {
        return Err(AppError::field("/items", "out_of_range", format!("between 1 and {MAX_BATCH} measures")));
    }
    let mut ids: Vec<i64> = input.items.iter().map(|i| i.measure_id).collect();
    ids.sort();
    ids.dedup();
    if ids.len() != input.items.len() {
        return Err(AppError::field("/items", "duplicate_item", "each measure at most once"));
    }
    if input.decision == Decision::Return && input.comment.trim().is_empty() {
        return Err(AppError::field("/comment", "required", "a return needs a reason"));
    }
    // Checked once for the batch, not per measure: a bad comment fails every item alike.
    let mut errors = Vec::new();
    crate::domain::optional_text(&mut errors, "/comment", &input.comment, 2000);
    crate::domain::check(errors)?;
    let mut items = Vec::with_capacity(input.items.len());
    for item in input.items {
        let one = SignoffInput { decision: input.decision, comment: input.comment.clone(), next_lookback: None };
        items.push(match decide(conn, caller, item.measure_id, &item.version.into(), one) {
            Ok(outcome) => BatchItemResult {
                measure_id: item.measure_id,
                ok: true,
                status: Some(outcome.measure.status),
                version: Some(outcome.measure.version),
                code: None,
                detail: None,
            },
            Err(e) => BatchItemResult {
                measure_id: item.measure_id,
                ok: false,
                status: None,
                version: None,
                code: Some(e.code.to_string()),
                detail: Some(e.detail),
            },
        });
    }
    Ok(BatchSignoffResult { decided: items.iter().filter(|i| i.ok).count(), items })
}

/// Takes the measure's row for the rest of the transaction, at the expected version: a
/// concurrent decision on PostgreSQL waits here, then finds the version moved on (412) instead
/// of reading the other's sign-off half-way through its own checks.
fn lock(conn: &mut DbConn, id: i64, expected: &Precondition) -> AppResult<Measure> {
    let m = diesel::update(measures::table.find(id))
        .set(measures::version.eq(measures::version))
        .returning(measures::all_columns)
        .get_result::<Measure>(conn)?;
    expected.check(m.version)?;
    Ok(m)
}

/// A stage's approval in its own words (审核通过, 审批同意, 核验通过).
fn approved_name(stage: Stage) -> &'static str {
    match stage {
        Stage::Approve => "审核通过",
        Stage::Sign => "审批同意",
        Stage::Verify => "核验通过",
    }
}

fn stage_name(stage: Stage) -> &'static str {
    match stage {
        Stage::Approve => "审核",
        Stage::Sign => "审批",
        Stage::Verify => "核验",
    }
}

/// A line in the measure's progress history.
pub(super) fn note(conn: &mut DbConn, measure_id: i64, author: Option<i64>, text: &str) -> AppResult<()> {
    diesel::insert_into(measure_progress::table)
        .values((
            measure_progress::measure_id.eq(measure_id),
            measure_progress::author_id.eq(author),
            measure_progress::progress.eq(text),
            measure_progress::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Approvals of the current round that still stand.
fn valid_signoffs(conn: &mut DbConn, m: &Measure) -> AppResult<Vec<Signoff>> {
    Ok(signoffs::table
        .filter(signoffs::measure_id.eq(m.id))
        .filter(signoffs::round.eq(m.submission_round))
        .filter(signoffs::decision.eq("approve"))
        .filter(signoffs::invalidated_at.is_null())
        .select(Signoff::as_select())
        .load(conn)?)
}

/// After evidence of a measure was added, replaced, edited or deleted (inside that change's
/// transaction): sign-offs that covered other evidence no longer stand, and a measure past
/// `submitted` goes back there, with a note saying what changed.
pub fn evidence_changed(conn: &mut DbConn, measure_id: i64, what: &str) -> AppResult<()> {
    let m: Measure = measures::table.find(measure_id).select(Measure::as_select()).first(conn)?;
    let reason = format!("{what}，此前的签核已失效");
    if withdraw_standing(conn, &m, &reason)? == 0 {
        return Ok(());
    }
    // A measure still being worked on (returned) stays so; one that was signed off goes back.
    let signed_off = [MeasureStatus::Approved, MeasureStatus::Signed, MeasureStatus::Verified, MeasureStatus::Monitoring];
    if signed_off.contains(&status_of(&m)) {
        diesel::update(measures::table.find(measure_id))
            .set((
                measures::status.eq(MeasureStatus::Submitted.as_str()),
                measures::version.eq(m.version + 1),
                measures::updated_at.eq(now()),
            ))
            .execute(conn)?;
    }
    note(conn, measure_id, None, &format!("系统：{reason}，需重新签核"))
}

/// Marks the approvals of the measure's current round as no longer standing; returns how many.
pub(super) fn withdraw_standing(conn: &mut DbConn, m: &Measure, reason: &str) -> AppResult<usize> {
    let ids: Vec<i64> = valid_signoffs(conn, m)?.into_iter().map(|s| s.id).collect();
    if ids.is_empty() {
        return Ok(0);
    }
    Ok(diesel::update(signoffs::table.filter(signoffs::id.eq_any(&ids)))
        .set((signoffs::invalidated_at.eq(now()), signoffs::invalidated_reason.eq(reason)))
        .execute(conn)?)
}

fn signoff_view(conn: &mut DbConn, s: Signoff, current_digest: &str, round: i32) -> AppResult<SignoffView> {
    let signer_name: String = users::table.find(s.signer_id).select(users::display_name).first(conn)?;
    Ok(SignoffView {
        standing: s.decision == "approve" && s.round == round && s.invalidated_at.is_none(),
        id: s.id,
        round: s.round,
        decision: if s.decision == "return" { Decision::Return } else { Decision::Approve },
        evidence_matches: s.evidence_digest == current_digest,
        stage: s.stage,
        comment: s.comment,
        signer_id: s.signer_id,
        signer_name,
        repeat_signer: s.repeat_signer,
        evidence_digest: s.evidence_digest,
        invalidated_at: s.invalidated_at.map(utc),
        invalidated_reason: s.invalidated_reason,
        created_at: utc(s.created_at),
    })
}

/// Every sign-off of the measure, with whether the evidence still matches.
pub fn list(conn: &mut DbConn, caller: &Caller, id: i64) -> AppResult<SignoffsView> {
    let m = visible(conn, caller, id)?;
    let chain = chain_of(conn, &m)?;
    let current = evidence_digest(conn, id)?;
    let rows: Vec<Signoff> =
        signoffs::table.filter(signoffs::measure_id.eq(id)).order(signoffs::id.desc()).select(Signoff::as_select()).load(conn)?;
    let items = rows.into_iter().map(|s| signoff_view(conn, s, &current, m.submission_round)).collect::<AppResult<Vec<_>>>()?;
    let status = status_of(&m);
    let pending = chain.pending(status);
    let next = match status {
        MeasureStatus::NotStarted | MeasureStatus::InProgress => chain.stages().first().copied(),
        _ => pending,
    };
    Ok(SignoffsView {
        status,
        chain: chain.stages().iter().map(|s| s.as_str().to_string()).collect(),
        pending_stage: pending.map(|s| s.as_str().to_string()),
        evidence_changed: items.iter().any(|s| s.standing && !s.evidence_matches),
        next_reviewers: match next {
            Some(stage) => reviewers(conn, &m, stage)?,
            None => Vec::new(),
        },
        evidence_digest: current,
        items,
    })
}
