//! Who is responsible and by when, as plans write it after a measure or under a problem:
//! （责任领导：覃守生；牵头单位：党政办公室；责任人：覃立明；完成时限：2021年12月底）.

use std::sync::LazyLock;

use chrono::NaiveDate;
use regex::Regex;

use super::meta;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Fields {
    pub responsible_leader: Option<String>,
    pub lead_department: Option<String>,
    pub supporting_departments: Vec<String>,
    pub assignees: Vec<String>,
    pub deadline: Option<NaiveDate>,
    /// 立行立改 or 长期坚持 where the deadline says so.
    pub kind: Option<String>,
    /// A deadline that is not a date (年底前): kept for a warning.
    pub unread_deadline: Option<String>,
}

impl Fields {
    pub fn is_empty(&self) -> bool {
        *self == Fields::default()
    }
}

static FIELD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(责任领导|分管领导|牵头领导|牵头单位|牵头部门|牵头处室|责任单位|责任部门|责任处室|配合单位|配合部门|协办单位|具体责任人|责任人|完成时限|整改时限|完成时间)",
        r"\s*[:：]\s*([^；;，,。）)\n]*)"
    ))
    .expect("field pattern")
});

fn names(s: &str) -> Vec<String> {
    s.split(['、', '，', ',', '/', '／', ' ', '\u{3000}']).map(str::trim).filter(|n| !n.is_empty()).map(String::from).collect()
}

/// A deadline as plans write it: a date, a month (its last day), 年底 / 月底, 长期坚持, 立行立改.
pub fn deadline(s: &str) -> (Option<NaiveDate>, Option<String>) {
    static MONTH: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^((?:19|20)\d{2})\s*[年\-./／]\s*(\d{1,2})\s*月?\s*(?:底|末|前|份)?\s*(?:前)?$").expect("month pattern")
    });
    static YEAR_END: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^((?:19|20)\d{2})\s*年\s*(?:底|末)\s*(?:前)?$").expect("year pattern"));
    let s = s.trim();
    for kind in ["长期坚持", "立行立改"] {
        if s.contains(kind) {
            return (None, Some(kind.to_string()));
        }
    }
    if let Some(d) = meta::date(s.trim_end_matches('前')) {
        return (Some(d), None);
    }
    let last_day = |y: i32, m: u32| {
        NaiveDate::from_ymd_opt(if m == 12 { y + 1 } else { y }, if m == 12 { 1 } else { m + 1 }, 1).and_then(|d| d.pred_opt())
    };
    if let Some(c) = MONTH.captures(s) {
        return (c[1].parse().ok().zip(c[2].parse().ok()).filter(|(_, m)| (1..=12).contains(m)).and_then(|(y, m)| last_day(y, m)), None);
    }
    if let Some(c) = YEAR_END.captures(s) {
        return (c[1].parse().ok().and_then(|y| last_day(y, 12)), None);
    }
    (None, None)
}

/// Takes the fields out of a text; answers what remains of the text, and the fields.
pub fn take(text: &str) -> (String, Fields) {
    let mut f = Fields::default();
    let mut cuts = Vec::new();
    for c in FIELD.captures_iter(text) {
        let (Some(whole), value) = (c.get(0), c[2].trim()) else { continue };
        cuts.push(whole.range());
        match &c[1] {
            "责任领导" | "分管领导" | "牵头领导" => f.responsible_leader = names(value).into_iter().next(),
            "牵头单位" | "牵头部门" | "牵头处室" | "责任单位" | "责任部门" | "责任处室" => {
                let mut all = names(value).into_iter();
                f.lead_department = all.next();
                f.supporting_departments.extend(all);
            }
            "配合单位" | "配合部门" | "协办单位" => f.supporting_departments.extend(names(value)),
            "具体责任人" | "责任人" => f.assignees.extend(names(value)),
            _ => match deadline(value) {
                (None, None) if !value.is_empty() => f.unread_deadline = Some(value.to_string()),
                (d, k) => {
                    f.deadline = d;
                    f.kind = k;
                }
            },
        }
    }
    if cuts.is_empty() {
        return (text.to_string(), f);
    }
    let mut rest = String::with_capacity(text.len());
    let mut at = 0;
    for r in cuts {
        rest.push_str(&text[at..r.start]);
        at = r.end;
    }
    rest.push_str(&text[at..]);
    // What held the fields: （…；…） and the separators between them.
    let mut rest = rest.replace(';', "；");
    loop {
        let before = rest.len();
        rest = rest.replace("；；", "；").replace("（；", "（").replace("；）", "）").replace("（）", "").replace("()", "");
        if rest.len() == before {
            break;
        }
    }
    let rest = rest.trim().trim_end_matches(['；', '，', ',', ' ']).trim().to_string();
    (rest, f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_after_a_measure_are_taken_out() {
        let (rest, f) = take(
            "强化思想武装，每月学习一次。（责任领导：覃守生；牵头单位：党政办公室、教务处；责任人：覃立明、蒋芳；完成时限：2021年12月底）",
        );
        assert_eq!(rest, "强化思想武装，每月学习一次。");
        assert_eq!(f.responsible_leader.as_deref(), Some("覃守生"));
        assert_eq!(f.lead_department.as_deref(), Some("党政办公室"));
        assert_eq!(f.supporting_departments, ["教务处"]);
        assert_eq!(f.assignees, ["覃立明", "蒋芳"]);
        assert_eq!(f.deadline, NaiveDate::from_ymd_opt(2021, 12, 31));
    }

    #[test]
    fn deadlines_as_plans_write_them() {
        let d = |y, m, d| (NaiveDate::from_ymd_opt(y, m, d), None);
        assert_eq!(deadline("2021年12月底"), d(2021, 12, 31));
        assert_eq!(deadline("2022年2月"), d(2022, 2, 28));
        assert_eq!(deadline("2021-11-30"), d(2021, 11, 30));
        assert_eq!(deadline("2021.9.30前"), d(2021, 9, 30));
        assert_eq!(deadline("2021年底前"), d(2021, 12, 31));
        assert_eq!(deadline("长期坚持"), (None, Some("长期坚持".into())));
        assert_eq!(deadline("年底前"), (None, None));
        let (_, f) = take("责任人：某某；完成时限：年底前");
        assert_eq!(f.unread_deadline.as_deref(), Some("年底前"));
    }

    #[test]
    fn text_without_fields_is_left_alone() {
        let t = "9月15日，组织召开巡察整改专题民主生活会。";
        assert_eq!(take(t), (t.to_string(), Fields::default()));
    }
}
