//! Attachments (附件): photos and PDFs filed with a ticket. The type is read from the bytes,
//! never from the name or the browser's claim, and sizes are capped so a phone upload on a
//! slow link cannot fill the database.

use serde::Serialize;

use crate::error::DomainError;

/// Largest accepted file.
pub const MAX_BYTES: usize = 8 * 1024 * 1024;
/// Most files per ticket.
pub const MAX_FILES: usize = 6;
/// Longest kept file name, in characters.
const MAX_NAME_CHARS: usize = 120;

/// What a file is, from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum FileKind {
    Jpeg,
    Png,
    Webp,
    Heic,
    Pdf,
}

impl FileKind {
    /// Reads the magic number. Five formats are accepted; everything else is refused.
    pub fn sniff(bytes: &[u8]) -> Option<FileKind> {
        match bytes {
            [0xFF, 0xD8, 0xFF, ..] => Some(FileKind::Jpeg),
            [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, ..] => Some(FileKind::Png),
            [
                b'R',
                b'I',
                b'F',
                b'F',
                _,
                _,
                _,
                _,
                b'W',
                b'E',
                b'B',
                b'P',
                ..,
            ] => Some(FileKind::Webp),
            [
                _,
                _,
                _,
                _,
                b'f',
                b't',
                b'y',
                b'p',
                b'h',
                b'e',
                b'i',
                b'c' | b'x',
                ..,
            ] => Some(FileKind::Heic),
            [b'%', b'P', b'D', b'F', b'-', ..] => Some(FileKind::Pdf),
            _ => None,
        }
    }

    /// The media type served back.
    pub fn mime(self) -> &'static str {
        match self {
            FileKind::Jpeg => "image/jpeg",
            FileKind::Png => "image/png",
            FileKind::Webp => "image/webp",
            FileKind::Heic => "image/heic",
            FileKind::Pdf => "application/pdf",
        }
    }

    /// The kind served as `mime` (what [`FileKind::mime`] gave when it was stored).
    pub fn from_mime(mime: &str) -> Option<FileKind> {
        [
            FileKind::Jpeg,
            FileKind::Png,
            FileKind::Webp,
            FileKind::Heic,
            FileKind::Pdf,
        ]
        .into_iter()
        .find(|k| k.mime() == mime)
    }

    /// The file name extensions of this kind, the usual one first.
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            FileKind::Jpeg => &["jpg", "jpeg"],
            FileKind::Png => &["png"],
            FileKind::Webp => &["webp"],
            FileKind::Heic => &["heic", "heif"],
            FileKind::Pdf => &["pdf"],
        }
    }

    /// A safe name for a file of this kind: the last path segment of `raw`, without control
    /// or path characters, ending in an extension of this kind (`evil.html` holding a JPEG
    /// becomes `evil.jpg`), so whoever saves it opens it as what it is.
    pub fn file_name(self, raw: &str) -> String {
        let base = raw.rsplit(['/', '\\']).next().unwrap_or_default();
        let name: String = base
            .chars()
            .filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>' | ':' | '|' | '?' | '*'))
            .take(MAX_NAME_CHARS)
            .collect();
        let name = name.trim();
        let ext = self.extensions()[0];
        if name.is_empty() || name.starts_with('.') {
            return format!("attachment.{ext}");
        }
        match name.rsplit_once('.') {
            Some((_, e)) if self.extensions().contains(&e.to_ascii_lowercase().as_str()) => {
                name.to_owned()
            }
            Some((stem, _)) if !stem.trim().is_empty() => format!("{}.{ext}", stem.trim()),
            _ => format!("{name}.{ext}"),
        }
    }

    /// Whether browsers show it inline as a picture.
    pub fn is_image(mime: &str) -> bool {
        matches!(mime, "image/jpeg" | "image/png" | "image/webp")
    }
}

/// A checked file, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAttachment {
    pub filename: String,
    pub kind: FileKind,
    pub data: Vec<u8>,
}

impl NewAttachment {
    /// Checks one uploaded file.
    pub fn parse(filename: &str, data: Vec<u8>) -> Result<Self, DomainError> {
        if data.is_empty() {
            return Err(DomainError::invalid(
                "attachments",
                "empty_file",
                "the file is empty / 文件为空",
            ));
        }
        if data.len() > MAX_BYTES {
            return Err(DomainError::invalid(
                "attachments",
                "file_too_large",
                format!(
                    "each file is at most {} MB / 单个文件不能超过 {} MB",
                    MAX_BYTES >> 20,
                    MAX_BYTES >> 20
                ),
            ));
        }
        let kind = FileKind::sniff(&data).ok_or_else(|| {
            DomainError::invalid(
                "attachments",
                "unsupported_file_type",
                "only photos (JPEG, PNG, WebP, HEIC) and PDF files / 仅支持照片（JPEG、PNG、WebP、HEIC）和 PDF 文件",
            )
        })?;
        Ok(Self {
            filename: kind.file_name(filename),
            kind,
            data,
        })
    }

    /// Checks the number of files.
    pub fn check_count(n: usize) -> Result<(), DomainError> {
        if n > MAX_FILES {
            return Err(DomainError::invalid(
                "attachments",
                "too_many_files",
                format!("at most {MAX_FILES} files / 最多 {MAX_FILES} 个文件"),
            ));
        }
        Ok(())
    }
}

/// Evidence (办结佐证) may be added to these events: what was done, why it was returned, what
/// the enterprise said.
pub const EVIDENCE_ACTIONS: &[crate::kinds::ActionKind] = &[
    crate::kinds::ActionKind::Resolve,
    crate::kinds::ActionKind::Return,
    crate::kinds::ActionKind::Report,
    crate::kinds::ActionKind::FollowUp,
    crate::kinds::ActionKind::CoReply,
];

/// How long after the event its author may add evidence to it, in hours.
pub const EVIDENCE_WINDOW_HOURS: i64 = 24;

/// Whether `actor` may add evidence to an event of `action` recorded by `author` at `at`:
/// only its author, only to the actions that take evidence, within
/// [`EVIDENCE_WINDOW_HOURS`] (so a record is not reworked long after).
pub fn check_evidence(
    actor: crate::ids::UserId,
    author: crate::ids::UserId,
    action: crate::kinds::ActionKind,
    at: chrono::DateTime<chrono::Utc>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), DomainError> {
    if actor != author {
        return Err(DomainError::invalid(
            "event_id",
            "not_your_event",
            "evidence is added by whoever recorded the step / 佐证材料只能由该步骤的办理人补充",
        ));
    }
    if !EVIDENCE_ACTIONS.contains(&action) {
        return Err(DomainError::invalid(
            "event_id",
            "no_evidence_for_action",
            "evidence goes with a resolution, a return, a report, a follow-up call or a co-handling opinion / 佐证材料只能附在办结、退回、反馈、回访记录或协办意见上",
        ));
    }
    if now - at > chrono::Duration::hours(EVIDENCE_WINDOW_HOURS) {
        return Err(DomainError::invalid(
            "event_id",
            "too_late",
            format!(
                "evidence is added within {EVIDENCE_WINDOW_HOURS} hours of the step / 佐证材料须在办理后 {EVIDENCE_WINDOW_HOURS} 小时内补充"
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_by_content_not_name() {
        let pdf = b"%PDF-1.7\n...".to_vec();
        let a = NewAttachment::parse("photo.jpg", pdf).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(a.kind, FileKind::Pdf);
        assert!(NewAttachment::parse("x.pdf", b"MZ\x90\x00".to_vec()).is_err());
        assert!(NewAttachment::parse("x.png", vec![]).is_err());
    }

    #[test]
    fn names_lose_paths_and_dots() {
        let png = b"\x89PNG\r\n\x1a\n rest".to_vec();
        let a = NewAttachment::parse("C:\\Users\\me\\现场照片.png", png.clone())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(a.filename, "现场照片.png");
        let b = NewAttachment::parse("../../.hidden", png).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(b.filename, "attachment.png");
    }

    #[test]
    fn names_end_in_the_detected_type() {
        let jpeg = b"\xFF\xD8\xFF\xE0<html><script>alert(1)</script>".to_vec();
        let a =
            NewAttachment::parse("../../evil.html", jpeg.clone()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(a.filename, "evil.jpg");
        assert_eq!(FileKind::Jpeg.file_name("IMG_0001.JPEG"), "IMG_0001.JPEG");
        assert_eq!(FileKind::Pdf.file_name("现场记录"), "现场记录.pdf");
        assert_eq!(FileKind::Png.file_name("a.b.svg"), "a.b.png");
        assert_eq!(FileKind::Heic.file_name("x.heif"), "x.heif");
        assert_eq!(FileKind::from_mime("application/pdf"), Some(FileKind::Pdf));
        assert_eq!(FileKind::from_mime("text/html"), None);
    }

    #[test]
    fn limits() {
        let mut big = b"%PDF-".to_vec();
        big.resize(MAX_BYTES + 1, 0);
        let e = NewAttachment::parse("big.pdf", big).err();
        assert!(matches!(
            e,
            Some(DomainError::Invalid {
                code: "file_too_large",
                ..
            })
        ));
        assert!(NewAttachment::check_count(MAX_FILES).is_ok());
        assert!(NewAttachment::check_count(MAX_FILES + 1).is_err());
    }
}
