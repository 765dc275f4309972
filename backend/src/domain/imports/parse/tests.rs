//! The parser against the reference report and documents in other styles.

use super::*;
use crate::domain::imports::Confidence;
use crate::domain::ledger::labels::{category_label, measure_label, problem_label};

const REPORT: &str = include_str!("../../../../fixtures/changyang-2021/report.txt");
const LEDGER: &str = include_str!("../../../../fixtures/changyang-2021/ledger.json");

fn date(s: &str) -> Option<chrono::NaiveDate> {
    s.parse().ok()
}

fn lines(s: &str) -> Vec<String> {
    s.lines().map(String::from).collect()
}

/// The draft must be the reference ledger: labels, titles and texts.
fn assert_is_reference_ledger(d: &Draft) {
    let ledger: serde_json::Value = serde_json::from_str(LEDGER).expect("ledger.json");
    let cats = ledger["categories"].as_array().expect("categories");
    assert_eq!(d.counts(), (3, 30, 105));
    let mut problem_no = 0;
    for (c, (dc, lc)) in d.categories.iter().zip(cats).enumerate() {
        assert_eq!(dc.label, category_label(c as i32 + 1));
        assert_eq!(dc.title, lc["title"].as_str().unwrap_or_default());
        let problems = lc["problems"].as_array().expect("problems");
        assert_eq!(dc.problems.len(), problems.len(), "{}", dc.title);
        for (dp, lp) in dc.problems.iter().zip(problems) {
            problem_no += 1;
            assert_eq!(dp.label, problem_label(problem_no));
            assert_eq!(dp.title, lp["title"].as_str().unwrap_or_default());
            let measures = lp["measures"].as_array().expect("measures");
            assert_eq!(dp.measures.len(), measures.len(), "{}", dp.title);
            for (m, (dm, lm)) in dp.measures.iter().zip(measures).enumerate() {
                assert_eq!(dm.label, measure_label(m as i32 + 1));
                assert_eq!(dm.text, lm["text"].as_str().unwrap_or_default(), "{} {}", dp.title, dm.label);
            }
        }
    }
}

fn assert_reference_metadata(d: &Draft) {
    let m = &d.metadata;
    assert_eq!(m.inspector.as_deref(), Some("县委第三巡察组"));
    assert_eq!(m.started_on, date("2021-03-15"));
    assert_eq!(m.ended_on, date("2021-04-14"));
    assert_eq!(m.feedback_on, date("2021-07-23"));
    assert_eq!(m.doc_number.as_deref(), Some("长职组〔2021〕20号"));
    assert_eq!(m.issuer.as_deref(), Some("中共长阳土家族自治县职业教育中心委员会"));
    assert_eq!(m.dated, date("2021-11-10"));
    assert_eq!(m.title.as_deref(), Some("中共长阳土家族自治县职业教育中心委员会关于巡察反馈问题整改情况的报告（社会公开稿）"));
}

#[test]
fn the_reference_report_gives_the_reference_ledger() {
    let d = parse(&lines(REPORT));
    assert_is_reference_ledger(&d);
    assert_reference_metadata(&d);
    assert_eq!(d.confidence, Confidence::High, "{:?}", d.warnings);
    let kinds: Vec<BlockKind> = d.blocks.iter().map(|b| b.kind).collect();
    assert_eq!(kinds, [BlockKind::Intro, BlockKind::Organisation, BlockKind::Organisation, BlockKind::NextSteps, BlockKind::Closing]);
    assert!(d.blocks[4].text.contains("联系电话：0717-5315948"));
    // Each node knows its lines: problem 1 is on line 31, its measures up to line 39.
    let p1 = &d.categories[0].problems[0];
    assert_eq!(p1.lines, Some(Lines { first: 31, last: 39 }));
    assert_eq!(p1.measures[0].lines, Some(Lines::one(33)));
}

/// What PDF extraction does to a text: page numbers and running headers on their own lines,
/// lines broken at the page width, full-width punctuation turned into ASCII.
fn damage(text: &str) -> String {
    let mut out = String::new();
    let mut page = 1;
    let mut on_page = 0;
    for line in text.lines() {
        let line: String = line
            .chars()
            .map(|c| match c {
                '（' => '(',
                '）' => ')',
                '：' => ':',
                '；' => ';',
                '，' => ',',
                _ => c,
            })
            .collect();
        let chars: Vec<char> = line.chars().collect();
        for chunk in chars.chunks(38) {
            out.extend(chunk);
            out.push('\n');
            on_page += 1;
            if on_page == 30 {
                out.push_str(&format!("\n— {page} —\n\n长阳职教中心巡察整改报告\n\n"));
                page += 1;
                on_page = 0;
            }
        }
    }
    out
}

#[test]
fn the_report_damaged_by_pdf_extraction_gives_the_same_ledger() {
    let damaged = damage(REPORT);
    let d = parse(&lines(&damaged));
    // Texts come back with ASCII punctuation, and a space where a line broke is lost, as
    // extraction loses it: compare the texts with both undone.
    let restore =
        |s: &str| s.replace('(', "（").replace(')', "）").replace(':', "：").replace(';', "；").replace(',', "，").replace(' ', "");
    let mut d = d;
    for c in &mut d.categories {
        c.title = restore(&c.title);
        for p in &mut c.problems {
            p.title = restore(&p.title);
            for m in &mut p.measures {
                m.text = restore(&m.text);
            }
        }
    }
    let clean = parse(&lines(REPORT));
    assert_eq!(d.counts(), (3, 30, 105));
    for (a, b) in d.categories.iter().flat_map(|c| &c.problems).zip(clean.categories.iter().flat_map(|c| &c.problems)) {
        assert_eq!(a.title, b.title);
        for (x, y) in a.measures.iter().zip(&b.measures) {
            assert_eq!(restore(&x.text), restore(&y.text));
        }
    }
    assert_eq!(d.metadata.inspector.as_deref(), Some("县委第三巡察组"));
    assert_eq!(d.metadata.doc_number.as_deref(), Some("长职组〔2021〕20号"));
    assert_eq!(d.metadata.feedback_on, date("2021-07-23"));
}

fn parse_str(s: &str) -> Draft {
    parse(&lines(s))
}

fn titles(d: &Draft) -> Vec<(String, Vec<String>)> {
    d.categories.iter().flat_map(|c| &c.problems).map(|p| (p.title.clone(), p.measures.iter().map(|m| m.text.clone()).collect())).collect()
}

#[test]
fn inline_measures_after_lead_ins() {
    let d = parse_str(
        "某校党总支关于巡察反馈问题的整改方案\n\
         一、履行主体责任方面\n\
         1.理论学习不深入问题。整改措施：一是制定学习计划，每月集中学习一次；二是开展专题研讨；三是建立学习档案。\n\
         2.落实“三重一大”制度不严格问题。问题表现：部分事项未经集体研究。整改措施：一是修订议事规则；二是建立会议纪要签字制度。\n\
         二、作风建设方面\n\
         3.公务卡使用不规范问题\n\
         整改措施：规范公务卡结算；加强财务审核；开展专项检查。\n",
    );
    assert_eq!(d.counts(), (2, 3, 8), "{:#?}", d.categories);
    let t = titles(&d);
    assert_eq!(t[0].0, "理论学习不深入问题");
    assert_eq!(t[0].1, ["制定学习计划，每月集中学习一次", "开展专题研讨", "建立学习档案。"]);
    assert_eq!(d.categories[0].problems[0].measures[1].label, "二是");
    assert_eq!(d.categories[0].problems[1].feedback, "部分事项未经集体研究。");
    assert_eq!(t[1].1, ["修订议事规则", "建立会议纪要签字制度。"]);
    assert_eq!(t[2].1, ["规范公务卡结算", "加强财务审核", "开展专项检查。"]);
    assert_eq!(d.categories[1].title, "作风建设方面");
}

#[test]
fn problems_numbered_1_with_measures_in_parentheses_inside_a_report() {
    let d = parse_str(
        "某校党支部关于巡察反馈意见整改落实情况的报告\n\
         根据县委巡察工作统一部署，县委第一巡察组于2023年9月1日至30日对我校党支部开展了巡察，并于11月2日反馈了巡察意见。\n\
         一、整改工作开展情况\n\
         （一）加强组织领导。成立以书记为组长的整改领导小组。\n\
         （二）建立工作机制。\n\
         二、巡察反馈问题整改落实情况\n\
         1、党建工作薄弱问题\n\
         （1）完善支部工作制度，已完成。\n\
         （2）落实“三会一课”制度，每月开展主题党日。\n\
         2、财务管理不规范问题\n\
         （1）严格执行报销审批制度。\n\
         三、下一步工作打算\n\
         （一）持续巩固整改成果。\n",
    );
    assert_eq!(d.counts(), (1, 2, 3), "{:#?}", d.categories);
    assert_eq!(d.categories[0].title, "巡察反馈问题整改落实情况");
    assert_eq!(d.categories[0].problems[0].measures[1].label, "（2）");
    assert_eq!(d.metadata.inspector.as_deref(), Some("县委第一巡察组"));
    assert_eq!(
        (d.metadata.started_on, d.metadata.ended_on, d.metadata.feedback_on),
        (date("2023-09-01"), date("2023-09-30"), date("2023-11-02"))
    );
    let kinds: Vec<BlockKind> = d.blocks.iter().map(|b| b.kind).collect();
    assert_eq!(kinds, [BlockKind::Intro, BlockKind::Organisation, BlockKind::NextSteps]);
}

#[test]
fn a_feedback_document_lists_problems_only() {
    let d = parse_str(
        "县委第二巡察组关于巡察某某中学党支部的反馈意见\n\
         根据县委统一部署，2024年3月4日至4月3日，县委第二巡察组对某某中学党支部进行了巡察。2024年5月10日，巡察组向某某中学党支部反馈了巡察意见。\n\
         一、巡察发现的主要问题\n\
         （一）贯彻落实党的路线方针政策方面\n\
         1.理论学习不深入。党支部理论学习流于形式，2023年仅组织集中学习3次。\n\
         2.意识形态工作责任落实不到位。未按要求开展意识形态分析研判。\n\
         （二）全面从严治党方面\n\
         3.公务接待不规范。存在无公函接待的情况。\n\
         二、意见建议\n\
         （一）加强理论武装。\n\
         三、整改要求\n\
         请于两个月内报送整改情况。\n",
    );
    assert_eq!(d.counts(), (2, 3, 0), "{:#?}", d.categories);
    let p = &d.categories[0].problems[0];
    assert_eq!(p.title, "理论学习不深入");
    assert_eq!(p.feedback, "党支部理论学习流于形式，2023年仅组织集中学习3次。");
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    assert_eq!(d.metadata.feedback_on, date("2024-05-10"));
    assert_eq!(d.confidence, Confidence::High, "{:?}", d.warnings);
}

#[test]
fn four_levels_keep_the_quoted_feedback_with_the_problem() {
    let d = parse_str(
        "（一）党的政治建设方面\n\
         1.政治理论学习不扎实问题\n\
         （1）巡察反馈：“中心组学习计划性不强。”\n\
         ①制定年度学习计划。\n\
         ②每季度开展一次专题研讨。\n\
         （2）巡察反馈：“学习记录不完整。”\n\
         ①规范学习记录。\n\
         2.“第一议题”制度落实不到位问题\n\
         ①建立第一议题台账。\n\
         （二）全面从严治党方面\n\
         3.监督执纪不严问题\n\
         第一，开展警示教育。\n\
         第二，建立谈话提醒制度。\n",
    );
    assert_eq!(d.counts(), (2, 3, 6), "{:#?}", d.categories);
    let p = &d.categories[0].problems[0];
    assert!(p.feedback.contains("中心组学习计划性不强") && p.feedback.contains("学习记录不完整"), "{}", p.feedback);
    assert_eq!(
        p.measures.iter().map(|m| m.text.as_str()).collect::<Vec<_>>(),
        ["制定年度学习计划。", "每季度开展一次专题研讨。", "规范学习记录。"]
    );
    assert_eq!(d.categories[1].problems[0].measures[1].text, "建立谈话提醒制度。");
}

#[test]
fn a_progress_report_copied_from_a_web_page() {
    let d = parse_str(include_str!("testdata/web_page.txt"));
    assert_eq!(d.counts(), (3, 5, 12), "{:#?}", d.categories);
    assert_eq!(d.categories[0].title, "党的领导弱化方面");
    let p = &d.categories[1].problems[0];
    assert_eq!(p.title, "“三会一课”制度落实不严格问题");
    assert_eq!(
        p.measures.iter().map(|m| m.text.as_str()).collect::<Vec<_>>(),
        ["严格落实“三会一课”制度，规范会议记录", "每季度开展一次专题党课", "将制度执行情况纳入党员评议。"]
    );
    let m = &d.metadata;
    assert_eq!(m.title.as_deref(), Some("中共某某县第一中学支部委员会关于县委巡察反馈意见整改进展情况的通报"));
    assert_eq!((m.started_on, m.ended_on, m.feedback_on), (date("2021-11-08"), date("2021-12-20"), date("2022-03-10")));
    assert_eq!((m.issuer.as_deref(), m.dated), (Some("中共某某县第一中学支部委员会"), date("2022-06-15")));
    let kinds: Vec<BlockKind> = d.blocks.iter().map(|b| b.kind).collect();
    assert_eq!(kinds, [BlockKind::Intro, BlockKind::Organisation, BlockKind::NextSteps, BlockKind::Closing]);
    // The page's boilerplate and its repeated title are not part of the document.
    assert!(!d.blocks[0].text.contains("索引号") && !d.blocks[0].text.contains("通报"), "{}", d.blocks[0].text);
    assert!(!d.blocks[3].text.contains("打印"), "{}", d.blocks[3].text);
}

#[test]
fn a_feedback_document_with_its_parts_as_categories() {
    let d = parse_str(include_str!("testdata/feedback.txt"));
    assert_eq!(d.counts(), (3, 5, 0), "{:#?}", d.categories);
    assert_eq!(d.categories[2].title, "落实新时代党的组织路线方面");
    let p = &d.categories[1].problems[1];
    assert_eq!((p.label.as_str(), p.title.as_str()), ("（四）", "违反中央八项规定精神问题仍有发生"));
    assert_eq!(p.feedback, "2022年违规发放节日福利1.6万元。");
    assert_eq!((d.metadata.issuer.as_deref(), d.metadata.feedback_on), (Some("县委第四巡察组"), date("2023-07-05")));
    assert_eq!(d.confidence, Confidence::High);
}

#[test]
fn declared_figures_that_disagree_are_named() {
    let d = parse_str(
        "共反馈问题2个方面3个问题，制定整改措施4条。\n\
         （一）甲方面\n1.甲问题\n①措施一。\n②措施二。\n\
         （二）乙方面\n2.乙问题\n①措施三。\n",
    );
    assert_eq!(d.counts(), (2, 2, 3));
    let msgs: Vec<&str> = d.warnings.iter().filter(|w| w.code == "count_mismatch").map(|w| w.message.as_str()).collect();
    assert_eq!(msgs, ["文中写明共 3个问题，识别出 2个问题，请核对", "文中写明共 4条整改措施，识别出 3条整改措施，请核对"]);
    assert_eq!(d.confidence, Confidence::Medium);
}

#[test]
fn bad_input_gives_an_empty_tree_with_a_warning() {
    for src in ["", "   \n\n", "\u{0}\u{1}\u{fffd}\u{fffd}", "一、\n二、\n1.\n①\n（1）", "随便一段文字，没有任何编号。"]
    {
        let d = parse_str(src);
        assert!(d.counts().1 <= 1, "{src:?}");
        assert!(!d.warnings.is_empty(), "{src:?}");
        assert_eq!(d.confidence, Confidence::Low, "{src:?}");
    }
    // Deep nesting of every style, many times over: no panic, and the nesting is bounded by
    // the number of styles.
    let deep = "一、甲\n（一）乙方面\n1.丙问题\n（1）丁\n①戊\n一是己\n第一，庚\n其一；辛\n".repeat(2_000);
    let d = parse_str(&deep);
    assert!(d.counts().1 > 0);
}

#[test]
fn a_plan_says_who_is_responsible_by_when() {
    let d = parse_str(
        "（一）履行职责使命方面\n\
         1.理论武装不够问题\n\
         责任领导：覃守生；牵头单位：党政办公室\n\
         ①强化思想武装。（责任人：覃立明；完成时限：2021年12月底）\n\
         ②强化理论武装。（完成时限：长期坚持）\n\
         ③强化政策武装。完成时限：年底前\n",
    );
    let p = &d.categories[0].problems[0];
    assert_eq!((p.responsible_leader.as_deref(), p.lead_department.as_deref()), (Some("覃守生"), Some("党政办公室")));
    let m = &p.measures;
    assert_eq!(m[0].text, "强化思想武装。");
    assert_eq!(m[0].assignees, ["覃立明"]);
    assert_eq!(m[0].deadline, date("2021-12-31"));
    assert_eq!(m[0].responsible_leader.as_deref(), Some("覃守生"));
    assert_eq!((m[1].kind.as_deref(), m[1].deadline), (Some("长期坚持"), None));
    assert_eq!(m[2].warnings.iter().map(|w| w.code.as_str()).collect::<Vec<_>>(), ["unread_deadline"]);
}

/// Documents made of random pieces of real ones — labels of every style, lead-ins, fields, page
/// numbers, broken lines, odd characters — never make the parser panic, and every node's lines
/// lie inside the source.
#[test]
fn random_documents_never_break_the_parser() {
    const PIECES: [&str; 32] = [
        "一、",
        "（一）",
        "(二)",
        "1.",
        "2、",
        "3．",
        "（1）",
        "(21)",
        "①",
        "⑳",
        "㉑",
        "一是",
        "二是，",
        "第一，",
        "其二；",
        "整改措施：",
        "问题表现：",
        "责任领导：",
        "完成时限：2021年12月底",
        "关于“",
        "”问题的整改情况",
        "方面",
        "问题",
        "。",
        "；",
        "\n",
        "\n\n",
        "— 3 —\n",
        "20241120日",
        "（",
        "）",
        "共反馈问题3个方面30个问题",
    ];
    let mut seed: u64 = 0x2021_0723;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for _ in 0..3_000 {
        let mut doc = String::new();
        for _ in 0..(next() % 60) {
            match next() % 4 {
                0 => doc.push(char::from_u32((next() % 0x3000) as u32 + 0x4e00).unwrap_or('字')),
                1 => doc.push(char::from_u32((next() % 0x80) as u32).unwrap_or(' ')),
                _ => doc.push_str(PIECES[(next() % PIECES.len() as u64) as usize]),
            }
        }
        let src = lines(&doc);
        let d = parse(&src);
        let n = src.len() as u32;
        let inside = |l: &Option<Lines>| l.is_none_or(|l| 1 <= l.first && l.first <= l.last && l.last <= n);
        for c in &d.categories {
            assert!(inside(&c.lines), "{doc:?}");
            for p in &c.problems {
                assert!(inside(&p.lines), "{doc:?}");
                assert!(p.measures.iter().all(|m| inside(&m.lines) && !m.text.is_empty()), "{doc:?}");
            }
        }
    }
}

#[test]
fn styles_that_look_alike_stay_apart() {
    // 1） measures under 1. problems; full-width digits; ⑴ as Word prints it.
    let d = parse_str("（一）甲方面\n1.甲问题\n1）措施一。\n2）措施二。\n２．乙问题\n⑴措施三。\n⑵措施四。\n");
    assert_eq!(d.counts(), (1, 2, 4), "{:#?}", d.categories);
    assert_eq!(d.categories[0].problems[1].measures[1].label, "⑵");
}

#[test]
fn a_paragraph_starting_with_yi_shi_lists_its_measures() {
    let d = parse_str("（一）甲方面\n1.财务管理不规范问题\n整改情况：已完成整改。\n一是严格执行报销制度；二是开展专项检查。\n");
    let p = &d.categories[0].problems[0];
    let m: Vec<(&str, &str)> = p.measures.iter().map(|m| (m.label.as_str(), m.text.as_str())).collect();
    assert_eq!(m, [("一是", "严格执行报销制度"), ("二是", "开展专项检查。")]);
    assert_eq!(p.feedback, "已完成整改。");
    // Inline after a sentence, the sentence is kept as a measure of its own.
    let d = parse_str(
        "（一）甲方面
1.乙问题
整改情况：召开专题会议研究部署。一是修订制度；二是开展检查。
",
    );
    let m: Vec<&str> = d.categories[0].problems[0].measures.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(m, ["召开专题会议研究部署。", "修订制度", "开展检查。"]);
}

#[test]
fn a_report_on_the_feedback_is_not_the_feedback() {
    let d = parse_str("某校关于巡察反馈意见整改落实情况的报告\n（一）甲方面\n1.甲问题\n已修订议事规则。\n");
    assert_eq!(d.categories[0].problems[0].measures.len(), 1);
    assert_eq!(d.categories[0].problems[0].feedback, "");
}

#[test]
fn attachments_after_the_sign_off_are_not_problems() {
    let d = parse_str("（一）甲方面\n1.甲问题\n①措施。\n特此报告。\n附件：1.整改台账\n2.领导小组名单\n某某委员会\n2021年11月10日\n");
    assert_eq!(d.counts(), (1, 1, 1), "{:#?}", d.categories);
    assert_eq!(d.categories[0].problems[0].measures[0].text, "措施。");
    let closing = d.blocks.iter().find(|b| b.kind == BlockKind::Closing).expect("closing");
    assert!(closing.text.starts_with("特此报告。") && closing.text.contains("领导小组名单"), "{}", closing.text);
    assert_eq!(d.metadata.dated, date("2021-11-10"));
}

#[test]
fn field_lines_under_every_measure_are_kept() {
    let mut src = String::from("（一）甲方面\n1.甲问题\n");
    for (n, c) in ["①", "②", "③"].iter().enumerate() {
        src.push_str(&format!("{c}措施{n}。\n责任单位：党政办\n整改时限：长期坚持\n"));
    }
    let d = parse_str(&src);
    for m in &d.categories[0].problems[0].measures {
        assert_eq!((m.lead_department.as_deref(), m.kind.as_deref()), (Some("党政办"), Some("长期坚持")), "{m:?}");
    }
}

#[test]
fn periods_are_not_damaged_dates_and_damage_is_counted_not_listed() {
    let d = parse_str("要求在180日内完成整改。");
    assert!(d.warnings.iter().all(|w| w.code != "damaged_date"), "{:?}", d.warnings);
    let d = parse_str(&(100..600).map(|n| format!("①{n}日。\n")).collect::<String>());
    assert_eq!(d.warnings.iter().filter(|w| w.code == "damaged_date").count(), 21);
}

#[test]
fn brackets_left_empty_by_the_fields_go_with_them() {
    let nested = format!("①措施。{}{}责任人：张三", "（".repeat(3), "）".repeat(3));
    let d = parse_str(&format!("（一）甲方面\n1.甲问题\n{nested}\n"));
    let m = &d.categories[0].problems[0].measures[0];
    assert_eq!((m.text.as_str(), m.assignees.as_slice()), ("措施。", &["张三".to_string()][..]));
}
