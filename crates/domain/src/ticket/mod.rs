//! Tickets (工单): states, commands, events, and the transition function.
//!
//! [`decide`] is a pure function of (ticket, actor, command, context) that returns the events
//! a command produces, or why it is refused. [`Ticket::apply`] folds an event into the
//! ticket. [`execute`] does both and bumps the version once per command.

mod cohandling;
mod command;
mod decide;
mod events;
mod filing;
mod handling;
mod model;
mod routing;
mod similar;

pub use crate::kinds::{
    ActionKind, Category, Closure, DissatisfactionCause, FollowUpMethod, PauseCode, Priority,
    ReturnCode, Satisfaction, Status,
};
pub use cohandling::awaited_department;
pub use command::{
    Command, Context, DispatchOrder, DuplicateTarget, FollowUpCall, MAX_EXTENSION_DAYS,
    MAX_PAUSE_DAYS,
};
pub use decide::{allowed_from, available_actions, check_dispatch, decide, execute};
pub use events::{Event, EventKind, Handover};
pub use filing::{NewTicket, file};
pub use model::{
    CoHandler, Pause, PendingExtension, PendingPause, ReturnReason, ThreeOnes, Ticket,
};
pub use similar::{
    Candidate, DUPLICATE_WINDOW_DAYS, Suggestion, possible_duplicates, title_similarity,
};
