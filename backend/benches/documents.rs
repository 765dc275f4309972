//! Documents in, without HTTP: parse time of the reference report against reading its lines,
//! of documents of 0.5, 1 and 2 MB (linear time), and reading a 14,000-row 台账 workbook.
//! Run by `bench/import.sh`, or `cargo bench -p rectify --bench documents`.

use std::collections::HashMap;
use std::hint::black_box;
use std::time::Instant;

use rectify::domain::imports::{parse, read, sheet, InputFormat};

const REPORT: &str = include_str!("../fixtures/changyang-2021/report.txt");

/// Median and slowest of `runs` timings, in milliseconds.
fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> (f64, f64) {
    let mut t: Vec<f64> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            black_box(f());
            start.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    t.sort_by(f64::total_cmp);
    (t[t.len() / 2], t[t.len() - 1])
}

/// A document of about `bytes`: the report's problems part repeated, numbered on.
fn big_document(bytes: usize) -> String {
    let start = REPORT.find("（一）履行职责使命方面").unwrap_or(0);
    let end = REPORT.find("四、巩固整改成果").unwrap_or(REPORT.len());
    let part = &REPORT[start..end];
    let mut doc = String::from("某校关于巡察反馈问题整改情况的报告\n三、整改落实情况\n");
    while doc.len() < bytes {
        doc.push_str(part);
    }
    doc
}

/// A 台账 of `rows` measures: a title row, a header, categories and problems merged.
fn workbook(rows: usize) -> Vec<u8> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let fmt = Format::new();
    let header = ["序号", "问题类别", "存在问题", "整改措施", "责任领导", "牵头单位", "责任人", "完成时限", "整改进展"];
    ws.merge_range(0, 0, 0, header.len() as u16 - 1, "某县教育系统巡察反馈问题整改台账", &fmt).expect("title");
    for (c, h) in header.iter().enumerate() {
        ws.write(1, c as u16, *h).expect("header");
    }
    let per_problem = 5;
    let per_category = 500;
    for i in 0..rows {
        let r = (i + 2) as u32;
        if i % per_category == 0 {
            let last = (r as usize + per_category - 1).min(rows + 1) as u32;
            ws.merge_range(r, 1, last, 1, &format!("第{}方面", i / per_category + 1), &fmt).expect("category");
        }
        if i % per_problem == 0 {
            let last = (r as usize + per_problem - 1).min(rows + 1) as u32;
            ws.merge_range(r, 2, last, 2, &format!("{}. 第{}个问题", i / per_problem + 1, i / per_problem + 1), &fmt).expect("problem");
        }
        ws.write(r, 0, (i + 1) as u32).expect("no");
        ws.write(r, 3, format!("整改措施{}：建立健全相关制度，定期开展检查，确保整改到位。", i + 1)).expect("measure");
        ws.write(r, 4, "覃守生").expect("leader");
        ws.write(r, 5, "党政办公室").expect("dept");
        ws.write(r, 6, "覃立明、蒋芳").expect("assignees");
        ws.write(r, 7, "2021-12-31").expect("deadline");
        ws.write(r, 8, "正在整改").expect("progress");
    }
    wb.save_to_buffer().expect("workbook")
}

fn main() {
    let runs = std::env::var("RUNS").ok().and_then(|r| r.parse().ok()).unwrap_or(100);
    println!("report.txt: {} bytes, {} lines; {runs} runs each", REPORT.len(), REPORT.lines().count());
    let (base, _) = time(runs, || read::lines(std::str::from_utf8(REPORT.as_bytes()).unwrap_or_default()));
    let (parse_ms, parse_max) = time(runs, || parse::parse(&read::lines(REPORT)));
    let counts = parse::parse(&read::lines(REPORT)).counts();
    println!("  reading its lines (baseline)        median {base:8.3} ms");
    println!(
        "  parsing it                          median {parse_ms:8.3} ms  max {parse_max:8.3} ms  ({:.0}× the baseline; {counts:?})",
        parse_ms / base
    );
    for mb in [0.5, 1.0, 2.0] {
        let doc = big_document((mb * 1024.0 * 1024.0) as usize);
        let lines = read::lines(&doc);
        let (ms, max) = time(5, || parse::parse(&lines));
        let (_, p, m) = parse::parse(&lines).counts();
        println!("  {mb:3.1} MB document ({p} problems, {m} measures)  median {ms:8.1} ms  max {max:8.1} ms  ({:.0} ms per MB)", ms / mb);
    }
    let rows = 14_000;
    let bytes = workbook(rows);
    let (read_ms, _) = time(3, || sheet::read_sheets(&bytes, InputFormat::Xlsx));
    let tables = sheet::read_sheets(&bytes, InputFormat::Xlsx).expect("the workbook reads");
    let layout = sheet::detect(&tables, &HashMap::new()).expect("a ledger");
    let (draft_ms, _) = time(3, || sheet::to_draft(&tables[layout.sheet], &layout));
    let counts = sheet::to_draft(&tables[layout.sheet], &layout).counts();
    println!("{rows}-row 台账 ({} KiB): reading {read_ms:.0} ms, to a draft {draft_ms:.0} ms ({counts:?})", bytes.len() / 1024);
}
