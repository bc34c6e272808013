//! Filing with photos and PDFs through the form; attachments and the list download.

use calamine::{Reader, Xlsx};
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};

use super::{get, input_value, sign_in};
use crate::both_engines;
use crate::support::{Engine, TestApp};
use crate::world::World;

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

both_engines!(attachments_and_download,);
