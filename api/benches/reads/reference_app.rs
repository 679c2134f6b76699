//! The reference's server: its routes, one per measured read, on one pool, and the
//! stack's ceiling for `incident(id)` (`ceiling`).

use super::reference::{self, Ref};
use super::reference_oncall as oncall;
use axum::routing::post;

pub async fn serve(url: &str, port: u16, secret: &str) {
    let state = Ref::connect(url, secret).await;
    let ceiling = super::ceiling::schema(state.clone());
    let app = axum::Router::new()
        .route("/list", post(reference::list))
        .route("/one", post(reference::one))
        .route("/one-graphql", post(super::ceiling::one))
        .route("/metrics", post(oncall::metrics))
        .route("/who", post(oncall::who))
        .route("/shifts", post(oncall::shifts))
        .route("/pages", post(oncall::pages))
        .route("/notifications", post(oncall::notifications))
        .route("/statements", post(reference::statements))
        .layer(axum::Extension(ceiling))
        .with_state(state);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    axum::serve(listener, app).await.unwrap();
}
