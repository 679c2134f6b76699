//! Sending to addresses users give us (personal webhooks). Two rules hold for every
//! request: a target on a loopback, private, link-local or otherwise internal address is
//! refused unless the configuration allows it (checked on the URL when it is saved, and
//! again on every address the name resolves to when it is used, so a name cannot be
//! pointed inside later), and redirects are not followed.
//!
//! Bodies are signed per the Standard Webhooks specification with its own crate: the
//! `webhook-id` is the notification's id (the same on every retry, so receivers can
//! de-duplicate), `webhook-timestamp` the real time of this attempt.

use futures::FutureExt;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use url::Url;

/// Why a target was refused or a delivery failed; `Display` is safe to store and show
/// (no secret URL in it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OutboundError {
    #[error("not an absolute http(s) URL")]
    InvalidUrl,
    #[error("the target is on a loopback, private or internal address")]
    PrivateAddress,
    #[error("the signing secret is unusable")]
    BadSecret,
    #[error("could not connect: {0}")]
    Connect(String),
    #[error("no answer within {0} s")]
    Timeout(u64),
    #[error("the receiver answered HTTP {0}")]
    Status(u16),
}

/// Whether `ip` is an address the public internet can route to.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || a == 0
                || (a == 100 && (64..128).contains(&b))
                || (a == 198 && (b == 18 || b == 19))
                || a >= 240)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let seg = v6.segments();
            let first = seg[0];
            // IPv4-compatible (::a.b.c.d), NAT64 (64:ff9b::/96) and 6to4 (2002::/16)
            // addresses carry an IPv4 address: judge that one.
            let embedded = |hi: u16, lo: u16| {
                IpAddr::V4(std::net::Ipv4Addr::new(
                    (hi >> 8) as u8,
                    hi as u8,
                    (lo >> 8) as u8,
                    lo as u8,
                ))
            };
            if seg[..6] == [0; 6] && !v6.is_loopback() && !v6.is_unspecified() {
                return is_public(embedded(seg[6], seg[7]));
            }
            if seg[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
                return is_public(embedded(seg[6], seg[7]));
            }
            if first == 0x2002 {
                return is_public(embedded(seg[1], seg[2]));
            }
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || first == 0x2001 && v6.segments()[1] == 0x0db8)
        }
    }
}

/// Parses and checks a target URL: absolute http(s), with a host, and (unless allowed)
/// not a literal internal address or `localhost`.
pub fn check_url(raw: &str, allow_private: bool) -> Result<Url, OutboundError> {
    let url = Url::parse(raw.trim()).map_err(|_| OutboundError::InvalidUrl)?;
    if !matches!(url.scheme(), "http" | "https") || !url.username().is_empty() {
        return Err(OutboundError::InvalidUrl);
    }
    let host = url.host().ok_or(OutboundError::InvalidUrl)?;
    if allow_private {
        return Ok(url);
    }
    let internal = match host {
        url::Host::Ipv4(ip) => !is_public(IpAddr::V4(ip)),
        url::Host::Ipv6(ip) => !is_public(IpAddr::V6(ip)),
        url::Host::Domain(d) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            d == "localhost" || d.ends_with(".localhost") || d.ends_with(".internal")
        }
    };
    if internal {
        Err(OutboundError::PrivateAddress)
    } else {
        Ok(url)
    }
}

/// Resolves names with the system resolver, keeping only public addresses (or all, when
/// internal targets are allowed).
struct PublicOnly {
    allow_private: bool,
}

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((name.as_str(), 0))
                .await?
                .filter(|a| allow_private || is_public(a.ip()))
                .collect();
            if found.is_empty() {
                return Err(Box::new(OutboundError::PrivateAddress)
                    as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(found.into_iter()) as Addrs)
        }
        .boxed()
    }
}

/// The HTTP client (and, when configured, the mail server) for outbound deliveries.
#[derive(Clone)]
pub struct Outbound {
    client: reqwest::Client,
    allow_private: bool,
    timeout: Duration,
    mailer: Option<crate::mail::Mailer>,
    public_url: Option<String>,
}

impl std::fmt::Debug for Outbound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outbound")
            .field("allow_private", &self.allow_private)
            .finish_non_exhaustive()
    }
}

impl Outbound {
    /// From the worker's configuration: webhooks, and e-mail if a mail server is set.
    pub fn from_config(config: &crate::config::WorkerConfig) -> anyhow::Result<Self> {
        let mut out = Self::new(config.outbound_allow_private, config.delivery_timeout)?;
        out.public_url = config
            .public_url
            .as_ref()
            .map(|u| u.trim_end_matches('/').to_owned());
        if let Some(url) = &config.smtp_url {
            out.mailer = Some(crate::mail::Mailer::new(
                url,
                &config.smtp_from,
                config.delivery_timeout,
            )?);
        }
        Ok(out)
    }

    pub fn new(allow_private: bool, timeout: Duration) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .dns_resolver(Arc::new(PublicOnly { allow_private }))
            .redirect(reqwest::redirect::Policy::none())
            // A proxy would resolve names itself, past the public-only resolver.
            .no_proxy()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(5)))
            .user_agent(concat!("Firebreak/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self {
            client,
            allow_private,
            timeout,
            mailer: None,
            public_url: None,
        })
    }

    pub fn allows_private(&self) -> bool {
        self.allow_private
    }

    /// Where an event's incident opens, if a public URL is configured.
    pub fn link(&self, event: &entity::event::Model) -> Option<String> {
        let base = self.public_url.as_ref()?;
        if event.object_type == "team" {
            return Some(format!("{base}/teams/{}", event.object_id));
        }
        let incident = event.payload["incident"]["id"]
            .as_str()
            .or_else(|| event.payload["alert"]["incidentId"].as_str())?;
        Some(format!("{base}/incidents/{incident}"))
    }

    pub fn sends_email(&self) -> bool {
        self.mailer.is_some()
    }

    /// E-mails a notification (`id` makes its Message-ID), with an HTML alternative if
    /// it has one. The error says whether trying again could help (a bad address or a
    /// permanent SMTP refusal cannot).
    pub async fn email(
        &self,
        to: &str,
        id: &str,
        subject: &str,
        body: &str,
        html: Option<&str>,
    ) -> Result<(), (bool, String)> {
        match &self.mailer {
            Some(m) => m
                .send(to, id, subject, body, html)
                .await
                .map_err(|e| (e.is_permanent(), e.to_string())),
            None => Err((true, "no mail server is configured".into())),
        }
    }

    /// Posts `body` (JSON) to `url` unsigned (a Slack incoming webhook, whose URL is
    /// its secret).
    pub async fn post_json(&self, url: &str, body: &[u8]) -> Result<(), OutboundError> {
        let url = check_url(url, self.allow_private)?;
        let sent = self
            .client
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_vec())
            .send()
            .await;
        self.answer(sent)
    }

    /// Posts `body` (JSON) to `url`, signed with `secret` as message `id`.
    pub async fn post_signed(
        &self,
        url: &str,
        secret: &str,
        id: &str,
        body: &[u8],
    ) -> Result<(), OutboundError> {
        let url = check_url(url, self.allow_private)?;
        let signer =
            standardwebhooks::Webhook::new(secret).map_err(|_| OutboundError::BadSecret)?;
        let timestamp = scheduler::clock::wall_time().timestamp();
        let signature = signer
            .sign(id, timestamp, body)
            .map_err(|_| OutboundError::BadSecret)?;
        let sent = self
            .client
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(standardwebhooks::HEADER_WEBHOOK_ID, id)
            .header(
                standardwebhooks::HEADER_WEBHOOK_TIMESTAMP,
                timestamp.to_string(),
            )
            .header(standardwebhooks::HEADER_WEBHOOK_SIGNATURE, signature)
            .body(body.to_vec())
            .send()
            .await;
        self.answer(sent)
    }

    /// What a receiver's answer (or its absence) means.
    fn answer(&self, sent: reqwest::Result<reqwest::Response>) -> Result<(), OutboundError> {
        match sent {
            Ok(r) if r.status().is_success() => Ok(()),
            Ok(r) => Err(OutboundError::Status(r.status().as_u16())),
            Err(e) if e.is_timeout() => Err(OutboundError::Timeout(self.timeout.as_secs())),
            Err(e) => {
                // reqwest's message names the URL: keep only the kind of failure. The
                // resolver's refusal is somewhere down the chain of sources.
                let mut private = false;
                let mut source = std::error::Error::source(&e);
                while let Some(s) = source {
                    if s.downcast_ref::<OutboundError>() == Some(&OutboundError::PrivateAddress) {
                        private = true;
                    }
                    source = s.source();
                }
                if private {
                    Err(OutboundError::PrivateAddress)
                } else if e.is_connect() {
                    Err(OutboundError::Connect(
                        "connection refused or unreachable".into(),
                    ))
                } else {
                    Err(OutboundError::Connect("request failed".into()))
                }
            }
        }
    }
}

/// A new Standard Webhooks signing secret: `whsec_` and 32 random bytes in base64.
pub fn new_secret() -> String {
    use base64::Engine;
    let bytes: [u8; 32] = rand::random();
    format!(
        "whsec_{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_targets_are_refused_unless_allowed() {
        for bad in [
            "http://127.0.0.1/x",
            "http://localhost:8080/",
            "http://10.1.2.3/",
            "http://192.168.0.1/",
            "http://169.254.169.254/latest/meta-data",
            "http://[::1]/",
            "http://[fd00::1]/",
            "http://[::ffff:127.0.0.1]/",
            "http://100.64.0.1/",
            "http://[64:ff9b::7f00:1]/",
            "http://[2002:a00:1::]/",
            "http://[::10.0.0.1]/",
        ] {
            assert_eq!(
                check_url(bad, false),
                Err(OutboundError::PrivateAddress),
                "{bad}"
            );
            assert!(check_url(bad, true).is_ok(), "{bad}");
        }
        assert!(check_url("https://hooks.example.com/a?b=c", false).is_ok());
        assert_eq!(
            check_url("ftp://example.com/", false),
            Err(OutboundError::InvalidUrl)
        );
        assert_eq!(
            check_url("https://u:p@example.com/", false),
            Err(OutboundError::InvalidUrl)
        );
        assert_eq!(
            check_url("/relative", false),
            Err(OutboundError::InvalidUrl)
        );
    }

    #[test]
    fn secrets_verify_with_the_specification_crate() {
        let secret = new_secret();
        let hook = standardwebhooks::Webhook::new(&secret).expect("valid secret");
        let now = scheduler::clock::wall_time().timestamp();
        let sig = hook.sign("msg_1", now, b"{}").expect("signs");
        let mut headers = axum::http::HeaderMap::new();
        headers.insert("webhook-id", "msg_1".parse().expect("header"));
        headers.insert(
            "webhook-timestamp",
            now.to_string().parse().expect("header"),
        );
        headers.insert("webhook-signature", sig.parse().expect("header"));
        assert!(hook.verify(b"{}", &headers).is_ok());
    }
}
