//! Who is responsible and by when, as plans write it after a measure or under a problem:
//! （责任领导：覃守生；牵头单位：党政办公室；责任人：覃立明；完成时限：2021年12月底）.

use std::sync::LazyLock;

use chrono::NaiveDate;
use regex::Regex;

use crate::domain::imports::sheet::cells::{parse_deadline, split_names, PART_LABELS};
use crate::domain::imports::sheet::Field;

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

/// A label of the 责任清单 with its colon.
static LABEL: LazyLock<Regex> = LazyLock::new(|| {
    let labels: Vec<&str> = PART_LABELS.iter().map(|(label, _)| *label).collect();
    Regex::new(&format!(r"({})\s*[:：]\s*", labels.join("|"))).expect("field pattern")
});

/// Where a field's value ends: the end of its clause.
const STOPS: [char; 9] = ['；', ';', '，', ',', '。', '）', ')', '\n', '\r'];

/// A deadline as plans write it: a date, a month (its last day), 年底, 长期坚持, 立行立改.
pub fn deadline(s: &str) -> (Option<NaiveDate>, Option<String>) {
    let d = parse_deadline(s);
    (d.date, d.kind.map(String::from))
}

/// What held the fields once they are taken out: brackets left empty, and the separators
/// between them (（；；） → nothing, ；；→ ；). One pass: a bracket is dropped when nothing but
/// separators was written inside it.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    // Where each open bracket is in `out`, and whether anything was written inside it.
    let mut open: Vec<(usize, bool)> = Vec::new();
    for c in text.chars() {
        match c {
            '（' | '(' => open.push((out.len(), false)),
            '）' | ')' => match open.pop() {
                Some((at, false)) => {
                    out.truncate(at);
                    continue;
                }
                Some((_, true)) => {
                    if let Some(outer) = open.last_mut() {
                        outer.1 = true;
                    }
                }
                None => {}
            },
            '；' | ';' if out.ends_with('；') || open.last().is_some_and(|(_, filled)| !filled) => continue,
            '；' | ';' => {
                out.push('；');
                continue;
            }
            _ if c.is_whitespace() => {}
            _ => {
                if let Some(o) = open.last_mut() {
                    o.1 = true;
                }
            }
        }
        out.push(c);
    }
    out.replace("；）", "）")
}

/// Takes the fields out of a text; answers what remains of the text, and the fields.
pub fn take(text: &str) -> (String, Fields) {
    let mut f = Fields::default();
    let mut cuts = Vec::new();
    let labels: Vec<(usize, usize, &str)> = LABEL
        .captures_iter(text)
        .filter_map(|c| {
            let (whole, name) = (c.get(0)?, c.get(1)?);
            Some((whole.start(), whole.end(), name.as_str()))
        })
        .collect();
    for (i, &(start, end, name)) in labels.iter().enumerate() {
        // A value ends with its clause, or where the next label begins (责任单位：党政办整改时限：…).
        let limit = labels.get(i + 1).map_or(text.len(), |next| next.0);
        let segment = &text[end..limit];
        let value_end = end + segment.find(STOPS).unwrap_or(segment.len());
        let value = text[end..value_end].trim();
        cuts.push(start..value_end);
        let Some(field) = PART_LABELS.iter().find(|(label, _)| *label == name).map(|(_, f)| *f) else { continue };
        match field {
            Field::ResponsibleLeader => f.responsible_leader = split_names(value).into_iter().next(),
            Field::LeadDepartment => {
                let mut all = split_names(value).into_iter();
                f.lead_department = all.next();
                f.supporting_departments.extend(all);
            }
            Field::SupportingDepartments => f.supporting_departments.extend(split_names(value)),
            Field::Assignees => f.assignees.extend(split_names(value)),
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
    let rest = tidy(&rest);
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
