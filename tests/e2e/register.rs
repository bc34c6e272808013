//! The enterprise register through the API: a 2 000-row import with bad rows of every kind
//! (dry run, refused commit, fixed commit), GBK and UTF-8 CSV and .xlsx, re-import updates
//! rather than duplicates, the export imports back unchanged, edits and deactivation.

use calamine::{Reader, Xlsx};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::both_engines;
use crate::support::{Engine, TestApp};
use crate::world::{World, credit_code};

const HEADER: &str = "企业名称,统一社会信用代码,所属网格,产业集群,规上企业,地址,联系人,联系电话";

/// A register file of `n` good rows (credit codes from 1000 on), in grids a and b.
fn good_rows(n: u32) -> Vec<String> {
    (0..n)
        .map(|i| {
            let grid = if i % 2 == 0 { "a网格" } else { "b网格" };
            let cluster = ["电子信息", "食品饮料和水经济", "机械与模具", "other"][(i % 4) as usize];
            format!(
                "企业{i}号有限公司,{},{grid},{cluster},{},科技大道{i}号,联系人{i},0762-{:07}",
                credit_code(1000 + i),
                if i % 3 == 0 { "是" } else { "否" },
                3_000_000 + i
            )
        })
        .collect()
}

/// Twenty bad rows, four of each kind, each with the code the report must give.
fn bad_rows() -> Vec<(String, &'static str)> {
    let mut out = Vec::new();
    for i in 0..4u32 {
        let mut code = credit_code(5000 + i);
        let last = code.pop().unwrap();
        code.push(if last == '0' { '1' } else { '0' });
        out.push((
            format!("坏码{i},{code},a网格,电子信息,否,,,"),
            "credit_code.check",
        ));
        out.push((
            format!("重复{i},{},a网格,电子信息,否,,,", credit_code(1000 + i)),
            "duplicate_in_file",
        ));
        out.push((
            format!(
                "无网格{i},{},不存在的网格,电子信息,否,,,",
                credit_code(6000 + i)
            ),
            "unknown_grid",
        ));
        out.push((
            format!(",{},a网格,电子信息,否,,,", credit_code(7000 + i)),
            "missing_name",
        ));
        out.push((
            format!("无集群{i},{},a网格,钢铁,否,,,", credit_code(8000 + i)),
            "unknown_cluster",
        ));
    }
    out
}

async fn send(
    app: &TestApp,
    token: &str,
    query: &str,
    body: Vec<u8>,
    kind: &str,
) -> (StatusCode, Value) {
    let r = reqwest::Client::new()
        .post(app.url(&format!("/api/v1/enterprises/import{query}")))
        .bearer_auth(token)
        .header("content-type", kind)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = r.status();
    (status, r.json().await.unwrap())
}

async fn count(app: &TestApp, token: &str) -> usize {
    let mut n = 0;
    let mut after = 0;
    loop {
        let (_, page) = app
            .get(
                token,
                &format!("/api/v1/enterprises?include_inactive=true&limit=500&after={after}"),
            )
            .await;
        let items = page.as_array().unwrap();
        n += items.len();
        match items.last() {
            Some(last) => after = last["id"].as_i64().unwrap(),
            None => return n,
        }
    }
}

async fn import_two_thousand_rows(engine: Engine) {
    let app = TestApp::start(engine).await;
    let w = World::build(&app).await;
    let before = count(&app, &w.admin).await;
    let good = good_rows(1980);
    let bad = bad_rows();
    let mut lines = vec![HEADER.to_owned()];
    lines.extend(good.iter().take(1000).cloned());
    lines.extend(bad.iter().map(|(l, _)| l.clone()));
    lines.extend(good.iter().skip(1000).cloned());
    let csv = lines.join("\r\n");
    let (gbk, _, _) = encoding_rs::GBK.encode(&csv);

    // The dry run reports every row and writes nothing.
    let (status, report) = send(&app, &w.admin, "?dry_run=true", gbk.to_vec(), "text/csv").await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["committed"], false);
    assert_eq!(
        report["counts"],
        json!({"new": 1980, "update": 0, "unchanged": 0, "invalid": 20})
    );
    let rows = report["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2000);
    for (i, (_, code)) in bad.iter().enumerate() {
        let row = &rows[1000 + i];
        assert_eq!(row["line"], 1002 + i, "the line in the file");
        assert_eq!(row["outcome"], "invalid");
        assert_eq!(row["problems"][0]["code"], *code, "{row}");
        assert!(
            row["problems"][0]["message"]
                .as_str()
                .unwrap()
                .contains(" / "),
            "both languages"
        );
    }
    assert_eq!(
        count(&app, &w.admin).await,
        before,
        "a dry run writes nothing"
    );
    // Committing a file with bad rows writes nothing either.
    let (status, refused) = send(&app, &w.admin, "", gbk.to_vec(), "text/csv").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused["code"], "import_invalid");
    assert_eq!(refused["report"]["counts"]["invalid"], 20);
    assert_eq!(count(&app, &w.admin).await, before);

    // Without the bad rows, in UTF-8 with a byte-order mark: all of it, at once.
    let mut fixed = vec![HEADER.to_owned()];
    fixed.extend(good.iter().cloned());
    let utf8 = [b"\xef\xbb\xbf".as_slice(), fixed.join("\n").as_bytes()].concat();
    let (status, report) = send(&app, &w.admin, "", utf8.clone(), "text/csv").await;
    assert_eq!(status, StatusCode::OK, "{}", report["counts"]);
    assert_eq!(report["committed"], true);
    assert_eq!(report["counts"]["new"], 1980);
    assert_eq!(count(&app, &w.admin).await, before + 1980);

    // The same file again changes nothing; one edited row updates, none is duplicated.
    let (_, again) = send(&app, &w.admin, "", utf8, "text/csv").await;
    assert_eq!(
        again["counts"],
        json!({"new": 0, "update": 0, "unchanged": 1980, "invalid": 0})
    );
    let mut edited = fixed.clone();
    edited[1] = edited[1].replace("企业0号有限公司", "企业0号（更名）有限公司");
    let (_, updated) = send(
        &app,
        &w.admin,
        "",
        edited.join("\n").into_bytes(),
        "text/csv",
    )
    .await;
    assert_eq!(updated["counts"]["update"], 1);
    assert_eq!(updated["counts"]["unchanged"], 1979);
    assert_eq!(count(&app, &w.admin).await, before + 1980);
    let (_, found) = app
        .get(
            &w.admin,
            &format!("/api/v1/enterprises?q={}", credit_code(1000)),
        )
        .await;
    assert_eq!(found[0]["name"], "企业0号（更名）有限公司");
    assert_eq!(found[0]["contact_phone"], "0762-3000000");
    let id = found[0]["id"].as_i64().unwrap();
    let (_, audit) = app
        .get(
            &w.admin,
            &format!("/api/v1/audit?object_kind=enterprise&object_id={id}"),
        )
        .await;
    let actions: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["update", "create"]);

    // The export imports back unchanged (as .xlsx).
    let r = reqwest::Client::new()
        .get(app.url("/api/v1/enterprises/export"))
        .bearer_auth(&w.admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let xlsx = r.bytes().await.unwrap().to_vec();
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(xlsx.clone())).unwrap();
    let sheet = book.worksheet_range_at(0).unwrap().unwrap();
    assert_eq!(sheet.rows().count(), before + 1980 + 1);
    let (status, back) = send(
        &app,
        &w.admin,
        "?dry_run=true",
        xlsx,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{}", back["counts"]);
    assert_eq!(back["counts"]["unchanged"], before + 1980);
    assert_eq!(back["counts"]["invalid"], 0);

    // Only zone-wide keepers import; the template is there for everyone signed in.
    let (status, _) = send(
        &app,
        w.token("head_a"),
        "?dry_run=true",
        b"x".to_vec(),
        "text/csv",
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = send(
        &app,
        w.token("officer_d1"),
        "?dry_run=true",
        b"x".to_vec(),
        "text/csv",
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let r = reqwest::Client::new()
        .get(app.url("/api/v1/enterprises/template"))
        .bearer_auth(w.token("head_a"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // Files the import cannot read.
    let (status, body) = send(
        &app,
        &w.admin,
        "?dry_run=true",
        b"name,address\nx,y".to_vec(),
        "text/csv",
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["code"], "missing_columns");
    let (status, body) = send(
        &app,
        &w.admin,
        "?dry_run=true",
        b"PK\x03\x04garbage".to_vec(),
        "text/csv",
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["code"], "unreadable_file");
}

/// Edits by the keepers: a grid's head edits their grid's enterprises only; a deactivated
/// enterprise keeps its tickets but takes no new one.
async fn edit_and_deactivate(engine: Engine) {
    let app = TestApp::start(engine).await;
    let w = World::build(&app).await;
    let ticket = w.prepare(&app, "accepted").await;
    let ent = w.id("ent_a");
    let path = format!("/api/v1/enterprises/{ent}");
    let (_, e) = app.get(&w.admin, &path).await;
    let v = e["version"].as_i64().unwrap();
    let patch = |token: &str, body: Value| {
        let path = path.clone();
        let app = &app;
        let token = token.to_owned();
        async move {
            app.call(Method::PATCH, &path, Some(&token), Some(body))
                .await
        }
    };
    let (status, e) = patch(
        w.token("head_a"),
        json!({"expected_version": v, "address": "高新区科技大道 1 号", "contact_person": "王经理", "contact_phone": "0762-1234567"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{e}");
    assert_eq!(e["contact_person"], "王经理");
    let (status, _) = patch(
        w.token("head_b"),
        json!({"expected_version": v + 1, "name": "改"}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "another grid's head");
    let (status, body) = patch(
        w.token("head_a"),
        json!({"expected_version": v + 1, "grid_id": w.id("grid_b")}),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "not into a grid that is not theirs: {body}"
    );
    let (status, _) = patch(
        w.token("officer_d1"),
        json!({"expected_version": v + 1, "name": "改"}),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = patch(&w.admin, json!({"expected_version": v, "name": "旧"})).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["code"], "stale_version");
    let (status, body) = patch(
        &w.admin,
        json!({"expected_version": v + 1, "contact_phone": "电话"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["field"], "contact_phone");
    let (status, e) = patch(
        &w.admin,
        json!({"expected_version": v + 1, "active": false}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{e}");
    assert_eq!(e["active"], false);
    // Its ticket stays; a new one is refused; the filing picker no longer lists it.
    app.ticket(&w.admin, ticket).await;
    let (status, body) = app
        .post(
            w.token("liaison_a"),
            "/api/v1/tickets",
            json!({"enterprise_id": ent, "category": "land", "priority": "normal", "title": "新问题", "description": "说明"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["code"], "enterprise_inactive");
    let (_, listed) = app.get(w.token("liaison_a"), "/api/v1/enterprises").await;
    assert!(listed.as_array().unwrap().iter().all(|x| x["id"] != ent));
    let (_, all) = app
        .get(&w.admin, "/api/v1/enterprises?include_inactive=true")
        .await;
    assert!(all.as_array().unwrap().iter().any(|x| x["id"] == ent));
    let (_, audit) = app
        .get(
            &w.admin,
            &format!("/api/v1/audit?object_kind=enterprise&object_id={ent}"),
        )
        .await;
    assert_eq!(audit[0]["action"], "deactivate");
    assert_eq!(audit[1]["after"]["contact_person"], "王经理");
}

both_engines!(import_two_thousand_rows, edit_and_deactivate);
