//! Sending mail: the [`Mailer`] trait and its SMTP implementation (lettre).

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Attachment as LettreAttachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::{MailSettings, Security};

/// A file attached to a message.
#[derive(Debug, Clone)]
pub struct Attachment {
    pub filename: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// A message ready to send.
#[derive(Debug, Clone)]
pub struct Email {
    /// Derived from the outbox row, so a resend carries the same id.
    pub message_id: String,
    /// (display name, address)
    pub to: Vec<(String, String)>,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub attachments: Vec<Attachment>,
}

/// Why a message was not sent.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("invalid message: {0}")]
    Message(String),
    #[error("smtp: {0}")]
    Smtp(String),
}

/// Something that sends mail.
#[async_trait::async_trait]
pub trait Mailer: Send + Sync {
    /// Sends one message.
    async fn send(&self, email: &Email) -> Result<(), MailError>;
}

/// Masks an address for logs: `li***@example.com`.
pub fn mask(address: &str) -> String {
    match address.split_once('@') {
        Some((local, domain)) => {
            let keep: String = local.chars().take(2).collect();
            format!("{keep}***@{domain}")
        }
        None => "***".into(),
    }
}

/// Sends over SMTP with a pooled connection.
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// A bound on one whole send, whatever the server does (a stalled server must not hold
    /// the worker).
    deadline: Duration,
}

impl SmtpMailer {
    /// Builds the transport from settings (no connection is made yet).
    pub fn new(s: &MailSettings) -> Result<Self, MailError> {
        let from: Mailbox = s
            .from
            .parse()
            .map_err(|e| MailError::Message(format!("mail.from {:?}: {e}", s.from)))?;
        let tls = match s.security {
            Security::None => Tls::None,
            Security::Starttls | Security::Tls => {
                let params = TlsParameters::new(s.host.clone())
                    .map_err(|e| MailError::Smtp(e.to_string()))?;
                if s.security == Security::Tls {
                    Tls::Wrapper(params)
                } else {
                    Tls::Required(params)
                }
            }
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&s.host)
            .port(s.port)
            .tls(tls)
            .timeout(Some(Duration::from_secs(s.timeout_secs)));
        if !s.username.is_empty() {
            builder = builder.credentials(Credentials::new(s.username.clone(), s.password.clone()));
        }
        Ok(Self {
            transport: builder.build(),
            from,
            deadline: Duration::from_secs(s.timeout_secs.saturating_mul(3).max(1)),
        })
    }
}

/// The Subject header. lettre leaves plain-ASCII words as they are, so a title typed as
/// `=?utf-8?q?...?=` would reach mail clients as an encoded word and be decoded into other
/// text. A subject holding `=?` is therefore encoded whole (RFC 2047, base64), and reads
/// literally as typed.
fn subject_header(subject: &str) -> lettre::message::header::HeaderValue {
    use lettre::message::header::{HeaderName, HeaderValue};
    const NAME: &str = "Subject";
    let name = HeaderName::new_from_ascii_str(NAME);
    if !subject.contains("=?") {
        return HeaderValue::new(name, subject.to_owned());
    }
    let mut encoded = String::new();
    {
        let mut w = email_encoding::headers::writer::EmailWriter::new(
            &mut encoded,
            NAME.len() + 2,
            0,
            false,
        );
        // Writing to a String cannot fail.
        let _ = email_encoding::headers::rfc2047::encode(subject, &mut w);
    }
    // Safe: base64 encoded words and folding whitespace only, made by the encoder above.
    HeaderValue::dangerous_new_pre_encoded(name, subject.to_owned(), encoded)
}

/// Builds the MIME message: text and HTML alternatives, then attachments.
pub fn build_message(from: &Mailbox, email: &Email) -> Result<Message, MailError> {
    let mut builder = Message::builder()
        .from(from.clone())
        .raw_header(subject_header(&email.subject))
        .message_id(Some(email.message_id.clone()));
    for (name, address) in &email.to {
        let mailbox = Mailbox::new(
            Some(name.clone()),
            address
                .parse()
                .map_err(|e| MailError::Message(format!("{}: {e}", mask(address))))?,
        );
        builder = builder.to(mailbox);
    }
    let alternative = MultiPart::alternative()
        .singlepart(
            SinglePart::builder()
                .header(ContentType::TEXT_PLAIN)
                .body(email.text.clone()),
        )
        .singlepart(
            SinglePart::builder()
                .header(ContentType::TEXT_HTML)
                .body(email.html.clone()),
        );
    let body = if email.attachments.is_empty() {
        alternative
    } else {
        let mut mixed = MultiPart::mixed().multipart(alternative);
        for a in &email.attachments {
            let ct = ContentType::parse(&a.content_type)
                .map_err(|e| MailError::Message(e.to_string()))?;
            mixed = mixed
                .singlepart(LettreAttachment::new(a.filename.clone()).body(a.bytes.clone(), ct));
        }
        mixed
    };
    builder
        .multipart(body)
        .map_err(|e| MailError::Message(e.to_string()))
}

#[async_trait::async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, email: &Email) -> Result<(), MailError> {
        let message = build_message(&self.from, email)?;
        match tokio::time::timeout(self.deadline, self.transport.send(message)).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(MailError::Smtp(e.to_string())),
            Err(_) => Err(MailError::Smtp(format!(
                "no answer from the SMTP server within {:?}",
                self.deadline
            ))),
        }
    }
}
