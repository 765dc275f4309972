//! Who is calling, and what they may do.
//!
//! A handler states what it requires in its signature: `Authorized<ManageMembers>` only extracts
//! for an admin or coordinator. Object-level checks (which organisation) happen in the domain
//! functions through [`Caller`], which every query is scoped by.

pub mod cache;
pub mod password;
pub mod throttle;
pub mod tokens;

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;

use actix_web::{dev::Payload, http::header, web, FromRequest, HttpMessage, HttpRequest};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::AppError;
use crate::state::AppState;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Manages organisations and users everywhere.
    Admin,
    /// 整改办: sets up inspections and manages the users and departments of its organisation.
    Coordinator,
    /// 教职工 / 经办人: works on assigned measures.
    Staff,
    /// 分管领导: approves or returns the measures it is responsible for.
    ResponsibleLeader,
    /// 整改领导小组组长: signs off; sees everything in the organisation.
    Leader,
    /// 纪委: verifies, runs look-backs, reads the audit log.
    Discipline,
    /// 教育局督导: reads and audits the schools the bureau supervises.
    BureauSupervisor,
}

impl Role {
    pub const ALL: [Role; 7] =
        [Role::Admin, Role::Coordinator, Role::Staff, Role::ResponsibleLeader, Role::Leader, Role::Discipline, Role::BureauSupervisor];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Coordinator => "coordinator",
            Role::Staff => "staff",
            Role::ResponsibleLeader => "responsible_leader",
            Role::Leader => "leader",
            Role::Discipline => "discipline",
            Role::BureauSupervisor => "bureau_supervisor",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// The role as the screens name it, for messages the server writes.
    pub fn name_zh(self) -> &'static str {
        match self {
            Role::Admin => "系统管理员",
            Role::Coordinator => "整改办",
            Role::Staff => "工作人员",
            Role::ResponsibleLeader => "责任领导",
            Role::Leader => "组长",
            Role::Discipline => "纪委",
            Role::BureauSupervisor => "教育局督导",
        }
    }

    /// The roles a holder of `roles` grants: an admin every role, a coordinator the working ones.
    pub fn grantable_by(roles: &[Role]) -> Vec<Role> {
        if roles.contains(&Role::Admin) {
            Role::ALL.to_vec()
        } else if roles.contains(&Role::Coordinator) {
            Role::ALL.into_iter().filter(|r| r.grantable_by_coordinator()).collect()
        } else {
            Vec::new()
        }
    }

    /// Roles a coordinator may hand out inside its own organisation: the working roles. `admin`
    /// and `bureau_supervisor` reach beyond one school; `leader` and `discipline` sign and verify
    /// the coordinator's own work. Only an admin grants those (docs/permissions.md).
    pub fn grantable_by_coordinator(self) -> bool {
        matches!(self, Role::Staff | Role::ResponsibleLeader | Role::Coordinator)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    Read,
    Write,
}

#[derive(Debug, Clone)]
pub enum Principal {
    User { id: i64, username: String },
    ApiToken { id: i64, write: bool },
}

/// The authenticated caller of a request.
#[derive(Debug, Clone)]
pub struct Caller {
    pub principal: Principal,
    pub organisation_id: i64,
    pub roles: Vec<Role>,
    /// A signed-in user's profile as resolved with the token (what `GET /me` answers).
    pub me: Option<std::sync::Arc<crate::domain::users::Me>>,
    /// The request being served, for the audit log.
    pub request_id: Option<String>,
}

impl Caller {
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
    pub fn user_id(&self) -> Option<i64> {
        match self.principal {
            Principal::User { id, .. } => Some(id),
            Principal::ApiToken { .. } => None,
        }
    }
    pub fn is_admin(&self) -> bool {
        self.has(Role::Admin)
    }
    /// Admins manage every organisation; coordinators their own.
    pub fn manages_members_of(&self, organisation_id: i64) -> bool {
        self.is_admin() || (self.has(Role::Coordinator) && self.organisation_id == organisation_id)
    }
}

/// A requirement on the caller, checked before the handler runs.
pub trait Policy {
    fn check(caller: &Caller) -> Result<(), AppError>;
}

fn refuse(what: &str) -> AppError {
    AppError::forbidden("insufficient_role", format!("this action needs {what}"))
}

/// Any signed-in user or API token.
pub struct AnyCaller;
impl Policy for AnyCaller {
    fn check(_: &Caller) -> Result<(), AppError> {
        Ok(())
    }
}

/// A person, not an API token.
pub struct SignedIn;
impl Policy for SignedIn {
    fn check(c: &Caller) -> Result<(), AppError> {
        match c.principal {
            Principal::User { .. } => Ok(()),
            Principal::ApiToken { .. } => Err(AppError::forbidden("user_required", "API tokens cannot use this endpoint")),
        }
    }
}

/// `admin`.
pub struct ManageOrganisations;
impl Policy for ManageOrganisations {
    fn check(c: &Caller) -> Result<(), AppError> {
        if c.is_admin() {
            Ok(())
        } else {
            Err(refuse("the admin role"))
        }
    }
}

/// `admin` anywhere, or `coordinator` (for its own organisation; checked per object).
pub struct ManageMembers;
impl Policy for ManageMembers {
    fn check(c: &Caller) -> Result<(), AppError> {
        if c.is_admin() || c.has(Role::Coordinator) {
            Ok(())
        } else {
            Err(refuse("the admin or coordinator role"))
        }
    }
}

/// Extracts the caller and enforces `P`.
pub struct Authorized<P: Policy> {
    pub caller: Caller,
    _policy: PhantomData<P>,
}

impl<P: Policy> std::ops::Deref for Authorized<P> {
    type Target = Caller;
    fn deref(&self) -> &Caller {
        &self.caller
    }
}

impl<P: Policy + 'static> FromRequest for Authorized<P> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let bearer = bearer_token(req);
        let request_id = req.extensions().get::<crate::middleware::RequestId>().map(|r| r.0.clone());
        Box::pin(async move {
            let state = state.ok_or_else(|| AppError::internal("application state missing"))?;
            let token = bearer?;
            let caller = Caller { request_id, ..state.authenticate(token).await? };
            P::check(&caller)?;
            Ok(Authorized { caller, _policy: PhantomData })
        })
    }
}

fn bearer_token(req: &HttpRequest) -> Result<String, AppError> {
    let missing = || AppError::unauthorized("unauthenticated", "sign in first: send Authorization: Bearer <token>");
    let value = req.headers().get(header::AUTHORIZATION).ok_or_else(missing)?;
    let value = value.to_str().map_err(|_| missing())?;
    match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() => Ok(token.trim().to_string()),
        _ => Err(missing()),
    }
}
