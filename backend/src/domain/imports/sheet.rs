//! A 台账 table becomes a draft ledger: which row is the header, which column holds what.

use super::{InputFormat, Table};
use crate::error::AppResult;

// placeholder: replaced by the sheet reader
pub fn read_sheets(_bytes: &[u8], _format: InputFormat) -> AppResult<Vec<Table>> {
    Ok(Vec::new())
}

// placeholder: replaced by the sheet reader
pub fn read_csv(_text: &str) -> AppResult<Table> {
    Ok(Table::default())
}
