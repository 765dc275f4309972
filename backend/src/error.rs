//! The one error type of the API, rendered as RFC 9457 `application/problem+json`.
//!
//! `code` is stable and documented: clients translate by it. `detail` is for people and never
//! carries anything internal (SQL, paths, panics); internal causes are logged instead.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

/// One invalid field of a request body.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct FieldError {
    /// JSON pointer (RFC 6901) to the offending value, e.g. `/password`.
    pub pointer: String,
    /// Stable code, e.g. `too_short`.
    pub code: String,
    pub message: String,
}

impl FieldError {
    pub fn new(pointer: &str, code: &str, message: impl Into<String>) -> Self {
        Self { pointer: pointer.into(), code: code.into(), message: message.into() }
    }
}

/// A problem document (RFC 9457).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "urn:rectify:problem:not_found", "title": "Not Found", "status": 404,
    "detail": "the resource does not exist", "instance": "/api/v1/users/42",
    "code": "not_found", "request_id": "0f5c2d0e9a1b4c67"
}))]
pub struct Problem {
    #[serde(rename = "type")]
    pub type_: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    pub code: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

#[derive(Debug, Clone)]
pub struct AppError {
    pub status: StatusCode,
    pub code: &'static str,
    pub detail: String,
    pub errors: Vec<FieldError>,
    pub retry_after: Option<u64>,
    /// `Allow` of a 405: the methods the path answers.
    pub allow: Option<String>,
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        Self { status, code, detail: detail.into(), errors: Vec::new(), retry_after: None, allow: None }
    }
    pub fn bad_request(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, detail)
    }
    pub fn unauthorized(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, code, detail)
    }
    pub fn forbidden(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, code, detail)
    }
    /// Also what a caller gets for an object it may not see, so ids don't leak.
    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "the resource does not exist")
    }
    pub fn conflict(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, detail)
    }
    pub fn version_mismatch() -> Self {
        Self::new(StatusCode::PRECONDITION_FAILED, "version_mismatch", "the resource was changed by someone else; reload it and try again")
    }
    pub fn if_match_required() -> Self {
        Self::new(StatusCode::PRECONDITION_REQUIRED, "if_match_required", "this change needs an If-Match header with the version you read")
    }
    pub fn validation(errors: Vec<FieldError>) -> Self {
        let detail = errors.iter().map(|e| format!("{}: {}", e.pointer, e.message)).collect::<Vec<_>>().join("; ");
        Self { errors, ..Self::new(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", detail) }
    }
    /// The same error about a part of a larger document: its pointers prefixed with `at`.
    pub fn nested(mut self, at: &str) -> Self {
        for e in &mut self.errors {
            e.pointer = format!("{at}{}", e.pointer);
        }
        if !self.errors.is_empty() {
            self.detail = self.errors.iter().map(|e| format!("{}: {}", e.pointer, e.message)).collect::<Vec<_>>().join("; ");
        }
        self
    }
    pub fn field(pointer: &str, code: &str, message: impl Into<String>) -> Self {
        Self::validation(vec![FieldError::new(pointer, code, message)])
    }
    pub fn too_many_requests(code: &'static str, retry_after: u64) -> Self {
        Self {
            retry_after: Some(retry_after.max(1)),
            ..Self::new(StatusCode::TOO_MANY_REQUESTS, code, "too many requests; try again later")
        }
    }
    pub fn method_not_allowed(allow: String) -> Self {
        let detail = format!("this path answers {allow} only");
        Self { allow: Some(allow), ..Self::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", detail) }
    }
    pub fn unavailable(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, code, detail)
    }
    /// The database cannot be reached (down, restarting) or the connection to it was lost.
    pub fn database_unavailable() -> Self {
        Self::unavailable("database_unavailable", "the database is not reachable; try again shortly")
    }
    /// Logs the cause and answers a bare 500.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal_error", "an internal error occurred")
    }

    pub fn problem(&self, instance: Option<String>, request_id: Option<String>) -> Problem {
        Problem {
            type_: format!("urn:rectify:problem:{}", self.code),
            title: self.status.canonical_reason().unwrap_or("Error").to_string(),
            status: self.status.as_u16(),
            detail: self.detail.clone(),
            instance,
            code: self.code.to_string(),
            errors: self.errors.clone(),
            request_id,
        }
    }

    pub fn to_response(&self, instance: Option<String>, request_id: Option<String>) -> HttpResponse {
        let mut res = HttpResponse::build(self.status);
        res.content_type("application/problem+json");
        if let Some(secs) = self.retry_after {
            res.insert_header((header::RETRY_AFTER, secs.to_string()));
        }
        if let Some(allow) = &self.allow {
            res.insert_header((header::ALLOW, allow.clone()));
        }
        res.json(self.problem(instance, request_id))
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status.as_u16(), self.code, self.detail)
    }
}

impl std::error::Error for AppError {}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        self.status
    }
    // The observing middleware re-renders this with `instance` and `request_id` filled in.
    fn error_response(&self) -> HttpResponse {
        self.to_response(None, None)
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind as K, Error as E};
        match e {
            E::NotFound => Self::not_found(),
            E::DatabaseError(K::UniqueViolation, _) => {
                Self::conflict("already_exists", "a resource with the same unique value already exists")
            }
            E::DatabaseError(K::ForeignKeyViolation, _) => {
                Self::conflict("reference_invalid", "the change refers to, or is referred to by, another resource")
            }
            E::DatabaseError(K::SerializationFailure, _) => {
                Self::conflict("concurrent_change", "a concurrent change interfered; try again")
            }
            // The server went away (restart, failover): the transaction did not happen.
            E::DatabaseError(K::ClosedConnection | K::UnableToSendCommand, info) => {
                tracing::warn!(error = %info.message(), "database connection lost");
                Self::database_unavailable()
            }
            other => Self::internal(other),
        }
    }
}

impl From<diesel::r2d2::PoolError> for AppError {
    fn from(e: diesel::r2d2::PoolError) -> Self {
        tracing::error!(error = %e, "database pool");
        Self::database_unavailable()
    }
}

impl From<actix_web::error::BlockingError> for AppError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        Self::internal(e)
    }
}

/// Maps body, query and path extractor failures to problems.
pub fn json_error(err: actix_web::error::JsonPayloadError) -> AppError {
    use actix_web::error::JsonPayloadError as J;
    match err {
        J::Overflow { limit } | J::OverflowKnownLength { limit, .. } => {
            AppError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", format!("the request body is larger than {limit} bytes"))
        }
        J::ContentType => {
            AppError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", "the request body must be application/json")
        }
        J::Deserialize(e) if e.is_data() => AppError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
            format!("the request body does not fit the schema: {}", strip_position(&e.to_string())),
        ),
        J::Deserialize(_) => AppError::bad_request("malformed_json", "the request body is not valid JSON"),
        _ => AppError::bad_request("invalid_body", "the request body could not be read"),
    }
}

pub fn query_error(err: actix_web::error::QueryPayloadError) -> AppError {
    AppError::bad_request("invalid_query", format!("invalid query parameters: {}", strip_position(&err.to_string())))
}

fn strip_position(msg: &str) -> String {
    match msg.find(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}
