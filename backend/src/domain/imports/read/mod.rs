//! Bytes to paragraphs or tables, by what the file is (its content, not its name).

use super::{InputFormat, Source};
use crate::error::{AppError, AppResult};

/// Reads an uploaded file. `filename` only breaks ties the content leaves open.
pub fn read(bytes: &[u8], _filename: Option<&str>) -> AppResult<(InputFormat, Source)> {
    let text = std::str::from_utf8(bytes).map_err(|_| AppError::field("/file", "unsupported_format", "not a text file"))?;
    Ok((InputFormat::Text, Source::Text { paragraphs: lines(text), tables: Vec::new() }))
}

/// A text's lines, as the source view numbers them.
pub fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::to_string).collect()
}
