//! Message templates teams write themselves (organization-wide, or per team), rendered with
//! a well-kept template engine (minijinja) over a fixed, documented set of variables. A
//! template is checked when it is saved: its syntax, that it uses only the variables its
//! kind offers (customer templates get no internal names, titles or channels), and that it
//! renders within a fuel budget on sample data. Rendering is strict (an undefined variable
//! is an error, not an empty string) and bounded by the same fuel.

use crate::domain::templates::{Facts, human_duration};
use chrono::{DateTime, Utc};
use minijinja::{Environment, UndefinedBehavior, Value};
use std::collections::BTreeMap;
use thiserror::Error;

/// Which message a template writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TemplateKind {
    InternalInitial,
    InternalUpdate,
    InternalResolution,
    CustomerInitial,
    CustomerResolution,
}

impl TemplateKind {
    pub const ALL: [TemplateKind; 5] = [
        TemplateKind::InternalInitial,
        TemplateKind::InternalUpdate,
        TemplateKind::InternalResolution,
        TemplateKind::CustomerInitial,
        TemplateKind::CustomerResolution,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            TemplateKind::InternalInitial => "internal_initial",
            TemplateKind::InternalUpdate => "internal_update",
            TemplateKind::InternalResolution => "internal_resolution",
            TemplateKind::CustomerInitial => "customer_initial",
            TemplateKind::CustomerResolution => "customer_resolution",
        }
    }

    pub fn parse(s: &str) -> Option<TemplateKind> {
        TemplateKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn is_customer(self) -> bool {
        matches!(
            self,
            TemplateKind::CustomerInitial | TemplateKind::CustomerResolution
        )
    }

    /// The variables a template of this kind may use.
    pub fn variables(self) -> &'static [&'static str] {
        if self.is_customer() {
            CUSTOMER_VARIABLES
        } else {
            INTERNAL_VARIABLES
        }
    }
}

/// What internal templates may use (instants are UTC strings, `actions_taken` a list).
pub const INTERNAL_VARIABLES: &[&str] = &[
    "title",
    "severity",
    "status",
    "commander",
    "channel",
    "description",
    "service",
    "started_at",
    "resolved_at",
    "duration",
    "next_update_due",
    "actions_taken",
    "latest_update",
    "next_steps",
    "eta",
    "resolution_summary",
    "postmortem_due",
    "false_alarm",
];

/// What customer templates may use: nothing internal (no title, names, channel).
pub const CUSTOMER_VARIABLES: &[&str] = &[
    "public_title",
    "service",
    "status",
    "impact",
    "started_at",
    "resolved_at",
    "duration",
    "next_update_due",
    "latest_public_update",
    "false_alarm",
];

/// Longest template accepted, in characters.
pub const MAX_TEMPLATE: usize = 5_000;

/// The work one rendering may do (minijinja's fuel: roughly one unit per instruction).
pub const FUEL: u64 = 20_000;

/// Why a template is refused, and where.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{}{message}", line.map(|l| format!("line {l}: ")).unwrap_or_default())]
pub struct TemplateError {
    pub line: Option<usize>,
    pub message: String,
}

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_fuel(Some(FUEL));
    env
}

fn engine_error(e: &minijinja::Error) -> TemplateError {
    TemplateError {
        line: e.line(),
        message: match (e.kind(), e.detail()) {
            (minijinja::ErrorKind::OutOfFuel, _) => {
                "the template does too much work (out of fuel): loop less".to_owned()
            }
            (kind, None) => kind.to_string(),
            (kind, Some(detail)) => format!("{kind}: {detail}"),
        },
    }
}

/// Checks a template before it is saved.
pub fn validate(kind: TemplateKind, body: &str) -> Result<(), TemplateError> {
    if body.chars().count() > MAX_TEMPLATE {
        return Err(TemplateError {
            line: None,
            message: format!("a template has at most {MAX_TEMPLATE} characters"),
        });
    }
    let env = environment();
    let template = env.template_from_str(body).map_err(|e| engine_error(&e))?;
    let globals: Vec<&str> = env.globals().map(|(name, _)| name).collect();
    let mut unknown: Vec<String> = template
        .undeclared_variables(false)
        .into_iter()
        .filter(|v| !kind.variables().contains(&v.as_str()) && !globals.contains(&v.as_str()))
        .collect();
    unknown.sort();
    if let Some(first) = unknown.first() {
        let line = body
            .lines()
            .position(|l| l.contains(first.as_str()))
            .map(|i| i + 1);
        return Err(TemplateError {
            line,
            message: format!(
                "unknown variable `{first}` (a {} template may use: {})",
                kind.as_str(),
                kind.variables().join(", ")
            ),
        });
    }
    template
        .render(sample(kind))
        .map(|_| ())
        .map_err(|e| engine_error(&e))
}

/// Renders a (validated) template with an incident's facts.
pub fn render(kind: TemplateKind, body: &str, facts: &Facts<'_>) -> Result<String, TemplateError> {
    let env = environment();
    let template = env.template_from_str(body).map_err(|e| engine_error(&e))?;
    template
        .render(variables(kind, facts))
        .map_err(|e| engine_error(&e))
}

fn utc(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

fn opt(v: Option<String>) -> Value {
    v.map_or(Value::from(()), Value::from)
}

/// The variables of `kind`, from an incident's facts (customer kinds get only theirs).
pub fn variables(kind: TemplateKind, f: &Facts<'_>) -> Value {
    let mut m: BTreeMap<&str, Value> = BTreeMap::new();
    let duration = f.resolved_at.map(|r| human_duration(r - f.started_at));
    m.insert("service", opt(f.public_service.map(str::to_owned)));
    m.insert("status", Value::from(f.status.as_str()));
    m.insert("started_at", Value::from(utc(f.started_at)));
    m.insert("resolved_at", opt(f.resolved_at.map(utc)));
    m.insert("duration", opt(duration));
    m.insert("next_update_due", opt(f.next_update_due.map(utc)));
    m.insert("false_alarm", Value::from(f.false_alarm));
    if kind.is_customer() {
        m.insert("public_title", opt(f.public_title.map(str::to_owned)));
        m.insert(
            "impact",
            Value::from(match f.severity {
                entity::Severity::Sev1 => "High",
                entity::Severity::Sev2 => "Medium",
                _ => "Low",
            }),
        );
        m.insert(
            "latest_public_update",
            opt(f.latest_public_update.map(str::to_owned)),
        );
    } else {
        m.insert("title", Value::from(f.title));
        m.insert("severity", Value::from(f.severity.as_str()));
        m.insert("commander", opt(f.commander.map(str::to_owned)));
        m.insert("channel", opt(f.channel.map(str::to_owned)));
        m.insert("description", opt(f.description.map(str::to_owned)));
        m.insert(
            "actions_taken",
            Value::from(
                f.actions_taken
                    .iter()
                    .map(|a| Value::from(*a))
                    .collect::<Vec<_>>(),
            ),
        );
        m.insert(
            "latest_update",
            opt(f.latest_update.map(|u| u.message.to_owned())),
        );
        m.insert(
            "next_steps",
            opt(f
                .latest_update
                .and_then(|u| u.next_steps)
                .map(str::to_owned)),
        );
        m.insert("eta", opt(f.eta.map(utc)));
        m.insert(
            "resolution_summary",
            opt(f.resolution_summary.map(str::to_owned)),
        );
        m.insert("postmortem_due", opt(f.postmortem_due.map(utc)));
    }
    Value::from(m)
}

/// Sample values for a check render at save time.
fn sample(kind: TemplateKind) -> Value {
    let started = DateTime::<Utc>::UNIX_EPOCH + chrono::Duration::days(20_000);
    let facts = Facts {
        title: "Payments failing",
        public_title: Some("Payments"),
        description: Some("Card payments fail"),
        severity: entity::Severity::Sev1,
        status: entity::IncidentStatus::Identified,
        commander: Some("Ada"),
        channel: Some("#inc-2024-10-04-payments-failing"),
        public_service: Some("Checkout"),
        latest_public_update: Some("We are on it."),
        started_at: started,
        resolved_at: Some(started + chrono::Duration::minutes(50)),
        next_update_due: Some(started + chrono::Duration::minutes(15)),
        actions_taken: vec!["Rolled back"],
        latest_update: None,
        eta: Some(started + chrono::Duration::hours(1)),
        resolution_summary: Some("Rolled back"),
        postmortem_due: Some(started + chrono::Duration::hours(48)),
        customer_impact: true,
        false_alarm: false,
    };
    variables(kind, &facts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_are_checked_on_save() {
        let k = TemplateKind::InternalUpdate;
        assert!(
            validate(
                k,
                "{{ title }} is {{ status }}{% for a in actions_taken %}\n- {{ a }}{% endfor %}"
            )
            .is_ok()
        );
        let e = validate(k, "Update\n{{ titel }}").unwrap_err();
        assert_eq!(e.line, Some(2));
        assert!(e.message.contains("unknown variable `titel`"), "{e}");
        let e = validate(
            TemplateKind::CustomerInitial,
            "Hi\n\n{{ commander }} is on it",
        )
        .unwrap_err();
        assert_eq!(e.line, Some(3));
        let e = validate(k, "line one\n{% if title %}unclosed").unwrap_err();
        assert!(e.line.is_some(), "{e}");
        let e = validate(k, "{% for i in range(100000) %}{{ i }}{% endfor %}").unwrap_err();
        assert!(e.to_string().contains("fuel"), "{e}");
    }
}
