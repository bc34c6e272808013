//! Policy delivery (送政策上门) pages: the catalogue with the publish form for publishers, a
//! policy with its figures per grid and its deliveries, and the liaison's delivery form.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use gridline_app::policies::{self, DeliveryInput, DeliveryQuery, HelpInput, PolicyInput};
use gridline_app::{AppState, ErrorKind};
use gridline_domain::policy::{Answer, Channel, DeliveryStats, Targeting};
use gridline_domain::visit::{Recorder, recorder};
use gridline_domain::{Cluster, GridId, Role, Scope};
use serde::Deserialize;

use crate::i18n::{app_error_text, t};
use crate::pages::PageForm;
use crate::render::{PageError, page};
use crate::session::Viewer;
use crate::view::Directory;

fn stats_json(s: &DeliveryStats) -> serde_json::Value {
    serde_json::json!({
        "targeted": s.targeted,
        "delivered": s.delivered,
        "interested": s.interested,
        "will_apply": s.will_apply,
        "overdue": s.overdue,
        "rate": gridline_report::pct(s.rate()),
    })
}

/// Figures per grid with the grid's name, for a policy's page and the dashboard.
pub(crate) fn grid_stats(
    dir: &Directory,
    lines: &[(GridId, DeliveryStats)],
) -> Vec<serde_json::Value> {
    lines
        .iter()
        .map(|(g, s)| {
            let mut v = stats_json(s);
            v["grid"] = serde_json::json!(dir.grid(g.0));
            v["grid_id"] = serde_json::json!(g.0);
            v
        })
        .collect()
}

/// The publish form's fields (repeated keys for the lists).
#[derive(Debug, Default, Deserialize, serde::Serialize)]
pub struct PublishForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    issuer: String,
    #[serde(default)]
    doc_number: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    link: String,
    #[serde(default)]
    valid_from: String,
    #[serde(default)]
    valid_to: String,
    #[serde(default)]
    apply_by: String,
    #[serde(default)]
    clusters: Vec<String>,
    /// `yes`, `no` or empty (both).
    #[serde(default)]
    above_size: String,
    #[serde(default)]
    grids: Vec<String>,
    /// A hand-picked list: enterprise ids, separated by spaces, commas or lines.
    #[serde(default)]
    enterprises: String,
}

async fn catalogue(
    state: &AppState,
    v: &Viewer,
    form: Option<(&PublishForm, BTreeMap<String, String>)>,
) -> Result<Response, PageError> {
    let list = policies::list(state, None, 100).await?;
    let publisher = policies::may_publish(state, &v.auth).await?;
    let dir = Directory::load(state).await?;
    let rows: Vec<_> = list
        .iter()
        .map(|p| {
            serde_json::json!({
                "id": p.id, "title": p.title, "doc_number": p.doc_number, "issuer": p.issuer,
                "published": p.published_at.with_timezone(&gridline_domain::calendar::ZONE).format("%Y-%m-%d").to_string(),
                "apply_by": p.apply_by.map(|d| d.to_string()),
            })
        })
        .collect();
    let pending = if v.role() == Role::Liaison {
        pending_rows(state, v).await?
    } else {
        vec![]
    };
    let (input, errors) = match form {
        Some((f, e)) => (serde_json::to_value(f).unwrap_or_default(), e),
        None => (serde_json::json!({}), BTreeMap::new()),
    };
    let mut res = page(
        "policies.html",
        &v.ctx("/policies"),
        serde_json::json!({
            "rows": rows,
            "publisher": publisher,
            "pending": pending,
            "clusters": Cluster::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
            "grids": dir.grids_in(&Scope::All),
            "input": input,
            "errors": errors,
        }),
    );
    if !errors.is_empty() {
        *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

/// The liaison's deliveries still to make, nearest deadline first.
pub(crate) async fn pending_rows(
    state: &AppState,
    v: &Viewer,
) -> Result<Vec<serde_json::Value>, PageError> {
    let mut list = policies::deliveries(
        state,
        &v.auth,
        &DeliveryQuery {
            pending_only: true,
            limit: 200,
            ..DeliveryQuery::default()
        },
    )
    .await?;
    list.sort_by_key(|d| (d.due_at, d.id));
    let names =
        gridline_app::org::enterprise_names(state, list.iter().map(|d| d.enterprise_id.0)).await?;
    let now = state.now();
    Ok(list
        .iter()
        .map(|d| {
            serde_json::json!({
                "id": d.id,
                "policy_id": d.policy_id,
                "enterprise": names.get(&d.enterprise_id.0),
                "due": d.due_at.with_timezone(&gridline_domain::calendar::ZONE).format("%Y-%m-%d").to_string(),
                "late": now > d.due_at,
            })
        })
        .collect())
}

/// `GET /policies`.
pub async fn list(State(state): State<AppState>, v: Viewer) -> Result<Response, PageError> {
    catalogue(&state, &v, None).await
}

fn day(
    field: &str,
    raw: &str,
    errors: &mut BTreeMap<String, String>,
    lang: crate::i18n::Lang,
) -> Option<chrono::NaiveDate> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    let d = chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d").ok();
    if d.is_none() {
        errors.insert(field.to_owned(), t(lang, "policy.bad_date"));
    }
    d
}

/// `POST /policies`: publishes (administrators and the economic-development department).
pub async fn publish(
    State(state): State<AppState>,
    v: Viewer,
    PageForm(f): PageForm<PublishForm>,
) -> Result<Response, PageError> {
    v.check_csrf(&f.csrf)?;
    let lang = v.lang;
    let mut errors = BTreeMap::new();
    let valid_from = day("valid_from", &f.valid_from, &mut errors, lang);
    if valid_from.is_none() && !errors.contains_key("valid_from") {
        errors.insert("valid_from".into(), t(lang, "policy.bad_date"));
    }
    let valid_to = day("valid_to", &f.valid_to, &mut errors, lang);
    let apply_by = day("apply_by", &f.apply_by, &mut errors, lang);
    let clusters: Option<Vec<Cluster>> = f.clusters.iter().map(|c| Cluster::parse(c)).collect();
    let grids: Result<Vec<GridId>, _> = f.grids.iter().map(|g| g.parse().map(GridId)).collect();
    let picked: Result<Vec<gridline_domain::EnterpriseId>, _> = f
        .enterprises
        .split(|c: char| c == ',' || c == '，' || c.is_whitespace())
        .filter(|x| !x.is_empty())
        .map(|x| x.parse().map(gridline_domain::EnterpriseId))
        .collect();
    let picked = picked.unwrap_or_else(|_| {
        errors.insert("enterprises".into(), t(lang, "policy.bad_ids"));
        vec![]
    });
    let (Some(clusters), Ok(grids)) = (clusters, grids) else {
        return Err(PageError::bad_request());
    };
    let above_size = match f.above_size.as_str() {
        "yes" => Some(true),
        "no" => Some(false),
        "" => None,
        _ => return Err(PageError::bad_request()),
    };
    let Some(valid_from) = valid_from.filter(|_| errors.is_empty()) else {
        return catalogue(&state, &v, Some((&f, errors))).await;
    };
    let input = PolicyInput {
        title: f.title.clone(),
        issuer: f.issuer.clone(),
        doc_number: f.doc_number.clone(),
        summary: f.summary.clone(),
        link: Some(f.link.clone()),
        valid_from,
        valid_to,
        apply_by,
        targeting: Targeting {
            clusters,
            above_size,
            grids,
            enterprises: picked,
        },
    };
    match policies::publish(&state, &v.auth, &input).await {
        Ok(p) => Ok(Redirect::to(&format!("/policies/{}?done=published", p.id)).into_response()),
        Err(e) if e.kind() == ErrorKind::Invalid => {
            errors.insert(
                e.field_name().unwrap_or("form").to_owned(),
                app_error_text(lang, &e),
            );
            catalogue(&state, &v, Some((&f, errors))).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize)]
pub struct Done {
    done: Option<String>,
}

/// `GET /policies/{id}`: the policy, its figures per grid the viewer sees, its deliveries.
pub async fn show(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    axum::extract::Query(q): axum::extract::Query<Done>,
) -> Result<Response, PageError> {
    let p = policies::get(&state, id).await?;
    let (grids, total) = policies::stats(&state, &v.auth, Some(id)).await?;
    let dir = Directory::load(&state).await?;
    let list = policies::deliveries(
        &state,
        &v.auth,
        &DeliveryQuery {
            policy_id: Some(id),
            limit: 500,
            ..DeliveryQuery::default()
        },
    )
    .await?;
    let names =
        gridline_app::org::enterprise_names(&state, list.iter().map(|d| d.enterprise_id.0)).await?;
    let now = state.now();
    let rows: Vec<_> = list
        .iter()
        .map(|d| {
            serde_json::json!({
                "id": d.id,
                "enterprise": names.get(&d.enterprise_id.0),
                "enterprise_id": d.enterprise_id.0,
                "grid": dir.grid(d.grid_id.0),
                "due": d.due_at.with_timezone(&gridline_domain::calendar::ZONE).format("%Y-%m-%d").to_string(),
                "delivered_on": d.delivered_on.map(|x| x.to_string()),
                "answer": d.answer.map(|a| a.as_str()),
                "late": d.delivered_on.is_none() && now > d.due_at,
                "mine": d.delivered_on.is_none() && recorder(&v.auth.actor, d.grid_id) == Recorder::Yes,
                "ticket_id": d.ticket_id,
            })
        })
        .collect();
    Ok(page(
        "policy.html",
        &v.ctx("/policies"),
        serde_json::json!({
            "p": {
                "id": p.id, "title": p.title, "issuer": p.issuer, "doc_number": p.doc_number,
                "summary": p.summary, "link": p.link, "valid_from": p.valid_from.to_string(),
                "valid_to": p.valid_to.map(|d| d.to_string()), "apply_by": p.apply_by.map(|d| d.to_string()),
                "due": p.due_at.with_timezone(&gridline_domain::calendar::ZONE).format("%Y-%m-%d %H:%M").to_string(),
            },
            "total": stats_json(&total),
            "grids": grid_stats(&dir, &grids),
            "rows": rows,
            "done": q.done,
        }),
    ))
}

/// `GET /policies/{id}/export`.
pub async fn export(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let bytes = policies::export(&state, &v.auth, id).await?;
    Ok(crate::render::xlsx(&format!("policy-{id}.xlsx"), bytes))
}

async fn delivery_form(
    state: &AppState,
    v: &Viewer,
    id: i64,
    input: serde_json::Value,
    errors: BTreeMap<String, String>,
) -> Result<Response, PageError> {
    let d = policies::delivery(state, &v.auth, id).await?;
    if recorder(&v.auth.actor, d.grid_id) != Recorder::Yes || d.delivered_on.is_some() {
        return Err(PageError::not_found());
    }
    let p = policies::get(state, d.policy_id).await?;
    let e = gridline_app::org::enterprise(state, d.enterprise_id).await?;
    let failed = !errors.is_empty();
    let mut res = page(
        "delivery_form.html",
        &v.ctx("/policies"),
        serde_json::json!({
            "d": {"id": d.id, "due": d.due_at.with_timezone(&gridline_domain::calendar::ZONE).format("%Y-%m-%d").to_string()},
            "p": {"id": p.id, "title": p.title, "doc_number": p.doc_number, "summary": p.summary},
            "enterprise": {"id": e.id, "name": e.name},
            "channels": Channel::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
            "answers": Answer::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
            "today": gridline_app::visits::today(state).to_string(),
            "default_title": format!("{}申报协助", p.title.chars().take(180).collect::<String>()),
            "input": input,
            "errors": errors,
        }),
    );
    if failed {
        *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

/// `GET /deliveries/{id}`: the liaison's form.
pub async fn form(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    delivery_form(&state, &v, id, serde_json::json!({}), BTreeMap::new()).await
}

/// The delivery form's fields.
#[derive(Debug, Default, Deserialize, serde::Serialize)]
pub struct DeliveryForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    delivered_on: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    contact: String,
    #[serde(default)]
    answer: String,
    #[serde(default)]
    note: String,
    /// `on` to file the ticket for the help to apply.
    #[serde(default)]
    file_ticket: Option<String>,
    #[serde(default)]
    ticket_title: String,
    #[serde(default)]
    ticket_description: String,
}

/// `POST /deliveries/{id}`: records the delivery (and the ticket, for "will apply").
pub async fn record(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    PageForm(f): PageForm<DeliveryForm>,
) -> Result<Response, PageError> {
    v.require(&[Role::Liaison])?;
    v.check_csrf(&f.csrf)?;
    let lang = v.lang;
    let mut errors = BTreeMap::new();
    let delivered_on = chrono::NaiveDate::parse_from_str(f.delivered_on.trim(), "%Y-%m-%d").ok();
    if delivered_on.is_none() {
        errors.insert("delivered_on".into(), t(lang, "policy.bad_date"));
    }
    let channel = Channel::parse(&f.channel);
    if channel.is_none() {
        errors.insert("channel".into(), t(lang, "policy.pick_channel"));
    }
    let answer = Answer::parse(&f.answer);
    if answer.is_none() {
        errors.insert("answer".into(), t(lang, "policy.pick_answer"));
    }
    let input = serde_json::to_value(&f).unwrap_or_default();
    let (Some(delivered_on), Some(channel), Some(answer)) = (delivered_on, channel, answer) else {
        return delivery_form(&state, &v, id, input, errors).await;
    };
    let req = DeliveryInput {
        delivered_on,
        channel,
        contact: f.contact.clone(),
        answer,
        note: Some(f.note.clone()),
        ticket: f
            .file_ticket
            .as_deref()
            .filter(|x| *x == "on")
            .map(|_| HelpInput {
                title: f.ticket_title.clone(),
                description: f.ticket_description.clone(),
            }),
    };
    match policies::record(&state, &v.auth, id, &req).await {
        Ok((d, _)) => {
            Ok(Redirect::to(&format!("/policies/{}?done=delivered", d.policy_id)).into_response())
        }
        Err(e) if e.kind() == ErrorKind::Invalid => {
            errors.insert(
                e.field_name().unwrap_or("form").to_owned(),
                app_error_text(lang, &e),
            );
            delivery_form(&state, &v, id, input, errors).await
        }
        // Recorded meanwhile (another tab): the 409 page says so.
        Err(e) => Err(e.into()),
    }
}
