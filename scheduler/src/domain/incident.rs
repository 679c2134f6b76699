//! Incident rules: which transitions are allowed from which state, the Commander/Tech Lead
//! rule, and the consistency of the timestamps. Plain functions of the current state.

use crate::domain::reason::Reason;
use chrono::{DateTime, Duration, Utc};
use entity::{IncidentRole, IncidentStatus, Severity};
use thiserror::Error;

/// How far before its declaration an incident's impact may be said to have begun. Further
/// back is almost always a typo (a wrong year), and it would distort every duration metric.
pub const MAX_START_BEFORE_DECLARATION_DAYS: i64 = 90;

/// Why a change is refused. Each message is meant for the person who asked.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RuleError {
    #[error("the incident is resolved: reopen it first")]
    Resolved,
    #[error("the incident is not resolved, so it cannot be reopened")]
    NotResolved,
    #[error("the incident was already acknowledged")]
    AlreadyAcknowledged,
    #[error("the incident was already marked mitigated")]
    AlreadyMitigated,
    #[error("the incident already has severity {0:?}")]
    SameSeverity(Severity),
    #[error("RESOLVED is set by resolveIncident only")]
    ResolvedNeedsResolve,
    #[error(
        "the Incident Commander should not also be the Technical Lead; set \
         acknowledgeCommanderIsTechLead to call it out explicitly"
    )]
    CommanderIsTechLead,
    #[error("an incident cannot be linked to itself")]
    SelfLink,
    #[error("the earlier incident must have been declared before this one")]
    NotEarlier,
    #[error("that incident is itself a duplicate; point at the original")]
    DuplicateOfDuplicate,
    #[error("detectedAt cannot be in the future")]
    DetectedInFuture,
    #[error("detectedAt cannot be after the declaration")]
    DetectedAfterDeclared,
    #[error("startedAt cannot be after detectedAt")]
    StartedAfterDetected,
    #[error("startedAt may lie at most 90 days before the declaration")]
    StartedTooEarly,
    #[error("{0} cannot be in the future")]
    PhaseInFuture(&'static str),
    #[error("{0} cannot be before {1}")]
    PhaseOutOfOrder(&'static str, &'static str),
    #[error("{0} can only be corrected once it happened")]
    PhaseNotReached(&'static str),
}

impl RuleError {
    pub fn reason(&self) -> Reason {
        match self {
            RuleError::Resolved => Reason::IncidentResolved,
            RuleError::NotResolved => Reason::IncidentNotResolved,
            RuleError::AlreadyAcknowledged => Reason::AlreadyAcknowledged,
            RuleError::AlreadyMitigated => Reason::AlreadyMitigated,
            RuleError::SameSeverity(_) => Reason::SameSeverity,
            RuleError::ResolvedNeedsResolve => Reason::ResolvedNeedsResolve,
            RuleError::CommanderIsTechLead => Reason::CommanderIsTechLead,
            RuleError::SelfLink => Reason::SelfLink,
            RuleError::NotEarlier => Reason::LinkNotEarlier,
            RuleError::DuplicateOfDuplicate => Reason::DuplicateOfDuplicate,
            RuleError::DetectedInFuture => Reason::DetectedInFuture,
            RuleError::DetectedAfterDeclared => Reason::DetectedAfterDeclared,
            RuleError::StartedAfterDetected => Reason::StartedAfterDetected,
            RuleError::StartedTooEarly => Reason::StartedTooEarly,
            RuleError::PhaseInFuture(_) => Reason::PhaseInFuture,
            RuleError::PhaseOutOfOrder(..) => Reason::PhaseOutOfOrder,
            RuleError::PhaseNotReached(_) => Reason::PhaseNotReached,
        }
    }

    /// Whether the refusal is about the incident's current state (another change got there
    /// first: CONFLICT) rather than about the input (BAD_USER_INPUT).
    pub fn is_state_conflict(&self) -> bool {
        matches!(
            self,
            RuleError::Resolved
                | RuleError::NotResolved
                | RuleError::AlreadyAcknowledged
                | RuleError::AlreadyMitigated
                | RuleError::SameSeverity(_)
                | RuleError::CommanderIsTechLead
        )
    }
}

/// The part of an incident the rules look at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct State {
    pub status: IncidentStatus,
    pub acknowledged: bool,
    pub mitigated: bool,
}

impl State {
    fn open(&self) -> Result<(), RuleError> {
        if self.status == IncidentStatus::Resolved {
            Err(RuleError::Resolved)
        } else {
            Ok(())
        }
    }

    /// Title, description, times, roles, notes, updates: only while open.
    pub fn can_change(&self) -> Result<(), RuleError> {
        self.open()
    }

    pub fn acknowledge(&self) -> Result<(), RuleError> {
        self.open()?;
        if self.acknowledged {
            return Err(RuleError::AlreadyAcknowledged);
        }
        Ok(())
    }

    pub fn change_severity(&self, current: Severity, to: Severity) -> Result<(), RuleError> {
        self.open()?;
        if current == to {
            return Err(RuleError::SameSeverity(to));
        }
        Ok(())
    }

    /// A status update may move between the open statuses; RESOLVED needs a resolution.
    pub fn post_update(&self, status: IncidentStatus) -> Result<(), RuleError> {
        self.open()?;
        if status == IncidentStatus::Resolved {
            return Err(RuleError::ResolvedNeedsResolve);
        }
        Ok(())
    }

    pub fn mark_mitigated(&self) -> Result<(), RuleError> {
        self.open()?;
        if self.mitigated {
            return Err(RuleError::AlreadyMitigated);
        }
        Ok(())
    }

    pub fn resolve(&self) -> Result<(), RuleError> {
        self.open()
    }

    pub fn reopen(&self) -> Result<(), RuleError> {
        if self.status != IncidentStatus::Resolved {
            return Err(RuleError::NotResolved);
        }
        Ok(())
    }
}

/// The highest severity after a change (SEV1 is the highest).
pub fn highest(a: Severity, b: Severity) -> Severity {
    a.min(b)
}

/// "Air traffic controller, not pilot": the same person may not be Commander and Technical
/// Lead unless the team calls it out. `holders` are the current holders of the other roles.
pub fn check_role_assignment(
    role: IncidentRole,
    user: uuid::Uuid,
    holders: &[(IncidentRole, uuid::Uuid)],
    acknowledged: bool,
) -> Result<bool, RuleError> {
    let other = match role {
        IncidentRole::Commander => Some(IncidentRole::TechLead),
        IncidentRole::TechLead => Some(IncidentRole::Commander),
        _ => None,
    };
    let conflict = other.is_some_and(|o| holders.iter().any(|(r, u)| *r == o && *u == user));
    if conflict && !acknowledged {
        return Err(RuleError::CommanderIsTechLead);
    }
    Ok(conflict)
}

/// Impact starts before (or when) it is detected, detection comes no later than the
/// declaration, nothing lies in the future, and impact began at most
/// [`MAX_START_BEFORE_DECLARATION_DAYS`] before the declaration.
pub fn check_times(
    started: DateTime<Utc>,
    detected: DateTime<Utc>,
    declared: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), RuleError> {
    if detected > now {
        return Err(RuleError::DetectedInFuture);
    }
    if detected > declared {
        return Err(RuleError::DetectedAfterDeclared);
    }
    if started > detected {
        return Err(RuleError::StartedAfterDetected);
    }
    if started < declared - Duration::days(MAX_START_BEFORE_DECLARATION_DAYS) {
        return Err(RuleError::StartedTooEarly);
    }
    Ok(())
}

/// Every recorded instant of an incident, in the order its phases follow one another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Phases {
    pub started: DateTime<Utc>,
    pub detected: DateTime<Utc>,
    pub declared: DateTime<Utc>,
    pub acknowledged: Option<DateTime<Utc>>,
    pub mitigated: Option<DateTime<Utc>>,
    pub resolved: Option<DateTime<Utc>>,
}

/// The instants are consistent: start, detection and declaration as [`check_times`] says;
/// acknowledged, mitigated and resolved (given when a button is pressed late, or corrected
/// afterwards) never in the future, never before detection, and never before the phase
/// they follow (mitigated after acknowledged, resolved after both).
pub fn check_phases(p: &Phases, now: DateTime<Utc>) -> Result<(), RuleError> {
    check_times(p.started, p.detected, p.declared, now)?;
    let later = [
        ("acknowledgedAt", p.acknowledged),
        ("mitigatedAt", p.mitigated),
        ("resolvedAt", p.resolved),
    ];
    for (i, (name, at)) in later.iter().enumerate() {
        let Some(at) = *at else { continue };
        if at > now {
            return Err(RuleError::PhaseInFuture(name));
        }
        if at < p.detected {
            return Err(RuleError::PhaseOutOfOrder(name, "detectedAt"));
        }
        for (before, earlier) in &later[..i] {
            if earlier.is_some_and(|e| at < e) {
                return Err(RuleError::PhaseOutOfOrder(name, before));
            }
        }
    }
    Ok(())
}

/// An earlier incident for recurrence or duplicate links.
pub fn check_link(
    this: uuid::Uuid,
    this_declared: DateTime<Utc>,
    other: uuid::Uuid,
    other_declared: DateTime<Utc>,
) -> Result<(), RuleError> {
    if this == other {
        return Err(RuleError::SelfLink);
    }
    if other_declared > this_declared {
        return Err(RuleError::NotEarlier);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};
    use uuid::Uuid;

    fn state(status: IncidentStatus) -> State {
        State {
            status,
            acknowledged: false,
            mitigated: false,
        }
    }

    #[test]
    fn transitions() {
        let open = state(IncidentStatus::Investigating);
        let resolved = state(IncidentStatus::Resolved);
        assert!(open.acknowledge().is_ok());
        assert_eq!(
            State {
                acknowledged: true,
                ..open
            }
            .acknowledge(),
            Err(RuleError::AlreadyAcknowledged)
        );
        assert_eq!(resolved.acknowledge(), Err(RuleError::Resolved));
        assert_eq!(resolved.resolve(), Err(RuleError::Resolved));
        assert_eq!(resolved.can_change(), Err(RuleError::Resolved));
        assert!(resolved.reopen().is_ok());
        assert_eq!(open.reopen(), Err(RuleError::NotResolved));
        assert_eq!(
            open.post_update(IncidentStatus::Resolved),
            Err(RuleError::ResolvedNeedsResolve)
        );
        assert!(open.post_update(IncidentStatus::Monitoring).is_ok());
        assert!(open.mark_mitigated().is_ok());
        assert_eq!(
            State {
                mitigated: true,
                ..open
            }
            .mark_mitigated(),
            Err(RuleError::AlreadyMitigated)
        );
        assert_eq!(
            open.change_severity(Severity::Sev2, Severity::Sev2),
            Err(RuleError::SameSeverity(Severity::Sev2))
        );
        assert!(open.change_severity(Severity::Sev2, Severity::Sev1).is_ok());
    }

    #[test]
    fn highest_severity_is_the_lowest_number() {
        assert_eq!(highest(Severity::Sev3, Severity::Sev1), Severity::Sev1);
        assert_eq!(highest(Severity::Sev2, Severity::Sev4), Severity::Sev2);
    }

    #[test]
    fn commander_is_not_tech_lead_unless_called_out() {
        let ada = Uuid::now_v7();
        let bob = Uuid::now_v7();
        let holders = [(IncidentRole::Commander, ada)];
        assert_eq!(
            check_role_assignment(IncidentRole::TechLead, ada, &holders, false),
            Err(RuleError::CommanderIsTechLead)
        );
        assert_eq!(
            check_role_assignment(IncidentRole::TechLead, ada, &holders, true),
            Ok(true)
        );
        assert_eq!(
            check_role_assignment(IncidentRole::TechLead, bob, &holders, false),
            Ok(false)
        );
        // Other roles may be combined freely.
        assert_eq!(
            check_role_assignment(IncidentRole::Scribe, ada, &holders, false),
            Ok(false)
        );
        let holders = [(IncidentRole::TechLead, bob)];
        assert!(check_role_assignment(IncidentRole::Commander, bob, &holders, false).is_err());
    }

    #[test]
    fn phases_follow_one_another() {
        let t =
            |m: i64| Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap() + Duration::minutes(m);
        let base = Phases {
            started: t(0),
            detected: t(5),
            declared: t(10),
            acknowledged: Some(t(8)),
            mitigated: Some(t(30)),
            resolved: Some(t(60)),
        };
        let now = t(90);
        assert_eq!(check_phases(&base, now), Ok(()));
        let future = Phases {
            resolved: Some(t(91)),
            ..base
        };
        assert_eq!(
            check_phases(&future, now),
            Err(RuleError::PhaseInFuture("resolvedAt"))
        );
        let early = Phases {
            acknowledged: Some(t(4)),
            ..base
        };
        assert_eq!(
            check_phases(&early, now),
            Err(RuleError::PhaseOutOfOrder("acknowledgedAt", "detectedAt"))
        );
        let swapped = Phases {
            mitigated: Some(t(20)),
            resolved: Some(t(15)),
            ..base
        };
        assert_eq!(
            check_phases(&swapped, now),
            Err(RuleError::PhaseOutOfOrder("resolvedAt", "mitigatedAt"))
        );
        let before_ack = Phases {
            acknowledged: Some(t(40)),
            ..base
        };
        assert_eq!(
            check_phases(&before_ack, now),
            Err(RuleError::PhaseOutOfOrder("mitigatedAt", "acknowledgedAt"))
        );
        // Phases not reached yet are simply absent.
        let open = Phases {
            acknowledged: None,
            mitigated: None,
            resolved: None,
            ..base
        };
        assert_eq!(check_phases(&open, now), Ok(()));
    }

    #[test]
    fn times_and_links() {
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap();
        assert!(check_times(now - Duration::minutes(5), now, now, now).is_ok());
        assert_eq!(
            check_times(now, now + Duration::seconds(1), now, now),
            Err(RuleError::DetectedInFuture)
        );
        assert_eq!(
            check_times(now, now - Duration::minutes(1), now, now),
            Err(RuleError::StartedAfterDetected)
        );
        let declared = now - Duration::hours(1);
        assert_eq!(
            check_times(declared, declared + Duration::minutes(1), declared, now),
            Err(RuleError::DetectedAfterDeclared)
        );
        assert!(check_times(declared - Duration::days(90), declared, declared, now).is_ok());
        assert_eq!(
            check_times(declared - Duration::days(91), declared, declared, now),
            Err(RuleError::StartedTooEarly)
        );
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        assert_eq!(check_link(a, now, a, now), Err(RuleError::SelfLink));
        assert_eq!(
            check_link(a, now, b, now + Duration::minutes(1)),
            Err(RuleError::NotEarlier)
        );
        assert!(check_link(a, now, b, now - Duration::days(3)).is_ok());
    }
}
