//! The store's one error type. Database errors are mapped here and nowhere else.

use gridline_domain::DomainError;
use sea_orm::{DbErr, RuntimeErr, SqlErr};

/// Why a storage operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row does not exist (the name says which kind).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The rules refused the command.
    #[error(transparent)]
    Domain(#[from] DomainError),
    /// A unique value is taken.
    #[error("{message}")]
    Conflict {
        code: &'static str,
        message: &'static str,
    },
    /// The command names something that does not exist or does not fit.
    #[error("{message}")]
    Invalid {
        field: &'static str,
        code: &'static str,
        message: String,
    },
    /// The database cannot be reached or no connection is free.
    #[error("database unavailable")]
    Unavailable(#[source] DbErr),
    /// Anything else from the database: logged, never shown.
    #[error("database error")]
    Db(#[source] DbErr),
    /// A stored value the code cannot read.
    #[error("unreadable stored value: {0}")]
    Corrupt(String),
}

impl StoreError {
    /// Shorthand for [`StoreError::Invalid`].
    pub fn invalid(field: &'static str, code: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid {
            field,
            code,
            message: message.into(),
        }
    }

    /// For a lookup of a command's field: a missing row is invalid input on that field; any
    /// other failure (the database gone) stays what it is, never disguised as bad input.
    pub fn missing_is_invalid(
        self,
        field: &'static str,
        code: &'static str,
        message: &'static str,
    ) -> Self {
        match self {
            Self::NotFound(_) => Self::invalid(field, code, message),
            other => other,
        }
    }
}

/// Stable codes for unique constraints, found by the column or index the database names.
const UNIQUE: &[(&str, &str, &str)] = &[
    (
        "username",
        "username_taken",
        "this username is taken / 用户名已存在",
    ),
    (
        "credit_code",
        "credit_code_taken",
        "an enterprise with this credit code exists / 该统一社会信用代码已登记",
    ),
    (
        "idempotency",
        "idempotency_conflict",
        "duplicate idempotency key / 重复的幂等键",
    ),
    (
        "departments",
        "name_taken",
        "a department with this name exists / 部门名称已存在",
    ),
    (
        "task_forces",
        "name_taken",
        "a task force with this name exists / 专班名称已存在",
    ),
    (
        "grids",
        "name_taken",
        "a grid with this name exists / 网格名称已存在",
    ),
    (
        "bulletins",
        "already_published",
        "the bulletin of this period is already published / 该期通报已发布",
    ),
];

/// Whether an error says the database is out of reach or cannot take writes now — not that
/// the statement was wrong: the connection was lost or refused (PostgreSQL restarted, its
/// backends terminated), the server is shutting down or starting, the disk is full, the
/// database is read-only or busy. Those are answered 503 with `Retry-After`, and the
/// transaction they broke was rolled back, so nothing was half-written.
fn outage(e: &DbErr) -> bool {
    use sea_orm::sqlx::Error as Sqlx;
    let (DbErr::Conn(RuntimeErr::SqlxError(x))
    | DbErr::Exec(RuntimeErr::SqlxError(x))
    | DbErr::Query(RuntimeErr::SqlxError(x))) = e
    else {
        return false;
    };
    match &**x {
        Sqlx::Io(_)
        | Sqlx::Tls(_)
        | Sqlx::Protocol(_)
        | Sqlx::PoolTimedOut
        | Sqlx::PoolClosed
        | Sqlx::WorkerCrashed => true,
        Sqlx::Database(db) => {
            let code = db.code().unwrap_or_default();
            if code.len() == 5 {
                // PostgreSQL's SQLSTATE: connection exceptions (08…), operator intervention
                // (57P01 terminated, 57P03 starting up), insufficient resources (53100 disk
                // full), a read-only transaction (25006).
                code.starts_with("08")
                    || code.starts_with("57P")
                    || code.starts_with("53")
                    || code == "25006"
            } else {
                sqlite_outage(&code)
            }
        }
        _ => false,
    }
}

/// SQLite's primary result codes (the low byte of an extended one) that mean the file
/// cannot take the write now: BUSY 5, LOCKED 6, READONLY 8, IOERR 10, FULL 13, CANTOPEN 14.
fn sqlite_outage(code: &str) -> bool {
    code.parse::<i64>()
        .is_ok_and(|c| matches!(c & 0xff, 5 | 6 | 8 | 10 | 13 | 14))
}

impl From<DbErr> for StoreError {
    fn from(e: DbErr) -> Self {
        match e.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(msg)) => {
                let (code, message) = UNIQUE
                    .iter()
                    .find(|(needle, _, _)| msg.contains(needle))
                    .map(|(_, c, m)| (*c, *m))
                    .unwrap_or(("conflict", "the value is already taken / 该值已存在"));
                return StoreError::Conflict { code, message };
            }
            Some(SqlErr::ForeignKeyConstraintViolation(_)) => {
                return StoreError::invalid(
                    "reference",
                    "unknown_reference",
                    "refers to something that does not exist / 引用的对象不存在",
                );
            }
            _ => {}
        }
        if outage(&e) {
            return StoreError::Unavailable(e);
        }
        match e {
            DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => StoreError::Unavailable(e),
            DbErr::RecordNotFound(_) => StoreError::NotFound("record"),
            other => StoreError::Db(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;
    use std::sync::Arc;

    use sea_orm::{DbErr, RuntimeErr};

    use super::StoreError;

    /// A database's error with a code, as the drivers report them.
    #[derive(Debug)]
    struct Coded(&'static str);

    impl std::fmt::Display for Coded {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "error {}", self.0)
        }
    }

    impl std::error::Error for Coded {}

    impl sea_orm::sqlx::error::DatabaseError for Coded {
        fn message(&self) -> &str {
            self.0
        }
        fn code(&self) -> Option<Cow<'_, str>> {
            Some(Cow::Borrowed(self.0))
        }
        fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
            self
        }
        fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
            self
        }
        fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
            self
        }
        fn kind(&self) -> sea_orm::sqlx::error::ErrorKind {
            sea_orm::sqlx::error::ErrorKind::Other
        }
    }

    fn exec(code: &'static str) -> StoreError {
        let e = sea_orm::sqlx::Error::Database(Box::new(Coded(code)));
        DbErr::Exec(RuntimeErr::SqlxError(Arc::new(e))).into()
    }

    /// The database out of reach or unable to take writes is an outage (503), whatever the
    /// engine says it with; a wrong statement is not. SQLite: BUSY 5, READONLY 8 (and its
    /// extended codes, such as 1032 READONLY_DBMOVED), IOERR 10 (778 IOERR_WRITE), FULL 13,
    /// CANTOPEN 14. PostgreSQL: 57P01 terminated, 57P03 starting, 08006 connection failure,
    /// 53100 disk full, 25006 read-only transaction.
    #[test]
    fn outages_are_told_from_wrong_statements() {
        for code in [
            "5", "8", "1032", "10", "778", "13", "14", "57P01", "57P03", "08006", "53100", "25006",
        ] {
            assert!(matches!(exec(code), StoreError::Unavailable(_)), "{code}");
        }
        for code in ["1", "19", "42P01", "22P02", "23502"] {
            assert!(matches!(exec(code), StoreError::Db(_)), "{code}");
        }
        let io = sea_orm::sqlx::Error::Io(std::io::Error::other("connection reset"));
        let lost: StoreError = DbErr::Query(RuntimeErr::SqlxError(Arc::new(io))).into();
        assert!(matches!(lost, StoreError::Unavailable(_)));
    }

    /// A lookup that failed because the database is gone is not "no such task force".
    #[test]
    fn only_a_missing_row_becomes_invalid_input() {
        let invalid = StoreError::NotFound("task force").missing_is_invalid(
            "task_force_id",
            "unknown_task_force",
            "x",
        );
        assert!(matches!(
            invalid,
            StoreError::Invalid {
                code: "unknown_task_force",
                ..
            }
        ));
        let outage = StoreError::Unavailable(sea_orm::DbErr::Custom("pool timed out".into()))
            .missing_is_invalid("task_force_id", "unknown_task_force", "x");
        assert!(matches!(outage, StoreError::Unavailable(_)));
    }
}
