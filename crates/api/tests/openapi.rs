//! The API's contract as a snapshot: any change to a path, a parameter, a schema or an error
//! answer shows up as a diff of `snapshots/openapi__contract.snap` in review (accept it with
//! `cargo insta review`, or `INSTA_UPDATE=always`, when the change is meant).

#![allow(clippy::unwrap_used, reason = "tests fail loudly")]

#[test]
fn contract() {
    let doc = gridline_api::openapi();
    let text = serde_json::to_string_pretty(&doc).unwrap();
    insta::assert_snapshot!("contract", text);
}
