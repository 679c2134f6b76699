//! GraphQL over HTTP (graphql-over-http commit e1e46e7): one test per rule.

use entity::Role;
use firebreak_tests::serde_json::json;
use firebreak_tests::{TestApp, e2e};
use reqwest::Method;

const GR: &str = "application/graphql-response+json";

fn post_json(accept: &str) -> Vec<(&str, &str)> {
    vec![("content-type", "application/json"), ("accept", accept)]
}

e2e!(post_json_query_is_200_with_graphql_response_type, |app| {
    let res = app.post_body(GR, br#"{"query":"{ __typename }"}"#).await;
    assert_eq!(res.status, 200);
    assert!(res.content_type.starts_with(GR), "{}", res.content_type);
    assert_eq!(res.body["data"]["__typename"], "Query");
});

e2e!(get_executes_queries, |app| {
    let res = app
        .raw(
            Method::GET,
            "/graphql?query=%7B__typename%7D",
            &[("accept", GR)],
            None,
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body["data"]["__typename"], "Query");
    // Variables are a JSON string in the query component.
    let res = app
        .raw(
            Method::GET,
            "/graphql?query=query%20Q(%24n%3AString!)%7B__type(name%3A%24n)%7Bname%7D%7D&variables=%7B%22n%22%3A%22User%22%7D&operationName=Q",
            &[("accept", GR)],
            None,
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body["data"]["__type"]["name"], "User");
});

e2e!(mutation_over_get_is_405_with_allow_post, |app| {
    let token = app.token(Role::Admin).await;
    let auth = format!("Bearer {token}");
    let q =
        "/graphql?query=mutation%7BcreateTeam(input%3A%7Bname%3A%22x%22%7D)%7Bteam%7Bid%7D%7D%7D";
    let res = app
        .raw(
            Method::GET,
            q,
            &[("accept", GR), ("authorization", &auth)],
            None,
        )
        .await;
    assert_eq!(res.status, 405);
    let raw = app
        .client
        .get(app.url(q))
        .header("accept", GR)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(raw.headers()["allow"], "POST");
    // Nothing was created.
    let teams = app
        .gql(
            Some(&token),
            "{ teams { edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(teams.ok()["teams"]["edges"].as_array().unwrap().len(), 0);
});

e2e!(other_methods_are_405_with_allow, |app| {
    let raw = app.client.put(app.url("/graphql")).send().await.unwrap();
    assert_eq!(raw.status().as_u16(), 405);
    assert_eq!(raw.headers()["allow"], "GET, POST");
});

e2e!(get_with_html_accept_serves_graphiql, |app| {
    let raw = app
        .client
        .get(app.url("/graphql"))
        .header("accept", "text/html,application/xhtml+xml,*/*;q=0.8")
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status().as_u16(), 200);
    assert!(
        raw.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let page = raw.text().await.unwrap();
    assert!(page.contains("graphiql"), "GraphiQL page expected");
});

e2e!(
    legacy_json_clients_get_same_status_codes_and_json_type_on_2xx,
    |app| {
        let accept = "application/json";
        let ok = app
            .post_body(accept, br#"{"query":"{ __typename }"}"#)
            .await;
        assert_eq!(ok.status, 200);
        assert!(
            ok.content_type.starts_with("application/json"),
            "{}",
            ok.content_type
        );
        let partial = app
            .post_body(accept, br#"{"query":"{ viewer { id } }"}"#)
            .await;
        assert_eq!(partial.status, 294);
        assert!(partial.content_type.starts_with("application/json"));
        let invalid = app.post_body(accept, br#"{"query":"{ nope }"}"#).await;
        assert_eq!(invalid.status, 422);
    }
);

e2e!(unacceptable_accept_is_406, |app| {
    let res = app
        .raw(
            Method::POST,
            "/graphql",
            &post_json("application/xml"),
            Some(br#"{"query":"{ __typename }"}"#.to_vec()),
        )
        .await;
    assert_eq!(res.status, 406);
});

e2e!(unsupported_content_type_is_415, |app| {
    for ct in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/json; charset=latin1",
    ] {
        let res = app
            .raw(
                Method::POST,
                "/graphql",
                &[("content-type", ct), ("accept", GR)],
                Some(b"{}".to_vec()),
            )
            .await;
        assert_eq!(res.status, 415, "{ct}");
    }
    let res = app
        .raw(
            Method::POST,
            "/graphql",
            &[("accept", GR)],
            Some(br#"{"query":"{ __typename }"}"#.to_vec()),
        )
        .await;
    assert_eq!(res.status, 415, "no content type");
});

e2e!(body_that_is_not_json_is_400, |app| {
    let res = app.post_body(GR, b"{\"query\": ").await;
    assert_eq!(res.status, 400);
});

e2e!(document_that_does_not_parse_is_400, |app| {
    let res = app.post_body(GR, br#"{"query":"{"}"#).await;
    assert_eq!(res.status, 400);
    assert!(res.body.get("data").is_none());
    assert_eq!(res.code(), Some("GRAPHQL_PARSE_FAILED"));
});

e2e!(ill_formed_requests_are_422, |app| {
    for body in [
        r#"{"qeury":"{ __typename }"}"#,
        r#"{"query": 7}"#,
        r#"{"query":"{ __typename }","variables":[7]}"#,
        r#"{"query":"{ __typename }","operationName":7}"#,
        r#"{"query":"{ __typename }","extensions":"x"}"#,
        r#""just a string""#,
    ] {
        let res = app.post_body(GR, body.as_bytes()).await;
        assert_eq!(res.status, 422, "{body}: {}", res.body);
        assert!(res.body.get("data").is_none());
    }
    // null equals absent for the optional parameters; unknown keys are ignored
    let res = app
        .post_body(GR, br#"{"query":"{ __typename }","variables":null,"operationName":null,"extensions":null,"other":1}"#)
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
});

e2e!(validation_failure_is_422_without_data, |app| {
    let res = app.post_body(GR, br#"{"query":"{ noSuchField }"}"#).await;
    assert_eq!(res.status, 422);
    assert!(res.body.get("data").is_none());
    assert_eq!(res.code(), Some("GRAPHQL_VALIDATION_FAILED"));
});

e2e!(ambiguous_operation_is_422, |app| {
    let res = app
        .post_body(
            GR,
            br#"{"query":"query A { __typename } query B { __typename }"}"#,
        )
        .await;
    assert_eq!(res.status, 422);
    let res = app
        .post_body(
            GR,
            br#"{"query":"query A { __typename }","operationName":"C"}"#,
        )
        .await;
    assert_eq!(res.status, 422);
    let res = app
        .raw(
            Method::POST,
            "/graphql",
            &post_json(GR),
            Some(
                br#"{"query":"query A { __typename } query B { __typename }","operationName":"B"}"#
                    .to_vec(),
            ),
        )
        .await;
    assert_eq!(res.status, 200);
});

e2e!(variables_that_do_not_coerce_are_422, |app| {
    let token = app.token(Role::Viewer).await;
    let q = "query($first: Int) { users(first: $first) { edges { cursor } } }";
    let res = app.gql(Some(&token), q, json!({ "first": "ten" })).await;
    assert_eq!(res.status, 422, "{}", res.body);
    assert!(res.body.get("data").is_none());
    let res = app
        .gql(
            Some(&token),
            "query($id: ID!) { user(id: $id) { id } }",
            json!({}),
        )
        .await;
    assert_eq!(res.status, 422, "missing required variable: {}", res.body);
});

e2e!(data_with_errors_is_294, |app| {
    let res = app.gql(None, "{ viewer { id } }", json!({})).await;
    assert_eq!(res.status, 294);
    assert!(res.body.get("data").is_some());
    res.expect_code("UNAUTHENTICATED");
});

e2e!(oversized_body_is_413, |app| {
    let _ = &app;
    let small = TestApp::spawn_with(app.backend, |c| c.http.max_body_bytes = 256)
        .await
        .unwrap();
    let body = format!(
        r#"{{"query":"{{ __typename }}","variables":{{"pad":"{}"}}}}"#,
        "x".repeat(1000)
    );
    let res = small.post_body(GR, body.as_bytes()).await;
    assert_eq!(res.status, 413);
    // Chunked (no Content-Length) bodies are cut off as well.
    let stream = futures_body("x".repeat(5000));
    let raw = small
        .client
        .post(small.url("/graphql"))
        .header("content-type", "application/json")
        .body(stream)
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status().as_u16(), 413);
});

fn futures_body(s: String) -> reqwest::Body {
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        s.into_bytes().chunks(500).map(|c| Ok(c.to_vec())).collect();
    reqwest::Body::wrap_stream(futures_stream(chunks))
}

fn futures_stream(
    chunks: Vec<Result<Vec<u8>, std::io::Error>>,
) -> impl futures_core_stream::Stream<Item = Result<Vec<u8>, std::io::Error>> {
    futures_core_stream::iter(chunks)
}

mod futures_core_stream {
    pub use futures::stream::{Stream, iter};
}

e2e!(oversized_headers_are_431, |app| {
    let big = "x".repeat(20 * 1024);
    let res = app
        .raw(
            Method::POST,
            "/graphql",
            &[
                ("content-type", "application/json"),
                ("accept", GR),
                ("x-padding", &big),
            ],
            Some(br#"{"query":"{ __typename }"}"#.to_vec()),
        )
        .await;
    assert_eq!(res.status, 431);
});

e2e!(batching_is_off_by_default_and_capped_when_on, |app| {
    let batch = br#"[{"query":"{ __typename }"},{"query":"{ __typename }"}]"#.to_vec();
    let res = app.post_body(GR, &batch).await;
    assert_eq!(res.status, 422, "{}", res.body);

    let on = TestApp::spawn_with(app.backend, |c| c.graphql.max_batch = 2)
        .await
        .unwrap();
    let res = on.post_body(GR, &batch).await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body.as_array().unwrap().len(), 2);
    assert_eq!(res.body[1]["data"]["__typename"], "Query");
    let three =
        br#"[{"query":"{ __typename }"},{"query":"{ __typename }"},{"query":"{ __typename }"}]"#
            .to_vec();
    let res = on.post_body(GR, &three).await;
    assert_eq!(res.status, 422);
});

e2e!(depth_and_complexity_limits_are_422, |app| {
    let shallow = TestApp::spawn_with(app.backend, |c| c.graphql.max_depth = 5)
        .await
        .unwrap();
    let token = shallow.token(Role::Viewer).await;
    let deep = "{ teams { edges { node { members { user { teams { team { members { user { teams { team { name } } } } } } } } } } } }";
    let res = shallow.gql(Some(&token), deep, json!({})).await;
    assert_eq!(res.status, 422, "{}", res.body);
    let res = shallow
        .gql(
            Some(&token),
            "{ teams { edges { node { name } } } }",
            json!({}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let tight = TestApp::spawn_with(app.backend, |c| c.graphql.max_complexity = 150)
        .await
        .unwrap();
    let token = tight.token(Role::Viewer).await;
    let res = tight
        .gql(
            Some(&token),
            "{ users(first: 100) { edges { node { id name email } } } }",
            json!({}),
        )
        .await;
    assert_eq!(res.status, 422, "{}", res.body);
    let res = tight
        .gql(
            Some(&token),
            "{ users(first: 5) { edges { node { id name } } } }",
            json!({}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
});

e2e!(introspection_and_suggestions_can_be_switched_off, |app| {
    let res = app
        .gql(None, "{ __schema { queryType { name } } }", json!({}))
        .await;
    assert_eq!(res.ok()["__schema"]["queryType"]["name"], "Query");
    let res = app.gql(None, "{ viewr { id } }", json!({})).await;
    assert!(
        res.body.to_string().contains("Did you mean"),
        "{}",
        res.body
    );

    let locked = TestApp::spawn_with(app.backend, |c| {
        c.graphql.introspection = false;
        c.graphql.suggestions = false;
    })
    .await
    .unwrap();
    let res = locked
        .gql(None, "{ __schema { queryType { name } } }", json!({}))
        .await;
    assert_eq!(res.status, 422, "{}", res.body);
    let res = locked
        .gql(
            None,
            "query { ...F } fragment F on Query { __type(name: \"User\") { name } }",
            json!({}),
        )
        .await;
    assert_eq!(res.status, 422, "{}", res.body);
    let res = locked.gql(None, "{ viewr { id } }", json!({})).await;
    assert_eq!(res.status, 422);
    assert!(
        !res.body.to_string().contains("Did you mean"),
        "{}",
        res.body
    );
});

e2e!(errors_carry_codes_and_no_internals, |app| {
    let token = app.token(Role::Viewer).await;
    let res = app
        .gql(
            Some(&token),
            "{ team(id: \"00000000-0000-7000-8000-000000000000\") { id } }",
            json!({}),
        )
        .await;
    assert_eq!(res.status, 294);
    res.expect_code("NOT_FOUND");
    let res = app
        .gql(
            Some(&token),
            "{ team(id: \"garbage'; DROP TABLE teams;--\") { id } }",
            json!({}),
        )
        .await;
    res.expect_code("NOT_FOUND");
    let text = res.body.to_string().to_lowercase();
    for leak in ["sql", "select", "sqlx", "panicked", "backtrace"] {
        assert!(!text.contains(leak), "{leak} in {text}");
    }
    let res = app
        .gql(
            Some(&token),
            "{ users(first: 1000) { edges { cursor } } }",
            json!({}),
        )
        .await;
    res.expect_code("BAD_USER_INPUT");
});
