//! The API through real HTTP, on SQLite and (when configured) PostgreSQL.

mod common;

mod api_tokens;
mod audit;
mod auth;
mod backup;
mod cli;
mod concurrency;
mod contract;
mod demo_ledger;
mod departments;
mod errors;
mod evidence;
mod exports;
mod faults;
mod holes;
mod imports;
mod ledger;
mod matrix;
mod migrations;
mod openapi_doc;
mod organisations;
mod reports;
mod screens;
mod signoffs;
mod users;
mod webapp;
