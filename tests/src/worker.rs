//! The worker's side of the harness: the worker on the test clock, running what is due,
//! and a verified webhook for a user.

use crate::{Sink, TestApp};
use serde_json::json;

impl TestApp {
    /// The worker as `firebreak worker` builds it, on this app's database and clock,
    /// delivering in line (no queue).
    pub fn worker(&self) -> firebreak::worker::Worker {
        firebreak::worker::Worker::new(
            &self.state.config.worker,
            self.state.db.clone(),
            self.state.clock.clone(),
            self.state.metrics.clone(),
            None,
        )
        .unwrap()
    }

    /// Runs what is due at the test clock's `now`: the scan, then every delivery due.
    pub async fn run_due(
        &self,
    ) -> (
        firebreak::services::due::Summary,
        Vec<firebreak::services::notifications::delivery::Outcome>,
    ) {
        self.worker().run_due_now().await.unwrap()
    }

    /// Adds a webhook to `sink` for the user of `token`, verifies it with a test send (which
    /// the sink then forgets), and returns its signing secret.
    pub async fn set_webhook(&self, token: &str, sink: &Sink) -> String {
        let res = self
            .call(
                token,
                "addContactMethod",
                "AddContactMethodInput",
                json!({ "kind": "WEBHOOK", "target": sink.url(), "label": "sink" }),
                "signingSecret contactMethod { id }",
            )
            .await;
        let added = res.ok()["addContactMethod"].clone();
        let id = added["contactMethod"]["id"].as_str().unwrap().to_owned();
        self.gql(
            Some(token),
            "mutation($id: ID!) { sendTestNotification(id: $id) }",
            json!({ "id": id }),
        )
        .await
        .ok();
        self.run_due().await;
        let verified = self
            .gql(
                Some(token),
                "{ myContactMethods { id verified } }",
                json!({}),
            )
            .await;
        assert!(
            verified.ok()["myContactMethods"]
                .as_array()
                .unwrap()
                .iter()
                .any(|m| m["id"] == id.as_str() && m["verified"] == true),
            "the test send verified the webhook"
        );
        sink.clear();
        added["signingSecret"].as_str().unwrap().to_owned()
    }
}
