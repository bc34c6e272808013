//! The enterprise register's pages: import (check, see every row, confirm), the list with
//! its download, and an enterprise's edit form.

use calamine::Reader;
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};

use super::{csrf, get, input_value, sign_in};
use crate::both_engines;
use crate::support::{Engine, TestApp};
use crate::world::{World, credit_code};

async fn upload(
    c: &reqwest::Client,
    app: &TestApp,
    token: &str,
    body: Vec<u8>,
    name: &str,
) -> (StatusCode, String) {
    let form = Form::new()
        .text("_csrf", token.to_owned())
        .part("file", Part::bytes(body).file_name(name.to_owned()));
    let r = c
        .post(app.url("/register/import/check"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    (r.status(), r.text().await.unwrap())
}

async fn import_and_edit_from_the_pages(engine: Engine) {
    let app = TestApp::start(engine).await;
    let w = World::build(&app).await;
    let (c, token) = sign_in(&app, "admin").await;
    let header = "企业名称,统一社会信用代码,所属网格,产业集群,规上企业,地址,联系人,联系电话";
    let bad = format!(
        "{header}\n新企业甲,{},a网格,电子信息,是,,,\n,{},无此网格,电子信息,否,,,\n",
        credit_code(900),
        credit_code(901)
    );
    let (status, html) = upload(&c, &app, &token, bad.into_bytes(), "名录.csv").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("data-test=\"fix-first\""),
        "no confirmation for a file with errors"
    );
    assert!(
        html.contains("data-code=\"missing_name\"") && html.contains("data-code=\"unknown_grid\"")
    );
    assert!(!html.contains("name=\"token\""));
    // Every row's outcome downloads, even those the page leaves out.
    let at = html
        .find("/register/import/report/")
        .expect("the full report's link");
    let link = &html[at..at + html[at..].find('"').unwrap()];
    let r = c.get(app.url(link)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let mut book: calamine::Xlsx<_> =
        calamine::Xlsx::new(std::io::Cursor::new(r.bytes().await.unwrap().to_vec())).unwrap();
    let sheet = calamine::Reader::worksheet_range_at(&mut book, 0)
        .unwrap()
        .unwrap();
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(ToString::to_string).collect())
        .collect();
    assert_eq!(rows.len(), 3, "the header and both rows");
    assert_eq!(rows[1][3], "新增");
    assert_eq!(rows[2][3], "有误");
    assert!(
        rows[2][4].contains("网格"),
        "the problem, in Chinese: {:?}",
        rows[2]
    );
    let (h0, _) = sign_in(&app, "head.a").await;
    assert_eq!(
        h0.get(app.url(link)).send().await.unwrap().status(),
        StatusCode::FORBIDDEN,
        "only zone-wide keepers"
    );

    let good = format!(
        "{header}\n新企业甲,{},a网格,电子信息,是,科技大道 9 号,赵经理,0762-7654321\n新企业乙,{},b网格,其他,否,,,\n",
        credit_code(900),
        credit_code(901)
    );
    let (gbk, _, _) = encoding_rs::GBK.encode(&good);
    let (status, html) = upload(&c, &app, &token, gbk.to_vec(), "名录.csv").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("data-count=\"new\">2<"), "{html}");
    let staged = input_value(&html, "token");
    // Confirmed once: imported; the same confirmation again is refused.
    let confirm = [("_csrf", token.as_str()), ("token", staged.as_str())];
    let r = c
        .post(app.url("/register/import/confirm"))
        .form(&confirm)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(
        r.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/register?done=imported")
    );
    let r = c
        .post(app.url("/register/import/confirm"))
        .form(&confirm)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let (status, list) = get(&c, &app, "/register?q=新企业").await;
    assert_eq!(status, StatusCode::OK);
    assert!(list.contains("新企业甲") && list.contains("新企业乙"));
    let (_, a_only) = get(&c, &app, &format!("/register?grid={}", w.id("grid_b"))).await;
    assert!(a_only.contains("新企业乙") && !a_only.contains("新企业甲"));
    let r = c
        .get(app.url("/register?q=新企业&format=xlsx"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("spreadsheetml")
    );

    // A grid head edits their grid's enterprise from its page.
    let (h, htoken) = sign_in(&app, "head.a").await;
    let (_, found) = app
        .get(
            &w.admin,
            &format!("/api/v1/enterprises?q={}", credit_code(900)),
        )
        .await;
    let id = found[0]["id"].as_i64().unwrap();
    let (status, page) = get(&h, &app, &format!("/enterprises/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("赵经理"));
    let version = input_value(&page, "expected_version");
    let r = h
        .post(app.url(&format!("/enterprises/{id}")))
        .form(&[
            ("_csrf", htoken.as_str()),
            ("expected_version", &version),
            ("name", "新企业甲（更名）"),
            ("cluster", "electronic_information"),
            ("grid_id", &w.id("grid_a").to_string()),
            ("above_size", "on"),
            ("address", "科技大道 9 号"),
            ("contact_person", "钱经理"),
            ("contact_phone", "电话"),
            ("active", "on"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "a bad phone");
    let r = h
        .post(app.url(&format!("/enterprises/{id}")))
        .form(&[
            ("_csrf", htoken.as_str()),
            ("expected_version", &version),
            ("name", "新企业甲（更名）"),
            ("cluster", "electronic_information"),
            ("grid_id", &w.id("grid_a").to_string()),
            ("above_size", "on"),
            ("address", "科技大道 9 号"),
            ("contact_person", "钱经理"),
            ("contact_phone", "0762-7654321"),
            ("active", "on"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, page) = get(&h, &app, &format!("/enterprises/{id}?done=saved")).await;
    assert!(page.contains("钱经理") && page.contains("新企业甲（更名）"));
    // Not for the others.
    let (o, _) = sign_in(&app, "officer.d1").await;
    assert_eq!(get(&o, &app, "/register").await.0, StatusCode::FORBIDDEN);
    assert_eq!(get(&h, &app, "/register/import").await.0, StatusCode::OK);
    let (status, _) = upload(&h, &app, &htoken, good.into_bytes(), "x.csv").await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "imports are for zone-wide keepers"
    );
    let _ = csrf;
}

both_engines!(import_and_edit_from_the_pages);
