//! Tickets: the idempotent create, commands as one transaction each, lists and history.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Datelike, Utc};
use futures::TryStreamExt as _;
use gridline_domain::attachment::NewAttachment;
use gridline_domain::calendar::ZONE;
use gridline_domain::text::SearchText;
use gridline_domain::ticket::{NewTicket, PendingExtension};
use gridline_domain::{
    Category, DepartmentId, DomainError, EnterpriseId, Event, GridId, Priority, ReturnReason,
    Satisfaction, Scope, Status, TaskForceId, Ticket, TicketId, UserId,
};
use sea_orm::sea_query::{Expr, LikeExpr, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, DbBackend,
    EntityTrait, NotSet, QueryFilter, QueryOrder, QuerySelect, Set, Statement, TransactionTrait,
};
use serde::{Deserialize, Serialize};

use crate::entity::{attachments, outbox, ticket_co_departments as co, ticket_events, tickets};
use crate::org::like_pattern;
use crate::{Store, StoreError, from_ms, to_ms};

/// A retried create carries the same key; the hash tells a retry from a different request.
#[derive(Debug, Clone)]
pub struct Idempotency {
    pub key: String,
    pub request_hash: String,
}

/// The result of a create: a new ticket, or the one an earlier request with the key made.
#[derive(Debug, Clone)]
pub enum Created {
    New(Ticket),
    Replayed(Ticket),
}

/// One entry of a ticket's history, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    pub id: i64,
    pub ticket_id: TicketId,
    pub actor_id: UserId,
    pub action: String,
    pub from: String,
    pub to: String,
    pub payload: serde_json::Value,
    pub at: DateTime<Utc>,
}

/// Ticket list order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    /// Newest first.
    #[default]
    CreatedAt,
    /// Nearest running deadline first; tickets without one come last.
    Deadline,
}

/// Where the next page starts. Opaque to clients (base64 of a small JSON).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    #[serde(rename = "s")]
    pub sort: Sort,
    /// The sort key of the last row seen (`None`: past the rows without a deadline).
    #[serde(rename = "k")]
    pub key: Option<i64>,
    #[serde(rename = "i")]
    pub id: i64,
}

impl Cursor {
    /// The token handed to clients.
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    /// Reads a token; `None` if it is not one of ours.
    pub fn decode(token: &str) -> Option<Cursor> {
        if token.len() > 200 {
            return None;
        }
        let bytes = URL_SAFE_NO_PAD.decode(token).ok()?;
        serde_json::from_slice(&bytes).ok()
    }
}

/// What the ticket list is narrowed to (on top of what the caller may see).
#[derive(Debug, Clone, Default)]
pub struct TicketFilter {
    pub status: Option<Status>,
    pub department_id: Option<DepartmentId>,
    pub grid_id: Option<GridId>,
    pub enterprise_id: Option<EnterpriseId>,
    pub category: Option<Category>,
    /// Only tickets whose running deadline has passed at `now`.
    pub overdue: bool,
    /// Substring of the title or the description.
    pub q: Option<SearchText>,
    /// Only tickets still being worked (submitted, dispatched, accepted, escalated).
    pub open_only: bool,
    /// Only tickets with an extension request waiting for a leader.
    pub pending_extension: bool,
    pub sort: Sort,
    pub after: Option<Cursor>,
    pub limit: u64,
}

/// An attachment without its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentMeta {
    pub id: i64,
    pub ticket_id: TicketId,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub created_at: DateTime<Utc>,
}

fn hex_sha256(data: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// One page of tickets.
#[derive(Debug, Clone)]
pub struct Page {
    pub items: Vec<Ticket>,
    pub next: Option<Cursor>,
}

fn corrupt(what: &str, v: &str) -> StoreError {
    StoreError::Corrupt(format!("{what}: {v}"))
}

fn parse_json<T: serde::de::DeserializeOwned>(
    s: &Option<String>,
    what: &str,
) -> Result<Option<T>, StoreError> {
    s.as_deref()
        .map(serde_json::from_str)
        .transpose()
        .map_err(|e| corrupt(what, &e.to_string()))
}

fn to_ticket(m: tickets::Model, co_departments: Vec<DepartmentId>) -> Result<Ticket, StoreError> {
    let last_return: Option<ReturnReason> = parse_json(&m.last_return, "last_return")?;
    let pending_extension: Option<PendingExtension> =
        parse_json(&m.pending_extension, "pending_extension")?;
    Ok(Ticket {
        id: TicketId(m.id),
        status: Status::parse(&m.status).ok_or_else(|| corrupt("status", &m.status))?,
        enterprise_id: EnterpriseId(m.enterprise_id),
        grid_id: GridId(m.grid_id),
        category: Category::parse(&m.category).ok_or_else(|| corrupt("category", &m.category))?,
        priority: Priority::parse(&m.priority).ok_or_else(|| corrupt("priority", &m.priority))?,
        satisfaction: match &m.satisfaction {
            Some(s) => Some(Satisfaction::parse(s).ok_or_else(|| corrupt("satisfaction", s))?),
            None => None,
        },
        number: m.number,
        title: m.title,
        description: m.description,
        filed_by: UserId(m.filed_by),
        accountable_leader_id: m.accountable_leader_id.map(UserId),
        department_id: m.department_id.map(DepartmentId),
        responsible_person_id: m.responsible_person_id.map(UserId),
        tracker_id: m.tracker_id.map(UserId),
        task_force_id: m.task_force_id.map(TaskForceId),
        co_department_ids: co_departments,
        response_due_at: m.response_due_at.map(from_ms),
        resolution_due_at: m.resolution_due_at.map(from_ms),
        dispatched_at: m.dispatched_at.map(from_ms),
        accepted_at: m.accepted_at.map(from_ms),
        resolved_at: m.resolved_at.map(from_ms),
        closed_at: m.closed_at.map(from_ms),
        reopen_count: m.reopen_count,
        return_count: m.return_count,
        last_return,
        pending_extension,
        version: m.version,
        created_at: from_ms(m.created_at),
        updated_at: from_ms(m.updated_at),
    })
}

/// Every column the rules may change, from the ticket as it will be stored.
fn changes(t: &Ticket) -> tickets::ActiveModel {
    tickets::ActiveModel {
        id: NotSet,
        number: NotSet,
        enterprise_id: NotSet,
        grid_id: NotSet,
        category: NotSet,
        priority: NotSet,
        title: NotSet,
        description: NotSet,
        filed_by: NotSet,
        created_at: NotSet,
        idempotency_key: NotSet,
        idempotency_hash: NotSet,
        status: Set(t.status.as_str().to_owned()),
        accountable_leader_id: Set(t.accountable_leader_id.map(|u| u.0)),
        department_id: Set(t.department_id.map(|d| d.0)),
        responsible_person_id: Set(t.responsible_person_id.map(|u| u.0)),
        tracker_id: Set(t.tracker_id.map(|u| u.0)),
        task_force_id: Set(t.task_force_id.map(|x| x.0)),
        response_due_at: Set(t.response_due_at.map(to_ms)),
        resolution_due_at: Set(t.resolution_due_at.map(to_ms)),
        next_due_at: Set(t.next_due_at().map(to_ms)),
        dispatched_at: Set(t.dispatched_at.map(to_ms)),
        accepted_at: Set(t.accepted_at.map(to_ms)),
        resolved_at: Set(t.resolved_at.map(to_ms)),
        closed_at: Set(t.closed_at.map(to_ms)),
        reopen_count: Set(t.reopen_count),
        return_count: Set(t.return_count),
        satisfaction: Set(t.satisfaction.map(|s| s.as_str().to_owned())),
        last_return: Set(t
            .last_return
            .as_ref()
            .and_then(|r| serde_json::to_string(r).ok())),
        pending_extension: Set(t
            .pending_extension
            .as_ref()
            .and_then(|p| serde_json::to_string(p).ok())),
        version: Set(t.version),
        updated_at: Set(to_ms(t.updated_at)),
    }
}

/// An event as stored. A payload that is not JSON is corruption, reported as such (never
/// read as an empty payload).
fn stored_event(m: ticket_events::Model) -> Result<StoredEvent, StoreError> {
    let payload = serde_json::from_str(&m.payload)
        .map_err(|e| StoreError::Corrupt(format!("payload of event {}: {e}", m.id)))?;
    Ok(StoredEvent {
        id: m.id,
        ticket_id: TicketId(m.ticket_id),
        actor_id: UserId(m.actor_id),
        action: m.action,
        from: m.from_status,
        to: m.to_status,
        payload,
        at: from_ms(m.created_at),
    })
}

/// Writes events and, for those that notify, their outbox rows.
async fn write_events(
    txn: &DatabaseTransaction,
    ticket: TicketId,
    events: &[Event],
) -> Result<Vec<StoredEvent>, StoreError> {
    let mut out = Vec::with_capacity(events.len());
    for e in events {
        let row = ticket_events::ActiveModel {
            id: NotSet,
            ticket_id: Set(ticket.0),
            actor_id: Set(e.actor.0),
            action: Set(e.kind.action().as_str().to_owned()),
            from_status: Set(e.from.as_str().to_owned()),
            to_status: Set(e.to.as_str().to_owned()),
            payload: Set(e.kind.payload().to_string()),
            created_at: Set(to_ms(e.at)),
        }
        .insert(txn)
        .await?;
        if e.kind.notifies() {
            outbox::ActiveModel {
                id: NotSet,
                ticket_id: Set(Some(ticket.0)),
                event_id: Set(Some(row.id)),
                dedupe_key: Set(None),
                locked_until: Set(None),
                kind: Set(row.action.clone()),
                payload: Set(serde_json::json!({
                    "ticket_id": ticket.0,
                    "event_id": row.id,
                    "action": row.action,
                })
                .to_string()),
                state: Set("pending".to_owned()),
                attempts: Set(0),
                next_attempt_at: Set(to_ms(e.at)),
                last_error: Set(None),
                created_at: Set(to_ms(e.at)),
                sent_at: Set(None),
            }
            .insert(txn)
            .await?;
        }
        out.push(stored_event(row)?);
    }
    Ok(out)
}

/// The next ticket number of a year: `GL-2026-000123`.
async fn next_number(txn: &DatabaseTransaction, year: i32) -> Result<String, StoreError> {
    let backend = txn.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => {
            "INSERT INTO ticket_counters (year, last) VALUES ($1, 1) \
             ON CONFLICT (year) DO UPDATE SET last = ticket_counters.last + 1 RETURNING last"
        }
        _ => {
            "INSERT INTO ticket_counters (year, last) VALUES (?, 1) \
             ON CONFLICT (year) DO UPDATE SET last = ticket_counters.last + 1 RETURNING last"
        }
    };
    let row = txn
        .query_one_raw(Statement::from_sql_and_values(backend, sql, [year.into()]))
        .await?
        .ok_or_else(|| StoreError::Corrupt("ticket counter returned nothing".into()))?;
    let n: i64 = row.try_get("", "last")?;
    Ok(format!("GL-{year}-{n:06}"))
}

/// The WHERE of a ticket list: the caller's scope and the filter (not the cursor).
fn filter_condition(scope: &Scope, filter: &TicketFilter, now: DateTime<Utc>) -> Condition {
    use tickets::Column as C;
    let mut cond = Condition::all().add(scope_condition(scope));
    if let Some(s) = filter.status {
        cond = cond.add(C::Status.eq(s.as_str()));
    }
    if let Some(d) = filter.department_id {
        cond = cond.add(C::DepartmentId.eq(d.0));
    }
    if let Some(g) = filter.grid_id {
        cond = cond.add(C::GridId.eq(g.0));
    }
    if let Some(e) = filter.enterprise_id {
        cond = cond.add(C::EnterpriseId.eq(e.0));
    }
    if let Some(c) = filter.category {
        cond = cond.add(C::Category.eq(c.as_str()));
    }
    if filter.overdue {
        cond = cond.add(C::NextDueAt.lt(to_ms(now)));
    }
    if filter.open_only {
        let open: Vec<&str> = Status::ALL
            .iter()
            .filter(|s| s.is_open())
            .map(|s| s.as_str())
            .collect();
        cond = cond.add(C::Status.is_in(open));
    }
    if filter.pending_extension {
        cond = cond.add(C::PendingExtension.is_not_null());
    }
    if let Some(q) = &filter.q {
        let p = like_pattern(q.as_str());
        cond = cond.add(
            Condition::any()
                .add(C::Title.like(LikeExpr::new(p.clone()).escape('\\')))
                .add(C::Description.like(LikeExpr::new(p).escape('\\'))),
        );
    }
    cond
}

fn scope_condition(scope: &Scope) -> Condition {
    use tickets::Column as C;
    let ids = |v: &[GridId]| v.iter().map(|g| g.0).collect::<Vec<_>>();
    match scope {
        Scope::All => Condition::all(),
        Scope::Grids(grids) => Condition::all().add(C::GridId.is_in(ids(grids))),
        Scope::Department(d) => Condition::any().add(C::DepartmentId.eq(d.0)).add(
            C::Id.in_subquery(
                Query::select()
                    .column(co::Column::TicketId)
                    .from(co::Entity)
                    .and_where(co::Column::DepartmentId.eq(d.0))
                    .to_owned(),
            ),
        ),
        Scope::TaskForce(tf) => Condition::all().add(C::TaskForceId.eq(tf.0)),
        Scope::Tracker(u) => Condition::all().add(C::TrackerId.eq(u.0)),
        Scope::Leader { grids, user } => Condition::any()
            .add(C::GridId.is_in(ids(grids)))
            .add(C::AccountableLeaderId.eq(user.0)),
        Scope::Nothing => Condition::all().add(Expr::cust("1 = 0")),
    }
}

impl Store {
    async fn co_departments(&self, ids: &[i64]) -> Result<Vec<(i64, DepartmentId)>, StoreError> {
        let mut out = Vec::new();
        // Chunks keep each statement under SQLite's limit on bound variables.
        for chunk in ids.chunks(1000) {
            out.extend(
                co::Entity::find()
                    .filter(co::Column::TicketId.is_in(chunk.to_vec()))
                    .order_by_asc(co::Column::TicketId)
                    .all(&self.read)
                    .await?
                    .into_iter()
                    .map(|r| (r.ticket_id, DepartmentId(r.department_id))),
            );
        }
        Ok(out)
    }

    async fn hydrate(&self, rows: Vec<tickets::Model>) -> Result<Vec<Ticket>, StoreError> {
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let mut co: std::collections::HashMap<i64, Vec<DepartmentId>> =
            std::collections::HashMap::new();
        for (t, d) in self.co_departments(&ids).await? {
            co.entry(t).or_default().push(d);
        }
        rows.into_iter()
            .map(|r| {
                let mine = co.remove(&r.id).unwrap_or_default();
                to_ticket(r, mine)
            })
            .collect()
    }

    /// Files a ticket with its attachments, in one transaction. With an idempotency key, a
    /// retry returns the first ticket.
    pub async fn create_ticket(
        &self,
        new: NewTicket,
        grid: GridId,
        filed: Event,
        idempotency: Option<Idempotency>,
        files: &[NewAttachment],
    ) -> Result<Created, StoreError> {
        if let Some(idem) = &idempotency
            && let Some(existing) = self.find_idempotent(filed.actor, idem).await?
        {
            return Ok(Created::Replayed(existing));
        }
        let result = self
            .insert_ticket(&new, grid, &filed, idempotency.as_ref(), files)
            .await;
        match (result, &idempotency) {
            // Another request with the same key won the race: answer with its ticket.
            (
                Err(StoreError::Conflict {
                    code: "idempotency_conflict",
                    ..
                }),
                Some(idem),
            ) => self
                .find_idempotent(filed.actor, idem)
                .await?
                .map(Created::Replayed)
                .ok_or(StoreError::NotFound("ticket")),
            (other, _) => other.map(Created::New),
        }
    }

    async fn find_idempotent(
        &self,
        user: UserId,
        idem: &Idempotency,
    ) -> Result<Option<Ticket>, StoreError> {
        let Some(row) = tickets::Entity::find()
            .filter(tickets::Column::FiledBy.eq(user.0))
            .filter(tickets::Column::IdempotencyKey.eq(idem.key.as_str()))
            .one(&self.write)
            .await?
        else {
            return Ok(None);
        };
        if row.idempotency_hash.as_deref() != Some(idem.request_hash.as_str()) {
            return Err(StoreError::invalid(
                "Idempotency-Key",
                "idempotency_key_reused",
                "this Idempotency-Key was used for a different request / 该幂等键已用于另一个请求",
            ));
        }
        Ok(Some(self.hydrate(vec![row]).await?.remove(0)))
    }

    async fn insert_ticket(
        &self,
        new: &NewTicket,
        grid: GridId,
        filed: &Event,
        idem: Option<&Idempotency>,
        files: &[NewAttachment],
    ) -> Result<Ticket, StoreError> {
        let now = filed.at;
        let txn = self.write.begin().await?;
        let number = next_number(&txn, now.with_timezone(&ZONE).year()).await?;
        let row = tickets::ActiveModel {
            id: NotSet,
            number: Set(number),
            status: Set(Status::Submitted.as_str().to_owned()),
            enterprise_id: Set(new.enterprise_id.0),
            grid_id: Set(grid.0),
            category: Set(new.category.as_str().to_owned()),
            priority: Set(new.priority.as_str().to_owned()),
            title: Set(new.title.as_str().to_owned()),
            description: Set(new.description.as_str().to_owned()),
            filed_by: Set(filed.actor.0),
            accountable_leader_id: Set(None),
            department_id: Set(None),
            responsible_person_id: Set(None),
            tracker_id: Set(None),
            task_force_id: Set(None),
            response_due_at: Set(None),
            resolution_due_at: Set(None),
            next_due_at: Set(None),
            dispatched_at: Set(None),
            accepted_at: Set(None),
            resolved_at: Set(None),
            closed_at: Set(None),
            reopen_count: Set(0),
            return_count: Set(0),
            satisfaction: Set(None),
            last_return: Set(None),
            pending_extension: Set(None),
            version: Set(1),
            created_at: Set(to_ms(now)),
            updated_at: Set(to_ms(now)),
            idempotency_key: Set(idem.map(|i| i.key.clone())),
            idempotency_hash: Set(idem.map(|i| i.request_hash.clone())),
        }
        .insert(&txn)
        .await?;
        let ticket = to_ticket(row, vec![])?;
        write_events(&txn, ticket.id, std::slice::from_ref(filed)).await?;
        for f in files {
            attachments::ActiveModel {
                id: NotSet,
                ticket_id: Set(ticket.id.0),
                filename: Set(f.filename.clone()),
                content_type: Set(f.kind.mime().to_owned()),
                size: Set(i64::try_from(f.data.len()).unwrap_or(i64::MAX)),
                sha256: Set(hex_sha256(&f.data)),
                data: Set(f.data.clone()),
                uploaded_by: Set(filed.actor.0),
                created_at: Set(to_ms(now)),
            }
            .insert(&txn)
            .await?;
        }
        txn.commit().await?;
        Ok(ticket)
    }

    /// A ticket's attachments, oldest first, without their bytes.
    pub async fn attachments(&self, id: TicketId) -> Result<Vec<AttachmentMeta>, StoreError> {
        use attachments::Column as A;
        let rows: Vec<(i64, i64, String, String, i64, i64)> = attachments::Entity::find()
            .select_only()
            .columns([
                A::Id,
                A::TicketId,
                A::Filename,
                A::ContentType,
                A::Size,
                A::CreatedAt,
            ])
            .filter(A::TicketId.eq(id.0))
            .order_by_asc(A::Id)
            .into_tuple()
            .all(&self.read)
            .await?;
        Ok(rows
            .into_iter()
            .map(
                |(id, ticket_id, filename, content_type, size, at)| AttachmentMeta {
                    id,
                    ticket_id: TicketId(ticket_id),
                    filename,
                    content_type,
                    size,
                    created_at: from_ms(at),
                },
            )
            .collect())
    }

    /// One attachment with its bytes (the caller checks that its ticket is visible).
    pub async fn attachment(&self, id: i64) -> Result<attachments::Model, StoreError> {
        attachments::Entity::find_by_id(id)
            .one(&self.read)
            .await?
            .ok_or(StoreError::NotFound("attachment"))
    }

    /// The id of the newest event: it changes with every command, so it tells whether
    /// anything about any ticket changed since it was last read (one index lookup).
    pub async fn last_event_id(&self) -> Result<i64, StoreError> {
        let max: Option<Option<i64>> = ticket_events::Entity::find()
            .select_only()
            .column_as(ticket_events::Column::Id.max(), "max_id")
            .into_tuple()
            .one(&self.read)
            .await?;
        Ok(max.flatten().unwrap_or(0))
    }

    /// How many tickets a list would hold (all pages).
    pub async fn count_tickets(
        &self,
        scope: &Scope,
        filter: &TicketFilter,
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        use sea_orm::PaginatorTrait;
        Ok(tickets::Entity::find()
            .filter(filter_condition(scope, filter, now))
            .count(&self.read)
            .await?)
    }

    /// One ticket, whoever asks (the caller checks visibility with the rules).
    pub async fn ticket(&self, id: TicketId) -> Result<Ticket, StoreError> {
        let row = tickets::Entity::find_by_id(id.0)
            .one(&self.read)
            .await?
            .ok_or(StoreError::NotFound("ticket"))?;
        Ok(self.hydrate(vec![row]).await?.remove(0))
    }

    /// Runs a command in one transaction: reads the ticket, asks `decide` (the rules) for the
    /// new ticket and its events, and writes the row (only if its version is unchanged), the
    /// events and their outbox rows.
    pub async fn transition<F>(
        &self,
        id: TicketId,
        decide: F,
    ) -> Result<(Ticket, Vec<StoredEvent>), StoreError>
    where
        F: FnOnce(&Ticket) -> Result<(Ticket, Vec<Event>), DomainError>,
    {
        let txn = self.write.begin().await?;
        let row = tickets::Entity::find_by_id(id.0)
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound("ticket"))?;
        let co_rows = co::Entity::find()
            .filter(co::Column::TicketId.eq(id.0))
            .all(&txn)
            .await?;
        let before = to_ticket(
            row,
            co_rows
                .iter()
                .map(|r| DepartmentId(r.department_id))
                .collect(),
        )?;
        let (after, events) = decide(&before)?;
        let updated = tickets::Entity::update_many()
            .set(changes(&after))
            .filter(tickets::Column::Id.eq(id.0))
            .filter(tickets::Column::Version.eq(before.version))
            .exec(&txn)
            .await?;
        if updated.rows_affected != 1 {
            return Err(StoreError::Domain(DomainError::StaleVersion {
                expected: before.version,
                actual: before.version + 1,
            }));
        }
        for d in after
            .co_department_ids
            .iter()
            .filter(|d| !before.co_department_ids.contains(d))
        {
            co::ActiveModel {
                ticket_id: Set(id.0),
                department_id: Set(d.0),
            }
            .insert(&txn)
            .await?;
        }
        let stored = write_events(&txn, id, &events).await?;
        txn.commit().await?;
        Ok((after, stored))
    }

    /// A ticket's history, oldest first.
    pub async fn events(&self, id: TicketId) -> Result<Vec<StoredEvent>, StoreError> {
        ticket_events::Entity::find()
            .filter(ticket_events::Column::TicketId.eq(id.0))
            .order_by_asc(ticket_events::Column::Id)
            .all(&self.read)
            .await?
            .into_iter()
            .map(stored_event)
            .collect()
    }

    /// Outbox rows of a ticket (tests and admins look at them).
    pub async fn outbox_for(&self, id: TicketId) -> Result<Vec<outbox::Model>, StoreError> {
        Ok(outbox::Entity::find()
            .filter(outbox::Column::TicketId.eq(id.0))
            .order_by_asc(outbox::Column::Id)
            .all(&self.read)
            .await?)
    }

    /// One page of the tickets in `scope` that match `filter`, with keyset pagination.
    pub async fn list_tickets(
        &self,
        scope: &Scope,
        filter: &TicketFilter,
        now: DateTime<Utc>,
    ) -> Result<Page, StoreError> {
        use tickets::Column as C;
        let limit = filter.limit.clamp(1, 100);
        let cond = filter_condition(scope, filter, now);
        let rows = match filter.sort {
            Sort::CreatedAt => {
                let mut c = cond;
                if let Some(cur) = filter.after {
                    let k = cur.key.unwrap_or(i64::MAX);
                    c = c.add(
                        Condition::any().add(C::CreatedAt.lt(k)).add(
                            Condition::all()
                                .add(C::CreatedAt.eq(k))
                                .add(C::Id.lt(cur.id)),
                        ),
                    );
                }
                tickets::Entity::find()
                    .filter(c)
                    .order_by_desc(C::CreatedAt)
                    .order_by_desc(C::Id)
                    .limit(limit + 1)
                    .all(&self.read)
                    .await?
            }
            Sort::Deadline => {
                let mut rows = Vec::new();
                // Part one: tickets with a running deadline, nearest first.
                if filter.after.is_none_or(|c| c.key.is_some()) {
                    let mut c = cond.clone().add(C::NextDueAt.is_not_null());
                    if let Some(Cursor {
                        key: Some(k), id, ..
                    }) = filter.after
                    {
                        c = c.add(
                            Condition::any()
                                .add(C::NextDueAt.gt(k))
                                .add(Condition::all().add(C::NextDueAt.eq(k)).add(C::Id.gt(id))),
                        );
                    }
                    rows = tickets::Entity::find()
                        .filter(c)
                        .order_by_asc(C::NextDueAt)
                        .order_by_asc(C::Id)
                        .limit(limit + 1)
                        .all(&self.read)
                        .await?;
                }
                // Part two, once part one runs out: tickets without a deadline, by id.
                if (rows.len() as u64) <= limit && !filter.overdue {
                    let mut c = cond.add(C::NextDueAt.is_null());
                    if let Some(Cursor { key: None, id, .. }) = filter.after {
                        c = c.add(C::Id.gt(id));
                    }
                    let more = tickets::Entity::find()
                        .filter(c)
                        .order_by_asc(C::Id)
                        .limit(limit + 1 - rows.len() as u64)
                        .all(&self.read)
                        .await?;
                    rows.extend(more);
                }
                rows
            }
        };
        let has_more = rows.len() as u64 > limit;
        let mut items = self.hydrate(rows).await?;
        items.truncate(limit as usize);
        let next = if has_more {
            items.last().map(|t| Cursor {
                sort: filter.sort,
                key: match filter.sort {
                    Sort::CreatedAt => Some(to_ms(t.created_at)),
                    Sort::Deadline => t.next_due_at().map(to_ms),
                },
                id: t.id.0,
            })
        } else {
            None
        };
        Ok(Page { items, next })
    }
}

impl Store {
    /// Tickets with a running deadline, in id order after `after_id` (the deadline sweeper
    /// walks them in batches).
    pub async fn tickets_with_deadline(
        &self,
        after_id: i64,
        limit: u64,
    ) -> Result<Vec<Ticket>, StoreError> {
        let rows = tickets::Entity::find()
            .filter(tickets::Column::NextDueAt.is_not_null())
            .filter(tickets::Column::Id.gt(after_id))
            .order_by_asc(tickets::Column::Id)
            .limit(limit)
            .all(&self.read)
            .await?;
        self.hydrate(rows).await
    }

    /// The tickets of `scope` that a digest of `[start, end)` looks at: filed before the end
    /// and still open, or touched since the start. Loaded for the digest only: the
    /// description is empty, and the co-handling departments, last return and pending
    /// extension are not loaded (`domain::digest::compute` reads none of them).
    pub async fn digest_tickets(
        &self,
        scope: &Scope,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Result<Vec<Ticket>, StoreError> {
        use tickets::Column as C;
        let open: Vec<&str> = Status::ALL
            .iter()
            .filter(|s| s.is_open())
            .map(|s| s.as_str())
            .collect();
        // The digest reads dates, states and the three-ones: leave out the descriptions,
        // the JSON columns and the co-handling departments, which it never looks at and
        // which are most of the bytes (and, for co-handling, a second query per chunk).
        let mut rows = tickets::Entity::find()
            .select_only()
            .columns(
                <C as sea_orm::Iterable>::iter()
                    .filter(|c| !matches!(c, C::Description | C::LastReturn | C::PendingExtension)),
            )
            .column_as(Expr::cust("''"), "description")
            .column_as(Expr::cust("NULL"), "last_return")
            .column_as(Expr::cust("NULL"), "pending_extension")
            .filter(scope_condition(scope))
            .filter(C::CreatedAt.lt(to_ms(end)))
            .filter(
                Condition::any()
                    .add(C::Status.is_in(open))
                    .add(C::UpdatedAt.gte(to_ms(start))),
            )
            .order_by_asc(C::Id)
            .into_model::<tickets::Model>()
            .stream(&self.read)
            .await?;
        // Row by row: a zone's worth of raw rows and tickets never sit in memory together.
        let mut out = Vec::new();
        while let Some(row) = rows.try_next().await? {
            out.push(to_ticket(row, vec![])?);
        }
        Ok(out)
    }

    /// The events of `scope`'s tickets in `[start, end)` that a digest counts.
    pub async fn digest_events(
        &self,
        scope: &Scope,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        use ticket_events::Column as E;
        let in_scope = Query::select()
            .column(tickets::Column::Id)
            .from(tickets::Entity)
            .cond_where(scope_condition(scope))
            .to_owned();
        ticket_events::Entity::find()
            .filter(E::CreatedAt.gte(to_ms(start)))
            .filter(E::CreatedAt.lt(to_ms(end)))
            .filter(E::Action.is_in(["resolve", "report", "close", "return", "reopen"]))
            .filter(E::TicketId.in_subquery(in_scope))
            .order_by_asc(E::Id)
            .stream(&self.read)
            .await?
            .map_err(StoreError::from)
            .and_then(|m| std::future::ready(stored_event(m)))
            .try_collect()
            .await
    }
}

impl Store {
    /// One event of a ticket's history.
    pub async fn event(&self, id: i64) -> Result<StoredEvent, StoreError> {
        ticket_events::Entity::find_by_id(id)
            .one(&self.read)
            .await?
            .map(stored_event)
            .ok_or(StoreError::NotFound("event"))?
    }
}
