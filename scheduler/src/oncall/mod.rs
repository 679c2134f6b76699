//! On-call schedules as pure functions of (layers, overrides, instant or range): shifts,
//! who is on call, handoffs and coverage. Time zones come from chrono-tz; there is no
//! database and no clock here.

pub mod coverage;
pub mod layer;
pub mod local;
pub mod rules;
pub mod shifts;

pub use layer::{Clock, Layer, Member, Span, Weekdays, Window};
pub use shifts::{Handoff, OnCall, Override, Shift};
