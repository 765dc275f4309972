//! What the API does, free of HTTP: functions over a database connection and a [`Caller`].

pub mod api_tokens;
pub mod audit;
pub mod departments;
pub mod evidence;
pub mod exports;
pub mod imports;
pub mod ledger;
pub mod notifications;
pub mod organisations;
pub mod precondition;
pub mod reports;
pub mod sessions;
pub mod users;

use chrono::{DateTime, NaiveDateTime, SubsecRound, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

use crate::error::{AppError, AppResult, FieldError};

/// Now in UTC, to the microsecond (what PostgreSQL keeps), so both databases agree.
pub fn now() -> NaiveDateTime {
    Utc::now().naive_utc().trunc_subsecs(6)
}

pub fn utc(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 200;

/// Validated `limit` and `offset` of a list request.
pub fn page_bounds(limit: Option<i64>, offset: Option<i64>) -> AppResult<(i64, i64)> {
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    let offset = offset.unwrap_or(0);
    let mut errors = Vec::new();
    if !(1..=MAX_LIMIT).contains(&limit) {
        errors.push(FieldError::new("/limit", "out_of_range", format!("limit must be between 1 and {MAX_LIMIT}")));
    }
    if offset < 0 {
        errors.push(FieldError::new("/offset", "out_of_range", "offset must not be negative"));
    }
    if errors.is_empty() {
        Ok((limit, offset))
    } else {
        Err(AppError::validation(errors))
    }
}

/// One page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
}

/// For PATCH fields that can be cleared: absent = leave alone, `null` = clear.
pub fn double_option<'de, T: Deserialize<'de>, D: Deserializer<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// Trims a required text field and checks its length in characters.
/// Text that must not be blank, of at most `max` characters as sent (the limit the OpenAPI
/// document declares as `maxLength`); stored trimmed.
pub fn required_text(errors: &mut Vec<FieldError>, pointer: &str, value: &str, max: usize) -> String {
    let v = value.trim();
    if v.is_empty() {
        errors.push(FieldError::new(pointer, "required", "must not be empty"));
    } else if value.chars().count() > max {
        errors.push(FieldError::new(pointer, "too_long", format!("at most {max} characters")));
    }
    v.to_string()
}

pub fn optional_text(errors: &mut Vec<FieldError>, pointer: &str, value: &str, max: usize) -> String {
    let v = value.trim();
    if value.chars().count() > max {
        errors.push(FieldError::new(pointer, "too_long", format!("at most {max} characters")));
    }
    v.to_string()
}

/// A single required text field, checked on its own.
pub fn required(pointer: &str, value: &str, max: usize) -> AppResult<String> {
    let mut errors = Vec::new();
    let v = required_text(&mut errors, pointer, value, max);
    check(errors)?;
    Ok(v)
}

pub fn check(errors: Vec<FieldError>) -> AppResult<()> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::validation(errors))
    }
}
