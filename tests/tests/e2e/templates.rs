//! Teams own their message templates: organization templates with per-team overrides,
//! written by admins (and a team's managers for their team), checked on save (syntax with
//! its line, known variables only, bounded rendering), previewed against an incident, and
//! reset to the level below.

use entity::Role;
use firebreak_tests::e2e;
use firebreak_tests::serde_json::json;

const SET: &str = "mutation($in: SetMessageTemplateInput!) { setMessageTemplate(input: $in) { template { kind body updatedBy { login } } } }";
const MESSAGES: &str =
    "query($id: ID!) { incident(id: $id) { messages { internalUpdate customerInitial } } }";

e2e!(teams_own_their_message_templates, |app| {
    let admin = app.token(Role::Admin).await;
    let (mia_id, mia) = app.named_user("mia", Role::Manager).await;
    let (_, rex) = app.named_user("rex", Role::Responder).await;
    let team = app
        .call(
            &admin,
            "createTeam",
            "CreateTeamInput",
            json!({ "name": "Payments" }),
            "team { id }",
        )
        .await
        .ok()["createTeam"]["team"]["id"]
        .clone();
    app.call(
        &admin,
        "addTeamManager",
        "TeamUserInput",
        json!({ "teamId": team, "userId": mia_id }),
        "team { id }",
    )
    .await
    .ok();
    let in_team = app.declare(&rex, json!({ "title": "Card declines", "severity": "SEV2", "teamId": team, "customerImpact": true })).await["id"].clone();
    let other = app
        .declare(&rex, json!({ "title": "Search slow", "severity": "SEV3" }))
        .await["id"]
        .clone();
    let update_of = |id: firebreak_tests::serde_json::Value| {
        let app = &app;
        let rex = rex.clone();
        async move {
            app.gql(Some(&rex), MESSAGES, json!({ "id": id }))
                .await
                .ok()["incident"]["messages"]
                .clone()
        }
    };
    let shipped = update_of(other.clone()).await["internalUpdate"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(shipped.starts_with("Update on Search slow"));

    // The organization's template (admins), then a team's (its manager).
    let res = app
        .gql(Some(&admin), SET, json!({ "in": { "kind": "INTERNAL_UPDATE", "body": "[{{ severity }}] {{ title }}: {{ status }}{% if eta %}, ETA {{ eta }}{% endif %}" } }))
        .await;
    assert_eq!(
        res.ok()["setMessageTemplate"]["template"]["kind"],
        "INTERNAL_UPDATE"
    );
    app.gql(Some(&mia), SET, json!({ "in": { "teamId": team, "kind": "INTERNAL_UPDATE", "body": "Payments team update: {{ title }}{% for a in actions_taken %}\n- {{ a }}{% endfor %}" } }))
        .await
        .ok();
    assert_eq!(
        update_of(other.clone()).await["internalUpdate"],
        "[SEV3] Search slow: investigating"
    );
    assert_eq!(
        update_of(in_team.clone()).await["internalUpdate"],
        "Payments team update: Card declines"
    );

    // Who may write what.
    app.gql(
        Some(&rex),
        SET,
        json!({ "in": { "teamId": team, "kind": "INTERNAL_UPDATE", "body": "x" } }),
    )
    .await
    .expect_code("FORBIDDEN");
    app.gql(
        Some(&mia),
        SET,
        json!({ "in": { "kind": "INTERNAL_UPDATE", "body": "x" } }),
    )
    .await
    .expect_code("FORBIDDEN");

    // Checked on save, with the line.
    for (kind, body, needle) in [
        (
            "INTERNAL_UPDATE",
            "Update\n{{ titel }}",
            "line 2: unknown variable `titel`",
        ),
        (
            "CUSTOMER_INITIAL",
            "Hello\n{{ commander }} is on it",
            "line 2: unknown variable `commander`",
        ),
        (
            "INTERNAL_UPDATE",
            "ok\n{% if title %}never closed",
            "line 2",
        ),
        (
            "INTERNAL_UPDATE",
            "{% for i in range(100000) %}{{ i }}{% endfor %}",
            "out of fuel",
        ),
    ] {
        let res = app
            .gql(
                Some(&admin),
                SET,
                json!({ "in": { "kind": kind, "body": body } }),
            )
            .await;
        res.expect_reason("BAD_USER_INPUT", "TEMPLATE_INVALID");
        let message = res.body["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains(needle), "{needle:?} in {message}");
    }

    // A preview renders against an incident without saving.
    let preview = "query($id: ID!, $body: String!) { incident(id: $id) { previewMessage(kind: CUSTOMER_INITIAL, body: $body) } }";
    let res = app
        .gql(Some(&rex), preview, json!({ "id": in_team, "body": "{{ service or 'our service' }} is {{ status }} (impact {{ impact }})" }))
        .await;
    assert_eq!(
        res.ok()["incident"]["previewMessage"],
        "our service is investigating (impact Medium)"
    );
    assert_eq!(
        update_of(in_team.clone()).await["customerInitial"]
            .as_str()
            .unwrap()
            .lines()
            .next()
            .unwrap(),
        "We're investigating an issue affecting some of our services.",
        "the preview saved nothing"
    );

    // Reset: the team falls back to the organization's template.
    app.call(
        &mia,
        "resetMessageTemplate",
        "ResetMessageTemplateInput",
        json!({ "teamId": team, "kind": "INTERNAL_UPDATE" }),
        "reset",
    )
    .await
    .ok();
    assert_eq!(
        update_of(in_team.clone()).await["internalUpdate"],
        "[SEV2] Card declines: investigating"
    );
    let listed = app
        .gql(Some(&rex), "{ messageTemplates { kind body } messageTemplateVariables(kind: CUSTOMER_RESOLUTION) }", json!({}))
        .await;
    let d = listed.ok();
    assert_eq!(d["messageTemplates"].as_array().unwrap().len(), 1);
    assert!(
        !d["messageTemplateVariables"]
            .as_array()
            .unwrap()
            .contains(&json!("title"))
    );
});
