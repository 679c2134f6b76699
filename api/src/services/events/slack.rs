//! An event as a Slack incoming-webhook message: a `text` fallback (notifications and
//! clients without blocks) and Block Kit blocks: a header saying what happened, the
//! facts as fields (severity, status, team's alert or incident), and a link back.

use serde_json::{Value, json};

/// Block Kit limits: header text 150 characters, section text and field text 3000 / 2000.
fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

/// Slack's escaping for text it formats (mrkdwn and the `text` fallback): without it a
/// title could ping `<!channel>` or plant a disguised link.
fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn words(kind: &str) -> &'static str {
    match kind {
        "incident.declared" => "Incident declared",
        "incident.severity_changed" => "Severity changed",
        "incident.status_changed" => "Status update",
        "incident.resolved" => "Incident resolved",
        "incident.reopened" => "Incident reopened",
        "postmortem.published" => "Postmortem published",
        "action_item.created" => "Action item created",
        "action_item.completed" => "Action item completed",
        "alert.paged" => "Paged",
        "alert.acknowledged" => "Alert acknowledged",
        "alert.resolved" => "Alert resolved",
        "team.weekly_digest" => "Weekly digest",
        _ => "Firebreak",
    }
}

/// The message for an event of `kind` with `payload`; `link` is where the object can be
/// opened (the configured public URL), if any.
pub fn message(kind: &str, payload: &Value, link: Option<String>) -> Value {
    if kind == "team.weekly_digest" {
        return digest(payload, link);
    }
    let incident = &payload["incident"];
    let alert = &payload["alert"];
    let item = &payload["actionItem"];
    let (title, severity, status) = if !alert.is_null() {
        (
            alert["summary"].as_str(),
            alert["severity"].as_str(),
            alert["status"].as_str(),
        )
    } else {
        (
            incident["title"].as_str(),
            incident["severity"].as_str(),
            incident["status"].as_str(),
        )
    };
    let title = title.unwrap_or("(untitled)");
    let what = words(kind);
    let mut fields = Vec::new();
    if let Some(s) = severity {
        fields.push(json!({ "type": "mrkdwn", "text": format!("*Severity*\n{s}") }));
    }
    if let Some(s) = status {
        fields.push(json!({ "type": "mrkdwn", "text": format!("*Status*\n{}", s.to_lowercase()) }));
    }
    if let Some(ch) = incident["channel"].as_str() {
        fields.push(json!({ "type": "mrkdwn", "text": format!("*Channel*\n{}", escape(ch)) }));
    }
    if let Some(t) = item["title"].as_str() {
        fields.push(json!({ "type": "mrkdwn", "text": cut(&format!("*Action item*\n{}", escape(t)), 2000) }));
    }
    let mut blocks = vec![
        json!({ "type": "header", "text": { "type": "plain_text", "text": cut(&format!("{what}: {title}"), 150), "emoji": false } }),
    ];
    if !fields.is_empty() {
        blocks.push(json!({ "type": "section", "fields": fields }));
    }
    if let Some(url) = link {
        blocks.push(json!({
            "type": "actions",
            "elements": [{ "type": "button", "text": { "type": "plain_text", "text": "Open in Firebreak" }, "url": url }]
        }));
    }
    blocks.push(json!({ "type": "context", "elements": [{ "type": "mrkdwn", "text": format!("`{kind}`") }] }));
    json!({
        "text": cut(&format!("{what}: {}", escape(title)), 3000),
        "blocks": blocks,
    })
}

fn n(v: &Value) -> u64 {
    v.as_u64().unwrap_or(0)
}

/// A bulleted list of `items` (at most 10, Slack's practical limit for a readable
/// section), each rendered by `line`.
fn bullets(items: &Value, line: impl Fn(&Value) -> String) -> Option<String> {
    let items = items.as_array().filter(|a| !a.is_empty())?;
    Some(
        items
            .iter()
            .take(10)
            .map(|i| format!("• {}", line(i)))
            .collect::<Vec<_>>()
            .join("\n"),
    )
}

/// A team's weekly digest: its figures as fields, the lists as sections.
fn digest(p: &Value, link: Option<String>) -> Value {
    let team = p["team"]["name"].as_str().unwrap_or("");
    let week = format!(
        "{} to {}",
        p["week"]["firstDay"].as_str().unwrap_or(""),
        p["week"]["lastDay"].as_str().unwrap_or("")
    );
    let pages: u64 = p["load"]
        .as_array()
        .map_or(0, |l| l.iter().map(|l| n(&l["pages"])).sum());
    let fields = [
        ("Incidents declared", n(&p["incidents"]["declared"])),
        ("Incidents resolved", n(&p["incidents"]["resolved"])),
        ("Postmortems open", n(&p["postmortems"]["open"])),
        ("Postmortems overdue", n(&p["postmortems"]["overdue"])),
        ("Action items overdue", n(&p["actionItems"]["overdue"])),
        ("Pages", pages),
    ]
    .map(|(k, v)| json!({ "type": "mrkdwn", "text": format!("*{k}*\n{v}") }));
    let mut blocks = vec![
        json!({ "type": "header", "text": { "type": "plain_text", "text": cut(&format!("Weekly digest: {team}"), 150), "emoji": false } }),
        json!({ "type": "context", "elements": [{ "type": "mrkdwn", "text": escape(&week) }] }),
        json!({ "type": "section", "fields": fields }),
    ];
    let sections = [
        (
            "Incidents",
            bullets(&p["incidents"]["list"], |i| {
                format!(
                    "{} {} ({})",
                    i["severity"].as_str().unwrap_or(""),
                    escape(i["name"].as_str().unwrap_or("")),
                    i["status"].as_str().unwrap_or("").to_lowercase()
                )
            }),
        ),
        (
            "Overdue action items",
            bullets(&p["actionItems"]["list"], |i| {
                format!(
                    "{} ({}), {} d late",
                    escape(i["title"].as_str().unwrap_or("")),
                    escape(i["owner"].as_str().unwrap_or("")),
                    n(&i["daysLate"])
                )
            }),
        ),
        (
            "On-call load",
            bullets(&p["load"], |l| {
                format!(
                    "{}: {} h on call, {} pages, {} at night",
                    escape(l["name"].as_str().unwrap_or("")),
                    l["hoursOnCall"],
                    n(&l["pages"]),
                    n(&l["nightPages"])
                )
            }),
        ),
        (
            "Noisiest alert sources",
            bullets(&p["noisiestSources"], |s| {
                format!(
                    "{} {}: {} pages",
                    escape(s["source"].as_str().unwrap_or("")),
                    escape(s["name"].as_str().unwrap_or("")),
                    n(&s["pages"])
                )
            }),
        ),
    ];
    for (title, text) in sections {
        if let Some(text) = text {
            blocks.push(json!({ "type": "section", "text": { "type": "mrkdwn", "text": cut(&format!("*{title}*\n{text}"), 3000) } }));
        }
    }
    if let Some(url) = link {
        blocks.push(json!({
            "type": "actions",
            "elements": [{ "type": "button", "text": { "type": "plain_text", "text": "Open in Firebreak" }, "url": url }]
        }));
    }
    blocks.push(json!({ "type": "context", "elements": [{ "type": "mrkdwn", "text": "`team.weekly_digest`" }] }));
    json!({
        "text": cut(&format!("Weekly digest for {}, {week}", escape(team)), 3000),
        "blocks": blocks,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_slack_would_format_is_escaped() {
        let payload = json!({ "incident": { "title": "<!channel> down & <https://evil|Open>", "severity": "SEV1",
                              "status": "INVESTIGATING", "channel": "#inc-x" },
                              "actionItem": { "title": "<@U123> fix" } });
        let m = message("action_item.created", &payload, None);
        let formatted = format!("{}{}", m["text"], m["blocks"][1]);
        assert!(
            !formatted.contains("<!channel>")
                && !formatted.contains("<https://evil")
                && !formatted.contains("<@U123>"),
            "{formatted}"
        );
        assert!(
            m["text"]
                .as_str()
                .unwrap()
                .contains("&lt;!channel&gt; down &amp;")
        );
        // The header is plain text: Slack shows it as written.
        assert_eq!(m["blocks"][0]["text"]["type"], "plain_text");
    }
}
