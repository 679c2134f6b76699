//! The contract: `schema.graphql` is exactly the SDL the server serves. After an intended
//! change, regenerate it with `UPDATE_SCHEMA=1 cargo test -p firebreak-tests schema`.

use firebreak_tests::serde_json::json;
use firebreak_tests::{Backend, TestApp};

fn schema_path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../schema.graphql")
}

#[test]
fn schema_file_matches_served_sdl() {
    let served = firebreak::graphql::sdl();
    if std::env::var("UPDATE_SCHEMA").is_ok_and(|v| v == "1") {
        std::fs::write(schema_path(), &served).unwrap();
    }
    let file = std::fs::read_to_string(schema_path()).unwrap_or_default();
    assert!(
        file == served,
        "schema.graphql differs from the served SDL; if the change is intended, run \
         `UPDATE_SCHEMA=1 cargo test -p firebreak-tests schema` and review the diff"
    );
}

#[tokio::test]
async fn the_running_server_serves_the_same_schema() {
    // The SDL from introspection of the live server names the same types as the file.
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let res = app
        .gql(None, "{ __schema { types { name } } }", json!({}))
        .await;
    let file = std::fs::read_to_string(schema_path()).unwrap();
    for t in res.ok()["__schema"]["types"].as_array().unwrap() {
        let name = t["name"].as_str().unwrap();
        if name.starts_with("__") || ["String", "Boolean", "Int", "Float", "ID"].contains(&name) {
            continue;
        }
        assert!(
            file.contains(&format!("type {name} "))
                || file.contains(&format!("enum {name} "))
                || file.contains(&format!("input {name} "))
                || file.contains(&format!("scalar {name}")),
            "{name} is served but not in schema.graphql"
        );
    }
}

/// Every refusal reason a client may receive is documented in the README.
#[test]
fn the_readme_lists_every_reason() {
    use strum::IntoEnumIterator;
    let readme = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md"),
    )
    .unwrap();
    for reason in scheduler::domain::reason::Reason::iter() {
        assert!(
            readme.contains(&format!("`{}`", reason.as_str())),
            "README.md does not list {}",
            reason.as_str()
        );
    }
}
