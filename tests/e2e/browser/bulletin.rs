//! The bulletin (通报) printed from Chromium: the page prints on A4 without the navigation,
//! and the PDF holds the bulletin's text (read back with poppler's pdfinfo and pdftotext).

use chrono::TimeZone;
use fantoccini::wd::PrintConfiguration;
use serde_json::json;

use super::harness::*;
use crate::both_engines;
use crate::support::{Engine, TestApp, TestClock};
use crate::world::World;

fn poppler(tool: &str, pdf: &std::path::Path) -> String {
    let out = std::process::Command::new(tool)
        .arg(pdf)
        .args(if tool == "pdftotext" {
            &["-"][..]
        } else {
            &[][..]
        })
        .output()
        .unwrap_or_else(|e| panic!("{tool} (make browser-deps installs poppler-utils): {e}"));
    assert!(
        out.status.success(),
        "{tool}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

async fn a_bulletin_prints_on_a4(engine: Engine) {
    let clock = TestClock::at(chrono::Utc.with_ymd_and_hms(2026, 9, 1, 1, 0, 0).unwrap());
    let env = vec![
        clock.env(),
        ("GRIDLINE__AUTH__TOKEN_TTL_SECS", (90 * 86_400).to_string()),
        // The late ticket (6 working days past due at the month's end) is named.
        ("GRIDLINE__APPRAISAL__NAMED_AFTER_DAYS", "1".to_owned()),
    ];
    let app = TestApp::start_with(engine, &env).await;
    let w = World::build(&app).await;
    let late = w.prepare(&app, "accepted").await;
    w.prepare(&app, "resolved").await;
    clock.set(chrono::Utc.with_ymd_and_hms(2026, 10, 9, 2, 0, 0).unwrap());
    let (s, b) = app
        .post(
            w.token("top"),
            "/api/v1/bulletins",
            json!({"period": "2026-09"}),
        )
        .await;
    assert_eq!(s.as_u16(), 201, "{b}");
    let number = app.ticket(&w.admin, late).await["number"]
        .as_str()
        .unwrap()
        .to_owned();

    let base = app.base.clone();
    let mut driver = Driver::start();
    let desk = person(&mut driver, DESKTOP, &base, "top", "/dashboard").await;
    desk.goto(&format!("{base}/bulletins/2026-09"))
        .await
        .unwrap();
    let shown = text(&desk, "main").await;
    assert!(
        shown.contains("2026-09") && shown.contains(&number),
        "{shown}"
    );
    let tag = match engine {
        Engine::Sqlite => "sqlite",
        Engine::Postgres => "postgres",
    };
    check_and_shoot(&desk, &format!("{tag}-bulletin-desktop"), DESKTOP).await;

    let pdf = desk
        .print(PrintConfiguration::builder().build().unwrap())
        .await
        .unwrap();
    assert!(pdf.starts_with(b"%PDF"), "a PDF");
    let path = screenshot_dir().join(format!("{tag}-bulletin.pdf"));
    std::fs::write(&path, &pdf).unwrap();
    let info = poppler("pdfinfo", &path);
    let pages: u32 = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("{info}"));
    // Three departments, the named ticket and the summary: one or two A4 pages, not a
    // screen-width page cut into strips.
    assert!((1..=2).contains(&pages), "{pages} pages\n{info}");
    assert!(info.contains("A4"), "{info}");
    let printed = poppler("pdftotext", &path);
    for needle in [
        "工作通报 2026-09",
        "红榜",
        "自然资源分局",
        number.as_str(),
        "部门考核得分",
    ] {
        assert!(
            printed.contains(needle),
            "{needle} in the printed bulletin:\n{printed}"
        );
    }
    // The print stylesheet leaves the navigation and the print button off the paper.
    let nav = text(&desk, "header.top nav").await;
    let first_link = nav.split_whitespace().next().unwrap_or_default().to_owned();
    assert!(!first_link.is_empty());
    assert!(
        !printed.contains(&first_link),
        "no navigation on paper: {first_link}"
    );
    assert!(!printed.contains("打印"), "no print button on paper");
}

both_engines!(a_bulletin_prints_on_a4);
