//! Tokens (RFC 8725 checks), identity, roles taking effect at once, the first admin.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Duration;
use entity::Role;
use firebreak::auth::keys::local_kid;
use firebreak::cli::{TokenArgs, issue_token};
use firebreak_tests::serde_json::{Value, json};
use firebreak_tests::{Backend, TEST_SECRET, TestApp, e2e};
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use std::path::PathBuf;

fn fixture(name: &str) -> PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

fn claims(app: &TestApp, sub: &str) -> Value {
    let now = app.now().timestamp();
    json!({ "sub": sub, "iss": "firebreak", "aud": "firebreak", "exp": now + 3600, "nbf": now - 1, "iat": now })
}

fn hs256(kid: Option<&str>, claims: &Value, secret: &[u8]) -> String {
    let mut header = Header::new(Algorithm::HS256);
    header.kid = kid.map(str::to_owned);
    encode(&header, claims, &EncodingKey::from_secret(secret)).unwrap()
}

fn local(claims: &Value) -> String {
    hs256(
        Some(&local_kid(TEST_SECRET.as_bytes())),
        claims,
        TEST_SECRET.as_bytes(),
    )
}

/// A request as `token`; returns (status, body).
async fn whoami(app: &TestApp, token: &str) -> (u16, Value) {
    let res = app
        .gql(Some(token), "{ viewer { login role } }", json!({}))
        .await;
    (res.status, res.body)
}

#[track_caller]
fn refused(result: (u16, Value), what: &str) {
    let (status, body) = result;
    assert_eq!(status, 401, "{what}: {body}");
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{what}"
    );
    assert_eq!(
        body["errors"][0]["message"], "invalid token",
        "{what}: nothing else is said"
    );
    assert!(body.get("data").is_none(), "{what}");
}

e2e!(
    hostile_tokens_are_refused_and_the_server_is_unaffected,
    |app| {
        app.named_user("ada", Role::Admin).await;
        let good = claims(&app, "ada");
        assert_eq!(whoami(&app, &local(&good)).await.0, 200);

        // alg: none
        let none_header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        let payload = URL_SAFE_NO_PAD.encode(good.to_string());
        refused(
            whoami(&app, &format!("{none_header}.{payload}.")).await,
            "alg none",
        );
        // another key
        refused(
            whoami(
                &app,
                &hs256(None, &good, b"another-secret-another-secret-0123"),
            )
            .await,
            "other key",
        );
        // tampered payload
        let token = local(&good);
        let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
        let mut forged = good.clone();
        forged["sub"] = json!("mallory");
        parts[1] = URL_SAFE_NO_PAD.encode(forged.to_string());
        refused(whoami(&app, &parts.join(".")).await, "tampered");
        // time
        let mut expired = good.clone();
        expired["exp"] = json!(app.now().timestamp() - 60);
        refused(whoami(&app, &local(&expired)).await, "expired");
        let mut early = good.clone();
        early["nbf"] = json!(app.now().timestamp() + 600);
        refused(whoami(&app, &local(&early)).await, "not yet valid");
        // audience, issuer, subject, expiry: wrong or missing
        for (field, value) in [
            ("aud", json!("someone-else")),
            ("iss", json!("evil")),
            ("aud", json!(["x", "y"])),
        ] {
            let mut c = good.clone();
            c[field] = value;
            refused(whoami(&app, &local(&c)).await, &format!("wrong {field}"));
        }
        for field in ["aud", "iss", "sub", "exp"] {
            let mut c = good.clone();
            c.as_object_mut().unwrap().remove(field);
            refused(whoami(&app, &local(&c)).await, &format!("missing {field}"));
        }
        // a jku header pointing elsewhere (keys are never fetched)
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(local_kid(TEST_SECRET.as_bytes()));
        header.jku = Some("https://attacker.example/jwks.json".into());
        let t = encode(
            &header,
            &good,
            &EncodingKey::from_secret(TEST_SECRET.as_bytes()),
        )
        .unwrap();
        refused(whoami(&app, &t).await, "jku");
        // an unknown kid
        refused(
            whoami(&app, &hs256(Some("nope"), &good, TEST_SECRET.as_bytes())).await,
            "unknown kid",
        );
        // garbage and a non-bearer scheme
        refused(whoami(&app, "garbage").await, "garbage");
        let res = app
            .raw(
                reqwest::Method::POST,
                "/graphql",
                &[
                    ("content-type", "application/json"),
                    ("authorization", "Basic YWRhOmFkYQ=="),
                ],
                Some(br#"{"query":"{ __typename }"}"#.to_vec()),
            )
            .await;
        assert_eq!(res.status, 401);
        // a 64 KB header is refused before any parsing
        let huge = format!("Bearer {}", "A".repeat(64 * 1024));
        let res = app
            .raw(
                reqwest::Method::POST,
                "/graphql",
                &[
                    ("content-type", "application/json"),
                    ("authorization", &huge),
                ],
                Some(br#"{"query":"{ __typename }"}"#.to_vec()),
            )
            .await;
        assert_eq!(res.status, 431);
        // and the server still answers
        let (status, body) = whoami(&app, &local(&good)).await;
        assert_eq!(status, 200);
        assert_eq!(body["data"]["viewer"]["login"], "ada");
    }
);

/// An app that also trusts the pretend identity provider's keys.
async fn with_idp(backend: Backend, auto_provision: bool) -> TestApp {
    TestApp::spawn_with(backend, |c| {
        c.auth.jwt_keys_file = Some(fixture("idp-jwks.json"));
        c.auth.auto_provision = auto_provision;
    })
    .await
    .unwrap()
}

fn idp_token(kid: &str, alg: Algorithm, pem: &str, claims: &Value) -> String {
    let pem = std::fs::read(fixture(pem)).unwrap();
    let key = match alg {
        Algorithm::EdDSA => EncodingKey::from_ed_pem(&pem).unwrap(),
        _ => EncodingKey::from_rsa_pem(&pem).unwrap(),
    };
    let mut header = Header::new(alg);
    header.kid = Some(kid.into());
    encode(&header, claims, &key).unwrap()
}

e2e!(identity_provider_keys_rotate_by_kid, |app| {
    let app = with_idp(app.backend, false).await;
    app.idp_user("grace", Role::Responder).await;
    let c = claims(&app, "grace");
    let old = idp_token("idp-2025", Algorithm::EdDSA, "idp-ed25519.pem", &c);
    let new = idp_token("idp-2026", Algorithm::RS256, "idp-rsa.pem", &c);
    assert_eq!(whoami(&app, &old).await.0, 200);
    assert_eq!(whoami(&app, &new).await.0, 200);
    // a key presented under another key's kid
    refused(
        whoami(
            &app,
            &idp_token("idp-2025", Algorithm::RS256, "idp-rsa.pem", &c),
        )
        .await,
        "kid/alg mismatch",
    );
    // the RSA public key used as an HMAC secret (algorithm confusion)
    let public_pem = std::fs::read(fixture("idp-rsa.pub.pem")).unwrap();
    refused(
        whoami(&app, &hs256(Some("idp-2026"), &c, &public_pem)).await,
        "public key as HMAC secret",
    );
    // unknown subjects are refused without auto-provisioning
    let stranger = idp_token(
        "idp-2026",
        Algorithm::RS256,
        "idp-rsa.pem",
        &claims(&app, "stranger"),
    );
    refused(whoami(&app, &stranger).await, "unknown sub");
});

e2e!(an_audience_array_containing_ours_is_accepted, |app| {
    app.named_user("ada", Role::Viewer).await;
    let mut c = claims(&app, "ada");
    c["aud"] = json!(["reporting", "firebreak"]);
    let (status, body) = whoami(&app, &local(&c)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["viewer"]["login"], "ada");
    c["aud"] = json!([]);
    refused(whoami(&app, &local(&c)).await, "empty aud array");
});

e2e!(identity_provider_subjects_never_name_local_logins, |app| {
    let app = with_idp(app.backend, true).await;
    let (ada_id, _) = app.named_user("ada", Role::Admin).await;
    // The identity provider says "ada": that is not the local admin ada.
    let t = idp_token(
        "idp-2026",
        Algorithm::RS256,
        "idp-rsa.pem",
        &claims(&app, "ada"),
    );
    let res = app
        .gql(
            Some(&t),
            "{ viewer { id login role identityProvider } }",
            json!({}),
        )
        .await;
    let v = res.ok()["viewer"].clone();
    assert_ne!(v["id"], ada_id.as_str());
    assert_eq!(
        v["role"], "VIEWER",
        "provisioned as a new viewer, not the admin"
    );
    assert_eq!(v["login"], "ada");
    assert_eq!(v["identityProvider"], true);
    // Without auto-provisioning it is simply refused.
    let strict = with_idp(app.backend, false).await;
    strict.named_user("ada", Role::Admin).await;
    let t = idp_token(
        "idp-2026",
        Algorithm::RS256,
        "idp-rsa.pem",
        &claims(&strict, "ada"),
    );
    refused(whoami(&strict, &t).await, "idp sub naming a local login");
});

e2e!(
    auto_provisioning_creates_viewers_for_identity_provider_tokens_only,
    |app| {
        let app = with_idp(app.backend, true).await;
        let t = idp_token(
            "idp-2026",
            Algorithm::RS256,
            "idp-rsa.pem",
            &claims(&app, "newcomer"),
        );
        let (status, body) = whoami(&app, &t).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["data"]["viewer"]["role"], "VIEWER");
        // A local token for an unknown user is still refused.
        refused(
            whoami(&app, &local(&claims(&app, "ghost"))).await,
            "local unknown sub",
        );
    }
);

e2e!(
    deactivation_and_role_changes_apply_on_the_next_request,
    |app| {
        let (_, admin) = app.named_user("root", Role::Admin).await;
        let (bob_id, bob) = app.named_user("bob", Role::Manager).await;
        assert_eq!(
            whoami(&app, &bob).await.1["data"]["viewer"]["role"],
            "MANAGER"
        );
        let res = app
        .gql(
            Some(&admin),
            "mutation($id: ID!) { updateUser(input: { id: $id, role: VIEWER }) { user { role } } }",
            json!({ "id": bob_id }),
        )
        .await;
        assert_eq!(res.ok()["updateUser"]["user"]["role"], "VIEWER");
        assert_eq!(
            whoami(&app, &bob).await.1["data"]["viewer"]["role"],
            "VIEWER"
        );
        let res = app
            .gql(
                Some(&admin),
                "mutation($id: ID!) { deactivateUser(input: { id: $id }) { user { active } } }",
                json!({ "id": bob_id }),
            )
            .await;
        assert_eq!(res.ok()["deactivateUser"]["user"]["active"], false);
        refused(
            whoami(&app, &bob).await,
            "deactivated user's still-valid token",
        );
    }
);

e2e!(first_admin_from_an_empty_database, |app| {
    // On SQLite nothing is configured: the secret file is generated beside the database.
    let fresh = TestApp::spawn_with(app.backend, |c| {
        if c.is_sqlite() {
            c.auth.jwt_secret = None;
        }
    })
    .await
    .unwrap();
    let config = fresh.state.config.as_ref().clone();
    if fresh.backend == Backend::Sqlite {
        let db_file = firebreak::db::sqlite_file(&config.database_url).unwrap();
        let secret_file = firebreak::auth::secret::secret_path_for(&db_file);
        assert!(secret_file.exists());
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&secret_file)
                .unwrap()
                .permissions()
                .mode()
                & 0o777,
            0o600
        );
    }
    let users = fresh
        .gql(Some(&fresh.sign("nobody")), "{ viewer { id } }", json!({}))
        .await;
    assert_eq!(users.status, 401, "no users yet");
    let args = TokenArgs {
        user: "first".into(),
        role: Role::Admin,
        ttl: std::time::Duration::from_secs(12 * 3600),
    };
    let token = issue_token(&config, &fresh.state.clock, &args)
        .await
        .unwrap();
    let (status, body) = whoami(&fresh, &token).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["viewer"]["role"], "ADMIN");
    // The admin can now work: create a team.
    let res = fresh
        .gql(
            Some(&token),
            r#"mutation { createTeam(input: { name: "SRE" }) { team { name } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(res.ok()["createTeam"]["team"]["name"], "SRE");
    // The token lasts 12 hours.
    fresh.advance_clock(Duration::hours(12) + Duration::seconds(10));
    refused(whoami(&fresh, &token).await, "after 12 h");
});

#[test]
fn postgres_without_a_key_refuses_to_start() {
    let mut config = firebreak::config::Config::defaults();
    config.database_url = "postgres://postgres@127.0.0.1:5432/test".into();
    config.auth.jwt_secret = None;
    let err = firebreak::app::load_keys(&config).unwrap_err().to_string();
    assert!(err.contains("FIREBREAK_JWT_SECRET"), "{err}");
}

#[test]
fn short_secrets_refuse_to_start() {
    let mut config = firebreak::config::Config::defaults();
    config.auth.jwt_secret = Some("too-short".to_owned().into());
    assert!(firebreak::app::load_keys(&config).is_err());
}

#[tokio::test]
async fn token_command_refuses_when_only_public_keys_are_configured() {
    let mut config = firebreak::config::Config::defaults();
    config.database_url = "postgres://postgres@127.0.0.1:5432/test".into();
    config.auth.jwt_secret = None;
    config.auth.jwt_keys_file = Some(fixture("idp-jwks.json"));
    let clock: scheduler::clock::SharedClock = std::sync::Arc::new(scheduler::clock::SystemClock);
    let args = TokenArgs {
        user: "x".into(),
        role: Role::Admin,
        ttl: std::time::Duration::from_secs(60),
    };
    let err = issue_token(&config, &clock, &args)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("only public keys"), "{err}");
}
