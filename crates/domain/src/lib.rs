//! Gridline's rules, with no I/O: tickets and their lifecycle, the three-ones, grids with
//! their five-ones, roles and who may do what, the working-day calendar and deadlines.
//!
//! Everything here is a pure function of its arguments. Time comes in as an argument
//! (`now`), never from the clock; the calendar comes in as data.

#[macro_use]
pub mod kinds;
pub mod appraisal;
pub mod attachment;
pub mod calendar;
pub mod chat;
pub mod credit_code;
pub mod digest;
pub mod error;
pub mod handover;
pub mod ids;
pub mod notice;
pub mod org;
pub mod permission;
pub mod policy;
pub mod project;
pub mod register;
pub mod search;
pub mod sla;
pub mod text;
pub mod ticket;
pub mod visit;

pub use calendar::{CalendarError, CalendarYear, WorkCalendar, WorkingHours};
pub use credit_code::{CreditCode, CreditCodeError};
pub use error::DomainError;
pub use ids::{DepartmentId, EnterpriseId, GridId, TaskForceId, TicketId, UserId};
pub use org::{Actor, Cluster, FiveOnes, Role, UserFacts};
pub use permission::Scope;
pub use sla::{SlaPolicy, SlaTargets};
pub use ticket::{
    ActionKind, Category, Command, Context, Event, EventKind, Priority, ReturnReason, Satisfaction,
    Status, ThreeOnes, Ticket, decide,
};
pub use ticket::{Closure, DuplicateTarget, PauseCode};
