//! Lead assignment: tag vectors, their affinity, and the exact
//! capacity-bounded assignment of leads to sales advisors.

pub mod affinity;
pub mod assign;
pub mod auction;
pub mod tags;
