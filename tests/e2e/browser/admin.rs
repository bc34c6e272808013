//! Day two in a real browser: an administrator hands a departing officer's tickets to a
//! colleague, and imports the enterprise register from a file.

use serde_json::json;

use super::harness::*;
use crate::both_engines;
use crate::support::{Engine, PASSWORD, TestApp};
use crate::world::{World, credit_code};

async fn handover_and_import_in_the_browser(engine: Engine) {
    let app = TestApp::start(engine).await;
    let w = World::build(&app).await;
    let base = app.base.clone();
    let colleague = app
        .post_ok(
            &w.admin,
            "/api/v1/users",
            json!({"username": "officer.d1b", "display_name": "王经办", "password": PASSWORD,
                   "role": "department_officer", "department_id": w.id("d1")}),
            201,
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let ticket = w.prepare(&app, "accepted").await;
    let mut driver = Driver::start();
    let admin = person(&mut driver, DESKTOP, &base, "admin", "/admin/users").await;

    // The handover, from the officer's page.
    admin
        .goto(&format!("{base}/admin/users/{}", w.id("officer_d1")))
        .await
        .unwrap();
    assert!(text(&admin, "[data-test=holdings]").await.contains("GL-"));
    select(
        &admin,
        "form[data-test=handover] select[name=to_user_id]",
        &colleague.to_string(),
    )
    .await;
    fill(
        &admin,
        "form[data-test=handover] textarea[name=reason]",
        "干部轮岗，工作移交",
    )
    .await;
    click(&admin, "button[data-submit=handover]").await;
    wait_until(&admin, |u| u.contains("done=handed_over")).await;
    text(&admin, "[data-test=holds-nothing]").await;
    check_and_shoot(&admin, "admin-user-after-handover", DESKTOP).await;
    assert_eq!(
        app.ticket(&w.admin, ticket).await["responsible_person_id"],
        colleague
    );

    // The import: a GBK file, checked, then confirmed.
    let header = "企业名称,统一社会信用代码,所属网格,产业集群,规上企业,地址,联系人,联系电话";
    let body = format!(
        "{header}\n浏览器导入甲,{},a网格,电子信息,是,科技大道 1 号,赵经理,0762-1111111\n浏览器导入乙,{},b网格,其他,否,,,\n",
        credit_code(700),
        credit_code(701)
    );
    let (gbk, _, _) = encoding_rs::GBK.encode(&body);
    let file = std::env::temp_dir().join(format!("gridline-register-{}.csv", std::process::id()));
    std::fs::write(&file, &gbk).unwrap();
    admin
        .goto(&format!("{base}/register/import"))
        .await
        .unwrap();
    admin
        .find(fantoccini::Locator::Css("input[type=file][name=file]"))
        .await
        .unwrap()
        .send_keys(file.to_str().unwrap())
        .await
        .unwrap();
    click(&admin, "button[data-submit=check]").await;
    wait_until(&admin, |u| u.ends_with("/register/import/check")).await;
    assert_eq!(text(&admin, "[data-count=new]").await, "2");
    assert_eq!(text(&admin, "[data-count=invalid]").await, "0");
    check_and_shoot(&admin, "register-import-checked", DESKTOP).await;
    click(&admin, "button[data-submit=confirm]").await;
    wait_until(&admin, |u| u.contains("done=imported")).await;
    let listed = text(&admin, "[data-test=register]").await;
    assert!(
        listed.contains("浏览器导入甲") && listed.contains("浏览器导入乙"),
        "{listed}"
    );
    let _ = std::fs::remove_file(file);
    drop(driver);
}

both_engines!(handover_and_import_in_the_browser);
