//! The on-call scheduler and the pure core shared with the API.
//!
//! `clock` is the one place that reads the system time; everything in `domain` is a plain
//! function of data and `now`, with no database and no async, so it is tested in milliseconds.

pub mod clock;
pub mod domain;
pub mod due;
pub mod oncall;
pub mod paging;
