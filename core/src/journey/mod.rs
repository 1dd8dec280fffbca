//! The customer journey: lifecycle stages, funnels and retention over one
//! person's events.

pub mod funnel;
pub mod lifecycle;
pub mod retention;
