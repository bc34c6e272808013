//! The one error type the rules return. The API maps each variant to one HTTP status.

use crate::kinds::{ActionKind, Status};

/// Why a command was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// The actor may not see the ticket: reported as "not found" so existence is not leaked.
    #[error("ticket not found")]
    NotVisible,
    /// The actor sees the ticket but their role (or relation to it) does not allow the action.
    #[error("your role may not {action} this ticket")]
    Forbidden { action: ActionKind },
    /// Someone changed the ticket since the caller read it.
    #[error("the ticket is at version {actual}, not {expected}")]
    StaleVersion { expected: i64, actual: i64 },
    /// The action is not allowed in the ticket's current state.
    #[error("cannot {action} a ticket that is {status}")]
    InvalidTransition { action: ActionKind, status: Status },
    /// The person still holds open tickets or grid seats: someone must take them over first.
    #[error("{}", .0.describe())]
    HandoverNeeded(crate::handover::Holdings),
    /// A value in the command breaks a rule. `field` names the input, `code` is stable.
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        code: &'static str,
        message: String,
    },
}

impl DomainError {
    /// Shorthand for [`DomainError::Invalid`].
    pub fn invalid(field: &'static str, code: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid {
            field,
            code,
            message: message.into(),
        }
    }
}
