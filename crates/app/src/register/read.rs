//! Reading a register file: .xlsx (the first sheet) or .csv in UTF-8 or GBK, the encodings
//! Chinese offices export.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};

use crate::error::{AppError, AppResult};

/// The largest register file read (20 000 rows fit in a few MB).
pub const MAX_FILE_BYTES: usize = 16 << 20;

/// The most an .xlsx may unpack to: a small archive that unpacks to gigabytes (a "zip
/// bomb") is refused before it is read.
pub const MAX_UNPACKED_BYTES: u128 = 128 << 20;

/// Refuses a workbook whose declared unpacked size is unknown or too large.
fn check_unpacked(bytes: &[u8]) -> AppResult<()> {
    let bad = |e: zip::result::ZipError| {
        unreadable(format!(
            "not a readable .xlsx workbook: {e} / 无法读取该 Excel 文件"
        ))
    };
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(bad)?;
    // The sizes the central directory declares. An archive that lies about them is not
    // caught here (calamine then unpacks what it holds): a known limit, see the README.
    let mut total = 0u128;
    for i in 0..archive.len() {
        total += u128::from(archive.by_index_raw(i).map_err(bad)?.size());
    }
    if total > MAX_UNPACKED_BYTES {
        return Err(AppError::too_large(
            "the workbook unpacks to more than 128 MB; save it again or as CSV / 工作簿解压后过大，请另存或改用 CSV",
        ));
    }
    Ok(())
}

/// A register file's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Xlsx,
    Csv,
}

impl Format {
    /// The format of `bytes`: an .xlsx is a ZIP archive; anything else is read as CSV.
    pub fn sniff(bytes: &[u8]) -> Format {
        if bytes.starts_with(b"PK\x03\x04") {
            Format::Xlsx
        } else {
            Format::Csv
        }
    }
}

fn unreadable(detail: impl Into<String>) -> AppError {
    AppError::invalid("file", "unreadable_file", detail)
}

/// A cell as text: whole numbers without a decimal point (a phone number typed into Excel
/// becomes a number).
fn text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => if *b { "是" } else { "否" }.to_owned(),
        other => other.to_string(),
    }
}

/// The text of a CSV file: UTF-8 (with or without a byte-order mark), else GBK.
pub fn decode(bytes: &[u8]) -> AppResult<String> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok(s.to_owned());
    }
    let (text, _, had_errors) = encoding_rs::GBK.decode(bytes);
    if had_errors {
        return Err(unreadable(
            "the file is neither UTF-8 nor GBK text / 文件编码无法识别（须为 UTF-8 或 GBK）",
        ));
    }
    Ok(text.into_owned())
}

/// Every row of the file, header first, as text. Blank rows are left out.
pub fn rows(bytes: &[u8]) -> AppResult<Vec<Vec<String>>> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(AppError::too_large("a register file is at most 16 MB"));
    }
    let mut out = Vec::new();
    match Format::sniff(bytes) {
        Format::Xlsx => {
            check_unpacked(bytes)?;
            let mut book = Xlsx::new(Cursor::new(bytes)).map_err(|e| {
                unreadable(format!(
                    "not a readable .xlsx workbook: {e} / 无法读取该 Excel 文件"
                ))
            })?;
            let sheet = book
                .worksheet_range_at(0)
                .ok_or_else(|| unreadable("the workbook has no sheet / 工作簿中没有工作表"))?
                .map_err(|e| unreadable(format!("the first sheet cannot be read: {e}")))?;
            for r in sheet.rows() {
                out.push(r.iter().map(text).collect::<Vec<_>>());
                if out.len() > gridline_domain::register::MAX_ROWS + 1 {
                    break;
                }
            }
        }
        Format::Csv => {
            let text = decode(bytes)?;
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(text.as_bytes());
            for record in reader.records() {
                let record = record.map_err(|e| {
                    unreadable(format!(
                        "not a readable CSV file: {e} / 无法读取该 CSV 文件"
                    ))
                })?;
                out.push(record.iter().map(str::to_owned).collect());
                if out.len() > gridline_domain::register::MAX_ROWS + 1 {
                    break;
                }
            }
        }
    }
    out.retain(|r| r.iter().any(|c| !c.trim().is_empty()));
    if out.len() > gridline_domain::register::MAX_ROWS + 1 {
        return Err(AppError::invalid(
            "file",
            "too_many_rows",
            format!(
                "at most {} rows per file; split it / 每个文件最多 {} 行，请分批导入",
                gridline_domain::register::MAX_ROWS,
                gridline_domain::register::MAX_ROWS
            ),
        ));
    }
    if out.is_empty() {
        return Err(AppError::invalid(
            "file",
            "empty_file",
            "the file is empty / 文件为空",
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests fail loudly")]

    use super::*;

    #[test]
    fn utf8_with_or_without_bom_and_gbk() {
        let text = "企业名称,统一社会信用代码\n中兴通讯,91441600MA4T00001X\n";
        assert_eq!(decode(text.as_bytes()).unwrap(), text);
        let bom = [b"\xef\xbb\xbf".as_slice(), text.as_bytes()].concat();
        assert_eq!(decode(&bom).unwrap(), text);
        let (gbk, _, _) = encoding_rs::GBK.encode(text);
        assert!(
            std::str::from_utf8(&gbk).is_err(),
            "the GBK bytes are not UTF-8"
        );
        assert_eq!(decode(&gbk).unwrap(), text);
        let rows = rows(&gbk).unwrap();
        assert_eq!(rows[1], ["中兴通讯", "91441600MA4T00001X"]);
    }

    /// A small archive declaring a huge sheet is refused before anything is unpacked.
    #[test]
    fn a_zip_bomb_is_refused() {
        use std::io::Write as _;
        let mut buf = Cursor::new(Vec::new());
        {
            let mut z = zip::ZipWriter::new(&mut buf);
            let opts = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated);
            z.start_file("xl/worksheets/sheet1.xml", opts).unwrap();
            let zeros = vec![b'0'; 1 << 20];
            for _ in 0..200 {
                z.write_all(&zeros).unwrap();
            }
            z.finish().unwrap();
        }
        let bytes = buf.into_inner();
        assert!(bytes.len() < 1 << 20, "small on the wire: {}", bytes.len());
        let e = rows(&bytes).unwrap_err();
        assert_eq!(e.code(), "body_too_large");
    }

    #[test]
    fn numbers_typed_into_excel_read_as_written() {
        assert_eq!(text(&Data::Float(13800000000.0)), "13800000000");
        assert_eq!(text(&Data::Float(1.5)), "1.5");
        assert_eq!(text(&Data::Bool(true)), "是");
    }
}
