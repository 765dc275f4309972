//! The 整改台账 as CSV: the ledger sheet's columns, one line per measure (category and problem
//! repeated on each), UTF-8 with a byte order mark so that Excel reads the Chinese right.

use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::Path;

use super::{Column, ExtensionRecord, Layout, LedgerSink, MeasureRow, ReturnRecord, SignoffRecord, WriteError, WriteResult};

pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Writes the CSV as rows arrive; [`LedgerCsv::finish`] gives the file.
pub struct LedgerCsv {
    writer: csv::Writer<BufWriter<std::fs::File>>,
    columns: Vec<Column>,
    seq: usize,
}

impl LedgerCsv {
    /// A new CSV in an anonymous file in `dir`, which vanishes when closed.
    pub fn create(dir: &Path, layout: &Layout) -> WriteResult<LedgerCsv> {
        let mut out = BufWriter::new(tempfile::tempfile_in(dir)?);
        out.write_all(BOM)?;
        let mut writer = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(out);
        let columns = Column::all(layout);
        writer.write_record(columns.iter().map(|c| c.heading()))?;
        Ok(LedgerCsv { writer, columns, seq: 0 })
    }

    /// The file, rewound.
    pub fn finish(self) -> WriteResult<std::fs::File> {
        let out = self.writer.into_inner().map_err(|e| WriteError(e.to_string()))?;
        let mut file = out.into_inner().map_err(|e| WriteError(e.to_string()))?;
        file.seek(SeekFrom::Start(0))?;
        Ok(file)
    }
}

/// A cell that a spreadsheet would take for a formula (`=`, `+`, `-`, `@`, a tab or a carriage
/// return first) is kept as text with a leading apostrophe (OWASP: CSV injection).
pub fn defused(text: String) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text
    }
}

impl LedgerSink for LedgerCsv {
    fn measure(&mut self, row: MeasureRow) -> WriteResult<()> {
        self.seq += 1;
        let seq = self.seq;
        self.writer.write_record(self.columns.iter().map(|c| defused(c.text(&row, seq))))?;
        Ok(())
    }
    // The CSV is the ledger sheet alone.
    fn signoff(&mut self, _: SignoffRecord) -> WriteResult<()> {
        Ok(())
    }
    fn returned(&mut self, _: ReturnRecord) -> WriteResult<()> {
        Ok(())
    }
    fn extension(&mut self, _: ExtensionRecord) -> WriteResult<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::super::tests::row;
    use super::*;
    use crate::domain::ledger::MeasureStatus;

    #[test]
    fn csv_starts_with_a_bom_and_repeats_category_and_problem() {
        let dir = tempfile::tempdir().unwrap();
        let mut t = LedgerCsv::create(dir.path(), &Layout::default()).unwrap();
        let mut r = row(1, 1, MeasureStatus::InProgress, Some("2021-09-12"));
        r.progress = "=HYPERLINK(\"x\")\n第二行".into();
        t.measure(r).unwrap();
        t.measure(row(1, 2, MeasureStatus::Verified, None)).unwrap();
        let mut bytes = Vec::new();
        t.finish().unwrap().read_to_end(&mut bytes).unwrap();
        assert!(bytes.starts_with(BOM));
        let mut reader = csv::Reader::from_reader(&bytes[3..]);
        assert_eq!(reader.headers().unwrap().iter().take(4).collect::<Vec<_>>(), ["序号", "问题类别", "问题", "整改措施"]);
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 2);
        assert_eq!((&rows[0][1], &rows[1][1]), ("（一）履行职责使命方面", "（一）履行职责使命方面"));
        assert_eq!((&rows[0][2], &rows[1][2]), ("1.问题1", "1.问题1"));
        assert_eq!(&rows[0][12], "'=HYPERLINK(\"x\")\n第二行");
        assert_eq!(&rows[0][13], "整改中（已逾期 3 天）");
        assert!(String::from_utf8(bytes).unwrap().contains("\r\n"));
    }
}
