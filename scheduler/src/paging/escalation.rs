//! Escalation policies: ordered steps, each with its targets and how long it waits for
//! an acknowledgement before the alert moves to the next step; the steps repeat a set
//! number of times, then the alert stays with the last step. Positions count through the
//! repeats: with 3 steps and 1 repeat, positions 0..6 are steps 0,1,2,0,1,2.

use super::routing::Target;
use chrono::{DateTime, Duration, Utc};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub targets: Vec<Target>,
    /// How long this step waits for an acknowledgement.
    pub delay: Duration,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub steps: Vec<Step>,
    /// How many times the steps run again after the first pass.
    pub repeats: u32,
}

/// What to do with an unacknowledged alert now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Nothing yet; look again at this instant.
    WaitUntil(DateTime<Utc>),
    /// Page the step at this position.
    Escalate(u32),
    /// Every step and repeat has run: the alert stays with the last one.
    Exhausted,
}

impl Policy {
    /// The product default: the on-call for 15 minutes, then the team's leads for 15,
    /// then the engineering lead; once through.
    pub fn default_for_team() -> Policy {
        Policy {
            steps: vec![
                Step {
                    targets: vec![Target::OnCall],
                    delay: Duration::minutes(15),
                },
                Step {
                    targets: vec![Target::TeamLeads],
                    delay: Duration::minutes(15),
                },
                Step {
                    targets: vec![Target::EngineeringLead],
                    delay: Duration::minutes(30),
                },
            ],
            repeats: 0,
        }
    }

    /// How many positions the policy has, repeats included.
    pub fn positions(&self) -> u32 {
        (self.steps.len() as u32).saturating_mul(self.repeats.saturating_add(1))
    }

    pub fn step(&self, position: u32) -> Option<&Step> {
        if self.steps.is_empty() || position >= self.positions() {
            return None;
        }
        self.steps.get(position as usize % self.steps.len())
    }

    /// The targets an alert falls back to when the step at `position` reaches nobody: the
    /// next step's.
    pub fn fallbacks(&self, position: u32) -> Vec<Target> {
        self.step(position + 1)
            .map(|s| s.targets.clone())
            .unwrap_or_default()
    }

    /// What to do with an alert unacknowledged at `now` that entered the step at
    /// `position` at `entered`.
    pub fn decide(&self, position: u32, entered: DateTime<Utc>, now: DateTime<Utc>) -> Decision {
        let Some(step) = self.step(position) else {
            return Decision::Exhausted;
        };
        if position + 1 >= self.positions() {
            return Decision::Exhausted;
        }
        let due = entered + step.delay;
        if now >= due {
            Decision::Escalate(position + 1)
        } else {
            Decision::WaitUntil(due)
        }
    }
    /// The position due at `now` for an alert that entered `position` at `entered` and
    /// was not acknowledged since: every step whose delay has run out is passed over, so
    /// a worker that was down jumps straight to the step due now instead of paging each
    /// step it missed. `None` when nothing is due yet.
    pub fn due_position(
        &self,
        position: u32,
        entered: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Option<u32> {
        let (mut at, mut entered) = (position, entered);
        while let Decision::Escalate(next) = self.decide(at, entered, now) {
            entered += self.step(at).map_or(Duration::zero(), |s| s.delay);
            at = next;
        }
        (at != position).then_some(at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(min: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap() + Duration::minutes(min)
    }

    #[test]
    fn steps_escalate_after_their_delay_and_repeat() {
        let mut p = Policy::default_for_team();
        p.repeats = 1;
        assert_eq!(p.positions(), 6);
        assert_eq!(p.decide(0, t(0), t(14)), Decision::WaitUntil(t(15)));
        assert_eq!(p.decide(0, t(0), t(15)), Decision::Escalate(1));
        assert_eq!(
            p.decide(2, t(30), t(60)),
            Decision::Escalate(3),
            "the repeat starts over"
        );
        assert_eq!(p.step(3).unwrap().targets, vec![Target::OnCall]);
        assert_eq!(p.decide(5, t(0), t(500)), Decision::Exhausted);
        assert_eq!(p.decide(9, t(0), t(1)), Decision::Exhausted);
    }

    #[test]
    fn a_late_look_jumps_to_the_step_due_now() {
        let mut p = Policy::default_for_team();
        p.repeats = 1;
        assert_eq!(p.due_position(0, t(0), t(14)), None);
        assert_eq!(p.due_position(0, t(0), t(15)), Some(1));
        assert_eq!(p.due_position(0, t(0), t(30)), Some(2), "15 + 15 minutes");
        assert_eq!(
            p.due_position(0, t(0), t(60)),
            Some(3),
            "and 30 more: the repeat"
        );
        assert_eq!(p.due_position(0, t(0), t(60 * 24 * 3)), Some(5), "the last");
        assert_eq!(p.due_position(5, t(0), t(60 * 24 * 3)), None);
    }

    #[test]
    fn the_next_step_is_the_fallback() {
        let p = Policy::default_for_team();
        assert_eq!(p.fallbacks(0), vec![Target::TeamLeads]);
        assert_eq!(p.fallbacks(2), Vec::<Target>::new());
        let empty = Policy {
            steps: vec![],
            repeats: 3,
        };
        assert_eq!(empty.decide(0, t(0), t(100)), Decision::Exhausted);
    }
}
