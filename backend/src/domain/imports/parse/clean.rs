//! From the lines of a text to its paragraphs: page numbers, running headers and web-page
//! boilerplate left out, lines that PDF extraction broke mid-sentence joined back.

use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;

use super::label;
use crate::domain::imports::Lines;

/// A paragraph and the source lines it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Para {
    pub text: String,
    pub lines: Lines,
}

static PAGE_NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:[—–\-－─_~·•\s]*\d{1,4}[—–\-－─_~·•\s]*|第\s*\d{1,4}\s*页(?:\s*[，,/／]?\s*共\s*\d{1,4}\s*页)?|\d{1,4}\s*[/／]\s*\d{1,4}|[Pp]age\s*\d{1,4}(?:\s*of\s*\d{1,4})?)$")
        .expect("page number pattern")
});

/// What a government web page puts around an article.
static BOILERPLATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"^(?:索引号|发布机构|发文机关|成文日期|发布日期|发布时间|生效日期|主题分类|体裁分类|公开方式|公开范围|信息来源|来源|作者|浏览次数|访问量|点击数|阅读次数|字号|文章来源|责任编辑)\s*[:：]",
        r"|^(?:首页|当前位置|您现在的位置|您的位置)\s*[>＞»:：]",
        r"|[>＞»]\s*(?:正文|信息公开|政务公开|通知公告|工作动态)\s*$",
        r"|^(?:【?\s*字体\s*[:：]?\s*(?:大\s*中\s*小|\[?大\]?\s*\[?中\]?\s*\[?小\]?)\s*】?|分享到?\s*[:：]?.*|打印(?:本页|本文)?|关闭(?:窗口|本页)?|【?\s*打印\s*】?\s*【?\s*关闭\s*】?|收藏|扫一扫.*|返回顶部|上一篇.*|下一篇.*|相关链接.*)$"
    ))
    .expect("boilerplate pattern")
});

/// A line of its own that a following line must not be joined to: a document number, a date,
/// a `key：value` line, a document's masthead.
static STANDALONE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"^\S{1,12}\s*[〔\[（(【]\s*(?:19|20)\d{2}\s*[〕\]）)】]\s*\d{1,4}\s*号",
        r"|^(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日$",
        r"|^[^，。；]{1,10}[:：]",
        r"|文件$|^(?:附件|抄送|印发)",
        // A title: nothing follows it on its line.
        r"|^\S*关于\S*(?:报告|方案|意见|通报|通知|公告|情况|决定)(?:[（(][^）)]{1,12}[）)])?$",
    ))
    .expect("standalone pattern")
});

/// A line that is only a page number: 5, — 5 —, -5-, 第5页, 第5页共12页, 5/12, Page 5 of 12.
pub(crate) fn is_page_number(line: &str) -> bool {
    PAGE_NUMBER.is_match(line.trim())
}

fn normalise(line: &str) -> String {
    let line: String = line.chars().map(|c| if c == '\u{a0}' || c == '\u{3000}' { ' ' } else { c }).collect();
    line.trim().to_string()
}

/// Ends a sentence or an item: nothing is joined after it.
fn ends_sentence(s: &str) -> bool {
    s.ends_with(['。', '！', '？', '；', '!', '?', ';', '：', ':', '”', '」', '』', '）', ')', '》', '…'])
}

/// A labelled heading (“1. 理论武装不够问题”) is complete even without a full stop.
fn is_heading(s: &str) -> bool {
    label::at_start(s).is_some_and(|l| {
        let rest = &s[l.len..];
        !rest.contains('。') && rest.chars().count() <= super::MAX_TITLE && !rest.ends_with(['，', ',', '、', '（', '(', '“', '《'])
    })
}

/// Whether nothing may be joined to a line that starts a paragraph: a heading, a document
/// number, a date, a title. Decided once per paragraph, so joining stays linear.
fn sealed(line: &str) -> bool {
    is_heading(line) || (label::at_start(line).is_none() && STANDALONE.is_match(line))
}

fn joins(prev: &str, next: &str) -> bool {
    !ends_sentence(prev) && label::at_start(next).is_none() && !STANDALONE.is_match(next)
}

/// Cleans the lines of a document into paragraphs. `noise` counts the lines left out.
pub fn paragraphs(lines: &[String]) -> (Vec<Para>, usize) {
    let normal: Vec<String> = lines.iter().map(|l| normalise(l)).collect();
    // Running headers and footers: the same short line on many pages.
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for l in &normal {
        // Lead-ins such as 整改措施： repeat too, and are not headers.
        if !l.is_empty() && l.chars().count() <= 40 && label::at_start(l).is_none() && !ends_sentence(l) && !l.contains(['：', ':']) {
            *seen.entry(l.as_str()).or_default() += 1;
        }
    }
    let running = |l: &str| seen.get(l).is_some_and(|&n| n >= 3);
    let mut out: Vec<Para> = Vec::new();
    let mut noise = 0;
    // Joining goes across blank lines and dropped page numbers: a page break.
    let mut last_sealed = true;
    for (i, l) in normal.iter().enumerate() {
        let n = i as u32 + 1;
        if l.is_empty() {
            continue;
        }
        // A web page repeats the title it shows as the page's heading.
        let repeated = out.last().is_some_and(|p| p.text == *l && p.lines.last == p.lines.first);
        if is_page_number(l) || BOILERPLATE.is_match(l) || running(l) || repeated {
            noise += 1;
            continue;
        }
        match out.last_mut() {
            Some(p) if !last_sealed && joins(&p.text, l) => {
                // Words of Latin script broken at a line end were separated by a space; a number never is.
                let glue = p.text.ends_with(|c: char| c.is_ascii_alphabetic()) && l.starts_with(|c: char| c.is_ascii_alphabetic());
                if glue {
                    p.text.push(' ');
                }
                p.text.push_str(l);
                p.lines.last = n;
            }
            _ => {
                last_sealed = sealed(l);
                out.push(Para { text: l.clone(), lines: Lines::one(n) });
            }
        }
    }
    (out, noise)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(src: &str) -> Vec<String> {
        let lines: Vec<String> = src.lines().map(String::from).collect();
        paragraphs(&lines).0.into_iter().map(|p| p.text).collect()
    }

    #[test]
    fn page_numbers_and_boilerplate_are_left_out() {
        let src = "首页 > 信息公开 > 正文\n索引号：011/2021-001\n发布机构：县教育局\n【字体：大 中 小】\n某校关于巡察整改情况的报告\n— 3 —\n-4-\n第5页\n第 6 页 共 10 页\n7/10\n正文。\n分享到：\n打印\n关闭";
        assert_eq!(texts(src), ["某校关于巡察整改情况的报告", "正文。"]);
    }

    #[test]
    fn lines_broken_by_extraction_are_joined() {
        let src = "①加大沟通和清偿力度。截止4月8日，个人因公借款已\n\n— 5 —\n\n全部清零。\n②督查公务卡结算。";
        assert_eq!(texts(src), ["①加大沟通和清偿力度。截止4月8日，个人因公借款已全部清零。", "②督查公务卡结算。"]);
    }

    #[test]
    fn headings_dates_and_numbers_stand_alone() {
        let src = "某某委员会文件\n长职组（2021）20号\n1. 理论武装不够问题\n①强化。\n联系电话：0717\n来访地址：某路\n某某委员会\n2021 年 11 月 10 日";
        assert_eq!(texts(src).len(), 8);
    }

    #[test]
    fn running_headers_repeated_on_pages_are_left_out() {
        let src = "某校巡察整改报告\n①第一条措施，\n某校巡察整改报告\n继续。\n某校巡察整改报告\n②第二条。";
        assert_eq!(texts(src), ["①第一条措施，继续。", "②第二条。"]);
    }
}
