//! The chat channel: the short Chinese text of an event for a group (number, title,
//! deadline, link), and its post to 企业微信, 钉钉 or 飞书 with the platform's documented
//! payload and signature.

use std::sync::OnceLock;
use std::time::Duration;

use base64::Engine as _;
use chrono::{DateTime, Utc};
use gridline_app::AppState;
use gridline_app::chat::ChatDelivery;
use gridline_app::mail::Due;
use gridline_domain::Ticket;
use gridline_domain::chat::{ChatAnswer, Platform, read_answer};
use gridline_domain::digest::Period;
use gridline_report::pct;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::compose::local_time;

/// What the text calls an event.
fn heading(kind: &str) -> &'static str {
    match kind {
        "dispatch" | "force_dispatch" => "新派单",
        "escalate" => "升级专班",
        "supervise" => "领导督办",
        "resolution_supervise" => "超期待督办",
        "dispatch_overdue" => "派单超期",
        "response_overdue" => "签收超期",
        "resolution_overdue" => "办理超期",
        _ => "工单动态",
    }
}

/// The running deadline: resolution, else signing, else dispatch.
fn deadline(t: &Ticket) -> Option<DateTime<Utc>> {
    t.resolution_due_at
        .or(t.response_due_at)
        .or(t.dispatch_due_at)
}

/// The text of a ticket's event for its groups.
pub fn ticket_text(kind: &str, t: &Ticket, department: &str, base_url: &str) -> String {
    let mut s = format!("【网格通】{} {}\n{}", heading(kind), t.number, t.title);
    if !department.is_empty() {
        s.push_str(&format!("\n责任部门：{department}"));
    }
    if let Some(d) = deadline(t) {
        s.push_str(&format!("\n办理时限：{}", local_time(d)));
    }
    s.push_str(&format!(
        "\n详情：{}/tickets/{}",
        base_url.trim_end_matches('/'),
        t.id.0
    ));
    s
}

/// The zone's summary of a digest period, the same numbers as the leaders' mail; `None`
/// when the row names no period.
pub async fn digest_text(
    app: &AppState,
    row: &Due,
    base_url: &str,
) -> gridline_app::AppResult<Option<String>> {
    let Some(period) = serde_json::from_str::<serde_json::Value>(&row.payload)
        .ok()
        .and_then(|p| Period::parse(p.get("period")?.as_str()?))
    else {
        return Ok(None);
    };
    let s = gridline_app::digest::period_stats(app, &gridline_domain::Scope::All, period).await?;
    Ok(Some(format!(
        "【网格通】{period} 全区工单周报\n受理 {} 件，办结 {} 件，按时签收率 {}，按时办结率 {}，满意率 {}\n期末在办 {} 件，其中超期 {} 件\n详情：{}/dashboard?period={period}",
        s.filed,
        s.resolved,
        pct(s.signing_rate),
        pct(s.resolution_rate),
        pct(s.satisfaction_rate),
        s.open_at_end,
        s.overdue_at_end,
        base_url.trim_end_matches('/'),
    )))
}

type Https = hyper_rustls::HttpsConnector<hyper_util::client::legacy::connect::HttpConnector>;
type Client = hyper_util::client::legacy::Client<Https, http_body_util::Full<bytes::Bytes>>;

/// One client for the process: rustls with ring (as the mail's TLS) and the system's root
/// certificates; plain HTTP only for loopback addresses (the URL check allows no other).
/// Redirects are never followed: a webhook answers, it never sends the worker elsewhere.
fn client() -> Option<&'static Client> {
    static CLIENT: OnceLock<Option<Client>> = OnceLock::new();
    CLIENT
        .get_or_init(|| {
            let https = hyper_rustls::HttpsConnectorBuilder::new()
                .with_provider_and_native_roots(rustls::crypto::ring::default_provider())
                .map_err(|e| tracing::error!(error = %e, "chat: no root certificates"))
                .ok()?
                .https_or_http()
                .enable_http1()
                .build();
            Some(
                hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
                    .build(https),
            )
        })
        .as_ref()
}

type HmacSha256 = Hmac<Sha256>;

fn hmac_base64(key: &[u8], message: &[u8]) -> String {
    match <HmacSha256 as Mac>::new_from_slice(key) {
        Ok(mut mac) => {
            mac.update(message);
            base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
        }
        // HMAC takes a key of any length: never taken.
        Err(_) => String::new(),
    }
}

/// The request a platform documents for a text message: the address (钉钉 signs in the
/// query) and the JSON body (飞书 signs in the body).
pub fn request(d: &ChatDelivery, now: DateTime<Utc>) -> (String, serde_json::Value) {
    match d.platform {
        Platform::Wecom => (
            d.url.clone(),
            serde_json::json!({"msgtype": "text", "text": {"content": d.text}}),
        ),
        Platform::Dingtalk => {
            let mut url = d.url.clone();
            if let Some(secret) = &d.secret {
                let ts = now.timestamp_millis();
                let sign = hmac_base64(secret.as_bytes(), format!("{ts}\n{secret}").as_bytes());
                if let Ok(mut u) = url::Url::parse(&d.url) {
                    u.query_pairs_mut()
                        .append_pair("timestamp", &ts.to_string())
                        .append_pair("sign", &sign);
                    url = u.to_string();
                }
            }
            (
                url,
                serde_json::json!({"msgtype": "text", "text": {"content": d.text}}),
            )
        }
        Platform::Feishu => {
            let mut body = serde_json::json!({"msg_type": "text", "content": {"text": d.text}});
            if let Some(secret) = &d.secret {
                let ts = now.timestamp();
                body["timestamp"] = serde_json::json!(ts.to_string());
                body["sign"] =
                    serde_json::json!(hmac_base64(format!("{ts}\n{secret}").as_bytes(), b""));
            }
            (d.url.clone(), body)
        }
    }
}

/// Posts a message and reads the platform's answer. Errors never name the URL: it holds
/// the robot's key.
pub async fn post(d: &ChatDelivery, now: DateTime<Utc>, timeout: Duration) -> ChatAnswer {
    use http_body_util::BodyExt as _;
    let failed = |what: &str| ChatAnswer::Failed(format!("{}: {what}", d.platform.as_str()));
    let Some(client) = client() else {
        return failed("no TLS roots");
    };
    let (url, body) = request(d, now);
    let Ok(req) = http::Request::post(url.as_str())
        .header(
            http::header::CONTENT_TYPE,
            "application/json; charset=utf-8",
        )
        .body(http_body_util::Full::new(bytes::Bytes::from(
            body.to_string(),
        )))
    else {
        return failed("malformed address");
    };
    let exchange = async {
        let res = client.request(req).await.map_err(|e| {
            if e.is_connect() {
                "cannot connect"
            } else {
                "request failed"
            }
        })?;
        let status = res.status().as_u16();
        let body = http_body_util::Limited::new(res.into_body(), 64 * 1024)
            .collect()
            .await
            .map_err(|_| "reading the answer failed")?
            .to_bytes();
        Ok::<_, &str>((status, body))
    };
    match tokio::time::timeout(timeout, exchange).await {
        Ok(Ok((status, body))) => read_answer(d.platform, status, &String::from_utf8_lossy(&body)),
        Ok(Err(what)) => failed(what),
        Err(_) => failed("timed out"),
    }
}
