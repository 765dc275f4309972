//! The API through real HTTP, on SQLite and (when configured) PostgreSQL.

mod common;

mod api_tokens;
mod auth;
mod concurrency;
mod departments;
mod errors;
mod organisations;
mod users;
mod cli;
mod migrations;
mod openapi_doc;
mod matrix;
mod ledger;
mod demo_ledger;
