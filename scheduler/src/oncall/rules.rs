//! What a schedule must satisfy, checked before anything is stored.

use super::layer::{Layer, Span, Window};
use super::shifts::Override;
use crate::domain::reason::Reason;
use chrono::Duration;
use thiserror::Error;
use uuid::Uuid;

/// Longest rotation, in days.
pub const MAX_ROTATION_DAYS: u32 = 90;
/// Most members in one layer.
pub const MAX_MEMBERS: usize = 50;
/// Most layers in one schedule.
pub const MAX_LAYERS: usize = 10;
/// Longest range `shifts`, `coverage`, `handoffs` and `myShifts` answer for, in days.
pub const MAX_RANGE_DAYS: i64 = 93;
/// Longest override, in days.
pub const MAX_OVERRIDE_DAYS: i64 = 93;
/// The team setting's default: fewer primaries than this and a layer is understaffed.
pub const DEFAULT_MIN_ROTATION: i32 = 4;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ScheduleError {
    #[error("rotationDays must be between 1 and {MAX_ROTATION_DAYS}")]
    RotationLength,
    #[error("a window's start and end must differ (use allDay for the whole day)")]
    EmptyWindow,
    #[error("a layer covers at least one weekday")]
    NoWeekdays,
    #[error("a person appears once in a layer")]
    DuplicateMember,
    #[error("a layer has at most {MAX_MEMBERS} members")]
    TooManyMembers,
    #[error("a schedule has at most {MAX_LAYERS} layers")]
    TooManyLayers,
    #[error("the range must end after it starts and span at most {0} days")]
    Range(i64),
    #[error("this override overlaps another one on the same layer")]
    OverrideOverlap(Uuid),
}

impl ScheduleError {
    pub fn reason(&self) -> Reason {
        match self {
            ScheduleError::RotationLength | ScheduleError::TooManyMembers => {
                Reason::ValueOutOfRange
            }
            ScheduleError::TooManyLayers => Reason::ValueOutOfRange,
            ScheduleError::EmptyWindow => Reason::EmptyWindow,
            ScheduleError::NoWeekdays => Reason::NoWeekdays,
            ScheduleError::DuplicateMember => Reason::DuplicateMember,
            ScheduleError::Range(_) => Reason::RangeTooLong,
            ScheduleError::OverrideOverlap(_) => Reason::OverrideOverlap,
        }
    }

    /// Whether the refusal is about the state of stored data (CONFLICT) rather than the
    /// input alone.
    pub fn is_conflict(&self) -> bool {
        matches!(self, ScheduleError::OverrideOverlap(_))
    }
}

/// A layer's settings, members included.
pub fn check_layer(layer: &Layer) -> Result<(), ScheduleError> {
    if !(1..=MAX_ROTATION_DAYS).contains(&layer.rotation_days) {
        return Err(ScheduleError::RotationLength);
    }
    if let Window::Daily { start, end } = layer.window
        && start == end
    {
        return Err(ScheduleError::EmptyWindow);
    }
    if layer.weekdays.0 & 0x7f == 0 {
        return Err(ScheduleError::NoWeekdays);
    }
    if layer.members.len() > MAX_MEMBERS {
        return Err(ScheduleError::TooManyMembers);
    }
    let mut users: Vec<Uuid> = layer.members.iter().map(|m| m.user).collect();
    users.sort();
    users.dedup();
    if users.len() != layer.members.len() {
        return Err(ScheduleError::DuplicateMember);
    }
    Ok(())
}

/// A queried range: ends after it starts, at most `max_days` long.
pub fn check_range(range: Span, max_days: i64) -> Result<(), ScheduleError> {
    if range.end <= range.start || range.duration() > Duration::days(max_days) {
        return Err(ScheduleError::Range(max_days));
    }
    Ok(())
}

/// A new override against the schedule's others: two overrides overlap on a layer when
/// their spans overlap and they share the layer (one for the whole schedule shares all).
pub fn check_override(new: &Override, others: &[Override]) -> Result<(), ScheduleError> {
    check_range(new.span, MAX_OVERRIDE_DAYS)?;
    let clash = others.iter().find(|o| {
        o.id != new.id
            && o.span.overlaps(&new.span)
            && (o.layer.is_none() || new.layer.is_none() || o.layer == new.layer)
    });
    match clash {
        Some(o) => Err(ScheduleError::OverrideOverlap(o.id)),
        None => Ok(()),
    }
}

/// Whether `spans` together cover all of `span` (touching spans join).
pub fn covers(spans: &[Span], span: Span) -> bool {
    let mut sorted: Vec<Span> = spans.to_vec();
    sorted.sort();
    let mut reached = span.start;
    for s in sorted {
        if s.start > reached {
            break;
        }
        reached = reached.max(s.end);
        if reached >= span.end {
            return true;
        }
    }
    reached >= span.end
}

/// Whether a layer has fewer primaries than the team's minimum rotation size: too few
/// people share the load (the seeds' "at least four people per rotation").
pub fn understaffed(layer: &Layer, min_rotation: i32) -> bool {
    (layer.primaries().len() as i64) < i64::from(min_rotation)
}
