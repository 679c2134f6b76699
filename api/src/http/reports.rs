//! `GET /reports/oncall-load.csv?team=…&from=…&to=…`: the on-call load report's rows as
//! CSV, for spreadsheets, with the same authorization as GraphQL (a bearer token; managers
//! and admins). Written with the `csv` crate; a cell a spreadsheet would read as a formula
//! (starting with `=`, `+`, `-` or `@`) is prefixed with `'` (OWASP's CSV-injection
//! advice), so a person's name cannot run in a manager's spreadsheet.

use super::graphql::authenticate;
use super::state::AppState;
use crate::services::paging::load_report;
use crate::services::{Ctx, ServiceError};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct Params {
    team: String,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
}

/// A cell made safe to open in a spreadsheet.
pub fn cell(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_owned()
    }
}

pub async fn oncall_load(
    State(state): State<AppState>,
    headers: HeaderMap,
    params: Result<Query<Params>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let principal = match authenticate(&state, &headers).await {
        Ok(p) => p,
        Err(res) => return res,
    };
    let Ok(Query(p)) = params else {
        return (
            StatusCode::BAD_REQUEST,
            "give team, from and to (RFC 3339 instants)",
        )
            .into_response();
    };
    let ctx = Ctx {
        db: &state.db,
        principal: &principal,
        now: state.clock.now(),
    };
    let loaded = match load_report::load_report(ctx, &p.team, p.from, p.to).await {
        Ok(r) => r,
        Err(e) => {
            let status = match &e {
                ServiceError::Unauthenticated => StatusCode::UNAUTHORIZED,
                ServiceError::Forbidden { .. } => StatusCode::FORBIDDEN,
                ServiceError::NotFound(_) => StatusCode::NOT_FOUND,
                ServiceError::InvalidInput { .. } => StatusCode::BAD_REQUEST,
                _ => StatusCode::SERVICE_UNAVAILABLE,
            };
            let message = match &e {
                ServiceError::InvalidInput { message, .. }
                | ServiceError::Forbidden { message, .. } => message.clone(),
                ServiceError::Unauthenticated => "sign in with a bearer token".into(),
                ServiceError::NotFound(what) => format!("no such {what}"),
                _ => "try again later".into(),
            };
            return (status, message).into_response();
        }
    };
    let names: std::collections::HashMap<uuid::Uuid, (String, String)> = {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        let ids: Vec<uuid::Uuid> = loaded.report.rows.iter().map(|r| r.user).collect();
        match entity::user::Entity::find()
            .filter(entity::user::Column::Id.is_in(ids))
            .all(state.db.conn())
            .await
        {
            Ok(users) => users
                .into_iter()
                .map(|u| {
                    let login = u
                        .subject
                        .split_once(':')
                        .map_or(u.subject.clone(), |(_, s)| s.to_owned());
                    (u.id, (login, u.name))
                })
                .collect(),
            Err(_) => return (StatusCode::SERVICE_UNAVAILABLE, "try again later").into_response(),
        }
    };
    let mut w = csv::Writer::from_writer(vec![]);
    let header = [
        "login",
        "name",
        "iso_year",
        "iso_week",
        "hours_on_call",
        "pages",
        "night_pages",
        "out_of_hours_pages",
        "incidents_led",
        "level",
        "rest_owed_minutes",
        "compensation_minor",
        "currency",
    ];
    let mut ok = w.write_record(header).is_ok();
    for r in &loaded.report.rows {
        let (login, name) = names.get(&r.user).cloned().unwrap_or_default();
        let level = match r.level {
            Some(scheduler::paging::load::Level::Ok) => "ok",
            Some(scheduler::paging::load::Level::Warning) => "warning",
            Some(scheduler::paging::load::Level::Breach) => "breach",
            None => "",
        };
        let hours = format!("{:.2}", r.on_call.num_minutes() as f64 / 60.0);
        ok &= w
            .write_record([
                cell(&login),
                cell(&name),
                r.week.0.to_string(),
                r.week.1.to_string(),
                hours,
                r.pages.to_string(),
                r.night_pages.to_string(),
                r.out_of_hours_pages.to_string(),
                r.incidents_led.to_string(),
                level.to_owned(),
                r.rest_owed.num_minutes().to_string(),
                r.compensation_minor.to_string(),
                cell(&loaded.currency),
            ])
            .is_ok();
    }
    let body = w.into_inner().ok().filter(|_| ok);
    match body {
        Some(bytes) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"oncall-load.csv\"",
                ),
                (header::CACHE_CONTROL, "private, no-store"),
            ],
            bytes,
        )
            .into_response(),
        None => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "the report could not be written",
        )
            .into_response(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn formulas_are_neutralised() {
        assert_eq!(super::cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(super::cell("+1"), "'+1");
        assert_eq!(super::cell("-2"), "'-2");
        assert_eq!(super::cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(super::cell("Ada"), "Ada");
    }
}
