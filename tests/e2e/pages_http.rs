//! The pages over plain HTTP (a cookie-keeping client, no browser): sign-in, redirects, the
//! download, attachments and the refusals that need no JavaScript to see.

use calamine::{Reader, Xlsx};
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};

use crate::both_engines;
use crate::support::{Engine, PASSWORD, TestApp};
use crate::world::World;

/// A browser-like client: keeps cookies, does not follow redirects (so tests see them).
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The value of the first `<input name=… value=…>` of that name.
pub fn input_value(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let at = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no input {name}"))
        + marker.len();
    html[at..at + html[at..].find('"').unwrap()]
        .replace("&#x2f;", "/")
        .replace("&amp;", "&")
}

pub fn csrf(html: &str) -> String {
    input_value(html, "_csrf")
}

pub async fn get(c: &reqwest::Client, app: &TestApp, path: &str) -> (StatusCode, String) {
    let r = c.get(app.url(path)).send().await.unwrap();
    (r.status(), r.text().await.unwrap())
}

/// Signs in through the form; returns the client and a page's CSRF token.
pub async fn sign_in(app: &TestApp, user: &str) -> (reqwest::Client, String) {
    sign_in_with(app, user, PASSWORD).await
}

/// The same with another password (the demo's).
async fn sign_in_with(app: &TestApp, user: &str, password: &str) -> (reqwest::Client, String) {
    let c = client();
    let (_, html) = get(&c, app, "/login").await;
    let res = c
        .post(app.url("/login"))
        .form(&[
            ("username", user),
            ("password", password),
            ("_csrf", &csrf(&html)),
            ("next", "/tickets"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "{user} signs in");
    let (status, html) = get(&c, app, "/tickets").await;
    assert_eq!(status, StatusCode::OK);
    let token = csrf(&html);
    (c, token)
}

async fn sign_in_and_out(engine: Engine) {
    let app = TestApp::start(engine).await;
    let _w = World::build(&app).await;
    let c = client();
    // Unknown paths: the API answers in problem+json, the site with its 404 page.
    let r = c
        .get(app.url("/api/v1/no-such-thing"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let (status, html) = get(&c, &app, "/no-such-page").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains("data-code=\"not_found\""), "{html}");
    // Not signed in: every page sends to the login page, remembering where to come back.
    let r = c.get(app.url("/inbox?q=x")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/login?next=/inbox%3Fq%3Dx");
    let (_, html) = get(&c, &app, "/login").await;
    let token = csrf(&html);
    // A login post without the form's token is refused (login CSRF).
    let r = c
        .post(app.url("/login"))
        .form(&[("username", "liaison.a"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // A wrong password: 401, the message, the username kept.
    let r = c
        .post(app.url("/login"))
        .form(&[
            ("username", "liaison.a"),
            ("password", "wrong"),
            ("_csrf", &token),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let body = r.text().await.unwrap();
    assert!(body.contains("用户名或密码错误"), "{body}");
    assert!(body.contains("value=\"liaison.a\""));
    // Right password; an off-site `next` is not followed.
    let r = c
        .post(app.url("/login"))
        .form(&[
            ("username", "liaison.a"),
            ("password", PASSWORD),
            ("_csrf", &token),
            ("next", "//evil.example/x"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/");
    let cookies: Vec<String> = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    let session = cookies
        .iter()
        .find(|c| c.starts_with("gl_session="))
        .unwrap();
    assert!(
        session.contains("HttpOnly") && session.contains("SameSite=Lax"),
        "{session}"
    );
    // The old browser id is replaced at login: the pre-login token no longer works.
    let r = c
        .post(app.url("/logout"))
        .form(&[("_csrf", &token)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // Home is the role's page; English on request.
    let r = c.get(app.url("/")).send().await.unwrap();
    assert_eq!(r.headers()["location"], "/tickets/new");
    c.get(app.url("/lang/en?next=/tickets"))
        .send()
        .await
        .unwrap();
    let (_, html) = get(&c, &app, "/tickets/new").await;
    assert!(
        html.contains("Choose the enterprise"),
        "English after the switch"
    );
    assert!(html.contains("<html lang=\"en\">"));
    // Log out with the token: the session is gone.
    let r = c
        .post(app.url("/logout"))
        .form(&[("_csrf", &csrf(&html))])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = c.get(app.url("/tickets")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "signed out");
}

/// Filing with attachments over multipart: files are checked by content and size, stored
/// with the ticket, and served only to those who see it; the download holds the list.
async fn attachments_and_download(engine: Engine) {
    let app = TestApp::start(engine).await;
    let w = World::build(&app).await;
    let (c, token) = sign_in(&app, "liaison.a").await;
    let (_, form_html) = get(&c, &app, &format!("/tickets/new/{}", w.id("ent_a"))).await;
    let form = |title: &str, files: Vec<(&str, Vec<u8>)>| {
        let mut f = Form::new()
            .text("_csrf", token.clone())
            .text("enterprise_id", w.id("ent_a").to_string())
            .text("category", "utilities")
            .text("priority", "normal")
            .text("title", title.to_owned())
            .text("description", "停电三次，影响生产。")
            .text(
                "idempotency_key",
                input_value(&form_html, "idempotency_key"),
            );
        for (name, data) in files {
            f = f.part("attachments", Part::bytes(data).file_name(name.to_owned()));
        }
        f
    };
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    let pdf = b"%PDF-1.7\n%test\n".to_vec();
    // An executable named .jpg is refused by content; nothing is filed.
    let r = c
        .post(app.url("/tickets/new"))
        .multipart(form(
            "带附件",
            vec![("photo.jpg", b"MZ\x90\0\x03".to_vec())],
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap();
    assert!(body.contains("data-field=\"attachments\""), "{body}");
    assert!(body.contains("停电三次，影响生产。"), "input kept");
    // Too big: refused with the same message shape.
    let mut big = pdf.clone();
    big.resize(8 * 1024 * 1024 + 1, b' ');
    let r = c
        .post(app.url("/tickets/new"))
        .multipart(form("带附件", vec![("big.pdf", big)]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let (_, list) = get(&c, &app, "/tickets").await;
    assert!(!list.contains("带附件"), "nothing half-written");
    // A photo and a PDF: filed; a double submit of the same form files once.
    let mut ids = vec![];
    for _ in 0..2 {
        let r = c
            .post(app.url("/tickets/new"))
            .multipart(form(
                "带附件",
                vec![("现场.png", png.clone()), ("证明.pdf", pdf.clone())],
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let to = r.headers()["location"].to_str().unwrap().to_owned();
        ids.push(to);
    }
    assert_eq!(ids[0], ids[1], "the retry lands on the same ticket");
    let (_, page) = get(&c, &app, ids[0].split('?').next().unwrap()).await;
    let id: i64 = ids[0]
        .trim_start_matches("/tickets/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let links: Vec<&str> = page
        .match_indices(&format!("/tickets/{id}/attachments/"))
        .map(|(i, _)| &page[i..i + page[i..].find('"').unwrap()])
        .collect();
    assert!(links.len() >= 2, "{links:?}");
    let r = c.get(app.url(links[0])).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "image/png");
    assert_eq!(r.bytes().await.unwrap().as_ref(), png.as_slice());
    // The API lists and serves the same files.
    let (status, list) = app
        .get(
            w.token("liaison_a"),
            &format!("/api/v1/tickets/{id}/attachments"),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["filename"], "现场.png");
    assert_eq!(list[1]["content_type"], "application/pdf");
    let r = app
        .client
        .get(app.url(list[1]["url"].as_str().unwrap()))
        .bearer_auth(w.token("liaison_a"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.bytes().await.unwrap().as_ref(), pdf.as_slice());
    let (status, _) = app
        .get(w.token("liaison_b"), list[1]["url"].as_str().unwrap())
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Grid B's liaison: the ticket and its attachment are 404.
    let (b, _) = sign_in(&app, "liaison.b").await;
    let (status, _) = get(&b, &app, &format!("/tickets/{id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = get(&b, &app, links[0]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Nor may B open the filing form for grid A's enterprise.
    let (status, _) = get(&b, &app, &format!("/tickets/new/{}", w.id("ent_a"))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // The download: the list with its filters, as a workbook.
    w.prepare(&app, "dispatched").await;
    let r = c
        .get(app.url("/tickets?category=utilities&format=xlsx"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains(".xlsx")
    );
    let bytes = r.bytes().await.unwrap();
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let sheet = book.worksheet_range_at(0).unwrap().unwrap();
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(rows[0][0], "编号");
    assert_eq!(
        rows.len(),
        2,
        "header and the one utilities ticket: {rows:?}"
    );
    assert_eq!(rows[1][1], "带附件");
    assert_eq!(rows[1][4], "水电气");
    // The enterprise page's download: that enterprise's tickets only.
    let (_, page) = get(&c, &app, &format!("/enterprises/{}", w.id("ent_a"))).await;
    let link = format!("/tickets?enterprise={}&amp;format=xlsx", w.id("ent_a"));
    assert!(
        page.contains(&link),
        "the enterprise page offers its download"
    );
    let r = c
        .get(app.url(&link.replace("&amp;", "&")))
        .send()
        .await
        .unwrap();
    let mut book: Xlsx<_> =
        Xlsx::new(std::io::Cursor::new(r.bytes().await.unwrap().to_vec())).unwrap();
    let sheet = book.worksheet_range_at(0).unwrap().unwrap();
    assert_eq!(
        sheet.rows().count(),
        3,
        "header, the filed ticket and the prepared one"
    );
}

/// A refused action comes back as the ticket page with the message by the form and what
/// was typed kept: a missing field (422), then a version someone else moved on (409).
async fn refused_actions_keep_the_input(engine: Engine) {
    let app = TestApp::start(engine).await;
    let w = World::build(&app).await;
    let id = w.prepare(&app, "dispatched").await;
    let (c, token) = sign_in(&app, "officer.d1").await;
    let version = app.ticket(w.token("officer_d1"), id).await["version"]
        .as_i64()
        .unwrap();
    let r = c
        .post(app.url(&format!("/tickets/{id}/actions/return")))
        .form(&[
            ("_csrf", token.as_str()),
            ("expected_version", &version.to_string()),
            ("reason", "other"),
            ("reason_text", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap();
    assert!(body.contains("data-field=\"reason_text\""), "{body}");
    assert!(
        body.contains("<option value=\"other\" selected>"),
        "the reason stays chosen"
    );
    // Someone else signs first; this page's version is stale.
    w.step(&app, "officer_d1", id, "accept", serde_json::json!({}))
        .await;
    let r = c
        .post(app.url(&format!("/tickets/{id}/actions/request_extension")))
        .form(&[
            ("_csrf", token.as_str()),
            ("expected_version", &version.to_string()),
            ("days", "3"),
            ("reason", "需要协调三个部门"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let body = r.text().await.unwrap();
    assert!(body.contains("data-test=\"action-error\""), "{body}");
    assert!(
        body.contains("需要协调三个部门"),
        "the reason typed is kept"
    );
    let t = app.ticket(w.token("officer_d1"), id).await;
    assert!(t["pending_extension"].is_null(), "nothing was written");
    // With the page's current version the same forms go through.
    let version = app.ticket(w.token("officer_d1"), id).await["version"]
        .as_i64()
        .unwrap();
    let r = c
        .post(app.url(&format!("/tickets/{id}/actions/request_extension")))
        .form(&[
            ("_csrf", token.as_str()),
            ("expected_version", &version.to_string()),
            ("days", "3"),
            ("reason", "需要协调三个部门"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let t = app.ticket(w.token("officer_d1"), id).await;
    assert_eq!(t["pending_extension"]["days"], 3);
    let other = w.prepare(&app, "dispatched").await;
    let version = app.ticket(w.token("officer_d1"), other).await["version"]
        .as_i64()
        .unwrap();
    let r = c
        .post(app.url(&format!("/tickets/{other}/actions/return")))
        .form(&[
            ("_csrf", token.as_str()),
            ("expected_version", &version.to_string()),
            ("reason", "wrong_territory"),
            ("reason_text", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let t = app.ticket(w.token("head_a"), other).await;
    assert_eq!(t["status"], "submitted");
    assert_eq!(t["last_return"]["code"], "wrong_territory");
}

/// A returned ticket waits at the top of the queue with its reason; the grid head
/// dispatches it again from the ticket page.
async fn returned_tickets_lead_the_queue(engine: Engine) {
    let app = TestApp::start(engine).await;
    let w = World::build(&app).await;
    let returned = w.prepare(&app, "dispatched").await;
    w.step(
        &app,
        "officer_d1",
        returned,
        "return",
        serde_json::json!({"reason": "other", "reason_text": "属于园区管委会职责"}),
    )
    .await;
    let newer = w.file(&app, "较新的工单").await;
    let (c, token) = sign_in(&app, "head.a").await;
    let (status, html) = get(&c, &app, "/queue").await;
    assert_eq!(status, StatusCode::OK);
    let first = html.find(&format!("data-ticket=\"{returned}\"")).unwrap();
    let second = html.find(&format!("data-ticket=\"{newer}\"")).unwrap();
    assert!(first < second, "the returned ticket comes first");
    assert!(html.contains("data-test=\"return-reason\""));
    assert!(html.contains("属于园区管委会职责"));
    // Re-dispatch, to another department this time.
    let version = app.ticket(w.token("head_a"), returned).await["version"]
        .as_i64()
        .unwrap();
    let r = c
        .post(app.url(&format!("/tickets/{returned}/actions/dispatch")))
        .form(&[
            ("_csrf", token.as_str()),
            ("expected_version", &version.to_string()),
            ("accountable_leader_id", &w.id("leader_a").to_string()),
            ("department_id", &w.id("d2").to_string()),
            ("responsible_person_id", &w.id("officer_d2").to_string()),
            ("tracker_id", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let t = app.ticket(w.token("head_a"), returned).await;
    assert_eq!(t["status"], "dispatched");
    assert_eq!(t["department_id"], w.id("d2"));
    let (_, html) = get(&c, &app, "/queue").await;
    assert!(
        !html.contains(&format!("data-ticket=\"{returned}\"")),
        "left the queue"
    );
}

/// On the demo zone: the leader approves an extension and supervises an overdue ticket
/// from the dashboard, and comes back to it each time.
async fn leaders_act_from_the_dashboard(engine: Engine) {
    let db = crate::support::TestDb::new(engine).await;
    crate::support::run(&db, &["seed", "--demo"], &[]);
    let app = TestApp::serve(engine, db).await;
    let c = client();
    let (_, html) = get(&c, &app, "/login").await;
    let r = c
        .post(app.url("/login"))
        .form(&[
            ("username", "leader"),
            ("password", "gridline-demo"),
            ("_csrf", &csrf(&html)),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], "/");
    let (status, html) = get(&c, &app, "/dashboard").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.len() < 100 * 1024);
    let token = csrf(&html);
    let back = input_value(&html, "back");
    // The first extension request and the first overdue ticket on the page.
    let decide_at = html
        .find("/actions/decide_extension\"")
        .expect("an extension to decide");
    let pending: i64 = html[..decide_at]
        .rsplit("/tickets/")
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let supervise_at = html
        .find("/actions/supervise\"")
        .expect("an overdue ticket");
    let overdue: i64 = html[..supervise_at]
        .rsplit("/tickets/")
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let version_of =
        |html: &str, at: usize| -> String { input_value(&html[at..], "expected_version") };
    let r = c
        .post(app.url(&format!("/tickets/{pending}/actions/decide_extension")))
        .form(&[
            ("_csrf", token.as_str()),
            ("expected_version", &version_of(&html, decide_at)),
            ("back", &back),
            ("approve", "true"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"].to_str().unwrap(), back);
    let r = c
        .post(app.url(&format!("/tickets/{overdue}/actions/supervise")))
        .form(&[
            ("_csrf", token.as_str()),
            ("expected_version", &version_of(&html, supervise_at)),
            ("back", &back),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let leader = app.login_with("leader", "gridline-demo").await;
    let t = app.ticket(&leader, pending).await;
    assert!(t["pending_extension"].is_null(), "decided");
    let (_, events) = app
        .get(&leader, &format!("/api/v1/tickets/{overdue}/events"))
        .await;
    let last = events.as_array().unwrap().last().unwrap();
    assert_eq!(last["action"], "supervise");
    let (_, html) = get(&c, &app, "/dashboard").await;
    assert!(!html.contains(&format!("/tickets/{pending}/actions/decide_extension")));
}

/// The admin pages create through the API's handlers: success goes back to the list, a
/// refusal shows the message by its field and keeps the input (never the password).
async fn admins_manage_the_organisation(engine: Engine) {
    let app = TestApp::start(engine).await;
    let w = World::build(&app).await;
    let (c, token) = sign_in(&app, "admin").await;
    let post = |path: &'static str, form: Vec<(&'static str, String)>| {
        let (c, url) = (c.clone(), app.url(path));
        async move { c.post(url).form(&form).send().await.unwrap() }
    };
    let r = post(
        "/admin/departments",
        vec![
            ("_csrf", token.clone()),
            ("name", "应急管理局".into()),
            ("email", "yingji@test.example".into()),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/admin/departments?done=1");
    let (_, html) = get(&c, &app, "/admin/departments?done=1").await;
    assert!(html.contains("应急管理局"));
    // A bad username: the message by the field, the rest kept, the password not echoed.
    let r = post(
        "/admin/users",
        vec![
            ("_csrf", token.clone()),
            ("username", "有 空格".into()),
            ("display_name", "新同事".into()),
            ("password", "a long enough password".into()),
            ("role", "department_officer".into()),
            ("department_id", w.id("d2").to_string()),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("class=\"field-error\""), "{html}");
    assert!(html.contains("value=\"新同事\""));
    assert!(!html.contains("a long enough password"));
    // A grid whose five-ones hold the wrong roles is refused.
    let r = post(
        "/admin/grids",
        vec![
            ("_csrf", token.clone()),
            ("name", "C网格".into()),
            ("linked_leader_id", w.id("liaison_a").to_string()),
            ("head_id", w.id("head_a").to_string()),
            ("task_force_id", w.id("tfg_a").to_string()),
            ("liaison_id", w.id("liaison_a").to_string()),
            ("team", "C网格服务队".into()),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Only admins: a liaison is refused the page and the post.
    let (l, ltoken) = sign_in(&app, "liaison.a").await;
    let (status, _) = get(&l, &app, "/admin/users").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let r = l
        .post(app.url("/admin/task-forces"))
        .form(&[("_csrf", ltoken.as_str()), ("name", "不该有的专班")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let (_, tfs) = app.get(&w.admin, "/api/v1/task-forces").await;
    assert!(!tfs.to_string().contains("不该有的专班"));
}

/// The task force works its escalated tickets: adds co-handling departments (a
/// multi-select) and resolves; a linked leader's dashboard is limited to their grids.
async fn task_force_and_dashboard_scope(engine: Engine) {
    let app = TestApp::start(engine).await;
    let w = World::build(&app).await;
    let id = w.prepare(&app, "escalated").await;
    let (c, token) = sign_in(&app, "tf.member").await;
    let (status, html) = get(&c, &app, "/task-force").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(&format!("data-ticket=\"{id}\"")));
    let (_, page) = get(&c, &app, &format!("/tickets/{id}")).await;
    assert!(page.contains("class=\"action\" data-action=\"add_co_departments\""));
    assert!(page.contains("class=\"action\" data-action=\"resolve\""));
    assert!(!page.contains("class=\"action\" data-action=\"accept\""));
    let version = input_value(&page, "expected_version");
    let r = c
        .post(app.url(&format!("/tickets/{id}/actions/add_co_departments")))
        .form(&[
            ("_csrf", token.as_str()),
            ("expected_version", version.as_str()),
            ("department_ids", &w.id("d1").to_string()),
            ("department_ids", &w.id("d3").to_string()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let t = app.ticket(w.token("tf_member"), id).await;
    let mut co: Vec<i64> = t["co_department_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    co.sort_unstable();
    // d1 is responsible already, so only d3 joins d2.
    let mut want = vec![w.id("d2"), w.id("d3")];
    want.sort_unstable();
    assert_eq!(co, want);
    // The co-handling department sees it apart in its inbox.
    let (o3, _) = sign_in(&app, "officer.d3").await;
    let (_, inbox) = get(&o3, &app, "/inbox").await;
    let co_section = inbox.find("data-section=\"list.co_handled\"").unwrap();
    assert!(inbox[co_section..].contains(&format!("data-ticket=\"{id}\"")));
    // The dashboard: a linked leader may filter by their grid, not another's.
    let (l, _) = sign_in(&app, "leader.a").await;
    let (status, _) = get(&l, &app, &format!("/dashboard?grid={}", w.id("grid_a"))).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = get(&l, &app, &format!("/dashboard?grid={}", w.id("grid_b"))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = get(&l, &app, "/dashboard?period=2026-13").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, html) = get(&l, &app, "/dashboard?period=2026-W48").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<option value=\"2026-W48\" selected>") || html.contains("2026-W48"));
    // Officers have no dashboard.
    let (status, _) = get(&o3, &app, "/dashboard").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

/// A session in use is renewed (same sign-in time); one signed in more than a working day
/// ago is not, so it ends within a token's lifetime however busy it is.
async fn sessions_renew_within_a_working_day(engine: Engine) {
    use jsonwebtoken::{EncodingKey, Header};
    let app = TestApp::start(engine).await;
    let w = World::build(&app).await;
    let now = chrono::Utc::now().timestamp();
    let token = |iat: i64, auth_time: i64| {
        let claims = serde_json::json!({
            "sub": w.id("liaison_a").to_string(), "role": "liaison", "iat": iat, "nbf": iat,
            "exp": iat + 1800, "iss": "gridline", "aud": "gridline-api", "auth_time": auth_time,
        });
        jsonwebtoken::encode(
            &Header::default(),
            &claims,
            &EncodingKey::from_secret(crate::support::TEST_SECRET.as_bytes()),
        )
        .unwrap()
    };
    let fetch = |cookie: String| {
        let c = client();
        let url = app.url("/tickets");
        async move {
            let r = c.get(url).header("cookie", cookie).send().await.unwrap();
            let renewed: Vec<String> = r
                .headers()
                .get_all("set-cookie")
                .iter()
                .map(|v| v.to_str().unwrap().to_owned())
                .filter(|v| v.starts_with("gl_session="))
                .collect();
            (r.status(), renewed)
        }
    };
    // Fresh: no renewal needed.
    let (status, renewed) = fetch(format!("gl_session={}; gl_sid=x", token(now, now))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(renewed.is_empty());
    // Past half its life, signed in this morning: renewed, keeping the sign-in time.
    let signed_in = now - 3 * 3600;
    let (status, renewed) = fetch(format!(
        "gl_session={}; gl_sid=x",
        token(now - 1200, signed_in)
    ))
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(renewed.len(), 1, "renewed");
    let fresh = renewed[0]
        .trim_start_matches("gl_session=")
        .split(';')
        .next()
        .unwrap();
    let payload = fresh.split('.').nth(1).unwrap();
    use base64::Engine as _;
    let claims: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(claims["auth_time"], signed_in);
    assert!(claims["iat"].as_i64().unwrap() >= now);
    assert!(renewed[0].contains("HttpOnly"));
    // Signed in 13 hours ago: still valid for now, but not renewed.
    let (status, renewed) = fetch(format!(
        "gl_session={}; gl_sid=x",
        token(now - 1200, now - 13 * 3600)
    ))
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(renewed.is_empty(), "no renewal past a working day");
}

/// Work left for ten days turns red: the inbox shows it first and red, the ticket page says
/// by how many working days, and the overdue download holds it.
async fn late_work_is_red(engine: Engine) {
    let db = crate::support::TestDb::new(engine).await;
    let ten_days_ago = (chrono::Utc::now() - chrono::Duration::days(10)).to_rfc3339();
    crate::support::run(&db, &["seed", "--demo", "--now", &ten_days_ago], &[]);
    let app = TestApp::serve(engine, db).await;
    let (c, _) = sign_in_with(&app, "officer.land", "gridline-demo").await;
    let (status, inbox) = get(&c, &app, "/inbox").await;
    assert_eq!(status, StatusCode::OK);
    let first_row = inbox
        .find("<tr class=\"light-")
        .expect("a row with a light");
    assert!(
        inbox[first_row..].starts_with("<tr class=\"light-red\""),
        "the most overdue comes first, in red"
    );
    let row_at = inbox[first_row..].find("data-ticket=\"").unwrap() + first_row + 13;
    let id = &inbox[row_at..row_at + inbox[row_at..].find('"').unwrap()];
    let (_, page) = get(&c, &app, &format!("/tickets/{id}")).await;
    assert!(
        page.contains("已超期"),
        "the ticket page says it is overdue"
    );
    assert!(page.contains("dot dot-red"));
    let r = c
        .get(app.url("/tickets?overdue=on&format=xlsx"))
        .send()
        .await
        .unwrap();
    let mut book: Xlsx<_> =
        Xlsx::new(std::io::Cursor::new(r.bytes().await.unwrap().to_vec())).unwrap();
    let sheet = book.worksheet_range_at(0).unwrap().unwrap();
    let numbers: Vec<String> = sheet.rows().skip(1).map(|r| r[0].to_string()).collect();
    assert!(!numbers.is_empty());
    assert!(
        sheet
            .rows()
            .skip(1)
            .all(|r| r[10].to_string().parse::<f64>().unwrap() < 0.0),
        "every downloaded row is past its deadline"
    );
}

both_engines!(
    late_work_is_red,
    sessions_renew_within_a_working_day,
    task_force_and_dashboard_scope,
    admins_manage_the_organisation,
    sign_in_and_out,
    attachments_and_download,
    refused_actions_keep_the_input,
    returned_tickets_lead_the_queue,
    leaders_act_from_the_dashboard,
);
