//! Filing a ticket (登记): a liaison files an enterprise's problem, with photos or PDFs.

use gridline_domain::attachment::NewAttachment;
use gridline_domain::text::{Description, TicketTitle};
use gridline_domain::ticket::NewTicket;
use gridline_domain::{Category, EnterpriseId, GridId, Priority};
use gridline_store::StoreError;
use gridline_store::tickets::{Created, Idempotency};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::auth::Caller;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// A problem to file, as a door received it (the JSON body; the filing form's fields).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = CreateTicket))]
#[serde(deny_unknown_fields)]
pub struct NewTicketInput {
    pub enterprise_id: i64,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "land"))]
    pub category: Category,
    pub title: String,
    pub description: String,
    #[serde(default = "normal")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "normal"))]
    pub priority: Priority,
    /// A key project of the same enterprise the filer sees: the ticket is linked to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_id: Option<i64>,
}

fn normal() -> Priority {
    Priority::Normal
}

/// The idempotency guard of a request: the caller's key and a hash of what was asked, so a
/// retry is told from a different request under the same key. Used for the API's
/// `Idempotency-Key` header and the filing form's hidden key alike.
pub fn idempotency_for(key: &str, request: &[&[u8]]) -> AppResult<Idempotency> {
    let key = Some(key.trim())
        .filter(|k| !k.is_empty() && k.len() <= 128 && k.bytes().all(|b| b.is_ascii_graphic()))
        .ok_or_else(|| {
            AppError::bad_request(
                "invalid_idempotency_key",
                "Idempotency-Key must be 1–128 visible ASCII characters",
            )
        })?;
    let mut hash = Sha256::new();
    for part in request {
        hash.update(part);
    }
    Ok(Idempotency {
        key: key.to_owned(),
        request_hash: hash.finalize().iter().map(|b| format!("{b:02x}")).collect(),
    })
}

/// Files a ticket with its attachments in one transaction: the text is parsed, the rule of
/// who may file for this enterprise's grid decides, and a retry under the same key returns
/// the first ticket.
pub async fn file(
    state: &AppState,
    caller: &Caller,
    input: &NewTicketInput,
    idem: Option<Idempotency>,
    files: &[NewAttachment],
) -> AppResult<Created> {
    let new = NewTicket {
        enterprise_id: EnterpriseId(input.enterprise_id),
        category: input.category,
        priority: input.priority,
        title: TicketTitle::parse(&input.title)?,
        description: Description::parse(&input.description)?,
        dispatch_due_at: Some(state.sla.dispatch_due(
            &state.calendar,
            input.category,
            input.priority,
            state.now(),
        )),
    };
    NewAttachment::check_count(files.len())?;
    let enterprise = active_enterprise(state, new.enterprise_id).await?;
    let grid = GridId(enterprise.grid_id);
    let filed = gridline_domain::ticket::file(&caller.actor, grid, state.now())?;
    if let Some(p) = input.project_id {
        let project = crate::projects::get(state, caller, p)
            .await
            .map_err(|e| e.field("project_id"))?;
        if project.enterprise_id != new.enterprise_id {
            return Err(AppError::invalid(
                "project_id",
                "other_enterprise",
                "the project is another enterprise's / 该项目不属于此企业",
            ));
        }
    }
    Ok(state
        .store
        .create_ticket(new, grid, filed, idem, files, input.project_id)
        .await?)
}

/// The enterprise a new ticket or visit is for: it must exist (422 `unknown_enterprise`) and
/// still be on the register (422 `enterprise_inactive`).
pub(crate) async fn active_enterprise(
    state: &AppState,
    id: EnterpriseId,
) -> AppResult<gridline_store::entity::enterprises::Model> {
    let enterprise = match state.store.enterprise(id).await {
        Ok(e) => e,
        Err(StoreError::NotFound(_)) => {
            return Err(AppError::invalid(
                "enterprise_id",
                "unknown_enterprise",
                "no such enterprise / 企业不存在",
            ));
        }
        Err(e) => return Err(e.into()),
    };
    if !enterprise.active {
        return Err(AppError::invalid(
            "enterprise_id",
            "enterprise_inactive",
            "the enterprise has left the register (moved away or closed) / 该企业已从名录停用（迁出或注销）",
        ));
    }
    Ok(enterprise)
}
