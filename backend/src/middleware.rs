//! One middleware around every request: request id, panic containment, problem documents with
//! `instance` and `request_id`, security headers, metrics and a log line.

use std::panic::AssertUnwindSafe;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage};
use futures_util::FutureExt;

use crate::error::AppError;
use crate::state::AppState;

#[derive(Clone)]
pub struct RequestId(pub String);

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

fn incoming_request_id(req: &ServiceRequest) -> Option<String> {
    let v = req.headers().get(&REQUEST_ID)?.to_str().ok()?;
    let ok = !v.is_empty() && v.len() <= 64 && v.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
    ok.then(|| v.to_string())
}

/// Generic problems for errors that did not come from our own code (e.g. the router).
fn foreign_error(status: actix_web::http::StatusCode) -> AppError {
    let code = match status.as_u16() {
        404 => "not_found",
        405 => "method_not_allowed",
        413 => "payload_too_large",
        415 => "unsupported_media_type",
        400 => "bad_request",
        s if s >= 500 => "internal_error",
        _ => "error",
    };
    AppError::new(status, code, status.canonical_reason().unwrap_or("error"))
}

pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let request_id = incoming_request_id(&req).unwrap_or_else(|| hex::encode(rand::random::<[u8; 8]>()));
    req.extensions_mut().insert(RequestId(request_id.clone()));
    let path = req.path().to_string();
    let state = req.app_data::<web::Data<AppState>>().cloned();

    // The request can't be cloned before routing, so a panic is answered through the error
    // path: actix renders the returned AppError as a 500 problem instead of dropping the connection.
    let mut res = match AssertUnwindSafe(next.call(req)).catch_unwind().await {
        Ok(res) => res?.map_into_boxed_body(),
        Err(panic) => {
            let what = panic.downcast_ref::<&str>().map(|s| s.to_string()).or_else(|| panic.downcast_ref::<String>().cloned());
            tracing::error!(request_id, path, panic = what.unwrap_or_default(), "handler panicked");
            return Err(AppError::internal("handler panicked").into());
        }
    };

    // Render errors as problems carrying where and which request they belong to.
    let status = res.status();
    if status.is_client_error() || status.is_server_error() {
        let already = res.headers().get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
        let problem = match res.response().error() {
            Some(e) => Some(e.as_error::<AppError>().cloned().unwrap_or_else(|| foreign_error(status))),
            None if !already => Some(foreign_error(status)),
            None => None,
        };
        if let Some(p) = problem {
            let (r, _) = res.into_parts();
            res = ServiceResponse::new(r, p.to_response(Some(path.clone()), Some(request_id.clone())));
        }
    }

    let headers = res.headers_mut();
    headers.insert(REQUEST_ID, HeaderValue::from_str(&request_id).unwrap_or(HeaderValue::from_static("invalid")));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    if path.starts_with("/api/v1/") && !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }

    let elapsed = started.elapsed().as_secs_f64();
    let status = res.status().as_u16();
    let method = res.request().method().to_string();
    let route = res.request().match_pattern().unwrap_or_else(|| "(unmatched)".into());
    if let Some(state) = state {
        state.metrics.observe(&method, &route, status, elapsed);
    }
    let ms = (elapsed * 1000.0 * 10.0).round() / 10.0;
    if status >= 500 {
        tracing::error!(request_id, method, path, route, status, ms, "request");
    } else {
        tracing::info!(request_id, method, path, route, status, ms, "request");
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::{middleware::from_fn, test, App, HttpResponse};

    #[actix_web::test]
    async fn a_panicking_handler_answers_a_500_problem() {
        let app = test::init_service(
            App::new()
                .route(
                    "/boom",
                    web::get().to(|| async {
                        panic!("secret detail: /etc/shadow");
                        #[allow(unreachable_code)]
                        HttpResponse::Ok()
                    }),
                )
                .route("/fine", web::get().to(|| async { HttpResponse::Ok().body("fine") }))
                .wrap(from_fn(observe)),
        )
        .await;
        // The middleware hands back an error; the HTTP dispatcher renders it like this.
        let err = test::try_call_service(&app, test::TestRequest::get().uri("/boom").to_request()).await.err().unwrap();
        let res = err.error_response();
        assert_eq!(res.status(), 500);
        assert_eq!(res.headers().get(header::CONTENT_TYPE).unwrap(), "application/problem+json");
        let body = actix_web::body::to_bytes(res.into_body()).await.unwrap();
        let body = String::from_utf8(body.to_vec()).unwrap();
        assert!(body.contains("\"code\":\"internal_error\""), "{body}");
        assert!(!body.contains("shadow"), "nothing internal leaks: {body}");
        // The worker keeps serving.
        let res = test::call_service(&app, test::TestRequest::get().uri("/fine").to_request()).await;
        assert_eq!(res.status(), 200);
        assert!(res.headers().contains_key("x-request-id"));
    }
}
