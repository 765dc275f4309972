//! The leading group (整改领导小组) as the report names it, with its changes over time:
//! "成立以…杨奎为组长（8月24日变更为…张红昌），…戴先波为副组长，…为成员的巡察整改领导小组".

use chrono::{Datelike, NaiveDate};

use super::snapshot::Member;
use crate::domain::ledger::GroupRole;

/// `2021年3月15日`, or `3月15日` within the year the text is about.
pub fn date_zh(d: NaiveDate, year: Option<i32>) -> String {
    if year == Some(d.year()) {
        format!("{}月{}日", d.month(), d.day())
    } else {
        format!("{}年{}月{}日", d.year(), d.month(), d.day())
    }
}

fn person(m: &Member) -> String {
    format!("{}{}", m.title.trim(), m.name.trim())
}

/// Holders of a role in the order they held it, the first followed by each change:
/// `A为组长（8月24日变更为B）`.
fn succession(members: &[&Member], role: &str, year: Option<i32>) -> Option<String> {
    let mut holders: Vec<&Member> = members.to_vec();
    // Those without a start date held the role first; the sort is stable otherwise.
    holders.sort_by_key(|m| m.from.unwrap_or(NaiveDate::MIN));
    let (first, rest) = holders.split_first()?;
    let changes: Vec<String> = rest
        .iter()
        .map(|m| match m.from {
            Some(d) => format!("{}变更为{}", date_zh(d, year), person(m)),
            None => format!("增补{}", person(m)),
        })
        .collect();
    Some(if changes.is_empty() {
        format!("{}为{role}", person(first))
    } else {
        format!("{}为{role}（{}）", person(first), changes.join("，"))
    })
}

/// Members grouped by title as the report writes them: `党委委员、副校长覃守生、许志刚、李向阳及工会主席曾祥云`.
fn by_title(members: &[&Member]) -> Option<String> {
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for m in members {
        let title = m.title.trim().to_string();
        match groups.last_mut() {
            Some((t, names)) if *t == title => names.push(m.name.trim().to_string()),
            _ => groups.push((title, vec![m.name.trim().to_string()])),
        }
    }
    let parts: Vec<String> = groups.into_iter().map(|(t, names)| format!("{t}{}", names.join("、"))).collect();
    match parts.len() {
        0 => None,
        1 => Some(parts[0].clone()),
        n => Some(format!("{}及{}", parts[..n - 1].join("，"), parts[n - 1])),
    }
}

/// "成立以…为组长，…为副组长，…为成员的巡察整改领导小组"; empty without a group.
pub fn group_sentence(group: &[Member], year: Option<i32>) -> String {
    let of = |role: GroupRole| group.iter().filter(|m| m.role == role).collect::<Vec<_>>();
    let mut parts = Vec::new();
    parts.extend(succession(&of(GroupRole::Leader), "组长", year));
    parts.extend(succession(&of(GroupRole::DeputyLeader), "副组长", year));
    if let Some(s) = by_title(&of(GroupRole::Member)) {
        parts.push(format!("{s}为成员"));
    }
    if parts.is_empty() {
        return "成立巡察整改领导小组".into();
    }
    format!("成立以{}的巡察整改领导小组", parts.join("，"))
}

/// "整改领导小组下设办公室，戴先波兼任办公室主任".
pub fn office_sentence(group: &[Member]) -> String {
    let directors: Vec<&Member> = group.iter().filter(|m| m.role == GroupRole::OfficeDirector).collect();
    if directors.is_empty() {
        return "整改领导小组下设办公室".into();
    }
    let names: Vec<String> = directors
        .iter()
        .map(|d| {
            let also_member = group.iter().any(|m| m.role != GroupRole::OfficeDirector && m.name == d.name);
            if also_member {
                format!("{}兼任办公室主任", d.name.trim())
            } else if d.title.contains("办公室主任") || d.title.trim().is_empty() {
                format!("{}任办公室主任", d.name.trim())
            } else {
                format!("{}任办公室主任", person(d))
            }
        })
        .collect();
    format!("整改领导小组下设办公室，{}", names.join("，"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(name: &str, role: GroupRole, title: &str, from: Option<&str>, until: Option<&str>) -> Member {
        Member {
            name: name.into(),
            role,
            title: title.into(),
            from: from.map(|d| d.parse().unwrap()),
            until: until.map(|d| d.parse().unwrap()),
        }
    }

    fn demo_group() -> Vec<Member> {
        use GroupRole::*;
        vec![
            m("杨奎", Leader, "县教育局党组成员、校党委副书记、校长", None, Some("2021-08-24")),
            m("张红昌", Leader, "县教育局党组成员、校党委书记、校长", Some("2021-08-24"), None),
            m("戴先波", DeputyLeader, "校党委副书记、纪委书记、副校长", None, None),
            m("戴先波", OfficeDirector, "整改领导小组办公室主任", None, None),
            m("覃守生", Member, "党委委员、副校长", None, None),
            m("许志刚", Member, "党委委员、副校长", None, None),
            m("李向阳", Member, "党委委员、副校长", None, None),
            m("曾祥云", Member, "工会主席", None, None),
        ]
    }

    #[test]
    fn the_demo_group_reads_as_the_reference_report_writes_it() {
        assert_eq!(
            group_sentence(&demo_group(), Some(2021)),
            "成立以县教育局党组成员、校党委副书记、校长杨奎为组长（8月24日变更为县教育局党组成员、校党委书记、校长张红昌），\
             校党委副书记、纪委书记、副校长戴先波为副组长，党委委员、副校长覃守生、许志刚、李向阳及工会主席曾祥云为成员的巡察整改领导小组"
        );
        assert_eq!(office_sentence(&demo_group()), "整改领导小组下设办公室，戴先波兼任办公室主任");
    }

    #[test]
    fn changes_in_another_year_carry_the_year_and_an_empty_group_still_reads() {
        let g = vec![
            m("甲", GroupRole::Leader, "校长", None, None),
            m("乙", GroupRole::Leader, "书记", Some("2022-01-05"), None),
            m("丙", GroupRole::Leader, "书记", Some("2022-03-01"), None),
        ];
        assert_eq!(
            group_sentence(&g, Some(2021)),
            "成立以校长甲为组长（2022年1月5日变更为书记乙，2022年3月1日变更为书记丙）的巡察整改领导小组"
        );
        assert_eq!(group_sentence(&[], None), "成立巡察整改领导小组");
        assert_eq!(office_sentence(&[]), "整改领导小组下设办公室");
        assert_eq!(date_zh("2021-03-15".parse().unwrap(), None), "2021年3月15日");
    }
}
