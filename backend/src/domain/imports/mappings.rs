//! Column mappings an organisation chose for its 台账, kept for next time: header → field.
//!
//! Headers are kept as [`normalise_header`] has them, so that 完成\n时限 and 完成时限 are one
//! choice; [`super::sheet::detect`] compares them the same way.

use diesel::prelude::*;

use super::sheet::{normalise_header, Field, Saved};
use crate::db::{write_tx, DbConn};
use crate::domain::now;
use crate::error::{AppError, AppResult};
use crate::schema::import_column_mappings as m;

/// Columns one choice may name: a sheet has at most [`super::sheet::MAX_COLUMNS`].
const MAX_ENTRIES: usize = 200;
/// Choices an organisation keeps: far more than the columns of all its 台账 together.
const MAX_KEPT: i64 = 500;
/// A header longer than this is not one anybody will meet again.
const MAX_HEADER_CHARS: usize = 100;

/// The organisation's saved choices, header → field (`None`: not imported).
pub fn load(conn: &mut DbConn, organisation_id: i64) -> AppResult<Saved> {
    let rows: Vec<(String, Option<String>)> =
        m::table.filter(m::organisation_id.eq(organisation_id)).select((m::header, m::field)).load(conn)?;
    // A field this build does not know (written by a later one) is left out, not an error.
    Ok(rows
        .into_iter()
        .filter_map(|(h, f)| match f {
            None => Some((h, None)),
            Some(f) => Field::parse(&f).map(|f| (h, Some(f))),
        })
        .collect())
}

/// Saves the choices of one import: each header's field (or `None`, 不导入) replaces the saved
/// one.
pub fn save(conn: &mut DbConn, organisation_id: i64, columns: &[(String, Option<Field>)]) -> AppResult<()> {
    if columns.len() > MAX_ENTRIES {
        return Err(AppError::field("/choices/columns", "too_many_columns", format!("at most {MAX_ENTRIES} columns")));
    }
    // The last choice for a header counts, as it would in the sheet read left to right.
    let mut choices: Vec<(String, Option<Field>)> = Vec::new();
    for (header, field) in columns {
        let key = normalise_header(header);
        if key.is_empty() || key.chars().count() > MAX_HEADER_CHARS {
            continue;
        }
        choices.retain(|(k, _)| *k != key);
        choices.push((key, *field));
    }
    write_tx(conn, |conn| {
        let t = now();
        for (header, field) in &choices {
            // Delete, then insert: one statement for both databases, inside one transaction.
            diesel::delete(m::table.filter(m::organisation_id.eq(organisation_id)).filter(m::header.eq(header))).execute(conn)?;
            diesel::insert_into(m::table)
                .values((
                    m::organisation_id.eq(organisation_id),
                    m::header.eq(header),
                    m::field.eq(field.map(Field::as_str)),
                    m::updated_at.eq(t),
                ))
                .execute(conn)?;
        }
        // An organisation keeps its most recent choices only: headers met long ago give way.
        let stale: Vec<String> = m::table
            .filter(m::organisation_id.eq(organisation_id))
            .order((m::updated_at.desc(), m::header.asc()))
            .offset(MAX_KEPT)
            .select(m::header)
            .load(conn)?;
        if !stale.is_empty() {
            diesel::delete(m::table.filter(m::organisation_id.eq(organisation_id)).filter(m::header.eq_any(&stale))).execute(conn)?;
        }
        Ok(())
    })
}
