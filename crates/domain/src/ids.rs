//! Typed ids, so a department id cannot be passed where a user id is expected.

use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($(#[$doc:meta] $name:ident),* $(,)?) => {$(
        #[$doc]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    )*};
}

id_type!(
    /// A user (any role).
    UserId,
    /// A grid (网格).
    GridId,
    /// A department (部门).
    DepartmentId,
    /// A task force (专班).
    TaskForceId,
    /// An enterprise (企业).
    EnterpriseId,
    /// A ticket (工单).
    TicketId,
);
