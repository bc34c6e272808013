//! Forged, expired, tampered and stale tokens are 401.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{EncodingKey, Header};
use serde_json::{Value, json};

use crate::both_engines;
use crate::support::{Engine, TEST_SECRET, TestApp};
use crate::world::World;

fn forge(claims: Value, secret: &[u8], alg: jsonwebtoken::Algorithm) -> String {
    jsonwebtoken::encode(
        &Header::new(alg),
        &claims,
        &EncodingKey::from_secret(secret),
    )
    .unwrap()
}

async fn tokens_are_checked(engine: Engine) {
    let app = TestApp::start(engine).await;
    let w = World::build(&app).await;
    let sub = w.id("top").to_string();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let claims = |exp: i64, nbf: i64| json!({"sub": sub, "role": "leader", "iat": now, "nbf": nbf, "exp": exp, "iss": "gridline", "aud": "gridline-api"});
    let good = forge(
        claims(now + 600, now),
        TEST_SECRET.as_bytes(),
        jsonwebtoken::Algorithm::HS256,
    );
    assert_eq!(
        app.get(&good, "/api/v1/me").await.0,
        200,
        "the forging itself is right"
    );

    let real = w.token("top").to_owned();
    let (h, rest) = real.split_once('.').unwrap();
    let (p, sig) = rest.split_once('.').unwrap();
    let none_header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let mut payload: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(p).unwrap()).unwrap();
    payload["role"] = json!("admin");
    let tampered_payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&payload).unwrap());
    let bad = [
        (
            "expired",
            forge(
                claims(now - 3600, now - 7200),
                TEST_SECRET.as_bytes(),
                jsonwebtoken::Algorithm::HS256,
            ),
        ),
        (
            "not yet valid",
            forge(
                claims(now + 7200, now + 3600),
                TEST_SECRET.as_bytes(),
                jsonwebtoken::Algorithm::HS256,
            ),
        ),
        (
            "other key",
            forge(
                claims(now + 600, now),
                b"some-other-secret-of-enough-length!!",
                jsonwebtoken::Algorithm::HS256,
            ),
        ),
        (
            "HS512",
            forge(
                claims(now + 600, now),
                TEST_SECRET.as_bytes(),
                jsonwebtoken::Algorithm::HS512,
            ),
        ),
        ("alg none", format!("{none_header}.{p}.")),
        ("tampered", format!("{h}.{tampered_payload}.{sig}")),
        ("truncated", real[..real.len() - 10].to_owned()),
        (
            "wrong issuer",
            forge(
                json!({"sub": sub, "role": "leader", "iat": now, "nbf": now, "exp": now + 600, "iss": "other", "aud": "gridline-api"}),
                TEST_SECRET.as_bytes(),
                jsonwebtoken::Algorithm::HS256,
            ),
        ),
        (
            "no subject",
            forge(
                json!({"role": "leader", "iat": now, "nbf": now, "exp": now + 600, "iss": "gridline", "aud": "gridline-api"}),
                TEST_SECRET.as_bytes(),
                jsonwebtoken::Algorithm::HS256,
            ),
        ),
        (
            "stale role",
            forge(
                json!({"sub": sub, "role": "admin", "iat": now, "nbf": now, "exp": now + 600, "iss": "gridline", "aud": "gridline-api"}),
                TEST_SECRET.as_bytes(),
                jsonwebtoken::Algorithm::HS256,
            ),
        ),
        ("garbage", "abc.def.ghi".to_owned()),
    ];
    for (what, token) in bad {
        let (status, res) = app.get(&token, "/api/v1/me").await;
        assert_eq!(status, 401, "{what}: {res}");
        assert_eq!(res["code"], "invalid_token", "{what}");
    }
    let (status, res) = app
        .call(
            reqwest::Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "top", "password": "wrong password"})),
        )
        .await;
    assert_eq!(
        (status.as_u16(), res["code"].as_str().unwrap()),
        (401, "invalid_credentials")
    );
    let (status, _) = app
        .call(
            reqwest::Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "nobody", "password": "wrong password"})),
        )
        .await;
    assert_eq!(status, 401);
}

both_engines!(tokens_are_checked,);
