//! Visits (走访): the visit, its photos and the tickets filed from it, written in one
//! transaction; lists by grid and enterprise; what coverage is computed from.

use chrono::{DateTime, NaiveDate, Utc};
use gridline_domain::attachment::NewAttachment;
use gridline_domain::calendar::ZONE;
use gridline_domain::ticket::NewTicket;
use gridline_domain::visit::{Topic, VisitFacts, VisitMode};
use gridline_domain::{EnterpriseId, Event, GridId, Ticket, UserId};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, NotSet, QueryFilter, QueryOrder,
    QuerySelect, Set, TransactionTrait,
};

use crate::entity::{enterprises, visit_photos, visit_tickets, visits};
use crate::tickets::Idempotency;
use crate::tickets::create::insert_ticket_in;
use crate::tickets::mapping::hex_sha256;
use crate::{Store, StoreError, from_ms, to_ms};

/// A visit to record (already checked by the rules).
#[derive(Debug, Clone)]
pub struct NewVisit {
    pub enterprise_id: EnterpriseId,
    pub grid_id: GridId,
    pub visited_on: NaiveDate,
    pub mode: VisitMode,
    pub people_met: String,
    pub topics: Vec<Topic>,
    pub topic_note: Option<String>,
    pub notes: String,
    pub recorded_by: UserId,
    pub at: DateTime<Utc>,
}

/// A problem found on the visit, filed as a ticket with it.
#[derive(Debug, Clone)]
pub struct FoundProblem {
    pub ticket: NewTicket,
    pub filed: Event,
}

/// A photo without its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhotoMeta {
    pub id: i64,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
}

/// A stored visit.
#[derive(Debug, Clone, PartialEq)]
pub struct Visit {
    pub id: i64,
    pub enterprise_id: EnterpriseId,
    pub grid_id: GridId,
    pub visited_on: NaiveDate,
    pub mode: VisitMode,
    pub people_met: String,
    pub topics: Vec<Topic>,
    pub topic_note: Option<String>,
    pub notes: String,
    pub recorded_by: UserId,
    pub created_at: DateTime<Utc>,
    /// The tickets filed from it.
    pub ticket_ids: Vec<i64>,
    pub photos: Vec<PhotoMeta>,
}

/// What recording gave: a new visit with the tickets filed from it, or the ones an earlier
/// request with the same idempotency key made.
#[derive(Debug, Clone)]
pub enum Recorded {
    New(Visit, Vec<Ticket>),
    Replayed(Visit, Vec<Ticket>),
}

/// What the visit list is narrowed to.
#[derive(Debug, Clone, Default)]
pub struct VisitFilter {
    /// The grids the caller sees (`None`: all).
    pub grids: Option<Vec<GridId>>,
    pub grid_id: Option<GridId>,
    pub enterprise_id: Option<EnterpriseId>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// Rows after this one in the list's order (day descending, then id descending).
    pub after: Option<(NaiveDate, i64)>,
    pub limit: u64,
}

fn day_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn parse_day(s: &str) -> Result<NaiveDate, StoreError> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| StoreError::Corrupt(format!("visit day {s:?}")))
}

fn to_visit(
    m: visits::Model,
    ticket_ids: Vec<i64>,
    photos: Vec<PhotoMeta>,
) -> Result<Visit, StoreError> {
    let topics = m
        .topics
        .split(',')
        .filter(|t| !t.is_empty())
        .map(|t| Topic::parse(t).ok_or_else(|| StoreError::Corrupt(format!("topic {t:?}"))))
        .collect::<Result<_, _>>()?;
    Ok(Visit {
        id: m.id,
        enterprise_id: EnterpriseId(m.enterprise_id),
        grid_id: GridId(m.grid_id),
        visited_on: parse_day(&m.visited_on)?,
        mode: VisitMode::parse(&m.mode)
            .ok_or_else(|| StoreError::Corrupt(format!("visit mode {:?}", m.mode)))?,
        people_met: m.people_met,
        topics,
        topic_note: m.topic_note,
        notes: m.notes,
        recorded_by: UserId(m.recorded_by),
        created_at: from_ms(m.created_at)?,
        ticket_ids,
        photos,
    })
}

impl Store {
    /// Records a visit with its photos and files each problem found as a ticket linked to
    /// it, all in one transaction. With an idempotency key, a retry returns the first visit.
    pub async fn record_visit(
        &self,
        visit: &NewVisit,
        photos: &[NewAttachment],
        problems: &[FoundProblem],
        idem: Option<&Idempotency>,
    ) -> Result<Recorded, StoreError> {
        if let Some(idem) = idem
            && let Some(v) = self.idempotent_visit(visit.recorded_by, idem).await?
        {
            return Ok(v);
        }
        match (self.insert_visit(visit, photos, problems, idem).await, idem) {
            (Ok((v, t)), _) => Ok(Recorded::New(v, t)),
            // The same key won a race a moment ago (the unique index refused this one).
            (Err(e), Some(idem)) => match self.idempotent_visit(visit.recorded_by, idem).await? {
                Some(v) => Ok(v),
                None => Err(e),
            },
            (Err(e), None) => Err(e),
        }
    }

    async fn idempotent_visit(
        &self,
        by: UserId,
        idem: &Idempotency,
    ) -> Result<Option<Recorded>, StoreError> {
        let Some(row) = visits::Entity::find()
            .filter(visits::Column::RecordedBy.eq(by.0))
            .filter(visits::Column::IdempotencyKey.eq(idem.key.as_str()))
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
        let visit = self.visit(row.id).await?;
        let mut tickets = Vec::with_capacity(visit.ticket_ids.len());
        for id in &visit.ticket_ids {
            tickets.push(self.ticket(gridline_domain::TicketId(*id)).await?);
        }
        Ok(Some(Recorded::Replayed(visit, tickets)))
    }

    async fn insert_visit(
        &self,
        v: &NewVisit,
        photos: &[NewAttachment],
        problems: &[FoundProblem],
        idem: Option<&Idempotency>,
    ) -> Result<(Visit, Vec<Ticket>), StoreError> {
        let txn = self.write.begin().await?;
        let row = visits::ActiveModel {
            id: NotSet,
            enterprise_id: Set(v.enterprise_id.0),
            grid_id: Set(v.grid_id.0),
            visited_on: Set(day_text(v.visited_on)),
            mode: Set(v.mode.as_str().to_owned()),
            people_met: Set(v.people_met.clone()),
            topics: Set(v
                .topics
                .iter()
                .map(|t| t.as_str())
                .collect::<Vec<_>>()
                .join(",")),
            topic_note: Set(v.topic_note.clone()),
            notes: Set(v.notes.clone()),
            recorded_by: Set(v.recorded_by.0),
            created_at: Set(to_ms(v.at)),
            idempotency_key: Set(idem.map(|i| i.key.clone())),
            idempotency_hash: Set(idem.map(|i| i.request_hash.clone())),
        }
        .insert(&txn)
        .await?;
        let mut metas = Vec::new();
        for p in photos {
            let saved = visit_photos::ActiveModel {
                id: NotSet,
                visit_id: Set(row.id),
                filename: Set(p.filename.clone()),
                content_type: Set(p.kind.mime().to_owned()),
                size: Set(i64::try_from(p.data.len()).unwrap_or(i64::MAX)),
                sha256: Set(hex_sha256(&p.data)),
                data: Set(p.data.clone()),
                created_at: Set(to_ms(v.at)),
            }
            .insert(&txn)
            .await?;
            metas.push(PhotoMeta {
                id: saved.id,
                filename: saved.filename,
                content_type: saved.content_type,
                size: saved.size,
            });
        }
        let mut tickets = Vec::new();
        for p in problems {
            let t = insert_ticket_in(&txn, &p.ticket, v.grid_id, &p.filed, None, &[]).await?;
            visit_tickets::ActiveModel {
                visit_id: Set(row.id),
                ticket_id: Set(t.id.0),
            }
            .insert(&txn)
            .await?;
            tickets.push(t);
        }
        txn.commit().await?;
        let ids = tickets.iter().map(|t| t.id.0).collect();
        Ok((to_visit(row, ids, metas)?, tickets))
    }

    /// One visit with its tickets and photos (the caller checks that its grid is visible).
    pub async fn visit(&self, id: i64) -> Result<Visit, StoreError> {
        let row = visits::Entity::find_by_id(id)
            .one(&self.read)
            .await?
            .ok_or(StoreError::NotFound("visit"))?;
        let mut all = self.hydrate_visits(vec![row]).await?;
        Ok(all.remove(0))
    }

    async fn hydrate_visits(&self, rows: Vec<visits::Model>) -> Result<Vec<Visit>, StoreError> {
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let links = visit_tickets::Entity::find()
            .filter(visit_tickets::Column::VisitId.is_in(ids.clone()))
            .order_by_asc(visit_tickets::Column::TicketId)
            .all(&self.read)
            .await?;
        use visit_photos::Column as P;
        let photos: Vec<(i64, i64, String, String, i64)> = visit_photos::Entity::find()
            .select_only()
            .columns([P::Id, P::VisitId, P::Filename, P::ContentType, P::Size])
            .filter(P::VisitId.is_in(ids))
            .order_by_asc(P::Id)
            .into_tuple()
            .all(&self.read)
            .await?;
        rows.into_iter()
            .map(|r| {
                let tickets = links
                    .iter()
                    .filter(|l| l.visit_id == r.id)
                    .map(|l| l.ticket_id)
                    .collect();
                let mine = photos
                    .iter()
                    .filter(|p| p.1 == r.id)
                    .map(|p| PhotoMeta {
                        id: p.0,
                        filename: p.2.clone(),
                        content_type: p.3.clone(),
                        size: p.4,
                    })
                    .collect();
                to_visit(r, tickets, mine)
            })
            .collect()
    }

    /// Visits, latest day first.
    pub async fn visits(&self, f: &VisitFilter) -> Result<Vec<Visit>, StoreError> {
        use visits::Column as V;
        let mut q = visits::Entity::find();
        if let Some(grids) = &f.grids {
            q = q.filter(V::GridId.is_in(grids.iter().map(|g| g.0)));
        }
        if let Some(g) = f.grid_id {
            q = q.filter(V::GridId.eq(g.0));
        }
        if let Some(e) = f.enterprise_id {
            q = q.filter(V::EnterpriseId.eq(e.0));
        }
        if let Some(d) = f.from {
            q = q.filter(V::VisitedOn.gte(day_text(d)));
        }
        if let Some(d) = f.to {
            q = q.filter(V::VisitedOn.lte(day_text(d)));
        }
        if let Some((day, id)) = f.after {
            q = q.filter(
                Condition::any().add(V::VisitedOn.lt(day_text(day))).add(
                    Condition::all()
                        .add(V::VisitedOn.eq(day_text(day)))
                        .add(V::Id.lt(id)),
                ),
            );
        }
        let rows = q
            .order_by_desc(V::VisitedOn)
            .order_by_desc(V::Id)
            .limit(f.limit)
            .all(&self.read)
            .await?;
        self.hydrate_visits(rows).await
    }

    /// A visit's photo with its bytes (the caller checks that its visit is visible).
    pub async fn visit_photo(&self, id: i64) -> Result<visit_photos::Model, StoreError> {
        visit_photos::Entity::find_by_id(id)
            .one(&self.read)
            .await?
            .ok_or(StoreError::NotFound("photo"))
    }

    /// What coverage is computed from: every active enterprise of `grids` (`None`: all) with
    /// the days it was visited from `since` to `until`.
    pub async fn visit_facts(
        &self,
        grids: Option<&[GridId]>,
        since: NaiveDate,
        until: NaiveDate,
    ) -> Result<Vec<VisitFacts>, StoreError> {
        use enterprises::Column as E;
        let mut q = enterprises::Entity::find()
            .select_only()
            .columns([E::Id, E::GridId, E::AboveSize, E::CreatedAt])
            .filter(E::Active.eq(true));
        if let Some(g) = grids {
            q = q.filter(E::GridId.is_in(g.iter().map(|g| g.0)));
        }
        let ents: Vec<(i64, i64, bool, i64)> =
            q.order_by_asc(E::Id).into_tuple().all(&self.read).await?;
        use visits::Column as V;
        let mut vq = visits::Entity::find()
            .select_only()
            .columns([V::EnterpriseId, V::VisitedOn])
            .distinct()
            .filter(V::VisitedOn.gte(day_text(since)))
            .filter(V::VisitedOn.lte(day_text(until)));
        if let Some(g) = grids {
            vq = vq.filter(V::GridId.is_in(g.iter().map(|g| g.0)));
        }
        let days: Vec<(i64, String)> = vq.into_tuple().all(&self.read).await?;
        let mut by_ent = std::collections::HashMap::<i64, Vec<NaiveDate>>::new();
        for (e, d) in days {
            by_ent.entry(e).or_default().push(parse_day(&d)?);
        }
        ents.into_iter()
            .map(|(id, grid, above, created)| {
                Ok(VisitFacts {
                    enterprise_id: EnterpriseId(id),
                    grid_id: GridId(grid),
                    above_size: above,
                    registered_on: from_ms(created)?.with_timezone(&ZONE).date_naive(),
                    last_visits: by_ent.remove(&id).unwrap_or_default(),
                })
            })
            .collect()
    }

    /// The visit a ticket was filed from, if any.
    pub async fn visit_of_ticket(&self, ticket: i64) -> Result<Option<i64>, StoreError> {
        Ok(visit_tickets::Entity::find()
            .filter(visit_tickets::Column::TicketId.eq(ticket))
            .one(&self.read)
            .await?
            .map(|l| l.visit_id))
    }
}
