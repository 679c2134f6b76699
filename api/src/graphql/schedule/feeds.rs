//! Calendar feed tokens over GraphQL: issue (or rotate), revoke, list.

use super::Schedule;
use super::schedule_object;
use crate::graphql::context::service_ctx;
use crate::services::schedules::feeds;
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entity::calendar_feed;

/// A calendar feed of the caller: their own shifts, or a schedule's.
pub struct CalendarFeed(pub calendar_feed::Model);

impl CalendarFeed {
    /// The feed's path; its URL is this with `?token=` and the secret.
    fn feed_path(&self) -> String {
        match self.0.schedule_id {
            Some(s) => format!("/ical/schedules/{s}.ics"),
            None => format!("/ical/users/{}.ics", self.0.user_id),
        }
    }
}

#[Object]
impl CalendarFeed {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Null for the feed of the holder's own shifts.
    async fn schedule(&self, ctx: &Context<'_>) -> Result<Option<Schedule>> {
        match self.0.schedule_id {
            Some(s) => Ok(Some(schedule_object(ctx, s).await?)),
            None => Ok(None),
        }
    }
    /// Path of the feed (relative to the server); subscribe to it with `?token=<token>`.
    async fn path(&self) -> String {
        self.feed_path()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When a calendar application last fetched it.
    async fn last_used_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_used_at
    }
}

#[derive(InputObject, Default)]
pub struct CalendarFeedInput {
    /// A schedule's feed; omitted, the caller's own shifts.
    pub schedule_id: Option<ID>,
}

#[derive(SimpleObject)]
pub struct IssuedCalendarFeed {
    pub feed: CalendarFeed,
    /// The secret, shown this once (only its hash is stored). Issuing again rotates it.
    pub token: String,
    /// `path` with the token: what to paste into a calendar application, after the
    /// server's address.
    pub path_with_token: String,
}

#[derive(SimpleObject)]
pub struct RevokedCalendarFeed {
    pub feed_id: ID,
}

#[derive(Default)]
pub struct FeedQuery;

#[Object]
impl FeedQuery {
    /// The caller's calendar feeds (one per scope).
    #[graphql(
        complexity = "crate::graphql::cost::STATEMENT + crate::graphql::cost::LIST_CAP * child_complexity"
    )]
    async fn my_calendar_feeds(&self, ctx: &Context<'_>) -> Result<Vec<CalendarFeed>> {
        Ok(feeds::mine(service_ctx(ctx))
            .await?
            .into_iter()
            .take(crate::graphql::cost::LIST_CAP)
            .map(CalendarFeed)
            .collect())
    }
}

#[derive(Default)]
pub struct FeedMutation;

#[Object]
impl FeedMutation {
    /// Issues the caller's secret for a feed, replacing any earlier one.
    async fn issue_calendar_feed(
        &self,
        ctx: &Context<'_>,
        input: Option<CalendarFeedInput>,
    ) -> Result<IssuedCalendarFeed> {
        let input = input.unwrap_or_default();
        let (row, token) = feeds::issue(
            service_ctx(ctx),
            input.schedule_id.as_ref().map(|i| i.as_str()),
        )
        .await?;
        let feed = CalendarFeed(row);
        let path_with_token = format!("{}?token={token}", feed.feed_path());
        Ok(IssuedCalendarFeed {
            feed,
            token,
            path_with_token,
        })
    }

    /// Revokes the caller's secret for a feed: calendar applications holding it get 404.
    async fn revoke_calendar_feed(
        &self,
        ctx: &Context<'_>,
        input: Option<CalendarFeedInput>,
    ) -> Result<RevokedCalendarFeed> {
        let input = input.unwrap_or_default();
        let id = feeds::revoke(
            service_ctx(ctx),
            input.schedule_id.as_ref().map(|i| i.as_str()),
        )
        .await?;
        Ok(RevokedCalendarFeed {
            feed_id: ID(id.to_string()),
        })
    }
}
