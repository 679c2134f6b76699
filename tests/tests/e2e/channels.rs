//! Notifications where people are: e-mail over SMTP to a real SMTP server (aiosmtpd,
//! parsed as MIME by Python's own parser), contact methods verified by a test send, and
//! each person's rules of which method gets which kind (pages go to every method).

use chrono::Duration;
use entity::Role;
use firebreak_tests::serde_json::{Value, json};
use firebreak_tests::{Sink, SmtpSink, TestApp, e2e};

pub(crate) async fn add_email(app: &TestApp, token: &str, address: &str) -> String {
    app.call(
        token,
        "addContactMethod",
        "AddContactMethodInput",
        json!({ "kind": "EMAIL", "target": address, "label": "work mail" }),
        "contactMethod { id verified }",
    )
    .await
    .ok()["addContactMethod"]["contactMethod"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Adds `address` for the user of `token` and verifies it with the code of its test send.
pub(crate) async fn verified_email(
    app: &TestApp,
    smtp: &SmtpSink,
    token: &str,
    address: &str,
) -> String {
    let email = add_email(app, token, address).await;
    app.gql(
        Some(token),
        "mutation($id: ID!) { sendTestNotification(id: $id) }",
        json!({ "id": email }),
    )
    .await
    .ok();
    app.run_due().await;
    let code = code_in(&smtp.messages().pop().expect("the test e-mail arrived"));
    let verified = app
        .call(
            token,
            "verifyContactMethod",
            "VerifyContactMethodInput",
            json!({ "id": email, "code": code }),
            "verified",
        )
        .await;
    assert_eq!(verified.ok()["verifyContactMethod"]["verified"], true);
    email
}

pub(crate) fn code_in(message: &Value) -> String {
    let body = message["body"].as_str().unwrap();
    body.split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_ascii_digit()))
        .find(|w| w.len() == 6)
        .unwrap()
        .to_owned()
}

async fn item_due_soon(app: &TestApp, author: &str, owner: &str, title: &str) {
    let id = app
        .declare(
            author,
            json!({ "title": format!("{title} incident"), "severity": "SEV3" }),
        )
        .await["id"]
        .clone();
    app.call(
        author,
        "createActionItem",
        "CreateActionItemInput",
        json!({ "incidentId": id, "title": title, "ownerId": owner, "dueAt": (app.now() + Duration::hours(3)).to_rfc3339(), "priority": "P2" }),
        "actionItem { id }",
    )
    .await
    .ok();
}

/// A fresh app on the same database kind, sending e-mail to a local SMTP server.
pub(crate) async fn with_mail(app: &TestApp) -> Option<(SmtpSink, TestApp)> {
    let smtp = SmtpSink::start().await?;
    let url = smtp.url();
    let app = TestApp::spawn_with(app.backend, move |c| {
        c.worker.smtp_url = Some(url.into());
        c.worker.smtp_from = "Firebreak <firebreak@example.test>".into();
    })
    .await?;
    Some((smtp, app))
}

async fn run(smtp: &SmtpSink, app: TestApp) {
    let (_, ada) = app.named_user("ada", Role::Responder).await;
    let (bob_id, bob) = app.named_user("bob", Role::Responder).await;
    let email = add_email(&app, &bob, "bob@example.com").await;
    // Nothing reaches an unverified address.
    item_due_soon(&app, &ada, &bob_id, "Rotate the keys").await;
    app.run_due().await;
    assert!(smtp.messages().is_empty());
    // A test send carries a code; a wrong code is refused, the right one verifies.
    app.gql(
        Some(&bob),
        "mutation($id: ID!) { sendTestNotification(id: $id) }",
        json!({ "id": email }),
    )
    .await
    .ok();
    app.run_due().await;
    let test = smtp.messages().pop().expect("the test e-mail arrived");
    assert_eq!(test["subject"], "Firebreak test: work mail");
    assert_eq!(test["rcpt_tos"], json!(["bob@example.com"]));
    let wrong = app
        .call(
            &bob,
            "verifyContactMethod",
            "VerifyContactMethodInput",
            json!({ "id": email, "code": "000000x" }),
            "verified",
        )
        .await;
    wrong.expect_reason("BAD_USER_INPUT", "VERIFICATION_CODE_INVALID");
    let ok = app
        .call(
            &bob,
            "verifyContactMethod",
            "VerifyContactMethodInput",
            json!({ "id": email, "code": code_in(&test) }),
            "verified",
        )
        .await;
    assert_eq!(ok.ok()["verifyContactMethod"]["verified"], true);
    // Now a reminder arrives as an e-mail, parsed as MIME by another ecosystem's parser.
    item_due_soon(&app, &ada, &bob_id, "Add alerting on TLS expiry").await;
    app.run_due().await;
    let mail = smtp.messages().pop().unwrap();
    assert_eq!(
        mail["subject"],
        "Action item due within a day: “Add alerting on TLS expiry”"
    );
    assert_eq!(mail["to"], "bob@example.com");
    assert_eq!(mail["from"], "Firebreak <firebreak@example.test>");
    assert_eq!(mail["content_type"], "text/plain");
    assert!(
        mail["body"].as_str().unwrap().contains("(from #inc-"),
        "{mail}"
    );
    let inbox = app
        .gql(Some(&bob), "{ myNotifications(first: 1) { nodes { id kind deliveryStatus deliveries { methodId status } } } }", json!({}))
        .await;
    let newest = inbox.ok()["myNotifications"]["nodes"][0].clone();
    assert_eq!(newest["kind"], "ACTION_ITEM_DUE");
    assert_eq!(newest["deliveries"][0]["methodId"], email.as_str());
    assert_eq!(newest["deliveryStatus"], "DELIVERED");
    // The Message-ID is the notification's: a resend is recognisable.
    assert_eq!(
        mail["message_id"],
        format!("<{}@example.test>", newest["id"].as_str().unwrap())
    );
}

e2e!(
    an_email_reaches_a_real_smtp_server_once_its_address_is_verified,
    |app| {
        let Some((smtp, app)) = with_mail(&app).await else {
            return;
        };
        run(&smtp, app).await;
    }
);

e2e!(
    each_kind_goes_to_the_chosen_methods_and_pages_to_all,
    |app| {
        let Some((smtp, app)) = with_mail(&app).await else {
            return;
        };
        let admin = app.token(Role::Admin).await;
        let (_, ada) = app.named_user("ada", Role::Responder).await;
        let (bob_id, bob) = app.named_user("bob", Role::Responder).await;
        let hook = Sink::start().await;
        app.set_webhook(&bob, &hook).await;
        let email = verified_email(&app, &smtp, &bob, "bob@example.com").await;
        // Action items by e-mail only.
        let set = app
            .gql(
                Some(&bob),
                "mutation($in: NotificationRuleInput!) { setNotificationRule(input: $in) }",
                json!({ "in": { "kind": "ACTION_ITEM_DUE", "methodIds": [email] } }),
            )
            .await;
        assert_eq!(set.ok()["setNotificationRule"], json!([email]));
        // Pages cannot be narrowed.
        app.gql(
            Some(&bob),
            "mutation($in: NotificationRuleInput!) { setNotificationRule(input: $in) }",
            json!({ "in": { "kind": "PAGE", "methodIds": [email] } }),
        )
        .await
        .expect_code("BAD_USER_INPUT");
        item_due_soon(&app, &ada, &bob_id, "Patch the proxy").await;
        app.run_due().await;
        let mails_before = smtp.messages().len();
        assert!(
            smtp.messages()
                .iter()
                .any(|m| m["subject"].as_str().unwrap().contains("Patch the proxy"))
        );
        assert!(
            hook.received().is_empty(),
            "the webhook does not get action items"
        );
        // A page goes to every method.
        let team = app
            .call(
                &admin,
                "createTeam",
                "CreateTeamInput",
                json!({ "name": "Net" }),
                "team { id }",
            )
            .await
            .ok()["createTeam"]["team"]["id"]
            .clone();
        app.call(
            &admin,
            "setPagingPeople",
            "SetPagingPeopleInput",
            json!({ "engineeringLeadId": bob_id }),
            "engineeringLeadId",
        )
        .await
        .ok();
        app.call(
            &admin,
            "triggerPage",
            "TriggerPageInput",
            json!({ "teamId": team, "summary": "Packet loss 30%", "severity": "SEV1" }),
            "alert { id }",
        )
        .await
        .ok();
        app.run_due().await;
        assert_eq!(hook.received().len(), 1);
        assert_eq!(hook.received()[0].body["data"]["kind"], "PAGE");
        assert_eq!(smtp.messages().len(), mails_before + 1);
        assert_eq!(
            smtp.messages().last().unwrap()["subject"],
            "Paged [SEV1]: Packet loss 30%"
        );
        let rules = app
            .gql(
                Some(&bob),
                "{ myNotificationRules { kind methodId } }",
                json!({}),
            )
            .await;
        assert_eq!(
            rules.ok()["myNotificationRules"],
            json!([{ "kind": "ACTION_ITEM_DUE", "methodId": email }])
        );
    }
);

e2e!(
    verification_codes_stay_out_of_the_inbox_and_guessing_is_bounded,
    |app| {
        let Some((smtp, app)) = with_mail(&app).await else {
            return;
        };
        let (_, bob) = app.named_user("bob", Role::Responder).await;
        let email = add_email(&app, &bob, "bob@example.com").await;
        let query = "mutation($id: ID!) { sendTestNotification(id: $id) }";
        let vars = json!({ "id": email });
        app.gql(Some(&bob), query, vars.clone()).await.ok();
        app.gql(Some(&bob), query, vars.clone())
            .await
            .expect_reason("CONFLICT", "TEST_SEND_TOO_SOON");
        app.run_due().await;
        let code = code_in(&smtp.messages()[0]);
        // The inbox's copy of the test does not hold the code.
        let inbox = app
            .gql(
                Some(&bob),
                "{ myNotifications { nodes { kind body } } }",
                json!({}),
            )
            .await;
        let inbox = inbox.ok()["myNotifications"].to_string();
        assert!(inbox.contains("TEST") && !inbox.contains(&code), "{inbox}");
        // Five wrong guesses (in one request, as aliases) use the code up.
        let guesses: Vec<String> = (0..5)
        .map(|n| format!("g{n}: verifyContactMethod(input: {{ id: \"{email}\", code: \"{:06}\" }}) {{ verified }}", (code.parse::<u32>().unwrap() + 1 + n) % 1_000_000))
        .collect();
        let res = app
            .gql(
                Some(&bob),
                &format!("mutation {{ {} }}", guesses.join(" ")),
                json!({}),
            )
            .await;
        assert_eq!(res.codes().len(), 5, "every guess refused");
        app.call(
            &bob,
            "verifyContactMethod",
            "VerifyContactMethodInput",
            json!({ "id": email, "code": code }),
            "verified",
        )
        .await
        .expect_reason("BAD_USER_INPUT", "VERIFICATION_CODE_INVALID");
        // A minute later a new test brings a new code, which works.
        app.advance_clock(Duration::seconds(61));
        app.gql(Some(&bob), query, vars).await.ok();
        app.run_due().await;
        let fresh = code_in(smtp.messages().last().unwrap());
        let ok = app
            .call(
                &bob,
                "verifyContactMethod",
                "VerifyContactMethodInput",
                json!({ "id": email, "code": fresh }),
                "verified",
            )
            .await;
        assert_eq!(ok.ok()["verifyContactMethod"]["verified"], true);
    }
);
