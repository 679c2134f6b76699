//! The organization over GraphQL: who may do what, validation, conflicts, the audit log.

use entity::Role;
use firebreak_tests::serde_json::{Value, json};
use firebreak_tests::{TestApp, e2e};

const CREATE_TEAM: &str =
    "mutation($n: String!) { createTeam(input: { name: $n }) { team { id name } } }";
const CREATE_USER: &str = "mutation($l: String!, $r: Role!) { createUser(input: { login: $l, name: $l, role: $r, email: \"x@example.com\" }) { user { id role timeZone } } }";
const SET_MEMBER: &str = "mutation($t: ID!, $u: ID!) { setTeamMember(input: { teamId: $t, userId: $u, teamRole: LEAD }) { team { members { user { login } teamRole } } } }";
const ADD_MANAGER: &str = "mutation($t: ID!, $u: ID!) { addTeamManager(input: { teamId: $t, userId: $u }) { team { managers { login } } } }";

async fn create_team(app: &TestApp, admin: &str, name: &str) -> String {
    let res = app
        .gql(Some(admin), CREATE_TEAM, json!({ "n": name }))
        .await;
    res.ok()["createTeam"]["team"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

e2e!(each_role_is_allowed_and_refused_where_it_should_be, |app| {
    let (_, admin) = app.user(Role::Admin).await;
    let (manager_id, manager) = app.user(Role::Manager).await;
    let (_, responder) = app.user(Role::Responder).await;
    let (viewer_id, viewer) = app.user(Role::Viewer).await;

    // Writes on the organization: admins only.
    for token in [&manager, &responder, &viewer] {
        app.gql(Some(token), CREATE_TEAM, json!({ "n": "nope" }))
            .await
            .expect_code("FORBIDDEN");
        app.gql(
            Some(token),
            CREATE_USER,
            json!({ "l": "nope", "r": "ADMIN" }),
        )
        .await
        .expect_code("FORBIDDEN");
        app.gql(
            Some(token),
            r#"mutation { updateOrganization(input: { name: "X" }) { organization { name } } }"#,
            json!({}),
        )
        .await
        .expect_code("FORBIDDEN");
        app.gql(Some(token), "{ auditLog { edges { cursor } } }", json!({}))
            .await
            .expect_code("FORBIDDEN");
    }
    // Anonymous: nothing.
    app.gql(None, CREATE_TEAM, json!({ "n": "nope" }))
        .await
        .expect_code("UNAUTHENTICATED");
    app.gql(None, "{ organization { name } }", json!({}))
        .await
        .expect_code("UNAUTHENTICATED");

    let red = create_team(&app, &admin, "Red").await;
    let blue = create_team(&app, &admin, "Blue").await;
    // Reads: every signed-in role.
    for token in [&admin, &manager, &responder, &viewer] {
        let res = app.gql(Some(token), "{ organization { name } teams { edges { node { name } } } users { edges { node { login } } } }", json!({})).await;
        assert_eq!(res.ok()["teams"]["edges"].as_array().unwrap().len(), 2);
    }
    // A team's manager manages its membership, and only its own team's.
    app.gql(
        Some(&manager),
        SET_MEMBER,
        json!({ "t": red, "u": viewer_id }),
    )
    .await
    .expect_code("FORBIDDEN");
    let res = app
        .gql(
            Some(&admin),
            ADD_MANAGER,
            json!({ "t": red, "u": manager_id }),
        )
        .await;
    assert_eq!(
        res.ok()["addTeamManager"]["team"]["managers"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let res = app
        .gql(
            Some(&manager),
            SET_MEMBER,
            json!({ "t": red, "u": viewer_id }),
        )
        .await;
    assert_eq!(
        res.ok()["setTeamMember"]["team"]["members"][0]["teamRole"],
        "LEAD"
    );
    app.gql(
        Some(&manager),
        SET_MEMBER,
        json!({ "t": blue, "u": viewer_id }),
    )
    .await
    .expect_code("FORBIDDEN");
    // Only admins name managers, and only users with the manager role.
    app.gql(
        Some(&manager),
        ADD_MANAGER,
        json!({ "t": blue, "u": manager_id }),
    )
    .await
    .expect_code("FORBIDDEN");
    app.gql(
        Some(&admin),
        ADD_MANAGER,
        json!({ "t": blue, "u": viewer_id }),
    )
    .await
    .expect_code("BAD_USER_INPUT");
    // Users see their memberships.
    let res = app
        .gql(
            Some(&viewer),
            "{ viewer { teams { team { name } teamRole } } }",
            json!({}),
        )
        .await;
    assert_eq!(res.ok()["viewer"]["teams"][0]["team"]["name"], "Red");
    // Anyone edits their own profile, not their role.
    let res = app
        .gql(Some(&viewer), "mutation($id: ID!) { updateUser(input: { id: $id, timeZone: \"Asia/Kolkata\" }) { user { timeZone } } }", json!({ "id": viewer_id }))
        .await;
    assert_eq!(res.ok()["updateUser"]["user"]["timeZone"], "Asia/Kolkata");
    app.gql(
        Some(&viewer),
        "mutation($id: ID!) { updateUser(input: { id: $id, role: ADMIN }) { user { role } } }",
        json!({ "id": viewer_id }),
    )
    .await
    .expect_code("FORBIDDEN");
});

e2e!(services_belong_to_teams, |app| {
    let (_, admin) = app.user(Role::Admin).await;
    let team = create_team(&app, &admin, "Payments").await;
    let res = app
        .gql(
            Some(&admin),
            "mutation($t: ID!) { createService(input: { name: \"checkout\", teamId: $t }) { service { name team { name } } } }",
            json!({ "t": team }),
        )
        .await;
    assert_eq!(
        res.ok()["createService"]["service"]["team"]["name"],
        "Payments"
    );
    let res = app
        .gql(Some(&admin), "mutation($t: ID!) { createService(input: { name: \"checkout\", teamId: $t }) { service { name } } }", json!({ "t": team }))
        .await;
    res.expect_code("CONFLICT");
    let res = app
        .gql(
            Some(&admin),
            "query($t: ID!) { team(id: $t) { services { name } } }",
            json!({ "t": team }),
        )
        .await;
    assert_eq!(res.ok()["team"]["services"][0]["name"], "checkout");
    let res = app
        .gql(
            Some(&admin),
            "{ services { edges { node { id } } } }",
            json!({}),
        )
        .await;
    let id = res.ok()["services"]["edges"][0]["node"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = app
        .gql(
            Some(&admin),
            "mutation($id: ID!) { deactivateService(input: { id: $id }) { service { active } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(res.ok()["deactivateService"]["service"]["active"], false);
});

e2e!(validation_conflicts_and_missing_objects, |app| {
    let (_, admin) = app.user(Role::Admin).await;
    create_team(&app, &admin, "SRE").await;
    app.gql(Some(&admin), CREATE_TEAM, json!({ "n": "SRE" }))
        .await
        .expect_code("CONFLICT");
    app.gql(Some(&admin), CREATE_TEAM, json!({ "n": "  " }))
        .await
        .expect_code("BAD_USER_INPUT");
    app.gql(
        Some(&admin),
        CREATE_TEAM,
        json!({ "n": "x".repeat(10_000) }),
    )
    .await
    .expect_code("BAD_USER_INPUT");
    app.gql(Some(&admin), CREATE_TEAM, json!({ "n": "bell\u{7}" }))
        .await
        .expect_code("BAD_USER_INPUT");
    app.gql(Some(&admin), r#"mutation { updateOrganization(input: { timeZone: "Mars/Base" }) { organization { name } } }"#, json!({}))
        .await
        .expect_code("BAD_USER_INPUT");
    app.gql(Some(&admin), r#"mutation { createUser(input: { login: "z", name: "Z", role: VIEWER, email: "not-an-address" }) { user { id } } }"#, json!({}))
        .await
        .expect_code("BAD_USER_INPUT");
    app.gql(
        Some(&admin),
        "{ user(id: \"0190f0c2-0000-7000-8000-000000000000\") { id } }",
        json!({}),
    )
    .await
    .expect_code("NOT_FOUND");
    // Nothing half-written: the refused creations left one team and no extra users.
    let res = app
        .gql(
            Some(&admin),
            "{ teams { edges { cursor } } users { edges { cursor } } }",
            json!({}),
        )
        .await;
    assert_eq!(res.ok()["teams"]["edges"].as_array().unwrap().len(), 1);
    assert_eq!(res.ok()["users"]["edges"].as_array().unwrap().len(), 1);
});

e2e!(admin_changes_are_audited_with_before_and_after, |app| {
    let (admin_id, admin) = app.user(Role::Admin).await;
    let res = app
        .gql(
            Some(&admin),
            CREATE_USER,
            json!({ "l": "carol", "r": "RESPONDER" }),
        )
        .await;
    let carol = res.ok()["createUser"]["user"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.gql(
        Some(&admin),
        "mutation($id: ID!) { updateUser(input: { id: $id, role: MANAGER }) { user { role } } }",
        json!({ "id": carol }),
    )
    .await
    .ok();
    app.gql(Some(&admin), r#"mutation { updateOrganization(input: { name: "Acme", timeZone: "Europe/Berlin" }) { organization { name timeZone } } }"#, json!({}))
        .await
        .ok();
    let res = app
        .gql(Some(&admin), "{ auditLog(first: 10) { edges { node { action actor { id } targetType targetId before after at } } } }", json!({}))
        .await;
    let entries: Vec<Value> = res.ok()["auditLog"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].clone())
        .collect();
    // Newest first.
    assert_eq!(entries[0]["action"], "organization.update");
    assert_eq!(entries[0]["before"]["name"], "Firebreak");
    assert_eq!(entries[0]["after"]["timeZone"], "Europe/Berlin");
    assert_eq!(entries[0]["actor"]["id"], admin_id);
    let role_change = entries
        .iter()
        .find(|e| e["action"] == "user.role_change")
        .unwrap();
    assert_eq!(role_change["targetId"], carol);
    assert_eq!(role_change["before"]["role"], "responder");
    assert_eq!(role_change["after"]["role"], "manager");
    assert!(
        entries
            .iter()
            .any(|e| e["action"] == "user.create" && e["before"].is_null())
    );
    // New users default to the organization's zone.
    let res = app
        .gql(
            Some(&admin),
            CREATE_USER,
            json!({ "l": "dave", "r": "VIEWER" }),
        )
        .await;
    assert_eq!(res.ok()["createUser"]["user"]["timeZone"], "Europe/Berlin");
});

e2e!(pagination_is_keyset_and_bounded, |app| {
    let (_, admin) = app.user(Role::Admin).await;
    for i in 0..5 {
        create_team(&app, &admin, &format!("t{i}")).await;
    }
    let q = "query($after: String) { teams(first: 2, after: $after) { edges { cursor node { name } } pageInfo { hasNextPage endCursor } } }";
    let mut names = Vec::new();
    let mut after = Value::Null;
    loop {
        let res = app.gql(Some(&admin), q, json!({ "after": after })).await;
        let conn = res.ok()["teams"].clone();
        for e in conn["edges"].as_array().unwrap() {
            names.push(e["node"]["name"].as_str().unwrap().to_owned());
        }
        if !conn["pageInfo"]["hasNextPage"].as_bool().unwrap() {
            break;
        }
        after = conn["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(names, ["t0", "t1", "t2", "t3", "t4"]);
    app.gql(
        Some(&admin),
        "{ teams(first: 101) { edges { cursor } } }",
        json!({}),
    )
    .await
    .expect_code("BAD_USER_INPUT");
    app.gql(
        Some(&admin),
        "{ teams(after: \"%%%\") { edges { cursor } } }",
        json!({}),
    )
    .await
    .expect_code("BAD_USER_INPUT");
});
