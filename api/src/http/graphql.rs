//! `/graphql`, following the GraphQL-over-HTTP specification (graphql/graphql-over-http,
//! commit e1e46e7). async-graphql-axum's stock handler uses other status codes and always
//! answers `application/graphql-response+json`, hence this handler around
//! `Schema::execute`.
//!
//! Status codes: 200 data without errors; 294 data with errors; 400 a body that is not
//! JSON or a document that does not parse; 401 an invalid token; 405 other methods and
//! mutations over GET; 406 nothing acceptable; 413 body too large; 415 unsupported request
//! type; 422 not a well-formed request, validation failure, ambiguous operation,
//! uncoercible variables.

use super::negotiate::{self, MediaType};
use super::problem::problem;
use super::state::AppState;
use crate::auth::{AuthError, Principal};
use crate::error::ServiceError;
use crate::graphql::context::RequestData;
use crate::graphql::error::{BAD_USER_INPUT, UNAUTHENTICATED, UNAVAILABLE};
use crate::graphql::loaders::Loaders;
use crate::graphql::roots::ExecutionStarted;
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationType, Selection, SelectionSet,
};
use async_graphql::{ServerError, Variables};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

/// The custom "294 Partial Success" of the spec: data with errors.
const PARTIAL_SUCCESS: u16 = 294;

pub async fn method_not_allowed() -> Response {
    let mut res = problem(
        StatusCode::METHOD_NOT_ALLOWED,
        "BAD_REQUEST",
        "use GET for queries or POST",
    );
    res.headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("GET, POST"));
    res
}

fn mutation_over_get() -> Response {
    let mut res = problem(
        StatusCode::METHOD_NOT_ALLOWED,
        "BAD_REQUEST",
        "mutations must be sent with POST",
    );
    res.headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("POST"));
    res
}

/// One GraphQL-over-HTTP request, checked for well-formedness.
struct GqlRequest {
    query: String,
    operation_name: Option<String>,
    variables: Option<Map<String, Value>>,
}

/// A request error found before execution.
enum Reject {
    /// A complete HTTP response (not a GraphQL response).
    Http(Box<Response>),
    /// A GraphQL request error: `{"errors": …}` with this status.
    Graphql(StatusCode, Vec<Value>),
}

fn http_reject(res: Response) -> Reject {
    Reject::Http(Box::new(res))
}

fn error_json(message: impl Into<String>, code: &str) -> Value {
    json!({ "message": message.into(), "extensions": { "code": code } })
}

fn ill_formed(message: impl Into<String>) -> Reject {
    Reject::Graphql(
        StatusCode::UNPROCESSABLE_ENTITY,
        vec![error_json(message, "BAD_REQUEST")],
    )
}

/// Reads the parameters of a JSON object body (POST) per spec §5: wrong types make the
/// request ill-formed (422); `null` equals absence; unknown keys are ignored.
fn from_json_object(value: Value) -> Result<GqlRequest, Reject> {
    let Value::Object(mut obj) = value else {
        return Err(ill_formed("the request body must be a JSON object"));
    };
    let query = match obj.remove("query") {
        Some(Value::String(q)) => q,
        None | Some(Value::Null) => return Err(ill_formed("`query` is required")),
        Some(_) => return Err(ill_formed("`query` must be a string")),
    };
    let operation_name = match obj.remove("operationName") {
        Some(Value::String(s)) => Some(s),
        None | Some(Value::Null) => None,
        Some(_) => return Err(ill_formed("`operationName` must be a string")),
    };
    let variables = match obj.remove("variables") {
        Some(Value::Object(m)) => Some(m),
        None | Some(Value::Null) => None,
        Some(_) => return Err(ill_formed("`variables` must be an object")),
    };
    match obj.remove("extensions") {
        Some(Value::Object(_)) | None | Some(Value::Null) => {}
        Some(_) => return Err(ill_formed("`extensions` must be an object")),
    }
    Ok(GqlRequest {
        query,
        operation_name,
        variables,
    })
}

/// Reads the parameters of a GET query string; empty strings equal absence.
fn from_query_string(raw: &str) -> Result<GqlRequest, Reject> {
    let params: HashMap<String, String> = serde_urlencoded::from_str(raw)
        .map_err(|_| ill_formed("the query string is not form-encoded"))?;
    let non_empty = |k: &str| params.get(k).filter(|v| !v.is_empty()).cloned();
    let query = non_empty("query").ok_or_else(|| ill_formed("`query` is required"))?;
    let variables = match non_empty("variables") {
        None => None,
        Some(text) => match serde_json::from_str::<Value>(&text) {
            Ok(Value::Object(m)) => Some(m),
            Ok(Value::Null) => None,
            Ok(_) => return Err(ill_formed("`variables` must be a JSON object")),
            Err(_) => {
                return Err(http_reject(problem(
                    StatusCode::BAD_REQUEST,
                    "BAD_REQUEST",
                    "`variables` is not valid JSON",
                )));
            }
        },
    };
    if let Some(text) = non_empty("extensions") {
        match serde_json::from_str::<Value>(&text) {
            Ok(Value::Object(_)) | Ok(Value::Null) => {}
            Ok(_) => return Err(ill_formed("`extensions` must be a JSON object")),
            Err(_) => {
                return Err(http_reject(problem(
                    StatusCode::BAD_REQUEST,
                    "BAD_REQUEST",
                    "`extensions` is not valid JSON",
                )));
            }
        }
    }
    Ok(GqlRequest {
        query,
        operation_name: non_empty("operationName"),
        variables,
    })
}

/// Only `application/json` (UTF-8) request bodies are supported.
fn check_content_type(headers: &HeaderMap) -> Result<(), Reject> {
    let unsupported = || {
        http_reject(problem(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "BAD_REQUEST",
            "send the request as application/json",
        ))
    };
    let value = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(unsupported)?;
    let mime: mime::Mime = value.parse().map_err(|_| unsupported())?;
    let charset_ok = mime
        .get_param(mime::CHARSET)
        .is_none_or(|c| c.as_str().eq_ignore_ascii_case("utf-8"));
    if mime.essence_str() == "application/json" && charset_ok {
        Ok(())
    } else {
        Err(unsupported())
    }
}

/// The operation label of every anonymous request in the metrics.
pub const ANONYMOUS_OPERATION: &str = "unauthenticated";

/// The outcome of one operation: its data as async-graphql made it (serialized straight
/// to the response, not copied into a JSON tree first) and its errors.
struct Outcome {
    status: StatusCode,
    data: async_graphql::Value,
    errors: Vec<Value>,
}

#[derive(serde::Serialize)]
struct ResponseBody<'a> {
    data: &'a async_graphql::Value,
    #[serde(skip_serializing_if = "<[Value]>::is_empty")]
    errors: &'a [Value],
}

impl Outcome {
    fn to_json(&self) -> String {
        serde_json::to_string(&ResponseBody {
            data: &self.data,
            errors: &self.errors,
        })
        .unwrap_or_else(|_| r#"{"data":null}"#.to_owned())
    }

    /// As a JSON value (a batch's entry).
    fn into_value(self) -> Value {
        let mut body = Map::new();
        body.insert("data".into(), self.data.into_json().unwrap_or(Value::Null));
        if !self.errors.is_empty() {
            body.insert("errors".into(), Value::Array(self.errors));
        }
        Value::Object(body)
    }
}

fn error_to_json(err: &ServerError, default_code: &str) -> Value {
    let mut v = serde_json::to_value(err).unwrap_or_else(|_| json!({ "message": "error" }));
    if let Value::Object(obj) = &mut v {
        let ext = obj
            .entry("extensions")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(ext) = ext
            && !ext.contains_key("code")
        {
            ext.insert("code".into(), Value::String(default_code.into()));
        }
    }
    v
}

fn request_error(message: impl Into<String>) -> Reject {
    Reject::Graphql(
        StatusCode::UNPROCESSABLE_ENTITY,
        vec![error_json(message, "GRAPHQL_VALIDATION_FAILED")],
    )
}

/// Whether any selection of the document asks for `__schema` or `__type`.
fn uses_introspection(doc: &ExecutableDocument) -> bool {
    fn walk(set: &SelectionSet) -> bool {
        set.items.iter().any(|sel| match &sel.node {
            Selection::Field(f) => {
                let name = f.node.name.node.as_str();
                name == "__schema" || name == "__type" || walk(&f.node.selection_set.node)
            }
            Selection::InlineFragment(f) => walk(&f.node.selection_set.node),
            Selection::FragmentSpread(_) => false,
        })
    }
    doc.operations
        .iter()
        .any(|(_, op)| walk(&op.node.selection_set.node))
        || doc
            .fragments
            .values()
            .any(|f| walk(&f.node.selection_set.node))
}

/// Whether every root field of the operation is `__schema`, `__type` or `__typename`
/// (through fragments too): such an operation reads only the schema, so it may nest
/// deeper than data queries (see `graphql::INTROSPECTION_DEPTH`).
fn introspection_only(doc: &ExecutableDocument, set: &SelectionSet) -> bool {
    fn walk(doc: &ExecutableDocument, set: &SelectionSet, depth: usize) -> bool {
        depth < 16
            && set.items.iter().all(|sel| match &sel.node {
                Selection::Field(f) => {
                    matches!(
                        f.node.name.node.as_str(),
                        "__schema" | "__type" | "__typename"
                    )
                }
                Selection::InlineFragment(f) => walk(doc, &f.node.selection_set.node, depth + 1),
                Selection::FragmentSpread(s) => doc
                    .fragments
                    .get(&s.node.fragment_name.node)
                    .is_some_and(|f| walk(doc, &f.node.selection_set.node, depth + 1)),
            })
    }
    !set.items.is_empty() && walk(doc, set, 0)
}

fn codes(errors: &[Value]) -> impl Iterator<Item = &str> {
    errors
        .iter()
        .filter_map(|e| e.pointer("/extensions/code")?.as_str())
}

async fn execute_one(
    state: &AppState,
    principal: &Principal,
    req: GqlRequest,
    is_get: bool,
) -> Result<Outcome, Reject> {
    let started = Instant::now();
    let mut request = async_graphql::Request::new(req.query);
    if let Some(name) = &req.operation_name {
        request = request.operation_name(name.clone());
    }

    // Parse here (or find the document parsed before) to tell a parse failure (400) from
    // later request errors (422) and to find the operation; async-graphql gets the
    // document parsed.
    let doc = state.documents.parse(request.query.as_str()).map_err(|e| {
        Reject::Graphql(
            StatusCode::BAD_REQUEST,
            vec![error_to_json(&e.into(), "GRAPHQL_PARSE_FAILED")],
        )
    })?;
    request.set_parsed_query(ExecutableDocument::clone(&doc));
    let (kind, op_name, only_schema, selection) = {
        let doc = &*doc;
        let op = match (&doc.operations, req.operation_name.as_deref()) {
            (DocumentOperations::Single(op), None) => Some((op, None)),
            (DocumentOperations::Single(_), Some(_)) => None,
            (DocumentOperations::Multiple(ops), Some(name)) => ops
                .iter()
                .find(|(n, _)| n.as_str() == name)
                .map(|(n, op)| (op, Some(n.to_string()))),
            (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => {
                ops.iter().next().map(|(n, op)| (op, Some(n.to_string())))
            }
            (DocumentOperations::Multiple(_), None) => {
                return Err(request_error(
                    "the document has several operations: name one with operationName",
                ));
            }
        };
        let Some((op, name)) = op else {
            return Err(request_error(
                "operationName names no operation of the document",
            ));
        };
        // Variable coercion: async-graphql only notices a missing non-null variable while
        // executing; the spec wants it refused before execution.
        for def in &op.node.variable_definitions {
            let def = &def.node;
            let given = req
                .variables
                .as_ref()
                .and_then(|v| v.get(def.name.node.as_str()))
                .is_some_and(|v| !v.is_null());
            if !def.var_type.node.nullable && def.default_value.is_none() && !given {
                return Err(request_error(format!(
                    "variable ${} of non-null type {} was not provided",
                    def.name.node, def.var_type.node
                )));
            }
        }
        if !state.config.graphql.introspection && uses_introspection(doc) {
            return Err(request_error("introspection is disabled on this server"));
        }
        let only_schema = op.node.ty == OperationType::Query
            && introspection_only(doc, &op.node.selection_set.node);
        // Borrowed from the document, not copied (a copy per request was a measurable share
        // of a single-incident read), to put the response's fields back in the order asked
        // (see `field_order`).
        let selection = &op.node.selection_set.node;
        (
            op.node.ty,
            name.or(req.operation_name.clone()),
            only_schema,
            selection,
        )
    };
    if is_get && kind == OperationType::Mutation {
        return Err(http_reject(mutation_over_get()));
    }

    if let Some(vars) = req.variables {
        request = request.variables(Variables::from_json(Value::Object(vars)));
    }
    let flag = Arc::new(ExecutionStarted::default());
    let request = request
        .data(flag.clone())
        .data(RequestData {
            principal: principal.clone(),
            now: state.clock.now(),
        })
        .data(Loaders::new(&state.db, principal));
    let schema = if only_schema {
        &state.introspection_schema
    } else {
        &state.schema
    };
    let response = schema.execute(request).await;
    let kind_label = match kind {
        OperationType::Query => "query",
        OperationType::Mutation => "mutation",
        OperationType::Subscription => "subscription",
    };
    let statements = crate::db::statements::current()
        .map(|c| c.load(Ordering::Relaxed))
        .unwrap_or(0);
    // Operation names label the metrics; an anonymous caller may not choose labels (it
    // could fill the label space), so all anonymous requests share one.
    let label = match principal {
        Principal::Anonymous => Some(ANONYMOUS_OPERATION),
        Principal::User(_) => op_name.as_deref(),
    };
    state.metrics.record_operation(
        label,
        kind_label,
        started.elapsed().as_secs_f64(),
        statements,
    );

    if !flag.started() && !response.errors.is_empty() {
        // Validation (including limits) or variable coercion failed before any root field
        // ran: no execution, no data. (An operation of only `__typename` or introspection
        // fields runs none of ours and has no errors.)
        let errors: Vec<Value> = response
            .errors
            .iter()
            .map(|e| error_to_json(e, "GRAPHQL_VALIDATION_FAILED"))
            .collect();
        return Err(Reject::Graphql(StatusCode::UNPROCESSABLE_ENTITY, errors));
    }
    // Errors raised during execution without our code come from async-graphql's own input
    // coercion of arguments: the caller's input was wrong.
    let errors: Vec<Value> = response
        .errors
        .iter()
        .map(|e| error_to_json(e, BAD_USER_INPUT))
        .collect();
    let mut data = response.data;
    super::field_order::reorder(&mut data, &doc, selection);
    let status = if errors.is_empty() {
        StatusCode::OK
    } else if codes(&errors).any(|c| c == UNAVAILABLE) {
        // The database is down: an outage the client should retry, not a field error.
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::from_u16(PARTIAL_SUCCESS).unwrap_or(StatusCode::OK)
    };
    Ok(Outcome {
        status,
        data,
        errors,
    })
}

fn graphql_response(status: StatusCode, media: MediaType, body: &Value) -> Response {
    text_response(status, media, body.to_string())
}

fn text_response(status: StatusCode, media: MediaType, body: String) -> Response {
    // Legacy clients get `application/json` on 2xx; every other GraphQL response keeps the
    // GraphQL media type so a client knows the body is a GraphQL response.
    let content_type = if status.is_success() {
        media.content_type()
    } else {
        MediaType::GraphqlResponse.content_type()
    };
    let mut res = (status, body).into_response();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    res
}

fn reject_response(reject: Reject, media: MediaType) -> Response {
    match reject {
        Reject::Http(res) => *res,
        Reject::Graphql(status, errors) => {
            graphql_response(status, media, &json!({ "errors": errors }))
        }
    }
}

fn graphiql() -> Response {
    super::graphiql::page()
}

/// Authenticates the caller. No `Authorization` header: anonymous. A header that is present
/// but not a valid token of an active user fails the whole request (401).
pub(crate) async fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Principal, Response> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(Principal::Anonymous);
    };
    let unauthorized = |reason: AuthError| {
        tracing::info!(%reason, "token refused");
        let mut res = problem(StatusCode::UNAUTHORIZED, UNAUTHENTICATED, "invalid token");
        res.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer error=\"invalid_token\""),
        );
        res
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| unauthorized(AuthError::Malformed))?;
    let now = state.clock.now();
    let verified = state.tokens.verify(token, now).map_err(unauthorized)?;
    match crate::services::users::authenticate(
        &state.db,
        &verified,
        state.config.auth.auto_provision,
        now,
    )
    .await
    {
        Ok(Some(user)) => Ok(Principal::User(user)),
        Ok(None) => Err(unauthorized(AuthError::UnknownUser)),
        Err(ServiceError::Unavailable(e)) => {
            tracing::warn!(error = %e, "user lookup failed: database unavailable");
            Err(problem(
                StatusCode::SERVICE_UNAVAILABLE,
                UNAVAILABLE,
                "the service is temporarily unavailable: try again shortly",
            ))
        }
        Err(e) => {
            tracing::error!(error = ?e, "user lookup failed");
            Err(problem(
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL",
                "internal error",
            ))
        }
    }
}

pub async fn handle(State(state): State<AppState>, req: Request) -> Response {
    // Every statement of this request (authentication, resolvers, DataLoader batches) is
    // counted, and the count per operation goes to `/metrics`.
    let counter = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let response = crate::db::statements::counting(counter, handle_inner(&state, req)).await;
    state.metrics.record_status(response.status().as_u16());
    response
}

async fn handle_inner(state: &AppState, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let is_get = parts.method == Method::GET;

    if is_get
        && negotiate::wants_html(&parts.headers)
        && !parts.uri.query().is_some_and(|q| q.contains("query="))
    {
        return graphiql();
    }
    let Some(media) = negotiate::negotiate(&parts.headers) else {
        return problem(
            StatusCode::NOT_ACCEPTABLE,
            "BAD_REQUEST",
            "accept application/graphql-response+json or application/json",
        );
    };

    let principal = match authenticate(state, &parts.headers).await {
        Ok(p) => p,
        Err(res) => return res,
    };

    if is_get {
        let parsed = from_query_string(parts.uri.query().unwrap_or(""));
        let outcome = match parsed {
            Ok(req) => execute_one(state, &principal, req, true).await,
            Err(r) => Err(r),
        };
        return finish(state, outcome, media);
    }

    if let Err(r) = check_content_type(&parts.headers) {
        return reject_response(r, media);
    }
    let limit = state.config.http.max_body_bytes;
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return super::body::drain_then_too_large(Body::new(body).into_data_stream(), 0, limit)
            .await;
    }
    let bytes = match super::body::read_limited(Body::new(body), limit).await {
        Ok(b) => b,
        Err(super::body::TooLarge { rest, seen }) => {
            return super::body::drain_then_too_large(rest, seen, limit).await;
        }
    };
    let value: Value = match serde_json::from_slice(&bytes) {
        Ok(v) => v,
        Err(_) => {
            return problem(
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                "the request body is not valid JSON",
            );
        }
    };

    match value {
        Value::Array(items) => execute_batch(state, &principal, items, media).await,
        other => {
            let outcome = match from_json_object(other) {
                Ok(req) => execute_one(state, &principal, req, false).await,
                Err(r) => Err(r),
            };
            finish(state, outcome, media)
        }
    }
}

fn count_errors(state: &AppState, body: &Value) {
    if let Some(errors) = body.get("errors").and_then(Value::as_array) {
        for code in codes(errors) {
            state.metrics.record_error(code);
        }
    }
}

fn finish(state: &AppState, outcome: Result<Outcome, Reject>, media: MediaType) -> Response {
    match outcome {
        Ok(o) => {
            for code in codes(&o.errors) {
                state.metrics.record_error(code);
            }
            text_response(o.status, media, o.to_json())
        }
        Err(Reject::Graphql(status, errors)) => {
            for code in codes(&errors) {
                state.metrics.record_error(code);
            }
            reject_response(Reject::Graphql(status, errors), media)
        }
        Err(r) => reject_response(r, media),
    }
}

/// A JSON array of requests: an extension to the spec, off unless configured, capped.
/// Each entry is answered in place; the status is 200 when every entry succeeded, 294 when
/// any carries errors.
async fn execute_batch(
    state: &AppState,
    principal: &Principal,
    items: Vec<Value>,
    media: MediaType,
) -> Response {
    let max = state.config.graphql.max_batch;
    if max == 0 {
        return reject_response(ill_formed("batched requests are not enabled"), media);
    }
    if items.is_empty() || items.len() > max {
        return reject_response(
            ill_formed(format!("a batch holds 1 to {max} operations")),
            media,
        );
    }
    let mut bodies = Vec::with_capacity(items.len());
    let mut all_ok = true;
    for item in items {
        let outcome = match from_json_object(item) {
            Ok(req) => execute_one(state, principal, req, false).await,
            Err(r) => Err(r),
        };
        let body = match outcome {
            Ok(o) => {
                all_ok &= o.status == StatusCode::OK;
                o.into_value()
            }
            Err(Reject::Graphql(_, errors)) => {
                all_ok = false;
                json!({ "errors": errors })
            }
            Err(Reject::Http(_)) => {
                all_ok = false;
                json!({ "errors": [error_json("this operation cannot be batched", "BAD_REQUEST")] })
            }
        };
        count_errors(state, &body);
        bodies.push(body);
    }
    let status = if all_ok {
        StatusCode::OK
    } else {
        StatusCode::from_u16(PARTIAL_SUCCESS).unwrap_or(StatusCode::OK)
    };
    graphql_response(status, media, &Value::Array(bodies))
}
