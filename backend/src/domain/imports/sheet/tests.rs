use std::collections::HashMap;
use std::io::Read;
use std::time::Instant;

use chrono::NaiveDate;
use rust_xlsxwriter::{Format, Workbook};

use super::*;
use crate::domain::exports::tests::row as export_row;
use crate::domain::exports::workbook::LedgerWorkbook;
use crate::domain::exports::{Layout, LedgerSink, MeasureRow};
use crate::domain::imports::{Confidence, Draft, InputFormat, Lines, Merge, Table, Warning};
use crate::domain::ledger::labels::{category_label, measure_label, problem_label};
use crate::domain::ledger::{MeasureKind, MeasureStatus};
use crate::error::AppError;

fn date(s: &str) -> Option<NaiveDate> {
    Some(s.parse().unwrap())
}

/// Every warning of a draft, the draft's own first, then its nodes' in order.
fn all_warnings(d: &Draft) -> Vec<Warning> {
    let mut all = d.warnings.clone();
    for c in &d.categories {
        all.extend(c.warnings.iter().cloned());
        for p in &c.problems {
            all.extend(p.warnings.iter().cloned());
            for m in &p.measures {
                all.extend(m.warnings.iter().cloned());
            }
        }
    }
    all
}

fn warning(code: &str, cell: &str, message: &str, line: u32) -> Warning {
    Warning::new(code, message).at(Lines::one(line)).in_cell(cell)
}

fn field_error(e: &AppError) -> (u16, &str) {
    (e.status.as_u16(), e.errors.first().map_or("", |f| f.code.as_str()))
}

/// A 台账 as people make them: a title, a two-row header (责任主体 over 牵头单位 and 责任领导),
/// the columns in their own order, category and problem cells merged over their rows.
fn hand_made_workbook() -> Vec<u8> {
    let mut book = Workbook::new();
    let plain = Format::new();
    let day = Format::new().set_num_format("yyyy-mm-dd");
    let moment = Format::new().set_num_format("yyyy-mm-dd hh:mm");
    let ws = book.add_worksheet();
    ws.set_name("台账").unwrap();
    ws.merge_range(0, 0, 0, 8, "某校巡察反馈问题整改台账", &plain).unwrap();
    for (c, h) in [(0, "序号"), (1, "整改措施"), (2, "问题\n类别"), (3, "存在问题"), (6, "完成时限"), (7, "具体责任人"), (8, "备注")]
    {
        ws.merge_range(1, c, 2, c, h, &plain).unwrap();
    }
    ws.merge_range(1, 4, 1, 5, "责任主体", &plain).unwrap();
    ws.write_string(2, 4, "牵头单位").unwrap();
    ws.write_string(2, 5, "责任领导").unwrap();
    ws.merge_range(3, 2, 6, 2, "一、政治建设方面", &plain).unwrap();
    ws.merge_range(3, 3, 4, 3, "1.理论学习不深入", &plain).unwrap();
    ws.merge_range(5, 3, 6, 3, "2.意识形态工作薄弱", &plain).unwrap();
    ws.merge_range(7, 2, 8, 2, "二、作风建设方面", &plain).unwrap();
    let rows: [(u32, &str, &str, &str, &str, &str); 6] = [
        (3, "①制定理论学习计划", "党政办", "覃守生", "", "张三、李四"),
        (4, "②开展专题研讨", "党政办", "覃守生", "长期坚持", "王五"),
        (5, "（1）落实意识形态工作责任制", "宣传科", "张红昌", "2021年12月底", "赵六 钱七"),
        (6, "(2)开展风险排查", "宣传科", "张红昌", "年底前", ""),
        (7, "①建立作风问题台账", "纪检组", "", "2021/10/31", "孙八"),
        (10, "①修订考勤制度", "人事科", "", "", ""),
    ];
    for (seq, (r, measure, lead, leader, deadline, people)) in rows.into_iter().enumerate() {
        ws.write_number(r, 0, seq as f64 + 1.0).unwrap();
        ws.write_string(r, 1, measure).unwrap();
        for (c, text) in [(4, lead), (5, leader), (6, deadline), (7, people)] {
            if !text.is_empty() {
                ws.write_string(r, c, text).unwrap();
            }
        }
    }
    ws.write_datetime_with_format(3, 6, NaiveDate::from_ymd_opt(2021, 9, 30).unwrap(), &day).unwrap();
    ws.write_string(7, 3, "3.形式主义问题").unwrap();
    // A problem with no measure yet, an empty row, then a category cell left empty.
    ws.write_string(8, 3, "4.制度执行不严").unwrap();
    ws.write_string(10, 3, "5.考勤管理松散").unwrap();
    // A date typed as a bare number.
    ws.write_number(10, 6, 44561.0).unwrap();
    let at = NaiveDate::from_ymd_opt(2021, 9, 30).unwrap().and_hms_opt(8, 30, 0).unwrap();
    ws.write_datetime_with_format(3, 8, at, &moment).unwrap();
    ws.write_boolean(4, 8, true).unwrap();
    ws.write_number(10, 8, 2.5).unwrap();
    // A hidden sheet with a fuller header, and an empty one: neither is read.
    let hidden = book.add_worksheet();
    hidden.set_name("旧版").unwrap();
    for (c, h) in ["问题类别", "问题", "整改措施", "责任领导", "牵头单位", "完成时限"].iter().enumerate() {
        hidden.write_string(0, c as u16, *h).unwrap();
    }
    hidden.set_hidden(true);
    book.add_worksheet();
    book.save_to_buffer().unwrap()
}

#[test]
fn a_hand_made_workbook_becomes_a_draft_with_warnings_by_cell() {
    let tables = read_sheets(&hand_made_workbook(), InputFormat::Xlsx).unwrap();
    assert_eq!(tables.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(), ["台账"], "hidden and empty sheets are left out");
    let t = &tables[0];
    // Dates as dates, whole numbers without a decimal point, merged ranges kept apart.
    let cell = |r: usize, c: usize| t.rows[r].get(c).map_or("", String::as_str);
    assert_eq!((cell(3, 0), cell(3, 6), cell(3, 8), cell(4, 8)), ("1", "2021-09-30", "2021-09-30 08:30", "TRUE"));
    assert_eq!((cell(10, 6), cell(10, 8)), ("44561", "2.5"));
    assert_eq!(cell(1, 2), "问题\n类别");
    assert!(t.merges.contains(&Merge { first_row: 0, last_row: 0, first_col: 0, last_col: 8 }));
    assert!(t.merges.contains(&Merge { first_row: 3, last_row: 6, first_col: 2, last_col: 2 }));

    let layout = detect(&tables, &HashMap::new()).expect("a ledger");
    assert_eq!((layout.sheet, layout.header_rows), (0, (1, 2)));
    let columns: Vec<(&str, &str, Option<Field>)> =
        layout.columns.iter().map(|c| (c.letter.as_str(), c.header.as_str(), c.field)).collect();
    assert_eq!(
        columns,
        [
            ("A", "序号", None),
            ("B", "整改措施", Some(Field::Measure)),
            ("C", "问题类别", Some(Field::Category)),
            ("D", "存在问题", Some(Field::Problem)),
            ("E", "牵头单位", Some(Field::LeadDepartment)),
            ("F", "责任领导", Some(Field::ResponsibleLeader)),
            ("G", "完成时限", Some(Field::Deadline)),
            ("H", "具体责任人", Some(Field::Assignees)),
            ("I", "备注", None),
        ]
    );

    let d = to_draft(t, &layout);
    assert_eq!(d.metadata.title.as_deref(), Some("某校巡察反馈问题整改台账"));
    assert_eq!(d.counts(), (2, 5, 6));
    let cats: Vec<(&str, &str, Option<Lines>)> = d.categories.iter().map(|c| (c.label.as_str(), c.title.as_str(), c.lines)).collect();
    assert_eq!(
        cats,
        [("一、", "政治建设方面", Some(Lines { first: 4, last: 7 })), ("二、", "作风建设方面", Some(Lines { first: 8, last: 11 }))]
    );
    let problems: Vec<(&str, &str, usize, Option<Lines>)> =
        d.categories.iter().flat_map(|c| &c.problems).map(|p| (p.label.as_str(), p.title.as_str(), p.measures.len(), p.lines)).collect();
    assert_eq!(
        problems,
        [
            ("1.", "理论学习不深入", 2, Some(Lines { first: 4, last: 5 })),
            ("2.", "意识形态工作薄弱", 2, Some(Lines { first: 6, last: 7 })),
            ("3.", "形式主义问题", 1, Some(Lines { first: 8, last: 8 })),
            ("4.", "制度执行不严", 0, Some(Lines { first: 9, last: 9 })),
            ("5.", "考勤管理松散", 1, Some(Lines { first: 11, last: 11 })),
        ]
    );
    let measures: Vec<_> = d.categories.iter().flat_map(|c| &c.problems).flat_map(|p| &p.measures).collect();
    let m = measures[0];
    assert_eq!((m.label.as_str(), m.text.as_str(), m.lines), ("①", "制定理论学习计划", Some(Lines::one(4))));
    assert_eq!((m.lead_department.as_deref(), m.responsible_leader.as_deref()), (Some("党政办"), Some("覃守生")));
    assert_eq!((m.deadline, &m.assignees[..]), (date("2021-09-30"), &["张三".to_string(), "李四".to_string()][..]));
    assert_eq!((measures[1].kind.as_deref(), measures[1].deadline), (Some("长期坚持"), None), "长期坚持 is a kind, not a date");
    assert_eq!((measures[2].label.as_str(), measures[2].deadline), ("（1）", date("2021-12-31")));
    assert_eq!(measures[2].assignees, ["赵六", "钱七"]);
    assert_eq!((measures[3].label.as_str(), measures[3].text.as_str(), measures[3].deadline), ("(2)", "开展风险排查", None));
    assert_eq!((measures[4].deadline, measures[4].responsible_leader.as_deref()), (date("2021-10-31"), None));
    assert_eq!((measures[5].text.as_str(), measures[5].deadline), ("修订考勤制度", date("2021-12-31")), "an Excel serial number");
    assert_eq!(
        all_warnings(&d),
        [
            warning("unreadable_deadline", "G7", "G7：无法识别完成时限“年底前”，请填写日期", 7),
            warning("problem_without_measure", "B9", "B9：问题“制度执行不严”没有整改措施", 9),
        ]
    );
    assert_eq!(d.confidence, Confidence::Medium);
}

#[test]
fn csv_files_with_commas_tabs_or_semicolons() {
    let text = "问题,整改措施,完成时限\n\"1.问题一\",\"①措施一，含逗号, 和英文逗号\",2021-12-31\n\n2.问题二,\"①措施二\n分两行\",下半年\n";
    let t = read_csv(text).unwrap();
    assert_eq!(t.rows.len(), 4, "the blank line is a row, as a spreadsheet shows it: {:?}", t.rows);
    assert_eq!(t.rows[1], ["1.问题一", "①措施一，含逗号, 和英文逗号", "2021-12-31"]);
    assert_eq!(t.rows[3][1], "①措施二\n分两行");
    let tabs = read_csv("问题\t整改措施\n1.问题\t①措施, 含逗号\n").unwrap();
    assert_eq!(tabs.rows[1], ["1.问题", "①措施, 含逗号"]);
    let semicolons = read_csv("问题;整改措施;备注\n1.问题;①措施\n").unwrap();
    assert_eq!(semicolons.rows[1], ["1.问题", "①措施"], "lines may have fewer fields");

    let layout = detect(std::slice::from_ref(&t), &HashMap::new()).unwrap();
    let d = to_draft(&t, &layout);
    assert_eq!(d.counts(), (1, 2, 2));
    assert_eq!((d.categories[0].label.as_str(), d.categories[0].title.as_str()), ("", "问题清单"));
    assert_eq!(d.categories[0].problems[1].measures[0].text, "措施二\n分两行");
    assert_eq!(
        all_warnings(&d),
        [
            Warning::new("no_category_column", "没有找到“问题类别”列，问题都归入了“问题清单”，请核对"),
            warning("unreadable_deadline", "C4", "C4：无法识别完成时限“下半年”，请填写日期", 4),
        ]
    );
    assert_eq!(d.confidence, Confidence::Medium);
}

/// A Word table of the 三个清单 (问题清单, 任务清单, 责任清单), categories as rows across it.
#[test]
fn a_three_lists_table_is_a_ledger() {
    let row = |cells: &[&str]| cells.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let across = |r: usize| Merge { first_row: r, last_row: r, first_col: 0, last_col: 4 };
    let t = Table {
        name: "表格1".into(),
        rows: vec![
            row(&["序号", "问题清单", "任务清单", "责任清单", "完成时限"]),
            row(&["一、政治建设方面", "", "", "", ""]),
            row(&["1", "理论学习不深入", "①制定学习计划", "责任领导：覃守生；牵头单位：党政办；责任人：张三、李四", "2021年9月30日"]),
            row(&["2", "", "②开展专题研讨", "责任领导：覃守生；牵头单位：党政办", "长期坚持"]),
            row(&["二、作风建设方面", "", "", "", ""]),
            row(&["3", "形式主义问题", "①建立台账", "纪检组", "立行立改"]),
        ],
        merges: vec![across(1), Merge { first_row: 2, last_row: 3, first_col: 1, last_col: 1 }, across(4)],
    };
    let layout = detect(std::slice::from_ref(&t), &HashMap::new()).unwrap();
    assert_eq!(layout.header_rows, (0, 0));
    let d = to_draft(&t, &layout);
    assert_eq!(all_warnings(&d), []);
    assert_eq!(d.confidence, Confidence::High);
    let titles: Vec<(&str, &str, Vec<&str>)> =
        d.categories.iter().map(|c| (c.label.as_str(), c.title.as_str(), c.problems.iter().map(|p| p.title.as_str()).collect())).collect();
    assert_eq!(titles, [("一、", "政治建设方面", vec!["理论学习不深入"]), ("二、", "作风建设方面", vec!["形式主义问题"])]);
    let first = &d.categories[0].problems[0];
    assert_eq!(first.lines, Some(Lines { first: 3, last: 4 }));
    let m = &first.measures[0];
    assert_eq!((m.responsible_leader.as_deref(), m.lead_department.as_deref()), (Some("覃守生"), Some("党政办")));
    assert_eq!((m.assignees.clone(), m.deadline), (vec!["张三".to_string(), "李四".to_string()], date("2021-09-30")));
    assert_eq!((first.measures[1].kind.as_deref(), first.measures[1].deadline), (Some("长期坚持"), None));
    let last = &d.categories[1].problems[0].measures[0];
    assert_eq!((last.lead_department.as_deref(), last.kind.as_deref(), last.deadline), (Some("纪检组"), Some("立行立改"), None));
}

#[test]
fn a_saved_mapping_wins_over_the_guess() {
    let t = Table {
        name: "Sheet1".into(),
        rows: vec![
            ["问题", "整改要求", "办理人", "责任单位", "备注"].map(String::from).to_vec(),
            ["1.问题一", "①措施一", "张三", "党政办", "已完成"].map(String::from).to_vec(),
        ],
        merges: vec![],
    };
    let fields = |l: &SheetLayout| l.columns.iter().map(|c| c.field).collect::<Vec<_>>();
    let guessed = detect(std::slice::from_ref(&t), &HashMap::new()).unwrap();
    assert_eq!(fields(&guessed), [Some(Field::Problem), None, None, Some(Field::LeadDepartment), None]);
    // Saved under the header as the coordinator saw it; compared without spaces and punctuation.
    let saved: Saved = [
        ("整改要求", Some(Field::Measure)),
        ("办理人：", Some(Field::Assignees)),
        ("责任 单位", Some(Field::SupportingDepartments)),
        ("备注", Some(Field::Progress)),
    ]
    .into_iter()
    .map(|(h, f)| (h.to_string(), f))
    .collect();
    let layout = detect(std::slice::from_ref(&t), &saved).unwrap();
    assert_eq!(
        fields(&layout),
        [Some(Field::Problem), Some(Field::Measure), Some(Field::Assignees), Some(Field::SupportingDepartments), Some(Field::Progress)]
    );
    let m = &to_draft(&t, &layout).categories[0].problems[0].measures[0];
    assert_eq!(
        (m.text.as_str(), m.assignees.as_slice(), m.supporting_departments.as_slice()),
        ("措施一", &["张三".to_string()][..], &["党政办".to_string()][..])
    );
    assert_eq!((m.lead_department.as_deref(), m.progress.as_deref()), (None, Some("已完成")));
}

fn table(name: &str, rows: &[&[&str]]) -> Table {
    Table { name: name.into(), rows: rows.iter().map(|r| r.iter().map(|s| s.to_string()).collect()).collect(), merges: vec![] }
}

/// Sheets that repeat the category and problem on every row, or leave them empty below, and
/// rows that only add to the measure above.
#[test]
fn repeated_and_empty_cells_continue_the_row_above() {
    let t = table(
        "整改台账",
        &[
            &["问题类别", "问题", "问题表现", "整改措施", "措施类型", "整改进展"],
            &["一、政治建设方面", "1.问题一", "表现甲", "①措施一", "限期整改", "进展一"],
            &["一、政治建设方面", "1.问题一", "表现乙", "②措施二", "马上改", ""],
            &["", "", "", "", "", "补充进展"],
            &["", "2.问题二", "", "①措施三", "", ""],
            &["二、作风建设方面", "3.问题三", "", "①措施四", "", ""],
        ],
    );
    let layout = detect(std::slice::from_ref(&t), &HashMap::new()).unwrap();
    assert_eq!(layout.column_of(Field::Feedback), Some(2), "问题表现 next to 问题 tells more about it");
    let d = to_draft(&t, &layout);
    assert_eq!(d.counts(), (2, 3, 4));
    let p = &d.categories[0].problems[0];
    assert_eq!((p.feedback.as_str(), p.lines), ("表现甲\n表现乙", Some(Lines { first: 2, last: 4 })));
    assert_eq!(p.measures[1].progress.as_deref(), Some("补充进展"));
    assert_eq!(p.measures[1].lines, Some(Lines { first: 3, last: 4 }));
    assert_eq!(d.categories[0].problems[1].measures[0].text, "措施三");
    assert_eq!(all_warnings(&d), [warning("unknown_kind", "E3", "E3：无法识别措施类型“马上改”，应为立行立改、限期整改或长期坚持", 3)]);
    // 反馈意见 alone is the problem.
    let alone = table("Sheet1", &[&["反馈意见", "整改措施"], &["1.问题一", "①措施一"]]);
    let layout = detect(std::slice::from_ref(&alone), &HashMap::new()).unwrap();
    assert_eq!(layout.columns.iter().map(|c| c.field).collect::<Vec<_>>(), [Some(Field::Problem), Some(Field::Measure)]);
}

#[test]
fn nothing_like_a_ledger_and_a_blank_ledger() {
    let t =
        Table {
            name: "名单".into(), rows: vec![vec!["姓名".into(), "职务".into()], vec!["张三".into(), "校长".into()]], merges: vec![]
        };
    assert_eq!(detect(&[t], &HashMap::new()), None);
    assert_eq!(detect(&[], &HashMap::new()), None);
    let header_only = Table { name: "台账".into(), rows: vec![vec!["问题".into(), "整改措施".into()]], merges: vec![] };
    let layout = detect(std::slice::from_ref(&header_only), &HashMap::new()).unwrap();
    let d = to_draft(&header_only, &layout);
    assert_eq!((d.counts(), d.confidence), ((0, 0, 0), Confidence::Low));
    assert_eq!(d.warnings.iter().map(|w| w.code.as_str()).collect::<Vec<_>>(), ["empty_sheet"]);
}

/// The ledger as the export writes it, and what a draft of it must hold per measure.
type Expected = Vec<(String, String, Vec<(String, String, Vec<ExpectedMeasure>)>)>;
type ExpectedMeasure =
    (String, String, Option<String>, Option<String>, Option<String>, Vec<String>, Vec<String>, Option<NaiveDate>, Option<String>);

fn ledger(categories: usize, problems: usize, measures: usize) -> Vec<MeasureRow> {
    let names = ["覃守生", "张红昌", "戴先波", "马杰平"];
    let departments = ["教务处", "学生处", "工会", "团委", "党政办"];
    let mut rows = Vec::new();
    let (mut problem_no, mut measure_id) = (0, 0);
    for c in 1..=categories {
        for _ in 0..problems {
            problem_no += 1;
            for m in 1..=measures {
                measure_id += 1;
                let mut r = export_row(problem_no, measure_id, MeasureStatus::InProgress, None);
                let n = measure_id as usize;
                r.category_id = c as i64;
                r.category = format!("{}履行职责使命方面{c}", category_label(c as i32));
                r.problem = format!("{}理论武装不够问题{problem_no}", problem_label(problem_no as i32));
                r.measure_text = format!("{}强化思想武装{n}。召开专题会议，制定学习计划", measure_label(m as i32));
                r.kind = [MeasureKind::Immediate, MeasureKind::TimeBound, MeasureKind::LongTerm][n % 3];
                r.deadline = (r.kind != MeasureKind::LongTerm).then(|| NaiveDate::from_ymd_opt(2021, 1 + (n % 12) as u32, 28).unwrap());
                r.responsible_leader = if n % 5 == 0 { String::new() } else { names[n % 4].to_string() };
                r.lead_department = departments[n % 5].to_string();
                r.supporting_departments = departments.iter().skip(n % 3).take(n % 3).map(|s| s.to_string()).collect();
                r.assignees = names.iter().take(n % 3).map(|s| s.to_string()).collect();
                r.progress = if n % 4 == 0 { String::new() } else { format!("已召开会议{n}次\n下一步继续推进") };
                rows.push(r);
            }
        }
    }
    rows
}

fn expected(rows: &[MeasureRow]) -> Expected {
    let mut out: Expected = Vec::new();
    let split = |s: &str| {
        let (label, rest) = s.split_at(s.find(['）', '.', '①', '②', '③']).map_or(0, |i| {
            let ch = s[i..].chars().next().unwrap();
            i + ch.len_utf8()
        }));
        (label.to_string(), rest.to_string())
    };
    let text = |s: &str| (!s.is_empty()).then(|| s.to_string());
    for r in rows {
        let (cl, ct) = split(&r.category);
        if out.last().is_none_or(|c| c.1 != ct) {
            out.push((cl, ct, Vec::new()));
        }
        let cat = out.last_mut().unwrap();
        let (pl, pt) = split(&r.problem);
        if cat.2.last().is_none_or(|p| p.1 != pt) {
            cat.2.push((pl, pt, Vec::new()));
        }
        let (ml, mt) = split(&r.measure_text);
        cat.2.last_mut().unwrap().2.push((
            ml,
            mt,
            Some(r.kind.name_zh().to_string()),
            text(&r.responsible_leader),
            text(&r.lead_department),
            r.supporting_departments.clone(),
            r.assignees.clone(),
            r.deadline,
            text(&r.progress),
        ));
    }
    out
}

fn drafted(d: &Draft) -> Expected {
    d.categories
        .iter()
        .map(|c| {
            let problems = c
                .problems
                .iter()
                .map(|p| {
                    let measures = p
                        .measures
                        .iter()
                        .map(|m| {
                            (
                                m.label.clone(),
                                m.text.clone(),
                                m.kind.clone(),
                                m.responsible_leader.clone(),
                                m.lead_department.clone(),
                                m.supporting_departments.clone(),
                                m.assignees.clone(),
                                m.deadline,
                                m.progress.clone(),
                            )
                        })
                        .collect();
                    (p.label.clone(), p.title.clone(), measures)
                })
                .collect();
            (c.label.clone(), c.title.clone(), problems)
        })
        .collect()
}

fn export(rows: Vec<MeasureRow>, title: &str) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let layout = Layout { title: title.into(), note: "导出时间：2021-09-15 10:00".into(), ..Default::default() };
    let mut book = LedgerWorkbook::create(dir.path(), layout).unwrap();
    for r in rows {
        book.measure(r).unwrap();
    }
    let mut file = book.finish().unwrap();
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).unwrap();
    bytes
}

#[test]
fn the_exported_workbook_imports_back_as_the_same_ledger() {
    let rows = ledger(3, 2, 3);
    let want = expected(&rows);
    let bytes = export(rows, "某校整改台账");
    let tables = read_sheets(&bytes, InputFormat::Xlsx).unwrap();
    let layout = detect(&tables, &HashMap::new()).unwrap();
    assert_eq!(tables[layout.sheet].name, "整改台账");
    assert_eq!(layout.header_rows, (2, 3));
    let d = to_draft(&tables[layout.sheet], &layout);
    assert_eq!(all_warnings(&d), []);
    assert_eq!((d.counts(), d.confidence), ((3, 6, 18), Confidence::High));
    assert_eq!(d.metadata.title.as_deref(), Some("某校整改台账"));
    assert_eq!(drafted(&d), want);
    // Each node's lines are its rows of the sheet (data from row 5).
    assert_eq!(d.categories[0].lines, Some(Lines { first: 5, last: 10 }));
    assert_eq!(d.categories[0].problems[1].lines, Some(Lines { first: 8, last: 10 }));
    assert_eq!(d.categories[0].problems[1].measures[2].lines, Some(Lines::one(10)));
}

#[test]
fn a_ledger_of_14000_rows_reads_in_reasonable_time() {
    let started = Instant::now();
    let bytes = export(ledger(10, 350, 4), "某县整改台账");
    let written = started.elapsed();
    let started = Instant::now();
    let tables = read_sheets(&bytes, InputFormat::Xlsx).unwrap();
    let read = started.elapsed();
    let started = Instant::now();
    let layout = detect(&tables, &HashMap::new()).unwrap();
    let detected = started.elapsed();
    let started = Instant::now();
    let d = to_draft(&tables[layout.sheet], &layout);
    let drafted = started.elapsed();
    println!(
        "14,000-row 台账 ({} KiB): written in {written:.2?}, read in {read:.2?}, columns found in {detected:.2?}, draft in {drafted:.2?}",
        bytes.len() / 1024
    );
    assert_eq!(d.counts(), (10, 3500, 14_000));
    assert_eq!(all_warnings(&d), []);
}

#[test]
fn damaged_or_oversized_files_answer_422() {
    let good = hand_made_workbook();
    // A deterministic scramble, so that a failure can be replayed.
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    let noise: Vec<u8> = (0..4096)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed as u8
        })
        .collect();
    let mut broken = vec![Vec::new(), b"PK\x03\x04 not really a zip".to_vec(), noise.clone(), good[..good.len() / 2].to_vec()];
    broken.push(good[..good.len() - 30].to_vec());
    for bytes in &broken {
        for format in [InputFormat::Xlsx, InputFormat::Xls] {
            let e = read_sheets(bytes, format).expect_err("unreadable");
            assert_eq!(field_error(&e), (422, "unreadable_workbook"), "{} bytes as {format:?}", bytes.len());
        }
    }
    // Bytes changed inside a sound file: read or refused, never a panic or a 500.
    for at in (100..good.len()).step_by(good.len() / 40) {
        let mut bytes = good.clone();
        bytes[at] ^= 0x5A;
        if let Err(e) = read_sheets(&bytes, InputFormat::Xlsx) {
            assert_eq!(e.status.as_u16(), 422, "byte {at}: {e:?}");
        }
    }
    assert_eq!(field_error(&read_sheets(&good, InputFormat::Csv).unwrap_err()), (422, "unsupported_format"));
    assert_eq!(field_error(&read_sheets(&claims_gigabytes(), InputFormat::Xlsx).unwrap_err()), (422, "workbook_too_large"));

    let one_cell = |r: u32, c: u16| {
        let mut book = Workbook::new();
        let ws = book.add_worksheet();
        ws.write_string(0, 0, "问题").unwrap();
        ws.write_string(r, c, "x").unwrap();
        book.save_to_buffer().unwrap()
    };
    assert_eq!(field_error(&read_sheets(&one_cell(5, 150), InputFormat::Xlsx).unwrap_err()), (422, "too_many_columns"));
    assert_eq!(field_error(&read_sheets(&one_cell(MAX_ROWS as u32, 0), InputFormat::Xlsx).unwrap_err()), (422, "too_many_rows"));
    assert!(read_sheets(&one_cell(MAX_ROWS as u32 - 1, MAX_COLUMNS as u16 - 1), InputFormat::Xlsx).is_ok());
    let wide = format!("问题{}\n", ",x".repeat(MAX_COLUMNS));
    assert_eq!(field_error(&read_csv(&wide).unwrap_err()), (422, "too_many_columns"));
}

/// A tiny archive whose one part says it unpacks to 2 GiB.
fn claims_gigabytes() -> Vec<u8> {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    zip.start_file("xl/sharedStrings.xml", stored).unwrap();
    zip.write_all(b"<sst/>").unwrap();
    let mut bytes = zip.finish().unwrap().into_inner();
    let central = bytes.windows(4).position(|w| w == b"PK\x01\x02").unwrap();
    bytes[central + 24..central + 28].copy_from_slice(&0x7FFF_FFFFu32.to_le_bytes());
    bytes
}

#[test]
fn letters_and_cell_names() {
    assert_eq!([0, 25, 26, 27, 51, 52, 701, 702].map(column_letter), ["A", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA"]);
    assert_eq!(cell_name(11, 2), "C12");
}

/// Tables of any shape, with ranges that overlap or reach past the sheet, and layouts as a
/// client may send them back: a draft or nothing, never a panic.
#[test]
fn any_table_and_layout_give_a_draft() {
    let words = [
        "",
        "",
        "问题类别",
        "问题",
        "整改措施",
        "完成时限",
        "一、方面",
        "1.问题",
        "①措施",
        "2021年底",
        "长期坚持",
        "张三、李四",
        "年底前",
        "（一）",
        "44561",
    ];
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    };
    for _ in 0..300 {
        let (height, width) = (next(12), next(7));
        let rows = (0..height).map(|_| (0..next(width + 1)).map(|_| words[next(words.len())].to_string()).collect()).collect();
        let merges = (0..next(5))
            .map(|_| {
                let (first_row, first_col) = (next(height + 2), next(width + 2));
                // Now and then backwards, as a careless writer may leave one.
                let last_row = if next(6) == 0 { first_row.saturating_sub(1) } else { first_row + next(4) };
                Merge { first_row, first_col, last_row, last_col: first_col + next(3) }
            })
            .collect();
        let t = Table { name: "Sheet1".into(), rows, merges };
        if let Some(layout) = detect(std::slice::from_ref(&t), &HashMap::new()) {
            let _ = to_draft(&t, &layout);
        }
        let columns = (0..next(5))
            .map(|i| Column {
                index: next(12),
                letter: column_letter(i),
                header: String::new(),
                field: Some(Field::ALL[next(Field::ALL.len())]),
            })
            .collect();
        let sent = SheetLayout { sheet: 0, header_rows: (next(3), [0, 1, 5, usize::MAX][next(4)]), columns };
        let _ = to_draft(&t, &sent);
    }
}
