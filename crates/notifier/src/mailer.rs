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

/// The configured sender (`mail.from`).
fn sender(s: &MailSettings) -> Result<Mailbox, MailError> {
    s.from
        .parse()
        .map_err(|e| MailError::Message(format!("mail.from {:?}: {e}", s.from)))
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
        let from = sender(s)?;
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

/// `Auto-Submitted: auto-generated` (RFC 3834): out-of-office and other automatic replies
/// are not sent back to a machine, so they cannot loop; Exchange's own header asks the same.
fn automatic_headers() -> [lettre::message::header::HeaderValue; 2] {
    use lettre::message::header::{HeaderName, HeaderValue};
    [
        HeaderValue::new(
            HeaderName::new_from_ascii_str("Auto-Submitted"),
            "auto-generated".to_owned(),
        ),
        HeaderValue::new(
            HeaderName::new_from_ascii_str("X-Auto-Response-Suppress"),
            "All".to_owned(),
        ),
    ]
}

/// Builds the MIME message: text and HTML alternatives, then attachments.
pub fn build_message(from: &Mailbox, email: &Email) -> Result<Message, MailError> {
    let mut builder = Message::builder()
        .from(from.clone())
        .raw_header(subject_header(&email.subject))
        .message_id(Some(email.message_id.clone()));
    for h in automatic_headers() {
        builder = builder.raw_header(h);
    }
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

/// Writes each message, as sent, to `NNNNNN.eml` in a folder: development needs no mail
/// server, and every message can be opened in a mail client.
pub struct FileMailer {
    dir: std::path::PathBuf,
    from: Mailbox,
    next: std::sync::atomic::AtomicU64,
}

impl FileMailer {
    /// Creates the folder if needed; numbering goes on after the files already there.
    pub fn new(s: &MailSettings) -> Result<Self, MailError> {
        let from = sender(s)?;
        let dir = std::path::PathBuf::from(&s.file_dir);
        std::fs::create_dir_all(&dir)
            .map_err(|e| MailError::Smtp(format!("mail.file_dir {}: {e}", dir.display())))?;
        let last = std::fs::read_dir(&dir)
            .map_err(|e| MailError::Smtp(format!("mail.file_dir {}: {e}", dir.display())))?
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                let name = e.file_name().into_string().ok()?;
                name.strip_suffix(".eml")?.parse::<u64>().ok()
            })
            .max()
            .unwrap_or(0);
        tracing::info!(dir = %dir.display(), "mail is written to files, not sent (mail.transport = \"file\")");
        Ok(Self {
            dir,
            from,
            next: std::sync::atomic::AtomicU64::new(last + 1),
        })
    }
}

#[async_trait::async_trait]
impl Mailer for FileMailer {
    async fn send(&self, email: &Email) -> Result<(), MailError> {
        let bytes = build_message(&self.from, email)?.formatted();
        let n = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = self.dir.join(format!("{n:06}.eml"));
        let tmp = self.dir.join(format!(".{n:06}.eml.tmp"));
        let write = async {
            tokio::fs::write(&tmp, &bytes).await?;
            tokio::fs::rename(&tmp, &path).await
        };
        write
            .await
            .map_err(|e| MailError::Smtp(format!("writing {}: {e}", path.display())))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests fail loudly")]
    use super::*;

    /// Every message says it was sent by a machine (RFC 3834), so auto-replies do not loop.
    #[test]
    fn messages_are_marked_auto_generated() {
        let from: Mailbox = "网格通 <gridline@example.gov.cn>".parse().unwrap();
        let email = Email {
            message_id: "<1@gridline.example>".into(),
            to: vec![("李".into(), "li@example.gov.cn".into())],
            subject: "工单".into(),
            text: "t".into(),
            html: "<p>h</p>".into(),
            attachments: vec![],
        };
        let raw = String::from_utf8(build_message(&from, &email).unwrap().formatted()).unwrap();
        assert!(
            raw.contains("\r\nAuto-Submitted: auto-generated\r\n"),
            "{raw}"
        );
        assert!(
            raw.contains("\r\nX-Auto-Response-Suppress: All\r\n"),
            "{raw}"
        );
    }
}

#[cfg(test)]
mod file_tests {
    #![allow(clippy::unwrap_used, reason = "tests fail loudly")]
    use super::*;

    /// The file transport writes each message whole, numbered after what is already there.
    #[tokio::test]
    async fn messages_go_to_numbered_files() {
        let dir = std::env::temp_dir().join(format!("gridline-mail-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("000041.eml"), b"old").unwrap();
        let settings: MailSettings = toml::from_str(&format!(
            "transport = \"file\"\nfile_dir = {:?}\nhost = \"\"\nport = 25\nsecurity = \"none\"\nfrom = \"网格通 <gridline@example.gov.cn>\"\nbase_url = \"http://x\"\nmessage_id_domain = \"x\"\ntimeout_secs = 1\n",
            dir.display().to_string()
        ))
        .unwrap();
        let m = FileMailer::new(&settings).unwrap();
        let email = Email {
            message_id: "<7@x>".into(),
            to: vec![("李".into(), "li@example.gov.cn".into())],
            subject: "新工单".into(),
            text: "正文".into(),
            html: "<p>正文</p>".into(),
            attachments: vec![],
        };
        m.send(&email).await.unwrap();
        m.send(&email).await.unwrap();
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(names, ["000041.eml", "000042.eml", "000043.eml"]);
        let raw = std::fs::read_to_string(dir.join("000042.eml")).unwrap();
        assert!(
            raw.contains("Message-ID: <7@x>") && raw.contains("li@example.gov.cn"),
            "{raw}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
