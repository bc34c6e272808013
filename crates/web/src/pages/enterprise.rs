//! An enterprise: its details and the tickets of it the viewer may see.

use axum::extract::{Path, State};
use axum::response::Response;
use gridline_app::AppState;
use gridline_app::org;
use gridline_app::tickets::{self, TicketFilter};
use gridline_domain::{EnterpriseId, Scope};

use crate::render::{PageError, page};
use crate::session::Viewer;
use crate::view::{Directory, rows};

#[derive(Debug, serde::Deserialize)]
pub struct Done {
    done: Option<String>,
}

/// `GET /enterprises/{id}`.
pub async fn show(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    axum::extract::Query(q): axum::extract::Query<Done>,
) -> Result<Response, PageError> {
    render(&state, &v, id, q.done, None).await
}

/// The page, with the register keepers' edit form (and what a refused edit said).
pub(crate) async fn render(
    state: &AppState,
    v: &Viewer,
    id: i64,
    done: Option<String>,
    failed: Option<crate::pages::people::Failed>,
) -> Result<Response, PageError> {
    let state = state.clone();
    // A missing enterprise is the 404 page; a database failure is what it is.
    let e = org::enterprise(&state, EnterpriseId(id)).await?;
    let scope = Scope::of(&v.auth.actor);
    let tickets = tickets::list_in(
        &state,
        &scope,
        &TicketFilter {
            enterprise_id: Some(EnterpriseId(id)),
            limit: 100,
            ..TicketFilter::default()
        },
    )
    .await?
    .items;
    let dir = Directory::load(&state).await?;
    let list = rows(&state, &dir, &tickets).await?;
    let mine = v.auth.actor.user.grid_id == Some(gridline_domain::GridId(e.grid_id));
    let visits = gridline_app::visits::list(
        &state,
        &v.auth,
        &gridline_app::visits::ListQuery {
            enterprise_id: Some(EnterpriseId(id)),
            limit: 100,
            ..Default::default()
        },
    )
    .await?;
    let delivered: Vec<_> = gridline_app::policies::deliveries(
        &state,
        &v.auth,
        &gridline_app::policies::DeliveryQuery {
            enterprise_id: Some(id),
            limit: 100,
            ..Default::default()
        },
    )
    .await?
    .into_iter()
    .filter(|d| d.delivered_on.is_some())
    .collect();
    let mut policy_titles = std::collections::HashMap::new();
    for d in &delivered {
        if let std::collections::hash_map::Entry::Vacant(slot) = policy_titles.entry(d.policy_id) {
            slot.insert(
                gridline_app::policies::get(&state, d.policy_id)
                    .await?
                    .title,
            );
        }
    }
    let timeline = timeline(&visits, &tickets, &delivered, &policy_titles);
    let keeper = gridline_domain::permission::register_scope(&v.auth.actor)
        .is_some_and(|s| s.covers_grid(gridline_domain::GridId(e.grid_id)));
    Ok(page(
        "enterprise.html",
        &v.ctx("/tickets"),
        serde_json::json!({
            "e": {
                "id": e.id,
                "name": e.name,
                "credit_code": e.credit_code,
                "cluster": e.cluster,
                "grid": dir.grid(e.grid_id),
                "grid_id": e.grid_id,
                "above_size": e.above_size,
                "active": e.active,
                "version": e.version,
                "address": e.address,
                "contact_person": e.contact_person,
                "contact_phone": e.contact_phone,
            },
            "rows": list,
            "timeline": timeline,
            "can_file": mine && e.active && v.role() == gridline_domain::Role::Liaison,
            "can_visit": e.active
                && gridline_domain::visit::recorder(&v.auth.actor, gridline_domain::GridId(e.grid_id))
                    == gridline_domain::visit::Recorder::Yes,
            "keeper": keeper,
            "grids": dir.grids_in(&scope),
            "clusters": gridline_domain::Cluster::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
            "done": done,
            "failed": failed,
        }),
    ))
}

/// Visits, tickets and delivered policies on one line, latest first (a ticket by the local day it was filed).
fn timeline(
    visits: &[gridline_app::visits::Visit],
    tickets: &[gridline_domain::Ticket],
    delivered: &[gridline_app::policies::Delivery],
    titles: &std::collections::HashMap<i64, String>,
) -> Vec<serde_json::Value> {
    let mut all: Vec<(chrono::NaiveDate, i64, serde_json::Value)> = Vec::new();
    for d in delivered {
        let Some(day) = d.delivered_on else { continue };
        all.push((
            day,
            d.id,
            serde_json::json!({
                "kind": "policy",
                "day": day.to_string(),
                "href": format!("/policies/{}", d.policy_id),
                "text": titles.get(&d.policy_id),
                "answer": d.answer.map(|a| a.as_str()),
            }),
        ));
    }
    for x in visits {
        all.push((
            x.visited_on,
            x.created_at.timestamp_millis(),
            serde_json::json!({
                "kind": "visit",
                "day": x.visited_on.to_string(),
                "href": format!("/visits/{}", x.id),
                "topics": x.topics.iter().map(|t| t.as_str()).collect::<Vec<_>>(),
                "text": x.notes.chars().take(80).collect::<String>(),
                "tickets": x.ticket_ids.len(),
            }),
        ));
    }
    for t in tickets {
        let day = t
            .created_at
            .with_timezone(&gridline_domain::calendar::ZONE)
            .date_naive();
        all.push((
            day,
            t.created_at.timestamp_millis(),
            serde_json::json!({
                "kind": "ticket",
                "day": day.to_string(),
                "href": format!("/tickets/{}", t.id),
                "text": format!("{} {}", t.number, t.title.as_str()),
                "status": t.status.as_str(),
            }),
        ));
    }
    all.sort_by_key(|x| std::cmp::Reverse((x.0, x.1)));
    all.into_iter().map(|(_, _, v)| v).collect()
}
