//! The sign-off chain of a measure, as a pure state machine: who may decide what, in which
//! state, and where a decision leads. No database and no HTTP here.
//!
//! `not_started` → `in_progress` → `submitted` → `approved` (responsible leader) → `signed`
//! (the leading group's leader) → `verified` (discipline committee); long-term measures end in
//! `monitoring` instead of `verified`. A chain may leave stages out; its last stage always ends
//! in `verified` (or `monitoring`). Any reviewer whose turn it is may return the measure, with a
//! reason, to `in_progress`.

use super::{MeasureKind, MeasureStatus};

/// A stage of the chain, named after the status it leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// 审核: the measure's responsible leader.
    Approve,
    /// 审批: the leader of the inspection's leading group.
    Sign,
    /// 核验: the discipline committee.
    Verify,
}

impl Stage {
    pub const ALL: [Stage; 3] = [Stage::Approve, Stage::Sign, Stage::Verify];

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Approve => "approve",
            Stage::Sign => "sign",
            Stage::Verify => "verify",
        }
    }

    pub fn parse(s: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// The status a measure has once this stage is passed and more stages follow.
    fn reached(self) -> MeasureStatus {
        match self {
            Stage::Approve => MeasureStatus::Approved,
            Stage::Sign => MeasureStatus::Signed,
            Stage::Verify => MeasureStatus::Verified,
        }
    }
}

/// The stages an inspection's measures pass, in order (stored with the inspection).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chain(Vec<Stage>);

impl Chain {
    /// `approve,sign,verify` or a non-empty ordered subset of it.
    pub fn parse(s: &str) -> Option<Chain> {
        let stages: Option<Vec<Stage>> = s.split(',').map(|p| Stage::parse(p.trim())).collect();
        let stages = stages?;
        let ordered = stages.windows(2).all(|w| Stage::ALL.iter().position(|s| *s == w[0]) < Stage::ALL.iter().position(|s| *s == w[1]));
        (!stages.is_empty() && ordered).then_some(Chain(stages))
    }

    pub fn full() -> Chain {
        Chain(Stage::ALL.to_vec())
    }

    pub fn stages(&self) -> &[Stage] {
        &self.0
    }

    /// The stage waiting for a decision in `status`, if any.
    pub fn pending(&self, status: MeasureStatus) -> Option<Stage> {
        let passed = match status {
            MeasureStatus::Submitted => 0,
            MeasureStatus::Approved | MeasureStatus::Signed => self.0.iter().position(|s| s.reached() == status)? + 1,
            _ => return None,
        };
        self.0.get(passed).copied()
    }

    /// The stages whose approvals stand for a measure in `status`: none before it is signed off,
    /// every stage once it is done. `None` when this chain never leads to that status.
    pub fn passed(&self, status: MeasureStatus) -> Option<&[Stage]> {
        match status {
            MeasureStatus::NotStarted | MeasureStatus::InProgress | MeasureStatus::Submitted => Some(&[]),
            MeasureStatus::Verified | MeasureStatus::Monitoring => Some(&self.0),
            MeasureStatus::Approved | MeasureStatus::Signed => {
                let n = self.0.iter().position(|s| s.reached() == status)?;
                // The last stage leads to `verified`, never to its own intermediate status.
                (n + 1 < self.0.len()).then(|| &self.0[..=n])
            }
        }
    }

    /// Where approving `stage` leads.
    pub fn after_approval(&self, stage: Stage, kind: MeasureKind) -> MeasureStatus {
        if self.0.last() == Some(&stage) {
            if kind == MeasureKind::LongTerm {
                MeasureStatus::Monitoring
            } else {
                MeasureStatus::Verified
            }
        } else {
            stage.reached()
        }
    }
}

/// Whether a measure may be submitted for sign-off in this status.
pub fn submittable(status: MeasureStatus) -> bool {
    matches!(status, MeasureStatus::NotStarted | MeasureStatus::InProgress)
}

/// Whether a measure's own fields may still be rewritten wholesale (by an import that updates
/// what exists): only before it is handed in. Once submitted, what the reviewers sign off, or
/// signed off, stays as they saw it; changes then go through a return (退回) or an extension.
pub fn open_to_import_update(status: MeasureStatus) -> bool {
    submittable(status)
}

/// Statuses in which a measure counts as done.
pub const DONE: [MeasureStatus; 2] = [MeasureStatus::Verified, MeasureStatus::Monitoring];

/// Why a reviewer may not decide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The submitter may not sign off their own submission.
    OwnSubmission,
    /// The reviewer already decided an earlier stage of this round.
    SecondStage,
    /// 核验 is the independent check: never by someone who carried the measure out, submitted it
    /// or approved an earlier stage, in any round, whatever roles they hold now.
    NotIndependent,
}

/// Segregation of duties. `involved` are those who worked on the measure (assignees, authors of
/// its progress and evidence, its submitters and earlier approvers of every round). `Ok(true)`
/// when the rule against signing two stages was relaxed by the organisation (the sign-off
/// records it); the relaxation never reaches the 核验 stage.
pub fn segregation(
    reviewer: i64,
    stage: Stage,
    submitted_by: Option<i64>,
    earlier_signers: &[i64],
    involved: &[i64],
    allow_repeat: bool,
) -> Result<bool, Refusal> {
    if submitted_by == Some(reviewer) {
        return Err(Refusal::OwnSubmission);
    }
    if stage == Stage::Verify && (involved.contains(&reviewer) || earlier_signers.contains(&reviewer)) {
        return Err(Refusal::NotIndependent);
    }
    if earlier_signers.contains(&reviewer) {
        return if allow_repeat { Ok(true) } else { Err(Refusal::SecondStage) };
    }
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use MeasureStatus::*;

    fn chains() -> Vec<Chain> {
        ["approve", "sign", "verify", "approve,sign", "approve,verify", "sign,verify", "approve,sign,verify"]
            .iter()
            .map(|s| Chain::parse(s).unwrap())
            .collect()
    }

    #[test]
    fn chains_are_ordered_non_empty_subsets() {
        assert_eq!(Chain::parse("approve,sign,verify"), Some(Chain::full()));
        assert_eq!(Chain::parse(" verify "), Some(Chain(vec![Stage::Verify])));
        for bad in ["", "sign,approve", "approve,approve", "approve,audit", "verify,sign"] {
            assert_eq!(Chain::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn every_chain_walks_from_submitted_to_done_through_its_own_stages() {
        for chain in chains() {
            for kind in MeasureKind::ALL.iter().copied() {
                let mut status = Submitted;
                let mut walked = Vec::new();
                while let Some(stage) = chain.pending(status) {
                    walked.push(stage);
                    status = chain.after_approval(stage, kind);
                    assert!(walked.len() <= 3, "{chain:?} loops");
                }
                assert_eq!(walked, chain.stages(), "{chain:?}");
                let end = if kind == MeasureKind::LongTerm { Monitoring } else { Verified };
                assert_eq!(status, end, "{chain:?} {kind:?}");
                assert!(DONE.contains(&status));
            }
        }
    }

    #[test]
    fn nothing_is_pending_outside_the_chain() {
        for chain in chains() {
            for status in [NotStarted, InProgress, Verified, Monitoring] {
                assert_eq!(chain.pending(status), None, "{chain:?} {status:?}");
            }
            // A status the chain never produces has no pending stage either.
            if !chain.stages().contains(&Stage::Approve) {
                assert_eq!(chain.pending(Approved), None);
            }
        }
        assert_eq!(Chain::full().pending(Submitted), Some(Stage::Approve));
        assert_eq!(Chain::full().pending(Approved), Some(Stage::Sign));
        assert_eq!(Chain::full().pending(Signed), Some(Stage::Verify));
    }

    #[test]
    fn a_status_stands_on_the_approvals_of_the_stages_before_it() {
        let full = Chain::full();
        assert_eq!(full.passed(Submitted), Some(&[][..]));
        assert_eq!(full.passed(Approved), Some(&[Stage::Approve][..]));
        assert_eq!(full.passed(Signed), Some(&[Stage::Approve, Stage::Sign][..]));
        assert_eq!(full.passed(Verified), Some(full.stages()));
        let short = Chain::parse("approve,sign").unwrap();
        assert_eq!(short.passed(Signed), None, "its last stage leads to verified");
        assert_eq!(short.passed(Monitoring), Some(short.stages()));
        assert_eq!(Chain::parse("sign,verify").unwrap().passed(Approved), None);
        // Walking any chain, each status reached stands on exactly the stages approved so far.
        for chain in chains() {
            for kind in [MeasureKind::TimeBound, MeasureKind::LongTerm] {
                for (n, stage) in chain.stages().iter().enumerate() {
                    assert_eq!(chain.passed(chain.after_approval(*stage, kind)), Some(&chain.stages()[..=n]), "{chain:?}");
                }
            }
        }
    }

    #[test]
    fn only_open_measures_are_submitted() {
        for status in MeasureStatus::ALL.iter().copied() {
            assert_eq!(submittable(status), matches!(status, NotStarted | InProgress), "{status:?}");
        }
    }

    #[test]
    fn an_import_updates_only_measures_not_yet_handed_in() {
        for status in MeasureStatus::ALL.iter().copied() {
            assert_eq!(open_to_import_update(status), matches!(status, NotStarted | InProgress), "{status:?}");
        }
    }

    #[test]
    fn segregation_of_duties() {
        use Stage::*;
        assert_eq!(segregation(7, Sign, Some(7), &[], &[], true), Err(Refusal::OwnSubmission), "never one's own, even when relaxed");
        assert_eq!(segregation(7, Sign, Some(3), &[7], &[], false), Err(Refusal::SecondStage));
        assert_eq!(segregation(7, Sign, Some(3), &[7], &[], true), Ok(true), "relaxed, and recorded as such");
        assert_eq!(segregation(7, Sign, Some(3), &[5], &[], false), Ok(false));
        assert_eq!(segregation(7, Approve, None, &[], &[], false), Ok(false));
        // Working on a measure does not keep one from approving or signing it...
        assert_eq!(segregation(7, Approve, Some(3), &[], &[7], false), Ok(false));
        // ...but the verifier is independent of everyone who did, even where repeat signers are allowed.
        assert_eq!(segregation(7, Verify, Some(3), &[], &[7], true), Err(Refusal::NotIndependent));
        assert_eq!(segregation(7, Verify, Some(3), &[7], &[], true), Err(Refusal::NotIndependent));
        assert_eq!(segregation(7, Verify, Some(3), &[5], &[3, 5], false), Ok(false));
    }
}
