//! HTTP: routes, thin handlers, response helpers, and the OpenAPI document.

pub mod api_tokens;
pub mod audit;
pub mod auth;
pub mod departments;
pub mod evidence;
pub mod exports;
pub mod ledger;
pub mod me;
pub mod ops;
pub mod organisations;
pub mod users;

use actix_web::http::header;
use actix_web::{dev::Payload, FromRequest, HttpRequest, HttpResponse};
use serde::Serialize;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoResponses, Modify, OpenApi};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::error::{AppError, Problem};

pub fn routes(cfg: &mut ServiceConfig) {
    auth::routes(cfg);
    me::routes(cfg);
    organisations::routes(cfg);
    departments::routes(cfg);
    users::routes(cfg);
    api_tokens::routes(cfg);
    // Before the ledger's `/measures/{id}`, which would take `export` for an id.
    exports::routes(cfg);
    ledger::routes(cfg);
    evidence::routes(cfg);
    audit::routes(cfg);
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Rectify API",
        description = "Tracks the rectification (整改) of problems fed back by an inspection (巡察): \
                       the problem list, measures, responsibilities, evidence, sign-offs, close-out and look-back.\n\n\
                       Errors are `application/problem+json` (RFC 9457) with a stable `code`. Lists return \
                       `{items, total, limit, offset}`. Changes to versioned resources need `If-Match: \"<version>\"`.",
        license(name = "AGPL-3.0-or-later")
    ),
    modifiers(&BearerAuth),
    components(schemas(Problem, crate::domain::exports::ExportFormat)),
    tags(
        (name = "auth", description = "Sign in, refresh and sign out"),
        (name = "me", description = "The signed-in user"),
        (name = "organisations", description = "Bureaus and the schools they supervise"),
        (name = "departments", description = "Departments (处室、专业部) of an organisation"),
        (name = "users", description = "Accounts and roles"),
        (name = "api-tokens", description = "Tokens for other systems"),
        (name = "inspections", description = "Inspection rounds, their ledger and statistics"),
        (name = "categories", description = "Categories (方面) of an inspection"),
        (name = "problems", description = "Problems fed back (反馈问题)"),
        (name = "measures", description = "Rectification measures (整改措施) and their progress"),
        (name = "evidence", description = "Evidence (佐证材料): files with versions, tombstones and integrity checks"),
        (name = "audit", description = "The tamper-evident audit log"),
        (name = "operations", description = "Health, readiness and metrics"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;
impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An access JWT from /api/v1/auth/login, or an API token (rct_…)"))
                    .build(),
            ),
        );
    }
}

/// The whole OpenAPI document, as served and as committed in `openapi/openapi.json`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    use utoipa_actix_web::AppExt;
    let (_, doc) = actix_web::App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(ops::routes)
        .service(utoipa_actix_web::scope("/api/v1").configure(routes))
        .split_for_parts();
    doc
}

// Documented error responses, shared by the endpoints (types only, never constructed).
#[derive(IntoResponses)]
#[allow(dead_code)]
#[response(status = 401, description = "Not signed in, or the token is invalid or expired", content_type = "application/problem+json")]
pub struct Unauthorized(Problem);

#[derive(IntoResponses)]
#[allow(dead_code)]
#[response(status = 403, description = "The caller's role may not do this", content_type = "application/problem+json")]
pub struct Forbidden(Problem);

#[derive(IntoResponses)]
#[allow(dead_code)]
#[response(status = 404, description = "No such resource, or not visible to the caller", content_type = "application/problem+json")]
pub struct NotFound(Problem);

#[derive(IntoResponses)]
#[allow(dead_code)]
#[response(
    status = 409,
    description = "Conflicts with the current state (e.g. a duplicate name)",
    content_type = "application/problem+json"
)]
pub struct Conflict(Problem);

#[derive(IntoResponses)]
#[allow(dead_code)]
#[response(status = 412, description = "If-Match does not match the current version", content_type = "application/problem+json")]
pub struct PreconditionFailed(Problem);

#[derive(IntoResponses)]
#[allow(dead_code)]
#[response(status = 428, description = "If-Match is missing", content_type = "application/problem+json")]
pub struct PreconditionRequired(Problem);

#[derive(IntoResponses)]
#[allow(dead_code)]
#[response(
    status = 422,
    description = "The body is well-formed but invalid; `errors` points at each field",
    content_type = "application/problem+json"
)]
pub struct Invalid(Problem);

#[derive(IntoResponses)]
#[allow(dead_code)]
#[response(status = 400, description = "Malformed request (JSON syntax, query parameters)", content_type = "application/problem+json")]
pub struct BadRequest(Problem);

#[derive(IntoResponses)]
#[allow(dead_code)]
#[response(status = 429, description = "Too many attempts; see Retry-After", content_type = "application/problem+json",
           headers(("Retry-After" = u64, description = "Seconds to wait")))]
pub struct TooManyRequests(Problem);

/// The version a change is based on, from `If-Match: "<version>"`.
pub struct IfMatch(pub i64);

impl FromRequest for IfMatch {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(parse_if_match(req))
    }
}

fn parse_if_match(req: &HttpRequest) -> Result<IfMatch, AppError> {
    let raw = req.headers().get(header::IF_MATCH).ok_or_else(AppError::if_match_required)?;
    let raw = raw.to_str().unwrap_or("").trim();
    let tag = raw.strip_prefix("W/").unwrap_or(raw).trim_matches('"');
    tag.parse::<i64>()
        .map(IfMatch)
        .map_err(|_| AppError::bad_request("invalid_if_match", "If-Match must be the quoted version from the ETag, e.g. \"3\""))
}

/// A JSON body with `ETag: "<version>"`.
pub fn with_etag<T: Serialize>(status: actix_web::http::StatusCode, version: i64, body: &T) -> HttpResponse {
    HttpResponse::build(status).insert_header((header::ETAG, format!("\"{version}\""))).json(body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn if_match_accepts_strong_weak_and_bare_versions() {
        for v in ["\"7\"", "W/\"7\"", "7"] {
            let req = TestRequest::default().insert_header((header::IF_MATCH, v)).to_http_request();
            assert_eq!(parse_if_match(&req).unwrap().0, 7, "{v}");
        }
        let req = TestRequest::default().to_http_request();
        assert_eq!(parse_if_match(&req).err().unwrap().status.as_u16(), 428);
        let req = TestRequest::default().insert_header((header::IF_MATCH, "\"abc\"")).to_http_request();
        assert_eq!(parse_if_match(&req).err().unwrap().code, "invalid_if_match");
    }
}
