//! Stable, machine-readable reasons for refusals. Each error a client can get for breaking
//! a rule carries one of these beside its sentence (`extensions.reason`), so a frontend can
//! react to each without parsing English. The names are part of the API: add, never rename.
//! The README lists them all (a test checks it).

use strum::{EnumIter, IntoStaticStr};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, IntoStaticStr)]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum Reason {
    // --- input shape
    /// A required text is empty.
    TextEmpty,
    /// A text is longer than its field allows.
    TextTooLong,
    /// A text contains control, invisible, bidirectional or line-separator characters.
    TextForbiddenCharacters,
    /// An e-mail address is malformed.
    EmailInvalid,
    /// A time zone is not an IANA zone name.
    UnknownTimeZone,
    /// An instant lies outside the range Firebreak accepts (see the README).
    InstantOutOfRange,
    /// An `after` cursor was not made by this API.
    InvalidCursor,
    /// `first` is outside 1..=100.
    PageSizeOutOfRange,
    /// A search text is unusable (too long, or contains NUL).
    InvalidSearchText,
    /// A URL is not an absolute http(s) URL.
    InvalidUrl,
    /// An outbound target (a webhook) is on a loopback, private or internal address.
    OutboundTargetRefused,
    /// E-mail contact methods need a mail server, and none is configured.
    EmailNotConfigured,
    /// A contact method's verification code is wrong, expired or used up (five guesses).
    VerificationCodeInvalid,
    /// A contact method was sent a test less than a minute ago.
    TestSendTooSoon,
    /// A number is outside its allowed range.
    ValueOutOfRange,
    /// A period's end is not after its start, or it is too long.
    InvalidPeriod,
    // --- incidents
    /// Declaring needs a severity: there is no default.
    SeverityRequired,
    /// The incident is resolved: reopen it first.
    IncidentResolved,
    /// The incident is not resolved.
    IncidentNotResolved,
    /// The incident was already acknowledged.
    AlreadyAcknowledged,
    /// The incident was already marked mitigated.
    AlreadyMitigated,
    /// The incident already has that severity.
    SameSeverity,
    /// RESOLVED is set by resolveIncident only.
    ResolvedNeedsResolve,
    /// The Incident Commander would also be the Technical Lead without a call-out.
    CommanderIsTechLead,
    /// An incident cannot be linked to itself.
    SelfLink,
    /// A linked incident must have been declared earlier.
    LinkNotEarlier,
    /// The original of a duplicate is itself a duplicate.
    DuplicateOfDuplicate,
    /// detectedAt lies in the future.
    DetectedInFuture,
    /// startedAt lies after detectedAt.
    StartedAfterDetected,
    /// detectedAt lies after the declaration.
    DetectedAfterDeclared,
    /// startedAt lies further before the declaration than allowed.
    StartedTooEarly,
    /// acknowledgedAt, mitigatedAt or resolvedAt lies in the future.
    PhaseInFuture,
    /// A phase's instant lies before the phase it follows (or before detection).
    PhaseOutOfOrder,
    /// A phase's instant is corrected before the phase happened.
    PhaseNotReached,
    /// The Incident Commander is reassigned, never removed.
    CommanderRequired,
    /// Nobody holds that role on the incident.
    RoleNotHeld,
    /// Public updates are for customer-facing, unrestricted incidents.
    PublicUpdateNotAllowed,
    /// Only decisions, actions and notes are logged by hand.
    NotLoggable,
    // --- catalog and people
    /// The team is deactivated.
    TeamDeactivated,
    /// The service is deactivated.
    ServiceDeactivated,
    /// The service belongs to another team than the one given.
    ServiceNotInTeam,
    /// The user is deactivated.
    UserDeactivated,
    /// A team manager needs the manager role.
    ManagerRoleRequired,
    /// Admins cannot deactivate themselves.
    CannotDeactivateSelf,
    /// Admins cannot lower their own role.
    CannotDemoteSelf,
    // --- postmortems and action items
    /// Postmortems start once the incident is resolved.
    PostmortemNeedsResolution,
    /// The incident already has a postmortem.
    PostmortemExists,
    /// A published postmortem is final.
    PostmortemPublished,
    /// That postmortem status change is not allowed.
    PostmortemTransition,
    /// A postmortem needs a summary before publication.
    SummaryRequired,
    /// A restricted incident's postmortem stays internal.
    RestrictedStaysInternal,
    /// The person who submitted a postmortem for review may not publish it.
    SelfPublication,
    /// A public postmortem needs its own public summary.
    PublicSummaryRequired,
    /// A message template does not parse, uses a variable its kind does not offer, or does
    /// too much work.
    TemplateInvalid,
    /// A timeline entry's time is out of its allowed range.
    TimelineEntryOutOfRange,
    /// WONT_DO needs a reason.
    WontDoNeedsReason,
    /// An action item names the incident it follows up or its postmortem (when both, the
    /// postmortem must be that incident's).
    ActionItemTarget,
    /// The action item is already done.
    AlreadyDone,
    // --- schedules
    /// A layer's daily window starts and ends at the same time (use allDay).
    EmptyWindow,
    /// A layer covers no weekday.
    NoWeekdays,
    /// A person appears twice in a layer.
    DuplicateMember,
    /// A range ends before it starts or is longer than allowed.
    RangeTooLong,
    /// An override overlaps another one on the same layer.
    OverrideOverlap,
    /// The person is not a member of the schedule (overrides by members go to members).
    NotScheduleMember,
    /// A member hands over only time they are on call themselves.
    NotYourShift,
    /// Only responders (and above) go on call: viewers cannot act on a page.
    OnCallNeedsResponder,
    /// No handoff of the layer happens at that instant.
    NotAHandoff,
    /// Only the outgoing on-caller (or a manager) writes the handoff document; only the
    /// incoming one acknowledges it.
    NotHandoffParty,
    /// The handoff document has not been submitted yet.
    HandoffNotSubmitted,
    /// The handoff document was already acknowledged.
    HandoffAcknowledged,
    /// A layer has fewer primary members than the team's minimum rotation size (a warning).
    LayerUnderstaffed,
    // --- paging
    /// The alert is resolved.
    AlertResolved,
    // --- permissions
    /// The caller's role is too low.
    RoleRequired,
    /// Only admins and the team's managers may do this.
    NotTeamManager,
    /// Only admins change other users.
    AdminOnly,
    /// Making a postmortem public takes a manager or an admin.
    PublicNeedsManager,
    // --- concurrency
    /// The object changed since the version the change was made against.
    StaleVersion,
    /// A name or key is already taken.
    AlreadyExists,
    /// Another change to the same object won: reload and try again.
    ConcurrentChange,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use strum::IntoEnumIterator;

    #[test]
    fn names_are_screaming_snake_case_and_unique() {
        assert_eq!(
            Reason::CommanderIsTechLead.as_str(),
            "COMMANDER_IS_TECH_LEAD"
        );
        let names: std::collections::HashSet<_> = Reason::iter().map(Reason::as_str).collect();
        assert_eq!(names.len(), Reason::iter().count());
    }
}
