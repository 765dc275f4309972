//! Plain text: which encoding it is in, and what is not text in it.

use encoding_rs::{Encoding, GB18030, UTF_16BE, UTF_16LE};

use crate::error::AppResult;

/// Decodes an uploaded text file: UTF-8 (with or without BOM), UTF-16 with a BOM (or plainly
/// UTF-16 when half its bytes are zero), otherwise GB18030, which covers GBK and GB2312 — what
/// Chinese Windows saves as "ANSI". Control characters other than tab and line breaks are
/// removed. Bytes that decode to nothing readable are refused as `unsupported_format`.
pub fn decode_text(bytes: &[u8]) -> AppResult<String> {
    let text = if let Some((encoding, bom)) = Encoding::for_bom(bytes) {
        encoding.decode_without_bom_handling(bytes.get(bom..).unwrap_or_default()).0.into_owned()
    } else if let Some(text) = utf8(bytes) {
        text.to_string()
    } else if let Some(encoding) = utf16_without_bom(bytes) {
        encoding.decode_without_bom_handling(bytes).0.into_owned()
    } else {
        // Not clean UTF-8: a UTF-8 file with a damaged byte or a cut-off end has few faults
        // (GBK read as UTF-8 has one at nearly every character); otherwise GB18030, which
        // is permissive, so it must come out nearly clean.
        let utf8 = String::from_utf8_lossy(bytes);
        let chars = utf8.chars().count();
        if replacements(&utf8) * 100 <= chars {
            utf8.into_owned()
        } else {
            let (gb, _) = GB18030.decode_without_bom_handling(bytes);
            if replacements(&gb) * 100 > gb.chars().count() {
                return Err(super::unsupported());
            }
            gb.into_owned()
        }
    };
    let controls = text.chars().filter(|c| is_stray_control(*c) && !matches!(c, '\n' | '\r')).count();
    if controls > 16 && controls * 20 > text.chars().count() {
        return Err(super::unsupported());
    }
    Ok(text.chars().filter(|c| !is_stray_control(*c) || matches!(c, '\n' | '\r')).collect())
}

/// One line without the characters a reader cannot see or a parser should not meet: control
/// characters other than tab, and byte-order marks.
pub(super) fn clean(line: &str) -> String {
    line.chars().filter(|c| !is_stray_control(*c)).collect()
}

/// The bytes as UTF-8, also when a last character was cut off (an interrupted save or
/// upload).
fn utf8(bytes: &[u8]) -> Option<&str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Some(text),
        Err(e) if e.error_len().is_none() => bytes.get(..e.valid_up_to()).and_then(|b| std::str::from_utf8(b).ok()),
        Err(_) => None,
    }
}

fn is_stray_control(c: char) -> bool {
    (c.is_control() && c != '\t') || c == '\u{FEFF}'
}

fn replacements(text: &str) -> usize {
    text.chars().filter(|c| *c == char::REPLACEMENT_CHARACTER).count()
}

/// UTF-16 saved without a BOM shows as zero bytes in every other position (for the ASCII in
/// it: digits, punctuation, line breaks).
fn utf16_without_bom(bytes: &[u8]) -> Option<&'static Encoding> {
    if bytes.len() < 4 || bytes.len() % 2 != 0 {
        return None;
    }
    let pairs = bytes.chunks_exact(2).take(4096);
    let n = pairs.len();
    let (mut even, mut odd) = (0, 0);
    for pair in pairs {
        even += usize::from(pair.first() == Some(&0));
        odd += usize::from(pair.get(1) == Some(&0));
    }
    if odd * 5 > n && even * 50 < n {
        Some(UTF_16LE)
    } else if even * 5 > n && odd * 50 < n {
        Some(UTF_16BE)
    } else {
        None
    }
}

/// A text whose first lines are all records of one CSV (or tab-separated) shape with several
/// fields, as spreadsheets export them.
pub(super) fn looks_like_csv(text: &str) -> bool {
    let sample: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).take(10).collect();
    if sample.len() < 2 {
        return false;
    }
    let sample = sample.join("\n");
    [b',', b'\t'].into_iter().any(|delimiter| {
        let mut reader = csv::ReaderBuilder::new().delimiter(delimiter).has_headers(false).flexible(true).from_reader(sample.as_bytes());
        let counts: Vec<usize> = reader.records().map(|r| r.map(|r| r.len()).unwrap_or(0)).collect();
        match counts.first() {
            Some(&first) => counts.len() >= 2 && first >= 3 && counts.iter().all(|&c| c == first),
            None => false,
        }
    })
}
