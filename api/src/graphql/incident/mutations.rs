//! Declaring, working and resolving incidents: one input and one payload per mutation.

use super::*;

#[derive(InputObject)]
pub struct DeclareIncidentInput {
    pub title: String,
    /// Required: there is no default severity.
    pub severity: Severity,
    pub description: Option<String>,
    /// Shown on the status page instead of the title.
    pub public_title: Option<String>,
    pub service_id: Option<ID>,
    /// Defaults to the service's team.
    pub team_id: Option<ID>,
    /// Defaults to `detectedAt`.
    pub started_at: Option<DateTime<Utc>>,
    /// Defaults to now.
    pub detected_at: Option<DateTime<Utc>>,
    #[graphql(default = false)]
    pub customer_impact: bool,
    /// Security incidents: visible only to those involved, managers and admins.
    #[graphql(default = false)]
    pub restricted: bool,
    /// Defaults to the declaring user.
    pub commander_id: Option<ID>,
    /// The same key from the same caller within 24 h returns the first incident.
    pub idempotency_key: Option<String>,
    /// How it came to light (alert, customer report, …); UNKNOWN when not said.
    #[graphql(default)]
    pub detection_source: DetectionSource,
}

#[derive(InputObject)]
pub struct UpdateIncidentInput {
    pub incident_id: ID,
    pub title: Option<String>,
    pub public_title: MaybeUndefined<String>,
    pub description: MaybeUndefined<String>,
    pub service_id: MaybeUndefined<ID>,
    pub team_id: MaybeUndefined<ID>,
    pub customer_impact: Option<bool>,
    /// A correction, logged in the timeline.
    pub started_at: Option<DateTime<Utc>>,
    /// A correction, logged in the timeline.
    pub detected_at: Option<DateTime<Utc>>,
    pub detection_source: Option<DetectionSource>,
}

#[derive(InputObject)]
pub struct IncidentIdInput {
    pub incident_id: ID,
    /// When it happened, if earlier than now (the button is pressed late): never in the
    /// future, never before the phase it follows. Used by acknowledgeIncident and
    /// markMitigated.
    pub at: Option<DateTime<Utc>>,
}

/// Corrections of when things happened, afterwards (also once resolved); each changed
/// instant is logged with before and after.
#[derive(InputObject)]
pub struct CorrectIncidentTimesInput {
    pub incident_id: ID,
    pub started_at: Option<DateTime<Utc>>,
    pub detected_at: Option<DateTime<Utc>>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub mitigated_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
}

#[derive(InputObject)]
pub struct ChangeSeverityInput {
    pub incident_id: ID,
    pub severity: Severity,
    pub reason: String,
}

#[derive(InputObject)]
pub struct AssignRoleInput {
    pub incident_id: ID,
    pub role: IncidentRole,
    pub user_id: ID,
    /// Set to call out explicitly that the Incident Commander is also the Technical Lead.
    #[graphql(default = false)]
    pub acknowledge_commander_is_tech_lead: bool,
}

#[derive(InputObject)]
pub struct RemoveRoleInput {
    pub incident_id: ID,
    /// Any role but COMMANDER (the Incident Commander is reassigned, never removed).
    pub role: IncidentRole,
}

#[derive(InputObject)]
pub struct PostUpdateInput {
    pub incident_id: ID,
    pub message: String,
    pub status: IncidentStatus,
    /// Public updates appear on the status page (customer-facing incidents only).
    #[graphql(default = false)]
    pub public: bool,
    /// What happens next ("Rolling back deploy 4411; then watching error rates").
    pub next_steps: Option<String>,
    /// Estimated time to resolution: kept on the incident until changed; `null` withdraws
    /// it; every change is logged.
    pub eta: MaybeUndefined<DateTime<Utc>>,
}

/// What a person logs by hand.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum LogEventKind {
    Decision,
    ActionTaken,
    Note,
}

#[derive(InputObject)]
pub struct LogEventInput {
    pub incident_id: ID,
    pub kind: LogEventKind,
    pub message: String,
}

#[derive(InputObject)]
pub struct ResolveIncidentInput {
    pub incident_id: ID,
    /// What fixed it.
    pub summary: String,
    #[graphql(default = false)]
    pub false_alarm: bool,
    /// When service was restored, if earlier than now; never in the future, never before
    /// detection, acknowledgement or mitigation.
    pub resolved_at: Option<DateTime<Utc>>,
}

#[derive(InputObject)]
pub struct ReopenIncidentInput {
    pub incident_id: ID,
    pub reason: String,
}

#[derive(InputObject)]
pub struct MarkDuplicateInput {
    pub incident_id: ID,
    pub of_incident_id: ID,
}

#[derive(InputObject)]
pub struct LinkRecurrenceInput {
    pub incident_id: ID,
    pub earlier_incident_id: ID,
}

#[derive(InputObject)]
pub struct AddIncidentParticipantInput {
    pub incident_id: ID,
    pub user_id: ID,
}

#[derive(SimpleObject)]
pub struct IncidentPayload {
    pub incident: Incident,
    /// Things worth knowing that did not stop the change (declare, don't debate).
    pub warnings: Vec<IncidentWarning>,
}

/// A warning's stable code.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "scheduler::domain::severity::DeclarationWarning")]
pub enum WarningCode {
    /// The severity's policy asks to tell customers, but `customerImpact` is false.
    CustomerCommsWithoutImpact,
}

#[derive(SimpleObject)]
pub struct IncidentWarning {
    pub code: WarningCode,
    pub message: String,
}

#[derive(SimpleObject)]
pub struct PostUpdatePayload {
    pub incident: Incident,
    pub update: StatusUpdate,
}

fn payload(row: incident::Model) -> IncidentPayload {
    IncidentPayload {
        incident: Incident(row),
        warnings: vec![],
    }
}

#[derive(Default)]
pub struct IncidentMutation;

/// Responders and above; restricted incidents only for those who can see them.
#[Object]
impl IncidentMutation {
    /// Declares an incident in one call: a title and a severity are enough.
    async fn declare_incident(
        &self,
        ctx: &Context<'_>,
        input: DeclareIncidentInput,
    ) -> Result<IncidentPayload> {
        let row = incidents::declare(
            service_ctx(ctx),
            Declare {
                title: input.title,
                severity: Some(input.severity),
                public_title: input.public_title,
                description: input.description,
                service_id: input.service_id.map(|i| i.0),
                team_id: input.team_id.map(|i| i.0),
                started_at: input.started_at,
                detected_at: input.detected_at,
                customer_impact: input.customer_impact,
                restricted: input.restricted,
                commander_id: input.commander_id.map(|i| i.0),
                idempotency_key: input.idempotency_key,
                detection_source: input.detection_source,
                from_alert: None,
            },
        )
        .await?;
        // The warnings read the severity's policy: only when they are asked for.
        let warnings = if ctx.look_ahead().field("warnings").exists() {
            incidents::declaration_warnings(service_ctx(ctx), &row)
                .await?
                .into_iter()
                .map(|(code, message)| IncidentWarning {
                    code: code.into(),
                    message,
                })
                .collect()
        } else {
            Vec::new()
        };
        Ok(IncidentPayload {
            incident: Incident(row),
            warnings,
        })
    }

    async fn update_incident(
        &self,
        ctx: &Context<'_>,
        input: UpdateIncidentInput,
    ) -> Result<IncidentPayload> {
        let changes = Changes {
            title: input.title,
            public_title: change(input.public_title, |v| v),
            description: change(input.description, |v| v),
            service_id: change(input.service_id, |v| v.0),
            team_id: change(input.team_id, |v| v.0),
            customer_impact: input.customer_impact,
            started_at: input.started_at,
            detected_at: input.detected_at,
            detection_source: input.detection_source,
        };
        Ok(payload(
            incidents::update(service_ctx(ctx), &input.incident_id, changes).await?,
        ))
    }

    /// Sets acknowledged-at, once.
    async fn acknowledge_incident(
        &self,
        ctx: &Context<'_>,
        input: IncidentIdInput,
    ) -> Result<IncidentPayload> {
        Ok(payload(
            incidents::acknowledge(service_ctx(ctx), &input.incident_id, input.at).await?,
        ))
    }

    async fn change_severity(
        &self,
        ctx: &Context<'_>,
        input: ChangeSeverityInput,
    ) -> Result<IncidentPayload> {
        Ok(payload(
            incidents::change_severity(
                service_ctx(ctx),
                &input.incident_id,
                input.severity,
                &input.reason,
            )
            .await?,
        ))
    }

    async fn assign_role(
        &self,
        ctx: &Context<'_>,
        input: AssignRoleInput,
    ) -> Result<IncidentPayload> {
        Ok(payload(
            incidents::assign_role(
                service_ctx(ctx),
                &input.incident_id,
                input.role,
                &input.user_id,
                input.acknowledge_commander_is_tech_lead,
            )
            .await?,
        ))
    }

    /// Removes a role's holder; logged.
    async fn remove_role(
        &self,
        ctx: &Context<'_>,
        input: RemoveRoleInput,
    ) -> Result<IncidentPayload> {
        Ok(payload(
            incidents::remove_role(service_ctx(ctx), &input.incident_id, input.role).await?,
        ))
    }

    /// Posts a status update and sets the next-update deadline from the severity's cadence.
    async fn post_update(
        &self,
        ctx: &Context<'_>,
        input: PostUpdateInput,
    ) -> Result<PostUpdatePayload> {
        let (row, update) = incidents::post_update(
            service_ctx(ctx),
            &input.incident_id,
            incidents::NewUpdate {
                message: input.message,
                status: Some(input.status),
                public: input.public,
                next_steps: input.next_steps,
                eta: change(input.eta, |v| v),
            },
        )
        .await?;
        Ok(PostUpdatePayload {
            incident: Incident(row),
            update: StatusUpdate(update),
        })
    }

    /// Logs a decision, an action taken or a note in the timeline.
    async fn log_event(&self, ctx: &Context<'_>, input: LogEventInput) -> Result<IncidentPayload> {
        let kind = match input.kind {
            LogEventKind::Decision => TimelineKind::Decision,
            LogEventKind::ActionTaken => TimelineKind::ActionTaken,
            LogEventKind::Note => TimelineKind::Note,
        };
        Ok(payload(
            incidents::log_event(service_ctx(ctx), &input.incident_id, kind, &input.message)
                .await?,
        ))
    }

    /// Sets mitigated-at and the status MONITORING.
    async fn mark_mitigated(
        &self,
        ctx: &Context<'_>,
        input: IncidentIdInput,
    ) -> Result<IncidentPayload> {
        Ok(payload(
            incidents::mark_mitigated(service_ctx(ctx), &input.incident_id, input.at).await?,
        ))
    }

    /// The only way to RESOLVED.
    async fn resolve_incident(
        &self,
        ctx: &Context<'_>,
        input: ResolveIncidentInput,
    ) -> Result<IncidentPayload> {
        Ok(payload(
            incidents::resolve(
                service_ctx(ctx),
                &input.incident_id,
                &input.summary,
                input.false_alarm,
                input.resolved_at,
            )
            .await?,
        ))
    }

    /// Corrects when things happened (any state, resolved included); logged.
    async fn correct_incident_times(
        &self,
        ctx: &Context<'_>,
        input: CorrectIncidentTimesInput,
    ) -> Result<IncidentPayload> {
        Ok(payload(
            incidents::correct_times(
                service_ctx(ctx),
                &input.incident_id,
                incidents::TimeCorrections {
                    started_at: input.started_at,
                    detected_at: input.detected_at,
                    acknowledged_at: input.acknowledged_at,
                    mitigated_at: input.mitigated_at,
                    resolved_at: input.resolved_at,
                },
            )
            .await?,
        ))
    }

    /// Back to INVESTIGATING, with a reason.
    async fn reopen_incident(
        &self,
        ctx: &Context<'_>,
        input: ReopenIncidentInput,
    ) -> Result<IncidentPayload> {
        Ok(payload(
            incidents::reopen(service_ctx(ctx), &input.incident_id, &input.reason).await?,
        ))
    }

    /// Closes this incident as a duplicate of an earlier one.
    async fn mark_duplicate(
        &self,
        ctx: &Context<'_>,
        input: MarkDuplicateInput,
    ) -> Result<IncidentPayload> {
        Ok(payload(
            incidents::mark_duplicate(service_ctx(ctx), &input.incident_id, &input.of_incident_id)
                .await?,
        ))
    }

    /// Links this incident to an earlier one it repeats.
    async fn link_recurrence(
        &self,
        ctx: &Context<'_>,
        input: LinkRecurrenceInput,
    ) -> Result<IncidentPayload> {
        Ok(payload(
            incidents::link_recurrence(
                service_ctx(ctx),
                &input.incident_id,
                &input.earlier_incident_id,
            )
            .await?,
        ))
    }

    /// Adds a person to the incident; for a restricted one, this lets them see it.
    async fn add_incident_participant(
        &self,
        ctx: &Context<'_>,
        input: AddIncidentParticipantInput,
    ) -> Result<IncidentPayload> {
        Ok(payload(
            incidents::add_participant(service_ctx(ctx), &input.incident_id, &input.user_id)
                .await?,
        ))
    }
}
