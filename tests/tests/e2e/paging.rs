//! Paging end to end: a declaration pages its severity's targets, a raise only the new
//! ones, an alert in a coverage gap still reaches someone, and responders acknowledge,
//! escalate, reassign and snooze; the escalation run moves unacknowledged alerts on.

use crate::schedules::{add_layer, members, schedule, team_with_manager};
use entity::Role;
use firebreak_tests::serde_json::{Value, json};
use firebreak_tests::{TestApp, e2e};

pub(crate) struct Org {
    pub(crate) team: String,
    pub(crate) mia: String,
    pub(crate) oncall: String,
    pub(crate) lead: String,
    pub(crate) eng: String,
    pub(crate) vp: String,
}

/// A team whose default schedule has Olga on call around the clock, Lena as team lead;
/// Eric is the engineering lead and Vera the VP Engineering.
pub(crate) async fn org(app: &TestApp, window: Option<(&str, &str)>) -> Org {
    let (team, mia) = team_with_manager(app).await;
    let (oncall, _) = app.named_user("olga", Role::Responder).await;
    let (lead, _) = app.named_user("lena", Role::Responder).await;
    let (eng, _) = app.named_user("eric", Role::Manager).await;
    let (vp, _) = app.named_user("vera", Role::Manager).await;
    let sid = schedule(app, &mia, &team).await;
    let mut layer = json!({ "name": "Primary", "timeZone": "UTC", "handoffTime": "09:00:00", "startDate": "2026-11-16", "members": members(&[&oncall], &[]) });
    if let Some((s, e)) = window {
        layer["windowStart"] = json!(s);
        layer["windowEnd"] = json!(e);
    }
    add_layer(app, &mia, &sid, layer).await.ok();
    let admin = app.token(Role::Admin).await;
    app.call(
        &admin,
        "setTeamMember",
        "SetTeamMemberInput",
        json!({ "teamId": team, "userId": lead, "teamRole": "LEAD" }),
        "team { id }",
    )
    .await
    .ok();
    app.call(
        &admin,
        "setPagingPeople",
        "SetPagingPeopleInput",
        json!({ "engineeringLeadId": eng, "vpEngineeringId": vp }),
        "engineeringLeadId",
    )
    .await
    .ok();
    Org {
        team,
        mia,
        oncall,
        lead,
        eng,
        vp,
    }
}

pub(crate) const ALERT: &str = "alert { id status unrouted escalationPosition snoozedUntil pages { user { login } via acknowledgedAt } }";

pub(crate) fn logins(alert: &Value) -> Vec<(String, String)> {
    alert["pages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["user"]["login"].as_str().unwrap().to_owned(),
                p["via"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

pub(crate) async fn alerts_of(app: &TestApp, token: &str, team: &str) -> Vec<Value> {
    let q = format!(
        "query($t: ID!) {{ alerts(filter: {{ teamId: $t }}) {{ nodes {} }} }}",
        &ALERT["alert ".len()..]
    );
    app.gql(Some(token), &q, json!({ "t": team })).await.ok()["alerts"]["nodes"]
        .as_array()
        .unwrap()
        .clone()
}

e2e!(
    a_declaration_pages_its_severity_and_a_raise_only_the_new_people,
    |app| {
        let o = org(&app, None).await;
        let ada = app.token(Role::Responder).await;
        app.declare(
            &ada,
            json!({ "title": "Payments down", "severity": "SEV1", "teamId": o.team }),
        )
        .await;
        let a = alerts_of(&app, &o.mia, &o.team).await;
        assert_eq!(a.len(), 1);
        assert_eq!(
            logins(&a[0]),
            vec![
                ("olga".into(), "on_call".into()),
                ("eric".into(), "engineering_lead".into()),
                ("vera".into(), "vp_engineering".into())
            ]
        );
        let _ = (&o.oncall, &o.eng, &o.vp);

        let sev3 = app
            .declare(
                &ada,
                json!({ "title": "Slow search", "severity": "SEV3", "teamId": o.team }),
            )
            .await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        app.call(
            &ada,
            "changeSeverity",
            "ChangeSeverityInput",
            json!({ "incidentId": sev3, "severity": "SEV2", "reason": "spreading" }),
            "incident { id }",
        )
        .await
        .ok();
        let a = alerts_of(&app, &o.mia, &o.team).await;
        assert_eq!(
            logins(&a[0]),
            vec![
                ("olga".into(), "on_call".into()),
                ("lena".into(), "team_leads".into())
            ],
            "Olga is not paged twice"
        );
        // Acknowledging the incident acknowledges its alert and pages.
        app.call(
            &ada,
            "acknowledgeIncident",
            "IncidentIdInput",
            json!({ "incidentId": sev3 }),
            "incident { id }",
        )
        .await
        .ok();
        let a = alerts_of(&app, &o.mia, &o.team).await;
        assert_eq!(a[0]["status"], "ACKNOWLEDGED");
        assert!(a[0]["pages"][0]["acknowledgedAt"].is_string());
        // Resolving the incident resolves its alerts: nobody is paged about what is over.
        app.call(
            &ada,
            "resolveIncident",
            "ResolveIncidentInput",
            json!({ "incidentId": sev3, "summary": "Reindexed" }),
            "incident { id }",
        )
        .await
        .ok();
        assert_eq!(
            alerts_of(&app, &o.mia, &o.team).await[0]["status"],
            "RESOLVED"
        );
        // A SEV4 pages nobody and opens no alert.
        app.declare(
            &ada,
            json!({ "title": "Typo", "severity": "SEV4", "teamId": o.team }),
        )
        .await;
        assert_eq!(alerts_of(&app, &o.mia, &o.team).await.len(), 2);
        // The on-call's own pages.
        let olga = app.sign("olga");
        let mine = app
            .gql(
                Some(&olga),
                "{ myPages { nodes { via alert { summary severity } } } }",
                json!({}),
            )
            .await;
        assert_eq!(mine.ok()["myPages"]["nodes"].as_array().unwrap().len(), 2);
    }
);

e2e!(an_alert_in_a_coverage_gap_still_reaches_someone, |app| {
    // The window is 20:00–21:00 UTC; the clock is 09:00: nobody is on call.
    let o = org(&app, Some(("20:00:00", "21:00:00"))).await;
    let ada = app.token(Role::Responder).await;
    let res = app
        .call(
            &ada,
            "triggerPage",
            "TriggerPageInput",
            json!({ "teamId": o.team, "summary": "Disk full", "severity": "SEV3" }),
            ALERT,
        )
        .await;
    let a = res.ok()["triggerPage"]["alert"].clone();
    assert_eq!(
        logins(&a),
        vec![("lena".into(), "fallback:team_leads".into())]
    );
    assert_eq!(a["unrouted"], false);
    // Without a team lead either: the admins.
    let admin = app.token(Role::Admin).await;
    app.call(
        &admin,
        "removeTeamMember",
        "TeamUserInput",
        json!({ "teamId": o.team, "userId": o.lead }),
        "team { id }",
    )
    .await
    .ok();
    let res = app
        .call(
            &ada,
            "triggerPage",
            "TriggerPageInput",
            json!({ "teamId": o.team, "summary": "Disk full again", "severity": "SEV3" }),
            ALERT,
        )
        .await;
    let a = res.ok()["triggerPage"]["alert"].clone();
    assert!(
        logins(&a).iter().all(|(_, via)| via == "fallback:admins"),
        "{a}"
    );
    assert!(!logins(&a).is_empty());
});

e2e!(responders_acknowledge_escalate_reassign_and_snooze, |app| {
    let o = org(&app, None).await;
    let ada = app.token(Role::Responder).await;
    let trigger = |summary: &'static str| {
        let app = &app;
        let ada = ada.clone();
        let team = o.team.clone();
        async move {
            app.call(
                &ada,
                "triggerPage",
                "TriggerPageInput",
                json!({ "teamId": team, "summary": summary, "severity": "SEV3" }),
                ALERT,
            )
            .await
            .ok()["triggerPage"]["alert"]
                .clone()
        }
    };
    let act = |m: &'static str, input_type: &'static str, input: Value| {
        let app = &app;
        let ada = ada.clone();
        async move { app.call(&ada, m, input_type, input, ALERT).await }
    };
    let a = trigger("A").await;
    let acked = act(
        "acknowledgeAlert",
        "AlertIdInput",
        json!({ "alertId": a["id"] }),
    )
    .await;
    assert_eq!(
        acked.ok()["acknowledgeAlert"]["alert"]["status"],
        "ACKNOWLEDGED"
    );
    act(
        "acknowledgeAlert",
        "AlertIdInput",
        json!({ "alertId": a["id"] }),
    )
    .await
    .expect_reason("CONFLICT", "ALREADY_ACKNOWLEDGED");
    act(
        "resolveAlert",
        "AlertIdInput",
        json!({ "alertId": a["id"] }),
    )
    .await
    .ok();
    act(
        "escalateAlert",
        "AlertIdInput",
        json!({ "alertId": a["id"] }),
    )
    .await
    .expect_reason("CONFLICT", "ALERT_RESOLVED");

    // Escalating pages the next step: the team's leads.
    let b = trigger("B").await;
    let esc = act(
        "escalateAlert",
        "AlertIdInput",
        json!({ "alertId": b["id"] }),
    )
    .await;
    let esc = esc.ok()["escalateAlert"]["alert"].clone();
    assert_eq!(esc["escalationPosition"], 1);
    assert_eq!(
        logins(&esc),
        vec![
            ("olga".into(), "on_call".into()),
            ("lena".into(), "team_leads".into())
        ]
    );
    // Reassigning pages the person named.
    let (_, _) = app.named_user("rita", Role::Responder).await;
    let rita = app
        .gql(
            Some(&o.mia),
            "{ users(first: 100) { nodes { id login } } }",
            json!({}),
        )
        .await
        .ok()["users"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["login"] == "rita")
        .unwrap()["id"]
        .clone();
    let re = act(
        "reassignAlert",
        "ReassignAlertInput",
        json!({ "alertId": b["id"], "userId": rita }),
    )
    .await;
    assert_eq!(
        logins(&re.ok()["reassignAlert"]["alert"]).last().unwrap(),
        &("rita".to_owned(), "reassigned".to_owned())
    );

    // Snoozed: acknowledged until then, triggered again by the escalation run after.
    let c = trigger("C").await;
    let sn = act(
        "snoozeAlert",
        "SnoozeAlertInput",
        json!({ "alertId": c["id"], "until": "2026-11-23T10:00:00Z" }),
    )
    .await;
    assert_eq!(sn.ok()["snoozeAlert"]["alert"]["status"], "ACKNOWLEDGED");
    act(
        "snoozeAlert",
        "SnoozeAlertInput",
        json!({ "alertId": c["id"], "until": "2026-11-23T08:00:00Z" }),
    )
    .await
    .expect_reason("BAD_USER_INPUT", "INSTANT_OUT_OF_RANGE");
    // A SEV4 pages nobody, and never escalates.
    let quiet = app
        .call(
            &ada,
            "triggerPage",
            "TriggerPageInput",
            json!({ "teamId": o.team, "summary": "Low disk on CI", "severity": "SEV4" }),
            ALERT,
        )
        .await
        .ok()["triggerPage"]["alert"]
        .clone();
    assert_eq!(logins(&quiet), vec![]);
    // Nothing is due yet.
    let due = firebreak::services::paging::alerts::run_due(app.db(), app.now())
        .await
        .unwrap();
    assert_eq!(due, firebreak::services::paging::alerts::Due::default());
    // 16 minutes on, the unacknowledged B (at step 1 since 09:00) moves to step 2.
    app.advance_clock(chrono::Duration::minutes(16));
    let due = firebreak::services::paging::alerts::run_due(app.db(), app.now())
        .await
        .unwrap();
    assert_eq!(due.escalated, 1);
    // An hour on, C's snooze has ended: triggered again, its on-call paged again.
    app.advance_clock(chrono::Duration::minutes(50));
    let due = firebreak::services::paging::alerts::run_due(app.db(), app.now())
        .await
        .unwrap();
    assert_eq!(due.retriggered, 1);
    let mia = app.sign("mia");
    let all = alerts_of(&app, &mia, &o.team).await;
    let c_now = all.iter().find(|x| x["id"] == c["id"]).unwrap();
    assert_eq!(c_now["status"], "TRIGGERED");
    assert_eq!(logins(c_now).iter().filter(|(l, _)| l == "olga").count(), 2);
    let b_now = all.iter().find(|x| x["id"] == b["id"]).unwrap();
    assert_eq!(b_now["escalationPosition"], 2);
    assert!(logins(b_now).contains(&("eric".into(), "engineering_lead".into())));
});

e2e!(
    an_alert_becomes_an_incident_and_restricted_pages_make_participants,
    |app| {
        let o = org(&app, None).await;
        let ada = app.token(Role::Responder).await;
        let a = app
            .call(
                &ada,
                "triggerPage",
                "TriggerPageInput",
                json!({ "teamId": o.team, "summary": "Error rate 5%", "severity": "SEV2" }),
                ALERT,
            )
            .await
            .ok()["triggerPage"]["alert"]
            .clone();
        let inc = app
            .call(
                &ada,
                "declareIncidentFromAlert",
                "DeclareIncidentFromAlertInput",
                json!({ "alertId": a["id"] }),
                "incident { id title severity detectionSource }",
            )
            .await;
        let inc = inc.ok()["declareIncidentFromAlert"]["incident"].clone();
        assert_eq!(inc["title"], "Error rate 5%");
        assert_eq!(inc["severity"], "SEV2");
        assert_eq!(inc["detectionSource"], "ALERT");
        let all = alerts_of(&app, &o.mia, &o.team).await;
        assert_eq!(all.len(), 1, "no second alert");
        assert_eq!(
            logins(&all[0]).len(),
            2,
            "nobody paged twice: {:?}",
            logins(&all[0])
        );
        app.call(
            &ada,
            "declareIncidentFromAlert",
            "DeclareIncidentFromAlertInput",
            json!({ "alertId": a["id"] }),
            "incident { id }",
        )
        .await
        .expect_reason("CONFLICT", "ALREADY_EXISTS");

        // A restricted SEV2: Olga and Lena are paged, so they may see it.
        let secret = app.declare(&ada, json!({ "title": "Breach", "severity": "SEV2", "teamId": o.team, "restricted": true })).await["id"].as_str().unwrap().to_owned();
        let olga = app.sign("olga");
        let seen = app
            .gql(
                Some(&olga),
                "query($id: ID!) { incident(id: $id) { title } }",
                json!({ "id": secret }),
            )
            .await;
        assert_eq!(seen.ok()["incident"]["title"], "Breach");
        // Someone else sees neither the incident nor its alert.
        let (_, other) = app.named_user("otto", Role::Responder).await;
        let theirs = alerts_of(&app, &other, &o.team).await;
        assert!(theirs.iter().all(|x| {
            x["pages"]
                .as_array()
                .unwrap()
                .iter()
                .all(|p| p["user"]["login"] != "nobody")
        }));
        assert_eq!(theirs.len(), 1, "the restricted incident's alert is hidden");
    }
);

e2e!(a_teams_escalation_policy_decides_the_steps, |app| {
    let o = org(&app, None).await;
    let (rita, _) = app.named_user("rita", Role::Responder).await;
    let set = |token: String, input: Value| {
        let app = &app;
        async move {
            app.call(
                &token,
                "setEscalationPolicy",
                "SetEscalationPolicyInput",
                input,
                "steps { targets delayMinutes } repeats",
            )
            .await
        }
    };
    let policy = set(
        o.mia.clone(),
        json!({ "teamId": o.team, "repeats": 1, "steps": [
        { "targets": ["on_call"], "delayMinutes": 5 },
        { "targets": [format!("person:{rita}")], "delayMinutes": 10 },
    ] }),
    )
    .await;
    assert_eq!(
        policy.ok()["setEscalationPolicy"]["steps"][1]["delayMinutes"],
        10
    );
    set(
        o.mia.clone(),
        json!({ "teamId": o.team, "steps": [{ "targets": ["the_cto"], "delayMinutes": 5 }] }),
    )
    .await
    .expect_reason("BAD_USER_INPUT", "VALUE_OUT_OF_RANGE");
    let responder = app.token(Role::Responder).await;
    set(
        responder.clone(),
        json!({ "teamId": o.team, "steps": [{ "targets": ["on_call"], "delayMinutes": 5 }] }),
    )
    .await
    .expect_code("FORBIDDEN");
    let read = app
        .gql(
            Some(&responder),
            "query($t: ID!) { escalationPolicy(teamId: $t) { repeats steps { targets } } }",
            json!({ "t": o.team }),
        )
        .await;
    assert_eq!(read.ok()["escalationPolicy"]["repeats"], 1);

    // Five minutes unacknowledged: Rita (step 1); ten more: the on-call again (the repeat
    // pages its step's targets again).
    let a = app
        .call(
            &responder,
            "triggerPage",
            "TriggerPageInput",
            json!({ "teamId": o.team, "summary": "Queue stuck", "severity": "SEV3" }),
            ALERT,
        )
        .await
        .ok()["triggerPage"]["alert"]
        .clone();
    assert_eq!(a["pages"][0]["via"], "on_call");
    app.advance_clock(chrono::Duration::minutes(5));
    firebreak::services::paging::alerts::run_due(app.db(), app.now())
        .await
        .unwrap();
    app.advance_clock(chrono::Duration::minutes(10));
    firebreak::services::paging::alerts::run_due(app.db(), app.now())
        .await
        .unwrap();
    let mia = app.sign("mia");
    let now = alerts_of(&app, &mia, &o.team).await;
    assert_eq!(now[0]["escalationPosition"], 2);
    assert_eq!(
        logins(&now[0]),
        vec![
            ("olga".into(), "on_call".into()),
            ("rita".into(), format!("person:{rita}")),
            ("olga".into(), "on_call".into()),
        ],
        "the repeat pages the first step again"
    );
});
