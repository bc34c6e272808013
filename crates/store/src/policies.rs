//! Policy delivery (送政策上门): a policy and its delivery tasks written in one transaction;
//! a delivery recorded once (with the ticket "will apply" opens, in the same transaction).

use chrono::{DateTime, NaiveDate, Utc};
use gridline_domain::policy::{Answer, Channel, DeliveryFacts, EnterpriseFacts, Targeting};
use gridline_domain::ticket::NewTicket;
use gridline_domain::{Cluster, EnterpriseId, Event, GridId, Ticket, UserId};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, NotSet, QueryFilter, QueryOrder, QuerySelect, Set,
    TransactionTrait,
};

use crate::entity::{enterprises, policies, policy_deliveries};
use crate::tickets::create::insert_ticket_in;
use crate::{Store, StoreError, from_ms, to_ms};

/// A policy to publish (already checked by the rules).
#[derive(Debug, Clone)]
pub struct NewPolicy {
    pub title: String,
    pub issuer: String,
    pub doc_number: String,
    pub summary: String,
    pub link: Option<String>,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub apply_by: Option<NaiveDate>,
    pub targeting: Targeting,
    pub due_at: DateTime<Utc>,
    pub published_by: UserId,
    pub at: DateTime<Utc>,
}

/// A stored policy.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    pub id: i64,
    pub title: String,
    pub issuer: String,
    pub doc_number: String,
    pub summary: String,
    pub link: Option<String>,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub apply_by: Option<NaiveDate>,
    pub targeting: Targeting,
    pub due_at: DateTime<Utc>,
    pub published_by: UserId,
    pub published_at: DateTime<Utc>,
}

/// One delivery task and, once recorded, how it went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub id: i64,
    pub policy_id: i64,
    pub enterprise_id: EnterpriseId,
    pub grid_id: GridId,
    pub liaison_id: UserId,
    pub due_at: DateTime<Utc>,
    pub delivered_on: Option<NaiveDate>,
    pub channel: Option<Channel>,
    pub contact: Option<String>,
    pub answer: Option<Answer>,
    pub note: Option<String>,
    pub recorded_by: Option<UserId>,
    pub ticket_id: Option<i64>,
}

/// A delivery as the liaison records it.
#[derive(Debug, Clone)]
pub struct DeliveryRecord {
    pub delivered_on: NaiveDate,
    pub channel: Channel,
    pub contact: String,
    pub answer: Answer,
    pub note: Option<String>,
    pub by: UserId,
    pub at: DateTime<Utc>,
}

/// What the delivery list is narrowed to.
#[derive(Debug, Clone, Default)]
pub struct DeliveryFilter {
    pub policy_id: Option<i64>,
    /// The grids the caller sees (`None`: all).
    pub grids: Option<Vec<GridId>>,
    pub enterprise_id: Option<EnterpriseId>,
    pub pending_only: bool,
    /// Ids after this one (ascending).
    pub after_id: Option<i64>,
    pub limit: u64,
}

fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn parse_day(s: &str) -> Result<NaiveDate, StoreError> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| StoreError::Corrupt(format!("policy day {s:?}")))
}

fn corrupt(what: &str, v: &str) -> StoreError {
    StoreError::Corrupt(format!("{what}: {v:?}"))
}

fn to_policy(m: policies::Model) -> Result<Policy, StoreError> {
    Ok(Policy {
        id: m.id,
        title: m.title,
        issuer: m.issuer,
        doc_number: m.doc_number,
        summary: m.summary,
        link: m.link,
        valid_from: parse_day(&m.valid_from)?,
        valid_to: m.valid_to.as_deref().map(parse_day).transpose()?,
        apply_by: m.apply_by.as_deref().map(parse_day).transpose()?,
        targeting: serde_json::from_str(&m.targeting)
            .map_err(|e| corrupt("targeting", &e.to_string()))?,
        due_at: from_ms(m.due_at)?,
        published_by: UserId(m.published_by),
        published_at: from_ms(m.published_at)?,
    })
}

fn to_delivery(m: policy_deliveries::Model) -> Result<Delivery, StoreError> {
    Ok(Delivery {
        id: m.id,
        policy_id: m.policy_id,
        enterprise_id: EnterpriseId(m.enterprise_id),
        grid_id: GridId(m.grid_id),
        liaison_id: UserId(m.liaison_id),
        due_at: from_ms(m.due_at)?,
        delivered_on: m.delivered_on.as_deref().map(parse_day).transpose()?,
        channel: m
            .channel
            .as_deref()
            .map(|c| Channel::parse(c).ok_or_else(|| corrupt("channel", c)))
            .transpose()?,
        contact: m.contact,
        answer: m
            .answer
            .as_deref()
            .map(|a| Answer::parse(a).ok_or_else(|| corrupt("answer", a)))
            .transpose()?,
        note: m.note,
        recorded_by: m.recorded_by.map(UserId),
        ticket_id: m.ticket_id,
    })
}

impl Store {
    /// Every active enterprise as targeting sees it.
    pub async fn targeting_facts(&self) -> Result<Vec<EnterpriseFacts>, StoreError> {
        use enterprises::Column as E;
        let rows: Vec<(i64, i64, String, bool)> = enterprises::Entity::find()
            .select_only()
            .columns([E::Id, E::GridId, E::Cluster, E::AboveSize])
            .filter(E::Active.eq(true))
            .order_by_asc(E::Id)
            .into_tuple()
            .all(&self.read)
            .await?;
        rows.into_iter()
            .map(|(id, grid, cluster, above)| {
                Ok(EnterpriseFacts {
                    id: EnterpriseId(id),
                    grid_id: GridId(grid),
                    cluster: Cluster::parse(&cluster)
                        .ok_or_else(|| corrupt("cluster", &cluster))?,
                    above_size: above,
                })
            })
            .collect()
    }

    /// Publishes a policy with one delivery task per target (enterprise, its grid, the
    /// liaison it is assigned to), in one transaction.
    pub async fn publish_policy(
        &self,
        p: &NewPolicy,
        targets: &[(EnterpriseId, GridId, UserId)],
    ) -> Result<Policy, StoreError> {
        let txn = self.write.begin().await?;
        let row = policies::ActiveModel {
            id: NotSet,
            title: Set(p.title.clone()),
            issuer: Set(p.issuer.clone()),
            doc_number: Set(p.doc_number.clone()),
            summary: Set(p.summary.clone()),
            link: Set(p.link.clone()),
            valid_from: Set(day(p.valid_from)),
            valid_to: Set(p.valid_to.map(day)),
            apply_by: Set(p.apply_by.map(day)),
            targeting: Set(serde_json::to_string(&p.targeting)
                .map_err(|e| StoreError::Corrupt(e.to_string()))?),
            due_at: Set(to_ms(p.due_at)),
            published_by: Set(p.published_by.0),
            published_at: Set(to_ms(p.at)),
        }
        .insert(&txn)
        .await?;
        // Rows go in batches: one statement per few hundred enterprises, not per enterprise.
        for chunk in targets.chunks(500) {
            let rows = chunk
                .iter()
                .map(|(e, g, l)| policy_deliveries::ActiveModel {
                    id: NotSet,
                    policy_id: Set(row.id),
                    enterprise_id: Set(e.0),
                    grid_id: Set(g.0),
                    liaison_id: Set(l.0),
                    due_at: Set(to_ms(p.due_at)),
                    delivered_on: Set(None),
                    channel: Set(None),
                    contact: Set(None),
                    answer: Set(None),
                    note: Set(None),
                    recorded_by: Set(None),
                    recorded_at: Set(None),
                    ticket_id: Set(None),
                });
            policy_deliveries::Entity::insert_many(rows)
                .exec(&txn)
                .await?;
        }
        txn.commit().await?;
        to_policy(row)
    }

    /// Policies, newest first.
    pub async fn policies(
        &self,
        before_id: Option<i64>,
        limit: u64,
    ) -> Result<Vec<Policy>, StoreError> {
        let mut q = policies::Entity::find();
        if let Some(b) = before_id {
            q = q.filter(policies::Column::Id.lt(b));
        }
        q.order_by_desc(policies::Column::Id)
            .limit(limit)
            .all(&self.read)
            .await?
            .into_iter()
            .map(to_policy)
            .collect()
    }

    /// One policy.
    pub async fn policy(&self, id: i64) -> Result<Policy, StoreError> {
        to_policy(
            policies::Entity::find_by_id(id)
                .one(&self.read)
                .await?
                .ok_or(StoreError::NotFound("policy"))?,
        )
    }

    /// Delivery tasks, oldest first.
    pub async fn deliveries(&self, f: &DeliveryFilter) -> Result<Vec<Delivery>, StoreError> {
        use policy_deliveries::Column as D;
        let mut q = policy_deliveries::Entity::find();
        if let Some(p) = f.policy_id {
            q = q.filter(D::PolicyId.eq(p));
        }
        if let Some(g) = &f.grids {
            q = q.filter(D::GridId.is_in(g.iter().map(|g| g.0)));
        }
        if let Some(e) = f.enterprise_id {
            q = q.filter(D::EnterpriseId.eq(e.0));
        }
        if f.pending_only {
            q = q.filter(D::DeliveredOn.is_null());
        }
        if let Some(a) = f.after_id {
            q = q.filter(D::Id.gt(a));
        }
        q.order_by_asc(D::Id)
            .limit(f.limit)
            .all(&self.read)
            .await?
            .into_iter()
            .map(to_delivery)
            .collect()
    }

    /// One delivery task.
    pub async fn delivery(&self, id: i64) -> Result<Delivery, StoreError> {
        to_delivery(
            policy_deliveries::Entity::find_by_id(id)
                .one(&self.read)
                .await?
                .ok_or(StoreError::NotFound("delivery"))?,
        )
    }

    /// What the figures are computed from: every delivery of `policy` (or of every policy)
    /// in `grids` (`None`: all).
    pub async fn delivery_facts(
        &self,
        policy: Option<i64>,
        grids: Option<&[GridId]>,
    ) -> Result<Vec<DeliveryFacts>, StoreError> {
        use policy_deliveries::Column as D;
        let mut q = policy_deliveries::Entity::find().select_only().columns([
            D::GridId,
            D::DueAt,
            D::Answer,
        ]);
        if let Some(p) = policy {
            q = q.filter(D::PolicyId.eq(p));
        }
        if let Some(g) = grids {
            q = q.filter(D::GridId.is_in(g.iter().map(|g| g.0)));
        }
        let rows: Vec<(i64, i64, Option<String>)> = q.into_tuple().all(&self.read).await?;
        rows.into_iter()
            .map(|(g, due, answer)| {
                Ok(DeliveryFacts {
                    grid_id: GridId(g),
                    due_at: from_ms(due)?,
                    answer: answer
                        .as_deref()
                        .map(|a| Answer::parse(a).ok_or_else(|| corrupt("answer", a)))
                        .transpose()?,
                })
            })
            .collect()
    }

    /// Records a delivery once: a second record (or a racing one) is refused with 409
    /// `already_delivered`. A ticket for the help to apply is filed and linked in the same
    /// transaction.
    pub async fn record_delivery(
        &self,
        id: i64,
        r: &DeliveryRecord,
        ticket: Option<(&NewTicket, &Event)>,
    ) -> Result<(Delivery, Option<Ticket>), StoreError> {
        use policy_deliveries::Column as D;
        let txn = self.write.begin().await?;
        let row = policy_deliveries::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound("delivery"))?;
        let filed = match ticket {
            Some((t, e)) => {
                Some(insert_ticket_in(&txn, t, GridId(row.grid_id), e, None, &[]).await?)
            }
            None => None,
        };
        let done = policy_deliveries::Entity::update_many()
            .col_expr(D::DeliveredOn, Expr::value(day(r.delivered_on)))
            .col_expr(D::Channel, Expr::value(r.channel.as_str()))
            .col_expr(D::Contact, Expr::value(r.contact.clone()))
            .col_expr(D::Answer, Expr::value(r.answer.as_str()))
            .col_expr(D::Note, Expr::value(r.note.clone()))
            .col_expr(D::RecordedBy, Expr::value(r.by.0))
            .col_expr(D::RecordedAt, Expr::value(to_ms(r.at)))
            .col_expr(D::TicketId, Expr::value(filed.as_ref().map(|t| t.id.0)))
            .filter(D::Id.eq(id))
            .filter(D::DeliveredOn.is_null())
            .exec(&txn)
            .await?;
        if done.rows_affected != 1 {
            return Err(StoreError::Conflict {
                code: "already_delivered",
                message: "this delivery is already recorded / 该政策送达已登记",
            });
        }
        let after = policy_deliveries::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound("delivery"))?;
        txn.commit().await?;
        Ok((to_delivery(after)?, filed))
    }
}
