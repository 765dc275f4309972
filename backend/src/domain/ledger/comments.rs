//! Comments on measures and problems, for whoever sees them.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::measures::visible as visible_measure;
use super::structure::visible_problem;
use crate::auth::Caller;
use crate::db::{write_tx, DbConn};
use crate::domain::{audit, now, required, utc};
use crate::error::{AppError, AppResult};
use crate::schema::{comments, users};

/// What a comment is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    Measure(i64),
    Problem(i64),
}

impl Subject {
    pub(super) fn parts(self) -> (&'static str, i64) {
        match self {
            Subject::Measure(id) => ("measure", id),
            Subject::Problem(id) => ("problem", id),
        }
    }

    /// The subject's organisation, when the caller sees it (404 otherwise).
    pub(super) fn organisation(self, conn: &mut DbConn, caller: &Caller) -> AppResult<i64> {
        Ok(match self {
            Subject::Measure(id) => visible_measure(conn, caller, id)?.organisation_id,
            Subject::Problem(id) => visible_problem(conn, caller, id)?.1.organisation_id,
        })
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewComment {
    #[schema(min_length = 1, max_length = 4000)]
    pub body: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CommentView {
    pub id: i64,
    pub author_id: i64,
    pub author_name: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

/// Oldest first.
pub fn list(conn: &mut DbConn, caller: &Caller, subject: Subject) -> AppResult<Vec<CommentView>> {
    subject.organisation(conn, caller)?;
    let (kind, id) = subject.parts();
    let rows: Vec<(i64, i64, String, String, chrono::NaiveDateTime)> = comments::table
        .inner_join(users::table)
        .filter(comments::entity_type.eq(kind))
        .filter(comments::entity_id.eq(id))
        .order(comments::id)
        .select((comments::id, comments::author_id, users::display_name, comments::body, comments::created_at))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, author_id, author_name, body, at)| CommentView { id, author_id, author_name, body, created_at: utc(at) })
        .collect())
}

/// Anyone who sees the measure or problem comments on it; other systems (API tokens) do not.
pub fn create(conn: &mut DbConn, caller: &Caller, subject: Subject, input: NewComment) -> AppResult<CommentView> {
    write_tx(conn, |conn| {
        let org = subject.organisation(conn, caller)?;
        let Some(author) = caller.user_id() else {
            return Err(AppError::forbidden("users_only", "comments are written by people, not API tokens"));
        };
        let body = required("/body", &input.body, 4000)?;
        let (kind, id) = subject.parts();
        let t = now();
        let comment_id: i64 = diesel::insert_into(comments::table)
            .values((
                comments::organisation_id.eq(org),
                comments::entity_type.eq(kind),
                comments::entity_id.eq(id),
                comments::author_id.eq(author),
                comments::body.eq(&body),
                comments::created_at.eq(t),
            ))
            .returning(comments::id)
            .get_result(conn)?;
        audit::record(conn, caller, org, &format!("{kind}.comment"), (kind, id), json!({"comment_id": comment_id, "body": body}))?;
        let author_name: String = users::table.find(author).select(users::display_name).first(conn)?;
        Ok(CommentView { id: comment_id, author_id: author, author_name, body, created_at: utc(t) })
    })
}
