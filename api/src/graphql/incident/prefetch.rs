//! Loading, in a fixed number of statements, every relation a page of incidents is asked
//! for, and priming the request's loaders with it: roles, the first page of timelines and
//! updates (one windowed statement each), postmortems, policies, then the users, services,
//! teams and linked incidents all of those name.

use super::*;
use crate::graphql::connection::NodeSelection;
use async_graphql::{SelectionField, Value as GqlValue};

/// `first` and `order` of a timeline/updates selection, when it asks for a first page
/// (with `after`, it is one incident's later page: loaded on its own).
fn first_page_shape(field: &SelectionField<'_>) -> Option<(usize, incidents::Order)> {
    let mut first = 20_usize;
    let mut order = incidents::Order::OldestFirst;
    for (name, value) in field.arguments().ok()? {
        match (name.as_str(), value) {
            ("first", GqlValue::Number(n)) => first = usize::try_from(n.as_i64()?).ok()?,
            ("order", GqlValue::Enum(e)) if e.as_str() == "NEWEST_FIRST" => {
                order = incidents::Order::NewestFirst;
            }
            ("after", GqlValue::Null) | ("order", _) => {}
            ("after", _) => return None,
            _ => {}
        }
    }
    (1..=crate::services::pagination::MAX_PAGE_SIZE)
        .contains(&first)
        .then_some((first, order))
}

pub(super) async fn prefetch(ctx: &Context<'_>, rows: &[incident::Model]) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let selection = NodeSelection::of(ctx);
    let wants = |name: &str| selection.wants(&[name]);
    let shape_of = |name: &str| {
        selection
            .nodes()
            .iter()
            .flat_map(|n| n.field(name).selection_fields())
            .find_map(|f| first_page_shape(&f))
    };
    let messages = wants("messages");
    let need_roles = messages || wants("roles") || wants("commander") || wants("unfilledRoles");
    let timeline_shape = shape_of("timeline");
    let updates_shape = shape_of("updates");
    let need_postmortems = messages || wants("postmortem");
    let need_policies = wants("severityPolicy") || wants("expectedRoles") || wants("unfilledRoles");
    let need_linked = wants("duplicateOf") || wants("recurrenceOf") || wants("resolutionSummary");

    let db = &data(ctx).db;
    let conn = db.conn();
    let cache = loaders(ctx);
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let (roles, all_events, all_updates, timelines, update_pages, postmortems, policies) = tokio::try_join!(
        async {
            if need_roles {
                incidents::roles_of(db, &ids).await.map(Some)
            } else {
                Ok(None)
            }
        },
        // The rendered messages read the whole log (actions taken, latest update).
        async {
            if messages {
                incidents::events_of(db, &ids).await.map(Some)
            } else {
                Ok(None)
            }
        },
        async {
            if messages {
                incidents::updates_of(db, &ids).await.map(Some)
            } else {
                Ok(None)
            }
        },
        async {
            match timeline_shape {
                Some((first, order)) => {
                    incidents::first_pages::<incident_event::Entity>(conn, &ids, first, order)
                        .await
                        .map(|p| Some((first, order, p)))
                }
                None => Ok(None),
            }
        },
        async {
            match updates_shape {
                Some((first, order)) => {
                    incidents::first_pages::<incident_update::Entity>(conn, &ids, first, order)
                        .await
                        .map(|p| Some((first, order, p)))
                }
                None => Ok(None),
            }
        },
        async {
            if need_postmortems {
                crate::services::postmortems::of_incidents(db, &ids)
                    .await
                    .map(Some)
            } else {
                Ok(None)
            }
        },
        async {
            if need_policies {
                crate::services::severity::all(conn).await.map(Some)
            } else {
                Ok(None)
            }
        },
    )?;

    // Everyone and everything the page names and the query asks for, one statement each:
    // a list that shows role holders' names reads those users, not every timeline author.
    let in_list = |list: &str, field: &str| {
        selection.wants(&[list, "nodes", field]) || selection.wants(&[list, "edges", "node", field])
    };
    let mut user_ids: HashSet<Uuid> = HashSet::new();
    if messages || wants("declaredBy") {
        user_ids.extend(rows.iter().map(|r| r.declared_by));
    }
    let mut linked_ids: HashSet<Uuid> = HashSet::new();
    if need_linked {
        linked_ids.extend(rows.iter().filter_map(|r| r.duplicate_of));
        linked_ids.extend(rows.iter().filter_map(|r| r.recurrence_of));
    }
    for e in all_events.iter().flatten() {
        user_ids.extend(e.author_id);
        linked_ids.extend(e.ref_incident_id);
    }
    user_ids.extend(all_updates.iter().flatten().map(|u| u.author_id));
    if let Some((_, _, pages)) = &timelines {
        let authors = in_list("timeline", "author");
        for e in pages.values().flat_map(|p| &p.items) {
            if authors {
                user_ids.extend(e.author_id);
            }
            linked_ids.extend(e.ref_incident_id);
        }
    }
    if let Some((_, _, pages)) = &update_pages
        && in_list("updates", "author")
    {
        user_ids.extend(pages.values().flat_map(|p| &p.items).map(|u| u.author_id));
    }
    let user_ids: Vec<Uuid> = user_ids.into_iter().collect();
    let linked_ids: Vec<Uuid> = linked_ids.into_iter().collect();
    let service_ids: Vec<Uuid> = rows.iter().filter_map(|r| r.service_id).collect();
    let team_ids: Vec<Uuid> = rows.iter().filter_map(|r| r.team_id).collect();
    // Role holders come with the roles.
    let need_users =
        messages || timelines.is_some() || update_pages.is_some() || wants("declaredBy");
    // The message templates that apply to the page (the organization's, the teams').
    let scopes: Vec<String> = std::iter::once(crate::services::templates::ORG_SCOPE.to_owned())
        .chain(rows.iter().filter_map(|r| r.team_id).map(|t| t.to_string()))
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let (users, services, teams, linked, templates) = tokio::try_join!(
        async {
            if need_users && !user_ids.is_empty() {
                users::by_ids(db, &user_ids).await
            } else {
                Ok(vec![])
            }
        },
        async {
            if (messages || wants("service")) && !service_ids.is_empty() {
                catalog::by_ids(db, &service_ids).await
            } else {
                Ok(vec![])
            }
        },
        async {
            if wants("team") && !team_ids.is_empty() {
                teams::by_ids(db, &team_ids).await
            } else {
                Ok(vec![])
            }
        },
        async {
            if linked_ids.is_empty() {
                return Ok(vec![]);
            }
            let user = request(ctx).principal.user()?;
            crate::services::visibility::visible_by_ids(conn, user, &linked_ids).await
        },
        async {
            if messages {
                crate::services::templates::of_scopes(db, &scopes)
                    .await
                    .map(Some)
            } else {
                Ok(None)
            }
        },
    )?;
    if let Some(templates) = templates {
        let mut by_scope: std::collections::HashMap<String, Vec<_>> =
            scopes.iter().map(|s| (s.clone(), Vec::new())).collect();
        for t in templates {
            by_scope.entry(t.scope.clone()).or_default().push(t);
        }
        cache.templates.feed_many(by_scope).await;
    }

    if let Some(roles) = roles {
        cache
            .incident_roles
            .feed_many(with_empty(&ids, group(roles, |(r, _)| r.incident_id)))
            .await;
    }
    if let Some(events) = all_events {
        cache
            .incident_events
            .feed_many(with_empty(&ids, group(events, |e| e.incident_id)))
            .await;
    }
    if let Some(updates) = all_updates {
        cache
            .incident_updates
            .feed_many(with_empty(&ids, group(updates, |u| u.incident_id)))
            .await;
    }
    if let Some((first, order, pages)) = timelines {
        cache
            .timeline_pages
            .feed_many(PageKey::key_pages(first, order, pages))
            .await;
    }
    if let Some((first, order, pages)) = update_pages {
        cache
            .update_pages
            .feed_many(PageKey::key_pages(first, order, pages))
            .await;
    }
    if let Some(pms) = postmortems {
        cache
            .postmortems
            .feed_many(with_none(&ids, pms.into_iter().map(|p| (p.incident_id, p))))
            .await;
    }
    if let Some(policies) = policies {
        cache
            .policies
            .feed_many(policies.into_iter().map(|p| (p.severity, p)))
            .await;
    }
    if !linked_ids.is_empty() {
        crate::graphql::loaders::feed_visible_incidents(ctx, &linked_ids, linked).await;
    }
    cache
        .users
        .feed_many(users.into_iter().map(|u| (u.id, u)))
        .await;
    cache
        .services
        .feed_many(services.into_iter().map(|s| (s.id, s)))
        .await;
    cache
        .teams
        .feed_many(teams.into_iter().map(|t| (t.id, t)))
        .await;
    Ok(())
}
