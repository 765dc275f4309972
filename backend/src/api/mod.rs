//! HTTP: routes, thin handlers, response helpers, and the OpenAPI document.

pub mod api_tokens;
pub mod audit;
pub mod auth;
pub mod contract;
pub mod departments;
pub mod evidence;
pub mod exports;
pub mod imports;
pub mod ledger;
pub mod me;
pub mod ops;
pub mod organisations;
pub mod reports;
pub mod users;

use actix_web::http::header;
use actix_web::{dev::Payload, FromRequest, HttpRequest, HttpResponse};
use serde::Serialize;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoResponses, Modify, OpenApi};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::domain::precondition::Precondition;
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
    reports::routes(cfg);
    imports::routes(cfg);
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
    components(schemas(
        Problem,
        crate::domain::ledger::query::MeasureSort,
        crate::domain::reports::store::Format,
        crate::domain::exports::ExportFormat,
        crate::domain::imports::preview::Choices
    )),
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
        (name = "reports", description = "The public report (整改情况报告 / 社会公开稿): versions, editions, release, DOCX and HTML"),
        (name = "imports", description = "Documents in: a feedback document, report or 台账 read into a draft ledger to review"),
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
    let mut value = serde_json::to_value(&doc).expect("the document serialises");
    contract::apply(&mut value);
    serde_json::from_value(value).expect("the document reads back as OpenAPI")
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

/// The version(s) a change is based on, from `If-Match` (RFC 9110): `"<version>"`, a list, or `*`.
pub struct IfMatch(pub Precondition);

impl FromRequest for IfMatch {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(parse_if_match(req))
    }
}

fn parse_if_match(req: &HttpRequest) -> Result<IfMatch, AppError> {
    let raw = req.headers().get(header::IF_MATCH).ok_or_else(AppError::if_match_required)?;
    raw.to_str().ok().and_then(Precondition::parse).map(IfMatch).ok_or_else(|| {
        AppError::bad_request("invalid_if_match", "If-Match must be entity tags such as the ETag you read, e.g. \"3\", or *")
    })
}

/// The methods each documented path answers, to tell a wrong method (405 with `Allow`) from a
/// path that does not exist (404).
pub struct Methods(Vec<(actix_web::dev::ResourceDef, String)>);

impl Methods {
    pub fn of(doc: &utoipa::openapi::OpenApi) -> Self {
        let routes = doc
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let ops = [
                    ("GET", item.get.is_some()),
                    ("PUT", item.put.is_some()),
                    ("POST", item.post.is_some()),
                    ("PATCH", item.patch.is_some()),
                    ("DELETE", item.delete.is_some()),
                ];
                let allow: Vec<&str> = ops.iter().filter(|(_, has)| *has).map(|(m, _)| *m).collect();
                (actix_web::dev::ResourceDef::new(path.as_str()), allow.join(", "))
            })
            .collect();
        Self(routes)
    }

    /// `Allow` for a path the API has, whatever the method asked: of the routes that match, the
    /// most literal one (`/measures/export` rather than `/measures/{id}`).
    pub fn allowed(&self, path: &str) -> Option<&str> {
        self.0
            .iter()
            .filter(|(def, _)| def.is_match(path))
            .min_by_key(|(def, _)| def.pattern().unwrap_or_default().matches('{').count())
            .map(|(_, allow)| allow.as_str())
    }

    /// The answer to a request whose path segments did not parse: 405 when the path is another
    /// route's that does not take this method (`PATCH /measures/export`), else 404.
    pub fn path_error(req: &HttpRequest) -> AppError {
        let allow = req.app_data::<actix_web::web::Data<Methods>>().and_then(|m| m.allowed(req.path()));
        match allow {
            Some(allow) if !allow.split(", ").any(|m| m == req.method().as_str()) => AppError::method_not_allowed(allow.to_string()),
            _ => AppError::not_found(),
        }
    }
}

/// A JSON request body, with numbers read as JSON Schema reads them: `2.0` is the integer 2.
/// Size limit, media type and malformed JSON are checked as for `web::Json`.
pub struct Json<T>(pub T);

impl<T> Json<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for Json<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: serde::de::DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = actix_web::Error;
    type Future = futures_util::future::LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = actix_web::web::Json::<serde_json::Value>::from_request(req, payload);
        Box::pin(async move {
            let mut value = body.await?.into_inner();
            integral_numbers(&mut value);
            serde_json::from_value(value)
                .map(Json)
                .map_err(|e| crate::error::json_error(actix_web::error::JsonPayloadError::Deserialize(e)).into())
        })
    }
}

/// Turns numbers without a fractional part (`-7.0`, `1e3`) into integers, in place.
fn integral_numbers(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Number(n) => {
            if let Some(f) = n.as_f64().filter(|f| n.is_f64() && f.fract() == 0.0 && f.abs() < 9.0e15) {
                *value = Value::from(f as i64);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(integral_numbers),
        Value::Object(fields) => fields.values_mut().for_each(integral_numbers),
        _ => {}
    }
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
    fn integral_numbers_become_integers_and_others_stay() {
        let mut v = serde_json::json!({"id": 7.0, "ids": [1e3, -2.0, 2.5], "big": 1e300, "s": "3.0"});
        integral_numbers(&mut v);
        assert_eq!(v, serde_json::json!({"id": 7, "ids": [1000, -2, 2.5], "big": 1e300, "s": "3.0"}));
    }

    #[test]
    fn if_match_reads_tags_and_refuses_what_is_not_one() {
        for v in ["\"7\"", "7", "\"6\", \"7\""] {
            let req = TestRequest::default().insert_header((header::IF_MATCH, v)).to_http_request();
            assert_eq!(parse_if_match(&req).unwrap().0.check(7).unwrap(), 7, "{v}");
        }
        let req = TestRequest::default().to_http_request();
        assert_eq!(parse_if_match(&req).err().unwrap().status.as_u16(), 428);
        let req = TestRequest::default().insert_header((header::IF_MATCH, "abc")).to_http_request();
        assert_eq!(parse_if_match(&req).err().unwrap().code, "invalid_if_match");
    }
}
