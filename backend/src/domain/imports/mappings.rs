//! Column mappings an organisation chose for its 台账, kept for next time.
// placeholder: replaced by the sheet reader

use std::collections::HashMap;

use super::sheet::Field;
use crate::db::DbConn;
use crate::error::AppResult;

pub fn load(_conn: &mut DbConn, _organisation_id: i64) -> AppResult<HashMap<String, Field>> {
    Ok(HashMap::new())
}

pub fn save(_conn: &mut DbConn, _organisation_id: i64, _columns: &[(String, Option<Field>)]) -> AppResult<()> {
    Ok(())
}
