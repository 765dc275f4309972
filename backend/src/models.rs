//! Rows as stored. API shapes live with the domain functions that produce them.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::schema::*;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = organisations)]
pub struct Organisation {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub parent_id: Option<i64>,
    pub timezone: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub signoff_chain: String,
    pub allow_repeat_signer: bool,
}

impl Organisation {
    /// The columns of the struct, for `RETURNING` (the table has more: counters kept by the database).
    #[allow(clippy::type_complexity)]
    pub const COLUMNS: (
        organisations::id,
        organisations::name,
        organisations::kind,
        organisations::parent_id,
        organisations::timezone,
        organisations::version,
        organisations::created_at,
        organisations::updated_at,
        organisations::signoff_chain,
        organisations::allow_repeat_signer,
    ) = (
        organisations::id,
        organisations::name,
        organisations::kind,
        organisations::parent_id,
        organisations::timezone,
        organisations::version,
        organisations::created_at,
        organisations::updated_at,
        organisations::signoff_chain,
        organisations::allow_repeat_signer,
    );
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = departments)]
pub struct Department {
    pub id: i64,
    pub organisation_id: i64,
    pub name: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: i64,
    pub organisation_id: i64,
    pub department_id: Option<i64>,
    pub username: String,
    pub display_name: String,
    pub title: String,
    pub password_hash: String,
    pub active: bool,
    pub token_epoch: i64,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub last_login_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = refresh_tokens)]
pub struct RefreshToken {
    pub id: i64,
    pub user_id: i64,
    pub family: String,
    pub token_hash: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = api_tokens)]
pub struct ApiToken {
    pub id: i64,
    pub organisation_id: i64,
    pub name: String,
    pub token_prefix: String,
    pub token_hash: String,
    pub scopes: String,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub expires_at: Option<NaiveDateTime>,
    pub last_used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = inspections)]
pub struct Inspection {
    pub id: i64,
    pub organisation_id: i64,
    pub title: String,
    pub inspector: String,
    pub onsite_start: Option<NaiveDate>,
    pub onsite_end: Option<NaiveDate>,
    pub feedback_date: Option<NaiveDate>,
    pub deadline: Option<NaiveDate>,
    pub status: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub signoff_chain: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = leading_group_members)]
pub struct LeadingGroupMember {
    pub id: i64,
    pub inspection_id: i64,
    pub user_id: i64,
    pub group_role: String,
    pub title: String,
    pub from_date: Option<NaiveDate>,
    pub until_date: Option<NaiveDate>,
    pub position: i32,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = categories)]
pub struct Category {
    pub id: i64,
    pub inspection_id: i64,
    pub ordinal: i32,
    pub title: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = problems)]
pub struct Problem {
    pub id: i64,
    pub inspection_id: i64,
    pub category_id: i64,
    pub ordinal: i32,
    pub title: String,
    pub feedback: String,
    pub responsible_leader_id: Option<i64>,
    pub lead_department_id: Option<i64>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub closeout_status: String,
    pub closeout_requested_by: Option<i64>,
    pub closed_by: Option<i64>,
    pub closed_at: Option<NaiveDateTime>,
    pub closeout_comment: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = measures)]
pub struct Measure {
    pub id: i64,
    pub organisation_id: i64,
    pub inspection_id: i64,
    pub problem_id: i64,
    pub ordinal: i32,
    pub problem_ordinal: i32,
    pub title: String,
    pub content: String,
    pub kind: String,
    pub responsible_leader_id: Option<i64>,
    pub lead_department_id: Option<i64>,
    pub deadline: Option<NaiveDate>,
    pub progress: String,
    pub status: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub submission_round: i32,
    pub submitted_by: Option<i64>,
    pub submitted_at: Option<NaiveDateTime>,
    pub next_lookback: Option<NaiveDate>,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = evidence_files)]
pub struct EvidenceFile {
    pub id: i64,
    pub organisation_id: i64,
    pub object_key: String,
    pub file_name: String,
    pub file_type: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub uploaded_by: Option<i64>,
    pub uploaded_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = evidence)]
pub struct Evidence {
    pub id: i64,
    pub organisation_id: i64,
    pub inspection_id: i64,
    pub problem_id: i64,
    pub measure_id: i64,
    pub file_id: i64,
    pub title: String,
    pub document_number: Option<String>,
    pub document_date: Option<NaiveDate>,
    pub description: String,
    pub version: i64,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub deleted_at: Option<NaiveDateTime>,
    pub deleted_by: Option<i64>,
    pub delete_reason: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = evidence_versions)]
pub struct EvidenceVersion {
    pub id: i64,
    pub evidence_id: i64,
    pub version: i64,
    pub change: String,
    pub file_id: i64,
    pub title: String,
    pub document_number: Option<String>,
    pub document_date: Option<NaiveDate>,
    pub description: String,
    pub reason: Option<String>,
    pub changed_by: Option<i64>,
    pub changed_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = signoffs)]
pub struct Signoff {
    pub id: i64,
    pub measure_id: i64,
    pub round: i32,
    pub stage: String,
    pub decision: String,
    pub comment: String,
    pub evidence_digest: String,
    pub signer_id: i64,
    pub repeat_signer: bool,
    pub created_at: NaiveDateTime,
    pub invalidated_at: Option<NaiveDateTime>,
    pub invalidated_reason: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = extension_requests)]
pub struct ExtensionRequest {
    pub id: i64,
    pub organisation_id: i64,
    pub measure_id: i64,
    pub requested_by: i64,
    pub old_deadline: Option<NaiveDate>,
    pub new_deadline: NaiveDate,
    pub reason: String,
    pub status: String,
    pub decided_by: Option<i64>,
    pub decided_at: Option<NaiveDateTime>,
    pub decision_comment: String,
    pub created_at: NaiveDateTime,
}
