//! The severity policy: per severity, how fast to respond, who is paged, how often to post
//! updates and what customers are told. These are the product defaults from the domain
//! reference; an organization may override them (stored beside its settings).

use chrono::{DateTime, Duration, Utc};
pub use entity::{CustomerComms, IncidentRole, PageTarget, Severity};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeverityPolicy {
    pub severity: Severity,
    /// Time to acknowledge; `None` means next business day (no page).
    pub respond_within: Option<Duration>,
    /// Response is expected only within business hours.
    pub business_hours_only: bool,
    pub pages: Vec<PageTarget>,
    /// Status updates cadence; `None` means "on change" or none.
    pub update_every: Option<Duration>,
    pub customer_comms: CustomerComms,
    /// The roles an incident of this severity should have filled (the Incident Commander
    /// always): an incident lists those still unfilled.
    pub expected_roles: Vec<IncidentRole>,
    /// Whether an incident that reached this severity owes a postmortem.
    pub postmortem_required: bool,
}

/// The product default: SEV1 and SEV2 owe a postmortem.
pub fn default_postmortem_required(severity: Severity) -> bool {
    matches!(severity, Severity::Sev1 | Severity::Sev2)
}

/// Something worth knowing about a declaration that does not stop it ("declare, don't
/// debate").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeclarationWarning {
    /// The severity's policy asks to tell customers, but the incident says they are not
    /// affected.
    CustomerCommsWithoutImpact,
}

impl DeclarationWarning {
    pub fn message(self, severity: Severity) -> String {
        match self {
            DeclarationWarning::CustomerCommsWithoutImpact => format!(
                "the {} policy asks to tell customers, but customerImpact is false: set it if \
                 customers are affected",
                severity.as_str()
            ),
        }
    }
}

/// The warnings a declaration (or a severity change) deserves under `policy`.
pub fn declaration_warnings(
    policy: &SeverityPolicy,
    customer_impact: bool,
) -> Vec<DeclarationWarning> {
    if policy.customer_comms != CustomerComms::None && !customer_impact {
        vec![DeclarationWarning::CustomerCommsWithoutImpact]
    } else {
        vec![]
    }
}

/// Whether customers are still owed word: the policy asks for customer communication, the
/// incident affects customers, it is not closed, and no public update has been posted.
pub fn customer_communication_owed(
    policy: &SeverityPolicy,
    customer_impact: bool,
    resolved: bool,
    told_customers: bool,
) -> bool {
    policy.customer_comms != CustomerComms::None && customer_impact && !resolved && !told_customers
}

/// The product's default roles for a severity: everyone for SEV1, no scribe for SEV2, a
/// commander and a technical lead for SEV3, a commander (an owner) for a SEV4 ticket.
pub fn default_expected_roles(severity: Severity) -> Vec<IncidentRole> {
    use IncidentRole::*;
    match severity {
        Severity::Sev1 => vec![Commander, TechLead, CommsLead, Scribe],
        Severity::Sev2 => vec![Commander, TechLead, CommsLead],
        Severity::Sev3 => vec![Commander, TechLead],
        Severity::Sev4 => vec![Commander],
    }
}

/// Expected roles as configured: the Commander always, each role once, in role order.
pub fn normalize_expected_roles(mut roles: Vec<IncidentRole>) -> Vec<IncidentRole> {
    roles.push(IncidentRole::Commander);
    roles.sort();
    roles.dedup();
    roles
}

/// The expected roles nobody holds yet, in role order.
pub fn unfilled_roles(expected: &[IncidentRole], held: &[IncidentRole]) -> Vec<IncidentRole> {
    expected
        .iter()
        .copied()
        .filter(|r| !held.contains(r))
        .collect()
}

/// The product's default policy for a severity.
pub fn default_policy(severity: Severity) -> SeverityPolicy {
    use PageTarget::*;
    match severity {
        Severity::Sev1 => SeverityPolicy {
            severity,
            respond_within: Some(Duration::zero()),
            business_hours_only: false,
            pages: vec![OnCall, EngineeringLead, VpEngineering],
            update_every: Some(Duration::minutes(15)),
            customer_comms: CustomerComms::StatusPageAndNotification,
            expected_roles: default_expected_roles(severity),
            postmortem_required: default_postmortem_required(severity),
        },
        Severity::Sev2 => SeverityPolicy {
            severity,
            respond_within: Some(Duration::minutes(30)),
            business_hours_only: false,
            pages: vec![OnCall, TeamLead],
            update_every: Some(Duration::minutes(30)),
            customer_comms: CustomerComms::Notified,
            expected_roles: default_expected_roles(severity),
            postmortem_required: default_postmortem_required(severity),
        },
        Severity::Sev3 => SeverityPolicy {
            severity,
            respond_within: Some(Duration::hours(4)),
            business_hours_only: true,
            pages: vec![OnCall],
            update_every: None,
            customer_comms: CustomerComms::None,
            expected_roles: default_expected_roles(severity),
            postmortem_required: default_postmortem_required(severity),
        },
        Severity::Sev4 => SeverityPolicy {
            severity,
            respond_within: None,
            business_hours_only: true,
            pages: vec![],
            update_every: None,
            customer_comms: CustomerComms::None,
            expected_roles: default_expected_roles(severity),
            postmortem_required: default_postmortem_required(severity),
        },
    }
}

/// When the next status update is due after one posted (or the declaration) at `last`.
pub fn next_update_due(policy: &SeverityPolicy, last: DateTime<Utc>) -> Option<DateTime<Utc>> {
    policy.update_every.map(|every| last + every)
}

/// Whether an update is overdue at `now`.
pub fn update_overdue(due: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    due.is_some_and(|d| now > d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn defaults_follow_the_reference_table() {
        let p1 = default_policy(Severity::Sev1);
        assert_eq!(p1.update_every, Some(Duration::minutes(15)));
        assert!(p1.pages.contains(&PageTarget::VpEngineering));
        assert_eq!(p1.customer_comms, CustomerComms::StatusPageAndNotification);
        let p2 = default_policy(Severity::Sev2);
        assert_eq!(p2.respond_within, Some(Duration::minutes(30)));
        assert_eq!(p2.update_every, Some(Duration::minutes(30)));
        let p3 = default_policy(Severity::Sev3);
        assert!(p3.business_hours_only);
        assert_eq!(p3.update_every, None);
        let p4 = default_policy(Severity::Sev4);
        assert!(
            p4.pages.is_empty(),
            "SEV4 is filed as a ticket, nobody is paged"
        );
        assert_eq!(p4.respond_within, None);
    }

    #[test]
    fn next_update_and_overdue() {
        let t = Utc.with_ymd_and_hms(2026, 3, 29, 0, 50, 0).unwrap();
        let due = next_update_due(&default_policy(Severity::Sev1), t);
        assert_eq!(due, Some(t + Duration::minutes(15)));
        assert!(!update_overdue(due, t + Duration::minutes(15)));
        assert!(update_overdue(
            due,
            t + Duration::minutes(15) + Duration::seconds(1)
        ));
        assert_eq!(next_update_due(&default_policy(Severity::Sev3), t), None);
        assert!(!update_overdue(None, t));
    }

    #[test]
    fn sev1_is_worse_than_sev2() {
        assert!(Severity::Sev1.is_worse_than(Severity::Sev2));
        assert!(!Severity::Sev4.is_worse_than(Severity::Sev3));
    }
}

#[cfg(test)]
mod policy_tests {
    use super::*;

    #[test]
    fn customers_are_owed_word_until_told() {
        let sev1 = default_policy(Severity::Sev1);
        let sev3 = default_policy(Severity::Sev3);
        assert!(customer_communication_owed(&sev1, true, false, false));
        assert!(!customer_communication_owed(&sev1, true, false, true));
        assert!(!customer_communication_owed(&sev1, true, true, false));
        assert!(!customer_communication_owed(&sev1, false, false, false));
        assert!(!customer_communication_owed(&sev3, true, false, false));
        assert_eq!(
            declaration_warnings(&sev1, false),
            vec![DeclarationWarning::CustomerCommsWithoutImpact]
        );
        assert!(declaration_warnings(&sev1, true).is_empty());
        assert!(declaration_warnings(&sev3, false).is_empty());
    }
}

#[cfg(test)]
mod role_tests {
    use super::*;

    #[test]
    fn expected_and_unfilled_roles() {
        assert_eq!(default_policy(Severity::Sev2).expected_roles.len(), 3);
        assert_eq!(
            normalize_expected_roles(vec![IncidentRole::Scribe, IncidentRole::Scribe]),
            vec![IncidentRole::Commander, IncidentRole::Scribe]
        );
        assert_eq!(
            unfilled_roles(
                &default_expected_roles(Severity::Sev1),
                &[IncidentRole::Commander, IncidentRole::Scribe]
            ),
            vec![IncidentRole::TechLead, IncidentRole::CommsLead]
        );
    }
}
