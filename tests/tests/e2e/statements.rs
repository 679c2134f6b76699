//! A page of N things with their relations costs a constant number of SQL statements,
//! under concurrent load: counted per request from the statement histogram on `/metrics`.

use entity::Role;
use firebreak_tests::e2e;
use firebreak_tests::serde_json::{Value, json};

e2e!(
    a_page_of_100_incidents_costs_constant_statements_under_load,
    |app| {
        let (_, ada) = app.named_user("ada", Role::Responder).await;
        let (bob_id, _) = app.named_user("bob", Role::Responder).await;
        // 100 incidents, each with two roles and a few timeline entries, written through the
        // service layer (the same code the mutations call) to keep the set-up quick.
        let ada_row = {
            use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
            entity::user::Entity::find()
                .filter(entity::user::Column::Subject.eq("local:ada"))
                .one(app.db().conn())
                .await
                .unwrap()
                .unwrap()
        };
        let principal = firebreak::auth::Principal::User(firebreak::auth::CurrentUser {
            id: ada_row.id,
            subject: "ada".into(),
            role: Role::Responder,
        });
        let ctx = firebreak::services::Ctx {
            db: app.db(),
            principal: &principal,
            now: app.now(),
        };
        let mut ids = Vec::new();
        for n in 0..100 {
            let row = firebreak::services::incidents::declare(
                ctx,
                firebreak::services::incidents::Declare {
                    title: format!("Incident {n}"),
                    severity: Some(entity::Severity::Sev3),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
            let id = row.id.to_string();
            firebreak::services::incidents::assign_role(
                ctx,
                &id,
                entity::IncidentRole::TechLead,
                &bob_id,
                false,
            )
            .await
            .unwrap();
            firebreak::services::incidents::log_event(
                ctx,
                &id,
                entity::TimelineKind::Note,
                "looking",
            )
            .await
            .unwrap();
            ids.push(id);
        }
        // Links between them (every fifth repeats the first), and action items on ten
        // resolved SEV2s, for the link and action-item pages.
        for id in ids.iter().skip(1).step_by(5) {
            firebreak::services::incidents::link_recurrence(ctx, id, &ids[0])
                .await
                .unwrap();
        }
        for n in 0..10 {
            let row = firebreak::services::incidents::declare(
                ctx,
                firebreak::services::incidents::Declare {
                    title: format!("Outage {n}"),
                    severity: Some(entity::Severity::Sev2),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
            firebreak::services::incidents::resolve(ctx, &row.id.to_string(), "fixed", false, None)
                .await
                .unwrap();
            let pm = firebreak::services::postmortems::of_incidents(app.db(), &[row.id])
                .await
                .unwrap()
                .remove(0);
            for k in 0..5 {
                firebreak::services::action_items::create(
                    ctx,
                    firebreak::services::action_items::NewItem {
                        incident_id: None,
                        postmortem_id: Some(pm.id.to_string()),
                        title: format!("Follow-up {n}.{k}"),
                        description: String::new(),
                        owner_id: if k % 2 == 0 {
                            bob_id.clone()
                        } else {
                            ada_row.id.to_string()
                        },
                        due_at: app.now() + chrono::Duration::days(7),
                        priority: entity::Priority::P2,
                        tracker_url: None,
                        tracker_key: None,
                    },
                )
                .await
                .unwrap();
            }
        }

        // Other requests run beside the measured ones.
        let mut noise = Vec::new();
        for id in ids.iter().take(4) {
            let client = app.client.clone();
            let url = app.url("/graphql");
            let token = ada.clone();
            let id = id.clone();
            noise.push(tokio::spawn(async move {
            for _ in 0..30 {
                let res = client
                    .post(&url)
                    .bearer_auth(&token)
                    .json(&json!({
                        "query": "query Noise($id: ID!) { incident(id: $id) { timeline(first: 100) { nodes { author { name } } } roles { user { name } } } viewer { teams { team { name } } } }",
                        "variables": { "id": id }
                    }))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(res.status().as_u16(), 200);
            }
        }));
        }
        let page = "query IncidentPage { incidents(first: 100) { edges { node { id title commander { name } roles { role user { name login } } timeline(first: 10) { nodes { kind message author { name } } } declaredBy { login } } } } }";
        let full = "query IncidentPageFull { incidents(first: 100) { edges { node { id severityPolicy { updateEveryMinutes } postmortem { id } updates(first: 10) { nodes { message author { name } } } messages { internalInitial internalUpdate } } } } }";
        let links = "query IncidentLinks { incidents(first: 100, filter: { severities: [SEV3] }) { nodes { id duplicateOf { title } recurrenceOf { title channel } resolutionSummary } } }";
        let items = "query ItemPage { actionItems(first: 100) { nodes { title owner { name } postmortem { id incident { title } } } } }";
        let runs = 12;
        let side: Vec<_> = (0..runs)
            .map(|n| {
                let client = app.client.clone();
                let url = app.url("/graphql");
                let token = ada.clone();
                let query = if n % 2 == 0 { links } else { items };
                tokio::spawn(async move {
                    let res = client
                        .post(&url)
                        .bearer_auth(&token)
                        .json(&json!({ "query": query }))
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(res.status().as_u16(), 200);
                    let body: Value = res.json().await.unwrap();
                    assert!(body.get("errors").is_none(), "{body}");
                    if n % 2 == 0 {
                        let nodes = body["data"]["incidents"]["nodes"]
                            .as_array()
                            .unwrap()
                            .clone();
                        let linked = nodes
                            .iter()
                            .filter(|n| n["recurrenceOf"]["title"] == "Incident 0")
                            .count();
                        assert_eq!(linked, 20);
                    } else {
                        let nodes = body["data"]["actionItems"]["nodes"]
                            .as_array()
                            .unwrap()
                            .clone();
                        assert_eq!(nodes.len(), 50);
                        assert!(nodes.iter().all(|n| {
                            n["postmortem"]["incident"]["title"]
                                .as_str()
                                .unwrap()
                                .starts_with("Outage")
                        }));
                    }
                })
            })
            .collect();
        let measured: Vec<_> = (0..runs)
            .map(|n| {
                let client = app.client.clone();
                let url = app.url("/graphql");
                let token = ada.clone();
                let query = if n % 2 == 0 { page } else { full };
                tokio::spawn(async move {
                    let res = client
                        .post(&url)
                        .bearer_auth(&token)
                        .json(&json!({ "query": query }))
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(res.status().as_u16(), 200);
                    let body: Value = res.json().await.unwrap();
                    let edges = body["data"]["incidents"]["edges"]
                        .as_array()
                        .unwrap()
                        .clone();
                    assert_eq!(edges.len(), 100);
                    let edges: Vec<Value> = edges
                        .into_iter()
                        .filter(|e| {
                            e["node"]["title"]
                                .as_str()
                                .is_none_or(|t| t.starts_with("Incident"))
                                && !e["node"]["postmortem"].is_object()
                        })
                        .collect();
                    if n % 2 == 0 {
                        assert_eq!(edges[0]["node"]["roles"].as_array().unwrap().len(), 2);
                        assert_eq!(
                            edges[0]["node"]["timeline"]["nodes"]
                                .as_array()
                                .unwrap()
                                .len(),
                            3
                        );
                        assert_eq!(edges[0]["node"]["commander"]["name"], "ada");
                    } else {
                        assert!(edges[0]["node"]["postmortem"].is_null());
                        assert!(
                            edges[0]["node"]["messages"]["internalInitial"]
                                .as_str()
                                .unwrap()
                                .contains("Incident Commander: ada")
                        );
                    }
                })
            })
            .collect();
        for t in measured.into_iter().chain(side).chain(noise) {
            t.await.unwrap();
        }
        let metrics = app
            .client
            .get(app.url("/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let bucket = |op: &str, le: &str| -> u64 {
            let key = format!(
                "firebreak_graphql_sql_statements_bucket{{operation=\"{op}\",le=\"{le}\"}} "
            );
            metrics
                .lines()
                .find_map(|l| l.strip_prefix(&key))
                .unwrap_or_else(|| panic!("no {key} in {metrics}"))
                .trim()
                .parse()
                .unwrap()
        };
        // Every request of a shape ran exactly the same number of statements: the sum is
        // that number times the count, and no request ran fewer.
        let exact = |op: &str, n: u64, below: &str| {
            let sum = |suffix: &str| -> f64 {
                let key =
                    format!("firebreak_graphql_sql_statements_{suffix}{{operation=\"{op}\"}} ");
                metrics
                    .lines()
                    .find_map(|l| l.strip_prefix(&key))
                    .unwrap_or_else(|| panic!("no {key}"))
                    .trim()
                    .parse()
                    .unwrap()
            };
            assert_eq!(sum("count"), (runs / 2) as f64, "{op}");
            assert_eq!(sum("sum"), (n * runs / 2) as f64, "{op}: {metrics}");
            assert_eq!(bucket(op, below), 0, "{op}: {metrics}");
        };
        // authentication, the page, roles, first timeline pages, users, the incidents the
        // timeline entries name (recurrence links).
        exact("IncidentPage", 6, "5");
        // authentication, the page, roles, the whole logs and updates (the rendered
        // messages read them), first update pages, postmortems, policies, users, linked
        // incidents, message templates.
        exact("IncidentPageFull", 11, "10");
        // authentication, the page, the linked incidents the caller may see.
        exact("IncidentLinks", 3, "2");
        // authentication, the page, owners, postmortems, their incidents.
        exact("ItemPage", 5, "4");
    }
);
