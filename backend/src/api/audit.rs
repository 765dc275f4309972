//! The audit log: read and verify.

use actix_web::{get, web};
use utoipa_actix_web::service_config::ServiceConfig;

use super::{BadRequest, Forbidden, Unauthorized};
use crate::auth::{AnyCaller, Authorized};
use crate::domain::audit::{self, AuditQuery, AuditView, ChainReport};
use crate::domain::Page;
use crate::error::AppResult;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(verify_audit).service(list_audit);
}

/// Audit events the caller may read, newest first (discipline committee, bureau supervisors, admins).
#[utoipa::path(tag = "audit", security(("bearer" = [])), params(AuditQuery),
    responses((status = 200, description = "A page of events", body = Page<AuditView>), BadRequest, Unauthorized, Forbidden))]
#[get("/audit")]
async fn list_audit(
    auth: Authorized<AnyCaller>,
    state: web::Data<AppState>,
    q: web::Query<AuditQuery>,
) -> AppResult<web::Json<Page<AuditView>>> {
    Ok(web::Json(state.db(move |c| audit::list(c, &auth.caller, &q)).await?))
}

/// Re-computes the hash chains the caller may read and reports the first break of each.
#[utoipa::path(tag = "audit", security(("bearer" = [])),
    responses((status = 200, description = "What was found", body = ChainReport), Unauthorized, Forbidden))]
#[get("/audit/verify")]
async fn verify_audit(auth: Authorized<AnyCaller>, state: web::Data<AppState>) -> AppResult<web::Json<ChainReport>> {
    Ok(web::Json(state.db(move |c| audit::verify(c, Some(&auth.caller))).await?))
}
