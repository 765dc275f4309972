//! Any bytes, as an uploaded document and as pasted text: reading and parsing never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rectify::domain::imports::{parse, read, Source};

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = parse::parse(&read::lines(text));
    }
    if let Ok((_, Source::Text { paragraphs, .. })) = read::read(data, None) {
        let _ = parse::parse(&paragraphs);
    }
});
