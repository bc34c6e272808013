//! Policy delivery (送政策上门): publishing a policy creates a delivery task per targeted
//! enterprise for its grid's liaison, due a configured number of working days later; the
//! liaison records each delivery once, and "will apply" may file a `policy` ticket linked
//! to it in the same transaction. Figures per policy and grid come from `domain::policy`.

use chrono::NaiveDate;
use gridline_domain::policy::{
    self, Answer, Channel, DeliveryStats, Targeting, check_dates, check_link, delivery_due,
    delivery_grids, publishes,
};
use gridline_domain::text::{Description, Name, PeopleMet, Remark, TicketTitle};
use gridline_domain::ticket::{NewTicket, file};
use gridline_domain::visit::{Recorder, check_date, recorder};
use gridline_domain::{Category, DepartmentId, GridId, Priority, UserId};
use gridline_store::StoreError;
use gridline_store::policies::{DeliveryFilter, DeliveryRecord, NewPolicy};
use serde::{Deserialize, Serialize};

pub use gridline_store::policies::{Delivery, Policy};

mod export;
pub mod notices;
pub use export::export;

use crate::auth::Caller;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// A policy to publish, as a door received it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = PublishPolicy))]
#[serde(deny_unknown_fields)]
pub struct PolicyInput {
    pub title: String,
    /// 发文机关
    pub issuer: String,
    /// 文号
    pub doc_number: String,
    pub summary: String,
    /// Where the full text is (http or https).
    #[serde(default)]
    pub link: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "2026-01-01"))]
    pub valid_from: NaiveDate,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub valid_to: Option<NaiveDate>,
    /// 申报截止日
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub apply_by: Option<NaiveDate>,
    /// `{clusters: [..], above_size: bool?, grids: [ids], enterprises: [ids]}`; a hand-picked
    /// `enterprises` list wins over the other criteria; empty criteria mean every enterprise.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub targeting: Targeting,
}

/// The department that publishes besides administrators (config, by name).
pub(crate) async fn publisher(state: &AppState) -> AppResult<Option<DepartmentId>> {
    let name = state.policies.publisher_department.trim();
    Ok(crate::org::departments(state)
        .await?
        .into_iter()
        .find(|d| d.name == name && d.active)
        .map(|d| DepartmentId(d.id)))
}

/// Whether the caller publishes policies (for the doors to offer the form).
pub async fn may_publish(state: &AppState, caller: &Caller) -> AppResult<bool> {
    Ok(publishes(&caller.actor, publisher(state).await?))
}

/// Publishes a policy: one delivery task per targeted active enterprise, assigned to its
/// grid's liaison, all in one transaction.
pub async fn publish(state: &AppState, caller: &Caller, input: &PolicyInput) -> AppResult<Policy> {
    if !may_publish(state, caller).await? {
        return Err(AppError::forbidden(
            "publishers_only",
            "only administrators and the economic-development department publish policies / 仅管理员和经济发展部门可发布政策",
        ));
    }
    let title = TicketTitle::parse(&input.title)?.into_inner();
    let issuer = Name::parse(&input.issuer).map_err(|e| AppError::on_field(e, "issuer"))?;
    let doc_number =
        Name::parse(&input.doc_number).map_err(|e| AppError::on_field(e, "doc_number"))?;
    let summary =
        Description::parse(&input.summary).map_err(|e| AppError::on_field(e, "summary"))?;
    let link = input
        .link
        .as_deref()
        .filter(|l| !l.trim().is_empty())
        .map(check_link)
        .transpose()?;
    check_dates(input.valid_from, input.valid_to, input.apply_by)?;
    let targets = input
        .targeting
        .select(&state.store.targeting_facts().await?)?;
    let liaisons: std::collections::HashMap<i64, i64> = crate::org::grids(state)
        .await?
        .into_iter()
        .map(|g| (g.id, g.liaison_id))
        .collect();
    let rows: Vec<_> = targets
        .iter()
        .filter_map(|e| {
            liaisons
                .get(&e.grid_id.0)
                .map(|l| (e.id, e.grid_id, UserId(*l)))
        })
        .collect();
    let now = state.now();
    Ok(state
        .store
        .publish_policy(
            &NewPolicy {
                title,
                issuer: issuer.into_inner(),
                doc_number: doc_number.into_inner(),
                summary: summary.into_inner(),
                link,
                valid_from: input.valid_from,
                valid_to: input.valid_to,
                apply_by: input.apply_by,
                targeting: input.targeting.clone(),
                due_at: delivery_due(&state.calendar, now, state.policies.delivery_days),
                published_by: caller.actor.id(),
                at: now,
            },
            &rows,
        )
        .await?)
}

/// The catalogue, newest first (every signed-in user reads it).
pub async fn list(state: &AppState, before_id: Option<i64>, limit: u64) -> AppResult<Vec<Policy>> {
    Ok(state.store.policies(before_id, limit.clamp(1, 200)).await?)
}

/// One policy.
pub async fn get(state: &AppState, id: i64) -> AppResult<Policy> {
    match state.store.policy(id).await {
        Ok(p) => Ok(p),
        Err(StoreError::NotFound(_)) => Err(AppError::not_found("policy")),
        Err(e) => Err(e.into()),
    }
}

async fn grids_of(state: &AppState, caller: &Caller) -> AppResult<Option<Vec<GridId>>> {
    Ok(delivery_grids(&caller.actor, publisher(state).await?))
}

/// Delivery figures per grid the caller sees, and in all, for one policy or every one.
pub async fn stats(
    state: &AppState,
    caller: &Caller,
    policy: Option<i64>,
) -> AppResult<(Vec<(GridId, DeliveryStats)>, DeliveryStats)> {
    stats_for(state, &caller.actor, policy).await
}

/// [`stats`] for an actor (the digest has no request).
pub async fn stats_for(
    state: &AppState,
    actor: &gridline_domain::Actor,
    policy: Option<i64>,
) -> AppResult<(Vec<(GridId, DeliveryStats)>, DeliveryStats)> {
    let grids = delivery_grids(actor, publisher(state).await?);
    let facts = state.store.delivery_facts(policy, grids.as_deref()).await?;
    Ok(policy::stats_by_grid(&facts, state.now()))
}

/// What the delivery list is narrowed to.
#[derive(Debug, Clone, Default)]
pub struct DeliveryQuery {
    pub policy_id: Option<i64>,
    pub enterprise_id: Option<i64>,
    pub pending_only: bool,
    pub after_id: Option<i64>,
    pub limit: u64,
}

/// Deliveries in the grids the caller sees (every one for publishers), oldest first.
pub async fn deliveries(
    state: &AppState,
    caller: &Caller,
    q: &DeliveryQuery,
) -> AppResult<Vec<Delivery>> {
    Ok(state
        .store
        .deliveries(&DeliveryFilter {
            policy_id: q.policy_id,
            grids: grids_of(state, caller).await?,
            enterprise_id: q.enterprise_id.map(gridline_domain::EnterpriseId),
            pending_only: q.pending_only,
            after_id: q.after_id,
            limit: q.limit.clamp(1, 500),
        })
        .await?)
}

/// One delivery the caller may see (404 otherwise).
pub async fn delivery(state: &AppState, caller: &Caller, id: i64) -> AppResult<Delivery> {
    let d = match state.store.delivery(id).await {
        Ok(d) => d,
        Err(StoreError::NotFound(_)) => return Err(AppError::not_found("delivery")),
        Err(e) => return Err(e.into()),
    };
    match grids_of(state, caller).await? {
        Some(g) if !g.contains(&d.grid_id) => Err(AppError::not_found("delivery")),
        _ => Ok(d),
    }
}

/// The help an enterprise that will apply needs, filed as a `policy` ticket.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = ApplyHelp))]
#[serde(deny_unknown_fields)]
pub struct HelpInput {
    pub title: String,
    pub description: String,
}

/// A delivery as the liaison records it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = RecordDelivery))]
#[serde(deny_unknown_fields)]
pub struct DeliveryInput {
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "2026-11-27"))]
    pub delivered_on: NaiveDate,
    /// visit | phone | wechat | meeting
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "visit"))]
    pub channel: Channel,
    /// Whom at the enterprise.
    pub contact: String,
    /// not_relevant | interested | will_apply
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "will_apply"))]
    pub answer: Answer,
    #[serde(default)]
    pub note: Option<String>,
    /// Only with `will_apply`: files a `policy` ticket for the help to apply, linked.
    #[serde(default)]
    pub ticket: Option<HelpInput>,
}

/// Records a delivery (the liaison of its grid, once); "will apply" may file the ticket for
/// the help to apply in the same transaction.
pub async fn record(
    state: &AppState,
    caller: &Caller,
    id: i64,
    input: &DeliveryInput,
) -> AppResult<(Delivery, Option<gridline_domain::Ticket>)> {
    let d = delivery(state, caller, id).await?;
    match recorder(&caller.actor, d.grid_id) {
        Recorder::Yes => {}
        _ => {
            return Err(AppError::forbidden(
                "liaisons_only",
                "only the grid's liaison records a delivery / 仅本网格联络员可登记送达",
            ));
        }
    }
    check_date(input.delivered_on, crate::visits::today(state))
        .map_err(|e| AppError::on_field(e, "delivered_on"))?;
    let contact = PeopleMet::parse(&input.contact).map_err(|e| AppError::on_field(e, "contact"))?;
    let note = input
        .note
        .as_deref()
        .filter(|n| !n.trim().is_empty())
        .map(Remark::parse)
        .transpose()
        .map_err(|e| AppError::on_field(e, "note"))?;
    let now = state.now();
    let ticket = match &input.ticket {
        None => None,
        Some(_) if input.answer != Answer::WillApply => {
            return Err(AppError::invalid(
                "ticket",
                "only_when_applying",
                "a ticket is filed only for an enterprise that will apply / 仅“将申报”可登记申报协助工单",
            ));
        }
        Some(h) => Some((
            NewTicket {
                enterprise_id: d.enterprise_id,
                category: Category::Policy,
                priority: Priority::Normal,
                title: TicketTitle::parse(&h.title)
                    .map_err(|e| AppError::on_field(e, "ticket.title"))?,
                description: Description::parse(&h.description)
                    .map_err(|e| AppError::on_field(e, "ticket.description"))?,
                dispatch_due_at: Some(state.sla.dispatch_due(
                    &state.calendar,
                    Category::Policy,
                    Priority::Normal,
                    now,
                )),
            },
            file(&caller.actor, d.grid_id, now)?,
        )),
    };
    let rec = DeliveryRecord {
        delivered_on: input.delivered_on,
        channel: input.channel,
        contact: contact.as_str().to_owned(),
        answer: input.answer,
        note: note.map(Remark::into_inner),
        by: caller.actor.id(),
        at: now,
    };
    Ok(state
        .store
        .record_delivery(id, &rec, ticket.as_ref().map(|(t, e)| (t, e)))
        .await?)
}
