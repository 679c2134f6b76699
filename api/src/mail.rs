//! E-mail over SMTP with lettre: TLS and authentication as the configured URL says, one
//! configured sender. The `Message-ID` is made from the notification's id, so a resend of
//! the same notification (a retry after a lost answer) is recognisable as the same
//! message.

use lettre::message::{Mailbox, MultiPart, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;
use std::time::Duration;

#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

/// What a send failed on; safe to store (no credentials).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MailError {
    #[error("the address is not a valid mailbox")]
    BadAddress,
    #[error("the message could not be built")]
    Build,
    #[error("the mail server refused or failed: {0}")]
    Server(String),
    #[error("the mail server refused it for good: {0}")]
    Refused(String),
}

impl MailError {
    /// Whether trying again cannot help.
    pub fn is_permanent(&self) -> bool {
        matches!(
            self,
            MailError::BadAddress | MailError::Build | MailError::Refused(_)
        )
    }
}

impl Mailer {
    pub fn new(url: &secrecy::SecretString, from: &str, timeout: Duration) -> anyhow::Result<Self> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose_secret())
            .map_err(|_| anyhow::anyhow!("FIREBREAK_SMTP_URL is not a valid SMTP URL"))?
            .timeout(Some(timeout))
            .build();
        let from = from
            .parse()
            .map_err(|_| anyhow::anyhow!("FIREBREAK_SMTP_FROM is not a valid mailbox"))?;
        Ok(Self { transport, from })
    }

    /// Sends a message to `to` with a `Message-ID` of `<id@domain of the sender>`: plain
    /// text, or `multipart/alternative` with `html` beside it.
    pub async fn send(
        &self,
        to: &str,
        id: &str,
        subject: &str,
        body: &str,
        html: Option<&str>,
    ) -> Result<(), MailError> {
        let to: Mailbox = to.parse().map_err(|_| MailError::BadAddress)?;
        let domain = self.from.email.domain().to_owned();
        let builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .message_id(Some(format!("<{id}@{domain}>")));
        let message = match html {
            Some(html) => builder.multipart(MultiPart::alternative_plain_html(
                body.to_owned(),
                html.to_owned(),
            )),
            None => builder
                .header(ContentType::TEXT_PLAIN)
                .body(body.to_owned()),
        }
        .map_err(|_| MailError::Build)?;
        self.transport.send(message).await.map(|_| ()).map_err(|e| {
            if e.is_permanent() {
                MailError::Refused(short(&e))
            } else {
                MailError::Server(short(&e))
            }
        })
    }
}

/// The kind of SMTP failure, without the server's full text (which may echo addresses).
fn short(e: &lettre::transport::smtp::Error) -> String {
    if e.is_timeout() {
        "timed out".into()
    } else if let Some(code) = e.status() {
        format!("SMTP {code}")
    } else if e.is_transient() {
        "temporary failure".into()
    } else {
        "could not connect".into()
    }
}
