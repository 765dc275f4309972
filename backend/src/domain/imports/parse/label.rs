//! The numbering that starts a paragraph: 一、 （一） 1. （1） ① 一是 第一， 其一；, in
//! full-width or ASCII punctuation.

/// A numbering style. Two paragraphs are siblings when they share one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Style {
    /// 一、
    Chinese,
    /// （一）
    ChineseParen,
    /// 1. 1、 1． ⒈
    Arabic,
    /// 1） 1): a list apart from 1.
    ArabicBracket,
    /// （1） (1) ⑴
    ArabicParen,
    /// ① … ⑳ ㉑ … ㊿
    Circled,
    /// 一是
    Shi,
    /// 第一，
    Di,
    /// 其一；
    Qi,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub style: Style,
    pub number: u32,
    /// The label as written, without the space after it.
    pub text: String,
    /// Byte length of the label and the spaces after it.
    pub len: usize,
}

/// Value of a Chinese numeral from 一 to 九十九 (十, 十一, 二十, 二十一).
pub fn chinese_value(s: &str) -> Option<u32> {
    let digit = |c: char| "〇一二三四五六七八九".chars().position(|d| d == c).map(|p| p as u32);
    let chars: Vec<char> = s.chars().collect();
    match chars.as_slice() {
        [c] if *c == '十' => Some(10),
        [c] => digit(*c).filter(|&d| d > 0),
        ['十', u] => digit(*u).map(|d| 10 + d),
        [t, '十'] => digit(*t).filter(|&d| d > 1).map(|d| d * 10),
        [t, '十', u] => Some(digit(*t).filter(|&d| d > 1)? * 10 + digit(*u).filter(|&d| d > 0)?),
        _ => None,
    }
}

/// An ASCII or full-width digit's value.
fn digit(c: char) -> Option<u32> {
    match c {
        '0'..='9' => c.to_digit(10),
        '０'..='９' => Some(c as u32 - '０' as u32),
        _ => None,
    }
}

fn is_cn_digit(c: char) -> bool {
    "一二三四五六七八九十".contains(c)
}

/// The circled numbers ① (1) … ⑳ (20), ㉑ (21) … ㉟ (35), ㊱ (36) … ㊿ (50).
pub fn circled_value(c: char) -> Option<u32> {
    match c as u32 {
        n @ 0x2460..=0x2473 => Some(n - 0x2460 + 1),
        n @ 0x3251..=0x325F => Some(n - 0x3251 + 21),
        n @ 0x32B1..=0x32BF => Some(n - 0x32B1 + 36),
        _ => None,
    }
}

const OPEN: [char; 2] = ['（', '('];
const CLOSE: [char; 2] = ['）', ')'];

fn skip_spaces(s: &str, at: usize) -> usize {
    at + s[at..].len() - s[at..].trim_start_matches([' ', '\u{3000}', '\t', '\u{a0}']).len()
}

/// Recognises the label at the start of a paragraph, if any.
pub fn at_start(s: &str) -> Option<Label> {
    let mut chars = s.char_indices();
    let (_, first) = chars.next()?;
    let make = |style, number, end: usize| {
        let text = s[..end].trim_end().to_string();
        Some(Label { style, number, text, len: skip_spaces(s, end) })
    };
    if let Some(n) = circled_value(first) {
        return make(Style::Circled, n, first.len_utf8());
    }
    // LibreOffice prints Word's circled numbering as [①].
    if first == '[' {
        let mut rest = s[1..].chars();
        if let (Some(c), Some(']')) = (rest.next(), rest.next()) {
            if let Some(n) = circled_value(c) {
                return make(Style::Circled, n, 1 + c.len_utf8() + 1);
            }
        }
    }
    if OPEN.contains(&first) {
        let inner_start = first.len_utf8();
        let inner_end = s[inner_start..].find(CLOSE).map(|i| inner_start + i)?;
        let inner = s[inner_start..inner_end].trim();
        let close_len = s[inner_end..].chars().next()?.len_utf8();
        if let Some(n) = chinese_value(inner) {
            return make(Style::ChineseParen, n, inner_end + close_len);
        }
        if (1..=3).contains(&inner.chars().count()) && inner.chars().all(|c| digit(c).is_some()) {
            let n = inner.chars().filter_map(digit).fold(0, |n, d| n * 10 + d);
            return make(Style::ArabicParen, n, inner_end + close_len);
        }
        return None;
    }
    // ⑴ … ⒇ and ⒈ … ⒛, as Word's enclosed formats print them.
    match first as u32 {
        n @ 0x2474..=0x2487 => return make(Style::ArabicParen, n - 0x2474 + 1, first.len_utf8()),
        n @ 0x2488..=0x249B => return make(Style::Arabic, n - 0x2488 + 1, first.len_utf8()),
        _ => {}
    }
    if let Some(first_digit) = digit(first) {
        // ASCII or full-width (１．) digits.
        let mut value = first_digit;
        let mut end = first.len_utf8();
        for c in s[end..].chars() {
            let Some(d) = digit(c) else { break };
            value = value * 10 + d;
            end += c.len_utf8();
            if value > 999 {
                return None;
            }
        }
        let rest = &s[end..];
        let sep = rest.chars().next()?;
        // "1.5万元" and "3.2%" are numbers, not labels.
        let after = rest[sep.len_utf8()..].chars().next();
        let style = match sep {
            '、' | '．' => Style::Arabic,
            '.' if !after.is_some_and(|c| digit(c).is_some()) => Style::Arabic,
            '）' | ')' => Style::ArabicBracket,
            _ => return None,
        };
        return make(style, value, end + sep.len_utf8());
    }
    if is_cn_digit(first) {
        let numeral: String = s.chars().take_while(|&c| is_cn_digit(c)).collect();
        let n = chinese_value(&numeral)?;
        let rest = &s[numeral.len()..];
        let next = rest.chars().next()?;
        if matches!(next, '、' | '．' | '.' | '，' | ',') && !(next == '.' && rest[1..].starts_with(|c: char| c.is_ascii_digit())) {
            return make(Style::Chinese, n, numeral.len() + next.len_utf8());
        }
        if next == '是' {
            let end = numeral.len() + '是'.len_utf8();
            // 一是 may be followed by a comma or a colon, which belong to the label.
            let punct = s[end..].chars().next().filter(|c| "，,：:".contains(*c)).map_or(0, char::len_utf8);
            return make(Style::Shi, n, end + punct);
        }
        return None;
    }
    if first == '第' || first == '其' {
        let numeral: String = s[3..].chars().take_while(|&c| is_cn_digit(c)).collect();
        let n = chinese_value(&numeral)?;
        let end = 3 + numeral.len();
        let next = s[end..].chars().next()?;
        // 第一时间 and 其一致 are words; the label is followed by punctuation (or 是).
        if "，,、：:；;是".contains(next) {
            let style = if first == '第' { Style::Di } else { Style::Qi };
            return make(style, n, end + next.len_utf8());
        }
    }
    None
}

/// Where the inline items 一是 … 二是 … 三是 … start in a paragraph: byte offsets of each
/// marker, in order, when there are at least two that count up from 一是.
pub fn inline_shi(s: &str) -> Vec<(usize, u32)> {
    let mut found = Vec::new();
    let mut expect = 1;
    let mut prev: Option<char> = None;
    let mut iter = s.char_indices().peekable();
    while let Some((i, c)) = iter.next() {
        let boundary = prev.is_none_or(|p| "。；;，,：:！？ \u{3000}".contains(p) || p == '\n');
        prev = Some(c);
        if !boundary || !is_cn_digit(c) {
            continue;
        }
        let numeral: String = s[i..].chars().take_while(|&c| is_cn_digit(c)).collect();
        if s[i + numeral.len()..].starts_with('是') && chinese_value(&numeral) == Some(expect) {
            found.push((i, expect));
            expect += 1;
        }
    }
    if found.len() >= 2 {
        found
    } else {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label(s: &str) -> Option<(Style, u32, String)> {
        at_start(s).map(|l| (l.style, l.number, s[l.len..].to_string()))
    }

    #[test]
    fn every_numbering_style_is_recognised() {
        assert_eq!(label("一、提高政治站位"), Some((Style::Chinese, 1, "提高政治站位".into())));
        assert_eq!(label("十二、其他"), Some((Style::Chinese, 12, "其他".into())));
        assert_eq!(label("（一）履行职责使命方面"), Some((Style::ChineseParen, 1, "履行职责使命方面".into())));
        assert_eq!(label("(三) 党的建设方面"), Some((Style::ChineseParen, 3, "党的建设方面".into())));
        assert_eq!(label("1. 理论武装不够问题"), Some((Style::Arabic, 1, "理论武装不够问题".into())));
        assert_eq!(label("30、组织生活不规范问题"), Some((Style::Arabic, 30, "组织生活不规范问题".into())));
        assert_eq!(label("2．问题"), Some((Style::Arabic, 2, "问题".into())));
        assert_eq!(label("（12）完善制度"), Some((Style::ArabicParen, 12, "完善制度".into())));
        assert_eq!(label("(1)完善制度"), Some((Style::ArabicParen, 1, "完善制度".into())));
        assert_eq!(label("①强化思想武装。"), Some((Style::Circled, 1, "强化思想武装。".into())));
        assert_eq!(label("⑳二十"), Some((Style::Circled, 20, "二十".into())));
        assert_eq!(label("[③]强化"), Some((Style::Circled, 3, "强化".into())));
        assert_eq!(label("１．问题"), Some((Style::Arabic, 1, "问题".into())));
        assert_eq!(label("（１２）措施"), Some((Style::ArabicParen, 12, "措施".into())));
        assert_eq!(label("⑵措施"), Some((Style::ArabicParen, 2, "措施".into())));
        assert_eq!(label("⒊问题"), Some((Style::Arabic, 3, "问题".into())));
        assert_eq!(label("1）措施"), Some((Style::ArabicBracket, 1, "措施".into())));
        assert_eq!(label("㉑二十一"), Some((Style::Circled, 21, "二十一".into())));
        assert_eq!(label("一是细化方案"), Some((Style::Shi, 1, "细化方案".into())));
        assert_eq!(label("三是，加强监督"), Some((Style::Shi, 3, "加强监督".into())));
        assert_eq!(label("第一，加强学习"), Some((Style::Di, 1, "加强学习".into())));
        assert_eq!(label("其二；完善制度"), Some((Style::Qi, 2, "完善制度".into())));
    }

    #[test]
    fn numbers_and_words_are_not_labels() {
        for s in
            ["1.5万元已上缴", "2021年3月15日", "3个专业", "第一时间传达学习", "一致认为", "（社会公开稿）", "12345. 太长", "", "(a) 字母"]
        {
            assert_eq!(at_start(s), None, "{s}");
        }
    }

    #[test]
    fn inline_items_count_up_from_one() {
        let s = "党委严格执行程序。一是细化方案，责任上肩。二是查摆问题，分析原因。三是落实措施。";
        let found: Vec<u32> = inline_shi(s).into_iter().map(|(_, n)| n).collect();
        assert_eq!(found, [1, 2, 3]);
        assert!(inline_shi("只有一是，没有后续。").is_empty());
        // 二是 out of order and words such as 统一是 are not markers.
        assert!(inline_shi("标准统一是关键。二是").is_empty());
    }
}

/// 一 … 九十九, for labels written back (一是, 二是).
pub fn chinese_numeral(n: u32) -> String {
    crate::domain::ledger::labels::chinese_number(n)
}
