//! The house's rules, read from `cargo metadata`, so they hold after whoever changes a
//! `Cargo.toml` next: rules in `domain` (no I/O crates), use cases in `app` (no web
//! framework), and doors — `api`, `web`, `notifier` — that reach the rules through `app`,
//! never through another door or the store.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

const DOORS: [&str; 3] = ["gridline-api", "gridline-web", "gridline-notifier"];

/// Each workspace package's normal (non-dev) dependencies.
fn dependencies() -> BTreeMap<String, BTreeSet<String>> {
    let out = Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let deps = p["dependencies"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|d| d["kind"].is_null())
                .map(|d| d["name"].as_str().unwrap().to_owned())
                .collect();
            (p["name"].as_str().unwrap().to_owned(), deps)
        })
        .collect()
}

#[test]
fn doors_reach_the_rules_through_the_application_layer() {
    let deps = dependencies();
    let mut broken = vec![];
    for door in DOORS {
        let of = &deps[door];
        assert!(
            of.contains("gridline-app"),
            "{door} uses the application layer"
        );
        for dep in of {
            let forbidden =
                (DOORS.contains(&dep.as_str()) && dep != door) || dep == "gridline-store";
            if forbidden {
                broken.push(format!("{door} -> {dep}"));
            }
        }
    }
    assert!(
        broken.is_empty(),
        "doors reaching past the application layer: {broken:?}"
    );
}

#[test]
fn rules_and_use_cases_stay_free_of_transport() {
    let deps = dependencies();
    for (krate, banned) in [
        (
            "gridline-domain",
            &[
                "axum",
                "sea-orm",
                "tokio",
                "lettre",
                "gridline-store",
                "gridline-app",
            ][..],
        ),
        (
            "gridline-app",
            &[
                "axum",
                "axum-extra",
                "tower-http",
                "lettre",
                "minijinja",
                "utoipa-axum",
            ][..],
        ),
    ] {
        for b in banned {
            assert!(!deps[krate].contains(*b), "{krate} must not depend on {b}");
        }
    }
    for door in DOORS {
        assert!(
            !deps["gridline-app"].contains(door),
            "the application layer must not depend on the door {door}"
        );
    }
}
