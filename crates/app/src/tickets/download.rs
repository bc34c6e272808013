//! How an attachment leaves the system, whichever door serves it.

use gridline_domain::attachment::FileKind;
use gridline_store::entity::attachments;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// An attachment ready to send: its bytes and the HTTP headers both web doors set.
///
/// Always a download (`Content-Disposition: attachment`) under a name whose extension matches
/// the type read from the bytes when it was stored, with `nosniff` and a sandboxing CSP, so
/// a file crafted to look like a picture can never run as a page of this site. Pages still
/// show pictures in `<img>`, which ignores the disposition.
pub struct Download {
    /// Header names (lower case) and values.
    pub headers: Vec<(&'static str, String)>,
    /// The bytes.
    pub body: Vec<u8>,
}

/// The download of a stored attachment.
pub fn download(a: attachments::Model) -> Download {
    download_file(&a.content_type, &a.filename, a.data)
}

/// The download of any stored file (a ticket's attachment, a visit's photo) by its type,
/// name and bytes.
pub fn download_file(content_type: &str, filename: &str, data: Vec<u8>) -> Download {
    // RFC 5987: letters, digits and a few marks as they are, every other byte %-encoded.
    const ATTR: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    let (content_type, filename) = match FileKind::from_mime(content_type) {
        Some(k) => (k.mime(), k.file_name(filename)),
        None => ("application/octet-stream", "attachment.bin".to_owned()),
    };
    // A plain-ASCII fallback for old clients, then the real name.
    let fallback: String = filename
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let name = utf8_percent_encode(&filename, ATTR);
    Download {
        headers: vec![
            ("content-type", content_type.to_owned()),
            (
                "content-disposition",
                format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{name}"),
            ),
            ("x-content-type-options", "nosniff".to_owned()),
            (
                "content-security-policy",
                "default-src 'none'; sandbox".to_owned(),
            ),
            ("cache-control", "private, max-age=3600".to_owned()),
        ],
        body: data,
    }
}

impl Download {
    /// As an HTTP response (both web doors send it as it is).
    pub fn into_response(self) -> http::Response<Vec<u8>> {
        let mut res = http::Response::new(self.body);
        for (name, value) in self.headers {
            if let Ok(v) = http::HeaderValue::from_str(&value) {
                res.headers_mut().insert(name, v);
            }
        }
        res
    }
}
