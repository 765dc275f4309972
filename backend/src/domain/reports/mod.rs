//! Documents made from the ledger: the public report (整改情况报告 / 社会公开稿) and the
//! rectification plan (整改方案 with its three lists).
//!
//! Pure parts: `snapshot` (the ledger as plain data), `model` (the report as sections of
//! paragraphs in two editions), `group` (the leading group's sentence), `redact` (masks),
//! `plan`, and the renderers `ooxml`/`docx` (GB/T 9704 DOCX) and `html` (print view). `store`
//! reads and writes them in the database and decides who may do what.

pub mod docx;
pub mod group;
pub mod html;
pub mod model;
pub mod ooxml;
pub mod plan;
pub mod redact;
pub mod snapshot;
pub mod store;
